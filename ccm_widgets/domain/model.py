"""Typed domain data of a meeting, and the validation rules that go with it.

Plain dataclasses: no I/O here. The store turns rows into these objects and back. Values with
a meaning have a type: a plenary :class:`Decision`, a :class:`ReviewStatus`, an :class:`Actor`
(who made a change); they are stored as codes, and their display text comes from the
catalogue (:func:`ccm_widgets.i18n.t`).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from ccm_widgets.i18n import catalogue, t

#: Column titles of a group grid and of the synthesis, as the report prints them.
GRID_COLUMNS: tuple[str, str, str] = ("Recommandation", "Défis", "Perspectives")
#: Field names behind :data:`GRID_COLUMNS`, in the same order.
GRID_FIELDS: tuple[str, str, str] = ("recommendation", "challenges", "perspectives")
#: Section key of the plenary's own "recommandations d'ordre général".
GENERAL = "general"
#: Longest text accepted in one cell: a few pages, far above any real recommendation, far below
#: what would make a grid or a report unusable.
MAX_CELL_CHARS = 20_000


class Decision(StrEnum):
    """What the plenary decided about a synthesis row ("" while it waits for one)."""

    ADOPTED = "adopted"
    AMENDED = "amended"
    WITHDRAWN = "withdrawn"


class ReviewStatus(StrEnum):
    """How far a recommendation of the previous meeting has gone, as the review records it.

    A review row holds one of these codes, ``""`` while nobody has assessed it, or, when an
    imported table said something else (``partiellement réalisée``), those words as written.
    """

    DONE = "done"
    ONGOING = "ongoing"
    NOT_DONE = "not_done"
    TO_REFORMULATE = "to_reformulate"

    @property
    def label(self) -> str:
        """The status as the current language says it (``réalisée``, ``en cours``…)."""
        return t(f"review_status.{self.value}")

    @classmethod
    def parse(cls, text: str) -> ReviewStatus | None:
        """The status ``text`` names, or ``None``.

        ``text`` may be a code (``not_done``) or the status's words in French or English,
        case, accents and punctuation aside (``Réalisée``, ``non réalisé``, ``Done``).
        """
        key = fold(text)
        for status in cls:
            if key in _status_words(status):
                return status
        return None


#: Other ways tables write each status (in :func:`fold` form), besides its code and its
#: French and English display text: masculine and plural agreements.
REVIEW_STATUS_WORDS: dict[str, frozenset[str]] = {
    "done": frozenset({"realise", "realisees", "realises", "completed"}),
    "ongoing": frozenset({"in progress", "en cours de realisation"}),
    "not_done": frozenset({"non realise", "non realisees", "non realises", "not completed"}),
    "to_reformulate": frozenset({"a reformuler", "reformuler", "to reformulate"}),
}


def _status_words(status: ReviewStatus) -> frozenset[str]:
    """Every folded spelling that names ``status``."""
    key = f"review_status.{status.value}"
    spelled = {status.value, status.value.replace("_", " ")}
    spelled |= {catalogue(language).get(key, "") for language in ("fr", "en")}
    return frozenset(fold(s) for s in spelled if s) | REVIEW_STATUS_WORDS[status.value]


def as_review_status(text: str) -> ReviewStatus | str:
    """A stored status as its :class:`ReviewStatus` when it is a code; other text as it is."""
    try:
        return ReviewStatus(text)
    except ValueError:
        return text


def review_status_label(status: str) -> str:
    """What a review row's status shows: the catalogue's text for a code, else the words an
    imported table gave (``""`` when there is no status)."""
    known = as_review_status(status)
    return known.label if isinstance(known, ReviewStatus) else known


class ActorKind(StrEnum):
    """Who makes a change: the kinds of author the store records."""

    FACILITATOR = "facilitator"
    GROUP = "group"
    PLENARY = "plenary"
    CLI = "cli"
    DEMO = "demo"
    #: A string no kind of ours writes (an older version's, a test's): shown as it is.
    OTHER = "other"


#: How each kind is written in the store's ``updated_by`` and ``history.actor`` (the same
#: strings since the first schema, so no migration is needed); a group's is this prefix then
#: its slug. Data the store holds, not display text: :func:`display_actor` says who it was.
ACTOR_STORED_WORDS: dict[str, str] = {
    "facilitator": "animateur",
    "group": "groupe:",
    "plenary": "plénière",
    "cli": "cli",
    "demo": "demo",
}


@dataclass(frozen=True)
class Actor:
    """The author of a change, as the history and each row's ``updated_by`` record it.

    ``str(actor)`` is what the store writes (``animateur``, ``groupe:protection``);
    :meth:`parse` reads it back; :func:`display_actor` says it for a user.
    """

    kind: ActorKind
    #: The group's slug, for :attr:`ActorKind.GROUP`.
    group: str = ""
    #: The stored string as found, for :attr:`ActorKind.OTHER`.
    text: str = ""

    def __post_init__(self) -> None:
        if (self.kind is ActorKind.GROUP) != bool(self.group):
            raise ValueError(f"a group's actor needs its slug, no other has one: {self!r}")

    @classmethod
    def of_group(cls, slug: str) -> Actor:
        """The group ``slug``, typing in its own grid."""
        return cls(ActorKind.GROUP, group=slug)

    @classmethod
    def parse(cls, stored: str) -> Actor:
        """The actor a stored string names; one no kind writes is kept as :attr:`OTHER`."""
        prefix = ACTOR_STORED_WORDS[ActorKind.GROUP]
        if stored.startswith(prefix) and stored[len(prefix) :]:
            return cls.of_group(stored[len(prefix) :])
        for kind, word in ACTOR_STORED_WORDS.items():
            if kind != ActorKind.GROUP and stored == word:
                return cls(ActorKind(kind))
        return cls(ActorKind.OTHER, text=stored)

    def __str__(self) -> str:
        if self.kind is ActorKind.OTHER:
            return self.text
        if self.kind is ActorKind.GROUP:
            return ACTOR_STORED_WORDS[ActorKind.GROUP] + self.group
        return ACTOR_STORED_WORDS[self.kind]


#: The facilitator (any page opened with the facilitator's key).
FACILITATOR_ACTOR = Actor(ActorKind.FACILITATOR)
#: The plenary: consolidation and adoption of the synthesis.
PLENARY_ACTOR = Actor(ActorKind.PLENARY)
#: The ``ccm`` command.
CLI_ACTOR = Actor(ActorKind.CLI)
#: The loading of the demo meeting.
DEMO_ACTOR = Actor(ActorKind.DEMO)


def display_actor(actor: Actor | str, groups: Iterable[Group]) -> str:
    """Who made a change, for a user: ``l'animateur``, ``Groupe 4 : Protection``,
    ``ligne de commande``… ``actor`` may be the stored string; ``groups`` name the groups.
    """
    if isinstance(actor, str):
        actor = Actor.parse(actor)
    if actor.kind is ActorKind.GROUP:
        group = next((g for g in groups if g.slug == actor.group), None)
        if group is None:  # a group since removed: its slug is all there is
            return t("actor.unknown_group", slug=actor.group)
        return t("actor.group", number=group.number, name=group.name)
    if actor.kind is ActorKind.OTHER:
        return actor.text or t("actor.nobody")
    return t(f"actor.{actor.kind.value}")


class ValidationError(ValueError):
    """A value a user gave cannot be accepted; the message is French and says why."""


class ImportProblem(ValueError):
    """A file cannot be imported. ``str()`` is the French message for the user."""

    def __init__(self, path: str | Path, line: int | None, message: str) -> None:
        if line:
            text = t("domain.problem_at_line", path=path, line=line, message=message)
        else:
            text = t("domain.problem", path=path, message=message)
        super().__init__(text)
        self.path = str(path)
        self.line = line
        self.message = message


#: Letters Unicode does not decompose, as :func:`fold` spells them (``œuvre``: ``oeuvre``).
LIGATURE_LETTERS = {"œ": "oe", "Œ": "OE"}


def fold(text: str) -> str:
    """Case-, accent- and punctuation-insensitive form of ``text``, for matching names.

    >>> fold("  Économie   alternative ")
    'economie alternative'
    """
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    for ligature, letters in LIGATURE_LETTERS.items():
        stripped = stripped.replace(ligature, letters)
    stripped = stripped.casefold()
    return " ".join(re.sub(r"[^\w]+", " ", stripped).split())


def slugify(name: str) -> str:
    """URL-safe identifier of a group name.

    >>> slugify("Migration irrégulière")
    'migration-irreguliere'
    """
    slug = fold(name).replace(" ", "-").replace("_", "-")
    if not slug:
        raise ValidationError(t("domain.unreadable_group_name", name=name))
    return slug


def clean_text(value: object, *, what: str | None = None) -> str:
    """Normalise a cell value to text: ``None``/NaN become ``""``, line ends become ``\\n``.

    Text is kept as typed otherwise (HTML included: it is escaped where it is shown). A text
    over :data:`MAX_CELL_CHARS` is refused; ``what`` names it in the message (``texte``).
    """
    if value is None:
        return ""
    if isinstance(value, float) and value != value:  # NaN from pandas
        return ""
    text = str(value).replace("\r\n", "\n").replace("\r", "\n").strip()
    if len(text) > MAX_CELL_CHARS:
        raise ValidationError(
            t(
                "domain.text_too_long",
                what=what or t("domain.what_text"),
                length=len(text),
                limit=MAX_CELL_CHARS,
            )
        )
    return text


@dataclass(frozen=True)
class AgendaItem:
    """One item of the agenda."""

    item: str
    presenter: str = ""
    time: str = ""


@dataclass(frozen=True)
class Group:
    """A thematic working group."""

    slug: str
    name: str
    moderator: str = ""
    institution: str = ""
    number: int = 0
    synthesis_position: int = 0


@dataclass(frozen=True)
class Meeting:
    """The meeting's header and framing: what the report's first page holds."""

    title: str
    date: dt.date
    venue: str
    organisation: tuple[str, ...] = ()
    start: str = ""
    chair: str = ""
    facilitator: str = ""
    objectives: tuple[str, ...] = ()
    closing: str = ""

    def __post_init__(self) -> None:
        if not self.title.strip():
            raise ValidationError(t("domain.title_required"))
        if not self.venue.strip():
            raise ValidationError(t("domain.venue_required"))


@dataclass(frozen=True)
class GridRow:
    """One row of a group grid (or of the general section): a recommendation and its context."""

    id: int
    section: str
    position: int
    recommendation: str = ""
    challenges: str = ""
    perspectives: str = ""
    version: int = 1
    updated_by: str = ""
    updated_at: str = ""
    #: Where the text was written: the slug of its first section, then, after a merge, those
    #: of the rows merged into it, each once, in order (``("protection", "gouvernance")``).
    origin: tuple[str, ...] = ()
    #: The plenary's decision: "", "adopted", "amended" or "withdrawn".
    decision: str = ""

    def cells(self) -> tuple[str, str, str]:
        """The three texts in :data:`GRID_COLUMNS` order."""
        return (self.recommendation, self.challenges, self.perspectives)

    def is_blank(self) -> bool:
        """True when the row holds no text at all (a row just added, not yet typed)."""
        return not any(c.strip() for c in self.cells())


@dataclass(frozen=True)
class Participant:
    """One line of the attendance list."""

    id: int
    number: int
    name: str
    institution: str = ""
    phone: str = ""
    email: str = ""
    #: The slug of the person's group (so a renamed group keeps its people), ``""`` for none,
    #: or the name a sheet gave when it matched no group of the meeting.
    group: str = ""


@dataclass(frozen=True)
class ReviewRow:
    """State of implementation of one recommendation of the previous meeting."""

    id: int
    section: str
    position: int
    recommendation: str
    state: str = ""
    #: A :class:`ReviewStatus`, ``""`` while not assessed, or an imported table's own words.
    status: ReviewStatus | str = ""


@dataclass(frozen=True)
class Communication:
    """A presentation given during the meeting."""

    id: int
    position: int
    title: str
    presenter: str = ""
    function: str = ""
    summary: str = ""


@dataclass(frozen=True)
class DebatePoint:
    """A point raised in the discussion."""

    id: int
    position: int
    text: str


@dataclass(frozen=True)
class HistoryEntry:
    """One recorded change: who changed what, when, from which text to which."""

    id: int
    at: str
    actor: str
    entity: str
    entity_id: int
    action: str
    before: dict[str, object] = field(default_factory=dict)
    after: dict[str, object] = field(default_factory=dict)
