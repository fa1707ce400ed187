"""The plenary reads one snapshot per change, in one read transaction, and every tab shows it.

Before, one refresh of the board made 21 separate reads (rows five times, the synthesis built
four times): a group's save landing between two of them showed the consolidation list and
the synthesis at different moments. These tests count the statements of one refresh, put
another tab's write between two reads of a snapshot, and check that every tab shows the
same moment, on both backends.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ccm_widgets.domain.model import GENERAL
from ccm_widgets.files.loading import DEMO_DIR, load_demo
from ccm_widgets.store import Store
from ccm_widgets.widgets.plenary.plenary_board import PlenaryBoard

#: Most statements one snapshot may take: a handful of reads, not one per panel and row.
MAX_SNAPSHOT_READS = 8


class StatementSpy:
    """Stands for a connection: records every statement run on it, runs it, and can call
    ``after_first_read`` once, right after the first read inside a transaction."""

    def __init__(self, conn: Any) -> None:
        self._conn = conn
        self.statements: list[str] = []
        self.after_first_read: Any = None

    def execute(self, statement: str, *args: Any) -> Any:
        self.statements.append(" ".join(statement.split()))
        result = self._conn.execute(statement, *args)
        if statement.startswith("SELECT") and self.after_first_read is not None:
            act, self.after_first_read = self.after_first_read, None
            result = list(result)  # read before the other tab writes (psycopg reads lazily)
            act()
        return result

    def __getattr__(self, name: str) -> Any:
        return getattr(self._conn, name)


@pytest.fixture
def demo(any_store: Store) -> Store:
    """The demo meeting on each backend."""
    load_demo(any_store, DEMO_DIR)
    return any_store


@pytest.fixture
def spy(demo: Store) -> Iterator[StatementSpy]:
    """Every statement the demo store's connection runs, from now on."""
    real = demo.db._conn
    watching = StatementSpy(real)
    demo.db._conn = watching
    yield watching
    demo.db._conn = real


def test_one_refresh_of_the_board_is_one_read_transaction(demo: Store, spy: StatementSpy) -> None:
    board = PlenaryBoard(store=demo, watch=False)
    spy.statements.clear()
    board.refresh()
    begin, *reads, end = spy.statements
    assert begin.startswith("BEGIN")
    assert "IMMEDIATE" not in begin
    assert end == "COMMIT"
    assert all(r.startswith("SELECT") for r in reads), reads
    assert 0 < len(reads) <= MAX_SNAPSHOT_READS  # it was 21 separate reads


def test_every_tab_shows_the_same_moment(demo: Store) -> None:
    board = PlenaryBoard(store=demo, watch=False)
    added = demo.grid.add("protection", [("Cartographier les acteurs de la protection", "", "")])
    assert board.watcher.check()
    snapshot = board.snapshot
    assert snapshot.counter == demo.session.change_counter()
    assert all(panel.snapshot is snapshot for panel in board.panels)
    text = added[0].recommendation
    assert text in board.groups_view.value
    assert text in board.synthesis_view.value
    assert added[0].id in [i for _, i in board.consolidation.picker.options]
    assert added[0].id in [row.id for _, _, row in board.adoption.entries]


def test_another_tabs_write_between_two_reads_is_not_half_seen(
    demo: Store, spy: StatementSpy
) -> None:
    before = demo.plenary.snapshot()
    with Store(demo.location) as other_tab:
        spy.after_first_read = lambda: other_tab.grid.add("protection", [("Écrite entre-temps",)])
        during = demo.plenary.snapshot()
    assert spy.after_first_read is None  # the other tab did write, mid-snapshot
    # the counter and the rows are of one moment: before the other tab's write
    assert during.counter == before.counter
    assert [r.id for r in during.rows] == [r.id for r in before.rows]
    after = demo.plenary.snapshot()
    assert after.counter == before.counter + 1
    assert "Écrite entre-temps" in [r.recommendation for r in after.section_rows("protection")]


