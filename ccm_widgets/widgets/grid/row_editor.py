"""The row editor beside the grid: the selected row's three texts in full, multi-line."""

from __future__ import annotations

import html
import threading
from collections.abc import Callable, Sequence

import ipywidgets as w
from ipywidgets import CallbackDispatcher
from ipywidgets.widgets.widget_string import HTMLStyle, TextStyle

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


def field_of(column: str) -> str:
    """The row field of a column heading (``Défis`` → ``challenges``)."""
    return GRID_FIELDS[GRID_COLUMNS.index(column)]


def icon_button(label: str, icon: str, **options: object) -> w.Button:
    """A button with an icon and its label, as wide as they are (never cut: the page's style
    lets a label too long for the screen wrap inside its button). ``layout`` may be given,
    shared by several buttons; it must then be as wide as its content (``width="auto"``)."""
    options.setdefault("layout", w.Layout(width="auto"))
    return w.Button(description=label, icon=icon, **options)


class Parts:
    """Makes the widgets a row editor is built of, sharing one layout and one style per kind.

    Every layout and every style is a widget model that the kernel sends and the browser
    builds before it shows the page: given its own, each text, label and button of the row
    editor brought two more (36 models for the editor, a quarter of a group's page). None of
    them changes its layout or style afterwards, so one of each kind serves them all. A card
    (:class:`~.row_cards.CardParts`) makes its parts the same way, shared by every card.
    """

    def __init__(self) -> None:
        self.box_layout = w.Layout()
        self.html_layout, self.html_style = w.Layout(), HTMLStyle()
        self.area_layout, self.area_style = self._area_layout(), TextStyle()
        self.button_layout, self.button_style = w.Layout(width="auto"), w.ButtonStyle()

    def _area_layout(self) -> w.Layout:
        return w.Layout(width="98%", height="100px")

    def layout(self) -> w.Layout:
        """The layout of a box."""
        return self.box_layout

    def html(self, value: str = "") -> w.HTML:
        return w.HTML(value, layout=self.html_layout, style=self.html_style)

    def area(self, _column: str) -> w.Textarea:
        return w.Textarea(
            continuous_update=True, disabled=True, layout=self.area_layout, style=self.area_style
        )

    def button(self, label: str, icon: str) -> w.Button:
        return icon_button(
            label, icon, disabled=True, layout=self.button_layout, style=self.button_style
        )


