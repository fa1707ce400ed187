"""Group breakouts in a real browser: four groups typing at once, the server killed in the
middle of a burst of saves and started again under the open pages, a store locked by another
program. Nothing shown as saved is lost, and nothing typed is lost either: what had not
reached the store is kept on the device and sent once the server answers."""

from __future__ import annotations

import os
import signal
import sqlite3
import time
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import Server, start_server, stop_server
from tests.browser.helpers import (
    FIELDS,
    LAPTOP,
    PHONE,
    TABLET,
    cell,
    open_group,
    type_cell,
    wait_cell_saved,
)

pytestmark = pytest.mark.browser

GROUPS = {
    "Économie alternative": "economie-alternative",
    "Gouvernance et coordination": "gouvernance-et-coordination",
    "Migration irrégulière": "migration-irreguliere",
    "Protection": "protection",
}


def test_four_groups_type_at_once(browser: Any, server: Server, artifacts: Path) -> None:
    devices = [PHONE, TABLET, LAPTOP, PHONE]
    pages = {
        name: open_group(browser, server.links[name], device)
        for name, device in zip(GROUPS, devices, strict=True)
    }
    texts = {name: f"Saisi en même temps par {name}" for name in GROUPS}
    for name, page in pages.items():  # typed one after the other, saved together
        area = cell(page, 0, "perspectives")
        area.click()
        area.fill(texts[name])
    for page in pages.values():
        wait_cell_saved(page, 0, "perspectives")
    with server.store() as store:
        for name, slug in GROUPS.items():
            row = store.grid.rows(slug)[0]
            assert (row.perspectives, row.updated_by) == (texts[name], f"groupe:{slug}")
    for name, page in pages.items():
        page.screenshot(path=str(artifacts / f"groupes-ensemble-{GROUPS[name]}.png"))
        page.context.close()


def test_a_server_killed_in_a_burst_of_saves_loses_nothing_typed(
    browser: Any, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """SIGKILL (a power cut) while a page saves cell after cell, then the server started
    again on the same port: every cell the page said was saved is in the store, the page
    said the server was gone, kept typing, and sent the rest by itself once the new server
    answered, without a reload."""
    folder = tmp_path_factory.mktemp("rafale")
    first = start_server(folder, folder / "ccm.sqlite")
    port = int(first.base.rsplit(":", 1)[1])
    link = first.links["Migration irrégulière"]
    second: Server | None = None
    try:
        page = open_group(browser, link, LAPTOP)
        cells = [(row, field) for row in range(3) for field in FIELDS]
        texts = {c: f"Rafale : ligne {c[0] + 1}, {c[1]}" for c in cells}
        confirmed = []
        for n, (row, field) in enumerate(cells):
            type_cell(page, row, field, texts[(row, field)])
            if n < 5:
                wait_cell_saved(page, row, field)
                confirmed.append((row, field))
        os.killpg(first.process.pid, signal.SIGKILL)  # the last ones are still on their way
        first.process.wait(10)
        page.locator("#banniere").wait_for(state="visible", timeout=5_000)
        type_cell(page, 2, "challenges", "Tapé pendant que le serveur était arrêté")
        texts[(2, "challenges")] = "Tapé pendant que le serveur était arrêté"
        with first.store() as store:
            assert store.integrity_check() == "ok"
            rows = store.grid.rows("migration-irreguliere")
        for row, field in confirmed:
            assert getattr(rows[row], field) == texts[(row, field)]
        second = start_server(folder, folder / "ccm.sqlite", port=port)
        page.locator("#banniere.back").wait_for(timeout=20_000)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            with second.store() as store:
                rows = store.grid.rows("migration-irreguliere")
            if all(getattr(rows[r], f) == t for (r, f), t in texts.items()):
                break
            time.sleep(0.3)
        else:
            missing = {c: t for c, t in texts.items() if getattr(rows[c[0]], c[1]) != t}
            raise AssertionError(f"textes perdus : {missing}")
        page.wait_for_function("() => !localStorage.length", timeout=5_000)
        page.context.close()
    finally:
        stop_server(first.process)
        if second is not None:
            stop_server(second.process)


def test_a_locked_store_says_so_keeps_the_text_and_saves_it_once_free(
    browser: Any, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Another program holds the store's write lock past the wait: the page says the save
    failed, in French; the text stays, and is saved by itself once the lock goes."""
    folder = tmp_path_factory.mktemp("verrou")
    server = start_server(folder, folder / "ccm.sqlite")
    try:
        page = open_group(browser, server.links["Protection"], TABLET)
        blocker = sqlite3.connect(folder / "ccm.sqlite", isolation_level=None)
        blocker.execute("BEGIN EXCLUSIVE")
        try:
            type_cell(page, 0, "challenges", "Défi écrit pendant le verrou", touch=True)
            page.locator("#statut", has_text="occupé").wait_for(timeout=30_000)
            assert cell(page, 0, "challenges").input_value() == "Défi écrit pendant le verrou"
        finally:
            blocker.execute("ROLLBACK")
            blocker.close()
        wait_cell_saved(page, 0, "challenges", timeout=20_000)
        with server.store() as store:
            assert store.grid.rows("protection")[0].challenges == "Défi écrit pendant le verrou"
        page.context.close()
    finally:
        stop_server(server.process)
