"""The groups' QR codes on an A4 sheet, one group a page: what goes on each table.

Each page holds the meeting's title, the group's number and name in large type, its QR code
(a vector drawing, sharp at any printer's resolution) and the link written out, for a phone
that cannot scan. No facilitator's key is on it: only the groups' own links. Printed by the
system's Chromium, like the report (:mod:`ccm_widgets.report.pdf`).
"""

from __future__ import annotations

import html

from ccm_widgets.i18n import current_language, t
from ccm_widgets.links import meeting_links, qr_svg
from ccm_widgets.store import Store

SHEET_CSS = """
@page { size: A4; margin: 18mm 16mm; }
body { font-family: "DejaVu Sans", "Liberation Sans", sans-serif; margin: 0; color: #000; }
section { page-break-after: always; break-after: page; text-align: center; }
section:last-child { page-break-after: auto; break-after: auto; }
.meeting { font-size: 13pt; margin: 0 0 8mm; color: #333; }
h1 { font-size: 34pt; margin: 0 0 4mm; }
.moderator { font-size: 15pt; margin: 0 0 8mm; }
.qr svg { width: 125mm; height: 125mm; }
.how { font-size: 15pt; margin: 6mm 0 2mm; }
.url { font-family: "DejaVu Sans Mono", monospace; font-size: 11pt; word-break: break-all; }
"""


def qr_sheet_html(store: Store, public: str) -> str:
    """The sheet as one HTML page (every text escaped; nothing fetched)."""
    meeting = store.meetings.get()
    groups = {g.slug: g for g in store.groups.all()}
    pages = []
    for link in meeting_links(store, public):
        if not link.group:
            continue
        group = groups[link.group]
        said = t("grid.moderator", moderator=group.moderator) if group.moderator else ""
        moderator = f"<p class='moderator'>{html.escape(said)}</p>" if said else ""
        pages.append(
            "<section>"
            f"<p class='meeting'>{html.escape(meeting.title)}</p>"
            f"<h1>{html.escape(t('grid.title', number=group.number, name=group.name))}</h1>"
            f"{moderator}<div class='qr'>{qr_svg(link.url, scale=10, sized=False)}</div>"
            f"<p class='how'>{html.escape(t('qr_sheet.how'))}</p>"
            f"<p class='url'>{html.escape(link.url)}</p></section>"
        )
    if not pages:
        pages.append(f"<section><h1>{html.escape(t('home.no_groups'))}</h1></section>")
    title = html.escape(t("qr_sheet.title", title=meeting.title))
    return (
        f"<!DOCTYPE html><html lang='{current_language()}'><head><meta charset='utf-8'>"
        f"<title>{title}</title><style>{SHEET_CSS}</style></head><body>"
        + "".join(pages)
        + "</body></html>"
    )


def qr_sheet_pdf(store: Store, public: str) -> bytes:
    """The sheet printed to an A4 PDF."""
    from ccm_widgets.report.pdf import to_pdf

    return to_pdf(qr_sheet_html(store, public), footer=False)
