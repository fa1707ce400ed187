"""ccm serve on a PostgreSQL store: a group types, the plenary shows it, the server holds it."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ccm_widgets.store import Store
from tests.browser.conftest import Server, start_server, stop_server
from tests.browser.helpers import GRID, open_page, type_in_cell, wait_saved

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def pg_server(tmp_path_factory: pytest.TempPathFactory, postgres: Any) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("serve-pg")
    started = start_server(folder, postgres.new_database())
    try:
        yield started
    finally:
        stop_server(started.process)


def test_group_edit_reaches_plenary_on_postgresql(
    browser: Any, pg_server: Server, artifacts: Path
) -> None:
    group = open_page(browser, pg_server.links["Migration irrégulière"], GRID)
    plenary = open_page(browser, pg_server.links["pleniere"], ".ccm-board table")
    with Store(pg_server.store_path) as store:
        before = len(store.grid.rows("migration-irreguliere"))
    group.get_by_role("button", name="Ajouter une ligne").click()
    wait_saved(group)
    time.sleep(0.5)
    text = "Installer des bornes d'information dans les gares routières (PostgreSQL)"
    type_in_cell(group, before, 0, text)
    plenary.get_by_text(text).first.wait_for(timeout=10_000)
    plenary.screenshot(path=str(artifacts / "pleniere-postgresql.png"), full_page=True)
    with Store(pg_server.store_path) as store:
        rows = store.grid.rows("migration-irreguliere")
        assert store.db.dialect.name == "postgresql"
    assert rows[-1].recommendation == text
    assert rows[-1].updated_by == "groupe:migration-irreguliere"
    for tab in (group, plenary):
        tab.context.close()


def test_an_open_tab_saves_again_after_postgresql_restarts(
    browser: Any, pg_server: Server, postgres: Any
) -> None:
    """The database server restarted under an open tab: its next save used to vanish with
    a stale "Enregistré" and no reconnection, ever."""
    from tests.browser.helpers import row_editor_text
    from tests.browser.test_store_faults import save_challenge

    tab = open_page(browser, pg_server.links["Protection"], GRID)
    row_editor_text(tab, 0, 1)
    area = tab.locator(".ccm-row-editor textarea").nth(1)
    assert "Enregistré" in save_challenge(tab, area, "Avant le redémarrage")
    postgres.restart()
    said = save_challenge(tab, area, "Après le redémarrage de PostgreSQL")
    assert "Enregistré" in said, said
    with Store(pg_server.store_path) as store:
        assert store.grid.rows("protection")[0].challenges == "Après le redémarrage de PostgreSQL"
    tab.context.close()
