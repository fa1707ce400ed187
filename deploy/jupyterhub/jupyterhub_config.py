r"""JupyterHub for ccm-workbook: one server per facilitator, Voilà inside it, meetings on
PostgreSQL. Start with ``jupyterhub -f deploy/jupyterhub/jupyterhub_config.py``.

Read by JupyterHub (traitlets): ``c`` is its configuration. Each facilitator logs in and
starts their server; it runs Voilà as a Jupyter server extension over ``workbooks/``, with
the ccm page template, the meeting store named by ``CCM_HUB_STORE`` and the room's set-up
(``ccm_widgets.server.extension``: nothing from a CDN, closed tabs' kernels stopped, the
participants' pages). The room's participants need no hub account: a group's link (its key)
opens that group's light page on the facilitator's server, under the hub's address, with no
kernel behind it (``ccm_widgets.web``), and nothing else of the server. The facilitators are
listed in ``salles.toml``.

Settings from the environment (defaults in brackets):

- ``CCM_HUB_URL``: the hub's public address, links and QR codes carry it [the address the
  facilitator's tab came through, in http]
- ``CCM_HUB_BIND_URL``: where the hub listens [http://127.0.0.1:8000]; put the ministry's
  TLS proxy (nginx, Caddy) in front for anything beyond this machine
- ``CCM_HUB_STORE``: each facilitator's store, ``{username}`` replaced: their own role on
  their own database [postgresql://ccm_{username}@127.0.0.1:5432/ccm_{username}]
- ``CCM_HUB_EXPORTS``: each facilitator's export folder [/srv/ccm/exports/{username}]
- ``CCM_HUB_ROOMS``: the rooms file [salles.toml beside this file]
- ``CCM_HUB_STATE``: the hub's own database and secrets [/srv/ccm/hub]
- ``CCM_HUB_MAX_PAGES``: the facilitator's pages (kernels) open at once on their server
  [twelve]; ``CCM_HUB_MEM_LIMIT`` [3G], ``CCM_HUB_CPU_LIMIT``
  [2]: a facilitator's server's memory and cores, enforced by some spawners only (below)

Each meeting's database, closed to the other facilitators. A server, and any kernel of it,
runs with its facilitator's rights; so each facilitator has their own PostgreSQL role,
``ccm_<name>``, owning their own database, ``ccm_<name>``, on which ``CONNECT`` is revoked
from ``PUBLIC``: another facilitator's role is refused there (``permission denied``). As
PostgreSQL's superuser, per facilitator, which ``base-animateur.sh`` beside this file does::

    createuser --login ccm_animatrice-niamey            # add --pwprompt for a password
    createdb -O ccm_animatrice-niamey -E UTF8 -T template0 ccm_animatrice-niamey
    psql -c 'REVOKE CONNECT, TEMPORARY ON DATABASE "ccm_animatrice-niamey" FROM PUBLIC'

and in ``pg_hba.conf``, before any ``host all all`` line, one of (a role reaches only the
database of its own name: ``sameuser``)::

    # TYPE  DATABASE  USER  ADDRESS        METHOD
    host    sameuser  all   127.0.0.1/32   scram-sha-256   # the role's password, kept in the
                                                           # facilitator's ~/.pgpass (mode 600)
    local   sameuser  all                  peer map=ccm    # or no password: the server runs as
                                                           # the facilitator's Unix account

with, for ``peer``, ``ccm  /^(.*)$  ccm_\1`` in ``pg_ident.conf`` (Unix user ``animatrice-niamey``
is role ``ccm_animatrice-niamey``) and ``CCM_HUB_STORE`` set to
``postgresql:///ccm_{username}?host=/var/run/postgresql&user=ccm_{username}``. The meeting is
then created by its own role (``ccm init … --store postgresql://ccm_animatrice-niamey@…``,
as the facilitator), so that the role owns its tables.

Tested by ``tests/browser/test_jupyterhub.py``, which adds the test-only settings (a dummy
password login, servers run as the test's user, a hub user given access to the
facilitator's server by mistake, whom ``RoomAuthorizer`` must still refuse) in a file that
loads this one.
"""

import os
import sys
import tomllib
from pathlib import Path

from ccm_widgets.server.serve import room_settings

