"""The history: every change written with who made it and the texts before and after."""

from __future__ import annotations

import json
from typing import Any

from ccm_widgets.domain.model import HistoryEntry
from ccm_widgets.store.backend import Cursor, Database, Row, now


class History:
    """Records changes inside their write transaction, and reads them back."""

    def __init__(self, db: Database) -> None:
        self.db = db

    @staticmethod
    def record(
        cur: Cursor,
        *,
        actor: str,
        entity: str,
        entity_id: int,
        action: str,
        before: dict[str, Any],
        after: dict[str, Any],
    ) -> int:
        """Append one change, in the transaction of ``cur``; its id (what a later change
        names when it undoes this one: a restore, the undoing of a batch)."""
        found = cur.execute(
            "INSERT INTO history (at, actor, entity, entity_id, action, before, after)"
            " VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
            (
                now(),
                actor,
                entity,
                entity_id,
                action,
                json.dumps(before, ensure_ascii=False),
                json.dumps(after, ensure_ascii=False),
            ),
        ).fetchone()
        return int(found[0])

    def entry(self, entry_id: int) -> HistoryEntry | None:
        """One recorded change by its id, or ``None``."""
        rows = self.db.read("SELECT * FROM history WHERE id = ?", (entry_id,))
        return _entry(rows[0]) if rows else None

    def entries(
        self, entity: str | None = None, entity_id: int | None = None, *, action: str | None = None
    ) -> list[HistoryEntry]:
        """Recorded changes, oldest first, optionally for one entity or one kind of action."""
        clauses: list[str] = []
        params: list[object] = []
        for column, value in (("action", action), ("entity", entity), ("entity_id", entity_id)):
            if value is not None:
                clauses.append(f"{column} = ?")
                params.append(value)
        where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
        return [
            _entry(r) for r in self.db.read(f"SELECT * FROM history {where} ORDER BY id", params)
        ]


def _entry(row: Row) -> HistoryEntry:
    return HistoryEntry(
        id=row["id"],
        at=row["at"],
        actor=row["actor"],
        entity=row["entity"],
        entity_id=row["entity_id"],
        action=row["action"],
        before=json.loads(row["before"]),
        after=json.loads(row["after"]),
    )
