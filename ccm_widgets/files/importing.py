"""What the tables users bring mean: a group's grid, an attendance sheet, a review table,
a previous meeting's synthesis.

:mod:`ccm_widgets.files.tables` reads any of them as cells (encodings, separators, XLSX,
limits); here headers are matched by meaning (``Nom & Prénoms``, ``Nom et prénoms`` and
``Nom`` are one column) and rows become what the store takes. A table that cannot be
understood is refused with an :class:`ImportProblem` naming the file, the line and what was
expected; nothing is written by these functions, the caller writes only once everything has
been read.
"""

from __future__ import annotations

import csv
import io
import logging
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from ccm_widgets.domain.attendance import attendance_defects, check_participant
from ccm_widgets.domain.model import (
    GENERAL,
    ImportProblem,
    ReviewStatus,
    ValidationError,
    clean_text,
    fold,
)
from ccm_widgets.files.tables import (
    FORMULA_STARTS,
    MAX_FILE_BYTES,
    MAX_UPLOAD_BYTES,
    Columns,
    Table,
    cell_text,
    check_xlsx,
    excerpt,
    format_count,
    format_megabytes,
    map_columns,
    max_rows,
    read_table,
    strip_bullet_markup,
)
from ccm_widgets.i18n import t

# Re-exported: what reading a user's file offers, in one import for its callers and tests.
__all__ = [
    "ATTENDANCE_COLUMNS", "FORMULA_STARTS", "GRID_COLUMNS", "MAX_FILE_BYTES",
    "MAX_UPLOAD_BYTES", "REVIEW_COLUMNS", "AttendanceImport", "AttendanceRow", "Columns",
    "GridImport", "ImportProblem", "ReviewImport", "Table", "attendance_defects",
    "check_participant", "check_xlsx", "format_count", "format_megabytes", "map_columns",
    "max_rows", "paste_rows", "read_attendance", "read_grid", "read_review",
    "read_synthesis_export", "read_table", "resolve_sections", "strip_bullet_markup",
    "unescape_formula",
]  # fmt: skip

log = logging.getLogger(__name__)

#: Headers of the column that says general or specific (or, alone, names the section).
KIND_COLUMN_WORDS = frozenset({"section"})
#: Headers of the column that names the thematic group (or, alone, the section).
GROUP_COLUMN_WORDS = frozenset({"groupe", "groupe thematique"})
#: Cells of that first column meaning the general section; anything else (``Spécifique``…)
#: takes its section from the group column.
GENERAL_KIND_WORDS = frozenset(
    {"general", "generale", "recommandations d ordre general", "recommandation d ordre general"}
)
SPECIFIC_KIND_WORDS = frozenset(
    {
        "specifique", "specific", "recommandations d ordre specifique",
        "recommandation d ordre specifique",
    }
)  # fmt: skip

GRID_COLUMNS = Columns(
    exact={
        "kind": KIND_COLUMN_WORDS,
        "group": GROUP_COLUMN_WORDS,
        "recommendation": frozenset({"recommandation", "recommandations"}),
        "challenges": frozenset({"defis", "defi", "challenges", "contraintes"}),
        "perspectives": frozenset({"perspectives", "perspective"}),
    },
    prefixes={"recommendation": ("recommandation",)},
    required=("recommendation",),
)

ATTENDANCE_COLUMNS = Columns(
    exact={
        "number": frozenset({"n", "no", "num", "numero", "n d ordre", "ordre"}),
        "name": frozenset(
            {
                "nom", "noms", "nom prenoms", "nom et prenoms", "nom prenom", "nom et prenom",
                "noms et prenoms", "noms prenoms", "prenom et nom", "prenoms et nom",
                "participant", "nom complet",
            }
        ),
        "institution": frozenset(
            {"institution", "structure", "organisation", "organisme", "service", "institutions"}
        ),
        "phone": frozenset(
            {
                "numero de telephone", "telephone", "tel", "n de telephone", "contact",
                "telephone portable", "portable", "cellulaire", "numero de tel",
            }
        ),
        "email": frozenset(
            {"e mail", "email", "courriel", "mail", "adresse e mail", "adresse email"}
        ),
        "group": GROUP_COLUMN_WORDS,
    },
    required=("name",),
)  # fmt: skip

REVIEW_COLUMNS = Columns(
    exact={
        "kind": KIND_COLUMN_WORDS,
        "group": GROUP_COLUMN_WORDS,
        "status": frozenset({"statut", "status"}),
    },
    prefixes={
        "recommendation": ("recommandation",),
        "state": ("etat", "eta de mise", "eta ", "mise en oeuvre"),
    },
    required=("recommendation",),
)

#: The synthesis export of a previous meeting (``ccm export --to csv|xlsx``), carried over.
PREVIOUS_SYNTHESIS_COLUMNS = Columns(
    exact={
        "kind": KIND_COLUMN_WORDS,
        "group": GROUP_COLUMN_WORDS,
        "recommendation": frozenset({"recommandation", "recommandations"}),
        "challenges": frozenset({"defis", "defi", "challenges", "contraintes"}),
        "perspectives": frozenset({"perspectives", "perspective"}),
        "decision": frozenset({"decision"}),
    },
    required=("recommendation",),
)


