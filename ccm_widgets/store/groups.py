"""The thematic groups, their order in the synthesis, and the access keys of every link."""

from __future__ import annotations

import secrets
from collections.abc import Sequence

from ccm_widgets.domain.model import (
    CLI_ACTOR,
    FACILITATOR_ACTOR,
    GENERAL,
    Group,
    ValidationError,
    clean_text,
    fold,
    slugify,
)
from ccm_widgets.i18n import t
from ccm_widgets.store.backend import Database, Row
from ccm_widgets.store.history import History
from ccm_widgets.store.session import FACILITATOR, PROJECTION

#: What a user may type to mean the general section (in :func:`fold` form): data, not text.
GENERAL_SECTION_WORDS = frozenset({"general", "generale", "recommandations d ordre general"})


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


def _group(row: Row) -> Group:
    return Group(
        slug=row["slug"], name=row["name"], moderator=row["moderator"],
        institution=row["institution"], number=row["number"],
        synthesis_position=row["synthesis_position"],
    )  # fmt: skip
