"""The JupyterHub deployment of ``deploy/jupyterhub/``, run for real on 127.0.0.1.

A hub with its proxy; the facilitator's server runs Voilà as a Jupyter server extension,
the meeting on PostgreSQL, in the facilitator's own database under their own role. A
rapporteur of the room logs in through the hub, lands on the group's grid, types, and the
store holds it; the Jupyter API and the hub's own routes stay closed to them, and code they
send to their page's kernel over its websocket is not run (the facilitator's is); a hub user
outside the room is refused; the facilitator's page hands out links under the hub's address;
nothing is fetched from outside. The test only adds what a test needs (a password login,
servers run as the test's user) in a file that loads the deployment's own.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ccm_widgets.files.loading import load_demo
from ccm_widgets.store import Store
from tests.browser.conftest import ARTIFACTS, free_port
from tests.browser.helpers import GRID, open_page, row_editor_text
from tests.unit.test_meeting_databases import facilitator_database, with_password

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy" / "jupyterhub" / "jupyterhub_config.py"
PROXY = REPO / ".cache" / "hub-proxy" / "node_modules" / ".bin" / "configurable-http-proxy"
PASSWORD = "mot-de-passe-de-test"
DB_PASSWORD = "mot-de-passe-de-la-base"
FACILITATOR, RAPPORTEUR, OUTSIDER = "animatrice", "rapporteur", "intrus"

TEST_CONFIG = """\
c = get_config()  # noqa: F821
load_subconfig({deploy!r})  # noqa: F821  (the deployment's own configuration)
# Test only: a shared password instead of PAM, servers run as the test's user (root here).
c.JupyterHub.authenticator_class = "dummy"
c.DummyAuthenticator.password = {password!r}
c.Authenticator.allowed_users = c.Authenticator.allowed_users | {{{outsider!r}}}
c.JupyterHub.spawner_class = "simple"
c.SimpleLocalProcessSpawner.home_dir_template = {home!r}
c.Spawner.args = [*c.Spawner.args, "--allow-root"]
c.JupyterHub.bind_url = "http://127.0.0.1:{port}"
c.JupyterHub.hub_port = {hub_port}
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:{api_port}"
c.ConfigurableHTTPProxy.command = [{proxy!r}]
"""


def _stop(process: subprocess.Popen[bytes]) -> None:
    """Stop the hub: on SIGTERM it stops the proxy and the users' servers (and kernels)."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(5)


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory, postgres: Any) -> Iterator[dict[str, Any]]:
    if not PROXY.exists():
        pytest.fail("configurable-http-proxy absent : lancez « make test », qui l'installe.")
    folder = tmp_path_factory.mktemp("hub")
    # The facilitator's meeting in their own database, under their own role, as the README
    # sets it up; their server finds the role's password in their ~/.pgpass.
    store_url = facilitator_database(postgres, FACILITATOR, DB_PASSWORD)
    home = folder / "home" / FACILITATOR
    home.mkdir(parents=True)
    role = f"ccm_{FACILITATOR}"
    (home / ".pgpass").write_text(f"127.0.0.1:{postgres.port}:{role}:{role}:{DB_PASSWORD}\n")
    (home / ".pgpass").chmod(0o600)
    store_url = with_password(store_url, DB_PASSWORD)  # the test's own connections
    with Store(store_url) as store:
        load_demo(store)
    (folder / "state").mkdir()
    rooms = folder / "salles.toml"
    rooms.write_text(f'[{FACILITATOR}]\nrapporteurs = ["{RAPPORTEUR}"]\n', encoding="utf-8")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    config = folder / "jupyterhub_config.py"
    config.write_text(
        TEST_CONFIG.format(
            deploy=str(DEPLOY), password=PASSWORD, outsider=OUTSIDER, port=port,
            home=str(folder / "home" / "{username}"), hub_port=free_port(),
            api_port=free_port(), proxy=str(PROXY),
        ),
        encoding="utf-8",
    )  # fmt: skip
    env = {
        **os.environ,
        "CCM_HUB_STATE": str(folder / "state"),
        # the deployment's default, on the tests' server
        "CCM_HUB_STORE": f"postgresql://ccm_{{username}}@127.0.0.1:{postgres.port}/ccm_{{username}}",
        "CCM_HUB_EXPORTS": str(folder / "exports" / "{username}"),
        "CCM_HUB_ROOMS": str(rooms),
        "CCM_HUB_URL": base,
        "CCM_KERNEL_GRACE": "5",
    }
    for name in ("CCM_STORE", "QUERY_STRING", "JUPYTERHUB_API_TOKEN"):
        env.pop(name, None)
    log = folder / "hub.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [str(Path(sys.executable).parent / "jupyterhub"), "-f", str(config)],
            cwd=folder / "state", env=env, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{base}/hub/api", timeout=2):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"le hub ne démarre pas :\n{log.read_text()}") from None
                time.sleep(0.3)
        yield {"base": base, "store": store_url, "log": log, "folder": folder}
    finally:
        _stop(process)
    leftovers = subprocess.run(
        ["pgrep", "-f", str(folder)], capture_output=True, text=True
    ).stdout.split()
    assert leftovers == [], f"processus restés après l'arrêt du hub : {leftovers}"


