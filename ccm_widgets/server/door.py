"""The room's door: a page's key is checked before anything costly is spent on it.

The server sits on the room's open Wi-Fi, its QR codes on the wall. Voilà starts (or takes
from its pool) a kernel of about 100 MB for every page request, whatever its query string,
and hands its id to whoever asked. So, in the server, before Voilà sees a page request:

- the link's key is checked against the store (:func:`page_access`): a wrong or missing key
  gets the French refusal page, and no kernel, and no kernel id;
- past :attr:`Door.max_pages` page kernels, the French "salle pleine" page;
- a page that is let in gets a browser cookie, and the kernel Voilà hands it is bound to that
  cookie: the kernel's websocket, model and shutdown routes answer that browser only. A
  browser that opens several pages at once before it has the cookie (tabs restored after a
  restart, links opened together) gets one from each answer and keeps the last: each of
  those kernels follows the browser to another cookie given within :data:`TOGETHER`
  seconds of its own (:meth:`Door.may_use`).

The rules themselves (which key opens which workbook) are plain functions, tested without a
server; :mod:`ccm_widgets.server.patches` puts the door in Voilà's and jupyter_server's path.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

from ccm_widgets.domain.model import GENERAL
from ccm_widgets.store import FACILITATOR, PROJECTION, Access, Store, StoreError, same_key

log = logging.getLogger(__name__)

GROUP_NOTEBOOK = "groupe.ipynb"
PROJECTION_NOTEBOOK = "projection.ipynb"
#: The browser's cookie, bound to the kernels handed to its pages.
COOKIE = "ccm_onglet"
#: The header a kernel of this server shows on ``/voila/query`` (and its environment name).
QUERY_HEADER = "X-Ccm-Requete"
QUERY_SECRET_ENV = "CCM_QUERY_SECRET"
#: Seconds a read of the keys is reused: a renewed key stops opening pages within this.
KEYS_TTL = 1.0
#: Page kernels for the facilitator's own pages (home, plenary, projection, preparation,
#: attendance, review, debates, general section), beside two per group.
FACILITATOR_PAGES = 8
#: Seconds between two cookies given to pages opened together by one browser.
TOGETHER = 30.0
#: Seconds a given cookie's time is remembered (a page may take minutes to load in a burst).
ISSUED_KEPT = 600.0


@dataclass(frozen=True)
class KeyBook:
    """The keys of a meeting, as the store holds them at one moment."""

    facilitator: str = ""
    projection: str = ""
    groups: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def read(cls, store: Store) -> KeyBook:
        """The store's keys (an empty store still has the facilitator's)."""
        return cls(
            store.groups.facilitator_key(), store.groups.projection_key(), store.groups.keys()
        )


@dataclass(frozen=True)
class Refusal:
    """Why a page is not opened: the catalogue key of the French message, and the status."""

    message: str
    status: int = 403


def page_access(notebook: str, query: Mapping[str, str], keys: KeyBook) -> Access | Refusal:
    """Who the link opens ``notebook`` for, or why it opens nothing.

    The facilitator's key opens every workbook; a group's key only the group workbook for that
    group; the projection's key only the projection. ``query`` holds the first value of each
    name of the page's query string.
    """
    given = query.get("cle", "")
    if same_key(given, keys.facilitator):
        return Access(FACILITATOR, given)
    name = PurePosixPath(notebook).as_posix().lstrip("/")
    if name == PROJECTION_NOTEBOOK and same_key(given, keys.projection):
        return Access(PROJECTION, given)
    if name == GROUP_NOTEBOOK:
        slug = query.get("groupe", "")
        if slug != GENERAL and slug not in keys.groups:
            return Refusal("page.unknown_group")
        if slug != GENERAL and same_key(given, keys.groups[slug]):
            return Access(slug, given)
    return Refusal("page.bad_key")


def first_values(arguments: Mapping[str, list[bytes]]) -> dict[str, str]:
    """Tornado's query arguments as the workbooks read them: the first value of each."""
    values = {}
    for name, found in arguments.items():
        if found:
            values[name] = found[0].decode("utf-8", "replace")
    return values


def default_max_pages(groups: int) -> int:
    """Page kernels a room needs at most: two tabs per group, and the facilitator's pages."""
    return 2 * groups + FACILITATOR_PAGES


