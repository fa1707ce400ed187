"""Review of the previous recommendations: the table by section, each row's state of
implementation and status, typed live in the table itself (:mod:`.review_table`), imported,
or carried over from the last meeting; rows are added, removed and moved in the form below.

A chart counts the statuses of each section and follows each change at once; the page
follows the other tabs' changes too. Statuses are stored as codes
(:class:`~ccm_widgets.domain.model.ReviewStatus`) and shown in the catalogue's words; an
imported table's own words are shown as it wrote them.
"""

from __future__ import annotations

import html
from collections import Counter

import ipywidgets as w

from ccm_widgets.domain.model import (
    FACILITATOR_ACTOR,
    GENERAL,
    Actor,
    ReviewRow,
    ReviewStatus,
    review_status_label,
)
from ccm_widgets.i18n import t
from ccm_widgets.report.document import (
    OTHER_STATUS,
    STATUS_COLOURS,
    status_bucket,
    status_bucket_label,
)
from ccm_widgets.store import Store
from ccm_widgets.widgets.common.controls import file_picker
from ccm_widgets.widgets.common.items import Field, Item, ItemListEditor
from ccm_widgets.widgets.common.status import StatusBar
from ccm_widgets.widgets.common.watcher import ChangeWatcher
from ccm_widgets.widgets.facilitator.review_table import ReviewTable


def status_chart(rows: list[ReviewRow], names: dict[str, str]) -> str:
    """One stacked bar per section, a coloured block per status, with a legend; escaped.

    The colours and the order are the report's (:data:`STATUS_COLOURS`).
    """
    by_section: dict[str, Counter[str]] = {}
    for row in rows:
        by_section.setdefault(row.section, Counter())[status_bucket(row.status)] += 1
    if not by_section:
        return ""
    lines = []
    for section, counts in by_section.items():
        present = [(b, c, counts[b]) for b, c in STATUS_COLOURS.items() if counts[b]]
        blocks = "".join(
            f"<span title='{html.escape(status_bucket_label(bucket))} : {n}' "
            f"style='display:inline-block;height:18px;width:{24 * n}px;"
            f"background:{colour}'></span>"
            for bucket, colour, n in present
        )
        detail = ", ".join(f"{status_bucket_label(bucket)} {n}" for bucket, _, n in present)
        lines.append(
            f"<tr><td>{html.escape(names.get(section, section))}</td><td>{blocks}</td>"
            f"<td style='font-size:12px'>{html.escape(detail)}</td></tr>"
        )
    shown = {bucket for counts in by_section.values() for bucket in counts}
    legend = " ".join(
        f"<span style='color:{colour}'>■</span> " + html.escape(status_bucket_label(bucket))
        for bucket, colour in STATUS_COLOURS.items()
        if bucket != OTHER_STATUS or bucket in shown
    )
    return f"<table class='ccm-status-chart'>{''.join(lines)}</table><div>{legend}</div>"


class ReviewPanel(w.VBox):
    """The review table as an editable list, its import and carry-over, and the chart."""

    def __init__(
        self, *, store: Store, actor: Actor = FACILITATOR_ACTOR, watch: bool = True
    ) -> None:
        super().__init__()
        self.store = store
        self.actor = actor
        self.table = ReviewTable(store=store, names=self._names, actor=actor, on_change=self.redraw)
        self.editor = ItemListEditor(
            store=store,
            table="review_rows",
            title=t("review.form_title"),
            actor=actor,
            describe=self._describe,
            fields=[
                Field("section", t("review.section"), "choice", self._sections),
                Field("recommendation", t("review.recommendation"), "area"),
                Field("state", t("review.state"), "area"),
                Field("status", t("review.status"), "choice", self._statuses),
            ],
            rows=6,
            on_change=self._on_list_change,
        )
        self.upload = file_picker(
            self.import_file, accept=".csv,.tsv,.txt,.xlsx", description=t("review.upload")
        )
        self.carry = file_picker(
            self.carry_over, accept=".csv,.xlsx,.sqlite", description=t("review.carry_over")
        )
        self.chart = w.HTML()
        self.status = StatusBar()
        self.add_class("ccm-review")
        self.children = (
            w.HTML(f"<h2>{html.escape(t('review.title'))}</h2>"),
            self.table,
            w.HTML(f"<h3>{html.escape(t('review.chart_title'))}</h3>"),
            self.chart,
            self.editor,
            w.HBox([self.upload, self.carry]),
            w.HTML(f"<i>{html.escape(t('review.carry_help'))}</i>"),
            self.status,
        )
        self.redraw()
        self.watcher = ChangeWatcher(store)
        self.watcher.on_change(self._on_store_change)
        if watch:
            self.watcher.start()

    def _on_list_change(self) -> None:
        self.table.refresh()
        self.redraw()

    def _on_store_change(self, _counter: int) -> None:
        self.refresh()

    def _names(self) -> dict[str, str]:
        return {GENERAL: t("synthesis.kind_general")} | {
            g.slug: g.name for g in self.store.groups.all()
        }

    def _sections(self) -> list[tuple[str, str]]:
        return [(name, key) for key, name in self._names().items()]

    @staticmethod
    def _statuses() -> list[tuple[str, str]]:
        """The status choices: shown in the catalogue's words, stored as codes."""
        return [(t("review.no_status"), "")] + [(s.label, s.value) for s in ReviewStatus]

    def _describe(self, item: Item) -> str:
        """Section, status, recommendation: the status before the text a long line cuts."""
        section = self._names().get(str(item["section"]), str(item["section"]))
        label = review_status_label(str(item["status"]))
        status = f"[{label}] " if label else ""
        return f"{section} · {status}{item['recommendation']}"

    def refresh(self) -> None:
        """Table, chart and list from the store."""
        self.table.refresh()
        self.redraw()
        self.editor.refresh()

    def redraw(self) -> None:
        """The chart from the store (the list has just written)."""
        self.chart.value = status_chart(self.store.items.review_rows(), self._names())

    def carry_over(self, name: str, content: bytes) -> bool:
        """Carry over the previous meeting's synthesis (its export or its store)."""
        return self.import_file(name, content, carry=True)

    def import_file(self, name: str, content: bytes, *, carry: bool = False) -> bool:
        """Import a review table, or carry over a previous synthesis; nothing on refusal."""
        from ccm_widgets.files.loading import carry_over_review, import_review

        try:
            if carry:
                outcome = carry_over_review(self.store, name, data=content, actor=self.actor)
            else:
                outcome = import_review(self.store, name, data=content, actor=self.actor)
        except Exception as error:  # shown; a refused file has written nothing
            self.status.fail(error)
            return False
        text = " ".join([outcome.summary, *outcome.warnings])
        self.status.show(text, "warning" if outcome.warnings else "ok")
        self.refresh()
        return True
