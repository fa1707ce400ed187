"""A tab's grid session driven without any widget: what a grid, or a phone's cards, relies on.

Two sessions on one store are two tabs of one group (Voilà gives each its own kernel; here
they share a connection, or each opens its own where the test says so).
"""

from __future__ import annotations

import re

import pytest

from ccm_widgets.domain.model import ValidationError
from ccm_widgets.store import AccessError, Store, StoreError
from ccm_widgets.store.session import Access
from ccm_widgets.widgets.grid.session import GridSession, Outcome

SECTION = "protection"


def tab(store: Store, actor: str = "groupe:protection") -> GridSession:
    return GridSession(store, SECTION, actor)


@pytest.fixture
def tab_a(demo_store: Store) -> GridSession:
    return tab(demo_store, "animateur")


@pytest.fixture
def tab_b(demo_store: Store) -> GridSession:
    return tab(demo_store)


def stored(store: Store, position: int = 0, field: str = "challenges") -> str:
    return str(getattr(store.grid.rows(SECTION)[position], field))


# -- saving ------------------------------------------------------------------------------------


def test_an_edit_is_saved_read_back_and_said(tab_b: GridSession, demo_store: Store) -> None:
    result = tab_b.edit(1, "challenges", "Nouveau défi")
    assert result.outcome is Outcome.SAVED
    assert result.row is not None
    assert (result.row.challenges, result.position) == ("Nouveau défi", 1)
    assert result.notice is not None
    assert result.notice.level == "ok"
    assert re.fullmatch(r"Enregistré à \d\d:\d\d:\d\d \(ligne 2, Défis\)", result.notice.text)
    assert tab_b.rows[1].challenges == stored(demo_store, 1) == "Nouveau défi"
    assert not tab_b.watcher.check()  # its own write: no refresh to do


def test_an_echo_writes_nothing_and_says_nothing(tab_b: GridSession, demo_store: Store) -> None:
    counter = demo_store.session.change_counter()
    result = tab_b.edit(0, "recommendation", tab_b.rows[0].recommendation)
    assert (result.outcome, result.notice) == (Outcome.UNCHANGED, None)
    assert demo_store.session.change_counter() == counter


def test_a_position_that_is_not_there_changes_nothing(tab_b: GridSession) -> None:
    assert tab_b.edit(7, "challenges", "x").outcome is Outcome.UNCHANGED
    assert tab_b.delete(-1).outcome is Outcome.UNCHANGED
    assert tab_b.move(9, 1).outcome is Outcome.UNCHANGED


# -- two tabs on one group ---------------------------------------------------------------------


def test_two_tabs_same_cell_a_conflict_with_both_texts(
    tab_a: GridSession, tab_b: GridSession, demo_store: Store
) -> None:
    assert tab_a.edit(0, "challenges", "Texte de A").saved
    result = tab_b.edit(0, "challenges", "Texte de B")  # B had not seen A's text
    assert result.outcome is Outcome.CONFLICT
    assert result.notice is not None
    assert result.notice.text.startswith("Conflit")
    conflict = result.conflict
    assert conflict is not None
    assert (conflict.theirs, conflict.mine, conflict.column) == (
        "Texte de A",
        "Texte de B",
        "Défis",
    )
    assert conflict.who == "l'animateur"
    assert "Texte de A" in conflict.describe()
    assert "Texte de B" in conflict.describe()
    assert tab_b.conflicts == (conflict,)
    assert stored(demo_store) == "Texte de A"  # nothing overwritten
    assert tab_b.rows[0].challenges == "Texte de A"  # B now shows the stored text


def test_keeping_mine_writes_it_over_theirs(
    tab_a: GridSession, tab_b: GridSession, demo_store: Store
) -> None:
    tab_a.edit(0, "challenges", "Texte de A")
    conflict = tab_b.edit(0, "challenges", "Texte de B").conflict
    assert conflict is not None
    result = tab_b.settle(conflict, mine=True)
    assert result.saved
    assert result.notice is not None
    assert result.notice.text.startswith("Enregistré à")
    assert stored(demo_store) == "Texte de B"
    assert tab_b.conflicts == ()
    assert tab_b.settle(conflict, mine=True).outcome is Outcome.UNCHANGED  # a second click


