"""The room's door: only the facilitator's key spends a kernel.

The server sits on the room's open Wi-Fi, its QR codes on the wall. The participants' pages
(a group's grid, the projection) have no kernel at all: they are light pages of their own
(:mod:`ccm_widgets.web`). Voilà's kernels, about 100 MB each, serve the facilitator's
workbooks only, so, in the server, before Voilà sees a request:

- a workbook page opens with the facilitator's key and nothing else (:func:`page_access`):
  from the link's ``cle=`` the first time, kept then in an ``HttpOnly`` cookie
  (:data:`~ccm_widgets.web.access.COOKIES`), the address bar losing it; a wrong or missing
  key gets the French refusal page, and no kernel, and no kernel id;
- an old link to the group or projection workbook is sent to its light page
  (:func:`moved_page`), without a kernel;
- every kernel route (websocket, model, restart, shutdown, the page's state) answers only a
  browser whose cookie holds the facilitator's key (:meth:`Door.may_use_kernels`);
- past :attr:`Door.max_pages` page kernels (the facilitator's tabs), "salle pleine".

:mod:`ccm_widgets.server.patches` puts the door in Voilà's and jupyter_server's path; the keys
themselves are read by :class:`ccm_widgets.web.access.KeyBook`, the one rule of who is who.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import PurePosixPath

from ccm_widgets.store import FACILITATOR, Access, StoreError
from ccm_widgets.web.access import COOKIES, KEY_LENGTH, KeyBook, KeyReader

log = logging.getLogger(__name__)

#: The cookie that holds the facilitator's key.
COOKIE = COOKIES[FACILITATOR]
#: Kernels for the facilitator's own pages (home, preparation, attendance, review, debates,
#: plenary, and a few reloads while a closed tab's kernel waits out its grace).
FACILITATOR_PAGES = 12
#: The workbooks that became light pages, and where their old links now lead.
MOVED_PAGES = {"groupe.ipynb": "ccm/groupe", "projection.ipynb": "ccm/projection"}


@dataclass(frozen=True)
class Refusal:
    """Why a page is not opened: the catalogue key of the French message, and the status."""

    message: str
    status: int = 403


def page_access(key: str, keys: KeyBook) -> Access | Refusal:
    """Whom a workbook opens for: the facilitator's key opens every workbook, and no other
    key opens any (groups and the projection have light pages of their own)."""
    found = keys.identify(key)
    if found is not None and found.role == FACILITATOR:
        return found
    return Refusal("page.bad_key")


def moved_page(notebook: str) -> str | None:
    """Where an old link to ``notebook`` now leads (a path under the base URL), if it moved."""
    return MOVED_PAGES.get(PurePosixPath(notebook).as_posix().lstrip("/"))


def first_values(arguments: Mapping[str, list[bytes]]) -> dict[str, str]:
    """Tornado's query arguments as the workbooks read them: the first value of each."""
    values = {}
    for name, found in arguments.items():
        if found:
            values[name] = found[0].decode("utf-8", "replace")
    return values


class Door:
    """The door of one server: its keys, and how many facilitator pages hold a kernel.

    Parameters
    ----------
    store_location:
        The store (path or URL) whose keys open the pages.
    max_pages:
        Page kernels at most; None means :data:`FACILITATOR_PAGES`.
    strict:
        ``ccm serve``: every kernel is a facilitator page's. In a Jupyter server
        (JupyterHub), the owner is authenticated by the hub and the owner's own kernels
        (JupyterLab) are left to the server's authorisation.
    """

    def __init__(
        self, store_location: str, *, max_pages: int | None = None, strict: bool = True
    ) -> None:
        self.store_location = store_location
        self.max_pages = max_pages if max_pages is not None else FACILITATOR_PAGES
        self.strict = strict
        self.reader = KeyReader(store_location)
        #: Pages let in whose kernel is not started yet.
        self.opening = 0
        self.refused = 0

    async def keys(self) -> KeyBook:
        """The meeting's keys (:class:`~ccm_widgets.web.access.KeyReader`: the store read at
        most once a second, on a thread: the server's loop never waits on the database)."""
        return await self.reader.book()

    async def admit(self, key: str, page_kernels: int) -> Access | Refusal:
        """Whether a page request may have a kernel; ``page_kernels`` run already."""
        try:
            keys = await self.keys()
        except StoreError:
            log.exception("clés illisibles")
            return Refusal("door.store_unavailable", 503)
        verdict = page_access(key[:KEY_LENGTH], keys)
        if isinstance(verdict, Refusal):
            self.refused += 1
            return verdict
        if page_kernels + self.opening >= self.max_pages:
            log.warning("salle pleine : %d pages ouvertes", page_kernels + self.opening)
            return Refusal("door.room_full", 503)
        return verdict

    async def may_use_kernels(self, cookie: str | None) -> bool:
        """Whether a request with this facilitator cookie may use the server's kernels."""
        if not self.strict:
            return True
        if not cookie:
            return False
        try:
            keys = await self.keys()
        except StoreError:
            return False
        found = keys.identify(cookie[:KEY_LENGTH])
        return found is not None and found.role == FACILITATOR
