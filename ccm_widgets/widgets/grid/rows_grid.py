"""The rows of a section drawn as a grid: three wrapped text columns, numbered rows.

The grid draws on a canvas; browser tests find cells by position, from the sizes here.
"""

from __future__ import annotations

import ipywidgets as w
import pandas as pd
from ipydatagrid import DataGrid, TextRenderer

from ccm_widgets.domain.model import GRID_COLUMNS, GRID_FIELDS, GridRow

INDEX_NAME = "N°"
ROW_HEIGHT = 72
HEADER_HEIGHT = 30
ROW_HEADER_WIDTH = 48
COLUMN_WIDTHS = {"Recommandation": 380, "Défis": 330, "Perspectives": 330}

Shown = list[tuple[int, tuple[str, str, str]]]


def rows_frame(rows: list[GridRow]) -> pd.DataFrame:
    """The grid's data: the three text columns, indexed by the row's number (1, 2, …)."""
    frame = pd.DataFrame(
        [r.cells() for r in rows] or None, columns=list(GRID_COLUMNS), dtype="object"
    )
    frame.index = pd.RangeIndex(1, len(rows) + 1, name=INDEX_NAME)
    return frame


def grid_height(rows: int) -> str:
    """Tall enough for every row up to about eight, then the grid scrolls."""
    return f"{HEADER_HEIGHT + ROW_HEIGHT * min(max(rows, 2), 8) + 20}px"


class RowsGrid(DataGrid):
    """A grid of rows that sends them to the browser only when they differ from what it shows.

    Sending the rows again while someone types would be wasted at best; what the user typed
    in a cell is already shown there (:meth:`typed`). Not thread-safe: its owner calls it
    under one lock.
    """

    def __init__(self, *, editable: bool) -> None:
        super().__init__(
            rows_frame([]),
            editable=editable,
            selection_mode="cell",
            base_row_size=ROW_HEIGHT,
            base_column_size=300,
            base_row_header_size=ROW_HEADER_WIDTH,
            base_column_header_size=HEADER_HEIGHT,
            column_widths=COLUMN_WIDTHS,
            default_renderer=TextRenderer(
                text_wrap=True, vertical_alignment="top", font="14px sans-serif"
            ),
            header_renderer=TextRenderer(
                font="bold 14px sans-serif", background_color="#dde4ee", text_wrap=True
            ),
            layout=w.Layout(height=grid_height(0), width="100%"),
        )
        self.shown: Shown | None = None

    def show_rows(self, rows: list[GridRow], *, force: bool = False) -> bool:
        """Show ``rows`` unless the grid already does. True when they were sent."""
        shown = [(r.id, r.cells()) for r in rows]
        if not force and shown == self.shown:
            return False
        self.shown = shown
        self.data = rows_frame(rows)
        self.layout.height = grid_height(len(rows))
        return True

    def typed(self, position: int, field: str, text: str) -> None:
        """The user typed ``text`` in a cell: the browser shows it, it need not be sent."""
        if self.shown is not None and 0 <= position < len(self.shown):
            row_id, cells = self.shown[position]
            edited = list(cells)
            edited[GRID_FIELDS.index(field)] = text
            self.shown[position] = (row_id, (edited[0], edited[1], edited[2]))
