"""The report: built as a notebook, converted by our template, self-contained, text escaped."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

from ccm_widgets.files.exporting import export_meeting, render, report_data
from ccm_widgets.report.document import build_document
from ccm_widgets.report.web import build_notebook, to_html
from ccm_widgets.store import Store

HOSTILE = '<script>alert("x")</script> <ul style="color:red"> {{ 7*7 }}'


class Cells(HTMLParser):
    """Collect table rows' text and every external reference of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[str]] = []
        self.refs: list[str] = []
        self.tags: list[str] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        for name, value in attrs:
            if name in {"src", "href"} and value:
                self.refs.append(value)
        if tag == "tr":
            self.rows.append([])
        if tag in {"td", "th"}:
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in {"td", "th"} and self._cell is not None:
            self.rows[-1].append("".join(self._cell))
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def parse(page: str) -> Cells:
    parser = Cells()
    parser.feed(page)
    return parser


def test_report_notebook_hides_code_and_has_every_part(demo_store: Store) -> None:
    nb = build_notebook(build_document(report_data(demo_store), part="report"))
    names = [c.metadata["tags"][1] for c in nb.cells]
    assert names == ["entete", "introduction", "objectifs", "ordre-du-jour", "revue",
                     "communications", "debats", "groupes", "synthese", "cloture",
                     "presence"]  # fmt: skip
    assert all(c.metadata["jupyter"]["source_hidden"] for c in nb.cells)


def test_synthesis_html_rows_in_order_with_headings(demo_store: Store) -> None:
    page = render(demo_store, "html", "synthesis").decode()
    parsed = parse(page)
    texts = [r[0] for r in parsed.rows if r]
    expected = ["RECOMMANDATIONS D'ORDRE GÉNÉRAL"]
    expected += [r.recommendation for r in demo_store.grid.rows("general")]
    expected += ["RECOMMANDATIONS D'ORDRE SPÉCIFIQUE"]
    for slug in demo_store.groups.synthesis_order():
        expected.append(f"GROUPE THÉMATIQUE : {demo_store.groups.get(slug).name.upper()}")
        expected += [r.recommendation for r in demo_store.grid.rows(slug)]
    assert texts[1:] == expected  # texts[0] is the column header


def test_html_is_self_contained_and_escapes_user_text(demo_store: Store) -> None:
    row = demo_store.grid.rows("protection")[0]
    demo_store.grid.update_cell(
        row.id, "recommendation", HOSTILE, seen=row.recommendation, actor="t"
    )
    page = render(demo_store, "html", "report").decode()
    parsed = parse(page)
    assert "script" not in parsed.tags
    assert "ul" in parsed.tags  # the debates list, ours
    assert not [r for r in parsed.refs if re.match(r"(https?:)?//", r)]
    assert not re.search(r"https?://", page.split("<style>")[0] + page.split("</style>")[1])
    assert HOSTILE in [c for r in parsed.rows for c in r]
    assert "{{ 7*7 }}" in page
    assert "49" not in page.split("{{ 7*7 }}")[0][-5:]


def test_masked_contacts(demo_store: Store) -> None:
    page = to_html(build_notebook(build_document(report_data(demo_store), mask_contacts=True)))
    assert "i.kanta@exemple.org" not in page
    assert "(masqué)" in page


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils manquant")
def test_pdf_is_a4_with_accents_and_page_render(demo_store: Store, tmp_path: Path) -> None:
    path = export_meeting(demo_store, "pdf", "report", directory=tmp_path)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    assert "(A4)" in info, info
    text = subprocess.run(
        ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "RECOMMANDATIONS D'ORDRE GÉNÉRAL" in text
    assert "Économie alternative" in text
    assert "mise en œuvre" in text
    subprocess.run(
        ["pdftoppm", "-r", "40", "-png", "-f", "1", "-l", "1", str(path), str(tmp_path / "p")],
        check=True,
    )
    assert (tmp_path / "p-1.png").stat().st_size > 1000


def test_docx_has_real_tables_in_order_and_text_kept(demo_store: Store) -> None:
    import docx

    row = demo_store.grid.rows("protection")[0]
    demo_store.grid.update_cell(
        row.id, "recommendation", HOSTILE, seen=row.recommendation, actor="t"
    )
    document = docx.Document(io.BytesIO(render(demo_store, "docx", "report")))
    synthesis = next(
        table
        for table in document.tables
        if table.rows[0].cells[0].text == "Recommandation"
        and table.rows[0].cells[1].text == "Défis"
    )
    firsts = [r.cells[0].text for r in synthesis.rows]
    assert firsts[1] == "RECOMMANDATIONS D'ORDRE GÉNÉRAL"
    assert "GROUPE THÉMATIQUE : MIGRATION IRRÉGULIÈRE" in firsts
    assert firsts.index("GROUPE THÉMATIQUE : MIGRATION IRRÉGULIÈRE") < firsts.index(
        "GROUPE THÉMATIQUE : PROTECTION"
    )
    assert HOSTILE in firsts
    header_xml = synthesis.rows[0]._tr.xml
    assert "tblHeader" in header_xml
    assert document.sections[0].page_width.mm == pytest.approx(210, abs=1)


def test_report_notebook_is_valid_nbformat(demo_store: Store) -> None:
    import nbformat

    for part in ("report", "synthesis"):
        nbformat.validate(build_notebook(build_document(report_data(demo_store), part=part)))
