"""The group's rows as cards (phones, touch screens), the grid fitted to the page, and the
projection's text size, driven from Python as the browser would drive them (issue 15)."""

from __future__ import annotations

import html
from collections.abc import Iterator

import pytest

from ccm_widgets.store import Store
from ccm_widgets.widgets import GroupGridEditor, ProjectionView
from ccm_widgets.widgets.grid.row_cards import RowCard
from ccm_widgets.widgets.grid.rows_grid import (
    COLUMN_WIDTHS,
    MIN_COLUMN_WIDTH,
    ROW_HEADER_WIDTH,
    column_widths,
)


def tab(store: Store, actor: str = "groupe:protection") -> GroupGridEditor:
    """A group's page on a phone: the page script says the cards are shown (how wide)."""
    editor = GroupGridEditor(store=store, section="protection", actor=actor, watch=False)
    editor.cards.probe.value = "360"
    return editor


@pytest.fixture
def editor(demo_store: Store) -> GroupGridEditor:
    return tab(demo_store)


def card(editor: GroupGridEditor, position: int) -> RowCard:
    return editor.cards.cards[editor.rows[position].id]


def test_the_cards_are_made_when_the_page_shows_them(demo_store: Store) -> None:
    laptop = GroupGridEditor(
        store=demo_store, section="protection", actor="groupe:protection", watch=False
    )
    laptop.page_width.value = "1180"  # the page's script runs; the style hides the cards
    assert laptop.cards.cards == {}
    laptop._build_cards_unless_told()
    assert laptop.cards.cards == {}
    silent = GroupGridEditor(
        store=demo_store, section="protection", actor="groupe:protection", watch=False
    )
    silent._build_cards_unless_told()  # no width came: the script is not running
    assert len(silent.cards.cards) == 2
    phone = tab(demo_store)
    assert [c.row_id for c in phone.cards.children[1:]] == [r.id for r in phone.rows]


