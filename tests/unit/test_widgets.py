"""Widgets driven from Python, as a browser would drive them: traits, triggers, the store."""

from __future__ import annotations

import html
from pathlib import Path

import ipywidgets as w
import pytest

from ccm_widgets.domain.model import GENERAL
from ccm_widgets.pages import home_page, plenary_page, query_params
from ccm_widgets.store import Store
from ccm_widgets.widgets import ExportPanel, PlenaryBoard


def test_plenary_board_refreshes_and_escapes(demo_store: Store) -> None:
    board = PlenaryBoard(store=demo_store, watch=False)
    demo_store.grid.add("protection", [("<script>x</script>", "", "")], actor="t")
    assert board.watcher.check()
    assert "&lt;script&gt;x&lt;/script&gt;" in board.groups_view.value
    assert "<script>x" not in board.synthesis_view.value
    assert "GROUPE THÉMATIQUE : PROTECTION" in board.synthesis_view.value


def test_export_panel_writes_file_and_offers_download(demo_store: Store, tmp_path: Path) -> None:
    panel = ExportPanel(store=demo_store, directory=tmp_path / "exports")
    panel.format.value = "csv"
    panel.button.click()
    assert panel.last_path is not None
    assert panel.last_path.exists()
    assert 'download="' in panel.link.value
    assert panel.status.level == "ok"


def key_of(store: Store, slug: str | None = None) -> str:
    return store.groups.key(slug) if slug else store.groups.facilitator_key()


def test_plenary_and_home_need_the_facilitator_key(demo_store: Store) -> None:
    refused = plenary_page(store=demo_store, params={"cle": key_of(demo_store, "protection")})
    assert "clé d'accès" in html.unescape(refused.value)
    assert isinstance(plenary_page(store=demo_store, params={"cle": key_of(demo_store)}), w.VBox)
    home = home_page(store=demo_store, params={"cle": key_of(demo_store)}).children[1]
    home.stop()
    links = html.unescape(home.links.value)
    assert "/ccm/groupe?cle=" + key_of(demo_store, "protection") in links
    assert links.count("<svg") == len(demo_store.groups.all())
    # The facilitator's own links carry no key (the cookie opens them) and no host.
    assert "href='/ccm/groupe?groupe=general'" in links
    assert "href='/ccm/groupe?groupe=protection'" in links
    assert "href='/voila/render/pleniere.ipynb'" in links
    assert "href='/ccm/projection'" in links
    assert key_of(demo_store) not in links
    assert "/ccm/projection?cle=" + demo_store.groups.projection_key() in links


