"""The report is one document drawn twice: the HTML and the DOCX show the same texts in the
same order, and the document says what the official report says, where it says it."""

from __future__ import annotations

import csv
import dataclasses
import io
from html.parser import HTMLParser
from pathlib import Path

import pytest

from ccm_widgets.cli import main
from ccm_widgets.domain.model import GENERAL, ReviewRow
from ccm_widgets.files.exporting import (
    escape_formula,
    export_meeting,
    render,
    report_data,
)
from ccm_widgets.report.blocks import BulletList, Chart, Document, Heading, Paragraph, Table
from ccm_widgets.report.document import build_document
from ccm_widgets.store import Store

BLOCK_TAGS = {"p", "li", "td", "th", "tr", "h1", "h2", "h3", "h4", "figcaption", "table"}
#: Cuts a rendered text into the units a document text must sit in whole (a cell, a line).
UNIT = "\x00"


def document_texts(document: Document) -> list[str]:
    """Every text of the document a reader sees, in reading order."""
    texts: list[str] = []
    for block in document.blocks():
        match block:
            case Heading(text=text) | Paragraph(text=text):
                texts.append(text)
            case BulletList(items=items):
                texts += items
            case Table():
                texts += [block.title, *(c.title for c in block.columns)]
                for section in block.sections:
                    texts += [h.text for h in section.headings] + [section.note]
                    texts += [cell for row in section.rows for cell in row]
            case Chart():
                texts.append(block.title)
                texts += [text for bar in block.bars for text in (bar.label, bar.caption)]
                texts += [label for label, _ in block.legend]
    return [text for text in texts if text]


class Units(HTMLParser):
    """The visible text of a page's ``<main>``, a :data:`UNIT` at every block boundary."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.inside = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.inside = self.inside or tag == "main"
        if tag in BLOCK_TAGS:
            self.parts.append(UNIT)

    def handle_endtag(self, tag: str) -> None:
        if tag in BLOCK_TAGS:
            self.parts.append(UNIT)

    def handle_data(self, data: str) -> None:
        if self.inside:
            self.parts.append(data)


def html_units(page: str) -> str:
    parser = Units()
    parser.feed(page)
    return "".join(parser.parts)


def docx_units(data: bytes) -> str:
    """A Word document's paragraphs and table cells in body order, a :data:`UNIT` between."""
    import docx
    from docx.table import Table as WordTable
    from docx.text.paragraph import Paragraph as WordParagraph

    word = docx.Document(io.BytesIO(data))
    parts: list[str] = []
    for element in word.element.body.iterchildren():
        if element.tag.endswith("}p"):
            parts.append(WordParagraph(element, word).text)
        elif element.tag.endswith("}tbl"):
            for row in WordTable(element, word).rows:
                parts += [cell.text for cell in row.cells]
    return UNIT + UNIT.join(parts) + UNIT


def missing_in_order(texts: list[str], rendered: str) -> list[str]:
    """The texts not found, each inside one unit, after the one before."""
    missing, at = [], 0
    for text in texts:
        found = rendered.find(text, at)
        if found < 0 or UNIT in rendered[found : found + len(text)]:
            missing.append(text)
        else:
            at = found + len(text)
    return missing


@pytest.fixture
def decided_store(demo_store: Store) -> Store:
    """The demo meeting with review statuses and the plenary's decisions under way."""
    for row, status in zip(demo_store.items.review_rows(), ("réalisée", "en cours"), strict=False):
        demo_store.items.update("review_rows", row.id, {"status": status}, actor="test")
    rows = [row for _, row in report_data(demo_store).synthesis.rows()]
    demo_store.plenary.decide(rows[0].id, "adopted", actor="plénière")
    demo_store.plenary.decide(rows[1].id, "amended", actor="plénière")
    demo_store.plenary.decide(rows[2].id, "withdrawn", actor="plénière")
    return demo_store


