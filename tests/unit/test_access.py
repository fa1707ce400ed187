"""Rules kept where the data is: a tab's store checks its key, its group and the breakout at
every write, whatever the page in the browser was made to send."""

from __future__ import annotations

import pytest

from ccm_widgets.domain.model import GENERAL
from ccm_widgets.pages import group_page
from ccm_widgets.store import FACILITATOR, PROJECTION, Access, AccessError, Store


def bound(store: Store, role: str) -> Store:
    """Another tab's connection to the same store, bound like a page binds it."""
    tab = Store(store.location)
    key = (
        store.facilitator_key()
        if role == FACILITATOR
        else store.projection_key()
        if role == PROJECTION
        else store.group_key(role)
    )
    tab.bind_access(Access(role, key))
    return tab


def test_a_group_writes_its_own_rows_only(any_store: Store) -> None:
    store = any_store
    _create(store)
    (theirs,) = store.add_grid_rows("gouvernance", [("Leur texte", "", "")])
    tab = bound(store, "protection")
    (mine,) = tab.add_grid_rows("protection", [("Notre texte", "", "")], actor="groupe:protection")
    tab.update_grid_cell(mine.id, "challenges", "Défi", seen="", actor="groupe:protection")
    for write in (
        lambda: tab.add_grid_rows("gouvernance", [("x", "", "")], actor="groupe:protection"),
        lambda: tab.add_grid_rows(GENERAL, [("x", "", "")], actor="groupe:protection"),
        lambda: tab.update_grid_cell(
            theirs.id, "recommendation", "x", seen="Leur texte", actor="groupe:protection"
        ),
        lambda: tab.delete_grid_row(theirs.id, actor="groupe:protection"),
        lambda: tab.move_grid_row(theirs.id, 1, actor="groupe:protection"),
        lambda: tab.set_breakout(open=False, actor="groupe:protection"),
        lambda: tab.set_decision(mine.id, "adopted", actor="groupe:protection"),
        lambda: tab.renew_key("protection", actor="groupe:protection"),
    ):
        with pytest.raises(AccessError):
            write()
    assert store.grid_row(theirs.id).recommendation == "Leur texte"
    assert [r.recommendation for r in store.grid_rows("gouvernance")] == ["Leur texte"]
    assert store.breakout()[0]
    tab.close()


def test_a_closed_breakout_refuses_the_groups_writes_not_the_plenarys(any_store: Store) -> None:
    store = any_store
    _create(store)
    (row,) = store.add_grid_rows("protection", [("Texte", "", "")])
    group, plenary = bound(store, "protection"), bound(store, FACILITATOR)
    plenary.set_breakout(open=False, actor="animateur")
    with pytest.raises(AccessError, match="clos"):
        group.update_grid_cell(row.id, "recommendation", "Après", seen="Texte", actor="g")
    with pytest.raises(AccessError, match="clos"):
        group.add_grid_rows("protection", [("x", "", "")], actor="g")
    plenary.update_grid_cell(row.id, "recommendation", "Amendée", seen="Texte", actor="animateur")
    plenary.set_breakout(open=True, actor="animateur")
    group.update_grid_cell(row.id, "challenges", "Rouvert", seen="", actor="g")
    assert store.grid_row(row.id).cells() == ("Amendée", "Rouvert", "")
    group.close()
    plenary.close()


def test_a_renewed_key_refuses_the_old_tabs_writes(any_store: Store) -> None:
    store = any_store
    _create(store)
    group, plenary, projection = (
        bound(store, "protection"), bound(store, FACILITATOR), bound(store, PROJECTION)
    )  # fmt: skip
    with pytest.raises(AccessError):
        projection.add_grid_rows(GENERAL, [("x", "", "")], actor="projection")
    store.renew_key("protection")
    assert not group.access_valid()
    with pytest.raises(AccessError, match="plus valable"):
        group.add_grid_rows("protection", [("x", "", "")], actor="g")
    plenary.add_grid_rows(GENERAL, [("Toujours là", "", "")], actor="animateur")
    store.renew_key("facilitator")
    with pytest.raises(AccessError, match="plus valable"):
        plenary.add_grid_rows(GENERAL, [("x", "", "")], actor="animateur")
    assert [r.recommendation for r in store.grid_rows()] == ["Toujours là"]
    for tab in (group, plenary, projection):
        tab.close()


def test_replacing_the_meeting_renews_every_key(meeting_store: Store) -> None:
    from ccm_widgets.files.loading import load_demo

    old = (meeting_store.facilitator_key(), meeting_store.projection_key())
    plenary = bound(meeting_store, FACILITATOR)
    load_demo(meeting_store, force=True)
    assert (meeting_store.facilitator_key(), meeting_store.projection_key()) != old
    assert not plenary.access_valid()
    with pytest.raises(AccessError):
        plenary.add_grid_rows(GENERAL, [("x", "", "")], actor="animateur")
    plenary.close()


def test_a_group_page_shows_that_its_link_is_no_longer_valid(demo_store: Store) -> None:
    key = demo_store.group_key("protection")
    page = group_page(store=demo_store, params={"groupe": "protection", "cle": key})
    guard = page.ccm_guard
    guard.watcher.stop()
    editor = page.children[1]
    assert guard.check()
    with Store(demo_store.location) as cli:  # the page bound demo_store to the group
        cli.renew_key("protection")
        assert not guard.check()
        assert "plus valable" in page.children[0].value
        assert editor.readonly
        cli.set_breakout(open=True, actor="animateur")
    editor._on_store_change(0)
    assert editor.readonly  # reopening the breakout does not unlock a revoked tab


def _create(store: Store) -> None:
    import datetime as dt

    from ccm_widgets.domain.model import Group, Meeting

    store.create_meeting(
        Meeting(title="Essai", date=dt.date(2026, 3, 2), venue="Niamey"),
        groups=[Group(slug="protection", name="Protection"),
                Group(slug="gouvernance", name="Gouvernance")],
    )  # fmt: skip
