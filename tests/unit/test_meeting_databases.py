"""Behind JupyterHub, each facilitator's meeting is in its own PostgreSQL database, owned by
its own role, which the other facilitators' roles cannot open.

The databases are made by the deployment's own script (``deploy/jupyterhub/base-animateur.sh``,
the README's steps) on the tests' PostgreSQL server, whose ``pg_hba.conf`` is given, for
these roles only, the password rule the README asks of a real server.
"""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import psycopg
import pytest

from ccm_widgets.files.loading import load_demo
from ccm_widgets.store import Store
from tests.postgres import PostgresServer, _bin

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "deploy" / "jupyterhub" / "base-animateur.sh"
CONFIG = REPO / "deploy" / "jupyterhub" / "jupyterhub_config.py"


def facilitator_database(postgres: PostgresServer, name: str, password: str) -> str:
    """The database of the hub user ``name``, made as the README says (its own role
    ``ccm_<name>`` with ``password``, owning database ``ccm_<name>``, closed to PUBLIC), and
    a password required of that role on the server; its URL, without the password."""
    env = {
        **os.environ,
        "PATH": f"{Path(_bin('psql')).parent}:{os.environ['PATH']}",
        "PGHOST": "127.0.0.1",
        "PGPORT": str(postgres.port),
        "PGUSER": "ccm",
        "CCM_DB_PASSWORD": password,
    }
    subprocess.run([str(SCRIPT), name], env=env, check=True, capture_output=True, text=True)
    role = f"ccm_{name}"
    rules = postgres.folder / "data" / "pg_hba.conf"
    rules.write_text(
        f'host all "{role}" 127.0.0.1/32 scram-sha-256\n' + rules.read_text(), encoding="utf-8"
    )
    with psycopg.connect(f"{postgres.base_url}/postgres", autocommit=True) as admin:
        admin.execute("SELECT pg_reload_conf()")
    url = f"postgresql://{role}@127.0.0.1:{postgres.port}/{role}"
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:  # the server rereads its rules in the background
        try:
            psycopg.connect(url, connect_timeout=5).close()
        except psycopg.OperationalError:
            return url
        time.sleep(0.1)
    raise AssertionError(f"{role} entre encore sans mot de passe")


def with_password(url: str, password: str) -> str:
    user, rest = url.removeprefix("postgresql://").split("@", 1)
    return f"postgresql://{user}:{password}@{rest}"


def refusal(url: str) -> str:
    """Why the server refuses a connection to ``url`` (the test fails if it accepts)."""
    with pytest.raises(psycopg.OperationalError) as refused:
        psycopg.connect(url, connect_timeout=5).close()
    return str(refused.value)


def test_a_facilitators_role_opens_their_meeting_and_no_other(postgres: Any) -> None:
    suffix = os.getpid()
    a = facilitator_database(postgres, f"animatrice-a{suffix}", "secret-a")
    b = facilitator_database(postgres, f"animateur-b{suffix}", "secret-b")
    with Store(with_password(a, "secret-a")) as store:  # the role makes its meeting's tables
        load_demo(store)
        assert store.meetings.get().title
    with Store(with_password(b, "secret-b")) as store:
        load_demo(store)

    role_a, db_b = a.rsplit("/", 1)[0], b.rsplit("/", 1)[1]
    assert "permission denied for database" in refusal(
        with_password(f"{role_a}/{db_b}", "secret-a")
    )
    # neither without its password, nor as the other role with one's own
    assert "no password supplied" in refusal(a)
    assert "password authentication failed" in refusal(with_password(b, "secret-a"))


def test_each_facilitators_server_gets_their_own_role_by_default(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The deployment's default store: the facilitator's own role on their own database."""
    from traitlets.config import Config

    monkeypatch.delenv("CCM_HUB_STORE", raising=False)
    config = Config()
    exec(  # the hub reads its configuration file the same way
        compile(CONFIG.read_text(encoding="utf-8"), str(CONFIG), "exec"),
        {"get_config": lambda: config, "__file__": str(CONFIG)},
    )
    spawner = SimpleNamespace(user=SimpleNamespace(name="animatrice-niamey"))
    store = config.Spawner.environment["CCM_STORE"](spawner)
    assert store == ("postgresql://ccm_animatrice-niamey@127.0.0.1:5432/ccm_animatrice-niamey")
