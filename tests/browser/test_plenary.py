"""Plenary in a real browser: groups type while the plenary watches; the facilitator puts a
group first in the synthesis, merges two near-identical rows and adopts the synthesis; the
store and the CSV export agree with what the screen shows."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import Server
from tests.browser.helpers import PHONE, open_group, open_page, rows_shown, type_cell

pytestmark = pytest.mark.browser

PROTECTION_TEXT = "Former les agents des postes frontaliers aux droits humains des migrants"
MIGRATION_TEXT = "Ouvrir un guichet unique d'information dans les gares routières"


def open_tab(page: Any, title: str) -> None:
    page.locator(".lm-TabBar-tab", has_text=title).first.click()
    page.wait_for_timeout(300)


def synthesis_on_screen(page: Any) -> list[str]:
    """First cell of every non-heading row of the plenary's synthesis table."""
    open_tab(page, "Synthèse")
    return list(
        page.evaluate(
            """() => [...document.querySelectorAll('.ccm-board table.synthesis tbody tr')]
                 .filter(tr => !tr.classList.contains('heading'))
                 .map(tr => tr.querySelector('td').textContent)"""
        )
    )


def exported_csv(server: Server, folder: Path) -> list[list[str]]:
    out = folder / "synthese.csv"
    env = {**os.environ, "CCM_STORE": str(server.store_path)}
    subprocess.run(
        [sys.executable, "-m", "ccm_widgets.cli", "export", "--to", "csv", "-o", str(out)],
        env=env, check=True, capture_output=True, cwd=folder,
    )  # fmt: skip
    return list(csv.reader(io.StringIO(out.read_text(encoding="utf-8-sig"))))


def test_consolidate_merge_and_adopt_in_plenary(
    browser: Any, server: Server, artifacts: Path, tmp_path: Path
) -> None:
    plenary = open_page(browser, server.links["pleniere"], ".ccm-board table")
    protection = open_group(browser, server.links["Protection"])
    migration = open_group(browser, server.links["Migration irrégulière"], PHONE)

    with server.store() as store:
        counts = {s: len(store.grid.rows(s)) for s in ("protection", "migration-irreguliere")}

    # the groups type, each in a new row; the plenary sees both
    for tab, text in ((protection, PROTECTION_TEXT), (migration, MIGRATION_TEXT)):
        count = rows_shown(tab)
        tab.get_by_role("button", name="Ajouter une ligne").click()
        tab.wait_for_function(f"() => document.querySelectorAll('#lignes > li').length > {count}")
        type_cell(tab, count, "recommendation", text, touch=tab is migration)
    for text in (PROTECTION_TEXT, MIGRATION_TEXT):
        plenary.get_by_text(text).first.wait_for(timeout=10_000)

    # Protection first in the synthesis
    open_tab(plenary, "Synthèse")
    order = plenary.locator(".ccm-board select").first
    order.select_option(label="Protection")
    for _ in range(4):
        plenary.get_by_role("button", name="Monter").first.click()
        plenary.wait_for_timeout(200)
    plenary.wait_for_function(
        """() => { const t = document.querySelector('.ccm-board table.synthesis').innerText;
                   const p = t.indexOf('GROUPE THÉMATIQUE : PROTECTION');
                   return p > 0 && p < t.indexOf('GROUPE THÉMATIQUE : MIGRATION'); }""",
        timeout=10_000,
    )

    # the typed row nearly repeats a Migration row: flagged, merged into the Protection row
    open_tab(plenary, "Doublons")
    card = plenary.locator(".ccm-duplicates .widget-vbox", has_text=PROTECTION_TEXT).last
    card.wait_for(timeout=10_000)
    plenary.screenshot(path=str(artifacts / "pleniere-doublons.png"), full_page=True)
    card.get_by_role("button", name="Fusionner").click()
    plenary.locator(".ccm-duplicates .ccm-status", has_text="fusionnées").wait_for(timeout=10_000)
    with server.store() as store:
        merged = next(
            r for r in store.grid.rows("protection") if PROTECTION_TEXT in r.recommendation
        )
        assert merged.origin == ("protection", "migration-irreguliere")
        assert "Former les agents des postes frontaliers aux droits des migrants" in (
            merged.recommendation
        )
        assert len(store.grid.rows("migration-irreguliere")) == counts["migration-irreguliere"]

    # adoption: adopt, withdraw, adopt amended
    open_tab(plenary, "Adoption")
    adoption = plenary.locator(".ccm-adoption")
    for label in ("Adopter", "Retirer", "Adopter amendée"):
        adoption.get_by_role("button", name=label, exact=True).click()
        plenary.wait_for_timeout(400)
    # "Adopter amendée" opens the row's texts; saving them records the decision
    adoption.get_by_role("button", name="Enregistrer l'amendement et adopter").click()
    adoption.get_by_text("1 adoptée(s), 1 amendée(s), 1 retirée(s)").wait_for(timeout=10_000)
    plenary.screenshot(path=str(artifacts / "pleniere-adoption.png"), full_page=True)

    with server.store() as store:
        decided = [(r.section, r.position, r.decision) for r in store.grid.rows() if r.decision]
        withdrawn = next(r for r in store.grid.rows() if r.decision == "withdrawn")
    assert sorted(d for _, _, d in decided) == ["adopted", "amended", "withdrawn"]

    time.sleep(0.6)  # the board redraws after the last decision
    screen = synthesis_on_screen(plenary)
    plenary.screenshot(path=str(artifacts / "pleniere-synthese-adoptee.png"), full_page=True)
    exported = exported_csv(server, tmp_path)
    assert [row[2] for row in exported[1:]] == screen
    assert withdrawn.recommendation not in screen
    groups = [row[1] for row in exported[1:] if row[1]]
    assert groups[0] == "Protection"
    for tab in (plenary, protection, migration):
        tab.context.close()
