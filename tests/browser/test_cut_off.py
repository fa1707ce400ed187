"""A page never fails silently. A facilitator's page whose kernel died says so within
seconds and stops taking input; only the facilitator's browser may ask about its kernels. A
group's page that slept (a phone's screen locked) catches up with what changed meanwhile
when it wakes, without a reload, and keeps what it had typed."""

from __future__ import annotations

import http.client
import os
import re
import signal
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.browser.conftest import Server
from tests.browser.helpers import PHONE, cell, open_group, open_page

pytestmark = pytest.mark.browser

BANNER = ".ccm-cutoff"
PLENARY = ".ccm-board table"


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


def test_a_facilitator_page_whose_kernel_died_says_so_within_three_seconds(
    browser: Any, server: Server, artifacts: Path
) -> None:
    page = open_page(browser, server.links["pleniere"], PLENARY)
    os.kill(page_kernel_pid(server, page), signal.SIGKILL)
    started = time.monotonic()
    page.locator(BANNER, has_text="perdu son lien").wait_for(timeout=3_000)
    assert time.monotonic() - started < 3
    assert page.evaluate("!!document.getElementById('rendered_cells').closest('[inert]')")
    page.screenshot(path=str(artifacts / "coupure-noyau.png"))
    page.get_by_role("button", name="Recharger la page").click()
    page.wait_for_selector(PLENARY, timeout=60_000)  # a new kernel, the plenary again
    assert page.locator(BANNER).count() == 0
    page.context.close()


def test_the_state_of_a_kernel_is_told_to_the_facilitators_browser_only(
    server: Server,
) -> None:
    link = urlsplit(server.links["pleniere"])
    where = urlsplit(server.base)
    connection = http.client.HTTPConnection(where.hostname, where.port, timeout=60)
    connection.request("GET", f"{link.path}?{link.query}")
    answer = connection.getresponse()
    body = answer.read()
    found = re.search(rb'"kernelId": "([0-9a-f-]{36})"', body)
    assert found is not None
    kernel_id = found.group(1).decode()
    cookie = next(
        c.split(";")[0]
        for c in answer.msg.get_all("Set-Cookie") or []
        if c.startswith("ccm_animateur=")
    )
    group_key = server.links["Protection"].rsplit("cle=", 1)[1]
    answers = []
    for headers in ({"Cookie": cookie}, {}, {"Cookie": f"ccm_animateur={group_key}"}):
        connection.request("GET", f"/voila/ccm/etat/{kernel_id}", headers=headers)
        answer = connection.getresponse()
        answers.append((answer.status, answer.read()))
    connection.close()
    assert answers[0] == (200, b'{"noyau": "vivant"}')
    assert [status for status, _ in answers[1:]] == [403, 403]


def test_a_phone_that_slept_catches_up_without_a_reload_and_keeps_its_text(
    browser: Any, server: Server, artifacts: Path
) -> None:
    url = server.links["Économie alternative"]
    phone = open_group(browser, url, PHONE)
    rows_before = phone.locator("#lignes > li.row").count()
    area = cell(phone, 0, "perspectives")
    area.tap()
    area.fill("Tapé juste avant la mise en veille")
    cdp = phone.context.new_cdp_session(phone)
    cdp.send("Page.setWebLifecycleState", {"state": "frozen"})  # the screen locks
    try:
        with server.store() as store:
            second = store.grid.rows("economie-alternative")[1]
            store.grid.update_cell(
                second.id, "challenges", "Changé pendant la veille", seen=second.challenges,
                actor="animateur",
            )  # fmt: skip
            store.grid.add("economie-alternative", [("Ajoutée pendant la veille", "", "")])
        time.sleep(4)  # longer than the page's silence before it says the connection is lost
    finally:
        cdp.send("Page.setWebLifecycleState", {"state": "active"})  # the screen unlocks
    phone.wait_for_function(
        f"() => document.querySelectorAll('#lignes > li').length === {rows_before + 1}",
        timeout=10_000,
    )
    phone.wait_for_function(
        "() => document.querySelectorAll('#lignes textarea[name=challenges]')[1].value"
        " === 'Changé pendant la veille'",
        timeout=10_000,
    )
    assert phone.evaluate("() => performance.getEntriesByType('navigation').length") == 1
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with server.store() as store:
            if store.grid.rows("economie-alternative")[0].perspectives == (
                "Tapé juste avant la mise en veille"
            ):
                break
        time.sleep(0.3)
    else:
        raise AssertionError("le texte tapé avant la veille n'a pas été enregistré")
    phone.screenshot(path=str(artifacts / "groupe-apres-veille.png"))
    phone.context.close()
