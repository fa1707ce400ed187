"""What the plenary does to the groups' rows: merge, undo a merge, split, decide, amend,
and keep near-duplicates apart. Every change is an edit of the rows themselves, in the
history.

And what the plenary reads: everything its panels show, in one read transaction
(:meth:`Plenary.snapshot`), so that they all show one moment.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from ccm_widgets.domain.model import GRID_FIELDS, Decision, GridRow, HistoryEntry, ValidationError
from ccm_widgets.domain.model import fold as folded
from ccm_widgets.domain.plenary_snapshot import PlenarySnapshot
from ccm_widgets.i18n import t
from ccm_widgets.store.backend import Cursor, Database, Row, now
from ccm_widgets.store.errors import ConflictError
from ccm_widgets.store.grid import clean_cells, grid_row, live_ids, live_row, renumber
from ccm_widgets.store.groups import Groups
from ccm_widgets.store.history import History
from ccm_widgets.store.meetings import Meetings
from ccm_widgets.store.session import breakout_closed

#: The rows a snapshot needs: the live ones, those merged into another one (an undo of
#: their merge brings them back), and those a decision was taken on (the ledger names them
#: even once merged away).
SNAPSHOT_ROWS = (
    "SELECT * FROM grid_rows WHERE deleted = 0 OR merged_into IS NOT NULL OR id IN"
    " (SELECT entity_id FROM history WHERE entity = 'grid_row' AND action = 'decide')"
    " ORDER BY section, position, id"
)


class Fate(StrEnum):
    """What became of a row that left a group's grid."""

    MERGED = "merged"  #: merged by the plenary into another row
    MOVED = "moved"  #: moved by the plenary to another section
    DELETED = "deleted"  #: deleted (in another tab of the group, or with its group)


@dataclass(frozen=True)
class RowFate:
    """Where a row that left its grid went: ``row`` is where its text is now (the row it
    was merged into, itself in its new section, or itself deleted); ``actor`` who did it."""

    fate: Fate
    row: GridRow
    actor: str


