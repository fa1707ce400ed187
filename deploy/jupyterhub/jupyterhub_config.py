"""JupyterHub for ccm-workbook: one server per facilitator, Voilà inside it, meetings on
PostgreSQL. Start with ``jupyterhub -f deploy/jupyterhub/jupyterhub_config.py``.

Read by JupyterHub (traitlets): ``c`` is its configuration. Each facilitator logs in and
starts their server; it runs Voilà as a Jupyter server extension over ``workbooks/``, with
the ccm page template, the meeting store named by ``CCM_HUB_STORE`` and the room's set-up
(``ccm_widgets.server_extension``: nothing from a CDN, closed tabs' kernels stopped). The
rapporteurs of that facilitator's room (``salles.toml``) log in to the hub too, and may open
that facilitator's Voilà pages, and nothing else of their server. Inside the pages, the
links' keys decide as everywhere: a group's key opens that group's grid only.

Settings from the environment (defaults in brackets):

- ``CCM_HUB_URL``: the hub's public address, links and QR codes carry it [the address the
  facilitator's tab came through, in http]
- ``CCM_HUB_BIND_URL``: where the hub listens [http://127.0.0.1:8000]; put the ministry's
  TLS proxy (nginx, Caddy) in front for anything beyond this machine
- ``CCM_HUB_STORE``: each facilitator's store, ``{username}`` replaced
  [postgresql://ccm@127.0.0.1:5432/ccm_{username}]
- ``CCM_HUB_EXPORTS``: each facilitator's export folder [/srv/ccm/exports/{username}]
- ``CCM_HUB_ROOMS``: the rooms file [salles.toml beside this file]
- ``CCM_HUB_STATE``: the hub's own database and secrets [/srv/ccm/hub]

Tested by ``tests/browser/test_jupyterhub.py``, which adds the test-only settings (a dummy
password login, servers run as the test's user) in a file that loads this one.
"""

import os
import sys
import tomllib
from pathlib import Path

from ccm_widgets.serve import room_settings

c = get_config()  # type: ignore[name-defined]  # noqa: F821  (given by JupyterHub)

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
BIN = Path(sys.executable).parent  # the environment ccm-workbook and jupyterhub live in
STATE = Path(os.environ.get("CCM_HUB_STATE", "/srv/ccm/hub"))
STORE = os.environ.get("CCM_HUB_STORE", "postgresql://ccm@127.0.0.1:5432/ccm_{username}")
EXPORTS = os.environ.get("CCM_HUB_EXPORTS", "/srv/ccm/exports/{username}")
PUBLIC = os.environ.get("CCM_HUB_URL", "").rstrip("/")
ROOMS = tomllib.loads(Path(os.environ.get("CCM_HUB_ROOMS", HERE / "salles.toml")).read_text())

# --- the hub: loopback unless told, state kept apart ---------------------------------------
c.JupyterHub.bind_url = os.environ.get("CCM_HUB_BIND_URL", "http://127.0.0.1:8000")
c.JupyterHub.hub_ip = "127.0.0.1"
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:8001"
c.JupyterHub.db_url = f"sqlite:///{STATE / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(STATE / "jupyterhub_cookie_secret")
c.ConfigurableHTTPProxy.pid_file = str(STATE / "jupyterhub-proxy.pid")

# --- who: the facilitators and their rooms' rapporteurs -----------------------------------
# Log-in is the hub's default (PAM: the server's Unix accounts). For the ministry's directory
# use ldapauthenticator or oauthenticator here instead; the rest does not change.
facilitators = set(ROOMS)
rapporteurs = {name for room in ROOMS.values() for name in room.get("rapporteurs", [])}
c.Authenticator.allowed_users = facilitators | rapporteurs
c.JupyterHub.load_groups = {
    f"salle-{name}": {"users": room.get("rapporteurs", [])} for name, room in ROOMS.items()
}
c.JupyterHub.load_roles = [
    {
        "name": f"salle-{name}",
        "description": f"ouvrir les pages Voilà de {name}",
        "scopes": [f"access:servers!user={name}"],
        "groups": [f"salle-{name}"],
    }
    for name in ROOMS
]
# A rapporteur opening a facilitator's link would first be asked to "authorize" the server;
# the room's role already says they may.
c.JupyterHub.tornado_settings = {
    "oauth_no_confirm_list": {f"jupyterhub-user-{name}" for name in ROOMS}
}

# --- each facilitator's server: Voilà over workbooks/, the room's set-up ------------------
c.Spawner.cmd = [str(BIN / "jupyterhub-singleuser")]
c.Spawner.notebook_dir = str(REPO / "workbooks")
c.Spawner.default_url = "/voila"  # ccm's home page: where to find the links
c.Spawner.environment = {
    "CCM_STORE": lambda spawner: STORE.format(username=spawner.user.name),
    "CCM_EXPORTS": lambda spawner: EXPORTS.format(username=spawner.user.name),
    "CCM_PUBLIC_URL": lambda spawner: f"{PUBLIC}/user/{spawner.user.name}" if PUBLIC else "",
    "JUPYTER_PATH": str(REPO / "ccm_widgets" / "templates"),  # the ccm page template
    "PYTHONDONTWRITEBYTECODE": "1",
}
c.Spawner.args = [
    *room_settings(),  # the page template, no tracebacks, idle kernels culled: as ccm serve
    "--VoilaConfiguration.file_allowlist=(?!)",  # a pattern no path matches: no files served
    "--ServerApp.terminals_enabled=False",
    "--ServerApp.jpserver_extensions=ccm_widgets.server_extension=True",
    "--ServerApp.authorizer_class=ccm_widgets.server_extension.RoomAuthorizer",
]
# A facilitator's server must not be stopped mid-meeting: install no idle-server culler, or
# give it a timeout longer than a meeting day.
c.Spawner.start_timeout = 120
c.Spawner.http_timeout = 120
