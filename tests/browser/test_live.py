"""A group types in its tab; the plenary tab shows it within a second; the store holds it."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import Server
from tests.browser.helpers import GRID, open_page, type_in_cell

pytestmark = pytest.mark.browser


def test_group_edit_reaches_plenary_and_store(
    browser: Any, server: Server, artifacts: Path
) -> None:
    outside: list[str] = []
    group = open_page(browser, server.links["Protection"], GRID, outside=outside)
    plenary = open_page(browser, server.links["pleniere"], ".ccm-board table", outside=outside)

    with server.store() as store:
        before = len(store.grid.rows("protection"))
    group.get_by_role("button", name="Ajouter une ligne").click()
    group.wait_for_function(
        "n => document.body.innerText.includes('Enregistré')", arg=before, timeout=10_000
    )
    text = "Créer un numéro vert pour les migrants en détresse <b>urgent</b>"
    time.sleep(0.5)  # the grid redraws with the new row
    type_in_cell(group, before, 0, text)
    typed_at = time.monotonic()
    plenary.get_by_text(text, exact=False).first.wait_for(timeout=10_000)
    delay = time.monotonic() - typed_at
    group.screenshot(path=str(artifacts / "groupe-protection.png"), full_page=True)
    plenary.screenshot(path=str(artifacts / "pleniere.png"), full_page=True)

    assert delay < 1.0, f"la plénière a mis {delay:.2f} s à afficher la saisie"
    with server.store() as store:
        rows = store.grid.rows("protection")
    assert rows[-1].recommendation == text
    assert rows[-1].updated_by.startswith("groupe:protection")
    # HTML typed in a cell is shown as text, not interpreted
    assert plenary.locator(".ccm-board b", has_text="urgent").count() == 0
    assert outside == [], f"requêtes vers l'extérieur : {outside}"
    group.context.close()
    plenary.context.close()


def test_wrong_key_shows_french_message_and_no_grid(browser: Any, server: Server) -> None:
    url = server.links["Protection"].rsplit("cle=", 1)[0] + "cle=mauvaise"
    page = open_page(browser, url, ".ccm-message")
    assert "clé d'accès" in page.inner_text(".ccm-message")
    assert page.locator(GRID).count() == 0
    page.context.close()


def test_reopening_a_link_takes_the_widgets_javascript_from_the_browser_cache(
    browser: Any, server: Server
) -> None:
    """Versioned lab-extension files (``?v=hash``) are not revalidated at each reopen."""
    page = open_page(browser, server.links["Protection"], GRID)
    revalidated: list[str] = []
    loaded: list[str] = []

    def seen(response: Any) -> None:
        if "/voila/labextensions/" in response.url and "?v=" in response.url:
            loaded.append(response.url)
            if response.status == 304:
                revalidated.append(response.url)

    page.on("response", seen)
    page.reload()
    page.wait_for_selector(GRID, timeout=60_000)
    page.context.close()
    assert loaded, "aucun fichier d'extension vu au rechargement"
    assert revalidated == [], f"{len(revalidated)} fichiers redemandés au serveur (304)"
