"""What each of the facilitator's workbooks shows, decided from the URL: the key, the role.

A workbook cell is one call: ``home_page()``, ``plenary_page()``, ``preparation_page()``…
Each opens the store named by ``CCM_STORE``, reads the tab's query string (Voilà puts it in
the kernel's ``QUERY_STRING``; the door adds the key from its cookie when the address bar no
longer carries it), checks the key and returns the widget to display, or a French message
saying why there is nothing to show. The groups' grids and the projection are not
workbooks: they are light pages without a kernel (:mod:`ccm_widgets.web`).
"""

from __future__ import annotations

import functools
import html
import logging
import os
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import parse_qs

import ipywidgets as w

from ccm_widgets.i18n import t
from ccm_widgets.links import key_matches, light_url
from ccm_widgets.store import FACILITATOR, Access, Store, StoreError
from ccm_widgets.widgets.common.page_style import DEVICE_CSS

log = logging.getLogger(__name__)

_PAGES_CSS = """
<style>
.jp-Notebook, body { background: #fff; }
.ccm-page { max-width: 1180px; }
.ccm-message { font-size: 1.2em; padding: 12px 16px; border-left: 6px solid #b3261e;
  background: #fbeeee; }
.ccm-row-editor textarea { font-family: inherit; font-size: 14px; line-height: 1.4; }
.ccm-items textarea, .ccm-preparation textarea { font-family: inherit; font-size: 14px; }
.ccm-home a { color: #0b57d0; text-decoration: underline; }
.ccm-home ul { display: flex; flex-wrap: wrap; gap: 8px 24px; padding-left: 0;
  list-style: none; }
.ccm-home li { margin: 6px 0; font-size: 1.05em; width: min(520px, 100%); }
.ccm-qr { margin-top: 4px; }
.ccm-home code { font-size: 0.85em; user-select: all; overflow-wrap: anywhere; }
</style>
"""
#: The style of every page: its own, then what makes it fit phones, laptops and projectors.
PAGE_CSS = _PAGES_CSS + DEVICE_CSS


def query_params(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The tab's query string as a dict (first value of each name)."""
    environ = os.environ if environ is None else environ
    parsed = parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True)
    return {name: values[0] for name, values in parsed.items() if values}


def message_page(text: str) -> w.HTML:
    """A page that only says ``text`` (escaped)."""
    return w.HTML(f"{PAGE_CSS}<div class='ccm-message' role='alert'>{html.escape(text)}</div>")


def server_base(environ: Mapping[str, str] | None = None) -> str:
    """The address the links handed out must carry, without a trailing ``/``.

    ``CCM_PUBLIC_URL`` when set: ``ccm serve`` sets it to the address it prints (the room's
    network address with ``--ip 0.0.0.0``, so the QR codes work on the groups' phones even
    when the facilitator opened the page as ``localhost``), a deployment behind JupyterHub
    to the user's server (``https://hub.example/user/anna``). Otherwise the server this tab
    came through, as Voilà tells it, with the path before ``/voila/`` (a hub's
    ``/user/<name>`` prefix).
    """
    environ = os.environ if environ is None else environ
    public = environ.get("CCM_PUBLIC_URL", "").strip().rstrip("/")
    if public:
        return public
    name, port = environ.get("SERVER_NAME", ""), environ.get("SERVER_PORT", "")
    if not name:
        return ""
    prefix = environ.get("SCRIPT_NAME", "").partition("/voila/")[0].rstrip("/")
    host = f"{name}:{port}" if port else name
    return f"http://{host}{prefix}"


def local_url(path: str, environ: Mapping[str, str] | None = None, **query: str) -> str:
    """The address of one of this server's pages as the facilitator's browser reaches it:
    no host (the tab's own, so the facilitator's cookie goes with it, whichever address the
    room's links carry), the server's prefix (a hub's ``/user/<name>``), then ``path``."""
    environ = os.environ if environ is None else environ
    prefix = environ.get("SCRIPT_NAME", "").partition("/voila/")[0].rstrip("/")
    return light_url(prefix or "/", path.lstrip("/"), **query).replace("//", "/", 1)


def guarded(store: Store, page: w.Box) -> w.Box:
    """``page``, watched: a notice appears on top if its link's key stops being valid."""
    from ccm_widgets.widgets.common.access_guard import AccessGuard

    page.ccm_guard = AccessGuard(store=store, page=page)  # kept as long as the page
    return page


def _open(store: Store | None) -> Store:
    # A page opens the store that is there: a missing one is said, never made anew and empty.
    return store if store is not None else Store(create=False)


