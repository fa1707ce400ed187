"""A group's page in a real browser: a light page with no kernel behind it.

Phones, tablets and laptops of one group type in the same grid and see each other's text;
rows are added, deleted (and brought back), moved, restored from their history, pasted and
imported; a text typed over a text changed meanwhile shows both; the connection drops and
the typing goes on, kept on the device and sent when the server answers; what was typed and
never sent is offered back after a reload; a closed breakout makes the grid read-only and
the server refuses the writes anyway; a rapporteur reads what became of a merged row.
Screenshots go to ``tests/artifacts/groupe-*.png``.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import Server
from tests.browser.helpers import (
    LAPTOP,
    PHONE,
    TABLET,
    cell,
    open_group,
    open_page,
    overflow,
    rows_shown,
    type_cell,
    wait_cell_saved,
)

pytestmark = pytest.mark.browser


def stored(server: Server, section: str) -> list[Any]:
    with server.store() as store:
        return store.grid.rows(section)


def test_a_phone_and_a_laptop_of_a_group_type_in_the_same_grid(
    browser: Any, server: Server, artifacts: Path
) -> None:
    url = server.links["Protection"]
    phone = open_group(browser, url, PHONE)
    laptop = open_group(browser, url, LAPTOP)
    assert server.kernels() == [], "une page de groupe a démarré un noyau"
    assert "cle=" not in phone.url
    assert "cle=" not in laptop.url
    # The phone shows cards; the laptop the three-column table.
    assert phone.locator(".grid-head").is_hidden()
    assert laptop.locator(".grid-head").is_visible()

    type_cell(phone, 0, "challenges", "Défi tapé au téléphone", touch=True)
    wait_cell_saved(phone, 0, "challenges")
    started = time.monotonic()
    laptop.wait_for_function(
        "() => document.querySelector('#lignes textarea[name=challenges]').value"
        " === 'Défi tapé au téléphone'",
        timeout=5_000,
    )
    assert time.monotonic() - started < 3
    row = stored(server, "protection")[0]
    assert row.challenges == "Défi tapé au téléphone"
    assert row.updated_by == "groupe:protection"

    before = rows_shown(laptop)
    laptop.click("#ajouter")
    laptop.wait_for_function(f"() => document.querySelectorAll('#lignes > li').length > {before}")
    # The new row is shown, the cursor in its first text: typing goes there.
    laptop.keyboard.type("Une recommandation ajoutée au clavier")
    laptop.keyboard.press("Tab")
    wait_cell_saved(laptop, before, "recommendation")
    phone.wait_for_function(
        f"() => document.querySelectorAll('#lignes > li').length === {before + 1}"
        f" && document.querySelectorAll('#lignes > li')[{before}].querySelector('textarea')"
        ".value === 'Une recommandation ajoutée au clavier'",
        timeout=5_000,
    )
    phone.screenshot(path=str(artifacts / "groupe-telephone.png"), full_page=True)
    laptop.screenshot(path=str(artifacts / "groupe-ordinateur.png"), full_page=True)
    for page in (phone, laptop):
        page.context.close()


def test_the_connection_drops_the_typing_goes_on_and_is_sent_when_it_is_back(
    browser: Any, server: Server, artifacts: Path
) -> None:
    url = server.links["Gouvernance et coordination"]
    page = open_group(browser, url, PHONE)
    page.context.set_offline(True)
    started = time.monotonic()
    page.locator("#banniere").wait_for(state="visible", timeout=5_000)
    assert time.monotonic() - started < 3.5
    assert "Connexion perdue" in page.inner_text("#banniere")
    assert page.locator("#banniere button").count() == 0  # no reload offered offline
    area = cell(page, 1, "perspectives")
    assert not area.evaluate("a => a.readOnly")
    area.tap()
    area.fill("Tapé pendant la coupure du Wi-Fi")
    page.wait_for_timeout(1_500)  # past the save's second: kept, not sent
    kept = page.evaluate("() => JSON.stringify(localStorage)")
    assert "Tapé pendant la coupure du Wi-Fi" in kept
    assert stored(server, "gouvernance-et-coordination")[1].perspectives != (
        "Tapé pendant la coupure du Wi-Fi"
    )
    # A row added without network is kept too, and saved once the server answers.
    page.click("#ajouter")
    page.keyboard.type("Ligne ajoutée sans réseau")
    page.screenshot(path=str(artifacts / "groupe-hors-ligne.png"), full_page=True)
    page.context.set_offline(False)
    page.locator("#banniere.back").wait_for(timeout=10_000)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        rows = stored(server, "gouvernance-et-coordination")
        texts = [r.recommendation for r in rows]
        if rows[1].perspectives == "Tapé pendant la coupure du Wi-Fi" and (
            "Ligne ajoutée sans réseau" in texts
        ):
            break
        time.sleep(0.2)
    else:
        raise AssertionError(f"non envoyé : {rows}")
    page.wait_for_function("() => !localStorage.length", timeout=5_000)
    page.context.close()


def test_a_text_typed_over_a_text_changed_meanwhile_shows_both(
    browser: Any, server: Server
) -> None:
    url = server.links["Migration irrégulière"]
    first = open_group(browser, url, LAPTOP)
    second = open_group(browser, url, LAPTOP)
    first.context.set_offline(True)
    type_cell(first, 0, "perspectives", "Texte du premier portable")
    type_cell(second, 0, "perspectives", "Texte du second portable")
    wait_cell_saved(second, 0, "perspectives")
    first.context.set_offline(False)
    conflict = first.locator("#lignes > li.row").first.locator(".conflict")
    conflict.wait_for(timeout=15_000)
    shown = conflict.inner_text()
    assert "Texte du second portable" in shown
    assert "Texte du premier portable" in shown
    # Nothing was overwritten: the store holds the other text until the user chooses.
    assert stored(server, "migration-irreguliere")[0].perspectives == "Texte du second portable"
    conflict.get_by_role("button", name="Garder mon texte").click()
    wait_cell_saved(first, 0, "perspectives")
    assert stored(server, "migration-irreguliere")[0].perspectives == "Texte du premier portable"
    second.wait_for_function(
        "() => document.querySelector('#lignes textarea[name=perspectives]').value"
        " === 'Texte du premier portable'"
    )
    for page in (first, second):
        page.context.close()


def test_rows_are_added_deleted_brought_back_moved_and_restored_from_their_history(
    browser: Any, server: Server
) -> None:
    page = open_group(browser, server.links["Économie alternative"], LAPTOP)
    count = rows_shown(page)
    page.click("#ajouter")
    page.keyboard.type("Première version")
    page.keyboard.press("Tab")
    wait_cell_saved(page, count, "recommendation")
    type_cell(page, count, "recommendation", "Seconde version")
    wait_cell_saved(page, count, "recommendation")
    new_id = stored(server, "economie-alternative")[-1].id
    # Up one place.
    page.locator("#lignes > li.row").nth(count).locator("[data-action=monter]").click()
    page.wait_for_function(
        f"() => document.querySelectorAll('#lignes > li')[{count - 1}].dataset.id === '{new_id}'"
    )
    assert [r.id for r in stored(server, "economie-alternative")].index(new_id) == count - 1
    # Its history brings the first text back.
    page.locator(f"li.row[data-id='{new_id}'] [data-action=historique]").click()
    dialog = page.locator("dialog#historique")
    dialog.wait_for(state="visible")
    dialog.get_by_role("button", name="Remettre ce texte").first.click()  # newest first
    page.wait_for_function(
        f"() => document.querySelector(\"li[data-id='{new_id}'] textarea\").value"
        " === 'Première version'"
    )
    page.wait_for_timeout(1_500)
    assert stored(server, "economie-alternative")[count - 1].recommendation == "Première version"
    # Deleted, then brought back at its place.
    page.locator(f"li.row[data-id='{new_id}'] [data-action=supprimer]").click()
    page.wait_for_function(f"() => !document.querySelector(\"li[data-id='{new_id}']\")")
    assert new_id not in [r.id for r in stored(server, "economie-alternative")]
    page.click("#annuler")
    page.wait_for_selector(f"li.row[data-id='{new_id}']")
    assert [r.id for r in stored(server, "economie-alternative")].index(new_id) == count - 1
    page.context.close()


def test_a_pasted_block_and_an_imported_file_add_rows_and_a_large_file_is_refused(
    browser: Any, server: Server, tmp_path: Path
) -> None:
    page = open_group(browser, server.links["Économie alternative"], LAPTOP)
    before = len(stored(server, "economie-alternative"))
    page.click("details.bulk summary")
    page.fill("#colle", "Collée 1\tDéfi 1\tPerspective 1\nCollée 2\t\tPerspective 2\n")
    page.click("#coller")
    page.locator("#statut-import", has_text="2 ligne(s) ajoutée(s)").wait_for()
    page.wait_for_function(
        f"() => document.querySelectorAll('#lignes > li').length === {before + 2}"
    )
    sheet = tmp_path / "grille.csv"
    sheet.write_text("Recommandation;Défis;Perspectives\nImportée;Défi;Plan\n", encoding="cp1252")
    page.set_input_files("#fichier", str(sheet))
    page.locator("#statut-import", has_text="1 ligne(s) ajoutée(s)").wait_for()
    texts = [r.recommendation for r in stored(server, "economie-alternative")]
    assert texts[-3:] == ["Collée 1", "Collée 2", "Importée"]
    big = tmp_path / "trop-gros.csv"
    big.write_bytes(b"Recommandation;Defis;Perspectives\n" + b"x;y;z\n" * 1_500_000)
    page.set_input_files("#fichier", str(big))
    page.locator("#statut-import", has_text="dépasse 8 Mo").wait_for()
    assert len(stored(server, "economie-alternative")) == before + 3
    page.context.close()


def test_what_was_typed_and_never_sent_is_offered_back_after_a_reload(
    browser: Any, server: Server
) -> None:
    page = open_group(browser, server.links["Migration irrégulière"], TABLET)
    page.route("**/lignes/*/*", lambda route: route.abort())  # the saves never arrive
    area = cell(page, 1, "challenges")
    area.tap()
    area.fill("Tapé, jamais arrivé")
    page.wait_for_timeout(1_500)
    page.unroute("**/lignes/*/*")
    page.reload()
    page.wait_for_selector("#retrouves:not([hidden])")
    panel = page.locator("#retrouves")
    assert "Tapé, jamais arrivé" in panel.inner_text()
    panel.get_by_role("button", name="Enregistrer ce texte").first.tap()
    wait_cell_saved(page, 1, "challenges")
    assert stored(server, "migration-irreguliere")[1].challenges == "Tapé, jamais arrivé"
    page.context.close()


def test_a_closed_breakout_makes_the_grid_read_only_and_the_server_refuses_writes(
    browser: Any, server: Server
) -> None:
    page = open_group(browser, server.links["Protection"], PHONE)
    with server.store() as store:
        store.session.set_breakout(open=True, end="2099-01-01T00:00:00+00:00", actor="animateur")
    page.locator("#chrono", has_text="Temps restant").wait_for(timeout=5_000)
    try:
        with server.store() as store:
            store.session.set_breakout(open=False, actor="animateur")
        page.locator("#lecture-seule").wait_for(state="visible", timeout=5_000)
        assert cell(page, 0, "recommendation").evaluate("a => a.readOnly")
        assert page.locator("#chrono").inner_text() == "Travaux de groupes clos"
        # A page made to write anyway: the store refuses it, in French.
        answer = page.evaluate(
            """async () => {
                const config = JSON.parse(document.getElementById('ccm-donnees').textContent);
                const row = config.rows[0];
                const r = await fetch(`${config.api}/lignes/${row.id}/recommendation`, {
                    method: 'PUT', headers: {'X-Ccm-Jeton': config.token,
                    'Content-Type': 'application/json'},
                    body: JSON.stringify({text: 'forcé', seen: row.recommendation})});
                return [r.status, (await r.json()).message];
            }"""
        )
        assert answer[0] == 403
        assert "clos" in answer[1]
        assert "forcé" not in [r.recommendation for r in stored(server, "protection")]
    finally:
        with server.store() as store:
            store.session.set_breakout(open=True, end="", actor="animateur")
    page.locator("#lecture-seule").wait_for(state="hidden", timeout=5_000)
    assert not cell(page, 0, "recommendation").evaluate("a => a.readOnly")
    page.context.close()


def test_a_rapporteur_reads_what_became_of_a_row_the_plenary_merged(
    browser: Any, server: Server
) -> None:
    page = open_group(browser, server.links["Gouvernance et coordination"], LAPTOP)
    with server.store() as store:
        mine = store.grid.rows("gouvernance-et-coordination")[0]
        target = store.grid.rows("protection")[1]
        store.plenary.merge(target.id, mine.id, actor="plénière")
    notice = page.locator("#avis")
    notice.wait_for(state="visible", timeout=5_000)
    said = notice.inner_text()
    assert said.startswith("La ligne 1 (« ")
    assert "fusionnée par la plénière avec la ligne 2 de Groupe 4 : Protection" in said
    assert page.locator(f"li.row[data-id='{mine.id}']").count() == 0
    page.context.close()


def test_the_facilitator_opens_the_general_section_and_any_groups_grid(
    browser: Any, server: Server
) -> None:
    key = server.links["animateur"].rsplit("cle=", 1)[1]
    page = open_group(browser, f"{server.base}/ccm/groupe?groupe=general&cle={key}", LAPTOP)
    assert page.inner_text("h1") == "Recommandations d'ordre général"
    count = rows_shown(page)
    page.click("#ajouter")
    page.keyboard.type("Recommandation générale de la plénière")
    page.keyboard.press("Tab")
    wait_cell_saved(page, count, "recommendation")
    row = stored(server, "general")[-1]
    assert (row.recommendation, row.updated_by) == (
        "Recommandation générale de la plénière",
        "animateur",
    )
    # With the facilitator's cookie, no key in the link: any group's grid, for a group
    # without a device.
    page.goto(f"{server.base}/ccm/groupe?groupe=protection")
    page.wait_for_selector("#lignes")
    assert "Protection" in page.inner_text("h1")
    # A group's key opens its own grid only.
    other = server.links["Protection"].rsplit("cle=", 1)[1]
    refused = page.context.new_page()
    answer = refused.goto(f"{server.base}/ccm/groupe?groupe=economie-alternative&cle={other}")
    assert answer is not None
    assert answer.status == 403
    assert "chaque groupe n'ouvre que la sienne" in refused.inner_text("body")
    page.context.close()


@pytest.mark.parametrize(
    ("name", "device"),
    [("telephone", PHONE), ("tablette", TABLET), ("ordinateur", LAPTOP)],
)
def test_the_group_and_projection_pages_fit_every_device(
    browser: Any, server: Server, artifacts: Path, name: str, device: dict[str, Any]
) -> None:
    page = open_group(browser, server.links["Protection"], device)
    assert overflow(page) == []
    page.screenshot(path=str(artifacts / f"groupe-{name}.png"))
    # A row typed and saved by touch (or by the mouse on the laptop).
    touch = bool(device.get("has_touch"))
    type_cell(page, 1, "recommendation", f"Saisi sur {name}", touch=touch)
    wait_cell_saved(page, 1, "recommendation")
    page.click("details.bulk summary")
    assert overflow(page) == []
    projection = page.context.new_page()
    projection.goto(server.links["projection"])
    projection.wait_for_selector(".projected table")
    assert overflow(projection) == []
    projection.screenshot(path=str(artifacts / f"projection-{name}.png"))
    page.context.close()


def test_the_projection_follows_the_synthesis_and_keeps_its_text_size(
    browser: Any, server: Server, artifacts: Path
) -> None:
    page = open_page(browser, server.links["projection"], ".projected table", device=LAPTOP)
    assert server.kernels() == []
    page.wait_for_function("() => !location.search.includes('cle=')")
    assert "Section 1 sur" in page.inner_text(".section:not([hidden]) .where")
    page.click("#suivante")
    headings = page.locator(".section:not([hidden]) tr.heading").all_inner_texts()
    assert headings[-1].startswith("GROUPE THÉMATIQUE"), headings
    page.click("#plus-grand")
    page.click("#plus-grand")
    assert page.inner_text("#taille") == "Taille du texte : 120 %"
    page.reload()
    page.wait_for_selector(".projected table")
    assert page.inner_text("#taille") == "Taille du texte : 120 %"
    with server.store() as store:
        store.grid.add("general", [("Ajoutée pendant la projection", "", "")], actor="animateur")
    page.locator(".section", has_text="Ajoutée pendant la projection").wait_for(
        state="attached", timeout=5_000
    )
    page.screenshot(path=str(artifacts / "projection-ordinateur-direct.png"))
    page.context.close()
