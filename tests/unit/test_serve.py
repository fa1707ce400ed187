"""How ccm serve configures Voilà for the room."""

from __future__ import annotations

import pytest

from ccm_widgets.server.serve import (
    IOPUB_TIMEOUT_SECONDS,
    advertised_host,
    room_settings,
    voila_argv,
)


def test_listens_on_loopback_unless_told_and_never_on_a_cdn_template() -> None:
    argv = voila_argv(ip="127.0.0.1", port=8866)
    assert "--Voila.ip=127.0.0.1" in argv
    assert "--VoilaConfiguration.template=ccm" in argv
    assert "--Voila.port_retries=0" in argv
    assert "--KernelManager.autorestart=False" in argv  # a dead pooled kernel is replaced


def test_voila_waits_for_a_cells_outputs_as_long_as_a_busy_laptop_needs() -> None:
    """nbclient's 4 s dropped the plenary's widgets when a facilitator's tabs opened
    together; the setting must reach the executor Voilà makes for each page."""
    import nbformat
    from voila.app import Voila
    from voila.execute import VoilaExecutor

    app = Voila()
    app.parse_command_line(room_settings())
    executor = VoilaExecutor(nbformat.v4.new_notebook(), km=None, config=app.config)
    assert executor.iopub_timeout == IOPUB_TIMEOUT_SECONDS >= 30


def test_serves_only_the_facilitators_workbooks_and_preheats_none() -> None:
    """The groups' and the projection's pages are light pages: no workbook, no kernel in
    waiting for them."""
    from ccm_widgets.paths import WORKBOOKS

    assert not any("preheat" in a for a in voila_argv(ip="127.0.0.1", port=1))
    assert sorted(p.name for p in WORKBOOKS.glob("*.ipynb")) == [
        "animateur.ipynb", "debats.ipynb", "pleniere.ipynb", "preparation.ipynb",
        "presence.ipynb", "revue.ipynb",
    ]  # fmt: skip


@pytest.mark.parametrize("ip", ["127.0.0.1", "192.0.2.10"])
def test_links_use_the_given_address(ip: str) -> None:
    assert advertised_host(ip) == ip


def test_links_for_every_interface_use_this_machines_network_address() -> None:
    """Not 127.0.0.1, which a phone would take for itself: an address of one of this
    machine's network interfaces (listed by iproute2)."""
    import ipaddress
    import shutil
    import subprocess

    if not shutil.which("ip"):
        pytest.skip("iproute2 absent : pas de liste des interfaces")
    listed = subprocess.run(["ip", "-4", "-o", "addr"], capture_output=True, text=True).stdout
    own = {line.split()[3].split("/")[0] for line in listed.splitlines()}
    lan = {a for a in own if not ipaddress.ip_address(a).is_loopback}
    host = advertised_host("0.0.0.0")
    if not lan:
        assert host == "127.0.0.1"  # no network: nothing better to print
    else:
        assert host in lan, f"{host} n'est pas une adresse réseau de cette machine ({lan})"


def test_versioned_lab_extension_files_become_cacheable() -> None:
    """Voilà's own no-cache rule for lab extensions is lifted; nothing else changes."""
    import tornado.web
    from jupyter_server.base.handlers import FileFindHandler

    from ccm_widgets.server.serve import cache_versioned_assets

    app = tornado.web.Application([(r"/a/(.*)", FileFindHandler, {"path": ["/tmp"]})])
    app.add_handlers(
        ".*$",
        [
            (
                r"/voila/labextensions/(.*)",
                FileFindHandler,
                {"path": ["/tmp"], "no_cache_paths": ["/"]},
            )
        ],
    )
    assert cache_versioned_assets(app) == 1
    kwargs = [
        rule.target_kwargs
        for host in app.default_router.rules
        for rule in getattr(host.target, "rules", [])
    ]
    assert {"path": ["/tmp"], "no_cache_paths": []} in kwargs
    assert cache_versioned_assets(app) == 0


def test_voila_serves_no_file_beside_the_workbooks() -> None:
    """Not even the images Voilà serves by default: exports reach the page inside it."""
    from voila.configuration import VoilaConfiguration

    from ccm_widgets.server.serve import voila_config

    default = VoilaConfiguration()
    assert default.file_allowlist  # Voilà's default lets images through
    ours = VoilaConfiguration(config=voila_config())
    assert ours.file_allowlist == []


@pytest.mark.parametrize(
    "line",
    [
        "404 GET /voila/render/nope.ipynb?cle=SECRET123 (127.0.0.1) 50.53ms",
        "200 GET /user/a/voila/render/groupe.ipynb?groupe=protection&cle=SECRET123 (r@127.0.0.1)",
        "302 GET /hub/login?next=%2Fuser%2Fa%2Fvoila%2Fg.ipynb%3Fgroupe%3Dp%26cle%3DSECRET123",
        "403 GET /voila/files/x.png?CLE=SECRET123&x=1 (127.0.0.1)",
        "403 GET /voila/render/groupe.ipynb?groupe=protection&c%6ce=SECRET123 (127.0.0.1)",
        "403 GET /voila/render/groupe.ipynb?%63%4C%65%3DSECRET123 (127.0.0.1)",
        "302 GET /hub/login?next=%2Fuser%2Fa%2Fg.ipynb%3Fgroupe%3Dp%26c%256ce%3DSECRET123",
    ],
)
def test_access_keys_never_reach_the_log(line: str) -> None:
    import logging

    from ccm_widgets.server.logs import HideKeys

    record = logging.LogRecord("tornado.access", logging.WARNING, "", 0, "%s", (line,), None)
    HideKeys().filter(record)
    shown = record.getMessage()
    assert "SECRET123" not in shown
    assert "[clé masquée]" in shown
    assert shown.split("[clé masquée]")[0] == line.split("SECRET123")[0]