def test_keeping_theirs_writes_nothing_and_no_longer_says_conflict(
    tab_a: GridSession, tab_b: GridSession, demo_store: Store
) -> None:
    tab_a.edit(0, "challenges", "Texte de A")
    conflict = tab_b.edit(0, "challenges", "Texte de B").conflict
    assert conflict is not None
    counter = demo_store.session.change_counter()
    result = tab_b.settle(conflict, mine=False)
    assert result.outcome is Outcome.UNCHANGED
    assert result.notice is not None
    assert "Conflit" not in result.notice.text
    assert "Non enregistré" not in result.notice.text
    assert result.notice.text.startswith("Ligne 1, Défis : ")
    assert "texte enregistré est gardé" in result.notice.text
    assert tab_b.conflicts == ()
    assert demo_store.session.change_counter() == counter
    assert stored(demo_store) == "Texte de A"
    # B's next edit of the cell starts from the text it now shows
    assert tab_b.edit(0, "challenges", "Texte de A, complété par B").saved


def test_a_conflict_follows_the_cell_changed_again_elsewhere(
    tab_a: GridSession, tab_b: GridSession, demo_store: Store
) -> None:
    tab_a.edit(0, "challenges", "Texte de A")
    first = tab_b.edit(0, "challenges", "Texte de B").conflict
    assert first is not None
    tab_a.edit(0, "challenges", "Texte de A, corrigé")
    assert tab_b.reload()
    (conflict,) = tab_b.conflicts
    assert (conflict.theirs, conflict.mine) == ("Texte de A, corrigé", "Texte de B")
    assert tab_b.stale_fields(0) == frozenset()  # the row's text areas show the stored text
    # keeping mine after that: written over the newest text, not refused as another conflict
    assert tab_b.settle(first, mine=True).saved
    assert stored(demo_store) == "Texte de B"


def test_a_text_changed_elsewhere_while_open_is_a_conflict_not_an_overwrite(
    tab_a: GridSession, tab_b: GridSession, demo_store: Store
) -> None:
    """B reads A's change (its grid redraws) but B's open editor still has the older text."""
    old = tab_b.rows[0].challenges
    tab_a.edit(0, "challenges", "Texte de A")
    assert tab_b.reload()
    assert tab_b.rows[0].challenges == "Texte de A"
    assert tab_b.stale_fields(0) == {"challenges"}
    result = tab_b.edit(0, "challenges", old + " et la suite de B")
    assert result.outcome is Outcome.CONFLICT
    assert stored(demo_store) == "Texte de A"


def test_seeing_the_row_again_clears_the_mark(
    tab_a: GridSession, tab_b: GridSession, demo_store: Store
) -> None:
    tab_a.edit(0, "challenges", "Texte de A")
    tab_b.reload()
    tab_b.mark_seen(0)
    assert tab_b.stale_fields(0) == frozenset()
    assert tab_b.edit(0, "challenges", "Texte de A, suite de B").saved


def test_a_refused_save_keeps_the_mark(
    tab_a: GridSession, tab_b: GridSession, demo_store: Store
) -> None:
    """A failure must not turn the next try into an overwrite of a text B never saw."""
    tab_a.edit(0, "challenges", "Texte de A")
    tab_b.reload()
    demo_store.db._conn.execute("PRAGMA query_only = ON")
    assert tab_b.edit(0, "challenges", "Texte de B").outcome is Outcome.REFUSED
    demo_store.db._conn.execute("PRAGMA query_only = OFF")
    assert tab_b.edit(0, "challenges", "Texte de B").outcome is Outcome.CONFLICT
    assert stored(demo_store) == "Texte de A"