def test_a_snapshot_holds_what_the_panels_show(demo: Store) -> None:
    first, second = demo.grid.rows("protection")
    demo.plenary.decide(second.id, "adopted", actor="plénière")
    demo.plenary.merge(first.id, second.id, actor="plénière")
    demo.plenary.keep_pair(4, 9, actor="plénière")
    snapshot = demo.plenary.snapshot()
    assert snapshot.meeting is not None
    assert snapshot.meeting.title
    assert snapshot.order[:2] == ("migration-irreguliere", "protection")
    assert [s.key for s in snapshot.synthesis.sections][:3] == [GENERAL, *snapshot.order[:2]]
    assert snapshot.row(second.id) is None  # merged away: not a live row…
    assert [row.id for _, row in snapshot.ledger] == [second.id]  # …but still in the ledger
    assert snapshot.row(first.id).origin == ("protection",)  # type: ignore[union-attr]
    assert snapshot.kept_pairs == {(4, 9)}
    assert snapshot.breakout_open
    assert snapshot.synthesis is snapshot.synthesis  # built once, for every panel


def test_a_merge_clicked_in_the_duplicates_tab_redraws_every_tab_from_one_snapshot(
    demo: Store,
) -> None:
    target = demo.grid.rows("migration-irreguliere")[2]
    copy = demo.grid.add("protection", [(target.recommendation + " !", "", "")])[0]
    board = PlenaryBoard(store=demo, watch=False)
    flagged = len(board.duplicates.pairs)
    card = next(
        c for c in board.duplicates.list_box.children if getattr(c, "pair", None) is not None
        and {c.pair.first.id, c.pair.second.id} == {target.id, copy.id}
    )  # fmt: skip
    card.merge_button.click()
    assert board.duplicates.status.level == "ok"
    assert all(panel.snapshot is board.snapshot for panel in board.panels)
    assert board.snapshot.counter == demo.session.change_counter()
    gone = card.pair.second.id
    left = board.duplicates.pairs
    assert len(left) < flagged
    assert all(gone not in (p.first.id, p.second.id) for p in left)
    assert board.tabs.get_title(3) == f"Doublons ({len(left)})"
    assert gone not in [i for _, i in board.consolidation.picker.options]
    assert gone not in [row.id for _, _, row in board.adoption.entries]
    kept = demo.grid.row(card.pair.first.id)
    assert kept.origin == (card.pair.first.section, card.pair.second.section)
    board.consolidation.picker.value = kept.id
    assert "Migration irrégulière, Protection" in board.consolidation.origin.value
    assert not board.watcher.check()  # the board shows its own write already


def test_a_failed_action_is_said_in_french_and_logged(
    demo: Store, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    board = PlenaryBoard(store=demo, watch=False)

    def broken(*_args: object, **_kwargs: object) -> None:
        raise KeyError("section")

    monkeypatch.setattr(demo.plenary, "decide", broken)
    with caplog.at_level(logging.ERROR):
        board.adoption.buttons["adopted"].click()
    assert board.adoption.status.level == "error"
    assert board.adoption.status.message.startswith("L'opération n'a pas abouti")
    assert any(r.exc_info for r in caplog.records)  # with its traceback, for whoever fixes it
    assert board.adoption.index == 0  # not moved on: nothing was decided


def test_the_export_panel_offers_the_bytes_it_wrote(demo: Store, tmp_path: Path) -> None:
    import base64

    from ccm_widgets.widgets.plenary.export_panel import ExportPanel

    panel = ExportPanel(store=demo)  # the folder comes from CCM_EXPORTS, set per test
    panel.format.value = "csv"
    written = panel.export()
    assert written is not None
    assert written.parent == tmp_path / "exports"
    payload = base64.b64encode(written.read_bytes()).decode("ascii")
    assert f"base64,{payload}" in panel.link.value
