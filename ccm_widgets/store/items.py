"""Ordered lists the facilitator keeps: agenda, communications, debate points, the attendance
list, the review of the previous recommendations. One set of operations serves them all
(add, change a field, delete, move); typed readers and adders are built on it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ccm_widgets.domain.model import (
    CLI_ACTOR,
    GENERAL,
    Actor,
    Communication,
    DebatePoint,
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


class Items:
    """The ordered lists of a meeting."""

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
        order: int | None = None,
    ) -> int:  # fmt: skip
        """Insert one item at the end of its list (or at ``order``), with its history."""
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
            after=values,
        )
        return row_id

    def update(
        self, table: str, item_id: int, fields: dict[str, str], *, actor: Actor | str
    ) -> bool:
        """Change some fields of an item. False when nothing changed."""
        spec = self._spec(table)
        values = self._clean(spec, fields)
        with self.db.write() as cur:
            row = cur.execute(f"SELECT * FROM {spec.name} WHERE id = ?", (item_id,)).fetchone()
            if row is None:
                raise ValidationError(t("store.item_not_found", item=item_id))
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

    def delete(self, table: str, item_id: int, *, actor: Actor | str) -> None:
        """Remove an item; its last content stays in the history."""
        spec = self._spec(table)
        with self.db.write() as cur:
            row = cur.execute(f"SELECT * FROM {spec.name} WHERE id = ?", (item_id,)).fetchone()
            if row is None:
                return
            cur.execute(f"DELETE FROM {spec.name} WHERE id = ?", (item_id,))
            self.history.record(
                cur,
                actor=str(actor),
                entity=spec.entity,
                entity_id=item_id,
                action="delete",
                before={k: row[k] for k in spec.fields},
                after={},
            )

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
        spec = ITEM_TABLES["participants"]
        with self.db.write() as cur:
            top = cur.execute("SELECT COALESCE(MAX(number), 0) FROM participants").fetchone()[0]
            for offset, p in enumerate(participants, start=1):
                values = {"name": p.name, "institution": p.institution, "phone": p.phone,
                          "email": p.email, "grp": p.group}  # fmt: skip
                number = top + offset if top or not p.number else p.number
                self._insert(cur, spec, values, actor=actor, order=number)
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
