"""Refill Voilà's pool of preheated kernels once the pages being opened have loaded.

Starting a kernel takes a core for about a second (Python, pandas, the widgets, the grid).
Voilà refills its pool a fixed delay after a kernel is taken, whatever else the machine is
doing; on a two-core laptop that second often lands while a page is still loading its
JavaScript, or while the next group opens its link, and both wait. Measured here: a
reopened grid took 2.6–2.8 s with a refill under way, 1.7 s without.

So a refill waits until no page is loading: a page is loading from its request (a kernel
taken from the pool, or started for it) until its websocket connects, plus ``settle``
seconds to draw its widgets. A page whose websocket never comes is not waited for after
``page_timeout`` seconds, and no refill waits more than ``longest`` seconds after its
kernel was taken, so a busy room still gets its pool back.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

log = logging.getLogger(__name__)

#: Seconds given to a page to draw its widgets once its websocket has connected.
SETTLE_SECONDS = 1.5
#: Seconds after which a page that never connected is no longer waited for.
PAGE_TIMEOUT_SECONDS = 15.0
#: Seconds after a kernel is taken when its pool is refilled, pages loading or not.
LONGEST_SECONDS = 20.0


@dataclass
class RefillPacer:
    """Decides when each pool that lost a kernel is refilled (pure: the clock is passed in)."""

    settle: float = SETTLE_SECONDS
    page_timeout: float = PAGE_TIMEOUT_SECONDS
    longest: float = LONGEST_SECONDS
    #: When the last loading page connected its websocket.
    last_connected: float = float("-inf")
    #: Kernel id → when its page was requested, for pages not connected yet.
    opening: dict[str, float] = field(default_factory=dict)
    #: Notebook name → (when its first kernel since the last refill was taken, refill kwargs).
    waiting: dict[str, tuple[float, dict[str, Any]]] = field(default_factory=dict)

    def page_opening(self, kernel_id: str, now: float) -> None:
        """A page was requested; ``kernel_id`` is its kernel (preheated or started for it)."""
        self.opening[kernel_id] = now

    def page_connected(self, kernel_id: str, now: float) -> None:
        """A websocket connected to ``kernel_id``; for a loading page, its widgets come now
        (a page reconnecting after a Wi-Fi drop loads nothing)."""
        if self.opening.pop(kernel_id, None) is not None:
            self.last_connected = max(self.last_connected, now)

    def taken(self, notebook: str, now: float, refill: dict[str, Any]) -> None:
        """A page took a preheated kernel of ``notebook``; ``refill`` is what Voilà would
        have passed to its refill (the request's variables)."""
        since = self.waiting.get(notebook, (now, refill))[0]
        self.waiting[notebook] = (since, refill)

    def loading(self, now: float) -> bool:
        """Whether a page is still loading."""
        for kernel_id, since in list(self.opening.items()):
            if now - since >= self.page_timeout:
                del self.opening[kernel_id]
        return bool(self.opening) or now - self.last_connected < self.settle

    def seen_loading(self, now: float) -> bool:
        """:meth:`loading`, read from another thread: forgets nothing."""
        opening = list(self.opening.values())
        if any(now - since < self.page_timeout for since in opening):
            return True
        return now - self.last_connected < self.settle

    def due(self, now: float) -> list[tuple[str, dict[str, Any]]]:
        """The pools to refill now, each with its refill's arguments; forgets them."""
        loading = self.loading(now)
        ready = [
            name
            for name, (since, _) in self.waiting.items()
            if not loading or now - since >= self.longest
        ]
        return [(name, self.waiting.pop(name)[1]) for name in ready]


def install(
    kernel_manager: Any,
    *,
    pacer: RefillPacer | None = None,
    interval: float = 0.25,
    clock: Callable[[], float] | None = None,
) -> Callable[[], None] | None:
    """Pace ``kernel_manager``'s pool refills with a :class:`RefillPacer`.

    Does nothing (returns ``None``) when the kernel manager has no pools: Voilà inside a
    Jupyter server, or preheating off. Otherwise returns the function that stops the pacing.
    """
    needed = ("_pools", "fill_if_needed", "get_rendered_notebook", "start_kernel")
    if not all(hasattr(kernel_manager, name) for name in needed):
        return None
    import time

    from tornado.ioloop import PeriodicCallback

    now = clock or time.monotonic
    pacer = pacer or RefillPacer()
    fill = kernel_manager.fill_if_needed
    notify_connect = kernel_manager.notify_connect
    start_kernel = kernel_manager.start_kernel
    get_rendered_notebook = kernel_manager.get_rendered_notebook

    def paced_fill(
        delay: float | None = None, notebook_name: str | None = None, **kwargs: Any
    ) -> None:
        # Voilà asks with delay=None right after a page took a kernel; its start-up fill
        # and our replacement of dead kernels ask with a delay, and are not held back.
        if delay is None and notebook_name is not None:
            pacer.taken(notebook_name, now(), kwargs)
            return
        fill(delay=delay, notebook_name=notebook_name, **kwargs)

    async def paced_take(*args: Any, **kwargs: Any) -> Any:
        taken = await get_rendered_notebook(*args, **kwargs)
        pacer.page_opening(str(taken[2]), now())  # (render task, cells so far, kernel id)
        return taken

    async def paced_start(*args: Any, **kwargs: Any) -> Any:
        # Voilà's handler starts a kernel here for a page when the pool is empty; the pool's
        # own kernels start through the class, and are no page opening.
        kernel_id = await start_kernel(*args, **kwargs)
        pacer.page_opening(str(kernel_id), now())
        return kernel_id

    def paced_connect(kernel_id: str) -> None:
        pacer.page_connected(kernel_id, now())
        notify_connect(kernel_id)

    def tick() -> None:
        for name, refill in pacer.due(now()):
            try:
                fill(delay=0, notebook_name=name, **refill)
            except Exception:  # a failed refill must not stop the pacing of the others
                log.exception("remplissage du réservoir de noyaux %s impossible", name)

    kernel_manager.fill_if_needed = paced_fill
    kernel_manager.get_rendered_notebook = paced_take
    kernel_manager.start_kernel = paced_start
    kernel_manager.notify_connect = paced_connect
    callback = PeriodicCallback(tick, interval * 1000)
    callback.start()

    def stop() -> None:
        callback.stop()
        kernel_manager.fill_if_needed = fill
        kernel_manager.get_rendered_notebook = get_rendered_notebook
        kernel_manager.start_kernel = start_kernel
        kernel_manager.notify_connect = notify_connect

    return stop
