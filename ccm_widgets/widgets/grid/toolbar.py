"""The buttons above the grid: add a row, delete the selected one, undo the deletion."""

from __future__ import annotations

import ipywidgets as w

from ccm_widgets.i18n import t


class GridToolbar(w.HBox):
    """Three buttons; the grid wires their clicks. Hidden while the grid is read-only."""

    def __init__(self) -> None:
        wide = w.Layout(width="auto")
        self.add_button = w.Button(
            description=t("grid.add_row"), button_style="primary", layout=wide
        )
        self.delete_button = w.Button(description=t("grid.delete_row"), layout=wide)
        self.undo_button = w.Button(description=t("grid.undo_delete"), disabled=True, layout=wide)
        super().__init__([self.add_button, self.delete_button, self.undo_button])

    def set_readonly(self, readonly: bool) -> None:
        """Disable and hide the buttons that write (undo follows what there is to undo)."""
        for button in (self.add_button, self.delete_button):
            button.disabled = readonly
        self.layout.display = "none" if readonly else None
