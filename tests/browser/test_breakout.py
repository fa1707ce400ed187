"""Group breakouts in a real browser: several tabs at once, conflicts, a killed kernel."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import Server, start_server, stop_server
from tests.browser.helpers import (
    GRID,
    open_cell_editor,
    open_page,
    row_editor_text,
    type_in_cell,
    wait_cell_saved,
    wait_saved,
)

pytestmark = pytest.mark.browser

GROUPS = [
    "Économie alternative",
    "Gouvernance et coordination",
    "Migration irrégulière",
    "Protection",
]
SLUGS = [
    "economie-alternative",
    "gouvernance-et-coordination",
    "migration-irreguliere",
    "protection",
]


def test_four_groups_type_at_once(browser: Any, server: Server, artifacts: Path) -> None:
    tabs = [open_page(browser, server.links[name], GRID) for name in GROUPS]
    plenary = open_page(browser, server.links["pleniere"], ".ccm-board table")
    with server.store() as store:
        counts = [len(store.grid.rows(slug)) for slug in SLUGS]
    for tab in tabs:  # four kernels add a row at about the same time
        tab.get_by_role("button", name="Ajouter une ligne").click()
    for tab in tabs:
        wait_saved(tab)
    time.sleep(0.5)
    texts = [f"Proposition simultanée du groupe {i + 1} : {name}" for i, name in enumerate(GROUPS)]
    for tab, count, text in zip(tabs, counts, texts, strict=True):
        type_in_cell(tab, count, 0, text)
    for text in texts:
        plenary.get_by_text(text).first.wait_for(timeout=10_000)
    plenary.screenshot(path=str(artifacts / "pleniere-quatre-groupes.png"), full_page=True)
    with server.store() as store:
        for slug, text in zip(SLUGS, texts, strict=True):
            assert store.grid.rows(slug)[-1].recommendation == text
    for tab in [*tabs, plenary]:
        tab.context.close()


def test_two_tabs_on_one_group_keep_both_and_settle_a_conflict(
    browser: Any, server: Server, artifacts: Path
) -> None:
    link = server.links["Protection"]
    tab_a = open_page(browser, link, GRID)
    tab_b = open_page(browser, link, GRID)
    # different rows: both kept, each tab sees the other's
    type_in_cell(tab_a, 0, 1, "Défi noté par A")
    type_in_cell(tab_b, 1, 1, "Défi noté par B")
    wait_cell_saved(tab_a, 0, "Défis")
    wait_cell_saved(tab_b, 1, "Défis")
    time.sleep(1.0)
    assert row_editor_text(tab_a, 1, 1) == "Défi noté par B"
    assert row_editor_text(tab_b, 0, 1) == "Défi noté par A"
    # same cell: B's editor is open on the old text when A's save lands
    editor_b = open_cell_editor(tab_b, 0, 2)
    type_in_cell(tab_a, 0, 2, "Perspective de A")
    time.sleep(1.0)  # A's change reaches B's kernel
    editor_b.fill("Perspective de B")
    editor_b.press("Enter")
    conflict = tab_b.get_by_text("modifiée entre-temps", exact=False).first
    conflict.wait_for(timeout=10_000)
    tab_b.screenshot(path=str(artifacts / "conflit.png"), full_page=True)
    with server.store() as store:
        assert store.grid.rows("protection")[0].perspectives == "Perspective de A"
    # A changes the cell again while B chooses: B's choice is between the texts there now
    type_in_cell(tab_a, 0, 2, "Perspective de A, corrigée")
    tab_b.get_by_text("« Perspective de A, corrigée »", exact=False).first.wait_for(timeout=10_000)
    area_b = tab_b.locator(".ccm-row-editor textarea").nth(2)
    deadline = time.monotonic() + 5
    while area_b.input_value() != "Perspective de A, corrigée" and time.monotonic() < deadline:
        time.sleep(0.2)
    assert area_b.input_value() == "Perspective de A, corrigée"  # B's row editor: the stored text
    tab_b.get_by_role("button", name="Garder mon texte").click()
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        with server.store() as store:
            if store.grid.rows("protection")[0].perspectives == "Perspective de B":
                break
        time.sleep(0.2)
    with server.store() as store:
        row = store.grid.rows("protection")[0]
        assert row.perspectives == "Perspective de B"
        history = [e.after.get("perspectives") for e in store.history.entries("grid_row", row.id)]
    assert "Perspective de A" in history  # A's text is kept in the history
    # another conflict, settled the other way: the status says what was kept, not "Conflit"
    editor_b = open_cell_editor(tab_b, 1, 2)
    type_in_cell(tab_a, 1, 2, "Autre perspective de A")
    time.sleep(1.0)
    editor_b.fill("Autre perspective de B")
    editor_b.press("Enter")
    tab_b.locator(".ccm-status", has_text="Conflit").first.wait_for(timeout=10_000)
    tab_b.get_by_role("button", name="Garder le texte enregistré").click()
    kept = tab_b.locator(".ccm-status", has_text="le texte enregistré est gardé").first
    kept.wait_for(timeout=10_000)
    assert "Conflit" not in kept.inner_text()
    assert tab_b.get_by_role("button", name="Garder mon texte").count() == 0
    with server.store() as store:
        assert store.grid.rows("protection")[1].perspectives == "Autre perspective de A"
    tab_a.context.close()
    tab_b.context.close()


def kernel_pid(server: Server, page: Any) -> int:
    """Process id of the kernel serving ``page`` (its id is in Voilà's page config)."""
    import re

    kernel_id = re.search(r'"kernelId": *"([0-9a-f-]+)"', page.content())
    assert kernel_id, "identifiant du noyau absent de la page"
    for pid in server.kernels():
        if kernel_id.group(1).encode() in Path(f"/proc/{pid}/cmdline").read_bytes():
            return pid
    raise AssertionError(f"noyau {kernel_id.group(1)} introuvable")


def test_killed_kernel_loses_nothing_shown_as_saved(browser: Any, server: Server) -> None:
    link = server.links["Gouvernance et coordination"]
    tab = open_page(browser, link, GRID)
    with server.store() as store:
        count = len(store.grid.rows("gouvernance-et-coordination"))
    tab.get_by_role("button", name="Ajouter une ligne").click()
    wait_saved(tab)
    time.sleep(0.5)
    type_in_cell(tab, count, 0, "Texte enregistré avant la panne")
    wait_cell_saved(tab, count, "Recommandation")  # shown as saved: it must survive
    os.kill(kernel_pid(server, tab), signal.SIGKILL)
    tab.context.close()
    again = open_page(browser, link, GRID)
    assert row_editor_text(again, count, 0) == "Texte enregistré avant la panne"
    with server.store() as store:
        assert store.integrity_check() == "ok"
    again.context.close()


def test_restarted_server_shows_what_was_saved(
    browser: Any, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """The server dies (SIGKILL, as in a power cut) after a save; a new one shows the text."""
    folder = tmp_path_factory.mktemp("restart")
    first = start_server(folder, folder / "ccm.sqlite")
    try:
        tab = open_page(browser, first.links["Migration irrégulière"], GRID)
        with first.store() as store:
            count = len(store.grid.rows("migration-irreguliere"))
        tab.get_by_role("button", name="Ajouter une ligne").click()
        wait_saved(tab)
        time.sleep(0.5)
        type_in_cell(tab, count, 2, "Perspective sauvée avant la panne")
        wait_cell_saved(tab, count, "Perspectives")  # shown as saved: it must survive
        tab.context.close()
        os.killpg(first.process.pid, signal.SIGKILL)
        first.process.wait(10)
    finally:
        stop_server(first.process)
    second = start_server(folder, folder / "ccm.sqlite")
    try:
        link = first.links["Migration irrégulière"].replace(first.base, second.base)
        reopened = open_page(browser, link, GRID)
        assert row_editor_text(reopened, count, 2) == "Perspective sauvée avant la panne"
        reopened.context.close()
        with second.store() as store:
            assert store.integrity_check() == "ok"
    finally:
        stop_server(second.process)


def test_server_killed_during_a_burst_of_saves_keeps_every_save_shown(
    browser: Any, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """SIGKILL (server and kernels) while a tab saves cell after cell: every cell the page
    said was saved is in the store after a restart, and the store is sound."""
    folder = tmp_path_factory.mktemp("burst")
    first = start_server(folder, folder / "ccm.sqlite")
    link = first.links["Migration irrégulière"]
    cells = [(row, column) for row in range(3) for column in range(3)]
    names = ("Recommandation", "Défis", "Perspectives")
    confirmed: list[tuple[int, int, str]] = []
    try:
        tab = open_page(browser, link, GRID)
        for n, (row, column) in enumerate(cells):
            text = f"Rafale {n} : ligne {row + 1}, {names[column]}"
            type_in_cell(tab, row, column, text)
            if n == 6:  # the last ones are still in flight when the power goes
                break
            wait_cell_saved(tab, row, names[column])
            confirmed.append((row, column, text))
        os.killpg(first.process.pid, signal.SIGKILL)
        first.process.wait(10)
        tab.context.close()
    finally:
        stop_server(first.process)
    second = start_server(folder, folder / "ccm.sqlite")
    try:
        with second.store() as store:
            assert store.integrity_check() == "ok"
            rows = store.grid.rows("migration-irreguliere")
        for row, column, text in confirmed:
            assert rows[row].cells()[column] == text
        assert len(confirmed) == 6
        reopened = open_page(browser, link.replace(first.base, second.base), GRID)
        row, column, text = confirmed[-1]
        assert row_editor_text(reopened, row, column) == text
        reopened.context.close()
    finally:
        stop_server(second.process)


def test_a_locked_store_says_so_and_keeps_the_text_on_screen(
    browser: Any, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Another program holds the store's write lock past the wait: the page says the save
    failed, in French; the text stays in the row editor and is saved once the lock goes."""
    import sqlite3

    folder = tmp_path_factory.mktemp("locked")
    server = start_server(folder, folder / "ccm.sqlite")
    try:
        tab = open_page(browser, server.links["Protection"], GRID)
        row_editor_text(tab, 0, 1)  # select the first row: its texts fill the row editor
        area = tab.locator(".ccm-row-editor textarea").nth(1)
        blocker = sqlite3.connect(folder / "ccm.sqlite", isolation_level=None)
        blocker.execute("BEGIN EXCLUSIVE")
        try:
            area.fill("Défi écrit pendant que le stockage est verrouillé")
            area.press("Tab")  # leaving the text area saves it
            tab.locator(".ccm-status", has_text="occupé").first.wait_for(timeout=30_000)
            assert area.input_value() == "Défi écrit pendant que le stockage est verrouillé"
        finally:
            blocker.execute("ROLLBACK")
            blocker.close()
        area.fill("Défi écrit pendant que le stockage est verrouillé, puis enregistré")
        area.press("Tab")
        wait_cell_saved(tab, 0, "Défis")
        with server.store() as store:
            assert store.grid.rows("protection")[0].challenges.endswith("puis enregistré")
        tab.context.close()
    finally:
        stop_server(server.process)
