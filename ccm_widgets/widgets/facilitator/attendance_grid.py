"""The attendance list as an editable grid (ipydatagrid), for correcting a sign-in sheet in
place on a laptop: 78 people, a phone missing here, an e-mail without "@" there.

Correcting them one by one through the form (choose, edit, save, next) is the review's old
friction again. In the grid a cell is typed over (double click, or Enter) and saved when
left; the cells a sheet left empty, and e-mails without "@", are coloured; a text too long
for its column ends with "…" and shows whole while it is edited. Each save is checked
against what the grid showed: a cell changed meanwhile in another tab is not overwritten
(the grid says so and shows the stored text). N° is the sheet's, not typed here.

The grid is drawn on a canvas whose columns take a laptop's width: on a narrower screen the
page shows the plain list instead (``ccm-wide-only`` / ``ccm-narrow-only`` in the page's
style), which a phone reads without scrolling sideways.
"""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Callable, Mapping
from typing import Any

import ipywidgets as w
import pandas as pd
from ipydatagrid import DataGrid, TextRenderer, VegaExpr

from ccm_widgets.domain.model import FACILITATOR_ACTOR, Actor, Participant
from ccm_widgets.i18n import t
from ccm_widgets.store import Store
from ccm_widgets.store.items import ConflictingItem
from ccm_widgets.widgets.common.status import StatusBar

log = logging.getLogger(__name__)

#: The grid's columns: the participant field each holds (``defects``: what is wrong with the
#: row, said by the page), and its width (1 124 px in all: a laptop's page).
COLUMNS: tuple[tuple[str, int], ...] = (
    ("number", 44),
    ("name", 220),
    ("institution", 230),
    ("phone", 150),
    ("email", 240),
    ("defects", 240),
)
#: Columns the grid shows but does not write: the sheet's numbers, the page's findings.
READ_ONLY = frozenset({"number", "defects"})
#: The colour of a cell a sign-in sheet should not have left like that.
MISSING = "#f8d7da"


def column_title(field: str) -> str:
    return t(f"attendance.col_{field}")


def frame(people: list[Participant], defects: Mapping[int, list[str]]) -> pd.DataFrame:
    """The people as the grid shows them: one row each, in the list's order, with what is
    wrong with each row."""
    return pd.DataFrame(
        [
            [
                str(p.number),
                p.name,
                p.institution,
                p.phone,
                p.email,
                said(p, defects),
            ]
            for p in people
        ],
        columns=[column_title(field) for field, _ in COLUMNS],
    )


def said(person: Participant, defects: Mapping[int, list[str]]) -> str:
    """A row's defects in its own column: without the "N° 7 : " each sentence starts with
    (the row already shows its number)."""
    prefix = re.compile(rf"^{re.escape(t('attendance.col_number'))}\s*{person.number}\s*:\s*")
    return " ; ".join(prefix.sub("", found) for found in defects.get(person.id, []))


class AttendanceGrid(w.VBox):
    """The list, editable in place; ``on_change`` is called after each change it writes."""

    def __init__(
        self,
        *,
        store: Store,
        actor: Actor = FACILITATOR_ACTOR,
        on_change: Callable[[], None] | None = None,
    ) -> None:
        super().__init__()
        self.store = store
        self.actor = actor
        self.on_change = on_change
        self.people: list[Participant] = []
        fields = dict(COLUMNS)
        empty = VegaExpr(f"cell.value === '' ? '{MISSING}' : 'white'")
        no_at = VegaExpr(
            f"cell.value === '' || indexof(cell.value, '@') < 0 ? '{MISSING}' : 'white'"
        )
        self.grid = DataGrid(
            frame([], {}),
            editable=True,
            header_visibility="column",
            selection_mode="cell",
            base_row_size=26,
            base_column_header_size=30,
            column_widths={column_title(f): width for f, width in fields.items()},
            default_renderer=TextRenderer(text_elide_direction="right"),
            renderers={
                column_title("name"): TextRenderer(background_color=empty),
                column_title("phone"): TextRenderer(background_color=empty),
                column_title("email"): TextRenderer(background_color=no_at),
                column_title("defects"): TextRenderer(text_color="#8a5300"),
            },
            layout=w.Layout(width="100%", height="240px"),
        )
        self.grid.on_cell_change(self._on_cell_change)
        self.status = StatusBar()
        self.add_class("ccm-attendance-grid")
        self.add_class("ccm-wide-only")
        self.children = (
            w.HTML(
                f"<h3 style='margin:6px 0'>{html.escape(t('attendance.grid_title'))}</h3>"
                f"<p style='margin:2px 0 6px'>{html.escape(t('attendance.grid_help'))}</p>"
            ),
            self.grid,
            self.status,
        )
        self.refresh()

    def refresh(self) -> None:
        """The people from the store (the grid is redrawn only when they changed)."""
        from ccm_widgets.domain.attendance import attendance_defects

        people = self.store.items.participants()
        if people == self.people:
            return
        self.people = people
        defects, _ = attendance_defects(
            [(p.id, p.number, p.name, p.institution, p.phone, p.email) for p in people]
        )
        shown = frame(people, defects)
        self.grid.data = shown
        # As tall as its rows, up to about 18 of them: the page scrolls, not a tiny box.
        self.grid.layout.height = f"{min(max(len(people), 3), 18) * 26 + 48}px"

    def _on_cell_change(self, cell: dict[str, Any]) -> None:
        self.save(int(cell["row"]), int(cell["column_index"]), str(cell["value"] or ""))

    def save(self, row: int, column: int, value: str) -> bool:
        """Write one cell over what the grid showed; said, either way."""
        if not 0 <= row < len(self.people) or not 0 <= column < len(COLUMNS):
            return False
        person = self.people[row]
        field = COLUMNS[column][0]
        shown = (
            str(self.grid.data.iat[row, column])
            if field in READ_ONLY
            else str(getattr(person, field))
        )
        if value == shown:  # an echo of what the grid was given, or nothing changed
            return False
        if field in READ_ONLY:
            self.status.show(t(f"attendance.grid_{field}"), "warning")
            self._redraw_anyway()
            return False
        try:
            self.store.items.update(
                "participants", person.id, {field: value}, actor=self.actor, seen={field: shown}
            )
        except ConflictingItem as conflict:
            self.status.show(str(conflict), "warning")
            self._redraw_anyway()
            return False
        except Exception as error:  # shown; the grid shows the stored text again
            self.status.fail(error)
            self._redraw_anyway()
            return False
        self.status.show(
            t("attendance.grid_saved", name=value if field == "name" else person.name), "ok"
        )
        self.refresh()
        if self.on_change is not None:
            self.on_change()
        return True

    def _redraw_anyway(self) -> None:
        self.people = []
        self.refresh()
