"""A file too big to send is refused by the facilitator's page itself, which stays alive (sent,
it would cut the page from its kernel). The group's light page refuses it too, before sending:
``test_group_page.py``."""

from __future__ import annotations

from typing import Any

import pytest

from ccm_widgets.files.importing import MAX_UPLOAD_BYTES
from tests.browser.conftest import Server
from tests.browser.helpers import open_page

pytestmark = pytest.mark.browser

#: Above Tornado's 10 MiB websocket message: sent, it would cut the page from its kernel.
BIG = 11 * 1000 * 1000


def big_csv() -> bytes:
    line = "Former les agents des postes frontaliers aux droits des migrants;- défi;- suite\r\n"
    data = ("Recommandation;Défis;Perspectives\r\n" + line * (BIG // len(line) + 1)).encode()
    assert len(data) > BIG > MAX_UPLOAD_BYTES
    return data


def choose(page: Any, name: str, data: bytes) -> None:
    """Pick a file with the grid's picker, as a user would in the file dialog."""
    with page.expect_file_chooser() as chooser:
        page.locator(".ccm-upload").click()
    chooser.value.set_files({"name": name, "mimeType": "text/csv", "buffer": data})


@pytest.mark.parametrize(
    ("notebook", "ready", "pickers"),
    [("presence", ".ccm-attendance", 1), ("revue", ".ccm-review", 2)],
)
def test_every_picker_of_the_facilitator_refuses_a_file_too_big(
    browser: Any, server: Server, notebook: str, ready: str, pickers: int
) -> None:
    key = server.links["animateur"].split("cle=")[1]
    page = open_page(browser, f"{server.base}/voila/render/{notebook}.ipynb?cle={key}", ready)
    with server.store() as store:
        before = (len(store.items.participants()), len(store.items.review_rows()))
    assert page.locator(".ccm-upload").count() == pickers
    for index in range(pickers):
        with page.expect_file_chooser() as chooser:
            page.locator(".ccm-upload").nth(index).click()
        chooser.value.set_files({"name": "enorme.csv", "mimeType": "text/csv", "buffer": big_csv()})
        note = page.locator(".ccm-upload-note").nth(index)
        note.wait_for(state="visible", timeout=10_000)
        assert "limite de 8 Mo" in note.inner_text()
    # the kernel still answers: a small file through the first picker is read (and refused
    # for its columns, which says the kernel got it), and the refusal next to it goes away
    with page.expect_file_chooser() as chooser:
        page.locator(".ccm-upload").first.click()
    chooser.value.set_files(
        {"name": "petit.csv", "mimeType": "text/csv", "buffer": b"Prix;Nom\n1;a\n"}
    )
    page.locator(".ccm-status", has_text="petit.csv").wait_for(timeout=10_000)
    assert not page.locator(".ccm-upload-note").first.is_visible()
    with server.store() as store:
        assert (len(store.items.participants()), len(store.items.review_rows())) == before
    page.context.close()


def test_the_pickers_show_their_french_label_without_a_count(browser: Any, server: Server) -> None:
    """ipywidgets writes "(0)" after a picker's label: it counts nothing a user cares about."""
    page = open_page(browser, server.links["animateur"].replace("animateur", "presence"), "h2")
    label = page.locator(".ccm-upload").first
    label.wait_for(timeout=30_000)
    page.wait_for_timeout(300)
    assert "(0)" not in label.inner_text()
    assert "Importer" in label.inner_text()
    page.context.close()
