"""ccm-workbook installed for real, as a user would: a wheel built from this tree, installed
in a fresh virtual environment, used from an empty folder.

The fresh environment reuses the third-party packages already installed here (a ``.pth``
file names this environment's site-packages, and its ``share/jupyter`` is linked in, the
ccm template left out) so nothing is downloaded; ccm-workbook itself comes only from the
wheel, never from this checkout. Checked there: ``ccm demo``, ``ccm serve`` and its pages
(a group's grid, a wrong key refused), plain Voilà finding the ccm template in the
environment's ``share/jupyter``, and the server extension enabled by its configuration file.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import sysconfig
import time
import tomllib
import urllib.error
import urllib.request
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from ccm_widgets import __version__
from tests.conftest import REPO

pytestmark = pytest.mark.package

#: In every page of the ccm template (its inline script), in no other Voilà template.
TEMPLATE_MARKER = "ccm-upload"
#: Where pip would look for packages and the index, and the variables ccm and Jupyter read:
#: none of this environment's may leak into the fresh one.
LEAKY_VARIABLES = ("PYTHON", "PIP_", "VIRTUAL_ENV", "JUPYTER", "CCM_", "VOILA", "QUERY_STRING")
#: No proxy between the test and 127.0.0.1, whatever the environment says.
HTTP = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def data_files() -> dict[str, list[Path]]:
    """pyproject.toml's data files: installed folder -> the repository files it receives."""
    config = tomllib.loads((REPO / "pyproject.toml").read_text())
    return {
        target: sorted(p for pattern in patterns for p in REPO.glob(pattern) if p.is_file())
        for target, patterns in config["tool"]["setuptools"]["data-files"].items()
    }


@dataclass
class Installed:
    """The fresh environment: its interpreter and prefix, the wheel, a clean environment."""

    wheel: Path
    prefix: Path
    env: dict[str, str]

    @property
    def python(self) -> str:
        return str(self.prefix / "bin" / "python")

    def run(self, *argv: str, cwd: Path, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            argv, cwd=cwd, env=self.env, capture_output=True, text=True, timeout=timeout
        )

    def start(self, *argv: str, cwd: Path) -> subprocess.Popen[str]:
        """A server in a session of its own, so that stopping it stops its kernels too."""
        return subprocess.Popen(
            argv, cwd=cwd, env=self.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            text=True, start_new_session=True,
        )  # fmt: skip


