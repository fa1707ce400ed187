"""``ccm serve``: Voilà configured for a meeting room.

Serves ``workbooks/`` with our page template (nothing fetched from the internet), the store
path handed to every kernel through ``CCM_STORE``, idle kernels culled, 127.0.0.1 unless told
otherwise. Loads the demo meeting when the store is empty (unless ``--no-demo``: the
facilitator's page then offers to create the meeting) and prints the links first.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ccm_widgets.files.loading import load_demo
from ccm_widgets.i18n import t
from ccm_widgets.links import FACILITATOR_LINKS, is_loopback, meeting_links, print_links
from ccm_widgets.paths import TEMPLATE_ROOT, WORKBOOKS
from ccm_widgets.store import Store

#: Fallback behind the kernel reaper: a kernel idle this long with no tab is culled.
CULL_IDLE_SECONDS = 300
CULL_INTERVAL_SECONDS = 60
#: The server's log lines: Voilà's and ours, each with its time (hours, minutes, seconds).
LOG_FORMAT = "[%(name)s %(asctime)s]%(highlevel)s %(message)s"
LOG_TIME = "%H:%M:%S"
#: How long a cell's outputs are waited for once the kernel has replied (nbclient's 4 s).
IOPUB_TIMEOUT_SECONDS = 60
#: Warnings that Voilà and the kernels print in English at every page opened, and that a
#: facilitator can do nothing about (their log templates, as logged): jupyter_server's
#: contents manager on our workbooks, which carry no signature and need none (Voilà runs
#: them whatever it says), and ipykernel on its ZeroMQ sockets, which listen on 127.0.0.1
#: only (the kernel manager's ``ip``).
NOISE = (
    "Notebook %s is not trusted",  # jupyter_server 2, services/contents/manager.py
    "Kernel is running over TCP without encryption.",  # ipykernel 7, kernelapp.py
)


class SilencedLines(logging.Filter):
    """Drops the records whose message template begins with one of :data:`NOISE`."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith(NOISE)


def silence_noise(*loggers: logging.Logger) -> None:
    """Keep :data:`NOISE` out of the terminal: a filter on each logger that says it (Voilà's
    own, which its contents manager logs through; a kernel's ``IPKernelApp``)."""
    for logger in loggers:
        if not any(isinstance(f, SilencedLines) for f in logger.filters):
            logger.addFilter(SilencedLines())


def voila_argv(*, ip: str, port: int, workbooks: Path = WORKBOOKS) -> list[str]:
    """Voilà's command line for the room: the facilitator's workbooks (the participants'
    pages are served beside them, without a kernel: :mod:`ccm_widgets.web`)."""
    return [
        str(workbooks),
        f"--Voila.ip={ip}",
        f"--Voila.port={port}",
        "--Voila.port_retries=0",
        "--Voila.open_browser=False",
        # Each line says when: what a tab met is found by its time in the room's log.
        f"--Voila.log_format={LOG_FORMAT}",
        f"--Voila.log_datefmt={LOG_TIME}",
        *room_settings(),
        # A kernel that died is not restarted bare: restarted, it has lost the page's widgets
        # (the tab must be reopened anyway, and says so).
        "--KernelManager.autorestart=False",
    ]


def room_settings() -> list[str]:
    """Voilà's and the kernels' settings for a room, wherever Voilà runs: ``ccm serve``, or a
    Jupyter server behind JupyterHub (``deploy/jupyterhub/jupyterhub_config.py``)."""
    return [
        "--VoilaConfiguration.template=ccm",
        "--VoilaConfiguration.theme=light",
        "--VoilaConfiguration.show_tracebacks=False",
        # A cell's outputs (its page's widgets) are waited for until the kernel says it is
        # done, up to a minute, not nbclient's 4 s: on a busy laptop (a facilitator's tabs
        # reopened together, the groups' burst) they came later and the page stayed empty.
        f"--VoilaExecutor.iopub_timeout={IOPUB_TIMEOUT_SECONDS}",
        f"--MappingKernelManager.cull_idle_timeout={CULL_IDLE_SECONDS}",
        f"--MappingKernelManager.cull_interval={CULL_INTERVAL_SECONDS}",
        "--MappingKernelManager.cull_connected=False",
    ]


