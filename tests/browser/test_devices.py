"""Every page on a phone (360×740, touch), a tablet (800×1280) and a laptop or projector
(1366×768): nothing sticks out of the screen or of its box, no button is cut; a phone types a
row by touch in the cards; the grid keeps its three columns at 1024 px and shows a new row;
the projection keeps the text size this browser chose (issue 15).

Screenshots of every page at every size go to ``tests/artifacts/appareil-*.png``.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from ccm_widgets.widgets.grid.rows_grid import HEADER_HEIGHT, ROW_HEIGHT, column_widths
from tests.browser.conftest import Server
from tests.browser.helpers import EDITOR_INPUT, GRID

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
    "groupe": ".ccm-grid-editor",
    "pleniere": ".ccm-board table",
    "preparation": ".ccm-preparation",
    "presence": ".ccm-attendance",
    "revue": ".ccm-items",
    "debats": ".ccm-items",
    "animateur": ".ccm-home",
    "projection": ".ccm-projection table",
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


#: The hidden field the page script fills with the width of the box it is in.
PROBE = "document.querySelector('.ccm-width-probe input')"


def settled(page: Any, width_before: str | None = None) -> None:
    """Wait until the page has sized what it sizes after loading: the grid's columns follow
    the width the page reported, once it has reached the kernel and come back. After a
    resize (``width_before``: what the page had reported), the page reports the new width
    first, unless what it measures is not shown at this size."""
    page.wait_for_function(
        f"() => {{ const probe = {PROBE}; return !probe || Number(probe.value) > 0; }}",
        timeout=10_000,
    )
    if width_before is not None:
        # A box that is not shown, or that keeps its width, reports no new width.
        with contextlib.suppress(PlaywrightTimeout):
            page.wait_for_function(
                f"""before => {{ const probe = {PROBE};
                    const box = probe && probe.closest('.ccm-width-probe').parentElement;
                    return !box || box.offsetParent === null || probe.value !== before; }}""",
                arg=width_before,
                timeout=3_000,
            )
    page.wait_for_timeout(700)


def reported_width(page: Any) -> str | None:
    return page.evaluate(f"() => {{ const probe = {PROBE}; return probe ? probe.value : null; }}")


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
                before = reported_width(page)
                page.set_viewport_size(viewport)
                settled(page, before)
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


@pytest.mark.parametrize("device", ["telephone"], indirect=True)
def test_a_phone_types_a_row_by_touch_in_the_cards(
    device: Any, server: Server, artifacts: Path
) -> None:
    page = open_in(device, server.links["Migration irrégulière"], ".ccm-card")
    assert page.locator(GRID).is_hidden()  # the grid is there, for wider screens, not shown
    assert page.locator(".ccm-row-editor").is_hidden()
    assert page.get_by_text("Touchez un texte pour l'écrire").is_visible()
    assert page.get_by_text("Cliquez deux fois").is_hidden()
    with server.store() as store:
        before = len(store.grid.rows("migration-irreguliere"))

    page.get_by_role("button", name="Ajouter une ligne").tap()
    card = page.locator(".ccm-card").nth(before)
    card.wait_for(timeout=10_000)
    first = card.locator("textarea").first
    page.wait_for_function(  # the new card's first text has the cursor: the page is on it
        "area => document.activeElement === area", arg=first.element_handle(), timeout=10_000
    )
    assert first.is_visible()
    assert card.bounding_box()["y"] < 740
    text = "Créer une cellule d'écoute pour les migrants refoulés à la frontière"
    first.tap()
    page.keyboard.type(text, delay=15)
    challenges = card.locator("textarea").nth(1)
    challenges.tap()
    page.keyboard.type("Pas de local", delay=15)
    card.locator(".ccm-card-saved").wait_for(timeout=10_000)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with server.store() as store:
            rows = store.grid.rows("migration-irreguliere")
        if len(rows) > before and rows[before].challenges == "Pas de local":
            break
        time.sleep(0.3)
    whole_page(page, artifacts / "appareil-telephone-carte-saisie.png")
    assert len(rows) == before + 1
    assert rows[before].recommendation == text
    assert rows[before].challenges == "Pas de local"
    assert rows[before].updated_by == "groupe:migration-irreguliere"
    assert page.evaluate(LAYOUT_FAULTS) == []


@pytest.mark.parametrize("device", ["tablette"], indirect=True)
def test_a_tablet_without_touch_shows_the_grid_for_the_mouse(device: Any, server: Server) -> None:
    page = open_in(device, server.links["Protection"], GRID)
    assert page.locator(".ccm-cards").is_hidden()
    assert page.get_by_text("Cliquez deux fois dans une case").is_visible()
    assert page.get_by_text("Touchez un texte").is_hidden()


@pytest.mark.parametrize("device", ["tablette-tactile"], indirect=True)
def test_a_touch_tablet_shows_the_cards_even_at_800_px(device: Any, server: Server) -> None:
    page = open_in(device, server.links["Protection"], ".ccm-card")
    assert page.locator(GRID).is_hidden()
    assert page.get_by_text("Touchez un texte pour l'écrire").is_visible()


def test_the_grid_keeps_its_three_columns_at_1024_px(
    browser: Any, server: Server, artifacts: Path
) -> None:
    context = browser.new_context(viewport={"width": 1024, "height": 768})
    page = open_in(context, server.links["Gouvernance et coordination"], GRID)
    settled(page)
    grid = page.locator(GRID).first.bounding_box()
    widths = list(column_widths(round(grid["width"])).values())
    assert 48 + sum(widths) <= grid["width"]
    assert page.locator(".lm-ScrollBar[data-orientation=horizontal]").is_hidden()
    # Perspectives, the last column, is where the widths put it: typed there, it is saved.
    x = grid["x"] + 48 + widths[0] + widths[1] + widths[2] / 2
    y = grid["y"] + HEADER_HEIGHT + ROW_HEIGHT / 2
    assert x < 1024
    page.mouse.dblclick(x, y)
    editor = page.locator(EDITOR_INPUT)
    editor.wait_for(state="visible", timeout=10_000)
    editor.fill("Perspective saisie à 1024 px")
    editor.press("Enter")
    page.locator(".ccm-status", has_text="(ligne 1, Perspectives)").wait_for(timeout=10_000)
    page.screenshot(path=str(artifacts / "appareil-1024-grille.png"))
    with server.store() as store:
        assert store.grid.rows("gouvernance-et-coordination")[0].perspectives == (
            "Perspective saisie à 1024 px"
        )
    context.close()


def test_a_new_row_is_scrolled_into_view(browser: Any, server: Server, artifacts: Path) -> None:
    with server.store() as store:
        store.grid.add(
            "economie-alternative",
            [(f"Recommandation de remplissage {n}", "", "") for n in range(1, 13)],
            actor="animateur",
        )
        before = len(store.grid.rows("economie-alternative"))
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    page = open_in(context, server.links["Économie alternative"], GRID)
    settled(page)
    grid = page.locator(GRID).first.bounding_box()
    assert grid["y"] + HEADER_HEIGHT + before * ROW_HEIGHT > 768  # the end is below the fold
    page.get_by_role("button", name="Ajouter une ligne").click()
    page.locator(".ccm-row-editor", has_text=f"Ligne {before + 1}").wait_for(timeout=10_000)
    page.wait_for_timeout(800)  # the browser scrolls to the cursor
    grid = page.locator(GRID).first.bounding_box()
    top = grid["y"] + HEADER_HEIGHT + before * ROW_HEIGHT
    page.screenshot(path=str(artifacts / "appareil-portable-nouvelle-ligne.png"))
    assert top >= 0, f"nouvelle ligne à y={top:.0f}"
    assert top + ROW_HEIGHT <= 768, f"nouvelle ligne à y={top:.0f}"
    # and the cursor is in its first text, ready to type
    page.keyboard.type("Tapée aussitôt")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with server.store() as store:
            rows = store.grid.rows("economie-alternative")
        if rows[-1].recommendation == "Tapée aussitôt":
            break
        time.sleep(0.3)
    assert len(rows) == before + 1
    assert rows[-1].recommendation == "Tapée aussitôt"
    context.close()


def test_the_projection_keeps_the_text_size_this_browser_chose(
    browser: Any, server: Server, artifacts: Path
) -> None:
    def size_of(page: Any) -> float:
        return float(
            page.evaluate(
                "() => parseFloat(getComputedStyle(document.querySelector('.ccm-projected td'))"
                ".fontSize)"
            )
        )

    context = browser.new_context(viewport={"width": 1366, "height": 768})
    page = open_in(context, server.links["projection"], ".ccm-projection table")
    page.get_by_text("Taille du texte : 100 %").wait_for(timeout=10_000)
    normal = size_of(page)
    for _ in range(3):
        page.get_by_role("button", name="Texte plus grand").click()
        page.wait_for_timeout(200)
    page.get_by_text("Taille du texte : 130 %").wait_for(timeout=10_000)
    assert size_of(page) == pytest.approx(normal * 1.3, rel=0.02)
    page.wait_for_timeout(300)  # the page script keeps the choice
    page.reload()
    page.get_by_text("Taille du texte : 130 %").wait_for(timeout=60_000)
    assert size_of(page) == pytest.approx(normal * 1.3, rel=0.02)
    page.screenshot(path=str(artifacts / "appareil-projection-130.png"))
    assert page.evaluate(LAYOUT_FAULTS) == []
    context.close()

    other = browser.new_context(viewport={"width": 1366, "height": 768})  # another browser
    page = open_in(other, server.links["projection"], ".ccm-projection table")
    page.wait_for_timeout(500)
    assert page.get_by_text("Taille du texte : 100 %").is_visible()
    other.close()
