"""nginx in TLS in front of ``ccm serve``, with the deployment's sample configuration.

``deploy/nginx/ccm.conf``, only its ports and paths changed, runs in a nginx of Debian's
(``scripts/ensure-nginx``) on 127.0.0.1, with a self-signed certificate made here by openssl,
in front of a ``ccm serve``. Chromium, accepting the certificate as a room's phones must,
opens a group's link in https and types a row: the store holds it. The page's live events
(Server-Sent Events) pass the proxy as they come: a change made in the store by another
connection shows on the https page within seconds, and the page never says the connection
is lost. The key is kept in a cookie marked Secure. The facilitator's page, the only one with
a kernel, gets its websocket through the proxy (wss, upgraded). Plain http is sent to https;
nginx's logs hold the requests, never a key.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import Server, free_port, start_server, stop_server
from tests.browser.helpers import GROUP_READY, LAPTOP, type_cell, wait_cell_saved

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "deploy" / "nginx" / "ccm.conf"
NGINX = Path("/usr/sbin/nginx")

MAIN = """\
{user}
worker_processes 1;
pid {folder}/nginx.pid;
error_log {folder}/main-error.log;
events {{ worker_connections 256; }}
http {{
    client_body_temp_path {folder}/tmp/body;
    proxy_temp_path {folder}/tmp/proxy;
    fastcgi_temp_path {folder}/tmp/fastcgi;
    uwsgi_temp_path {folder}/tmp/uwsgi;
    scgi_temp_path {folder}/tmp/scgi;
    include {site};
}}
"""


def render(sample: str, *, https: int, http: int, upstream: int, folder: Path) -> str:
    """The sample with its ports and paths changed, and nothing else: each change must find
    its line, so that the sample cannot drift away from what is tested."""
    changes = [
        ("listen 443 ssl;", f"listen 127.0.0.1:{https} ssl;"),
        ("listen 80;", f"listen 127.0.0.1:{http};"),
        ("server 127.0.0.1:8000;", f"server 127.0.0.1:{upstream};"),
        ("/etc/nginx/ccm.crt;", f"{folder / 'ccm.crt'};"),
        ("/etc/nginx/ccm.key;", f"{folder / 'ccm.key'};"),
        ("/var/log/nginx/", f"{folder}/"),
    ]
    for old, new in changes:
        assert old in sample, f"{SAMPLE.name} n'a plus « {old} »"
        sample = sample.replace(old, new)
    return sample


def self_signed_certificate(folder: Path) -> None:
    """What the sample tells a room to make, for 127.0.0.1."""
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=ccm", "-addext", "subjectAltName=IP:127.0.0.1",
         "-keyout", str(folder / "ccm.key"), "-out", str(folder / "ccm.crt")],
        check=True, capture_output=True,
    )  # fmt: skip


def wait_listening(port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"nginx s'est arrêté :\n{log.read_text()}")
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise TimeoutError(f"nginx n'écoute pas :\n{log.read_text()}")


@pytest.fixture(scope="module")
def proxied(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """A ccm serve, and nginx in TLS in front of it; both stopped at the end."""
    if not NGINX.exists():
        pytest.fail("nginx absent : lancez « make test », qui l'installe (scripts/ensure-nginx).")
    served = tmp_path_factory.mktemp("tls")
    server: Server = start_server(served, served / "ccm.sqlite")
    folder = served / "nginx"  # nginx's files, its logs among them
    folder.mkdir()
    try:
        self_signed_certificate(folder)
        for temp in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
            (folder / "tmp" / temp).mkdir(parents=True)
        https, http = free_port(), free_port()
        upstream = int(server.base.rsplit(":", 1)[1])
        site = folder / "ccm.conf"
        site.write_text(
            render(SAMPLE.read_text(encoding="utf-8"), https=https, http=http,
                   upstream=upstream, folder=folder),
            encoding="utf-8",
        )  # fmt: skip
        main = folder / "nginx.conf"
        user = "user root;" if os.geteuid() == 0 else ""  # workers write in the test's folder
        main.write_text(MAIN.format(user=user, folder=folder, site=site), encoding="utf-8")
        command = [str(NGINX), "-p", str(folder), "-c", str(main), "-e", str(folder / "start.log")]
        checked = subprocess.run([*command, "-t"], capture_output=True, text=True)
        assert checked.returncode == 0, f"configuration refusée par nginx :\n{checked.stderr}"
        process = subprocess.Popen(
            [*command, "-g", "daemon off;"], start_new_session=True,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            wait_listening(https, process, folder / "main-error.log")
            yield {"server": server, "https": https, "http": http, "folder": folder}
        finally:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(15)
        assert subprocess.run(["pgrep", "-f", str(main)], capture_output=True).stdout == b""
    finally:
        stop_server(server.process)


def https_context(browser: Any, requests: list[str]) -> Any:
    """A browser session that accepts the self-signed certificate (the room's phones accept
    it once; Chromium here, always), recording every request it makes."""
    context = browser.new_context(ignore_https_errors=True, **LAPTOP)
    context.on("request", lambda r: requests.append(r.url))
    return context


def test_a_group_types_through_the_tls_proxy_and_sees_changes_live(
    browser: Any, proxied: dict[str, Any], artifacts: Path
) -> None:
    server: Server = proxied["server"]
    base = f"https://127.0.0.1:{proxied['https']}"
    link = base + server.links["Protection"].removeprefix(server.base)
    requests: list[str] = []
    context = https_context(browser, requests)
    page = context.new_page()
    sockets: list[str] = []
    page.on("websocket", lambda ws: sockets.append(ws.url))
    page.goto(link)
    page.wait_for_selector(GROUP_READY, timeout=60_000)
    page.wait_for_function("() => !location.search.includes('cle=')")  # the script ran

    text = "Défi saisi à travers le proxy TLS"
    type_cell(page, 0, "challenges", text)
    wait_cell_saved(page, 0, "challenges")
    with server.store() as store:
        row = store.grid.rows("protection")[0]
    assert (row.challenges, row.updated_by) == (text, "groupe:protection")

    # Another device's change, made in the store, reaches the https page through the proxy
    # within seconds: the live events are not held by nginx. Held, the page would hear
    # nothing and say the connection is lost.
    with server.store() as store:
        second = store.grid.rows("protection")[1]
        changed = time.monotonic()
        store.grid.update_cell(second.id, "perspectives", "Changé sur un autre appareil",
                               seen=second.perspectives, actor="groupe:protection")  # fmt: skip
    page.wait_for_function(
        "() => document.querySelectorAll('#lignes textarea[name=perspectives]')[1].value"
        " === 'Changé sur un autre appareil'",
        timeout=10_000,
    )
    assert time.monotonic() - changed < 5
    page.wait_for_timeout(4_000)  # four ticks more: the stream stays open and heard
    assert page.locator("#banniere").is_hidden(), page.inner_text("#banniere")
    page.screenshot(path=str(artifacts / "tls-proxy-groupe.png"), full_page=True)

    # The key is kept in a cookie that only https carries, and no script reads.
    cookie = next(c for c in context.cookies() if c["name"] == "ccm_groupe")
    assert (cookie["secure"], cookie["httpOnly"]) == (True, True), cookie
    context.close()

    assert [u for u in requests if not u.startswith((base, "data:", "blob:"))] == []
    assert any("/ccm/api/sections/protection/evenements" in u for u in requests)
    assert sockets == []  # a group's page has no kernel

    # http:// typed by hand is sent to https.
    opener = urllib.request.build_opener(NoRedirect)
    plain = f"http://127.0.0.1:{proxied['http']}" + link.removeprefix(base)
    with pytest.raises(urllib.error.HTTPError) as redirected:
        opener.open(plain, timeout=5)
    redirected.value.close()
    assert redirected.value.code == 301
    assert redirected.value.headers["Location"].startswith("https://127.0.0.1/ccm/groupe?")

    # nginx logged the page and its stream of events (once it closed), never the key.
    folder: Path = proxied["folder"]
    access = folder / "ccm.access.log"
    deadline = time.monotonic() + 10
    while 'GET /ccm/api/sections/protection/evenements HTTP/1.1" 200 ' not in access.read_text():
        assert time.monotonic() < deadline, (
            f"pas de flux d'événements dans le journal de nginx :\n{access.read_text()}"
        )
        time.sleep(0.1)
    assert "GET /ccm/groupe HTTP/1.1" in access.read_text()
    key = link.rsplit("cle=", 1)[1]
    for log in folder.glob("*.log"):
        assert key not in log.read_text(), f"clé écrite dans {log.name}"


def test_the_facilitators_page_gets_its_kernel_through_the_tls_proxy(
    browser: Any, proxied: dict[str, Any], artifacts: Path
) -> None:
    """The websocket of the facilitator's page's kernel goes through the proxy (wss,
    upgraded): the page's widgets are drawn, the meeting's links in them."""
    server: Server = proxied["server"]
    base = f"https://127.0.0.1:{proxied['https']}"
    link = base + server.links["animateur"].removeprefix(server.base)
    requests: list[str] = []
    context = https_context(browser, requests)
    page = context.new_page()
    sockets: list[str] = []
    page.on("websocket", lambda ws: sockets.append(ws.url))
    page.goto(link)
    page.wait_for_selector(".ccm-home code", timeout=120_000)
    assert page.locator(".ccm-home code").count() >= 4  # a link per group, drawn by the kernel
    page.screenshot(path=str(artifacts / "tls-proxy-animateur.png"), full_page=True)
    context.close()
    assert [u for u in requests if not u.startswith((base, "data:", "blob:"))] == []
    assert any(u.startswith(f"wss://127.0.0.1:{proxied['https']}/api/kernels/") for u in sockets)
    access = proxied["folder"] / "ccm.access.log"
    deadline = time.monotonic() + 10
    while '/channels HTTP/1.1" 101 ' not in access.read_text():  # 101: Switching Protocols
        assert time.monotonic() < deadline, (
            f"pas de websocket dans le journal de nginx :\n{access.read_text()}"
        )
        time.sleep(0.1)
    key = link.rsplit("cle=", 1)[1]
    for log in proxied["folder"].glob("*.log"):
        assert key not in log.read_text(), f"clé écrite dans {log.name}"


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None
