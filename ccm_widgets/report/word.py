"""The report document as a Word file, since secretariats finish their reports in Word.

Each block type of :mod:`ccm_widgets.report.document` is drawn in one function here, the
same document the HTML report is drawn from. Tables are real Word tables: the header row
repeats on each page, rows do not split, section-heading rows span the table and keep with
the row after them. Charts are drawn with text: a borderless table whose bars are runs of
coloured, shaded blocks (no image library, nothing to render). User text goes in as text
runs, so nothing in it is interpreted.
"""

from __future__ import annotations

import io
from typing import Any

from ccm_widgets.report.blocks import (
    Block,
    BulletList,
    Chart,
    Column,
    Document,
    Heading,
    PageBreak,
    Paragraph,
    Table,
)

HEADING_FILL = "C9D3E3"
SUBHEADING_FILL = "EEF1F5"
HEADER_FILL = "DDE4EE"
#: Text width of an A4 page with 18 mm margins.
TEXT_WIDTH_MM = 174
#: Widths of the columns whose cells are short and all alike; text columns share the rest.
ROLE_WIDTHS_MM = {"number": 10, "count": 32, "time": 22, "phone": 32, "email": 52,
                  "decision": 22}  # fmt: skip
#: Longest chart bar, in block characters.
BAR_CHARS = 36


def _shading(fill: str) -> Any:
    """A ``w:shd`` element: a background of colour ``fill`` (``RRGGBB``)."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), fill)
    return shading


def _shade(cell: Any, fill: str) -> None:
    cell._tc.get_or_add_tcPr().append(_shading(fill))


def _row_flags(row: Any, *, header: bool = False) -> None:
    """The row never splits across pages; a header row repeats on each page."""
    from docx.oxml import OxmlElement

    properties = row._tr.get_or_add_trPr()
    properties.append(OxmlElement("w:cantSplit"))
    if header:
        properties.append(OxmlElement("w:tblHeader"))


def _keep_with_next(cell: Any) -> None:
    for paragraph in cell.paragraphs:
        paragraph.paragraph_format.keep_with_next = True


def _widths(columns: tuple[Column, ...]) -> list[float]:
    fixed = [ROLE_WIDTHS_MM.get(c.role) for c in columns]
    free = sum(1 for w in fixed if w is None)
    share = (TEXT_WIDTH_MM - sum(w for w in fixed if w is not None)) / max(free, 1)
    return [w if w is not None else share for w in fixed]


def _table(document: Any, table: Table) -> None:
    """A document table as a Word table (its title first, kept with it)."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Mm

    if table.title:
        _paragraph(document, Paragraph(table.title, "table-title"))
    grid = document.add_table(rows=1, cols=len(table.columns))
    grid.style = "Table Grid"
    grid.autofit = False
    widths = [Mm(w) for w in _widths(table.columns)]
    head = grid.rows[0]
    _row_flags(head, header=True)
    for cell, column, width in zip(head.cells, table.columns, widths, strict=True):
        cell.text = ""
        cell.paragraphs[0].add_run(column.title).bold = True
        cell.width = width
        _shade(cell, HEADER_FILL)
    for section in table.sections:
        spans = [(h.text, HEADING_FILL if h.level == 1 else SUBHEADING_FILL, True)
                 for h in section.headings]  # fmt: skip
        if section.note:
            spans.append((section.note, SUBHEADING_FILL, False))
        for text, fill, bold in spans:
            added = grid.add_row()
            _row_flags(added)
            merged = added.cells[0].merge(added.cells[-1])
            merged.text = ""
            merged.paragraphs[0].add_run(text).bold = bold
            merged.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
            _shade(merged, fill)
            _keep_with_next(merged)  # a heading row stays with the row after it
        for row in section.rows:
            added = grid.add_row()
            _row_flags(added)
            for cell, text, width in zip(added.cells, row, widths, strict=True):
                cell.text = text
                cell.width = width


