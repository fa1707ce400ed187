"""The store: the only module that talks to the database.

One store holds one meeting. SQLite (stdlib, WAL) is the embedded default, a file under
``data/``; the SQL is kept to what PostgreSQL also speaks (``RETURNING``, no SQLite-only
functions) and goes through :class:`Dialect`, so a ``postgresql://`` URL can replace the file.

Every write is one transaction that bumps the change counter and appends to the history,
so that other tabs (other kernels) can watch :meth:`Store.change_counter` and refresh, and
so that any earlier text can be seen and restored.
"""

from __future__ import annotations

import collections
import contextlib
import datetime as dt
import hmac
import json
import logging
import re
import secrets
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ccm_widgets.domain.model import (
    GENERAL,
    GRID_FIELDS,
    AgendaItem,
    Communication,
    DebatePoint,
    GridRow,
    Group,
    HistoryEntry,
    Meeting,
    Participant,
    ReviewRow,
    ValidationError,
    clean_text,
    fold,
    slugify,
)
from ccm_widgets.i18n import t

log = logging.getLogger(__name__)

SCHEMA_VERSION = 2
#: Decisions the plenary records on a synthesis row ("" while it waits for one).
DECISIONS: tuple[str, ...] = ("adopted", "amended", "withdrawn")
DEFAULT_STORE = Path("data") / "ccm.sqlite"

_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE meeting (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    title TEXT NOT NULL, date TEXT NOT NULL, venue TEXT NOT NULL,
    organisation TEXT NOT NULL, start TEXT NOT NULL, chair TEXT NOT NULL,
    facilitator TEXT NOT NULL, objectives TEXT NOT NULL, closing TEXT NOT NULL
);
CREATE TABLE agenda (
    id {serial}, position INTEGER NOT NULL, item TEXT NOT NULL,
    presenter TEXT NOT NULL, time TEXT NOT NULL
);
CREATE TABLE groups (
    id {serial}, slug TEXT NOT NULL UNIQUE, name TEXT NOT NULL, moderator TEXT NOT NULL,
    institution TEXT NOT NULL, number INTEGER NOT NULL, synthesis_position INTEGER NOT NULL,
    access_key TEXT NOT NULL
);
CREATE TABLE grid_rows (
    id {serial}, section TEXT NOT NULL, position INTEGER NOT NULL,
    recommendation TEXT NOT NULL, challenges TEXT NOT NULL, perspectives TEXT NOT NULL,
    version INTEGER NOT NULL, updated_by TEXT NOT NULL, updated_at TEXT NOT NULL,
    deleted INTEGER NOT NULL DEFAULT 0, origin TEXT NOT NULL DEFAULT '',
    decision TEXT NOT NULL DEFAULT '', merged_into INTEGER
);
CREATE INDEX grid_rows_section ON grid_rows (section, deleted, position);
CREATE TABLE participants (
    id {serial}, number INTEGER NOT NULL, name TEXT NOT NULL, institution TEXT NOT NULL,
    phone TEXT NOT NULL, email TEXT NOT NULL, grp TEXT NOT NULL
);
CREATE TABLE review_rows (
    id {serial}, section TEXT NOT NULL, position INTEGER NOT NULL,
    recommendation TEXT NOT NULL, state TEXT NOT NULL, status TEXT NOT NULL
);
CREATE TABLE communications (
    id {serial}, position INTEGER NOT NULL, title TEXT NOT NULL, presenter TEXT NOT NULL,
    function TEXT NOT NULL, summary TEXT NOT NULL
);
CREATE TABLE debate_points (id {serial}, position INTEGER NOT NULL, text TEXT NOT NULL);
CREATE TABLE history (
    id {serial}, at TEXT NOT NULL, actor TEXT NOT NULL, entity TEXT NOT NULL,
    entity_id INTEGER NOT NULL, action TEXT NOT NULL, before TEXT NOT NULL, after TEXT NOT NULL
);
CREATE INDEX history_entity ON history (entity, entity_id);
"""


@dataclass(frozen=True)
class ItemTable:
    """A table of ordered items the workbooks edit field by field."""

    name: str
    entity: str
    fields: tuple[str, ...]
    order: str = "position"
    #: Items are ordered within each value of this column (review rows: their section).
    partition: str | None = None


ITEM_TABLES: dict[str, ItemTable] = {
    t.name: t
    for t in (
        ItemTable("agenda", "agenda_item", ("item", "presenter", "time")),
        ItemTable("communications", "communication", ("title", "presenter", "function", "summary")),
        ItemTable("debate_points", "debate_point", ("text",)),
        ItemTable(
            "participants", "participant", ("name", "institution", "phone", "email", "grp"),
            order="number",
        ),
        ItemTable(
            "review_rows", "review_row", ("section", "recommendation", "state", "status"),
            partition="section",
        ),
    )
}  # fmt: skip

#: Statuses a review row can carry besides its free text ("" while not assessed).
REVIEW_STATUSES: tuple[str, ...] = ("réalisée", "en cours", "non réalisée", "à reformuler")


class StoreError(RuntimeError):
    """The store cannot be opened or written; the message is French and says what to do."""


class AccessError(StoreError):
    """This tab may not write this: its key was renewed, the breakout is closed, or the row
    is not its group's. The message is French and says what to do."""


#: The roles a tab's key can give: the facilitator, the projection, or a group (its slug).
FACILITATOR, PROJECTION = "facilitator", "projection"


@dataclass(frozen=True)
class Access:
    """Who a tab is, as its link's key says: ``role`` is ``facilitator``, ``projection`` or a
    group's slug; ``key`` is the key the link carried, checked again at every write."""

    role: str
    key: str

    @property
    def group(self) -> str | None:
        """The group's slug for a group's tab, else None."""
        return None if self.role in {FACILITATOR, PROJECTION} else self.role


class ConflictError(RuntimeError):
    """A cell was changed by someone else since this tab last read it.

    Carries both texts so the user can choose: nothing is overwritten silently.
    """

    def __init__(self, current: GridRow, field: str, attempted: str) -> None:
        super().__init__(
            f"Conflit sur la ligne {current.id} ({field}) : "
            f"modifiée entre-temps par {current.updated_by or 'un autre onglet'}."
        )
        self.current = current
        self.field = field
        self.attempted = attempted


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

#: A row read from either backend: ``row["name"]`` and ``row[0]`` both work.
Row = Any
#: A cursor of either backend inside a write transaction (``?`` placeholders).
Cursor = Any


class _PgRow(dict[str, Any]):
    """A PostgreSQL row that, like ``Row``, answers to a name or an index."""

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


def same_key(given: str, expected: str) -> bool:
    """Compare access keys in constant time (no timing hint about how much matched)."""
    return bool(expected) and hmac.compare_digest(given.encode(), expected.encode())


def mask_url(url: str) -> str:
    """``postgresql://user:secret@host/db`` without its password, for messages."""
    return re.sub(r"(://[^:/@]+):[^@]*@", r"\1:***@", url)


def now() -> str:
    """The current time, UTC, ISO 8601 to the millisecond: what ``updated_at`` holds."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")


def resolve_location(location: str | Path | None) -> str:
    """The store's location: the argument, else ``CCM_STORE``, else ``data/ccm.sqlite``."""
    import os

    if location:
        return str(location)
    return os.environ.get("CCM_STORE") or str(DEFAULT_STORE)


