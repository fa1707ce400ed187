"""Any table a user brings, read as cells: CSV/TSV as French Excel writes them, and XLSX.

Encodings are found (UTF-8 with or without BOM, UTF-16 as Excel's "Texte Unicode" writes it,
else cp1252), separators too (``;``, ``,`` or tab); headers are matched by meaning through
:class:`Columns`. The limits on what the room's network may send (file size, rows, an XLSX
checked unpacked and counted before it is read) are kept here.
:mod:`ccm_widgets.files.importing` gives the cells their meaning (a grid, an attendance
sheet, a review table).
"""

from __future__ import annotations

import csv
import io
import logging
import os
import re
import zipfile
import zlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from xml.parsers import expat

from ccm_widgets.domain.model import (
    MAX_CELL_CHARS,
    ImportProblem,
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
#: What openpyxl costs grows with the count of texts and cells, not with the bytes: a 7.8 MB
#: workbook holding 2.2 million short texts passes the two checks above and takes 17 s and
#: 360 MB to read; a 1 KB sheet naming row 1 048 576, 4 s and 400 MB. Both counts are therefore
#: bounded per row an import may bring (:func:`max_rows`), before openpyxl reads anything. A
#: table at the row limit has a handful of columns (a grid 3 to 5, a sign-in sheet up to about
#: 10): 2 000 rows hold 20 000 cells at most, each at most one text of the workbook's shared
#: table. 100 cells a row (200 000 by default) leaves ten times that for formatted empty cells
#: and stray columns; 25 texts a row (50 000) for the texts of the other sheets, which share
#: the table. At those bounds openpyxl reads a workbook in about a second and 35 MB.
SHARED_STRINGS_PER_ROW = 25
CELLS_PER_ROW = 100
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


def max_shared_strings() -> int:
    """Texts a workbook's shared-string table may hold: :data:`SHARED_STRINGS_PER_ROW` a row."""
    return SHARED_STRINGS_PER_ROW * max_rows()


def max_sheet_cells() -> int:
    """Cells a sheet may hold or spread over: :data:`CELLS_PER_ROW` a row of the row limit."""
    return CELLS_PER_ROW * max_rows()


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

    The pieces of each part are also read as XML as they come (:class:`_PartCount`), and the
    workbook refused as soon as one part holds more shared texts than
    :func:`max_shared_strings` or more cells than :func:`max_sheet_cells`, or a sheet spreads
    over more than that many cells. Every part is counted, not only those openpyxl will read:
    which ones it reads depends on other parts, and a part that is no XML stops its own count.
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
            strings, cells = max_shared_strings(), max_sheet_cells()
            for part in parts:
                count = _PartCount(name, part.filename, strings, cells)
                with archive.open(part) as stream:
                    while chunk := stream.read(1 << 16):
                        count.feed(chunk)
    except ImportProblem:
        raise
    except (*_UNREADABLE, NotImplementedError, RuntimeError) as error:  # RuntimeError: encrypted
        raise ImportProblem(name, None, t("import.xlsx_unreadable", error=error)) from error


#: The namespace of a workbook's cells, rows and texts: openpyxl reads no other.
_SPREADSHEET = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
#: Elements of other namespaces in one part (extensions, markup compatibility): openpyxl
#: keeps those it does not know in memory (2 million of them cost 800 MB); a real part has a
#: few dozen.
MAX_FOREIGN_ELEMENTS = 20_000
#: Elements in a part that holds no cells (styles, workbook, theme): Excel itself caps a
#: workbook at 64 000 cell formats, about two elements each; 700 000 ``<xf>`` cost 12 s and
#: 1.2 GB.
MAX_OTHER_ELEMENTS = 150_000
#: Elements per cell a sheet or the text table may hold (``<c>``, ``<v>``, ``<f>``, ``<is>``,
#: ``<t>``, ``<r>``…): with :func:`max_sheet_cells`, the bound of those parts.
ELEMENTS_PER_CELL = 6
#: A cell reference's column letters, as openpyxl reads them (``AB12``: columns up to ZZZ).
_COLUMN_LETTERS = re.compile(r"([A-Za-z]{1,3})[0-9]")


class _PartCount:
    """What openpyxl would make of one part of a workbook, counted as its pieces stream by.

    Counted: the shared texts (``<si>``), the cells (``<c>``, openpyxl makes one object each,
    even of 300 000 cells all at ``A3``) and the extent openpyxl fills with empty cells: it
    hands back every row up to the last row number, each as wide as the sheet's stated
    ``<dimension>`` or its widest cell, so a 1 KB sheet naming row 1 048 576 costs hundreds of
    MB. Rows and columns are numbered the way openpyxl numbers them (a ``r`` attribute, else
    one more than the previous). The first count past its bound refuses the workbook at once,
    without reading the rest of the part.

    expat is used directly rather than ``ElementTree.iterparse``: only the start of each
    element is needed, and no tree is built, where iterparse keeps every element (even
    cleared) under its parent until the parent ends, 300 000 of them for a crowded row.
    """

    def __init__(self, name: str, part: str, strings: int, cells: int) -> None:
        self.name, self.part = name, part
        self.string_limit, self.cell_limit = strings, cells
        holds_cells = part.startswith("xl/worksheets/") or part == "xl/sharedStrings.xml"
        self.element_limit = (
            max(cells, strings) * ELEMENTS_PER_CELL if holds_cells else MAX_OTHER_ELEMENTS
        )
        self.elements = self.foreign = 0
        self.strings = self.cells = self.rows = 0
        self.row = self.column = 0  # openpyxl's counters: the current row, the current column
        self.tall = self.wide = 0  # the extent: the last row, the widest row
        self.parser: expat.XMLParserType | None = expat.ParserCreate(namespace_separator=" ")
        self.parser.StartElementHandler = self._start

    def feed(self, chunk: bytes) -> None:
        """Read the next piece of the part; refusals are raised from here."""
        if self.parser is None:
            return
        try:
            self.parser.Parse(chunk, False)
        except expat.ExpatError:
            # Not XML (an image), or damaged: openpyxl refuses what it needs of it itself.
            self.parser = None

    def _start(self, tag: str, attributes: dict[str, str]) -> None:
        namespace, _, local = tag.rpartition(" ")
        self.elements += 1
        if self.elements > self.element_limit:
            self._refuse("import.xlsx_elements", self.element_limit)
        if namespace != _SPREADSHEET:
            self.foreign += 1
            if self.foreign > MAX_FOREIGN_ELEMENTS:
                self._refuse("import.xlsx_elements", MAX_FOREIGN_ELEMENTS)
            return
        if local == "si":
            self.strings += 1
            if self.strings > self.string_limit:
                self._refuse("import.xlsx_shared_strings", self.string_limit)
        elif local == "c":
            self.cells += 1
            if self.cells > self.cell_limit:
                self._refuse("import.xlsx_cells", self.cell_limit)
            self.column = _column_number(attributes.get("r")) or self.column + 1
            self._spread(self.tall, self.column)
        elif local == "row":
            self.rows += 1
            self.row = _row_number(attributes.get("r")) or self.row + 1
            self.column = 0
            # A row number given again is not handed back, but still read: count it too.
            self._spread(max(self.row, self.rows), self.wide)
        elif local == "dimension":
            # openpyxl pads every row to the stated width and fills rows up to the stated
            # height, so the dimension counts even where the cells do not reach it.
            self._spread(*_dimension(attributes.get("ref", "")))

    def _spread(self, rows: int, columns: int) -> None:
        self.tall, self.wide = max(self.tall, rows), max(self.wide, columns)
        if self.tall * max(self.wide, 1) > self.cell_limit:
            self._refuse("import.xlsx_extent", self.cell_limit)

    def _refuse(self, key: str, limit: int) -> None:
        message = t(
            key,
            part=self.part,
            limit=format_count(limit),
            rows=format_count(self.tall),
            columns=format_count(self.wide),
        )
        raise ImportProblem(self.name, None, message)


def _column_number(reference: str | None) -> int | None:
    """``AB12`` → 28, as openpyxl reads a cell's column; ``None`` if it is no reference."""
    match = _COLUMN_LETTERS.match(reference or "")
    if match is None:
        return None
    number = 0
    for letter in match[1].upper():
        number = number * 26 + ord(letter) - ord("A") + 1
    return number


def _row_number(text: str | None) -> int | None:
    """A row's ``r``, read as openpyxl reads it (``12``, or ``12.0``); ``None`` if not one."""
    if not text:
        return None
    try:
        return int(text)
    except ValueError:
        pass
    try:
        number = float(text)
    except ValueError:
        return None
    return int(number) if number.is_integer() else None


def _dimension(ref: str) -> tuple[int, int]:
    """Rows and columns openpyxl fills for a sheet's stated dimension (``A1:E40``: 40, 5)."""
    from openpyxl.utils.cell import range_boundaries

    try:
        _, _, columns, rows = range_boundaries(ref)
    except (ValueError, TypeError):
        return 0, 0  # openpyxl refuses the workbook when it reads it
    return rows or 0, columns or 0


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
                    cell=excerpt(extra[0]),
                ),
            )
        padded = tuple(cells[:width]) + ("",) * (width - len(cells))
        rows.append((number, padded))
    return Table(name, tuple(header[:width]), header_line, tuple(rows), encoding)


def excerpt(text: str, size: int = 40) -> str:
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
                        title=excerpt(title) or t("import.untitled_column"),
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
                    first=excerpt(table.header[first]),
                    first_number=first + 1,
                    second=excerpt(title),
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
                header=" | ".join(excerpt(h, 25) for h in table.header),
                expected=expected,
            ),
        )
    return mapping


def cell_text(table: Table, line: int, cells: Sequence[str], index: int | None, what: str) -> str:
    """The text of one cell; ``what`` is the catalogue key naming it in a refusal."""
    if index is None:
        return ""
    try:
        return clean_text(cells[index], what=t(what))
    except ValidationError as error:
        raise ImportProblem(table.path, line, str(error)) from error


def strip_bullet_markup(text: str) -> str:
    """Turn ``<ul><li>`` leftovers of copied Word tables into plain lines.

    Used by the review import only: in grid cells, markup is kept as typed.
    """
    text = re.sub(r"<li\b[^>]*>", "\n• ", text, flags=re.IGNORECASE)
    text = _BULLET_MARKUP.sub("\n", text)
    return "\n".join(line.strip() for line in text.splitlines() if line.strip())