def _facilitator_store(
    store: Store | None,
    params: Mapping[str, str] | None,
    *,
    empty_ok: bool = False,
) -> tuple[Store | None, w.Widget | None]:
    """The store, if the link's key is the facilitator's; otherwise ``None`` and the French
    page that says why.

    A store with no meeting yet is refused (the page says where to create one) unless
    ``empty_ok``: the home page then offers to create it.
    """
    if params is None:
        params = query_params()
    try:
        opened = _open(store)
        has_meeting = opened.meetings.exists()
    except StoreError as error:
        return None, message_page(str(error))
    given = params.get("cle", "")
    if key_matches(given, opened.groups.facilitator_key()):
        opened.session.bind_access(Access(FACILITATOR, given))
    else:
        return None, message_page(t("page.bad_key"))
    if not has_meeting and not empty_ok:
        return None, message_page(t("page.no_meeting_yet"))
    return opened, None


def plenary_page(
    *, store: Store | None = None, params: Mapping[str, str] | None = None
) -> w.Widget:
    """The plenary workbook: every group's rows, the synthesis, the export panel."""
    opened, refusal = _facilitator_store(store, params)
    if opened is None:
        return refusal or message_page(t("page.bad_key"))
    from ccm_widgets.widgets.plenary.breakout_control import BreakoutControl
    from ccm_widgets.widgets.plenary.export_panel import ExportPanel
    from ccm_widgets.widgets.plenary.plenary_board import PlenaryBoard

    return guarded(
        opened,
        w.VBox(
            [
                w.HTML(PAGE_CSS),
                BreakoutControl(store=opened),
                PlenaryBoard(store=opened),
                ExportPanel(store=opened),
            ]
        ),
    )


def _facilitator_panel(
    store: Store | None, params: Mapping[str, str] | None, build: str
) -> w.Widget:
    opened, refusal = _facilitator_store(store, params)
    if opened is None:
        return refusal or message_page(t("page.bad_key"))
    import importlib

    module, name = build.rsplit(".", 1)
    panel = getattr(importlib.import_module(f"ccm_widgets.widgets.{module}"), name)
    return guarded(opened, w.VBox([w.HTML(PAGE_CSS), panel(store=opened)]))


def preparation_page(
    *, store: Store | None = None, params: Mapping[str, str] | None = None
) -> w.Widget:
    """Préparation: header, objectives, agenda, groups, synthesis order, meeting file."""
    return _facilitator_panel(store, params, "preparation.preparation.PreparationPanel")


def attendance_page(
    *, store: Store | None = None, params: Mapping[str, str] | None = None
) -> w.Widget:
    """Liste de présence: form, upload, defects, count by institution."""
    return _facilitator_panel(store, params, "facilitator.attendance.AttendancePanel")


def review_page(*, store: Store | None = None, params: Mapping[str, str] | None = None) -> w.Widget:
    """Revue de la mise en œuvre: the review table, its import, carry-over and chart."""
    return _facilitator_panel(store, params, "facilitator.review.ReviewPanel")


def debates_page(
    *, store: Store | None = None, params: Mapping[str, str] | None = None
) -> w.Widget:
    """Communications et débats, typed live."""
    return _facilitator_panel(store, params, "facilitator.debates.DebatesPanel")


def exports_made(folder: Path) -> bool:
    """True once ``folder`` holds an exported report (HTML, PDF or Word)."""
    return folder.is_dir() and any(p.suffix in {".pdf", ".html", ".docx"} for p in folder.iterdir())


def home_page(*, store: Store | None = None, params: Mapping[str, str] | None = None) -> w.Widget:
    """The facilitator's home: the meeting, the links to hand out, the way to the plenary.

    On a store with no meeting yet (``ccm serve --no-demo``), "Nouvelle réunion": the
    meeting is created here, and the page then shows it.
    """
    opened, refusal = _facilitator_store(store, params, empty_ok=True)
    if opened is None:
        return refusal or message_page(t("page.bad_key"))
    if not opened.meetings.exists():
        from ccm_widgets.widgets.facilitator.new_meeting import NewMeetingPanel

        page = w.VBox()
        page.add_class("ccm-page")
        panel = NewMeetingPanel(store=opened, on_created=_ShowHome(opened, page))
        page.children = (w.HTML(PAGE_CSS), panel)
        return guarded(opened, page)
    return guarded(opened, w.VBox([w.HTML(PAGE_CSS), home(opened)]))


class _ShowHome:
    """Once the meeting is created, the page shows its home in place of the new-meeting form."""

    def __init__(self, store: Store, page: w.Box) -> None:
        self.store, self.page = store, page

    def __call__(self, _outcome: object = None) -> None:
        self.page.children = (w.HTML(PAGE_CSS), home(self.store))


def home(opened: Store) -> w.Widget:
    """The home page of a meeting: its title, the guide through the day, the links (live)."""
    from ccm_widgets.files.exporting import exports_directory
    from ccm_widgets.widgets.facilitator.home import home_page_widget

    return home_page_widget(
        opened,
        server_base(),
        local_url,
        functools.partial(exports_made, exports_directory()),
    )
