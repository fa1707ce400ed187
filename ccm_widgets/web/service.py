"""What the participants' pages ask of the store, answered as plain data, off the server's loop.

Each request of a group's page or of the projection becomes one call here: a read or a write
of the store, made on a worker thread (SQLite blocks; Tornado's loop must not) with a
connection of that thread's own, under the request's access (the store checks the key, the
group's section and the breakout again inside the write's transaction). The answers are
JSON-ready dictionaries; a refusal is a :class:`Refused` with its HTTP status and the French
sentence the page shows.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import logging
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from ccm_widgets.domain.model import (
    FACILITATOR_ACTOR,
    GENERAL,
    GRID_COLUMNS,
    GRID_FIELDS,
    Actor,
    GridRow,
    Group,
    ImportProblem,
    ValidationError,
    display_actor,
)
from ccm_widgets.i18n import t
from ccm_widgets.store import (
    FACILITATOR,
    Access,
    AccessError,
    ConflictError,
    Store,
    StoreError,
)
from ccm_widgets.store.plenary import Fate, RowFate
from ccm_widgets.web.access import may_read_section, may_read_synthesis

log = logging.getLogger(__name__)

T = TypeVar("T")
#: Worker threads, each with its own connection: writes take turns in the store anyway.
WORKERS = 4


class Refused(Exception):
    """A request the store (or the rule) refuses: an HTTP status and a French sentence."""

    def __init__(self, status: int, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.extra = extra

    def body(self) -> dict[str, Any]:
        """What the page receives."""
        return {"message": self.message, **self.extra}


def row_data(row: GridRow) -> dict[str, Any]:
    """A row as a page holds it."""
    return {
        "id": row.id,
        "position": row.position,
        "version": row.version,
        **{f: getattr(row, f) for f in GRID_FIELDS},
    }


def short_text(text: str, limit: int = 60) -> str:
    """A row's text on one line, cut, for a sentence about it."""
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"


def section_title(section: str, groups: Iterable[Group]) -> str:
    """``Groupe 4 : Protection``, or the general section's name."""
    if section == GENERAL:
        return t("synthesis.general_review")
    group = next((g for g in groups if g.slug == section), None)
    return section if group is None else t("grid.title", number=group.number, name=group.name)


def fate_sentence(
    number: int, row: GridRow, fate: RowFate, section: str, groups: list[Group]
) -> str:
    """What became of a row that left ``section``'s grid, as its rapporteur reads it."""
    text = short_text(row.recommendation or row.challenges or row.perspectives)
    who = display_actor(fate.actor, groups)
    if fate.fate is Fate.DELETED:
        return t("grid.row_gone_deleted", number=number, text=text, who=who)
    where = (
        t("grid.your_grid")
        if fate.row.section == section
        else section_title(fate.row.section, groups)
    )
    key = "grid.row_gone_merged" if fate.fate is Fate.MERGED else "grid.row_gone_moved"
    return t(key, number=number, text=text, who=who, target=fate.row.position, where=where)


