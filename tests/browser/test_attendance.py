"""The attendance list in a real browser: a participant typed in the form, a French Excel
sheet uploaded; defects highlighted; the store holds everyone. A person's group is picked by
its name and stored by its slug."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import Server
from tests.browser.helpers import open_page

pytestmark = pytest.mark.browser

SHEET = (
    "N°;Nom & Prénoms;Structure;Numéro de téléphone;E-mail\r\n"
    "1;ABDOU Hadiza;Mairie d'Arlit;+227 96 00 00 01;h.abdou@exemple.ne\r\n"
    "2;SANI Ibrahim;Mairie d'Arlit;;sani.exemple.ne\r\n"
    "3;ABDOU Hadiza;Mairie d'Arlit;;\r\n"
)


def test_attendance_form_and_upload(
    browser: Any, server: Server, artifacts: Path, tmp_path: Path
) -> None:
    key = server.links["animateur"].split("cle=")[1]
    # A screen narrower than a laptop's page reads the plain list (the grid is the test below).
    page = open_page(
        browser,
        f"{server.base}/voila/render/presence.ipynb?cle={key}",
        ".ccm-attendance table",
        device={"viewport": {"width": 1100, "height": 950}},
    )
    with server.store() as store:
        before = len(store.items.participants())
    form = page.locator(".ccm-items-participants")
    inputs = form.locator("input[type=text]")
    inputs.nth(0).fill("OUSMANE Aïcha <i>test</i>")
    inputs.nth(1).fill("Direction régionale de la santé")
    inputs.nth(2).fill("+227 97 00 00 09")
    form.get_by_role("combobox").select_option(label="Migration irrégulière")
    form.get_by_role("button", name="Enregistrer").click()
    page.get_by_text("OUSMANE Aïcha <i>test</i>").first.wait_for(timeout=10_000)
    typed = page.locator(".ccm-attendance-list tr", has_text="OUSMANE Aïcha")
    assert typed.locator("td").nth(5).inner_text() == "Migration irrégulière"

    sheet = tmp_path / "presence.csv"
    sheet.write_bytes(SHEET.encode("cp1252"))
    with page.expect_file_chooser() as chooser:
        page.get_by_role("button", name="Importer une liste").click()
    chooser.value.set_files(str(sheet))
    # the list has people: the page asks whether the sheet replaces it or goes after it
    page.get_by_role("button", name="Ajouter à la suite").click()
    page.get_by_text("SANI Ibrahim").first.wait_for(timeout=10_000)
    page.locator(".ccm-attendance .ccm-status", has_text="3 participant(s) importé(s)").wait_for()
    assert page.locator(".ccm-attendance tr.defect").count() >= 3
    listed = page.inner_text(".ccm-attendance-list")
    assert "doublon possible du N°" in listed  # no phone, no e-mail: not asserted the same
    assert "e-mail sans « @ » (sani.exemple.ne)" in listed
    assert "Mairie d'Arlit" in page.inner_text(".ccm-bars")
    page.screenshot(path=str(artifacts / "presence.png"), full_page=True)

    with server.store() as store:
        people = store.items.participants()
    assert len(people) == before + 4
    assert people[before].name == "OUSMANE Aïcha <i>test</i>"
    assert people[before].phone == "+227 97 00 00 09"
    assert people[before].group == "migration-irreguliere"  # the slug: a renamed group keeps it
    assert [p.name for p in people[-3:]] == ["ABDOU Hadiza", "SANI Ibrahim", "ABDOU Hadiza"]
    numbers = [p.number for p in people]
    assert numbers == list(range(1, len(people) + 1))  # appended sheets are numbered on
    assert page.locator(".ccm-attendance i", has_text="test").count() == 0  # text, not markup
    page.context.close()


def test_a_sign_in_sheet_is_corrected_in_place_in_the_grid(
    browser: Any, server: Server, artifacts: Path
) -> None:
    """On a laptop the list is an editable grid: a missing phone is typed in its cell, saved
    when left, and the list's count of missing phones follows."""
    from ccm_widgets.widgets.facilitator.attendance_grid import COLUMNS

    key = server.links["animateur"].split("cle=")[1]
    page = open_page(
        browser,
        f"{server.base}/voila/render/presence.ipynb?cle={key}",
        ".ccm-attendance-grid .lm-DataGrid",
        device={"viewport": {"width": 1366, "height": 900}},
    )
    assert page.locator(".ccm-attendance-list").is_hidden()
    with server.store() as store:
        people = store.items.participants()
    row = next(n for n, p in enumerate(people) if not p.phone)
    grid = page.locator(".ccm-attendance-grid .lm-DataGrid").first
    grid.scroll_into_view_if_needed()
    box = grid.bounding_box()
    assert box is not None
    widths = [width for _, width in COLUMNS]
    column = [field for field, _ in COLUMNS].index("phone")
    x = box["x"] + sum(widths[:column]) + widths[column] / 2
    y = box["y"] + 30 + row * 26 + 13
    page.mouse.dblclick(x, y)
    editor = page.locator(".lm-DataGrid-cellEditorInput")
    editor.wait_for(state="visible", timeout=10_000)
    editor.fill("+227 91 00 00 42")
    editor.press("Enter")
    page.locator(".ccm-attendance-grid .ccm-status", has_text="Correction enregistrée").wait_for(
        timeout=10_000
    )
    with server.store() as store:
        assert store.items.participants()[row].phone == "+227 91 00 00 42"
    page.screenshot(path=str(artifacts / "presence-grille.png"))
    page.context.close()
