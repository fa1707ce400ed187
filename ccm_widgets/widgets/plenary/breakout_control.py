"""The facilitator's breakout control: start the countdown, close and reopen the group grids."""

from __future__ import annotations

import datetime as dt
import html

import ipywidgets as w

from ccm_widgets.domain.model import FACILITATOR_ACTOR
from ccm_widgets.i18n import t
from ccm_widgets.store import Store, StoreError
from ccm_widgets.widgets.common.status import StatusBar
from ccm_widgets.widgets.plenary.breakout_timer import BreakoutTimer


class BreakoutControl(w.VBox):
    """Minutes, "start", "close" / "reopen"; the state lives in the store for every tab."""

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
        self.start_button = w.Button(description=t("timer.start"), button_style="primary")
        self.close_button = w.Button(description=t("timer.close"), button_style="danger")
        self.reopen_button = w.Button(description=t("timer.reopen"))
        for button in (self.start_button, self.close_button, self.reopen_button):
            button.layout.width = "auto"
        self.start_button.on_click(self._on_start)
        self.close_button.on_click(self._on_close)
        self.reopen_button.on_click(self._on_reopen)
        self.timer = BreakoutTimer(store=store, tick=tick)
        self.status = StatusBar()
        self.children = (
            w.HTML(f"<h3 style='margin:4px 0'>{html.escape(t('timer.title'))}</h3>"),
            w.HBox([self.minutes, self.start_button, self.close_button, self.reopen_button]),
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
        self._apply(open=False, said="timer.closed_at")

    def _on_reopen(self, _button: object = None) -> None:
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
