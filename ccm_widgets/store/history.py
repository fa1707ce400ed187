"""The history: every change written with who made it and the texts before and after."""

from __future__ import annotations

import json
from typing import Any

from ccm_widgets.domain.model import HistoryEntry
from ccm_widgets.store.backend import Cursor, Database, now


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
    ) -> None:
        """Append one change, in the transaction of ``cur``."""
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
            for r in self.db.read(f"SELECT * FROM history {where} ORDER BY id", params)
        ]
