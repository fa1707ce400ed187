"""ccm-workbook: Voilà workbooks to run a consultation meeting live, from agenda to report."""

from __future__ import annotations

__version__ = "0.1.0"
