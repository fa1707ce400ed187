"""The order of the groups in the synthesis, changed by the facilitator in plenary.

It is not always the groups' numbering; the order lives in the store, so the synthesis view,
the projection and every export follow it. In the plenary the editor shows the board's
snapshot, the moment every panel shows; in Préparation it reads its own.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

import ipywidgets as w

from ccm_widgets.domain.model import FACILITATOR_ACTOR, Group
from ccm_widgets.domain.ordering import moved
from ccm_widgets.domain.plenary_snapshot import PlenarySnapshot
from ccm_widgets.i18n import t
from ccm_widgets.store import Store
from ccm_widgets.widgets.common.labels import named
from ccm_widgets.widgets.plenary.panel import PlenaryPanel


def order_options(groups: Sequence[Group], order: Sequence[str]) -> list[tuple[str, str]]:
    """The groups in synthesis order, as (name, slug)."""
    names = {g.slug: g.name for g in groups}
    return [(names[slug], slug) for slug in order if slug in names]


class SynthesisOrderEditor(PlenaryPanel):
    """A list of the groups in synthesis order, with "up" and "down"."""

    def __init__(
        self,
        *,
        store: Store,
        actor: str = str(FACILITATOR_ACTOR),
        snapshot: PlenarySnapshot | None = None,
    ) -> None:
        super().__init__(store=store, actor=actor, snapshot=snapshot)
        self.choice = named(w.Select(rows=6, layout=w.Layout(width="360px")), t("order.title"))
        self.up_button = w.Button(description=t("order.up"), layout=w.Layout(width="auto"))
        self.down_button = w.Button(description=t("order.down"), layout=w.Layout(width="auto"))
        self.up_button.on_click(self._on_up)
        self.down_button.on_click(self._on_down)
        self.children = (
            w.HTML(f"<h3 style='margin:4px 0'>{html.escape(t('order.title'))}</h3>"),
            w.HBox([self.choice, w.VBox([self.up_button, self.down_button])]),
            self.status,
        )
        self._first_show()

    def _render(self, snapshot: PlenarySnapshot) -> None:
        """Show the order of ``snapshot``, keeping the selected group."""
        selected = self.choice.value
        options = order_options(snapshot.groups, snapshot.order)
        if list(self.choice.options) != options:
            self.choice.options = options
        if selected in {slug for _, slug in options}:
            self.choice.value = selected

    def _on_up(self, _button: object = None) -> None:
        self.move(-1)

    def _on_down(self, _button: object = None) -> None:
        self.move(+1)

    def move(self, offset: int) -> None:
        """Move the selected group ``offset`` places in the synthesis order shown."""
        slug = self.choice.value
        if slug is None or self.snapshot is None:
            self.status.show(t("order.select_first"), "warning")
            return
        order = moved([s for _, s in self.choice.options], slug, offset)
        if order is None:  # already first (or last): nothing to write
            return
        done, _ = self.attempt(self.store.groups.set_synthesis_order, order, actor=self.actor)
        if done:
            self.status.show(t("order.saved"), "ok")
            self.written()
