"""The breakout countdown: one end time for every tab, read from the store, not a tab's clock."""

from __future__ import annotations

import datetime as dt
import html
import threading

import ipywidgets as w
from traitlets import Unicode

from ccm_widgets.i18n import t
from ccm_widgets.store import Store
from ccm_widgets.store.session import breakout_closed


def remaining_text(
    end: str, now: dt.datetime, *, open: bool = True, closing: str = ""
) -> tuple[str, str]:
    """French text of the countdown and its level (``info``, ``warning``, ``over``): the
    time left before a closing announced for ``closing`` (ISO UTC), if any, else before the
    breakout's ``end``."""
    if not open or breakout_closed("1", closing, now):
        return t("timer.closed"), "over"
    if closing:
        before = max(int((dt.datetime.fromisoformat(closing) - now).total_seconds()), 0)
        minutes, secs = divmod(before, 60)
        return t("timer.closing_left", minutes=minutes, seconds=f"{secs:02d}"), "warning"
    if not end:
        return "", "info"
    left = dt.datetime.fromisoformat(end) - now
    seconds = int(left.total_seconds())
    if seconds <= 0:
        return t("timer.over"), "over"
    minutes, secs = divmod(seconds, 60)
    level = "warning" if seconds <= 300 else "info"
    return t("timer.left", minutes=minutes, seconds=f"{secs:02d}"), level


_STYLE = {
    "info": "background:#e8f0fe;color:#0b3d91;",
    "warning": "background:#fff3cd;color:#7a4b00;",
    "over": "background:#b3261e;color:#fff;",
}


class BreakoutTimer(w.HTML):
    """Shows the time left in the breakout; ticks every second in a daemon thread."""

    end = Unicode("", help="Breakout end, ISO 8601 UTC, as the store holds it.")
    closing = Unicode("", help="Closing announced to the groups, ISO 8601 UTC, or empty.")

    def __init__(self, *, store: Store, tick: bool = True) -> None:
        super().__init__()
        self.store = store
        self.add_class("ccm-timer")
        self._open = True
        self._shown = ""
        self._stop = threading.Event()
        self.sync_from_store()
        if tick:
            threading.Thread(target=self._loop, name="ccm-timer", daemon=True).start()

    def sync_from_store(self) -> None:
        """Read the breakout state again (after a change in the store)."""
        self._open, self.end = self.store.session.breakout()
        self.closing = self.store.session.breakout_closing() if self._open else ""
        self.render()

    def render(self, now: dt.datetime | None = None) -> None:
        """Redraw the countdown for ``now`` (UTC)."""
        text, level = remaining_text(
            self.end, now or dt.datetime.now(dt.UTC), open=self._open, closing=self.closing
        )
        value: str = (
            f"<div role='timer' style='{_STYLE[level]}font-size:1.3em;font-weight:bold;"
            f"padding:4px 10px;border-radius:4px;display:inline-block'>{html.escape(text)}</div>"
            if text
            else ""
        )
        if value != self._shown:
            self._shown = value
            self.value = value

    def stop(self) -> None:
        """Stop ticking."""
        self._stop.set()

    def _loop(self) -> None:
        while not self._stop.wait(1.0):
            if self.store.closed:
                return
            self.render()
