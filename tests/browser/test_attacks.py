"""The room's attack suite: what someone on the room's open Wi-Fi tries, the groups' QR codes
on the wall in front of them, against the participants' light pages and the door to the
facilitator's kernels.

A real ``ccm serve`` on 127.0.0.1. Raw HTTP (``http.client``, a bare socket where a client
would stop sending), websockets (``websockets``) for what an attacker sends; Chromium where a
page must run: a group's page whose key was renewed, a page of another site posting to the
server, a cell's HTML shown on the grid and on the projection. Each test is an attack that
works if one rule of :mod:`ccm_widgets.web.access`, :mod:`ccm_widgets.web.handlers`, the
store's checks in each transaction, or the door (:mod:`ccm_widgets.server.door`,
:mod:`ccm_widgets.server.patches`) stops being kept: the test then fails.

Destructive attacks (renewing a key, flooding a key until it is refused, replacing the
meeting) run against a server of their own (``spare``); the module's ``server`` gets its
breakout back as it was, and the rows written here are this suite's own.
"""

from __future__ import annotations

import contextlib
import html
import http.client
import io
import json
import re
import select
import socket
import subprocess
import sys
import threading
import time
import urllib.request
import zipfile
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import connect
from websockets.typing import Subprotocol

from tests.browser.conftest import Server, free_port, start_server, stop_server
from tests.browser.helpers import LAPTOP, cell, open_group, open_page

pytestmark = pytest.mark.browser

V1 = Subprotocol("v1.kernel.websocket.jupyter.org")
#: The facilitator's workbooks: the only pages that spend a kernel.
WORKBOOKS = ("animateur", "preparation", "presence", "revue", "debats", "pleniere")
GROUPS = ("Protection", "Économie alternative", "Gouvernance et coordination",
          "Migration irrégulière")  # fmt: skip
API = "/ccm/api/sections"
HOME = ".ccm-home code"
PLENARY = ".ccm-board table"


# -- an attacker's tools ----------------------------------------------------------------------


@dataclass
class Answer:
    status: int
    headers: dict[str, str]  # names in lower case
    body: bytes

    @property
    def text(self) -> str:
        """The body as a reader sees it: an HTML page's text unescaped, a JSON answer's
        strings as they are (where a leaked text would show)."""
        raw = self.body.decode("utf-8", "replace")
        kind = self.headers.get("content-type", "")
        if "html" in kind:
            return html.unescape(raw)
        if "json" in kind:
            with contextlib.suppress(ValueError):
                return raw + "\n" + "\n".join(strings_in(json.loads(raw)))
        return raw

    @property
    def message(self) -> str:
        """The French sentence of a JSON refusal."""
        return str(self.json().get("message", ""))

    def json(self) -> dict[str, Any]:
        found = json.loads(self.body)
        assert isinstance(found, dict)
        return found


def strings_in(found: Any) -> Iterator[str]:
    if isinstance(found, str):
        yield found
    elif isinstance(found, dict):
        for value in found.values():
            yield from strings_in(value)
    elif isinstance(found, list):
        for value in found:
            yield from strings_in(value)


def key_of(link: str) -> str:
    return parse_qs(urlsplit(link).query)["cle"][0]


def path_of(link: str) -> str:
    parts = urlsplit(link)
    return f"{parts.path}?{parts.query}"