def voila_config() -> Any:
    """What ``voila_argv`` cannot say on a command line: no files.

    Voilà serves the images found beside the workbooks under ``/voila/files/``; the workbooks
    need none, and an export reaches the browser inside the page that made it (read from
    ``exports/``). So the file route serves nothing at all.
    """
    from traitlets.config import Config

    config = Config()
    config.VoilaConfiguration.file_allowlist = []
    return config


def serve_environment(store_path: str, exports: Path, public_url: str = "") -> dict[str, str]:
    """Variables every kernel inherits: where the store and the exports are, our templates,
    and the address the links handed out carry (the one ``ccm serve`` prints)."""
    # The page template that ships with this code, first, whatever the install: a bare
    # editable install puts none in the environment's share/jupyter (setuptools installs no
    # data files in editable mode), nor does pip install --target anywhere Jupyter looks.
    paths = [
        str(TEMPLATE_ROOT),
        *filter(None, os.environ.get("JUPYTER_PATH", "").split(os.pathsep)),
    ]
    return {
        "CCM_STORE": store_path,
        "CCM_EXPORTS": str(exports),
        "JUPYTER_PATH": os.pathsep.join(paths),
        "CCM_PUBLIC_URL": public_url,
    }


def advertised_host(ip: str) -> str:
    """The address to print in the links for a server listening on ``ip``.

    Listening on every interface (``0.0.0.0``) for the room's network, the links must carry
    an address the groups' phones can reach: the address this machine would send from
    towards the network (a UDP socket is "connected" to a documentation address, which only
    asks the routing table: no packet is sent, no internet needed), else a non-loopback
    address its own name resolves to, else 127.0.0.1 (no network at all).
    """
    if ip not in {"0.0.0.0", "", "::"}:
        return ip
    with contextlib.suppress(OSError), socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.connect(("198.51.100.1", 9))
        address = str(probe.getsockname()[0])
        if not address.startswith(("127.", "0.")):
            return address
    try:
        _, _, addresses = socket.gethostbyname_ex(socket.gethostname())
    except OSError:
        addresses = []
    lan = [a for a in addresses if not a.startswith("127.")]
    return lan[0] if lan else "127.0.0.1"


def cache_versioned_assets(web_app: Any) -> int:
    """Let browsers keep the widgets' JavaScript instead of asking for it at every open.

    Voilà serves the lab extensions (the widget manager, ipydatagrid…) with
    ``Cache-Control: no-cache`` although their URLs carry a content hash (``?v=…``): every
    reopen of a link asked again for some 130 files, six at a time over HTTP/1.1, each
    answered "304 Not Modified" by the same Tornado thread that talks to the kernels. Files
    asked for with ``?v=`` are now cached by the browser (the hash changes when the file
    does); other files keep their revalidation. Returns the number of routes changed.
    """
    changed = 0
    routers = [web_app.default_router, web_app.wildcard_router]
    while routers:  # handlers added later sit in routers nested under the default one
        for rule in getattr(routers.pop(), "rules", []):
            if hasattr(rule.target, "rules"):
                routers.append(rule.target)
            kwargs = getattr(rule, "target_kwargs", None)
            if isinstance(kwargs, dict) and kwargs.get("no_cache_paths"):
                kwargs["no_cache_paths"] = []
                changed += 1
    return changed


