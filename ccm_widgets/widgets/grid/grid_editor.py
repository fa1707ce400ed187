"""The group grid: Recommandation | Défis | Perspectives, edited live, saved as typed.

Every cell edit goes to the store at once, with the text this tab had seen, so that a change
made meanwhile in another tab is detected (a conflict shown with both texts) instead of being
overwritten. Changes from other tabs arrive through a :class:`ChangeWatcher`.
"""

from __future__ import annotations

import datetime as dt
import html
import logging
import threading
from typing import Any

import ipywidgets as w
import pandas as pd
from ipydatagrid import DataGrid, TextRenderer
from traitlets import Bool, Int, Unicode

from ccm_widgets.domain.model import GENERAL, GRID_COLUMNS, GRID_FIELDS, GridRow, ValidationError
from ccm_widgets.files.importing import ImportProblem, paste_rows
from ccm_widgets.i18n import t
from ccm_widgets.store import ConflictError, Store, StoreError
from ccm_widgets.widgets.common.status import StatusBar
from ccm_widgets.widgets.common.watcher import ChangeWatcher
from ccm_widgets.widgets.grid.breakout_timer import BreakoutTimer
from ccm_widgets.widgets.grid.grid_import import GridImportPanel
from ccm_widgets.widgets.grid.row_editor import RowEditor

log = logging.getLogger(__name__)

INDEX_NAME = "N°"
ROW_HEIGHT = 72
HEADER_HEIGHT = 30
ROW_HEADER_WIDTH = 48
_FIELD_OF = dict(zip(GRID_COLUMNS, GRID_FIELDS, strict=True))


def rows_frame(rows: list[GridRow]) -> pd.DataFrame:
    """The grid's data: the three text columns, indexed by the row's number (1, 2, …)."""
    frame = pd.DataFrame(
        [r.cells() for r in rows] or None, columns=list(GRID_COLUMNS), dtype="object"
    )
    frame.index = pd.RangeIndex(1, len(rows) + 1, name=INDEX_NAME)
    return frame


def grid_height(rows: int) -> str:
    """Tall enough for every row up to about eight, then the grid scrolls."""
    return f"{HEADER_HEIGHT + ROW_HEIGHT * min(max(rows, 2), 8) + 20}px"


def _clock() -> str:
    return dt.datetime.now().strftime("%H:%M:%S")


