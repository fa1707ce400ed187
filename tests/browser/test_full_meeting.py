"""A whole meeting in a real browser, from an empty store to the PDF, as a facilitator runs it:
the meeting created in the pages, four groups added in Préparation, the sign-in sheet and the
review table imported, the review's statuses set in its table, the groups' links read off the
home page (which follows), four groups typing on a phone, a touch tablet, a laptop and a
second phone, the breakout closed after its question, rows adopted, the report exported to
PDF from the plenary. Every step's screenshot goes to ``tests/artifacts/reunion-*.png``."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import Server
from tests.browser.helpers import (
    LAPTOP,
    PHONE,
    TABLET,
    open_group,
    open_page,
    rows_shown,
    type_cell,
    upload,
    wait_cell_saved,
)

pytestmark = pytest.mark.browser

TITLE = "Réunion préparatoire de la 9e session (essai complet)"
GROUPS = ("Économie alternative", "Gouvernance", "Migration irrégulière", "Protection")
DEVICES = (PHONE, TABLET, LAPTOP, PHONE)
PEOPLE = [
    ("AMADOU Zeinabou", "Mairie fictive de Dosso", "+227 90 00 00 01", "z.amadou@exemple.ne"),
    ("BOUBACAR Idrissa", "Direction fictive de la migration", "", "i.boubacar@exemple.ne"),
    ("DAOUDA Fati", "ONG fictive Espoir", "+227 90 00 00 03", "f.daouda.exemple.ne"),
]
REVIEW = (
    "Section;Recommandation;État de mise en œuvre\n"
    "Général;Tenir la réunion du cadre deux fois l'an;Une réunion tenue\n"
    "Protection;Former les agents aux droits des migrants;\n"
)


def shoot(page: Any, artifacts: Path, step: int, name: str) -> None:
    page.screenshot(path=str(artifacts / f"reunion-{step:02d}-{name}.png"), full_page=True)


def test_a_whole_meeting_from_an_empty_store_to_the_pdf(
    browser: Any, empty_server: Server, artifacts: Path, tmp_path: Path
) -> None:
    server = empty_server
    key = server.links["animateur"].split("cle=")[1]
    workbook = f"{server.base}/voila/render/{{}}.ipynb"

    # 1. The meeting, created in the home page of an empty store.
    home = open_page(browser, server.links["animateur"], ".ccm-new-meeting", device=LAPTOP)
    home.get_by_label("Titre").fill(TITLE)
    home.get_by_label("Date (AAAA-MM-JJ)").fill("2027-06-10")
    home.get_by_label("Lieu").fill("Salle de réunion fictive, Dosso")
    shoot(home, artifacts, 1, "nouvelle")
    home.get_by_role("button", name="Créer la réunion").click()
    home.locator(".ccm-home h1", has_text=TITLE).wait_for(timeout=20_000)

    # 2. Four groups, added one after the other in Préparation.
    tabs = home.context
    prep = tabs.new_page()
    prep.goto(workbook.format("preparation"))
    prep.wait_for_selector(".ccm-preparation", timeout=60_000)
    name = prep.get_by_label("Nom du groupe")
    for group in GROUPS:
        name.fill(group)
        prep.get_by_role("button", name="Ajouter comme nouveau groupe").click()
        prep.get_by_text(f"« {group} »").first.wait_for(timeout=10_000)
    shoot(prep, artifacts, 2, "preparation")
    with server.store() as store:
        assert [g.name for g in store.groups.all()] == list(GROUPS)
    # The home page, open meanwhile, shows them with their links and QR codes.
    home.get_by_text("Groupe 4 : Protection").wait_for(timeout=10_000)
    links = {
        group: home.locator(".ccm-home li", has_text=f"Groupe {n} : {group}")
        .locator("code")
        .inner_text()
        for n, group in enumerate(GROUPS, start=1)
    }
    assert all("/ccm/groupe?cle=" in url for url in links.values())
    assert key not in " ".join(links.values())
    shoot(home, artifacts, 3, "accueil")

    # 3. The sign-in sheet (French Excel, cp1252) and the review table.
    people = tmp_path / "presence.csv"
    rows = ["N°;Nom & Prénoms;Institution;Numéro de téléphone;E-mail"]
    rows += [f"{n};{';'.join(p)}" for n, p in enumerate(PEOPLE, start=1)]
    people.write_bytes(("\r\n".join(rows) + "\r\n").encode("cp1252"))
    presence = tabs.new_page()
    presence.goto(workbook.format("presence"))
    presence.wait_for_selector(".ccm-attendance", timeout=60_000)
    upload(presence, "Importer une liste (CSV, XLSX)", people)
    presence.get_by_text("DAOUDA Fati").first.wait_for(timeout=10_000)
    shoot(presence, artifacts, 4, "presence")
    review_file = tmp_path / "revue.csv"
    review_file.write_bytes(REVIEW.encode("cp1252"))
    review = tabs.new_page()
    review.goto(workbook.format("revue"))
    review.wait_for_selector(".ccm-review", timeout=60_000)
    upload(review, "Importer un tableau de revue", review_file)
    review.locator(".ccm-review-row").nth(1).wait_for(timeout=10_000)
    review.locator(".ccm-review-row select").first.focus()
    review.keyboard.press("ArrowDown")  # réalisée
    review.keyboard.press("Tab")
    review.keyboard.type("Module de formation rédigé")
    review.keyboard.press("Tab")
    review.keyboard.press("ArrowDown")
    review.keyboard.press("ArrowDown")  # en cours
    review.keyboard.press("Tab")
    review.locator(".ccm-status-chart", has_text="en cours 1").wait_for(timeout=10_000)
    shoot(review, artifacts, 5, "revue")

    # 4. The groups type on their devices.
    pages = {}
    for (group, url), device in zip(links.items(), DEVICES, strict=True):
        page = open_group(browser, url, device)
        touch = bool(device.get("has_touch"))
        count = rows_shown(page)
        add = page.get_by_role("button", name="Ajouter une ligne")
        add.tap() if touch else add.click()
        page.wait_for_function(f"() => document.querySelectorAll('#lignes > li').length > {count}")
        for field, text in (
            ("recommendation", f"Recommandation du groupe {group}"),
            ("challenges", f"Défi relevé par le groupe {group}"),
            ("perspectives", f"Perspective proposée par le groupe {group}"),
        ):
            type_cell(page, count, field, text, touch=touch)
        wait_cell_saved(page, count, "perspectives")
        pages[group] = page
    for n, page in enumerate(pages.values()):
        shoot(page, artifacts, 6 + n, f"groupe-{n + 1}")

    # 5. The plenary sees them, closes the breakout after its question, adopts.
    plenary = tabs.new_page()
    plenary.goto(workbook.format("pleniere"))
    plenary.wait_for_selector(".ccm-board table", timeout=60_000)
    for group in GROUPS:
        plenary.get_by_text(f"Recommandation du groupe {group}").first.wait_for(timeout=10_000)
    plenary.get_by_role("button", name="Clore les travaux de groupes").click()
    plenary.get_by_role("button", name="Clore maintenant").click()
    for page in pages.values():
        page.locator("#lecture-seule").wait_for(state="visible", timeout=10_000)
    shoot(pages["Protection"], artifacts, 10, "groupe-clos")
    plenary.locator(".lm-TabBar-tab", has_text="Adoption").first.click()
    adoption = plenary.locator(".ccm-adoption")
    for _ in range(2):
        adoption.get_by_role("button", name="Adopter", exact=True).click()
        plenary.wait_for_timeout(400)
    adoption.get_by_text("2 adoptée(s)").wait_for(timeout=10_000)
    shoot(plenary, artifacts, 11, "adoption")

    # 6. The report, to PDF, from the plenary.
    plenary.get_by_label("Format").select_option(label="PDF")
    plenary.get_by_label("Contenu").select_option(label="Rapport complet")
    with plenary.expect_download(timeout=120_000) as download:
        plenary.get_by_role("button", name="Exporter").click()
    pdf = tmp_path / "rapport.pdf"
    download.value.save_as(pdf)
    shoot(plenary, artifacts, 12, "export")
    printed = subprocess.run(
        ["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    text = " ".join(printed.split())  # a cell's text may wrap over lines
    assert TITLE in text
    for group in GROUPS:
        assert f"Recommandation du groupe {group}" in text, group
        assert f"Perspective proposée par le groupe {group}" in text, group
    assert "DAOUDA Fati" in text
    assert "Module de formation rédigé" in text
    subprocess.run(
        ["pdftoppm", "-r", "40", "-png", "-f", "1", "-l", "3", str(pdf),
         str(artifacts / "reunion-13-rapport")],
        check=True,
    )  # fmt: skip
    for page in [*pages.values(), home]:
        page.context.close()
