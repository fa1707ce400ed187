"""The group grid: Recommandation | Défis | Perspectives, edited live, saved as typed.

What is saved, and how a conflict or a failure comes back, is decided by a
:class:`~.session.GridSession`; this widget only draws the rows and hands it what the user
did: a cell typed, a row selected, a button pressed.

It draws them twice over the one session: as a grid with its row editor (a mouse and a
screen 800 px wide or more), and as a list of cards (:class:`~.row_cards.RowCards`) for
phones and touch screens, where editing a grid's cells is unreliable (ipydatagrid#439).
The kernel does not know the device: the page's style (:data:`VIEWS_CSS`) shows one view
and hides the other, and both are kept in step, so that turning a tablet or narrowing a
window changes the view without losing anything.

Longer than most modules (about 530 lines): the grid, its row editor and its cards are drawn
from the one session here, and kept in step with each other and with the store.
"""

from __future__ import annotations

import html
import logging
import threading
from typing import Any

import ipywidgets as w
from traitlets import Bool, Int, Unicode

from ccm_widgets.domain.model import GENERAL, GRID_COLUMNS, GRID_FIELDS, GridRow
from ccm_widgets.i18n import t
from ccm_widgets.store import Store
from ccm_widgets.widgets.common.browser import PageWidth
from ccm_widgets.widgets.common.drafts import Draft, DraftMailbox, draft_key
from ccm_widgets.widgets.common.drafts import scope as drafts_scope
from ccm_widgets.widgets.common.status import StatusBar
from ccm_widgets.widgets.common.threads import WIDGETS
from ccm_widgets.widgets.grid.breakout_timer import BreakoutTimer
from ccm_widgets.widgets.grid.conflict_panel import ConflictPanel
from ccm_widgets.widgets.grid.grid_import import GridImportPanel
from ccm_widgets.widgets.grid.row_cards import RowCards
from ccm_widgets.widgets.grid.row_editor import RowEditor
from ccm_widgets.widgets.grid.rows_grid import (
    HEADER_HEIGHT,
    ROW_HEADER_WIDTH,
    ROW_HEIGHT,
    RowsGrid,
    grid_height,
    rows_frame,
)
from ccm_widgets.widgets.grid.session import Conflict, GridResult, GridSession, Outcome, column_of
from ccm_widgets.widgets.grid.toolbar import GRID_ONLY, GridToolbar

# The grid's sizes and data, where browser tests and other pages have always found them.
__all__ = [
    "HEADER_HEIGHT", "ROW_HEADER_WIDTH", "ROW_HEIGHT", "GroupGridEditor", "grid_height",
    "rows_frame", "section_title",
]  # fmt: skip

_FIELD_OF = dict(zip(GRID_COLUMNS, GRID_FIELDS, strict=True))

log = logging.getLogger(__name__)

#: Marks what only the cards view shows.
CARDS_ONLY = "ccm-cards-only"
#: Seconds a page has to report its width before the cards are made anyway (see
#: :class:`~.row_cards.RowCards`: they are made when the page shows them).
CARDS_FALLBACK_SECONDS = 5.0
#: Where the cards replace the grid: a narrow screen, or one that is touched rather than
#: pointed at with a mouse (a tablet, whatever its width).
CARDS_MEDIA = "(max-width: 799px), (hover: none) and (pointer: coarse)"
TOUCH_MEDIA = "(hover: none) and (pointer: coarse)"

