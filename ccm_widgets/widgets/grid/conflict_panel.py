"""The conflicts a tab has to settle: both texts of each cell, and the two choices."""

from __future__ import annotations

import html
from collections.abc import Callable

import ipywidgets as w
from ipywidgets import CallbackDispatcher

from ccm_widgets.i18n import t
from ccm_widgets.widgets.grid.session import Conflict

_BOX = "border:2px solid #b3261e;padding:6px;white-space:pre-wrap"


class ConflictPanel(w.VBox):
    """One message and two buttons per conflict; empty when there is none.

    Reports the user's choice through :meth:`on_settle` as ``(conflict, mine)``.
    """

    def __init__(self) -> None:
        super().__init__()
        self._settle = CallbackDispatcher()
        self.shown: tuple[Conflict, ...] = ()

    def on_settle(self, callback: Callable[[Conflict, bool], None], remove: bool = False) -> None:
        """Register ``callback(conflict, mine)``: ``mine`` is True for "keep my text"."""
        self._settle.register_callback(callback, remove=remove)

    def show(self, conflicts: tuple[Conflict, ...]) -> None:
        """Show ``conflicts``; the buttons are made again only when they changed."""
        if conflicts == self.shown:
            return
        self.shown = conflicts
        children: list[w.Widget] = []
        for conflict in conflicts:
            message = w.HTML(f"<div style='{_BOX}'>{html.escape(conflict.describe())}</div>")
            keep_mine = w.Button(
                description=t("grid.keep_mine"),
                button_style="warning",
                layout=w.Layout(width="auto"),
            )
            keep_theirs = w.Button(description=t("grid.keep_theirs"), layout=w.Layout(width="auto"))
            keep_mine.on_click(_Choice(self._settle, conflict, mine=True))
            keep_theirs.on_click(_Choice(self._settle, conflict, mine=False))
            children += [message, w.HBox([keep_mine, keep_theirs])]
        self.children = tuple(children)


class _Choice:
    """Click handler of one of a conflict's two buttons."""

    def __init__(
        self, settle: Callable[[Conflict, bool], None], conflict: Conflict, *, mine: bool
    ) -> None:
        self.settle, self.conflict, self.mine = settle, conflict, mine

    def __call__(self, _button: object = None) -> None:
        self.settle(self.conflict, self.mine)
