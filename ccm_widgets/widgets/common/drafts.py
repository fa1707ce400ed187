"""Texts typed and not saved, kept by the browser, offered back after a reload.

A phone that slept, a Wi-Fi that dropped, a kernel that died: what the rapporteur had typed
and not yet saved is in the browser's ``localStorage`` (the page script of the ``ccm`` Voilà
template keeps it, keyed by meeting, section, row and column). When the page comes back,
the script hands those drafts to this widget through a hidden text area; the widget offers
each one back ("Enregistrer" / "Ignorer"), and a text saved goes through the same conflict
check as any save. The widget names the texts that were saved (or set aside) in a hidden
element, and the script forgets them.

A text typed in the grid's cell editor is kept under its cell's name once the kernel has
named the cell clicked. Typed before that (the kernel slow, or dead before it answered), or
in a cell reached with the keyboard (no click, so no name), it is kept "unplaced" and offered
back to be copied into its cell by hand.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import html
import json
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass

import ipywidgets as w
from ipywidgets.widgets.widget_string import HTMLStyle

from ccm_widgets.domain.model import GRID_COLUMNS, GRID_FIELDS
from ccm_widgets.i18n import t

log = logging.getLogger(__name__)

#: Drafts read from one page load at most, and the characters of their JSON: a page could
#: be sent anything.
MAX_DRAFTS = 200
MAX_INBOX_CHARS = 2_000_000
#: Saved texts the page script is told about at once (the most recent).
MAX_SAVED = 100
#: An unplaced draft's token in the page script (``u`` and the time it was typed, in ms) and
#: its field.
UNPLACED = re.compile(r"u\d{1,16}")
UNPLACED_FIELD = "cell"


@dataclass(frozen=True)
class Draft:
    """A text typed in a cell (row id, field) over ``base``, not confirmed saved."""

    row: int
    field: str
    text: str
    base: str
    at: float = 0.0
    #: Typed in the grid's cell editor before its cell was named: the page script's token
    #: (``row`` is then 0 and ``field`` "cell").
    unplaced: str = ""

    @property
    def column(self) -> str:
        """The column's title (Recommandation, Défis, Perspectives)."""
        return GRID_COLUMNS[GRID_FIELDS.index(self.field)]

    @property
    def key(self) -> tuple[int | str, str]:
        """The draft's name in the page script: its row id (or token) and field."""
        return (self.unplaced or self.row, self.field)


def scope(meeting_key: str, section: str) -> str:
    """The drafts' scope of a section's page: the meeting (a hash of its facilitator key:
    a replaced meeting has new keys) and the section. Letters, digits and dashes only."""
    meeting = hashlib.sha256(meeting_key.encode()).hexdigest()[:12]
    return f"{meeting}-{''.join(c if c.isalnum() else '-' for c in section)}"


def draft_key(widget: w.DOMWidget, row: int, field: str, *, click: int | None = None) -> None:
    """Name the cell a text field (or the grid's cell editor) edits, for the page script:
    the class ``ccm-key-<row>-<field>`` replaces the one it had. ``click`` numbers a grid's
    clicks (class ``ccm-click-<n>``): the script waits for each click's answer, even when it
    names the cell already named (the second click of a double click)."""
    kept = [c for c in widget._dom_classes if not c.startswith(("ccm-key-", "ccm-click-"))]
    clicked = () if click is None else (f"ccm-click-{click}",)
    widget._dom_classes = (*kept, f"ccm-key-{row}-{field}", *clicked)


def read_drafts(payload: str) -> list[Draft]:
    """The drafts in the page script's JSON; anything malformed is left out."""
    if not payload or len(payload) > MAX_INBOX_CHARS:
        return []
    try:
        items = json.loads(payload)
    except ValueError:
        return []
    found = []
    for item in items[:MAX_DRAFTS] if isinstance(items, list) else []:
        try:
            row, field = item["row"], str(item["field"])
            unplaced = (
                row if isinstance(row, str) and UNPLACED.fullmatch(row) and field == UNPLACED_FIELD
                else ""
            )  # fmt: skip
            draft = Draft(
                0 if unplaced else int(row), field, str(item["text"]),
                str(item.get("base", "")), float(item.get("at", 0) or 0), unplaced,
            )  # fmt: skip
        except (KeyError, TypeError, ValueError):
            continue
        if draft.field in GRID_FIELDS or draft.unplaced:
            found.append(draft)
    return found


#: What a page does with a draft the user chose to save: returns the French message to
#: show, and whether the text is now saved (False: refused or a conflict, shown by the page).
Restore = Callable[[Draft], tuple[bool, str]]
#: The text a cell holds now and its row's number on the page, or None when the row is gone.
Current = Callable[[int, str], tuple[str, int] | None]


