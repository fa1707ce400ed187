"""The pool of preheated kernels is refilled when no page is loading."""

from __future__ import annotations

import asyncio
from typing import Any

from ccm_widgets.server.pacing import RefillPacer, install

ENV = {"extra_kernel_env_variables": {"VOILA_REQUEST_URL": "http://x/"}}


def test_a_refill_waits_until_the_page_that_took_the_kernel_has_loaded() -> None:
    pacer = RefillPacer(settle=1.5, page_timeout=15, longest=20)
    pacer.taken("groupe.ipynb", now=0, refill=ENV)
    pacer.page_opening("k1", now=0)
    assert pacer.due(now=2.5) == []  # its JavaScript is still loading
    pacer.page_connected("k1", now=2.8)
    assert pacer.due(now=4.2) == []  # its widgets are being drawn
    assert pacer.due(now=4.3) == [("groupe.ipynb", ENV)]
    assert pacer.due(now=10) == []  # asked once, refilled once


def test_a_page_that_never_connects_is_not_waited_for_long() -> None:
    pacer = RefillPacer(settle=1.5, page_timeout=15, longest=20)
    pacer.taken("groupe.ipynb", now=0, refill={})
    pacer.page_opening("k1", now=0)  # the phone went to sleep before the page loaded
    assert pacer.due(now=14.9) == []
    assert [name for name, _ in pacer.due(now=15)] == ["groupe.ipynb"]


def test_a_reconnecting_page_is_no_page_loading() -> None:
    pacer = RefillPacer(settle=1.5, page_timeout=15, longest=20)
    pacer.taken("groupe.ipynb", now=0, refill={})
    pacer.page_opening("k1", now=0)
    pacer.page_connected("k1", now=2)
    pacer.page_connected("k1", now=3)  # the Wi-Fi dropped and came back: nothing to load
    assert pacer.due(now=3.6) != []


def test_a_busy_room_still_gets_its_pool_back() -> None:
    pacer = RefillPacer(settle=1.5, page_timeout=15, longest=20)
    pacer.taken("groupe.ipynb", now=0, refill={})
    for second in range(20):  # a group opens its link every second
        pacer.page_opening(f"k{second}", now=second)
        pacer.page_connected(f"k{second - 2}", now=second)
        assert pacer.due(now=second) == []
    assert [name for name, _ in pacer.due(now=20)] == ["groupe.ipynb"]


def test_the_longest_wait_counts_from_the_first_kernel_taken() -> None:
    pacer = RefillPacer(settle=1.5, page_timeout=15, longest=20)
    pacer.taken("groupe.ipynb", now=0, refill={"n": 1})
    pacer.taken("groupe.ipynb", now=15, refill={"n": 2})
    pacer.page_opening("k2", now=15)
    assert pacer.due(now=20) == [("groupe.ipynb", {"n": 2})]  # the latest request's variables


def test_each_pool_is_refilled_on_its_own() -> None:
    pacer = RefillPacer(settle=1.5, page_timeout=15, longest=20)
    pacer.taken("groupe.ipynb", now=0, refill={})
    pacer.page_opening("k1", now=10)
    pacer.taken("autre.ipynb", now=19, refill={})
    assert [name for name, _ in pacer.due(now=20)] == ["groupe.ipynb"]
    pacer.page_connected("k1", now=20)
    assert [name for name, _ in pacer.due(now=21.5)] == ["autre.ipynb"]


class Manager:
    """What the pacing touches of Voilà's kernel manager."""

    def __init__(self) -> None:
        self._pools: dict[str, list[Any]] = {"groupe.ipynb": []}
        self.fills: list[tuple[float | None, str | None, dict[str, Any]]] = []
        self.connected: list[str] = []

    def fill_if_needed(
        self, delay: float | None = None, notebook_name: str | None = None, **kwargs: Any
    ) -> None:
        self.fills.append((delay, notebook_name, kwargs))

    async def get_rendered_notebook(self, notebook_name: str, **kwargs: Any) -> tuple:
        # Voilà asks for a refill, with its fill_delay (None), as it hands a kernel over.
        self.fill_if_needed(delay=None, notebook_name=notebook_name, **ENV)
        return ("tâche", [], "préchauffé")

    async def start_kernel(self, **kwargs: Any) -> str:
        return "froid"

    def notify_connect(self, kernel_id: str) -> None:
        self.connected.append(kernel_id)


def test_installed_it_holds_voila_refill_until_the_pages_are_loaded() -> None:
    clock = [0.0]

    async def tick() -> None:
        await asyncio.sleep(0.05)  # a few rounds of the pacing's periodic check

    async def scenario() -> Manager:
        manager = Manager()
        stop = install(manager, pacer=RefillPacer(settle=1.5, page_timeout=15, longest=20),
                       interval=0.01, clock=lambda: clock[0])  # fmt: skip
        assert stop is not None
        # Voilà's own start-up fill, and the replacement of dead kernels, go through at once.
        manager.fill_if_needed(delay=0, notebook_name="groupe.ipynb")
        assert manager.fills == [(0, "groupe.ipynb", {})]
        taken = await manager.get_rendered_notebook("groupe.ipynb")  # a group's link
        assert taken[2] == "préchauffé"
        clock[0] = 0.5
        assert await manager.start_kernel(kernel_name="python3") == "froid"  # pool empty
        clock[0] = 2.8
        manager.notify_connect("préchauffé")
        await tick()
        assert len(manager.fills) == 1  # the cold page is still loading
        clock[0] = 3.5
        manager.notify_connect("froid")
        clock[0] = 4.9
        await tick()
        assert len(manager.fills) == 1
        clock[0] = 5.0
        await tick()
        stop()
        assert manager.fill_if_needed.__name__ == "fill_if_needed"  # put back
        return manager

    manager = asyncio.run(scenario())
    assert manager.connected == ["préchauffé", "froid"]
    assert manager.fills == [(0, "groupe.ipynb", {}), (0, "groupe.ipynb", ENV)]


def test_without_pools_nothing_is_installed() -> None:
    class ServerKernels:  # Voilà inside a Jupyter server: no preheated kernels
        def fill_if_needed(self) -> None: ...

    assert install(ServerKernels()) is None
