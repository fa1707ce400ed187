"""The row editor beside the grid: the selected row's three texts in full, multi-line."""

from __future__ import annotations

import html
import threading
from collections.abc import Callable, Sequence

import ipywidgets as w
from ipywidgets import CallbackDispatcher

from ccm_widgets.domain.model import (
    GRID_COLUMNS,
    GRID_FIELDS,
    GridRow,
    Group,
    HistoryEntry,
    display_actor,
)
from ccm_widgets.i18n import t

#: Seconds of quiet after the last key before a text typed in the row editor is saved.
IDLE_SECONDS = 1.0


class RowEditor(w.VBox):
    """Three text areas for one row. Edits are reported through :meth:`on_edit` callbacks
    as ``(row id, column, text)``, a second after the typing stops or as soon as another row
    is shown; filling the areas reports nothing. The up and down buttons report through
    :meth:`on_move`.

    The areas send every key to the kernel, so that a text is always put down to the row it
    was typed in: saved when the field lost focus, it used to reach the kernel after the
    click that had selected another row, and was written into that one.
    """

    def __init__(self) -> None:
        super().__init__()
        self.title = w.HTML(f"<em>{html.escape(t('row.none'))}</em>")
        self.areas = {
            column: w.Textarea(
                continuous_update=True,
                disabled=True,
                layout=w.Layout(width="98%", height="100px"),
            )
            for column in GRID_COLUMNS
        }
        labelled = []
        for column, area in self.areas.items():
            labelled += [w.HTML(f"<b>{html.escape(column)}</b>"), area]
        self.up_button = w.Button(
            description=t("row.up"), disabled=True, layout=w.Layout(width="auto")
        )
        self.down_button = w.Button(
            description=t("row.down"), disabled=True, layout=w.Layout(width="auto")
        )
        self.history_button = w.Button(
            description=t("row.history"), disabled=True, layout=w.Layout(width="auto")
        )
        self.history_box = w.VBox()
        self._edit = CallbackDispatcher()
        self._move = CallbackDispatcher()
        self.up_button.on_click(self._on_up)
        self.down_button.on_click(self._on_down)
        self._filling = False
        self._readonly = False
        self.row: GridRow | None = None
        #: Column -> (row id, text) typed and not yet reported; reported by :meth:`flush`.
        self._pending: dict[str, tuple[int, str]] = {}
        self._pending_lock = threading.RLock()
        self._timer: threading.Timer | None = None
        for column, area in self.areas.items():
            area.observe(self._on_area_change, names="value")
            area.add_class(f"ccm-row-{GRID_FIELDS[GRID_COLUMNS.index(column)]}")
        self.add_class("ccm-row-editor")
        self.children = (
            self.title,
            *labelled,
            w.HBox([self.up_button, self.down_button, self.history_button]),
            self.history_box,
        )

    def on_edit(self, callback: Callable[[int, str, str], None], remove: bool = False) -> None:
        """Register ``callback(row_id, column, text)``, called when the user changed a field
        (after a pause in the typing, or when another row is shown)."""
        self._edit.register_callback(callback, remove=remove)

    def flush(self) -> None:
        """Report the texts typed and not yet reported, now."""
        with self._pending_lock:
            pending, self._pending = self._pending, {}
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
        for column, (row_id, text) in pending.items():
            self._edit(row_id, column, text)

    def on_move(self, callback: Callable[[int], object], remove: bool = False) -> None:
        """Register ``callback(offset)``: -1 to move the row up, +1 down."""
        self._move.register_callback(callback, remove=remove)

    def show(
        self,
        row: GridRow | None,
        number: int = 0,
        *,
        readonly: bool = False,
        keep: frozenset[str] = frozenset(),
    ) -> None:
        """Fill the areas with ``row`` (``None``: nothing selected).

        Areas of the columns in ``keep`` are left as they are (the user may be typing there)
        and a notice says the stored text has changed.
        """
        with self._pending_lock:
            other_row = row is None or any(r != row.id for r, _ in self._pending.values())
        if other_row:  # typed in the row shown until now: it goes to that row
            self.flush()
        self.row = row
        self._readonly = readonly
        self._filling = True
        try:
            for column, area in self.areas.items():
                text = "" if row is None else getattr(row, GRID_FIELDS[GRID_COLUMNS.index(column)])
                if area.value != text and column not in keep:
                    area.value = text
                area.disabled = row is None or readonly
        finally:
            self._filling = False
        for button in (self.up_button, self.down_button):
            button.disabled = row is None or readonly
        self.history_button.disabled = row is None
        self.history_box.children = ()
        notice = (
            f"<div style='color:#8a5300'>{html.escape(t('row.changed', columns=', '.join(keep)))}"
            "</div>"
            if keep and row is not None
            else ""
        )
        self.title.value = (
            f"<em>{html.escape(t('row.none'))}</em>"
            if row is None
            else f"<b>{html.escape(t('row.title', number=number))}</b>{notice}"
        )

    def show_history(
        self,
        entries: list[HistoryEntry],
        on_restore: Callable[[str, str], None],
        *,
        groups: Sequence[Group] = (),
    ) -> None:
        """List earlier texts of the row, each with a button that restores it; authors are
        named as a user says them ("Groupe 4 : Protection", "l'animateur")."""
        items: list[w.Widget] = []
        for entry in reversed(entries):
            if entry.action != "update":
                continue
            for field, before in entry.before.items():
                column = GRID_COLUMNS[GRID_FIELDS.index(field)]
                text = str(before)
                line = w.HTML(
                    html.escape(
                        t("row.history_line", at=entry.at[11:19],
                          actor=display_actor(entry.actor, groups), field=column, before=text)
                    )
                )  # fmt: skip
                restore = w.Button(
                    description=t("row.restore", text=text[:30] + ("…" if len(text) > 30 else "")),
                    layout=w.Layout(width="auto"),
                    disabled=self._readonly,
                )
                restore.on_click(_Restore(on_restore, column, text))
                items.append(w.HBox([line, restore]))
        self.history_box.children = tuple(items) or (w.HTML(t("row.history_empty")),)

    def _on_area_change(self, change: dict[str, object]) -> None:
        if self._filling or self.row is None:
            return
        owner = change["owner"]
        column = next(c for c, a in self.areas.items() if a is owner)
        with self._pending_lock:
            self._pending[column] = (self.row.id, str(change["new"]))
            if self._timer is not None:
                self._timer.cancel()
            self._timer = threading.Timer(IDLE_SECONDS, self.flush)
            self._timer.daemon = True
            self._timer.start()

    def _on_up(self, _button: object = None) -> None:
        self._move(-1)

    def _on_down(self, _button: object = None) -> None:
        self._move(+1)


class _Restore:
    """Click handler of one "restore" button."""

    def __init__(self, callback: Callable[[str, str], None], column: str, text: str) -> None:
        self.callback, self.column, self.text = callback, column, text

    def __call__(self, _button: object = None) -> None:
        self.callback(self.column, self.text)