class Store:
    """A meeting's data, behind transactions.

    Parameters
    ----------
    location:
        A SQLite file path (``data/ccm.sqlite``) or ``sqlite:///path``. ``None`` means
        ``CCM_STORE`` or the default file.
    """

    def __init__(self, location: str | Path | None = None) -> None:
        target = resolve_location(location)
        self.closed = False
        self._lock = threading.RLock()
        #: Counter values this connection's own writes produced (the most recent ones).
        self.own_changes: collections.deque[int] = collections.deque(maxlen=4096)
        #: Set when a write met a read-only file: the next write opens the file again.
        self._reopen_before_write = False
        #: True while the store could only be opened for reading (read-only media).
        self.read_only = False
        #: The tab's access, once a page has checked its key: every write checks it again.
        self.access: Access | None = None
        if target.startswith(("postgresql://", "postgres://")):
            self._open_postgresql(target)
            return
        if target.startswith("sqlite:///"):
            target = target.removeprefix("sqlite:///")
        self.path = Path(target)
        #: What reopens this store (a file path or a URL), and how messages name it.
        self.location = str(self.path)
        self.where = str(self.path)
        self.dialect = SQLITE
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._conn: Any = self._connect_sqlite()
            self._ensure_schema()
        except sqlite3.DatabaseError as error:
            raise StoreError(
                f"Impossible d'ouvrir le stockage {self.path} : {error}. "
                "Vérifiez le chemin et les droits d'écriture."
            ) from error

    def _connect_sqlite(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, timeout=10, isolation_level=None, check_same_thread=False)
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            self.read_only = False
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
        return conn

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

    def _reopen_for_writing(self) -> None:
        self._reopen_before_write = False  # set again if the file is still read-only
        try:
            fresh = self._connect_sqlite()
        except sqlite3.Error:
            self._reopen_before_write = True
            return  # not openable now: keep the old connection, the write reports why
        with contextlib.suppress(sqlite3.Error):
            self._conn.close()
        self._conn = fresh

    def _open_postgresql(self, url: str) -> None:
        """The same store on a PostgreSQL server (``postgresql://user@host:port/base``)."""
        import psycopg

        self.location = url
        self.where = mask_url(url)
        self.path = Path(self.where)
        self.dialect = POSTGRESQL
        try:
            self._conn = psycopg.connect(url, autocommit=True, row_factory=_pg_rows)
        except psycopg.Error as error:
            raise StoreError(
                f"Impossible de joindre le stockage {self.where} : {error}. "
                "Vérifiez l'adresse du serveur, la base et l'utilisateur."
            ) from error
        try:
            self._ensure_schema()
        except BaseException as error:
            self._conn.close()
            if not isinstance(error, psycopg.Error):
                raise
            raise StoreError(
                f"Impossible d'ouvrir le stockage {self.where} : {error}. "
                "Vérifiez l'adresse du serveur, la base et l'utilisateur."
            ) from error

    # -- plumbing ---------------------------------------------------------------------------

    def close(self) -> None:
        """Close the connection (the file stays as it is)."""
        with self._lock:
            self._conn.close()
            self.closed = True

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _ensure_schema(self) -> None:
        with self._write(count=False) as cur:
            listing = (
                "SELECT name FROM sqlite_master WHERE type = 'table'"
                if self.dialect is SQLITE
                else "SELECT table_name FROM information_schema.tables"
                " WHERE table_schema = current_schema()"
            )
            tables = {row[0] for row in cur.execute(listing)}
            if not tables:
                for statement in _SCHEMA.format(serial=self.dialect.serial).split(";"):
                    if statement.strip():
                        cur.execute(statement)
                cur.execute(
                    "INSERT INTO meta (key, value) VALUES ('schema_version', ?), ('changes', '0'),"
                    " ('facilitator_key', ?), ('breakout_open', '1'), ('breakout_end', ''),"
                    " ('projection_key', ?), ('kept_pairs', '[]')",
                    (str(SCHEMA_VERSION), secrets.token_urlsafe(9), secrets.token_urlsafe(9)),
                )
                return
            version = cur.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
            if version is not None and version[0] == "1":
                _migrate_1_to_2(cur)
        version = self._meta("schema_version")
        if version != str(SCHEMA_VERSION):
            raise StoreError(
                f"Le stockage {self.where} est au schéma {version}, "
                f"cette version de ccm-workbook attend le schéma {SCHEMA_VERSION}."
            )

    @contextlib.contextmanager
    def _write(self, *, count: bool = True, group_may: bool = False) -> Iterator[Cursor]:
        """One write transaction; it takes the write lock first.

        On SQLite, ``BEGIN IMMEDIATE``: a read-then-write transaction started with a plain
        ``BEGIN`` fails with "database is locked" under concurrent writers instead of waiting;
        ``IMMEDIATE`` waits its turn. On PostgreSQL, the same turn-taking comes from a
        transaction-scoped advisory lock that writers take and readers ignore.

        A store bound to a tab's :attr:`access` checks it inside the transaction, before the
        write: the key still opens that role, and a group's tab only writes its grid rows
        (``group_may``) while the breakout is open. The rule holds whatever the browser sends.
        """
        with self._lock:
            if self._reopen_before_write:
                self._reopen_for_writing()
            if self.dialect is SQLITE:
                cur = self._conn.cursor()
                written = self._conn.total_changes
            else:
                cur = _PgCursor(self._conn.cursor())
                written = 0
            try:
                cur.execute("BEGIN IMMEDIATE" if self.dialect is SQLITE else "BEGIN")
                if self.dialect is POSTGRESQL:  # one writer at a time, readers never wait
                    cur.execute("SELECT pg_advisory_xact_lock(7243)")
            except self._errors() as error:
                cur.close()
                self._reopen_if_read_only(error)
                raise StoreError(_explain(error, self.where)) from error
            try:
                if self.access is not None:
                    self._check_access(cur, self.access, group_may=group_may)
                yield cur
                changed = (
                    self._conn.total_changes > written
                    if self.dialect is SQLITE
                    else cur.changes > written
                )
                # Only transactions that changed something move the counter that tabs watch.
                if count and changed:
                    cur.execute(
                        "UPDATE meta SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT) "
                        "WHERE key = 'changes'"
                    )
                    produced = int(
                        cur.execute("SELECT value FROM meta WHERE key = 'changes'").fetchone()[0]
                    )
                else:
                    produced = None
                cur.execute("COMMIT")
                if produced is not None:
                    self.own_changes.append(produced)
            except BaseException as error:
                with contextlib.suppress(Exception):
                    cur.execute("ROLLBACK")
                if isinstance(error, self._errors()):
                    cur.close()
                    self._reopen_if_read_only(error)
                    raise StoreError(_explain(error, self.where)) from error
                raise
            finally:
                with contextlib.suppress(Exception):  # closed above, with its connection
                    cur.close()

    def bind_access(self, access: Access) -> None:
        """From now on, every write of this store is checked against ``access``."""
        self.access = access

    def _check_access(self, cur: Cursor, access: Access, *, group_may: bool) -> None:
        if access.role in {FACILITATOR, PROJECTION}:
            found = cur.execute(
                "SELECT value FROM meta WHERE key = ?", (f"{access.role}_key",)
            ).fetchone()
        else:
            found = cur.execute(
                "SELECT access_key FROM groups WHERE slug = ?", (access.role,)
            ).fetchone()
        if not same_key(access.key, str(found[0]) if found else ""):
            raise AccessError(t("store.key_renewed"))
        if access.role == PROJECTION or (access.group is not None and not group_may):
            raise AccessError(t("store.not_allowed"))
        if access.group is not None:
            state = cur.execute("SELECT value FROM meta WHERE key = 'breakout_open'").fetchone()
            if state is not None and state[0] == "0":
                raise AccessError(t("store.breakout_closed"))

    def _check_row_section(self, section: str) -> None:
        """A group's tab writes only its own group's rows."""
        group = self.access.group if self.access is not None else None
        if group is not None and section != group:
            raise AccessError(t("store.not_allowed"))

    def access_valid(self) -> bool:
        """Whether the tab's key still opens its role (always True for an unbound store)."""
        access = self.access
        if access is None:
            return True
        if access.role in {FACILITATOR, PROJECTION}:
            stored = self._meta(f"{access.role}_key") or ""
        else:
            rows = self._read("SELECT access_key FROM groups WHERE slug = ?", (access.role,))
            stored = str(rows[0][0]) if rows else ""
        return same_key(access.key, stored)

    def _errors(self) -> tuple[type[Exception], ...]:
        """The backend's errors that mean "the store cannot do this now"."""
        if self.dialect is SQLITE:
            return (sqlite3.OperationalError,)
        import psycopg

        return (psycopg.OperationalError, psycopg.errors.ReadOnlySqlTransaction,
                psycopg.errors.DiskFull, psycopg.errors.InsufficientPrivilege)  # fmt: skip

    def _read(self, statement: str, params: Sequence[Any] = ()) -> list[Row]:
        with self._lock:
            try:
                return list(self._conn.execute(self.dialect.sql(statement), tuple(params)))
            except self._errors() as error:
                raise StoreError(_explain(error, self.where)) from error

    def _meta(self, key: str) -> str | None:
        rows = self._read("SELECT value FROM meta WHERE key = ?", (key,))
        return str(rows[0][0]) if rows else None

    def _history(
        self,
        cur: Cursor,
        *,
        actor: str,
        entity: str,
        entity_id: int,
        action: str,
        before: dict[str, Any],
        after: dict[str, Any],
    ) -> None:
        cur.execute(
            "INSERT INTO history (at, actor, entity, entity_id, action, before, after)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                now(),
                actor,
                entity,
                entity_id,
                action,
                json.dumps(before, ensure_ascii=False),
                json.dumps(after, ensure_ascii=False),
            ),
        )

    # -- change counter ---------------------------------------------------------------------

    def change_counter(self) -> int:
        """A number that grows with every committed change: cheap to poll from any tab."""
        value = self._meta("changes")
        return int(value) if value is not None else 0

    # -- meeting ----------------------------------------------------------------------------

    def has_meeting(self) -> bool:
        """True once a meeting has been created in this store."""
        return bool(self._read("SELECT 1 FROM meeting WHERE id = 1"))

    def create_meeting(
        self,
        meeting: Meeting,
        *,
        agenda: Sequence[AgendaItem] = (),
        groups: Sequence[Group] = (),
        synthesis_order: Sequence[str] = (),
        force: bool = False,
        actor: str = "cli",
    ) -> None:
        """Create (or, with ``force``, replace) the meeting, its agenda and its groups.

        ``synthesis_order`` lists group slugs in the order the synthesis shows them; groups
        not listed follow in their numbering order. Replacing a meeting empties the store.
        """
        slugs = [g.slug for g in groups]
        if len(set(slugs)) != len(slugs):
            raise ValidationError("Deux groupes portent le même nom.")
        unknown = [s for s in synthesis_order if s not in slugs]
        if unknown:
            raise ValidationError(
                "Ordre de synthèse : groupe inconnu « " + ", ".join(unknown) + " »."
            )
        order = list(dict.fromkeys(synthesis_order)) + [
            s for s in slugs if s not in synthesis_order
        ]
        with self._write() as cur:
            existing = cur.execute("SELECT 1 FROM meeting WHERE id = 1").fetchone()
            if existing and not force:
                raise ValidationError(
                    "Ce stockage contient déjà une réunion ; ajoutez --force pour la remplacer."
                )
            for table in (
                "meeting", "agenda", "groups", "grid_rows", "participants",
                "review_rows", "communications", "debate_points",
            ):  # fmt: skip
                cur.execute(f"DELETE FROM {table}")
            if existing:
                # Tabs still open on the replaced meeting must not write into the new one:
                # every key changes (the groups' come new below), and each write checks its key.
                for who in (FACILITATOR, PROJECTION):
                    cur.execute(
                        "UPDATE meta SET value = ? WHERE key = ?",
                        (secrets.token_urlsafe(9), f"{who}_key"),
                    )
            cur.execute(
                "INSERT INTO meeting (id, title, date, venue, organisation, start, chair,"
                " facilitator, objectives, closing) VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    meeting.title,
                    meeting.date.isoformat(),
                    meeting.venue,
                    json.dumps(list(meeting.organisation), ensure_ascii=False),
                    meeting.start,
                    meeting.chair,
                    meeting.facilitator,
                    json.dumps(list(meeting.objectives), ensure_ascii=False),
                    meeting.closing,
                ),
            )
            for position, item in enumerate(agenda, start=1):
                cur.execute(
                    "INSERT INTO agenda (position, item, presenter, time) VALUES (?, ?, ?, ?)",
                    (position, item.item, item.presenter, item.time),
                )
            for number, group in enumerate(groups, start=1):
                cur.execute(
                    "INSERT INTO groups (slug, name, moderator, institution, number,"
                    " synthesis_position, access_key) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (
                        group.slug,
                        group.name,
                        group.moderator,
                        group.institution,
                        number,
                        order.index(group.slug) + 1,
                        secrets.token_urlsafe(9),
                    ),
                )
            self._history(
                cur,
                actor=actor,
                entity="meeting",
                entity_id=1,
                action="create",
                before={},
                after={"title": meeting.title, "groups": slugs},
            )

    def meeting(self) -> Meeting:
        """The meeting's header. Raises :class:`StoreError` when there is none yet."""
        rows = self._read("SELECT * FROM meeting WHERE id = 1")
        if not rows:
            raise StoreError(
                f"Aucune réunion dans {self.where} : créez-la avec « ccm init REUNION.toml » "
                "ou chargez la démonstration avec « ccm demo »."
            )
        row = rows[0]
        return Meeting(
            title=row["title"],
            date=dt.date.fromisoformat(row["date"]),
            venue=row["venue"],
            organisation=tuple(json.loads(row["organisation"])),
            start=row["start"],
            chair=row["chair"],
            facilitator=row["facilitator"],
            objectives=tuple(json.loads(row["objectives"])),
            closing=row["closing"],
        )

    def agenda(self) -> list[AgendaItem]:
        """The agenda in its order."""
        return [
            AgendaItem(item=r["item"], presenter=r["presenter"], time=r["time"])
            for r in self._read("SELECT * FROM agenda ORDER BY position")
        ]

    # -- groups -----------------------------------------------------------------------------

    def groups(self) -> list[Group]:
        """The thematic groups in their numbering order."""
        return [_group(r) for r in self._read("SELECT * FROM groups ORDER BY number")]

    def synthesis_order(self) -> list[str]:
        """Group slugs in the order the synthesis lists them."""
        rows = self._read("SELECT slug FROM groups ORDER BY synthesis_position, number")
        return [r["slug"] for r in rows]

    def set_synthesis_order(self, slugs: Sequence[str], *, actor: str = "animateur") -> None:
        """Set the synthesis order; it must name every group exactly once."""
        known = {g.slug for g in self.groups()}
        if sorted(slugs) != sorted(known):
            raise ValidationError("L'ordre de synthèse doit citer chaque groupe une seule fois.")
        before = self.synthesis_order()
        with self._write() as cur:
            for position, slug in enumerate(slugs, start=1):
                cur.execute(
                    "UPDATE groups SET synthesis_position = ? WHERE slug = ?", (position, slug)
                )
            self._history(
                cur, actor=actor, entity="synthesis_order", entity_id=0, action="update",
                before={"order": before}, after={"order": list(slugs)},
            )  # fmt: skip

    def find_section(self, name: str) -> str:
        """The section key a user means by ``name``: ``general`` or a group's slug.

        Matching ignores case, accents and punctuation; a group's slug or number also works.
        """
        wanted = fold(name)
        if wanted in {"general", "generale", "recommandations d ordre general"}:
            return GENERAL
        for group in self.groups():
            if wanted in {fold(group.name), fold(group.slug.replace("-", " ")), str(group.number)}:
                return group.slug
        names = ", ".join(g.name for g in self.groups()) or "aucun"
        raise ValidationError(
            f"Groupe inconnu : « {name} ». Groupes de la réunion : {names} (ou « général »)."
        )

    def group(self, slug: str) -> Group:
        """The group ``slug``; :class:`ValidationError` if there is none."""
        rows = self._read("SELECT * FROM groups WHERE slug = ?", (slug,))
        if not rows:
            raise ValidationError(f"Groupe inconnu : « {slug} ».")
        return _group(rows[0])

    def group_key(self, slug: str) -> str:
        """The access key of the group ``slug`` (it goes in the group's link)."""
        rows = self._read("SELECT access_key FROM groups WHERE slug = ?", (slug,))
        if not rows:
            raise ValidationError(f"Groupe inconnu : « {slug} ».")
        return str(rows[0][0])

    def group_keys(self) -> dict[str, str]:
        """Every group's access key, by slug, in one read."""
        return {str(r[0]): str(r[1]) for r in self._read("SELECT slug, access_key FROM groups")}

    def projection_key(self) -> str:
        """The read-only key of the projection view."""
        return self._meta("projection_key") or ""

    def facilitator_key(self) -> str:
        """The facilitator's access key (it opens every page)."""
        return self._meta("facilitator_key") or ""

    def renew_key(self, who: str, *, actor: str = "cli") -> None:
        """A new key for ``facilitator``, ``projection`` or a group's slug: its old link stops
        opening anything. The history records the renewal, never a key."""
        key = secrets.token_urlsafe(9)
        with self._write() as cur:
            if who in {"facilitator", "projection"}:
                cur.execute("UPDATE meta SET value = ? WHERE key = ?", (key, f"{who}_key"))
            else:
                cur.execute("UPDATE groups SET access_key = ? WHERE slug = ?", (key, who))
                if cur.execute("SELECT 1 FROM groups WHERE slug = ?", (who,)).fetchone() is None:
                    raise ValidationError(f"Groupe inconnu : « {who} ».")
            self._history(
                cur, actor=actor, entity="access_key", entity_id=0, action="renew",
                before={}, after={"for": who},
            )  # fmt: skip

    # -- grid rows --------------------------------------------------------------------------

    def grid_rows(self, section: str | None = None) -> list[GridRow]:
        """Live rows of ``section`` (or of every section) in their order."""
        if section is None:
            rows = self._read(
                "SELECT * FROM grid_rows WHERE deleted = 0 ORDER BY section, position"
            )
        else:
            rows = self._read(
                "SELECT * FROM grid_rows WHERE section = ? AND deleted = 0 ORDER BY position",
                (section,),
            )
        return [_grid_row(r) for r in rows]

    def grid_row(self, row_id: int) -> GridRow:
        """One row by id (deleted rows included, so history can restore them)."""
        rows = self._read("SELECT * FROM grid_rows WHERE id = ?", (row_id,))
        if not rows:
            raise ValidationError(f"Ligne {row_id} introuvable.")
        return _grid_row(rows[0])

    def add_grid_rows(
        self, section: str, rows: Sequence[Sequence[str]], *, actor: str = "cli"
    ) -> list[GridRow]:
        """Append ``rows`` (Recommandation, Défis, Perspectives) to ``section``, in one go."""
        self._check_section(section)
        self._check_row_section(section)
        cleaned = [_clean_cells(cells) for cells in rows]
        stamp = now()
        ids: list[int] = []
        with self._write(group_may=True) as cur:
            top = cur.execute(
                "SELECT COALESCE(MAX(position), 0) FROM grid_rows WHERE section = ?", (section,)
            ).fetchone()[0]
            for offset, cells in enumerate(cleaned, start=1):
                row_id = cur.execute(
                    "INSERT INTO grid_rows (section, position, recommendation, challenges,"
                    " perspectives, version, updated_by, updated_at, origin)"
                    " VALUES (?, ?, ?, ?, ?, 1, ?, ?, ?)"
                    " RETURNING id",
                    (section, top + offset, *cells, actor, stamp, section),
                ).fetchone()[0]
                ids.append(int(row_id))
                self._history(
                    cur, actor=actor, entity="grid_row", entity_id=row_id, action="create",
                    before={},
                    after=dict(zip(GRID_FIELDS, cells, strict=True)) | {"section": section},
                )  # fmt: skip
        return [self.grid_row(i) for i in ids]

    def update_grid_cell(
        self,
        row_id: int,
        field: str,
        value: str,
        *,
        seen: str,
        actor: str,
    ) -> GridRow:
        """Set one cell, unless someone else changed it since the caller read ``seen``.

        Writes that change nothing are dropped (this is what stops two tabs from echoing a
        value back and forth). Raises :class:`ConflictError` when the stored text is neither
        ``seen`` nor ``value``: the caller shows both texts and lets the user choose.
        """
        if field not in GRID_FIELDS:
            raise ValidationError(f"Colonne inconnue : {field}.")
        text = clean_text(value, what="texte de la cellule")
        with self._write(group_may=True) as cur:
            row = cur.execute("SELECT * FROM grid_rows WHERE id = ?", (row_id,)).fetchone()
            if row is None or row["deleted"]:
                raise ValidationError(f"La ligne {row_id} a été supprimée entre-temps.")
            self._check_row_section(row["section"])
            current = row[field]
            if current == text:
                return _grid_row(row)
            if current != clean_text(seen):
                raise ConflictError(_grid_row(row), field, text)
            stamp = now()
            cur.execute(
                f"UPDATE grid_rows SET {field} = ?, version = version + 1, updated_by = ?,"
                " updated_at = ? WHERE id = ?",
                (text, actor, stamp, row_id),
            )
            self._history(
                cur, actor=actor, entity="grid_row", entity_id=row_id, action="update",
                before={field: current}, after={field: text},
            )  # fmt: skip
        return self.grid_row(row_id)

    def delete_grid_row(self, row_id: int, *, actor: str) -> None:
        """Remove a row from its grid; it stays in the history and can be restored."""
        with self._write(group_may=True) as cur:
            row = cur.execute("SELECT * FROM grid_rows WHERE id = ?", (row_id,)).fetchone()
            if row is None or row["deleted"]:
                return
            self._check_row_section(row["section"])
            cur.execute(
                "UPDATE grid_rows SET deleted = 1, version = version + 1, updated_by = ?,"
                " updated_at = ? WHERE id = ?",
                (actor, now(), row_id),
            )
            self._history(
                cur, actor=actor, entity="grid_row", entity_id=row_id, action="delete",
                before={f: row[f] for f in GRID_FIELDS}, after={},
            )  # fmt: skip

    def restore_grid_row(self, row_id: int, *, actor: str) -> GridRow:
        """Bring back a deleted row at its former place."""
        with self._write(group_may=True) as cur:
            row = cur.execute("SELECT section FROM grid_rows WHERE id = ?", (row_id,)).fetchone()
            if row is not None:
                self._check_row_section(row["section"])
            cur.execute(
                "UPDATE grid_rows SET deleted = 0, version = version + 1, updated_by = ?,"
                " updated_at = ? WHERE id = ? AND deleted = 1",
                (actor, now(), row_id),
            )
            self._history(
                cur, actor=actor, entity="grid_row", entity_id=row_id, action="restore",
                before={}, after={},
            )  # fmt: skip
        return self.grid_row(row_id)

    def move_grid_row(self, row_id: int, offset: int, *, actor: str) -> bool:
        """Move a row ``offset`` places up (negative) or down within its section.

        Returns False when the row is already at that end. Positions are renumbered 1..n.
        """
        with self._write(group_may=True) as cur:
            row = cur.execute("SELECT * FROM grid_rows WHERE id = ?", (row_id,)).fetchone()
            if row is None or row["deleted"]:
                raise ValidationError(f"La ligne {row_id} a été supprimée entre-temps.")
            self._check_row_section(row["section"])
            ids = [
                r[0]
                for r in cur.execute(
                    "SELECT id FROM grid_rows WHERE section = ? AND deleted = 0"
                    " ORDER BY position, id",
                    (row["section"],),
                )
            ]
            index = ids.index(row_id)
            target = min(max(index + offset, 0), len(ids) - 1)
            if target == index:
                return False
            ids.insert(target, ids.pop(index))
            stamp = now()
            for position, moved in enumerate(ids, start=1):
                cur.execute(
                    "UPDATE grid_rows SET position = ?, updated_at = CASE WHEN id = ?"
                    " THEN ? ELSE updated_at END WHERE id = ? AND position != ?",
                    (position, row_id, stamp, moved, position),
                )
            self._history(
                cur,
                actor=actor,
                entity="grid_row",
                entity_id=row_id,
                action="move",
                before={"position": index + 1},
                after={"position": target + 1},
            )
        return True

    def _renumber(self, cur: Cursor, section: str, ids: Sequence[int]) -> None:
        for position, row_id in enumerate(ids, start=1):
            cur.execute(
                "UPDATE grid_rows SET position = ? WHERE id = ? AND position != ?",
                (position, row_id, position),
            )

    def _live_ids(self, cur: Cursor, section: str) -> list[int]:
        return [
            r[0]
            for r in cur.execute(
                "SELECT id FROM grid_rows WHERE section = ? AND deleted = 0 ORDER BY position, id",
                (section,),
            )
        ]

    def _live_row(self, cur: Cursor, row_id: int) -> Row:
        row = cur.execute("SELECT * FROM grid_rows WHERE id = ?", (row_id,)).fetchone()
        if row is None or row["deleted"]:
            raise ValidationError(f"La ligne {row_id} a été supprimée entre-temps.")
        return row

    def move_grid_row_to_section(
        self, row_id: int, section: str, *, actor: str, before: int | None = None
    ) -> GridRow:
        """Move a row to another section: at its end, or just before row ``before``.

        The row keeps its origin (the section it was written in), so the synthesis can still
        say where a recommendation came from.
        """
        self._check_section(section)
        with self._write() as cur:
            row = self._live_row(cur, row_id)
            source = row["section"]
            if source == section and before is None:
                return _grid_row(row)
            remaining = [i for i in self._live_ids(cur, source) if i != row_id]
            target = [i for i in self._live_ids(cur, section) if i != row_id]
            index = target.index(before) if before in target else len(target)
            target.insert(index, row_id)
            cur.execute(
                "UPDATE grid_rows SET section = ?, version = version + 1, updated_by = ?,"
                " updated_at = ? WHERE id = ?",
                (section, actor, now(), row_id),
            )
            self._renumber(cur, source, remaining)
            self._renumber(cur, section, target)
            self._history(
                cur, actor=actor, entity="grid_row", entity_id=row_id, action="move_section",
                before={"section": source, "position": row["position"]},
                after={"section": section, "position": index + 1},
            )  # fmt: skip
        return self.grid_row(row_id)

    def merge_grid_rows(
        self,
        keep_id: int,
        other_id: int,
        *,
        actor: str,
        cells: Sequence[str] | None = None,
    ) -> GridRow:
        """Merge row ``other_id`` into row ``keep_id``; both origins are kept.

        The kept row takes ``cells`` when given, else each column's two texts joined (a
        text equal to the other one, accents and case aside, is not repeated). The other row
        leaves the synthesis but stays in the store, marked as merged into the kept one, and
        both rows' history records the merge.
        """
        if keep_id == other_id:
            raise ValidationError("Une ligne ne peut pas être fusionnée avec elle-même.")
        with self._write() as cur:
            keep = self._live_row(cur, keep_id)
            other = self._live_row(cur, other_id)
            if cells is None:
                merged = tuple(_join_texts(keep[f], other[f]) for f in GRID_FIELDS)
            else:
                merged = _clean_cells(cells)
            origins = _join_origins(
                keep["origin"] or keep["section"], other["origin"] or other["section"]
            )
            stamp = now()
            cur.execute(
                "UPDATE grid_rows SET recommendation = ?, challenges = ?, perspectives = ?,"
                " origin = ?, version = version + 1, updated_by = ?, updated_at = ?"
                " WHERE id = ?",
                (*merged, origins, actor, stamp, keep_id),
            )
            cur.execute(
                "UPDATE grid_rows SET deleted = 1, merged_into = ?, version = version + 1,"
                " updated_by = ?, updated_at = ? WHERE id = ?",
                (keep_id, actor, stamp, other_id),
            )
            self._renumber(cur, other["section"], self._live_ids(cur, other["section"]))
            self._history(
                cur, actor=actor, entity="grid_row", entity_id=keep_id, action="merge",
                before={f: keep[f] for f in GRID_FIELDS} | {"origin": keep["origin"]},
                after=dict(zip(GRID_FIELDS, merged, strict=True))
                | {"origin": origins, "merged": other_id},
            )  # fmt: skip
            self._history(
                cur, actor=actor, entity="grid_row", entity_id=other_id, action="merged",
                before={f: other[f] for f in GRID_FIELDS} | {"section": other["section"]},
                after={"merged_into": keep_id},
            )  # fmt: skip
        return self.grid_row(keep_id)

    def unmerge_grid_rows(self, keep_id: int, other_id: int, *, actor: str) -> GridRow:
        """Undo :meth:`merge_grid_rows`: both rows get back the texts they had before it."""
        with self._write() as cur:
            other = cur.execute("SELECT * FROM grid_rows WHERE id = ?", (other_id,)).fetchone()
            if other is None or other["merged_into"] != keep_id:
                raise ValidationError(
                    f"La ligne {other_id} n'a pas été fusionnée dans la ligne {keep_id}."
                )
            merge = cur.execute(
                "SELECT before FROM history WHERE entity = 'grid_row' AND entity_id = ?"
                " AND action = 'merge' ORDER BY id DESC LIMIT 1",
                (keep_id,),
            ).fetchone()
            previous = json.loads(merge[0])
            keep = self._live_row(cur, keep_id)
            stamp = now()
            cur.execute(
                "UPDATE grid_rows SET recommendation = ?, challenges = ?, perspectives = ?,"
                " origin = ?, version = version + 1, updated_by = ?, updated_at = ?"
                " WHERE id = ?",
                (*(previous[f] for f in GRID_FIELDS), previous["origin"], actor, stamp, keep_id),
            )
            ids = self._live_ids(cur, other["section"])
            ids.insert(min(max(other["position"] - 1, 0), len(ids)), other_id)
            cur.execute(
                "UPDATE grid_rows SET deleted = 0, merged_into = NULL, version = version + 1,"
                " updated_by = ?, updated_at = ? WHERE id = ?",
                (actor, stamp, other_id),
            )
            self._renumber(cur, other["section"], ids)
            self._history(
                cur, actor=actor, entity="grid_row", entity_id=keep_id, action="unmerge",
                before={f: keep[f] for f in GRID_FIELDS},
                after={f: previous[f] for f in GRID_FIELDS} | {"unmerged": other_id},
            )  # fmt: skip
        return self.grid_row(keep_id)

    def split_grid_row(
        self,
        row_id: int,
        first: Sequence[str],
        second: Sequence[str],
        *,
        actor: str,
    ) -> tuple[GridRow, GridRow]:
        """Split a row in two: it keeps ``first``; a new row right after it holds ``second``.

        The new row has the same origin; both are recorded in the history.
        """
        kept = _clean_cells(first)
        added = _clean_cells(second)
        if not any(kept) or not any(added):
            raise ValidationError(
                "Chacune des deux lignes issues de la scission doit avoir un texte."
            )
        with self._write() as cur:
            row = self._live_row(cur, row_id)
            stamp = now()
            cur.execute(
                "UPDATE grid_rows SET recommendation = ?, challenges = ?, perspectives = ?,"
                " version = version + 1, updated_by = ?, updated_at = ? WHERE id = ?",
                (*kept, actor, stamp, row_id),
            )
            new_id = int(
                cur.execute(
                    "INSERT INTO grid_rows (section, position, recommendation, challenges,"
                    " perspectives, version, updated_by, updated_at, origin, decision)"
                    " VALUES (?, ?, ?, ?, ?, 1, ?, ?, ?, ?) RETURNING id",
                    (row["section"], row["position"], *added, actor, stamp,
                     row["origin"] or row["section"], row["decision"]),
                ).fetchone()[0]
            )  # fmt: skip
            ids = [i for i in self._live_ids(cur, row["section"]) if i != new_id]
            ids.insert(ids.index(row_id) + 1, new_id)
            self._renumber(cur, row["section"], ids)
            self._history(
                cur, actor=actor, entity="grid_row", entity_id=row_id, action="split",
                before={f: row[f] for f in GRID_FIELDS},
                after=dict(zip(GRID_FIELDS, kept, strict=True)) | {"split_into": new_id},
            )  # fmt: skip
            self._history(
                cur, actor=actor, entity="grid_row", entity_id=new_id, action="create",
                before={},
                after=dict(zip(GRID_FIELDS, added, strict=True))
                | {"section": row["section"], "split_from": row_id},
            )  # fmt: skip
        return self.grid_row(row_id), self.grid_row(new_id)

    def set_decision(self, row_id: int, decision: str, *, actor: str) -> GridRow:
        """Record the plenary's decision on a row: adopted, amended, withdrawn, or "" (undo)."""
        if decision and decision not in DECISIONS:
            raise ValidationError(f"Décision inconnue : {decision}.")
        with self._write() as cur:
            row = self._live_row(cur, row_id)
            if row["decision"] == decision:
                return _grid_row(row)
            cur.execute(
                "UPDATE grid_rows SET decision = ?, version = version + 1, updated_by = ?,"
                " updated_at = ? WHERE id = ?",
                (decision, actor, now(), row_id),
            )
            self._history(
                cur, actor=actor, entity="grid_row", entity_id=row_id, action="decide",
                before={"decision": row["decision"]}, after={"decision": decision},
            )  # fmt: skip
        return self.grid_row(row_id)

    def decision_ledger(self) -> list[tuple[HistoryEntry, GridRow]]:
        """Every decision taken in plenary, oldest first, with the row as it is now."""
        entries = self.history("grid_row", action="decide")
        rows = {
            r["id"]: _grid_row(r)
            for r in self._read("SELECT * FROM grid_rows WHERE id IN (SELECT entity_id FROM"
                                " history WHERE entity = 'grid_row' AND action = 'decide')")
        }  # fmt: skip
        return [(e, rows[e.entity_id]) for e in entries if e.entity_id in rows]

    def kept_pairs(self) -> set[tuple[int, int]]:
        """Pairs of rows the facilitator said to keep apart (not duplicates)."""
        value = self._meta("kept_pairs") or "[]"
        return {(min(a, b), max(a, b)) for a, b in json.loads(value)}

    def keep_pair(self, first: int, second: int, *, actor: str) -> None:
        """Remember that two rows flagged as near-duplicates are both to be kept."""
        pairs = self.kept_pairs() | {(min(first, second), max(first, second))}
        with self._write() as cur:
            cur.execute(
                "UPDATE meta SET value = ? WHERE key = 'kept_pairs'",
                (json.dumps(sorted(pairs)),),
            )
            self._history(
                cur, actor=actor, entity="grid_row", entity_id=first, action="keep_pair",
                before={}, after={"kept_with": second},
            )  # fmt: skip

    # -- breakout ---------------------------------------------------------------------------

    def breakout(self) -> tuple[bool, str]:
        """Whether group grids are open for editing, and the breakout's end (ISO UTC or "")."""
        return self._meta("breakout_open") != "0", self._meta("breakout_end") or ""

    def set_breakout(self, *, open: bool, end: str | None = None, actor: str) -> None:
        """Open or close the breakout; ``end`` (ISO UTC) sets the countdown, "" clears it."""
        before = self.breakout()
        with self._write() as cur:
            cur.execute(
                "UPDATE meta SET value = ? WHERE key = 'breakout_open'", ("1" if open else "0",)
            )
            if end is not None:
                cur.execute("UPDATE meta SET value = ? WHERE key = 'breakout_end'", (end,))
            self._history(
                cur,
                actor=actor,
                entity="breakout",
                entity_id=0,
                action="update",
                before={"open": before[0], "end": before[1]},
                after={"open": open, "end": before[1] if end is None else end},
            )

    def _check_section(self, section: str) -> None:
        if section != GENERAL:
            self.group(section)

    # -- attendance, review, communications, debates ----------------------------------------

    def add_participants(
        self, participants: Sequence[Participant], *, actor: str = "cli"
    ) -> list[Participant]:
        """Append people to the attendance list.

        Into an empty list, people keep the numbers of their sheet; appended to a list that
        has people already, they are numbered on from its last number (two sheets of one
        meeting both start at 1).
        """
        with self._write() as cur:
            top = cur.execute("SELECT COALESCE(MAX(number), 0) FROM participants").fetchone()[0]
            for offset, p in enumerate(participants, start=1):
                number = top + offset if top or not p.number else p.number
                row_id = cur.execute(
                    "INSERT INTO participants (number, name, institution, phone, email, grp)"
                    " VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
                    (number, p.name, p.institution, p.phone, p.email, p.group),
                ).fetchone()[0]
                self._history(
                    cur, actor=actor, entity="participant", entity_id=row_id, action="create",
                    before={}, after={"name": p.name, "institution": p.institution},
                )  # fmt: skip
        return self.participants()

    def participants(self) -> list[Participant]:
        """The attendance list in order of its numbers."""
        return [
            Participant(
                id=r["id"],
                number=r["number"],
                name=r["name"],
                institution=r["institution"],
                phone=r["phone"],
                email=r["email"],
                group=r["grp"],
            )
            for r in self._read("SELECT * FROM participants ORDER BY number, id")
        ]

    def add_review_rows(self, rows: Sequence[ReviewRow], *, actor: str = "cli") -> None:
        """Append rows to the review of the previous recommendations."""
        for row in rows:
            self._check_section(row.section)
        with self._write() as cur:
            for row in rows:
                top = cur.execute(
                    "SELECT COALESCE(MAX(position), 0) FROM review_rows WHERE section = ?",
                    (row.section,),
                ).fetchone()[0]
                row_id = cur.execute(
                    "INSERT INTO review_rows (section, position, recommendation, state, status)"
                    " VALUES (?, ?, ?, ?, ?) RETURNING id",
                    (row.section, top + 1, row.recommendation, row.state, row.status),
                ).fetchone()[0]
                self._history(
                    cur, actor=actor, entity="review_row", entity_id=row_id, action="create",
                    before={}, after={"recommendation": row.recommendation, "state": row.state},
                )  # fmt: skip

    def review_rows(self) -> list[ReviewRow]:
        """Review rows, general section first, then groups in numbering order."""
        order = {GENERAL: 0} | {g.slug: g.number for g in self.groups()}
        rows = [
            ReviewRow(
                id=r["id"],
                section=r["section"],
                position=r["position"],
                recommendation=r["recommendation"],
                state=r["state"],
                status=r["status"],
            )
            for r in self._read("SELECT * FROM review_rows")
        ]
        return sorted(rows, key=lambda r: (order.get(r.section, 999), r.position))

    def add_communication(self, communication: Communication, *, actor: str = "cli") -> None:
        """Append a presentation."""
        with self._write() as cur:
            top = cur.execute("SELECT COALESCE(MAX(position), 0) FROM communications").fetchone()
            row_id = cur.execute(
                "INSERT INTO communications (position, title, presenter, function, summary)"
                " VALUES (?, ?, ?, ?, ?) RETURNING id",
                (
                    top[0] + 1, communication.title, communication.presenter,
                    communication.function, communication.summary,
                ),
            ).fetchone()[0]  # fmt: skip
            self._history(
                cur, actor=actor, entity="communication", entity_id=row_id, action="create",
                before={}, after={"title": communication.title},
            )  # fmt: skip

    def communications(self) -> list[Communication]:
        """Presentations in their order."""
        return [
            Communication(
                id=r["id"],
                position=r["position"],
                title=r["title"],
                presenter=r["presenter"],
                function=r["function"],
                summary=r["summary"],
            )
            for r in self._read("SELECT * FROM communications ORDER BY position")
        ]

    def add_debate_point(self, text: str, *, actor: str = "cli") -> None:
        """Append a point raised in the discussion."""
        cleaned = clean_text(text, what="point de débat")
        with self._write() as cur:
            top = cur.execute("SELECT COALESCE(MAX(position), 0) FROM debate_points").fetchone()
            row_id = cur.execute(
                "INSERT INTO debate_points (position, text) VALUES (?, ?) RETURNING id",
                (top[0] + 1, cleaned),
            ).fetchone()[0]
            self._history(
                cur, actor=actor, entity="debate_point", entity_id=row_id, action="create",
                before={}, after={"text": cleaned},
            )  # fmt: skip

    def debate_points(self) -> list[DebatePoint]:
        """Debate points in their order."""
        return [
            DebatePoint(id=r["id"], position=r["position"], text=r["text"])
            for r in self._read("SELECT * FROM debate_points ORDER BY position")
        ]

    # -- where the meeting is: phase and agenda item ---------------------------------------

    def progress(self) -> tuple[str, int, str]:
        """The current phase, the current agenda item (0-based, -1 before the first) and
        when that item started (ISO UTC, "" when none)."""
        phase = self._meta("phase") or ""
        item = self._meta("agenda_current")
        return (
            phase,
            int(item) if item not in (None, "") else -1,
            self._meta("agenda_started") or "",
        )

    def set_progress(
        self, *, phase: str | None = None, agenda_item: int | None = None, actor: str
    ) -> None:
        """Set the current phase, or start an agenda item now (its elapsed time counts from
        the store's clock, the same in every tab)."""
        before = self.progress()
        with self._write() as cur:
            values: dict[str, str] = {}
            if phase is not None:
                values["phase"] = phase
            if agenda_item is not None:
                values["agenda_current"] = str(agenda_item)
                values["agenda_started"] = now() if agenda_item >= 0 else ""
            for key, value in values.items():
                cur.execute(
                    "INSERT INTO meta (key, value) VALUES (?, ?)"
                    " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                    (key, value),
                )
            self._history(
                cur, actor=actor, entity="progress", entity_id=0, action="update",
                before={"phase": before[0], "agenda_item": before[1]}, after=values,
            )  # fmt: skip

    # -- ordered items: agenda, communications, debate points, participants, review -----------

    def _item_table(self, table: str) -> ItemTable:
        if table not in ITEM_TABLES:
            raise ValidationError(f"Table inconnue : {table}.")
        return ITEM_TABLES[table]

    def _clean_item(self, spec: ItemTable, fields: dict[str, str]) -> dict[str, str]:
        unknown = set(fields) - set(spec.fields)
        if unknown:
            raise ValidationError(f"Champ inconnu : {', '.join(sorted(unknown))}.")
        cleaned = {k: clean_text(str(v), what=k) for k, v in fields.items()}
        if "section" in cleaned:
            self._check_section(cleaned["section"] or GENERAL)
            cleaned["section"] = cleaned["section"] or GENERAL
        if cleaned.get("status") and cleaned["status"] not in REVIEW_STATUSES:
            raise ValidationError(
                f"Statut inconnu : « {cleaned['status']} » (attendu : "
                + ", ".join(REVIEW_STATUSES) + ")."
            )  # fmt: skip
        return cleaned

    def items(self, table: str) -> list[dict[str, Any]]:
        """Rows of ``table`` as dicts (with ``id``), in their order."""
        spec = self._item_table(table)
        rows = [dict(r) for r in self._read(f"SELECT * FROM {spec.name} ORDER BY {spec.order}, id")]
        if spec.partition == "section":  # as the report shows them: general, then groups
            rank = {GENERAL: 0} | {g.slug: g.number for g in self.groups()}
            rows.sort(key=lambda r: (rank.get(r["section"], 999), r[spec.order], r["id"]))
        return rows

    def add_item(self, table: str, fields: dict[str, str], *, actor: str) -> int:
        """Append an item; fields not given are empty. Returns its id."""
        spec = self._item_table(table)
        values = dict.fromkeys(spec.fields, "") | self._clean_item(spec, fields)
        if spec.partition and not values[spec.partition]:
            values[spec.partition] = GENERAL
        with self._write() as cur:
            where, params = "", []
            if spec.partition:
                where, params = f" WHERE {spec.partition} = ?", [values[spec.partition]]
            top = cur.execute(
                f"SELECT COALESCE(MAX({spec.order}), 0) FROM {spec.name}{where}", params
            ).fetchone()[0]
            columns = [spec.order, *spec.fields]
            row_id = int(
                cur.execute(
                    f"INSERT INTO {spec.name} ({', '.join(columns)}) VALUES"
                    f" ({', '.join('?' for _ in columns)}) RETURNING id",
                    (top + 1, *(values[f] for f in spec.fields)),
                ).fetchone()[0]
            )
            self._history(
                cur, actor=actor, entity=spec.entity, entity_id=row_id, action="create",
                before={}, after=values,
            )  # fmt: skip
        return row_id

    def update_item(self, table: str, item_id: int, fields: dict[str, str], *, actor: str) -> bool:
        """Change some fields of an item. False when nothing changed."""
        spec = self._item_table(table)
        values = self._clean_item(spec, fields)
        with self._write() as cur:
            row = cur.execute(f"SELECT * FROM {spec.name} WHERE id = ?", (item_id,)).fetchone()
            if row is None:
                raise ValidationError(f"Élément {item_id} introuvable : supprimé entre-temps ?")
            changed: dict[str, Any] = {k: v for k, v in values.items() if row[k] != v}
            if not changed:
                return False
            if spec.partition and spec.partition in changed:  # to the end of its new section
                changed[spec.order] = (
                    cur.execute(
                        f"SELECT COALESCE(MAX({spec.order}), 0) FROM {spec.name}"
                        f" WHERE {spec.partition} = ?",
                        (changed[spec.partition],),
                    ).fetchone()[0]
                    + 1
                )
            assignments = ", ".join(f"{k} = ?" for k in changed)
            cur.execute(
                f"UPDATE {spec.name} SET {assignments} WHERE id = ?", (*changed.values(), item_id)
            )
            self._history(
                cur, actor=actor, entity=spec.entity, entity_id=item_id, action="update",
                before={k: row[k] for k in changed}, after=changed,
            )  # fmt: skip
        return True

    def delete_item(self, table: str, item_id: int, *, actor: str) -> None:
        """Remove an item; its last content stays in the history."""
        spec = self._item_table(table)
        with self._write() as cur:
            row = cur.execute(f"SELECT * FROM {spec.name} WHERE id = ?", (item_id,)).fetchone()
            if row is None:
                return
            cur.execute(f"DELETE FROM {spec.name} WHERE id = ?", (item_id,))
            self._history(
                cur, actor=actor, entity=spec.entity, entity_id=item_id, action="delete",
                before={k: row[k] for k in spec.fields}, after={},
            )  # fmt: skip

    def move_item(self, table: str, item_id: int, offset: int, *, actor: str) -> bool:
        """Move an item ``offset`` places (within its section for review rows)."""
        spec = self._item_table(table)
        with self._write() as cur:
            row = cur.execute(f"SELECT * FROM {spec.name} WHERE id = ?", (item_id,)).fetchone()
            if row is None:
                raise ValidationError(f"Élément {item_id} introuvable : supprimé entre-temps ?")
            where, params = "", []
            if spec.partition:
                where, params = f" WHERE {spec.partition} = ?", [row[spec.partition]]
            ids = [
                r[0]
                for r in cur.execute(
                    f"SELECT id FROM {spec.name}{where} ORDER BY {spec.order}, id", params
                )
            ]
            index = ids.index(item_id)
            target = min(max(index + offset, 0), len(ids) - 1)
            if target == index:
                return False
            ids.insert(target, ids.pop(index))
            for position, moved in enumerate(ids, start=1):
                cur.execute(
                    f"UPDATE {spec.name} SET {spec.order} = ? WHERE id = ?", (position, moved)
                )
            self._history(
                cur, actor=actor, entity=spec.entity, entity_id=item_id, action="move",
                before={spec.order: index + 1}, after={spec.order: target + 1},
            )  # fmt: skip
        return True

    # -- meeting header and groups, edited in the preparation workbook ------------------------

    def update_meeting(self, meeting: Meeting, *, actor: str) -> None:
        """Replace the meeting's header (title, date, venue, organisation, objectives…)."""
        before = self.meeting()
        with self._write() as cur:
            cur.execute(
                "UPDATE meeting SET title = ?, date = ?, venue = ?, organisation = ?, start = ?,"
                " chair = ?, facilitator = ?, objectives = ?, closing = ? WHERE id = 1",
                (
                    meeting.title, meeting.date.isoformat(), meeting.venue,
                    json.dumps(list(meeting.organisation), ensure_ascii=False), meeting.start,
                    meeting.chair, meeting.facilitator,
                    json.dumps(list(meeting.objectives), ensure_ascii=False), meeting.closing,
                ),
            )  # fmt: skip
            changed = {
                k: (str(getattr(before, k)), str(getattr(meeting, k)))
                for k in ("title", "date", "venue", "organisation", "start", "chair",
                          "facilitator", "objectives", "closing")
                if getattr(before, k) != getattr(meeting, k)
            }  # fmt: skip
            self._history(
                cur, actor=actor, entity="meeting", entity_id=1, action="update",
                before={k: v[0] for k, v in changed.items()},
                after={k: v[1] for k, v in changed.items()},
            )  # fmt: skip

    def update_group(
        self, slug: str, *, name: str, moderator: str, institution: str, actor: str
    ) -> Group:
        """Rename a group or change its moderator; its link, key and rows stay the same."""
        group = self.group(slug)
        name = clean_text(name, what="nom du groupe").strip()
        if not name:
            raise ValidationError("Un groupe doit avoir un nom.")
        if any(fold(g.name) == fold(name) and g.slug != slug for g in self.groups()):
            raise ValidationError(f"Un autre groupe s'appelle déjà « {name} ».")
        moderator = clean_text(moderator, what="modérateur")
        institution = clean_text(institution, what="institution")
        with self._write() as cur:
            cur.execute(
                "UPDATE groups SET name = ?, moderator = ?, institution = ? WHERE slug = ?",
                (name, moderator, institution, slug),
            )
            self._history(
                cur, actor=actor, entity="group", entity_id=group.number, action="update",
                before={"name": group.name, "moderator": group.moderator,
                        "institution": group.institution},
                after={"name": name, "moderator": moderator, "institution": institution},
            )  # fmt: skip
        return self.group(slug)

    def add_group(
        self, name: str, *, moderator: str = "", institution: str = "", actor: str
    ) -> Group:
        """A new group at the end of the numbering and of the synthesis, with its own key."""
        name = clean_text(name, what="nom du groupe").strip()
        if not name:
            raise ValidationError("Un groupe doit avoir un nom.")
        if any(fold(g.name) == fold(name) for g in self.groups()):
            raise ValidationError(f"Un groupe s'appelle déjà « {name} ».")
        slug = slugify(name)
        if slug == GENERAL or any(g.slug == slug for g in self.groups()):
            raise ValidationError(f"Nom de groupe impossible : « {name} ».")
        with self._write() as cur:
            number, position = cur.execute(
                "SELECT COALESCE(MAX(number), 0) + 1, COALESCE(MAX(synthesis_position), 0) + 1"
                " FROM groups"
            ).fetchone()
            cur.execute(
                "INSERT INTO groups (slug, name, moderator, institution, number,"
                " synthesis_position, access_key) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (slug, name, clean_text(moderator), clean_text(institution), number, position,
                 secrets.token_urlsafe(9)),
            )  # fmt: skip
            self._history(
                cur, actor=actor, entity="group", entity_id=number, action="create",
                before={}, after={"name": name, "slug": slug},
            )  # fmt: skip
        return self.group(slug)

    # -- history ----------------------------------------------------------------------------

    def history(
        self, entity: str | None = None, entity_id: int | None = None, *, action: str | None = None
    ) -> list[HistoryEntry]:
        """Recorded changes, oldest first, optionally for one entity or one kind of action."""
        clauses: list[str] = []
        params: list[object] = []
        if action is not None:
            clauses.append("action = ?")
            params.append(action)
        if entity is not None:
            clauses.append("entity = ?")
            params.append(entity)
        if entity_id is not None:
            clauses.append("entity_id = ?")
            params.append(entity_id)
        where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
        return [
            HistoryEntry(
                id=r["id"],
                at=r["at"],
                actor=r["actor"],
                entity=r["entity"],
                entity_id=r["entity_id"],
                action=r["action"],
                before=json.loads(r["before"]),
                after=json.loads(r["after"]),
            )
            for r in self._read(f"SELECT * FROM history {where} ORDER BY id", params)
        ]

    def integrity_check(self) -> str:
        """``"ok"`` when the store is sound: SQLite's own check of the file; on PostgreSQL,
        which keeps its own consistency, every table read through and every row counted."""
        if self.dialect is SQLITE:
            return str(self._read("PRAGMA integrity_check")[0][0])
        for table in ("meta", "meeting", "groups", "grid_rows", "history", *ITEM_TABLES):
            self._read(f"SELECT count(*) FROM {table}")
        return "ok"