def test_home_page_links_and_qr_codes_carry_the_rooms_address(
    demo_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The facilitator opened the page as localhost; the phones need the room's address."""
    monkeypatch.setenv("SERVER_NAME", "localhost")
    monkeypatch.setenv("SERVER_PORT", "8866")
    monkeypatch.setenv("CCM_PUBLIC_URL", "http://192.168.43.10:8866")
    home = home_page(store=demo_store, params={"cle": key_of(demo_store)}).children[1]
    home.stop()
    links = home.links.value
    assert "localhost" not in links
    protection = "http://192.168.43.10:8866/ccm/groupe?cle=" + key_of(demo_store, "protection")
    assert protection in html.unescape(links)


def test_query_params_from_environment() -> None:
    assert query_params({"QUERY_STRING": "groupe=protection&cle=a%2Bb"}) == {
        "groupe": "protection",
        "cle": "a+b",
    }
    assert query_params({}) == {}


def test_links_carry_the_public_address_or_the_one_the_tab_came_through() -> None:
    from ccm_widgets.pages import server_base

    came = {"SERVER_NAME": "localhost", "SERVER_PORT": "8866",
            "SCRIPT_NAME": "/voila/render/animateur.ipynb"}  # fmt: skip
    assert server_base(came) == "http://localhost:8866"
    # ccm serve --ip 0.0.0.0: the QR codes carry the room's address, not localhost
    assert server_base({**came, "CCM_PUBLIC_URL": "http://192.168.1.20:8866/"}) == (
        "http://192.168.1.20:8866"
    )
    # behind JupyterHub: the user's server prefix is kept
    hub = {"SERVER_NAME": "hub.example", "SERVER_PORT": "",
           "SCRIPT_NAME": "/user/anna/voila/render/animateur.ipynb"}  # fmt: skip
    assert server_base(hub) == "http://hub.example/user/anna"
    assert server_base({}) == ""


def test_countdown_text() -> None:
    import datetime as dt

    from ccm_widgets.widgets.plenary.breakout_timer import remaining_text

    now = dt.datetime(2026, 1, 1, 10, 0, tzinfo=dt.UTC)
    assert remaining_text("2026-01-01T10:12:05+00:00", now) == (
        "Temps restant : 12 min 05 s",
        "info",
    )
    assert remaining_text("2026-01-01T10:04:00+00:00", now)[1] == "warning"
    assert remaining_text("2026-01-01T09:59:00+00:00", now)[1] == "over"
    assert remaining_text("", now) == ("", "info")


def test_facilitator_reorders_the_synthesis_and_every_view_follows(demo_store: Store) -> None:
    from ccm_widgets.files.exporting import render

    board = PlenaryBoard(store=demo_store, watch=False)
    editor = board.order_editor
    assert [v for _, v in editor.choice.options][:2] == ["migration-irreguliere", "protection"]
    editor.choice.value = "gouvernance-et-coordination"
    editor.up_button.click()
    editor.up_button.click()
    editor.up_button.click()
    editor.up_button.click()  # already first: stays there
    assert demo_store.groups.synthesis_order()[0] == "gouvernance-et-coordination"
    board.watcher.check()
    view = board.synthesis_view.value
    assert view.index("GOUVERNANCE ET COORDINATION") < view.index("MIGRATION IRRÉGULIÈRE")
    import csv
    import io

    records = list(csv.reader(io.StringIO(render(demo_store, "csv", "synthesis").decode())))
    groups = [record[1] for record in records[1:] if record[1]]
    assert groups[0] == "Gouvernance et coordination"
    assert demo_store.history.entries("synthesis_order")[-1].actor == "animateur"


def test_consolidation_edits_moves_merges_and_splits_with_history(demo_store: Store) -> None:
    from ccm_widgets.widgets import ConsolidationPanel

    panel = ConsolidationPanel(store=demo_store)
    labels = [label for label, _ in panel.picker.options]
    assert labels[0].startswith("Général · 1 · ")
    first, second = demo_store.grid.rows("protection")
    panel.picker.value = first.id
    assert panel.areas[0].value == first.recommendation
    panel.areas[1].value = "Défi revu en plénière"
    assert panel.save()
    assert demo_store.grid.row(first.id).challenges == "Défi revu en plénière"
    assert demo_store.history.entries("grid_row", first.id)[-1].actor == "plénière"
    panel.move_to(GENERAL)
    assert demo_store.grid.row(first.id).section == GENERAL
    assert "Protection" in panel.origin.value
    panel.partner.value = second.id
    panel.merge()
    assert second.id not in {r.id for r in demo_store.grid.rows()}
    panel.unmerge()
    assert second.id in {r.id for r in demo_store.grid.rows()}
    panel.picker.value = second.id
    panel._on_split_open()
    panel.areas[0].value = "Première moitié"
    panel.second[0].value = "Seconde moitié"
    panel.split()
    assert [r.recommendation for r in demo_store.grid.rows("protection")] == [
        "Première moitié",
        "Seconde moitié",
    ]


def test_consolidation_keeps_typed_text_when_the_row_changes_elsewhere(demo_store: Store) -> None:
    from ccm_widgets.widgets import ConsolidationPanel

    panel = ConsolidationPanel(store=demo_store)
    row = demo_store.grid.rows("protection")[0]
    panel.picker.value = row.id
    panel.areas[0].value = "Texte de la plénière"
    demo_store.grid.update_cell(
        row.id, "recommendation", "Texte du groupe", seen=row.recommendation, actor="groupe"
    )
    panel.refresh()
    assert panel.areas[0].value == "Texte de la plénière"
    assert not panel.save()  # the conflict is said, nothing overwritten
    assert "Conflit" in panel.status.message
    assert demo_store.grid.row(row.id).recommendation == "Texte du groupe"


def test_duplicates_panel_merges_or_keeps(demo_store: Store) -> None:
    from ccm_widgets.widgets import DuplicatesPanel

    target = demo_store.grid.rows("migration-irreguliere")[2]
    copy = demo_store.grid.add(
        "gouvernance-et-coordination", [(target.recommendation.upper() + " !", "", "")]
    )[0]
    panel = DuplicatesPanel(store=demo_store)
    pair = next(p for p in panel.pairs if {p.first.id, p.second.id} == {target.id, copy.id})
    panel.keep(pair)
    assert all({p.first.id, p.second.id} != {target.id, copy.id} for p in panel.pairs)
    other = demo_store.grid.add("protection", [(target.recommendation, "", "")])[0]
    panel.refresh()
    pair = next(p for p in panel.pairs if other.id in (p.first.id, p.second.id))
    panel.merge(pair)
    assert demo_store.grid.row(pair.first.id).origin == (pair.first.section, pair.second.section)


def test_adoption_goes_row_by_row_and_keeps_the_ledger(demo_store: Store) -> None:
    from ccm_widgets.files.exporting import current_synthesis
    from ccm_widgets.widgets import AdoptionPanel

    panel = AdoptionPanel(store=demo_store)
    total = len(panel.entries)
    panel.decide("adopted")
    assert panel.index == 1
    panel.decide("withdrawn")
    panel.decide("amended")
    assert "1 adoptée(s), 1 amendée(s), 1 retirée(s)" in panel.summary.value
    assert len(current_synthesis(demo_store)) == total - 1
    assert len(panel.entries) == total  # withdrawn rows stay in the adoption view
    assert "Registre des décisions (3)" in panel.ledger.value
    panel.go(-2)
    panel.decide("", advance=False)
    assert len(current_synthesis(demo_store)) == total


def test_duplicates_panel_keeps_its_cards_when_other_columns_change(demo_store: Store) -> None:
    from ccm_widgets.widgets import DuplicatesPanel
    from ccm_widgets.widgets.plenary.consolidation import MAX_SHOWN

    demo_store.grid.add(
        "protection", [(f"Former les agents frontaliers aux droits des migrants {n}", "", "")
                       for n in range(MAX_SHOWN)]
    )  # fmt: skip
    demo_store.grid.add(
        "general", [("Former les agents frontaliers aux droits des migrants", "", "")]
    )
    panel = DuplicatesPanel(store=demo_store)
    cards = panel.list_box.children
    assert len(panel.pairs) > MAX_SHOWN
    assert len(cards) == MAX_SHOWN + 1  # and a line saying how many more
    assert "autre(s) paire(s)" in cards[-1].value
    row = demo_store.grid.rows("protection")[-1]
    demo_store.grid.update_cell(row.id, "challenges", "Nouveau défi", seen="", actor="g")
    panel.refresh()
    assert panel.list_box.children is cards or panel.list_box.children == cards
