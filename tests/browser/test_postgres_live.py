"""ccm serve on a PostgreSQL store: a group types in its light page, the plenary shows it, the
server holds it; an open group page saves again after PostgreSQL restarts, and what it typed
while the database was down is kept on the device and sent once the database is back."""

from __future__ import annotations

import shlex
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ccm_widgets.store import Store
from tests.browser.conftest import Server, start_server, stop_server
from tests.browser.helpers import (
    LAPTOP,
    PHONE,
    cell,
    open_group,
    open_page,
    rows_shown,
    type_cell,
    wait_cell_saved,
)
from tests.postgres import _bin

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def pg_server(tmp_path_factory: pytest.TempPathFactory, postgres: Any) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("serve-pg")
    started = start_server(folder, postgres.new_database())
    try:
        yield started
    finally:
        stop_server(started.process)


def pg_ctl(postgres: Any, action: str) -> None:
    """Stop PostgreSQL (its clients' connections cut), or start it again with the options
    it last ran with (its own ``postmaster.opts``, as ``pg_ctl restart`` reads them)."""
    data = postgres.folder / "data"
    options: list[str] = []
    if action == "start":
        ran = iter(shlex.split((data / "postmaster.opts").read_text())[1:])  # no binary
        kept = [arg for arg in ran if arg != "-D" or not next(ran)]  # -D and its folder out
        options = ["-o", shlex.join(kept)]
    subprocess.run(
        [*postgres.as_user, _bin("pg_ctl"), "-D", str(data), "-m", "fast", "-w", "-t", "60",
         "-l", str(postgres.folder / "server.log"), *options, action],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True,
    )  # fmt: skip


def challenges(server: Server, section: str, row: int) -> str:
    with Store(server.store_path) as store:
        return store.grid.rows(section)[row].challenges


def test_group_edit_reaches_plenary_on_postgresql(
    browser: Any, pg_server: Server, artifacts: Path
) -> None:
    group = open_group(browser, pg_server.links["Migration irrégulière"], PHONE)
    plenary = open_page(browser, pg_server.links["pleniere"], ".ccm-board table")
    before = rows_shown(group)
    group.tap("#ajouter")
    group.wait_for_function(f"() => document.querySelectorAll('#lignes > li').length > {before}")
    text = "Installer des bornes d'information dans les gares routières (PostgreSQL)"
    type_cell(group, before, "recommendation", text, touch=True)
    wait_cell_saved(group, before, "recommendation")
    plenary.get_by_text(text).first.wait_for(timeout=10_000)
    plenary.screenshot(path=str(artifacts / "pleniere-postgresql.png"), full_page=True)
    group.screenshot(path=str(artifacts / "groupe-postgresql.png"), full_page=True)
    with Store(pg_server.store_path) as store:
        rows = store.grid.rows("migration-irreguliere")
        assert store.db.dialect.name == "postgresql"
    assert len(rows) == before + 1
    assert rows[-1].recommendation == text
    assert rows[-1].updated_by == "groupe:migration-irreguliere"
    for tab in (group, plenary):
        tab.context.close()


def test_an_open_page_saves_again_after_postgresql_restarts(
    browser: Any, pg_server: Server, postgres: Any, artifacts: Path
) -> None:
    """The database server restarted under an open page: its next save used to vanish with
    a stale "Enregistré" and no reconnection, ever. Now the page saves again after a
    restart; and while the database is down, what is typed is refused in French, kept on
    the device, and sent by the page itself once the database answers."""
    page = open_group(browser, pg_server.links["Protection"], LAPTOP)
    type_cell(page, 0, "challenges", "Avant le redémarrage")
    wait_cell_saved(page, 0, "challenges")
    postgres.restart()
    page.evaluate("() => { document.getElementById('statut').textContent = ''; }")
    type_cell(page, 0, "challenges", "Après le redémarrage de PostgreSQL")
    wait_cell_saved(page, 0, "challenges")
    assert challenges(pg_server, "protection", 0) == "Après le redémarrage de PostgreSQL"

    pg_ctl(postgres, "stop")
    try:
        text = "Tapé pendant que PostgreSQL est arrêté"
        type_cell(page, 0, "challenges", text)
        page.locator("#statut", has_text="ne répond pas").wait_for(timeout=15_000)
        said = page.inner_text("#statut")
        assert "gardé sur cet appareil" in said, said
        assert cell(page, 0, "challenges").input_value() == text
        assert text in page.evaluate("() => JSON.stringify(localStorage)")
        page.screenshot(path=str(artifacts / "groupe-postgresql-arrete.png"), full_page=True)
    finally:
        pg_ctl(postgres, "start")
    wait_cell_saved(page, 0, "challenges", timeout=20_000)  # no key pressed, no reload
    assert challenges(pg_server, "protection", 0) == text
    page.wait_for_function("() => !localStorage.length", timeout=5_000)
    page.context.close()
