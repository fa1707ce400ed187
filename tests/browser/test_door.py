"""The room's door, attacked as someone on the room's open Wi-Fi would.

A real ``ccm serve`` on 127.0.0.1, raw HTTP and websocket clients for what an attacker sends,
Chromium for what a rapporteur's page would do if its buttons were forced. Each test is an
attack that worked before the door: a keyless request got a kernel and its id, a 16-byte
websocket message froze the server, a made-up ``/voila/query`` socket blanked other groups'
pages, a kernel id was enough to shut a kernel down, a closed breakout or a renewed key only
locked buttons.
"""

from __future__ import annotations

import http.client
import re
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import connect

from tests.browser.conftest import Server, start_server, stop_server
from tests.browser.helpers import GRID, open_page

pytestmark = pytest.mark.browser

V1 = "v1.kernel.websocket.jupyter.org"


def request(
    server: Server, method: str, path: str, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], bytes]:
    """One request as an attacker writes it (no cookie unless given)."""
    where = urlsplit(server.base)
    connection = http.client.HTTPConnection(where.hostname, where.port, timeout=60)
    try:
        connection.request(method, path, headers=headers or {})
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


def path_of(link: str) -> str:
    parts = urlsplit(link)
    return f"{parts.path}?{parts.query}"


def page_kernel(server: Server, link: str) -> tuple[str, str]:
    """Open ``link`` as a browser's first request does: its kernel id and the cookie the
    server set with it (empty if none)."""
    status, headers, body = request(server, "GET", path_of(link))
    assert status == 200, body[:300]
    kernel = re.search(rb'"kernelId": "([0-9a-f-]{36})"', body)
    assert kernel is not None
    cookie = re.search(r"ccm_onglet=([^;]+)", headers.get("Set-Cookie", ""))
    return kernel.group(1).decode(), cookie.group(1) if cookie else ""


def wait_for(condition: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.3)
    raise AssertionError(f"toujours pas : {what}")


def pool_filled(server: Server) -> None:
    wait_for(lambda: len(server.kernels()) >= 2, 60, "la réserve de noyaux")
    time.sleep(1)


def force_add_row(page: Any) -> None:
    """What a rapporteur's browser can always do: enable the hidden "Ajouter une ligne"
    button in the page and click it (the kernel receives the click like any other)."""
    page.evaluate(
        """() => {
          for (const b of document.querySelectorAll('button')) {
            if (!b.textContent.includes('Ajouter une ligne')) continue;
            for (let e = b; e; e = e.parentElement) if (e.style) e.style.display = '';
            b.disabled = false;
            b.click();
          }
        }"""
    )


def test_a_request_without_a_valid_key_gets_no_kernel_and_no_kernel_id(server: Server) -> None:
    pool_filled(server)
    before = len(server.kernels())
    protection = urlsplit(server.links["Protection"])
    projection_key = server.links["projection"].rsplit("cle=", 1)[1]
    attempts = [
        f"{protection.path}?groupe=protection&cle=mauvaise",
        f"{protection.path}?groupe=protection",
        f"{protection.path}?groupe=inconnu&cle=x",
        f"{protection.path}?groupe=general&cle={projection_key}",
        "/voila/render/pleniere.ipynb",
        f"/voila/render/pleniere.ipynb?cle={projection_key}",
        "/voila/render/animateur.ipynb?cle=",
    ] * 2
    for path in attempts:
        status, _, body = request(server, "GET", path)
        assert status == 403, f"{path} → {status}"
        assert b"kernelId" not in body
        assert "Accès refusé" in body.decode()
    time.sleep(2)
    assert len(server.kernels()) == before, "des noyaux ont démarré pour des requêtes sans clé"


def test_a_16_byte_message_announcing_2_40_parts_does_not_freeze_the_server(
    server: Server,
) -> None:
    kernel_id, cookie = page_kernel(server, server.links["Migration irrégulière"])
    url = f"{server.base.replace('http', 'ws')}/api/kernels/{kernel_id}/channels"
    headers = {"Cookie": f"ccm_onglet={cookie}"}
    with connect(url, subprotocols=[V1], additional_headers=headers, proxy=None) as socket:
        socket.send((2**40).to_bytes(8, "little") + bytes(8))
        started = time.monotonic()
        with urllib.request.urlopen(f"{server.base}/voila/static/voila.js", timeout=5):
            pass
        assert time.monotonic() - started < 2, "le serveur a gelé"
        with pytest.raises(ConnectionClosed):
            socket.recv(timeout=5)  # the socket that sent it is closed
    # Without the v1 subprotocol, the legacy framing (a signed part count) is not spoken.
    with pytest.raises(InvalidStatus) as refused:
        connect(url, additional_headers=headers, proxy=None)
    assert refused.value.response.status_code == 400


