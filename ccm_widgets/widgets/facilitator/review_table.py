"""The review as one table: every recommendation in full, its state and its status set in
place, one row after the other, by keyboard (Tab) as well as by mouse.

Running the review row by row (select, read the state, save, next) took twenty cycles for
twenty recommendations, with titles cut to a line. Here each row shows its section and its
whole recommendation, a text area for its state (saved when it is left) and a choice for its
status (saved when chosen); the panel's chart follows each change at once. A field changed
meanwhile in another tab is not overwritten: the row says so and shows the stored text.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Callable

import ipywidgets as w

from ccm_widgets.domain.model import FACILITATOR_ACTOR, Actor, ReviewRow, ReviewStatus
from ccm_widgets.i18n import t
from ccm_widgets.store import Store
from ccm_widgets.store.items import ConflictingItem
from ccm_widgets.widgets.common.status import StatusBar

log = logging.getLogger(__name__)

REVIEW_TABLE_CSS = """
<style>
.ccm-review-table { width: 100%; }
.ccm-review-head, .ccm-review-row { display: grid; box-sizing: border-box; width: auto;
  margin: 0; gap: 6px 10px;
  grid-template-columns: minmax(7em, 1fr) minmax(0, 3fr) minmax(0, 3fr) minmax(10em, 1.3fr);
  align-items: start; padding: 6px 4px; border-bottom: 1px solid #d6d9de; }
.ccm-review-head { font-weight: bold; background: #dde4ee; border-bottom: 2px solid #888; }
.ccm-review-row .ccm-review-text { white-space: pre-wrap; overflow-wrap: anywhere;
  line-height: 1.35; font-size: 14px; }
.ccm-review-row .ccm-review-section { font-size: 13px; color: #333; }
.ccm-review-row > * { min-width: 0; margin: 0; box-sizing: border-box; }
.ccm-review-row .widget-textarea, .ccm-review-row .widget-dropdown { width: 100%; }
.ccm-review-row textarea { min-height: 3.2em; field-sizing: content; font-family: inherit;
  font-size: 14px; }
.ccm-review-row .widget-label { position: absolute; width: 1px; height: 1px; overflow: hidden;
  clip: rect(0 0 0 0); white-space: nowrap; }
.ccm-review-row .ccm-review-note { grid-column: 1 / -1; color: #8a5300; font-size: 13px; }
.ccm-review-row .ccm-review-note:empty { display: none; }
@media (max-width: 760px) {
  .ccm-review-head { display: none; }
  .ccm-review-row { grid-template-columns: minmax(0, 1fr); }
}
</style>
"""


def status_choices() -> list[tuple[str, str]]:
    """The statuses as the page offers them: the catalogue's words, stored as codes."""
    return [(t("review.no_status"), "")] + [(s.label, s.value) for s in ReviewStatus]


class ReviewRowView(w.Box):
    """One review row: section, recommendation in full, state and status in place."""

    def __init__(self, row: ReviewRow, section_name: str, number: int) -> None:
        super().__init__()
        self.row_id = row.id
        self.section = w.HTML()
        self.section.add_class("ccm-review-section")
        self.text = w.HTML()
        self.text.add_class("ccm-review-text")
        self.state = w.Textarea(
            description=t("review.state_of", number=number),
            continuous_update=False,
            placeholder=t("review.state_placeholder"),
        )
        self.status = w.Dropdown(
            description=t("review.status_of", number=number), options=status_choices()
        )
        self.note = w.HTML()
        self.note.add_class("ccm-review-note")
        #: What this row last showed of the store, per field: a change is checked against it.
        self.shown: dict[str, str] = {}
        self.add_class("ccm-review-row")
        self.children = (self.section, self.text, self.state, self.status, self.note)
        self.show(row, section_name)

    def show(self, row: ReviewRow, section_name: str) -> None:
        """The stored row, unless a field still holds what the user is changing."""
        self.section.value = html.escape(section_name)
        self.text.value = html.escape(row.recommendation)
        status = str(row.status)
        if status and status not in {value for _, value in self.status.options}:
            # An imported table's own words: offered as they are, kept until changed.
            self.status.options = [*status_choices(), (status, status)]
        fields: tuple[tuple[str, w.ValueWidget, str], ...] = (
            ("state", self.state, row.state),
            ("status", self.status, status),
        )
        for name, widget, value in fields:
            untouched = name not in self.shown or widget.value == self.shown[name]
            self.shown[name] = value  # first: the change below is not taken for the user's
            if untouched and widget.value != value:
                widget.value = value


class ReviewTable(w.VBox):
    """Every review row, section by section, in the review's order.

    ``on_change`` is called after each change this table writes (the chart redraws).
    """

    def __init__(
        self,
        *,
        store: Store,
        names: Callable[[], dict[str, str]],
        actor: Actor = FACILITATOR_ACTOR,
        on_change: Callable[[], None] | None = None,
    ) -> None:
        super().__init__()
        self.store = store
        self.names = names
        self.actor = actor
        self.on_change = on_change
        self.views: dict[int, ReviewRowView] = {}
        self.status = StatusBar()
        self.body = w.VBox()
        head = "".join(
            f"<span>{html.escape(t(key))}</span>"
            for key in ("review.section", "review.recommendation", "review.state", "review.status")
        )
        self.add_class("ccm-review-table")
        self.children = (
            w.HTML(
                f"{REVIEW_TABLE_CSS}<h3 style='margin:6px 0'>{html.escape(t('review.table'))}"
                f"</h3><p>{html.escape(t('review.table_help'))}</p>"
                f"<div class='ccm-review-head' aria-hidden='true'>{head}</div>"
            ),
            self.body,
            self.status,
        )
        self.refresh()

    def refresh(self) -> None:
        """The rows from the store: rows added, gone or moved are redrawn, the others keep
        what is being typed in them."""
        rows = self.store.items.review_rows()
        names = self.names()
        if [r.id for r in rows] != list(self.views):
            old = self.views
            self.views = {}
            for number, row in enumerate(rows, start=1):
                view = old.get(row.id)
                if view is None or view.state.description != t("review.state_of", number=number):
                    view = self._make(row, names.get(row.section, row.section), number)
                self.views[row.id] = view
            self.body.children = tuple(self.views.values())
        for row in rows:
            self.views[row.id].show(row, names.get(row.section, row.section))

    def _make(self, row: ReviewRow, section_name: str, number: int) -> ReviewRowView:
        view = ReviewRowView(row, section_name, number)
        view.state.observe(self._on_state, names="value")
        view.status.observe(self._on_status, names="value")
        return view

    def _view_of(self, widget: object) -> ReviewRowView | None:
        return next((v for v in self.views.values() if widget in (v.state, v.status)), None)

    def _on_state(self, change: dict[str, object]) -> None:
        view = self._view_of(change["owner"])
        if view is not None:
            self.save(view, "state", str(change["new"]))

    def _on_status(self, change: dict[str, object]) -> None:
        view = self._view_of(change["owner"])
        if view is not None:
            self.save(view, "status", str(change["new"]))

    def save(self, view: ReviewRowView, field: str, value: str) -> bool:
        """Write one field of a row over what the row showed; said, either way."""
        seen = view.shown.get(field, "")
        if value == seen:
            return False
        try:
            self.store.items.update(
                "review_rows", view.row_id, {field: value}, actor=self.actor, seen={field: seen}
            )
        except ConflictingItem as conflict:
            view.note.value = html.escape(str(conflict))
            view.shown[field] = conflict.stored  # the next save is over the stored text
            self.status.show(str(conflict), "warning")
            return False
        except Exception as error:  # shown; the typed text stays in its field
            self.status.fail(error)
            return False
        view.shown[field] = value
        view.note.value = ""
        number = list(self.views).index(view.row_id) + 1
        self.status.show(t("review.saved_row", number=number), "ok")
        if self.on_change is not None:
            self.on_change()
        return True
