"""The printed report of a meeting the size of a real one has no page left nearly blank, and
its group-work chapter is never cut across two pages.

A full meeting (78 participants, 20 review rows, 4 groups of several long rows, decisions
under way) is exported to PDF once; each page is drawn at 30 dpi in grey by ``pdftoppm`` and
a page is "blank" where a pixel row of its text area holds no ink.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from ccm_widgets.domain.model import AgendaItem, Group, Meeting, Participant, ReviewRow, slugify
from ccm_widgets.files.exporting import render, report_data
from ccm_widgets.report.blocks import Chapter, Document, Paragraph
from ccm_widgets.report.document import build_document
from ccm_widgets.report.pdf import to_pdf
from ccm_widgets.report.web import document_html
from ccm_widgets.store import Store

pytestmark = pytest.mark.skipif(
    shutil.which("pdftotext") is None or shutil.which("pdftoppm") is None,
    reason="poppler-utils manquant",
)

GROUPS = ("Économie alternative", "Gouvernance et coordination", "Migration irrégulière",
          "Protection")  # fmt: skip
#: Where the meeting's long texts take their words from.
VOCABULARY = (
    "renforcer la coordination des services centraux et régionaux chargés de la migration "
    "avec l'appui des partenaires techniques et financiers en veillant au respect des droits "
    "des migrants et à l'égalité de genre dans les régions frontalières du pays"
)
#: Of an A4 page drawn at 30 dpi (352 pixel rows), the rows between the stylesheet's top
#: margin (18 mm) and its bottom margin (20 mm, where the page number is): the text area.
TEXT_AREA = (21, 328)


def words(rng: random.Random, low: int, high: int) -> str:
    vocabulary = VOCABULARY.split(" ")
    return " ".join(rng.choices(vocabulary, k=rng.randint(low, high))).capitalize() + "."


def full_meeting(store: Store, *, seed: int = 2) -> None:
    """A meeting as a real day leaves it: 78 participants from 25 institutions, 20 review
    rows, 4 groups of 3 to 8 long rows, a general section, debates, a closing, decisions."""
    rng = random.Random(seed)
    store.meetings.create(
        Meeting(title="Réunion préparatoire de la 7e session du Cadre de concertation",
                date=dt.date(2026, 11, 26), venue="Salle polyvalente, Niamey",
                organisation=("RÉPUBLIQUE FICTIVE", "MINISTÈRE FICTIF", "SP/CCM"),
                start="10:15", chair="M. Président fictif", facilitator="Mme Facilitatrice",
                objectives=tuple(words(rng, 8, 20) for _ in range(3)),
                closing=words(rng, 40, 80)),
        agenda=[AgendaItem(words(rng, 4, 10), "SP/CCM", f"{9 + i}:{15 * (i % 4):02d}")
                for i in range(7)],
        groups=[Group(slugify(name), name, moderator=f"Modérateur {n}", institution="HACP")
                for n, name in enumerate(GROUPS, start=1)],
        synthesis_order=["migration-irreguliere", "protection", "economie-alternative"],
    )  # fmt: skip
    for section, count in zip(["general", *map(slugify, GROUPS)], (5, 4, 5, 3, 8), strict=True):
        store.grid.add(
            section,
            [(words(rng, 8, 30), words(rng, 8, 30), words(rng, 10, 45)) for _ in range(count)],
        )
    sections = ["general", *map(slugify, GROUPS)]
    store.items.add_review_rows(
        [ReviewRow(0, sections[i % 5], 0, words(rng, 8, 25), words(rng, 10, 50))
         for i in range(20)]
    )  # fmt: skip
    store.items.add_participants(
        [Participant(0, i + 1, f"PARTICIPANT {i + 1} Nom", f"Institution {i % 25}",
                     f"+227 90 00 {i:02d} {i:02d}", f"p{i}@exemple.org") for i in range(78)]
    )  # fmt: skip
    for _ in range(4):
        store.items.add_debate_point(words(rng, 8, 30))
    for _, row in list(report_data(store).synthesis.rows())[:3]:
        store.plenary.decide(row.id, "adopted", actor="plénière")


def page_count(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    found = re.search(r"Pages:\s+(\d+)", info.stdout)
    assert found is not None
    return int(found[1])


def page_texts(pdf: Path) -> list[str]:
    return [
        subprocess.run(
            ["pdftotext", "-layout", "-f", str(n), "-l", str(n), str(pdf), "-"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for n in range(1, page_count(pdf) + 1)
    ]


def blank_shares(pdf: Path, folder: Path) -> list[float]:
    """For each page, the share of its text area's pixel rows with no ink at all."""
    subprocess.run(["pdftoppm", "-gray", "-r", "30", str(pdf), str(folder / "p")], check=True)
    shares = []
    for image in sorted(folder.glob("p-*.pgm"), key=lambda p: int(p.stem.split("-")[-1])):
        data = image.read_bytes()
        header = re.match(rb"P5\s+(\d+)\s+(\d+)\s+\d+\s", data)
        assert header is not None
        width, pixels = int(header[1]), data[header.end() :]
        top, bottom = TEXT_AREA
        inked = sum(1 for y in range(top, bottom) if min(pixels[y * width : (y + 1) * width]) < 200)
        shares.append(1 - inked / (bottom - top))
    return shares


def test_no_page_but_the_last_is_nearly_blank(tmp_path: Path) -> None:
    with Store(tmp_path / "full.sqlite") as store:
        full_meeting(store)
        pdf = tmp_path / "rapport.pdf"
        pdf.write_bytes(render(store, "pdf", "report"))
    texts = page_texts(pdf)
    assert len(texts) >= 10
    assert "Annexe 2 : registre des décisions" in "".join(texts)
    shares = blank_shares(pdf, tmp_path)
    assert len(shares) == len(texts)
    assert min(shares) < 0.1  # the measure sees a full page as full
    nearly_blank = [(n, round(share, 2)) for n, share in enumerate(shares[:-1], start=1)
                    if share > 0.8]  # fmt: skip
    assert nearly_blank == [], [(n, texts[n - 1][:300]) for n, _ in nearly_blank]


def test_the_group_work_is_never_cut_across_two_pages(demo_store: Store, tmp_path: Path) -> None:
    """The group-work chapter printed 24 times, each after a filler one line longer than the
    one before: wherever it falls on a page, its heading, its text and each group's row stay
    on one page."""
    chapter = next(
        c for c in build_document(report_data(demo_store)).chapters if c.name == "groupes"
    )
    chapters = []
    for lines in range(24):
        filler = "\n".join(f"Ligne {n} de remplissage." for n in range(lines + 4))
        chapters += [
            Chapter(f"remplissage-{lines}", (Paragraph(filler),)),
            dataclasses.replace(chapter, name=f"groupes-{lines}"),
        ]
    document = Document("Essai", "report", tuple(chapters))
    pdf = tmp_path / "groupes.pdf"
    pdf.write_bytes(to_pdf(document_html(document)))
    texts = page_texts(pdf)
    assert sum(text.count("Travaux de groupes") for text in texts) == 24
    for number, text in enumerate(texts, start=1):
        headings = text.count("Travaux de groupes")
        for name in ("Économie", "Gouvernance", "Migration", "Protection"):  # a row each
            assert text.count(name) == headings, (number, name, text)