class Door:
    """The door of one server: its keys, its page kernels and the browsers they belong to.

    Parameters
    ----------
    store_location:
        The store (path or URL) whose keys open the pages.
    max_pages:
        Page kernels at most (preheated kernels waiting in the pool are not counted); None
        means :func:`default_max_pages` of the meeting's groups.
    strict:
        ``ccm serve``: every kernel a browser may use was handed to one of its pages. In a
        Jupyter server (JupyterHub), kernels that no page was handed (the owner's JupyterLab)
        are left to the server's own authorisation.
    """

    def __init__(
        self, store_location: str, *, max_pages: int | None = None, strict: bool = True
    ) -> None:
        self.store_location = store_location
        self.max_pages_setting = max_pages
        self.strict = strict
        self.query_secret = secrets.token_urlsafe(24)
        self._store: Store | None = None
        self._store_lock = threading.Lock()
        self._keys: KeyBook | None = None
        self._keys_at = float("-inf")
        #: Kernel id -> the browser cookie of the page it was handed to.
        self._owners: dict[str, str] = {}
        #: Kernel id -> the group whose grid it shows, for a group's own page.
        self._groups: dict[str, str] = {}
        #: Cookie -> when it was given (``time.monotonic()``), for the last minutes.
        self._issued: dict[str, float] = {}
        #: Kernel id -> the cookie it was handed with, when that cookie was given with its page.
        self._fresh: dict[str, str] = {}
        #: Kernel id -> the cookies it has left for another (never taken back).
        self._left: dict[str, set[str]] = {}
        #: Pages let in whose kernel is not known yet (started, or taken from the pool).
        self.opening = 0
        self.refused = 0

    # -- keys -------------------------------------------------------------------------------

    def _read_keys(self) -> KeyBook:
        with self._store_lock:
            if self._store is None:
                self._store = Store(self.store_location, create=False)
            try:
                return KeyBook.read(self._store)
            except StoreError:
                self._store.close()  # opened afresh next time (a restarted database)
                self._store = None
                raise

    async def keys(self, now: float | None = None) -> KeyBook:
        """The meeting's keys, read again at most every :data:`KEYS_TTL` seconds (in a thread:
        the server's loop never waits on the database)."""
        now = time.monotonic() if now is None else now
        if self._keys is None or now - self._keys_at >= KEYS_TTL:
            self._keys = await asyncio.to_thread(self._read_keys)
            self._keys_at = now
        return self._keys

    def max_pages(self, keys: KeyBook) -> int:
        """How many page kernels may run at once."""
        if self.max_pages_setting is not None:
            return self.max_pages_setting
        return default_max_pages(len(keys.groups))

    async def admit(
        self, notebook: str, query: Mapping[str, str], page_kernels: int
    ) -> Access | Refusal:
        """Whether a page request may have a kernel; ``page_kernels`` run already."""
        try:
            keys = await self.keys()
        except StoreError:
            log.exception("clés illisibles")
            return Refusal("door.store_unavailable", 503)
        verdict = page_access(notebook, query, keys)
        if isinstance(verdict, Refusal):
            self.refused += 1
            return verdict
        if page_kernels + self.opening >= self.max_pages(keys):
            log.warning("salle pleine : %d pages ouvertes", page_kernels + self.opening)
            return Refusal("door.room_full", 503)
        return verdict

    # -- kernels and browsers ---------------------------------------------------------------

    def bind(self, kernel_id: str, browser: str, group: str | None = None) -> None:
        """``kernel_id`` was handed to a page of ``browser``; ``group``: the page is that
        group's grid, opened with the group's key."""
        self._owners[kernel_id] = browser
        if browser in self._issued:  # given with this page: the browser may keep another
            self._fresh[kernel_id] = browser
        if group is not None:
            self._groups[kernel_id] = group

    def forget(self, kept: Callable[[str], bool]) -> None:
        """Drop the bindings of kernels that are gone (``kept(id)`` False)."""
        for kernel_id in [k for k in self._owners if not kept(k)]:
            del self._owners[kernel_id]
            self._groups.pop(kernel_id, None)
            self._fresh.pop(kernel_id, None)
            self._left.pop(kernel_id, None)

    def open_groups(self, alive: Callable[[str], bool]) -> set[str]:
        """The groups whose own grid is open in a tab: a kernel handed to the group's page
        that is still running (``alive(id)``)."""
        return {group for kernel_id, group in self._groups.items() if alive(kernel_id)}

    def bound(self, kernel_id: str) -> bool:
        """Whether ``kernel_id`` was handed to a page."""
        return kernel_id in self._owners

    def may_use(self, kernel_id: str, browser: str | None) -> bool:
        """Whether a request with ``browser``'s cookie may use ``kernel_id``.

        A kernel handed with a cookie given with its page follows the browser to another
        cookie this door gave within :data:`TOGETHER` seconds of that one: the same browser's
        pages opened together, whose answers came one after the other, each with a cookie,
        the browser keeping the last (possibly after a page has already used its own). The
        cookie it leaves is refused from then on, as is any cookie given at another time,
        made up, or brought by the browser: those kernels never move. So a kernel could be
        taken only by someone who knows its id (sent in its page only) and was given a
        cookie in the same half-minute; the tab it was taken from says its kernel is lost.
        """
        owner = self._owners.get(kernel_id)
        if owner is None:
            return not self.strict
        if browser is None:
            return False
        if same_key(browser, owner):
            return True
        given, first = self._issued.get(browser), self._issued.get(self._fresh.get(kernel_id, ""))
        if given is None or first is None or abs(given - first) > TOGETHER:
            return False
        if browser in self._left.get(kernel_id, ()):
            return False
        log.info("noyau %s suivi vers le cookie gardé par son navigateur", kernel_id)
        self._left.setdefault(kernel_id, set()).add(owner)
        self._owners[kernel_id] = browser
        return True

    def is_own_kernel(self, header: str | None) -> bool:
        """Whether a ``/voila/query`` request comes from one of this server's kernels."""
        return header is not None and same_key(header, self.query_secret)

    def new_browser(self, now: float | None = None) -> str:
        """A new browser cookie value, remembered with when it was given."""
        now = time.monotonic() if now is None else now
        for value in [v for v, at in self._issued.items() if now - at > ISSUED_KEPT]:
            del self._issued[value]
        value = secrets.token_urlsafe(24)
        self._issued[value] = now
        return value


def pooled_count(kernel_manager: Any) -> int:
    """Preheated kernels waiting in Voilà's pools (started or starting)."""
    return sum(len(pool) for pool in getattr(kernel_manager, "_pools", {}).values())
