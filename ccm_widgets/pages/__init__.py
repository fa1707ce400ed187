"""What each workbook shows, decided from the URL: the group, the key, the role.

A workbook cell is one call: ``group_page()``, ``plenary_page()`` or ``home_page()``. Each
opens the store named by ``CCM_STORE``, reads the tab's query string (Voilà puts it in the
kernel's ``QUERY_STRING``), checks the key and returns the widget to display, or a French
message saying why there is nothing to edit.
"""

from __future__ import annotations

import functools
import html
import logging
import os
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from urllib.parse import parse_qs

import ipywidgets as w

from ccm_widgets.domain.model import FACILITATOR_ACTOR, GENERAL, Actor, ValidationError
from ccm_widgets.i18n import t
from ccm_widgets.links import GROUP_NOTEBOOK, key_matches, meeting_links, page_url, qr_svg
from ccm_widgets.pages.preheat import (
    REQUEST_PATIENCE,
    TAB_SEEN,
    RequestLost,
    notice_tab,
    wait_for_request,
)
from ccm_widgets.report.document import french_date
from ccm_widgets.store import FACILITATOR, PROJECTION, Access, Store, StoreError
from ccm_widgets.widgets.common.page_style import DEVICE_CSS
from ccm_widgets.widgets.common.threads import WIDGETS

log = logging.getLogger(__name__)

__all__ = ["REQUEST_PATIENCE", "TAB_SEEN", "RequestLost", "notice_tab", "wait_for_request"]

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


def guarded(store: Store, page: w.Box) -> w.Box:
    """``page``, watched: a notice appears on top if its link's key stops being valid."""
    from ccm_widgets.widgets.common.access_guard import AccessGuard

    page.ccm_guard = AccessGuard(store=store, page=page)  # kept as long as the page
    return page


def _open(store: Store | None) -> Store:
    # A page opens the store that is there: a missing one is said, never made anew and empty.
    return store if store is not None else Store(create=False)


def group_page(*, store: Store | None = None, params: Mapping[str, str] | None = None) -> w.Widget:
    """The group workbook: that group's grid, if the link's key opens it.

    In a preheated kernel the page is shown at once, empty, and filled in once a tab has
    taken the kernel: so Voilà answers the page's request without waiting for the grid to
    be built. The browser spends about a second on Voilà's JavaScript before it asks the
    kernel for the widgets, and by then they are there. A kernel the server set aside for
    a group (the warm room) has that group's grid built before any request comes
    (:class:`PreparedGrid`): the request only has its key checked.
    """
    # Heavy imports before the wait, so that a preheated kernel has already paid for them.
    from ccm_widgets.widgets.grid.grid_editor import GroupGridEditor  # noqa: F401

    if params is None and os.environ.get("VOILA_PREHEAT", "False") == "True":
        page = w.VBox()
        notice_tab()
        prepared = PreparedGrid(store)

        def prepare(group: str) -> bool:
            with WIDGETS:  # a tab's first look at the widgets waits for them all
                return prepared.prepare(group)

        def fill() -> None:
            try:
                wait_for_request(prepare=prepare)
                with WIDGETS:
                    page.children = (prepared.page(query_params()),)
            except RequestLost:
                log.error("la demande de la page n'est jamais arrivée")
                with WIDGETS:
                    page.children = (message_page(t("page.request_lost")),)
            except Exception:  # the tab must say something rather than stay blank
                log.exception("page de groupe impossible à construire")
                with WIDGETS:
                    page.children = (message_page(t("page.failed")),)

        threading.Thread(target=fill, name="ccm-page", daemon=True).start()
        return page
    return _group_widget(store, query_params() if params is None else params)


def _refuse_unchecked(_cursor: object, _group_may: bool) -> None:
    """A prepared grid writes nothing before its tab's key is checked."""
    from ccm_widgets.store import AccessError

    raise AccessError(t("store.not_allowed"))


