"""The attendance list: typed live in a short form or imported from a sign-in sheet.

Every row is kept; defects (no phone, no e-mail, an e-mail without "@", the same person
twice) are highlighted in the table and counted; a small chart counts people by institution.
A person's group is stored as the group's slug and shown by its name, so renaming a group
keeps its people.
"""

from __future__ import annotations

import html
from collections import Counter
from collections.abc import Mapping, Sequence

import ipywidgets as w

from ccm_widgets.domain.model import FACILITATOR_ACTOR, Actor, Participant
from ccm_widgets.files.importing import attendance_defects
from ccm_widgets.i18n import t
from ccm_widgets.store import Store
from ccm_widgets.widgets.common.controls import file_picker
from ccm_widgets.widgets.common.items import Field, Item, ItemListEditor
from ccm_widgets.widgets.common.status import StatusBar

ATTENDANCE_CSS = """
<style>
.ccm-attendance table { border-collapse: collapse; width: 100%; font-size: 14px; }
.ccm-attendance th, .ccm-attendance td { border: 1px solid #888; padding: 3px 6px;
  text-align: left; vertical-align: top; }
.ccm-attendance th { background: #dde4ee; }
.ccm-attendance tr.defect td { background: #fff3cd; }
.ccm-attendance td.missing { background: #f8d7da !important; font-style: italic; }
.ccm-attendance .defects { color: #8a5300; font-size: 12px; }
.ccm-bars { font-size: 14px; width: 100%; table-layout: fixed; }
.ccm-bars td:first-child { width: 45%; }
.ccm-bars .bar { background: #2c5d8f; height: 16px; display: inline-block; vertical-align: middle; }
.ccm-bars td { border: none !important; padding: 2px 6px !important; }
</style>
"""


def bar_chart(counts: Sequence[tuple[str, int]], *, width: int = 320) -> str:
    """A horizontal bar chart in plain HTML (nothing to load, prints as it shows), escaped.

    The longest bar is about ``width`` pixels where there is room; on a narrower screen
    every bar shrinks alike (their lengths are shares of the column, not pixels).
    """
    if not counts:
        return ""
    top = max(n for _, n in counts) or 1
    rows = "".join(
        f"<tr><td>{html.escape(label)}</td><td><span class='bar' "
        f"style='width:{max(1, round(80 * n / top))}%'></span> {n}</td></tr>"
        for label, n in counts
    )
    return f"<table class='ccm-bars' style='max-width:{round(width * 2.3)}px'>{rows}</table>"


def by_institution(people: Sequence[Participant]) -> list[tuple[str, int]]:
    """People counted by institution, largest first (unnamed institutions together)."""
    counter = Counter((p.institution.strip() or t("attendance.no_institution")) for p in people)
    return sorted(counter.items(), key=_largest_first)


def _largest_first(count: tuple[str, int]) -> tuple[int, str]:
    return -count[1], count[0]


def attendance_table(
    people: Sequence[Participant],
    defects: dict[int, list[str]],
    group_names: Mapping[str, str] | None = None,
) -> str:
    """The list with defective rows and missing cells highlighted, every text escaped.

    ``group_names`` gives each group's name by slug; a group no slug matches (a name a
    sheet gave) is shown as stored.
    """
    names = group_names or {}
    head = "".join(
        f"<th>{html.escape(t(f'attendance.col_{c}'))}</th>"
        for c in ("number", "name", "institution", "phone", "email", "group")
    )
    body = []
    for p in people:
        found = defects.get(p.id, [])
        cells = []
        for key, value in (
            ("number", str(p.number)), ("name", p.name), ("institution", p.institution),
            ("phone", p.phone), ("email", p.email), ("group", names.get(p.group, p.group)),
        ):  # fmt: skip
            missing = key in {"phone", "email", "name"} and not value
            bad = key == "email" and value and any("e-mail" in d for d in found)
            css = " class='missing'" if missing or bad else ""
            cells.append(f"<td{css}>{html.escape(value) or '—'}</td>")
        note = (
            f"<tr class='defect-note'><td></td><td colspan='5' class='defects'>"
            f"{html.escape(' ; '.join(found))}</td></tr>"
            if found
            else ""
        )
        css = " class='defect'" if found else ""
        body.append(f"<tr{css}>{''.join(cells)}</tr>{note}")
    return (
        f"<table class='ccm-attendance-list'><thead><tr>{head}</tr></thead>"
        f"<tbody>{''.join(body)}</tbody></table>"
    )


