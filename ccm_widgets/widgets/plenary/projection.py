"""The projection view: the synthesis one section at a time, readable from the back of a room.

Large type, black on white with strong rules, no editing: what the room sees on the wall
while the facilitator works in the plenary workbook. It follows the store live.
"""

from __future__ import annotations

import html

import ipywidgets as w

from ccm_widgets.domain.model import GRID_COLUMNS
from ccm_widgets.domain.synthesis import Section
from ccm_widgets.i18n import t
from ccm_widgets.store import Store
from ccm_widgets.widgets.common.watcher import ChangeWatcher

PROJECTION_CSS = """
<style>
.ccm-projection, .ccm-projection .widget-html-content { font-size: 28px; line-height: 1.35;
  color: #000; background: #fff; }
.ccm-projection h1 { font-size: 38px; line-height: 1.2; margin: 8px 0 10px; padding-bottom: 6px;
  border-bottom: 6px solid #000; }
.ccm-projection .where { font-size: 22px; color: #222; margin-bottom: 8px; }
.ccm-projection table { border-collapse: collapse; width: 100%; table-layout: fixed; }
.ccm-projection th, .ccm-projection td { font-size: 28px; line-height: 1.35; padding: 10px 12px;
  vertical-align: top; text-align: left; border: 2px solid #000; }
.ccm-projection th { background: #000; color: #fff; }
.ccm-projection td { white-space: pre-wrap; overflow-wrap: anywhere; }
.ccm-projection th:first-child, .ccm-projection td:first-child { width: 40%; }
.ccm-projection .empty { font-style: italic; }
.ccm-projection .widget-button { font-size: 22px; height: 52px; width: auto; padding: 0 18px; }
</style>
"""


def section_html(section: Section, index: int, total: int) -> str:
    """One section as projected: heading, where we are, the rows in large type (escaped)."""
    head = "".join(f"<th>{html.escape(c)}</th>" for c in GRID_COLUMNS)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row.cells()) + "</tr>"
        for row in section.rows
    )
    if not section.rows:
        body = f"<tr><td colspan='3' class='empty'>{html.escape(t('projection.empty'))}</td></tr>"
    where = t("projection.where", index=index + 1, total=total, count=len(section.rows))
    return (
        f"<h1>{html.escape(section.heading)}</h1>"
        f"<div class='where'>{html.escape(where)}</div>"
        f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    )


class ProjectionView(w.VBox):
    """One section of the synthesis at a time, with "previous" and "next"."""

    def __init__(self, *, store: Store, watch: bool = True, poll_interval: float = 0.25) -> None:
        super().__init__()
        self.store = store
        self.index = 0
        self.sections: tuple[Section, ...] = ()
        self.view = w.HTML()
        self.previous = w.Button(description=t("projection.previous"), icon="arrow-left")
        self.next = w.Button(description=t("projection.next"), icon="arrow-right")
        self.previous.on_click(self._on_previous)
        self.next.on_click(self._on_next)
        self.add_class("ccm-projection")
        self.children = (
            w.HTML(PROJECTION_CSS),
            w.HBox([self.previous, self.next]),
            self.view,
        )
        self.refresh()
        self.watcher = ChangeWatcher(store, interval=poll_interval)
        self.watcher.on_change(self._on_store_change)
        if watch:
            self.watcher.start()

    def _on_previous(self, _button: object = None) -> None:
        self.go(-1)

    def _on_next(self, _button: object = None) -> None:
        self.go(+1)

    def _on_store_change(self, _counter: int) -> None:
        self.refresh()

    def refresh(self) -> None:
        """Read the synthesis again (one snapshot); stay on the same section (by its key)."""
        key = self.sections[self.index].key if self.sections else None
        self.sections = self.store.plenary.snapshot().synthesis.sections
        keys = [s.key for s in self.sections]
        self.index = keys.index(key) if key in keys else min(self.index, len(keys) - 1)
        self._render()

    def go(self, offset: int) -> None:
        """Show the section ``offset`` places further (clamped)."""
        self.index = min(max(self.index + offset, 0), len(self.sections) - 1)
        self._render()

    def _render(self) -> None:
        self.previous.disabled = self.index <= 0
        self.next.disabled = self.index >= len(self.sections) - 1
        self.view.value = section_html(self.sections[self.index], self.index, len(self.sections))
