"""A group types in its page; the plenary tab shows it within a second; the store holds it.
Wrong keys open nothing; reopened pages take their files from the browser's cache."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import Server
from tests.browser.helpers import PHONE, open_group, open_page, rows_shown, type_cell

pytestmark = pytest.mark.browser


def test_group_edit_reaches_plenary_and_store(
    browser: Any, server: Server, artifacts: Path
) -> None:
    outside: list[str] = []
    group = open_group(browser, server.links["Protection"], PHONE)
    plenary = open_page(browser, server.links["pleniere"], ".ccm-board table", outside=outside)
    group.on("request", lambda r: outside.append(r.url) if "127.0.0.1" not in r.url else None)

    before = rows_shown(group)
    group.get_by_role("button", name="Ajouter une ligne").tap()
    text = "Créer un numéro vert pour les migrants en détresse <b>urgent</b>"
    type_cell(group, before, "recommendation", text, touch=True)
    typed_at = time.monotonic()
    plenary.get_by_text(text, exact=False).first.wait_for(timeout=10_000)
    delay = time.monotonic() - typed_at
    group.screenshot(path=str(artifacts / "groupe-protection.png"), full_page=True)
    plenary.screenshot(path=str(artifacts / "pleniere.png"), full_page=True)

    assert delay < 1.5, f"la plénière a mis {delay:.2f} s à afficher la saisie"
    with server.store() as store:
        rows = store.grid.rows("protection")
    assert rows[-1].recommendation == text
    assert rows[-1].updated_by.startswith("groupe:protection")
    # HTML typed in a cell is shown as text, not interpreted
    assert plenary.locator(".ccm-board b", has_text="urgent").count() == 0
    assert group.locator("#lignes b").count() == 0
    assert outside == [], f"requêtes vers l'extérieur : {outside}"
    group.context.close()
    plenary.context.close()


@pytest.mark.parametrize("page", ["ccm/groupe", "ccm/projection", "voila/render/pleniere.ipynb"])
def test_a_wrong_key_shows_a_french_message_and_nothing_else(
    browser: Any, server: Server, page: str
) -> None:
    tab = open_page(browser, f"{server.base}/{page}?cle=mauvaise", "h1")
    assert "clé d'accès" in tab.inner_text("body")
    assert tab.locator("textarea, .ccm-board").count() == 0
    tab.context.close()


def test_reopening_a_link_takes_the_pages_files_from_the_browser_cache(
    browser: Any, server: Server
) -> None:
    """The light page's scripts and style sheet, and Voilà's versioned lab-extension files
    (``?v=hash``), come from the browser's cache at a reopen: neither fetched nor revalidated
    (304) over the room's Wi-Fi."""
    group = open_group(browser, server.links["Protection"])
    plenary = group.context.new_page()
    plenary.goto(server.links["pleniere"])
    plenary.wait_for_selector(".ccm-board table", timeout=60_000)
    fetched: list[str] = []
    for tab in (group, plenary):
        cdp = tab.context.new_cdp_session(tab)
        cdp.send("Network.enable")
        cached: set[str] = set()
        cdp.on("Network.requestServedFromCache", lambda e, c=cached: c.add(e["requestId"]))

        def received(event: dict[str, Any], cached: set[str] = cached) -> None:
            url, response = event["response"]["url"], event["response"]
            ours = "/ccm/static/" in url or ("/voila/labextensions/" in url and "?v=" in url)
            from_cache = response.get("fromDiskCache") or event["requestId"] in cached
            if ours and not from_cache:
                fetched.append(f"{response['status']} {url}")

        cdp.on("Network.responseReceived", received)
    group.reload()
    group.wait_for_selector("#lignes")
    plenary.reload()
    plenary.wait_for_selector(".ccm-board table", timeout=60_000)
    group.context.close()
    assert fetched == [], f"{len(fetched)} fichiers redemandés au serveur : {fetched[:5]}"
