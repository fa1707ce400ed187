"""What the browser benchmarks share: the servers they start, the browser they drive, the
phone they emulate, and how they time "a textarea that takes input".

Every server is started on a free port of 127.0.0.1 in its own process group and stopped
when its ``with`` block ends, whatever happened in it (:func:`running`). The browser is
Debian's Chromium driven by Playwright (never a downloaded one).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CHROMIUM = os.environ.get("CCM_CHROMIUM", "/usr/bin/chromium")
ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip

#: A phone's browser context: the size of a small Android phone, touch, a mobile viewport.
PHONE: dict[str, Any] = {
    "viewport": {"width": 360, "height": 740},
    "is_mobile": True,
    "has_touch": True,
    "device_scale_factor": 2,
}

#: What every benchmark page records, installed before any of the page's own scripts: the
#: input events that reached a field (``__ccmInputs``: when, on the page's clock, which kind
#: of field, whether the page's script had taken the text, i.e. marked it as to be saved),
#: the live streams the page opened (``__ccmSources``), and the page's own saves
#: (``__ccmPuts``: each PUT's sending and answer, on the system clock).
RECORDER = """
(() => {
  window.__ccmInputs = [];
  // Bubbling: runs after the field's own listeners (groupe.js marks a typed text "pending").
  document.addEventListener('input', (event) => {
    const target = event.target;
    window.__ccmInputs.push({
      at: performance.now(),
      tag: target.tagName,
      taken: !!(target.classList && target.classList.contains('pending')),
    });
  });
  window.__ccmSources = [];
  const Source = window.EventSource;
  if (Source) {
    window.EventSource = function (...args) {
      const made = new Source(...args);
      window.__ccmSources.push(made);
      return made;
    };
    window.EventSource.prototype = Source.prototype;
    Object.assign(window.EventSource, {CONNECTING: 0, OPEN: 1, CLOSED: 2});
  }
  // groupe.js's first statement takes the key out of the address bar: the microtask after
  // it runs once the module's whole body has.
  const replace = history.replaceState.bind(history);
  history.replaceState = function (...args) {
    const done = replace(...args);
    if (window.__ccmScriptRan === undefined) {
      window.__ccmScriptRan = null;
      queueMicrotask(() => { window.__ccmScriptRan = performance.now(); });
    }
    return done;
  };
  window.__ccmPuts = [];
  const send = window.fetch;
  window.fetch = async function (input, init) {
    const method = ((init && init.method) || 'GET').toUpperCase();
    const sent = Date.now();
    const answer = await send.apply(this, arguments);
    if (method === 'PUT') {
      window.__ccmPuts.push({url: String(input), sent, back: Date.now(), status: answer.status});
    }
    return answer;
  };
})();
"""

#: Whether the page holds a live stream open (ccm's pages: their Server-Sent Events).
STREAM_OPEN = "() => window.__ccmSources.some((s) => s.readyState === 1)"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def percentile(values: list[float], q: float) -> float:
    """The ``q`` quantile of ``values`` (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def rss_mb(pid: int) -> float:
    """The process's resident memory (``VmRSS``), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def cpu_seconds(pid: int) -> float:
    """User and system CPU time the process has used."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def children(pid: int) -> list[int]:
    found = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True)
    return [int(child) for child in found.stdout.split()]


def kernels_of(pid: int) -> list[int]:
    """Process ids of the server's kernels (its ``ipykernel`` children)."""
    found = []
    for child in children(pid):
        with contextlib.suppress(OSError):  # gone between the two reads
            if b"ipykernel" in Path(f"/proc/{child}/cmdline").read_bytes():
                found.append(child)
    return found


def wait_quiet(pid: int, *, seconds: float = 2.0, share: float = 0.05, timeout: float = 60) -> None:
    """Wait until the process used under ``share`` of a core for ``seconds``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        before = cpu_seconds(pid)
        time.sleep(seconds)
        if cpu_seconds(pid) - before < share * seconds:
            return
    print(f"# process {pid} never quiet after {timeout:.0f} s", file=sys.stderr)


def wait_http(url: str, process: subprocess.Popen[bytes], log: Path, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url}: the server stopped:\n{log.read_text(errors='replace')}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(f"{url} does not answer:\n{log.read_text(errors='replace')[-3000:]}")


@contextlib.contextmanager
def running(
    cmd: list[str], cwd: Path, probe: str, log: Path, env: dict[str, str] | None = None
) -> Iterator[subprocess.Popen[bytes]]:
    """``cmd`` running (in its own process group, its output in ``log``) from the moment
    ``probe`` answers until the block ends, then stopped with all its children."""
    with log.open("wb") as output:
        process = subprocess.Popen(
            cmd, cwd=cwd, env=env or dict(os.environ), stdout=output, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        try:
            wait_http(probe, process, log)
            yield process
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait(5)


@dataclass
class Ccm:
    """A running ``ccm serve`` with the demo meeting: its address, store and printed links."""

    base: str
    store: Path
    links: dict[str, str]
    process: subprocess.Popen[bytes]

    @property
    def pid(self) -> int:
        return self.process.pid

    def group_links(self) -> dict[str, str]:
        """Each group's link (``name``: ``http://…/ccm/groupe?cle=…``), as printed."""
        return {name: url for name, url in self.links.items() if "/ccm/groupe" in url}


