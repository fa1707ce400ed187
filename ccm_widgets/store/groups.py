"""The thematic groups, their order in the synthesis, and the access keys of every link."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from ccm_widgets.domain.model import (
    CLI_ACTOR,
    FACILITATOR_ACTOR,
    GENERAL,
    GRID_FIELDS,
    Group,
    ValidationError,
    clean_text,
    fold,
    slugify,
)
from ccm_widgets.i18n import t
from ccm_widgets.store.backend import Cursor, Database, Row, now
from ccm_widgets.store.history import History
from ccm_widgets.store.session import FACILITATOR, PROJECTION

#: What a user may type to mean the general section (in :func:`fold` form): data, not text.
GENERAL_SECTION_WORDS = frozenset({"general", "generale", "recommandations d ordre general"})


@dataclass(frozen=True)
class GroupRemoval:
    """What deleting a group did besides: its grid's rows deleted (kept in the history),
    its review rows moved to the general section, its people left without a group."""

    rows: int = 0
    review_rows: int = 0
    participants: int = 0


class Groups:
    """The groups of the meeting and the keys that open its pages."""

    def __init__(self, db: Database, history: History) -> None:
        self.db = db
        self.history = history

    # -- reading ----------------------------------------------------------------------------

    def all(self) -> list[Group]:
        """The thematic groups in their numbering order."""
        return [_group(r) for r in self.db.read("SELECT * FROM groups ORDER BY number")]

    def get(self, slug: str) -> Group:
        """The group ``slug``; :class:`ValidationError` if there is none."""
        rows = self.db.read("SELECT * FROM groups WHERE slug = ?", (slug,))
        if not rows:
            raise ValidationError(t("store.unknown_group", group=slug))
        return _group(rows[0])

    def check_section(self, section: str) -> None:
        """:class:`ValidationError` unless ``section`` is ``general`` or a group's slug."""
        if section != GENERAL:
            self.get(section)

    def find_section(self, name: str) -> str:
        """The section key a user means by ``name``: ``general`` or a group's slug.

        Matching ignores case, accents and punctuation; a group's slug or number also works.
        """
        wanted = fold(name)
        if wanted in GENERAL_SECTION_WORDS:
            return GENERAL
        groups = self.all()
        for group in groups:
            if wanted in {fold(group.name), fold(group.slug.replace("-", " ")), str(group.number)}:
                return group.slug
        names = ", ".join(g.name for g in groups) or t("store.no_group")
        raise ValidationError(t("store.unknown_section", name=name, names=names))

    def synthesis_order(self) -> list[str]:
        """Group slugs in the order the synthesis lists them."""
        rows = self.db.read("SELECT slug FROM groups ORDER BY synthesis_position, number")
        return [r["slug"] for r in rows]

    # -- keys -------------------------------------------------------------------------------

    def key(self, slug: str) -> str:
        """The access key of the group ``slug`` (it goes in the group's link)."""
        rows = self.db.read("SELECT access_key FROM groups WHERE slug = ?", (slug,))
        if not rows:
            raise ValidationError(t("store.unknown_group", group=slug))
        return str(rows[0][0])

    def keys(self) -> dict[str, str]:
        """Every group's access key, by slug, in one read."""
        return {str(r[0]): str(r[1]) for r in self.db.read("SELECT slug, access_key FROM groups")}

    def facilitator_key(self) -> str:
        """The facilitator's access key (it opens every page)."""
        return self.db.meta(f"{FACILITATOR}_key") or ""

    def projection_key(self) -> str:
        """The read-only key of the projection view."""
        return self.db.meta(f"{PROJECTION}_key") or ""

    def renew_key(self, who: str, *, actor: str = str(CLI_ACTOR)) -> None:
        """A new key for ``facilitator``, ``projection`` or a group's slug: its old link stops
        opening anything, and tabs opened with it stop writing. The history records the
        renewal, never a key."""
        key = secrets.token_urlsafe(9)
        with self.db.write() as cur:
            if who in {FACILITATOR, PROJECTION}:
                cur.execute("UPDATE meta SET value = ? WHERE key = ?", (key, f"{who}_key"))
            else:
                cur.execute("UPDATE groups SET access_key = ? WHERE slug = ?", (key, who))
                if cur.execute("SELECT 1 FROM groups WHERE slug = ?", (who,)).fetchone() is None:
                    raise ValidationError(t("store.unknown_group", group=who))
            self.history.record(
                cur, actor=actor, entity="access_key", entity_id=0, action="renew",
                before={}, after={"for": who},
            )  # fmt: skip

    # -- writing ----------------------------------------------------------------------------

    def set_synthesis_order(
        self, slugs: Sequence[str], *, actor: str = str(FACILITATOR_ACTOR)
    ) -> None:
        """Set the synthesis order; it must name every group exactly once (checked in the
        transaction that writes it: a group added meanwhile in another tab is not lost)."""
        with self.db.write() as cur:
            rows = cur.execute("SELECT slug FROM groups ORDER BY synthesis_position, number")
            before = [r[0] for r in rows]
            if sorted(slugs) != sorted(before):
                raise ValidationError(t("store.order_every_group"))
            for position, slug in enumerate(slugs, start=1):
                cur.execute(
                    "UPDATE groups SET synthesis_position = ? WHERE slug = ?", (position, slug)
                )
            self.history.record(
                cur, actor=actor, entity="synthesis_order", entity_id=0, action="update",
                before={"order": before}, after={"order": list(slugs)},
            )  # fmt: skip

    def update(
        self, slug: str, *, name: str, moderator: str, institution: str, actor: str
    ) -> Group:
        """Rename a group or change its moderator; its link, key and rows stay the same."""
        name = clean_text(name, what=t("store.what_group_name")).strip()
        if not name:
            raise ValidationError(t("store.group_needs_name"))
        moderator = clean_text(moderator, what=t("store.what_moderator"))
        institution = clean_text(institution, what=t("import.what_institution"))
        with self.db.write() as cur:
            rows = {r["slug"]: _group(r) for r in cur.execute("SELECT * FROM groups")}
            if slug not in rows:
                raise ValidationError(t("store.unknown_group", group=slug))
            group = rows[slug]
            if any(fold(g.name) == fold(name) and g.slug != slug for g in rows.values()):
                raise ValidationError(t("store.group_name_taken_other", name=name))
            cur.execute(
                "UPDATE groups SET name = ?, moderator = ?, institution = ? WHERE slug = ?",
                (name, moderator, institution, slug),
            )
            self.history.record(
                cur, actor=actor, entity="group", entity_id=group.number, action="update",
                before={"name": group.name, "moderator": group.moderator,
                        "institution": group.institution},
                after={"name": name, "moderator": moderator, "institution": institution},
            )  # fmt: skip
        return self.get(slug)

    def add(self, name: str, *, moderator: str = "", institution: str = "", actor: str) -> Group:
        """A new group at the end of the numbering and of the synthesis, with its own key."""
        name = clean_text(name, what=t("store.what_group_name")).strip()
        if not name:
            raise ValidationError(t("store.group_needs_name"))
        slug = slugify(name)
        with self.db.write() as cur:
            groups = [_group(r) for r in cur.execute("SELECT * FROM groups")]
            if any(fold(g.name) == fold(name) for g in groups):
                raise ValidationError(t("store.group_name_taken", name=name))
            if slug == GENERAL or any(g.slug == slug for g in groups):
                raise ValidationError(t("store.group_name_impossible", name=name))
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
            self.history.record(
                cur, actor=actor, entity="group", entity_id=number, action="create",
                before={}, after={"name": name, "slug": slug},
            )  # fmt: skip
        return self.get(slug)

    def written_rows(self, slug: str) -> int:
        """How many rows of the group's grid hold text (what deleting it would delete)."""
        return len(_written(self.db.read(_LIVE_ROWS, (slug,))))

    def delete(self, slug: str, *, with_rows: bool = False, actor: str) -> GroupRemoval:
        """Delete a group: its link and key stop opening anything.

        A group whose grid holds text is deleted only ``with_rows`` (the page asks first):
        its rows are deleted with it and stay in the history. Its review rows go to the
        general section and its people keep their place in the attendance list, without a
        group. A group one of whose rows holds rows merged from other groups is refused:
        deleting it would take their texts out of the synthesis (undo those merges first).
        The numbers and the synthesis order of the other groups close up.
        """
        with self.db.write() as cur:
            found = cur.execute("SELECT * FROM groups WHERE slug = ?", (slug,)).fetchone()
            if found is None:
                raise ValidationError(t("store.unknown_group", group=slug))
            group = _group(found)
            rows = cur.execute(_LIVE_ROWS, (slug,)).fetchall()
            written = _written(rows)
            if written and not with_rows:
                raise ValidationError(
                    t("store.group_has_rows", name=group.name, count=len(written))
                )
            ids = [int(r["id"]) for r in rows]
            if (
                ids
                and cur.execute(
                    f"SELECT 1 FROM grid_rows WHERE section != ? AND merged_into IN"
                    f" ({', '.join('?' for _ in ids)})",
                    (slug, *ids),
                ).fetchone()
            ):
                raise ValidationError(t("store.group_holds_merges", name=group.name))
            stamp = now()
            for row in rows:
                cur.execute(
                    "UPDATE grid_rows SET deleted = 1, version = version + 1, updated_by = ?,"
                    " updated_at = ? WHERE id = ?",
                    (actor, stamp, row["id"]),
                )
                self.history.record(
                    cur, actor=actor, entity="grid_row", entity_id=int(row["id"]),
                    action="delete", before={f: row[f] for f in GRID_FIELDS},
                    after={"group_deleted": slug},
                )  # fmt: skip
            review = _move_review_rows(cur, self.history, slug, actor)
            people = [
                int(r[0]) for r in cur.execute("SELECT id FROM participants WHERE grp = ?", (slug,))
            ]
            for person in people:
                cur.execute("UPDATE participants SET grp = '' WHERE id = ?", (person,))
                self.history.record(
                    cur, actor=actor, entity="participant", entity_id=person, action="update",
                    before={"grp": slug}, after={"grp": ""},
                )  # fmt: skip
            cur.execute("DELETE FROM groups WHERE slug = ?", (slug,))
            remaining = cur.execute(
                "SELECT slug FROM groups ORDER BY synthesis_position, number"
            ).fetchall()
            for position, (other,) in enumerate(remaining, start=1):
                cur.execute(
                    "UPDATE groups SET synthesis_position = ? WHERE slug = ?", (position, other)
                )
            numbered = cur.execute("SELECT slug FROM groups ORDER BY number").fetchall()
            for number, (other,) in enumerate(numbered, start=1):
                cur.execute("UPDATE groups SET number = ? WHERE slug = ?", (number, other))
            removal = GroupRemoval(len(rows), review, len(people))
            self.history.record(
                cur, actor=actor, entity="group", entity_id=group.number, action="delete",
                before={"name": group.name, "slug": slug, "moderator": group.moderator,
                        "institution": group.institution},
                after={"rows": removal.rows, "review_rows": review, "participants": len(people)},
            )  # fmt: skip
        return removal