class PreparedGrid:
    """A group's grid built in a preheated kernel before its request, for that group's tab.

    The server names the group (:func:`wait_for_request`'s ``prepare``); the grid is built
    on its own connection to the store, which refuses every write until a request comes
    whose key is that group's own: then the grid is the page. Any other request (another
    group, the facilitator's key, a wrong key) gets its page built as without preparation,
    and the prepared grid is dropped.

    Parameters
    ----------
    store:
        The store to build on (tests); by default the one ``CCM_STORE`` names, opened here.
    """

    def __init__(self, store: Store | None = None) -> None:
        self.given = store
        self.group: str | None = None
        self.store: Store | None = None
        self.editor: w.Widget | None = None

    def prepare(self, group: str) -> bool:
        """Build ``group``'s grid (again only if another group's was built); whether it was."""
        if group == self.group and self.editor is not None:
            return True
        self.discard()
        from ccm_widgets.widgets.grid.grid_editor import GroupGridEditor

        try:
            store = _open(self.given)
            store.groups.get(group)  # an unknown group is refused here
            store.db.before_write = _refuse_unchecked
            editor = GroupGridEditor(store=store, section=group, actor=str(Actor.of_group(group)))
        except (StoreError, ValidationError) as error:
            log.warning("grille du groupe %s impossible à préparer : %s", group, error)
            return False
        editor.add_class("ccm-page")
        self.group, self.store, self.editor = group, store, editor
        return True

    def page(self, params: Mapping[str, str]) -> w.Widget:
        """The page for the request's ``params``: the prepared grid if the request is its
        group's, with that group's key; otherwise the page built for the request."""
        store, editor = self.store, self.editor
        group = params.get("groupe", "")
        if store is not None and editor is not None and group == self.group:
            given = params.get("cle", "")
            try:
                own = key_matches(given, store.groups.key(group))
                facilitator = key_matches(given, store.groups.facilitator_key())
            except (StoreError, ValidationError):
                own = facilitator = False
            if own and not facilitator:
                store.session.bind_access(Access(group, given))
                self.store = self.editor = None  # the page's now
                return guarded(store, w.VBox([w.HTML(PAGE_CSS), editor]))
        self.discard()
        return _group_widget(self.given, params)

    def discard(self) -> None:
        """Drop the prepared grid: its threads stopped, its widgets closed, its store shut
        (unless it was given)."""
        editor, store = self.editor, self.store
        self.group = self.store = self.editor = None
        if editor is not None:
            for widget in _descendants(editor):
                for name in ("watcher", "timer"):
                    stop = getattr(getattr(widget, name, None), "stop", None)
                    if callable(stop):
                        stop()
                widget.close()
        if store is not None and store is not self.given:
            store.close()


def _descendants(widget: w.Widget) -> list[w.Widget]:
    found = [widget]
    for child in getattr(widget, "children", ()):
        if isinstance(child, w.Widget):
            found.extend(_descendants(child))
    return found


def _group_widget(store: Store | None, params: Mapping[str, str]) -> w.Widget:
    from ccm_widgets.widgets.grid.grid_editor import GroupGridEditor

    try:
        store = _open(store)
        store.meetings.get()
        slug = params.get("groupe", "")
        given = params.get("cle", "")
        facilitator = key_matches(given, store.groups.facilitator_key())
        if slug == GENERAL:
            if not facilitator:
                return message_page(t("page.bad_key"))
        else:
            try:
                store.groups.get(slug)
            except ValidationError:
                return message_page(t("page.unknown_group"))
            if not (facilitator or key_matches(given, store.groups.key(slug))):
                return message_page(t("page.bad_key"))
        store.session.bind_access(Access(FACILITATOR if facilitator else slug, given))
        actor = FACILITATOR_ACTOR if facilitator else Actor.of_group(slug)
        editor = GroupGridEditor(store=store, section=slug, actor=str(actor))
        editor.add_class("ccm-page")
        return guarded(store, w.VBox([w.HTML(PAGE_CSS), editor]))
    except StoreError as error:
        return message_page(str(error))


