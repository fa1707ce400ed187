"""Shut down kernels whose browser tab is gone.

Voilà starts one kernel per tab. Its shutdown beacon on tab close is refused for a missing
``_xsrf`` argument (voila-dashboards/voila#1458), and idle culling never fires for a group tab
whose watcher keeps receiving other tabs' changes. So the server itself watches each kernel's
websocket connections: a kernel that had a tab and has had none for ``grace`` seconds (room
Wi-Fi drops for a few seconds; a phone locks its screen) is shut down. Everything it showed as
saved is in the store already.

Only the facilitator's pages have kernels: the participants' pages have none
(:mod:`ccm_widgets.web`).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Mapping
from typing import Any

log = logging.getLogger(__name__)

#: Seconds without any connection before a kernel that had a tab is shut down.
DEFAULT_GRACE = 120.0
#: Seconds a page's kernel may wait for its tab to connect (a page that never loaded, or a
#: request that was not a browser's): then it is shut down. Counted from the page's last
#: sign of life: a page still loading asks every second whether its kernel lives
#: (:mod:`ccm_widgets.server.page_state`), and is left alone while it does. Ten phones
#: loading at once on a crowded Wi-Fi, or ten tabs on one laptop, can take more than 30 s
#: to open their kernels' websockets: at 30 s without that sign, 8 of 10 tabs of a burst
#: lost their kernels while loading.
START_GRACE = 60.0


class KernelReaper:
    """Decides which kernels to shut down from their connection counts over time."""

    def __init__(self, grace: float = DEFAULT_GRACE, *, startup_grace: float = START_GRACE) -> None:
        self.grace = grace
        #: A kernel that never had a tab (its page failed to load, or it came and went
        #: between two sweeps) is shut down after this long alone.
        self.startup_grace = startup_grace
        self._seen_connected: set[str] = set()
        self._alone_since: dict[str, float] = {}

    def connected(self, kernel_id: str) -> None:
        """A tab's websocket connected to ``kernel_id`` (told by the server as it happens:
        a tab closed before the next sweep has still had its kernel)."""
        self._seen_connected.add(kernel_id)
        self._alone_since.pop(kernel_id, None)  # its grace counts from the next sweep

    def page_alive(self, kernel_id: str) -> None:
        """The page of ``kernel_id`` is loading (it asked whether its kernel lives): its
        start grace counts again from the next sweep."""
        if kernel_id not in self._seen_connected:
            self._alone_since.pop(kernel_id, None)

    def due(self, connections: Mapping[str, int], now: float) -> list[str]:
        """Kernels to shut down now, given ``{kernel_id: open websocket count}``."""
        due = []
        for kernel_id, count in connections.items():
            if count > 0:
                self._seen_connected.add(kernel_id)
                self._alone_since.pop(kernel_id, None)
                continue
            since = self._alone_since.setdefault(kernel_id, now)
            limit = self.grace if kernel_id in self._seen_connected else self.startup_grace
            if now - since >= limit:
                due.append(kernel_id)
        for gone in set(self._alone_since) - set(connections):
            self._alone_since.pop(gone, None)
        self._seen_connected &= set(connections)
        return due


def install(
    app: Any,
    *,
    grace: float = DEFAULT_GRACE,
    interval: float = 1.0,
    start_grace: float = START_GRACE,
    settings: dict[str, Any] | None = None,
) -> Callable[[], None]:
    """Run a :class:`KernelReaper` over ``app.kernel_manager`` every ``interval`` seconds,
    known to the web application's handlers as ``settings["ccm_reaper"]`` (the page state
    handler tells it which pages are still loading).

    Returns the function that stops it.
    """
    from tornado.ioloop import PeriodicCallback

    reaper = KernelReaper(grace, startup_grace=start_grace)
    if settings is not None:
        settings["ccm_reaper"] = reaper
    kernel_manager = app.kernel_manager
    notify_connect = kernel_manager.notify_connect

    def reaper_notify_connect(kernel_id: str) -> None:
        reaper.connected(kernel_id)
        notify_connect(kernel_id)

    kernel_manager.notify_connect = reaper_notify_connect

    async def sweep() -> None:
        connections = dict(getattr(kernel_manager, "_kernel_connections", {}))
        due = reaper.due(connections, time.monotonic())
        if due:
            log.info("Noyaux sans onglet depuis %.0f s, arrêtés : %s", grace, ", ".join(due))
            # Together: shutting kernels down one by one takes about a second each.
            results = await asyncio.gather(
                *(kernel_manager.shutdown_kernel(kernel_id) for kernel_id in due),
                return_exceptions=True,
            )
            for kernel_id, result in zip(due, results, strict=True):
                if isinstance(result, BaseException):  # a kernel already gone is no error here
                    log.warning("arrêt du noyau %s impossible : %s", kernel_id, result)

    callback = PeriodicCallback(sweep, interval * 1000)
    callback.start()
    return callback.stop


def accept_shutdown_beacons() -> None:
    """Let Voilà's tab-close beacon shut its kernel down.

    The beacon (``navigator.sendBeacon``) cannot carry the ``_xsrf`` argument, so
    jupyter_server refuses it (voila-dashboards/voila#1458). The endpoint only shuts down the
    kernel whose random id the caller names, which only that tab knows.
    """
    from voila.shutdown_kernel_handler import VoilaShutdownKernelHandler

    def check_xsrf_cookie(self: Any) -> None:
        return None

    VoilaShutdownKernelHandler.check_xsrf_cookie = check_xsrf_cookie