@pytest.mark.parametrize("part", ["report", "synthesis", "decisions"])
def test_html_and_docx_show_every_text_of_the_document_in_its_order(
    decided_store: Store, part: str
) -> None:
    document = build_document(report_data(decided_store), part=part)  # type: ignore[arg-type]
    texts = document_texts(document)
    assert len(texts) > (60 if part == "report" else 10)
    assert missing_in_order(texts, html_units(render(decided_store, "html", part).decode())) == []
    assert missing_in_order(texts, docx_units(render(decided_store, "docx", part))) == []


def test_the_order_check_sees_a_swap(decided_store: Store) -> None:
    texts = document_texts(build_document(report_data(decided_store)))
    page = html_units(render(decided_store, "html", "report").decode())
    general, specific = "RECOMMANDATIONS D'ORDRE GÉNÉRAL", "RECOMMANDATIONS D'ORDRE SPÉCIFIQUE"
    swapped = [specific if t == general else general if t == specific else t for t in texts]
    assert missing_in_order(swapped, page) != []


def review_headings(page_units: str) -> list[str]:
    return [u for u in page_units.split(UNIT) if u.startswith(("Recommandations d'", "GROUPE"))]


def test_review_table_follows_the_imported_order_not_the_group_numbers(
    demo_store: Store,
) -> None:
    for row in demo_store.items.review_rows():
        demo_store.items.delete("review_rows", row.id, actor="test")
    # imported: Protection (group 4) first, then general, then Économie alternative (group 1)
    demo_store.items.add_review_rows(
        [ReviewRow(0, "protection", 0, "P-un"), ReviewRow(0, "protection", 0, "P-deux"),
         ReviewRow(0, GENERAL, 0, "G-un"), ReviewRow(0, "economie-alternative", 0, "E-un"),
         ReviewRow(0, "protection", 0, "P-trois")]
    )  # fmt: skip
    document = build_document(report_data(demo_store))
    review = next(b for b in document.blocks() if isinstance(b, Table) and b.kind == "review")
    assert [h.text for s in review.sections for h in s.headings] == [
        "GROUPE THÉMATIQUE : Protection",
        "Recommandations d'ordre général",
        "GROUPE THÉMATIQUE : Économie alternative",
    ]
    assert [row[0] for row in review.rows()] == ["P-un", "P-deux", "P-trois", "G-un", "E-un"]
    chart = next(b for b in document.blocks() if isinstance(b, Chart) and "section" in b.title)
    assert [bar.label for bar in chart.bars] == ["Protection", "Général", "Économie alternative"]
    # a row moved up in its section moves up in the report
    moved = next(r for r in demo_store.items.review_rows() if r.recommendation == "P-trois")
    demo_store.items.move("review_rows", moved.id, -2, actor="test")
    page = html_units(render(demo_store, "html", "report").decode())
    assert missing_in_order(["P-trois", "P-un", "P-deux", "G-un", "E-un"], page) == []


@pytest.mark.parametrize(
    ("missing", "left_out"),
    [
        ({"chair": ""}, ["présidence", "—"]),
        ({"start": ""}, ["à partir de", "—"]),
        ({"facilitator": ""}, ["facilitation"]),
        ({"chair": "", "start": " ", "facilitator": ""}, ["présidence", "à partir", "—"]),
    ],
)
def test_an_unset_chair_start_or_facilitator_leaves_no_dangling_words(
    demo_store: Store, missing: dict[str, str], left_out: list[str]
) -> None:
    meeting = dataclasses.replace(demo_store.meetings.get(), **missing)
    demo_store.meetings.update(meeting, actor="test")
    intro = next(
        b.text
        for b in build_document(report_data(demo_store)).chapters[1].blocks
        if isinstance(b, Paragraph)
    )
    assert intro.startswith("La réunion s'est tenue le 26 novembre 2026")
    assert "Salle polyvalente du Centre de formation, Niamey" in intro
    assert not [word for word in left_out if word in intro], intro
    assert not [mark for mark in (",.", " .", ",,", " ,") if mark in intro], intro
    assert intro in html_units(render(demo_store, "html", "report").decode())
    assert intro in docx_units(render(demo_store, "docx", "report"))


