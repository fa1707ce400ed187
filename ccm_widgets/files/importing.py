"""Readers for the tables users bring: CSV/TSV as French Excel writes them, and XLSX.

Headers are matched by meaning (``Nom & Prénoms``, ``Nom et prénoms`` and ``Nom`` are one
column); encodings are found (UTF-8 with or without BOM, UTF-16 as Excel's "Texte Unicode"
writes it, else cp1252); separators are found (``;``, ``,`` or tab). A table that cannot be
understood is refused with an :class:`ImportProblem` naming the file, the line and what was
expected; nothing is written by these functions, the caller writes only once everything has
been read.
"""

from __future__ import annotations

import csv
import io
import logging
import os
import re
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ccm_widgets.domain.model import (
    GENERAL,
    MAX_CELL_CHARS,
    ImportProblem,
    ReviewStatus,
    ValidationError,
    clean_text,
    fold,
)
from ccm_widgets.i18n import t

log = logging.getLogger(__name__)

#: Largest file read, far above a real sign-in sheet or grid. ``ccm import`` reads local files
#: up to this size (a bigger table is then refused by its rows, which says more); pages take
#: at most :data:`MAX_UPLOAD_BYTES`, which their browser checks before sending anything.
MAX_FILE_BYTES = 20 * 1024 * 1024
#: Largest file a page uploads: well under the 10 MiB of one websocket message, above which
#: Tornado closes the page's connection to its kernel (the page dies without a word).
MAX_UPLOAD_BYTES = 8_000_000
#: Rows one import may bring (a file, a pasted block, a previous synthesis) unless
#: ``CCM_MAX_ROWS`` says otherwise: a grid has tens of rows, a sign-in sheet a few hundred;
#: tens of thousands make the plenary crawl and the PDF export fail.
DEFAULT_MAX_ROWS = 2_000
#: An XLSX whose parts would unpack to more than this is refused before openpyxl reads it.
MAX_XLSX_UNPACKED = 50_000_000
#: A part of an XLSX above :data:`RATIO_FROM_BYTES` compressed more than this many times is a
#: zip bomb: a real sheet (varied text) compresses 5 to 20 times.
MAX_XLSX_RATIO = 100
RATIO_FROM_BYTES = 1_000_000
#: First characters that make a spreadsheet read a CSV cell as a formula (OWASP, "CSV
#: injection"); exports put an apostrophe before them (:func:`unescape_formula` undoes it).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def max_rows() -> int:
    """The row limit of one import: ``CCM_MAX_ROWS`` if it is a positive whole number."""
    raw = os.environ.get("CCM_MAX_ROWS", "").strip()
    if not raw:
        return DEFAULT_MAX_ROWS
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if value < 1:
        log.warning("%s", t("import.max_rows_ignored", value=repr(raw), limit=DEFAULT_MAX_ROWS))
        return DEFAULT_MAX_ROWS
    return value


def format_count(number: int) -> str:
    """``2 000``: digits grouped the way the current language writes them."""
    return f"{number:,}".replace(",", t("number.thousands"))


def format_megabytes(size: float) -> str:
    """``8`` or ``10,5``: a size in MB (10⁶ bytes), as the current language writes it."""
    text = f"{size / 1e6:.1f}".removesuffix(".0")
    return text.replace(".", t("number.decimal"))


def _too_many_rows(limit: int) -> str:
    return t("import.too_many_rows", limit=format_count(limit))


@dataclass(frozen=True)
class Table:
    """Raw cells of a file: its header and its data rows with their line numbers."""

    path: str
    header: tuple[str, ...]
    header_line: int
    rows: tuple[tuple[int, tuple[str, ...]], ...]
    encoding: str


@dataclass(frozen=True)
class Columns:
    """Header synonyms of one kind of table, by field name (all in :func:`fold` form)."""

    exact: dict[str, frozenset[str]]
    prefixes: dict[str, tuple[str, ...]] = field(default_factory=dict)
    required: tuple[str, ...] = ()

    def match(self, title: str) -> str | None:
        """The field a header cell means, or ``None``."""
        key = fold(title)
        for name, words in self.exact.items():
            if key in words:
                return name
        for name, starts in self.prefixes.items():
            if key.startswith(starts):
                return name
        return None


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