def test_own_edits_are_not_marks_and_other_rows_are_kept(
    tab_a: GridSession, tab_b: GridSession, demo_store: Store
) -> None:
    assert tab_a.edit(0, "challenges", "A ligne 1").saved
    assert tab_b.edit(1, "challenges", "B ligne 2").saved  # B's save reads A's row too
    assert [r.challenges for r in tab_b.rows] == ["A ligne 1", "B ligne 2"]
    assert tab_a.stale_fields(0) == frozenset()
    assert tab_a.reload()
    assert tab_a.rows[1].challenges == "B ligne 2"
    assert tab_a.conflicts == tab_b.conflicts == ()


def test_each_tab_has_its_own_kernel_and_connection(demo_store: Store) -> None:
    with Store(demo_store.path) as kernel_b:
        tab_a, tab_b = tab(demo_store, "animateur"), tab(kernel_b)
        tab_a.edit(0, "challenges", "Écrit par A")
        tab_b.edit(1, "challenges", "Écrit par B")
        assert [r.challenges for r in tab_b.rows] == ["Écrit par A", "Écrit par B"]
        assert tab_b.watcher.check()  # A's change was not acknowledged as B's own
        tab_b.edit(1, "challenges", "B encore")
        assert not tab_b.watcher.check()


# -- rows --------------------------------------------------------------------------------------


def test_add_delete_undo_move(tab_b: GridSession, demo_store: Store) -> None:
    added = tab_b.add_row()
    assert added.saved
    assert added.position == 2
    assert tab_b.edit(2, "perspectives", "p").saved
    deleted = tab_b.delete(0)
    assert deleted.saved
    assert deleted.notice is not None
    assert deleted.notice.text.startswith("Ligne 1 supprimée")
    assert tab_b.can_undo
    first = deleted.row
    assert first is not None
    assert tab_b.undo_delete().saved
    assert not tab_b.can_undo
    assert tab_b.undo_delete().outcome is Outcome.UNCHANGED
    assert tab_b.rows[0].id == first.id
    moved = tab_b.move(2, -1)
    assert (moved.saved, moved.position) == (True, 1)
    assert [r.perspectives for r in demo_store.grid.rows(SECTION)][1] == "p"
    assert tab_b.move(0, -1).outcome is Outcome.UNCHANGED  # already first


def test_paste_import_and_history(tab_b: GridSession, demo_store: Store) -> None:
    pasted = tab_b.paste("R1\tD1\tP1\nR2\t\t\n")
    assert (pasted.saved, pasted.count) == (True, 2)
    empty = tab_b.paste("  \n")
    assert empty.outcome is Outcome.UNCHANGED
    assert empty.notice is not None
    assert empty.notice.level == "warning"
    bad = tab_b.import_file("notes.csv", b"Nom;Prix\na;b\n")
    assert bad.outcome is Outcome.REFUSED
    assert bad.notice is not None
    assert "notes.csv" in bad.notice.text
    assert bad.notice.text.startswith("Rien n'a été importé")
    good = tab_b.import_file("g.csv", "Recommandation;Défis\nImportée;\n".encode("cp1252"))
    assert (good.saved, good.count) == (True, 1)
    assert len(tab_b.rows) == len(demo_store.grid.rows(SECTION)) == 5
    old = tab_b.rows[0].recommendation
    tab_b.edit(0, "recommendation", "Remplacée")
    entries = tab_b.history(tab_b.rows[0].id)
    assert entries[-1].before == {"recommendation": old}
    assert tab_b.restore(0, "recommendation", old).saved
    assert tab_b.rows[0].recommendation == old