def cookie_header(cookies: dict[str, str]) -> dict[str, str]:
    return {"Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())} if cookies else {}


class Device:
    """A phone or laptop on the Wi-Fi: the cookies its browser holds and the write token its
    page carries; each request on a new connection, as an attacker's script would make it."""

    def __init__(self, server: Server, cookies: dict[str, str] | None = None, token: str = ""):
        where = urlsplit(server.base)
        self.host, self.port = str(where.hostname), int(where.port or 80)
        self.cookies = dict(cookies or {})
        self.token = token

    def headers(
        self, method: str, extra: dict[str, str] | None, token: str | None
    ) -> dict[str, str]:
        sent = cookie_header(self.cookies)
        token = self.token if token is None else token
        if token and method not in {"GET", "HEAD"}:
            sent["X-Ccm-Jeton"] = token
        return {**sent, **(extra or {})}

    def send(
        self,
        method: str,
        path: str,
        json_body: Any = None,
        *,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
        token: str | None = None,
    ) -> Answer:
        sent = self.headers(method, headers, token)
        if json_body is not None:
            body = json.dumps(json_body).encode()
            sent.setdefault("Content-Type", "application/json")
        connection = http.client.HTTPConnection(self.host, self.port, timeout=30)
        try:
            connection.request(method, path, body=body, headers=sent)
            response = connection.getresponse()
            found = {k.lower(): v for k, v in response.getheaders()}
            if "event-stream" not in found.get("content-type", ""):
                return Answer(response.status, found, response.read())
            lines: list[bytes] = []  # a stream let in: its first events, not forever
            while sum(line.startswith(b"event:") for line in lines) < 2:
                line = response.readline()
                if not line:
                    break
                lines.append(line)
            return Answer(response.status, found, b"".join(lines))
        finally:
            connection.close()

    def send_large(
        self, method: str, path: str, body: bytes, *, headers: dict[str, str] | None = None,
        chunked: bool = False,
    ) -> Answer:  # fmt: skip
        """A big body sent as a client does that stops once the server has answered (the
        server answers a body it will not take before reading it)."""
        sent = {"Host": f"{self.host}:{self.port}", **self.headers(method, headers, None)}
        sent["Transfer-Encoding" if chunked else "Content-Length"] = (
            "chunked" if chunked else str(len(body))
        )
        head = f"{method} {path} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in sent.items())
        with socket.create_connection((self.host, self.port), timeout=30) as sock:
            sock.sendall(head.encode("latin-1") + b"\r\n")
            for start in range(0, len(body), 64 * 1024):
                if select.select([sock], [], [], 0)[0]:
                    break  # the server has answered
                piece = body[start : start + 64 * 1024]
                if chunked:
                    piece = f"{len(piece):x}\r\n".encode() + piece + b"\r\n"
                try:
                    sock.sendall(piece)
                except OSError:
                    break
            else:
                if chunked:
                    sock.sendall(b"0\r\n\r\n")
            response = http.client.HTTPResponse(sock, method=method)
            response.begin()
            found = {k.lower(): v for k, v in response.getheaders()}
            return Answer(response.status, found, response.read())


def ws_url(server: Server, path: str) -> str:
    return server.base.replace("http://", "ws://") + path


def refused_socket(server: Server, path: str, cookies: dict[str, str]) -> int:
    """The status a websocket opening to ``path`` is refused with (fails if it opens)."""
    with pytest.raises(InvalidStatus) as refused:
        connect(
            ws_url(server, path), subprotocols=[V1], additional_headers=cookie_header(cookies),
            proxy=None, open_timeout=15,
        ).close()  # fmt: skip
    return int(refused.value.response.status_code)


@dataclass
class GroupPage:
    """What a group's link gives a browser: its cookies, and the page's data (token, rows)."""

    cookies: dict[str, str]
    config: dict[str, Any]

    @property
    def section(self) -> str:
        return str(self.config["section"])

    @property
    def token(self) -> str:
        return str(self.config["token"])

    def device(self, server: Server) -> Device:
        return Device(server, self.cookies, self.token)


def open_link(server: Server, link: str) -> GroupPage:
    """Open a light page's link as a browser's first request does."""
    answer = Device(server).send("GET", path_of(link))
    assert answer.status == 200, answer.text[:300]
    cookies = dict(re.findall(r"(ccm_[a-z]+)=([^;]+)", answer.headers.get("set-cookie", "")))
    data = re.search(r'id="ccm-donnees">(.*?)</script>', answer.text, re.S)
    assert data is not None
    return GroupPage(cookies, json.loads(data.group(1)))


def grid(server: Server) -> tuple[int, list[tuple[Any, ...]]]:
    """The change counter and every live row of every section, as the store holds them."""
    with server.store() as store:
        rows = [
            (r.section, r.id, r.position, r.version, r.recommendation, r.challenges,
             r.perspectives)
            for r in store.grid.rows()
        ]  # fmt: skip
        return store.session.change_counter(), rows


def texts_of(server: Server, section: str) -> list[str]:
    with server.store() as store:
        return [
            t
            for r in store.grid.rows(section)
            for t in (r.recommendation, r.challenges, r.perspectives)
            if len(t) > 8
        ]


def xlsx_bomb() -> bytes:
    """A 60 KB workbook whose one sheet unpacks to 60 MB."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"<" + b" " * 60_000_000 + b"/>")
    return out.getvalue()


def wait_for(condition: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"toujours pas : {what}"
        time.sleep(0.2)


class Stream:
    """A page's live events held open on a raw connection."""

    def __init__(self, server: Server, path: str, cookies: dict[str, str]) -> None:
        where = urlsplit(server.base)
        self.connection = http.client.HTTPConnection(str(where.hostname), where.port, timeout=10)
        self.connection.request(
            "GET", path, headers={**cookie_header(cookies), "Accept": "text/event-stream"}
        )
        self.response = self.connection.getresponse()
        self.status = self.response.status
        self.body = b"" if self.status == 200 else self.response.read()

    def next_event(self) -> str:
        """The name of the next event the server sends (``tic``, ``lignes``, ``refus``…)."""
        while True:
            line = self.response.readline()
            if not line:
                return ""  # the server ended the stream
            if line.startswith(b"event: "):
                return line[7:].strip().decode()

    def close(self) -> None:
        self.connection.close()


# -- fixtures ---------------------------------------------------------------------------------


@dataclass
class Facilitator:
    page: Any
    kernel: str
    key: str


@pytest.fixture(scope="module")
def facilitator(browser: Any, server: Server) -> Iterator[Facilitator]:
    """The facilitator's home page, open in a browser of its own: a real kernel to attack."""
    page = open_page(browser, server.links["animateur"], HOME)
    config = json.loads(page.locator("#jupyter-config-data").text_content() or "{}")
    try:
        yield Facilitator(page, str(config["kernelId"]), key_of(server.links["animateur"]))
    finally:
        page.context.close()


@pytest.fixture(scope="module")
def spare(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server of its own for the destructive attacks (keys renewed, a key flooded, the
    meeting replaced)."""
    folder = tmp_path_factory.mktemp("attaques")
    started = start_server(folder, folder / "ccm.sqlite")
    try:
        yield started
    finally:
        stop_server(started.process)


def refresh_links(server: Server) -> None:
    """The server's links with the keys its store holds now."""
    with server.store() as store:
        for group in store.groups.all():
            server.links[group.name] = (
                f"{server.base}/ccm/groupe?cle={store.groups.key(group.slug)}"
            )
        projection = store.groups.projection_key()
        facilitator = store.groups.facilitator_key()
    server.links["projection"] = f"{server.base}/ccm/projection?cle={projection}"
    for name in ("animateur", "pleniere"):
        server.links[name] = f"{server.base}/voila/render/{name}.ipynb?cle={facilitator}"


# -- 1. the kernels are the facilitator's alone -----------------------------------------------


def test_a_group_or_projection_key_reaches_no_kernel_route(
    server: Server, facilitator: Facilitator
) -> None:
    kernel = facilitator.kernel
    before = sorted(server.kernels())
    group, projection = key_of(server.links["Protection"]), key_of(server.links["projection"])
    forged = {"_xsrf": "x"}  # a matching _xsrf cookie and header are easy to forge
    devices = {
        "sans clé": {},
        "groupe": {"ccm_groupe": group, **forged},
        "projection": {"ccm_projection": projection, **forged},
        "groupe et projection": {"ccm_groupe": group, "ccm_projection": projection, **forged},
        "clé de groupe dans le cookie de l'animateur": {"ccm_animateur": group, **forged},
        "clé de projection dans le cookie de l'animateur": {
            "ccm_animateur": projection, **forged,
        },
    }  # fmt: skip
    for name, cookies in devices.items():
        device = Device(server, cookies)
        xsrf = {"X-XSRFToken": "x"}
        for method in ("GET", "POST", "DELETE"):
            for path in ("/api/kernels", f"/api/kernels/{kernel}?_xsrf=x",
                         f"/api/kernels/{kernel}/restart?_xsrf=x",
                         f"/api/kernels/{kernel}/interrupt?_xsrf=x"):  # fmt: skip
                answer = device.send(method, path, body=b"{}", headers=xsrf)
                assert answer.status in {403, 404, 405}, f"{name} : {method} {path} → {answer}"
                assert kernel not in answer.text
                assert "execution_state" not in answer.text
        # The kernel's own routes say 403: the door refuses, the route is there.
        for method, path in (
            ("GET", f"/api/kernels/{kernel}"),
            ("DELETE", f"/api/kernels/{kernel}?_xsrf=x"),
            ("POST", f"/voila/api/shutdown/{kernel}?_xsrf=x"),  # Voilà's tab-close beacon
            ("POST", f"/voila/api/shutdown/{kernel}"),
            ("GET", f"/voila/ccm/etat/{kernel}"),
        ):
            answer = device.send(method, path, headers=xsrf)
            assert answer.status == 403, f"{name} : {method} {path} → {answer.status}"
            assert "execution_state" not in answer.text
        for workbook in WORKBOOKS:
            for query in ("", f"?cle={group}", f"?cle={projection}", "?cle="):
                page = device.send("GET", f"/voila/render/{workbook}.ipynb{query}")
                assert page.status == 403, f"{name} : {workbook}{query} → {page.status}"
                assert "Accès refusé" in page.text
                assert "kernelId" not in page.text
                assert kernel not in page.text
        assert refused_socket(server, f"/api/kernels/{kernel}/channels", cookies) == 403
        for path in (f"/voila/execution/{kernel}", f"/voila/query/{kernel}"):
            assert refused_socket(server, path, cookies) in {403, 404}
    time.sleep(0.5)  # a kernel started or shut down shows among the processes by now
    assert sorted(server.kernels()) == before, "un noyau a démarré ou s'est arrêté"
    # The door is a door: the facilitator's cookie reaches the same kernel, still running.
    mine = Device(server, {"ccm_animateur": facilitator.key})
    assert mine.send("GET", f"/api/kernels/{kernel}").status == 200
    assert facilitator.page.locator(".ccm-cutoff").count() == 0


def test_framing_bombs_on_the_facilitators_kernel_close_only_the_socket_that_sent_them(
    server: Server, facilitator: Facilitator
) -> None:
    """With the facilitator's cookie (a stolen laptop session, or the facilitator's own
    browser made to misbehave): messages whose framing lies about their length."""
    url = ws_url(server, f"/api/kernels/{facilitator.kernel}/channels")
    cookie = cookie_header({"ccm_animateur": facilitator.key})
    little = [n.to_bytes(8, "little") for n in range(6)]
    bombs = {
        "2**40 parties annoncées en 16 octets": (2**40).to_bytes(8, "little") + bytes(8),
        "un décalage hors du message": little[3] + little[4] + (2**62).to_bytes(8, "little")
        + little[5] + b"shell{}",
        "des décalages à rebours": little[2] + (40).to_bytes(8, "little") + little[3] + bytes(24),
        "plus court que son compte": b"\x01\x00",
    }  # fmt: skip
    for name, bomb in bombs.items():
        with connect(url, subprotocols=[V1], additional_headers=cookie, proxy=None) as sock:
            sock.send(bomb)
            # The server's loop still answers at once (a frozen one never would).
            with urllib.request.urlopen(f"{server.base}/voila/static/voila.js", timeout=5):
                pass
            assert close_code(sock) == 1008, name  # the socket that sent it
    # Without the v1 subprotocol, the legacy framing (a signed part count) is not spoken.
    with pytest.raises(InvalidStatus) as refused:
        connect(url, additional_headers=cookie, proxy=None)
    assert refused.value.response.status_code == 400
    assert facilitator.page.locator(".ccm-cutoff").count() == 0  # the page kept its kernel
    mine = Device(server, {"ccm_animateur": facilitator.key})
    assert mine.send("GET", f"/api/kernels/{facilitator.kernel}").status == 200


def close_code(sock: Any) -> int | None:
    """The code the server closes ``sock`` with, past the kernel's greetings (None: not
    closed within 5 s of silence)."""
    try:
        while True:
            sock.recv(timeout=5)
    except ConnectionClosed as closed:
        return closed.rcvd.code if closed.rcvd is not None else None
    except TimeoutError:
        return None


def test_the_server_lists_no_workbook(server: Server) -> None:
    device = Device(server)
    for path in ("/voila/api/contents", "/voila/api/contents/animateur.ipynb"):
        answer = device.send("GET", path)
        assert answer.status == 404, path
        assert "ipynb" not in answer.text
    for path in ("/", "/voila/tree", "/voila/tree/"):
        answer = device.send("GET", path)
        assert not any(f"{w}.ipynb" in answer.text for w in WORKBOOKS), path


# -- 2. page opens start no kernel ------------------------------------------------------------


def test_500_opens_of_the_projection_and_of_a_group_link_start_no_kernel(
    browser: Any, server: Server
) -> None:
    before = set(server.kernels())
    for link in (server.links["projection"], server.links["Économie alternative"]):
        statuses: Counter[int] = Counter()
        for _ in range(500):
            answer = Device(server).send("GET", path_of(link))
            statuses[answer.status] += 1
            assert "kernelId" not in answer.text
        # Past the key's rate (a burst, then 30 a second), a page open is refused in French.
        assert set(statuses) <= {200, 429}, statuses
        assert statuses[200] >= 100, statuses
    # The old links to the group and projection workbooks lead to the light pages.
    for page in ("groupe", "projection"):
        for _ in range(20):
            answer = Device(server).send("GET", f"/voila/render/{page}.ipynb?cle=x")
            assert answer.status == 302
            assert answer.headers["location"].startswith(f"/ccm/{page}?")
    time.sleep(0.5)
    assert set(server.kernels()) <= before, "une page de groupe ou la projection a un noyau"
    home = open_page(browser, server.links["animateur"], HOME)
    home.context.close()


# -- 3. a renewed key -------------------------------------------------------------------------


REFUSAL_JS = """async ([api, token, row]) => {
    const said = async (r) => [r.status, r.ok ? "" : (await r.json()).message];
    const found = {};
    found.lignes = await said(await fetch(`${api}/lignes?depuis=0`));
    const stop = new AbortController();
    const stream = await fetch(`${api}/evenements`, {signal: stop.signal});
    found.evenements = stream.ok ? [200, ""] : await said(stream);
    stop.abort();
    const write = {"X-Ccm-Jeton": token, "Content-Type": "application/json"};
    found.cellule = await said(await fetch(`${api}/lignes/${row.id}/recommendation`, {
        method: "PUT", headers: write,
        body: JSON.stringify({text: "Écrit avec une clé renouvelée", seen: row.recommendation})}));
    found.ligne = await said(await fetch(`${api}/lignes`, {method: "POST", headers: write,
        body: JSON.stringify({rows: [["Écrit avec une clé renouvelée", "", ""]]})}));
    return found;
}"""


def test_a_renewed_key_reads_nothing_and_writes_nothing(browser: Any, spare: Server) -> None:
    from ccm_widgets.web.access import KEYS_TTL

    name = "Gouvernance et coordination"
    link = spare.links[name]
    page = open_group(browser, link, LAPTOP)
    kept = open_link(spare, link)  # a second device of the group, its stream held open
    slug = kept.section
    stream = Stream(spare, f"{API}/{slug}/evenements", kept.cookies)
    assert stream.status == 200
    assert stream.next_event() == "lignes"
    config = page.evaluate("() => JSON.parse(document.getElementById('ccm-donnees').textContent)")
    before = grid(spare)[1]
    device = kept.device(spare)
    time.sleep(1.05)  # the server's reading of the keys is older than its second: ...
    assert device.send("GET", f"{API}/{slug}/lignes?depuis=0").status == 200  # ... read again
    with spare.store() as store:
        store.groups.renew_key(slug)
    renewed = time.monotonic()
    try:
        # At once, while the server still holds the keys it read a moment ago: the store
        # refuses (it checks the key in each transaction). A stream then opened says only
        # that (its status is sent before its first read): not one row.
        answer = device.send("GET", f"{API}/{slug}/evenements")
        if answer.status == 200:
            events = re.findall(r"^event: (\w+)$", answer.text, re.M)
            assert events == ["refus"], answer.text
        else:
            assert answer.status == 403, answer.text
        assert "renouvelée" in answer.text
        assert not [s for s in texts_of(spare, slug) if s in answer.text]
        for answer in (
            device.send("GET", f"{API}/{slug}/lignes?depuis=0"),
            device.send("POST", f"{API}/{slug}/lignes", {"rows": [["Clé renouvelée", "", ""]]}),
        ):
            assert answer.status == 403, answer.text
            assert "renouvelée" in answer.message
        # The page says so in its banner, and the held stream is told, then ended.
        page.locator("#banniere:not([hidden])", has_text="renouvelée").wait_for(timeout=10_000)
        assert "lien" in page.inner_text("#banniere")
        events = [stream.next_event()]
        while events[-1] not in {"refus", ""} and len(events) < 10:
            events.append(stream.next_event())
        assert events[-1] == "refus", events
        assert stream.next_event() == "", "le flux continue après son refus"
        # What the page asks now (the server has read the keys again): its rows, its
        # stream, a cell, a row.
        time.sleep(max(0.0, renewed + KEYS_TTL + 0.1 - time.monotonic()))
        found = page.evaluate(REFUSAL_JS, [config["api"], config["token"], config["rows"][0]])
        for what, (status, message) in found.items():
            assert status == 403, f"{what} : {status}"
            assert "renouvelée" in message, f"{what} : {message}"
        # The same with the old cookie, from a script, later.
        for answer in (
            device.send("GET", f"{API}/{slug}/lignes?depuis=0"),
            device.send("GET", f"{API}/{slug}/evenements"),
            device.send("POST", f"{API}/{slug}/lignes", {"rows": [["Clé renouvelée", "", ""]]}),
        ):
            assert answer.status == 403
            assert "renouvelée" in answer.message
        # A fresh load with the old cookie, and the old link.
        again = page.context.new_page()
        for url in (f"{spare.base}/ccm/groupe", link):
            shown = again.goto(url)
            assert shown is not None
            assert shown.status == 403, url
            assert "Accès refusé" in again.inner_text("h1")
            assert "lien" in again.inner_text(".message")
        assert grid(spare)[1] == before
    finally:
        stream.close()
        page.context.close()
        refresh_links(spare)


# -- 4. one group, another group's rows -------------------------------------------------------


def test_a_group_reads_and_writes_no_other_groups_rows(server: Server) -> None:
    mine = open_link(server, server.links["Protection"])
    theirs = open_link(server, server.links["Migration irrégulière"])
    a, b = mine.section, theirs.section
    with server.store() as store:  # a row of B deleted by the plenary: one to bring back
        gone = store.grid.add(b, [("Ligne supprimée de l'autre groupe", "", "")],
                              actor="animateur")[0]  # fmt: skip
        store.grid.delete(gone.id, actor="animateur")
        general = [r.id for r in store.grid.rows("general")]
    secrets = texts_of(server, b) + texts_of(server, "general") + [gone.recommendation]
    targets = [*[r["id"] for r in theirs.config["rows"]][:2], gone.id, *general[:1]]
    assert len(targets) == 4
    counter, before = grid(server)
    device = mine.device(server)
    edit = {"text": "Écrit par un autre groupe", "seen": ""}
    attacks: list[tuple[str, str, Any]] = []
    for section in (b, "general", "inconnu"):
        attacks += [
            ("GET", f"{API}/{section}/lignes?depuis=0", None),
            ("GET", f"{API}/{section}/evenements", None),
            ("POST", f"{API}/{section}/lignes", {"rows": [["Écrit par un autre groupe", "", ""]]}),
            ("POST", f"{API}/{section}/collage", {"text": "Collé par un autre groupe\tx\ty"}),
            ("POST", f"{API}/{section}/import", None),
            ("POST", f"{API}/{section}/devenir", {"rows": [[t, 1] for t in targets]}),
        ]
    for row in targets:
        for section in (b, "general", a):  # B's ids under B, and under A's own section
            attacks += [
                ("PUT", f"{API}/{section}/lignes/{row}/recommendation", edit),
                ("DELETE", f"{API}/{section}/lignes/{row}", None),
                ("POST", f"{API}/{section}/lignes/{row}/restauration", None),
                ("POST", f"{API}/{section}/lignes/{row}/deplacement", {"offset": 1}),
                ("POST", f"{API}/{section}/lignes/{row}/deplacement", {"offset": -1}),
                ("GET", f"{API}/{section}/lignes/{row}/historique", None),
            ]
    attacks += [("GET", "/ccm/api/synthese", None), ("GET", "/ccm/api/synthese/evenements", None)]
    # The group's key in every cookie a browser may hold: it stays a group's key.
    every_cookie = ("ccm_groupe", "ccm_animateur", "ccm_projection")
    disguised = Device(server, dict.fromkeys(every_cookie, mine.cookies["ccm_groupe"]), mine.token)
    for attacker in (device, disguised):
        for method, path, body in attacks:
            if path.endswith("/import"):
                answer = attacker.send(method, path, body=b"Recommandation\nImporte\n",
                                       headers={"X-Ccm-Fichier": "grille.csv"})  # fmt: skip
            else:
                answer = attacker.send(method, path, body)
            leaked = [s for s in secrets if s in answer.text]
            assert not leaked, f"{method} {path} → {answer.status} : {leaked}"
            if path.endswith("/devenir") and path.startswith(f"{API}/{a}/"):
                assert (answer.status, answer.json()) == (200, {"fates": {}})
            elif f"/{a}/" in path:
                assert answer.status == 404, f"{method} {path} → {answer.status}"
            else:
                assert answer.status == 403, f"{method} {path} → {answer.status}"
                assert answer.message
        for query in (f"groupe={b}", "groupe=general"):
            page = attacker.send("GET", f"/ccm/groupe?{query}")
            assert page.status == 403
            assert "chaque groupe n'ouvre que la sienne" in page.text
            assert not [s for s in secrets if s in page.text]
        assert attacker.send("GET", "/ccm/projection").status == 403
    assert grid(server) == (counter, before), "le magasin a changé"
    # A's own devenir of B's rows: nothing of theirs.
    answer = device.send("POST", f"{API}/{a}/devenir", {"rows": [[t, 1] for t in targets]})
    assert answer.status == 200
    assert json.loads(answer.body) == {"fates": {}}


# -- 5. pages hold no slot the facilitator needs ----------------------------------------------


def test_open_pages_and_their_streams_hold_no_slot_the_facilitator_needs(
    browser: Any, server: Server
) -> None:
    from ccm_widgets.web.handlers import STREAMS_PER_KEY

    before = set(server.kernels())
    held: list[Stream] = []
    refused: list[Stream] = []
    context = None
    try:
        for n in range(20):
            page = open_link(server, server.links[GROUPS[n % len(GROUPS)]])
            held.append(Stream(server, f"{API}/{page.section}/evenements", page.cookies))
            assert held[-1].status == 200
        projection = key_of(server.links["projection"])
        for _ in range(20):
            assert Device(server).send("GET", path_of(server.links["projection"])).status == 200
            stream = Stream(server, "/ccm/api/synthese/evenements", {"ccm_projection": projection})
            (held if stream.status == 200 else refused).append(stream)
        # One key holds so many streams, no more: the projection's link, shared, holds 12.
        assert len(refused) == 20 - STREAMS_PER_KEY
        assert {s.status for s in refused} == {429}
        assert "Trop de pages ouvertes" in json.loads(refused[0].body)["message"]
        # The facilitator opens the home page and the plenary meanwhile.
        context = browser.new_context(viewport={"width": 1300, "height": 950})
        home, plenary = context.new_page(), context.new_page()
        home.goto(server.links["animateur"])
        plenary.goto(server.links["pleniere"])
        home.wait_for_selector(HOME, timeout=60_000)
        plenary.wait_for_selector(PLENARY, timeout=60_000)
        assert len(set(server.kernels()) - before) == 2, "un noyau de plus que l'animateur"
        # The facilitator's own stream too (a light page of the general section).
        facilitator = key_of(server.links["animateur"])
        own = Stream(server, f"{API}/general/evenements", {"ccm_animateur": facilitator})
        held.append(own)
        assert own.status == 200
        # Every stream held was alive all along.
        for stream in held:
            assert stream.next_event() in {"tic", "lignes", "synthese"}
    finally:
        for stream in held + refused:
            stream.close()
        if context is not None:
            context.close()
    # The streams held are let go once their connection is gone (at their next tick).
    wait_for(lambda: stream_opens(server), 10, "les flux de la projection libérés")


def stream_opens(server: Server) -> bool:
    stream = Stream(
        server,
        "/ccm/api/synthese/evenements",
        {"ccm_projection": key_of(server.links["projection"])},
    )
    stream.close()
    return stream.status == 200


# -- 6. the write token, and other sites ------------------------------------------------------


ATTACK_PAGE = """<!DOCTYPE html><html lang="fr"><meta charset="utf-8"><title>Jeu concours</title>
<iframe name="cible"></iframe>
<form id="formulaire" method="POST" enctype="text/plain" target="cible" action="{api}/lignes">
<input name='{{"rows": [["{marker} (formulaire)", "", ""]], "x": "' value='"}}'></form>
<script>
window.results = [];
async function attempt(label, url, init) {{
  try {{ const r = await fetch(url, init); window.results.push([label, r.type, r.status]); }}
  catch (error) {{ window.results.push([label, "erreur", String(error)]); }}
}}
(async () => {{
  document.getElementById("formulaire").submit();
  const plain = {{method: "POST", mode: "no-cors", credentials: "include",
                 headers: {{"Content-Type": "text/plain"}}}};
  await attempt("lignes", "{api}/lignes",
                {{...plain, body: JSON.stringify({{rows: [["{marker} (fetch)", "", ""]]}})}});
  await attempt("collage", "{api}/collage",
                {{...plain, body: JSON.stringify({{text: "{marker} (collage)\\tx\\ty"}})}});
  await attempt("cellule", "{api}/lignes/{row}/recommendation", {{method: "PUT",
      credentials: "include", headers: {{"Content-Type": "application/json",
      "X-Ccm-Jeton": "0123456789abcdef0123456789abcdef"}},
      body: JSON.stringify({{text: "{marker} (jeton)", seen: ""}})}});
  window.done = true;
}})();
</script></html>"""


class AttackSite:
    """Another site, on another port of this machine: its page posts to the server."""

    def __init__(self, page: str) -> None:
        body = page.encode()

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.port = free_port()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def test_a_write_needs_the_pages_own_token_and_another_site_cannot_write(
    browser: Any, server: Server
) -> None:
    mine = open_link(server, server.links["Économie alternative"])
    other = open_link(server, server.links["Protection"])
    facilitator = open_link(
        server, f"{server.base}/ccm/groupe?groupe=general&cle={key_of(server.links['animateur'])}"
    )
    section, row = mine.section, mine.config["rows"][0]
    counter, before = grid(server)
    writes = [
        ("PUT", f"{API}/{section}/lignes/{row['id']}/recommendation",
         {"text": "Écrit sans jeton", "seen": row["recommendation"]}),
        ("POST", f"{API}/{section}/lignes", {"rows": [["Écrit sans jeton", "", ""]]}),
        ("DELETE", f"{API}/{section}/lignes/{row['id']}", None),
        ("POST", f"{API}/{section}/collage", {"text": "Écrit sans jeton\tx\ty"}),
        ("POST", f"{API}/{section}/lignes/{row['id']}/deplacement", {"offset": 1}),
    ]  # fmt: skip
    tokens = {
        "sans jeton": "",
        "jeton d'un autre groupe": other.token,
        "jeton de l'animateur": facilitator.token,
        "jeton inventé": "0" * 32,
        "jeton tronqué": mine.token[:-1],
    }
    device = Device(server, mine.cookies)
    for what, token in tokens.items():
        for method, path, body in writes:
            answer = device.send(method, path, body, token=token)
            assert answer.status == 403, f"{what} : {method} {path} → {answer.status}"
            assert "trop ancienne pour enregistrer" in answer.message
    # The group's own token with another group's or the facilitator's cookie.
    for cookies in (other.cookies, facilitator.cookies):
        answer = Device(server, cookies, mine.token).send(*writes[1])
        assert answer.status == 403
    assert grid(server) == (counter, before)

    # The group's own browser visits another site, which posts to the server: from another
    # port of the same machine (same site: the cookie goes, the token is missing) and from
    # another name of it (another site: the SameSite=Strict cookie stays home).
    context = browser.new_context()
    context.new_page().goto(server.links["Économie alternative"])
    kept = {c["name"]: c for c in context.cookies()}["ccm_groupe"]
    assert (kept["httpOnly"], kept["sameSite"]) == (True, "Strict")  # the page's script never
    # sees the key, and another site's page makes the browser send it nowhere
    marker = "Écrit depuis un autre site"
    site = AttackSite(
        ATTACK_PAGE.format(api=f"{server.base}{API}/{section}", row=row["id"], marker=marker)
    )
    seen: list[Any] = []
    context.on(
        "response", lambda r: seen.append(r) if r.request.method in {"POST", "PUT"} else None
    )
    try:
        for origin, cookie_sent in (
            ("127.0.0.1", True),  # the same site: the cookie went, the token is missing
            ("localhost", False),  # another site: no cookie at all
        ):
            seen.clear()
            page = context.new_page()
            with page.expect_response(
                lambda r: r.request.resource_type == "document" and r.request.method == "POST"
            ) as form:
                page.goto(f"http://{origin}:{site.port}/concours")
            page.wait_for_function("() => window.done === true", timeout=15_000)
            results = {label: kind for label, kind, _ in page.evaluate("() => window.results")}
            # Sent (their answers unreadable to the other site), refused by the server; the
            # PUT with a made-up token never leaves: its preflight is refused.
            assert results == {"lignes": "opaque", "collage": "opaque", "cellule": "erreur"}
            arrived = [(r.request.resource_type, r.request.method, r.status) for r in seen]
            assert sorted(arrived) == [
                ("document", "POST", 403), ("fetch", "POST", 403), ("fetch", "POST", 403)
            ], arrived  # fmt: skip
            sent = form.value.request.all_headers().get("cookie", "")
            assert ("ccm_groupe=" in sent) is cookie_sent, origin
            # The answer is refused inside the other site's frame as well (no clickjacking).
            assert form.value.all_headers()["x-frame-options"] == "DENY"
            page.close()
            page.close()
    finally:
        site.close()
        context.close()
    assert grid(server) == (counter, before), "un autre site a écrit"


# -- 7. limits --------------------------------------------------------------------------------


def test_bodies_over_the_limits_are_refused_in_french_and_nothing_is_written(
    server: Server,
) -> None:
    mine = open_link(server, server.links["Gouvernance et coordination"])
    section, row = mine.section, mine.config["rows"][0]
    device = mine.device(server)
    five_mb = "x" * 5_000_000
    cell_path = f"{API}/{section}/lignes/{row['id']}/recommendation"
    json_headers = {"Content-Type": "application/json"}
    counter, before = grid(server)
    too_large = [
        ("PUT", cell_path, json.dumps({"text": five_mb, "seen": row["recommendation"]})),
        ("POST", f"{API}/{section}/lignes", json.dumps({"rows": [[five_mb, "", ""]]})),
        ("POST", f"{API}/{section}/collage", json.dumps({"text": "y" * 2_100_000})),
    ]
    for method, path, body in too_large:
        for chunked in (False, True):  # announced, or found while reading
            answer = device.send_large(
                method, path, body.encode(), headers=json_headers, chunked=chunked
            )
            assert answer.status == 413, f"{method} {path} → {answer.status}"
            assert "Envoi trop gros" in answer.message
            assert "rien n'a été enregistré" in answer.message
    sheet = b"Recommandation;Defis;Perspectives\n" + b"x;y;z\n" * 1_500_000  # 9 MB
    answer = device.send_large(
        "POST", f"{API}/{section}/import", sheet, headers={"X-Ccm-Fichier": "grille.csv"}
    )
    assert (answer.status, "Envoi trop gros" in answer.message) == (413, True)
    # Under the body's limit, over a cell's: a French sentence too.
    long = "z" * 25_000
    for method, path, payload in (
        ("PUT", cell_path, {"text": long, "seen": row["recommendation"]}),
        ("POST", f"{API}/{section}/lignes", {"rows": [[long, "", ""]]}),
        ("POST", f"{API}/{section}/collage", {"text": f"{long}\tx\ty"}),
    ):
        answer = device.send(method, path, payload)
        assert answer.status == 422, f"{method} {path} → {answer.status}"
        assert "la limite est 20000" in answer.message
    for name, content in (
        ("grille.csv", f"Recommandation;Defis;Perspectives\n{long};y;z\n".encode()),
        ("bombe.xlsx", xlsx_bomb()),
    ):
        answer = device.send("POST", f"{API}/{section}/import", body=content,
                             headers={"X-Ccm-Fichier": name})  # fmt: skip
        assert answer.status == 422, f"{name} → {answer.status}"
        assert answer.message.startswith("Rien n'a été importé"), answer.message
    assert grid(server) == (counter, before), "une partie a été enregistrée"


def test_a_flood_with_one_key_is_slowed_and_the_other_groups_are_answered(
    spare: Server,
) -> None:
    from ccm_widgets.web.handlers import RATE_BURST, RATE_PER_SECOND

    flooder = open_link(spare, spare.links["Protection"])
    neighbour = open_link(spare, spare.links["Économie alternative"])
    path = f"{API}/{flooder.section}/lignes?depuis=0"
    where = urlsplit(spare.base)
    connection = http.client.HTTPConnection(str(where.hostname), where.port, timeout=30)
    statuses: Counter[int] = Counter()
    refusal = None
    started = time.monotonic()
    try:
        for _ in range(300):  # one kept-alive connection, as fast as it goes
            connection.request("GET", path, headers=cookie_header(flooder.cookies))
            response = connection.getresponse()
            body = response.read()
            statuses[response.status] += 1
            if response.status == 429 and refusal is None:
                refusal = (response.getheader("Retry-After"), json.loads(body)["message"])
            if response.will_close or response.status == 429:  # a refusal ends the connection
                connection.close()
                connection = http.client.HTTPConnection(str(where.hostname), where.port)
    finally:
        connection.close()
    took = time.monotonic() - started
    assert set(statuses) == {200, 429}, statuses
    # No more than the bucket holds and refills meanwhile (not a measure of speed).
    assert statuses[200] <= RATE_BURST + RATE_PER_SECOND * took + 1, (statuses, took)
    assert refusal is not None
    assert refusal[0]
    assert "Trop de demandes" in refusal[1]
    # The neighbouring group, meanwhile: read and write as usual.
    device = neighbour.device(spare)
    assert device.send("GET", f"{API}/{neighbour.section}/lignes?depuis=0").status == 200
    row = neighbour.config["rows"][0]
    answer = device.send(
        "PUT",
        f"{API}/{neighbour.section}/lignes/{row['id']}/challenges",
        {"text": "Écrit pendant l'inondation", "seen": row["challenges"]},
    )
    assert answer.status == 200, answer.text
    # The flooding key itself is let in again a moment later.
    wait_for(lambda: flooder.device(spare).send("GET", path).status == 200, 10, "la clé de nouveau")


def test_an_unknown_or_near_miss_key_opens_nothing(server: Server) -> None:
    made_up = [
        "inconnue",
        "x" * 12,
        "y" * 64,
        "z" * 10_000,
        key_of(server.links["Protection"])[:-1],
    ]
    for key in made_up:
        device = Device(server, {"ccm_groupe": key, "ccm_projection": key, "ccm_animateur": key})
        for path in (f"{API}/protection/lignes?depuis=0", f"{API}/protection/evenements",
                     "/ccm/api/synthese", f"{API}/general/lignes?depuis=0"):  # fmt: skip
            answer = device.send("GET", path)
            assert answer.status == 403, f"{key[:20]} {path} → {answer.status}"
            assert "Ce lien n'est pas valide" in answer.message
        for page in ("groupe", "projection"):
            answer = Device(server).send("GET", f"/ccm/{page}?cle={key}")
            assert answer.status == 403
            assert "Ce lien n'est pas valide" in answer.text
            assert "set-cookie" not in answer.headers
    # Many made-up keys are each refused alike: none is slowed down, none gets in.
    statuses = Counter(
        Device(server, {"ccm_groupe": f"cle-{n:08d}"})
        .send("GET", f"{API}/protection/lignes")
        .status
        for n in range(200)
    )
    assert statuses == {403: 200}


# -- 8. HTML in a cell ------------------------------------------------------------------------


PAYLOADS = (
    '<script>window.ccmPirate = "script"; alert(1)</script>',
    "<img src=x onerror=\"window.ccmPirate = 'img'; alert(2)\">",
    "</textarea><img src=x onerror=\"window.ccmPirate = 'textarea'; alert(3)\">",
)
LIVE_PAYLOAD = "<svg onload=\"window.ccmPirate = 'svg'; alert(4)\"></svg><b class=pirate>gras</b>"
PIRATED = """() => ({
    pirate: window.ccmPirate || null,
    handlers: document.querySelectorAll('[onerror], [onload]').length,
    images: document.querySelectorAll('img').length,
    bold: document.querySelectorAll('.pirate').length,
    scripts: [...document.scripts].filter(s => s.textContent.includes('ccmPirate')
                                              && s.type !== 'application/json').length,
})"""


def test_html_in_a_cell_is_shown_as_text_on_the_grid_and_the_projection(
    browser: Any, server: Server
) -> None:
    mine = open_link(server, server.links["Gouvernance et coordination"])
    device = mine.device(server)
    added = device.send("POST", f"{API}/{mine.section}/lignes", {"rows": [list(PAYLOADS)]})
    assert added.status == 201, added.text
    row = json.loads(added.body)["rows"][0]
    dialogs: list[str] = []
    page = open_group(browser, server.links["Gouvernance et coordination"], LAPTOP)
    projection = page.context.new_page()

    def dialog(shown: Any) -> None:
        dialogs.append(shown.message)
        shown.dismiss()

    for tab in (page, projection):
        tab.on("dialog", dialog)
    projection.goto(server.links["projection"])
    projection.wait_for_selector(".projected table")
    try:
        number = [r["id"] for r in page.evaluate(
            "() => JSON.parse(document.getElementById('ccm-donnees').textContent).rows"
        )].index(row["id"])  # fmt: skip
        for field, text in zip(("recommendation", "challenges", "perspectives"), PAYLOADS,
                               strict=True):  # fmt: skip
            assert cell(page, number, field).input_value() == text
        shown = projection.locator(".projected").text_content() or ""
        for text in PAYLOADS:
            assert text in shown, text
        # Live: a change made on another device comes through the events.
        answer = device.send(
            "PUT",
            f"{API}/{mine.section}/lignes/{row['id']}/challenges",
            {"text": LIVE_PAYLOAD, "seen": PAYLOADS[1]},
        )
        assert answer.status == 200, answer.text
        wait_for(lambda: cell(page, number, "challenges").input_value() == LIVE_PAYLOAD, 10,
                 "le texte en direct sur la grille")  # fmt: skip
        wait_for(lambda: LIVE_PAYLOAD in (projection.locator(".projected").text_content() or ""),
                 10, "le texte en direct sur la projection")  # fmt: skip
        # Its history, in the page's dialog.
        page.locator(f"li.row[data-id='{row['id']}'] [data-action=historique]").click()
        history = page.locator("dialog#historique")
        history.locator("blockquote", has_text="ccmPirate").first.wait_for()
        assert LIVE_PAYLOAD in history.inner_text()
        page.wait_for_timeout(500)  # an image that failed would have said so by now
        for tab in (page, projection):
            assert tab.evaluate(PIRATED) == {
                "pirate": None, "handlers": 0, "images": 0, "bold": 0, "scripts": 0,
            }, tab.url  # fmt: skip
        assert dialogs == []
    finally:
        page.context.close()
        device.send("DELETE", f"{API}/{mine.section}/lignes/{row['id']}")


# -- 9. a closed breakout ---------------------------------------------------------------------


def test_a_closed_breakout_refuses_every_write_of_a_group(server: Server) -> None:
    mine = open_link(server, server.links["Protection"])
    section, device = mine.section, mine.device(server)
    added = device.send(
        "POST", f"{API}/{section}/lignes",
        {"rows": [["Ligne de l'attaque (clos)", "", ""], ["Ligne supprimée (clos)", "", ""]]},
    )  # fmt: skip
    assert added.status == 201, added.text
    kept, gone = (r["id"] for r in json.loads(added.body)["rows"])
    assert device.send("DELETE", f"{API}/{section}/lignes/{gone}").status == 200
    with server.store() as store:
        was_open, end = store.session.breakout()
        store.session.set_breakout(open=False, actor="animateur")
    try:
        counter, before = grid(server)
        writes = [
            ("PUT", f"{API}/{section}/lignes/{kept}/recommendation",
             {"text": "Écrit après la clôture", "seen": "Ligne de l'attaque (clos)"}, None),
            ("POST", f"{API}/{section}/lignes", {"rows": [["Écrit après la clôture", "", ""]]},
             None),
            ("POST", f"{API}/{section}/lignes", {"rows": []}, None),
            ("DELETE", f"{API}/{section}/lignes/{kept}", None, None),
            ("POST", f"{API}/{section}/collage", {"text": "Collé après la clôture\tx\ty"}, None),
            ("POST", f"{API}/{section}/import", None,
             b"Recommandation;Defis;Perspectives\nImporte apres la cloture;y;z\n"),
            ("POST", f"{API}/{section}/lignes/{kept}/deplacement", {"offset": -1}, None),
            ("POST", f"{API}/{section}/lignes/{gone}/restauration", None, None),
        ]  # fmt: skip
        for method, path, body, raw in writes:
            if raw is not None:
                answer = device.send(method, path, body=raw, headers={"X-Ccm-Fichier": "g.csv"})
            else:
                answer = device.send(method, path, body)
            assert answer.status == 403, f"{method} {path} → {answer.status} {answer.text}"
            assert "travaux de groupes sont clos" in answer.message, answer.message
        assert grid(server) == (counter, before), "écrit malgré la clôture"
    finally:
        with server.store() as store:
            store.session.set_breakout(open=was_open, end=end, actor="animateur")
    # Reopened, the same key writes again: the refusals were the breakout's.
    answer = device.send("DELETE", f"{API}/{section}/lignes/{kept}")
    assert answer.status == 200, answer.text


# -- the meeting replaced ---------------------------------------------------------------------


def test_replacing_the_meeting_while_serving_revokes_every_old_link(
    browser: Any, spare: Server
) -> None:
    from ccm_widgets.web.access import KEYS_TTL

    page = open_group(browser, spare.links["Protection"], LAPTOP)
    old = dict(spare.links)
    replaced = subprocess.run(
        [sys.executable, "-m", "ccm_widgets.cli", "demo", "--force"],
        env={"CCM_STORE": str(spare.store_path), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
    )
    assert replaced.returncode == 0, replaced.stderr
    time.sleep(KEYS_TTL + 0.1)  # the server reads the keys again
    try:
        page.locator("#banniere:not([hidden])", has_text="lien").wait_for(timeout=10_000)
        before = grid(spare)[1]
        config = page.evaluate(
            "() => JSON.parse(document.getElementById('ccm-donnees').textContent)"
        )
        found = page.evaluate(REFUSAL_JS, [config["api"], config["token"], config["rows"][0]])
        assert {status for status, _ in found.values()} == {403}, found
        assert grid(spare)[1] == before
        for name, link in old.items():
            answer = Device(spare).send("GET", path_of(link))
            assert answer.status == 403, name
            assert "Accès refusé" in answer.text
    finally:
        page.context.close()
        refresh_links(spare)
