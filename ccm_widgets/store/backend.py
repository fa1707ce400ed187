"""The connection to the database, SQLite or PostgreSQL, and its transactions.

SQLite (stdlib, WAL) is the embedded default, a file under ``data/``; the SQL the
repositories write is kept to what PostgreSQL also speaks (``RETURNING``, no SQLite-only
functions) and goes through :class:`Dialect`, so a ``postgresql://`` URL can replace the
file. This module is the only one that knows which of the two it talks to.

Every write is one transaction (:meth:`Database.write`) that bumps the change counter other
tabs watch, and wakes them (:meth:`Database.change_signal`: the ``-wal`` file written, or
``NOTIFY`` on PostgreSQL); a hook run inside it (:attr:`Database.before_write`) lets the tab's
access be checked in the same transaction as the write it guards. A page that shows several
things at once reads them in one read transaction (:meth:`Database.read_transaction`), so that
they are all of one moment.
"""

from __future__ import annotations

import collections
import contextlib
import datetime as dt
import os
import re
import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from ccm_widgets.i18n import t
from ccm_widgets.store.changes import CHANNEL, ChangeSignal, listen_postgresql, watch_sqlite
from ccm_widgets.store.errors import StoreError, explain

DEFAULT_STORE = Path("data") / "ccm.sqlite"


class Row(Protocol):
    """A row read from either backend: ``row["name"]`` and ``row[0]`` both work."""

    def __getitem__(self, key: str | int) -> Any: ...


class Cursor(Protocol):
    """A cursor of either backend inside a write transaction, spoken to with ``?``."""

    def execute(self, statement: str, params: Sequence[Any] = ()) -> Cursor: ...

    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...

    def __iter__(self) -> Iterator[Any]: ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class Dialect:
    """What differs between the SQL backends the store speaks."""

    name: str
    serial: str
    placeholder: str

    def sql(self, statement: str) -> str:
        """``statement`` written with ``?`` placeholders, in this backend's style."""
        return statement if self.placeholder == "?" else statement.replace("?", self.placeholder)


SQLITE = Dialect("sqlite", "INTEGER PRIMARY KEY", "?")
POSTGRESQL = Dialect("postgresql", "SERIAL PRIMARY KEY", "%s")


class _PgRow(dict[str, Any]):
    """A PostgreSQL row that, like ``sqlite3.Row``, answers to a name or an index."""

    def __init__(self, names: Sequence[str], values: Sequence[Any]) -> None:
        super().__init__(zip(names, values, strict=True))
        self._values = tuple(values)

    def __getitem__(self, key: str | int) -> Any:
        return self._values[key] if isinstance(key, int) else super().__getitem__(key)

    def __iter__(self) -> Iterator[Any]:
        return iter(self._values)  # unpacking gives the values, as with sqlite3.Row


def _pg_rows(cursor: Any) -> Any:
    names = [column.name for column in cursor.description or ()]
    return lambda values: _PgRow(names, values)


class _PgCursor:
    """A psycopg cursor spoken to with SQLite's ``?`` placeholders; it counts changed rows."""

    def __init__(self, cursor: Any) -> None:
        self._cursor = cursor
        self.changes = 0

    def execute(self, statement: str, params: Sequence[Any] = ()) -> _PgCursor:
        self._cursor.execute(POSTGRESQL.sql(statement), tuple(params))
        if statement.lstrip()[:6].upper() in {"INSERT", "UPDATE", "DELETE"}:
            self.changes += max(self._cursor.rowcount, 0)
        return self

    def fetchone(self) -> Any:
        return self._cursor.fetchone()

    def fetchall(self) -> list[Any]:
        return list(self._cursor.fetchall())

    def __iter__(self) -> Iterator[Any]:
        return iter(self._cursor.fetchall())

    def close(self) -> None:
        self._cursor.close()


def mask_url(url: str) -> str:
    """``postgresql://user:secret@host/db`` without its password, for messages."""
    return re.sub(r"(://[^:/@]+):[^@]*@", r"\1:***@", url)


def now() -> str:
    """The current time, UTC, ISO 8601 to the millisecond: what ``updated_at`` holds."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")


def resolve_location(location: str | Path | None) -> str:
    """The store's location: the argument, else ``CCM_STORE``, else ``data/ccm.sqlite``."""
    if location:
        return str(location)
    return os.environ.get("CCM_STORE") or str(DEFAULT_STORE)


def is_url(location: str) -> bool:
    """Whether ``location`` names a PostgreSQL server rather than a SQLite file."""
    return location.startswith(("postgresql://", "postgres://"))


