"""The facilitator's home page: the meeting, the guide through the day, the links to hand out.

It follows the store like every other page: a group added or renamed in Préparation, a key
renewed, shows here within a second, without a reload. The groups' links carry their keys
and the room's address (they are handed out, and their QR codes go on the wall); the
facilitator's own links carry no key (the facilitator's cookie opens them) and no host (the
tab's own). When the links carry a loopback address, no phone of the room can open them: the
page says so, in red, with the command that serves the room's network. The QR codes are also
printed, one group a page, on an A4 sheet for the tables (:mod:`ccm_widgets.report.qr_sheet`).
"""

from __future__ import annotations

import functools
import html
import logging
from collections.abc import Callable

import ipywidgets as w

from ccm_widgets.domain.model import GENERAL
from ccm_widgets.i18n import t
from ccm_widgets.links import (
    GROUP_PAGE,
    PLENARY_NOTEBOOK,
    PROJECTION_PAGE,
    is_loopback,
    meeting_links,
    qr_svg,
)
from ccm_widgets.report.document import french_date
from ccm_widgets.store import Store
from ccm_widgets.widgets.common.download import download_anchor
from ccm_widgets.widgets.common.status import StatusBar
from ccm_widgets.widgets.common.watcher import ChangeWatcher

log = logging.getLogger(__name__)


def loopback_warning() -> str:
    """The red warning shown beside links no phone can open, with what to do."""
    return (
        "<div class='ccm-loopback' role='alert'>"
        f"<strong>{html.escape(t('home.loopback_title'))}</strong> "
        f"{html.escape(t('home.loopback_explain'))}<br>"
        f"<code>make serve IP=0.0.0.0</code> {html.escape(t('home.loopback_or'))} "
        "<code>ccm serve --ip 0.0.0.0</code></div>"
    )


def links_html(store: Store, public: str, local: Callable[..., str]) -> str:
    """The links section: each group's link with its QR code and a way to open its grid here,
    then the plenary, the projection and the general section (the facilitator's own)."""
    links = meeting_links(store, public)
    groups = {g.slug: g for g in store.groups.all()}
    items = []
    for link in links:
        if not link.group:
            continue
        group = groups[link.group]
        label = t("home.group_link", number=group.number, name=group.name)
        own = html.escape(local(GROUP_PAGE, groupe=group.slug))
        items.append(
            f"<li><strong>{html.escape(label)}</strong>"
            + (f" — {html.escape(group.moderator)}" if group.moderator else "")
            + f"<br><code>{html.escape(link.url)}</code>"
            + f"<div class='ccm-qr'>{qr_svg(link.url, scale=3)}</div>"
            + f"<a href='{own}' target='_blank'>{html.escape(t('home.open_grid'))}</a></li>"
        )
    if not items:
        items.append(f"<li>{html.escape(t('home.no_groups'))}</li>")
    projection = next(link for link in links if link.label == "projection")
    warning = loopback_warning() if is_loopback(public) else ""
    entries = [
        (local(f"voila/render/{PLENARY_NOTEBOOK}"), t("home.plenary")),
        (local(PROJECTION_PAGE), t("home.projection")),
        (local(GROUP_PAGE, groupe=GENERAL), t("home.general")),
    ]
    own_links = "".join(
        f"<p><a href='{html.escape(url)}' target='_blank' style='font-size:1.2em'>"
        f"{html.escape(text)}</a></p>"
        for url, text in entries
    )
    return (
        f"<div class='ccm-home'><h2>{html.escape(t('home.links'))}</h2>{warning}"
        f"<ul>{''.join(items)}</ul>{own_links}"
        f"<p>{html.escape(t('home.projector_link'))}<br>"
        f"<code>{html.escape(projection.url)}</code></p></div>"
    )


HOME_CSS = """
<style>
.ccm-loopback { border: 3px solid #b3261e; background: #fbeeee; color: #7a1410; padding: 10px 14px;
  margin: 8px 0 12px; font-size: 1.05em; }
.ccm-loopback code { background: #fff; color: #111; }
</style>
"""


class HomePage(w.VBox):
    """The meeting's title, the guide, the links (live), the QR sheet for the tables.

    Parameters
    ----------
    store:
        The meeting's store.
    public:
        The address the handed-out links carry (``http://192.168.1.10:8866``).
    local:
        ``local(path, **query)``: a page of this server as the facilitator's tab reaches it.
    guide_links, exports_made:
        Handed to the :class:`~ccm_widgets.widgets.facilitator.guide.MeetingGuide`.
    watch:
        Follow the store (tests turn it off and call :meth:`refresh`).
    """

    def __init__(
        self,
        *,
        store: Store,
        public: str,
        local: Callable[..., str],
        guide_links: dict[str, str],
        exports_made: Callable[[], bool],
        watch: bool = True,
    ) -> None:
        from ccm_widgets.widgets.facilitator.guide import MeetingGuide

        super().__init__()
        self.store, self.public, self.local = store, public, local
        self.head = w.HTML()
        self.links = w.HTML()
        self.qr_button = w.Button(
            description=t("home.qr_sheet"), icon="print", layout=w.Layout(width="auto")
        )
        self.qr_button.on_click(self._on_qr_sheet)
        self.qr_result = w.HTML()
        self.status = StatusBar()
        self.guide = MeetingGuide(
            store=store, links=guide_links, exports_made=exports_made, watch=watch
        )
        self._shown = ""
        self.refresh()
        self.children = (
            self.head,
            self.guide,
            self.links,
            w.HBox([self.qr_button, self.qr_result]),
            self.status,
        )
        self.watcher = ChangeWatcher(store)
        self.watcher.on_change(self._on_store_change)
        if watch:
            self.watcher.start()

    def refresh(self) -> None:
        """Draw the title and the links again from the store (only what changed)."""
        meeting = self.store.meetings.get()
        head = (
            f"{HOME_CSS}<div class='ccm-home'><h1>{html.escape(meeting.title)}</h1>"
            f"<p>{html.escape(meeting.venue)} — {html.escape(french_date(meeting.date))}</p></div>"
        )
        links = links_html(self.store, self.public, self.local)
        if head != self.head.value:
            self.head.value = head
        if links != self._shown:
            self._shown = self.links.value = links

    def _on_store_change(self, _counter: int) -> None:
        try:
            self.refresh()
        except Exception:  # the next change draws it again; the page says nothing is wrong
            log.exception("page d'accueil non redessinée")

    def _on_qr_sheet(self, _button: object = None) -> None:
        from ccm_widgets.report.qr_sheet import qr_sheet_pdf

        try:
            data = qr_sheet_pdf(self.store, self.public)
        except Exception as error:
            log.exception("feuille des codes QR impossible")
            self.status.show(t("home.qr_sheet_failed", error=error), "error")
            return
        name = "codes-qr-groupes.pdf"
        self.qr_result.value = download_anchor(
            name, "application/pdf", data, t("export.download", name=name)
        )
        self.status.show(t("home.qr_sheet_done"), "ok")

    def stop(self) -> None:
        """Stop following the store (the page is gone)."""
        self.watcher.stop()
        self.guide.stop()


def home_page_widget(
    store: Store, public: str, local: Callable[..., str], exports_made: Callable[[], bool]
) -> HomePage:
    """The home page of ``store``'s meeting, its guide linking each workbook locally."""
    from ccm_widgets.widgets.facilitator.guide import PHASES

    notebooks = {p.notebook for p in PHASES if p.notebook}
    return HomePage(
        store=store,
        public=public,
        local=local,
        guide_links={n: local(f"voila/render/{n}") for n in notebooks},
        exports_made=functools.partial(exports_made),
    )
