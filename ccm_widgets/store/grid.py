"""The groups' grids: rows of Recommandation | Défis | Perspectives, written cell by cell.

Every cell is saved with the text the tab had seen, so that a change made meanwhile in
another tab is a :class:`ConflictError` (both texts shown), never an overwrite; a write that
changes nothing is dropped (no echo between tabs). Deleted rows stay, to be restored.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ccm_widgets.domain.model import CLI_ACTOR, GRID_FIELDS, GridRow, ValidationError, clean_text
from ccm_widgets.domain.ordering import moved
from ccm_widgets.i18n import t
from ccm_widgets.store.backend import Cursor, Database, Row, now
from ccm_widgets.store.errors import ConflictError
from ccm_widgets.store.groups import Groups
from ccm_widgets.store.history import History
from ccm_widgets.store.session import Session


@dataclass(frozen=True)
class RowsSince:
    """What changed in a section since a version of the store, all read at one moment.

    ``version`` is the store's change counter now; ``rows`` the live rows written after the
    version asked for; ``order`` the ids of every live row of the section, in order (a row
    missing from it has left the section: deleted, merged, moved elsewhere)."""

    version: int
    order: tuple[int, ...]
    rows: tuple[GridRow, ...]


class GridRows:
    """The rows of every section: a group's slug, or ``general`` (the plenary's own)."""

    def __init__(self, db: Database, history: History, groups: Groups, session: Session) -> None:
        self.db = db
        self.history = history
        self.groups = groups
        self.session = session

    # -- reading ----------------------------------------------------------------------------

    def rows(self, section: str | None = None) -> list[GridRow]:
        """Live rows of ``section`` (or of every section) in their order."""
        if section is None:
            rows = self.db.read(
                "SELECT * FROM grid_rows WHERE deleted = 0 ORDER BY section, position"
            )
        else:
            rows = self.db.read(
                "SELECT * FROM grid_rows WHERE section = ? AND deleted = 0 ORDER BY position",
                (section,),
            )
        return [grid_row(r) for r in rows]

    def since(self, section: str, version: int = 0) -> RowsSince:
        """The rows of ``section`` written after the store's change counter was ``version``
        (every row for 0, or for a version the store has not reached: another store's), in
        one read transaction."""
        with self.db.read_transaction():
            counter = int(self.db.meta("changes") or 0)
            since = version if 0 < version <= counter else -1  # -1: every row
            changed = self.db.read(
                "SELECT * FROM grid_rows WHERE section = ? AND changed > ? AND deleted = 0"
                " ORDER BY position, id",
                (section, since),
            )
            order = self.db.read(
                "SELECT id FROM grid_rows WHERE section = ? AND deleted = 0 ORDER BY position, id",
                (section,),
            )
        return RowsSince(counter, tuple(int(r[0]) for r in order), tuple(map(grid_row, changed)))

    def row(self, row_id: int) -> GridRow:
        """One row by id (deleted rows included, so history can restore them)."""
        rows = self.db.read("SELECT * FROM grid_rows WHERE id = ?", (row_id,))
        if not rows:
            raise ValidationError(t("store.row_not_found", row=row_id))
        return grid_row(rows[0])

    # -- a group's writes -------------------------------------------------------------------

    def add(
        self, section: str, rows: Sequence[Sequence[str]], *, actor: str = str(CLI_ACTOR)
    ) -> list[GridRow]:
        """Append ``rows`` (Recommandation, Défis, Perspectives) to ``section``, in one go."""
        self.groups.check_section(section)
        self.session.check_row_section(section)
        cleaned = [clean_cells(cells) for cells in rows]
        stamp = now()
        ids: list[int] = []
        with self.db.write(group_may=True) as cur:
            top = cur.execute(
                "SELECT COALESCE(MAX(position), 0) FROM grid_rows WHERE section = ?", (section,)
            ).fetchone()[0]
            for offset, cells in enumerate(cleaned, start=1):
                row_id = cur.execute(
                    "INSERT INTO grid_rows (section, position, recommendation, challenges,"
                    " perspectives, version, updated_by, updated_at, origin)"
                    " VALUES (?, ?, ?, ?, ?, 1, ?, ?, ?) RETURNING id",
                    (section, top + offset, *cells, actor, stamp, section),
                ).fetchone()[0]
                ids.append(int(row_id))
                self.history.record(
                    cur, actor=actor, entity="grid_row", entity_id=row_id, action="create",
                    before={},
                    after=dict(zip(GRID_FIELDS, cells, strict=True)) | {"section": section},
                )  # fmt: skip
        return [self.row(i) for i in ids]

    def update_cell(self, row_id: int, field: str, value: str, *, seen: str, actor: str) -> GridRow:
        """Set one cell, unless someone else changed it since the caller read ``seen``.

        Writes that change nothing are dropped (this is what stops two tabs from echoing a
        value back and forth). Raises :class:`ConflictError` when the stored text is neither
        ``seen`` nor ``value``: the caller shows both texts and lets the user choose.
        """
        if field not in GRID_FIELDS:
            raise ValidationError(t("store.unknown_column", column=field))
        text = clean_text(value, what=t("store.what_cell"))
        with self.db.write(group_may=True) as cur:
            row = live_row(cur, row_id)
            self.session.check_row_section(row["section"])
            current = row[field]
            if current == text:
                return grid_row(row)
            if current != clean_text(seen):
                raise ConflictError(grid_row(row), field, text)
            cur.execute(
                f"UPDATE grid_rows SET {field} = ?, version = version + 1, updated_by = ?,"
                " updated_at = ? WHERE id = ?",
                (text, actor, now(), row_id),
            )
            self.history.record(
                cur, actor=actor, entity="grid_row", entity_id=row_id, action="update",
                before={field: current}, after={field: text},
            )  # fmt: skip
        return self.row(row_id)

    def delete(self, row_id: int, *, actor: str) -> None:
        """Remove a row from its grid; it stays in the history and can be restored."""
        with self.db.write(group_may=True) as cur:
            row = cur.execute("SELECT * FROM grid_rows WHERE id = ?", (row_id,)).fetchone()
            if row is None or row["deleted"]:
                return
            self.session.check_row_section(row["section"])
            cur.execute(
                "UPDATE grid_rows SET deleted = 1, version = version + 1, updated_by = ?,"
                " updated_at = ? WHERE id = ?",
                (actor, now(), row_id),
            )
            self.history.record(
                cur, actor=actor, entity="grid_row", entity_id=row_id, action="delete",
                before={f: row[f] for f in GRID_FIELDS}, after={},
            )  # fmt: skip

    def restore(self, row_id: int, *, actor: str) -> GridRow:
        """Bring back a deleted row at its former place."""
        with self.db.write(group_may=True) as cur:
            row = cur.execute("SELECT section FROM grid_rows WHERE id = ?", (row_id,)).fetchone()
            if row is not None:
                self.session.check_row_section(row["section"])
            cur.execute(
                "UPDATE grid_rows SET deleted = 0, version = version + 1, updated_by = ?,"
                " updated_at = ? WHERE id = ? AND deleted = 1",
                (actor, now(), row_id),
            )
            self.history.record(
                cur, actor=actor, entity="grid_row", entity_id=row_id, action="restore",
                before={}, after={},
            )  # fmt: skip
        return self.row(row_id)

    def move(self, row_id: int, offset: int, *, actor: str) -> bool:
        """Move a row ``offset`` places up (negative) or down within its section.

        Returns False when the row is already at that end. Positions are renumbered 1..n.
        """
        with self.db.write(group_may=True) as cur:
            row = live_row(cur, row_id)
            self.session.check_row_section(row["section"])
            ids = live_ids(cur, row["section"])
            order = moved(ids, row_id, offset)
            if order is None:
                return False
            stamp = now()
            for position, moving in enumerate(order, start=1):
                cur.execute(
                    "UPDATE grid_rows SET position = ?, updated_at = CASE WHEN id = ?"
                    " THEN ? ELSE updated_at END WHERE id = ? AND position != ?",
                    (position, row_id, stamp, moving, position),
                )
            self.history.record(
                cur, actor=actor, entity="grid_row", entity_id=row_id, action="move",
                before={"position": ids.index(row_id) + 1},
                after={"position": order.index(row_id) + 1},
            )  # fmt: skip
        return True

    # -- the plenary's moves ----------------------------------------------------------------

    def move_to_section(
        self, row_id: int, section: str, *, actor: str, before: int | None = None
    ) -> GridRow:
        """Move a row to another section: at its end, or just before row ``before``.

        The row keeps its origin (the section it was written in), so the synthesis can still
        say where a recommendation came from.
        """
        self.groups.check_section(section)
        with self.db.write() as cur:
            row = live_row(cur, row_id)
            source = row["section"]
            if source == section and before is None:
                return grid_row(row)
            remaining = [i for i in live_ids(cur, source) if i != row_id]
            target = [i for i in live_ids(cur, section) if i != row_id]
            index = target.index(before) if before in target else len(target)
            target.insert(index, row_id)
            cur.execute(
                "UPDATE grid_rows SET section = ?, version = version + 1, updated_by = ?,"
                " updated_at = ? WHERE id = ?",
                (section, actor, now(), row_id),
            )
            renumber(cur, remaining)
            renumber(cur, target)
            self.history.record(
                cur, actor=actor, entity="grid_row", entity_id=row_id, action="move_section",
                before={"section": source, "position": row["position"]},
                after={"section": section, "position": index + 1},
            )  # fmt: skip
        return self.row(row_id)


# -- shared with the plenary's repository ----------------------------------------------------


def grid_row(row: Row) -> GridRow:
    """A database row as a :class:`GridRow`.

    The ``origin`` column keeps the section slugs joined by "," (slugs hold no comma); the
    row gets them as a tuple. An empty column (a row older than the column) is the row's
    own section.
    """
    stored = row["origin"] or row["section"]
    return GridRow(
        id=row["id"], section=row["section"], position=row["position"],
        recommendation=row["recommendation"], challenges=row["challenges"],
        perspectives=row["perspectives"], version=row["version"],
        updated_by=row["updated_by"], updated_at=row["updated_at"],
        origin=tuple(filter(None, stored.split(","))), decision=row["decision"],
    )  # fmt: skip


def live_row(cur: Cursor, row_id: int) -> Row:
    """A row that is not deleted, read in the transaction; else :class:`ValidationError`."""
    row = cur.execute("SELECT * FROM grid_rows WHERE id = ?", (row_id,)).fetchone()
    if row is None or row["deleted"]:
        raise ValidationError(t("store.row_deleted", row=row_id))
    return row


def live_ids(cur: Cursor, section: str) -> list[int]:
    """Ids of the live rows of ``section`` in their order, read in the transaction."""
    return [
        r[0]
        for r in cur.execute(
            "SELECT id FROM grid_rows WHERE section = ? AND deleted = 0 ORDER BY position, id",
            (section,),
        )
    ]


def renumber(cur: Cursor, ids: Sequence[int]) -> None:
    """Positions 1..n for ``ids``, in this order."""
    for position, row_id in enumerate(ids, start=1):
        cur.execute(
            "UPDATE grid_rows SET position = ? WHERE id = ? AND position != ?",
            (position, row_id, position),
        )


def clean_cells(cells: Sequence[str]) -> tuple[str, str, str]:
    """A row's three texts, checked; fewer given are empty."""
    if len(cells) > len(GRID_FIELDS):
        raise ValidationError(t("store.three_columns"))
    padded = list(cells) + [""] * (len(GRID_FIELDS) - len(cells))
    return (
        clean_text(padded[0], what=t("import.what_recommendation")),
        clean_text(padded[1], what=t("import.what_challenges")),
        clean_text(padded[2], what=t("import.what_perspectives")),
    )