def copy_of_the_tree(target: Path) -> Path:
    """The files git would see in this checkout (tracked or new, not ignored), as they are
    now: the wheel is built from a copy, so that the build leaves nothing in the checkout."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO, capture_output=True, check=True,
    ).stdout.decode().split("\0")  # fmt: skip
    for name in filter(None, listed):
        source = REPO / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            (target / name).write_bytes(source.read_bytes())
    return target


def link_all_but(source: Path, target: Path, left_out: set[Path]) -> None:
    """Mirror ``source`` into ``target`` with symbolic links, ``left_out`` paths excepted."""
    target.mkdir(parents=True, exist_ok=True)
    for entry in source.iterdir():
        if entry in left_out:
            continue
        if any(entry in skipped.parents for skipped in left_out):
            link_all_but(entry, target / entry.name, left_out)
        else:
            (target / entry.name).symlink_to(entry)


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    root = tmp_path_factory.mktemp("package")
    tree = copy_of_the_tree(root / "source")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-index",
         "--no-build-isolation", "--wheel-dir", str(root / "dist"), str(tree)],
        check=True, capture_output=True,
    )  # fmt: skip
    (wheel,) = (root / "dist").glob("ccm_workbook-*.whl")
    prefix = root / "fresh"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(prefix)], check=True)
    purelib = subprocess.run(
        [prefix / "bin" / "python", "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
        check=True, capture_output=True, text=True,
    ).stdout.strip()  # fmt: skip
    # This environment's packages, by path only: the .pth files there (the editable install
    # of this checkout among them) are not run.
    (Path(purelib) / "reuse_test_environment.pth").write_text(sysconfig.get_path("purelib"))
    ours = Path(sys.prefix, "share", "jupyter")
    link_all_but(ours, prefix / "share" / "jupyter", {ours / "voila" / "templates" / "ccm"})
    env = {k: v for k, v in os.environ.items() if not k.startswith(LEAKY_VARIABLES)}
    env |= {
        "PATH": f"{prefix / 'bin'}{os.pathsep}{env.get('PATH', '')}",
        "PYTHONUNBUFFERED": "1",
        "JUPYTER_CONFIG_DIR": str(root / "home-config"),  # no user settings of this machine
        "JUPYTER_DATA_DIR": str(root / "home-data"),
    }
    # Installed by the fresh interpreter's own pip run (reached through the .pth); the
    # editable ccm-workbook of this environment is visible there, and must stay untouched.
    subprocess.run(
        [prefix / "bin" / "python", "-m", "pip", "install", "--quiet", "--no-deps", "--no-index",
         "--ignore-installed", "--disable-pip-version-check", str(wheel)],
        check=True, capture_output=True, env=env,
    )  # fmt: skip
    return Installed(wheel, prefix, env)


@pytest.fixture
def empty_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "salle"
    folder.mkdir()
    return folder


def test_the_wheel_holds_the_workbooks_the_demo_and_the_jupyter_files(
    installed: Installed,
) -> None:
    names = set(zipfile.ZipFile(installed.wheel).namelist())
    shipped = {
        "ccm_widgets/workbooks": REPO / "workbooks",
        "ccm_widgets/demo": REPO / "data" / "demo",
        "ccm_widgets/templates": REPO / "ccm_widgets" / "templates",
    }
    for inside, folder in shipped.items():
        files = {f"{inside}/{p.relative_to(folder)}" for p in folder.rglob("*") if p.is_file()}
        assert files, folder
        assert files <= names
    data = f"ccm_workbook-{__version__}.data/data"
    for target, sources in data_files().items():
        assert {f"{data}/{target}/{p.name}" for p in sources} <= names


def test_ccm_widgets_comes_from_the_wheel(installed: Installed, empty_folder: Path) -> None:
    shown = installed.run(
        installed.python, "-c",
        "import importlib.metadata as m, ccm_widgets, ccm_widgets.paths as p; "
        "print(ccm_widgets.__file__, p.WORKBOOKS, p.DEMO, m.version('ccm-workbook'), sep='\\n')",
        cwd=empty_folder,
    )  # fmt: skip
    assert shown.returncode == 0, shown.stderr
    module, workbooks, demo, version = shown.stdout.split("\n")[:4]
    site = Path(module).parent
    assert site.is_relative_to(installed.prefix), module
    assert (Path(workbooks), Path(demo)) == (site / "workbooks", site / "demo")
    assert (Path(workbooks) / "pleniere.ipynb").is_file()
    web = site / "web"
    assert (web / "templates" / "groupe.html").is_file()  # the light pages ship too
    assert (web / "static" / "groupe.js").is_file()
    assert version == __version__  # pyproject.toml's version is the package's


def open_url(url: str) -> tuple[int, str]:
    try:
        with HTTP.open(url, timeout=60) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        with error:
            return error.code, error.read().decode()


def wait_for(url: str, server: subprocess.Popen[str], seconds: float = 60) -> tuple[int, str]:
    """The page at ``url`` once the server listens (it prints its links before it does)."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            return open_url(url)
        except urllib.error.URLError:
            assert server.poll() is None, server.stdout.read() if server.stdout else ""
            assert time.monotonic() < deadline, f"{url} never answered"
            time.sleep(0.2)


def stop(server: subprocess.Popen[str]) -> None:
    """Stop the server and its kernels (its whole session)."""
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
    if server.stdout:
        server.stdout.close()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Served:
    """A running ``ccm serve`` and the links it printed (name -> URL)."""

    server: subprocess.Popen[str]
    links: dict[str, str]