class AttendancePanel(w.VBox):
    """Form, upload, summary, chart by institution and the highlighted list."""

    def __init__(self, *, store: Store, actor: Actor = FACILITATOR_ACTOR) -> None:
        super().__init__()
        self.store = store
        self.actor = actor
        self.form = ItemListEditor(
            store=store,
            table="participants",
            title=t("attendance.form_title"),
            actor=actor,
            describe=self._describe,
            fields=[
                Field("name", t("attendance.col_name")),
                Field("institution", t("attendance.col_institution")),
                Field("phone", t("attendance.col_phone")),
                Field("email", t("attendance.col_email")),
                Field("grp", t("attendance.col_group"), "choice", self._group_choices),
            ],
            rows=6,
            on_change=self.redraw,
        )
        self.upload = file_picker(
            self.import_file, accept=".csv,.tsv,.txt,.xlsx", description=t("attendance.upload")
        )
        self.summary = w.HTML()
        self.chart = w.HTML()
        self.table = w.HTML()
        self.status = StatusBar()
        # Side by side where both fit (a laptop, a tablet), one above the other on a phone.
        self.form.layout = w.Layout(flex="1 1 420px", min_width="0", margin="0 16px 0 0")
        self.add_class("ccm-attendance")
        self.children = (
            w.HTML(f"{ATTENDANCE_CSS}<h2>{html.escape(t('attendance.title'))}</h2>"),
            w.HBox(
                [
                    self.form,
                    w.VBox(
                        [self.upload, self.status, self.chart],
                        layout=w.Layout(flex="1 1 320px", min_width="0"),
                    ),
                ],
                layout=w.Layout(width="100%"),
            ),
            self.summary,
            self.table,
        )
        self.refresh()

    @staticmethod
    def _describe(item: Item) -> str:
        return f"{item['name']} — {item['institution']}"

    def _group_choices(self) -> list[tuple[str, str]]:
        """A person's group: shown by its name, stored as its slug."""
        return [(t("attendance.no_group"), "")] + [
            (g.name, g.slug) for g in self.store.groups.all()
        ]

    def refresh(self) -> None:
        """Form, summary, chart and table from the store."""
        self.redraw()
        self.form.refresh()

    def redraw(self) -> None:
        """Summary, chart and table from the store (the form has just written)."""
        people = self.store.items.participants()
        defects, counts = attendance_defects(
            [(p.id, p.number, p.name, p.institution, p.phone, p.email) for p in people]
        )
        self.summary.value = html.escape(
            t(
                "attendance.summary",
                count=len(people),
                no_phone=counts["no_phone"],
                no_email=counts["no_email"],
                bad_email=counts["bad_email"],
                duplicates=counts["duplicates"],
            )
        )
        self.chart.value = f"<b>{html.escape(t('attendance.by_institution'))}</b>" + bar_chart(
            by_institution(people)
        )
        names = {g.slug: g.name for g in self.store.groups.all()}
        self.table.value = attendance_table(people, defects, names)

    def import_file(self, name: str, content: bytes) -> int:
        """Import a sign-in sheet; the defects are listed; a refused file writes nothing."""
        from ccm_widgets.files.loading import import_attendance

        before = len(self.store.items.participants())
        try:
            outcome = import_attendance(self.store, name, data=content, actor=self.actor)
        except Exception as error:  # shown; a refused file has written nothing
            self.status.fail(error)
            return 0
        level = "warning" if outcome.warnings else "ok"
        self.status.show(outcome.summary, level)
        self.refresh()
        return len(self.store.items.participants()) - before
