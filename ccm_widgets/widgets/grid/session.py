"""One tab's work on one section's grid, apart from how it is drawn.

A :class:`GridSession` holds what a tab knows of a section (a group's grid, or the plenary's
general section): the rows as it last read them, the texts it showed for cells another tab
has changed since (stale marks), the versions it wrote itself, the conflicts it has to settle
and the rows it deleted (to undo). Every change a user can make goes through it and comes back
as a :class:`GridResult`: saved, in conflict (both texts), refused (the reason, in French) or
nothing to do; the view only shows it. The grid (:class:`~.grid_editor.GroupGridEditor`) is one
view; a phone's cards (:class:`~.row_cards.RowCards`) another over the same session, saving and
settling the same way.

Nothing here draws: the session needs the store's repositories, and the store's change watcher
to skip the refresh its own writes would cause.

Longer than most modules (about 550 lines): every action a grid offers is here once, with its
conflict and refusal rules, so that the grid and the cards cannot drift apart.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Literal

from ccm_widgets.domain.model import (
    GENERAL,
    GRID_COLUMNS,
    GRID_FIELDS,
    GridRow,
    Group,
    HistoryEntry,
    ImportProblem,
    ValidationError,
    display_actor,
)
from ccm_widgets.files.importing import paste_rows
from ccm_widgets.i18n import t
from ccm_widgets.store import ConflictError, Store, StoreError
from ccm_widgets.store.plenary import Fate, RowFate
from ccm_widgets.widgets.common.watcher import ChangeWatcher

log = logging.getLogger(__name__)

Level = Literal["info", "ok", "warning", "error"]
#: A cell: the row's id and the field (``recommendation``, ``challenges``, ``perspectives``).
CellKey = tuple[int, str]

#: Refusals whose message is already the French sentence a user should read.
_EXPLAINED = (StoreError, ValidationError, ImportProblem)


def clock() -> str:
    """The time of day as the status line says it."""
    return dt.datetime.now().strftime("%H:%M:%S")


def short_text(text: str, limit: int = 60) -> str:
    """A row's text on one line, cut, for a sentence about it."""
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"


def column_of(field: str) -> str:
    """The column heading of a row field (``challenges`` → ``Défis``)."""
    return GRID_COLUMNS[GRID_FIELDS.index(field)]


@dataclass(frozen=True)
class Notice:
    """A sentence for the status line, in the user's language, and how it is styled."""

    text: str
    level: Level


class Outcome(StrEnum):
    """What became of a change the user asked for."""

    SAVED = "saved"  #: written, and the rows read back
    CONFLICT = "conflict"  #: not written: the cell had changed elsewhere; both texts kept
    REFUSED = "refused"  #: not written; the notice says why; the user's text stays shown
    UNCHANGED = "unchanged"  #: nothing to write (an echo, an empty paste, a row already first)


@dataclass(frozen=True)
class Conflict:
    """A cell this tab tried to write after another tab had changed it: both texts.

    ``row`` is the row as stored now: its text in ``field`` is the other tab's.
    """

    row: GridRow
    field: str
    mine: str
    who: str

    @property
    def key(self) -> CellKey:
        """The cell in conflict."""
        return (self.row.id, self.field)

    @property
    def theirs(self) -> str:
        """The text stored now, written by :attr:`who`."""
        return str(getattr(self.row, self.field))

    @property
    def column(self) -> str:
        """The cell's column heading."""
        return column_of(self.field)

    def describe(self) -> str:
        """Both texts and who wrote the stored one, for the user."""
        return t("grid.conflict", who=self.who, current=self.theirs, mine=self.mine)


@dataclass(frozen=True)
class GridResult:
    """What a change did, for the view to show."""

    outcome: Outcome
    #: What the status line says; ``None``: leave it as it is.
    notice: Notice | None = None
    #: The row written (edited, added, moved, deleted or brought back).
    row: GridRow | None = None
    #: Where that row is now (0-based), if it is in the grid.
    position: int | None = None
    #: Rows added by a paste or an import.
    count: int = 0
    conflict: Conflict | None = None

    @property
    def saved(self) -> bool:
        """True when the change was written."""
        return self.outcome is Outcome.SAVED


