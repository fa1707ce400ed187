"""The facilitator's day in the pages, driven from Python (issue 16): "Nouvelle réunion" on an
empty store, a sheet that asks whether it replaces the list, a list emptied and brought back,
a deletion undone, a group deleted after a question, any merge undone from its row, adoption
from row 1 with amendments, and the words a closed breakout and a merged row leave."""

from __future__ import annotations

import datetime as dt
import html
from pathlib import Path

from ccm_widgets.domain.model import GENERAL
from ccm_widgets.files.loading import DEMO_DIR, load_demo
from ccm_widgets.pages import attendance_page, home_page, plenary_page, preparation_page
from ccm_widgets.store import Store
from ccm_widgets.widgets.common.download import DOWNLOAD_CLASS
from ccm_widgets.widgets.facilitator.new_meeting import NewMeetingPanel
from ccm_widgets.widgets.plenary.adoption import AdoptionPanel
from ccm_widgets.widgets.plenary.breakout_control import BreakoutControl
from ccm_widgets.widgets.plenary.consolidation import ConsolidationPanel, DuplicatesPanel
from ccm_widgets.widgets.plenary.export_panel import ExportPanel

SHEET = (
    "N°;Nom & Prénoms;Institution;Numéro de téléphone;E-mail\n"
    "1;KANTA Issoufou;SP/CCM;+227 90 00 00 01;i.kanta@exemple.org\n"
    "2;HAMANI Rakia;Consultante;+227 90 00 00 02;r.hamani@exemple.org\n"
)


def key(store: Store) -> dict[str, str]:
    return {"cle": store.groups.facilitator_key()}


# -- Nouvelle réunion ------------------------------------------------------------------------


def test_the_home_page_of_an_empty_store_creates_the_meeting(store: Store) -> None:
    page = home_page(store=store, params=key(store))
    panel = page.children[1]
    assert isinstance(panel, NewMeetingPanel)
    assert "Nouvelle réunion" in panel.children[0].value
    panel.create()
    assert panel.status.level == "error"  # no title: said, nothing written
    assert not store.meetings.exists()
    panel.title.value = "Réunion préparatoire de la 8e session"
    panel.venue.value = "Salle de conférence, Zinder"
    panel.date.value = "2027-11-25"
    assert panel.create() is not None
    meeting = store.meetings.get()
    assert (meeting.title, meeting.date, meeting.chair) == (
        "Réunion préparatoire de la 8e session", dt.date(2027, 11, 25), ""
    )  # fmt: skip
    home = page.children[1]  # the home now
    assert "Réunion préparatoire de la 8e session" in home.head.value
    assert "Aucun groupe pour l'instant" in html.unescape(home.links.value)
    home.stop()


def test_other_pages_of_an_empty_store_point_to_the_home_page(store: Store) -> None:
    refused = plenary_page(store=store, params=key(store))
    assert "ouvrez d'abord la page de l'animateur" in html.unescape(refused.value)
    assert "clé" in home_page(store=store, params={"cle": "fausse"}).value


def test_a_new_meeting_from_a_previous_store(store: Store, tmp_path: Path) -> None:
    previous = tmp_path / "precedente.sqlite"
    with Store(previous) as old:
        load_demo(old, DEMO_DIR)
        rows = len(old.grid.rows())
    panel = NewMeetingPanel(store=store, today=dt.date(2027, 11, 25))
    panel.start.value = "previous"
    assert panel.file_box.layout.display is None
    assert not panel.choose_file("faux.sqlite", b"pas un stockage")
    assert panel.status.level == "error"
    assert panel.choose_file("precedente.sqlite", previous.read_bytes())
    assert "4 groupe(s)" in panel.file_info.value
    assert f"{rows} recommandation(s)" in panel.file_info.value
    assert panel.venue.value  # the previous venue, to be changed if it is not the same
    panel.title.value = "Huitième session"
    assert panel.create() is not None
    assert len(store.groups.all()) == 4
    assert len(store.items.review_rows()) == rows
    assert store.meetings.get().date == dt.date(2027, 11, 25)


