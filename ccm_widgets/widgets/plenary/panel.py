"""What the plenary's panels share: they show a snapshot they are handed, and write through
the store.

The plenary board reads one :class:`~ccm_widgets.domain.plenary_snapshot.PlenarySnapshot`
per change and hands it to every panel (:meth:`PlenaryPanel.show`), so that none shows a
moment the others do not. A panel that writes says so (:meth:`PlenaryPanel.on_write`): the
board then reads one new snapshot for all of them. A panel on its own reads its own.

A failed action is said one way: in French in the panel's status line, and in the log.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import ParamSpec, TypeVar

import ipywidgets as w

from ccm_widgets.domain.model import PLENARY_ACTOR, ValidationError
from ccm_widgets.domain.plenary_snapshot import PlenarySnapshot
from ccm_widgets.i18n import t
from ccm_widgets.store import ConflictError, Store, StoreError
from ccm_widgets.widgets.common.status import StatusBar

log = logging.getLogger(__name__)

#: Who the history says made the plenary's changes.
ACTOR = str(PLENARY_ACTOR)

P = ParamSpec("P")
R = TypeVar("R")


def attempt(
    status: StatusBar, action: Callable[P, R], /, *args: P.args, **kwargs: P.kwargs
) -> tuple[bool, R | None]:
    """Run a store action; on failure say why in ``status`` (and the log).

    Returns whether it succeeded, and what it returned. A conflict, a refusal or a store
    that cannot be reached is the store's French message; anything else is a defect, said
    as such and logged with its traceback.
    """
    try:
        return True, action(*args, **kwargs)
    except ConflictError as conflict:
        status.show(t("consolidate.conflict", error=conflict), "error")
    except (StoreError, ValidationError) as error:
        status.show(str(error), "error")
    except Exception as error:  # seen on the page, not lost in the dispatcher's log
        log.exception("action de la plénière en échec")
        status.show(t("plenary.failed", error=error), "error")
    return False, None


class PlenaryPanel(w.VBox):
    """A panel of the plenary: renders a snapshot, writes through the store.

    Subclasses build their children in ``__init__`` and draw a snapshot in
    :meth:`_render`; ``snapshot`` (given by the board) saves them a read of their own.
    """

    def __init__(
        self, *, store: Store, actor: str = ACTOR, snapshot: PlenarySnapshot | None = None
    ) -> None:
        super().__init__()
        self.store = store
        self.actor = actor
        #: The moment this panel shows (``None`` until the first :meth:`show`).
        self.snapshot: PlenarySnapshot | None = None
        self._given = snapshot
        self._write_callbacks = w.CallbackDispatcher()
        self.status = StatusBar()

    def _first_show(self) -> None:
        """Show the snapshot given at construction, else one read now (end of ``__init__``)."""
        given, self._given = self._given, None
        self.show(given if given is not None else self.store.plenary.snapshot())

    def on_write(self, callback: Callable[[PlenaryPanel], None], remove: bool = False) -> None:
        """Call ``callback(panel)`` after each write this panel makes (``remove`` to stop).

        With no callback registered, the panel reads a new snapshot itself.
        """
        self._write_callbacks.register_callback(callback, remove=remove)

    def written(self) -> None:
        """This panel wrote: the page shows the new moment (the board's, or its own)."""
        if self._write_callbacks.callbacks:
            self._write_callbacks(self)
        else:
            self.refresh()

    def refresh(self) -> None:
        """Read a new snapshot from the store and show it."""
        self.show(self.store.plenary.snapshot())

    def show(self, snapshot: PlenarySnapshot) -> None:
        """Draw ``snapshot`` (the same one the other panels draw)."""
        self.snapshot = snapshot
        with self.hold_sync():
            self._render(snapshot)

    def _render(self, snapshot: PlenarySnapshot) -> None:
        raise NotImplementedError

    def attempt(
        self, action: Callable[P, R], /, *args: P.args, **kwargs: P.kwargs
    ) -> tuple[bool, R | None]:
        """:func:`attempt` with this panel's status line."""
        return attempt(self.status, action, *args, **kwargs)