_BULLET_MARKUP = re.compile(r"</?(ul|li|ol|p|br)\b[^>]*>", re.IGNORECASE)


def read_table(path: str | Path, data: bytes | None = None) -> Table:
    """Read ``path`` (or ``data``, its bytes) as a table, whatever the format.

    XLSX is recognised by its content, not its name; anything else must be delimited text.
    """
    name = str(path)
    if data is None:
        try:
            size = Path(path).stat().st_size
            if size > MAX_FILE_BYTES:
                raise ImportProblem(name, None, _too_big(size))
            data = Path(path).read_bytes()
        except FileNotFoundError as error:
            raise ImportProblem(name, None, t("import.not_found")) from error
        except IsADirectoryError as error:
            raise ImportProblem(name, None, t("import.is_directory")) from error
        except PermissionError as error:
            raise ImportProblem(name, None, t("import.permission")) from error
    if len(data) > MAX_FILE_BYTES:
        raise ImportProblem(name, None, _too_big(len(data)))
    if data.startswith(b"PK\x03\x04"):
        return _read_xlsx(name, data)
    return _read_delimited(name, data)


def _within_row_limit(
    name: str, records: Iterable[tuple[int, tuple[str, ...]]]
) -> Iterator[tuple[int, tuple[str, ...]]]:
    """``records`` as read, refused as soon as more rows than the limit have come.

    The header and blank lines do not count. Stopping at the first row too many keeps a
    94,736-row file from being read whole before it is refused.
    """
    limit = max_rows()
    filled = 0
    for number, cells in records:
        if any(c.strip() for c in cells):
            filled += 1
            if filled > limit + 1:
                raise ImportProblem(name, None, _too_many_rows(limit))
        yield number, cells


def _too_big(size: int) -> str:
    return t("import.file_too_big", size=f"{size / 1e6:.1f}", limit=f"{MAX_FILE_BYTES / 1e6:.0f}")


