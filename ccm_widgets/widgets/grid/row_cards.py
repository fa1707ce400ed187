"""The rows of a section as a list of cards: the grid's view for phones and touch screens.

A card is a :class:`~.row_editor.RowEditor` fixed to one row: its three texts in large text
areas that the phone's keyboard types into, each key sent to the kernel and the text
reported a second after the typing stops, to the card's own row. What is saved, and how a
conflict comes back, is the :class:`~.session.GridSession`'s, as for the grid: the group's
editor hands each report to the same session, and shows the rows it leaves in both views.

A card knows the text it showed in each field (``seen``): a text typed there is saved over
that one, so a change another tab made meanwhile is a conflict, not an overwrite. A field
not being typed in follows the store live.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence

import ipywidgets as w
from ipywidgets import CallbackDispatcher

from ccm_widgets.domain.model import GRID_COLUMNS, GridRow, Group, HistoryEntry
from ccm_widgets.i18n import t
from ccm_widgets.widgets.common.browser import PageWidth
from ccm_widgets.widgets.common.drafts import draft_key
from ccm_widgets.widgets.grid.conflict_panel import ConflictPanel
from ccm_widgets.widgets.grid.row_editor import Parts, RowEditor, field_of, icon_button
from ccm_widgets.widgets.grid.session import Conflict, clock

#: ``callback(row_id, column, text, seen)``: a text typed in a card, over ``seen``.
Typed = Callable[[int, str, str, str], object]


class CardParts(Parts):
    """The widgets of every card of a page, sharing one layout and one style per kind.

    A card is then a dozen widget models rather than thirty (each layout and each style is
    a model the kernel sends and the browser builds), for every row, on every page: the
    grid's page, where the cards are hidden, opens about as fast as before them.
    """

    def _area_layout(self) -> w.Layout:
        return w.Layout(width="auto")

    def area(self, column: str) -> w.Textarea:
        area = w.Textarea(
            description=column,
            continuous_update=True,
            rows=3,
            layout=self.area_layout,
            style=self.area_style,
        )
        area.add_class("ccm-card-text")
        return area

    def button(self, label: str, icon: str) -> w.Button:
        return icon_button(label, icon, layout=self.button_layout, style=self.button_style)


class RowCard(RowEditor):
    """One row as a card: its number, its three texts, its buttons, its conflicts.

    Parameters
    ----------
    row:
        The row the card edits, for as long as it lives.
    number:
        Its place in the section (1, 2, …).
    parts:
        The widgets' shared layouts and styles (one :class:`CardParts` per page).
    """

    def __init__(
        self, row: GridRow, number: int, *, parts: CardParts, readonly: bool = False
    ) -> None:
        self.row_id = row.id
        #: Column -> the stored text the card last showed there.
        self._seen: dict[str, str] = {}
        #: When a text of this row was last saved from this tab (the card says so).
        self._saved_at = ""
        self.delete_button = parts.button(t("card.delete"), "trash")
        self.buttons = w.HBox(layout=parts.layout())
        #: The row's conflicts, made the first time the row has one.
        self.conflicts: ConflictPanel | None = None
        self._settle = CallbackDispatcher()
        self._typed = CallbackDispatcher()
        super().__init__(parts)
        for column, area in self.areas.items():
            draft_key(area, row.id, field_of(column))  # what the page script keeps drafts by
        self.show(row, number, readonly=readonly)

    def _style(self) -> None:
        self.add_class("ccm-card")
        self.title.add_class("ccm-card-title")
        self.history_button.description = t("card.history")

    def _compose(self) -> tuple[w.Widget, ...]:
        self.buttons.children = (
            self.up_button, self.down_button, self.delete_button, self.history_button,
        )  # fmt: skip
        self.buttons.add_class("ccm-buttons")
        conflicts = () if self.conflicts is None else (self.conflicts,)
        return (self.title, *self.areas.values(), *conflicts, self.buttons, self.history_box)

    def on_typed(self, callback: Typed, remove: bool = False) -> None:
        """Register ``callback(row_id, column, text, seen)``, called a second after the
        typing stops: ``seen`` is the stored text the user typed over."""
        self._typed.register_callback(callback, remove=remove)

    def on_settle(self, callback: Callable[[Conflict, bool], object], remove: bool = False) -> None:
        """Register ``callback(conflict, mine)``: a choice made in the card's conflicts."""
        self._settle.register_callback(callback, remove=remove)

    def _report(self, row_id: int, column: str, text: str) -> None:
        self._typed(row_id, column, text, self._seen.get(column, ""))

    def saved(self, column: str, text: str) -> None:
        """``text`` is now stored in ``column``: what is typed next is typed over it."""
        self._seen[column] = text
        self._saved_at = clock()

    def put(self, column: str, text: str) -> None:
        """Put ``text`` in ``column`` as if the user had typed it (an earlier text brought
        back from the history): reported like typing, over the text the card showed."""
        self.areas[column].value = text

    def show(
        self,
        row: GridRow | None,
        number: int = 0,
        *,
        readonly: bool = False,
        keep: frozenset[str] = frozenset(),
    ) -> None:
        """Show the card's row as stored now. A field being typed in keeps its text, and
        says so if the stored one has changed meanwhile."""
        if row is None or row.id != self.row_id:
            raise ValueError("a card shows its own row")
        self.row = row
        self._readonly = readonly
        busy = self.busy_columns(row.id) | keep
        changed = []
        for column, area in self.areas.items():
            stored = str(getattr(row, field_of(column)))
            if column not in busy or area.value == stored:
                self._seen[column] = stored
            elif stored != self._seen.get(column, stored):
                changed.append(column)
        self._fill(row, busy)
        for button in (self.up_button, self.down_button, self.delete_button):
            button.disabled = readonly
        self.history_button.disabled = False
        if readonly:  # the page's style hides the buttons that write
            self.add_class("ccm-readonly")
        else:
            self.remove_class("ccm-readonly")
        self.title.value = self._card_title(number, changed)

    def show_conflicts(self, conflicts: tuple[Conflict, ...]) -> None:
        """Show the conflicts of the card's row (both texts, and the two choices)."""
        if self.conflicts is None:
            if not conflicts:
                return
            self.conflicts = ConflictPanel()
            self.conflicts.on_settle(self._settle)
            self.children = self._compose()
        self.conflicts.show(conflicts)

    def _card_title(self, number: int, changed: Sequence[str]) -> str:
        saved = (
            f"<span class='ccm-card-saved'>{html.escape(t('card.saved', time=self._saved_at))}"
            "</span>"
            if self._saved_at
            else ""
        )
        notice = (
            f"<div class='ccm-card-notice'>"
            f"{html.escape(t('card.changed', columns=', '.join(changed)))}</div>"
            if changed
            else ""
        )
        return f"<b>{html.escape(t('card.title', number=number))}</b>{saved}{notice}"

    def focus_first(self) -> None:
        """Put the cursor in the card's first text (the page scrolls to it)."""
        self.areas[GRID_COLUMNS[0]].focus()


