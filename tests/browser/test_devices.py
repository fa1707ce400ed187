"""Every page on a phone (360×740, touch), a tablet (800×1280, touch or mouse) and a laptop
or projector (1366×768): nothing sticks out of the screen or of its box, no button is cut,
and each page still fits once the window is resized (a tablet turned, a window narrowed).
The participants' light pages (a group's grid, the projection) and the facilitator's Voilà
workbooks alike; typing by touch in a group's cards is in ``test_group_page.py``.

Screenshots of every page at every size go to ``tests/artifacts/appareil-*.png``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest

from tests.browser.conftest import Server

pytestmark = pytest.mark.browser

DEVICES: dict[str, dict[str, Any]] = {
    "telephone": {
        "viewport": {"width": 360, "height": 740},
        "is_mobile": True,
        "has_touch": True,
        "device_scale_factor": 2,
    },
    "tablette": {"viewport": {"width": 800, "height": 1280}},
    "portable": {"viewport": {"width": 1366, "height": 768}},
}
#: A tablet as most are: touched, and shown the cards whatever its width.
TOUCH_TABLET = {
    "viewport": {"width": 800, "height": 1280},
    "is_mobile": True,
    "has_touch": True,
    "device_scale_factor": 2,
}
EVERY_DEVICE = {**DEVICES, "tablette-tactile": TOUCH_TABLET}

#: What the page shows once its widgets are there.
READY = {
    "groupe": "#lignes",
    "pleniere": ".ccm-board table",
    "preparation": ".ccm-preparation",
    "presence": ".ccm-attendance",
    "revue": ".ccm-items",
    "debats": ".ccm-items",
    "animateur": ".ccm-home",
    "projection": ".projected table",
}
PLENARY_TABS = ("Travaux des groupes", "Synthèse", "Consolidation", "Doublons", "Adoption")

#: What a user would see as a broken layout, measured in the page. Canvases and the grid's
#: insides are left out (the grid's columns are checked by its scroll bar): everything else
#: that is shown must lie within the screen's width and within the widget box it is in, no
#: box may scroll sideways, and no button or tab may hide part of its label.
LAYOUT_FAULTS = """() => {
  const root = document.documentElement, width = root.clientWidth;
  const shown = e => e.offsetParent !== null && e.getClientRects().length > 0;
  const name = e => e.tagName.toLowerCase() + ' « ' + (e.textContent || e.value || '')
    .trim().replace(/\\s+/g, ' ').slice(0, 40) + ' »';
  const faults = [];
  if (root.scrollWidth > width) faults.push('page ' + root.scrollWidth + ' > ' + width);
  for (const e of document.querySelectorAll('button, .lm-TabBar-tabLabel')) {
    if (shown(e) && e.scrollWidth > e.clientWidth) faults.push('cut: ' + name(e));
  }
  for (const e of document.querySelectorAll(
      '.jupyter-widgets, input, textarea, select, button, table')) {
    if (!shown(e) || e.closest('.lm-DataGrid')) continue;
    const right = e.getBoundingClientRect().right;
    if (right > width + 0.5) { faults.push('off screen: ' + name(e)); continue; }
    const box = e.parentElement && e.parentElement.closest('.jupyter-widgets');
    if (box && right > box.getBoundingClientRect().right + 0.5)
      faults.push('out of its box: ' + name(e) + ' in ' + name(box));
  }
  for (const e of document.querySelectorAll('body *')) {
    if (!shown(e) || e.closest('.lm-DataGrid')) continue;
    const overflow = getComputedStyle(e).overflowX;
    if ((overflow === 'auto' || overflow === 'scroll') && e.scrollWidth > e.clientWidth + 1)
      faults.push('scrolls sideways: ' + name(e));
  }
  for (const bar of document.querySelectorAll('.lm-ScrollBar[data-orientation=horizontal]')) {
    if (shown(bar)) faults.push('the grid scrolls sideways: a column is off screen');
  }
  return faults;
}"""


def facilitator_urls(server: Server) -> dict[str, str]:
    key = parse_qs(urlparse(server.links["animateur"]).query)["cle"][0]
    base = f"{server.base}/voila/render"
    return {
        "groupe": server.links["Protection"],
        "pleniere": server.links["pleniere"],
        "preparation": f"{base}/preparation.ipynb?cle={key}",
        "presence": f"{base}/presence.ipynb?cle={key}",
        "revue": f"{base}/revue.ipynb?cle={key}",
        "debats": f"{base}/debats.ipynb?cle={key}",
        "animateur": server.links["animateur"],
        "projection": server.links["projection"],
    }


@pytest.fixture
def device(browser: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    """A browser context as the device named by the test's parameter."""
    context = browser.new_context(**EVERY_DEVICE[request.param])
    try:
        yield context
    finally:
        context.close()


#: Devices of one kind share a browser context: a phone and a touch tablet are the same
#: browser at two sizes, and so are a laptop and a tablet with a mouse. Each page is opened at
#: the first size, then the window is resized to the second (a tablet turned, a window
#: narrowed): half the pages to open, and each page must fit after a resize as well.
RESIZED_TO = {"telephone": "tablette-tactile", "portable": "tablette"}


def open_in(context: Any, url: str, ready: str) -> Any:
    page = context.new_page()
    page.goto(url)
    page.wait_for_selector(ready, timeout=60_000)
    return page


def settled(page: Any) -> None:
    """Wait until the page has drawn what it draws after loading or a resize."""
    page.wait_for_timeout(700)


def whole_page(page: Any, path: Path) -> None:
    """A screenshot of the whole page: Voilà scrolls its cells, not the document, so the
    window is made as tall as them for the picture (widths, and so the layout, unchanged)."""
    size = page.viewport_size
    height = page.evaluate(
        """() => { const cells = document.getElementById('rendered_cells');
                   return cells ? cells.scrollHeight + 24 : document.body.scrollHeight; }"""
    )
    page.set_viewport_size({"width": size["width"], "height": max(size["height"], height)})
    page.wait_for_timeout(300)
    page.screenshot(path=str(path))
    page.set_viewport_size(size)


@pytest.mark.parametrize("device", list(RESIZED_TO), indirect=True)
def test_every_page_fits_the_screen(
    device: Any, server: Server, artifacts: Path, request: pytest.FixtureRequest
) -> None:
    first = request.node.callspec.params["device"]
    sizes = {name: EVERY_DEVICE[name]["viewport"] for name in (first, RESIZED_TO[first])}
    found: dict[str, dict[str, list[str]]] = {name: {} for name in sizes}
    for page_name, url in facilitator_urls(server).items():
        page = open_in(device, url, READY[page_name])
        settled(page)
        for name, viewport in sizes.items():
            if name != first:
                page.set_viewport_size(viewport)
                settled(page)
            if page_name == "pleniere":
                for number, tab in enumerate(PLENARY_TABS):
                    page.locator(".lm-TabBar-tab", has_text=tab).first.click()
                    page.wait_for_timeout(500)
                    found[name][f"pleniere ({tab})"] = page.evaluate(LAYOUT_FAULTS)
                    whole_page(page, artifacts / f"appareil-{name}-pleniere-{number + 1}.png")
            else:
                found[name][page_name] = page.evaluate(LAYOUT_FAULTS)
                whole_page(page, artifacts / f"appareil-{name}-{page_name}.png")
        page.close()
    faults = {
        f"{name} : {page}": problems
        for name, pages in found.items()
        for page, problems in pages.items()
        if problems
    }
    assert faults == {}
