"""The order of the groups in the synthesis, changed by the facilitator in plenary.

It is not always the groups' numbering; the order lives in the store, so the synthesis view,
the projection and every export follow it.
"""

from __future__ import annotations

import html

import ipywidgets as w

from ccm_widgets.domain.model import ValidationError
from ccm_widgets.i18n import t
from ccm_widgets.store import Store, StoreError
from ccm_widgets.widgets.common.status import StatusBar


def moved(order: list[str], item: str, offset: int) -> list[str]:
    """``order`` with ``item`` moved ``offset`` places (clamped at both ends)."""
    result = list(order)
    index = result.index(item)
    target = min(max(index + offset, 0), len(result) - 1)
    result.insert(target, result.pop(index))
    return result


class SynthesisOrderEditor(w.VBox):
    """A list of the groups in synthesis order, with "up" and "down"."""

    def __init__(self, *, store: Store, actor: str = "animateur") -> None:
        super().__init__()
        self.store = store
        self.actor = actor
        self.choice = w.Select(rows=6, layout=w.Layout(width="360px"))
        self.up_button = w.Button(description=t("order.up"), layout=w.Layout(width="auto"))
        self.down_button = w.Button(description=t("order.down"), layout=w.Layout(width="auto"))
        self.up_button.on_click(self._on_up)
        self.down_button.on_click(self._on_down)
        self.status = StatusBar()
        self.children = (
            w.HTML(f"<h3 style='margin:4px 0'>{html.escape(t('order.title'))}</h3>"),
            w.HBox([self.choice, w.VBox([self.up_button, self.down_button])]),
            self.status,
        )
        self.refresh()

    def refresh(self) -> None:
        """Show the order as the store holds it, keeping the selected group."""
        names = {g.slug: g.name for g in self.store.groups.all()}
        selected = self.choice.value
        self.choice.options = [(names[s], s) for s in self.store.groups.synthesis_order()]
        if selected in names:
            self.choice.value = selected

    def _on_up(self, _button: object = None) -> None:
        self.move(-1)

    def _on_down(self, _button: object = None) -> None:
        self.move(+1)

    def move(self, offset: int) -> None:
        """Move the selected group ``offset`` places in the synthesis."""
        slug = self.choice.value
        if slug is None:
            self.status.show(t("order.select_first"), "warning")
            return
        try:
            self.store.groups.set_synthesis_order(
                moved(self.store.groups.synthesis_order(), slug, offset), actor=self.actor
            )
        except (StoreError, ValidationError) as error:
            self.status.show(str(error), "error")
            return
        self.refresh()
        self.status.show(t("order.saved"), "ok")