def _section(table: Table, line: int, cells: Sequence[str], mapping: dict[str, int]) -> str:
    """The section a row names, or ``""``: from a Section column, a Groupe column, or both.

    Alone, either column names the section (``Protection``, ``général``). Together, as in the
    synthesis export, the Section column says general or specific and the Groupe column names
    the group; a specific row without a group is refused.
    """
    kind = cell_text(table, line, cells, mapping.get("kind"), "import.what_section")
    group = cell_text(table, line, cells, mapping.get("group"), "import.what_group")
    if "kind" not in mapping or "group" not in mapping:
        return kind or group
    if fold(kind) in GENERAL_KIND_WORDS:
        return GENERAL
    if group:
        return group
    if fold(kind) in SPECIFIC_KIND_WORDS:
        column = table.header[mapping["group"]]
        raise ImportProblem(
            table.path, line, t("import.specific_without_group", column=excerpt(column))
        )
    return kind


# -- grids ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GridImport:
    """Rows read from a grid file, with the section each names (``None``: the target)."""

    rows: tuple[tuple[str | None, tuple[str, str, str]], ...]


def read_grid(path: str | Path, data: bytes | None = None) -> GridImport:
    """Rows of a grid file: Recommandation | Défis | Perspectives, optional Section/Groupe."""
    table = read_table(path, data)
    mapping = map_columns(table, GRID_COLUMNS, t("import.grid_expected"))
    rows = []
    for line, cells in table.rows:
        texts = (
            cell_text(
                table, line, cells, mapping.get("recommendation"), "import.what_recommendation"
            ),
            cell_text(table, line, cells, mapping.get("challenges"), "import.what_challenges"),
            cell_text(table, line, cells, mapping.get("perspectives"), "import.what_perspectives"),
        )
        if any(texts):
            rows.append((_section(table, line, cells, mapping) or None, texts))
    return GridImport(tuple(rows))


def paste_rows(text: str) -> list[tuple[str, str, str]]:
    """Rows of a block pasted from Word or Excel (tab-separated; quoted multi-line cells).

    A first line that reads as the grid's header is skipped.
    """
    reader = csv.reader(io.StringIO(text.replace("\r\n", "\n"), newline=""), delimiter="\t")
    rows: list[tuple[str, str, str]] = []
    limit = max_rows()
    for record in reader:
        if len(rows) >= limit and any(c.strip() for c in record):
            # A ValidationError: the grid shows it like any refused write, text kept.
            raise ValidationError(t("paste.too_many_rows", limit=format_count(limit)))
        cells = [clean_text(c) for c in record]
        if not any(cells):
            continue
        is_header = (
            len(cells) > 1
            and GRID_COLUMNS.match(cells[0]) == "recommendation"
            and GRID_COLUMNS.match(cells[1]) == "challenges"
        )
        if not rows and is_header:
            continue
        if len(cells) > 3:
            cells = [*cells[:2], "\n".join(c for c in cells[2:] if c)]
        cells += [""] * (3 - len(cells))
        rows.append((cells[0], cells[1], cells[2]))
    return rows


# -- a previous meeting's synthesis, carried over --------------------------------------------


def unescape_formula(text: str) -> str:
    """A cell of a ccm CSV export as it was typed: without the apostrophe the export puts
    before a text a spreadsheet would run (``'=HYPERLINK(…)``, ``'- première action``).

    Texts that began with apostrophes keep them: the export added exactly one.
    """
    if text.startswith("'") and text.lstrip("'")[:1] in FORMULA_STARTS:
        return text[1:]
    return text


def read_synthesis_export(
    path: str | Path, data: bytes | None = None
) -> tuple[tuple[int, str, tuple[str, str, str]], ...]:
    """(line, group name or "", the three texts) of a synthesis exported by ``ccm export``.

    Only this reader undoes the export's apostrophes: the other tables come from office
    tools, where a leading apostrophe is the user's own.
    """
    table = read_table(path, data)
    mapping = map_columns(
        table, PREVIOUS_SYNTHESIS_COLUMNS, t("import.previous_synthesis_expected")
    )
    rows = []
    for line, cells in table.rows:

        def cell(key: str, cells: tuple[str, ...] = cells) -> str:
            index = mapping.get(key)
            return unescape_formula(cells[index].strip()) if index is not None else ""

        texts = (cell("recommendation"), cell("challenges"), cell("perspectives"))
        if any(texts):
            rows.append((line, cell("group"), texts))
    return tuple(rows)


# -- attendance -------------------------------------------------------------------------------


@dataclass(frozen=True)
class AttendanceRow:
    """One person read from a sign-in sheet, with its line in the file."""

    line: int
    number: int
    name: str
    institution: str
    phone: str
    email: str
    group: str