def _migrate_1_to_2(cur: Cursor) -> None:
    """Schema 2: where each row came from, the plenary's decision, merges; projection key."""
    for column in (
        "origin TEXT NOT NULL DEFAULT ''",
        "decision TEXT NOT NULL DEFAULT ''",
        "merged_into INTEGER",
    ):
        cur.execute(f"ALTER TABLE grid_rows ADD COLUMN {column}")
    cur.execute("UPDATE grid_rows SET origin = section")
    cur.execute(
        "INSERT INTO meta (key, value) VALUES ('projection_key', ?), ('kept_pairs', '[]')",
        (secrets.token_urlsafe(9),),
    )
    cur.execute("UPDATE meta SET value = '2' WHERE key = 'schema_version'")


def _group(row: Row) -> Group:
    return Group(
        slug=row["slug"], name=row["name"], moderator=row["moderator"],
        institution=row["institution"], number=row["number"],
        synthesis_position=row["synthesis_position"],
    )  # fmt: skip


def _grid_row(row: Row) -> GridRow:
    return GridRow(
        id=row["id"], section=row["section"], position=row["position"],
        recommendation=row["recommendation"], challenges=row["challenges"],
        perspectives=row["perspectives"], version=row["version"],
        updated_by=row["updated_by"], updated_at=row["updated_at"],
        origin=row["origin"] or row["section"], decision=row["decision"],
    )  # fmt: skip