def test_the_full_introduction_names_chair_start_and_facilitator(demo_store: Store) -> None:
    intro = next(
        b.text
        for b in build_document(report_data(demo_store)).chapters[1].blocks
        if isinstance(b, Paragraph)
    )
    assert "à partir de 09h30" in intro
    assert "sous la présidence de M. Issoufou KANTA" in intro
    assert "La facilitation a été assurée par Mme Rakia HAMANI" in intro
    assert "Elle a réuni 9 participants," in intro


def synthesis_of(document: Document) -> Table:
    return next(b for b in document.blocks() if isinstance(b, Table) and b.kind == "synthesis")


def test_decisions_are_marked_in_the_synthesis_once_adoption_began(
    decided_store: Store,
) -> None:
    table = synthesis_of(build_document(report_data(decided_store)))
    assert [c.title for c in table.columns][-1] == "Décision"
    marks = {row[0]: row[-1] for row in table.rows()}
    values = list(marks.values())
    assert values[:2] == ["Adoptée", "Amendée"]
    assert set(values[2:]) == {"En attente"}
    withdrawn = next(
        r for r in decided_store.grid.rows() if r.decision == "withdrawn"
    ).recommendation
    assert withdrawn not in marks
    page = render(decided_store, "html", "synthesis").decode()
    assert '<td class="decision">Adoptée</td>' in page
    assert '<td class="decision">Amendée</td>' in page
    assert withdrawn not in page


def test_no_decision_column_before_the_plenary_decides(demo_store: Store) -> None:
    table = synthesis_of(build_document(report_data(demo_store)))
    assert [c.title for c in table.columns] == ["Recommandation", "Défis", "Perspectives"]


def test_decision_ledger_is_an_annex_of_the_report(decided_store: Store) -> None:
    document = build_document(report_data(decided_store))
    assert [c.name for c in document.chapters][-2:] == ["presence", "decisions"]
    texts = document_texts(document)
    assert "Annexe 1 : liste de présence" in texts
    assert "Annexe 2 : registre des décisions" in texts
    ledger = next(b for b in document.blocks() if isinstance(b, Table) and b.kind == "ledger")
    assert [row[3] for row in ledger.rows()] == ["Adoptée", "Amendée", "Retirée"]
    assert all("plénière" in row[4] for row in ledger.rows())  # who decided: the plenary
    # undoing a decision is a line of the ledger too
    first = next(r for r in decided_store.grid.rows() if r.decision == "adopted")
    decided_store.plenary.decide(first.id, "", actor="plénière")
    ledger = next(
        b
        for b in build_document(report_data(decided_store)).blocks()
        if isinstance(b, Table) and b.kind == "ledger"
    )
    assert [row[3] for row in ledger.rows()][-1] == "Décision annulée"


def test_no_ledger_annex_before_any_decision(demo_store: Store) -> None:
    assert [c.name for c in build_document(report_data(demo_store)).chapters][-1] == "presence"


