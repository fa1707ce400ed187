"""Widgets driven from Python, as a browser would drive them: traits, triggers, the store."""

from __future__ import annotations

import html
import time
from pathlib import Path

import ipywidgets as w
import pytest

from ccm_widgets.domain.model import GENERAL
from ccm_widgets.pages import group_page, home_page, plenary_page, preheat, query_params
from ccm_widgets.store import Store
from ccm_widgets.widgets import ExportPanel, GroupGridEditor, PlenaryBoard


@pytest.fixture
def editor(demo_store: Store) -> GroupGridEditor:
    return GroupGridEditor(
        store=demo_store, section="protection", actor="groupe:protection", watch=False
    )


def test_grid_shows_only_the_three_columns_numbered(editor: GroupGridEditor) -> None:
    frame = editor.grid.data
    assert list(frame.columns) == ["Recommandation", "Défis", "Perspectives"]
    assert frame.index.name == "N°"
    assert list(frame.index) == [1, 2]
    assert not frame.isna().any().any()


def test_cell_edit_is_saved_with_author(editor: GroupGridEditor, demo_store: Store) -> None:
    editor._on_cell_change(
        {"row": 1, "column": "Défis", "column_index": 1, "value": "Nouveau défi"}
    )
    row = demo_store.grid.rows("protection")[1]
    assert row.challenges == "Nouveau défi"
    assert row.updated_by == "groupe:protection"
    assert editor.status.message.startswith("Enregistré à")


def test_echo_of_unchanged_value_writes_nothing(editor: GroupGridEditor, demo_store: Store) -> None:
    counter = demo_store.session.change_counter()
    same = demo_store.grid.rows("protection")[0].recommendation
    editor.edit_cell(0, "Recommandation", same)
    assert demo_store.session.change_counter() == counter


def test_conflict_shows_both_texts_and_lets_user_choose(
    editor: GroupGridEditor, demo_store: Store
) -> None:
    other = GroupGridEditor(store=demo_store, section="protection", actor="animateur", watch=False)
    other.edit_cell(0, "Recommandation", "Texte de l'animateur")
    editor.edit_cell(0, "Recommandation", "Texte du rapporteur")
    assert demo_store.grid.rows("protection")[0].recommendation == "Texte de l'animateur"
    shown = editor.conflict_box.children[0].value
    assert "Texte de l&#x27;animateur" in shown
    assert "Texte du rapporteur" in shown
    keep_mine = editor.conflict_box.children[1].children[0]
    keep_mine.click()
    assert demo_store.grid.rows("protection")[0].recommendation == "Texte du rapporteur"
    assert editor.conflict_box.children == ()


def test_add_delete_undo(editor: GroupGridEditor, demo_store: Store) -> None:
    editor.add_button.click()
    assert len(editor.grid.data) == 3
    editor.edit_cell(2, "Perspectives", "p")
    editor._on_cell_click({"region": "body", "primary_key_row": 2, "column_index": 0})
    editor.delete_button.click()
    assert len(demo_store.grid.rows("protection")) == 2
    editor.undo_button.click()
    assert [r.perspectives for r in demo_store.grid.rows("protection")][-1] == "p"


def test_other_tab_change_arrives_through_the_watcher(
    editor: GroupGridEditor, demo_store: Store
) -> None:
    demo_store.grid.add("protection", [("Ajout d'un autre onglet", "", "")], actor="animateur")
    assert editor.watcher.check()
    assert editor.grid.data.iloc[-1]["Recommandation"] == "Ajout d'un autre onglet"
    assert editor.status.message.startswith("Mis à jour")


def test_failed_write_is_visible_and_keeps_text(editor: GroupGridEditor, demo_store: Store) -> None:
    demo_store.db._conn.execute("PRAGMA query_only = ON")
    editor.edit_cell(0, "Recommandation", "texte à ne pas perdre")
    assert editor.status.level == "error"
    assert "Non enregistré" in editor.status.message


def test_readonly_grid(demo_store: Store) -> None:
    editor = GroupGridEditor(
        store=demo_store, section="protection", actor="x", readonly=True, watch=False
    )
    assert editor.grid.editable is False
    assert editor.add_button.disabled


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


