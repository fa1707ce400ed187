"""Review of the previous recommendations: the table by section, each row's state of
implementation and status, typed live, imported, or carried over from the last meeting.

A chart counts the statuses of each section.
"""

from __future__ import annotations

import html
from collections import Counter

import ipywidgets as w

from ccm_widgets.domain.model import GENERAL, ImportProblem, ReviewRow, ValidationError
from ccm_widgets.i18n import t
from ccm_widgets.store import REVIEW_STATUSES, Store, StoreError
from ccm_widgets.widgets.common.controls import file_picker
from ccm_widgets.widgets.common.items import Field, ItemListEditor
from ccm_widgets.widgets.common.status import StatusBar

STATUS_COLOURS = {
    "réalisée": "#17602a",
    "en cours": "#2c5d8f",
    "non réalisée": "#b3261e",
    "à reformuler": "#8a5300",
    "": "#999",
}


def status_chart(rows: list[ReviewRow], names: dict[str, str]) -> str:
    """One stacked bar per section, a coloured block per status, with a legend; escaped."""
    by_section: dict[str, Counter[str]] = {}
    for row in rows:
        by_section.setdefault(row.section, Counter())[row.status] += 1
    if not by_section:
        return ""
    lines = []
    for section, counts in by_section.items():
        blocks = "".join(
            f"<span title='{html.escape(status or t('review.no_status'))} : {n}' "
            f"style='display:inline-block;height:18px;width:{24 * n}px;"
            f"background:{STATUS_COLOURS[status]}'></span>"
            for status in (*REVIEW_STATUSES, "")
            if (n := counts.get(status, 0))
        )
        detail = ", ".join(
            f"{status or t('review.no_status')} {n}"
            for status in (*REVIEW_STATUSES, "")
            if (n := counts.get(status, 0))
        )
        lines.append(
            f"<tr><td>{html.escape(names.get(section, section))}</td><td>{blocks}</td>"
            f"<td style='font-size:12px'>{html.escape(detail)}</td></tr>"
        )
    legend = " ".join(
        f"<span style='color:{STATUS_COLOURS[s]}'>■</span> "
        + html.escape(s or t("review.no_status"))
        for s in (*REVIEW_STATUSES, "")
    )
    return f"<table class='ccm-status-chart'>{''.join(lines)}</table><div>{legend}</div>"


class ReviewPanel(w.VBox):
    """The review table as an editable list, its import and carry-over, and the chart."""

    def __init__(self, *, store: Store, actor: str = "animateur") -> None:
        super().__init__()
        self.store = store
        self.actor = actor
        self.editor = ItemListEditor(
            store=store,
            table="review_rows",
            title=t("review.title"),
            actor=actor,
            describe=self._describe,
            fields=[
                Field("section", t("review.section"), "choice", self._sections),
                Field("recommendation", t("review.recommendation"), "area"),
                Field("state", t("review.state"), "area"),
                Field("status", t("review.status"), "choice", self._statuses),
            ],
            rows=10,
        )
        self.upload = file_picker(
            self.import_file, accept=".csv,.tsv,.txt,.xlsx", description=t("review.upload")
        )
        self.carry = file_picker(
            lambda name, content: self.import_file(name, content, carry=True),
            accept=".csv,.xlsx,.sqlite",
            description=t("review.carry_over"),
        )
        self.chart = w.HTML()
        self.status = StatusBar()
        for button in (self.editor.save_button, self.editor.delete_button):
            button.on_click(lambda _b: self.refresh())
        self.add_class("ccm-review")
        self.children = (
            self.editor,
            w.HBox([self.upload, self.carry]),
            w.HTML(f"<i>{html.escape(t('review.carry_help'))}</i>"),
            self.status,
            w.HTML(f"<h3>{html.escape(t('review.chart_title'))}</h3>"),
            self.chart,
        )
        self.refresh()

    def _names(self) -> dict[str, str]:
        return {GENERAL: t("synthesis.kind_general")} | {
            g.slug: g.name for g in self.store.groups.all()
        }

    def _sections(self) -> list[tuple[str, str]]:
        return [(name, key) for key, name in self._names().items()]

    @staticmethod
    def _statuses() -> list[tuple[str, str]]:
        return [(t("review.no_status"), "")] + [(s, s) for s in REVIEW_STATUSES]

    def _describe(self, item: dict[str, object]) -> str:
        section = self._names().get(str(item["section"]), str(item["section"]))
        status = f" [{item['status']}]" if item["status"] else ""
        return f"{section} · {item['recommendation']}{status}"

    def refresh(self) -> None:
        """Chart and list from the store."""
        self.chart.value = status_chart(self.store.items.review_rows(), self._names())
        self.editor.refresh()

    def import_file(self, name: str, content: bytes, *, carry: bool = False) -> bool:
        """Import a review table, or carry over a previous synthesis; nothing on refusal."""
        from ccm_widgets.files.loading import carry_over_review, import_review

        try:
            if carry and name.endswith(".sqlite"):
                import tempfile
                from pathlib import Path

                with tempfile.TemporaryDirectory() as folder:
                    path = Path(folder) / "precedente.sqlite"
                    path.write_bytes(content)
                    outcome = carry_over_review(self.store, path, actor=self.actor)
            elif carry:
                outcome = carry_over_review(self.store, name, data=content, actor=self.actor)
            else:
                outcome = import_review(self.store, name, data=content, actor=self.actor)
        except (ImportProblem, ValidationError, StoreError) as error:
            self.status.show(str(error), "error")
            return False
        text = " ".join([outcome.summary, *outcome.warnings])
        self.status.show(text, "warning" if outcome.warnings else "ok")
        self.refresh()
        return True
