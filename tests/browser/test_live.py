"""A group types in its tab; the plenary tab shows it within a second; the store holds it."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from ccm_widgets.widgets.grid_editor import HEADER_HEIGHT, ROW_HEADER_WIDTH, ROW_HEIGHT
from tests.browser.conftest import Server

pytestmark = pytest.mark.browser

GRID = ".lm-DataGrid"
EDITOR_INPUT = ".lm-DataGrid-cellEditorInput"


def open_page(browser: Any, url: str, ready: str, *, outside: list[str] | None = None) -> Any:
    """A new tab on ``url``, waiting for ``ready``; requests leaving 127.0.0.1 are recorded."""
    context = browser.new_context(viewport={"width": 1300, "height": 950})
    page = context.new_page()
    if outside is not None:
        page.on(
            "request",
            lambda r: (
                outside.append(r.url)
                if not r.url.startswith(("http://127.0.0.1", "ws://127.0.0.1", "data:", "blob:"))
                else None
            ),
        )
    page.goto(url)
    page.wait_for_selector(ready, timeout=60_000)
    return page


def cell_point(page: Any, row: int, column: int) -> tuple[float, float]:
    """Page coordinates of the middle of a grid cell (row and column from 0)."""
    box = page.locator(GRID).first.bounding_box()
    widths = (380, 330, 330)
    x = box["x"] + ROW_HEADER_WIDTH + sum(widths[:column]) + widths[column] / 2
    y = box["y"] + HEADER_HEIGHT + row * ROW_HEIGHT + ROW_HEIGHT / 2
    return x, y


def type_in_cell(page: Any, row: int, column: int, text: str) -> None:
    x, y = cell_point(page, row, column)
    page.mouse.dblclick(x, y)
    editor = page.locator(EDITOR_INPUT)
    editor.wait_for(state="visible", timeout=5_000)
    editor.fill(text)
    editor.press("Enter")


def test_group_edit_reaches_plenary_and_store(
    browser: Any, server: Server, artifacts: Path
) -> None:
    outside: list[str] = []
    group = open_page(browser, server.links["Protection"], GRID, outside=outside)
    plenary = open_page(browser, server.links["pleniere"], ".ccm-board table", outside=outside)

    with server.store() as store:
        before = len(store.grid_rows("protection"))
    group.get_by_role("button", name="Ajouter une ligne").click()
    group.wait_for_function(
        "n => document.body.innerText.includes('Enregistré')", arg=before, timeout=10_000
    )
    text = "Créer un numéro vert pour les migrants en détresse <b>urgent</b>"
    time.sleep(0.5)  # the grid redraws with the new row
    type_in_cell(group, before, 0, text)
    typed_at = time.monotonic()
    plenary.get_by_text(text, exact=False).first.wait_for(timeout=5_000)
    delay = time.monotonic() - typed_at
    group.screenshot(path=str(artifacts / "groupe-protection.png"), full_page=True)
    plenary.screenshot(path=str(artifacts / "pleniere.png"), full_page=True)

    assert delay < 1.0, f"la plénière a mis {delay:.2f} s à afficher la saisie"
    with server.store() as store:
        rows = store.grid_rows("protection")
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