VIEWS_CSS = f"""
<style>
.ccm-cards-only, .ccm-help-cards {{ display: none !important; }}
@media {CARDS_MEDIA} {{
  .ccm-grid-editor .ccm-grid-only, .ccm-help-grid {{ display: none !important; }}
  .ccm-grid-editor .ccm-cards-only {{ display: flex !important; }}
  .ccm-help-cards.ccm-help-mouse {{ display: inline !important; }}
}}
@media {TOUCH_MEDIA} {{
  .ccm-help-cards.ccm-help-mouse {{ display: none !important; }}
  .ccm-help-cards.ccm-help-touch {{ display: inline !important; }}
}}
.ccm-card {{ border: 1px solid #aab6c6; border-radius: 8px; padding: 8px 10px 10px;
  margin: 8px 0 12px; background: #f7f9fc; }}
.ccm-card .widget-textarea {{ flex-direction: column; align-items: stretch; width: auto;
  margin: 6px 0 0; }}
.ccm-card .widget-textarea .widget-label {{ width: auto; max-width: none; text-align: left;
  font-weight: bold; font-size: 15px; line-height: 1.5; height: auto; }}
.ccm-card textarea {{ font-family: inherit; font-size: 17px; line-height: 1.45;
  min-height: 4.5em; field-sizing: content; padding: 8px; }}
.ccm-card .ccm-buttons {{ margin-top: 8px; gap: 4px 0; }}
.ccm-card.ccm-readonly .ccm-buttons {{ display: none; }}
.ccm-card .ccm-card-title {{ font-size: 17px; }}
.ccm-card .ccm-card-notice {{ color: #8a5300; font-size: 15px; }}
.ccm-card .ccm-card-saved {{ color: #17602a; font-size: 0.9em; margin-left: 8px; }}
.ccm-cards .ccm-history-entry {{ flex-direction: column; align-items: flex-start; }}
</style>
"""


def section_title(store: Store, section: str) -> str:
    """The heading of a section's grid (the group's number, name and moderator), as HTML."""
    if section == GENERAL:
        heading, sub = t("synthesis.general"), ""
    else:
        group = store.groups.get(section)
        heading = t("grid.title", number=group.number, name=group.name)
        sub = t("grid.moderator", moderator=group.moderator) if group.moderator else ""
    return f"<h2 style='margin:0'>{html.escape(heading)}</h2>" + (
        f"<div>{html.escape(sub)}</div>" if sub else ""
    )


def help_html(readonly: bool = False) -> str:
    """How to write in each view, as the page style shows it: "Cliquez deux fois…" over the
    grid, "Touchez…" over the cards on a touch screen, "Cliquez…" over them with a mouse.
    Read-only, what a click still does (the grid) or that the texts are only to be read."""
    texts: tuple[tuple[str, str], ...]
    if readonly:
        texts = (
            ("ccm-help-grid", t("grid.help_readonly")),
            ("ccm-help-cards ccm-help-touch ccm-help-mouse", t("card.help_readonly")),
        )
    else:
        texts = (
            ("ccm-help-grid", t("grid.help")),
            ("ccm-help-cards ccm-help-touch", t("card.help_touch")),
            ("ccm-help-cards ccm-help-mouse", t("card.help_mouse")),
        )
    return (
        "<em class='ccm-help'>"
        + "".join(f"<span class='{css}'>{html.escape(text)}</span>" for css, text in texts)
        + "</em>"
    )