def test_group_page_identity_from_url(demo_store: Store) -> None:
    ok = group_page(
        store=demo_store, params={"groupe": "protection", "cle": key_of(demo_store, "protection")}
    )
    assert isinstance(ok.children[1], GroupGridEditor)
    assert ok.children[1].actor == "groupe:protection"
    wrong = group_page(
        store=demo_store,
        params={"groupe": "protection", "cle": key_of(demo_store, "economie-alternative")},
    )
    assert isinstance(wrong, w.HTML)
    assert "clé d'accès" in html.unescape(wrong.value)
    unknown = group_page(store=demo_store, params={"groupe": "../etc", "cle": "x"})
    assert "aucun groupe" in unknown.value
    facilitator = group_page(
        store=demo_store, params={"groupe": "protection", "cle": key_of(demo_store)}
    )
    assert facilitator.children[1].actor == "animateur"


def test_plenary_and_home_need_the_facilitator_key(demo_store: Store) -> None:
    refused = plenary_page(store=demo_store, params={"cle": key_of(demo_store, "protection")})
    assert "clé d'accès" in html.unescape(refused.value)
    assert isinstance(plenary_page(store=demo_store, params={"cle": key_of(demo_store)}), w.VBox)
    home = home_page(store=demo_store, params={"cle": key_of(demo_store)})
    home.children[1].stop()
    links = home.children[2].value
    assert "groupe.ipynb?groupe=protection" in links
    assert links.count("<svg") == len(demo_store.groups.all())
    assert "groupe.ipynb?groupe=general&amp;cle=" + key_of(demo_store) in links
    assert "projection.ipynb?cle=" + demo_store.groups.projection_key() in links