c = get_config()  # type: ignore[name-defined]  # noqa: F821  (given by JupyterHub)

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
BIN = Path(sys.executable).parent  # the environment ccm-workbook and jupyterhub live in
STATE = Path(os.environ.get("CCM_HUB_STATE", "/srv/ccm/hub"))
STORE = os.environ.get("CCM_HUB_STORE", "postgresql://ccm_{username}@127.0.0.1:5432/ccm_{username}")
EXPORTS = os.environ.get("CCM_HUB_EXPORTS", "/srv/ccm/exports/{username}")
PUBLIC = os.environ.get("CCM_HUB_URL", "").rstrip("/")
MAX_PAGES = os.environ.get("CCM_HUB_MAX_PAGES", "")  # empty: the door's default
MEM_LIMIT = os.environ.get("CCM_HUB_MEM_LIMIT", "3G")
CPU_LIMIT = float(os.environ.get("CCM_HUB_CPU_LIMIT", "2"))
ROOMS = tomllib.loads(Path(os.environ.get("CCM_HUB_ROOMS", HERE / "salles.toml")).read_text())

# --- the hub: loopback unless told, state kept apart ---------------------------------------
c.JupyterHub.bind_url = os.environ.get("CCM_HUB_BIND_URL", "http://127.0.0.1:8000")
c.JupyterHub.hub_ip = "127.0.0.1"
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:8001"
c.JupyterHub.db_url = f"sqlite:///{STATE / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(STATE / "jupyterhub_cookie_secret")
c.ConfigurableHTTPProxy.pid_file = str(STATE / "jupyterhub-proxy.pid")

# --- who: the facilitators ---------------------------------------------------------------
# Log-in is the hub's default (PAM: the server's Unix accounts). For the ministry's directory
# use ldapauthenticator or oauthenticator here instead; the rest does not change. The groups'
# rapporteurs log in to nothing: their link's key opens their group's page.
c.Authenticator.allowed_users = set(ROOMS)

# --- each facilitator's server: Voilà over workbooks/, the room's set-up ------------------
EXTENSION = "ccm_widgets.server.extension"
c.Spawner.cmd = [str(BIN / "jupyterhub-singleuser")]
c.Spawner.notebook_dir = str(REPO / "workbooks")
c.Spawner.default_url = "/voila"  # ccm's home page: where to find the links
c.Spawner.environment = {
    "CCM_STORE": lambda spawner: STORE.format(username=spawner.user.name),
    "CCM_EXPORTS": lambda spawner: EXPORTS.format(username=spawner.user.name),
    "CCM_PUBLIC_URL": lambda spawner: f"{PUBLIC}/user/{spawner.user.name}" if PUBLIC else "",
    "JUPYTER_PATH": str(REPO / "ccm_widgets" / "templates"),  # the ccm page template
    "CCM_MAX_PAGES": MAX_PAGES,  # the room's page cap, read by the server's door
    "PYTHONDONTWRITEBYTECODE": "1",
}
c.Spawner.args = [
    *room_settings(),  # the page template, no tracebacks, idle kernels culled: as ccm serve
    "--VoilaConfiguration.file_allowlist=(?!)",  # a pattern no path matches: no files served
    "--ServerApp.terminals_enabled=False",
    # Installed from a wheel (or by make setup), the environment's
    # etc/jupyter/jupyter_server_config.d/ccm_widgets.json already enables the extension; a
    # bare editable install (pip install -e, as the README's set-up does) has no such file:
    # setuptools installs no data files in editable mode (checked with setuptools 84). So the
    # flag stays, saying the same as the file.
    f"--ServerApp.jpserver_extensions={EXTENSION}=True",
    # Any other hub user let into this server (an admin's access, a role given by mistake)
    # reaches nothing of it: no file, no kernel (RoomAuthorizer). The facilitator, the
    # server's owner, keeps everything.
    f"--ServerApp.authorizer_class={EXTENSION}.RoomAuthorizer",
]
# A facilitator's server must not be stopped mid-meeting: install no idle-server culler, or
# give it a timeout longer than a meeting day.
c.Spawner.start_timeout = 120
c.Spawner.http_timeout = 120

# --- each facilitator's server within bounds ------------------------------------------------
# About 100 MB per open facilitator page (its kernel), 100 MB for the server, 300 MB while
# Chromium prints a PDF: 3G holds the default page cap with room to spare (the groups'
# pages have no kernel). Enforced only by spawners that
# put each server in its own cgroup, kernels included: systemdspawner (the server's systemd
# unit gets MemoryMax= and CPUQuota=), DockerSpawner, KubeSpawner. The default local process
# spawner does not enforce them: it only hands them to the server as MEM_LIMIT and CPU_LIMIT.
# What bounds a meeting there is what the server itself holds: the page cap above (a page
# past it gets the « salle pleine » page, no kernel), idle and closed tabs' kernels stopped,
# no terminals, and no kernel anyone but the facilitator could start.
c.Spawner.mem_limit = MEM_LIMIT
c.Spawner.cpu_limit = CPU_LIMIT
# To enforce them: pip install jupyterhub-systemdspawner (servers then run as the
# facilitators' Unix accounts, in units of their own), and
# c.JupyterHub.spawner_class = "systemdspawner.SystemdSpawner"