@pytest.fixture
def served(installed: Installed, empty_folder: Path) -> Iterator[Served]:
    """``ccm demo`` then ``ccm serve`` in an empty folder."""
    demo = installed.run(str(installed.prefix / "bin" / "ccm"), "demo", cwd=empty_folder)
    assert demo.returncode == 0, demo.stderr
    assert (empty_folder / "data" / "ccm.sqlite").is_file()
    server = installed.start(
        str(installed.prefix / "bin" / "ccm"), "serve", "--port", str(free_port()),
        cwd=empty_folder,
    )  # fmt: skip
    try:
        links: dict[str, str] = {}
        assert server.stdout
        for line in server.stdout:
            name, _, url = line.rstrip("\n").partition("\t")
            if url.startswith("http"):
                links[name] = url
            if "/ccm/groupe?" in url:  # the groups come last: one is enough
                break
        yield Served(server, links)
    finally:
        stop(server)


def test_ccm_serve_serves_a_group_its_grid(served: Served) -> None:
    group = next(url for url in served.links.values() if "/ccm/groupe?" in url)
    status, page = wait_for(group, served.server)
    assert status == 200
    assert "<textarea" in page  # the group's rows, in the page
    found = re.search(r'src="(/ccm/static/[0-9a-f]+/groupe.js)"', page)
    assert found is not None
    base = group.split("/ccm/")[0]
    assert open_url(base + found.group(1))[0] == 200  # its script, from the wheel
    status, page = open_url(group.split("cle=")[0] + "cle=mauvaise-cle")
    assert status == 403
    status, page = wait_for(served.links["animateur"], served.server)
    assert status == 200
    assert TEMPLATE_MARKER in page  # the facilitator's Voilà page, with ccm's template


def test_plain_voila_finds_the_ccm_template(installed: Installed, empty_folder: Path) -> None:
    """No ccm serve, no JUPYTER_PATH: the template is in the environment's share/jupyter."""
    notebook = {
        "cells": [{"cell_type": "code", "execution_count": None, "id": "a", "metadata": {},
                   "outputs": [], "source": "print('bonjour')"}],
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3",
                                    "language": "python"}},
        "nbformat": 4, "nbformat_minor": 5,
    }  # fmt: skip
    (empty_folder / "essai.ipynb").write_text(json.dumps(notebook))
    port = free_port()
    server = installed.start(
        installed.python, "-m", "voila", "essai.ipynb", "--template=ccm", "--no-browser",
        f"--port={port}", "--Voila.ip=127.0.0.1", cwd=empty_folder,
    )  # fmt: skip
    try:
        status, page = wait_for(f"http://127.0.0.1:{port}/", server)
    finally:
        stop(server)
    assert status == 200
    assert "bonjour" in page
    assert TEMPLATE_MARKER in page


def test_the_server_extension_is_enabled_by_its_config_file(
    installed: Installed, empty_folder: Path
) -> None:
    listed = installed.run(
        installed.python, "-m", "jupyter_server", "extension", "list", cwd=empty_folder
    )
    assert listed.returncode == 0, listed.stderr
    output = re.sub(r"\x1b\[[0-9;]*m", "", listed.stdout + listed.stderr)  # no colours
    # The extensions each configuration folder enables, under its "Config dir:" line.
    section = output.split(f"Config dir: {installed.prefix / 'etc' / 'jupyter'}\n")[1]
    lines = [line.split() for line in section.split("Config dir:")[0].splitlines()]
    assert ["ccm_widgets.server.extension", "enabled"] in lines, output
    assert ["ccm_widgets.server.extension", "OK"] in lines, output  # it imports


@pytest.mark.skipif(
    Path(sys.prefix) != REPO / ".venv", reason="not the environment make setup installs"
)
def test_make_setup_gives_the_environment_the_wheels_data_files() -> None:
    """An editable install has none: make setup links them, the same as the wheel's."""
    for target, sources in data_files().items():
        for source in sources:
            installed_file = Path(sys.prefix, target, source.name)
            assert installed_file.is_file(), f"{installed_file}: run make setup"
            assert installed_file.read_bytes() == source.read_bytes()
