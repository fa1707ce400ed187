"""The links handed out in the room: one for the facilitator, one per group, each with its key.

The facilitator's links open Voilà workbooks; a group's link and the projection's open the
light pages (:mod:`ccm_widgets.web`), which hold no kernel."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

from ccm_widgets.store import Store, same_key

HOME_NOTEBOOK = "animateur.ipynb"
PLENARY_NOTEBOOK = "pleniere.ipynb"
#: The links that carry the facilitator's key (by their label).
FACILITATOR_LINKS = frozenset({"animateur", "pleniere"})
#: The light pages, under the server's base URL.
GROUP_PAGE = "ccm/groupe"
PROJECTION_PAGE = "ccm/projection"


@dataclass(frozen=True)
class Link:
    """A named URL: ``label<TAB>url`` is how ``ccm links`` prints it."""

    label: str
    url: str
    group: str = ""


def is_loopback(url: str) -> bool:
    """Whether the address of ``url`` can only be reached from this machine (127.0.0.1,
    localhost, ::1): no phone in the room could open such a link."""
    host = urlsplit(url).hostname or ""
    return host.startswith("127.") or host in {"localhost", "::1"}


def served_address(url: str, timeout: float = 1.0) -> bool:
    """Whether a kit's server answers at ``url`` (its participants' pages' script is there)."""
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(f"{url.rstrip('/')}/voila/static/voila.js", timeout=timeout):
            return True
    except (urllib.error.URLError, OSError, ValueError):
        return False


def page_url(base: str, notebook: str, **query: str) -> str:
    """``http://host:port/voila/render/<notebook>?<query>``: a facilitator's workbook."""
    url = f"{base.rstrip('/')}/voila/render/{notebook}"
    return f"{url}?{urlencode(query)}" if query else url


def light_url(base: str, page: str, **query: str) -> str:
    """``http://host:port/ccm/groupe?<query>``: a participants' page."""
    url = f"{base.rstrip('/')}/{page}"
    return f"{url}?{urlencode(query)}" if query else url


def meeting_links(store: Store, base: str) -> list[Link]:
    """The facilitator's link, the plenary's, the projection's (read-only), then each
    group's in numbering order."""
    key = store.groups.facilitator_key()
    links = [
        Link("animateur", page_url(base, HOME_NOTEBOOK, cle=key)),
        Link("pleniere", page_url(base, PLENARY_NOTEBOOK, cle=key)),
        Link("projection", light_url(base, PROJECTION_PAGE, cle=store.groups.projection_key())),
    ]
    for group in store.groups.all():
        url = light_url(base, GROUP_PAGE, cle=store.groups.key(group.slug))
        links.append(Link(group.name, url, group=group.slug))
    return links


def key_matches(given: str, expected: str) -> bool:
    """Compare access keys in constant time (no timing hint about how much matched)."""
    return same_key(given, expected)


def qr_svg(url: str, *, scale: int = 4, sized: bool = True) -> str:
    """An inline SVG QR code of ``url`` (no image file, nothing fetched); ``sized=False``
    leaves its size to the page's style (it keeps its proportions)."""
    import segno

    drawing = segno.make(url, error="m").svg_inline(
        scale=scale, dark="#111", light="#fff", omitsize=not sized
    )
    return str(drawing)


def qr_text(url: str) -> str:
    """A QR code of ``url`` drawn with characters, for a terminal."""
    import io

    import segno

    buffer = io.StringIO()
    segno.make(url, error="m").terminal(out=buffer, compact=True)
    return buffer.getvalue()


def print_links(links: list[Link], *, qr: bool = False) -> None:
    """``label<TAB>url``, a line each; with ``qr``, then each group's QR code, drawn with
    characters for a terminal (what ``ccm links`` and ``ccm serve`` print)."""
    for link in links:
        print(f"{link.label}\t{link.url}")
    if qr:
        for link in links:
            if link.group:
                print(f"\n{link.label}\n{qr_text(link.url)}")
