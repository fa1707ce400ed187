"""Le déroulé: the facilitator's guide through the meeting's phases, in order.

Two things move forward here, and each has its own box, heading and buttons so that one is
never taken for the other: the agenda (what the room is told: the current item with its
planned and elapsed time, large enough for the projector, "Point suivant de l'ordre du
jour") and the steps of the facilitator's work (where we are, kept in the store; what is
done, read from the data: an agenda and groups, an attendance list, a review with its
states…; one click to each workbook; a button that names the step it goes to). Whether
exports exist is the page's to tell (``exports_made``): the guide reads the store only,
never a folder or the environment.
"""

from __future__ import annotations

import datetime as dt
import html
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass

import ipywidgets as w

from ccm_widgets.domain.model import FACILITATOR_ACTOR, Actor, AgendaItem
from ccm_widgets.i18n import t
from ccm_widgets.store import Store
from ccm_widgets.widgets.common.controls import button
from ccm_widgets.widgets.common.labels import named
from ccm_widgets.widgets.common.status import StatusBar
from ccm_widgets.widgets.common.threads import WIDGETS
from ccm_widgets.widgets.common.watcher import ChangeWatcher


@dataclass(frozen=True)
class Phase:
    """One step of the meeting: its key, the workbook that serves it, how to tell it is done.

    ``done`` reads the store; ``None`` when the store cannot tell (the exports, files on the
    server's disk: the page says, see :class:`MeetingGuide`'s ``exports_made``).
    """

    key: str
    notebook: str
    done: Callable[[Store], bool] | None


def _prepared(store: Store) -> bool:
    return bool(store.meetings.agenda() and store.groups.all())


def _attendance_taken(store: Store) -> bool:
    return bool(store.items.participants())


def _opened(store: Store) -> bool:
    return store.session.progress()[1] >= 0


def _reviewed(store: Store) -> bool:
    rows = store.items.review_rows()
    return bool(rows) and all(r.state or r.status for r in rows)


def _communications_noted(store: Store) -> bool:
    return bool(store.items.communications())


def _debates_noted(store: Store) -> bool:
    return bool(store.items.debate_points())


def _breakout_closed(store: Store) -> bool:
    return not store.session.breakout()[0] and bool(store.grid.rows())


def _plenary_done(store: Store) -> bool:
    rows = [r for r in store.grid.rows() if not r.is_blank()]
    return bool(rows) and all(r.decision for r in rows)


def _no_exports() -> bool:
    return False


PHASES: tuple[Phase, ...] = (
    Phase("preparation", "preparation.ipynb", _prepared),
    Phase("attendance", "presence.ipynb", _attendance_taken),
    Phase("opening", "", _opened),
    Phase("review", "revue.ipynb", _reviewed),
    Phase("communications", "debats.ipynb", _communications_noted),
    Phase("debates", "debats.ipynb", _debates_noted),
    Phase("breakout", "pleniere.ipynb", _breakout_closed),
    Phase("plenary", "pleniere.ipynb", _plenary_done),
    Phase("export", "pleniere.ipynb", None),
)

_CLOCK = re.compile(r"^\s*(\d{1,2})\s*[hH:]\s*(\d{0,2})\s*$")


def clock_minutes(text: str) -> int | None:
    """``"10h15"``, ``"10:15"`` or ``"10h"`` as minutes after midnight; ``None`` otherwise."""
    match = _CLOCK.match(text)
    if not match:
        return None
    hours, minutes = int(match.group(1)), int(match.group(2) or 0)
    return hours * 60 + minutes if hours < 24 and minutes < 60 else None


def planned_minutes(agenda: list[AgendaItem], index: int) -> int | None:
    """Minutes planned for item ``index``: until the next item's time, when both are given."""
    if not 0 <= index < len(agenda) - 1:
        return None
    start, end = clock_minutes(agenda[index].time), clock_minutes(agenda[index + 1].time)
    if start is None or end is None or end <= start:
        return None
    return end - start