# -- attendance: replace or append, empty, undo ----------------------------------------------


def test_a_sheet_into_a_list_asks_first_then_replaces_it(demo_store: Store) -> None:
    panel = attendance_page(store=demo_store, params=key(demo_store)).children[1]
    former = [(p.number, p.name) for p in demo_store.items.participants()]
    assert panel.import_file("rien.csv", b"pas;un;tableau\n") == 0  # refused before asking
    assert panel.status.level == "error"
    assert panel.mode_box.layout.display == "none"
    assert panel.import_file("corrigee.csv", SHEET.encode("utf-8")) == 0
    assert panel.mode_box.layout.display is None  # the question, nothing written yet
    assert "2 personne(s) ; la liste en a déjà 9" in panel.mode_text.value
    assert len(demo_store.items.participants()) == 9
    panel.replace_button.click()
    assert [(p.number, p.name) for p in demo_store.items.participants()] == [
        (1, "KANTA Issoufou"), (2, "HAMANI Rakia")
    ]  # fmt: skip
    assert "2 participant(s) importé(s)" in panel.status.message
    assert "0 doublon(s)" in panel.summary.value
    assert panel.undo_button.layout.display is None
    panel.undo_button.click()
    assert [(p.number, p.name) for p in demo_store.items.participants()] == former
    assert panel.undo_button.layout.display == "none"


def test_the_list_is_emptied_after_a_question_and_brought_back(demo_store: Store) -> None:
    panel = attendance_page(store=demo_store, params=key(demo_store)).children[1]
    panel.clear_button.click()
    assert "Supprimer les 9 personne(s)" in panel.confirm_text.value
    assert len(demo_store.items.participants()) == 9  # asked, not done
    panel.cancel_button.click()
    panel.clear_button.click()
    panel.confirm_button.click()
    assert demo_store.items.participants() == []
    assert "0 participant(s)" in panel.summary.value
    panel.undo_button.click()
    assert len(demo_store.items.participants()) == 9


# -- a deletion undone, a deleted item restored ----------------------------------------------


def test_an_agenda_deletion_is_undone_and_older_ones_restored(demo_store: Store) -> None:
    agenda = preparation_page(store=demo_store, params=key(demo_store)).children[1].agenda
    items = [i["item"] for i in demo_store.items.rows("agenda")]
    assert agenda.undo_button.layout.display == "none"
    assert agenda.deleted_box.layout.display == "none"
    agenda.picker.value = agenda.items[1]["id"]
    agenda.delete_button.click()
    assert agenda.status.message.startswith("Supprimé : « ")  # its line: time, item, presenter
    assert items[1] in agenda.status.message
    assert agenda.undo_button.layout.display is None
    agenda.undo_button.click()
    assert [i["item"] for i in demo_store.items.rows("agenda")] == items
    assert agenda.picker.value == agenda.items[1]["id"]  # selected again, at its place
    agenda.picker.value = agenda.items[0]["id"]
    agenda.delete()
    agenda.picker.value = agenda.items[0]["id"]
    agenda.delete()
    assert agenda.deleted_box.layout.display is None
    labels = [label for label, _ in agenda.deleted_picker.options]
    assert len(labels) == 2
    assert items[1] in labels[0]  # latest first
    agenda.deleted_picker.value = agenda.deleted_picker.options[1][1]
    agenda.restore_button.click()
    assert demo_store.items.rows("agenda")[0]["item"] == items[0]


# -- a group deleted -------------------------------------------------------------------------


def test_a_group_with_rows_is_deleted_after_a_question(demo_store: Store) -> None:
    panel = preparation_page(store=demo_store, params=key(demo_store)).children[1]
    groups = panel.groups
    groups.picker.value = "protection"
    groups.delete_button.click()
    assert groups.confirm_box.layout.display is None
    assert "Protection" in groups.confirm_text.value
    assert "protection" in {g.slug for g in demo_store.groups.all()}  # asked, not done
    groups.confirm_button.click()
    assert "protection" not in {g.slug for g in demo_store.groups.all()}
    assert "Groupe « Protection » supprimé" in groups.status.message
    assert "protection" not in [slug for _, slug in panel.order.choice.options]


