"""Watch the store's change counter and tell listeners when another tab has written.

Voilà gives every browser tab its own kernel: tabs share nothing in memory. Each kernel that
shows someone else's work polls the store's change counter (a single indexed read) and
refreshes when it moves.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from ipywidgets import CallbackDispatcher

from ccm_widgets.store import Store

log = logging.getLogger(__name__)


class ChangeWatcher:
    """Polls ``store.session.change_counter()`` every ``interval`` seconds in a daemon thread.

    Listeners registered with :meth:`on_change` are called (in the watcher thread) with the
    new counter value. :meth:`check` does one poll synchronously, for tests.
    """

    def __init__(self, store: Store, *, interval: float = 0.25) -> None:
        self.store = store
        self.interval = interval
        self.last_seen = store.session.change_counter()
        self._callbacks = CallbackDispatcher()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def on_change(self, callback: Callable[[int], None], remove: bool = False) -> None:
        """Register (or with ``remove=True`` unregister) a listener."""
        self._callbacks.register_callback(callback, remove=remove)

    def acknowledge(self) -> bool:
        """After this tab's own write: skip the refresh it would trigger, if it is alone.

        The counter is marked as seen only when every change since the last poll was made
        through this tab's own connection; a change from another tab that landed in between
        is left for the next poll to show. True when the counter was marked as seen.
        """
        counter = self.store.session.change_counter()
        own = set(self.store.db.own_changes)
        if all(c in own for c in range(self.last_seen + 1, counter + 1)):
            self.last_seen = max(self.last_seen, counter)
            return True
        return False

    def check(self) -> bool:
        """Poll once; call the listeners if the counter moved. True when it did."""
        counter = self.store.session.change_counter()
        if counter == self.last_seen:
            return False
        self.last_seen = counter
        self._callbacks(counter)
        return True

    def start(self) -> ChangeWatcher:
        """Start polling in the background (idempotent)."""
        if self._thread is None or not self._thread.is_alive():
            self._stop.clear()
            self._thread = threading.Thread(target=self._loop, name="ccm-watcher", daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        """Stop polling."""
        self._stop.set()

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            if self.store.closed:
                return
            try:
                self.check()
            except Exception:  # keep watching: one failed poll must not freeze the page
                log.exception("échec de la surveillance du stockage")
