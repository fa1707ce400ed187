"""Who a key is, and what it may read: the one rule every door of the server follows.

A meeting has three kinds of key: the facilitator's (every page, every section), the
projection's (the synthesis, read-only), and one per group (that group's rows only). The
participants' pages (:mod:`ccm_widgets.web.handlers`), the facilitator's workbooks (the
door, :mod:`ccm_widgets.server.door`) and the API all ask these functions; the store checks
the same key again inside each transaction (:meth:`~ccm_widgets.store.session.Session.acting_as`),
so a key renewed meanwhile stops a request that was let in a moment before.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field

from ccm_widgets.domain.model import GENERAL
from ccm_widgets.store import FACILITATOR, PROJECTION, Access, Store, StoreError, same_key

#: The cookie that holds each kind of key once a link has been opened (``HttpOnly``,
#: ``SameSite=Strict``): one per kind, so that a facilitator who tries a group's link on
#: their own laptop keeps their own key.
COOKIES = {FACILITATOR: "ccm_animateur", PROJECTION: "ccm_projection", "group": "ccm_groupe"}
#: Longest key value read from a link or a cookie (keys are 12 characters).
KEY_LENGTH = 64
#: Seconds a read of the keys is reused: a renewed key stops opening pages within this (the
#: store checks it again in every transaction anyway). A flood of wrong keys costs one read
#: of the store a second, not one each.
KEYS_TTL = 1.0


@dataclass(frozen=True)
class KeyBook:
    """The keys of a meeting, as the store holds them at one moment."""

    facilitator: str = ""
    projection: str = ""
    groups: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def read(cls, store: Store) -> KeyBook:
        """The store's keys (an empty store still has the facilitator's)."""
        with store.db.read_transaction():
            return cls(
                store.groups.facilitator_key(), store.groups.projection_key(), store.groups.keys()
            )

    def identify(self, key: str) -> Access | None:
        """Whose ``key`` it is: the facilitator, the projection or a group; None for a
        key that opens nothing (compared in constant time)."""
        if not key or len(key) > KEY_LENGTH:
            return None
        if same_key(key, self.facilitator):
            return Access(FACILITATOR, key)
        if same_key(key, self.projection):
            return Access(PROJECTION, key)
        for slug, expected in self.groups.items():
            if same_key(key, expected):
                return Access(slug, key)
        return None


class KeyReader:
    """The meeting's keys as the server checks requests against them: read from the store
    on a thread, at most every :data:`KEYS_TTL` seconds, on a connection of its own that is
    made again after a failure or when the store's file was replaced (a USB stick put back).

    Parameters
    ----------
    location:
        The store's path or URL.
    """

    def __init__(self, location: str) -> None:
        self.location = location
        self._book: KeyBook | None = None
        self._at = float("-inf")
        self._store: Store | None = None
        self._lock = threading.Lock()

    def _read(self) -> KeyBook:
        with self._lock:
            if self._store is not None and self._store.db.moved_away():
                self._store.close()
                self._store = None
            try:
                if self._store is None or self._store.closed:
                    self._store = Store(self.location, create=False)
                return KeyBook.read(self._store)
            except StoreError:
                if self._store is not None:
                    self._store.close()  # opened afresh next time (a restarted database)
                self._store = None
                raise

    async def book(self, now: float | None = None) -> KeyBook:
        """The keys (a store that cannot be read raises :class:`StoreError`)."""
        now = time.monotonic() if now is None else now
        if self._book is None or now - self._at >= KEYS_TTL:
            self._book = await asyncio.to_thread(self._read)
            self._at = now
        return self._book

    def expire(self) -> None:
        """Read the keys again at the next request."""
        self._at = float("-inf")


def cookie_name(access: Access) -> str:
    """The cookie that holds ``access``'s key."""
    return COOKIES["group" if access.group is not None else access.role]


def may_read_section(access: Access, section: str) -> bool:
    """A group reads its own rows; the facilitator every section, the general one included;
    the projection no grid (it shows the synthesis)."""
    if access.role == FACILITATOR:
        return True
    return access.group is not None and section == access.group and section != GENERAL


def may_read_synthesis(access: Access) -> bool:
    """The synthesis is the projection's and the facilitator's."""
    return access.role in {FACILITATOR, PROJECTION}


def xsrf_token(access: Access) -> str:
    """The token a page sends with each write: derived from its key, which the page's
    script never sees (``HttpOnly``), so another site that makes the browser post to the
    server cannot know it. Stable across restarts, so a page that kept typing while the
    server was down still sends what it kept; changed with the key."""
    digest = hmac.new(access.key.encode(), f"ccm-xsrf:{access.role}".encode(), hashlib.sha256)
    return digest.hexdigest()[:32]


def same_token(given: str, access: Access) -> bool:
    """Whether ``given`` is ``access``'s write token (constant time)."""
    return hmac.compare_digest(given.encode(), xsrf_token(access).encode())
