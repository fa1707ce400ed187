"""The HTML report printed to an A4 PDF by the system's Chromium (never a downloaded one).

Chromium prints the page with its own print stylesheet (``report.css``: page size, breaks)
and adds a page-number footer (``templates/ccm_report/footer.html``: Chromium draws it
apart from the page, so it carries its own style).
"""

from __future__ import annotations

import concurrent.futures
import os
import shutil

from ccm_widgets.i18n import t
from ccm_widgets.report.web import TEMPLATE_NAME, TEMPLATES


def chromium_path() -> str:
    """The system's Chromium: ``CCM_CHROMIUM``, else ``chromium`` on the PATH."""
    found = (
        os.environ.get("CCM_CHROMIUM")
        or shutil.which("chromium")
        or shutil.which("chromium-browser")
    )
    if not found:
        raise RuntimeError(t("export.no_chromium"))
    return found


def to_pdf(page: str, *, footer: bool = True) -> bytes:
    """Print an HTML page to an A4 PDF, with page numbers unless ``footer`` is off, in the
    system's Chromium.

    Runs Playwright in a worker thread: its sync API refuses to run inside the kernel's
    asyncio loop, and the export button runs in a kernel.
    """
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(_print_pdf, page, footer).result()


def _print_pdf(page: str, with_footer: bool = True) -> bytes:
    from playwright.sync_api import sync_playwright

    footer = (TEMPLATES / TEMPLATE_NAME / "footer.html").read_text(encoding="utf-8")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=chromium_path(),
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"],
        )  # fmt: skip
        try:
            tab = browser.new_page()
            # The page is self-contained; refuse any request so a stray URL cannot hang the print.
            tab.route("**/*", lambda route: route.abort())
            tab.set_content(page, wait_until="load")
            pdf: bytes = tab.pdf(
                format="A4",
                print_background=True,
                display_header_footer=with_footer,
                header_template="<div></div>",
                footer_template=footer,
                margin={"top": "15mm", "bottom": "18mm", "left": "12mm", "right": "12mm"},
            )
            return pdf
        finally:
            browser.close()