class Plenary:
    """The plenary's consolidation of the synthesis rows.

    Over 300 lines, on purpose: merges, splits, moves, the synthesis order and the decisions
    change the same rows and their origins, each checked inside its write transaction; their
    undo reads what the others wrote."""

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
                    " WHERE key IN ('changes', 'breakout_open', 'breakout_end', 'breakout_closing')"
                )
            }
            meeting = self._meetings.get() if self._meetings.exists() else None
            groups = tuple(self._groups.all())
            order = tuple(self._groups.synthesis_order())
            found = self.db.read(SNAPSHOT_ROWS)
            kept = frozenset(self.kept_pairs())
            decisions = self.history.entries("grid_row", action="decide")
        read = [(bool(r["deleted"]), grid_row(r)) for r in found]
        merged = tuple(
            (int(r["merged_into"]), row)
            for r, (deleted, row) in zip(found, read, strict=True)
            if deleted and r["merged_into"] is not None
        )
        rows = {row.id: row for _, row in read}
        return PlenarySnapshot(
            counter=int(meta.get("changes", "0")),
            meeting=meeting,
            groups=groups,
            order=order,
            rows=tuple(row for deleted, row in read if not deleted),
            kept_pairs=kept,
            ledger=tuple((e, rows[e.entity_id]) for e in decisions if e.entity_id in rows),
            merged=merged,
            breakout_open=not breakout_closed(
                meta.get("breakout_open", ""), meta.get("breakout_closing", "")
            ),
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
        """Undo :meth:`merge` of ``other_id`` into ``keep_id``: any merge, however long ago.

        The other row comes back at its former place. Each text of the kept row that has
        not changed since that merge gets back its text from before it; a text changed
        since (a later edit, a later merge) stays as it is, and the history names it
        (``kept``). The origins the other row brought leave the kept row.
        """
        with self.db.write() as cur:
            other = cur.execute("SELECT * FROM grid_rows WHERE id = ?", (other_id,)).fetchone()
            if other is None or other["merged_into"] != keep_id:
                raise ValidationError(t("store.not_merged", other=other_id, keep=keep_id))
            keep = live_row(cur, keep_id)
            merge = _merge_entry(cur, keep_id, other_id)
            before, after = (
                (json.loads(merge["before"]), json.loads(merge["after"]))
                if merge is not None
                else ({}, {})
            )
            texts = {
                f: before[f] if f in before and keep[f] == after.get(f) else keep[f]
                for f in GRID_FIELDS
            }
            kept = [f for f in GRID_FIELDS if f in before and keep[f] != after.get(f)]
            origin = grid_row(keep).origin
            if merge is not None and keep["origin"] == after.get("origin"):
                origin = _origins(before.get("origin", ""), keep["section"])
            else:
                earlier = set(_origins(before.get("origin", ""), keep["section"]))
                brought = set(grid_row(other).origin) - earlier
                origin = tuple(s for s in origin if s not in brought) or origin
            stamp = now()
            cur.execute(
                "UPDATE grid_rows SET recommendation = ?, challenges = ?, perspectives = ?,"
                " origin = ?, version = version + 1, updated_by = ?, updated_at = ?"
                " WHERE id = ?",
                (*(texts[f] for f in GRID_FIELDS), stored_origin(origin), actor, stamp, keep_id),
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
                after=texts | {"unmerged": other_id, "kept": kept},
            )  # fmt: skip
            self.history.record(
                cur, actor=actor, entity="grid_row", entity_id=other_id, action="unmerged",
                before={"merged_into": keep_id}, after={"section": other["section"]},
            )  # fmt: skip
        return self._row(keep_id)

    def fates(self, row_ids: Iterable[int], section: str) -> dict[int, RowFate]:
        """Where rows that left the grid of ``section`` went, by id (rows still there, or
        unknown, are left out): what a group's tab says when a row vanishes from it."""
        found: dict[int, RowFate] = {}
        with self.db.read_transaction():
            for row_id in row_ids:
                row = self._read(row_id)
                if row is None:
                    continue
                if row["deleted"] and row["merged_into"] is not None:
                    target = row
                    for _ in range(50):  # a row merged into a row merged since into another…
                        if not target["deleted"] or target["merged_into"] is None:
                            break
                        target = self._read(int(target["merged_into"])) or target
                    fate = Fate.DELETED if target["deleted"] else Fate.MERGED
                    found[row_id] = RowFate(fate, grid_row(target), str(row["updated_by"]))
                elif row["deleted"]:
                    found[row_id] = RowFate(Fate.DELETED, grid_row(row), str(row["updated_by"]))
                elif row["section"] != section:
                    found[row_id] = RowFate(Fate.MOVED, grid_row(row), str(row["updated_by"]))
        return found

    def _read(self, row_id: int) -> Row | None:
        rows = self.db.read("SELECT * FROM grid_rows WHERE id = ?", (row_id,))
        return rows[0] if rows else None

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

    def amend(
        self, row_id: int, cells: Sequence[str], *, seen: Sequence[str], actor: str
    ) -> GridRow:
        """Adopt a row amended: its texts become ``cells`` and its decision "amended", in
        one transaction, both in the history (the texts as an edit any tab can restore).

        ``seen`` are the texts the plenary was amending: a text changed meanwhile in
        another tab is a :class:`ConflictError`, never overwritten.
        """
        texts = clean_cells(cells)
        shown = clean_cells(seen)
        with self.db.write() as cur:
            row = live_row(cur, row_id)
            for field, text, was in zip(GRID_FIELDS, texts, shown, strict=True):
                if row[field] not in (was, text):
                    raise ConflictError(grid_row(row), field, text)
            changed = {f: x for f, x in zip(GRID_FIELDS, texts, strict=True) if row[f] != x}
            stamp = now()
            if changed:
                assignments = ", ".join(f"{f} = ?" for f in changed)
                cur.execute(
                    f"UPDATE grid_rows SET {assignments}, version = version + 1,"
                    " updated_by = ?, updated_at = ? WHERE id = ?",
                    (*changed.values(), actor, stamp, row_id),
                )
                self.history.record(
                    cur, actor=actor, entity="grid_row", entity_id=row_id, action="update",
                    before={f: row[f] for f in changed}, after=changed | {"amendment": True},
                )  # fmt: skip
            if row["decision"] != Decision.AMENDED:
                cur.execute(
                    "UPDATE grid_rows SET decision = ?, version = version + 1, updated_by = ?,"
                    " updated_at = ? WHERE id = ?",
                    (str(Decision.AMENDED), actor, stamp, row_id),
                )
                self.history.record(
                    cur, actor=actor, entity="grid_row", entity_id=row_id, action="decide",
                    before={"decision": row["decision"]},
                    after={"decision": str(Decision.AMENDED)},
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


def _merge_entry(cur: Cursor, keep_id: int, other_id: int) -> Row | None:
    """The history entry of the merge of ``other_id`` into ``keep_id`` (the latest, if the
    pair was merged, undone and merged again)."""
    for entry in cur.execute(
        "SELECT * FROM history WHERE entity = 'grid_row' AND entity_id = ?"
        " AND action = 'merge' ORDER BY id DESC",
        (keep_id,),
    ).fetchall():
        if json.loads(entry["after"]).get("merged") == other_id:
            return entry
    return None


def _origins(stored: str, section: str) -> tuple[str, ...]:
    """An ``origin`` column's sections (the row's own section when it is empty)."""
    return tuple(filter(None, (stored or section).split(",")))


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
