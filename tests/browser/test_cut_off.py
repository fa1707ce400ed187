"""A tab never fails silently: a dead kernel or a lost connection is said within seconds, the
page stops taking input, and what was typed comes back after a reload."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import Server, start_server, stop_server
from tests.browser.helpers import GRID, open_page

pytestmark = pytest.mark.browser

BANNER = ".ccm-cutoff"


def page_kernel_pid(server: Server, page: Any) -> int:
    """The process of the kernel this page was handed (its id is in the page)."""
    kernel_id = page.evaluate(
        "JSON.parse(document.getElementById('jupyter-config-data').textContent).kernelId"
    )
    for pid in server.kernels():
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        if kernel_id.encode() in cmdline:
            return pid
    raise AssertionError(f"noyau {kernel_id} introuvable")


def banner_within(page: Any, seconds: float, text: str) -> float:
    """Seconds until the banner shows ``text``; fails past ``seconds``."""
    started = time.monotonic()
    page.locator(BANNER, has_text=text).wait_for(timeout=seconds * 1000)
    return time.monotonic() - started


def test_a_page_whose_kernel_died_says_so_within_three_seconds(
    browser: Any, server: Server, artifacts: Path
) -> None:
    page = open_page(browser, server.links["Protection"], GRID)
    os.kill(page_kernel_pid(server, page), signal.SIGKILL)
    banner_within(page, 3, "perdu son lien")
    assert page.evaluate("!!document.getElementById('rendered_cells').closest('[inert]')")
    page.screenshot(path=str(artifacts / "coupure-noyau.png"))
    page.get_by_role("button", name="Recharger la page").click()
    page.wait_for_selector(GRID, timeout=60_000)  # a new kernel, the grid again
    assert page.locator(BANNER).count() == 0
    page.context.close()


@pytest.fixture(scope="module")
def patient_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server that keeps a silent tab's kernel two minutes, as a room's does."""
    folder = tmp_path_factory.mktemp("patient")
    started = start_server(folder, folder / "ccm.sqlite", {"CCM_KERNEL_GRACE": "120"})
    try:
        yield started
    finally:
        stop_server(started.process)


def test_a_page_cut_from_the_network_says_so_and_comes_back(
    browser: Any, patient_server: Server, artifacts: Path
) -> None:
    page = open_page(browser, patient_server.links["Protection"], GRID)
    page.context.set_offline(True)
    banner_within(page, 3, "Connexion perdue")
    assert page.evaluate("!!document.getElementById('rendered_cells').closest('[inert]')")
    page.screenshot(path=str(artifacts / "coupure-reseau.png"))
    time.sleep(60)
    page.context.set_offline(False)
    page.locator(BANNER).wait_for(state="detached", timeout=5_000)
    assert not page.evaluate("!!document.getElementById('rendered_cells').closest('[inert]')")
    page.context.close()


def test_the_state_of_a_kernel_is_told_to_its_own_browser_only(server: Server) -> None:
    import http.client
    import re
    from urllib.parse import urlsplit

    link = urlsplit(server.links["Migration irrégulière"])
    where = urlsplit(server.base)
    connection = http.client.HTTPConnection(where.hostname, where.port, timeout=30)
    connection.request("GET", f"{link.path}?{link.query}")
    answer = connection.getresponse()
    body = answer.read()
    kernel_id = re.search(rb'"kernelId": "([0-9a-f-]{36})"', body).group(1).decode()
    cookie = next(
        c.split(";")[0] for c in answer.msg.get_all("Set-Cookie") if c.startswith("ccm_onglet=")
    )
    answers = []
    for headers in ({"Cookie": cookie}, {}):
        connection.request("GET", f"/voila/ccm/etat/{kernel_id}", headers=headers)
        answer = connection.getresponse()
        answers.append((answer.status, answer.read()))
    connection.close()
    assert answers[0] == (200, b'{"noyau": "vivant"}')
    assert answers[1][0] == 403