def agenda_html(agenda: list[AgendaItem], index: int, started: str, now: dt.datetime) -> str:
    """The current agenda item, large: what, who, planned time, elapsed time (escaped)."""
    if not 0 <= index < len(agenda):
        return f"<div class='ccm-agenda-now'>{html.escape(t('guide.no_item'))}</div>"
    item = agenda[index]
    elapsed = ""
    if started:
        minutes = int((now - dt.datetime.fromisoformat(started)).total_seconds() // 60)
        elapsed = t("guide.elapsed", minutes=max(minutes, 0))
    planned = planned_minutes(agenda, index)
    plan = t("guide.planned", time=item.time or "—") + (
        " " + t("guide.planned_length", minutes=planned) if planned else ""
    )
    over = (
        planned is not None
        and started
        and elapsed
        and ((now - dt.datetime.fromisoformat(started)).total_seconds() > planned * 60)
    )
    style = "color:#b3261e" if over else ""
    return (
        f"<div class='ccm-agenda-now'>"
        f"<div class='label'>{html.escape(t('guide.current_item', number=index + 1, total=len(agenda)))}</div>"  # noqa: E501
        f"<div class='what'>{html.escape(item.item)}</div>"
        f"<div class='who'>{html.escape(item.presenter)}</div>"
        f"<div class='when'>{html.escape(plan)} — <b style='{style}'>{html.escape(elapsed)}</b>"
        f"</div></div>"
    )


GUIDE_CSS = """
<style>
.ccm-guide ol { padding-left: 0; list-style: none; counter-reset: phase; }
.ccm-guide li { margin: 4px 0; padding: 6px 10px; border-left: 6px solid #ccc; font-size: 1.1em; }
.ccm-guide li.done { border-color: #17602a; }
.ccm-guide li.current { border-color: #0b57d0; background: #e8f0fe; font-weight: bold; }
.ccm-guide li.next { border-color: #8a5300; }
.ccm-guide li .state { font-size: 0.85em; color: #555; margin-left: 8px; }
.ccm-guide .ccm-guide-box { border: 1px solid #c7c7c7; border-radius: 4px; padding: 4px 10px;
  margin: 8px 0; }
.ccm-guide .ccm-guide-box h3 { margin: 4px 0; }
.ccm-guide a { color: #0b57d0; text-decoration: underline; margin-left: 10px; }
.ccm-agenda-now { font-size: 24px; line-height: 1.3; padding: 10px 14px; border: 3px solid #000;
  margin: 8px 0; }
.ccm-agenda-now .label { font-size: 16px; color: #333; }
.ccm-agenda-now .what { font-size: 30px; font-weight: bold; }
.ccm-agenda-now .when { font-size: 20px; }
</style>
"""


class MeetingGuide(w.VBox):
    """The phases with their state and links; the current agenda item and its clock.

    ``links`` gives each workbook's address; ``exports_made`` tells whether the report has
    been exported yet (the page looks in the exports folder).
    """

    def __init__(
        self,
        *,
        store: Store,
        links: dict[str, str],
        exports_made: Callable[[], bool] = _no_exports,
        actor: Actor = FACILITATOR_ACTOR,
        watch: bool = True,
        tick: bool = True,
    ) -> None:
        super().__init__()
        self.store = store
        self.links = links
        self.exports_made = exports_made
        self.actor = actor
        self.steps = w.HTML()
        self.agenda_view = w.HTML()
        choose = t("guide.choose_phase")
        self.phase_choice = named(
            w.Dropdown(
                options=[(t(f"guide.phase_{p.key}"), p.key) for p in PHASES],
                layout=w.Layout(width="260px"),
            ),
            choose,
        )
        self.set_phase_button = button(t("guide.set_phase"), self._on_set_phase)
        self.next_phase_button = button(t("guide.last_phase"), self._on_next_phase, "primary")
        self.next_item_button = button(t("guide.next_item"), self._on_next_item, "info")
        self.previous_item_button = button(t("guide.previous_item"), self._on_previous_item)
        self.status = StatusBar()
        self.agenda_box = w.VBox(
            [
                w.HTML(f"<h3>{html.escape(t('guide.agenda_title'))}</h3>"),
                self.agenda_view,
                w.HBox([self.previous_item_button, self.next_item_button]),
            ]
        )
        self.phases_box = w.VBox(
            [
                w.HTML(f"<h3>{html.escape(t('guide.phases_title'))}</h3>"),
                self.steps,
                w.HBox([self.next_phase_button]),
                w.HBox(
                    [
                        w.HTML(f"<span aria-hidden='true'>{html.escape(choose)}</span>"),
                        self.phase_choice,
                        self.set_phase_button,
                    ]
                ),
            ]
        )
        for box in (self.agenda_box, self.phases_box):
            box.add_class("ccm-guide-box")
        self.add_class("ccm-guide")
        self.children = (
            w.HTML(f"{GUIDE_CSS}<h2>{html.escape(t('guide.title'))}</h2>"),
            self.agenda_box,
            self.phases_box,
            self.status,
        )
        self.refresh()
        self.watcher = ChangeWatcher(store)
        self.watcher.on_change(self._on_store_change)
        if watch:
            self.watcher.start()
        self._stop = threading.Event()
        if tick:
            threading.Thread(target=self._tick, name="ccm-guide", daemon=True).start()

    def current_phase(self) -> str:
        phase = self.store.session.progress()[0]
        return phase if phase in {p.key for p in PHASES} else PHASES[0].key

    def refresh(self, now: dt.datetime | None = None) -> None:
        """Redraw the phases and the agenda item from the store."""
        current = self.current_phase()
        keys = [p.key for p in PHASES]
        position = keys.index(current)
        items = []
        for index, phase in enumerate(PHASES):
            done = phase.done(self.store) if phase.done is not None else self.exports_made()
            css = "current" if index == position else "next" if index == position + 1 else ""
            css = f"{css} done" if done else css
            if index == position:  # the current step, once its work is done: ready to go on
                state = t("guide.now_ready") if done else t("guide.now")
            else:
                state = t("guide.done") if done else t("guide.todo")
            url = self.links.get(phase.notebook, "")
            link = (
                f"<a href='{html.escape(url)}' target='_blank'>{html.escape(t('guide.open'))}</a>"
                if url
                else ""
            )
            items.append(
                f"<li class='{css.strip()}' data-phase='{phase.key}'>"
                f"{index + 1}. {html.escape(t(f'guide.phase_{phase.key}'))}"
                f"<span class='state'>{html.escape(state)}</span>{link}</li>"
            )
        self.steps.value = f"<ol>{''.join(items)}</ol>"
        self.phase_choice.value = current
        last = position >= len(PHASES) - 1
        self.next_phase_button.disabled = last
        self.next_phase_button.description = (
            t("guide.last_phase")
            if last
            else t(
                "guide.go_to_phase",
                number=position + 2,
                phase=t(f"guide.phase_{PHASES[position + 1].key}"),
            )
        )
        self._render_agenda(now)

    def _render_agenda(self, now: dt.datetime | None = None) -> None:
        _, index, started = self.store.session.progress()
        agenda = self.store.meetings.agenda()
        value = agenda_html(agenda, index, started, now or dt.datetime.now(dt.UTC))
        if value != self.agenda_view.value:
            self.agenda_view.value = value
        self.previous_item_button.disabled = index <= 0
        self.next_item_button.disabled = index >= len(agenda) - 1

    # -- handlers -----------------------------------------------------------------------------

    def _on_set_phase(self, _button: object = None) -> None:
        self.set_phase(str(self.phase_choice.value))

    def _on_next_phase(self, _button: object = None) -> None:
        self.next_phase()

    def _on_next_item(self, _button: object = None) -> None:
        self.move_item(+1)

    def _on_previous_item(self, _button: object = None) -> None:
        self.move_item(-1)

    def _on_store_change(self, _counter: int) -> None:
        self.refresh()

    # -- actions -------------------------------------------------------------------------------

    def _record(self, *, phase: str | None = None, agenda_item: int | None = None) -> bool:
        """Write where the meeting is (every tab follows). False when it failed (said)."""
        try:
            self.store.session.set_progress(
                phase=phase, agenda_item=agenda_item, actor=str(self.actor)
            )
        except Exception as error:  # shown, not lost in the log
            self.status.fail(error)
            return False
        self.status.show("")
        self.refresh()
        return True

    def set_phase(self, key: str) -> bool:
        """Make ``key`` the current phase (every tab follows). False when it failed (said)."""
        return self._record(phase=key)

    def next_phase(self) -> bool:
        """Go on to the phase after the current one."""
        keys = [p.key for p in PHASES]
        position = keys.index(self.current_phase())
        return position < len(keys) - 1 and self.set_phase(keys[position + 1])

    def move_item(self, offset: int) -> bool:
        """Start the next (or previous) agenda item now. False when nothing moved."""
        _, index, _ = self.store.session.progress()
        agenda = self.store.meetings.agenda()
        target = min(max(index + offset, 0), len(agenda) - 1)
        if not agenda or target == index:
            return False
        return self._record(agenda_item=target)

    def stop(self) -> None:
        self._stop.set()
        self.watcher.stop()

    def _tick(self) -> None:
        while not self._stop.wait(15.0):
            if self.store.closed:
                return
            try:
                with WIDGETS:
                    self._render_agenda()
            except Exception:  # a failed tick must not stop the clock
                continue