def test_a_tab_asking_for_the_widgets_waits_while_the_cards_are_made_in_a_thread(
    demo_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """When the page's script says nothing within 5 s, the cards are made in a thread of
    their own; on a slow machine that is when the tab asks for the widgets' states, a read
    that broke ("dictionary changed size during iteration", seen in CI) or missed the cards,
    and the page stayed blank. The read now waits for the cards."""
    import threading
    import time

    from ipywidgets import Widget

    from ccm_widgets.pages import preheat
    from ccm_widgets.pages.preheat import notice_tab
    from ccm_widgets.widgets.grid.row_cards import RowCards

    silent = GroupGridEditor(
        store=demo_store, section="protection", actor="groupe:protection", watch=False
    )
    making = threading.Event()
    make = RowCards.build

    def slow(cards: RowCards) -> None:
        making.set()
        time.sleep(0.5)  # a busy machine
        make(cards)

    sent: list[dict[str, object]] = []

    class ControlComm:
        def send(self, data: dict[str, object], buffers: object = None) -> None:
            sent.append(data)

    monkeypatch.setattr(RowCards, "build", slow)
    monkeypatch.setattr(preheat, "TAB_SEEN", {})  # the tab seen here is forgotten after
    monkeypatch.setattr(Widget, "_control_comm", ControlComm(), raising=False)
    notice_tab()
    threading.Thread(target=silent._build_cards_unless_told, daemon=True).start()
    assert making.wait(10)
    Widget._handle_control_comm_msg({"content": {"data": {"method": "request_states"}}})
    states = sent[-1]["states"]
    assert isinstance(states, dict)
    shown = states[silent.cards.model_id]["state"]["children"]
    assert len(shown) == len(silent.rows) + 1  # the cards' heading, then a card per row
    assert all(child.model_id in states for child in silent.cards.children)


def test_a_card_per_row_in_order(editor: GroupGridEditor) -> None:
    shown = [c.row_id for c in editor.cards.children[1:]]
    assert shown == [r.id for r in editor.rows]
    first = card(editor, 0)
    assert first.areas["Recommandation"].value == editor.rows[0].recommendation
    assert "Ligne 1" in first.title.value
    # the page script keeps unsaved text of each field by row and field
    assert f"ccm-key-{editor.rows[0].id}-challenges" in first.areas["Défis"]._dom_classes


def test_text_typed_in_a_card_is_saved_to_its_row_and_shown_by_the_grid(
    editor: GroupGridEditor, demo_store: Store
) -> None:
    second = card(editor, 1)
    second.areas["Défis"].value = "Défi tapé au téléphone"
    second.flush()  # the pause after typing
    row = demo_store.grid.rows("protection")[1]
    assert row.challenges == "Défi tapé au téléphone"
    assert row.updated_by == "groupe:protection"
    assert editor.grid.data.iloc[1]["Défis"] == "Défi tapé au téléphone"
    assert "enregistrée à" in second.title.value
    assert editor.status.message.startswith("Enregistré à")


def test_a_save_in_the_grid_shows_in_the_cards(editor: GroupGridEditor) -> None:
    editor.edit_cell(0, "Perspectives", "Écrit dans la grille")
    assert card(editor, 0).areas["Perspectives"].value == "Écrit dans la grille"


def test_typing_on_while_the_last_text_is_saved_is_kept_and_saved_after(
    editor: GroupGridEditor, demo_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A key taken by the kernel while the card's last text is being saved: the redraw after
    the save does not put the saved text back over it, and it is saved next, over the text
    this tab has just written (not a conflict with itself)."""
    first = card(editor, 0)
    save = editor.session.edit_row

    def slow_save(*args: object, **kwargs: object) -> object:
        first.areas["Défis"].value = "Deux mots"  # the user typed on meanwhile
        monkeypatch.setattr(editor.session, "edit_row", save)
        return save(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(editor.session, "edit_row", slow_save)
    first.areas["Défis"].value = "Deux"
    first.flush()
    assert demo_store.grid.rows("protection")[0].challenges == "Deux"
    assert first.areas["Défis"].value == "Deux mots"
    first.flush()
    assert demo_store.grid.rows("protection")[0].challenges == "Deux mots"
    assert editor.session.conflicts == ()


def test_a_card_follows_another_tab_but_keeps_what_is_being_typed(demo_store: Store) -> None:
    tab_a, tab_b = tab(demo_store, "animateur"), tab(demo_store)
    tab_a.edit_cell(0, "Défis", "Texte de A")
    assert tab_b.watcher.check()
    assert card(tab_b, 0).areas["Défis"].value == "Texte de A"  # nobody typed there: live

    typing = card(tab_b, 0)
    typing.areas["Perspectives"].value = "Texte de B, pas encore enregistré"
    tab_a.edit_cell(0, "Perspectives", "Perspective de A")
    assert tab_b.watcher.check()
    assert typing.areas["Perspectives"].value == "Texte de B, pas encore enregistré"
    assert "autre onglet" in html.unescape(typing.title.value)
    typing.flush()  # typed over the older text: a conflict, both texts in the card
    assert demo_store.grid.rows("protection")[0].perspectives == "Perspective de A"
    shown = html.unescape(typing.conflicts.children[0].value)
    assert "Perspective de A" in shown
    assert "Texte de B, pas encore enregistré" in shown
    typing.conflicts.children[1].children[0].click()  # keep mine
    assert demo_store.grid.rows("protection")[0].perspectives == (
        "Texte de B, pas encore enregistré"
    )
    assert typing.conflicts.children == ()


def test_a_card_moves_deletes_and_restores_its_row(
    editor: GroupGridEditor, demo_store: Store
) -> None:
    first, second = (r.recommendation for r in demo_store.grid.rows("protection"))
    card(editor, 0).down_button.click()
    assert [r.recommendation for r in demo_store.grid.rows("protection")] == [second, first]
    assert [c.row_id for c in editor.cards.children[1:]] == [r.id for r in editor.rows]

    moved = card(editor, 1)
    moved.areas["Recommandation"].value = "Texte remplacé"
    moved.flush()
    moved.history_button.click()
    line, restore = moved.history_box.children[0].children
    assert first in html.unescape(line.value)
    restore.click()
    assert demo_store.grid.rows("protection")[1].recommendation == first

    card(editor, 0).delete_button.click()
    assert [r.recommendation for r in demo_store.grid.rows("protection")] == [first]
    assert len(editor.cards.cards) == 1
    editor.undo_button.click()
    assert len(editor.cards.cards) == 2


def test_closing_the_breakout_makes_the_cards_read_only(
    editor: GroupGridEditor, demo_store: Store
) -> None:
    demo_store.session.set_breakout(open=False, actor="animateur")
    editor.watcher.check()
    first = card(editor, 0)
    assert all(area.disabled for area in first.areas.values())
    assert "ccm-readonly" in first._dom_classes  # the page's style hides its buttons
    assert first.up_button.disabled


def test_adding_a_row_selects_it_in_both_views(editor: GroupGridEditor) -> None:
    row = editor.add_row()
    assert row is not None
    assert editor.selected == 2
    assert "Ligne 3" in editor.row_editor.title.value
    assert row.id in editor.cards.cards


def test_help_for_each_view_and_device(editor: GroupGridEditor) -> None:
    shown = html.unescape(editor.help.value)
    assert "Cliquez deux fois dans une case" in shown  # the grid, with a mouse
    assert "Touchez un texte" in shown  # the cards, on a touch screen
    assert "Cliquez dans un texte" in shown  # the cards, with a mouse


def test_help_once_closed_says_nothing_can_be_written(editor: GroupGridEditor) -> None:
    editor.readonly = True
    shown = html.unescape(editor.help.value)
    assert "Cliquez sur une case pour lire sa ligne" in shown  # the grid
    assert "ils ne se modifient plus" in shown  # the cards
    assert "Touchez un texte" not in shown
    assert "Cliquez deux fois" not in shown
    assert "ccm-help-grid" in editor.help.value  # each view keeps its own sentence
    editor.readonly = False
    assert "Touchez un texte" in html.unescape(editor.help.value)


@pytest.mark.parametrize("width", [780, 994, 1180, 1900])
def test_the_grid_columns_share_the_width_of_the_page(width: int) -> None:
    widths = column_widths(width)
    assert list(widths) == list(COLUMN_WIDTHS)
    assert ROW_HEADER_WIDTH + sum(widths.values()) <= width - 20  # room for a scroll bar
    assert widths["Recommandation"] > widths["Défis"] == widths["Perspectives"]


def test_a_grid_too_narrow_keeps_readable_columns() -> None:
    assert min(column_widths(300).values()) == MIN_COLUMN_WIDTH


def test_the_page_reports_its_width_and_the_grid_follows(editor: GroupGridEditor) -> None:
    editor.page_width.value = "994"
    assert editor.grid.column_widths == column_widths(994)
    editor.page_width.value = "pas une largeur"
    editor.page_width.value = "99999"
    assert editor.grid.column_widths == column_widths(994)


@pytest.fixture
def projection(demo_store: Store) -> Iterator[ProjectionView]:
    view = ProjectionView(store=demo_store, watch=False)
    yield view
    view.watcher.stop()


def test_the_projection_text_is_made_larger_or_smaller(projection: ProjectionView) -> None:
    assert "--ccm-scale:1.00" in projection.view.value
    projection.larger.click()
    projection.larger.click()
    assert projection.text_size == 120
    assert "--ccm-scale:1.20" in projection.view.value
    assert "120 %" in html.unescape(projection.size_label.value)
    # the browser is told to keep it
    assert "ccm-remember-value-120" in projection.memory._dom_classes
    for _ in range(20):
        projection.smaller.click()
    assert projection.text_size == 50
    assert projection.smaller.disabled


def test_the_projection_takes_the_size_the_browser_kept(projection: ProjectionView) -> None:
    projection.memory.value = "140"  # what the page script hands back when the page opens
    assert projection.text_size == 140
    projection.memory.value = "n'importe quoi"
    assert projection.text_size == 140
    projection.memory.value = "9000"
    assert projection.text_size == 250
