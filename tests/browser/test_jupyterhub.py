"""The JupyterHub deployment of ``deploy/jupyterhub/``, run for real on 127.0.0.1.

A hub with its proxy; the facilitator logs in and their server starts: Voilà as a Jupyter
server extension, the meeting on PostgreSQL, in the facilitator's own database under their
own role. The groups need no hub account: a browser that never logged in to the hub opens a
group's link on the facilitator's server, lands on the group's light page, types, and the
store holds it; that browser gets nothing of the Jupyter API, the facilitator's workbooks or
their kernels. A hub user who is not the server's owner, even let in by a role given by
mistake, is refused the Jupyter API and the kernels' websockets (``RoomAuthorizer``). The
facilitator keeps the whole server and runs code in their own page's kernel; their page hands
out the links under the hub's address; nothing is fetched from outside; no key is logged. The
test only adds what a test needs (a password login, servers run as the test's user, the
mistaken role) in a file that loads the deployment's own.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ccm_widgets.files.loading import load_demo
from ccm_widgets.store import Store
from tests.browser.conftest import ARTIFACTS, free_port
from tests.browser.helpers import (
    GROUP_READY,
    PHONE,
    open_page,
    type_cell,
    wait_cell_saved,
)
from tests.unit.test_meeting_databases import facilitator_database, with_password

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy" / "jupyterhub" / "jupyterhub_config.py"
PROXY = REPO / ".cache" / "hub-proxy" / "node_modules" / ".bin" / "configurable-http-proxy"
PASSWORD = "mot-de-passe-de-test"
DB_PASSWORD = "mot-de-passe-de-la-base"
FACILITATOR, OUTSIDER = "animatrice", "intrus"

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
# Test only: a hub user outside the room given access to the facilitator's server by mistake
# (an admin's slip), and no "authorize" page on the way: the server itself must leave them
# nothing (RoomAuthorizer).
c.JupyterHub.load_roles = [{{"name": "acces-par-erreur", "users": [{outsider!r}],
                            "scopes": ["access:servers!user={facilitator}"]}}]
c.JupyterHub.tornado_settings = {{"oauth_no_confirm_list": {{"jupyterhub-user-{facilitator}"}}}}
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
    rooms.write_text(f"[{FACILITATOR}]\n", encoding="utf-8")  # the facilitators only
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    config = folder / "jupyterhub_config.py"
    config.write_text(
        TEST_CONFIG.format(
            deploy=str(DEPLOY), password=PASSWORD, outsider=OUTSIDER,
            facilitator=FACILITATOR, port=port,
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
    # The servers' kernels end a moment after the hub does (seen: 0.4 s), not never.
    deadline = time.monotonic() + 10
    while True:
        leftovers = subprocess.run(
            ["pgrep", "-a", "-f", str(folder)], capture_output=True, text=True
        ).stdout.splitlines()
        if not leftovers or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert leftovers == [], f"processus restés après l'arrêt du hub : {leftovers}"


def log_in(browser: Any, url: str, user: str, outside: list[str]) -> Any:
    """A fresh browser session opening ``url``: the hub asks who it is, then sends it on."""
    page = open_page(browser, url, "input[name=username]", outside=outside)
    page.fill("input[name=username]", user)
    page.fill("input[name=password]", PASSWORD)
    page.click("[type=submit]")
    return page


def hub_routes_stay_closed(page: Any, base: str, server: str, *, anonymous: bool) -> None:
    """Nothing of the facilitator's server but the group's page, nothing of the hub's own API
    or admin page: 403 or 404, never a page; for a browser that never logged in, a redirect
    to the hub too (not followed: it leads to the hub's log-in)."""
    api = page.context.request
    xsrf = next((c["value"] for c in page.context.cookies() if c["name"] == "_xsrf"), "")
    who = "un navigateur anonyme" if anonymous else OUTSIDER
    gets = [f"{server}/{path}" for path in (
        "api/contents", "api/contents/animateur.ipynb", "api/kernels", "api/sessions",
        "api/terminals", "api/kernelspecs", "lab", "tree", "files/animateur.ipynb",
        "edit/animateur.ipynb", "nbconvert/html/animateur.ipynb", "voila/api/contents",
        "voila/render/animateur.ipynb", "voila/render/pleniere.ipynb",
    )] + [f"{base}/hub/api/users", f"{base}/hub/api/groups", f"{base}/hub/admin"]  # fmt: skip
    for url in gets:
        answer = api.get(url, max_redirects=0)
        if anonymous and 300 <= answer.status < 400:
            to = answer.headers.get("location", "")
            assert to.startswith(("/hub/", f"{base}/hub/")), f"GET {url} → {answer.status} {to}"
            continue
        assert answer.status in {403, 404}, f"GET {url} → {answer.status} pour {who}"
    for path in ("api/kernels", "api/sessions", "api/terminals", "api/contents"):
        status = api.post(f"{server}/{path}", headers={"X-XSRFToken": xsrf}, data={}).status
        assert status in {403, 404}, f"POST {path} → {status} pour {who}"


def kernel_socket(page: Any, server: str, kernel: str) -> int:
    """The status the facilitator's server answers ``page``'s user asking for ``kernel``'s
    websocket: 101 when it is opened (and closed at once)."""
    from websockets.exceptions import InvalidStatus
    from websockets.sync.client import connect

    cookies = "; ".join(f"{c['name']}={c['value']}" for c in page.context.cookies(server + "/"))
    url = server.replace("http://", "ws://") + f"/api/kernels/{kernel}/channels"
    try:
        with connect(
            f"{url}?session_id={uuid.uuid4().hex}", additional_headers={"Cookie": cookies},
            subprotocols=["v1.kernel.websocket.jupyter.org"], origin=server.split("/user/")[0],
            open_timeout=10,
        ):  # fmt: skip
            return 101
    except InvalidStatus as refused:
        return int(refused.response.status_code)


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
    assert links["Protection"].startswith(f"{server}/ccm/groupe?cle=")

    # A phone that never logged in to the hub opens the group's link: the group's page, no
    # log-in; it types, and the store holds it as the group's.
    group = open_page(browser, links["Protection"], GROUP_READY, outside=outside, device=PHONE)
    group.wait_for_function("() => !location.search.includes('cle=')")  # the script ran
    assert group.url == f"{server}/ccm/groupe"
    assert "Protection" in group.inner_text("h1")
    type_cell(group, 0, "challenges", "Défi saisi à travers JupyterHub", touch=True)
    wait_cell_saved(group, 0, "challenges")
    with Store(hub["store"]) as store:
        row = store.grid.rows("protection")[0]
    assert (row.challenges, row.updated_by) == (
        "Défi saisi à travers JupyterHub",
        "groupe:protection",
    )
    group.screenshot(path=str(ARTIFACTS / "jupyterhub-groupe.png"), full_page=True)
    # That phone gets nothing else of the facilitator's server, nor of the hub.
    hub_routes_stay_closed(group, base, server, anonymous=True)

    # The facilitator's home page hands out the links under the hub's address.
    facilitator.goto(links["animateur"])
    facilitator.wait_for_selector(".ccm-home code", timeout=60_000)
    shown = [u for u in facilitator.locator(".ccm-home code").all_inner_texts() if "cle=" in u]
    assert len(shown) >= 4
    groups = [u for u in shown if "/ccm/groupe?" in u]
    assert len(groups) == 4, shown
    assert all(u.startswith(f"{server}/") for u in shown), shown
    facilitator.screenshot(path=str(ARTIFACTS / "jupyterhub-animatrice.png"), full_page=True)
    # The facilitator, the server's owner, keeps the whole server, and every message type
    # on their page's kernel.
    assert facilitator.context.request.get(f"{server}/api/contents").status == 200
    kernel = facilitator.evaluate(
        "JSON.parse(document.getElementById('jupyter-config-data').textContent).kernelId"
    )
    owner_marker = hub["folder"] / "exécuté-par-l-animatrice"
    replies = kernel_exchange(facilitator, server, kernel, owner_marker)
    assert owner_marker.exists(), replies
    assert {"execute_reply", "inspect_reply", "complete_reply", "is_complete_reply",
            "history_reply"} <= set(replies)  # fmt: skip
    # The phone cannot reach that kernel.
    assert kernel_socket(group, server, kernel) in {302, 401, 403}

    # A hub user who is not the owner, let into the server by a role given by mistake: the
    # server refuses them every route of the Jupyter API, and the kernel's websocket.
    outsider = log_in(browser, f"{server}/voila", OUTSIDER, outside)
    # Let in by the hub (the role), the home page says only that each page opens with its
    # link; it names no workbook.
    outsider.get_by_text("Cahiers de la réunion").wait_for(timeout=60_000)
    assert ".ipynb" not in outsider.content()
    hub_routes_stay_closed(outsider, base, server, anonymous=False)
    assert kernel_socket(outsider, server, kernel) == 403
    assert f"ccm : refusé à {OUTSIDER}" in hub["log"].read_text()

    assert outside == [], f"requêtes vers l'extérieur : {outside}"
    for page in (facilitator, group, outsider):
        page.context.close()
    # The hub and the facilitator's server logged what they did, never a key.
    keys = {url.rsplit("cle=", 1)[1] for url in links.values()}
    logged = hub["log"].read_text()
    assert "GET /user/animatrice/ccm/groupe?cle=[clé masquée]" in logged
    assert [k for k in keys if k in logged] == []