class Database:
    """One connection to the meeting's database, behind a lock (a tab's threads share it).

    Over 300 lines, on purpose: opening either backend, reopening after a fault, reading,
    and the read and write transactions all go through the one connection and its lock;
    split, the lock would have to be shared between classes that each hold half of it.

    Parameters
    ----------
    location:
        A SQLite file path or ``sqlite:///path``, or a ``postgresql://`` URL.
    create:
        Whether a missing SQLite file may be created. Pages open with ``create=False``: a
        store that is not there (a USB stick pulled out) is said so, not made anew and empty.
    """

    def __init__(self, location: str, *, create: bool = True) -> None:
        self.closed = False
        self._lock = threading.RLock()
        #: Counter values this connection's own writes produced (the most recent ones).
        self.own_changes: collections.deque[int] = collections.deque(maxlen=4096)
        #: Set when a write met a read-only file: the next write opens the file again.
        self._reopen_before_write = False
        #: True while the store could only be opened for reading (read-only media).
        self.read_only = False
        #: Called inside each write transaction, before the write (the tab's access check).
        self.before_write: Callable[[Cursor, bool], None] | None = None
        self._identity: tuple[int, int] | None = None
        #: How deep this connection is in :meth:`read_transaction` (0: not in one).
        self._read_depth = 0
        #: Wakes this connection's watchers when another connection commits (made on demand).
        self._signal: ChangeSignal | None = None
        if is_url(location):
            self.dialect = POSTGRESQL
            self.location = location
            self.where = mask_url(location)
            self.path = Path(self.where)
            self._conn: Any = self._connect_postgresql()
            return
        self.dialect = SQLITE
        self.path = Path(location.removeprefix("sqlite:///"))
        self.location = str(self.path)
        self.where = str(self.path)
        if not create and not self.path.is_file():
            raise StoreError(t("store.missing", where=self.where))
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._conn = self._connect_sqlite()
        except sqlite3.DatabaseError as error:
            raise StoreError(t("store.cannot_open", where=self.where, error=error)) from error

    # -- opening ----------------------------------------------------------------------------

    def _connect_sqlite(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, timeout=10, isolation_level=None, check_same_thread=False)
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            # Opened, but perhaps only because another connection keeps the -wal and -shm
            # files there (the server's own, warming the room): a write-protected file is
            # said so now, not at the first save.
            self.read_only = not os.access(self.path, os.W_OK)
            if self.read_only:
                self._reopen_before_write = True
        except sqlite3.OperationalError as error:
            conn.close()
            if "unable to open" not in str(error) or not self.path.is_file():
                raise
            # A write-protected stick or read-only mount: SQLite cannot make the files that
            # go beside a WAL store (-shm, -wal), and refuses to open it. Read it as it is;
            # every write says "lecture seule" and the next one opens the file again.
            conn = sqlite3.connect(
                f"{self.path.resolve().as_uri()}?immutable=1",
                uri=True, isolation_level=None, check_same_thread=False,
            )  # fmt: skip
            self.read_only = True
            self._reopen_before_write = True
        conn.row_factory = sqlite3.Row
        # Power cuts are common where meetings happen: every commit reaches the disk.
        conn.execute("PRAGMA synchronous=FULL")
        conn.execute("PRAGMA busy_timeout=10000")
        conn.execute("PRAGMA foreign_keys=ON")
        self._identity = self._file_identity()
        return conn

    def _file_identity(self) -> tuple[int, int] | None:
        try:
            found = os.stat(self.path)
        except OSError:
            return None
        return found.st_dev, found.st_ino

    def _connect_postgresql(self) -> Any:
        import psycopg

        try:
            return psycopg.connect(self.location, autocommit=True, row_factory=_pg_rows)
        except psycopg.Error as error:
            raise StoreError(t("store.cannot_reach", where=self.where, error=error)) from error

    def _reopen(self) -> None:
        """A new connection in place of the old one (on PostgreSQL, the old one is kept if
        the new one cannot be made).

        On SQLite the old connection is closed first: the connections of one process share
        a file's shared memory (``-shm``), and a new one made while an old one that opened it
        read-only (a write-protected stick) is still open inherits that read-only mapping, so
        a store made writable again could never be written from this tab.
        """
        if self.dialect is SQLITE:
            with contextlib.suppress(Exception):
                self._conn.close()
            try:
                self._conn = self._connect_sqlite()
            except sqlite3.Error:
                self._reopen_before_write = True  # tried again at the next write
            return
        try:
            fresh = self._connect_postgresql()
        except StoreError:
            return
        with contextlib.suppress(Exception):
            self._conn.close()
        self._conn = fresh

    def _reopen_if_read_only(self, error: Exception) -> None:
        """After "readonly database", open the file again before the next write.

        A SQLite connection that met a read-only file (a write-protected USB stick, a
        read-only mount) stays read-only for good, even once the file can be written again:
        without a new connection the tab could never save the text it kept on screen. The new
        connection is made at the next write, when the user tries again, not now while the
        file is still read-only.
        """
        if self.dialect is SQLITE and "readonly" in str(error):
            self._reopen_before_write = True

    def _check_same_file(self) -> None:
        """Refuse to write when the store's file was deleted or replaced under this tab.

        A USB stick pulled out and put back, a copy over the file: the open connection would
        go on writing into the deleted file (lost) or into a file it no longer understands.
        """
        if self.dialect is not SQLITE or self._identity is None:
            return
        identity = self._file_identity()
        if identity is None:
            raise StoreError(t("store.file_gone", where=self.where))
        if identity != self._identity:
            raise StoreError(t("store.file_replaced", where=self.where))

    def moved_away(self) -> bool:
        """Whether the SQLite file at the store's path is no longer the one this connection
        opened (deleted, or replaced: a USB stick pulled out and put back). A connection kept
        open reads the file it opened, even deleted: readers that live as long as the server
        open the store again when this says so. Writes refuse such a file by themselves
        (:meth:`_check_same_file`). Always False on PostgreSQL."""
        return (
            self.dialect is SQLITE
            and self._identity is not None
            and self._file_identity() != self._identity
        )

    def close(self) -> None:
        """Close the connection (the file stays as it is)."""
        with self._lock:
            self._conn.close()
            self.closed = True
            if self._signal is not None:
                self._signal.close()

    def change_signal(self) -> ChangeSignal:
        """What wakes this connection's watchers when the store changes (started on first
        use: a command-line ``ccm`` never pays for it)."""
        with self._lock:
            if self._signal is None:
                if self.dialect is SQLITE:
                    self._signal = ChangeSignal().start(watch_sqlite, self.path.resolve())
                else:
                    self._signal = ChangeSignal().start(listen_postgresql, self.location)
            return self._signal

    # -- reading and writing ----------------------------------------------------------------

    def errors(self) -> tuple[type[Exception], ...]:
        """The backend's errors that mean "the store cannot do this now"."""
        if self.dialect is SQLITE:
            return (sqlite3.OperationalError,)
        import psycopg

        return (psycopg.OperationalError, psycopg.errors.ReadOnlySqlTransaction,
                psycopg.errors.DiskFull, psycopg.errors.InsufficientPrivilege,
                psycopg.InterfaceError)  # fmt: skip

    def _connection_lost(self, error: Exception) -> bool:
        """A PostgreSQL connection that the server closed (a restart): worth one new try."""
        if self.dialect is not POSTGRESQL:
            return False
        import psycopg

        return isinstance(error, psycopg.OperationalError | psycopg.InterfaceError) and bool(
            self._conn.closed or self._conn.broken
        )

    def read(self, statement: str, params: Sequence[Any] = ()) -> list[Any]:
        """The rows of one query (a PostgreSQL connection lost meanwhile is made again once)."""
        with self._lock:
            for attempt in (1, 2):
                try:
                    return list(self._conn.execute(self.dialect.sql(statement), tuple(params)))
                except self.errors() as error:
                    # Inside a read transaction a new connection would leave it, and with it
                    # the moment the other reads saw: the error is said instead.
                    if attempt == 1 and not self._read_depth and self._connection_lost(error):
                        self._reopen()
                        continue
                    raise StoreError(explain(error, self.where)) from error
            raise AssertionError("unreachable")

    @contextlib.contextmanager
    def read_transaction(self) -> Iterator[None]:
        """One read transaction: every :meth:`read` made inside it sees the same moment.

        A page of several panels reads what they show inside one of these, so that no panel
        shows a change that another one does not show yet. On SQLite (WAL), a plain
        ``BEGIN``: the snapshot is taken at the first read and kept until ``COMMIT``, without
        blocking the other tabs' writes nor waiting for them. On PostgreSQL, an autocommit
        connection would let each statement see the latest commit; ``REPEATABLE READ``
        keeps the first statement's snapshot for the whole transaction (``READ ONLY``: a
        write slipped in by mistake is refused, not made outside the writers' turn).

        The connection's lock is held until the end (a tab's threads share the
        connection); nested, it joins the transaction already open.
        """
        with self._lock:
            if self._read_depth:
                self._read_depth += 1
                try:
                    yield
                finally:
                    self._read_depth -= 1
                return
            begin = (
                "BEGIN"
                if self.dialect is SQLITE
                else "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY"
            )
            for attempt in (1, 2):
                try:
                    self._conn.execute(begin)
                    break
                except self.errors() as error:
                    if attempt == 1 and self._connection_lost(error):
                        self._reopen()
                        continue
                    raise StoreError(explain(error, self.where)) from error
            self._read_depth = 1
            try:
                yield
                self._conn.execute("COMMIT")
            except BaseException as error:
                with contextlib.suppress(Exception):
                    self._conn.execute("ROLLBACK")
                if isinstance(error, self.errors()):
                    raise StoreError(explain(error, self.where)) from error
                raise
            finally:
                self._read_depth = 0

    def meta(self, key: str) -> str | None:
        """A value of the ``meta`` table (counters, keys, the breakout's state…)."""
        rows = self.read("SELECT value FROM meta WHERE key = ?", (key,))
        return str(rows[0][0]) if rows else None

    def _begin(self) -> tuple[Cursor, int]:
        if self.dialect is SQLITE:
            cur: Any = self._conn.cursor()
            written = self._conn.total_changes
        else:
            cur = _PgCursor(self._conn.cursor())
            written = 0
        try:
            cur.execute("BEGIN IMMEDIATE" if self.dialect is SQLITE else "BEGIN")
            if self.dialect is POSTGRESQL:  # one writer at a time, readers never wait
                cur.execute("SELECT pg_advisory_xact_lock(7243)")
        except BaseException:
            with contextlib.suppress(Exception):
                cur.close()
            raise
        return cur, written

    @contextlib.contextmanager
    def write(self, *, count: bool = True, group_may: bool = False) -> Iterator[Cursor]:
        """One write transaction; it takes the write lock first.

        On SQLite, ``BEGIN IMMEDIATE``: a read-then-write transaction started with a plain
        ``BEGIN`` fails with "database is locked" under concurrent writers instead of waiting;
        ``IMMEDIATE`` waits its turn. On PostgreSQL, the same turn-taking comes from a
        transaction-scoped advisory lock that writers take and readers ignore; a connection
        the server closed (a restart) is made again, once, before the transaction starts.

        :attr:`before_write` runs first inside the transaction (``group_may``: this write is
        one a group's tab may make). Only transactions that changed something move the
        change counter.
        """
        with self._lock:
            self._check_same_file()
            if self._reopen_before_write:
                self._reopen_before_write = False
                self._reopen()
            for attempt in (1, 2):
                try:
                    cur, written = self._begin()
                    break
                except self.errors() as error:
                    if attempt == 1 and self._connection_lost(error):
                        self._reopen()
                        continue
                    self._reopen_if_read_only(error)
                    raise StoreError(explain(error, self.where)) from error
            try:
                if self.before_write is not None:
                    self.before_write(cur, group_may)
                yield cur
                changed = (
                    self._conn.total_changes > written
                    if self.dialect is SQLITE
                    else cur.changes > written  # type: ignore[attr-defined]
                )
                if count and changed:
                    cur.execute(
                        "UPDATE meta SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT) "
                        "WHERE key = 'changes'"
                    )
                    produced = int(
                        cur.execute("SELECT value FROM meta WHERE key = 'changes'").fetchone()[0]
                    )
                    if self.dialect is POSTGRESQL:  # delivered to the listeners at the commit
                        cur.execute(f"NOTIFY {CHANNEL}")
                else:
                    produced = None
                cur.execute("COMMIT")
                if produced is not None:
                    self.own_changes.append(produced)
                    if self._signal is not None:
                        self._signal.committed()
            except BaseException as error:
                with contextlib.suppress(Exception):
                    cur.execute("ROLLBACK")
                if isinstance(error, self.errors()):
                    self._reopen_if_read_only(error)
                    raise StoreError(explain(error, self.where)) from error
                raise
            finally:
                with contextlib.suppress(Exception):  # closed above, with its connection
                    cur.close()

    def integrity_check(self, tables: Sequence[str]) -> str:
        """``"ok"`` when the store is sound: SQLite's own check of the file; on PostgreSQL,
        which keeps its own consistency, every table read through and every row counted."""
        if self.dialect is SQLITE:
            return str(self.read("PRAGMA integrity_check")[0][0])
        for table in tables:
            self.read(f"SELECT count(*) FROM {table}")
        return "ok"