@dataclass(frozen=True)
class AttendanceImport:
    """People read from a sheet, and the defects found (every row is kept)."""

    rows: tuple[AttendanceRow, ...]
    defects: tuple[str, ...]
    counts: dict[str, int]


def read_attendance(path: str | Path, data: bytes | None = None) -> AttendanceImport:
    """People of a sign-in sheet; defects are listed by N°, and nobody is dropped."""
    table = read_table(path, data)
    mapping = map_columns(table, ATTENDANCE_COLUMNS, t("import.attendance_expected"))
    rows: list[AttendanceRow] = []
    for index, (line, cells) in enumerate(table.rows, start=1):
        raw_number = cell_text(table, line, cells, mapping.get("number"), "import.what_number")
        number = int(raw_number) if raw_number.isdigit() else index
        name = cell_text(table, line, cells, mapping.get("name"), "import.what_name")
        institution = cell_text(
            table, line, cells, mapping.get("institution"), "import.what_institution"
        )
        phone = cell_text(table, line, cells, mapping.get("phone"), "import.what_phone")
        email = cell_text(table, line, cells, mapping.get("email"), "import.what_email")
        group = cell_text(table, line, cells, mapping.get("group"), "import.what_group")
        rows.append(AttendanceRow(line, number, name, institution, phone, email, group))
    found, counts = attendance_defects(
        [(n, r.number, r.name, r.institution, r.phone, r.email) for n, r in enumerate(rows)]
    )
    defects = [d for n in range(len(rows)) for d in found.get(n, [])]
    return AttendanceImport(tuple(rows), tuple(defects), counts)


# -- review of the previous recommendations ---------------------------------------------------


@dataclass(frozen=True)
class ReviewImport:
    """Review rows read from a file, each with the section name as written there.

    Each row is (line, section, recommendation, state, status); a status the table writes
    in words that name a :class:`ReviewStatus` is that status, other words stay as written.
    """

    rows: tuple[tuple[int, str, str, str, ReviewStatus | str], ...]


def read_review(path: str | Path, data: bytes | None = None) -> ReviewImport:
    """Rows of a review table, in either layout.

    With a Section or Groupe column (or both, as the synthesis export has them), each row
    names its section (see :func:`_section`). Laid out the Word way, a row
    with only its first cell filled (``Groupe thématique : Protection``) opens a section,
    and rows before any such heading belong to the general section.
    """
    table = read_table(path, data)
    mapping = map_columns(table, REVIEW_COLUMNS, t("import.review_expected"))
    section = GENERAL
    rows: list[tuple[int, str, str, str, ReviewStatus | str]] = []
    rec_index = mapping["recommendation"]
    for line, cells in table.rows:
        recommendation = strip_bullet_markup(
            cell_text(table, line, cells, rec_index, "import.what_recommendation")
        )
        state = strip_bullet_markup(
            cell_text(table, line, cells, mapping.get("state"), "import.what_state")
        )
        words = cell_text(table, line, cells, mapping.get("status"), "import.what_status")
        status = ReviewStatus.parse(words) or words
        others = [c for i, c in enumerate(cells) if i != rec_index and c.strip()]
        if "kind" in mapping or "group" in mapping:
            if recommendation:
                named = _section(table, line, cells, mapping)
                rows.append((line, named or GENERAL, recommendation, state, status))
            continue
        if recommendation and not others and is_section_heading(recommendation):
            # "Recommandations d'ordre spécifique" opens no section of its own.
            section = section_from_heading(recommendation) or section
            continue
        if recommendation or state:
            rows.append((line, section, recommendation, state, status))
    return ReviewImport(tuple(rows))


#: A Word report's section headings, in :func:`fold` form: how each starts.
SECTION_HEADING_WORDS = ("recommandations d ordre", "recommandation d ordre")
GROUP_HEADING_PATTERN = re.compile(r"^gr[o]?upe(s)? thematique(s)?\s*(.*)$")


def is_section_heading(text: str) -> bool:
    """True for ``Recommandations d'ordre général``, ``Groupe thématique : X`` and the like."""
    key = fold(text)
    return key.startswith(SECTION_HEADING_WORDS) or bool(GROUP_HEADING_PATTERN.match(key))


def section_from_heading(text: str) -> str:
    """The section a heading opens: ``general``, the group name written there, or ``""``.

    ``""`` marks the "ordre spécifique" heading, which opens no section of its own.
    """
    key = fold(text)
    match = GROUP_HEADING_PATTERN.match(key)
    if match:
        # the name as written, for messages; matching later ignores case and accents anyway
        return text.split(":", 1)[1].strip() if ":" in text else match.group(3).strip()
    if "general" in key:
        return GENERAL
    return ""


def resolve_sections(
    names: Iterable[tuple[int, str]], resolve: Callable[[str], str], path: str | Path
) -> dict[str, str]:
    """Section keys for the names a file uses, refusing the first unknown one with its line."""
    resolved: dict[str, str] = {}
    for line, name in names:
        if name in resolved:
            continue
        try:
            resolved[name] = resolve(name)
        except ValidationError as error:
            raise ImportProblem(path, line, str(error)) from error
    return resolved