# -- the plenary -----------------------------------------------------------------------------


def test_consolidation_selects_nothing_until_a_row_is_picked(demo_store: Store) -> None:
    panel = ConsolidationPanel(store=demo_store)
    assert panel.picker.value is None
    assert [a.value for a in panel.areas] == ["", "", ""]
    assert "Choisissez une ligne" in panel.origin.value


def test_a_duplicates_merge_is_undone_from_its_row_after_a_reload(demo_store: Store) -> None:
    target = demo_store.grid.rows("migration-irreguliere")[2]
    copy = demo_store.grid.add("protection", [(target.recommendation + " !", "", "")])[0]
    duplicates = DuplicatesPanel(store=demo_store)
    pair = next(p for p in duplicates.pairs if {p.first.id, p.second.id} == {target.id, copy.id})
    duplicates.merge(pair)
    assert "Consolidation" in duplicates.status.message  # where to undo it
    with Store(demo_store.location) as reloaded:  # the page reloaded: a new kernel
        panel = ConsolidationPanel(store=reloaded)
        panel.picker.value = pair.first.id
        title, entry = panel.merges_box.children
        assert "Lignes fusionnées dans celle-ci" in title.value
        assert "fusionnée à" in entry.children[1].value
        entry.children[0].click()
        assert panel.status.message.startswith("Fusion annulée")
        assert pair.second.id in {r.id for r in reloaded.grid.rows()}
        assert panel.merges_box.children == ()


def test_adoption_opens_at_the_first_row_waiting_and_amends(demo_store: Store) -> None:
    panel = AdoptionPanel(store=demo_store)
    assert panel.index == 0
    first = panel.current
    assert first is not None
    demo_store.plenary.decide(first.id, "adopted", actor="plénière")
    demo_store.grid.add(GENERAL, [("Ajoutée en tête de synthèse", "", "")])
    panel.refresh()
    assert panel.current is not None
    assert panel.current.decision == ""  # the first row still waiting, not a drifted place
    row = panel.current
    panel.buttons["amended"].click()
    assert panel.amend_box.layout.display is None
    assert demo_store.grid.row(row.id).decision == ""  # nothing recorded by the click
    assert panel.amend_areas[0].value == row.recommendation
    panel.amend_areas[0].value = "Texte amendé par la plénière"
    panel.amend_save.click()
    stored = demo_store.grid.row(row.id)
    assert (stored.recommendation, stored.decision) == ("Texte amendé par la plénière", "amended")
    assert "texte modifié : Recommandation" in panel.status.message
    assert panel.amend_box.layout.display == "none"
    assert panel.current is not None
    assert panel.current.id != row.id  # on to the next row
    panel.go(-1)
    assert panel.current is not None
    assert panel.current.id == row.id  # engaged: the panel keeps the row it was taken to


def test_closing_the_breakout_is_said_once(demo_store: Store) -> None:
    control = BreakoutControl(store=demo_store, tick=False)
    control.close_button.click()  # asks first
    assert demo_store.session.breakout()[0]
    control.close_now_button.click()
    assert "Travaux de groupes clos" in control.timer.value
    assert "Travaux de groupes clos" not in control.status.message
    assert "lecture seule" in control.status.message


def test_an_export_downloads_by_itself(demo_store: Store, tmp_path: Path) -> None:
    panel = ExportPanel(store=demo_store, directory=tmp_path)
    panel.format.value = "csv"
    made = panel.export()
    assert made is not None
    assert made.parent == tmp_path
    assert f'class="{DOWNLOAD_CLASS}"' in panel.link.value
    assert "data-ccm-download=" in panel.link.value
    assert f'download="{made.name}"' in panel.link.value
