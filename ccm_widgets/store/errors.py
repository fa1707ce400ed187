"""What the store says when it cannot do something: French messages for the pages and the CLI."""

from __future__ import annotations

from ccm_widgets.domain.model import GridRow
from ccm_widgets.i18n import t


class StoreError(RuntimeError):
    """The store cannot be opened or written; the message is French and says what to do."""


class AccessError(StoreError):
    """This tab may not write this: its key was renewed, the breakout is closed, or the row
    is not its group's. The message is French and says what to do."""


class ConflictError(RuntimeError):
    """A cell was changed by someone else since this tab last read it.

    Carries both texts so the user can choose: nothing is overwritten silently.
    """

    def __init__(self, current: GridRow, field: str, attempted: str) -> None:
        super().__init__(
            t(
                "store.conflict",
                row=current.id,
                field=field,
                who=current.updated_by or t("store.another_tab"),
            )
        )
        self.current = current
        self.field = field
        self.attempted = attempted


def explain(error: Exception, where: str) -> str:
    """A database error as the user should read it: what happened to the store ``where``."""
    message = str(error).strip()
    if "read-only" in message or "permission denied" in message or "readonly" in message:
        return t("store.read_only", where=where)
    if "connection" in message or "server closed" in message or "terminat" in message:
        return t("store.unreachable", where=where)
    if "locked" in message or "busy" in message:
        return t("store.busy", where=where)
    if "disk" in message or "full" in message:
        return t("store.disk_full", where=where)
    return t("store.failed", where=where, error=message)
