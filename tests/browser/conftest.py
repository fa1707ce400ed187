"""Browser fixtures: a real ``ccm serve`` (Voilà) on 127.0.0.1 and headless Debian Chromium.

Everything started here is stopped here. Screenshots go to ``tests/artifacts/`` to be looked at.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from ccm_widgets.server.logs import KEY_IN_URL
from ccm_widgets.store import Store

CHROMIUM = os.environ.get("CCM_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    """A running ``ccm serve``: its base URL, its store and the links it printed."""

    base: str
    store_path: Path | str  # a SQLite file or a postgresql:// URL
    links: dict[str, str]
    process: subprocess.Popen[str]
    log_path: Path

    def store(self) -> Store:
        return Store(self.store_path)

    def wait_logged(self, text: str, timeout: float = 180.0) -> None:
        """Wait until the server's log holds ``text`` (e.g. "salle prête")."""
        deadline = time.monotonic() + timeout
        while text not in self.log_path.read_text():
            assert time.monotonic() < deadline, self.log_path.read_text()[-3000:]
            time.sleep(0.2)

    def kernels(self) -> list[int]:
        """Process ids of the server's kernels."""
        children = subprocess.run(
            ["pgrep", "-P", str(self.process.pid)], capture_output=True, text=True
        ).stdout.split()
        found = []
        for pid in children:
            try:
                cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
            except OSError:
                continue
            if b"ipykernel" in cmdline:
                found.append(int(pid))
        return found


def _wait_ready(base: str, process: subprocess.Popen[str], log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"ccm serve s'est arrêté :\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"{base}/voila/static/voila.js", timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(f"ccm serve ne répond pas :\n{log.read_text()}")


def start_server(
    folder: Path,
    store_path: Path | str,
    extra_env: dict[str, str] | None = None,
    *,
    demo: bool = True,
    port: int | None = None,
) -> Server:
    """``ccm serve`` on a free port of 127.0.0.1 (or ``port``: a server restarted where its
    pages expect it): the demo meeting if the store is empty, or, with ``demo=False``
    (``--no-demo``), no meeting until the facilitator's page makes one."""
    port = port or free_port()
    log_path = folder / f"serve-{port}-{time.monotonic_ns()}.log"
    env = {
        **os.environ,
        "CCM_STORE": str(store_path),
        "CCM_EXPORTS": str(folder / "exports"),
        "CCM_KERNEL_GRACE": "3",  # kernels of closed tabs go within seconds, not minutes
        **(extra_env or {}),
    }
    env.pop("QUERY_STRING", None)
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "ccm_widgets.cli", "serve", "--port", str(port),
             *(() if demo else ("--no-demo",))],
            cwd=folder, env=env, stdout=log, stderr=subprocess.STDOUT, text=True,
            start_new_session=True,
        )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(base, process, log_path)
    except BaseException:
        stop_server(process)
        raise
    links = {}
    for line in log_path.read_text().splitlines():
        if "\thttp://" in line:
            name, url = line.split("\t", 1)
            links[name] = url
    return Server(base, store_path, links, process, log_path)


def stop_server(process: subprocess.Popen[str]) -> None:
    """Stop a server and its kernels, whatever state it is in."""
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(15)
    except ProcessLookupError:
        return
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(5)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """``ccm serve`` on a free port with the demo meeting, stopped after the module."""
    folder = tmp_path_factory.mktemp("serve")
    started = start_server(folder, folder / "ccm.sqlite")
    try:
        yield started
    finally:
        stop_server(started.process)


@pytest.fixture(scope="module")
def empty_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """``ccm serve --no-demo`` on an empty store: the meeting is made in the pages."""
    folder = tmp_path_factory.mktemp("vide")
    started = start_server(folder, folder / "ccm.sqlite", demo=False)
    try:
        yield started
    finally:
        stop_server(started.process)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """Headless Debian Chromium through Playwright (never a downloaded browser)."""
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium absent ({CHROMIUM}) : lancez « make test », qui l'installe.")
    with sync_playwright() as pw:
        launched = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """A failed browser test says what its tabs showed and what its server logged.

    A test that waited in vain for a grid says only that it waited; the tabs' text, their
    kernels and the server's lines about those kernels say why. They are added to the
    report and written beside the server's log, with a screenshot of each tab.
    """
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    if report.when != "call" or not report.failed:
        return
    funcargs = getattr(item, "funcargs", {})
    servers = [value for value in funcargs.values() if isinstance(value, Server)]
    pages = []  # the tabs of the test's browser, or of its device's context
    for value in funcargs.values():
        for context in getattr(value, "contexts", [value]):
            pages += [page for page in getattr(context, "pages", []) if page not in pages]
    if not servers and not pages:
        return
    folder = servers[0].log_path.parent if servers else Path(tempfile.mkdtemp(prefix="ccm-"))
    name = re.sub(r"\W+", "-", item.name)[:80]
    lines = [f"heure : {time.strftime('%H:%M:%S')}"]
    kernels = []
    for n, page in enumerate(pages):
        address = KEY_IN_URL.sub(r"\1[clé masquée]", page.url)  # as the server's log hides it
        lines.append(f"onglet {n} : {address}")
        kernel = ""
        with contextlib.suppress(Exception):  # every wait is bounded: a hung tab says so too
            found = page.locator("#jupyter-config-data").text_content(timeout=5_000)
            kernel = str(json.loads(found or "{}").get("kernelId", ""))
        try:
            text = page.locator("body").inner_text(timeout=5_000)
            shot = folder / f"echec-{name}-{n}.png"
            page.screenshot(path=str(shot), timeout=10_000)
        except Exception as error:  # a tab that cannot say is a finding too
            lines.append(f"  illisible : {type(error).__name__}: {error}"[:300])
            continue
        kernels.append(kernel)
        lines.append(f"  noyau : {kernel} ; capture : {shot}")
        lines.append("  texte : " + " | ".join(text.split("\n"))[:600])
        lines += [f"  {said}"[:400] for said in _what_the_scripts_said(page)]
    for server in servers:
        log = server.log_path.read_text(errors="replace").splitlines()
        about = [line for line in log if any(k and k in line for k in kernels)]
        lines.append(f"journal {server.log_path} ({len(log)} lignes) ; sur ces noyaux :")
        lines += [f"  {line[:200]}" for line in about[-15:]]
        lines.append("  dernières lignes :")
        lines += [f"  {line[:200]}" for line in log[-12:]]
    diagnosis = "\n".join(lines)
    (folder / f"echec-{name}.txt").write_text(diagnosis)
    report.sections.append(("ce que montraient les onglets", diagnosis))


def _what_the_scripts_said(page: Any) -> list[str]:
    """A tab's script errors: its last console errors, its uncaught exceptions, and the text
    behind ipywidgets' "Click to show javascript error" (a widget that could not be drawn
    says why only once clicked: the error and its stack)."""
    said = []
    with contextlib.suppress(Exception):
        said += [f"console : {m.text}" for m in page.console_messages() if m.type == "error"][-6:]
        said += [f"exception : {error}" for error in page.page_errors()][-4:]
    with contextlib.suppress(Exception):
        broken = page.locator(".jupyter-widgets-error-widget")
        for n in range(min(broken.count(), 3)):
            broken.nth(n).click(timeout=2_000)
            shown = broken.nth(n).inner_text(timeout=2_000)
            said.append("widget en erreur : " + " | ".join(shown.split("\n")))
    return said