def room_set_up(app: Any, web_app: Callable[[], Any], *, strict: bool = True) -> int:
    """What ccm serve adds to Voilà, and the server extension to Voilà inside a Jupyter
    server: the participants' pages (no kernel), the door (only the facilitator's key spends
    a kernel, at most so many pages), no access key in the log, closed tabs' kernels
    stopped (their beacon accepted, the reaper), the widgets' JavaScript cached and
    compressed. Returns the reaper's grace.

    ``strict``: every kernel belongs to a facilitator's page (``ccm serve``); off in a
    Jupyter server, whose owner's own kernels (JupyterLab) are left to its authorisation.
    """
    from tornado.ioloop import IOLoop

    from ccm_widgets import web as participants
    from ccm_widgets.server import compression, door, logs, patches, reaper
    from ccm_widgets.store import resolve_location

    logs.hide_keys_in_logs(app.log)
    silence_noise(app.log)
    logging.getLogger(compression.__name__).setLevel(logging.INFO)  # one line, when done
    reaper.accept_shutdown_beacons()
    grace = float(os.environ.get("CCM_KERNEL_GRACE", reaper.DEFAULT_GRACE))
    start_grace = float(os.environ.get("CCM_KERNEL_START_GRACE", reaper.START_GRACE))
    pages = os.environ.get("CCM_MAX_PAGES", "")
    location = resolve_location(None)
    the_door = door.Door(location, max_pages=int(pages) if pages else None, strict=strict)
    loop = IOLoop.current()
    loop.add_callback(lambda: participants.install(web_app(), location))
    loop.add_callback(lambda: patches.install(web_app(), app.kernel_manager, the_door))
    loop.add_callback(
        lambda: reaper.install(
            app,
            grace=grace,
            interval=min(5.0, grace),
            start_grace=start_grace,
            settings=web_app().settings,
        )
    )
    loop.add_callback(lambda: cache_versioned_assets(web_app()))
    loop.add_callback(lambda: compression.compress_responses(web_app()))
    if strict:  # ccm serve: its own port, the pages' files compressed before the first tabs
        loop.add_callback(
            lambda: compression.prewarm_in_background(app, busy=lambda: the_door.opening > 0)
        )
    return int(grace)


def port_is_free(ip: str, port: int) -> bool:
    """True when nothing listens on ``ip:port``."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((ip, port))
        except OSError:
            return False
    return True


def serve(
    *,
    store: str,
    ip: str = "127.0.0.1",
    port: int = 8866,
    demo: bool = True,
    public_url: str = "",
    qr: bool = False,
    max_pages: int | None = None,
) -> int:
    """Prepare the store, print the links, run Voilà until interrupted.

    The links (printed, and in the facilitator's page with their QR codes) carry
    ``public_url``, else this machine's network address when listening on every interface.
    """
    url = store.startswith(("postgresql://", "postgres://", "sqlite:///"))
    store_path = store if url else str(Path(store).resolve())
    with Store(store_path) as opened:
        if not opened.meetings.exists():
            if demo:
                print(load_demo(opened).summary)
            else:  # the meeting is created in the facilitator's page
                print(t("serve.no_meeting", where=opened.where), file=sys.stderr)
        if not port_is_free(ip, port):
            print(f"ccm : le port {port} est déjà utilisé ; choisissez-en un autre avec --port.",
                  file=sys.stderr)  # fmt: skip
            return 1
        shown = advertised_host(ip)
        if shown.startswith("127.") and ip != shown and not public_url:
            print(t("serve.no_address"), file=sys.stderr)
        public_url = public_url.rstrip("/") or f"http://{shown}:{port}"
        if is_loopback(public_url):  # said before the links: no phone will open them
            print(t("serve.loopback"), file=sys.stderr)
        if opened.meetings.exists():
            print(t("serve.meeting", title=opened.meetings.get().title))
        print(t("serve.store", where=opened.where))
        links = meeting_links(opened, public_url)
        if qr:  # this terminal may go on the wall: the facilitator's key stays off it
            print(t("serve.qr_facilitator"))
            links = [link for link in links if link.label not in FACILITATOR_LINKS]
        print_links(links, qr=qr)
        opened.session.set_served_url(public_url)
        sys.stdout.flush()
    os.environ.update(serve_environment(store_path, Path("exports").resolve(), public_url))
    if max_pages is not None:  # read by the door, as CCM_MAX_PAGES is
        os.environ["CCM_MAX_PAGES"] = str(max_pages)
    from voila.app import Voila

    for handler in logging.getLogger().handlers:  # ours (the room, the door) are timed too
        handler.setFormatter(
            logging.Formatter("[%(name)s %(asctime)s] %(levelname)s %(message)s", LOG_TIME)
        )
    app = Voila.instance(config=voila_config())
    app.initialize(voila_argv(ip=ip, port=port))
    # Voilà makes its kernel manager and web application in start(): read them once it runs.
    room_set_up(app, lambda: app.app)
    try:
        app.start()
    finally:  # ccm links goes back to the default address
        with contextlib.suppress(Exception), Store(store_path) as closing:
            if closing.session.served_url() == public_url:
                closing.session.set_served_url("")
    return 0