#: A section's live rows, read to delete them with their group.
_LIVE_ROWS = "SELECT * FROM grid_rows WHERE section = ? AND deleted = 0 ORDER BY position, id"


def _written(rows: Sequence[Row]) -> list[Row]:
    """The rows that hold some text (an empty row just added is not worth a question)."""
    return [r for r in rows if any(str(r[f]).strip() for f in GRID_FIELDS)]


def _move_review_rows(cur: Cursor, history: History, slug: str, actor: str) -> int:
    """The review rows of a deleted group's section, moved to the end of the general one."""
    ids = [
        int(r[0])
        for r in cur.execute(
            "SELECT id FROM review_rows WHERE section = ? ORDER BY position, id", (slug,)
        ).fetchall()
    ]
    top = int(
        cur.execute(
            "SELECT COALESCE(MAX(position), 0) FROM review_rows WHERE section = ?", (GENERAL,)
        ).fetchone()[0]
    )
    for offset, review_id in enumerate(ids, start=1):
        cur.execute(
            "UPDATE review_rows SET section = ?, position = ? WHERE id = ?",
            (GENERAL, top + offset, review_id),
        )
        history.record(
            cur, actor=actor, entity="review_row", entity_id=review_id, action="update",
            before={"section": slug}, after={"section": GENERAL, "position": top + offset},
        )  # fmt: skip
    return len(ids)


def _group(row: Row) -> Group:
    return Group(
        slug=row["slug"], name=row["name"], moderator=row["moderator"],
        institution=row["institution"], number=row["number"],
        synthesis_position=row["synthesis_position"],
    )  # fmt: skip
