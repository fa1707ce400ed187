"""The report as a Word document, since secretariats finish their reports in Word.

Same content and order as the HTML/PDF report (see :mod:`ccm_widgets.report.notebook`),
with real Word tables: the header row repeats on each page, heading rows span the table,
rows do not split. User text goes in as text runs, so nothing in it is interpreted.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from docx.enum.text import WD_ALIGN_PARAGRAPH

from ccm_widgets.domain.model import GRID_COLUMNS
from ccm_widgets.i18n import t
from ccm_widgets.report.notebook import (
    ReportData,
    TableRow,
    french_date,
    introduction_text,
    review_table_rows,
    synthesis_table_rows,
)

HEADING_FILL = "C9D3E3"
SUBHEADING_FILL = "EEF1F5"
HEADER_FILL = "DDE4EE"


def _shade(cell: Any, fill: str) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), fill)
    cell._tc.get_or_add_tcPr().append(shading)


def _row_flags(row: Any, *, header: bool = False) -> None:
    from docx.oxml import OxmlElement

    properties = row._tr.get_or_add_trPr()
    no_split = OxmlElement("w:cantSplit")
    properties.append(no_split)
    if header:
        repeat = OxmlElement("w:tblHeader")
        properties.append(repeat)


def _table(document: Any, headers: Sequence[str], rows: Sequence[TableRow]) -> None:
    table = document.add_table(rows=1, cols=len(headers))
    table.style = "Table Grid"
    head = table.rows[0]
    _row_flags(head, header=True)
    for cell, text in zip(head.cells, headers, strict=True):
        cell.text = ""
        cell.paragraphs[0].add_run(text).bold = True
        _shade(cell, HEADER_FILL)
    for row in rows:
        added = table.add_row()
        _row_flags(added)
        if len(row) == 2 and row[0] in {"heading", "heading-1"}:
            merged = added.cells[0].merge(added.cells[-1])
            merged.text = ""
            run = merged.paragraphs[0].add_run(row[1])
            run.bold = True
            merged.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
            _shade(merged, HEADING_FILL if row[0] == "heading-1" else SUBHEADING_FILL)
            continue
        for cell, text in zip(added.cells, row, strict=True):
            cell.text = text


def to_docx(data: ReportData, *, part: str = "report", mask_contacts: bool = False) -> bytes:
    """The report (or ``part="synthesis"``: the header and the synthesis) as DOCX bytes."""
    from docx import Document
    from docx.enum.section import WD_ORIENT
    from docx.shared import Mm, Pt

    m = data.meeting
    document = Document()
    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.orientation = WD_ORIENT.PORTRAIT
    for side in ("left_margin", "right_margin"):
        setattr(section, side, Mm(18))
    document.styles["Normal"].font.size = Pt(10.5)
    document.core_properties.title = m.title

    for line in m.organisation:
        paragraph = document.add_paragraph()
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        paragraph.add_run(line).bold = True
    document.add_heading(m.title, level=0)
    document.add_paragraph(
        f"{m.venue}, {french_date(m.date)}"
    ).alignment = WD_ALIGN_PARAGRAPH.CENTER

    if part == "report":
        document.add_heading(t("report.intro"), level=1)
        document.add_paragraph(introduction_text(m))
        if m.objectives:
            document.add_heading(t("report.objectives"), level=1)
            for objective in m.objectives:
                document.add_paragraph(objective, style="List Number")
        if data.agenda:
            document.add_heading(t("report.agenda"), level=1)
            _table(
                document,
                (t("report.col_item"), t("report.col_presenter"), t("report.col_time")),
                [(a.item, a.presenter, a.time) for a in data.agenda],
            )
        if data.review:
            document.add_heading(t("report.review"), level=1)
            _table(
                document,
                (t("report.col_recommendation"), t("report.col_state")),
                review_table_rows(data.review, data.groups),
            )
        if data.communications:
            document.add_heading(t("report.communications"), level=1)
            for number, c in enumerate(data.communications, start=1):
                by = ", ".join(x for x in (c.presenter, c.function) if x)
                document.add_heading(f"{number}. {c.title}" + (f" — {by}" if by else ""), level=2)
                document.add_paragraph(c.summary)
        if data.debates:
            document.add_heading(t("report.debates"), level=1)
            for point in data.debates:
                document.add_paragraph(point.text, style="List Bullet")
        if data.groups:
            document.add_heading(t("report.groups"), level=1)
            for g in sorted(data.groups, key=lambda g: g.number):
                line = t("report.group_line", number=g.number, name=g.name)
                if g.moderator:
                    line += t("report.group_moderator", moderator=g.moderator)
                if g.institution:  # as the HTML report shows it
                    line += f" ({g.institution})"
                document.add_paragraph(line, style="List Bullet")

    document.add_heading(t("report.synthesis"), level=1)
    document.add_paragraph(t("synthesis.table_title")).alignment = WD_ALIGN_PARAGRAPH.CENTER
    _table(document, GRID_COLUMNS, synthesis_table_rows(data.synthesis))

    if part == "report":
        if m.closing:
            document.add_heading(t("report.closing"), level=1)
            document.add_paragraph(m.closing)
        if data.participants:
            document.add_page_break()
            document.add_heading(t("report.annex"), level=1)
            hidden = t("report.masked")
            _table(
                document,
                (t("attendance.col_number"), t("attendance.col_name"),
                 t("attendance.col_institution"), t("attendance.col_phone"),
                 t("attendance.col_email")),
                [
                    (str(p.number), p.name, p.institution,
                     hidden if mask_contacts and p.phone else p.phone,
                     hidden if mask_contacts and p.email else p.email)
                    for p in data.participants
                ],
            )  # fmt: skip
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