def test_decision_ledger_exports_alone_as_csv_and_xlsx(
    decided_store: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import openpyxl

    row = next(r for r in decided_store.grid.rows() if r.decision == "amended")
    hostile = '=HYPERLINK("http://x";"clic")'
    decided_store.grid.update_cell(
        row.id, "recommendation", hostile, seen=row.recommendation, actor="test"
    )
    out = tmp_path / "registre.csv"
    store = str(decided_store.location)
    args = ["export", "--store", store, "--part", "decisions", "--to"]
    assert main([*args, "csv", "-o", str(out)]) == 0
    lines = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert lines[0] == ["Date et heure", "Section", "Recommandation", "Décision", "Par"]
    assert [line[3] for line in lines[1:]] == ["Adoptée", "Amendée", "Retirée"]
    assert lines[2][2] == escape_formula(hostile) == "'" + hostile
    assert main([*args, "xlsx", "-o", str(tmp_path / "registre.xlsx")]) == 0
    capsys.readouterr()
    sheet = openpyxl.load_workbook(tmp_path / "registre.xlsx").active
    values = [[c.value for c in r] for r in sheet.iter_rows()]
    assert values[0] == lines[0]
    assert values[2][2] == hostile  # a text cell, not a formula
    assert sheet["C3"].data_type == "s"
    written = export_meeting(decided_store, "csv", "decisions", directory=tmp_path / "exports")
    assert "_decisions_" in written.name
    with pytest.raises(ValueError, match="registre des décisions"):
        render(decided_store, "csv", "report")


def test_charts_are_in_the_html_as_svg_and_in_the_docx_as_coloured_bars(
    decided_store: Store,
) -> None:
    import docx

    document = build_document(report_data(decided_store))
    charts = [b for b in document.blocks() if isinstance(b, Chart)]
    assert [c.title for c in charts] == [
        "Statuts de mise en œuvre par section",
        "Participants par institution",
    ]
    institutions = {bar.label: bar.caption for bar in charts[1].bars}
    assert institutions["SP/CCM"] == "2"
    assert charts[0].bars[0].caption == "réalisée 1"

    page = render(decided_store, "html", "report").decode()
    assert page.count('<figure class="chart">') == 2
    assert page.count("<svg") >= len(charts[0].bars) + len(charts[1].bars)
    assert 'fill="#17602a"' in page  # "réalisée", as on the review panel
    assert "<img" not in page

    word = docx.Document(io.BytesIO(render(decided_store, "docx", "report")))
    bars = [
        run
        for table in word.tables
        for row in table.rows
        for run in row.cells[1].paragraphs[0].runs
        if run.text.startswith("█")
    ]
    assert len(bars) >= len(charts[0].bars) + len(charts[1].bars)
    assert {str(run.font.color.rgb) for run in bars} >= {"17602A", "2C5D8F"}
    longest = max(len(run.text) for run in bars)
    sp_ccm = next(
        row.cells[1].paragraphs[0].runs[0].text
        for table in word.tables
        for row in table.rows
        if row.cells[0].text == "SP/CCM" and row.cells[2].text == "2"
    )
    assert len(sp_ccm) == longest  # the largest institution draws the longest bar


def test_docx_heading_rows_keep_with_their_first_row_and_rows_do_not_split(
    decided_store: Store,
) -> None:
    import docx

    word = docx.Document(io.BytesIO(render(decided_store, "docx", "synthesis")))
    table = next(t for t in word.tables if t.rows[0].cells[0].text == "Recommandation")
    headings = [row for row in table.rows[1:] if row.cells[0].text.isupper()]
    assert len(headings) >= 5
    for row in headings:
        assert row.cells[0].paragraphs[0].paragraph_format.keep_with_next, row.cells[0].text
    assert all("cantSplit" in row._tr.xml for row in table.rows)
    assert "tblHeader" in table.rows[0]._tr.xml


def test_the_export_panel_offers_the_ledger_in_csv(decided_store: Store, tmp_path: Path) -> None:
    from ccm_widgets.widgets.plenary.export_panel import ExportPanel

    panel = ExportPanel(store=decided_store, directory=tmp_path / "exports")
    panel.format.value, panel.part.value = "csv", "decisions"
    written = panel.export()
    assert written is not None
    assert "_decisions_" in written.name
    assert written.read_text(encoding="utf-8").startswith("Date et heure,Section,")
    # A whole report has no CSV: not offered, and never silently swapped for the synthesis.
    assert "report" not in [value for _, value in panel.part.options]
    panel.format.value = "html"
    assert "report" in [value for _, value in panel.part.options]
    assert panel.part.value == "decisions"  # kept across the change of format
    panel.part.value = "report"
    panel.format.value = "xlsx"
    assert panel.part.value == "synthesis"  # said by the list: the report is not there
    panel.part.options = [*panel.part.options, ("Rapport", "report")]
    panel.part.value = "report"
    assert panel.export() is None
    assert "csv et xlsx" in panel.status.message
