"""Ordered lists the facilitator keeps: agenda, communications, debate points, the attendance
list, the review of the previous recommendations. One set of operations serves them all
(add, change a field, delete, restore, move); typed readers and adders are built on it.

Nothing deleted is lost: a deleted item's last content and its place stay in the history,
from which :meth:`Items.restore` brings it back. A list emptied or replaced at once (the
attendance list, when a corrected sheet comes) is one *batch*: one history entry that the
deletions and additions it made name, so that :meth:`Items.undo_batch` undoes it whole.

Longer than most modules (about 580 lines) on purpose: the lists share one set of operations,
their history and their batches; split by list, the restore and undo rules would be written
five times.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ccm_widgets.domain.model import (
    CLI_ACTOR,
    GENERAL,
    Actor,
    Communication,
    DebatePoint,
    HistoryEntry,
    Participant,
    ReviewRow,
    ReviewStatus,
    ValidationError,
    as_review_status,
    clean_text,
)
from ccm_widgets.domain.ordering import moved
from ccm_widgets.i18n import t
from ccm_widgets.store.backend import Cursor, Database
from ccm_widgets.store.groups import Groups
from ccm_widgets.store.history import History


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

#: Statuses a review row can carry ("" while not assessed; an imported table may also leave
#: its own words), as the store writes them: codes, whose text is the catalogue's.
REVIEW_STATUSES: tuple[ReviewStatus, ...] = tuple(ReviewStatus)


class ConflictingItem(ValidationError):
    """A field changed elsewhere since the caller showed it: the stored text and the one
    the caller meant to write, for the user to choose."""

    def __init__(self, field: str, stored: str, attempted: str) -> None:
        super().__init__(t("items.changed_meanwhile", stored=stored or "—"))
        self.field, self.stored, self.attempted = field, stored, attempted


class Items:
    """The ordered lists of a meeting.

    Over 300 lines, on purpose: one set of operations (add, change, delete, restore, move,
    batches and their undo) serves every list; the typed readers and adders are thin."""

    def __init__(self, db: Database, history: History, groups: Groups) -> None:
        self.db = db
        self.history = history
        self.groups = groups

    # -- any list ---------------------------------------------------------------------------

    def _spec(self, table: str) -> ItemTable:
        if table not in ITEM_TABLES:
            raise ValidationError(t("store.unknown_table", table=table))
        return ITEM_TABLES[table]

    def _clean(
        self, spec: ItemTable, fields: dict[str, str], *, any_status: bool = False
    ) -> dict[str, str]:
        """``fields`` checked.

        A status is stored as its code; its words (``en cours``, ``Done``) are taken for it.
        Other words are refused, unless ``any_status``: an imported table's own words kept.
        """
        unknown = set(fields) - set(spec.fields)
        if unknown:
            raise ValidationError(t("store.unknown_field", fields=", ".join(sorted(unknown))))
        cleaned = {k: clean_text(str(v), what=k) for k, v in fields.items()}
        if "section" in cleaned:
            self.groups.check_section(cleaned["section"] or GENERAL)
            cleaned["section"] = cleaned["section"] or GENERAL
        if cleaned.get("status"):
            status = ReviewStatus.parse(cleaned["status"])
            if status is not None:
                cleaned["status"] = status.value
            elif not any_status:
                raise ValidationError(
                    t(
                        "store.unknown_status",
                        status=cleaned["status"],
                        statuses=", ".join(s.label for s in ReviewStatus),
                    )
                )
        return cleaned

    def rows(self, table: str) -> list[dict[str, Any]]:
        """Rows of ``table`` as dicts (with ``id``), in their order."""
        spec = self._spec(table)
        rows = [
            dict(r) for r in self.db.read(f"SELECT * FROM {spec.name} ORDER BY {spec.order}, id")
        ]
        if spec.partition == "section":  # as the report shows them: general, then groups
            rank = {GENERAL: 0} | {g.slug: g.number for g in self.groups.all()}
            rows.sort(key=lambda r: (rank.get(r["section"], 999), r[spec.order], r["id"]))
        return rows

    def add(self, table: str, fields: dict[str, str], *, actor: Actor | str) -> int:
        """Append an item; fields not given are empty. Returns its id."""
        spec = self._spec(table)
        values = dict.fromkeys(spec.fields, "") | self._clean(spec, fields)
        if spec.partition and not values[spec.partition]:
            values[spec.partition] = GENERAL
        with self.db.write() as cur:
            return self._insert(cur, spec, values, actor=actor)

    def _insert(
        self, cur: Cursor, spec: ItemTable, values: dict[str, Any], *, actor: Actor | str,
        order: int | None = None, batch: int | None = None,
    ) -> int:  # fmt: skip
        """Insert one item at the end of its list (or at ``order``), with its history
        (``batch``: the clear or replace it is part of)."""
        if order is None:
            where, params = "", []
            if spec.partition:
                where, params = f" WHERE {spec.partition} = ?", [values[spec.partition]]
            order = int(
                cur.execute(
                    f"SELECT COALESCE(MAX({spec.order}), 0) FROM {spec.name}{where}", params
                ).fetchone()[0]
                + 1
            )
        columns = [spec.order, *spec.fields]
        row_id = int(
            cur.execute(
                f"INSERT INTO {spec.name} ({', '.join(columns)}) VALUES"
                f" ({', '.join('?' for _ in columns)}) RETURNING id",
                (order, *(values[f] for f in spec.fields)),
            ).fetchone()[0]
        )
        self.history.record(
            cur,
            actor=str(actor),
            entity=spec.entity,
            entity_id=row_id,
            action="create",
            before={},
            after=values if batch is None else values | {"batch": batch},
        )
        return row_id

    def update(
        self,
        table: str,
        item_id: int,
        fields: dict[str, str],
        *,
        actor: Actor | str,
        seen: dict[str, str] | None = None,
    ) -> bool:
        """Change some fields of an item. False when nothing changed.

        ``seen``: the values the caller showed for the fields it changes; a field changed
        meanwhile elsewhere (neither that value nor the new one) refuses the whole write, in
        the write's transaction (:class:`ConflictingItem`): both texts are then shown."""
        spec = self._spec(table)
        values = self._clean(spec, fields)
        with self.db.write() as cur:
            row = cur.execute(f"SELECT * FROM {spec.name} WHERE id = ?", (item_id,)).fetchone()
            if row is None:
                raise ValidationError(t("store.item_not_found", item=item_id))
            for name, shown in (seen or {}).items():
                if name in values and row[name] not in (shown, values[name]):
                    raise ConflictingItem(name, str(row[name]), values[name])
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
            self.history.record(
                cur,
                actor=str(actor),
                entity=spec.entity,
                entity_id=item_id,
                action="update",
                before={k: row[k] for k in changed},
                after=changed,
            )
        return True

    def delete(self, table: str, item_id: int, *, actor: Actor | str) -> int | None:
        """Remove an item; its last content and its place stay in the history, from which
        :meth:`restore` brings it back. Returns that history entry's id (``None`` when the
        item was gone already)."""
        spec = self._spec(table)
        with self.db.write() as cur:
            return self._delete(cur, spec, item_id, actor=actor)

    def _delete(
        self, cur: Cursor, spec: ItemTable, item_id: int, *, actor: Actor | str,
        batch: int | None = None,
    ) -> int | None:  # fmt: skip
        row = cur.execute(f"SELECT * FROM {spec.name} WHERE id = ?", (item_id,)).fetchone()
        if row is None:
            return None
        cur.execute(f"DELETE FROM {spec.name} WHERE id = ?", (item_id,))
        return self.history.record(
            cur,
            actor=str(actor),
            entity=spec.entity,
            entity_id=item_id,
            action="delete",
            before={spec.order: row[spec.order]} | {k: row[k] for k in spec.fields},
            after={} if batch is None else {"batch": batch},
        )

    def deleted(self, table: str, *, limit: int = 50) -> list[HistoryEntry]:
        """The deletions of ``table`` not restored since, latest first (at most ``limit``):
        each entry's ``before`` is the item's last content, ``id`` what :meth:`restore`
        takes."""
        spec = self._spec(table)
        with self.db.read_transaction():
            deletions = self.history.entries(spec.entity, action="delete")
            restored = _restored(self.history.entries(spec.entity, action="restore"))
        return [e for e in reversed(deletions) if e.id not in restored][:limit]

    def restore(self, table: str, entry_id: int, *, actor: Actor | str) -> int:
        """Bring back the item whose deletion is the history entry ``entry_id``, at its
        former place (a person with their N°, unless someone else has it now). Returns its
        id: the former one when it is free."""
        spec = self._spec(table)
        with self.db.write() as cur:
            return self._restore(cur, spec, entry_id, actor=actor)

    def _restore(
        self, cur: Cursor, spec: ItemTable, entry_id: int, *, actor: Actor | str,
        batch: int | None = None,
    ) -> int:  # fmt: skip
        entry = cur.execute("SELECT * FROM history WHERE id = ?", (entry_id,)).fetchone()
        if entry is None or entry["entity"] != spec.entity or entry["action"] != "delete":
            raise ValidationError(t("store.nothing_to_restore"))
        if entry_id in _restored_since(cur, spec, entry_id):
            raise ValidationError(t("store.already_restored"))
        return self._restore_entry(cur, spec, entry_id, actor=actor, batch=batch)

    def _restore_entry(
        self, cur: Cursor, spec: ItemTable, entry_id: int, *, actor: Actor | str,
        batch: int | None = None,
    ) -> int:  # fmt: skip
        """Put back the item of the deletion ``entry_id`` (checked by the caller)."""
        entry = cur.execute("SELECT * FROM history WHERE id = ?", (entry_id,)).fetchone()
        before = json.loads(entry["before"])
        values = {f: str(before.get(f, "")) for f in spec.fields}
        if spec.partition == "section":  # a group deleted since: its rows go to the general one
            section = values["section"] or GENERAL
            known = cur.execute("SELECT 1 FROM groups WHERE slug = ?", (section,)).fetchone()
            values["section"] = section if section == GENERAL or known else GENERAL
        order = self._make_room(cur, spec, values, before.get(spec.order))
        columns, params = [spec.order, *spec.fields], [order, *(values[f] for f in spec.fields)]
        former = int(entry["entity_id"])
        if cur.execute(f"SELECT 1 FROM {spec.name} WHERE id = ?", (former,)).fetchone() is None:
            columns, params = ["id", *columns], [former, *params]
        item_id = int(
            cur.execute(
                f"INSERT INTO {spec.name} ({', '.join(columns)}) VALUES"
                f" ({', '.join('?' for _ in columns)}) RETURNING id",
                params,
            ).fetchone()[0]
        )
        after: dict[str, Any] = values | {spec.order: order, "restored": entry_id}
        self.history.record(
            cur, actor=str(actor), entity=spec.entity, entity_id=item_id, action="restore",
            before={}, after=after if batch is None else after | {"batch": batch},
        )  # fmt: skip
        return item_id

    def _make_room(
        self, cur: Cursor, spec: ItemTable, values: dict[str, str], former: object
    ) -> int:
        """The place an item comes back to: its former one, the others after it moved down
        one; a person's N° only if nobody has it now (a number is not shifted); else the
        end of the list."""
        where, params = "", []
        if spec.partition:
            where, params = f" AND {spec.partition} = ?", [values[spec.partition]]
        place = former if isinstance(former, int) and former > 0 else None
        taken = place is not None and (
            cur.execute(
                f"SELECT 1 FROM {spec.name} WHERE {spec.order} = ?{where}", (place, *params)
            ).fetchone()
            is not None
        )
        if place is None or (taken and spec.order == "number"):
            top = cur.execute(
                f"SELECT COALESCE(MAX({spec.order}), 0) FROM {spec.name} WHERE 1 = 1{where}",
                params,
            ).fetchone()[0]
            return int(top) + 1
        if taken:
            cur.execute(
                f"UPDATE {spec.name} SET {spec.order} = {spec.order} + 1"
                f" WHERE {spec.order} >= ?{where}",
                (place, *params),
            )
        return place

    # -- a whole list at once ---------------------------------------------------------------

    def clear(self, table: str, *, actor: Actor | str) -> int | None:
        """Empty the list ``table`` in one transaction; :meth:`undo_batch` brings it back.

        Returns the batch (the history entry of the clearing), ``None`` for a list already
        empty.
        """
        spec = self._spec(table)
        with self.db.write() as cur:
            ids = [
                int(r[0])
                for r in cur.execute(
                    f"SELECT id FROM {spec.name} ORDER BY {spec.order}, id"
                ).fetchall()
            ]
            if not ids:
                return None
            batch = self.history.record(
                cur, actor=str(actor), entity=spec.name, entity_id=0, action="clear",
                before={"count": len(ids)}, after={},
            )  # fmt: skip
            for item_id in ids:
                self._delete(cur, spec, item_id, actor=actor, batch=batch)
        return batch

    def undo_batch(self, table: str, batch: int, *, actor: Actor | str) -> tuple[int, int]:
        """Undo a :meth:`clear` or :meth:`replace_participants`: the items it added are
        removed (their content stays in the history), the items it deleted come back with
        their places. Returns (removed, restored)."""
        spec = self._spec(table)
        with self.db.write() as cur:
            head = cur.execute("SELECT * FROM history WHERE id = ?", (batch,)).fetchone()
            if head is None or head["entity"] != spec.name or head["action"] not in BATCHES:
                raise ValidationError(t("store.nothing_to_restore"))
            undone = cur.execute(
                "SELECT after FROM history WHERE entity = ? AND action = 'undo' AND id > ?",
                (spec.name, batch),
            ).fetchall()
            if any(json.loads(r[0]).get("batch") == batch for r in undone):
                raise ValidationError(t("store.already_restored"))
            made = cur.execute(
                "SELECT id, entity_id, action, before, after FROM history"
                " WHERE entity = ? AND id > ? AND action IN ('create', 'delete') ORDER BY id",
                (spec.entity, batch),
            ).fetchall()
            ours = [r for r in made if json.loads(r["after"]).get("batch") == batch]
            undo = self.history.record(
                cur, actor=str(actor), entity=spec.name, entity_id=0, action="undo",
                before={}, after={"batch": batch},
            )  # fmt: skip
            removed = sum(
                self._delete(cur, spec, int(r["entity_id"]), actor=actor, batch=undo) is not None
                for r in ours
                if r["action"] == "create"
            )
            deletions = [int(r["id"]) for r in ours if r["action"] == "delete"]
            if spec.order == "number":  # those whose N° is free first: each keeps its own
                taken = {r[0] for r in cur.execute(f"SELECT {spec.order} FROM {spec.name}")}
                former = {
                    int(r["id"]): json.loads(r["before"]).get(spec.order)
                    for r in ours
                    if r["action"] == "delete"
                }
                deletions.sort(key=lambda entry_id: former[entry_id] in taken)
            already = _restored_since(cur, spec, min(deletions)) if deletions else set()
            restored = 0
            for entry_id in deletions:
                if entry_id not in already:  # one brought back by hand meanwhile stays
                    self._restore_entry(cur, spec, entry_id, actor=actor, batch=undo)
                    restored += 1
        return removed, restored

    def move(self, table: str, item_id: int, offset: int, *, actor: Actor | str) -> bool:
        """Move an item ``offset`` places (within its section for review rows)."""
        spec = self._spec(table)
        with self.db.write() as cur:
            row = cur.execute(f"SELECT * FROM {spec.name} WHERE id = ?", (item_id,)).fetchone()
            if row is None:
                raise ValidationError(t("store.item_not_found", item=item_id))
            where, params = "", []
            if spec.partition:
                where, params = f" WHERE {spec.partition} = ?", [row[spec.partition]]
            ids = [
                r[0]
                for r in cur.execute(
                    f"SELECT id FROM {spec.name}{where} ORDER BY {spec.order}, id", params
                )
            ]
            order = moved(ids, item_id, offset)
            if order is None:
                return False
            for position, moving in enumerate(order, start=1):
                cur.execute(
                    f"UPDATE {spec.name} SET {spec.order} = ? WHERE id = ?", (position, moving)
                )
            self.history.record(
                cur,
                actor=str(actor),
                entity=spec.entity,
                entity_id=item_id,
                action="move",
                before={spec.order: ids.index(item_id) + 1},
                after={spec.order: order.index(item_id) + 1},
            )
        return True

    # -- typed lists ------------------------------------------------------------------------

    def add_participants(
        self, participants: Sequence[Participant], *, actor: Actor | str = CLI_ACTOR
    ) -> list[Participant]:
        """Append people to the attendance list.

        Into an empty list, people keep the numbers of their sheet; appended to a list that
        has people already, they are numbered on from its last number (two sheets of one
        meeting both start at 1).
        """
        with self.db.write() as cur:
            top = cur.execute("SELECT COALESCE(MAX(number), 0) FROM participants").fetchone()[0]
            self._insert_people(cur, participants, top=int(top), actor=actor)
        return self.participants()

    def replace_participants(
        self, participants: Sequence[Participant], *, actor: Actor | str = CLI_ACTOR
    ) -> tuple[int, int]:
        """The attendance list becomes ``participants``, with their sheet's own numbers: a
        corrected sheet takes the place of the one imported before, in one transaction.

        Returns (the batch, how many people the list held before): :meth:`undo_batch`
        with that batch brings the former list back.
        """
        spec = ITEM_TABLES["participants"]
        with self.db.write() as cur:
            ids = [int(r[0]) for r in cur.execute("SELECT id FROM participants").fetchall()]
            batch = self.history.record(
                cur, actor=str(actor), entity=spec.name, entity_id=0, action="replace",
                before={"count": len(ids)}, after={"count": len(participants)},
            )  # fmt: skip
            for item_id in ids:
                self._delete(cur, spec, item_id, actor=actor, batch=batch)
            self._insert_people(cur, participants, top=0, actor=actor, batch=batch)
        return batch, len(ids)

    def _insert_people(
        self, cur: Cursor, participants: Sequence[Participant], *, top: int,
        actor: Actor | str, batch: int | None = None,
    ) -> None:  # fmt: skip
        """People after number ``top`` (0: with their own numbers, where they have one)."""
        spec = ITEM_TABLES["participants"]
        for offset, p in enumerate(participants, start=1):
            values = {"name": p.name, "institution": p.institution, "phone": p.phone,
                      "email": p.email, "grp": p.group}  # fmt: skip
            number = top + offset if top or not p.number else p.number
            self._insert(cur, spec, values, actor=actor, order=number, batch=batch)

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
            for r in self.rows("participants")
        ]

    def add_review_rows(self, rows: Sequence[ReviewRow], *, actor: Actor | str = CLI_ACTOR) -> None:
        """Append rows to the review of the previous recommendations."""
        spec = ITEM_TABLES["review_rows"]
        cleaned = [
            self._clean(
                spec,
                {
                    "section": row.section,
                    "recommendation": row.recommendation,
                    "state": row.state,
                    "status": row.status,
                },
                any_status=True,
            )
            for row in rows
        ]
        with self.db.write() as cur:
            for values in cleaned:
                self._insert(cur, spec, values, actor=actor)

    def review_rows(self) -> list[ReviewRow]:
        """Review rows, general section first, then groups in numbering order."""
        return [
            ReviewRow(id=r["id"], section=r["section"], position=r["position"],
                      recommendation=r["recommendation"], state=r["state"],
                      status=as_review_status(r["status"]))
            for r in self.rows("review_rows")
        ]  # fmt: skip

    def add_communication(
        self, communication: Communication, *, actor: Actor | str = CLI_ACTOR
    ) -> None:
        """Append a presentation."""
        self.add(
            "communications",
            {
                "title": communication.title,
                "presenter": communication.presenter,
                "function": communication.function,
                "summary": communication.summary,
            },
            actor=actor,
        )

    def communications(self) -> list[Communication]:
        """Presentations in their order."""
        return [
            Communication(id=r["id"], position=r["position"], title=r["title"],
                          presenter=r["presenter"], function=r["function"], summary=r["summary"])
            for r in self.rows("communications")
        ]  # fmt: skip

    def add_debate_point(self, text: str, *, actor: Actor | str = CLI_ACTOR) -> None:
        """Append a point raised in the discussion."""
        text = clean_text(text, what=t("store.what_debate_point"))
        self.add("debate_points", {"text": text}, actor=actor)

    def debate_points(self) -> list[DebatePoint]:
        """Debate points in their order."""
        return [
            DebatePoint(id=r["id"], position=r["position"], text=r["text"])
            for r in self.rows("debate_points")
        ]


#: The history actions that change a whole list at once (see :meth:`Items.undo_batch`).
BATCHES = frozenset({"clear", "replace"})


def _restored_since(cur: Cursor, spec: ItemTable, entry_id: int) -> set[int]:
    """The deletions (history ids) of ``spec``'s items that were restored after the
    history entry ``entry_id``, read in the transaction of ``cur``."""
    found = set()
    for (after,) in cur.execute(
        "SELECT after FROM history WHERE entity = ? AND action = 'restore' AND id > ?",
        (spec.entity, entry_id),
    ).fetchall():
        restored = json.loads(after).get("restored")
        if isinstance(restored, int):
            found.add(restored)
    return found


def _restored(entries: Sequence[HistoryEntry]) -> set[int]:
    """The deletions (history ids) that these restore entries name."""
    return {int(r) for e in entries if isinstance(r := e.after.get("restored"), int)}
