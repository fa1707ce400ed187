"""The types a report document is made of: a few plain, frozen block types (headings,
paragraphs, lists, tables with section-heading rows, bar charts, page breaks), grouped in
named chapters. :mod:`ccm_widgets.report.document` decides the content; the renderers
(:mod:`ccm_widgets.report.web`, :mod:`ccm_widgets.report.word`) draw each type in one place.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

Part = Literal["report", "synthesis", "decisions"]
#: The parts a document can be built for: the whole report, the synthesis alone, the ledger.
PARTS: tuple[Part, ...] = ("synthesis", "report", "decisions")


@dataclass(frozen=True)
class Heading:
    """A heading: level 0 is the document's title, 1 a chapter, 2 a sub-heading."""

    level: int
    text: str


ParagraphStyle = Literal["text", "organisation", "place-date", "table-title", "note"]


@dataclass(frozen=True)
class Paragraph:
    """A paragraph; its line breaks are kept. ``style`` says what kind of line it is."""

    text: str
    style: ParagraphStyle = "text"


@dataclass(frozen=True)
class BulletList:
    """A list of items, bulleted or numbered (i, ii, iii… as the official report numbers)."""

    items: tuple[str, ...]
    numbered: bool = False


#: ``count``: a number under a title longer than it (``Recommandations``: ``12``).
ColumnRole = Literal["text", "number", "count", "time", "phone", "email", "decision"]


@dataclass(frozen=True)
class Column:
    """A table column: its title, and what its cells hold (which says how they wrap)."""

    title: str
    role: ColumnRole = "text"


@dataclass(frozen=True)
class RowHeading:
    """A row spanning the table that opens a section: level 1 (``RECOMMANDATIONS D'ORDRE
    GÉNÉRAL``) or level 2 (``GROUPE THÉMATIQUE : …``)."""

    text: str
    level: int = 2


@dataclass(frozen=True)
class TableSection:
    """Heading rows, then rows of cells (one text per column); ``note`` stands in for rows
    when there are none. A renderer never leaves the headings apart from the first row."""

    headings: tuple[RowHeading, ...] = ()
    rows: tuple[tuple[str, ...], ...] = ()
    note: str = ""


@dataclass(frozen=True)
class Table:
    """A table with a header row repeated on each page and rows that do not split.

    ``kind`` names the table (``synthesis``, ``review``, ``agenda``, ``attendance``,
    ``ledger``) for the renderers' column widths; ``title`` is printed just above it.
    """

    kind: str
    columns: tuple[Column, ...]
    sections: tuple[TableSection, ...]
    title: str = ""

    def rows(self) -> Iterator[tuple[str, ...]]:
        """Every row of cells, sections in order (heading rows left out)."""
        for section in self.sections:
            yield from section.rows


@dataclass(frozen=True)
class Segment:
    """Part of a bar: a count, its legend label and its colour (``#rrggbb``)."""

    label: str
    value: int
    colour: str


@dataclass(frozen=True)
class Bar:
    """One horizontal bar of a chart: a label, stacked segments, and the text beside it."""

    label: str
    segments: tuple[Segment, ...]
    caption: str

    @property
    def total(self) -> int:
        return sum(s.value for s in self.segments)


@dataclass(frozen=True)
class Chart:
    """A horizontal bar chart; ``legend`` is (label, colour) pairs for stacked bars."""

    title: str
    bars: tuple[Bar, ...]
    legend: tuple[tuple[str, str], ...] = ()

    @property
    def top(self) -> int:
        """The longest bar's total (at least 1): bars are drawn relative to it."""
        return max((b.total for b in self.bars), default=0) or 1


@dataclass(frozen=True)
class PageBreak:
    """What follows starts on a new page.

    The report itself uses none: a forced break leaves the page before it as empty as the
    text before it happens to leave it (nearly blank, when a chapter runs a few lines over).
    """


Block = Heading | Paragraph | BulletList | Table | Chart | PageBreak


@dataclass(frozen=True)
class Chapter:
    """A named part of the report (``introduction``, ``synthese``…): a notebook cell in HTML.

    ``keep_together``: a short chapter printed whole on one page, moved to the next page
    rather than cut (its heading, text and table never apart).
    """

    name: str
    blocks: tuple[Block, ...]
    keep_together: bool = False


@dataclass(frozen=True)
class Document:
    """The whole report (or one part of it), ready for any renderer."""

    title: str
    part: Part
    chapters: tuple[Chapter, ...]

    def blocks(self) -> Iterator[Block]:
        """Every block, in reading order."""
        for chapter in self.chapters:
            yield from chapter.blocks