class RowCards(w.VBox):
    """A card per row, in the rows' order; reports what is done in a card, with its row.

    The cards are made once the page shows them: a hidden :class:`PageWidth` among them
    reports a width only when the page's style displays the cards (a phone, a touch
    screen), and :meth:`on_wanted` says so. On a laptop, where the style hides them, they
    cost nothing; :meth:`build` makes them anyway (the page script silent, a test).

    Callbacks: :meth:`on_typed` ``(row_id, column, text, seen)``, :meth:`on_move`
    ``(row_id, offset)``, :meth:`on_delete` ``(row_id)``, :meth:`on_history` ``(row_id)``,
    :meth:`on_restore` ``(row_id, column, text)``, :meth:`on_settle` ``(conflict, mine)``.
    """

    def __init__(self) -> None:
        super().__init__()
        self.cards: dict[int, RowCard] = {}
        self.parts = CardParts()
        #: True once the cards are made (the page shows them, or was told to).
        self.built = False
        self._shown: tuple[Sequence[GridRow], bool, Sequence[Conflict]] = ((), False, ())
        self.probe = PageWidth()
        self.probe.on_width(self._on_width)
        self._wanted = CallbackDispatcher()
        self._typed = CallbackDispatcher()
        self._move = CallbackDispatcher()
        self._delete = CallbackDispatcher()
        self._history = CallbackDispatcher()
        self._restore = CallbackDispatcher()
        self._settle = CallbackDispatcher()
        self.empty = w.HTML(f"<em>{html.escape(t('card.none'))}</em>")
        self.add_class("ccm-cards")
        self.children = (self.probe,)

    def on_wanted(self, callback: Callable[[], object], remove: bool = False) -> None:
        """Register ``callback()``: the page shows the cards, not made yet; the owner calls
        :meth:`build` (under the lock it draws with)."""
        self._wanted.register_callback(callback, remove=remove)

    def _on_width(self, _pixels: int) -> None:
        if not self.built:
            self._wanted()

    def build(self) -> None:
        """Make the cards of the rows last shown, and keep them up to date from now on."""
        if not self.built:
            self.built = True
            rows, readonly, conflicts = self._shown
            self.show(rows, readonly=readonly, conflicts=conflicts)

    # -- callbacks ----------------------------------------------------------------------------

    def on_typed(self, callback: Typed, remove: bool = False) -> None:
        """Register ``callback(row_id, column, text, seen)`` for a text typed in a card."""
        self._typed.register_callback(callback, remove=remove)

    def on_move(self, callback: Callable[[int, int], object], remove: bool = False) -> None:
        """Register ``callback(row_id, offset)``: a card's "up" (-1) or "down" (+1)."""
        self._move.register_callback(callback, remove=remove)

    def on_delete(self, callback: Callable[[int], object], remove: bool = False) -> None:
        """Register ``callback(row_id)``: a card's "delete"."""
        self._delete.register_callback(callback, remove=remove)

    def on_history(self, callback: Callable[[int], object], remove: bool = False) -> None:
        """Register ``callback(row_id)``: a card's "history"."""
        self._history.register_callback(callback, remove=remove)

    def on_restore(self, callback: Callable[[int, str, str], object], remove: bool = False) -> None:
        """Register ``callback(row_id, column, text)``: an earlier text to put back."""
        self._restore.register_callback(callback, remove=remove)

    def on_settle(self, callback: Callable[[Conflict, bool], object], remove: bool = False) -> None:
        """Register ``callback(conflict, mine)``: a choice made in a card's conflict."""
        self._settle.register_callback(callback, remove=remove)

    # -- showing ------------------------------------------------------------------------------

    def show(
        self,
        rows: Sequence[GridRow],
        *,
        readonly: bool = False,
        conflicts: Sequence[Conflict] = (),
    ) -> None:
        """A card per row of ``rows``, in their order; each shows its row's conflicts (once
        the cards are made: until then, what to show is only kept)."""
        self._shown = (tuple(rows), readonly, tuple(conflicts))
        if not self.built:
            return
        ids = [r.id for r in rows]
        for row_id in [i for i in self.cards if i not in ids]:  # deleted, here or elsewhere
            # Not flushed here: a text typed in it is reported after its pause, and refused
            # (the row is gone), which the status line says.
            del self.cards[row_id]
        for number, row in enumerate(rows, start=1):
            card = self.cards.get(row.id)
            if card is None:
                self.cards[row.id] = self._card(row, number, readonly)
            else:
                card.show(row, number, readonly=readonly)
            self.cards[row.id].show_conflicts(tuple(c for c in conflicts if c.row.id == row.id))
        children: tuple[w.Widget, ...] = (
            self.probe,
            *(tuple(self.cards[i] for i in ids) or (self.empty,)),
        )
        if children != self.children:
            self.children = children

    def _card(self, row: GridRow, number: int, readonly: bool) -> RowCard:
        card = RowCard(row, number, parts=self.parts, readonly=readonly)
        card.on_typed(self._typed)
        card.on_move(_RowMove(self._move, row.id))
        card.on_settle(self._settle)
        card.delete_button.on_click(_RowAction(self._delete, row.id))
        card.history_button.on_click(_RowAction(self._history, row.id))
        return card

    def show_history(
        self, row_id: int, entries: list[HistoryEntry], *, groups: Sequence[Group] = ()
    ) -> None:
        """List a card's earlier texts (as :meth:`RowEditor.show_history`); a restore
        button reports ``(row_id, column, text)``."""
        card = self.cards.get(row_id)
        if card is not None:
            card.show_history(entries, _RowRestore(self._restore, row_id), groups=groups)

    def saved(self, row_id: int, column: str, text: str) -> None:
        """``text`` is now stored in ``column`` of row ``row_id`` (whichever view wrote it)."""
        card = self.cards.get(row_id)
        if card is not None:
            card.saved(column, text)

    def focus(self, row_id: int) -> None:
        """Put the cursor in row ``row_id``'s first text, if its card is on the page."""
        card = self.cards.get(row_id)
        if card is not None:
            card.focus_first()

    def flush(self) -> None:
        """Report every card's text typed and not yet reported, now."""
        for card in list(self.cards.values()):
            card.flush()


class _RowAction:
    """A card's button, reporting the card's row."""

    def __init__(self, report: Callable[[int], object], row_id: int) -> None:
        self.report, self.row_id = report, row_id

    def __call__(self, _button: object = None) -> None:
        self.report(self.row_id)


class _RowMove:
    """A card's "up" or "down", reporting the card's row and the offset."""

    def __init__(self, report: Callable[[int, int], object], row_id: int) -> None:
        self.report, self.row_id = report, row_id

    def __call__(self, offset: int) -> None:
        self.report(self.row_id, offset)


class _RowRestore:
    """A "restore" button of a card's history, reporting the card's row."""

    def __init__(self, report: Callable[[int, str, str], object], row_id: int) -> None:
        self.report, self.row_id = report, row_id

    def __call__(self, column: str, text: str) -> None:
        self.report(self.row_id, column, text)
