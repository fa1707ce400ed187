"""What the plenary does to the groups' rows: merge, undo a merge, split, decide, and keep
near-duplicates apart. Every change is an edit of the rows themselves, in the history.

And what the plenary reads: everything its panels show, in one read transaction
(:meth:`Plenary.snapshot`), so that they all show one moment.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from ccm_widgets.domain.model import GRID_FIELDS, Decision, GridRow, HistoryEntry, ValidationError
from ccm_widgets.domain.model import fold as folded
from ccm_widgets.domain.plenary_snapshot import PlenarySnapshot
from ccm_widgets.i18n import t
from ccm_widgets.store.backend import Database, now
from ccm_widgets.store.grid import clean_cells, grid_row, live_ids, live_row, renumber
from ccm_widgets.store.groups import Groups
from ccm_widgets.store.history import History
from ccm_widgets.store.meetings import Meetings

#: The rows a snapshot needs: the live ones, and those a decision was taken on (the ledger
#: names them even once merged away).
SNAPSHOT_ROWS = (
    "SELECT * FROM grid_rows WHERE deleted = 0 OR id IN (SELECT entity_id FROM history"
    " WHERE entity = 'grid_row' AND action = 'decide') ORDER BY section, position, id"
)


class Plenary:
    """The plenary's consolidation of the synthesis rows."""

    def __init__(self, db: Database, history: History) -> None:
        self.db = db
        self.history = history
        # What a snapshot reads of the meeting and the groups, read by their repositories
        # (stateless views of the same connection) rather than a second copy of their SQL.
        self._meetings = Meetings(db, history)
        self._groups = Groups(db, history)

    # -- reading ----------------------------------------------------------------------------

    def snapshot(self) -> PlenarySnapshot:
        """Everything the plenary shows, read in one read transaction: one moment.

        The change counter, the breakout, the meeting, the groups and their synthesis
        order, every live row, the pairs kept apart and the decision ledger: a handful of
        reads that another tab's write cannot come between.
        """
        with self.db.read_transaction():
            meta = {
                str(key): str(value)
                for key, value in self.db.read(
                    "SELECT key, value FROM meta"
                    " WHERE key IN ('changes', 'breakout_open', 'breakout_end')"
                )
            }
            meeting = self._meetings.get() if self._meetings.exists() else None
            groups = tuple(self._groups.all())
            order = tuple(self._groups.synthesis_order())
            read = [(bool(r["deleted"]), grid_row(r)) for r in self.db.read(SNAPSHOT_ROWS)]
            kept = frozenset(self.kept_pairs())
            decisions = self.history.entries("grid_row", action="decide")
        rows = {row.id: row for _, row in read}
        return PlenarySnapshot(
            counter=int(meta.get("changes", "0")),
            meeting=meeting,
            groups=groups,
            order=order,
            rows=tuple(row for deleted, row in read if not deleted),
            kept_pairs=kept,
            ledger=tuple((e, rows[e.entity_id]) for e in decisions if e.entity_id in rows),
            breakout_open=meta.get("breakout_open") != "0",
            breakout_end=meta.get("breakout_end", ""),
        )

    # -- writing ----------------------------------------------------------------------------

    def _row(self, row_id: int) -> GridRow:
        rows = self.db.read("SELECT * FROM grid_rows WHERE id = ?", (row_id,))
        if not rows:
            raise ValidationError(t("store.row_not_found", row=row_id))
        return grid_row(rows[0])

    def merge(
        self, keep_id: int, other_id: int, *, actor: str, cells: Sequence[str] | None = None
    ) -> GridRow:
        """Merge row ``other_id`` into row ``keep_id``; both origins are kept.

        The kept row takes ``cells`` when given, else each column's two texts joined (a
        text equal to the other one, accents and case aside, is not repeated). The other row
        leaves the synthesis but stays in the store, marked as merged into the kept one, and
        both rows' history records the merge.
        """
        if keep_id == other_id:
            raise ValidationError(t("store.merge_itself"))
        with self.db.write() as cur:
            keep = live_row(cur, keep_id)
            other = live_row(cur, other_id)
            if cells is None:
                merged = tuple(join_texts(keep[f], other[f]) for f in GRID_FIELDS)
            else:
                merged = clean_cells(cells)
            origins = stored_origin(join_origins(grid_row(keep).origin, grid_row(other).origin))
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
            renumber(cur, live_ids(cur, other["section"]))
            self.history.record(
                cur, actor=actor, entity="grid_row", entity_id=keep_id, action="merge",
                before={f: keep[f] for f in GRID_FIELDS} | {"origin": keep["origin"]},
                after=dict(zip(GRID_FIELDS, merged, strict=True))
                | {"origin": origins, "merged": other_id},
            )  # fmt: skip
            self.history.record(
                cur, actor=actor, entity="grid_row", entity_id=other_id, action="merged",
                before={f: other[f] for f in GRID_FIELDS} | {"section": other["section"]},
                after={"merged_into": keep_id},
            )  # fmt: skip
        return self._row(keep_id)

    def unmerge(self, keep_id: int, other_id: int, *, actor: str) -> GridRow:
        """Undo :meth:`merge`: both rows get back the texts they had before it."""
        with self.db.write() as cur:
            other = cur.execute("SELECT * FROM grid_rows WHERE id = ?", (other_id,)).fetchone()
            if other is None or other["merged_into"] != keep_id:
                raise ValidationError(t("store.not_merged", other=other_id, keep=keep_id))
            merge = cur.execute(
                "SELECT before FROM history WHERE entity = 'grid_row' AND entity_id = ?"
                " AND action = 'merge' ORDER BY id DESC LIMIT 1",
                (keep_id,),
            ).fetchone()
            previous = json.loads(merge[0])
            keep = live_row(cur, keep_id)
            stamp = now()
            cur.execute(
                "UPDATE grid_rows SET recommendation = ?, challenges = ?, perspectives = ?,"
                " origin = ?, version = version + 1, updated_by = ?, updated_at = ?"
                " WHERE id = ?",
                (*(previous[f] for f in GRID_FIELDS), previous["origin"], actor, stamp, keep_id),
            )
            ids = live_ids(cur, other["section"])
            ids.insert(min(max(other["position"] - 1, 0), len(ids)), other_id)
            cur.execute(
                "UPDATE grid_rows SET deleted = 0, merged_into = NULL, version = version + 1,"
                " updated_by = ?, updated_at = ? WHERE id = ?",
                (actor, stamp, other_id),
            )
            renumber(cur, ids)
            self.history.record(
                cur, actor=actor, entity="grid_row", entity_id=keep_id, action="unmerge",
                before={f: keep[f] for f in GRID_FIELDS},
                after={f: previous[f] for f in GRID_FIELDS} | {"unmerged": other_id},
            )  # fmt: skip
        return self._row(keep_id)

    def split(
        self, row_id: int, first: Sequence[str], second: Sequence[str], *, actor: str
    ) -> tuple[GridRow, GridRow]:
        """Split a row in two: it keeps ``first``; a new row right after it holds ``second``.

        The new row has the same origin; both are recorded in the history.
        """
        kept = clean_cells(first)
        added = clean_cells(second)
        if not any(kept) or not any(added):
            raise ValidationError(t("store.split_needs_text"))
        with self.db.write() as cur:
            row = live_row(cur, row_id)
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
            ids = [i for i in live_ids(cur, row["section"]) if i != new_id]
            ids.insert(ids.index(row_id) + 1, new_id)
            renumber(cur, ids)
            self.history.record(
                cur, actor=actor, entity="grid_row", entity_id=row_id, action="split",
                before={f: row[f] for f in GRID_FIELDS},
                after=dict(zip(GRID_FIELDS, kept, strict=True)) | {"split_into": new_id},
            )  # fmt: skip
            self.history.record(
                cur, actor=actor, entity="grid_row", entity_id=new_id, action="create",
                before={},
                after=dict(zip(GRID_FIELDS, added, strict=True))
                | {"section": row["section"], "split_from": row_id},
            )  # fmt: skip
        return self._row(row_id), self._row(new_id)

    def decide(self, row_id: int, decision: str, *, actor: str) -> GridRow:
        """Record the plenary's decision on a row: adopted, amended, withdrawn, or "" (undo)."""
        if decision and decision not in set(Decision):
            raise ValidationError(t("store.unknown_decision", decision=decision))
        with self.db.write() as cur:
            row = live_row(cur, row_id)
            if row["decision"] == decision:
                return grid_row(row)
            cur.execute(
                "UPDATE grid_rows SET decision = ?, version = version + 1, updated_by = ?,"
                " updated_at = ? WHERE id = ?",
                (str(decision), actor, now(), row_id),
            )
            self.history.record(
                cur, actor=actor, entity="grid_row", entity_id=row_id, action="decide",
                before={"decision": row["decision"]}, after={"decision": str(decision)},
            )  # fmt: skip
        return self._row(row_id)

    def ledger(self) -> list[tuple[HistoryEntry, GridRow]]:
        """Every decision taken in plenary, oldest first, with the row as it is now."""
        with self.db.read_transaction():
            entries = self.history.entries("grid_row", action="decide")
            rows = {
                r["id"]: grid_row(r)
                for r in self.db.read("SELECT * FROM grid_rows WHERE id IN (SELECT entity_id"
                                      " FROM history WHERE entity = 'grid_row'"
                                      " AND action = 'decide')")
            }  # fmt: skip
        return [(e, rows[e.entity_id]) for e in entries if e.entity_id in rows]

    def kept_pairs(self) -> set[tuple[int, int]]:
        """Pairs of rows the facilitator said to keep apart (not duplicates)."""
        return {(int(a), int(b)) for a, b in self.db.read("SELECT first, second FROM kept_pairs")}

    def keep_pair(self, first: int, second: int, *, actor: str) -> None:
        """Remember that two rows flagged as near-duplicates are both to be kept."""
        low, high = min(first, second), max(first, second)
        with self.db.write() as cur:
            if cur.execute(
                "SELECT 1 FROM kept_pairs WHERE first = ? AND second = ?", (low, high)
            ).fetchone():
                return
            cur.execute("INSERT INTO kept_pairs (first, second) VALUES (?, ?)", (low, high))
            self.history.record(
                cur, actor=actor, entity="grid_row", entity_id=first, action="keep_pair",
                before={}, after={"kept_with": second},
            )  # fmt: skip


def join_texts(first: str, second: str) -> str:
    """Two texts of one column, one after the other; a repeated text is not doubled."""
    if not second.strip() or folded(second) == folded(first):
        return first
    if not first.strip():
        return second
    return f"{first}\n{second}"


def join_origins(first: Sequence[str], second: Sequence[str]) -> tuple[str, ...]:
    """Both rows' origins, each section once, in order."""
    return tuple(dict.fromkeys([*first, *second]))


def stored_origin(origin: Sequence[str]) -> str:
    """An origin as the ``origin`` column keeps it: the slugs joined by "," (see
    :func:`~ccm_widgets.store.grid.grid_row`, which reads it back)."""
    return ",".join(origin)
