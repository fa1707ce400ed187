"""Where the meeting is, the same in every tab: the change counter tabs watch, the breakout
(open or closed, its end, and a closing announced for a given time), the current phase and
agenda item, and the tab's access."""

from __future__ import annotations

import contextlib
import datetime as dt
import hmac
from collections.abc import Iterator
from dataclasses import dataclass

from ccm_widgets.domain.model import Actor, ValidationError
from ccm_widgets.i18n import t
from ccm_widgets.store.backend import Cursor, Database, now
from ccm_widgets.store.errors import AccessError
from ccm_widgets.store.history import History

#: The roles a tab's key can give: the facilitator, the projection, or a group (its slug).
FACILITATOR, PROJECTION = "facilitator", "projection"


def breakout_closed(flag: str, closing: str, at: dt.datetime | None = None) -> bool:
    """The one rule of a closed breakout, which the store's writes, its readers and the
    groups' pages all follow: closed by the facilitator (``flag`` ``"0"``), or once the
    closing they announced (``closing``, ISO UTC) has come, at ``at`` (now by default)."""
    if flag == "0":
        return True
    if not closing:
        return False
    return (at or dt.datetime.now(dt.UTC)) >= dt.datetime.fromisoformat(closing)


def same_key(given: str, expected: str) -> bool:
    """Compare access keys in constant time (no timing hint about how much matched)."""
    return bool(expected) and hmac.compare_digest(given.encode(), expected.encode())


@dataclass(frozen=True)
class Access:
    """Who a tab is, as its link's key says: ``role`` is ``facilitator``, ``projection`` or a
    group's slug; ``key`` is the key the link carried, checked again at every write."""

    role: str
    key: str

    @property
    def group(self) -> str | None:
        """The group's slug for a group's tab, else None."""
        return None if self.role in {FACILITATOR, PROJECTION} else self.role


