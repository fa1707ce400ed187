"""Typed domain data of a meeting, and the validation rules that go with it.

Plain dataclasses: no I/O here. The store turns rows into these objects and back.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

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


class ValidationError(ValueError):
    """A value a user gave cannot be accepted; the message is French and says why."""


class ImportProblem(ValueError):
    """A file cannot be imported. ``str()`` is the French message for the user."""

    def __init__(self, path: str | Path, line: int | None, message: str) -> None:
        where = f"{path}, ligne {line}" if line else str(path)
        super().__init__(f"{where} : {message}")
        self.path = str(path)
        self.line = line
        self.message = message


def fold(text: str) -> str:
    """Case-, accent- and punctuation-insensitive form of ``text``, for matching names.

    >>> fold("  Économie   alternative ")
    'economie alternative'
    """
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    stripped = stripped.replace("œ", "oe").replace("Œ", "OE").casefold()
    return " ".join(re.sub(r"[^\w]+", " ", stripped).split())


def slugify(name: str) -> str:
    """URL-safe identifier of a group name.

    >>> slugify("Migration irrégulière")
    'migration-irreguliere'
    """
    slug = fold(name).replace(" ", "-").replace("_", "-")
    if not slug:
        raise ValidationError(f"Nom de groupe vide ou illisible : « {name} ».")
    return slug


def clean_text(value: object, *, what: str = "texte") -> str:
    """Normalise a cell value to text: ``None``/NaN become ``""``, line ends become ``\\n``.

    Text is kept as typed otherwise (HTML included: it is escaped where it is shown).
    """
    if value is None:
        return ""
    if isinstance(value, float) and value != value:  # NaN from pandas
        return ""
    text = str(value).replace("\r\n", "\n").replace("\r", "\n").strip()
    if len(text) > MAX_CELL_CHARS:
        raise ValidationError(
            f"Le {what} fait {len(text)} caractères ; la limite est {MAX_CELL_CHARS}. "
            "Raccourcissez-le ou découpez-le en plusieurs lignes."
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
            raise ValidationError("« title » : le titre de la réunion est obligatoire.")
        if not self.venue.strip():
            raise ValidationError("« venue » : le lieu de la réunion est obligatoire.")


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
    group: str = ""


@dataclass(frozen=True)
class ReviewRow:
    """State of implementation of one recommendation of the previous meeting."""

    id: int
    section: str
    position: int
    recommendation: str
    state: str = ""
    status: str = ""


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
