"""The attendance list: typed live in a short form, imported from a sign-in sheet, corrected
in place in an editable grid on a laptop (:mod:`.attendance_grid`).

A sheet imported into a list that has people asks first: replace the list (a corrected
sheet, people keep their sheet's N°) or add after it (a second sheet, numbered on); the list
can be emptied at once. Both are undone by
one click, the former list coming back whole. Every row is kept; defects (no phone, no
e-mail, an e-mail without "@", the same person twice) are highlighted in the table and
counted; a small chart counts people by institution.
A person's group is stored as the group's slug and shown by its name, so renaming a group
keeps its people.
"""

from __future__ import annotations

import html
from collections import Counter
from collections.abc import Mapping, Sequence

import ipywidgets as w

from ccm_widgets.domain.attendance import attendance_defects
from ccm_widgets.domain.model import FACILITATOR_ACTOR, Actor, Participant
from ccm_widgets.files.importing import read_attendance
from ccm_widgets.i18n import t
from ccm_widgets.store import Store
from ccm_widgets.widgets.common.controls import button, file_picker
from ccm_widgets.widgets.common.items import Field, Item, ItemListEditor
from ccm_widgets.widgets.common.status import StatusBar
from ccm_widgets.widgets.facilitator.attendance_grid import AttendanceGrid

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
/* The editable grid takes a laptop's width; a narrower screen reads the plain list. */
@media (max-width: 1199px) { .ccm-wide-only { display: none !important; } }
@media (min-width: 1200px) { .ccm-narrow-only { display: none !important; } }
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
        #: A sheet chosen while the list has people, waiting for "replace" or "append".
        self.pending: tuple[str, bytes] | None = None
        self.mode_text = w.HTML()
        self.replace_button = button(t("attendance.mode_replace"), self._on_replace, "warning")
        self.append_button = button(t("attendance.mode_append"), self._on_append)
        self.mode_cancel = button(t("attendance.clear_cancel"), self._on_mode_cancel)
        self.mode_box = w.VBox(
            [
                self.mode_text,
                w.HBox([self.replace_button, self.append_button, self.mode_cancel]),
            ],
            layout=w.Layout(display="none", border="1px solid #8a5300", padding="6px"),
        )
        self.mode_box.add_class("ccm-attendance-mode")
        self.upload = file_picker(
            self.import_file, accept=".csv,.tsv,.txt,.xlsx", description=t("attendance.upload")
        )
        self.clear_button = button(t("attendance.clear"), self._on_clear, "danger")
        self.confirm_text = w.HTML()
        self.confirm_button = button(t("attendance.clear_confirm"), self._on_confirm, "danger")
        self.cancel_button = button(t("attendance.clear_cancel"), self._on_cancel)
        self.confirm_box = w.VBox(
            [self.confirm_text, w.HBox([self.confirm_button, self.cancel_button])],
            layout=w.Layout(display="none", border="1px solid #b3261e", padding="6px"),
        )
        self.confirm_box.add_class("ccm-attendance-confirm")
        #: Brings back the list a clearing or a replacing sheet took away.
        self.undo_button = button(t("attendance.undo"), self._on_undo)
        self.undo_button.layout.display = "none"
        self._batch: int | None = None
        self.summary = w.HTML()
        self.chart = w.HTML()
        self.table = w.HTML()
        self.table.add_class("ccm-narrow-only")
        self.grid = AttendanceGrid(store=store, actor=actor, on_change=self._on_grid_change)
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
                        [
                            self.upload,
                            self.mode_box,
                            w.HBox([self.clear_button]),  # as wide as its words
                            self.confirm_box,
                            self.status,
                            w.HBox([self.undo_button]),
                            self.chart,
                        ],
                        layout=w.Layout(flex="1 1 320px", min_width="0"),
                    ),
                ],
                layout=w.Layout(width="100%"),
            ),
            self.summary,
            self.grid,
            self.table,
        )
        self.refresh()

    def _on_grid_change(self) -> None:
        """A cell corrected in the grid: the summary, chart, list and form follow."""
        self.redraw()
        self.form.refresh()

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
        self.grid.refresh()

    def import_file(self, name: str, content: bytes, *, mode: str | None = None) -> int:
        """Import a sign-in sheet: ``mode`` ``replace`` (the list becomes the sheet) or
        ``append`` (after the list). Into a list that has people, with no ``mode``, the
        page asks first and nothing is written yet. The defects are listed; a refused file
        writes nothing. Returns the people the sheet brought."""
        from ccm_widgets.files.loading import import_attendance

        before = len(self.store.items.participants())
        if mode is None and before:
            try:  # a file that cannot be imported is refused now, not after the question
                rows = len(read_attendance(name, content).rows)
            except Exception as error:  # shown; nothing is written
                self._on_mode_cancel()
                self.status.fail(error)
                return 0
            self.pending = (name, content)
            self.mode_text.value = html.escape(
                t("attendance.mode_question", name=name, rows=rows, count=before)
            )
            self.mode_box.layout.display = None
            return 0
        self.pending = None
        self.mode_box.layout.display = "none"
        replace = mode == "replace"
        try:
            outcome = import_attendance(
                self.store, name, data=content, actor=self.actor, replace=replace
            )
        except Exception as error:  # shown; a refused file has written nothing
            self.status.fail(error)
            return 0
        level = "warning" if outcome.warnings else "ok"
        self.status.show(outcome.summary, level)
        self._offer_undo(outcome.batch if replace and before else None)
        self.refresh()
        after = len(self.store.items.participants())
        return after if replace else after - before

    def _on_replace(self, _button: object = None) -> None:
        self._import_pending("replace")

    def _on_append(self, _button: object = None) -> None:
        self._import_pending("append")

    def _on_mode_cancel(self, _button: object = None) -> None:
        self.pending = None
        self.mode_box.layout.display = "none"
        self.status.show(t("attendance.import_cancelled"), "info")

    def _import_pending(self, mode: str) -> int:
        if self.pending is None:
            return 0
        name, content = self.pending
        return self.import_file(name, content, mode=mode)

    # -- emptying the list, and undoing it ----------------------------------------------------

    def _on_clear(self, _button: object = None) -> None:
        self.ask_clear()

    def ask_clear(self) -> bool:
        """Ask before emptying the list (nothing is deleted yet). False when it is empty."""
        count = len(self.store.items.participants())
        if not count:
            self.status.show(t("attendance.already_empty"), "warning")
            return False
        self.confirm_text.value = html.escape(t("attendance.clear_question", count=count))
        self.confirm_box.layout.display = None
        return True

    def _on_confirm(self, _button: object = None) -> None:
        self.clear()

    def _on_cancel(self, _button: object = None) -> None:
        self.confirm_box.layout.display = "none"

    def clear(self) -> int:
        """Empty the list, in one transaction; "undo" brings it back. Returns how many
        people it held."""
        self.confirm_box.layout.display = "none"
        count = len(self.store.items.participants())
        try:
            batch = self.store.items.clear("participants", actor=self.actor)
        except Exception as error:  # shown, not lost in the log
            self.status.fail(error)
            return 0
        self.status.show(t("attendance.cleared", count=count), "ok")
        self._offer_undo(batch)
        self.refresh()
        return count

    def _offer_undo(self, batch: int | None) -> None:
        self._batch = batch
        self.undo_button.layout.display = None if batch is not None else "none"
        self.form.forget_undo()

    def _on_undo(self, _button: object = None) -> None:
        self.undo()

    def undo(self) -> bool:
        """Bring back the list the last clearing or replacing sheet took away (the people
        that sheet brought leave it)."""
        if self._batch is None:
            return False
        try:
            removed, restored = self.store.items.undo_batch(
                "participants", self._batch, actor=self.actor
            )
        except Exception as error:  # shown, not lost in the log
            self.status.fail(error)
            return False
        self._offer_undo(None)
        self.status.show(t("attendance.undone", restored=restored, removed=removed), "ok")
        self.refresh()
        return True