class RowEditor(w.VBox):
    """Three text areas for one row. Edits are reported through :meth:`on_edit` callbacks
    as ``(row id, column, text)``, a second after the typing stops or as soon as another row
    is shown; filling the areas reports nothing. The up and down buttons report through
    :meth:`on_move`.

    The areas send every key to the kernel, so that a text is always put down to the row it
    was typed in: saved when the field lost focus, it used to reach the kernel after the
    click that had selected another row, and was written into that one.

    A text typed and not yet reported, or being reported, is never replaced by
    :meth:`show`: the watcher's thread may show the rows while the user types.
    """

    def __init__(self, parts: Parts | None = None) -> None:
        parts = parts or Parts()
        super().__init__(layout=parts.layout())
        self.parts = parts
        self.title = parts.html(f"<em>{html.escape(t('row.none'))}</em>")
        self.areas = {column: parts.area(column) for column in GRID_COLUMNS}
        self.up_button = parts.button(t("row.up"), "arrow-up")
        self.down_button = parts.button(t("row.down"), "arrow-down")
        self.history_button = parts.button(t("row.history"), "history")
        self.history_box = w.VBox(layout=parts.layout())
        self._edit = CallbackDispatcher()
        self._move = CallbackDispatcher()
        self.up_button.on_click(self._on_up)
        self.down_button.on_click(self._on_down)
        # Set while show() fills the areas, in the thread that fills them only: a key the
        # kernel's thread takes meanwhile is the user's, and is kept.
        self._filling = threading.local()
        self._readonly = False
        self.row: GridRow | None = None
        #: Column -> (row id, text) typed and not yet reported; reported by :meth:`flush`.
        self._pending: dict[str, tuple[int, str]] = {}
        #: Column -> (row id, text) being reported now (its save is under way).
        self._in_flight: dict[str, tuple[int, str]] = {}
        self._pending_lock = threading.RLock()
        self._timer: threading.Timer | None = None
        for column, area in self.areas.items():
            area.observe(self._on_area_change, names="value")
            area.add_class(f"ccm-row-{field_of(column)}")
        self._style()
        self.children = self._compose()

    # -- how it looks (a card lays the same parts out its own way) ----------------------------

    def _style(self) -> None:
        self.add_class("ccm-row-editor")

    def _compose(self) -> tuple[w.Widget, ...]:
        labelled: list[w.Widget] = []
        for column, area in self.areas.items():
            labelled += [self.parts.html(f"<b>{html.escape(column)}</b>"), area]
        buttons = w.HBox(
            [self.up_button, self.down_button, self.history_button], layout=self.parts.layout()
        )
        buttons.add_class("ccm-buttons")
        return (self.title, *labelled, buttons, self.history_box)

    # -- callbacks ----------------------------------------------------------------------------

    def on_edit(self, callback: Callable[[int, str, str], None], remove: bool = False) -> None:
        """Register ``callback(row_id, column, text)``, called when the user changed a field
        (after a pause in the typing, or when another row is shown)."""
        self._edit.register_callback(callback, remove=remove)

    def on_move(self, callback: Callable[[int], object], remove: bool = False) -> None:
        """Register ``callback(offset)``: -1 to move the row up, +1 down."""
        self._move.register_callback(callback, remove=remove)

    def flush(self) -> None:
        """Report the texts typed and not yet reported, now.

        A column whose last text is still being reported (its save under way, in another
        thread) is not reported twice at once: its newer text waits for the next pause.
        """
        with self._pending_lock:
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
            pending = {c: v for c, v in self._pending.items() if c not in self._in_flight}
            for column in pending:
                del self._pending[column]
            self._in_flight.update(pending)
            if self._pending:
                self._wait()
        try:
            for column, (row_id, text) in pending.items():
                self._report(row_id, column, text)
        finally:
            with self._pending_lock:
                for column in pending:
                    self._in_flight.pop(column, None)

    def _wait(self) -> None:
        """Report what is typed once the typing has paused (the lock is held)."""
        if self._timer is not None:
            self._timer.cancel()
        self._timer = threading.Timer(IDLE_SECONDS, self.flush)
        self._timer.daemon = True
        self._timer.start()

    def _report(self, row_id: int, column: str, text: str) -> None:
        self._edit(row_id, column, text)

    def busy_columns(self, row_id: int) -> frozenset[str]:
        """Columns of row ``row_id`` holding text typed and not yet saved (or being saved)."""
        with self._pending_lock:
            typed = {**self._in_flight, **self._pending}
            return frozenset(c for c, (row, _) in typed.items() if row == row_id)

    # -- showing ------------------------------------------------------------------------------

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
        and a notice says the stored text has changed. So are the areas holding text typed
        and not yet saved.
        """
        with self._pending_lock:
            other_row = row is None or any(r != row.id for r, _ in self._pending.values())
        if other_row:  # typed in the row shown until now: it goes to that row
            self.flush()
        self.row = row
        self._readonly = readonly
        self._fill(row, keep | (self.busy_columns(row.id) if row is not None else frozenset()))
        for button in (self.up_button, self.down_button):
            button.disabled = row is None or readonly
        self.history_button.disabled = row is None
        self.history_box.children = ()
        self.title.value = self._title(row, number, keep)

    def _fill(self, row: GridRow | None, keep: frozenset[str]) -> None:
        """Put ``row``'s texts in the areas, except those of the columns in ``keep``."""
        self._filling.on = True
        try:
            for column, area in self.areas.items():
                text = "" if row is None else getattr(row, field_of(column))
                if area.value != text and column not in keep:
                    area.value = text
                area.disabled = row is None or self._readonly
        finally:
            self._filling.on = False

    def _title(self, row: GridRow | None, number: int, keep: frozenset[str]) -> str:
        if row is None:
            return f"<em>{html.escape(t('row.none'))}</em>"
        notice = (
            f"<div style='color:#8a5300'>{html.escape(t('row.changed', columns=', '.join(keep)))}"
            "</div>"
            if keep
            else ""
        )
        return f"<b>{html.escape(t('row.title', number=number))}</b>{notice}"

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
                entry_box = w.HBox([line, restore])
                entry_box.add_class("ccm-history-entry")
                items.append(entry_box)
        self.history_box.children = tuple(items) or (w.HTML(t("row.history_empty")),)

    # -- typing -------------------------------------------------------------------------------

    def _on_area_change(self, change: dict[str, object]) -> None:
        if getattr(self._filling, "on", False) or self.row is None:
            return
        owner = change["owner"]
        column = next(c for c, a in self.areas.items() if a is owner)
        with self._pending_lock:
            self._pending[column] = (self.row.id, str(change["new"]))
            self._wait()

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