def utc_now() -> str:
    """The server's clock, which every page's countdown follows."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")


class GridService:
    """The store, as the participants' pages use it: one connection per worker thread.

    Parameters
    ----------
    location:
        The store's path or URL (the one ``ccm serve`` serves).
    """

    def __init__(self, location: str) -> None:
        self.location = location
        self._local = threading.local()
        self._executor = ThreadPoolExecutor(WORKERS, thread_name_prefix="ccm-web")

    # -- running off the loop ---------------------------------------------------------------

    def _store(self) -> Store:
        store: Store | None = getattr(self._local, "store", None)
        if store is not None and store.db.moved_away():
            self._drop_store()  # the file there now is opened instead, or said missing
            store = None
        if store is None or store.closed:
            store = Store(self.location, create=False)
            self._local.store = store
        return store

    async def run(self, call: Callable[[Store], T]) -> T:
        """``call(store)`` on a worker thread; store failures become :class:`Refused`."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, self._call, call)

    def _call(self, call: Callable[[Store], T]) -> T:
        try:
            return call(self._store())
        except Refused:
            raise
        except AccessError as error:
            raise Refused(403, _sentence(error)) from error
        except (ValidationError, ImportProblem) as error:
            raise Refused(422, _sentence(error)) from error
        except StoreError as error:
            self._drop_store()
            raise Refused(503, _sentence(error)) from error

    def _drop_store(self) -> None:
        store = getattr(self._local, "store", None)
        self._local.store = None
        if store is not None:
            try:
                store.close()
            except Exception:  # already broken: a new one is made at the next call
                log.debug("connexion fermée avec une erreur", exc_info=True)

    def close(self) -> None:
        """Stop the workers (the server is stopping)."""
        self._executor.shutdown(wait=False, cancel_futures=True)

    # -- a group's grid ---------------------------------------------------------------------

    async def page(self, access: Access, section: str) -> dict[str, Any]:
        """Everything a grid's page starts with: its title, its rows and the breakout."""

        def read(store: Store) -> dict[str, Any]:
            check_section(access, section)
            with store.session.acting_as(access), store.db.read_transaction():
                store.session.check_key()
                meeting = store.meetings.get()
                groups = store.groups.all()
                if section != GENERAL and not any(g.slug == section for g in groups):
                    raise Refused(404, t("page.unknown_group"))
                found = store.grid.since(section, 0)
                state = breakout_state(store, access, section)
                rows = {r.id: r for r in found.rows}
            group = next((g for g in groups if g.slug == section), None)
            return {
                "meeting": meeting.title,
                "section": section,
                "title": section_title(section, groups),
                "moderator": group.moderator if group is not None else "",
                "version": found.version,
                "rows": [row_data(rows[i]) for i in found.order],
                "state": state,
                "fields": list(GRID_FIELDS),
                "columns": dict(zip(GRID_FIELDS, GRID_COLUMNS, strict=True)),
                "facilitator": access.role == FACILITATOR,
            }

        return await self.run(read)

    async def since(self, access: Access, section: str, version: int) -> dict[str, Any]:
        """The rows changed since ``version``, the order, and the breakout."""

        def read(store: Store) -> dict[str, Any]:
            check_section(access, section)
            with store.session.acting_as(access), store.db.read_transaction():
                store.session.check_key()
                found = store.grid.since(section, version)
                state = breakout_state(store, access, section)
            return {
                "version": found.version,
                "order": list(found.order),
                "rows": [row_data(r) for r in found.rows],
                "state": state,
            }

        return await self.run(read)

    async def edit(
        self, access: Access, section: str, row_id: int, field: str, text: str, seen: str
    ) -> dict[str, Any]:
        """Save one cell over the text the page showed (``seen``): a stale base is a 409
        with both texts."""
        if field not in GRID_FIELDS:
            raise Refused(422, t("store.unknown_column", column=field))

        def write(store: Store) -> dict[str, Any]:
            check_section(access, section)
            with store.session.acting_as(access):
                owned_row(store, section, row_id)
                try:
                    row = store.grid.update_cell(
                        row_id, field, text, seen=seen, actor=actor_of(access)
                    )
                except ConflictError as error:
                    current = error.current
                    raise Refused(
                        409,
                        t("grid.conflict_short"),
                        row=row_data(current),
                        field=error.field,
                        mine=error.attempted,
                        theirs=getattr(current, error.field),
                        who=display_actor(current.updated_by, store.groups.all()),
                    ) from error
            return {"row": row_data(row), "version": store.session.change_counter()}

        return await self.run(write)

    async def add(self, access: Access, section: str, rows: list[list[str]]) -> dict[str, Any]:
        """Append rows (an empty one, or rows typed while the page was offline): no more at
        once than an import may bring (``CCM_MAX_ROWS``)."""
        from ccm_widgets.files.tables import format_count, max_rows

        if len(rows) > max_rows():
            raise Refused(422, t("paste.too_many_rows", limit=format_count(max_rows())))

        def write(store: Store) -> dict[str, Any]:
            check_section(access, section)
            with store.session.acting_as(access):
                added = store.grid.add(section, rows or [["", "", ""]], actor=actor_of(access))
            return {"rows": [row_data(r) for r in added]}

        return await self.run(write)

    async def delete(self, access: Access, section: str, row_id: int) -> dict[str, Any]:
        """Delete a row (restored with :meth:`restore`)."""

        def write(store: Store) -> dict[str, Any]:
            check_section(access, section)
            with store.session.acting_as(access):
                owned_row(store, section, row_id)
                store.grid.delete(row_id, actor=actor_of(access))
            return {"deleted": row_id}

        return await self.run(write)

    async def restore(self, access: Access, section: str, row_id: int) -> dict[str, Any]:
        """Bring back a row deleted from this section."""

        def write(store: Store) -> dict[str, Any]:
            check_section(access, section)
            with store.session.acting_as(access):
                owned_row(store, section, row_id, deleted_ok=True)
                row = store.grid.restore(row_id, actor=actor_of(access))
            return {"row": row_data(row)}

        return await self.run(write)

    async def move(self, access: Access, section: str, row_id: int, offset: int) -> dict[str, Any]:
        """Move a row up (-1) or down (+1)."""
        if offset not in {-1, 1}:
            raise Refused(422, t("web.bad_request"))

        def write(store: Store) -> dict[str, Any]:
            check_section(access, section)
            with store.session.acting_as(access):
                owned_row(store, section, row_id)
                moved = store.grid.move(row_id, offset, actor=actor_of(access))
            return {"moved": moved}

        return await self.run(write)

    async def paste(self, access: Access, section: str, text: str) -> dict[str, Any]:
        """Append the rows of a block pasted from Word or Excel."""
        from ccm_widgets.files.importing import paste_rows

        def write(store: Store) -> dict[str, Any]:
            check_section(access, section)
            rows = paste_rows(text)
            if not rows:
                raise Refused(422, t("paste.empty"))
            with store.session.acting_as(access):
                added = store.grid.add(section, rows, actor=actor_of(access))
            return {"count": len(added)}

        return await self.run(write)

    async def import_file(
        self, access: Access, section: str, name: str, content: bytes
    ) -> dict[str, Any]:
        """Append the rows of a CSV/XLSX file; a bad file changes nothing."""
        from ccm_widgets.files.loading import import_grid

        def write(store: Store) -> dict[str, Any]:
            check_section(access, section)
            with store.session.acting_as(access):
                before = len(store.grid.rows(section))
                import_grid(store, section, name, data=content, actor=actor_of(access))
                added = len(store.grid.rows(section)) - before
            return {"count": max(added, 0)}

        try:
            return await self.run(write)
        except Refused as refused:
            if refused.status == 422:
                message = t("grid.import_failed", error=refused.message.rstrip(". "))
                raise Refused(422, message) from refused
            raise

    async def history(self, access: Access, section: str, row_id: int) -> dict[str, Any]:
        """Every recorded change of a row of this section, oldest first."""

        def read(store: Store) -> dict[str, Any]:
            check_section(access, section)
            with store.session.acting_as(access), store.db.read_transaction():
                store.session.check_key()
                owned_row(store, section, row_id, deleted_ok=True)
                entries = store.history.entries("grid_row", row_id)
                groups = store.groups.all()
            return {
                "entries": [
                    {
                        "at": e.at,
                        "who": display_actor(e.actor, groups),
                        "action": e.action,
                        "before": {f: e.before[f] for f in GRID_FIELDS if f in e.before},
                        "after": {f: e.after[f] for f in GRID_FIELDS if f in e.after},
                    }
                    for e in entries
                ]
            }

        return await self.run(read)

    async def fates(
        self, access: Access, section: str, gone: list[tuple[int, int]]
    ) -> dict[str, Any]:
        """What became of rows that left this section's grid: ``gone`` holds (row id, the
        number it had on the page). Only rows first written in this section are told."""

        def read(store: Store) -> dict[str, Any]:
            check_section(access, section)
            with store.session.acting_as(access), store.db.read_transaction():
                store.session.check_key()
                own = {}
                for row_id, number in gone[:50]:
                    try:
                        row = store.grid.row(row_id)
                    except ValidationError:
                        continue
                    if section in row.origin:
                        own[row_id] = (number, row)
                found = store.plenary.fates(own, section)
                groups = store.groups.all()
            return {
                "fates": {
                    str(row_id): fate_sentence(
                        own[row_id][0], own[row_id][1], fate, section, groups
                    )
                    for row_id, fate in found.items()
                }
            }

        return await self.run(read)

    # -- the projection ---------------------------------------------------------------------

    async def synthesis(self, access: Access) -> dict[str, Any]:
        """The synthesis, one rendered section each, as the report prints it."""
        from ccm_widgets.report.blocks import Table
        from ccm_widgets.report.document import synthesis_table
        from ccm_widgets.report.web import table_html

        def read(store: Store) -> dict[str, Any]:
            if not may_read_synthesis(access):
                raise Refused(403, t("store.not_allowed"))
            with store.session.acting_as(access), store.db.read_transaction():
                store.session.check_key()
                snapshot = store.plenary.snapshot()
            synthesis = snapshot.synthesis
            table = synthesis_table(synthesis)
            sections = [
                {
                    "key": section.key,
                    "heading": section.heading,
                    "count": len(section.rows),
                    "html": table_html(Table(table.kind, table.columns, (part,))),
                }
                for section, part in zip(synthesis.sections, table.sections, strict=True)
            ]
            digest = hashlib.sha256(repr(sections).encode()).hexdigest()[:16]
            return {
                "title": snapshot.meeting.title if snapshot.meeting is not None else "",
                "version": snapshot.counter,
                "digest": digest,
                "sections": sections,
            }

        return await self.run(read)


