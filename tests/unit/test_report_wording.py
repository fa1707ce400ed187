"""What the report says, as a reader reads it: real plurals (``1 participant``,
``78 participants``, never ``participant(s)``), times written the French way whatever way
they were typed, and a group-work chapter that says who moderated each group and how many
of its recommendations the synthesis holds."""

from __future__ import annotations

import dataclasses
import io
import re

import pytest

from ccm_widgets.domain.model import Participant
from ccm_widgets.files.exporting import render, report_data
from ccm_widgets.report.blocks import Document, Paragraph, Table
from ccm_widgets.report.document import build_document
from ccm_widgets.store import Store


def people(count: int) -> list[Participant]:
    return [
        Participant(0, n, f"Personne {n}", "Institution fictive", "+227 90 00 00 00", "")
        for n in range(1, count + 1)
    ]


def introduction(store: Store) -> str:
    document = build_document(report_data(store))
    chapter = next(c for c in document.chapters if c.name == "introduction")
    return next(b.text for b in chapter.blocks if isinstance(b, Paragraph))


def table(document: Document, kind: str) -> Table:
    return next(b for b in document.blocks() if isinstance(b, Table) and b.kind == kind)


# -- plurals ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("count", "french", "english"),
    [
        (1, "Elle a réuni 1 participant,", "It brought together 1 participant,"),
        (2, "Elle a réuni 2 participants,", "It brought together 2 participants,"),
        (78, "Elle a réuni 78 participants,", "It brought together 78 participants,"),
    ],
)
def test_the_attendance_sentence_agrees_with_its_number(
    meeting_store: Store,
    monkeypatch: pytest.MonkeyPatch,
    count: int,
    french: str,
    english: str,
) -> None:
    meeting_store.items.add_participants(people(count))
    assert french in introduction(meeting_store)
    monkeypatch.setenv("CCM_LANG", "en")
    assert english in introduction(meeting_store)


def test_no_sentence_of_the_report_hedges_its_plural(demo_store: Store) -> None:
    for language in ("fr", "en"):
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("CCM_LANG", language)
            page = render(demo_store, "html", "report").decode()
        assert "(s)" not in page, language


# -- times ------------------------------------------------------------------------------------


@pytest.mark.parametrize("typed", ["10:15", "10h15", "10 h 15", "10H15", " 10h15 "])
def test_the_start_time_is_printed_the_french_way_however_it_was_typed(
    meeting_store: Store, typed: str
) -> None:
    meeting = dataclasses.replace(meeting_store.meetings.get(), start=typed)
    meeting_store.meetings.update(meeting, actor="test")
    intro = introduction(meeting_store)
    assert "à partir de 10h15," in intro, intro


@pytest.mark.parametrize(
    ("typed", "printed"),
    [
        ("9:00", "09h00"),
        ("9h", "09h00"),
        ("09h30", "09h30"),
        ("14 H 05", "14h05"),
        ("10:00-10:30", "10h00-10h30"),
        ("après la pause", "après la pause"),  # not a time: as typed
        ("25:00", "25:00"),
    ],
)
def test_agenda_times_are_printed_like_the_start_time(
    meeting_store: Store, typed: str, printed: str
) -> None:
    meeting_store.items.add("agenda", {"item": "Point ajouté", "time": typed}, actor="test")
    agenda = table(build_document(report_data(meeting_store)), "agenda")
    assert [row[2] for row in agenda.rows()] == ["09h00", printed]


def test_the_demo_report_writes_every_time_alike(demo_store: Store) -> None:
    meeting = dataclasses.replace(demo_store.meetings.get(), start="9:30")
    demo_store.meetings.update(meeting, actor="test")
    page = render(demo_store, "html", "report").decode()
    assert "à partir de 09h30" in page
    assert re.findall(r"\b\d{1,2}:\d{2}\b", page) == []  # no "9:30" left anywhere