@contextlib.contextmanager
def ccm_serve(folder: Path, *, cpu: int | None = None) -> Iterator[Ccm]:
    """``ccm serve`` on a free port with the demo meeting in a new store under ``folder``
    (on core ``cpu`` only, with ``taskset``, if given); stopped when the block ends."""
    port = free_port()
    store = folder / f"ccm-{port}.sqlite"
    env = {**os.environ, "CCM_STORE": str(store), "CCM_EXPORTS": str(folder / "exports")}
    env.pop("QUERY_STRING", None)
    pin = ["taskset", "-c", str(cpu)] if cpu is not None else []
    cmd = [*pin, sys.executable, "-m", "ccm_widgets.cli", "serve", "--port", str(port)]
    base = f"http://127.0.0.1:{port}"
    log = folder / f"serve-{port}.log"
    with running(cmd, folder, f"{base}/voila/static/voila.js", log, env) as process:
        links = {}
        for line in log.read_text(errors="replace").splitlines():
            if "\thttp://" in line:
                name, url = line.split("\t", 1)
                links[name] = url.strip()
        yield Ccm(base, store, links, process)


def warm_group_pages(ccm: Ccm) -> None:
    """Each group's page and the pages' files fetched once (templates compiled, files read),
    as the facilitator's own check of the links does before the room arrives."""
    statics: set[str] = set()
    for url in ccm.group_links().values():
        with urllib.request.urlopen(url, timeout=30) as answer:
            page = answer.read().decode("utf-8", "replace")
        for found in re.findall(r'(?:src|href)="(/ccm/static/[^"]+)"', page):
            statics.add(found)
        folder = re.search(r"/ccm/static/[0-9a-f]+/", page)
        if folder:
            for name in ("api.js", "live.js", "drafts.js", "banner.js", "messages.js"):
                statics.add(folder.group(0) + name)
    for path in statics:
        with urllib.request.urlopen(ccm.base + path, timeout=30) as answer:
            answer.read()


# -- "a textarea that takes input" ------------------------------------------------------------

#: Focus the ``index``-th textarea of the rows, if there is one yet; say what the page's
#: fields have received so far.
FOCUS_FIELD = """
(index) => {
  const fields = document.querySelectorAll('#lignes textarea');
  const field = fields[Math.min(index, fields.length - 1)];
  if (field) field.focus();
  return {focused: !!field && document.activeElement === field, inputs: window.__ccmInputs};
}
"""
GRID_EDITOR = ".lm-DataGrid-cellEditorInput, .lm-DataGrid-cellEditorWidget input"


@dataclass
class Opened:
    """One open of a page, on the page's own clock (seconds from the navigation's start)."""

    input: float  # a typed character first landed in a field
    taken: float  # … and the page's script took it (ccm: marked "pending", to be saved)
    script: float  # ccm: groupe.js had run (nan for the other pages)
    html: float  # the page's HTML received in full
    attempts: int  # key presses it took


async def time_to_input(page: Any, url: str, kind: str, *, index: int = 0,
                        timeout: float = 120.0, pause: float = 0.01) -> Opened:  # fmt: skip
    """Navigate ``page`` to ``url`` and press a key in its first field until the character
    lands (``kind``: ``ccm`` and ``plain``, the ``index``-th textarea of the rows; ``voila``,
    the first cell of the DataGrid, opened by a double-click).

    The times are read on the page's clock (``performance.now()``: milliseconds from the
    navigation's start), from the input events :data:`RECORDER` saw, so that Playwright's
    round trips after the key press do not count; but a key is pressed only once the
    previous attempt is known to have failed, so the figure can be late by one attempt (two
    round trips to the page, a few tens of milliseconds on a slowed CPU, and ``pause``
    seconds). For ccm, ``taken`` is the first character that landed once ``groupe.js`` ran
    (its input listener had marked the field to be saved); for the other pages it is
    ``input``. ``script`` (ccm) is when ``groupe.js`` had run, to the millisecond: the end
    of the task in which it took the key out of the address bar (``history.replaceState``),
    its first statement.
    """
    start = time.monotonic()
    await page.goto(url, wait_until="commit", timeout=timeout * 1000)
    wanted = "INPUT" if kind == "voila" else "TEXTAREA"
    attempts = 0
    while True:
        if time.monotonic() - start > timeout:
            raise TimeoutError(f"{url}: no field took input in {timeout:.0f} s")
        if kind == "voila":
            ready = await _open_grid_editor(page)
            inputs = await page.evaluate("() => window.__ccmInputs")
        else:
            found = await page.evaluate(FOCUS_FIELD, index)
            ready, inputs = found["focused"], found["inputs"]
        landed = [e for e in inputs if e["tag"] == wanted]
        taken = [e for e in landed if e["taken"] or kind != "ccm"]
        if taken:
            break
        if not ready:
            await asyncio.sleep(pause)
            continue
        attempts += 1
        await page.keyboard.type("x")
        await asyncio.sleep(pause)
    timings = await page.evaluate(
        """() => [performance.getEntriesByType('navigation')[0].responseEnd,
                  window.__ccmScriptRan ?? null]"""
    )
    html, script = (float("nan") if v is None else v / 1000 for v in timings)
    return Opened(landed[0]["at"] / 1000, taken[0]["at"] / 1000, script, html, attempts)


async def _open_grid_editor(page: Any) -> bool:
    """Double-click the DataGrid's first cell (once the grid is drawn) and focus its editor."""
    editor = page.locator(GRID_EDITOR).first
    if await editor.count() and await editor.is_visible():
        await editor.focus()
        return True
    grid = page.locator(".lm-DataGrid").first
    if not await grid.count():
        return False
    box = await grid.bounding_box()
    if not box or box["height"] < 60:
        return False
    # below the column headers (30 px), right of the row headers (48 px): the first cell
    await page.mouse.dblclick(box["x"] + 48 + 60, box["y"] + 30 + 30)
    try:
        await editor.wait_for(state="visible", timeout=300)
    except Exception:
        return False
    await editor.focus()
    return True
