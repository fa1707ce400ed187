"""The facilitator's day, in the store and the files (issue 16): a meeting started from a
previous one, a corrected attendance sheet that replaces the list, a list emptied and brought
back, deleted items restored at their place, groups deleted, any merge undone, a row amended
at adoption, and what a rapporteur is told when a row leaves their grid."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from ccm_widgets.cli import main
from ccm_widgets.domain.model import GENERAL, ImportProblem, Meeting, ValidationError
from ccm_widgets.files.loading import (
    DEMO_DIR,
    StartFrom,
    import_attendance,
    load_demo,
    read_previous_meeting,
    start_meeting,
)
from ccm_widgets.store import ConflictError, Store
from ccm_widgets.store.plenary import Fate

CORRECTED = (
    "N°;Nom & Prénoms;Institution;Numéro de téléphone;E-mail\n"
    "1;KANTA Issoufou;SP/CCM;+227 90 00 00 01;i.kanta@exemple.org\n"
    "2;HAMANI Rakia;Consultante;+227 90 00 00 02;r.hamani@exemple.org\n"
    "4;ALI Zeinabou;SP/CCM;+227 90 00 00 04;z.ali@exemple.org\n"
)


@pytest.fixture
def demo_any(any_store: Store) -> Store:
    """The demo meeting on each backend, SQLite then PostgreSQL."""
    load_demo(any_store, DEMO_DIR)
    return any_store


def people(store: Store) -> list[tuple[int, str]]:
    return [(p.number, p.name) for p in store.items.participants()]


# -- a corrected attendance sheet ------------------------------------------------------------


def test_a_corrected_sheet_replaces_the_list_with_its_own_numbers(
    demo_store: Store, tmp_path: Path
) -> None:
    former = people(demo_store)
    sheet = tmp_path / "presence-corrigee.csv"
    sheet.write_text(CORRECTED, encoding="utf-8")
    outcome = import_attendance(demo_store, sheet, replace=True)
    assert people(demo_store) == [(1, "KANTA Issoufou"), (2, "HAMANI Rakia"), (4, "ALI Zeinabou")]
    assert outcome.summary.startswith("3 participant(s) importé(s)")
    assert f"La liste précédente ({len(former)} personne(s)) est remplacée" in outcome.summary
    assert outcome.batch is not None
    assert demo_store.items.undo_batch("participants", outcome.batch, actor="a") == (3, len(former))
    assert people(demo_store) == former
    with pytest.raises(ValidationError, match="Déjà restauré"):
        demo_store.items.undo_batch("participants", outcome.batch, actor="a")


def test_a_second_sheet_is_numbered_on_and_the_message_says_where(
    demo_store: Store, tmp_path: Path
) -> None:
    sheet = tmp_path / "page-2.csv"
    sheet.write_text(CORRECTED, encoding="utf-8")
    outcome = import_attendance(demo_store, sheet)
    assert "N° 10 à 12 ; elle compte maintenant 12 personne(s)" in outcome.summary
    assert [n for n, _ in people(demo_store)] == list(range(1, 13))


def test_ccm_import_attendance_replace(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    store_path = tmp_path / "ccm.sqlite"
    with Store(store_path) as store:
        load_demo(store, DEMO_DIR)
        assert len(store.items.participants()) == 9
    sheet = tmp_path / "corrigee.csv"
    sheet.write_text(CORRECTED, encoding="utf-8")
    code = main(["import", "attendance", "--replace", str(sheet), "--store", str(store_path)])
    out = capsys.readouterr().out
    assert code == 0
    assert "3 participant(s) importé(s)" in out
    assert "remplacée" in out
    with Store(store_path) as store:
        assert [p.number for p in store.items.participants()] == [1, 2, 4]


def test_the_list_is_emptied_at_once_and_brought_back(demo_any: Store) -> None:
    former = people(demo_any)
    batch = demo_any.items.clear("participants", actor="animateur")
    assert batch is not None
    assert people(demo_any) == []
    assert demo_any.items.clear("participants", actor="animateur") is None  # empty already
    assert demo_any.items.undo_batch("participants", batch, actor="animateur") == (0, 9)
    assert people(demo_any) == former
    batch = demo_any.items.clear("participants", actor="animateur")
    assert batch is not None
    demo_any.items.add("participants", {"name": "Arrivé après"}, actor="animateur")
    demo_any.items.undo_batch("participants", batch, actor="animateur")
    # typed after the clearing: stays, with its N° 1; the others keep theirs, but N° 1's
    # person, who goes to the end
    assert people(demo_any) == [(1, "Arrivé après"), *former[1:], (10, former[0][1])]


# -- deleted items, restored -----------------------------------------------------------------


def test_a_deleted_agenda_item_comes_back_at_its_place(demo_any: Store) -> None:
    items = demo_any.items.rows("agenda")
    second = items[1]
    entry = demo_any.items.delete("agenda", second["id"], actor="animateur")
    assert entry is not None
    assert [i["item"] for i in demo_any.items.rows("agenda")] == [
        i["item"] for i in items if i["id"] != second["id"]
    ]
    deleted = demo_any.items.deleted("agenda")
    assert [d.id for d in deleted] == [entry]
    assert deleted[0].before["item"] == second["item"]
    restored = demo_any.items.restore("agenda", entry, actor="animateur")
    assert restored == second["id"]  # its former id was free
    assert [i["item"] for i in demo_any.items.rows("agenda")] == [i["item"] for i in items]
    assert demo_any.items.deleted("agenda") == []
    with pytest.raises(ValidationError, match="Déjà restauré"):
        demo_any.items.restore("agenda", entry, actor="animateur")
    with pytest.raises(ValidationError, match="Rien à restaurer"):
        demo_any.items.restore("debate_points", entry, actor="animateur")


def test_a_restored_person_keeps_their_number_unless_someone_has_it(demo_any: Store) -> None:
    person = demo_any.items.participants()[2]
    entry = demo_any.items.delete("participants", person.id, actor="animateur")
    assert entry is not None
    assert demo_any.items.restore("participants", entry, actor="animateur")
    assert (person.number, person.name) in people(demo_any)
    again = demo_any.items.delete("participants", person.id, actor="animateur")
    assert again is not None
    added = demo_any.items.add("participants", {"name": "Nouveau"}, actor="animateur")
    with demo_any.db.write() as cur:  # someone else is given N° 3 meanwhile
        cur.execute("UPDATE participants SET number = ? WHERE id = ?", (person.number, added))
    demo_any.items.restore("participants", again, actor="animateur")
    numbers = [n for n, name in people(demo_any) if name == person.name]
    assert numbers == [10]  # N° 3 is someone else's now: the end of the list


def test_review_rows_and_debate_points_come_back_too(demo_any: Store) -> None:
    point = demo_any.items.debate_points()[0]
    entry = demo_any.items.delete("debate_points", point.id, actor="animateur")
    assert entry is not None
    demo_any.items.restore("debate_points", entry, actor="animateur")
    assert demo_any.items.debate_points()[0].text == point.text
    row = next(r for r in demo_any.items.review_rows() if r.section == "protection")
    entry = demo_any.items.delete("review_rows", row.id, actor="animateur")
    assert entry is not None
    demo_any.groups.delete("protection", with_rows=True, actor="animateur")
    demo_any.items.restore("review_rows", entry, actor="animateur")
    back = next(r for r in demo_any.items.review_rows() if r.recommendation == row.recommendation)
    assert back.section == GENERAL  # its group is gone: the general section takes it


# -- groups deleted --------------------------------------------------------------------------


def test_a_group_without_rows_is_deleted_at_once(demo_store: Store) -> None:
    demo_store.groups.add("Santé", actor="animateur")
    key = demo_store.groups.key("sante")
    removal = demo_store.groups.delete("sante", actor="animateur")
    assert removal.rows == 0
    keys = demo_store.groups.keys()
    assert "sante" not in keys
    assert key not in keys.values()


def test_a_group_with_rows_is_deleted_only_with_them(demo_any: Store) -> None:
    rows = demo_any.grid.rows("economie-alternative")
    with pytest.raises(ValidationError, match=f"{len(rows)} ligne"):
        demo_any.groups.delete("economie-alternative", actor="animateur")
    assert demo_any.groups.written_rows("economie-alternative") == len(rows)
    person = demo_any.items.participants()[0]
    demo_any.items.update("participants", person.id, {"grp": "economie-alternative"}, actor="a")
    review = [r for r in demo_any.items.review_rows() if r.section == "economie-alternative"]
    removal = demo_any.groups.delete("economie-alternative", with_rows=True, actor="animateur")
    assert (removal.rows, removal.review_rows, removal.participants) == (len(rows), len(review), 1)
    assert [g.number for g in demo_any.groups.all()] == [1, 2, 3]
    assert sorted(demo_any.groups.synthesis_order()) == sorted(
        g.slug for g in demo_any.groups.all()
    )
    assert demo_any.grid.rows("economie-alternative") == []
    assert demo_any.history.entries("grid_row", rows[0].id)[-1].action == "delete"
    assert demo_any.items.participants()[0].group == ""
    moved = {r.recommendation for r in demo_any.items.review_rows() if r.section == GENERAL}
    assert {r.recommendation for r in review} <= moved


def test_a_group_holding_other_groups_merged_rows_is_not_deleted(demo_store: Store) -> None:
    keep = demo_store.grid.rows("protection")[0]
    other = demo_store.grid.rows("migration-irreguliere")[0]
    demo_store.plenary.merge(keep.id, other.id, actor="plénière")
    with pytest.raises(ValidationError, match="annulez d'abord ces fusions"):
        demo_store.groups.delete("protection", with_rows=True, actor="animateur")


# -- any merge undone ------------------------------------------------------------------------


def test_an_older_merge_is_undone_after_a_reload(demo_any: Store) -> None:
    keep, b = demo_any.grid.rows("protection")
    c = demo_any.grid.rows("migration-irreguliere")[0]
    demo_any.plenary.merge(keep.id, b.id, actor="plénière")
    demo_any.plenary.merge(keep.id, c.id, actor="plénière")
    with Store(demo_any.location) as reloaded:  # another tab, or the page reloaded
        snapshot = reloaded.plenary.snapshot()
        assert [r.id for r in snapshot.merged_into(keep.id)] == [c.id, b.id]
        reloaded.plenary.unmerge(keep.id, c.id, actor="plénière")
        after_c = reloaded.grid.row(keep.id)
        assert after_c.recommendation == f"{keep.recommendation}\n{b.recommendation}"
        assert after_c.origin == ("protection",)
        reloaded.plenary.unmerge(keep.id, b.id, actor="plénière")
        assert reloaded.grid.row(keep.id).cells() == keep.cells()
        assert [r.id for r in reloaded.grid.rows("protection")] == [keep.id, b.id]
        assert reloaded.grid.rows("migration-irreguliere")[0].id == c.id
        assert reloaded.plenary.snapshot().merged_into(keep.id) == ()


def test_undoing_a_merge_keeps_a_text_changed_since(demo_store: Store) -> None:
    keep, other = demo_store.grid.rows("protection")
    merged = demo_store.plenary.merge(keep.id, other.id, actor="plénière")
    demo_store.grid.update_cell(
        keep.id, "challenges", "Défi revu après la fusion", seen=merged.challenges, actor="a"
    )
    restored = demo_store.plenary.unmerge(keep.id, other.id, actor="plénière")
    assert restored.recommendation == keep.recommendation
    assert restored.challenges == "Défi revu après la fusion"
    last = demo_store.history.entries("grid_row", keep.id, action="unmerge")[-1]
    assert last.after["kept"] == ["challenges"]


def test_a_rapporteur_is_told_where_their_rows_went(demo_any: Store) -> None:
    merged, moved, deleted = demo_any.grid.rows("migration-irreguliere")
    stays = demo_any.grid.add("migration-irreguliere", [("Reste là", "", "")])[0]
    target = demo_any.grid.rows("protection")[1]
    demo_any.plenary.merge(target.id, merged.id, actor="plénière")
    demo_any.grid.move_to_section(moved.id, GENERAL, actor="plénière")
    demo_any.grid.delete(deleted.id, actor="groupe:migration-irreguliere")
    fates = demo_any.plenary.fates(
        [merged.id, moved.id, deleted.id, stays.id], "migration-irreguliere"
    )
    assert fates[merged.id].fate is Fate.MERGED
    assert (fates[merged.id].row.id, fates[merged.id].row.position) == (target.id, 2)
    assert fates[merged.id].actor == "plénière"
    assert fates[moved.id].fate is Fate.MOVED
    assert fates[moved.id].row.section == GENERAL
    assert fates[deleted.id].fate is Fate.DELETED
    assert stays.id not in fates


# -- amended at adoption ---------------------------------------------------------------------


def test_amending_writes_the_texts_and_the_decision_together(demo_any: Store) -> None:
    row = demo_any.grid.rows("protection")[0]
    texts = ("Texte amendé en plénière", row.challenges, row.perspectives)
    amended = demo_any.plenary.amend(row.id, texts, seen=row.cells(), actor="plénière")
    assert (amended.recommendation, amended.decision) == (texts[0], "amended")
    update, decide = demo_any.history.entries("grid_row", row.id)[-2:]
    assert (update.action, update.before, update.after["recommendation"]) == (
        "update", {"recommendation": row.recommendation}, texts[0]
    )  # fmt: skip
    assert (decide.action, decide.after) == ("decide", {"decision": "amended"})
    other = demo_any.grid.rows("protection")[1]
    demo_any.grid.update_cell(other.id, "challenges", "Changé ailleurs", seen=other.challenges,
                                actor="groupe:protection")  # fmt: skip
    with pytest.raises(ConflictError):
        demo_any.plenary.amend(other.id, ("x", "y", "z"), seen=other.cells(), actor="plénière")
    assert demo_any.grid.row(other.id).decision == ""


# -- a meeting started from the browser ------------------------------------------------------


def new_header() -> Meeting:
    return Meeting(title="Réunion préparatoire de la 8e session", date=dt.date(2027, 11, 25),
                   venue="Salle de conférence, Zinder")  # fmt: skip


def test_a_blank_meeting_keeps_nothing_of_anyone_else(store: Store) -> None:
    outcome = start_meeting(store, new_header())
    meeting = store.meetings.get()
    assert (meeting.chair, meeting.facilitator, meeting.objectives, meeting.closing) == (
        "", "", (), ""
    )  # fmt: skip
    assert (store.groups.all(), store.meetings.agenda()) == ([], [])
    assert "0 groupe(s)" in outcome.summary


def test_a_meeting_from_a_previous_store_takes_its_groups_and_synthesis(
    store: Store, tmp_path: Path
) -> None:
    previous_path = tmp_path / "7e-session.sqlite"
    with Store(previous_path) as previous:
        load_demo(previous, DEMO_DIR)
        synthesis = len(previous.grid.rows())
        order = previous.groups.synthesis_order()
    found = read_previous_meeting("7e-session.sqlite", previous_path.read_bytes())
    assert len(found.recommendations) == synthesis
    outcome = start_meeting(store, new_header(), start=StartFrom.PREVIOUS, previous=found)
    meeting = store.meetings.get()
    assert meeting.title == "Réunion préparatoire de la 8e session"
    assert (meeting.chair, meeting.objectives) == ("", ())  # the demo's people stay behind
    assert meeting.organisation[0] == "RÉPUBLIQUE DU NIGER"
    assert store.groups.all()[0].moderator == "M. Abdou GARBA (fictif)"
    assert store.groups.synthesis_order() == order
    assert store.meetings.agenda() == []
    review = store.items.review_rows()
    assert len(review) == synthesis
    assert all(r.state == "" for r in review)
    assert {r.section for r in review} == {GENERAL, *order}
    assert f"{synthesis} recommandation(s)" in outcome.summary


def test_a_prepared_meeting_file_is_taken_whole(store: Store) -> None:
    data = (DEMO_DIR / "reunion.toml").read_bytes()
    found = read_previous_meeting("reunion.toml", data)
    start_meeting(store, new_header(), start=StartFrom.PREPARED, previous=found)
    meeting = store.meetings.get()
    assert meeting.venue == "Salle de conférence, Zinder"  # as the page said
    assert meeting.chair == found.plan.meeting.chair
    assert len(store.meetings.agenda()) == len(found.plan.agenda)


def test_a_file_that_is_no_meeting_is_refused(store: Store) -> None:
    with pytest.raises(ImportProblem, match="ni un fichier de réunion"):
        read_previous_meeting("liste.csv", b"a;b\n")
    with pytest.raises(ImportProblem, match=r"stockage \.sqlite"):
        read_previous_meeting("faux.sqlite", b"SQLite format 3\x00 mais non")
    with pytest.raises(ImportProblem, match="ligne 1"):
        read_previous_meeting("faux.toml", b"[meeting\n")
    with pytest.raises(ValidationError, match="Choisissez d'abord"):
        start_meeting(store, new_header(), start=StartFrom.PREVIOUS)
    assert not store.meetings.exists()