def test_a_kernel_answers_only_the_browser_it_was_handed_to(server: Server) -> None:
    kernel_id, cookie = page_kernel(server, server.links["Économie alternative"])
    assert cookie, "la page n'a pas lié son noyau au navigateur"
    forged = {"Cookie": "_xsrf=x", "X-XSRFToken": "x"}  # a matching _xsrf pair is easy to forge
    attacks = [
        ("DELETE", f"/api/kernels/{kernel_id}?_xsrf=x", forged),
        ("POST", f"/voila/api/shutdown/{kernel_id}?_xsrf=x", forged),
        ("GET", f"/api/kernels/{kernel_id}", {}),
    ]
    for method, path, headers in attacks:
        status, _, _ = request(server, method, path, headers)
        assert status == 403, f"{method} {path} → {status}"
    url = f"{server.base.replace('http', 'ws')}/api/kernels/{kernel_id}/channels"
    with pytest.raises(InvalidStatus) as refused:
        connect(url, subprotocols=[V1], proxy=None)
    assert refused.value.response.status_code == 403
    # The browser the page was sent to still has its kernel.
    status, _, body = request(
        server, "GET", f"/api/kernels/{kernel_id}", {"Cookie": f"ccm_onglet={cookie}"}
    )
    assert status == 200, body
    status, _, _ = request(
        server, "POST", f"/voila/api/shutdown/{kernel_id}", {"Cookie": f"ccm_onglet={cookie}"}
    )
    assert status == 204


def query_socket(url: str) -> Any:
    """A ``/voila/query`` socket, or None when the server refuses it (403)."""
    try:
        return connect(url, proxy=None)
    except InvalidStatus as refused:
        status = refused.response.status_code
    assert status == 403
    return None


def test_made_up_query_sockets_do_not_blank_other_groups_pages(
    browser: Any, server: Server
) -> None:
    pool_filled(server)
    url = f"{server.base.replace('http', 'ws')}/voila/query/{uuid.uuid4()}"
    for _ in range(2):  # each round took the waiter of one preheated kernel
        opened = [query_socket(url) for _ in range(2)]
        for socket in reversed(opened):
            if socket is not None:
                socket.close()
    tabs = [
        open_page(browser, server.links[name], GRID)
        for name in ("Gouvernance et coordination", "Migration irrégulière")
    ]
    for tab in tabs:
        tab.context.close()


def test_a_closed_breakout_refuses_a_groups_writes_whatever_the_page_sends(
    browser: Any, server: Server, artifacts: Path
) -> None:
    page = open_page(browser, server.links["Protection"], GRID)
    with server.store() as store:
        before = len(store.grid.rows("protection"))
        store.session.set_breakout(open=False, actor="animateur")
    try:
        page.locator(".ccm-status", has_text="clos").first.wait_for(timeout=10_000)
        force_add_row(page)
        page.locator(".ccm-status", has_text="Non enregistré").first.wait_for(timeout=10_000)
        page.screenshot(path=str(artifacts / "porte-travaux-clos.png"), full_page=True)
        with server.store() as store:
            assert len(store.grid.rows("protection")) == before
    finally:
        with server.store() as store:
            store.session.set_breakout(open=True, actor="animateur")
        page.context.close()


def test_a_renewed_key_revokes_the_tabs_already_open(
    browser: Any, server: Server, artifacts: Path
) -> None:
    name, slug = "Gouvernance et coordination", "gouvernance-et-coordination"
    page = open_page(browser, server.links[name], GRID)
    with server.store() as store:
        before = len(store.grid.rows(slug))
        store.groups.renew_key(slug)
        server.links[name] = (
            server.links[name].rsplit("cle=", 1)[0] + "cle=" + (store.groups.key(slug))
        )
    try:
        page.get_by_text("n'est plus valable").first.wait_for(timeout=10_000)
        force_add_row(page)
        time.sleep(2)
        page.screenshot(path=str(artifacts / "porte-cle-renouvelee.png"), full_page=True)
        with server.store() as store:
            assert len(store.grid.rows(slug)) == before
    finally:
        page.context.close()


def test_the_contents_api_lists_nothing(server: Server) -> None:
    status, _, body = request(server, "GET", "/voila/api/contents")
    assert status == 404
    assert b"groupe.ipynb" not in body


