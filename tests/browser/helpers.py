"""Helpers for driving Voilà pages in Chromium: open a tab, find and edit grid cells."""

from __future__ import annotations

from typing import Any

from ccm_widgets.widgets.grid.grid_editor import HEADER_HEIGHT, ROW_HEADER_WIDTH, ROW_HEIGHT

GRID = ".lm-DataGrid"
EDITOR_INPUT = ".lm-DataGrid-cellEditorInput"


def open_page(browser: Any, url: str, ready: str, *, outside: list[str] | None = None) -> Any:
    """A new tab on ``url``, waiting for ``ready``; requests leaving 127.0.0.1 are recorded."""
    context = browser.new_context(viewport={"width": 1300, "height": 950})
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


def cell_point(page: Any, row: int, column: int) -> tuple[float, float]:
    """Page coordinates of the middle of a grid cell (row and column from 0)."""
    box = page.locator(GRID).first.bounding_box()
    widths = (380, 330, 330)
    x = box["x"] + ROW_HEADER_WIDTH + sum(widths[:column]) + widths[column] / 2
    y = box["y"] + HEADER_HEIGHT + row * ROW_HEIGHT + ROW_HEIGHT / 2
    return x, y


def type_in_cell(page: Any, row: int, column: int, text: str) -> None:
    x, y = cell_point(page, row, column)
    page.mouse.dblclick(x, y)
    editor = page.locator(EDITOR_INPUT)
    editor.wait_for(state="visible", timeout=10_000)
    editor.fill(text)
    editor.press("Enter")


def open_cell_editor(page: Any, row: int, column: int) -> Any:
    """Double-click a cell and return its editor input, not yet committed."""
    x, y = cell_point(page, row, column)
    page.mouse.dblclick(x, y)
    editor = page.locator(EDITOR_INPUT)
    editor.wait_for(state="visible", timeout=10_000)
    return editor


def row_editor_text(page: Any, row: int, column: int) -> str:
    """Select a row by clicking one of its cells; the text of ``column`` in the row editor."""
    x, y = cell_point(page, row, column)
    page.mouse.click(x, y)
    area = page.locator(".ccm-row-editor textarea").nth(column)
    area.wait_for(state="visible", timeout=10_000)
    page.wait_for_timeout(400)  # the selection travels to the kernel and back
    return str(area.input_value())


def wait_saved(page: Any, timeout: float = 10_000) -> None:
    """Wait for the status line to say the last change was saved."""
    page.locator(".ccm-status", has_text="Enregistré").first.wait_for(timeout=timeout)


def wait_cell_saved(page: Any, row: int, column: str, timeout: float = 10_000) -> None:
    """Wait for the status line to say that cell (row from 0, column by name) was saved.

    Not just any "Enregistré": the status of an earlier save (the added row) would do.
    """
    text = f"(ligne {row + 1}, {column})"
    page.locator(".ccm-status", has_text=text).first.wait_for(timeout=timeout)