def _utf16_order(data: bytes) -> str | None:
    """``utf-16`` (BOM), ``utf-16-le`` or ``-be`` (no BOM, unmistakable), or ``None``.

    Excel's "Texte Unicode" is UTF-16 LE with a BOM. Without a BOM, text is taken as UTF-16
    only when the byte pattern leaves no doubt: in the first 4 KB, no zero byte on one side
    and mostly zeros on the other (Latin text, accents included, has a zero high byte).
    A binary file has zeros on both sides.
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    sample = data[:4096]
    sample = sample[: len(sample) - len(sample) % 2]
    if len(sample) < 4:
        return None
    even, odd = sample[0::2], sample[1::2]
    for zeros, other, encoding in ((odd, even, "utf-16-le"), (even, odd, "utf-16-be")):
        if other.count(0) == 0 and zeros.count(0) >= 0.7 * len(zeros):
            return encoding
    return None


def _decode(name: str, data: bytes) -> tuple[str, str]:
    utf16 = _utf16_order(data)
    if utf16 is not None:
        try:
            text = data.decode(utf16)
        except UnicodeDecodeError as error:
            raise ImportProblem(name, None, t("import.unknown_encoding")) from error
        if "\x00" in text[:2048]:
            raise ImportProblem(name, None, t("import.binary"))
        return text, utf16
    if b"\x00" in data[:4096]:
        raise ImportProblem(name, None, t("import.binary"))
    for encoding in ("utf-8-sig", "cp1252", "latin-1"):
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    raise ImportProblem(name, None, t("import.unknown_encoding"))  # pragma: no cover


def _read_delimited(name: str, data: bytes) -> Table:
    text, encoding = _decode(name, data)
    lines = text.splitlines()
    first = next((line for line in lines if line.strip()), "")
    if not first:
        raise ImportProblem(name, None, t("import.empty_file"))
    delimiter = max(("\t", ";", ","), key=first.count)
    if first.count(delimiter) == 0:
        delimiter = ";" if ";" in text else ("\t" if "\t" in text else ",")
    csv.field_size_limit(MAX_CELL_CHARS * 4 + 1)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=False)
    records: list[tuple[int, tuple[str, ...]]] = []
    start = 1

    def numbered() -> Iterator[tuple[int, tuple[str, ...]]]:
        nonlocal start
        for record in reader:
            yield start, tuple(record)
            start = reader.line_num + 1

    try:
        records.extend(_within_row_limit(name, numbered()))
    except csv.Error as error:
        message = str(error)
        if "field larger" in message:
            message = t("import.cell_too_long", limit=MAX_CELL_CHARS)
        else:
            message = t("import.malformed", error=message)
        raise ImportProblem(name, start, message) from error
    return _table(name, records, encoding)


#: What a damaged workbook raises from zipfile, zlib or the XML parser behind openpyxl.
_UNREADABLE = (zipfile.BadZipFile, zlib.error, EOFError, KeyError, ValueError, OSError, SyntaxError)


def _read_xlsx(name: str, data: bytes) -> Table:
    import openpyxl

    check_xlsx(name, data)
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except _UNREADABLE as error:
        raise ImportProblem(name, None, t("import.xlsx_unreadable", error=error)) from error
    try:
        sheet = book.worksheets[0]
        rows = (
            (number, tuple("" if v is None else _excel_text(v) for v in values))
            for number, values in enumerate(sheet.iter_rows(values_only=True), start=1)
        )
        records = list(_within_row_limit(name, rows))
    except ImportProblem:
        raise
    except (*_UNREADABLE, IndexError) as error:
        raise ImportProblem(name, None, t("import.xlsx_unreadable", error=error)) from error
    finally:
        book.close()
    return _table(name, records, "xlsx")


def check_xlsx(name: str, data: bytes) -> None:
    """Refuse a workbook that would unpack into more than openpyxl should be given.

    A zip states each part's unpacked size; a 1.5 MB "zip bomb" states hundreds of MB (or
    lies). The stated sizes and ratios are checked first, without unpacking anything; then
    every part is unpacked in small pieces and thrown away: zipfile stops a part at its
    stated size and then finds its checksum wrong, so a part that lies is refused here,
    where memory stays bounded, rather than inside openpyxl, which reads some parts whole.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            parts = archive.infolist()
            total = sum(part.file_size for part in parts)
            if total > MAX_XLSX_UNPACKED:
                raise ImportProblem(
                    name,
                    None,
                    t(
                        "import.xlsx_too_big",
                        size=format_megabytes(total),
                        limit=format_megabytes(MAX_XLSX_UNPACKED),
                    ),
                )
            for part in parts:
                ratio = part.file_size / max(part.compress_size, 1)
                if part.file_size > RATIO_FROM_BYTES and ratio > MAX_XLSX_RATIO:
                    raise ImportProblem(
                        name,
                        None,
                        t(
                            "import.xlsx_ratio",
                            part=part.filename,
                            ratio=format_count(int(ratio)),
                            limit=MAX_XLSX_RATIO,
                        ),
                    )
                # Deflate is all a workbook uses; zipfile would unpack bzip2 or LZMA in one go.
                if part.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                    raise zipfile.BadZipFile(
                        t("import.xlsx_compression", method=part.compress_type)
                    )
            for part in parts:
                with archive.open(part) as stream:
                    while stream.read(1 << 16):
                        pass
    except ImportProblem:
        raise
    except (*_UNREADABLE, NotImplementedError, RuntimeError) as error:  # RuntimeError: encrypted
        raise ImportProblem(name, None, t("import.xlsx_unreadable", error=error)) from error


