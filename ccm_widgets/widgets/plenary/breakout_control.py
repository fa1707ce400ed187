"""The facilitator's breakout control: start the countdown, close and reopen the group grids.

Closing asks first: the question says which groups saved in the last minute (they may be
in the middle of a sentence), and offers to close now, to close in a minute (the groups'
pages count down to it, and the store refuses their writes from then on), or not at all.
"""

from __future__ import annotations

import datetime as dt
import html

import ipywidgets as w

from ccm_widgets.domain.model import FACILITATOR_ACTOR
from ccm_widgets.i18n import t, tn
from ccm_widgets.store import Store, StoreError
from ccm_widgets.widgets.common.controls import button
from ccm_widgets.widgets.common.status import StatusBar
from ccm_widgets.widgets.plenary.breakout_timer import BreakoutTimer

#: A group that saved this recently may still be typing: the question before closing names it.
RECENT_SECONDS = 60
#: "Clore dans une minute": how long the groups are given to finish their sentence.
CLOSING_DELAY_SECONDS = 60


def closing_question(saving: list[str]) -> str:
    """The question asked before closing, with the groups (names) that saved in the last
    minute (plain text)."""
    said = (
        tn("timer.saving", len(saving), names=", ".join(saving))
        if saving
        else t("timer.saving_none")
    )
    return f"{t('timer.close_question')} {said}"


class BreakoutControl(w.VBox):
    """Minutes, "start", "close" (asked first) / "reopen"; the state lives in the store for
    every tab."""

    def __init__(
        self, *, store: Store, actor: str = str(FACILITATOR_ACTOR), tick: bool = True
    ) -> None:
        super().__init__()
        self.store = store
        self.actor = actor
        self.minutes = w.BoundedIntText(
            value=45,
            min=1,
            max=600,
            description=t("timer.minutes"),
            layout=w.Layout(width="180px"),
        )
        self.start_button = button(t("timer.start"), self._on_start, "primary")
        self.close_button = button(t("timer.close"), self._on_close, "danger")
        self.reopen_button = button(t("timer.reopen"), self._on_reopen)
        self.confirm_text = w.HTML()
        self.close_now_button = button(t("timer.close_now"), self._on_close_now, "danger")
        self.close_later_button = button(t("timer.close_later"), self._on_close_later, "warning")
        self.cancel_button = button(t("timer.close_cancel"), self._on_cancel)
        self.confirm_box = w.VBox(
            [
                self.confirm_text,
                w.HBox([self.close_now_button, self.close_later_button, self.cancel_button]),
            ],
            layout=w.Layout(display="none", border="2px solid #b3261e", padding="6px"),
        )
        self.confirm_box.add_class("ccm-closing-confirm")
        self.timer = BreakoutTimer(store=store, tick=tick)
        self.status = StatusBar()
        self.children = (
            w.HTML(f"<h3 style='margin:4px 0'>{html.escape(t('timer.title'))}</h3>"),
            w.HBox([self.minutes, self.start_button, self.close_button, self.reopen_button]),
            self.confirm_box,
            self.timer,
            self.status,
        )

    def _on_start(self, _button: object = None) -> None:
        self.start(self.minutes.value)

    def start(self, minutes: int, *, now: dt.datetime | None = None) -> None:
        """Open the grids and set the end ``minutes`` from now."""
        end = (now or dt.datetime.now(dt.UTC)) + dt.timedelta(minutes=minutes)
        self._apply(open=True, end=end.isoformat(timespec="seconds"), said="timer.started_at")

    def _on_close(self, _button: object = None) -> None:
        self.ask_to_close()

    def ask_to_close(self) -> None:
        """Ask before closing, saying which groups saved in the last minute; nothing is
        closed until the answer."""
        try:
            saving = self.store.session.groups_saving(RECENT_SECONDS)
            names = {g.slug: g.name for g in self.store.groups.all()}
        except StoreError as error:
            self.status.fail(error)
            return
        question = closing_question([names.get(slug, slug) for slug in saving])
        self.confirm_text.value = f"<b>{html.escape(question)}</b>"
        self.confirm_box.layout.display = None
        self.status.show("")

    def _on_close_now(self, _button: object = None) -> None:
        self.confirm_box.layout.display = "none"
        self._apply(open=False, said="timer.closed_at")

    def _on_close_later(self, _button: object = None) -> None:
        self.close_later()

    def close_later(
        self, seconds: float = CLOSING_DELAY_SECONDS, *, now: dt.datetime | None = None
    ) -> None:
        """Announce the closing ``seconds`` from now: the groups' pages count down, then
        turn read-only, and the store refuses their writes from that time on."""
        self.confirm_box.layout.display = "none"
        closing = (now or dt.datetime.now(dt.UTC)) + dt.timedelta(seconds=seconds)
        try:
            self.store.session.close_breakout_at(
                closing.isoformat(timespec="seconds"), actor=self.actor
            )
        except StoreError as error:
            self.status.fail(error)
            return
        self.timer.sync_from_store()
        at = closing.astimezone().strftime("%H:%M:%S")
        self.status.show(t("timer.closing_set", time=at), "warning")

    def _on_cancel(self, _button: object = None) -> None:
        self.confirm_box.layout.display = "none"
        self.status.show(t("timer.close_cancelled"), "info")

    def _on_reopen(self, _button: object = None) -> None:
        self.confirm_box.layout.display = "none"
        self._apply(open=True, said="timer.reopened_at")

    def _apply(self, *, open: bool, said: str, end: str | None = None) -> None:
        try:
            self.store.session.set_breakout(open=open, end=end, actor=self.actor)
        except StoreError as error:
            self.status.show(str(error), "error")
            return
        self.timer.sync_from_store()
        # The timer above already says "clos" or the time left: the status line says what
        # the click did, not the same words again.
        self.status.show(t(said, time=dt.datetime.now().strftime("%H:%M")), "ok")
