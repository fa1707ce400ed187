"""ipywidgets components of the workbooks. They are handed a store; they never open one."""

from __future__ import annotations

from ccm_widgets.widgets.export_panel import ExportPanel
from ccm_widgets.widgets.grid_editor import GroupGridEditor
from ccm_widgets.widgets.plenary_board import PlenaryBoard
from ccm_widgets.widgets.status import StatusBar
from ccm_widgets.widgets.watcher import ChangeWatcher

__all__ = ["ChangeWatcher", "ExportPanel", "GroupGridEditor", "PlenaryBoard", "StatusBar"]