def _sentence(error: Exception) -> str:
    """An error's French sentence, with a capital and a full stop, as a page shows it."""
    text = str(error).strip()
    if not text:
        return t("web.failed")
    text = text[0].upper() + text[1:]
    return text if text.endswith((".", "!", "?", "»")) else text + "."


def check_section(access: Access, section: str) -> None:
    """:class:`Refused` (403) unless ``access`` may read ``section``'s rows."""
    if not may_read_section(access, section):
        raise Refused(403, t("web.not_your_group"))


def owned_row(store: Store, section: str, row_id: int, *, deleted_ok: bool = False) -> GridRow:
    """The row ``row_id`` if it is in ``section`` (a group never reaches another's rows by
    their ids); :class:`Refused` (404) otherwise."""
    try:
        row = store.grid.row(row_id)
    except ValidationError:
        row = None
    if row is None or row.section != section:
        raise Refused(404, t("store.row_deleted", row=row_id))
    return row


def actor_of(access: Access) -> str:
    """Who the history says made a change."""
    if access.role == FACILITATOR:
        return str(FACILITATOR_ACTOR)
    return str(Actor.of_group(access.role))


def breakout_state(store: Store, access: Access, section: str) -> dict[str, Any]:
    """Whether this page may write, the countdown's end, and the server's clock; and a
    closing announced for ``closing`` (ISO UTC, "" when none), which the page counts down
    to with ``closing_text`` (its ``{minutes}`` and ``{seconds}`` left to fill in), then
    shows closed, writable only if ``writable_closed`` (the store refuses the rest)."""
    open_, end = store.session.breakout()
    # The breakout closes the groups' grids, not the facilitator's hand on them.
    keeps_hand = access.role == FACILITATOR or section == GENERAL
    return {
        "open": open_,
        "writable": open_ or keeps_hand,
        "end": end,
        "now": utc_now(),
        "closing": store.session.breakout_closing() if open_ else "",
        "closing_text": t("timer.closing_in"),
        "writable_closed": keeps_hand,
    }
