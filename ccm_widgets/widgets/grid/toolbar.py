"""The buttons above the grid: add a row, delete the selected one, undo the deletion."""

from __future__ import annotations

import ipywidgets as w

from ccm_widgets.i18n import t
from ccm_widgets.widgets.grid.row_editor import icon_button

#: Marks what only the grid view shows (the cards have their own "delete" on each card).
GRID_ONLY = "ccm-grid-only"


class GridToolbar(w.HBox):
    """Three buttons with icons, on as many lines as the screen needs; the grid wires their
    clicks. Hidden while the grid is read-only."""

    def __init__(self) -> None:
        # One layout and one style for the three (each is a model the browser builds).
        shared = {"layout": w.Layout(width="auto"), "style": w.ButtonStyle()}
        self.add_button = icon_button(t("grid.add_row"), "plus", button_style="primary", **shared)
        self.delete_button = icon_button(t("grid.delete_row"), "trash", **shared)
        self.delete_button.add_class(GRID_ONLY)
        self.undo_button = icon_button(t("grid.undo_delete"), "undo", disabled=True, **shared)
        super().__init__([self.add_button, self.delete_button, self.undo_button])
        self.add_class("ccm-buttons")

    def set_readonly(self, readonly: bool) -> None:
        """Disable and hide the buttons that write (undo follows what there is to undo)."""
        for button in (self.add_button, self.delete_button):
            button.disabled = readonly
        self.layout.display = "none" if readonly else None
