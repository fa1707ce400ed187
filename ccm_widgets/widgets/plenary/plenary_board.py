"""The plenary board: every group's grid as it fills, and the synthesis, refreshed live.

One change of the store, one read: the board reads a
:class:`~ccm_widgets.domain.plenary_snapshot.PlenarySnapshot` (one read transaction) and
hands that same snapshot to its five tabs (the groups' grids, the synthesis and its order,
the consolidation, the duplicates, the adoption), so that they never show two moments. A
tab that writes asks the board for the next snapshot, for all of them.
"""

from __future__ import annotations

import datetime as dt
import html
import logging
from collections.abc import Sequence

import ipywidgets as w

from ccm_widgets.domain.model import GRID_COLUMNS, GridRow, Group
from ccm_widgets.domain.plenary_snapshot import PlenarySnapshot
from ccm_widgets.i18n import t
from ccm_widgets.report.web import synthesis_html
from ccm_widgets.store import Store, StoreError
from ccm_widgets.widgets.common.status import StatusBar
from ccm_widgets.widgets.common.watcher import ChangeWatcher
from ccm_widgets.widgets.plenary.adoption import AdoptionPanel
from ccm_widgets.widgets.plenary.consolidation import ConsolidationPanel, DuplicatesPanel
from ccm_widgets.widgets.plenary.panel import PlenaryPanel
from ccm_widgets.widgets.preparation.synthesis_order import SynthesisOrderEditor

log = logging.getLogger(__name__)

BOARD_CSS = """
<style>
.ccm-board table { border-collapse: collapse; width: 100%; margin: 4px 0 14px; font-size: 15px;
  table-layout: fixed; }
.ccm-board th:nth-child(1) { width: 38%; }
.ccm-board th, .ccm-board td { border: 1px solid #666; padding: 4px 6px; vertical-align: top;
  text-align: left; white-space: pre-wrap; overflow-wrap: anywhere; }
.ccm-board th { background: #dde4ee; }
.ccm-board tr.heading td { background: #eef1f5; font-weight: bold; text-align: center; }
.ccm-board tr.heading.level-1 td { background: #c9d3e3; }
.ccm-board h3 { margin: 10px 0 2px; }
.ccm-board .table-title { font-weight: bold; text-align: center; }
.ccm-board textarea { font-family: inherit; font-size: 15px; line-height: 1.4; }
.ccm-board .lm-TabBar-tab { min-width: 150px; }
.ccm-pair { table-layout: fixed; }
</style>
"""


def _last_edit(rows: Sequence[GridRow]) -> str:
    if not rows:
        return t("plenary.never")
    latest = max(r.updated_at for r in rows)
    return dt.datetime.fromisoformat(latest).astimezone().strftime("%H:%M:%S")


def group_block_html(group: Group, rows: Sequence[GridRow]) -> str:
    """One group's heading (row count, last edit) and its rows, escaped."""
    shown = [r for r in rows if not r.is_blank()]
    summary = t(
        "plenary.group_summary",
        name=t("grid.title", number=group.number, name=group.name),
        count=len(shown),
        last=_last_edit(rows),
    )
    head = "".join(f"<th>{html.escape(c)}</th>" for c in GRID_COLUMNS)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in r.cells()) + "</tr>" for r in shown
    )
    return (
        f"<h3>{html.escape(summary)}</h3>"
        f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    )


def groups_html(snapshot: PlenarySnapshot) -> str:
    """Every group's grid as ``snapshot`` has it, in the groups' numbering order."""
    return "".join(group_block_html(g, snapshot.section_rows(g.slug)) for g in snapshot.groups)


class PlenaryBoard(w.VBox):
    """Groups' grids and the synthesis, redrawn from one snapshot whenever the store changes."""

    def __init__(self, *, store: Store, watch: bool = True, poll_interval: float = 0.25) -> None:
        super().__init__()
        self.store = store
        snapshot = store.plenary.snapshot()
        #: The moment every tab of the board shows.
        self.snapshot = snapshot
        self.groups_view = w.HTML()
        self.synthesis_view = w.HTML()
        self.status = StatusBar()
        self.order_editor = SynthesisOrderEditor(store=store, snapshot=snapshot)
        self.consolidation = ConsolidationPanel(store=store, snapshot=snapshot)
        self.duplicates = DuplicatesPanel(store=store, snapshot=snapshot)
        self.adoption = AdoptionPanel(store=store, snapshot=snapshot)
        for panel in self.panels:
            panel.on_write(self._on_panel_write)
        self.tabs = w.Tab(
            children=(
                self.groups_view,
                w.VBox([self.order_editor, self.synthesis_view]),
                self.consolidation,
                self.duplicates,
                self.adoption,
            )
        )
        self.tabs.set_title(0, t("plenary.groups_tab"))
        self.tabs.set_title(1, t("plenary.synthesis_tab"))
        self.tabs.set_title(2, t("plenary.consolidate_tab"))
        self.tabs.set_title(4, t("plenary.adoption_tab"))
        self.add_class("ccm-board")
        self.children = (
            w.HTML(f"{BOARD_CSS}<h2>{html.escape(t('plenary.title'))}</h2>"),
            self.tabs,
            self.status,
        )
        self.watcher = ChangeWatcher(store, interval=poll_interval)
        self.watcher.last_seen = snapshot.counter  # a change since the read is still shown
        self.watcher.on_change(self._on_store_change)
        self.show(snapshot)
        if watch:
            self.watcher.start()

    @property
    def panels(self) -> tuple[PlenaryPanel, ...]:
        """The tabs that render the snapshot themselves and write through the store."""
        return (self.order_editor, self.consolidation, self.duplicates, self.adoption)

    def refresh(self) -> None:
        """Read one snapshot and show it in every tab."""
        self.show(self.store.plenary.snapshot())

    def show(self, snapshot: PlenarySnapshot) -> None:
        """Draw ``snapshot`` in every tab: the same moment everywhere."""
        self.snapshot = snapshot
        with self.hold_sync():
            self.groups_view.value = groups_html(snapshot)
            self.synthesis_view.value = synthesis_html(snapshot.synthesis)
            for panel in self.panels:
                panel.show(snapshot)
            self.tabs.set_title(3, t("plenary.duplicates_tab", count=len(self.duplicates.pairs)))
        # The watcher need not bring back what is on screen already.
        self.watcher.last_seen = max(self.watcher.last_seen, snapshot.counter)
        self.status.show(t("plenary.updated", time=dt.datetime.now().strftime("%H:%M:%S")))

    def _on_panel_write(self, _panel: PlenaryPanel) -> None:
        self._refresh_said()

    def _on_store_change(self, _counter: int) -> None:
        self._refresh_said()

    def _refresh_said(self) -> None:
        """:meth:`refresh`, a failure said on the page (a handler's error is not lost)."""
        try:
            self.refresh()
        except StoreError as error:
            self.status.show(t("page.store_error", error=error), "error")
        except Exception as error:
            log.exception("actualisation de la plénière en échec")
            self.status.show(t("plenary.failed", error=error), "error")
