"""The plenary board: every group's grid as it fills, and the synthesis, refreshed live."""

from __future__ import annotations

import datetime as dt
import html

import ipywidgets as w

from ccm_widgets.domain.model import GRID_COLUMNS, GridRow, Group
from ccm_widgets.files.exporting import current_synthesis
from ccm_widgets.i18n import t
from ccm_widgets.report.web import synthesis_html
from ccm_widgets.store import Store
from ccm_widgets.widgets.common.status import StatusBar
from ccm_widgets.widgets.common.watcher import ChangeWatcher

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


def _last_edit(rows: list[GridRow]) -> str:
    if not rows:
        return t("plenary.never")
    latest = max(r.updated_at for r in rows)
    return dt.datetime.fromisoformat(latest).astimezone().strftime("%H:%M:%S")


def group_block_html(group: Group, rows: list[GridRow]) -> str:
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


class PlenaryBoard(w.VBox):
    """Groups' grids and the synthesis, redrawn whenever the store changes."""

    def __init__(self, *, store: Store, watch: bool = True, poll_interval: float = 0.25) -> None:
        super().__init__()
        self.store = store
        self.groups_view = w.HTML()
        self.synthesis_view = w.HTML()
        self.status = StatusBar()
        from ccm_widgets.widgets.plenary.adoption import AdoptionPanel
        from ccm_widgets.widgets.plenary.consolidation import ConsolidationPanel, DuplicatesPanel
        from ccm_widgets.widgets.preparation.synthesis_order import SynthesisOrderEditor

        self.order_editor = SynthesisOrderEditor(store=store)
        self.consolidation = ConsolidationPanel(store=store)
        self.duplicates = DuplicatesPanel(store=store)
        self.adoption = AdoptionPanel(store=store)
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
        self.refresh()
        self.watcher = ChangeWatcher(store, interval=poll_interval)
        self.watcher.on_change(self._on_store_change)
        if watch:
            self.watcher.start()

    def refresh(self) -> None:
        """Redraw both views from the store."""
        rows = self.store.grid.rows()
        by_section: dict[str, list[GridRow]] = {}
        for row in rows:
            by_section.setdefault(row.section, []).append(row)
        groups = self.store.groups.all()
        blocks = [group_block_html(g, by_section.get(g.slug, [])) for g in groups]
        with self.hold_sync():
            self.groups_view.value = "".join(blocks)
            self.synthesis_view.value = synthesis_html(current_synthesis(self.store))
        if hasattr(self, "order_editor"):
            self.order_editor.refresh()
            self.consolidation.refresh()
            self.duplicates.refresh()
            self.adoption.refresh()
            self.tabs.set_title(3, t("plenary.duplicates_tab", count=len(self.duplicates.pairs)))
        self.status.show(t("plenary.updated", time=dt.datetime.now().strftime("%H:%M:%S")))

    def _on_store_change(self, _counter: int) -> None:
        try:
            self.refresh()
        except Exception as error:  # shown, not swallowed by the dispatcher
            self.status.show(t("page.store_error", error=error), "error")
