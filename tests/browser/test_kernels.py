"""Closing a tab frees its kernel: by Voilà's beacon, or after a short grace period."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import Server, start_server, stop_server
from tests.browser.helpers import GRID, open_page

pytestmark = pytest.mark.browser


def wait_for_kernels(server: Server, count: int, timeout: float = 20) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        current = len(server.kernels())
        if current == count:
            return current
        time.sleep(0.3)
    return len(server.kernels())


def test_closed_tabs_leave_no_kernel(browser: Any, server: Server) -> None:
    before = len(server.kernels())
    vanished = open_page(browser, server.links["Protection"], GRID)
    assert wait_for_kernels(server, before + 1) == before + 1
    time.sleep(1.5)  # someone reads the page for a moment
    vanished.context.close()  # no beforeunload: a crashed browser or a phone gone to sleep
    assert wait_for_kernels(server, before) == before

    closed = open_page(browser, server.links["Protection"], GRID)
    assert wait_for_kernels(server, before + 1) == before + 1
    time.sleep(1.5)
    closed.close(run_before_unload=True)  # a tab closed normally: Voilà's shutdown beacon
    assert wait_for_kernels(server, before) == before
    closed.context.close()
    assert "'_xsrf' argument missing" not in server.log_path.read_text()


def test_a_preheated_kernel_that_died_is_replaced_before_a_group_needs_it(
    browser: Any, server: Server
) -> None:
    """Killed while waiting in the pool (out of memory on a small laptop): Voilà would hand
    the dead kernel to the next group, whose page would show a server error."""
    import os
    import signal

    waiting = wait_for_kernels(server, 2, timeout=60)
    assert waiting == 2, "la réserve de noyaux préchauffés ne s'est pas remplie"
    for pid in server.kernels():
        os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and "remplacés" not in server.log_path.read_text():
        time.sleep(0.5)
    assert wait_for_kernels(server, 2, timeout=60) == 2  # the pool filled again
    time.sleep(3)  # the new kernels have run the workbook up to the request
    for _ in range(2):  # as many groups as the pool held
        page = open_page(browser, server.links["Protection"], GRID)
        assert "exception" not in page.inner_text("body").lower()
        page.context.close()


def test_the_pool_is_refilled_once_the_page_that_took_a_kernel_has_loaded(
    browser: Any, server: Server
) -> None:
    """A kernel starting takes a core for a second: not while a group's page is loading."""
    import threading

    # Only the pool, full, for 3 s: earlier tests' tabs are gone and their refills done.
    deadline = time.monotonic() + 90
    steady_since = time.monotonic()
    seen: list[int] = []
    while time.monotonic() - steady_since < 3:
        seen.append(len(server.kernels()))
        if seen[-1] != 2:
            steady_since = time.monotonic()
        assert time.monotonic() < deadline, f"réserve jamais stable à 2 noyaux : {seen[-50:]}"
        time.sleep(0.2)
    counts: list[int] = []
    loading = threading.Event()
    loading.set()

    def watch() -> None:
        while loading.is_set():
            counts.append(len(server.kernels()))
            time.sleep(0.1)

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        page = open_page(browser, server.links["Protection"], GRID)
        page.locator(GRID).first.wait_for(state="visible")
    finally:
        loading.clear()
        watcher.join()
    assert counts
    assert max(counts) == 2, f"un noyau a démarré pendant le chargement de la page : {counts}"
    assert wait_for_kernels(server, 3, timeout=30) == 3  # the page's kernel + a full pool
    page.context.close()


def kernel_alive(server: Server, kernel_id: str) -> bool:
    """Whether a kernel process of ``server`` runs for ``kernel_id``."""
    for pid in server.kernels():
        try:
            if kernel_id.encode() in Path(f"/proc/{pid}/cmdline").read_bytes():
                return True
        except OSError:
            continue
    return False


@pytest.fixture(scope="module")
def hasty_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server that shuts down a page's kernel 4 s after the page stops giving news."""
    folder = tmp_path_factory.mktemp("hasty")
    started = start_server(
        folder, folder / "ccm.sqlite", {"CCM_KERNEL_START_GRACE": "4", "CCM_KERNEL_GRACE": "3"}
    )
    try:
        yield started
    finally:
        stop_server(started.process)


def test_a_page_slow_to_connect_keeps_its_kernel_while_it_loads(
    browser: Any, hasty_server: Server
) -> None:
    """Ten phones on a crowded Wi-Fi, or ten tabs on one laptop: a page can take longer than
    the start grace to open its kernel's websocket. Its kernel is kept while the page says
    it is still there (it asks every second whether its kernel lives), and goes once the
    page has gone without ever connecting. (At 30 s without that, 8 of a burst's 10 tabs
    lost their kernels while loading.)"""
    context = browser.new_context()
    page = context.new_page()
    held: list[Any] = []  # the kernel's websocket, held back: never connected to the server
    page.route_web_socket(re.compile(r"/api/kernels/[^/]+/channels"), lambda ws: held.append(ws))
    page.goto(hasty_server.links["Protection"], wait_until="domcontentloaded")
    kernel_id = page.evaluate(
        "JSON.parse(document.getElementById('jupyter-config-data').textContent).kernelId"
    )
    page.wait_for_timeout(12_000)  # three start graces and more, the page still loading
    assert held, "la page n'a pas ouvert la websocket de son noyau"
    assert kernel_alive(hasty_server, kernel_id)
    context.close()  # the page goes without having connected: its kernel goes too
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if not kernel_alive(hasty_server, kernel_id):
            break
        time.sleep(0.5)
    else:
        raise AssertionError("le noyau d'une page partie sans se connecter est resté")
