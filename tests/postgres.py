"""A real PostgreSQL server for the tests, started from Debian's binaries on 127.0.0.1 in a
temporary folder, and stopped by the tests that started it.

``scripts/ensure-postgres`` (run by ``make test``) installs Debian's ``postgresql`` when it
is missing. As root, the server runs as the ``postgres`` user (PostgreSQL refuses root).
"""

from __future__ import annotations

import glob
import itertools
import os
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path


def _bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), key=len)
    found.sort(key=lambda p: int(p.split("/")[4]) if p.split("/")[4].isdigit() else 0)
    if found:
        return found[-1]
    which = shutil.which(name)
    if which:
        return which
    raise RuntimeError(
        f"PostgreSQL absent ({name}) : lancez « make test », qui installe le paquet postgresql."
    )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class PostgresServer:
    folder: Path
    port: int
    as_user: list[str]
    _names: itertools.count[int]

    @property
    def base_url(self) -> str:
        return f"postgresql://ccm@127.0.0.1:{self.port}"

    def new_database(self) -> str:
        """A fresh empty database; its URL."""
        import psycopg

        name = f"t{os.getpid()}_{next(self._names)}"
        with psycopg.connect(f"{self.base_url}/postgres", autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return f"{self.base_url}/{name}"

    def restart(self) -> None:
        """Stop the server (its clients' connections are cut) and start it again."""
        data = str(self.folder / "data")
        # The server started again writes to its log file, not to a pipe of ours that would
        # stay open as long as it runs.
        subprocess.run(
            [*self.as_user, _bin("pg_ctl"), "-D", data, "-m", "fast", "-w", "-t", "60",
             "-l", str(self.folder / "server.log"), "restart"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True,
        )  # fmt: skip

    def stop(self) -> None:
        subprocess.run(
            [*self.as_user, _bin("pg_ctl"), "-D", str(self.folder / "data"), "-m", "fast",
             "-w", "stop"],
            capture_output=True, check=False,
        )  # fmt: skip
        shutil.rmtree(self.folder, ignore_errors=True)


def start_postgres() -> PostgresServer:
    """initdb in a new folder, then a server on 127.0.0.1 only (no Unix socket outside it)."""
    folder = Path(tempfile.mkdtemp(prefix="ccm-pg-"))
    as_user: list[str] = []
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
        as_user = ["runuser", "-u", "postgres", "--"]
    data = folder / "data"
    subprocess.run(
        [*as_user, _bin("initdb"), "-D", str(data), "-A", "trust", "-U", "ccm", "-E", "UTF8",
         "--no-locale"],
        capture_output=True, check=True,
    )  # fmt: skip
    port = _free_port()
    options = f"-h 127.0.0.1 -p {port} -k {folder} -F -c max_connections=60"
    started = subprocess.run(
        [*as_user, _bin("pg_ctl"), "-D", str(data), "-o", options, "-l",
         str(folder / "server.log"), "-w", "-t", "60", "start"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    if started.returncode != 0:
        log = (folder / "server.log").read_text() if (folder / "server.log").exists() else ""
        raise RuntimeError(f"PostgreSQL n'a pas démarré : {started.stderr}\n{log}")
    return PostgresServer(folder, port, as_user, itertools.count(1))