def test_english_report_writes_times_the_english_way(
    meeting_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    meeting = dataclasses.replace(meeting_store.meetings.get(), start="10h15")
    meeting_store.meetings.update(meeting, actor="test")
    monkeypatch.setenv("CCM_LANG", "en")
    assert "from 10:15," in introduction(meeting_store)


def test_the_decision_ledger_writes_its_times_the_french_way(demo_store: Store) -> None:
    row = next(r for _, r in report_data(demo_store).synthesis.rows())
    demo_store.plenary.decide(row.id, "adopted", actor="plénière")
    ledger = table(build_document(report_data(demo_store)), "ledger")
    when = next(ledger.rows())[0]
    assert re.fullmatch(r"\d{2}/\d{2}/\d{4} \d{2}h\d{2}", when), when


# -- the group work ---------------------------------------------------------------------------


def test_group_work_names_each_groups_moderator_and_its_recommendations(
    demo_store: Store,
) -> None:
    synthesis = report_data(demo_store).synthesis
    counts = {s.key: len(s.rows) for s in synthesis.sections}
    document = build_document(report_data(demo_store))
    chapter = next(c for c in document.chapters if c.name == "groupes")
    texts = [b.text for b in chapter.blocks if isinstance(b, Paragraph)]
    assert any("4 groupes thématiques" in text for text in texts), texts
    groups = next(b for b in chapter.blocks if isinstance(b, Table))
    assert [c.title for c in groups.columns] == ["N°", "Groupe", "Modération", "Recommandations"]
    assert list(groups.rows()) == [
        ("1", "Économie alternative",
         "M. Abdou GARBA (fictif), Haut-commissariat fictif à la reconversion",
         str(counts["economie-alternative"])),
        ("2", "Gouvernance et coordination", "Mme Zeinabou ALI (fictive), SP/CCM",
         str(counts["gouvernance-et-coordination"])),
        ("3", "Migration irrégulière",
         "M. Moussa IDI (fictif), Agence nationale de lutte contre la traite",
         str(counts["migration-irreguliere"])),
        ("4", "Protection", "Mme Fati SOULEY (fictive), Direction de l'état civil et des réfugiés",
         str(counts["protection"])),
    ]  # fmt: skip
    assert min(counts.values()) > 0
    page = render(demo_store, "html", "report").decode()
    assert '<div class="keep-together"><h2>Travaux de groupes</h2>' in page
    assert '<table class="groups">' in page


def test_the_word_report_keeps_the_group_work_on_one_page(demo_store: Store) -> None:
    import docx

    word = docx.Document(io.BytesIO(render(demo_store, "docx", "report")))
    table = next(t for t in word.tables if t.rows[0].cells[1].text == "Groupe")
    assert [row.cells[1].text for row in table.rows[1:]][-1] == "Protection"
    cells = [p for row in table.rows for cell in row.cells for p in cell.paragraphs]
    assert all(p.paragraph_format.keep_with_next for p in cells[:-1])
    heading = next(p for p in word.paragraphs if p.text == "Travaux de groupes")
    intro = next(p for p in word.paragraphs if "4 groupes thématiques" in p.text)
    assert heading.paragraph_format.keep_with_next
    assert intro.paragraph_format.keep_with_next


def test_a_withdrawn_recommendation_is_not_counted_for_its_group(demo_store: Store) -> None:
    def protection_count() -> str:
        groups = table(build_document(report_data(demo_store)), "groups")
        return next(row[3] for row in groups.rows() if row[1] == "Protection")

    before = int(protection_count())
    row = demo_store.grid.rows("protection")[0]
    demo_store.plenary.decide(row.id, "withdrawn", actor="plénière")
    assert protection_count() == str(before - 1)


def test_group_work_without_moderators_has_no_moderation_column(meeting_store: Store) -> None:
    for group in meeting_store.groups.all():
        meeting_store.groups.update(
            group.slug, name=group.name, moderator="", institution="", actor="test"
        )
    groups = table(build_document(report_data(meeting_store)), "groups")
    assert [c.title for c in groups.columns] == ["N°", "Groupe", "Recommandations"]
    assert next(groups.rows()) == ("1", "Économie alternative", "0")