class Session:
    """The meeting's shared state that every tab reads, and this tab's access."""

    def __init__(self, db: Database, history: History) -> None:
        self.db = db
        self.history = history
        #: The tab's access, once a page has checked its key: every write checks it again.
        self.access: Access | None = None

    # -- the change counter -----------------------------------------------------------------

    def change_counter(self) -> int:
        """A number that grows with every committed change: cheap to poll from any tab."""
        value = self.db.meta("changes")
        return int(value) if value is not None else 0

    # -- the tab's access -------------------------------------------------------------------

    def bind_access(self, access: Access) -> None:
        """From now on, every write of this store is checked against ``access``."""
        self.access = access
        self.db.before_write = self._check_access

    @contextlib.contextmanager
    def acting_as(self, access: Access) -> Iterator[None]:
        """Every write made inside is checked against ``access``, as after
        :meth:`bind_access`; the store's own access comes back after. A server that serves
        many keys on one connection (the participants' pages) binds each request's in turn,
        one at a time on that connection's thread."""
        before = self.access, self.db.before_write
        self.bind_access(access)
        try:
            yield
        finally:
            self.access, self.db.before_write = before

    def check_key(self) -> None:
        """:class:`AccessError` unless the access's key still opens its role: what every
        read of a participant's page checks, inside the read's transaction."""
        if not self.access_valid():
            raise AccessError(t("store.key_renewed"))

    def _stored_key(self, cur: Cursor, role: str) -> str:
        if role in {FACILITATOR, PROJECTION}:
            return _meta_in(cur, f"{role}_key")
        row = cur.execute("SELECT access_key FROM groups WHERE slug = ?", (role,)).fetchone()
        return str(row[0]) if row else ""

    def _check_access(self, cur: Cursor, group_may: bool) -> None:
        """Inside the write's transaction: the key still opens the role; a group's tab makes
        only the writes a group may (``group_may``), and none once the breakout is closed."""
        access = self.access
        if access is None:
            return
        if not same_key(access.key, self._stored_key(cur, access.role)):
            raise AccessError(t("store.key_renewed"))
        if access.role == PROJECTION or (access.group is not None and not group_may):
            raise AccessError(t("store.not_allowed"))
        if access.group is not None and breakout_closed(
            _meta_in(cur, "breakout_open"), _meta_in(cur, "breakout_closing")
        ):
            raise AccessError(t("store.breakout_closed"))

    def check_row_section(self, section: str) -> None:
        """A group's tab writes only its own group's rows."""
        group = self.access.group if self.access is not None else None
        if group is not None and section != group:
            raise AccessError(t("store.not_allowed"))

    def access_valid(self) -> bool:
        """Whether the tab's key still opens its role (always True for an unbound store)."""
        access = self.access
        if access is None:
            return True
        if access.role in {FACILITATOR, PROJECTION}:
            stored = self.db.meta(f"{access.role}_key") or ""
        else:
            rows = self.db.read("SELECT access_key FROM groups WHERE slug = ?", (access.role,))
            stored = str(rows[0][0]) if rows else ""
        return same_key(access.key, stored)

    # -- the breakout -----------------------------------------------------------------------

    def _breakout_meta(self) -> dict[str, str]:
        found = self.db.read(
            "SELECT key, value FROM meta"
            " WHERE key IN ('breakout_open', 'breakout_end', 'breakout_closing')"
        )
        return {str(key): str(value) for key, value in found}

    def breakout(self) -> tuple[bool, str]:
        """Whether group grids are open for editing, and the breakout's end (ISO UTC or "").
        Closed once the facilitator closed it, or once the closing they announced has come
        (:func:`breakout_closed`)."""
        meta = self._breakout_meta()
        closed = breakout_closed(meta.get("breakout_open", ""), meta.get("breakout_closing", ""))
        return not closed, meta.get("breakout_end", "")

    def breakout_closing(self) -> str:
        """The closing announced to the groups (ISO UTC), "" when none: until then they may
        still write; from then on the breakout is closed (:meth:`breakout` says so)."""
        return self.db.meta("breakout_closing") or ""

    def set_breakout(self, *, open: bool, end: str | None = None, actor: str) -> None:
        """Open or close the breakout now; ``end`` (ISO UTC) sets the countdown, "" clears
        it. A closing announced for later is dropped: done now, or reopened instead."""
        with self.db.write() as cur:
            was_open = _meta_in(cur, "breakout_open") != "0"
            was_end = _meta_in(cur, "breakout_end")
            was_closing = _meta_in(cur, "breakout_closing")
            cur.execute(
                "UPDATE meta SET value = ? WHERE key = 'breakout_open'", ("1" if open else "0",)
            )
            if end is not None:
                cur.execute("UPDATE meta SET value = ? WHERE key = 'breakout_end'", (end,))
            _set_meta_in(cur, "breakout_closing", "")
            self.history.record(
                cur,
                actor=actor,
                entity="breakout",
                entity_id=0,
                action="update",
                before={"open": was_open, "end": was_end, "closing": was_closing},
                after={"open": open, "end": was_end if end is None else end, "closing": ""},
            )

    def close_breakout_at(self, closing: str, *, actor: str) -> None:
        """Announce the breakout's closing for ``closing`` (ISO UTC, with its time zone): the
        groups' pages count down to it, and from then on the store refuses their writes."""
        try:
            when = dt.datetime.fromisoformat(closing)
        except ValueError as error:
            raise ValidationError(t("store.bad_closing", value=closing)) from error
        if when.tzinfo is None:
            raise ValidationError(t("store.bad_closing", value=closing))
        with self.db.write() as cur:
            was_closing = _meta_in(cur, "breakout_closing")
            _set_meta_in(cur, "breakout_closing", closing)
            self.history.record(
                cur, actor=actor, entity="breakout", entity_id=0, action="update",
                before={"closing": was_closing}, after={"closing": closing},
            )  # fmt: skip

    def groups_saving(self, seconds: float = 60.0) -> list[str]:
        """The groups (slugs, in their order) whose own page saved a row of their grid in
        the last ``seconds``: those a closing now would cut off mid-sentence."""
        since = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=seconds)
        with self.db.read_transaction():
            written = self.db.read(
                "SELECT DISTINCT section, updated_by FROM grid_rows WHERE updated_at >= ?",
                (since.isoformat(timespec="milliseconds"),),
            )
            groups = self.db.read("SELECT slug FROM groups ORDER BY number")
        saving = {str(section) for section, by in written if by == str(Actor.of_group(section))}
        return [str(slug) for (slug,) in groups if slug in saving]

    # -- the server serving this store ----------------------------------------------------

    def served_url(self) -> str:
        """The address ``ccm serve`` announced when it last started on this store ("" when
        it said it stopped): what ``ccm links`` prints when a server is running."""
        return self.db.meta("served_url") or ""

    def set_served_url(self, url: str) -> None:
        """Record the address a server serving this store announces ("" once it stops).
        Not a change of the meeting: the counter the pages watch does not move."""
        with self.db.write(count=False) as cur:
            cur.execute(
                "INSERT INTO meta (key, value) VALUES ('served_url', ?)"
                " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (url,),
            )

    # -- where the meeting is: phase and agenda item ---------------------------------------

    def progress(self) -> tuple[str, int, str]:
        """The current phase, the current agenda item (0-based, -1 before the first) and
        when that item started (ISO UTC, "" when none)."""
        phase = self.db.meta("phase") or ""
        item = self.db.meta("agenda_current")
        return (
            phase,
            int(item) if item not in (None, "") else -1,
            self.db.meta("agenda_started") or "",
        )

    def set_progress(
        self, *, phase: str | None = None, agenda_item: int | None = None, actor: str
    ) -> None:
        """Set the current phase, or start an agenda item now (its elapsed time counts from
        the store's clock, the same in every tab)."""
        before = self.progress()
        values: dict[str, str] = {}
        if phase is not None:
            values["phase"] = phase
        if agenda_item is not None:
            values["agenda_current"] = str(agenda_item)
            values["agenda_started"] = now() if agenda_item >= 0 else ""
        with self.db.write() as cur:
            for key, value in values.items():
                cur.execute(
                    "INSERT INTO meta (key, value) VALUES (?, ?)"
                    " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                    (key, value),
                )
            self.history.record(
                cur, actor=actor, entity="progress", entity_id=0, action="update",
                before={"phase": before[0], "agenda_item": before[1]}, after=values,
            )  # fmt: skip


def _meta_in(cur: Cursor, key: str) -> str:
    """A ``meta`` value read inside a transaction ("" when unset)."""
    row = cur.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    return str(row[0]) if row else ""


def _set_meta_in(cur: Cursor, key: str, value: str) -> None:
    """Write a ``meta`` value inside a transaction, whether or not it was there."""
    cur.execute(
        "INSERT INTO meta (key, value) VALUES (?, ?)"
        " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        (key, value),
    )
