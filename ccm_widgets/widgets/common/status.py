"""A visible status line: what was saved, what failed, in French, never lost in a log."""

from __future__ import annotations

import html
import logging

import ipywidgets as w
from traitlets import Enum, Unicode

log = logging.getLogger(__name__)

_STYLES = {
    "info": "color:#333;",
    "ok": "color:#17602a;",
    "warning": "color:#8a5300;font-weight:bold;",
    "error": "color:#fff;background:#b3261e;padding:4px 8px;border-radius:3px;font-weight:bold;",
}


class StatusBar(w.HTML):
    """One line of status. ``show(text, level)``; errors are also logged."""

    message = Unicode("", help="The text shown (plain text, escaped when rendered).")
    level = Enum(list(_STYLES), default_value="info", help="How the message is styled.")

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.add_class("ccm-status")
        self.observe(self._render, names=["message", "level"])

    def show(self, text: str, level: str = "info") -> None:
        """Display ``text``; an ``error`` is logged as well."""
        if level == "error":
            log.error(text)
        with self.hold_trait_notifications():
            self.message = text
            self.level = level
        self._render()

    def _render(self, _change: object = None) -> None:
        style = _STYLES[self.level]
        self.value = f'<span role="status" style="{style}">{html.escape(self.message)}</span>'
