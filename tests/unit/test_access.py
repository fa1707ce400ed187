"""Rules kept where the data is: a tab's store checks its key, its group and the breakout at
every write, whatever the page in the browser was made to send."""

from __future__ import annotations

import pytest

from ccm_widgets.domain.model import GENERAL
from ccm_widgets.store import FACILITATOR, PROJECTION, Access, AccessError, Store


def bound(store: Store, role: str) -> Store:
    """Another tab's connection to the same store, bound like a page binds it."""
    tab = Store(store.location)
    key = (
        store.groups.facilitator_key()
        if role == FACILITATOR
        else store.groups.projection_key()
        if role == PROJECTION
        else store.groups.key(role)
    )
    tab.session.bind_access(Access(role, key))
    return tab


def test_a_group_writes_its_own_rows_only(any_store: Store) -> None:
    store = any_store
    _create(store)
    (theirs,) = store.grid.add("gouvernance", [("Leur texte", "", "")])
    tab = bound(store, "protection")
    (mine,) = tab.grid.add("protection", [("Notre texte", "", "")], actor="groupe:protection")
    tab.grid.update_cell(mine.id, "challenges", "Défi", seen="", actor="groupe:protection")
    for write in (
        lambda: tab.grid.add("gouvernance", [("x", "", "")], actor="groupe:protection"),
        lambda: tab.grid.add(GENERAL, [("x", "", "")], actor="groupe:protection"),
        lambda: tab.grid.update_cell(
            theirs.id, "recommendation", "x", seen="Leur texte", actor="groupe:protection"
        ),
        lambda: tab.grid.delete(theirs.id, actor="groupe:protection"),
        lambda: tab.grid.move(theirs.id, 1, actor="groupe:protection"),
        lambda: tab.session.set_breakout(open=False, actor="groupe:protection"),
        lambda: tab.plenary.decide(mine.id, "adopted", actor="groupe:protection"),
        lambda: tab.groups.renew_key("protection", actor="groupe:protection"),
    ):
        with pytest.raises(AccessError):
            write()
    assert store.grid.row(theirs.id).recommendation == "Leur texte"
    assert [r.recommendation for r in store.grid.rows("gouvernance")] == ["Leur texte"]
    assert store.session.breakout()[0]
    tab.close()


def test_a_closed_breakout_refuses_the_groups_writes_not_the_plenarys(any_store: Store) -> None:
    store = any_store
    _create(store)
    (row,) = store.grid.add("protection", [("Texte", "", "")])
    group, plenary = bound(store, "protection"), bound(store, FACILITATOR)
    plenary.session.set_breakout(open=False, actor="animateur")
    with pytest.raises(AccessError, match="clos"):
        group.grid.update_cell(row.id, "recommendation", "Après", seen="Texte", actor="g")
    with pytest.raises(AccessError, match="clos"):
        group.grid.add("protection", [("x", "", "")], actor="g")
    plenary.grid.update_cell(row.id, "recommendation", "Amendée", seen="Texte", actor="animateur")
    plenary.session.set_breakout(open=True, actor="animateur")
    group.grid.update_cell(row.id, "challenges", "Rouvert", seen="", actor="g")
    assert store.grid.row(row.id).cells() == ("Amendée", "Rouvert", "")
    group.close()
    plenary.close()


def test_a_renewed_key_refuses_the_old_tabs_writes(any_store: Store) -> None:
    store = any_store
    _create(store)
    group, plenary, projection = (
        bound(store, "protection"), bound(store, FACILITATOR), bound(store, PROJECTION)
    )  # fmt: skip
    with pytest.raises(AccessError):
        projection.grid.add(GENERAL, [("x", "", "")], actor="projection")
    store.groups.renew_key("protection")
    assert not group.session.access_valid()
    with pytest.raises(AccessError, match="plus valable"):
        group.grid.add("protection", [("x", "", "")], actor="g")
    plenary.grid.add(GENERAL, [("Toujours là", "", "")], actor="animateur")
    store.groups.renew_key("facilitator")
    with pytest.raises(AccessError, match="plus valable"):
        plenary.grid.add(GENERAL, [("x", "", "")], actor="animateur")
    assert [r.recommendation for r in store.grid.rows()] == ["Toujours là"]
    for tab in (group, plenary, projection):
        tab.close()


def test_replacing_the_meeting_renews_every_key(meeting_store: Store) -> None:
    from ccm_widgets.files.loading import load_demo

    old = (meeting_store.groups.facilitator_key(), meeting_store.groups.projection_key())
    plenary = bound(meeting_store, FACILITATOR)
    load_demo(meeting_store, force=True)
    assert (meeting_store.groups.facilitator_key(), meeting_store.groups.projection_key()) != old
    assert not plenary.session.access_valid()
    with pytest.raises(AccessError):
        plenary.grid.add(GENERAL, [("x", "", "")], actor="animateur")
    plenary.close()


def test_a_renewed_key_reads_nothing(any_store: Store) -> None:
    """A participant's page reads through the store under its access: once the key is
    renewed, the read is refused inside its own transaction, not only the writes."""
    store = any_store
    _create(store)
    store.grid.add("protection", [("Texte", "", "")])
    tab = bound(store, "protection")
    with tab.session.acting_as(tab.session.access or Access("protection", "")):
        tab.session.check_key()
    store.groups.renew_key("protection")
    with pytest.raises(AccessError, match="plus valable"):
        tab.session.check_key()
    tab.close()


def test_acting_as_checks_each_write_under_its_own_access(any_store: Store) -> None:
    """One connection serving many pages (the participants' server) binds each request's
    access in turn; it comes off after the request."""
    store = any_store
    _create(store)
    (theirs,) = store.grid.add("gouvernance", [("Leur texte", "", "")])
    key = store.groups.key("protection")
    with store.session.acting_as(Access("protection", key)), pytest.raises(AccessError):
        store.grid.update_cell(theirs.id, "challenges", "x", seen="", actor="groupe:protection")
    assert store.session.access is None
    store.grid.update_cell(theirs.id, "challenges", "y", seen="", actor="cli")  # unbound again
    assert store.grid.row(theirs.id).challenges == "y"


def _create(store: Store) -> None:
    import datetime as dt

    from ccm_widgets.domain.model import Group, Meeting

    store.meetings.create(
        Meeting(title="Essai", date=dt.date(2026, 3, 2), venue="Niamey"),
        groups=[Group(slug="protection", name="Protection"),
                Group(slug="gouvernance", name="Gouvernance")],
    )  # fmt: skip