# -- failures ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "error",
    [
        StoreError("Le stockage est occupé ; réessayez."),
        AccessError("ce lien ne permet pas cette modification"),
        ValidationError("texte trop long"),
    ],
)
def test_a_store_refusal_comes_back_in_french_with_the_text_kept(
    tab_b: GridSession, demo_store: Store, monkeypatch: pytest.MonkeyPatch, error: Exception
) -> None:
    def refuse(*_args: object, **_kwargs: object) -> None:
        raise error

    before = stored(demo_store)
    monkeypatch.setattr(demo_store.grid, "update_cell", refuse)
    result = tab_b.edit(0, "challenges", "texte à ne pas perdre")
    assert result.outcome is Outcome.REFUSED
    assert result.notice is not None
    assert result.notice.level == "error"
    assert result.notice.text.startswith("Non enregistré : ")
    assert str(error).rstrip(". ") in result.notice.text
    assert "Votre texte reste affiché" in result.notice.text
    assert stored(demo_store) == before


@pytest.mark.parametrize(
    ("repository", "method", "action"),
    [
        ("grid", "update_cell", "edit"),
        ("grid", "add", "add_row"),
        ("grid", "delete", "delete"),
        ("grid", "move", "move"),
        ("grid", "add", "paste"),
        ("grid", "add", "import_file"),
    ],
)
def test_an_unexpected_failure_is_never_said_saved(
    tab_b: GridSession,
    demo_store: Store,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    repository: str,
    method: str,
    action: str,
) -> None:
    """A broken connection the store did not foresee: "non enregistré", and the log has it."""
    tab_b.edit(0, "challenges", "Premier texte enregistré")

    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("connexion coupée")

    monkeypatch.setattr(getattr(demo_store, repository), method, broken)
    calls = {
        "edit": lambda: tab_b.edit(0, "challenges", "texte à ne pas perdre"),
        "add_row": tab_b.add_row,
        "delete": lambda: tab_b.delete(0),
        "move": lambda: tab_b.move(0, 1),
        "paste": lambda: tab_b.paste("R\tD\tP\n"),
        "import_file": lambda: tab_b.import_file("g.csv", b"Recommandation\nR\n"),
    }
    result = calls[action]()
    assert result.outcome is Outcome.REFUSED
    assert result.notice is not None
    assert result.notice.level == "error"
    assert "Enregistré" not in result.notice.text
    assert "erreur inattendue (RuntimeError : connexion coupée)" in result.notice.text
    assert "connexion coupée" in caplog.text  # with its traceback, for whoever reads the log
    assert stored(demo_store) == "Premier texte enregistré"
    assert len(demo_store.grid.rows(SECTION)) == 2


def test_a_closed_breakout_is_refused_by_the_store(demo_store: Store) -> None:
    demo_store.session.bind_access(Access(SECTION, demo_store.groups.key(SECTION)))
    session = tab(demo_store)
    assert not session.closed_by_breakout()
    with Store(demo_store.location) as facilitator:  # the facilitator's own tab
        facilitator.session.set_breakout(open=False, actor="animateur")
    assert session.closed_by_breakout()
    result = session.add_row()
    assert result.outcome is Outcome.REFUSED
    assert result.notice is not None
    assert "clos" in result.notice.text


def test_a_failed_undo_can_be_tried_again(
    tab_b: GridSession, demo_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    tab_b.delete(0)

    def busy(*_args: object, **_kwargs: object) -> None:
        raise StoreError("Le stockage est occupé.")

    with monkeypatch.context() as patch:
        patch.setattr(demo_store.grid, "restore", busy)
        assert tab_b.undo_delete().outcome is Outcome.REFUSED
    assert tab_b.can_undo
    assert tab_b.undo_delete().saved
    assert len(demo_store.grid.rows(SECTION)) == 2


def test_refreshed_notice_keeps_the_last_save(tab_b: GridSession) -> None:
    assert tab_b.refreshed_notice().text.startswith("Mis à jour à")
    tab_b.edit(0, "challenges", "x")
    notice = tab_b.refreshed_notice()
    assert notice.text.startswith("Enregistré à")
    assert "(ligne 1, Défis) · mis à jour à" in notice.text
