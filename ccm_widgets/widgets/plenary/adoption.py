"""Adoption in plenary: the synthesis row by row, each adopted, amended or withdrawn.

Decisions are stored on the rows (withdrawn rows leave the synthesis and the report) and
every decision is a history entry: the ledger below the buttons. "Adopter amendée" opens the
row's texts to amend them there; saving writes the texts and the decision together, both in
the history. The rows, the counts and the ledger come from the plenary's snapshot, the
moment every panel shows.

The panel opens at the first row still waiting for a decision (row 1 before any), and
follows the rows while the room writes, until the facilitator goes to a row: from then on
it keeps that row, wherever the synthesis moves it.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Sequence

import ipywidgets as w

from ccm_widgets.domain.model import GRID_COLUMNS, GRID_FIELDS, Decision, GridRow, HistoryEntry
from ccm_widgets.domain.plenary_snapshot import PlenarySnapshot
from ccm_widgets.domain.synthesis import Section, Synthesis
from ccm_widgets.i18n import t
from ccm_widgets.store import ConflictError, Store
from ccm_widgets.widgets.common.items import FULL_WIDTH
from ccm_widgets.widgets.plenary.panel import ACTOR, PlenaryPanel

DECISION_COLOURS = {"adopted": "#17602a", "amended": "#8a5300", "withdrawn": "#b3261e", "": "#555"}
#: The decision buttons, in their order, with their style ("" undoes a decision).
DECISION_BUTTONS = (("adopted", "success"), ("amended", "warning"), ("withdrawn", "danger"),
                    ("", ""))  # fmt: skip
#: Ledger entries shown (the latest first); the count says how many there are in all.
LEDGER_SHOWN = 30


def decision_label(decision: str) -> str:
    return t(f"adoption.{decision or 'pending'}")


def tally(rows: Sequence[GridRow]) -> dict[str, int]:
    """How many rows carry each decision ("" for rows still waiting)."""
    counts = {"adopted": 0, "amended": 0, "withdrawn": 0, "": 0}
    for row in rows:
        counts[row.decision] = counts.get(row.decision, 0) + 1
    return counts


def adoption_entries(synthesis: Synthesis) -> list[tuple[Section, int, GridRow]]:
    """Every row of ``synthesis`` with its section and its number in the section."""
    return [
        (section, number, row)
        for section in synthesis.sections
        for number, row in enumerate(section.rows, start=1)
    ]


def first_waiting(entries: Sequence[tuple[Section, int, GridRow]]) -> int:
    """Where adoption starts: the first row still without a decision (0 when every row has
    one, or none has)."""
    return next((i for i, (_, _, row) in enumerate(entries) if not row.decision), 0)


def summary_text(rows: Sequence[GridRow]) -> str:
    """The counts of each decision, and of the rows still waiting."""
    counts = tally(rows)
    return t(
        "adoption.summary",
        adopted=counts["adopted"],
        amended=counts["amended"],
        withdrawn=counts["withdrawn"],
        pending=counts[""],
        total=len(rows),
    )


def row_html(section: Section, number: int, row: GridRow, *, index: int, total: int) -> str:
    """The row being decided, large, with where it stands and its decision (escaped)."""
    colour = DECISION_COLOURS.get(row.decision, "#555")
    cells = "".join(
        f"<tr><th>{html.escape(name)}</th><td>{html.escape(text)}</td></tr>"
        for name, text in zip(GRID_COLUMNS, row.cells(), strict=True)
    )
    where = t("adoption.position", number=index + 1, total=total, row=number)
    return (
        f"<div class='ccm-adoption-row' style='font-size:18px'>"
        f"<div><b>{html.escape(section.heading)}</b> — {html.escape(where)}"
        f" — <span class='ccm-decision' style='color:{colour};font-weight:bold'>"
        f"{html.escape(decision_label(row.decision))}</span></div>"
        f"<table>{cells}</table></div>"
    )


def ledger_html(ledger: Sequence[tuple[HistoryEntry, GridRow]]) -> str:
    """The latest decisions, newest first, with the count of all of them (escaped)."""
    if not ledger:
        return ""
    lines = []
    for entry, row in reversed(ledger[-LEDGER_SHOWN:]):
        at = dt.datetime.fromisoformat(entry.at).astimezone().strftime("%H:%M:%S")
        lines.append(
            f"<tr><td>{at}</td><td>{html.escape(decision_label(str(entry.after['decision'])))}"
            f"</td><td class='text'>{html.escape(row.recommendation)}</td></tr>"
        )
    title = html.escape(t("adoption.ledger", count=len(ledger)))
    # Each recommendation whole, wrapped: a register that cut it ("Spécifiquement pou")
    # gave no sign that the rest was missing.
    style = (
        "<style>.ccm-ledger { border-collapse: collapse; width: 100%; }"
        ".ccm-ledger td { vertical-align: top; padding: 2px 8px; }"
        ".ccm-ledger td.text { white-space: pre-wrap; overflow-wrap: anywhere; }</style>"
    )
    return f"{style}<h4>{title}</h4><table class='ccm-ledger'>{''.join(lines)}</table>"


class AdoptionPanel(PlenaryPanel):
    """One row at a time, large, with its decision; next and previous; the ledger."""

    def __init__(
        self, *, store: Store, actor: str = ACTOR, snapshot: PlenarySnapshot | None = None
    ) -> None:
        super().__init__(store=store, actor=actor, snapshot=snapshot)
        self.index = 0
        #: Whether the facilitator has gone to a row (or decided one): the panel then keeps
        #: that row; until then it shows the first row still waiting.
        self.engaged = False
        self.entries: list[tuple[Section, int, GridRow]] = []
        self.row_view = w.HTML()
        self.summary = w.HTML()
        self.ledger = w.HTML()
        self.buttons = {
            decision: w.Button(description=t(f"adoption.do_{decision}"), button_style=style)
            for decision, style in DECISION_BUTTONS
        }
        for decision_button in self.buttons.values():
            decision_button.on_click(self._on_decision)
        self.previous = w.Button(description=t("adoption.previous"), icon="arrow-left")
        self.next = w.Button(description=t("adoption.next"), icon="arrow-right")
        self.previous.on_click(self._on_previous)
        self.next.on_click(self._on_next)
        # Amending: the row's texts, then the decision and the texts saved together.
        self.amend_areas = [
            w.Textarea(layout=w.Layout(height="80px", **FULL_WIDTH)) for _ in GRID_COLUMNS
        ]
        for area, field in zip(self.amend_areas, GRID_FIELDS, strict=True):
            area.add_class(f"ccm-amend-{field}")
        self.amend_save = w.Button(
            description=t("adoption.amend_save"), button_style="warning",
            layout=w.Layout(width="auto"),
        )  # fmt: skip
        self.amend_cancel = w.Button(
            description=t("adoption.amend_cancel"), layout=w.Layout(width="auto")
        )
        self.amend_save.on_click(self._on_amend_save)
        self.amend_cancel.on_click(self._on_amend_cancel)
        self.amend_box = w.VBox(
            [
                w.HTML(f"<b>{html.escape(t('adoption.amend_help'))}</b>"),
                *(
                    w.VBox([w.HTML(f"<b>{html.escape(name)}</b>"), area])
                    for name, area in zip(GRID_COLUMNS, self.amend_areas, strict=True)
                ),
                w.HBox([self.amend_save, self.amend_cancel]),
            ],
            layout=w.Layout(display="none", border="1px dashed #8a5300", padding="6px"),
        )
        self.amend_box.add_class("ccm-amend")
        #: The row being amended, as it was when the texts were opened.
        self._amending: GridRow | None = None
        self.add_class("ccm-adoption")
        self.children = (
            w.HTML(f"<h3 style='margin:4px 0'>{html.escape(t('adoption.title'))}</h3>"),
            self.summary,
            self.row_view,
            w.HBox([self.previous, self.next, *self.buttons.values()]),
            self.amend_box,
            self.status,
            self.ledger,
        )
        self._first_show()

    @property
    def current(self) -> GridRow | None:
        return self.entries[self.index][2] if self.entries else None

    def _render(self, snapshot: PlenarySnapshot) -> None:
        """Rows (withdrawn ones too), counts and ledger of ``snapshot``; keep the place."""
        current = self.current
        self.entries = adoption_entries(snapshot.synthesis_with_withdrawn)
        ids = [row.id for _, _, row in self.entries]
        if not self.engaged:
            self.index = first_waiting(self.entries)
        elif current is not None and current.id in ids:
            self.index = ids.index(current.id)
        self.index = min(self.index, max(len(self.entries) - 1, 0))
        self.summary.value = html.escape(summary_text([row for _, _, row in self.entries]))
        self.ledger.value = ledger_html(snapshot.ledger)
        self._render_row()

    def _render_row(self) -> None:
        self.previous.disabled = self.index <= 0
        self.next.disabled = self.index >= len(self.entries) - 1
        if not self.entries:
            self.row_view.value = html.escape(t("adoption.empty"))
            return
        section, number, row = self.entries[self.index]
        self.row_view.value = row_html(
            section, number, row, index=self.index, total=len(self.entries)
        )

    # -- handlers -----------------------------------------------------------------------------

    def _on_decision(self, clicked: w.Button) -> None:
        decision = next(d for d, b in self.buttons.items() if b is clicked)
        if decision == Decision.AMENDED:
            self.open_amendment()
        else:
            self.decide(decision)

    def _on_amend_save(self, _button: object = None) -> None:
        self.amend([area.value for area in self.amend_areas])

    def _on_amend_cancel(self, _button: object = None) -> None:
        self.close_amendment()

    def _on_previous(self, _button: object = None) -> None:
        self.go(-1)

    def _on_next(self, _button: object = None) -> None:
        self.go(+1)

    # -- actions ------------------------------------------------------------------------------

    def go(self, offset: int) -> None:
        """Show the row ``offset`` places further (clamped)."""
        self.engaged = True
        self.close_amendment()
        if self.entries:
            self.index = min(max(self.index + offset, 0), len(self.entries) - 1)
            self._render_row()

    def open_amendment(self) -> bool:
        """Open the current row's texts to amend them ("Adopter amendée")."""
        row = self.current
        if row is None:
            return False
        self.engaged = True
        self._amending = row
        for area, text in zip(self.amend_areas, row.cells(), strict=True):
            area.value = text
        self.amend_box.layout.display = None
        self.status.show(t("adoption.amend_open", number=self.index + 1), "info")
        return True

    def close_amendment(self) -> None:
        """Close the amendment's texts (nothing is written)."""
        self._amending = None
        self.amend_box.layout.display = "none"

    def amend(self, texts: Sequence[str], *, advance: bool = True) -> bool:
        """Adopt the row being amended with ``texts``: the texts and the decision "amended"
        are written together. A text changed meanwhile elsewhere is a conflict: nothing is
        written, the amendment stays open over the new texts."""
        row = self._amending
        if row is None:
            return False
        number = self.index + 1
        changed = [
            name
            for name, text, was in zip(GRID_COLUMNS, texts, row.cells(), strict=True)
            if text != was
        ]
        done, _ = self.attempt(self._amend_row, row, texts)
        if not done:
            return False
        self.close_amendment()
        said = (
            t("adoption.amended_texts", number=number, columns=", ".join(changed))
            if changed
            else t("adoption.amended_same", number=number)
        )
        self.status.show(said, "ok")
        self.written()
        if advance:
            self.go(+1)
        return True

    def _amend_row(self, row: GridRow, texts: Sequence[str]) -> GridRow:
        try:
            return self.store.plenary.amend(row.id, texts, seen=row.cells(), actor=self.actor)
        except ConflictError as conflict:
            # The typed texts stay open; saving again replaces the new texts, knowingly.
            self._amending = conflict.current
            raise

    def decide(self, decision: str, *, advance: bool = True) -> None:
        """Record ``decision`` on the current row, then move on to the next one."""
        row = self.current
        if row is None:
            return
        self.engaged = True
        self.close_amendment()
        done, _ = self.attempt(self.store.plenary.decide, row.id, decision, actor=self.actor)
        if not done:
            return
        self.status.show(
            t("adoption.recorded", number=self.index + 1, decision=decision_label(decision)), "ok"
        )
        self.written()
        if advance and decision:
            self.go(+1)
