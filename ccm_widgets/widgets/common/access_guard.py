"""A page whose link stops being valid says so, and stops offering to edit.

The store refuses every write from a tab whose key was renewed (or whose meeting was
replaced); this guard makes the refusal visible before the user types: it watches the store
and, once the tab's key no longer opens its page, puts a French notice on top and turns the
page's editors read-only.
"""

from __future__ import annotations

import html
import logging

import ipywidgets as w

from ccm_widgets.i18n import t
from ccm_widgets.store import Store
from ccm_widgets.widgets.common.watcher import ChangeWatcher

log = logging.getLogger(__name__)


class AccessGuard:
    """Puts a notice on top of ``page`` when the tab's key is no longer valid.

    The page keeps its shape until then (a Box, shown as it is); the guard only watches.

    Parameters
    ----------
    store:
        The tab's store, bound to its access (:meth:`Store.bind_access`).
    page:
        What the tab shows (a Box).
    watch:
        Start watching the store in the background (tests call :meth:`check`).
    """

    def __init__(
        self, *, store: Store, page: w.Box, watch: bool = True, interval: float = 1.0
    ) -> None:
        self.store = store
        self.page = page
        self.revoked = False
        self.watcher = ChangeWatcher(store, interval=interval)
        self.watcher.on_change(self._on_store_change)
        if watch:
            self.watcher.start()

    def _on_store_change(self, _counter: int) -> None:
        try:
            self.check()
        except Exception:  # a failed check must not stop the watcher thread
            log.exception("vérification de la clé impossible")

    def check(self) -> bool:
        """Read the tab's key again; True while it is valid."""
        if self.revoked:
            return False
        if self.store.session.access_valid():
            return True
        self.revoked = True
        self.watcher.stop()
        notice = w.HTML(
            f"<div class='ccm-message' role='alert'>{html.escape(t('page.revoked'))}</div>"
        )
        for widget in _descendants(self.page):
            if widget.has_trait("readonly"):
                if hasattr(widget, "forced_readonly"):  # stays so whatever the breakout does
                    widget.forced_readonly = True
                widget.readonly = True
        self.page.children = (notice, *self.page.children)
        return False


def _descendants(widget: w.Widget) -> list[w.Widget]:
    found = [widget]
    for child in getattr(widget, "children", ()):
        found.extend(_descendants(child))
    return found
