"""Files out of the store: where exports go, how they are written, and the tabular exports.

Exports go to ``exports/`` named with the meeting date and the time of export; a write is
atomic (a temporary file renamed into place), never replaces an earlier export, and gives
the file the mode the user's umask asks for. The report (HTML, PDF, DOCX) is one document
(:mod:`ccm_widgets.report.document`) drawn by two renderers.

An export reads the store once, in one read transaction (:func:`report_data`): what a group
or the plenary writes meanwhile, from another tab, is wholly in it or wholly out of it.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import mimetypes
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from ccm_widgets.domain.synthesis import CSV_HEADER, Synthesis, build_synthesis, synthesis_records
from ccm_widgets.files.tables import FORMULA_STARTS
from ccm_widgets.i18n import t
from ccm_widgets.report.blocks import PARTS, Part, Table
from ccm_widgets.report.document import (
    ReportData,
    build_document,
    decision_label,
    decisions_begun,
    ledger_table,
)
from ccm_widgets.store import Store

EXPORTS_DIR = Path("exports")
FORMATS = ("csv", "xlsx", "html", "pdf", "docx", "toml")


def export_name(
    meeting_date: dt.date, part: str, fmt: str, *, at: dt.datetime | None = None
) -> str:
    """``2026-11-26_synthese_143015.html``: the meeting's date, the part, the time of export."""
    at = at or dt.datetime.now()
    label = {"synthesis": "synthese", "report": "rapport", "decisions": "decisions",
             "meeting": "reunion"}[part]  # fmt: skip
    return f"{meeting_date.isoformat()}_{label}_{at:%H%M%S}.{fmt}"


def write_new(directory: Path, name: str, data: bytes) -> Path:
    """Write ``data`` as a new file in ``directory``: never over an existing one.

    Two exports within the same second get ``-2``, ``-3``… rather than replacing each other.
    """
    directory.mkdir(parents=True, exist_ok=True)
    stem, suffix = os.path.splitext(name)
    tmp = _write_temp(directory, data)
    try:
        for attempt in range(1, 1000):
            target = directory / (name if attempt == 1 else f"{stem}-{attempt}{suffix}")
            try:
                os.link(tmp, target)  # fails if target exists: no silent overwrite
            except FileExistsError:
                continue
            return target
        raise FileExistsError(t("export.too_many_names", name=name, directory=directory))
    finally:
        tmp.unlink(missing_ok=True)


