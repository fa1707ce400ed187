"""Watch the store's change counter and tell listeners when another tab has written.

Voilà gives every browser tab its own kernel: tabs share nothing in memory. Each kernel that
shows someone else's work reads the store's change counter (a single indexed read) and
refreshes when it moves: as soon as the store's change signal wakes it (another connection
committed: :mod:`ccm_widgets.store.changes`), and at least every :data:`FALLBACK_SECONDS`;
every ``interval`` seconds while the signal is deaf (a file system that reports nothing).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from ipywidgets import CallbackDispatcher

from ccm_widgets.store import Store
from ccm_widgets.widgets.common.threads import WIDGETS

log = logging.getLogger(__name__)

#: Seconds between two reads of the counter when the change signal is heard: a safety net.
FALLBACK_SECONDS = 2.0


class ChangeWatcher:
    """Reads ``store.session.change_counter()`` in a daemon thread, when the store's change
    signal wakes it, else every ``interval`` seconds.

    Listeners registered with :meth:`on_change` are called (in the watcher thread) with the
    new counter value. :meth:`check` does one read synchronously, for tests.
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
        with WIDGETS:  # the listeners redraw: a tab's first look at the page waits
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
        """Stop watching (within ``interval`` seconds, or at the next change)."""
        self._stop.set()

    def _loop(self) -> None:
        try:
            signal = self.store.db.change_signal()
        except Exception:  # no signal: read the counter at the watcher's pace
            log.exception("signal de modification indisponible")
            signal = None
        seen = signal.generation if signal is not None else 0
        while not self._stop.is_set():
            if signal is None or signal.deaf:
                self._stop.wait(self.interval)
            else:
                seen = signal.wait(seen, max(self.interval, FALLBACK_SECONDS))
            if self._stop.is_set() or self.store.closed:
                return
            try:
                self.check()
            except Exception:  # keep watching: one failed read must not freeze the page
                log.exception("échec de la surveillance du stockage")
