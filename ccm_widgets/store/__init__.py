"""The store: the only way to the meeting's database.

One store holds one meeting. It is a connection (:mod:`~ccm_widgets.store.backend`: SQLite
or PostgreSQL, transactions, the change counter) and one repository per concern, each in its
own module::

    store.meetings   the header and the agenda                  (meetings.py)
    store.groups     the groups, the synthesis order, the keys   (groups.py)
    store.grid       the groups' rows, cell by cell              (grid.py)
    store.plenary    merges, splits, decisions, kept pairs       (plenary.py)
    store.items      attendance, review, communications, debates (items.py)
    store.session    change counter, breakout, progress, access  (session.py)
    store.history    every change, who made it, before and after (history.py)

Every write is one transaction that bumps the change counter (so that other tabs, other
kernels, refresh) and appends to the history (so that any earlier text can be restored).
"""

from __future__ import annotations

from pathlib import Path

from ccm_widgets.store.backend import (
    DEFAULT_STORE,
    POSTGRESQL,
    SQLITE,
    Database,
    mask_url,
    now,
    resolve_location,
)
from ccm_widgets.store.errors import AccessError, ConflictError, StoreError
from ccm_widgets.store.grid import GridRows
from ccm_widgets.store.groups import Groups
from ccm_widgets.store.history import History
from ccm_widgets.store.items import ITEM_TABLES, REVIEW_STATUSES, Items, ItemTable
from ccm_widgets.store.meetings import Meetings
from ccm_widgets.store.plenary import Plenary
from ccm_widgets.store.schema import SCHEMA_VERSION, TABLES, ensure_schema
from ccm_widgets.store.session import FACILITATOR, PROJECTION, Access, Session, same_key

__all__ = [
    "DEFAULT_STORE", "FACILITATOR", "ITEM_TABLES", "POSTGRESQL", "PROJECTION",
    "REVIEW_STATUSES", "SCHEMA_VERSION", "SQLITE", "Access", "AccessError", "ConflictError",
    "ItemTable", "Store", "StoreError", "mask_url", "now", "resolve_location", "same_key",
]  # fmt: skip


class Store:
    """A meeting's data, behind transactions, one repository per concern.

    Parameters
    ----------
    location:
        A SQLite file path (``data/ccm.sqlite``), ``sqlite:///path`` or a ``postgresql://``
        URL. ``None`` means ``CCM_STORE`` or the default file.
    create:
        Whether a missing SQLite file may be created (pages open with ``False``).
    """

    def __init__(self, location: str | Path | None = None, *, create: bool = True) -> None:
        self.db = Database(resolve_location(location), create=create)
        try:
            ensure_schema(self.db)
        except BaseException:
            self.db.close()
            raise
        self.history = History(self.db)
        self.session = Session(self.db, self.history)
        self.meetings = Meetings(self.db, self.history)
        self.groups = Groups(self.db, self.history)
        self.grid = GridRows(self.db, self.history, self.groups, self.session)
        self.plenary = Plenary(self.db, self.history)
        self.items = Items(self.db, self.history, self.groups)

    # -- the connection, as callers name it -------------------------------------------------

    @property
    def where(self) -> str:
        """How messages name this store (a PostgreSQL URL without its password)."""
        return self.db.where

    @property
    def location(self) -> str:
        """What reopens this store: its file path or its URL."""
        return self.db.location

    @property
    def path(self) -> Path:
        """The SQLite file (for PostgreSQL, the masked URL as a path, for messages)."""
        return self.db.path

    @property
    def read_only(self) -> bool:
        """True while the store could only be opened for reading (read-only media)."""
        return self.db.read_only

    @property
    def closed(self) -> bool:
        """True once :meth:`close` was called."""
        return self.db.closed

    @property
    def access(self) -> Access | None:
        """The tab's access, once a page has bound it."""
        return self.session.access

    def close(self) -> None:
        """Close the connection (the file stays as it is)."""
        self.db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def integrity_check(self) -> str:
        """``"ok"`` when the store is sound (see :meth:`Database.integrity_check`)."""
        return self.db.integrity_check(TABLES)
