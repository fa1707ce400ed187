"""The tables of a meeting's store, and the migrations from older versions of them."""

from __future__ import annotations

import json
import secrets

from ccm_widgets.domain.model import ReviewStatus, fold
from ccm_widgets.i18n import t
from ccm_widgets.store.backend import SQLITE, Cursor, Database
from ccm_widgets.store.errors import StoreError

SCHEMA_VERSION = 5

SCHEMA = """
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
    decision TEXT NOT NULL DEFAULT '', merged_into INTEGER, changed INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX grid_rows_section ON grid_rows (section, deleted, position);
CREATE INDEX grid_rows_changed ON grid_rows (section, changed);
CREATE TABLE kept_pairs (
    first INTEGER NOT NULL, second INTEGER NOT NULL, PRIMARY KEY (first, second)
);
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

#: Every table, for checks that read them all.
TABLES = (
    "meta", "meeting", "agenda", "groups", "grid_rows", "kept_pairs", "participants",
    "review_rows", "communications", "debate_points", "history",
)  # fmt: skip


def ensure_schema(db: Database) -> None:
    """Create the tables of an empty store, or bring an older store's up to date.

    Raises :class:`StoreError` for a store made by a newer version of the kit.
    """
    with db.write(count=False) as cur:
        listing = (
            "SELECT name FROM sqlite_master WHERE type = 'table'"
            if db.dialect is SQLITE
            else "SELECT table_name FROM information_schema.tables"
            " WHERE table_schema = current_schema()"
        )
        tables = {row[0] for row in cur.execute(listing)}
        if not tables:
            for statement in SCHEMA.format(serial=db.dialect.serial).split(";"):
                if statement.strip():
                    cur.execute(statement)
            _stamp_triggers(cur, db)
            cur.execute(
                "INSERT INTO meta (key, value) VALUES ('schema_version', ?), ('changes', '0'),"
                " ('facilitator_key', ?), ('breakout_open', '1'), ('breakout_end', ''),"
                " ('projection_key', ?)",
                (str(SCHEMA_VERSION), secrets.token_urlsafe(9), secrets.token_urlsafe(9)),
            )
            return
        found = cur.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        version = found[0] if found is not None else None
        for old, migrate in MIGRATIONS.items():
            if version == old:
                migrate(cur, db)
                version = str(int(old) + 1)
                cur.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (version,))
    if version != str(SCHEMA_VERSION):
        raise StoreError(
            t("store.other_schema", where=db.where, version=version, expected=SCHEMA_VERSION)
        )


def _migrate_1_to_2(cur: Cursor, _db: Database) -> None:
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


def _migrate_2_to_3(cur: Cursor, _db: Database) -> None:
    """Schema 3: the pairs kept apart in a table of their own.

    They were one JSON value that each "keep both" read outside its transaction and wrote
    back whole: two facilitators' tabs keeping two pairs at once lost one.
    """
    cur.execute(
        "CREATE TABLE kept_pairs (first INTEGER NOT NULL, second INTEGER NOT NULL,"
        " PRIMARY KEY (first, second))"
    )
    found = cur.execute("SELECT value FROM meta WHERE key = 'kept_pairs'").fetchone()
    for first, second in {tuple(sorted(p)) for p in json.loads(found[0] if found else "[]")}:
        cur.execute("INSERT INTO kept_pairs (first, second) VALUES (?, ?)", (first, second))
    cur.execute("DELETE FROM meta WHERE key = 'kept_pairs'")


def _migrate_3_to_4(cur: Cursor, _db: Database) -> None:
    """Schema 4: review statuses and participants' groups stored as codes, not display text.

    A review status was its French text (``en cours``): it becomes its code (``ongoing``),
    whatever the capitals and accents; words that name no status (an imported table's own)
    stay as written. A participant's group was the group's name, so renaming a group
    orphaned its people: it becomes the group's slug; a name that matches no group stays.
    """
    for row_id, status in cur.execute("SELECT id, status FROM review_rows").fetchall():
        code = ReviewStatus.parse(status)
        if code is not None and code.value != status:
            cur.execute("UPDATE review_rows SET status = ? WHERE id = ?", (code.value, row_id))
    slugs = {fold(name): slug for slug, name in cur.execute("SELECT slug, name FROM groups")}
    for person_id, group in cur.execute("SELECT id, grp FROM participants").fetchall():
        slug = slugs.get(fold(group)) if group else None
        if slug is not None and slug != group:
            cur.execute("UPDATE participants SET grp = ? WHERE id = ?", (slug, person_id))


def _migrate_4_to_5(cur: Cursor, db: Database) -> None:
    """Schema 5: each grid row carries the change counter of the transaction that last wrote
    it (``changed``), so that a page can ask for the rows changed since the version it saw."""
    listing = (
        "SELECT name FROM pragma_table_info('grid_rows')"
        if db.dialect is SQLITE
        else "SELECT column_name FROM information_schema.columns"
        " WHERE table_schema = current_schema() AND table_name = 'grid_rows'"
    )
    if "changed" not in {row[0] for row in cur.execute(listing)}:
        cur.execute("ALTER TABLE grid_rows ADD COLUMN changed INTEGER NOT NULL DEFAULT 0")
    cur.execute("CREATE INDEX IF NOT EXISTS grid_rows_changed ON grid_rows (section, changed)")
    _stamp_triggers(cur, db)


#: The counter value the running write transaction will produce: the store's write moves
#: ``changes`` by one, at its end, for a transaction that changed anything.
_NEXT_CHANGE = "(SELECT CAST(value AS INTEGER) + 1 FROM meta WHERE key = 'changes')"
#: Every column a page shows or orders by: a write to any of them stamps the row.
_STAMPED = "section, position, recommendation, challenges, perspectives, version, deleted, decision"


def _stamp_triggers(cur: Cursor, db: Database) -> None:
    """Triggers that stamp a grid row with :data:`_NEXT_CHANGE` whenever it is written, by
    whichever repository (a group's save, a plenary merge, a group deleted): one rule, kept
    by the database rather than by every statement that writes a row."""
    if db.dialect is SQLITE:
        for event in ("INSERT", f"UPDATE OF {_STAMPED}"):
            name = "grid_rows_stamp_" + event.split()[0].lower()
            cur.execute(
                f"CREATE TRIGGER IF NOT EXISTS {name} AFTER {event} ON grid_rows BEGIN"
                f" UPDATE grid_rows SET changed = {_NEXT_CHANGE} WHERE id = NEW.id; END"
            )
        return
    cur.execute(
        "CREATE OR REPLACE FUNCTION ccm_stamp_grid_row() RETURNS trigger AS $$ BEGIN"
        f" NEW.changed := {_NEXT_CHANGE}; RETURN NEW; END $$ LANGUAGE plpgsql"
    )
    cur.execute("DROP TRIGGER IF EXISTS grid_rows_stamp ON grid_rows")
    cur.execute(
        "CREATE TRIGGER grid_rows_stamp BEFORE INSERT OR UPDATE ON grid_rows"
        " FOR EACH ROW EXECUTE FUNCTION ccm_stamp_grid_row()"
    )


MIGRATIONS = {
    "1": _migrate_1_to_2, "2": _migrate_2_to_3, "3": _migrate_3_to_4, "4": _migrate_4_to_5,
}  # fmt: skip