def _chart(document: Any, chart: Chart) -> None:
    """Bars as runs of coloured blocks in a borderless table: label | bar | figures."""
    from docx.shared import Mm, Pt, RGBColor

    caption = document.add_paragraph()
    caption.add_run(chart.title).bold = True
    caption.paragraph_format.keep_with_next = True
    grid = document.add_table(rows=0, cols=3)
    grid.autofit = False
    widths = (Mm(55), Mm(BAR_CHARS * 2.2), Mm(TEXT_WIDTH_MM - 55 - BAR_CHARS * 2.2))
    for bar in chart.bars:
        row = grid.add_row()
        _row_flags(row)
        label, drawn, figures = row.cells
        label.text = bar.label
        figures.text = bar.caption
        paragraph = drawn.paragraphs[0]
        for segment in bar.segments:
            length = max(1, round(BAR_CHARS * segment.value / chart.top))
            run = paragraph.add_run("█" * length)
            run.font.size = Pt(8)
            run.font.color.rgb = RGBColor.from_string(segment.colour.lstrip("#").upper())
            # shaded in its own colour too: a viewer without the block glyph still draws a bar
            run._r.get_or_add_rPr().append(_shading(segment.colour.lstrip("#").upper()))
        for cell, width in zip(row.cells, widths, strict=True):
            cell.width = width
    if chart.legend:
        legend = document.add_paragraph()
        for label, colour in chart.legend:
            key = legend.add_run("█ ")
            key.font.color.rgb = RGBColor.from_string(colour.lstrip("#").upper())
            legend.add_run(f"{label}   ")


def _paragraph(document: Any, block: Paragraph) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    paragraph = document.add_paragraph()
    run = paragraph.add_run(block.text)
    if block.style in {"organisation", "place-date", "table-title"}:
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run.bold = block.style in {"organisation", "table-title"}
    run.italic = block.style in {"place-date", "note"}
    if block.style == "table-title":
        paragraph.paragraph_format.keep_with_next = True


def _block(document: Any, block: Block) -> None:
    """One block of the document, added at the end of the Word document."""
    match block:
        case Heading(level=level, text=text):
            heading = document.add_heading(text, level=min(level, 9))
            heading.paragraph_format.keep_with_next = True
        case Paragraph():
            _paragraph(document, block)
        case BulletList(items=items, numbered=numbered):
            for item in items:
                document.add_paragraph(item, style="List Number" if numbered else "List Bullet")
        case Table():
            _table(document, block)
        case Chart():
            _chart(document, block)
        case PageBreak():
            document.add_page_break()
        case _:
            raise TypeError(f"bloc inconnu : {block!r}")


def _body_content(word: Any) -> list[Any]:
    """The Word body's paragraphs and tables, in order (its section properties left out)."""
    return [e for e in word.element.body if not e.tag.endswith("}sectPr")]


def _keep_together(word: Any, start: int) -> None:
    """Everything added to the Word body from element ``start`` on is kept on one page:
    each paragraph, and each table row's paragraphs, kept with the next, but the last."""
    from docx.table import Table as WordTable
    from docx.text.paragraph import Paragraph as WordParagraph

    paragraphs = []
    for element in _body_content(word)[start:]:
        if element.tag.endswith("}p"):
            paragraphs.append(WordParagraph(element, word))
        elif element.tag.endswith("}tbl"):
            for row in WordTable(element, word).rows:
                paragraphs += [p for cell in row.cells for p in cell.paragraphs]
    for paragraph in paragraphs[:-1]:
        paragraph.paragraph_format.keep_with_next = True


def to_docx(document: Document) -> bytes:
    """The document as DOCX bytes: A4, portrait, 18 mm side margins."""
    import docx
    from docx.enum.section import WD_ORIENT
    from docx.shared import Mm, Pt

    word = docx.Document()
    section = word.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.orientation = WD_ORIENT.PORTRAIT
    for side in ("left_margin", "right_margin"):
        setattr(section, side, Mm(18))
    word.styles["Normal"].font.size = Pt(10.5)
    word.core_properties.title = document.title
    for chapter in document.chapters:
        start = len(_body_content(word))
        for block in chapter.blocks:
            _block(word, block)
        if chapter.keep_together:
            _keep_together(word, start)
    buffer = io.BytesIO()
    word.save(buffer)
    return buffer.getvalue()
