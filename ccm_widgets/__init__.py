"""ccm-workbook: Voilà workbooks to run a consultation meeting live, from agenda to report."""

from __future__ import annotations

#: The one place the version is written: pyproject.toml reads it (dynamic version).
__version__ = "0.1.0"
