"""Nouvelle réunion: the facilitator's first page on an empty store.

A meeting is started from the browser, with the facilitator's key: blank (its title, date and
venue, nothing of anyone else's), from a previous meeting (its file, TOML, or its store,
``.sqlite``: its groups and moderators, its synthesis order and header lines, and from a store
its synthesis as this meeting's review table), or from a meeting file prepared for this
meeting (everything it says, as ``ccm init`` reads it). The file is read as soon as it is
chosen, and what it brings is said before anything is written.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Callable

import ipywidgets as w

from ccm_widgets.domain.model import FACILITATOR_ACTOR, Actor, Meeting, ValidationError
from ccm_widgets.files.loading import (
    Outcome,
    PreviousMeeting,
    StartFrom,
    read_previous_meeting,
    start_meeting,
)
from ccm_widgets.i18n import t
from ccm_widgets.store import Store
from ccm_widgets.widgets.common.controls import button, file_picker
from ccm_widgets.widgets.common.items import FULL_WIDTH
from ccm_widgets.widgets.common.labels import labelled
from ccm_widgets.widgets.common.status import StatusBar


def previous_summary(previous: PreviousMeeting) -> str:
    """What a previous meeting's file brings, in one sentence (plain text)."""
    plan = previous.plan
    return t(
        "new_meeting.file_read",
        name=previous.name,
        title=plan.meeting.title,
        groups=len(plan.groups),
        names=", ".join(g.name for g in plan.groups) or "—",
        agenda=len(plan.agenda),
        review=len(previous.recommendations),
    )


class NewMeetingPanel(w.VBox):
    """Title, date, venue; how to start; a file for the last two ways; "Créer la réunion".

    ``on_created(outcome)`` is called once the meeting exists (the page then shows it).
    """

    def __init__(
        self,
        *,
        store: Store,
        actor: Actor = FACILITATOR_ACTOR,
        on_created: Callable[[Outcome], None] | None = None,
        today: dt.date | None = None,
    ) -> None:
        super().__init__()
        self.store = store
        self.actor = actor
        self.on_created = on_created
        self.previous: PreviousMeeting | None = None
        self.title = w.Text(layout=w.Layout(**FULL_WIDTH))
        self.date = w.Text(
            value=(today or dt.date.today()).isoformat(),
            placeholder="AAAA-MM-JJ",
            layout=w.Layout(width="160px"),
        )
        self.venue = w.Text(layout=w.Layout(**FULL_WIDTH))
        self.start = w.RadioButtons(
            options=[
                (t("new_meeting.blank"), StartFrom.BLANK.value),
                (t("new_meeting.previous"), StartFrom.PREVIOUS.value),
                (t("new_meeting.prepared"), StartFrom.PREPARED.value),
            ],
            value=StartFrom.BLANK.value,
            layout=w.Layout(width="auto"),
        )
        self.start.observe(self._on_start, names="value")
        #: What the chosen way takes, in a sentence (a radio label is one short line).
        self.start_help = w.HTML(self._start_help())
        self.upload = file_picker(
            self.choose_file, accept=".toml,.sqlite,.sqlite3,.db", description=t("new_meeting.file")
        )
        self.file_info = w.HTML()
        self.file_box = w.VBox(
            [w.HTML(f"<i>{html.escape(t('new_meeting.file_help'))}</i>"), self.upload,
             self.file_info],
            layout=w.Layout(display="none"),
        )  # fmt: skip
        self.create_button = button(t("new_meeting.create"), self._on_create, "primary")
        self.status = StatusBar()
        self.add_class("ccm-new-meeting")
        #: Where the meeting will be stored: for whoever looks after the server, folded away.
        self.details = w.HTML(
            f"<details><summary>{html.escape(t('new_meeting.details'))}</summary>"
            f"<small>{html.escape(t('new_meeting.store', where=store.where))}</small></details>"
        )
        self.children = (
            w.HTML(
                f"<h1>{html.escape(t('new_meeting.title'))}</h1>"
                f"<p>{html.escape(t('new_meeting.intro'))}</p>"
            ),
            labelled(t("prep.field_title"), self.title),
            labelled(t("prep.field_date"), self.date),
            labelled(t("prep.field_venue"), self.venue),
            # Each choice is named by its own words; these are the group's heading.
            w.HTML(f"<b>{html.escape(t('new_meeting.start_from'))}</b>"),
            self.start,
            self.start_help,
            self.file_box,
            self.create_button,
            self.status,
            self.details,
        )

    @property
    def start_from(self) -> StartFrom:
        """How the meeting is to be started."""
        return StartFrom(self.start.value)

    def _on_start(self, _change: object = None) -> None:
        self.file_box.layout.display = "none" if self.start_from is StartFrom.BLANK else None
        self.start_help.value = self._start_help()

    def _start_help(self) -> str:
        return f"<i>{html.escape(t(f'new_meeting.{self.start_from.value}_help'))}</i>"

    def choose_file(self, name: str, content: bytes) -> bool:
        """Read a previous (or prepared) meeting's file and say what it brings; nothing is
        written yet. A prepared file's title, date and venue fill the empty fields."""
        try:
            found = read_previous_meeting(name, content)
        except Exception as error:  # shown: a file that is not a meeting's is said so
            self.previous = None
            self.file_info.value = ""
            self.status.fail(error)
            return False
        self.previous = found
        self.file_info.value = html.escape(previous_summary(found))
        header = found.plan.meeting
        if not self.venue.value.strip():
            self.venue.value = header.venue
        if self.start_from is StartFrom.PREPARED and not self.title.value.strip():
            self.title.value = header.title
            self.date.value = header.date.isoformat()
        self.status.show(t("new_meeting.file_ok"), "ok")
        return True

    def _on_create(self, _button: object = None) -> None:
        self.create()

    def create(self) -> Outcome | None:
        """Create the meeting as the page says; ``None`` (and why) when it cannot be."""
        try:
            if self.store.meetings.exists():
                raise ValidationError(t("new_meeting.exists"))
            for control, key in ((self.title, "title"), (self.venue, "venue")):
                if not control.value.strip():
                    raise ValidationError(t(f"new_meeting.need_{key}"))
            try:
                date = dt.date.fromisoformat(self.date.value.strip())
            except ValueError as error:
                raise ValidationError(t("prep.bad_date", value=self.date.value)) from error
            meeting = Meeting(
                title=self.title.value.strip(), date=date, venue=self.venue.value.strip()
            )
            if self.start_from is not StartFrom.BLANK and self.previous is None:
                raise ValidationError(t("loading.choose_previous"))
            outcome = start_meeting(
                self.store,
                meeting,
                start=self.start_from,
                previous=self.previous,
                actor=self.actor,
            )
        except Exception as error:  # shown; nothing was written, the form stays as typed
            self.status.fail(error)
            return None
        self.status.show(" ".join([outcome.summary, *outcome.warnings]), "ok")
        if self.on_created is not None:
            self.on_created(outcome)
        return outcome
