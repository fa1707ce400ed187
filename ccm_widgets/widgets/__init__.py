"""ipywidgets components of the workbooks. They are handed a store; they never open one.

Components are imported on first use: a group's tab must not pay for the export machinery
(nbformat, nbconvert) that only the plenary needs.
"""

from __future__ import annotations

import importlib
from typing import Any

_HOMES = {
    "AdoptionPanel": "adoption",
    "AttendancePanel": "attendance",
    "DebatesPanel": "debates",
    "ItemListEditor": "items",
    "MeetingGuide": "guide",
    "PreparationPanel": "preparation",
    "ReviewPanel": "review",
    "ConsolidationPanel": "consolidation",
    "DuplicatesPanel": "consolidation",
    "ProjectionView": "projection",
    "ChangeWatcher": "watcher",
    "ExportPanel": "export_panel",
    "GroupGridEditor": "grid_editor",
    "PlenaryBoard": "plenary_board",
    "StatusBar": "status",
    "SynthesisOrderEditor": "synthesis_order",
}

__all__ = sorted(_HOMES)


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(name)
    return getattr(importlib.import_module(f"{__name__}.{_HOMES[name]}"), name)
