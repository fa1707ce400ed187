"""A visible status line: what was saved, what failed, in French, never lost in a log.

Panels report a failed action one way, :meth:`StatusBar.fail`: an error written for the user
(:data:`USER_ERRORS`) is shown as it is; anything else is shown as an unexpected failure
and logged with its traceback.
"""

from __future__ import annotations

import html
import logging

import ipywidgets as w
from traitlets import Enum, Unicode

from ccm_widgets.domain.model import ImportProblem, ValidationError
from ccm_widgets.i18n import t
from ccm_widgets.store import StoreError

log = logging.getLogger(__name__)

#: Errors whose message is written for the user (French, it says why): a value refused, a
#: file refused, the store refusing or failing a write.
USER_ERRORS: tuple[type[Exception], ...] = (ValidationError, ImportProblem, StoreError)

_STYLES = {
    "info": "color:#333;",
    "ok": "color:#17602a;",
    "warning": "color:#8a5300;font-weight:bold;",
    "error": "color:#fff;background:#b3261e;padding:4px 8px;border-radius:3px;font-weight:bold;",
}


class StatusBar(w.HTML):
    """One line of status. ``show(text, level)``; ``fail(error)``; errors are also logged."""

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

    def fail(self, error: Exception) -> None:
        """Show why an action failed: the error's own message when it is written for the
        user (:data:`USER_ERRORS`), otherwise a general sentence, the traceback in the log."""
        if isinstance(error, USER_ERRORS):
            self.show(str(error), "error")
            return
        log.error("unexpected failure", exc_info=error)
        self.show(t("status.unexpected", error=type(error).__name__), "error")

    def _render(self, _change: object = None) -> None:
        style = _STYLES[self.level]
        self.value = f'<span role="status" style="{style}">{html.escape(self.message)}</span>'