class DraftMailbox(w.VBox):
    """The drafts found in the browser, offered back one by one.

    Parameters
    ----------
    restore:
        Saves a draft the user chose (with its ``base`` as the text it was typed over, so a
        change made meanwhile elsewhere is a conflict, not an overwrite).
    current:
        The stored text of a cell: a draft equal to it is already saved and is not offered.
    """

    def __init__(self, *, restore: Restore, current: Current) -> None:
        self._restore = restore
        self._current = current
        self._saved: list[list[object]] = []
        self._told = 0  # entries told since the page loaded: the script reads the new ones
        self.offers: dict[tuple[int | str, str], Draft] = {}
        self._numbers: dict[int, int] = {}
        # One layout for the four, one style for the two texts: each is a model the kernel
        # sends and the browser builds, on every page that keeps drafts.
        layout, html_style = w.Layout(), HTMLStyle()
        super().__init__(layout=layout)
        self.inbox = w.Textarea(layout=layout)
        self.inbox.add_class("ccm-drafts-inbox")
        self.saved = w.HTML(layout=layout, style=html_style)
        self.saved.add_class("ccm-drafts-saved")
        self.list = w.VBox(layout=layout)
        self.message = w.HTML(layout=layout, style=html_style)
        self.inbox.observe(self._on_inbox, names="value")
        self.add_class("ccm-drafts-box")
        self.children = (self.inbox, self.saved, self.message, self.list)

    # -- what the page script reads ---------------------------------------------------------

    def confirm(self, row: int, field: str, text: str) -> None:
        """A text is saved: the browser may forget a draft with that very text."""
        self._tell([row, field, text])

    def forget(self, row: int | str, field: str) -> None:
        """The user set the draft aside: the browser forgets it, whatever its text."""
        self._tell([row, field])

    def _tell(self, entry: list[object]) -> None:
        self._saved = [*self._saved, entry][-MAX_SAVED:]
        self._told += 1
        told = {"n": self._told, "saved": self._saved}
        self.saved.value = html.escape(json.dumps(told, ensure_ascii=False))

    # -- what the page script sent ----------------------------------------------------------

    def _on_inbox(self, change: dict[str, object]) -> None:
        try:
            self.receive(str(change["new"] or ""))
        except Exception:  # shown, not lost in the log
            log.exception("brouillons illisibles")
            self.message.value = html.escape(t("drafts.unreadable"))

    def receive(self, payload: str) -> int:
        """Offer back the drafts in ``payload``; returns how many are offered."""
        for draft in read_drafts(payload):
            if draft.unplaced:  # its cell unknown: offered to be copied, if there is a text
                if draft.text.strip():
                    self.offers[draft.key] = draft
                else:
                    self.forget(*draft.key)
                continue
            stored = self._current(draft.row, draft.field)
            if stored is None or stored[0] == draft.text:
                self.forget(draft.row, draft.field)  # saved after all, or its row is gone
                continue
            self._numbers[draft.row] = stored[1]
            self.offers[draft.key] = draft
        self._show()
        return len(self.offers)

    def _show(self) -> None:
        rows = [self._offer(draft) for draft in self.offers.values()]
        if not rows:
            self.list.children = ()
            self.message.value = ""
            return
        self.message.value = (
            f"<div class='ccm-drafts-title'><b>{html.escape(t('drafts.title'))}</b> "
            f"{html.escape(t('drafts.explain'))}</div>"
        )
        if all(draft.unplaced for draft in self.offers.values()):
            self.list.children = tuple(rows)  # nothing the page could save by itself
            return
        save_all = w.Button(description=t("drafts.save_all"), button_style="primary")
        save_all.on_click(self._on_save_all)
        save_all.layout.width = "auto"
        self.list.children = (*rows, save_all)

    def _offer(self, draft: Draft) -> w.Widget:
        typed = dt.datetime.fromtimestamp(draft.at / 1000).strftime("%H:%M") if draft.at else "?"
        if draft.unplaced:
            label = t("drafts.unplaced", time=typed)
        else:
            number = self._numbers.get(draft.row, 0)
            label = t("drafts.offer", number=number, column=draft.column, time=typed)
        text = w.HTML(
            f"<div class='ccm-draft-text'><b>{html.escape(label)}</b><br>"
            f"<span style='white-space:pre-wrap'>{html.escape(draft.text)}</span></div>"
        )
        drop = w.Button(description=t("drafts.copied" if draft.unplaced else "drafts.drop"))
        drop.on_click(_Choice(self, draft, keep=False).chosen)
        buttons = [drop]
        if not draft.unplaced:
            save = w.Button(description=t("drafts.save"), button_style="primary")
            save.on_click(_Choice(self, draft, keep=True).chosen)
            buttons.insert(0, save)
        for button in buttons:
            button.layout.width = "auto"
        return w.VBox([text, w.HBox(buttons)], layout=w.Layout(margin="4px 0"))

    def choose(self, draft: Draft, *, keep: bool) -> bool:
        """Save (``keep``) or set aside one draft offered back; True when it is settled."""
        if keep and draft.unplaced:
            return False  # its cell unknown: copied by hand, never saved here
        if not keep:
            self.forget(*draft.key)
            self.offers.pop(draft.key, None)
            self._show()
            return True
        saved, said = self._restore(draft)
        if saved:
            self.confirm(draft.row, draft.field, draft.text)
        self.offers.pop(draft.key, None)  # a conflict is the page's now
        self._show()
        self.message.value += f"<div>{html.escape(said)}</div>" if said else ""
        return saved

    def _on_save_all(self, _button: object = None) -> None:
        for draft in list(self.offers.values()):
            if not draft.unplaced:
                self.choose(draft, keep=True)


class _Choice:
    """One of the two buttons of a draft offered back, as a named handler."""

    def __init__(self, mailbox: DraftMailbox, draft: Draft, *, keep: bool) -> None:
        self.mailbox = mailbox
        self.draft = draft
        self.keep = keep

    def chosen(self, _button: object = None) -> None:
        self.mailbox.choose(self.draft, keep=self.keep)