class GroupGridEditor(w.VBox):
    """Editable grid of one section (a group's, or the plenary's general section).

    Over 300 lines, on purpose: it draws one session twice (the grid with its row editor, and
    the cards) and keeps the two views, the toolbar and the status in step; what is saved and
    how is the session's (:class:`~.session.GridSession`), not this class's.

    Parameters
    ----------
    store:
        Where rows are read and written.
    section:
        A group slug, or ``"general"``.
    actor:
        Who is typing, as recorded in the history (``"groupe:protection"``, ``"animateur"``).
    readonly:
        Show the grid without editing.
    watch:
        Start polling the store for other tabs' changes.
    """

    section = Unicode(help="Section shown: a group slug or 'general'.").tag(sync=False)
    actor = Unicode(help="Who the history records as author of this tab's edits.")
    readonly = Bool(False, help="When True the grid cannot be edited.")
    row_count = Int(0, help="Number of rows shown.")

    def __init__(
        self,
        *,
        store: Store,
        section: str,
        actor: str,
        readonly: bool = False,
        watch: bool = True,
        poll_interval: float = 0.25,
    ) -> None:
        super().__init__()
        self.store = store
        self.section = section
        self.actor = actor
        self.session = GridSession(store, section, actor, poll_interval=poll_interval)
        self.watcher = self.session.watcher
        self.selected: int | None = None
        self._clicks = 0  # the grid's clicks on a cell, named for the page script
        # The watcher's thread and the kernel's both draw: one rows snapshot drawn at a time.
        self._draw_lock = threading.RLock()

        self.title = w.HTML(section_title(store, section))
        self.status = StatusBar()
        self.toolbar = GridToolbar()
        self.add_button = self.toolbar.add_button
        self.delete_button = self.toolbar.delete_button
        self.undo_button = self.toolbar.undo_button
        self.add_button.on_click(self._on_add)
        self.delete_button.on_click(self._on_delete)
        self.undo_button.on_click(self._on_undo)
        self.conflict_box = ConflictPanel()
        self.conflict_box.on_settle(self._on_settle)
        self.conflict_box.add_class(GRID_ONLY)  # a card shows its own row's conflicts
        self.grid = RowsGrid(editable=not readonly)
        self.grid.add_class(GRID_ONLY)
        # The browser says how wide the page is: the grid's columns share it out.
        self.page_width = PageWidth()
        self.page_width.on_width(self._on_width)
        self.grid.on_cell_change(self._on_cell_change)
        # Clicks carry the row in the data, whatever sorting or filtering the user applied
        # in the browser (selections are in view coordinates).
        self.grid.on_cell_click(self._on_cell_click)
        self.row_editor = RowEditor()
        self.row_editor.on_edit(self._on_row_edit)
        self.row_editor.on_move(self.move_selected)
        self.row_editor.history_button.on_click(self._on_history)
        self.row_editor.add_class(GRID_ONLY)
        self.cards = RowCards()
        self.cards.add_class(CARDS_ONLY)
        self.cards.on_typed(self._on_card_edit)
        self.cards.on_move(self.move_row)
        self.cards.on_delete(self._on_card_delete)
        self.cards.on_history(self._on_card_history)
        self.cards.on_restore(self._on_card_restore)
        self.cards.on_settle(self._on_settle)
        self.cards.on_wanted(self._on_cards_wanted)
        # The paste and file import: some twenty widgets a group rarely opens, made when it
        # does (:attr:`import_panel`) rather than sent with every page.
        self._import_panel: GridImportPanel | None = None
        self._import_box = w.VBox()
        self.more = w.Accordion(children=(self._import_box,), selected_index=None)
        self.more.set_title(0, t("paste.title"))
        self.more.observe(self._on_more_opened, names="selected_index")
        self.timer = BreakoutTimer(store=store, tick=watch)
        self.help = w.HTML(VIEWS_CSS + help_html())
        # Texts typed while the page was cut off, kept by the browser, offered back here.
        self.drafts = DraftMailbox(restore=self._restore_draft, current=self._current_text)
        self.add_class("ccm-drafts")
        self.add_class(f"ccm-scope-{drafts_scope(store.groups.facilitator_key(), section)}")
        self.add_class("ccm-grid-editor")
        # The cards come after the grid's parts: a page (or a test) that looks for the first
        # status line, text area or button finds the grid's as before.
        self.children = (
            self.title, self.timer, self.help, self.toolbar, self.page_width, self.grid,
            self.status, self.drafts, self.conflict_box, self.row_editor, self.cards, self.more,
        )  # fmt: skip
        self.forced_readonly = readonly
        self.observe(self._apply_readonly, names="readonly")
        self.readonly = readonly or self.session.closed_by_breakout()
        self._apply_readonly()
        self._draw()
        if store.read_only:
            self.status.show(t("grid.store_read_only", where=store.where), "warning")
        self.watcher.on_change(self._on_store_change)
        if watch:
            self.watcher.start()
            # A page whose script says nothing (no width within seconds) gets both views.
            self._fallback = threading.Timer(CARDS_FALLBACK_SECONDS, self._build_cards_unless_told)
            self._fallback.daemon = True
            self._fallback.start()

    @property
    def import_panel(self) -> GridImportPanel:
        """The paste and file import, made the first time it is opened or asked for."""
        if self._import_panel is None:
            panel = GridImportPanel()
            panel.on_paste(self.paste)
            panel.on_file(self._on_file)
            self._import_panel = panel
            self._import_box.children = (panel,)
        return self._import_panel

    def _on_more_opened(self, change: dict[str, Any]) -> None:
        if change["new"] is not None:
            self.import_panel  # noqa: B018 (made as it opens)

    @property
    def rows(self) -> list[GridRow]:
        """The rows as this tab last read them."""
        return self.session.rows

    # -- display ----------------------------------------------------------------------------

    def _apply_readonly(self, _change: object = None) -> None:
        self.grid.editable = not self.readonly
        self.toolbar.set_readonly(self.readonly)
        self.more.layout.display = "none" if self.readonly else None
        # Read-only, a double click writes nothing: the help says what a click still does.
        self.help.value = VIEWS_CSS + help_html(self.readonly)
        self._show_selected()
        with self._draw_lock:
            self.cards.show(
                self.session.rows, readonly=self.readonly, conflicts=self.session.conflicts
            )
        if self.readonly:
            self.status.show(t("grid.readonly"), "warning")

    def reload(self) -> bool:
        """Read the section's rows again; redraw only if they differ. True when they did."""
        changed = self.session.reload()
        self._draw()
        return changed

    def _draw(self, *, force: bool = False) -> None:
        """Show the session's rows, conflicts and undo in both views; the grid only if its
        rows changed (a card only changes what differs)."""
        with self._draw_lock:
            rows = self.session.rows
            conflicts = self.session.conflicts
            if self.grid.show_rows(rows, force=force):
                self.row_count = len(rows)
                self._show_selected()
            self.cards.show(rows, readonly=self.readonly, conflicts=conflicts)
            self.conflict_box.show(conflicts)
            self.undo_button.disabled = not self.session.can_undo

    def _on_width(self, pixels: int) -> None:
        with self._draw_lock:
            self.grid.fit(pixels)

    def _on_cards_wanted(self) -> None:
        with self._draw_lock:
            self.cards.build()

    def _build_cards_unless_told(self) -> None:
        """Make the cards if the page has not said how wide it is: its script is not running,
        and the style may be showing the cards, which must then be there."""
        if not self.page_width.pixels:
            try:
                with WIDGETS:  # a thread of its own, making widgets
                    self._on_cards_wanted()
            except Exception:  # a thread of its own: said in the log, the grid still works
                log.exception("cartes non construites")

    def _show(self, result: GridResult, field: str | None = None) -> GridResult:
        """Show what a change did: the rows it left, the row it wrote, what to say."""
        if result.saved and result.row is not None and field is not None:
            # What a card types next in that field is typed over this text.
            self.cards.saved(result.row.id, column_of(field), getattr(result.row, field))
        # After a conflict the grid shows the stored text again; both are in the conflict box.
        self._draw(force=result.outcome is Outcome.CONFLICT)
        if result.row is not None and self.selected == self.session.position_of(result.row.id):
            self._show_selected()
        if result.notice is not None:
            self.status.show(result.notice.text, result.notice.level)
        if result.saved and result.row is not None and field is not None:
            # The browser forgets a draft of that cell with this text, and types on from it.
            self.drafts.confirm(result.row.id, field, getattr(result.row, field))
        return result

    def _show_selected(self) -> None:
        row = self.selected
        rows = self.session.rows
        if row is None or not 0 <= row < len(rows):
            self.row_editor.show(None)
            return
        # A text area is not overwritten under the user's fingers: a field changed elsewhere
        # keeps its text (and its mark) until the user saves it or selects the row again.
        keep = frozenset(column_of(f) for f in self.session.stale_fields(row))
        self.row_editor.show(rows[row], row + 1, readonly=self.readonly, keep=keep)
        for column, area in self.row_editor.areas.items():  # what the browser keys drafts by
            draft_key(area, rows[row].id, _FIELD_OF[column])

    def _show_read_error(self, error: Exception) -> None:
        self.status.show(t("page.store_error", error=error), "error")

    # -- other tabs -------------------------------------------------------------------------

    def _on_store_change(self, _counter: int) -> None:
        try:
            self.timer.sync_from_store()
            readonly = self.forced_readonly or self.session.closed_by_breakout()
            if self.readonly != readonly:
                self.readonly = readonly
                if not readonly:
                    self.status.show(t("timer.opened"), "ok")
            # Another tab's change does not hide this tab's last save, error or conflict; a
            # row of this grid merged, moved or deleted elsewhere is said whatever was shown.
            if self.reload():
                notice = self.session.refreshed_notice()
                if notice.level == "warning" or self.status.level not in ("error", "warning"):
                    self.status.show(notice.text, notice.level)
        except Exception as error:  # shown, not swallowed by the dispatcher
            self._show_read_error(error)

    # -- selection and the row editor -------------------------------------------------------

    def _on_cell_click(self, cell: dict[str, Any]) -> None:
        if cell.get("region") == "body" and cell.get("primary_key_row") is not None:
            self.select(int(cell["primary_key_row"]))
            rows, field = self.session.rows, _FIELD_OF.get(str(cell.get("column", "")))
            if self.selected is not None and self.selected < len(rows) and field:
                self._clicks += 1  # each click answered, even naming the same cell again
                draft_key(self.grid, rows[self.selected].id, field, click=self._clicks)

    # -- drafts -----------------------------------------------------------------------------

    def _current_text(self, row_id: int, field: str) -> tuple[str, int] | None:
        position = self.session.position_of(row_id)
        if position is None:
            return None
        return str(getattr(self.session.rows[position], field)), position + 1

    def _restore_draft(self, draft: Draft) -> tuple[bool, str]:
        if self.readonly:
            return False, t("grid.readonly")
        saved = self.session.save_draft(draft.row, draft.field, draft.text, draft.base)
        result = self._show(saved, draft.field)
        return result.saved, result.notice.text if result.notice is not None else ""

    def select(self, row: int | None) -> None:
        """Show row ``row`` (0-based) in the row editor, or nothing."""
        self.selected = row
        if row is not None:
            self.session.mark_seen(row)
        self._show_selected()

    def _on_row_edit(self, row_id: int, column: str, text: str) -> None:
        if not self.readonly:
            field = _FIELD_OF[column]
            self._show(self.session.edit_row(row_id, field, text), field)

    def _on_history(self, _button: object = None) -> None:
        row = self.row_editor.row
        if row is None:
            return
        try:
            entries = self.session.history(row.id)
            groups = self.store.groups.all()
        except Exception as error:
            self._show_read_error(error)
            return
        self.row_editor.show_history(entries, self._on_restore, groups=groups)

    def _on_restore(self, column: str, text: str) -> None:
        if self.selected is not None and not self.readonly:
            field = _FIELD_OF[column]
            self._show(self.session.restore(self.selected, field, text), field)

    def move_selected(self, offset: int) -> GridResult | None:
        """Move the selected row up (-1) or down (+1); the selection follows it."""
        rows = self.session.rows
        if self.selected is None or not 0 <= self.selected < len(rows):
            return None
        return self.move_row(rows[self.selected].id, offset)

    def move_row(self, row_id: int, offset: int) -> GridResult | None:
        """Move the row ``row_id`` up (-1) or down (+1); a selection of it follows it."""
        position = self.session.position_of(row_id)
        if position is None:
            return None
        result = self.session.move(position, offset)
        if result.saved and result.position is not None and self.selected == position:
            self.selected = result.position
        return self._show(result)

    # -- the cards ----------------------------------------------------------------------------

    def _on_card_edit(self, row_id: int, column: str, text: str, seen: str) -> None:
        if not self.readonly:
            field = _FIELD_OF[column]
            self._show(self.session.edit_row(row_id, field, text, seen=seen), field)

    def _on_card_delete(self, row_id: int) -> None:
        position = self.session.position_of(row_id)
        if position is not None and not self.readonly:
            self.delete_row(position)

    def _on_card_history(self, row_id: int) -> None:
        try:
            entries = self.session.history(row_id)
            groups = self.store.groups.all()
        except Exception as error:
            self._show_read_error(error)
            return
        self.cards.show_history(row_id, entries, groups=groups)

    def _on_card_restore(self, row_id: int, column: str, text: str) -> None:
        card = self.cards.cards.get(row_id)
        if card is not None and not self.readonly:
            card.put(column, text)  # as if typed: saved over the text the card shows
            card.flush()

    def _bring_into_view(self, row: GridRow) -> None:
        """Select a row and put the cursor in its first text, in whichever view is shown:
        the browser scrolls the page to it."""
        position = self.session.position_of(row.id)
        if position is None:
            return
        self.select(position)
        self.grid.select(position, 0, clear_mode="all")
        if not self.readonly:
            self.row_editor.areas[GRID_COLUMNS[0]].focus()
            self.cards.focus(row.id)

    # -- cells ------------------------------------------------------------------------------

    def _on_cell_change(self, cell: dict[str, Any]) -> None:
        column = str(cell.get("column", ""))
        if column in _FIELD_OF:
            value = cell["value"]
            self.edit_cell(int(cell["row"]), column, "" if value is None else str(value))

    def edit_cell(self, row: int, column: str, value: str) -> GridRow | None:
        """Save ``value`` typed in ``column`` of the row at (0-based) position ``row``.

        What a browser edit triggers; tests call it directly. The saved row, or ``None``.
        """
        field = _FIELD_OF[column]
        result = self.session.edit(row, field, value)
        if result.saved:
            with self._draw_lock:
                self.grid.typed(row, field, value)
        self._show(result, field)
        return None if result.outcome in (Outcome.CONFLICT, Outcome.REFUSED) else result.row

    def _on_settle(self, conflict: Conflict, mine: bool) -> None:
        self.resolve_conflict(conflict, mine=mine)

    def resolve_conflict(self, conflict: Conflict, *, mine: bool) -> GridResult:
        """Settle a conflict: write this tab's text over the stored one, or keep the stored one."""
        return self._show(self.session.settle(conflict, mine=mine), conflict.field)

    # -- rows -------------------------------------------------------------------------------

    def _on_add(self, _button: object = None) -> None:
        self.add_row()

    def add_row(self) -> GridRow | None:
        """Append an empty row to the grid and save it; the page shows it, ready to type."""
        result = self._show(self.session.add_row())
        if result.saved and result.row is not None:
            self._bring_into_view(result.row)
        return result.row if result.saved else None

    def _on_delete(self, _button: object = None) -> None:
        if self.selected is None:
            self.status.show(t("grid.select_first"), "warning")
        else:
            self.delete_row(self.selected)

    def delete_row(self, row: int) -> GridResult:
        """Delete the row at (0-based) position ``row``; it can be brought back."""
        result = self.session.delete(row)
        if result.saved:
            self.selected = None
        return self._show(result)

    def _on_undo(self, _button: object = None) -> None:
        self.undo_delete()

    def undo_delete(self) -> GridResult:
        """Bring back the last deleted row."""
        return self._show(self.session.undo_delete())

    # -- many rows at once ------------------------------------------------------------------

    def paste(self, text: str) -> int:
        """Add the rows of a block pasted from Word or Excel; returns how many."""
        result = self._show(self.session.paste(text))
        if result.saved and self._import_panel is not None:
            self._import_panel.paste_area.value = ""
        return result.count

    def _on_file(self, name: str, content: bytes) -> None:
        self.import_file(name, content)

    def import_file(self, name: str, content: bytes) -> int:
        """Append the rows of an uploaded CSV/XLSX file; a bad file changes nothing."""
        return self._show(self.session.import_file(name, content)).count