@pytest.fixture(scope="module")
def small_room(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server for three pages at most, whose kernels must be connected within 4 s."""
    folder = tmp_path_factory.mktemp("petite-salle")
    started = start_server(
        folder,
        folder / "ccm.sqlite",
        {"CCM_MAX_PAGES": "3", "CCM_KERNEL_START_GRACE": "4"},
    )
    try:
        yield started
    finally:
        stop_server(started.process)


def test_past_the_cap_the_room_is_full_and_unconnected_kernels_are_reclaimed(
    small_room: Server,
) -> None:
    pool_filled(small_room)
    links = [small_room.links[n] for n in ("animateur", "Protection", "projection")]
    for link in links:  # pages requested, never loaded: nobody connects to their kernels
        status, _, _ = request(small_room, "GET", path_of(link))
        assert status == 200
    status, headers, body = request(small_room, "GET", path_of(small_room.links["pleniere"]))
    assert status == 503
    assert headers.get("Retry-After")
    assert "salle est pleine" in body.decode()
    assert b"kernelId" not in body
    # the three kernels that no tab connected to are shut down, and the room opens again
    # (once the kernel manager has let them go: their processes end a moment before)
    wait_for(lambda: len(small_room.kernels()) <= 2, 30, "les noyaux sans onglet arrêtés")
    plenary = path_of(small_room.links["pleniere"])
    wait_for(lambda: request(small_room, "GET", plenary)[0] == 200, 15, "la salle rouverte")


def test_replacing_the_meeting_while_serving_revokes_every_old_link(
    browser: Any, small_room: Server
) -> None:
    page = open_page(browser, small_room.links["Protection"], GRID)
    replaced = subprocess.run(
        [sys.executable, "-m", "ccm_widgets.cli", "demo", "--force"],
        env={"CCM_STORE": str(small_room.store_path), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
    )
    assert replaced.returncode == 0, replaced.stderr
    with small_room.store() as store:
        before = len(store.grid.rows("protection"))
    try:
        page.get_by_text("n'est plus valable").first.wait_for(timeout=10_000)
        force_add_row(page)
        time.sleep(2)
        with small_room.store() as store:
            assert len(store.grid.rows("protection")) == before
        for name in ("animateur", "projection", "Protection"):
            status, _, _ = request(small_room, "GET", path_of(small_room.links[name]))
            assert status == 403, name
    finally:
        page.context.close()


def test_pages_a_browser_opens_at_once_before_it_has_the_cookie_all_keep_their_kernel(
    browser: Any, server: Server, artifacts: Path
) -> None:
    """Tabs restored after a restart, or links opened together: each page's answer gave the
    browser a new cookie, the browser kept the last, and every other page's kernel refused
    it: the page said its kernel had stopped, and took no text. Here the facilitator's page
    answers last, once the group page has used its own cookie. (One group page: two built at
    once on a loaded machine once left one on "Loading widget...", ipywidgets' "widget model
    not found" with its kernel connected, a fault stock Voilà shows in a burst too.)"""
    from tests.browser.helpers import type_in_cell, wait_cell_saved

    context = browser.new_context(viewport={"width": 1300, "height": 950})
    held: list[Any] = []
    context.route("**/voila/render/animateur.ipynb*", lambda route: held.append(route))
    groups = {"Protection": "protection"}
    links = {
        **{name: server.links[name] for name in groups},
        "animateur": server.links["animateur"],
    }
    pages = {name: context.new_page() for name in links}
    for name, page in pages.items():  # every navigation started before any answer came
        page.evaluate("url => { window.location.href = url; }", links[name])
    with pages["Protection"].expect_request("**/voila/ccm/etat/**", timeout=60_000):
        pages["Protection"].wait_for_selector(GRID, timeout=60_000)
    assert len(held) == 1
    held[0].continue_()  # its answer comes last, with the cookie the browser keeps
    pages["animateur"].wait_for_selector(".ccm-home", timeout=60_000)
    assert len({c["value"] for c in context.cookies() if c["name"] == "ccm_onglet"}) == 1
    time.sleep(3)  # each page has asked for its kernel's state with the kept cookie
    for name, page in pages.items():
        assert page.locator(".ccm-cutoff").count() == 0, f"{name} : {page.inner_text('body')}"
    for name, slug in groups.items():
        type_in_cell(pages[name], 0, 1, f"Saisi dans l'onglet {slug}")
        wait_cell_saved(pages[name], 0, "Défis")
    pages["Protection"].screenshot(path=str(artifacts / "onglets-ouverts-ensemble.png"))
    with server.store() as store:
        for slug in groups.values():
            assert store.grid.rows(slug)[0].challenges == f"Saisi dans l'onglet {slug}"
    context.close()
