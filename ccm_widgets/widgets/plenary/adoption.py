"""Adoption in plenary: the synthesis row by row, each adopted, amended or withdrawn.

Decisions are stored on the rows (withdrawn rows leave the synthesis and the report) and
every decision is a history entry: the ledger below the buttons.
"""

from __future__ import annotations

import datetime as dt
import html

import ipywidgets as w

from ccm_widgets.domain.model import GRID_COLUMNS, GridRow, ValidationError
from ccm_widgets.domain.synthesis import Section, build_synthesis
from ccm_widgets.i18n import t
from ccm_widgets.store import Store, StoreError
from ccm_widgets.widgets.common.status import StatusBar

ACTOR = "plénière"
DECISION_COLOURS = {"adopted": "#17602a", "amended": "#8a5300", "withdrawn": "#b3261e", "": "#555"}


def decision_label(decision: str) -> str:
    return t(f"adoption.{decision or 'pending'}")


def tally(rows: list[GridRow]) -> dict[str, int]:
    """How many rows carry each decision ("" for rows still waiting)."""
    counts = {"adopted": 0, "amended": 0, "withdrawn": 0, "": 0}
    for row in rows:
        counts[row.decision] = counts.get(row.decision, 0) + 1
    return counts


class AdoptionPanel(w.VBox):
    """One row at a time, large, with its decision; next and previous; the ledger."""

    def __init__(self, *, store: Store, actor: str = ACTOR) -> None:
        super().__init__()
        self.store = store
        self.actor = actor
        self.index = 0
        self.entries: list[tuple[Section, int, GridRow]] = []
        self.row_view = w.HTML()
        self.summary = w.HTML()
        self.ledger = w.HTML()
        self.buttons = {
            decision: w.Button(description=t(f"adoption.do_{decision}"), button_style=style)
            for decision, style in (
                ("adopted", "success"),
                ("amended", "warning"),
                ("withdrawn", "danger"),
                ("", ""),
            )
        }
        for decision, button in self.buttons.items():
            button.on_click(lambda _b, d=decision: self.decide(d))
        self.previous = w.Button(description=t("adoption.previous"), icon="arrow-left")
        self.next = w.Button(description=t("adoption.next"), icon="arrow-right")
        self.previous.on_click(lambda _b: self.go(-1))
        self.next.on_click(lambda _b: self.go(+1))
        self.status = StatusBar()
        self.add_class("ccm-adoption")
        self.children = (
            w.HTML(f"<h3 style='margin:4px 0'>{html.escape(t('adoption.title'))}</h3>"),
            self.summary,
            self.row_view,
            w.HBox([self.previous, self.next, *self.buttons.values()]),
            self.status,
            self.ledger,
        )
        self.refresh()

    @property
    def current(self) -> GridRow | None:
        return self.entries[self.index][2] if self.entries else None

    def refresh(self) -> None:
        """Rows (withdrawn ones too), counts and ledger from the store; keep the place."""
        current = self.current
        synthesis = build_synthesis(
            self.store.grid.rows(), self.store.groups.all(), self.store.groups.synthesis_order(),
            withdrawn=True,
        )  # fmt: skip
        self.entries = [
            (section, number, row)
            for section in synthesis.sections
            for number, row in enumerate(section.rows, start=1)
        ]
        ids = [row.id for _, _, row in self.entries]
        if current is not None and current.id in ids:
            self.index = ids.index(current.id)
        self.index = min(self.index, max(len(self.entries) - 1, 0))
        self._render()

    def go(self, offset: int) -> None:
        """Show the row ``offset`` places further (clamped)."""
        if self.entries:
            self.index = min(max(self.index + offset, 0), len(self.entries) - 1)
            self._render()

    def decide(self, decision: str, *, advance: bool = True) -> None:
        """Record ``decision`` on the current row, then move on to the next one."""
        row = self.current
        if row is None:
            return
        try:
            self.store.plenary.decide(row.id, decision, actor=self.actor)
        except (StoreError, ValidationError) as error:
            self.status.show(str(error), "error")
            return
        self.status.show(
            t("adoption.recorded", number=self.index + 1, decision=decision_label(decision)), "ok"
        )
        self.refresh()
        if advance and decision:
            self.go(+1)

    def _render(self) -> None:
        counts = tally([row for _, _, row in self.entries])
        self.summary.value = html.escape(
            t(
                "adoption.summary",
                adopted=counts["adopted"],
                amended=counts["amended"],
                withdrawn=counts["withdrawn"],
                pending=counts[""],
                total=len(self.entries),
            )
        )
        self.previous.disabled = self.index <= 0
        self.next.disabled = self.index >= len(self.entries) - 1
        if not self.entries:
            self.row_view.value = html.escape(t("adoption.empty"))
        else:
            section, number, row = self.entries[self.index]
            colour = DECISION_COLOURS.get(row.decision, "#555")
            cells = "".join(
                f"<tr><th>{html.escape(name)}</th><td>{html.escape(text)}</td></tr>"
                for name, text in zip(GRID_COLUMNS, row.cells(), strict=True)
            )
            self.row_view.value = (
                f"<div class='ccm-adoption-row' style='font-size:18px'>"
                f"<div><b>{html.escape(section.heading)}</b> — "
                f"{html.escape(t('adoption.position', number=self.index + 1, total=len(self.entries), row=number))}"  # noqa: E501
                f" — <span class='ccm-decision' style='color:{colour};font-weight:bold'>"
                f"{html.escape(decision_label(row.decision))}</span></div>"
                f"<table>{cells}</table></div>"
            )
        self.ledger.value = self._ledger_html()

    def _ledger_html(self) -> str:
        entries = self.store.plenary.ledger()
        if not entries:
            return ""
        lines = []
        for entry, row in reversed(entries[-30:]):
            at = dt.datetime.fromisoformat(entry.at).astimezone().strftime("%H:%M:%S")
            lines.append(
                f"<tr><td>{at}</td><td>{html.escape(decision_label(str(entry.after['decision'])))}"
                f"</td><td>{html.escape(row.recommendation[:120])}</td></tr>"
            )
        title = html.escape(t("adoption.ledger", count=len(entries)))
        return f"<h4>{title}</h4><table class='ccm-ledger'>{''.join(lines)}</table>"
