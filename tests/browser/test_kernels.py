"""Closing a tab frees its kernel: by Voilà's beacon, or after a short grace period."""

from __future__ import annotations

import time
from typing import Any

import pytest

from tests.browser.conftest import Server
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
