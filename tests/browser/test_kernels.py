"""Closing a facilitator's tab frees its kernel: by Voilà's beacon, or after a short grace
period. (The participants' pages have no kernel at all.)"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import Server, start_server, stop_server
from tests.browser.helpers import open_page

#: The plenary is loaded once its board has drawn its first table.
PLENARY = ".ccm-board table"

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
    vanished = open_page(browser, server.links["pleniere"], PLENARY)
    assert wait_for_kernels(server, before + 1) == before + 1
    time.sleep(1.5)  # someone reads the page for a moment
    vanished.context.close()  # no beforeunload: a crashed browser or a phone gone to sleep
    assert wait_for_kernels(server, before) == before

    closed = open_page(browser, server.links["pleniere"], PLENARY)
    assert wait_for_kernels(server, before + 1) == before + 1
    time.sleep(1.5)
    closed.close(run_before_unload=True)  # a tab closed normally: Voilà's shutdown beacon
    assert wait_for_kernels(server, before) == before
    closed.context.close()
    assert "'_xsrf' argument missing" not in server.log_path.read_text()


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
    """A facilitator's tabs reopened together on a busy laptop: a page can take longer than
    the start grace to open its kernel's websocket. Its kernel is kept while the page says
    it is still there (it asks every second whether its kernel lives), and goes once the
    page has gone without ever connecting."""
    context = browser.new_context()
    page = context.new_page()
    held: list[Any] = []  # the kernel's websocket, held back: never connected to the server
    page.route_web_socket(re.compile(r"/api/kernels/[^/]+/channels"), lambda ws: held.append(ws))
    page.goto(hasty_server.links["pleniere"], wait_until="domcontentloaded")
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