_NOTHING = GridResult(Outcome.UNCHANGED)


class GridSession:
    """A tab's rows of one section and every change it makes to them.

    Over 300 lines, on purpose: every change goes through one lock and one "write, read
    back, acknowledge, say what happened" path, with the marks it keeps (cells changed
    elsewhere, this tab's versions, conflicts, deletions to undo); the grid and a phone's
    cards both use it, so none of it is written twice.

    Parameters
    ----------
    store:
        Where rows are read and written.
    section:
        A group slug, or ``"general"``.
    actor:
        Who is typing, as the history records it (``"groupe:protection"``, ``"animateur"``).
    poll_interval:
        Seconds between two reads of the store's change counter, once :attr:`watcher` runs.
    """

    def __init__(
        self, store: Store, section: str, actor: str, *, poll_interval: float = 0.25
    ) -> None:
        self.store = store
        self.section = section
        self.actor = actor
        # Read before the rows: a change landing in between is then seen by the next poll.
        self.watcher = ChangeWatcher(store, interval=poll_interval)
        # The watcher's thread reloads while the kernel's thread saves.
        self._lock = threading.RLock()
        self._rows: list[GridRow] = []
        # The text this tab showed for a cell another tab has since changed.
        self._stale: dict[CellKey, str] = {}
        # (row id, version) pairs this tab wrote: two tabs of the same actor still differ.
        self._own_versions: set[tuple[int, int]] = set()
        self._deleted: list[int] = []
        # Rows that left the grid by another tab's doing (merged, moved, deleted), with the
        # number they had here: said once, at the next refresh.
        self._gone: list[tuple[int, GridRow]] = []
        self._conflicts: dict[CellKey, Conflict] = {}
        self.last_saved: str | None = None
        self.reload()

    # -- what the tab knows -----------------------------------------------------------------

    @property
    def rows(self) -> list[GridRow]:
        """The rows as this tab last read them."""
        with self._lock:
            return list(self._rows)

    @property
    def conflicts(self) -> tuple[Conflict, ...]:
        """The conflicts still to settle, oldest first."""
        with self._lock:
            return tuple(self._conflicts.values())

    @property
    def can_undo(self) -> bool:
        """True when a row this tab deleted can be brought back."""
        return bool(self._deleted)

    def position_of(self, row_id: int) -> int | None:
        """Where the row ``row_id`` is in this tab's rows (0-based), if it is there."""
        with self._lock:
            return next((i for i, r in enumerate(self._rows) if r.id == row_id), None)

    def stale_fields(self, position: int) -> frozenset[str]:
        """Fields of the row at ``position`` changed elsewhere since this tab showed them.

        A text area still shows the older text: a view leaves it (and says so) rather than
        replace it under the user's fingers.
        """
        with self._lock:
            if not 0 <= position < len(self._rows):
                return frozenset()
            row_id = self._rows[position].id
            return frozenset(f for f in GRID_FIELDS if (row_id, f) in self._stale)

    def mark_seen(self, position: int) -> None:
        """The user now sees the stored texts of the row at ``position``: forget its marks."""
        with self._lock:
            if 0 <= position < len(self._rows):
                row_id = self._rows[position].id
                for field in GRID_FIELDS:
                    self._stale.pop((row_id, field), None)

    def closed_by_breakout(self) -> bool:
        """True when the breakout is closed for this section.

        Closing the breakout locks the groups' grids, not the plenary's general section.
        """
        return self.section != GENERAL and not self.store.session.breakout()[0]

    def history(self, row_id: int) -> list[HistoryEntry]:
        """Every recorded change of a row, oldest first."""
        return self.store.history.entries("grid_row", row_id)

    # -- reading ----------------------------------------------------------------------------

    def reload(self) -> bool:
        """Read the section's rows again. True when a text or the order changed."""
        with self._lock:
            rows = self.store.grid.rows(self.section)
            if [(r.id, r.cells()) for r in rows] == [(r.id, r.cells()) for r in self._rows]:
                self._rows = rows  # versions may have moved with no visible change
                return False
            self._note_changes(self._rows, rows)
            kept = {r.id for r in rows}
            self._gone += [
                (number, row)
                for number, row in enumerate(self._rows, start=1)
                if row.id not in kept and row.id not in self._deleted
            ]
            self._rows = rows
            return True

    def _note_changes(self, old: list[GridRow], new: list[GridRow]) -> None:
        """Mark the cells another tab has changed since this tab showed ``old``.

        A cell editor (or a text area) opened before the refresh still holds the older text:
        the next save of that cell is checked against it, so typing over a text one has not
        seen is a conflict, not a silent overwrite. A cell already in conflict is not marked:
        its conflict takes the newer stored text, so that the choice is between the texts
        that are there now.
        """
        shown = {r.id: r for r in old}
        for row in new:
            for field in GRID_FIELDS:
                key = (row.id, field)
                text = getattr(row, field)
                conflict = self._conflicts.get(key)
                if conflict is not None:
                    if text != conflict.theirs:
                        who = self._who(row.updated_by)
                        self._conflicts[key] = replace(conflict, row=row, who=who)
                    continue
                before = shown.get(row.id)
                if before is None or (row.id, row.version) in self._own_versions:
                    continue
                if getattr(before, field) != text:
                    self._stale.setdefault(key, getattr(before, field))

    # -- one cell ---------------------------------------------------------------------------

    def edit(self, position: int, field: str, text: str) -> GridResult:
        """Save ``text`` in ``field`` of the row at (0-based) ``position``.

        The store checks it against the text this tab showed: the stored one, or the older
        one if another tab has changed it since (a conflict, then, not an overwrite).
        """
        if field not in GRID_FIELDS:
            raise ValueError(field)
        with self._lock:
            if not 0 <= position < len(self._rows):
                return _NOTHING
            before = self._rows[position]
            seen = self._stale.get((before.id, field), getattr(before, field))
            return self._write_cell(before, field, text, seen)

    def edit_row(
        self, row_id: int, field: str, text: str, *, seen: str | None = None
    ) -> GridResult:
        """Save ``text`` in ``field`` of the row ``row_id``, wherever it is now (the row
        editor's text goes to the row it was typed in, even if another is selected since).

        ``seen`` is the text the user typed over when the view knows it (a card does, a
        draft does); otherwise the text this tab showed is. Either way a change made
        meanwhile elsewhere is a conflict, as for any save.
        """
        if field not in GRID_FIELDS:
            raise ValueError(field)
        with self._lock:
            position = self.position_of(row_id)
            if position is None:
                return self._refused(ValidationError(t("store.row_deleted", row=row_id)))
            if seen is None:
                return self.edit(position, field, text)
            return self._write_cell(self._rows[position], field, text, seen)

    def save_draft(self, row_id: int, field: str, text: str, seen: str) -> GridResult:
        """Save a text typed while the page was cut off, over the text it was typed over
        (``seen``): a change made meanwhile elsewhere is a conflict, as for any save."""
        return self.edit_row(row_id, field, text, seen=seen)

    def restore(self, position: int, field: str, text: str) -> GridResult:
        """Put back an earlier text of a cell (from its history): an edit like any other."""
        return self.edit(position, field, text)

    def settle(self, conflict: Conflict, *, mine: bool) -> GridResult:
        """Settle a conflict: write this tab's text over the stored one, or keep the stored one.

        The conflict's newest texts are used: another tab may have changed the cell again
        while the user was choosing.
        """
        with self._lock:
            current = self._conflicts.get(conflict.key)
            if current is None:  # already settled (a second click)
                return _NOTHING
            if mine:
                return self._write_cell(current.row, current.field, current.mine, current.theirs)
            del self._conflicts[current.key]
            self._stale.pop(current.key, None)
            position = self.position_of(current.row.id)
            number = current.row.position if position is None else position + 1
            text = t("grid.kept_theirs", row=number, column=current.column, time=clock())
            return GridResult(
                Outcome.UNCHANGED, Notice(text, "ok"), row=current.row, position=position
            )

    def _write_cell(self, before: GridRow, field: str, text: str, seen: str) -> GridResult:
        key = (before.id, field)
        try:
            saved = self.store.grid.update_cell(before.id, field, text, seen=seen, actor=self.actor)
        except ConflictError as error:
            self._stale.pop(key, None)  # the conflict holds both texts from now on
            found = Conflict(
                error.current, error.field, error.attempted, self._who(error.current.updated_by)
            )
            self._conflicts[key] = found
            self._read_back()
            notice = Notice(t("grid.conflict_short"), "warning")
            return GridResult(Outcome.CONFLICT, notice, row=found.row, conflict=found)
        except Exception as error:
            return self._refused(error)
        self._stale.pop(key, None)
        self._conflicts.pop(key, None)  # a save of that cell settles its conflict
        self._own_versions.add((saved.id, saved.version))
        position = self.position_of(saved.id)
        if position is not None:
            self._rows[position] = saved
        if saved.version == before.version:  # an echo: nothing was written
            return GridResult(Outcome.UNCHANGED, row=saved, position=position)
        number = saved.position if position is None else position + 1
        # Which cell, so that two saves within one second do not look like one.
        what = t("grid.saved_cell", row=number, column=column_of(field))
        return self._saved(self._saved_notice(what), row=saved)

    # -- rows -------------------------------------------------------------------------------

    def add_row(self) -> GridResult:
        """Append an empty row."""
        with self._lock:
            try:
                (row,) = self.store.grid.add(self.section, [("", "", "")], actor=self.actor)
            except Exception as error:
                return self._refused(error)
            return self._saved(self._saved_notice(), row=row)

    def delete(self, position: int) -> GridResult:
        """Delete the row at ``position``; :meth:`undo_delete` brings it back."""
        with self._lock:
            if not 0 <= position < len(self._rows):
                return _NOTHING
            target = self._rows[position]
            try:
                self.store.grid.delete(target.id, actor=self.actor)
            except Exception as error:
                return self._refused(error)
            self._deleted.append(target.id)
            text = t("grid.deleted", number=position + 1, time=clock())
            return self._saved(Notice(text, "ok"), row=target)

    def undo_delete(self) -> GridResult:
        """Bring back the row this tab deleted last."""
        with self._lock:
            if not self._deleted:
                return _NOTHING
            try:
                row = self.store.grid.restore(self._deleted[-1], actor=self.actor)
            except Exception as error:
                return self._refused(error)
            self._deleted.pop()
            return self._saved(self._saved_notice(), row=row)

    def move(self, position: int, offset: int) -> GridResult:
        """Move the row at ``position`` up (-1) or down (+1); the result says where it is."""
        with self._lock:
            if not 0 <= position < len(self._rows):
                return _NOTHING
            target = self._rows[position]
            try:
                moved = self.store.grid.move(target.id, offset, actor=self.actor)
            except Exception as error:
                return self._refused(error)
            if not moved:  # already first, or last
                return GridResult(Outcome.UNCHANGED, row=target, position=position)
            return self._saved(self._saved_notice(), row=target)

    def paste(self, text: str) -> GridResult:
        """Append the rows of a block pasted from Word or Excel."""
        with self._lock:
            try:
                rows = paste_rows(text)
                if not rows:
                    return GridResult(Outcome.UNCHANGED, Notice(t("paste.empty"), "warning"))
                self.store.grid.add(self.section, rows, actor=self.actor)
            except Exception as error:
                return self._refused(error)
            notice = Notice(t("paste.done", count=len(rows), time=clock()), "ok")
            return self._saved(notice, count=len(rows))

    def import_file(self, name: str, content: bytes) -> GridResult:
        """Append the rows of an uploaded CSV/XLSX file; a bad file changes nothing."""
        from ccm_widgets.files.loading import import_grid

        with self._lock:
            before = len(self._rows)
            try:
                import_grid(self.store, self.section, name, data=content, actor=self.actor)
            except Exception as error:
                return self._refused(error, "grid.import_failed")
            self._read_back()
            added = max(len(self._rows) - before, 0)
            notice = Notice(t("paste.done", count=added, time=clock()), "ok")
            return GridResult(Outcome.SAVED, notice, count=added)

    # -- the one way out of every write -----------------------------------------------------

    def _saved(self, notice: Notice, *, row: GridRow | None = None, count: int = 0) -> GridResult:
        """After a write: read the rows back, and say so."""
        self._read_back()
        position = None if row is None else self.position_of(row.id)
        return GridResult(Outcome.SAVED, notice, row=row, position=position, count=count)

    def _read_back(self) -> None:
        """Read the rows again and tell the watcher that this tab's write needs no refresh."""
        try:
            self.reload()
            self.watcher.acknowledge()
        except Exception:  # the write is done; the watcher's next poll reads the rows again
            log.exception("grille non relue après une écriture")

    def _refused(self, error: Exception, message: str = "grid.save_failed") -> GridResult:
        """A write that failed, whatever the failure: said, never taken for saved."""
        if isinstance(error, _EXPLAINED):
            reason = str(error)
        else:  # a bug, or a failure the store did not foresee: the log keeps the traceback
            log.error("écriture de la grille impossible", exc_info=error)
            reason = t("grid.unexpected", error=f"{type(error).__name__} : {error}")
        return GridResult(Outcome.REFUSED, Notice(t(message, error=reason.rstrip(". ")), "error"))

    def _saved_notice(self, what: str = "") -> Notice:
        self.last_saved = f"{clock()} ({what})" if what else clock()
        return Notice(t("grid.saved", time=self.last_saved), "ok")

    def refreshed_notice(self) -> Notice:
        """What to say when another tab's change has arrived, keeping this tab's last save.

        A row that has left the grid is said first, with what became of it ("fusionnée
        par la plénière avec la ligne 2 de …"), as a warning: a rapporteur must not think
        it lost.
        """
        gone = self.gone_notice()
        if gone is not None:
            return gone
        if self.last_saved is None:
            return Notice(t("grid.refreshed", time=clock()), "info")
        return Notice(t("grid.saved_refreshed", saved=self.last_saved, time=clock()), "ok")

    def gone_notice(self) -> Notice | None:
        """What became of the rows that left this grid since last said, or ``None``."""
        with self._lock:
            gone, self._gone = self._gone, []
        if not gone:
            return None
        try:
            fates = self.store.plenary.fates([row.id for _, row in gone], self.section)
            groups = self.store.groups.all()
        except (StoreError, ValidationError):
            log.exception("sort des lignes disparues illisible")
            return None
        said = [
            self._fate_text(number, row, fates[row.id], groups)
            for number, row in gone
            if row.id in fates
        ]
        return Notice(" ".join(said), "warning") if said else None

    def _fate_text(self, number: int, row: GridRow, fate: RowFate, groups: list[Group]) -> str:
        """One row's fate as a rapporteur reads it."""
        text = short_text(row.recommendation or row.challenges or row.perspectives)
        who = display_actor(fate.actor, groups)
        if fate.fate is Fate.DELETED:
            return t("grid.row_gone_deleted", number=number, text=text, who=who)
        if fate.row.section == self.section:
            where = t("grid.your_grid")
        elif fate.row.section == GENERAL:
            where = t("synthesis.general_review")
        else:
            group = next((g for g in groups if g.slug == fate.row.section), None)
            where = (
                fate.row.section
                if group is None
                else t("grid.title", number=group.number, name=group.name)
            )
        key = "grid.row_gone_merged" if fate.fate is Fate.MERGED else "grid.row_gone_moved"
        return t(key, number=number, text=text, who=who, target=fate.row.position, where=where)

    def _who(self, actor: str) -> str:
        """Who made a change, as a user would say it."""
        if actor.startswith("groupe:"):
            try:
                return t("grid.who_group", name=self.store.groups.get(actor.split(":", 1)[1]).name)
            except (StoreError, ValidationError):
                return actor
        return t("grid.who_facilitator") if actor == "animateur" else (actor or "?")