class GroupGridEditor(w.VBox):
    """Editable grid of one section (a group's, or the plenary's general section).

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
        self._lock = threading.RLock()
        self._rows: list[GridRow] = []
        self._stale: dict[tuple[int, str], str] = {}
        self._last_saved: str | None = None
        # (row id, version) pairs this tab wrote: two tabs of the same actor still differ.
        self._own_versions: set[tuple[int, int]] = set()
        self._last_deleted: list[int] = []

        self.title = w.HTML()
        self.status = StatusBar()
        wide = w.Layout(width="auto")
        self.add_button = w.Button(
            description=t("grid.add_row"), button_style="primary", layout=wide
        )
        self.delete_button = w.Button(description=t("grid.delete_row"), layout=wide)
        self.undo_button = w.Button(description=t("grid.undo_delete"), disabled=True, layout=wide)
        self.add_button.on_click(self._on_add)
        self.delete_button.on_click(self._on_delete)
        self.undo_button.on_click(self._on_undo)
        self.conflict_box = w.VBox()
        self.grid = DataGrid(
            rows_frame([]),
            editable=not readonly,
            selection_mode="cell",
            base_row_size=ROW_HEIGHT,
            base_column_size=300,
            base_row_header_size=ROW_HEADER_WIDTH,
            base_column_header_size=HEADER_HEIGHT,
            column_widths={"Recommandation": 380, "Défis": 330, "Perspectives": 330},
            default_renderer=TextRenderer(
                text_wrap=True, vertical_alignment="top", font="14px sans-serif"
            ),
            header_renderer=TextRenderer(
                font="bold 14px sans-serif", background_color="#dde4ee", text_wrap=True
            ),
            layout=w.Layout(height=grid_height(0), width="100%"),
        )
        self.grid.on_cell_change(self._on_cell_change)
        # Clicks carry the row in the data, whatever sorting or filtering the user applied
        # in the browser (selections are in view coordinates).
        self.grid.on_cell_click(self._on_cell_click)
        self.selected: int | None = None
        self.row_editor = RowEditor()
        self.row_editor.on_edit(self._on_row_edit)
        self.row_editor.up_button.on_click(self._on_up)
        self.row_editor.down_button.on_click(self._on_down)
        self.row_editor.history_button.on_click(self._on_history)
        self.import_panel = GridImportPanel()
        self.import_panel.on_paste(self._on_paste)
        self.import_panel.on_file(self._on_file)
        self.more = w.Accordion(children=(self.import_panel,), selected_index=None)
        self.more.set_title(0, t("paste.title"))
        self.timer = BreakoutTimer(store=store, tick=watch)
        self.toolbar = w.HBox([self.add_button, self.delete_button, self.undo_button])
        self.help = w.HTML(f"<em>{html.escape(t('grid.help'))}</em>")
        self.children = (
            self.title,
            self.timer,
            self.help,
            self.toolbar,
            self.grid,
            self.status,
            self.conflict_box,
            self.row_editor,
            self.more,
        )
        self.forced_readonly = readonly
        self.observe(self._apply_readonly, names="readonly")
        self.readonly = readonly or self._closed_by_breakout()
        self._apply_readonly()
        self._render_title()
        self.reload()
        if store.read_only:
            self.status.show(t("grid.store_read_only", where=store.where), "warning")
        self.watcher = ChangeWatcher(store, interval=poll_interval)
        self.watcher.on_change(self._on_store_change)
        if watch:
            self.watcher.start()

    # -- display ----------------------------------------------------------------------------

    def _render_title(self) -> None:
        if self.section == GENERAL:
            heading = t("synthesis.general")
            sub = ""
        else:
            group = self.store.groups.get(self.section)
            heading = t("grid.title", number=group.number, name=group.name)
            sub = t("grid.moderator", moderator=group.moderator) if group.moderator else ""
        self.title.value = f"<h2 style='margin:0'>{html.escape(heading)}</h2>" + (
            f"<div>{html.escape(sub)}</div>" if sub else ""
        )

    def _save_failed(self, error: Exception) -> None:
        """Say that a save failed and why; the text stays where the user typed it."""
        self.status.show(t("grid.save_failed", error=str(error).rstrip(". ")), "error")

    def _apply_readonly(self, _change: object = None) -> None:
        self.grid.editable = not self.readonly
        for button in (self.add_button, self.delete_button):
            button.disabled = self.readonly
        self.toolbar.layout.display = "none" if self.readonly else None
        self.more.layout.display = "none" if self.readonly else None
        self._show_selected()
        if self.readonly:
            self.status.show(t("grid.readonly"), "warning")

    def reload(self) -> bool:
        """Read the section's rows again; redraw only if they differ. True when redrawn."""
        with self._lock:
            rows = self.store.grid.rows(self.section)
            if [(r.id, r.cells()) for r in rows] == [(r.id, r.cells()) for r in self._rows]:
                self._rows = rows  # versions may have moved with no visible change
                return False
            self._mark_changed_elsewhere(self._rows, rows)
            self._rows = rows
            with self.hold_sync():
                self.grid.data = rows_frame(rows)
                self.grid.layout.height = grid_height(len(rows))
                self.row_count = len(rows)
            self._show_selected()
            return True

    def _mark_changed_elsewhere(self, old: list[GridRow], new: list[GridRow]) -> None:
        """Remember the text this tab showed for cells another tab has just changed.

        A cell editor (or a text area) opened before the refresh still holds that older text:
        the next save of the cell from this tab is checked against it, so typing over a text
        one has not seen is a conflict, not a silent overwrite. Selecting the row again (the
        user now sees the new text) forgets the mark.
        """
        shown = {r.id: r for r in old}
        for row in new:
            before = shown.get(row.id)
            if before is None or (row.id, row.version) in self._own_versions:
                continue
            for field in GRID_FIELDS:
                if getattr(before, field) != getattr(row, field):
                    self._stale.setdefault((row.id, field), getattr(before, field))

    @property
    def rows(self) -> list[GridRow]:
        """The rows as this tab last read them."""
        return list(self._rows)

    # -- events -----------------------------------------------------------------------------

    def _on_store_change(self, _counter: int) -> None:
        try:
            self.timer.sync_from_store()
            closed = self._closed_by_breakout()
            if self.readonly != (self.forced_readonly or closed):
                self.readonly = self.forced_readonly or closed
                if not self.readonly:
                    self.status.show(t("timer.opened"), "ok")
            if self.reload():
                self._show_refreshed()
        except Exception as error:  # shown, not swallowed by the dispatcher
            self.status.show(t("page.store_error", error=error), "error")

    def _show_saved(self, what: str = "") -> None:
        """Say the last change is saved, with its time and, for a cell, which one: two saves
        within one second must not look like one."""
        stamp = _clock()
        self._last_saved = f"{stamp} ({what})" if what else stamp
        self.status.show(t("grid.saved", time=self._last_saved), "ok")

    def _show_refreshed(self) -> None:
        """Say another tab's change arrived, without hiding this tab's last save or error."""
        if self.status.level in ("error", "warning"):
            return
        if self._last_saved is None:
            self.status.show(t("grid.refreshed", time=_clock()), "info")
        else:
            text = t("grid.saved_refreshed", saved=self._last_saved, time=_clock())
            self.status.show(text, "ok")

    def _closed_by_breakout(self) -> bool:
        # Closing the breakout locks the groups' grids, not the plenary's general section.
        return self.section != GENERAL and not self.store.session.breakout()[0]

    # -- selection and the row editor -------------------------------------------------------

    def _on_cell_click(self, cell: dict[str, Any]) -> None:
        if cell.get("region") == "body" and cell.get("primary_key_row") is not None:
            self.select(int(cell["primary_key_row"]))

    def select(self, row: int | None) -> None:
        """Show row ``row`` (0-based) in the row editor, or nothing."""
        self.selected = row
        if row is not None and 0 <= row < len(self._rows):
            row_id = self._rows[row].id
            for field in GRID_FIELDS:
                self._stale.pop((row_id, field), None)
        self._show_selected(refresh_all=True)

    def _show_selected(self, *, refresh_all: bool = False) -> None:
        row = self.selected
        if row is None or not 0 <= row < len(self._rows):
            self.row_editor.show(None)
            return
        shown = self._rows[row]
        # A text area is not overwritten under the user's fingers: a field changed elsewhere
        # keeps its text (and its mark) until the user saves it or selects the row again.
        keep = (
            frozenset()
            if refresh_all
            else frozenset(
                GRID_COLUMNS[GRID_FIELDS.index(f)]
                for f in GRID_FIELDS
                if (shown.id, f) in self._stale
            )
        )
        self.row_editor.show(shown, row + 1, readonly=self.readonly, keep=keep)

    def _on_row_edit(self, column: str, text: str) -> None:
        if self.selected is not None and not self.readonly:
            saved = self.edit_cell(self.selected, column, text)
            if saved is not None:
                self._redraw()

    def _redraw(self) -> None:
        with self._lock:
            self._rows = []  # force the grid to show what the row editor saved
        self.reload()

    def _on_up(self, _button: object = None) -> None:
        self.move_selected(-1)

    def _on_down(self, _button: object = None) -> None:
        self.move_selected(+1)

    def move_selected(self, offset: int) -> None:
        """Move the selected row up (-1) or down (+1)."""
        row = self.selected
        if row is None or not 0 <= row < len(self._rows):
            return
        try:
            moved = self.store.grid.move(self._rows[row].id, offset, actor=self.actor)
        except (StoreError, ValidationError) as error:
            self._save_failed(error)
            return
        if moved:
            self.selected = min(max(row + offset, 0), len(self._rows) - 1)
            self.reload()
            self.watcher.acknowledge()
            self._show_saved()

    def _on_history(self, _button: object = None) -> None:
        row = self.row_editor.row
        if row is not None:
            self.row_editor.show_history(
                self.store.history.entries("grid_row", row.id), self._restore
            )

    def _restore(self, column: str, text: str) -> None:
        restorable = self.selected is not None and not self.readonly
        if restorable and self.edit_cell(self.selected or 0, column, text) is not None:
            self._redraw()

    # -- many rows at once ------------------------------------------------------------------

    def _on_paste(self, text: str) -> None:
        self.paste(text)

    def paste(self, text: str) -> int:
        """Add the rows of a block pasted from Word or Excel; returns how many."""
        try:
            rows = paste_rows(text)
            if not rows:
                self.status.show(t("paste.empty"), "warning")
                return 0
            self.store.grid.add(self.section, rows, actor=self.actor)
        except (StoreError, ValidationError) as error:
            self._save_failed(error)
            return 0
        self.import_panel.paste_area.value = ""
        self.reload()
        self.watcher.acknowledge()
        self.status.show(t("paste.done", count=len(rows), time=_clock()), "ok")
        return len(rows)

    def _on_file(self, name: str, content: bytes) -> None:
        self.import_file(name, content)

    def import_file(self, name: str, content: bytes) -> int:
        """Append the rows of an uploaded CSV/XLSX file; a bad file changes nothing."""
        from ccm_widgets.files.loading import import_grid

        before = len(self._rows)
        try:
            import_grid(self.store, self.section, name, data=content, actor=self.actor)
        except (ImportProblem, StoreError, ValidationError) as error:
            self.status.show(str(error), "error")
            return 0
        self.reload()
        self.watcher.acknowledge()
        added = len(self._rows) - before
        self.status.show(t("paste.done", count=added, time=_clock()), "ok")
        return added

    def _on_cell_change(self, cell: dict[str, Any]) -> None:
        column = str(cell.get("column", ""))
        field = _FIELD_OF.get(column)
        if field is None:
            return
        self.edit_cell(
            int(cell["row"]), column, "" if cell["value"] is None else str(cell["value"])
        )

    def edit_cell(self, row: int, column: str, value: str) -> GridRow | None:
        """Save ``value`` typed in ``column`` of the row at (0-based) position ``row``.

        What a browser edit triggers; tests call it directly.
        """
        field = _FIELD_OF[column]
        with self._lock:
            if not 0 <= row < len(self._rows):
                return None
            before = self._rows[row]
            seen = self._stale.pop((before.id, field), getattr(before, field))
            try:
                saved = self.store.grid.update_cell(
                    before.id, field, value, seen=seen, actor=self.actor
                )
            except ConflictError as conflict:
                self._show_conflict(row, conflict)
                saved = None
            except (StoreError, ValidationError) as error:
                self._save_failed(error)
                return None
            if saved is not None:
                self._rows[row] = saved
                self._own_versions.add((saved.id, saved.version))
                self.watcher.acknowledge()
        if saved is None:
            # The grid shows the stored text again; both texts are in the conflict box.
            self._redraw()
            return None
        if row == self.selected:
            self._show_selected()
        if saved.version != before.version:
            self._show_saved(t("grid.saved_cell", row=row + 1, column=column))
        return saved

    def _show_conflict(self, row: int, conflict: ConflictError) -> None:
        current = getattr(conflict.current, conflict.field)
        message = w.HTML(
            "<div style='border:2px solid #b3261e;padding:6px;white-space:pre-wrap'>"
            + html.escape(
                t(
                    "grid.conflict",
                    who=self._who(conflict.current.updated_by),
                    current=current,
                    mine=conflict.attempted,
                )
            )
            + "</div>"
        )
        keep_mine = w.Button(
            description=t("grid.keep_mine"), button_style="warning", layout=w.Layout(width="auto")
        )
        keep_theirs = w.Button(description=t("grid.keep_theirs"), layout=w.Layout(width="auto"))
        resolution = ConflictResolution(self, row, conflict)
        keep_mine.on_click(resolution.keep_mine)
        keep_theirs.on_click(resolution.keep_theirs)
        self.conflict_box.children = (message, w.HBox([keep_mine, keep_theirs]))
        self.status.show(t("grid.conflict_short"), "warning")

    def _who(self, actor: str) -> str:
        """Who made a change, as a user would say it."""
        if actor.startswith("groupe:"):
            try:
                return t("grid.who_group", name=self.store.groups.get(actor.split(":", 1)[1]).name)
            except ValidationError:
                return actor
        return t("grid.who_facilitator") if actor == "animateur" else (actor or "?")

    def resolve_conflict(self, row: int, conflict: ConflictError, *, mine: bool) -> None:
        """Settle a conflict: write this tab's text over the stored one, or take the stored one."""
        self.conflict_box.children = ()
        with self._lock:
            if mine:
                column = GRID_COLUMNS[GRID_FIELDS.index(conflict.field)]
                self._rows[row] = conflict.current
                self.edit_cell(row, column, conflict.attempted)
            self._rows = []  # force a redraw from the store either way
        self.reload()

    def _on_add(self, _button: object = None) -> None:
        self.add_row()

    def add_row(self) -> GridRow | None:
        """Append an empty row to the grid and save it."""
        try:
            (row,) = self.store.grid.add(self.section, [("", "", "")], actor=self.actor)
        except (StoreError, ValidationError) as error:
            self._save_failed(error)
            return None
        self.reload()
        self.watcher.acknowledge()
        self._show_saved()
        return row

    def _on_delete(self, _button: object = None) -> None:
        if self.selected is None:
            self.status.show(t("grid.select_first"), "warning")
            return
        self.delete_row(self.selected)

    def delete_row(self, row: int) -> None:
        """Delete the row at (0-based) position ``row``; it can be brought back."""
        with self._lock:
            if not 0 <= row < len(self._rows):
                return
            target = self._rows[row]
            try:
                self.store.grid.delete(target.id, actor=self.actor)
            except StoreError as error:
                self._save_failed(error)
                return
            self._last_deleted.append(target.id)
            self.selected = None
        self.undo_button.disabled = False
        self.reload()
        self.watcher.acknowledge()
        self.status.show(t("grid.deleted", number=row + 1, time=_clock()), "ok")

    def _on_undo(self, _button: object = None) -> None:
        self.undo_delete()

    def undo_delete(self) -> None:
        """Bring back the last deleted row."""
        if not self._last_deleted:
            return
        row_id = self._last_deleted.pop()
        try:
            self.store.grid.restore(row_id, actor=self.actor)
        except StoreError as error:
            self._last_deleted.append(row_id)
            self._save_failed(error)
            return
        self.undo_button.disabled = not self._last_deleted
        self.reload()
        self.watcher.acknowledge()
        self._show_saved()


class ConflictResolution:
    """The two choices offered after a conflict, as named handlers for the buttons."""

    def __init__(self, editor: GroupGridEditor, row: int, conflict: ConflictError) -> None:
        self.editor = editor
        self.row = row
        self.conflict = conflict

    def keep_mine(self, _button: object = None) -> None:
        """Write this tab's text over the other one."""
        self.editor.resolve_conflict(self.row, self.conflict, mine=True)

    def keep_theirs(self, _button: object = None) -> None:
        """Keep the stored text and show it."""
        self.editor.resolve_conflict(self.row, self.conflict, mine=False)
