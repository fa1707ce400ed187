"""One watcher of the store for the whole server; every open page's event stream waits on it.

The store says when it may have changed (:mod:`ccm_widgets.store.changes`: the ``-wal`` file
written, or PostgreSQL's ``NOTIFY``). One thread of the server listens, reads the change
counter when woken (and every :data:`FALLBACK_SECONDS` anyway, every
:data:`DEAF_POLL_SECONDS` when the signal is deaf), and moves :attr:`ChangeHub.version` on
the server's loop. Each page's stream (Server-Sent Events) waits for that move, then asks
the store what changed for it since the version it last sent. Pages that ask the same thing
at the same version share one read (:meth:`ChangeHub.shared`): twenty phones of a room cost
one read per group, not twenty.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Awaitable, Callable, Hashable
from typing import Any

from ccm_widgets.store import Store, StoreError

log = logging.getLogger(__name__)

#: Seconds between two reads of the counter when the store's signal is heard: a safety net.
FALLBACK_SECONDS = 2.0
#: Seconds between two reads of the counter when the signal is deaf (a network drive).
DEAF_POLL_SECONDS = 0.25


class ChangeHub:
    """The store's change counter as the server's loop sees it, and the reads it shares.

    Parameters
    ----------
    location:
        The store's path or URL.
    """

    def __init__(self, location: str) -> None:
        self.location = location
        self.version = -1
        self._moved = asyncio.Event()
        self._shared: dict[Hashable, asyncio.Future[Any]] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def start(self, loop: asyncio.AbstractEventLoop) -> None:
        """Watch the store from a daemon thread, reporting to ``loop``."""
        self._loop = loop
        self._thread = threading.Thread(target=self._watch, name="ccm-live", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop watching (the server is stopping)."""
        self._stop.set()

    def _watch(self) -> None:
        store: Store | None = None
        while not self._stop.is_set():
            try:
                if store is not None and store.db.moved_away():
                    store.close()  # a file deleted or replaced: follow the one there now
                    store = None
                if store is None or store.closed:
                    store = Store(self.location, create=False)
                    signal = store.db.change_signal()
                    seen = signal.generation
                counter = store.session.change_counter()
                if counter != self.version and self._loop is not None:
                    self._loop.call_soon_threadsafe(self.moved, counter)
                if signal.deaf:
                    self._stop.wait(DEAF_POLL_SECONDS)
                else:
                    seen = signal.wait(seen, FALLBACK_SECONDS)
            except Exception as error:  # the store went away: try again, the pages wait
                if isinstance(error, StoreError):  # said in a line, once a second
                    log.warning("compteur de modifications illisible : %s", error)
                else:
                    log.warning("compteur de modifications illisible", exc_info=True)
                if store is not None:
                    with contextlib.suppress(Exception):
                        store.close()
                store = None
                self._stop.wait(1.0)

    def moved(self, counter: int) -> None:
        """The counter is now ``counter`` (on the loop): wake every stream."""
        if counter == self.version:
            return
        self.version = counter
        self._shared.clear()
        woken, self._moved = self._moved, asyncio.Event()
        woken.set()

    async def wait(self, version: int, timeout: float) -> bool:
        """Wait until the counter is past ``version`` or moves, at most ``timeout`` seconds;
        whether it did. A page may have read a counter newer than the one heard here yet:
        it waits for the next move rather than reading again at once."""
        if self.version > version:
            return True
        moved = self._moved
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(moved.wait(), timeout)
        return moved.is_set()

    async def shared(self, key: Hashable, read: Callable[[], Awaitable[Any]]) -> Any:
        """``read()``'s answer, shared by every stream that asks with the same ``key`` until
        the counter moves again."""
        memo = (self.version, key)
        found = self._shared.get(memo)
        if found is None:
            found = asyncio.ensure_future(read())
            self._shared[memo] = found
        return await asyncio.shield(found)
