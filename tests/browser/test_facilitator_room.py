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


def test_the_review_is_run_in_the_table_by_keyboard_and_the_chart_follows(
    browser: Any, server: Server, artifacts: Path
) -> None:
    key = facilitator_key(server)
    page = open_page(
        browser,
        f"{server.base}/voila/render/revue.ipynb?cle={key}",
        ".ccm-review-row",
        device=LAPTOP,
    )
    with server.store() as store:
        rows = store.items.review_rows()
    texts = page.locator(".ccm-review-row .ccm-review-text").all_inner_texts()
    assert texts == [r.recommendation for r in rows]  # every recommendation, whole
    chart = page.locator(".ccm-status-chart").inner_html()
    # The first row's state, then its status, then the next row's, all by keyboard.
    page.locator(".ccm-review-row textarea").first.click()
    page.keyboard.press("Control+A")
    page.keyboard.type("Atelier tenu à Agadez")
    page.keyboard.press("Tab")  # leaves the state (saved), to the row's status
    page.keyboard.press("ArrowDown")  # the next status
    page.keyboard.press("Tab")  # to the next row's state
    page.keyboard.press("Control+A")
    page.keyboard.type("Décret en attente de signature")
    page.keyboard.press("Tab")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Tab")
    page.locator(".ccm-review-table .ccm-status", has_text="Ligne 2 enregistrée").wait_for(
        timeout=10_000
    )
    page.wait_for_function(
        "before => document.querySelector('.ccm-status-chart').innerHTML !== before", arg=chart
    )
    with server.store() as store:
        after = store.items.review_rows()
    second = after[1].status.label if hasattr(after[1].status, "label") else after[1].status
    page.locator(".ccm-status-chart", has_text=f"{second} 1").wait_for(timeout=10_000)
    assert after[0].state == "Atelier tenu à Agadez"
    assert after[1].state == "Décret en attente de signature"
    assert (after[0].status, after[1].status) != (rows[0].status, rows[1].status)
    page.screenshot(path=str(artifacts / "revue-tableau.png"), full_page=True)
    page.context.close()