def _excel_text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _table(name: str, records: Sequence[tuple[int, tuple[str, ...]]], encoding: str) -> Table:
    filled = [(n, cells) for n, cells in records if any(c.strip() for c in cells)]
    if not filled:
        raise ImportProblem(name, None, t("import.no_rows"))
    header_line, header = filled[0]
    width = len(header)
    while width and not header[width - 1].strip():
        width -= 1
    rows = []
    for number, cells in filled[1:]:
        extra = [c for c in cells[width:] if c.strip()]
        if extra:
            raise ImportProblem(
                name,
                number,
                t(
                    "import.cell_without_column",
                    cells=len(cells),
                    columns=width,
                    cell=_excerpt(extra[0]),
                ),
            )
        padded = tuple(cells[:width]) + ("",) * (width - len(cells))
        rows.append((number, padded))
    return Table(name, tuple(header[:width]), header_line, tuple(rows), encoding)


def _excerpt(text: str, size: int = 40) -> str:
    text = " ".join(text.split())
    return text if len(text) <= size else text[: size - 1] + "…"


def map_columns(table: Table, columns: Columns, expected: str) -> dict[str, int]:
    """Which column index holds which field; refuses unknown non-empty columns.

    Two columns meaning the same field are refused, naming both headers.
    """
    mapping: dict[str, int] = {}
    for index, title in enumerate(table.header):
        name = columns.match(title)
        if name is None:
            if not title.strip() and not any(cells[index].strip() for _, cells in table.rows):
                continue
            if any(cells[index].strip() for _, cells in table.rows) or title.strip():
                raise ImportProblem(
                    table.path,
                    table.header_line,
                    t(
                        "import.unknown_column",
                        title=_excerpt(title) or t("import.untitled_column"),
                        expected=expected,
                    ),
                )
            continue
        if name in mapping:
            first = mapping[name]
            raise ImportProblem(
                table.path,
                table.header_line,
                t(
                    "import.two_columns",
                    first=_excerpt(table.header[first]),
                    first_number=first + 1,
                    second=_excerpt(title),
                    second_number=index + 1,
                ),
            )
        mapping[name] = index
    missing = [r for r in columns.required if r not in mapping]
    if missing:
        raise ImportProblem(
            table.path,
            table.header_line,
            t(
                "import.unknown_header",
                header=" | ".join(_excerpt(h, 25) for h in table.header),
                expected=expected,
            ),
        )
    return mapping


def _cell(table: Table, line: int, cells: Sequence[str], index: int | None, what: str) -> str:
    """The text of one cell; ``what`` is the catalogue key naming it in a refusal."""
    if index is None:
        return ""
    try:
        return clean_text(cells[index], what=t(what))
    except ValidationError as error:
        raise ImportProblem(table.path, line, str(error)) from error


def _section(table: Table, line: int, cells: Sequence[str], mapping: dict[str, int]) -> str:
    """The section a row names, or ``""``: from a Section column, a Groupe column, or both.

    Alone, either column names the section (``Protection``, ``général``). Together, as in the
    synthesis export, the Section column says general or specific and the Groupe column names
    the group; a specific row without a group is refused.
    """
    kind = _cell(table, line, cells, mapping.get("kind"), "import.what_section")
    group = _cell(table, line, cells, mapping.get("group"), "import.what_group")
    if "kind" not in mapping or "group" not in mapping:
        return kind or group
    if fold(kind) in GENERAL_KIND_WORDS:
        return GENERAL
    if group:
        return group
    if fold(kind) in SPECIFIC_KIND_WORDS:
        column = table.header[mapping["group"]]
        raise ImportProblem(
            table.path, line, t("import.specific_without_group", column=_excerpt(column))
        )
    return kind


def strip_bullet_markup(text: str) -> str:
    """Turn ``<ul><li>`` leftovers of copied Word tables into plain lines.

    Used by the review import only: in grid cells, markup is kept as typed.
    """
    text = re.sub(r"<li\b[^>]*>", "\n• ", text, flags=re.IGNORECASE)
    text = _BULLET_MARKUP.sub("\n", text)
    return "\n".join(line.strip() for line in text.splitlines() if line.strip())


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
            _cell(table, line, cells, mapping.get("recommendation"), "import.what_recommendation"),
            _cell(table, line, cells, mapping.get("challenges"), "import.what_challenges"),
            _cell(table, line, cells, mapping.get("perspectives"), "import.what_perspectives"),
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

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


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


