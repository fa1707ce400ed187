"""ipywidgets components of the workbooks. They are handed a store; they never open one.

Components are imported on first use: a page must not pay for the export machinery
(nbformat, nbconvert) that only the plenary needs. The groups' own pages and the projection
are not widgets: they are light pages without a kernel (:mod:`ccm_widgets.web`).
"""

from __future__ import annotations

import importlib
from typing import Any

_HOMES = {
    "AdoptionPanel": "plenary.adoption",
    "AttendancePanel": "facilitator.attendance",
    "DebatesPanel": "facilitator.debates",
    "ItemListEditor": "common.items",
    "MeetingGuide": "facilitator.guide",
    "PreparationPanel": "preparation.preparation",
    "ReviewPanel": "facilitator.review",
    "ConsolidationPanel": "plenary.consolidation",
    "DuplicatesPanel": "plenary.consolidation",
    "ChangeWatcher": "common.watcher",
    "ExportPanel": "plenary.export_panel",
    "PlenaryBoard": "plenary.plenary_board",
    "StatusBar": "common.status",
    "SynthesisOrderEditor": "preparation.synthesis_order",
}

__all__ = sorted(_HOMES)


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(name)
    return getattr(importlib.import_module(f"{__name__}.{_HOMES[name]}"), name)
