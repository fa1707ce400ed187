"""The participants' pages as HTML: Jinja templates over the data the service read, and the
pages' own static files (a few ES modules and one style sheet, no build step).

Each page carries what it shows in its HTML (a grid's rows as text areas, the synthesis's
sections), so that it can be read and typed in before its script has loaded; the script
(``static/groupe.js``, ``static/projection.js``) adds saving, live events, drafts kept on
the device and the connection banner. The files are served under a folder named after a
digest of their content: a browser keeps them (the modules' relative imports included) until
a new version of the kit changes that name.
"""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path
from typing import Any

import jinja2
from tornado import web

from ccm_widgets.domain.model import GRID_COLUMNS, GRID_FIELDS
from ccm_widgets.i18n import t
from ccm_widgets.store import Access

HERE = Path(__file__).parent

#: The sentences a page's script says, by the script's names for them.
SCRIPT_MESSAGES = {
    "saved": "grid.saved",
    "savedCell": "grid.saved_cell",
    "saveFailed": "grid.save_failed",
    "conflict": "web.conflict",
    "keepMine": "grid.keep_mine",
    "keepTheirs": "grid.keep_theirs",
    "keptTheirs": "web.kept_theirs",
    "deleted": "grid.deleted",
    "restored": "web.restored",
    "refreshed": "grid.refreshed",
    "readonly": "grid.readonly",
    "timerLeft": "timer.left",
    "timerOver": "timer.over",
    "timerClosed": "timer.closed",
    "offline": "web.offline",
    "offlineView": "web.offline_view",
    "back": "banner.back",
    "waiting": "web.waiting",
    "pending": "web.pending",
    "sentAgain": "web.sent_again",
    "draftsTitle": "drafts.title",
    "draftsExplain": "web.drafts_explain",
    "draftOffer": "drafts.offer",
    "draftRow": "web.draft_row",
    "draftSave": "drafts.save",
    "draftDrop": "drafts.drop",
    "draftsSaveAll": "drafts.save_all",
    "pasteDone": "paste.done",
    "importing": "web.importing",
    "fileTooLarge": "web.file_too_large",
    "offlineAction": "web.offline_action",
    "history": "web.history",
    "historyEmpty": "web.history_empty",
    "historyRestore": "web.history_restore",
    "historyCreated": "web.history_created",
    "historyDeleted": "web.history_deleted",
    "historyRestored": "web.history_restored",
    "historyMoved": "web.history_moved",
    "historyOther": "web.history_other",
    "close": "web.close",
    "rowNumber": "web.row_number",
    "moveUp": "web.move_up",
    "moveDown": "web.move_down",
    "deleteRow": "web.delete_row",
    "showHistory": "web.show_history",
    "failed": "web.failed",
    "refused": "web.refused",
    "sectionWhere": "projection.where",
    "textSize": "projection.size",
    "rowAddedOffline": "web.row_added_offline",
}
#: The largest file a page sends for import (checked by the page before sending, and by
#: the server before reading).
MAX_FILE_BYTES = 8 * 1024 * 1024


def static_root() -> Path:
    """Where the pages' scripts and style sheet are."""
    return HERE / "static"


@functools.cache
def static_version() -> str:
    """A digest of every static file: the folder name they are served under."""
    digest = hashlib.sha256()
    for path in sorted(static_root().rglob("*")):
        if path.is_file():
            digest.update(path.name.encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


class StaticHandler(web.StaticFileHandler):
    """The pages' files: kept a year by the browser under the current version's folder
    (a file asked for under an older version's name is served, and checked next time)."""

    def get_cache_time(self, path: str, modified: Any, mime_type: str) -> int:
        return self.CACHE_MAX_AGE if static_version() in self.request.path else 0

    def set_extra_headers(self, path: str) -> None:
        self.set_header("X-Content-Type-Options", "nosniff")


class Templates:
    """The pages' Jinja templates, rendered with the server's base URL and the catalogue."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(HERE / "templates"),
            autoescape=True,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.env.globals["t"] = t

    def _common(self, lang: str, *, scripted: bool = True) -> dict[str, Any]:
        """What every page needs; ``scripted``: the page's script, and so its sentences."""
        return {
            "lang": lang,
            "static": f"{self.base_url}ccm/static/{static_version()}",
            "messages": (
                {name: t(key) for name, key in SCRIPT_MESSAGES.items()} if scripted else {}
            ),
        }

    def group(self, data: dict[str, Any], access: Access, token: str, lang: str) -> str:
        """A grid's page: its rows in text areas, its data for the script."""
        section = data["section"]
        config = {
            **data,
            "api": f"{self.base_url}ccm/api/sections/{section}",
            "token": token,
            "maxFile": MAX_FILE_BYTES,
        }
        return self.env.get_template("groupe.html").render(
            **self._common(lang),
            data=data,
            config=config,
            columns=list(zip(GRID_FIELDS, GRID_COLUMNS, strict=True)),
            empty_row={"id": "", **dict.fromkeys(GRID_FIELDS, "")},
        )

    def projection(self, data: dict[str, Any], lang: str) -> str:
        """The projection: the synthesis's sections, one shown at a time."""
        config = {
            "api": f"{self.base_url}ccm/api/synthese",
            "version": data["version"],
            "digest": data["digest"],
        }
        return self.env.get_template("projection.html").render(
            **self._common(lang), data=data, config=config
        )

    def refusal(self, message: str, status: int) -> str:
        """The page that says why a link opens nothing."""
        title = t("door.title_503") if status in {429, 503} else t("door.title_403")
        return self.env.get_template("refus.html").render(
            **self._common("fr", scripted=False), title=title, message=message
        )
