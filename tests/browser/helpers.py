"""Helpers for driving the pages in Chromium: a group's light page (text areas, no kernel) and
the facilitator's Voilà pages."""

from __future__ import annotations

from typing import Any

#: A group's page is ready once its rows (or its empty note) are in the page and its script
#: has said its state (the timer line exists from the start; the script runs as a module).
GROUP_READY = "#grille"
FIELDS = ("recommendation", "challenges", "perspectives")
COLUMNS = {
    "recommendation": "Recommandation",
    "challenges": "Défis",
    "perspectives": "Perspectives",
}
#: Devices, as Playwright's context options.
PHONE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True}
TABLET = {"viewport": {"width": 800, "height": 1280}, "is_mobile": True, "has_touch": True}
LAPTOP = {"viewport": {"width": 1366, "height": 768}}


def open_page(
    browser: Any,
    url: str,
    ready: str,
    *,
    outside: list[str] | None = None,
    device: dict[str, Any] | None = None,
) -> Any:
    """A new tab in a fresh context on ``url``, waiting for ``ready``; requests leaving
    127.0.0.1 are recorded in ``outside``."""
    context = browser.new_context(**(device or {"viewport": {"width": 1300, "height": 950}}))
    page = context.new_page()
    if outside is not None:
        page.on(
            "request",
            lambda r: (
                outside.append(r.url)
                if not r.url.startswith(("http://127.0.0.1", "ws://127.0.0.1", "data:", "blob:"))
                else None
            ),
        )
    page.goto(url)
    page.wait_for_selector(ready, timeout=60_000)
    return page


def upload(page: Any, button: str, path: Any) -> None:
    """Choose ``path`` with the file picker the button named ``button`` opens."""
    with page.expect_file_chooser() as chooser:
        page.get_by_role("button", name=button).click()
    chooser.value.set_files(str(path))


def open_group(browser: Any, url: str, device: dict[str, Any] | None = None) -> Any:
    """A group's page on ``device`` (a laptop by default), its script running."""
    page = open_page(browser, url, GROUP_READY, device=device or LAPTOP)
    page.wait_for_function("() => document.getElementById('chrono') !== null")
    page.wait_for_function("() => !location.search.includes('cle=')")  # the script ran
    return page


def cell(page: Any, row: int, field: str) -> Any:
    """The text area of ``field`` in the row at ``row`` (from 0)."""
    return page.locator("#lignes > li.row").nth(row).locator(f"textarea[name={field}]")


def type_cell(page: Any, row: int, field: str, text: str, *, touch: bool = False) -> None:
    """Type ``text`` into a cell as a user would (a tap on touch devices), then leave it."""
    area = cell(page, row, field)
    if touch:
        area.tap()
    else:
        area.click()
    area.fill(text)
    area.blur()


def wait_cell_saved(page: Any, row: int, field: str, timeout: float = 10_000) -> None:
    """Wait for the status line to say that cell (row from 0) was saved."""
    text = f"(ligne {row + 1}, {COLUMNS[field]})"
    page.locator("#statut", has_text=text).wait_for(timeout=timeout)


def rows_shown(page: Any) -> int:
    return int(page.locator("#lignes > li.row").count())


def overflow(page: Any) -> list[str]:
    """What sticks out of the screen's width: the page itself, or a button or field cut."""
    return list(
        page.evaluate(
            """() => {
            const found = [];
            const width = document.documentElement.clientWidth;
            if (document.documentElement.scrollWidth > width + 1) {
              found.push(`page ${document.documentElement.scrollWidth} > ${width}`);
            }
            for (const e of document.querySelectorAll('button, textarea, input, select, a')) {
              const box = e.getBoundingClientRect();
              if (!box.width || getComputedStyle(e).visibility === 'hidden') continue;
              if (box.left < -1 || box.right > width + 1) {
                found.push(`${e.tagName} « ${(e.textContent || e.name || '').trim()} » ` +
                           `${Math.round(box.left)}–${Math.round(box.right)}`);
              }
              if (e.tagName === 'BUTTON' && e.scrollWidth > e.clientWidth + 1) {
                found.push(`bouton tronqué « ${e.textContent.trim()} »`);
              }
            }
            return found;
        }"""
        )
    )
