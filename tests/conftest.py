"""Shared fixtures: every test gets its own store and exports folder, never data/ or exports/."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from ccm_widgets.domain.model import AgendaItem, Group, Meeting, slugify
from ccm_widgets.files.loading import DEMO_DIR, load_demo
from ccm_widgets.store import Store

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run each test in its own folder, with CCM_STORE and CCM_EXPORTS pointing there."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CCM_STORE", str(tmp_path / "data" / "ccm.sqlite"))
    monkeypatch.setenv("CCM_EXPORTS", str(tmp_path / "exports"))
    monkeypatch.delenv("QUERY_STRING", raising=False)
    monkeypatch.delenv("CCM_LANG", raising=False)
    return tmp_path


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    """An empty store in the test's folder."""
    with Store(tmp_path / "store.sqlite") as opened:
        yield opened


@pytest.fixture(scope="session")
def postgres() -> Iterator[object]:
    """A PostgreSQL server on 127.0.0.1 for the whole run, stopped at its end."""
    from tests.postgres import start_postgres

    server = start_postgres()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def any_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """An empty store on each backend: a SQLite file, then a fresh PostgreSQL database."""
    if request.param == "sqlite":
        location = str(tmp_path / "store.sqlite")
    else:
        location = request.getfixturevalue("postgres").new_database()
    with Store(location) as opened:
        yield opened


GROUP_NAMES = (
    "Économie alternative",
    "Gouvernance et coordination",
    "Migration irrégulière",
    "Protection",
)


@pytest.fixture
def meeting_store(store: Store) -> Store:
    """A store with a small meeting: four groups, synthesis order different from numbering."""
    store.meetings.create(
        Meeting(title="Réunion d'essai", date=dt.date(2026, 3, 2), venue="Salle B, Niamey",
                organisation=("MINISTÈRE FICTIF",), chair="M. Président",
                facilitator="Mme Animatrice"),
        agenda=[AgendaItem("Ouverture", "SP", "09h00")],
        groups=[Group(slug=slugify(n), name=n, moderator=f"Modérateur {i}")
                for i, n in enumerate(GROUP_NAMES, start=1)],
        synthesis_order=["migration-irreguliere", "protection"],
    )  # fmt: skip
    return store


@pytest.fixture
def demo_store(store: Store) -> Store:
    """The shipped demo meeting, loaded the way ``ccm demo`` loads it."""
    load_demo(store, DEMO_DIR)
    return store