def test_home_page_links_and_qr_codes_carry_the_rooms_address(
    demo_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The facilitator opened the page as localhost; the phones need the room's address."""
    monkeypatch.setenv("SERVER_NAME", "localhost")
    monkeypatch.setenv("SERVER_PORT", "8866")
    monkeypatch.setenv("CCM_PUBLIC_URL", "http://192.168.43.10:8866")
    home = home_page(store=demo_store, params={"cle": key_of(demo_store)})
    home.children[1].stop()
    links = home.children[2].value
    assert "localhost" not in links
    protection = "http://192.168.43.10:8866/voila/render/groupe.ipynb?groupe=protection"
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


def test_row_editor_shows_full_text_and_saves_multiline(
    editor: GroupGridEditor, demo_store: Store
) -> None:
    editor._on_cell_click({"region": "body", "primary_key_row": 1, "column_index": 2})
    area = editor.row_editor.areas["Perspectives"]
    assert area.value.startswith("- Guide de poche")
    assert "\n- Sessions" in area.value
    area.value = "- premier point\n- second point"
    editor.row_editor.flush()  # the pause after typing
    assert demo_store.grid.rows("protection")[1].perspectives == "- premier point\n- second point"
    assert editor.grid.data.iloc[1]["Perspectives"] == "- premier point\n- second point"


def test_move_and_restore_from_history(editor: GroupGridEditor, demo_store: Store) -> None:
    first, second = (r.recommendation for r in demo_store.grid.rows("protection"))
    editor.select(1)
    editor.row_editor.up_button.click()
    assert [r.recommendation for r in demo_store.grid.rows("protection")] == [second, first]
    assert editor.selected == 0
    editor.row_editor.areas["Recommandation"].value = "Texte remplacé"
    editor.row_editor.flush()
    editor.row_editor.history_button.click()
    line, restore = editor.row_editor.history_box.children[0].children
    assert second in html.unescape(line.value)
    restore.click()
    assert demo_store.grid.rows("protection")[0].recommendation == second


def test_paste_block_adds_rows(editor: GroupGridEditor, demo_store: Store) -> None:
    editor.import_panel.paste_area.value = "R1\tD1\tP1\nR2\t\t\n"
    editor.import_panel.paste_button.click()
    assert [r.recommendation for r in demo_store.grid.rows("protection")][-2:] == ["R1", "R2"]
    assert editor.import_panel.paste_area.value == ""


def test_upload_bad_file_says_why_and_adds_nothing(
    editor: GroupGridEditor, demo_store: Store
) -> None:
    assert editor.import_file("notes.csv", b"Nom;Prix\na;b\n") == 0
    assert editor.status.level == "error"
    assert "notes.csv" in editor.status.message
    assert len(demo_store.grid.rows("protection")) == 2
    good = "Recommandation;Défis\nImportée;\n".encode("cp1252")
    assert editor.import_file("grille.csv", good) == 1


def test_closing_the_breakout_makes_grids_read_only(
    editor: GroupGridEditor, demo_store: Store
) -> None:
    from ccm_widgets.widgets.plenary.breakout_control import BreakoutControl

    control = BreakoutControl(store=demo_store, tick=False)
    control.start(30)
    assert editor.watcher.check()
    assert "Temps restant : 29 min" in editor.timer.value or "30 min" in editor.timer.value
    control.close_button.click()
    editor.watcher.check()
    assert editor.readonly
    assert editor.grid.editable is False
    assert "clos" in editor.timer.value
    general = GroupGridEditor(store=demo_store, section="general", actor="animateur", watch=False)
    assert not general.readonly  # the plenary's own section stays open
    control.reopen_button.click()
    editor.watcher.check()
    assert not editor.readonly


def test_countdown_text() -> None:
    import datetime as dt

    from ccm_widgets.widgets.grid.breakout_timer import remaining_text

    now = dt.datetime(2026, 1, 1, 10, 0, tzinfo=dt.UTC)
    assert remaining_text("2026-01-01T10:12:05+00:00", now) == (
        "Temps restant : 12 min 05 s",
        "info",
    )
    assert remaining_text("2026-01-01T10:04:00+00:00", now)[1] == "warning"
    assert remaining_text("2026-01-01T09:59:00+00:00", now)[1] == "over"
    assert remaining_text("", now) == ("", "info")


@pytest.mark.parametrize("actor_a", ["animateur", "groupe:protection"])
def test_typing_over_a_text_changed_elsewhere_is_a_conflict(
    demo_store: Store, actor_a: str
) -> None:
    """Tab B opened its cell editor before tab A's save arrived: B's save must not win silently."""
    tab_a = GroupGridEditor(store=demo_store, section="protection", actor=actor_a, watch=False)
    tab_b = GroupGridEditor(
        store=demo_store, section="protection", actor="groupe:protection", watch=False
    )
    tab_b.select(0)
    tab_a.edit_cell(0, "Défis", "Texte de A")
    assert tab_b.watcher.check()  # B's grid now shows A's text, B's open editor does not
    tab_b.edit_cell(0, "Défis", "Texte de B, tapé sur l'ancien")
    assert demo_store.grid.rows("protection")[0].challenges == "Texte de A"
    assert "Texte de A" in html.unescape(tab_b.conflict_box.children[0].value)


def test_selecting_the_row_again_shows_the_new_text_and_clears_the_mark(demo_store: Store) -> None:
    tab_a = GroupGridEditor(store=demo_store, section="protection", actor="animateur", watch=False)
    tab_b = GroupGridEditor(
        store=demo_store, section="protection", actor="groupe:protection", watch=False
    )
    tab_b.select(0)
    tab_b.row_editor.areas["Défis"].value = tab_b.row_editor.areas["Défis"].value  # no-op
    tab_a.edit_cell(0, "Défis", "Texte de A")
    tab_b.watcher.check()
    assert tab_b.row_editor.areas["Défis"].value != "Texte de A"  # not overwritten while typing
    assert "autre onglet" in html.unescape(tab_b.row_editor.title.value)
    tab_b.select(0)
    assert tab_b.row_editor.areas["Défis"].value == "Texte de A"
    tab_b.edit_cell(0, "Défis", "Suite de B")
    assert demo_store.grid.rows("protection")[0].challenges == "Suite de B"


def test_edits_to_different_rows_from_two_tabs_are_both_kept(demo_store: Store) -> None:
    tab_a = GroupGridEditor(store=demo_store, section="protection", actor="animateur", watch=False)
    tab_b = GroupGridEditor(
        store=demo_store, section="protection", actor="groupe:protection", watch=False
    )
    tab_a.edit_cell(0, "Défis", "A ligne 1")
    tab_b.edit_cell(1, "Défis", "B ligne 2")
    assert [r.challenges for r in demo_store.grid.rows("protection")] == ["A ligne 1", "B ligne 2"]
    assert tab_a.watcher.check()
    assert tab_a.grid.data.iloc[1]["Défis"] == "B ligne 2"
    assert tab_b.conflict_box.children == ()


def test_a_change_from_another_kernel_between_two_polls_is_not_skipped(
    demo_store: Store,
) -> None:
    """Tab B's own save must not swallow tab A's change that landed just before it."""
    with Store(demo_store.path) as kernel_b:  # every tab has its own kernel and connection
        tab_a = GroupGridEditor(
            store=demo_store, section="protection", actor="animateur", watch=False
        )
        tab_b = GroupGridEditor(
            store=kernel_b, section="protection", actor="groupe:protection", watch=False
        )
        tab_a.edit_cell(0, "Défis", "Écrit par A")
        tab_b.edit_cell(1, "Défis", "Écrit par B")  # before B's watcher has polled
        assert tab_b.watcher.check()
        assert list(tab_b.grid.data["Défis"]) == ["Écrit par A", "Écrit par B"]
        tab_b.edit_cell(1, "Défis", "B encore")  # alone this time: no refresh to do
        assert not tab_b.watcher.check()


def test_a_conflict_shown_follows_the_cell_changed_again(demo_store: Store) -> None:
    """Tab B in conflict: A changes the cell again; B's choice is between the texts there now."""
    tab_a = GroupGridEditor(store=demo_store, section="protection", actor="animateur", watch=False)
    tab_b = GroupGridEditor(
        store=demo_store, section="protection", actor="groupe:protection", watch=False
    )
    tab_b.select(0)
    tab_a.edit_cell(0, "Défis", "Texte de A")
    tab_b.edit_cell(0, "Défis", "Texte de B")
    assert "Texte de A" in html.unescape(tab_b.conflict_box.children[0].value)
    tab_a.edit_cell(0, "Défis", "Texte de A, corrigé")
    assert tab_b.watcher.check()
    shown = html.unescape(tab_b.conflict_box.children[0].value)
    assert "« Texte de A, corrigé »" in shown
    assert "« Texte de B »" in shown
    assert tab_b.row_editor.areas["Défis"].value == "Texte de A, corrigé"
    assert tab_b.grid.data.iloc[0]["Défis"] == "Texte de A, corrigé"
    assert tab_b.status.message.startswith("Conflit")  # still to be settled
    tab_b.conflict_box.children[1].children[0].click()  # keep mine
    assert demo_store.grid.rows("protection")[0].challenges == "Texte de B"
    assert tab_b.status.message.startswith("Enregistré à")


def test_keeping_the_stored_text_ends_the_conflict_and_says_what_was_kept(
    demo_store: Store,
) -> None:
    tab_a = GroupGridEditor(store=demo_store, section="protection", actor="animateur", watch=False)
    tab_b = GroupGridEditor(
        store=demo_store, section="protection", actor="groupe:protection", watch=False
    )
    tab_a.edit_cell(0, "Perspectives", "Perspective de A")
    tab_b.edit_cell(0, "Perspectives", "Perspective de B")
    assert tab_b.status.level == "warning"
    assert tab_b.status.message.startswith("Conflit")
    keep_theirs = tab_b.conflict_box.children[1].children[1]
    assert keep_theirs.description == "Garder le texte enregistré"
    keep_theirs.click()
    assert tab_b.conflict_box.children == ()
    assert "Conflit" not in tab_b.status.message
    assert tab_b.status.message.startswith("Ligne 1, Perspectives : le texte enregistré est gardé")
    assert tab_b.status.level == "ok"
    assert demo_store.grid.rows("protection")[0].perspectives == "Perspective de A"
    assert tab_b.grid.data.iloc[0]["Perspectives"] == "Perspective de A"


def test_an_unexpected_failure_is_never_shown_as_saved(
    editor: GroupGridEditor, demo_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    editor.edit_cell(0, "Défis", "Premier texte")
    assert editor.status.message.startswith("Enregistré à")

    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("connexion coupée")

    monkeypatch.setattr(demo_store.grid, "update_cell", broken)
    editor.select(0)
    editor.row_editor.areas["Défis"].value = "texte à ne pas perdre"
    editor.row_editor.flush()
    assert editor.status.level == "error"
    assert editor.status.message.startswith("Non enregistré : erreur inattendue")
    assert editor.row_editor.areas["Défis"].value == "texte à ne pas perdre"
    assert demo_store.grid.rows("protection")[0].challenges == "Premier texte"


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


def test_projection_shows_one_section_at_a_time(demo_store: Store) -> None:
    from ccm_widgets.pages import projection_page

    page = projection_page(store=demo_store, params={"cle": demo_store.groups.projection_key()})
    assert "RECOMMANDATIONS D&#x27;ORDRE GÉNÉRAL" in page.view.value
    assert page.previous.disabled
    page.next.click()
    assert "GROUPE THÉMATIQUE" in page.view.value
    page.watcher.stop()
    refused = projection_page(store=demo_store, params={"cle": key_of(demo_store, "protection")})
    assert "clé" in refused.value.lower()


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


@pytest.mark.parametrize(
    "query",
    [
        "",
        "groupe=protection",
        "groupe=protection&cle=",
        "groupe=protection&cle=%00%FF",
        "groupe=protection&cle=' OR 1=1 --",
        "groupe=%3Cscript%3Ealert(1)%3C%2Fscript%3E&cle=x",
        "groupe=..%2F..%2Fdata%2Fccm.sqlite&cle=x",
        "groupe=general&cle=x",
        "groupe=protection&groupe=general&cle=x",
        "cle=" + "A" * 10_000,
    ],
)
def test_hostile_query_strings_open_nothing_and_write_nothing(
    demo_store: Store, query: str
) -> None:
    """What any of these shows is a French message; the store does not move."""
    counter = demo_store.session.change_counter()
    params = query_params({"QUERY_STRING": query})
    for page in (group_page, plenary_page, home_page):
        shown = page(store=demo_store, params=params)
        assert isinstance(shown, w.HTML)
        assert "ccm-message" in shown.value
        assert "<script>" not in shown.value
    from ccm_widgets.pages import attendance_page, projection_page

    for page in (projection_page, attendance_page):
        assert "ccm-message" in page(store=demo_store, params=params).value
    assert demo_store.session.change_counter() == counter


def test_a_preheated_group_page_is_shown_at_once_and_filled_by_the_request(
    demo_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Voilà sends the page without waiting for the grid; the tab's request fills it in."""
    import threading

    from ccm_widgets import pages

    request = threading.Event()
    query = f"groupe=protection&cle={key_of(demo_store, 'protection')}"

    def wait_for_request(prepare: object = None) -> None:  # Voilà's voila/query websocket
        assert request.wait(10)
        monkeypatch.setenv("QUERY_STRING", query)

    monkeypatch.setenv("VOILA_PREHEAT", "True")
    monkeypatch.setattr(pages, "wait_for_request", wait_for_request)
    page = group_page(store=demo_store)
    assert page.children == ()  # shown before any tab took the kernel
    request.set()
    deadline = time.monotonic() + 10
    while not page.children and time.monotonic() < deadline:
        time.sleep(0.02)
    editor = page.children[0].children[1]
    assert isinstance(editor, GroupGridEditor)
    assert editor.actor == "groupe:protection"


def test_a_tab_asking_for_the_widgets_while_its_grid_is_built_gets_the_whole_page(
    demo_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The grid is built in a thread once the request has come; the tab asks for the
    widgets' states as soon as its scripts are loaded, which on a busy machine was during
    the build. ipywidgets read its widgets meanwhile: the read failed ("dictionary changed
    size during iteration"), or sent a page without its grid, and the grid never showed.
    The tab's request now waits for the build."""
    import threading

    from ipywidgets import Widget

    from ccm_widgets import pages

    request, building = threading.Event(), threading.Event()
    query = f"groupe=protection&cle={key_of(demo_store, 'protection')}"

    def wait_for_request(prepare: object = None) -> None:
        assert request.wait(10)
        monkeypatch.setenv("QUERY_STRING", query)

    build = pages._group_widget

    def slow_build(*args: object) -> w.Widget:
        built = build(*args)  # type: ignore[arg-type]
        building.set()
        time.sleep(0.5)  # the rest of the page, on a busy machine
        return built

    sent: list[dict[str, object]] = []

    class ControlComm:
        def send(self, data: dict[str, object], buffers: object = None) -> None:
            sent.append(data)

    monkeypatch.setenv("VOILA_PREHEAT", "True")
    monkeypatch.setattr(pages, "wait_for_request", wait_for_request)
    monkeypatch.setattr(pages, "_group_widget", slow_build)
    monkeypatch.setattr(preheat, "TAB_SEEN", {})  # the tab seen here is forgotten after
    monkeypatch.setattr(Widget, "_control_comm", ControlComm(), raising=False)
    page = group_page(store=demo_store)
    request.set()
    assert building.wait(10)
    Widget._handle_control_comm_msg({"content": {"data": {"method": "request_states"}}})
    states = sent[-1]["states"]
    assert isinstance(states, dict)
    children = states[page.model_id]["state"]["children"]
    assert children == [f"IPY_MODEL_{page.children[0].model_id}"]
    assert page.children[0].children[1].model_id in states  # the grid's editor


def test_a_preheated_page_that_cannot_be_built_says_so(
    demo_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ccm_widgets import pages

    def wait_for_request(prepare: object = None) -> None:
        raise OSError("le serveur Voilà s'est arrêté")

    monkeypatch.setenv("VOILA_PREHEAT", "True")
    monkeypatch.setattr(pages, "wait_for_request", wait_for_request)
    page = group_page(store=demo_store)
    deadline = time.monotonic() + 10
    while not page.children and time.monotonic() < deadline:
        time.sleep(0.02)
    assert "Rechargez-la" in html.unescape(page.children[0].value)


def test_a_preheated_kernel_waits_for_its_request_and_shows_its_secret(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The request comes over ``voila/query`` to a kernel that shows the server's secret;
    a socket dropped meanwhile is opened again, the request still comes."""
    import json
    import threading

    from websockets.sync.server import serve

    from ccm_widgets import pages

    seen: list[str | None] = []

    def answer(socket: object) -> None:
        seen.append(socket.request.headers.get("X-Ccm-Requete"))  # type: ignore[attr-defined]
        if len(seen) == 1:
            return  # the first socket drops without a word
        socket.send(json.dumps({"QUERY_STRING": "groupe=x&cle=y"}))  # type: ignore[attr-defined]

    with serve(answer, "127.0.0.1", 0) as server:
        threading.Thread(target=server.serve_forever, daemon=True).start()
        monkeypatch.setenv("VOILA_PREHEAT", "True")
        monkeypatch.setenv("VOILA_APP_PORT", str(server.socket.getsockname()[1]))
        monkeypatch.setenv("VOILA_KERNEL_ID", "k")
        monkeypatch.setenv("CCM_QUERY_SECRET", "secret")
        monkeypatch.delenv("QUERY_STRING", raising=False)
        monkeypatch.setattr(preheat, "TAB_SEEN", {})  # no tab has asked this kernel yet
        pages.wait_for_request(poll=0.2)
        server.shutdown()
    assert seen == ["secret", "secret"]
    assert pages.query_params() == {"groupe": "x", "cle": "y"}


def test_a_tab_whose_request_never_comes_is_told_to_reload(
    demo_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A tab asked this kernel for its widgets, but the request was lost: after the patience,
    the page says to reload instead of staying blank."""
    from ccm_widgets import pages

    monkeypatch.setenv("VOILA_PREHEAT", "True")
    monkeypatch.setenv("VOILA_APP_PORT", "9")  # nothing listens: the request cannot come
    monkeypatch.setitem(pages.TAB_SEEN, "at", time.monotonic() - 31)
    with pytest.raises(pages.RequestLost):
        pages.wait_for_request(patience=30, poll=0.1)

    def lost(prepare: object = None) -> None:
        raise pages.RequestLost("k")

    monkeypatch.setattr(pages, "wait_for_request", lost)
    page = group_page(store=demo_store)
    deadline = time.monotonic() + 10
    while not page.children and time.monotonic() < deadline:
        time.sleep(0.02)
    assert "Rechargez-la" in html.unescape(page.children[0].value)
    assert "demande" in html.unescape(page.children[0].value)


def _models(widget: w.Widget, seen: set[str]) -> None:
    """The models the browser builds to show ``widget``: it, its layout, style, children."""
    if not isinstance(widget, w.Widget) or widget.model_id in seen:
        return
    seen.add(widget.model_id)
    for name in widget.keys:
        value = getattr(widget, name, None)
        for item in value if isinstance(value, (list, tuple)) else [value]:
            _models(item, seen)


def test_a_group_page_sends_few_widget_models(demo_store: Store) -> None:
    """Each model is sent by the kernel and built by the browser before the grid can be
    edited, ten tabs at once on the room's laptops and phones: 130 before the row editor,
    toolbar and drafts shared their layouts and styles and the import was made on opening."""
    editor = GroupGridEditor(
        store=demo_store, section="protection", actor="groupe:protection", watch=False
    )
    seen: set[str] = set()
    _models(editor, seen)
    assert len(seen) <= 80, len(seen)  # measured: 70
    assert editor._import_panel is None
    editor.more.selected_index = 0  # the group opens "Coller ou importer…"
    assert editor._import_box.children == (editor.import_panel,)
    editor.import_panel.paste_area.value = "Collée à l'ouverture\t\t\n"
    editor.import_panel.paste_button.click()
    assert demo_store.grid.rows("protection")[-1].recommendation == "Collée à l'ouverture"