def log_in(browser: Any, url: str, user: str, outside: list[str]) -> Any:
    """A fresh browser session opening ``url``: the hub asks who it is, then sends it on."""
    page = open_page(browser, url, "input[name=username]", outside=outside)
    page.fill("input[name=username]", user)
    page.fill("input[name=password]", PASSWORD)
    page.click("[type=submit]")
    return page


def hub_routes_stay_closed(page: Any, base: str, server: str) -> None:
    """Nothing of the facilitator's server but its Voilà pages, nothing of the hub's own API
    or admin page: 403 or 404, never a page (redirects not followed: no login page either)."""
    api = page.context.request
    xsrf = next((c["value"] for c in page.context.cookies() if c["name"] == "_xsrf"), "")
    gets = [f"{server}/{path}" for path in (
        "api/contents", "api/contents/groupe.ipynb", "api/kernels", "api/sessions",
        "api/terminals", "api/kernelspecs", "lab", "tree", "files/groupe.ipynb",
        "edit/groupe.ipynb", "nbconvert/html/groupe.ipynb", "voila/api/contents",
    )] + [f"{base}/hub/api/users", f"{base}/hub/api/groups", f"{base}/hub/admin"]  # fmt: skip
    for url in gets:
        status = api.get(url, max_redirects=0).status
        assert status in {403, 404}, f"GET {url} → {status} pour un rapporteur"
    for path in ("api/kernels", "api/sessions", "api/terminals"):
        status = api.post(f"{server}/{path}", headers={"X-XSRFToken": xsrf}, data={}).status
        assert status in {403, 404}, f"POST {path} → {status} pour un rapporteur"


def kernel_exchange(page: Any, server: str, kernel: str, marker: Path) -> list[str]:
    """As ``page``'s user, send to ``kernel`` over its websocket (protocol v1, the one Voilà's
    page speaks) code that would create ``marker``, the other requests a notebook editor
    sends, then ``kernel_info_request``. Returns the types of the messages received until its
    reply: the kernel answers shell messages in order, so any request it ran answered first."""
    from jupyter_client.session import Session, json_packer
    from jupyter_server.services.kernels.connection.base import (
        deserialize_msg_from_ws_v1,
        serialize_msg_to_ws_v1,
    )
    from websockets.sync.client import connect

    session = Session()
    sent = [
        ("execute_request", {"code": f"open({str(marker)!r}, 'w').close()", "silent": False,
                             "store_history": True, "user_expressions": {},
                             "allow_stdin": False, "stop_on_error": True}),
        ("inspect_request", {"code": "open", "cursor_pos": 4, "detail_level": 0}),
        ("complete_request", {"code": "impo", "cursor_pos": 4}),
        ("is_complete_request", {"code": "1 +"}),
        ("history_request", {"output": False, "raw": True, "hist_access_type": "tail", "n": 5}),
        ("kernel_info_request", {}),
    ]  # fmt: skip
    cookies = "; ".join(f"{c['name']}={c['value']}" for c in page.context.cookies(server + "/"))
    url = server.replace("http://", "ws://") + f"/api/kernels/{kernel}/channels"
    received = []
    with connect(
        f"{url}?session_id={session.session}", subprotocols=["v1.kernel.websocket.jupyter.org"],
        additional_headers={"Cookie": cookies}, origin=server.split("/user/")[0],
        open_timeout=10,
    ) as ws:  # fmt: skip
        for msg_type, content in sent:
            message = session.msg(msg_type, content)
            ws.send(serialize_msg_to_ws_v1(message, "shell", json_packer))
        last = message["header"]["msg_id"]
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            _, parts = deserialize_msg_from_ws_v1(ws.recv(timeout=deadline - time.monotonic()))
            header, parent = json.loads(parts[0]), json.loads(parts[1])
            received.append(header["msg_type"])
            if header["msg_type"] == "kernel_info_reply" and parent.get("msg_id") == last:
                return received
    raise AssertionError(f"pas de réponse à kernel_info_request : {received}")