def _join_texts(first: str, second: str) -> str:
    """Two texts of one column, one after the other; a repeated text is not doubled."""
    if not second.strip() or fold(second) == fold(first):
        return first
    if not first.strip():
        return second
    return f"{first}\n{second}"


def _join_origins(first: str, second: str) -> str:
    return ",".join(dict.fromkeys([*first.split(","), *second.split(",")]))


def _clean_cells(cells: Sequence[str]) -> tuple[str, str, str]:
    if len(cells) > len(GRID_FIELDS):
        raise ValidationError("Une ligne de grille a au plus trois colonnes.")
    padded = list(cells) + [""] * (len(GRID_FIELDS) - len(cells))
    return (
        clean_text(padded[0], what="texte de la recommandation"),
        clean_text(padded[1], what="texte des défis"),
        clean_text(padded[2], what="texte des perspectives"),
    )


def _explain(error: Exception, path: str) -> str:
    message = str(error).strip()
    if "read-only" in message or "permission denied" in message:
        return f"Le stockage {path} est en lecture seule : rien n'a pu être enregistré."
    if "connection" in message or "server closed" in message:
        return f"Le serveur du stockage {path} ne répond pas ; rien n'a pu être enregistré."
    if "readonly" in message:
        return f"Le stockage {path} est en lecture seule : rien n'a pu être enregistré."
    if "locked" in message or "busy" in message:
        return f"Le stockage {path} est occupé par un autre programme ; réessayez."
    if "disk" in message or "full" in message:
        return f"Plus de place sur le disque pour {path} : rien n'a pu être enregistré."
    return f"Erreur du stockage {path} : {message}."
