"""The facilitator's whole day in a real browser (issue 16): a meeting started from an empty
store through the pages; a corrected attendance sheet that replaces the list; a merge made in
Doublons undone after a reload (and the rapporteur told what became of their row); a row
amended in Adoption; a deleted agenda item restored; an export that downloads by itself."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from ccm_widgets.files.loading import DEMO_DIR, load_demo
from ccm_widgets.store import Store
from ccm_widgets.widgets.plenary.consolidation import row_options
from tests.browser.conftest import Server
from tests.browser.helpers import PHONE, open_group, open_page, upload

pytestmark = pytest.mark.browser

TITLE = "Réunion préparatoire de la 8e session (essai)"
VENUE = "Salle de conférence du gouvernorat, Zinder"
#: A sign-in sheet of twelve fictional people, as the secretariat types it.
PEOPLE = [
    ("ADAMOU Safiatou", "Mairie de Zinder", "+227 96 10 00 01", "s.adamou@exemple.ne"),
    ("BACHIR Moustapha", "Direction régionale de la population", "+227 96 10 00 02", ""),
    ("CHAIBOU Rahila", "ONG Solidarité fictive", "+227 96 10 00 03", "r.chaibou@exemple.ne"),
    ("DJIBO Hamidou", "Gendarmerie nationale", "+227 96 10 00 04", "h.djibo@exemple.ne"),
    ("ELHADJI Nafissa", "Conseil régional de Zinder", "", "n.elhadji@exemple.ne"),
    ("GAZIBO Amadou", "Agence fictive de l'emploi", "+227 96 10 00 06", "a.gazibo@exemple.ne"),
    ("HALIDOU Mariama", "Mairie de Zinder", "+227 96 10 00 07", "m.halidou.exemple.ne"),
    ("IBRAHIM Laouali", "Police des frontières", "+227 96 10 00 08", "l.ibrahim@exemple.ne"),
    ("JIKA Aïssa", "Croix fictive", "+227 96 10 00 09", "a.jika@exemple.ne"),
    ("KADRI Souleymane", "SP/CCM", "+227 96 10 00 10", "s.kadri@exemple.ne"),
    ("LAWALI Zara", "Direction régionale de la santé", "+227 96 10 00 11", "z.lawali@exemple.ne"),
    ("MAIGA Oumarou", "Chambre fictive de commerce", "+227 96 10 00 12", "o.maiga@exemple.ne"),
]


def sheet(people: list[tuple[str, str, str, str]]) -> bytes:
    lines = ["N°;Nom & Prénoms;Institution;Numéro de téléphone;E-mail"]
    lines += [f"{n};{';'.join(p)}" for n, p in enumerate(people, start=1)]
    return ("\r\n".join(lines) + "\r\n").encode("cp1252")


def open_tab(page: Any, title: str) -> None:
    page.locator(".lm-TabBar-tab", has_text=title).first.click()
    page.wait_for_timeout(300)


def facilitator_url(server: Server, notebook: str) -> str:
    key = server.links["animateur"].split("cle=")[1]
    return f"{server.base}/voila/render/{notebook}?cle={key}"


def test_a_meeting_is_started_from_an_empty_store_in_the_pages(
    browser: Any, empty_server: Server, artifacts: Path, tmp_path: Path
) -> None:
    log = empty_server.log_path.read_text()
    assert "ouvrez le lien « animateur »" in log
    assert "Réunion :" not in log
    assert set(empty_server.links) == {"animateur", "pleniere", "projection"}
    previous = tmp_path / "7e-session.sqlite"
    with Store(previous) as old:
        load_demo(old, DEMO_DIR)
        synthesis = len(old.grid.rows())

    page = open_page(browser, empty_server.links["animateur"], ".ccm-new-meeting")
    page.screenshot(path=str(artifacts / "nouvelle-reunion.png"), full_page=True)
    form = page.locator(".ccm-new-meeting")
    inputs = form.locator("input[type=text]")
    inputs.nth(0).fill(TITLE)
    inputs.nth(1).fill("2027-11-25")
    form.get_by_text("À partir d'une réunion précédente").click()
    upload(page, "Choisir le fichier (TOML ou .sqlite)", previous)
    form.get_by_text("4 groupe(s)").wait_for(timeout=10_000)
    assert f"{synthesis} recommandation(s) de synthèse" in form.inner_text()
    inputs.nth(2).fill(VENUE)
    page.screenshot(path=str(artifacts / "nouvelle-reunion-precedente.png"), full_page=True)
    form.get_by_role("button", name="Créer la réunion").click()
    page.locator(".ccm-home h1", has_text=TITLE).wait_for(timeout=15_000)
    page.get_by_text("Groupe 4 : Protection").first.wait_for(timeout=10_000)
    page.screenshot(path=str(artifacts / "nouvelle-reunion-creee.png"), full_page=True)

    with empty_server.store() as store:
        meeting = store.meetings.get()
        assert (meeting.title, meeting.venue, meeting.date.isoformat()) == (
            TITLE, VENUE, "2027-11-25"
        )  # fmt: skip
        assert (meeting.chair, meeting.facilitator, meeting.objectives, meeting.closing) == (
            "", "", (), ""
        )  # the demo's fictional people stay with the demo  # fmt: skip
        assert [g.name for g in store.groups.all()][-1] == "Protection"
        assert len(store.items.review_rows()) == synthesis
        protection_key = store.groups.key("protection")

    # the group's link, printed nowhere yet, opens its grid: the pages read the new keys
    group = open_group(browser, f"{empty_server.base}/ccm/groupe?cle={protection_key}", PHONE)
    assert "Protection" in group.inner_text("h1")
    review = open_page(browser, facilitator_url(empty_server, "revue.ipynb"), ".ccm-review")
    review.get_by_text("Protection ·").first.wait_for(timeout=10_000)
    review.screenshot(path=str(artifacts / "nouvelle-reunion-revue.png"), full_page=True)
    for tab in (page, group, review):
        tab.context.close()


def test_a_corrected_sheet_replaces_the_list_with_its_own_numbers(
    browser: Any, server: Server, artifacts: Path, tmp_path: Path
) -> None:
    # Narrower than a laptop's page: the plain list is shown (the grid's cells are a canvas).
    page = open_page(
        browser,
        facilitator_url(server, "presence.ipynb"),
        ".ccm-attendance table",
        device={"viewport": {"width": 1100, "height": 950}},
    )
    first = tmp_path / "presence.csv"
    first.write_bytes(sheet(PEOPLE))
    upload(page, "Importer une liste (CSV, XLSX)", first)
    page.get_by_role("button", name="Remplacer la liste").click()  # the demo's list goes
    page.get_by_text("ADAMOU Safiatou").first.wait_for(timeout=10_000)

    # the corrected sheet: a phone added, an e-mail fixed, same numbers
    corrected_people = list(PEOPLE)
    corrected_people[4] = ("ELHADJI Nafissa", "Conseil régional de Zinder", "+227 96 10 00 05",
                           "n.elhadji@exemple.ne")  # fmt: skip
    corrected_people[6] = ("HALIDOU Mariama", "Mairie de Zinder", "+227 96 10 00 07",
                           "m.halidou@exemple.ne")  # fmt: skip
    corrected = tmp_path / "presence-corrigee.csv"
    corrected.write_bytes(sheet(corrected_people))
    upload(page, "Importer une liste (CSV, XLSX)", corrected)
    question = page.locator(".ccm-attendance-mode")
    question.get_by_text("compte 12 personne(s) ; la liste en a déjà 12").wait_for(timeout=10_000)
    page.screenshot(path=str(artifacts / "presence-remplacer-ou-ajouter.png"), full_page=True)
    question.get_by_role("button", name="Remplacer la liste").click()
    status = page.locator(".ccm-attendance .ccm-status", has_text="remplacée")
    status.first.wait_for(timeout=10_000)
    assert "12 participant(s) importé(s)" in status.first.inner_text()
    page.get_by_text("+227 96 10 00 05").first.wait_for(timeout=10_000)
    summary = page.locator(".ccm-attendance", has_text="12 participant(s) :").first.inner_text()
    assert "0 doublon(s)" in summary
    numbers = page.evaluate(
        """() => [...document.querySelectorAll('.ccm-attendance-list tbody tr:not(.defect-note)')]
                 .map(tr => tr.querySelector('td').textContent)"""
    )
    assert numbers == [str(n) for n in range(1, 13)]  # the sheet's N°, not 13 to 24
    page.screenshot(path=str(artifacts / "presence-remplacee.png"), full_page=True)
    with server.store() as store:
        listed = store.items.participants()
    assert [(p.number, p.name) for p in listed] == [
        (n, p[0]) for n, p in enumerate(corrected_people, start=1)
    ]
    assert listed[6].email == "m.halidou@exemple.ne"

    # "Rétablir la liste précédente" brings the first sheet back, whole
    page.get_by_role("button", name="Rétablir la liste précédente").click()
    page.locator(".ccm-attendance .ccm-status", has_text="Liste précédente rétablie").wait_for(
        timeout=10_000
    )
    with server.store() as store:
        assert store.items.participants()[6].email == "m.halidou.exemple.ne"
        assert len(store.items.participants()) == 12
    page.context.close()


def test_a_doublons_merge_is_undone_after_a_reload(
    browser: Any, server: Server, artifacts: Path
) -> None:
    with server.store() as store:
        target = store.grid.rows("migration-irreguliere")[2]
        copy = store.grid.add(
            "protection", [(target.recommendation + " dans chaque région", "", "")], actor="test"
        )[0]
        position = len(store.grid.rows("protection"))
    group = open_group(browser, server.links["Protection"], PHONE)
    plenary = open_page(browser, server.links["pleniere"], ".ccm-board table")
    open_tab(plenary, "Doublons")
    card = (
        plenary.locator(".ccm-duplicates .widget-vbox")
        .filter(has_text="dans chaque région")
        .filter(has_text="Migration irrégulière")
        .last
    )
    card.wait_for(timeout=10_000)
    card.get_by_role("button", name="Fusionner").click()  # Protection's row into Migration's
    plenary.locator(".ccm-duplicates .ccm-status", has_text="Consolidation").wait_for(
        timeout=10_000
    )
    with server.store() as store:
        snapshot = store.plenary.snapshot()
        assert [row.id for row in snapshot.merged_into(target.id)] == [copy.id]
        kept_row = store.grid.row(target.id)
        label = next(
            text
            for text, row_id in row_options(snapshot.synthesis_with_withdrawn)
            if row_id == target.id
        )
    # the rapporteur of Protection is told what became of their row
    said = group.locator("#avis", has_text="fusionnée par la plénière")
    said.wait_for(timeout=10_000)
    text = said.inner_text()
    assert text.startswith(f"La ligne {position} (« Harmoniser la collecte")
    assert f"avec la ligne {kept_row.position} de Groupe 3 : Migration irrégulière" in text
    group.screenshot(path=str(artifacts / "groupe-ligne-fusionnee.png"), full_page=True)

    plenary.reload()  # a new kernel: nothing of the merge is left in memory
    plenary.wait_for_selector(".ccm-board table", timeout=60_000)
    open_tab(plenary, "Consolidation")
    consolidation = plenary.locator(".ccm-consolidation")
    consolidation.locator("select").first.select_option(label=label)
    merges = consolidation.locator(".ccm-merges")
    merges.get_by_text("fusionnée à").wait_for(timeout=10_000)
    merges.scroll_into_view_if_needed()  # the page scrolls inside Voilà's own container
    plenary.screenshot(path=str(artifacts / "consolidation-fusions.png"), full_page=True)
    merges.get_by_role("button", name="Annuler la fusion").click()
    consolidation.locator(".ccm-status", has_text="Fusion annulée").wait_for(timeout=10_000)
    with server.store() as store:
        assert {copy.id, target.id} <= {r.id for r in store.grid.rows()}
        assert store.grid.row(target.id).cells() == target.cells()
        assert store.grid.rows("protection")[position - 1].id == copy.id  # at its place
        assert store.history.entries("grid_row", target.id)[-1].action == "unmerge"
    for tab in (group, plenary):
        tab.context.close()


def test_adoption_starts_at_row_one_and_amends_the_text(
    browser: Any, server: Server, artifacts: Path
) -> None:
    with server.store() as store:
        decided = [r for r in store.grid.rows() if r.decision]
        for row in decided:  # a fresh adoption
            store.plenary.decide(row.id, "", actor="test")
        total = len(store.plenary.snapshot().synthesis_with_withdrawn)
    plenary = open_page(browser, server.links["pleniere"], ".ccm-board table")
    open_tab(plenary, "Adoption")
    adoption = plenary.locator(".ccm-adoption")
    adoption.get_by_text(f"1/{total} de la synthèse").wait_for(timeout=10_000)
    with server.store() as store:
        first = store.plenary.snapshot().synthesis_with_withdrawn.sections[0].rows[0]
    adoption.get_by_role("button", name="Adopter", exact=True).click()
    adoption.get_by_text(f"2/{total} de la synthèse").wait_for(timeout=10_000)
    adoption.get_by_role("button", name="Adopter amendée", exact=True).click()
    area = adoption.locator(".ccm-amend-recommendation textarea")
    area.wait_for(timeout=10_000)
    with server.store() as store:
        second = store.plenary.snapshot().synthesis_with_withdrawn.sections[0].rows[1]
        assert second.decision == ""  # the click opened the texts, decided nothing
    assert area.input_value() == second.recommendation
    amended = second.recommendation + " (amendé en plénière : avant la fin de l'année)"
    area.fill(amended)
    plenary.screenshot(path=str(artifacts / "adoption-amendement.png"), full_page=True)
    adoption.get_by_role("button", name="Enregistrer l'amendement et adopter").click()
    adoption.locator(".ccm-status", has_text="adoptée amendée").wait_for(timeout=10_000)
    adoption.get_by_text(f"3/{total} de la synthèse").wait_for(timeout=10_000)
    adoption.get_by_text("1 adoptée(s), 1 amendée(s)").wait_for(timeout=10_000)
    plenary.screenshot(path=str(artifacts / "adoption-amendee.png"), full_page=True)
    with server.store() as store:
        row = store.grid.row(second.id)
        assert (row.recommendation, row.decision) == (amended, "amended")
        assert store.grid.row(first.id).decision == "adopted"
        update, decide = store.history.entries("grid_row", second.id)[-2:]
        assert (update.action, update.after["recommendation"]) == ("update", amended)
        assert (decide.action, decide.after["decision"]) == ("decide", "amended")
    plenary.context.close()


def test_a_deleted_agenda_item_is_restored_after_a_reload(
    browser: Any, server: Server, artifacts: Path
) -> None:
    with server.store() as store:
        before = [item["item"] for item in store.items.rows("agenda")]
    page = open_page(browser, facilitator_url(server, "preparation.ipynb"), ".ccm-preparation")
    agenda = page.locator(".ccm-items-agenda")
    agenda.locator("select").first.select_option(index=2)
    agenda.get_by_role("button", name="Supprimer", exact=True).click()
    agenda.locator(".ccm-status", has_text="Supprimé").wait_for(timeout=10_000)
    with server.store() as store:
        assert [item["item"] for item in store.items.rows("agenda")] == [
            item for n, item in enumerate(before) if n != 2
        ]
    page.reload()  # "Annuler la suppression" is gone with the kernel; the history is not
    page.wait_for_selector(".ccm-preparation", timeout=60_000)
    agenda = page.locator(".ccm-items-agenda")
    deleted = agenda.locator(".ccm-items-deleted")
    deleted.wait_for(timeout=10_000)
    assert before[2] in deleted.inner_text().replace("\xa0", " ")
    deleted.scroll_into_view_if_needed()  # the page scrolls inside Voilà's own container
    page.screenshot(path=str(artifacts / "ordre-du-jour-supprime.png"), full_page=True)
    deleted.get_by_role("button", name="Restaurer").click()
    agenda.locator(".ccm-status", has_text="Restauré").wait_for(timeout=10_000)
    with server.store() as store:
        assert [item["item"] for item in store.items.rows("agenda")] == before
    page.context.close()


def test_an_export_downloads_by_itself(browser: Any, server: Server, tmp_path: Path) -> None:
    plenary = open_page(browser, server.links["pleniere"], ".ccm-board table")
    plenary.locator("select", has_text="Word (DOCX)").select_option(label="CSV")
    with plenary.expect_download(timeout=30_000) as started:
        plenary.get_by_role("button", name="Exporter").click()
    download = started.value
    assert download.suggested_filename.endswith(".csv")
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    exported = server.log_path.parent / "exports" / download.suggested_filename
    assert exported.read_bytes() == saved.read_bytes()  # what was saved is what exports/ holds
    time.sleep(0.5)
    with plenary.expect_download(timeout=10_000):  # the link saves it again
        plenary.locator("a.ccm-download").click()
    plenary.context.close()


def test_a_closed_breakout_is_said_once_and_the_groups_pages_turn_read_only(
    browser: Any, server: Server, artifacts: Path
) -> None:
    group = open_group(browser, server.links["Protection"], PHONE)
    plenary = open_page(browser, server.links["pleniere"], ".ccm-board table")
    plenary.get_by_role("button", name="Clore les travaux de groupes").click()
    plenary.get_by_role("button", name="Clore maintenant").click()  # it asks first
    plenary.get_by_text("Clôture enregistrée").wait_for(timeout=10_000)
    assert plenary.get_by_text("Travaux de groupes clos", exact=True).count() == 1
    group.locator("#lecture-seule").wait_for(state="visible", timeout=10_000)
    assert group.locator("#lignes textarea").first.evaluate("a => a.readOnly")
    group.screenshot(path=str(artifacts / "groupe-clos.png"), full_page=True)
    plenary.get_by_role("button", name="Rouvrir").click()  # the module's other tests write
    group.locator("#lecture-seule").wait_for(state="hidden", timeout=10_000)
    for tab in (group, plenary):
        tab.context.close()
