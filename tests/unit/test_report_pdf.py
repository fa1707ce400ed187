"""The printed report of a reference-size meeting, read back page by page from its PDF: no
section heading left alone at the foot of a page, e-mail addresses wrapped only at "@" or
".", and the charts drawn.

One PDF for the module (Chromium prints it in about two seconds): the reference meeting
(``benchmarks/reference_meeting.py``: ~60 synthesis rows, 20 review rows, 80 participants),
with review statuses, long e-mail addresses and some decisions.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from benchmarks.reference_meeting import build
from ccm_widgets.domain.model import Participant
from ccm_widgets.files.exporting import render, report_data
from ccm_widgets.report.blocks import Chart, Document, Heading, Table
from ccm_widgets.report.document import build_document
from ccm_widgets.store import Store

pytestmark = pytest.mark.skipif(
    shutil.which("pdftotext") is None or shutil.which("pdftoppm") is None,
    reason="poppler-utils manquant",
)

LONG_EMAILS = (
    "eda.admin.ch.secretariat@exemple.admin.ch",
    "secretariat.permanent.ccm@interieur.gouv.exemple",
    "jean-baptiste.ouedraogo-kabore@organisation-internationale.exemple.org",
)
FOOTER = re.compile(r"\d+ ?/ ?\d+")


class Printed:
    """The reference report's document, its PDF, and the PDF's text page by page."""

    def __init__(self, folder: Path) -> None:
        with Store(folder / "reference.sqlite") as store:
            build(store)
            store.items.add_participants(
                [Participant(0, 81 + i, f"PARTICIPANT {81 + i} Fictif", "Organisation fictive",
                             "+227 90 00 99 99", email) for i, email in enumerate(LONG_EMAILS)]
            )  # fmt: skip
            statuses = ["réalisée", "en cours", "non réalisée"] * 5
            for row, status in zip(store.items.review_rows(), statuses, strict=False):
                store.items.update("review_rows", row.id, {"status": status}, actor="test")
            for _, row in list(report_data(store).synthesis.rows())[:5]:
                store.plenary.decide(row.id, "adopted", actor="plénière")
            self.document: Document = build_document(report_data(store))
            self.emails = [p.email for p in store.items.participants() if p.email]
            self.pdf = folder / "rapport.pdf"
            self.pdf.write_bytes(render(store, "pdf", "report"))
        info = subprocess.run(
            ["pdfinfo", str(self.pdf)], capture_output=True, text=True, check=True
        )
        count = int(re.search(r"Pages:\s+(\d+)", info.stdout)[1])  # type: ignore[index]
        self.pages = [self.page_text(n) for n in range(1, count + 1)]

    def page_text(self, number: int) -> str:
        return subprocess.run(
            ["pdftotext", "-layout", "-f", str(number), "-l", str(number), str(self.pdf), "-"],
            capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip

    def headings(self) -> set[str]:
        """Every heading the document prints: chapter headings, table titles and header
        rows, section-heading rows, chart titles."""
        found: set[str] = set()
        for block in self.document.blocks():
            if isinstance(block, Heading):
                found.add(block.text)
            elif isinstance(block, Table):
                found |= {block.title, " ".join(c.title for c in block.columns)}
                found |= {h.text for s in block.sections for h in s.headings}
            elif isinstance(block, Chart):
                found.add(block.title)
        return {" ".join(h.split()) for h in found if h}


@pytest.fixture(scope="module")
def printed(tmp_path_factory: pytest.TempPathFactory) -> Printed:
    return Printed(tmp_path_factory.mktemp("pdf"))


def last_line(page: str) -> str:
    lines = [" ".join(line.split()) for line in page.splitlines()]
    lines = [line for line in lines if line and not FOOTER.fullmatch(line)]
    return lines[-1] if lines else ""


def test_no_page_ends_on_a_heading(printed: Printed) -> None:
    headings = printed.headings()
    assert len(printed.pages) > 10
    assert "GROUPE THÉMATIQUE : PROTECTION" in headings
    ends = [(n, last_line(page)) for n, page in enumerate(printed.pages, start=1)]
    orphans = [
        (n, line) for n, line in ends
        if line in headings or any(h.startswith(line) and len(line) > 12 for h in headings)
    ]  # fmt: skip
    assert orphans == [], orphans


def email_column(page: str) -> list[str]:
    """The words printed in the attendance list's E-mail column of a page (its header
    repeats on each page of the list), line by line."""
    lines = page.splitlines()
    header = next((i for i, line in enumerate(lines) if line.rstrip().endswith("E-mail")), None)
    if header is None:
        return []
    column = lines[header].rindex("E-mail") - 1
    return [word for line in lines[header + 1 :] for word in line[column:].split()]


def test_an_email_address_wraps_only_after_at_or_before_a_dot(printed: Printed) -> None:
    words = [word for page in printed.pages for word in email_column(page)]
    assert {"p1@exemple.org", "p10@exemple.org"} <= set(words)
    whole = [e for e in printed.emails if e in words]
    assert len(whole) >= len(printed.emails) - len(LONG_EMAILS)  # the usual ones stay whole
    cut = []
    for email in printed.emails:
        if email in words:
            continue
        pieces = [w for w in words if w in email]
        assert "".join(pieces) == email, (email, pieces)  # split, never lost
        for piece in pieces[:-1]:
            end = email.index(piece) + len(piece)
            if not (email[end - 1] == "@" or email[end] == "."):
                cut.append((email, piece))
    assert cut == [], cut


def dark_blue_pixels(ppm: bytes) -> int:
    """Pixels of the attendance chart's bar colour (#2c5d8f, give or take) in a P6 image."""
    header = re.match(rb"P6\s+(\d+)\s+(\d+)\s+(\d+)\s", ppm)
    assert header is not None
    pixels = ppm[header.end() :]
    return sum(
        1
        for i in range(0, len(pixels) - 2, 3)
        if abs(pixels[i] - 0x2C) < 24 and abs(pixels[i + 1] - 0x5D) < 24
        and abs(pixels[i + 2] - 0x8F) < 24
    )  # fmt: skip


def test_charts_are_drawn_in_the_pdf(printed: Printed, tmp_path: Path) -> None:
    chart_pages = [
        n for n, page in enumerate(printed.pages, start=1)
        if "Participants par institution" in page or "Statuts de mise en œuvre par section" in page
    ]  # fmt: skip
    assert len(chart_pages) == 2
    for number in chart_pages:
        subprocess.run(
            ["pdftoppm", "-r", "30", "-f", str(number), "-l", str(number),
             str(printed.pdf), str(tmp_path / f"p{number}")],
            check=True,
        )  # fmt: skip
        image = next(tmp_path.glob(f"p{number}*.ppm")).read_bytes()
        assert dark_blue_pixels(image) > 50, f"page {number} : aucune barre dessinée"