def _facilitator_store(
    store: Store | None,
    params: Mapping[str, str] | None,
    *,
    also: Callable[[Store], str] | None = None,
    empty_ok: bool = False,
) -> tuple[Store | None, w.Widget | None]:
    """The store, if the link's key is the facilitator's (or the one ``also`` gives);
    otherwise ``None`` and the French page that says why.

    A store with no meeting yet is refused (the page says where to create one) unless
    ``empty_ok``: the home page then offers to create it.
    """
    if params is None:
        wait_for_request()
        params = query_params()
    try:
        opened = _open(store)
        has_meeting = opened.meetings.exists()
    except StoreError as error:
        return None, message_page(str(error))
    given = params.get("cle", "")
    if key_matches(given, opened.groups.facilitator_key()):
        opened.session.bind_access(Access(FACILITATOR, given))
    elif also is not None and key_matches(given, also(opened)):
        opened.session.bind_access(Access(PROJECTION, given))
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


def projection_page(
    *, store: Store | None = None, params: Mapping[str, str] | None = None
) -> w.Widget:
    """The projection: the synthesis section by section in large type, read-only.

    Opened by the projection key (which opens nothing else) or the facilitator's key.
    """
    opened, refusal = _facilitator_store(
        store, params, also=lambda opened: opened.groups.projection_key()
    )
    if opened is None:
        return refusal or message_page(t("page.bad_key"))
    from ccm_widgets.widgets.plenary.projection import ProjectionView

    return guarded(opened, ProjectionView(store=opened))


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
    return guarded(opened, w.VBox(home_children(opened)))


class _ShowHome:
    """Once the meeting is created, the page shows its home in place of the new-meeting form."""

    def __init__(self, store: Store, page: w.Box) -> None:
        self.store, self.page = store, page

    def __call__(self, _outcome: object = None) -> None:
        self.page.children = tuple(home_children(self.store))


def home_children(opened: Store) -> list[w.Widget]:
    """The home page of a meeting: its title, the guide through the day, the links."""
    meeting = opened.meetings.get()
    links = meeting_links(opened, server_base())
    items = []
    for link in links:
        if link.group:
            group = opened.groups.get(link.group)
            label = t("home.group_link", number=group.number, name=group.name)
            url = html.escape(link.url)
            items.append(
                f"<li><a href='{url}' target='_blank'>{html.escape(label)}</a>"
                + (f" — {html.escape(group.moderator)}" if group.moderator else "")
                + f"<br><code>{url}</code>"
                + f"<div class='ccm-qr'>{qr_svg(link.url, scale=3)}</div></li>"
            )
    if not items:
        items.append(f"<li>{html.escape(t('home.no_groups'))}</li>")
    plenary = next(link for link in links if link.label == "pleniere")
    projection = next(link for link in links if link.label == "projection")
    general = page_url(
        server_base(), GROUP_NOTEBOOK, groupe=GENERAL, cle=opened.groups.facilitator_key()
    )
    head = (
        f"{PAGE_CSS}<div class='ccm-home'><h1>{html.escape(meeting.title)}</h1>"
        f"<p>{html.escape(meeting.venue)} — {html.escape(french_date(meeting.date))}</p></div>"
    )
    body = (
        f"<div class='ccm-home'><h2>{html.escape(t('home.links'))}</h2><ul>{''.join(items)}</ul>"
        f"<p><a href='{html.escape(plenary.url)}' target='_blank' style='font-size:1.2em'>"
        f"{html.escape(t('home.plenary'))}</a></p>"
        f"<p><a href='{html.escape(projection.url)}' target='_blank' style='font-size:1.2em'>"
        f"{html.escape(t('home.projection'))}</a></p>"
        f"<p><a href='{html.escape(general)}' target='_blank' style='font-size:1.2em'>"
        f"{html.escape(t('home.general'))}</a></p></div>"
    )
    from ccm_widgets.files.exporting import exports_directory
    from ccm_widgets.widgets.facilitator.guide import PHASES, MeetingGuide

    key = opened.groups.facilitator_key()
    notebooks = {p.notebook for p in PHASES if p.notebook}
    guide = MeetingGuide(
        store=opened,
        links={n: page_url(server_base(), n, cle=key) for n in notebooks},
        exports_made=functools.partial(exports_made, exports_directory()),
    )
    return [w.HTML(head), guide, w.HTML(body)]
