"""The projection view: the synthesis one section at a time, readable from the back of a room.

Large type, black on white with strong rules, no editing: what the room sees on the wall
while the facilitator works in the plenary workbook. It follows the store live.

The type follows the screen's width (a projector at 1366 px or at 1920 px shows the same
table), times the size chosen with "Texte plus grand" / "Texte plus petit" for the room.
That choice is kept by the browser (:class:`~ccm_widgets.widgets.common.browser.Remembered`),
not in the store: it belongs to the projector's screen, and the projection key writes
nothing.
"""

from __future__ import annotations

import html

import ipywidgets as w
from traitlets import Int, validate

from ccm_widgets.domain.model import GRID_COLUMNS
from ccm_widgets.domain.synthesis import Section
from ccm_widgets.i18n import t
from ccm_widgets.store import Store
from ccm_widgets.widgets.common.browser import Remembered
from ccm_widgets.widgets.common.page_style import DEVICE_CSS
from ccm_widgets.widgets.common.watcher import ChangeWatcher

#: The text size, in percent of what the screen's width gives: the choices, one step apart.
SMALLEST, LARGEST, STEP = 50, 250, 10

PROJECTION_CSS = """
<style>
.ccm-projection { color: #000; background: #fff; }
.ccm-projected { font-size: calc(var(--ccm-scale, 1) * clamp(15px, 2.05vw, 40px));
  line-height: 1.35; color: #000; }
.ccm-projected h1 { font-size: 1.35em; line-height: 1.2; margin: 0.2em 0 0.3em;
  padding-bottom: 0.2em; border-bottom: 0.2em solid #000; }
.ccm-projected .where { font-size: 0.8em; color: #222; margin-bottom: 0.3em; }
.ccm-projected table { border-collapse: collapse; width: 100%; table-layout: fixed; }
.ccm-projected th, .ccm-projected td { font-size: 1em; line-height: 1.35;
  padding: 0.35em 0.45em; vertical-align: top; text-align: left; border: 2px solid #000; }
.ccm-projected th { background: #000; color: #fff; }
.ccm-projected td { white-space: pre-wrap; overflow-wrap: anywhere; }
.ccm-projected th:first-child, .ccm-projected td:first-child { width: 40%; }
.ccm-projected .empty { font-style: italic; }
.ccm-projection .jupyter-button { font-size: 18px; min-height: 44px; padding: 0 16px; }
.ccm-projection .ccm-text-size { font-size: 16px; color: #333; align-self: center;
  margin: 0 8px; }
@media (max-width: 599px) {  /* a phone: each row a block, each text under its heading */
  .ccm-projected table, .ccm-projected tbody, .ccm-projected tr, .ccm-projected td {
    display: block; width: auto !important; }
  .ccm-projected thead { display: none; }
  .ccm-projected tr { border: 2px solid #000; margin-bottom: 0.5em; }
  .ccm-projected td { border: none; }
  .ccm-projected td[data-column]::before { content: attr(data-column); display: block;
    font-size: 0.8em; font-weight: bold; }
}
</style>
"""


def section_html(section: Section, index: int, total: int, *, size: int = 100) -> str:
    """One section as projected: heading, where we are, the rows in large type (escaped),
    at ``size`` percent of the type the screen's width gives."""
    head = "".join(f"<th>{html.escape(c)}</th>" for c in GRID_COLUMNS)
    body = "".join(
        "<tr>"
        + "".join(
            f"<td data-column='{html.escape(name)}'>{html.escape(c)}</td>"
            for name, c in zip(GRID_COLUMNS, row.cells(), strict=True)
        )
        + "</tr>"
        for row in section.rows
    )
    if not section.rows:
        body = f"<tr><td colspan='3' class='empty'>{html.escape(t('projection.empty'))}</td></tr>"
    where = t("projection.where", index=index + 1, total=total, count=len(section.rows))
    return (
        f"<div class='ccm-projected' style='--ccm-scale:{size / 100:.2f}'>"
        f"<h1>{html.escape(section.heading)}</h1>"
        f"<div class='where'>{html.escape(where)}</div>"
        f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>"
    )


class ProjectionView(w.VBox):
    """One section of the synthesis at a time, with "previous" and "next", and the text
    made larger or smaller for the room."""

    text_size = Int(
        100, help="Text size in percent of what the screen's width gives (50 to 250)."
    ).tag(sync=False)

    def __init__(self, *, store: Store, watch: bool = True, poll_interval: float = 0.25) -> None:
        super().__init__()
        self.store = store
        self.index = 0
        self.sections: tuple[Section, ...] = ()
        self.view = w.HTML()
        wide = w.Layout(width="auto")
        self.previous = w.Button(
            description=t("projection.previous"), icon="arrow-left", layout=wide
        )
        self.next = w.Button(description=t("projection.next"), icon="arrow-right", layout=wide)
        self.smaller = w.Button(
            description=t("projection.smaller"), icon="search-minus", layout=wide
        )
        self.larger = w.Button(description=t("projection.larger"), icon="search-plus", layout=wide)
        self.size_label = w.HTML()
        self.size_label.add_class("ccm-text-size")
        self.previous.on_click(self._on_previous)
        self.next.on_click(self._on_next)
        self.smaller.on_click(self._on_smaller)
        self.larger.on_click(self._on_larger)
        # The size this browser chose last time, handed back by the page when it opens.
        self.memory = Remembered("projection-text-size", str(self.text_size))
        self.memory.on_recall(self._on_recall)
        self.observe(self._on_text_size, names="text_size")
        self.add_class("ccm-projection")
        self.children = (
            w.HTML(DEVICE_CSS + PROJECTION_CSS),
            w.HBox([self.previous, self.next, self.smaller, self.larger, self.size_label]),
            self.memory,
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

    # -- the text size ------------------------------------------------------------------------

    @validate("text_size")
    def _valid_size(self, proposal: dict[str, object]) -> int:
        size = int(str(proposal["value"]))
        return min(max(round(size / STEP) * STEP, SMALLEST), LARGEST)

    def _on_smaller(self, _button: object = None) -> None:
        self.text_size -= STEP

    def _on_larger(self, _button: object = None) -> None:
        self.text_size += STEP

    def _on_recall(self, value: str) -> None:
        try:
            self.text_size = int(value)
        except ValueError:  # the browser could hold anything: the size stays as it is
            return

    def _on_text_size(self, _change: object = None) -> None:
        self.memory.keep(str(self.text_size))
        self._render()

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
        self.smaller.disabled = self.text_size <= SMALLEST
        self.larger.disabled = self.text_size >= LARGEST
        self.size_label.value = html.escape(t("projection.size", size=self.text_size))
        if self.sections:
            self.view.value = section_html(
                self.sections[self.index], self.index, len(self.sections), size=self.text_size
            )