def check_participant(
    number: int, name: str, institution: str, phone: str, email: str
) -> list[str]:
    """Defects of one attendance line, for the user (empty when the line is complete)."""
    defects = []
    if not name:
        defects.append(t("import.attendance_no_name", number=number))
    if not phone:
        defects.append(t("import.attendance_no_phone", number=number))
    if not email:
        defects.append(t("import.attendance_no_email", number=number))
    elif "@" not in email:
        defects.append(t("import.attendance_email_without_at", number=number, email=email))
    elif not _EMAIL.match(email):
        defects.append(t("import.attendance_doubtful_email", number=number, email=email))
    return defects


def _contact(phone: str, email: str) -> tuple[str, str]:
    """Phone and e-mail as compared between two lines: digits only, case aside."""
    return re.sub(r"\D", "", phone), email.strip().casefold()


def attendance_defects(
    people: Sequence[tuple[int, int, str, str, str, str]],
) -> tuple[dict[int, list[str]], dict[str, int]]:
    """Defects of an attendance list, by key, and their counts.

    ``people`` holds ``(key, number, name, institution, phone, email)``. A line with the
    name and institution of an earlier one (accents and case aside) is flagged on the second
    one: "même personne" when its phone and e-mail match too, else "doublon possible" (two
    namesakes of one office, or one person who wrote another number).
    """
    defects: dict[int, list[str]] = {}
    counts = {"no_phone": 0, "no_email": 0, "bad_email": 0, "duplicates": 0}
    seen: dict[tuple[str, str], list[tuple[int, tuple[str, str]]]] = {}
    for key, number, name, institution, phone, email in people:
        found = check_participant(number, name, institution, phone, email)
        counts["no_phone"] += not phone
        counts["no_email"] += not email
        counts["bad_email"] += bool(email) and not _EMAIL.match(email)
        identity = (fold(name), fold(institution))
        contact = _contact(phone, email)
        earlier = seen.setdefault(identity, []) if name else []
        same = [first for first, known in earlier if known == contact]
        if same:
            found.append(t("import.attendance_same_person", number=number, first=same[0]))
        elif earlier:
            found.append(
                t("import.attendance_possible_duplicate", number=number, first=earlier[0][0])
            )
        counts["duplicates"] += bool(earlier)
        if name:
            earlier.append((number, contact))
        if found:
            defects[key] = found
    return defects, counts


def read_attendance(path: str | Path, data: bytes | None = None) -> AttendanceImport:
    """People of a sign-in sheet; defects are listed by N°, and nobody is dropped."""
    table = read_table(path, data)
    mapping = map_columns(table, ATTENDANCE_COLUMNS, t("import.attendance_expected"))
    rows: list[AttendanceRow] = []
    for index, (line, cells) in enumerate(table.rows, start=1):
        raw_number = _cell(table, line, cells, mapping.get("number"), "import.what_number")
        number = int(raw_number) if raw_number.isdigit() else index
        name = _cell(table, line, cells, mapping.get("name"), "import.what_name")
        institution = _cell(
            table, line, cells, mapping.get("institution"), "import.what_institution"
        )
        phone = _cell(table, line, cells, mapping.get("phone"), "import.what_phone")
        email = _cell(table, line, cells, mapping.get("email"), "import.what_email")
        group = _cell(table, line, cells, mapping.get("group"), "import.what_group")
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
            _cell(table, line, cells, rec_index, "import.what_recommendation")
        )
        state = strip_bullet_markup(
            _cell(table, line, cells, mapping.get("state"), "import.what_state")
        )
        words = _cell(table, line, cells, mapping.get("status"), "import.what_status")
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