def test_a_room_behind_jupyterhub(browser: Any, hub: dict[str, Any]) -> None:
    base, outside = hub["base"], []
    server = f"{base}/user/{FACILITATOR}"
    # The facilitator logs in; the hub starts their server, which opens on ccm's home page.
    facilitator = log_in(browser, f"{base}/hub/login", FACILITATOR, outside)
    facilitator.get_by_text("Cahiers de la réunion").wait_for(timeout=120_000)
    assert facilitator.url.startswith(f"{server}/voila")

    # The links are printed by ccm links for the hub's address (the README's steps).
    printed = subprocess.run(
        [sys.executable, "-m", "ccm_widgets.cli", "links", "--store", hub["store"],
         "--public-url", server],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    links = dict(line.split("\t", 1) for line in printed.splitlines() if "\t" in line)
    assert links["Protection"].startswith(f"{server}/voila/render/groupe.ipynb?")

    # A rapporteur of the room, logged out, opens the group's link: log-in, then the grid.
    rapporteur = log_in(browser, links["Protection"], RAPPORTEUR, outside)
    rapporteur.wait_for_selector(GRID, timeout=60_000)
    assert "Protection" in rapporteur.inner_text("h2")
    row_editor_text(rapporteur, 0, 1)
    area = rapporteur.locator(".ccm-row-editor textarea").nth(1)
    area.fill("Défi saisi à travers JupyterHub")
    area.press("Tab")
    rapporteur.locator(".ccm-status", has_text="(ligne 1, Défis)").wait_for(timeout=15_000)
    with Store(hub["store"]) as store:
        row = store.grid.rows("protection")[0]
    assert row.challenges == "Défi saisi à travers JupyterHub"
    assert row.updated_by.startswith("groupe:protection")
    rapporteur.screenshot(path=str(ARTIFACTS / "jupyterhub-groupe.png"), full_page=True)

    # The hub let the rapporteur into the facilitator's server: only the Voilà pages; the
    # facilitator keeps the whole server.
    hub_routes_stay_closed(rapporteur, base, server)
    assert facilitator.context.request.get(f"{server}/api/contents").status == 200

    # The page's own kernel runs only what a Voilà page sends it: widget messages. Code sent
    # over the rapporteur's websocket to that kernel is dropped.
    kernel = rapporteur.evaluate(
        "JSON.parse(document.getElementById('jupyter-config-data').textContent).kernelId"
    )
    marker = hub["folder"] / "exécuté-par-le-rapporteur"
    replies = kernel_exchange(rapporteur, server, kernel, marker)
    assert not marker.exists(), "le code envoyé par le rapporteur a été exécuté"
    refused = {"execute_reply", "execute_input", "inspect_reply", "complete_reply",
               "history_reply", "is_complete_reply", "execute_result"}  # fmt: skip
    assert refused.isdisjoint(replies), f"le noyau a répondu au rapporteur : {replies}"
    assert "kernel_info_reply" in replies  # the page's own messages still pass
    assert "message « execute_request » de rapporteur ignoré" in hub["log"].read_text()

    # The facilitator's home page hands out the links under the hub's address.
    facilitator.goto(links["animateur"])
    facilitator.wait_for_selector(".ccm-home code", timeout=60_000)
    shown = facilitator.locator(".ccm-home code").all_inner_texts()
    assert shown
    assert all(u.startswith(f"{server}/voila/render/groupe.ipynb?") for u in shown)
    # The facilitator, the server's owner, keeps every message type on their page's kernel.
    kernel = facilitator.evaluate(
        "JSON.parse(document.getElementById('jupyter-config-data').textContent).kernelId"
    )
    owner_marker = hub["folder"] / "exécuté-par-l-animatrice"
    replies = kernel_exchange(facilitator, server, kernel, owner_marker)
    assert owner_marker.exists(), replies
    assert {"execute_reply", "inspect_reply", "complete_reply", "is_complete_reply",
            "history_reply"} <= set(replies)  # fmt: skip

    # A hub user outside the room sees nothing of it.
    outsider = log_in(browser, links["Protection"], OUTSIDER, outside)
    outsider.wait_for_load_state("networkidle")
    assert outsider.locator(GRID).count() == 0
    assert "403" in outsider.inner_text("body")

    assert outside == [], f"requêtes vers l'extérieur : {outside}"
    for page in (facilitator, rapporteur, outsider):
        page.context.close()
    # The hub and the facilitator's server logged every request above, never a key.
    keys = {url.rsplit("cle=", 1)[1] for url in links.values()}
    logged = hub["log"].read_text()
    assert "/voila/render/groupe.ipynb" in logged
    assert [k for k in keys if k in logged] == []
