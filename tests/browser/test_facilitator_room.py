"""The facilitator's pages in front of a real room: links that say when no phone can open
them, a key that never stays in the address bar nor reaches the wall, a home page that
follows the store."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest

from tests.browser.conftest import Server
from tests.browser.helpers import LAPTOP, open_page

pytestmark = pytest.mark.browser

WORKBOOKS = {
    "animateur": ".ccm-home code",
    "pleniere": ".ccm-board table",
    "preparation": ".ccm-preparation",
    "presence": ".ccm-attendance",
    "revue": ".ccm-items",
    "debats": ".ccm-items",
}


def facilitator_key(server: Server) -> str:
    return parse_qs(urlparse(server.links["animateur"]).query)["cle"][0]


def test_the_home_page_says_in_red_that_no_phone_can_open_loopback_links(
    browser: Any, server: Server, artifacts: Path
) -> None:
    page = open_page(browser, server.links["animateur"], ".ccm-home code", device=LAPTOP)
    warning = page.locator(".ccm-loopback")
    warning.wait_for()
    assert "127.0.0.1" in warning.inner_text()
    assert "make serve IP=0.0.0.0" in warning.inner_text()
    colour = warning.evaluate("e => getComputedStyle(e).borderTopColor")
    assert colour == "rgb(179, 38, 30)"
    page.screenshot(path=str(artifacts / "accueil-127.png"), full_page=True)
    assert "127.0.0.1" in server.log_path.read_text().split("Voilà is running")[0]
    page.context.close()


def test_no_facilitator_page_keeps_its_key_in_the_address_bar_or_its_links(
    browser: Any, server: Server
) -> None:
    key = facilitator_key(server)
    context = browser.new_context(**LAPTOP)
    for notebook, ready in WORKBOOKS.items():
        page = context.new_page()
        page.goto(f"{server.base}/voila/render/{notebook}.ipynb?cle={key}")
        page.wait_for_selector(ready, timeout=60_000)
        assert "cle=" not in page.evaluate("() => location.href"), notebook
        shown = page.evaluate(
            "() => [...document.querySelectorAll('a[href]')].map(a => a.href).join(' ')"
            " + document.body.innerText"
        )
        assert key not in shown, notebook
        if notebook == "animateur":  # a reload holds: the key is in the tab's cookie
            page.reload()
            page.wait_for_selector(ready, timeout=60_000)
        page.close()
    context.close()


def test_the_home_page_shows_a_group_added_from_another_tab_within_three_seconds(
    browser: Any, server: Server
) -> None:
    page = open_page(browser, server.links["animateur"], ".ccm-home code", device=LAPTOP)
    with server.store() as store:
        store.groups.add("Santé des migrants", actor="animateur")
    started = time.monotonic()
    try:
        page.get_by_text("Groupe 5 : Santé des migrants").wait_for(timeout=3_000)
        assert time.monotonic() - started < 3
        with server.store() as store:
            key = store.groups.key("sante-des-migrants")
        assert page.locator("code", has_text=f"cle={key}").count() == 1
        assert page.locator(".ccm-qr svg").count() == 5
    finally:
        with server.store() as store:
            store.groups.delete("sante-des-migrants", actor="animateur")
    page.get_by_text("Groupe 5 : Santé des migrants").wait_for(state="detached", timeout=5_000)
    page.context.close()


def test_the_qr_sheet_for_the_tables_downloads_from_the_home_page(
    browser: Any, server: Server, tmp_path: Path
) -> None:
    page = open_page(browser, server.links["animateur"], ".ccm-home code", device=LAPTOP)
    with page.expect_download(timeout=60_000) as download:
        page.get_by_role("button", name="Feuille des codes QR à imprimer").click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    assert saved.read_bytes().startswith(b"%PDF")
    assert facilitator_key(server).encode() not in saved.read_bytes()
    page.context.close()