def write_atomic(path: Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` through a temporary file and a rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = _write_temp(path.parent, data)
    try:
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def current_umask() -> int:
    """The process's umask, read without changing it where the system allows.

    ``os.umask`` can only read the mask by setting it, which races with any other thread
    creating a file meanwhile (a kernel runs several); Linux shows it in ``/proc``.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _write_temp(directory: Path, data: bytes) -> Path:
    """``data`` in a new hidden file of ``directory``, flushed to disk.

    ``mkstemp`` creates the file 0600; it gets the mode any file the user creates gets
    (0644 under the usual umask 022), since an export is meant to be shared.
    """
    fd, name = tempfile.mkstemp(dir=directory, prefix=".ccm-", suffix=".part")
    try:
        os.fchmod(fd, 0o666 & ~current_umask())
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(name)
        raise
    return Path(name)


def escape_formula(text: str) -> str:
    """``text`` for a CSV cell: an apostrophe first when a spreadsheet would take it for a
    formula (``=HYPERLINK(…)``, ``=cmd|…``, or a bullet ``- première action``, which Excel
    turns into ``#NOM?``), so that opening the file runs nothing (OWASP, "CSV injection").

    Texts already starting with apostrophes before such a character get one more, so that
    :func:`ccm_widgets.files.importing.unescape_formula` gives every text back exactly.
    """
    return "'" + text if text.lstrip("'")[:1] in FORMULA_STARTS else text


def synthesis_csv(synthesis: Synthesis) -> bytes:
    """The synthesis as CSV, UTF-8 (the xlsx export is the one meant for Excel), formula-like
    cells escaped (:func:`escape_formula`)."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    writer.writerows(
        [escape_formula(cell) for cell in record] for record in synthesis_records(synthesis)
    )
    return buffer.getvalue().encode("utf-8")


def synthesis_xlsx(synthesis: Synthesis, *, title: str) -> bytes:
    """The synthesis as an Excel workbook: one sheet, header row frozen, text wrapped.

    Once the plenary has begun deciding, a last ``Décision`` column says what it decided on
    each row, as the printed synthesis does (:func:`decisions_begun`): the workbook and the
    report show the same table. Before, the synthesis is a draft, and a column of ``En
    attente`` would only say that nothing was decided yet. The column comes last, so the
    others keep their letters (and the CSV, which scripts read, keeps its header).
    """
    import openpyxl
    from openpyxl.styles import Alignment, Font

    decided = decisions_begun(synthesis)
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = t("export.sheet_synthesis")
    sheet.append([*CSV_HEADER, *([t("report.col_decision")] if decided else [])])
    for (_, row), record in zip(synthesis.rows(), synthesis_records(synthesis), strict=True):
        sheet.append([*record, *([decision_label(row.decision)] if decided else [])])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    widths = {"A": 14, "B": 28, "C": 60, "D": 50, "E": 50, "F": 14}
    for column, width in widths.items():
        sheet.column_dimensions[column].width = width
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            if isinstance(cell.value, str) and cell.value.startswith("="):
                cell.data_type = "s"  # text typed by a user, never a formula
    sheet.freeze_panes = "A2"
    book.properties.title = title
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def table_csv(table: Table) -> bytes:
    """A flat document table (the decision ledger) as CSV, UTF-8, its column titles first,
    formula-like cells escaped (:func:`escape_formula`)."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([c.title for c in table.columns])
    writer.writerows([escape_formula(cell) for cell in row] for row in table.rows())
    return buffer.getvalue().encode("utf-8")


#: Column widths (characters) of a table's columns in Excel, by what they hold.
XLSX_WIDTHS = {"number": 6, "count": 14, "time": 20, "phone": 18, "email": 30, "decision": 14,
               "text": 50}  # fmt: skip


def table_xlsx(table: Table, *, title: str, sheet: str) -> bytes:
    """A flat document table as an Excel workbook: one sheet, header row frozen, text
    wrapped, every cell text (never a formula)."""
    import openpyxl
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    book = openpyxl.Workbook()
    page = book.active
    page.title = sheet
    page.append([c.title for c in table.columns])
    for row in table.rows():
        page.append(list(row))
    for cell in page[1]:
        cell.font = Font(bold=True)
    for index, column in enumerate(table.columns, start=1):
        page.column_dimensions[get_column_letter(index)].width = XLSX_WIDTHS[column.role]
    for cells in page.iter_rows(min_row=2):
        for cell in cells:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            if isinstance(cell.value, str) and cell.value.startswith("="):
                cell.data_type = "s"  # text typed by a user, never a formula
    page.freeze_panes = "A2"
    book.properties.title = title
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def current_synthesis(store: Store) -> Synthesis:
    """The synthesis as the store holds it now (rows, groups and order read at one moment)."""
    with store.db.read_transaction():
        return build_synthesis(
            store.grid.rows(), store.groups.all(), store.groups.synthesis_order()
        )


def undecided_in(synthesis: Synthesis) -> int:
    """Rows of ``synthesis`` still without a decision, once the plenary has begun adopting.

    0 before any decision: until adoption starts, the synthesis is exported whole as a draft.
    """
    if not decisions_begun(synthesis):
        return 0
    return sum(1 for _, row in synthesis.rows() if not row.decision)


def undecided_rows(store: Store) -> int:
    """Rows of the store's synthesis still without a decision (see :func:`undecided_in`)."""
    return undecided_in(current_synthesis(store))


def report_data(store: Store) -> ReportData:
    """Everything the report shows, read from ``store`` in one read transaction.

    One moment of the meeting, as the plenary's panels read it (``store.plenary.snapshot``):
    a row a group adds, or a decision the plenary takes, from another tab while the export
    reads is either in every part of the export or in none (the synthesis, the group-work
    counts and the decision ledger always agree).
    """
    with store.db.read_transaction():
        return ReportData(
            meeting=store.meetings.get(),
            agenda=tuple(store.meetings.agenda()),
            groups=tuple(store.groups.all()),
            synthesis=current_synthesis(store),
            review=tuple(store.items.review_rows()),
            communications=tuple(store.items.communications()),
            debates=tuple(store.items.debate_points()),
            participants=tuple(store.items.participants()),
            ledger=tuple(store.plenary.ledger()),
        )


def render(
    store: Store, fmt: str, part: str = "synthesis", *, mask_contacts: bool = False
) -> bytes:
    """The bytes of an export of ``part`` in ``fmt`` (csv, xlsx, html, pdf or docx), or the
    meeting file (``toml``: header, agenda, groups and synthesis order, for ``ccm init``)."""
    return _export(store, fmt, part, mask_contacts=mask_contacts)[0]


def _export(
    store: Store, fmt: str, part: str, *, mask_contacts: bool
) -> tuple[bytes, ReportData | None]:
    """An export's bytes, and the one read of the store they were drawn from (``None`` for
    the meeting file)."""
    if fmt not in FORMATS:
        raise ValueError(t("export.unknown_format", format=fmt, expected=", ".join(FORMATS)))
    if fmt == "toml":  # the meeting file of ccm init, whatever the part
        from ccm_widgets.files.meeting_file import dump_plan, plan_of

        return dump_plan(plan_of(store)).encode("utf-8"), None
    if part not in PARTS:
        raise ValueError(t("export.unknown_part", part=part, expected=", ".join(PARTS)))
    kind: Part = part  # narrowed by the check above
    if fmt in {"csv", "xlsx"} and kind == "report":
        raise ValueError(t("export.tables_only"))
    data = report_data(store)
    return render_data(data, fmt, kind, mask_contacts=mask_contacts), data


def render_data(data: ReportData, fmt: str, part: Part, *, mask_contacts: bool = False) -> bytes:
    """The bytes of an export of ``part`` in ``fmt`` (csv, xlsx, html, pdf or docx), drawn
    from one read of the store (:func:`report_data`): the store is not read again."""
    if fmt in {"csv", "xlsx"}:
        if part == "report":
            raise ValueError(t("export.tables_only"))
        title = data.meeting.title
        if part == "decisions":
            ledger = ledger_table(data)
            if fmt == "csv":
                return table_csv(ledger)
            return table_xlsx(ledger, title=title, sheet=t("export.sheet_decisions"))
        if fmt == "csv":
            return synthesis_csv(data.synthesis)
        return synthesis_xlsx(data.synthesis, title=title)
    if fmt not in FORMATS or fmt == "toml":
        raise ValueError(t("export.unknown_format", format=fmt, expected=", ".join(FORMATS)))
    document = build_document(data, part=part, mask_contacts=mask_contacts)
    if fmt == "docx":
        from ccm_widgets.report.word import to_docx

        return to_docx(document)
    from ccm_widgets.report.web import document_html

    page = document_html(document)
    if fmt == "html":
        return page.encode("utf-8")
    from ccm_widgets.report.pdf import to_pdf

    return to_pdf(page)


def export_meeting(
    store: Store,
    fmt: str,
    part: str = "synthesis",
    *,
    output: Path | None = None,
    directory: Path = EXPORTS_DIR,
    mask_contacts: bool = False,
) -> Path:
    """Render an export and write it: to ``output`` if given, else as a new file in
    ``directory``."""
    data, read = _export(store, fmt, part, mask_contacts=mask_contacts)
    if output is not None:
        return write_atomic(output, data)
    day = read.meeting.date if read is not None else store.meetings.get().date
    name = export_name(day, "meeting" if fmt == "toml" else part, fmt)
    return write_new(directory, name, data)


def exports_directory() -> Path:
    """Where a page's exports go: ``CCM_EXPORTS`` (``ccm serve`` gives each page's kernel its
    folder), else ``exports/``."""
    return Path(os.environ.get("CCM_EXPORTS") or EXPORTS_DIR)


@dataclass(frozen=True)
class Download:
    """An export written to disk, with what a page needs to hand it to the browser."""

    path: Path
    data: bytes
    #: Rows of the synthesis still without a decision (see :func:`undecided_rows`).
    undecided: int

    @property
    def mime(self) -> str:
        """The file's media type, for the browser."""
        return mimetypes.guess_type(self.path.name)[0] or "application/octet-stream"


def export_download(
    store: Store,
    fmt: str,
    part: str = "synthesis",
    *,
    directory: Path | None = None,
    mask_contacts: bool = False,
) -> Download:
    """Write an export as a new file in ``directory`` (default :func:`exports_directory`)
    and return it with its bytes: what the plenary's export panel offers to download."""
    data, read = _export(store, fmt, part, mask_contacts=mask_contacts)
    if read is None:  # the meeting file
        day, undecided = store.meetings.get().date, undecided_rows(store)
    else:  # counted in the synthesis the file was drawn from
        day, undecided = read.meeting.date, undecided_in(read.synthesis)
    name = export_name(day, "meeting" if fmt == "toml" else part, fmt)
    path = write_new(directory or exports_directory(), name, data)
    return Download(path, data, undecided)
