"""The rows of a section drawn as a grid: three wrapped text columns, numbered rows.

The grid draws on a canvas; browser tests find cells by position, from the sizes here. Its
columns are pixel widths set from the kernel: :meth:`RowsGrid.fit` shares out the width the
page gives the grid, as the browser measured it (:class:`~ccm_widgets.widgets.common.browser.
PageWidth`), so that the three columns stay on screen on a small laptop as on a wide one.
The grid is as tall as its rows: the page scrolls, not the grid, and a new row can be
scrolled into view.
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
#: Widths until the browser has said how wide the grid is (a 1300 px window).
COLUMN_WIDTHS = {"Recommandation": 380, "Défis": 330, "Perspectives": 330}
#: Narrower than this, a column's text is unreadable: the grid scrolls sideways instead (the
#: page shows the cards long before, below 800 px).
MIN_COLUMN_WIDTH = 140
#: Pixels left beside the columns for the grid's vertical scroll bar (22 px in Chromium): the
#: grid shows it while its columns are wider than the page, before they are fitted, and
#: would keep it (and a horizontal one) if the fitted columns took its place.
_FRAME = 24

Shown = list[tuple[int, tuple[str, str, str]]]


def rows_frame(rows: list[GridRow]) -> pd.DataFrame:
    """The grid's data: the three text columns, indexed by the row's number (1, 2, …)."""
    frame = pd.DataFrame(
        [r.cells() for r in rows] or None, columns=list(GRID_COLUMNS), dtype="object"
    )
    frame.index = pd.RangeIndex(1, len(rows) + 1, name=INDEX_NAME)
    return frame


def grid_height(rows: int) -> str:
    """Tall enough for every row (two at least): the page scrolls, never the grid, so that a
    row added at the end can be brought into view like any other part of the page."""
    return f"{HEADER_HEIGHT + ROW_HEIGHT * max(rows, 2) + 20}px"


def column_widths(width: int) -> dict[str, int]:
    """The three columns' widths for a grid ``width`` pixels wide, in the proportions of
    :data:`COLUMN_WIDTHS` (Recommandation a little wider), none under
    :data:`MIN_COLUMN_WIDTH`."""
    room = width - ROW_HEADER_WIDTH - _FRAME
    total = sum(COLUMN_WIDTHS.values())
    widths = {c: max(MIN_COLUMN_WIDTH, room * share // total) for c, share in COLUMN_WIDTHS.items()}
    # What rounding left over goes to the first column: the columns end at the grid's edge.
    spare = room - sum(widths.values())
    if spare > 0:
        widths[GRID_COLUMNS[0]] += spare
    return widths


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
        #: The width the grid was last fitted to (pixels), 0 before the browser has said.
        self.width = 0

    def show_rows(self, rows: list[GridRow], *, force: bool = False) -> bool:
        """Show ``rows`` unless the grid already does. True when they were sent."""
        shown = [(r.id, r.cells()) for r in rows]
        if not force and shown == self.shown:
            return False
        self.shown = shown
        self.data = rows_frame(rows)
        self.layout.height = grid_height(len(rows))
        return True

    def fit(self, width: int) -> bool:
        """Share ``width`` pixels (the grid's, as the page measured it) among the columns.
        True when the widths changed."""
        if width <= 0 or width == self.width:
            return False
        self.width = width
        widths = column_widths(width)
        if widths == self.column_widths:  # type: ignore[has-type]  # (ipydatagrid is untyped)
            return False
        self.column_widths = widths
        return True

    def typed(self, position: int, field: str, text: str) -> None:
        """The user typed ``text`` in a cell: the browser shows it, it need not be sent."""
        if self.shown is not None and 0 <= position < len(self.shown):
            row_id, cells = self.shown[position]
            edited = list(cells)
            edited[GRID_FIELDS.index(field)] = text
            self.shown[position] = (row_id, (edited[0], edited[1], edited[2]))
