"""The meeting's header and agenda: created once (or replaced), edited in Préparation."""

from __future__ import annotations

import datetime as dt
import json
import secrets
from collections.abc import Sequence

from ccm_widgets.domain.model import CLI_ACTOR, AgendaItem, Group, Meeting, ValidationError
from ccm_widgets.i18n import t
from ccm_widgets.store.backend import Database
from ccm_widgets.store.errors import StoreError
from ccm_widgets.store.history import History
from ccm_widgets.store.session import FACILITATOR, PROJECTION

#: What a new meeting empties (the meta values, keys and counters, stay).
MEETING_TABLES = (
    "meeting", "agenda", "groups", "grid_rows", "kept_pairs", "participants",
    "review_rows", "communications", "debate_points",
)  # fmt: skip
HEADER_FIELDS = (
    "title", "date", "venue", "organisation", "start", "chair", "facilitator", "objectives",
    "closing",
)  # fmt: skip


class Meetings:
    """The one meeting of a store."""

    def __init__(self, db: Database, history: History) -> None:
        self.db = db
        self.history = history

    def exists(self) -> bool:
        """True once a meeting has been created in this store."""
        return bool(self.db.read("SELECT 1 FROM meeting WHERE id = 1"))

    def create(
        self,
        meeting: Meeting,
        *,
        agenda: Sequence[AgendaItem] = (),
        groups: Sequence[Group] = (),
        synthesis_order: Sequence[str] = (),
        force: bool = False,
        actor: str = str(CLI_ACTOR),
    ) -> None:
        """Create (or, with ``force``, replace) the meeting, its agenda and its groups.

        ``synthesis_order`` lists group slugs in the order the synthesis shows them; groups
        not listed follow in their numbering order. Replacing a meeting empties the store and
        renews every key: tabs still open on the replaced meeting write nothing into the new
        one (each write checks its key).
        """
        slugs = [g.slug for g in groups]
        if len(set(slugs)) != len(slugs):
            raise ValidationError(t("store.same_group_twice"))
        unknown = [s for s in synthesis_order if s not in slugs]
        if unknown:
            raise ValidationError(t("store.order_unknown_group", groups=", ".join(unknown)))
        order = list(dict.fromkeys(synthesis_order)) + [
            s for s in slugs if s not in synthesis_order
        ]
        with self.db.write() as cur:
            existing = cur.execute("SELECT 1 FROM meeting WHERE id = 1").fetchone()
            if existing and not force:
                raise ValidationError(t("store.meeting_exists"))
            for table in MEETING_TABLES:
                cur.execute(f"DELETE FROM {table}")
            if existing:
                for who in (FACILITATOR, PROJECTION):
                    cur.execute(
                        "UPDATE meta SET value = ? WHERE key = ?",
                        (secrets.token_urlsafe(9), f"{who}_key"),
                    )
            cur.execute(
                "INSERT INTO meeting (id, title, date, venue, organisation, start, chair,"
                " facilitator, objectives, closing) VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                _header_values(meeting),
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
                    (group.slug, group.name, group.moderator, group.institution, number,
                     order.index(group.slug) + 1, secrets.token_urlsafe(9)),
                )  # fmt: skip
            self.history.record(
                cur, actor=actor, entity="meeting", entity_id=1, action="create",
                before={}, after={"title": meeting.title, "groups": slugs},
            )  # fmt: skip

    def get(self) -> Meeting:
        """The meeting's header. Raises :class:`StoreError` when there is none yet."""
        rows = self.db.read("SELECT * FROM meeting WHERE id = 1")
        if not rows:
            raise StoreError(t("store.no_meeting", where=self.db.where))
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

    def update(self, meeting: Meeting, *, actor: str) -> None:
        """Replace the meeting's header (title, date, venue, organisation, objectives…)."""
        before = self.get()
        with self.db.write() as cur:
            cur.execute(
                "UPDATE meeting SET title = ?, date = ?, venue = ?, organisation = ?, start = ?,"
                " chair = ?, facilitator = ?, objectives = ?, closing = ? WHERE id = 1",
                _header_values(meeting),
            )
            changed = {
                k: (str(getattr(before, k)), str(getattr(meeting, k)))
                for k in HEADER_FIELDS
                if getattr(before, k) != getattr(meeting, k)
            }
            self.history.record(
                cur, actor=actor, entity="meeting", entity_id=1, action="update",
                before={k: v[0] for k, v in changed.items()},
                after={k: v[1] for k, v in changed.items()},
            )  # fmt: skip

    def agenda(self) -> list[AgendaItem]:
        """The agenda in its order."""
        return [
            AgendaItem(item=r["item"], presenter=r["presenter"], time=r["time"])
            for r in self.db.read("SELECT * FROM agenda ORDER BY position")
        ]


def _header_values(meeting: Meeting) -> tuple[str, ...]:
    return (
        meeting.title, meeting.date.isoformat(), meeting.venue,
        json.dumps(list(meeting.organisation), ensure_ascii=False), meeting.start,
        meeting.chair, meeting.facilitator,
        json.dumps(list(meeting.objectives), ensure_ascii=False), meeting.closing,
    )  # fmt: skip
