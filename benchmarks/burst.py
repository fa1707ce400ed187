"""Ten groups scan the QR codes at once: N group links opened within one second.

For each N (``--sizes``, 1, 4, 10 and 20 by default; N = 1 is the single open the others are
compared with), a meeting of N groups (the demo's four, then "Groupe 5"… with three rows
each; N = 1 opens one link of the demo's four groups), and for each run:

- ``ccm serve`` on a fresh copy of that store, its room warmed the way a facilitator warms
  it: the breakout opened with its countdown (what the plenary's "Démarrer" does), then left
  until the server says the room is ready and its CPU is quiet;
- stock Voilà serving a one-cell ipydatagrid (:data:`benchmarks.open_grid.STOCK_NOTEBOOK`)
  with N preheated kernels (its pool refilled only after a minute, outside the burst),
  left until its CPU is quiet.

Then, against each, the N links opened within one second (the i-th at i/N s), each from its
own browser context (an empty cache, like N phones), its window already open; per tab, the
seconds from its link to an editable grid (:func:`benchmarks.open_grid.time_to_editable`:
the grid drawn and a double-click opening the first cell's editor).

``--mode protocol`` does the same without a browser, so that the server's share is measured
apart from the browser's: each "tab" is a Python client that fetches the page, then the
files a browser fetched for it (recorded from a real first open of that server, 6 at a time
over keep-alive connections, as Chromium does over HTTP/1.1), then opens the kernel's
websocket (the v1 protocol, the page's cookie), asks for the kernel's info and for the
widgets' states (ipywidgets' control comm: ``request_states``), and stops once it holds
the grid's model. Per tab: page, files, kernel, widgets, each counted from its link.

The server (and its kernels) run on one core, this process and the browser (or the
protocol clients) on the other (``--no-pin``: anywhere). Printed as ``name value unit``
lines: per server, N and mode, p50, p95 and max over every tab of every run; then the
goals (ccm's burst median at most 0.8 of stock's, and at most 1.5 times a single open).
"""

from __future__ import annotations

import argparse
import asyncio
import concurrent.futures
import contextlib
import datetime as dt
import gzip
import http.client
import json
import os
import re
import shutil
import statistics
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks.live_latency import kernels_of, percentile
from benchmarks.open_grid import ARGS, CHROMIUM, STOCK_NOTEBOOK, free_port, running

#: The burst's goals: ccm's median against stock Voilà's, and against a single open.
GOAL_STOCK_RATIO = 0.8
GOAL_SINGLE_RATIO = 1.5
#: Seconds a tab may take before the run gives up on it.
TAB_TIMEOUT = 240.0
SERVER_CPU, CLIENT_CPU = 0, 1
STOCK_PAGE = "/voila/render/grille.ipynb"


@dataclass
class Site:
    """A server to open links on: the page paths of its N tabs, how to start it."""

    name: str
    command: list[str]
    paths: list[str]
    env: dict[str, str]
    cwd: Path
    log: Path
    #: Called once the server answers: what a facilitator does before the groups come.
    warm: Any = None
    #: The files a browser fetched on a first open (for the protocol clients).
    files: list[str] = field(default_factory=list)
    #: What the server's log says once it is ready for the burst.
    ready_text: str = ""


# -- the meetings -----------------------------------------------------------------------------


def meeting(folder: Path, groups: int) -> tuple[Path, list[str]]:
    """A store with a meeting of ``max(groups, 4)`` groups; the page paths of ``groups`` of
    them (the demo's four first, then "Groupe 5"… each with three of the demo's rows)."""
    from ccm_widgets.domain.model import DEMO_ACTOR
    from ccm_widgets.files.loading import load_demo
    from ccm_widgets.store import Store

    path = folder / f"reunion-{groups}.sqlite"
    path.unlink(missing_ok=True)
    with Store(path) as store:
        load_demo(store)
        sample = [(r.recommendation, r.challenges, r.perspectives) for r in store.grid.rows()]
        for number in range(5, groups + 1):
            group = store.groups.add(f"Groupe {number}", actor=str(DEMO_ACTOR))
            store.grid.add(group.slug, sample[:3], actor=str(DEMO_ACTOR))
        slugs = [g.slug for g in store.groups.all()][:groups]
        paths = [
            f"/voila/render/groupe.ipynb?groupe={slug}&cle={store.groups.key(slug)}"
            for slug in slugs
        ]
    return path, paths


def open_breakout(store_path: Path) -> None:
    """What the facilitator's "Démarrer" does in the plenary: grids open, 45 minutes."""
    from ccm_widgets.domain.model import FACILITATOR_ACTOR
    from ccm_widgets.store import Store

    end = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=45)
    with Store(store_path) as store:
        store.session.set_breakout(
            open=True, end=end.isoformat(timespec="seconds"), actor=str(FACILITATOR_ACTOR)
        )


# -- waiting for a quiet server ---------------------------------------------------------------


def cpu_seconds(pids: list[int]) -> float:
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def server_pid(port: int) -> int:
    import subprocess

    for _ in range(50):
        found = subprocess.run(
            ["pgrep", "-f", f"port[= ]{port}"], capture_output=True, text=True
        ).stdout.split()
        if found:
            return int(found[0])
        time.sleep(0.1)
    raise RuntimeError(f"no server on port {port}")


def wait_quiet(
    pid: int, kernels: int, *, log: Path | None, ready_text: str = "", timeout: float = 300
) -> float:
    """Wait until the server runs ``kernels`` kernels (at least), has logged ``ready_text``
    (ccm: its room is ready) in ``log``, and its processes used under 5 % of a core for
    3 s. Returns the seconds waited."""
    started = time.monotonic()
    deadline = started + timeout
    while time.monotonic() < deadline:
        ready = log is None or ready_text in log.read_text(errors="replace")
        if ready and len(kernels_of(pid)) >= kernels:
            break
        time.sleep(0.5)
    else:
        raise TimeoutError(f"server {pid}: room not ready after {timeout:.0f} s")
    while time.monotonic() < deadline:
        pids = [pid, *kernels_of(pid)]
        before = cpu_seconds(pids)
        time.sleep(3)
        if cpu_seconds(pids) - before < 0.15:
            return time.monotonic() - started
    raise TimeoutError(f"server {pid}: never quiet")


# -- the browser burst ------------------------------------------------------------------------


async def editable_in(page: Any, url: str) -> dict[str, float]:
    """:func:`benchmarks.open_grid.time_to_editable`, for Playwright's async API."""
    connected: list[float] = []
    start = time.perf_counter()

    def on_websocket(socket: Any) -> None:
        if "/channels" in socket.url and not connected:
            connected.append(time.perf_counter() - start)

    page.on("websocket", on_websocket)
    await page.goto(url, timeout=TAB_TIMEOUT * 1000)
    grid = page.locator(".lm-DataGrid").first
    await grid.wait_for(timeout=TAB_TIMEOUT * 1000)
    editor = page.locator(".lm-DataGrid-cellEditorInput")
    drawn = 0.0
    while True:
        box = await grid.bounding_box()
        if box and box["height"] > 60:
            drawn = drawn or time.perf_counter() - start
            await page.mouse.dblclick(box["x"] + 48 + 100, box["y"] + 30 + 36)
            try:
                await editor.wait_for(state="visible", timeout=250)
                break
            except Exception:
                pass
        else:
            await asyncio.sleep(0.1)
        if time.perf_counter() - start > TAB_TIMEOUT:
            raise TimeoutError(url)
    elapsed = time.perf_counter() - start
    html = await page.evaluate("performance.getEntriesByType('navigation')[0].responseEnd")
    return {
        "editable": elapsed,
        "html": html / 1000,
        "kernel": connected[0] if connected else float("nan"),
        "grid": drawn,
    }


async def browser_burst(urls: list[str], spread: float = 1.0) -> list[dict[str, float]]:
    """Each URL in its own fresh context, opened within ``spread`` seconds."""
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        contexts = [
            await browser.new_context(viewport={"width": 1300, "height": 900}) for _ in urls
        ]
        pages = [await context.new_page() for context in contexts]
        for page in pages:
            await page.goto("about:blank")
        await asyncio.sleep(1)

        async def one(index: int, page: Any, url: str) -> dict[str, float]:
            await asyncio.sleep(index * spread / len(urls))
            try:
                return await editable_in(page, url)
            except Exception as error:  # counted as a failure, seen in its screenshot
                shot = Path(tempfile.gettempdir()) / f"ccm-burst-failed-{uuid.uuid4().hex[:6]}.png"
                with contextlib.suppress(Exception):
                    await page.screenshot(path=str(shot))
                print(f"# tab {index} failed ({error!r}), screenshot {shot}", file=sys.stderr)
                return {"editable": TAB_TIMEOUT, "failed": 1.0}

        try:
            return list(
                await asyncio.gather(
                    *(one(i, p, u) for i, (p, u) in enumerate(zip(pages, urls, strict=False)))
                )
            )
        finally:
            await browser.close()


async def record_files(url: str) -> list[str]:
    """The paths of the files a browser fetches on a first open of ``url`` (in order)."""
    from playwright.async_api import async_playwright

    base = url.split("/voila/")[0]
    wanted = ("/voila/static/", "/voila/templates/", "/voila/labextensions/")
    seen: list[str] = []
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        context = await browser.new_context()
        page = await context.new_page()
        page.on(
            "request",
            lambda r: (
                seen.append(r.url[len(base) :])
                if r.url.startswith(base) and r.url[len(base) :].startswith(wanted)
                else None
            ),
        )
        await editable_in(page, url)
        await asyncio.sleep(2)
        await browser.close()
    return list(dict.fromkeys(seen))


# -- the protocol burst -----------------------------------------------------------------------


def _message(
    msg_type: str,
    session: str,
    content: dict[str, Any],
    channel: str,
    metadata: dict[str, Any] | None = None,
) -> bytes:
    from jupyter_server.services.kernels.connection.base import serialize_msg_to_ws_v1

    header = {
        "msg_id": uuid.uuid4().hex, "msg_type": msg_type, "username": "", "session": session,
        "date": dt.datetime.now(dt.UTC).isoformat(), "version": "5.3",
    }  # fmt: skip
    parts = [json.dumps(p).encode() for p in (header, {}, metadata or {}, content)]
    return bytes(serialize_msg_to_ws_v1(parts, channel))


def _read(raw: bytes) -> tuple[str, dict[str, Any], dict[str, Any]]:
    from jupyter_server.services.kernels.connection.base import deserialize_msg_from_ws_v1

    channel, parts = deserialize_msg_from_ws_v1(raw)
    return channel, json.loads(parts[0]), json.loads(parts[3])


def _grid_rows(state: dict[str, Any]) -> int | None:
    """The rows a DataGrid model's state holds (None: not a grid, or no data in it)."""
    if not isinstance(state, dict) or "_data" not in state:
        return None
    columns = state["_data"].get("data", {})
    sizes = [
        len(c) if isinstance(c, list) else int((c.get("shape") or [len(c.get("value", []))])[0])
        for c in columns.values()
    ]  # a column is a list, or an array: its values, or its shape (its data in a buffer)
    return max(sizes, default=0)


def protocol_tab(host: str, port: int, path: str, files: list[str]) -> dict[str, float]:
    """One tab's exchange with the server, as the browser makes it, without rendering."""
    from websockets.sync.client import connect

    start = time.perf_counter()
    connection = http.client.HTTPConnection(host, port, timeout=TAB_TIMEOUT)
    connection.request("GET", path, headers={"Accept-Encoding": "gzip"})
    answer = connection.getresponse()
    raw = answer.read()
    if answer.getheader("Content-Encoding") == "gzip":
        raw = gzip.decompress(raw)
    body = raw.decode("utf-8", "replace")
    page = time.perf_counter() - start
    if answer.status != 200:
        raise RuntimeError(f"{path}: {answer.status}")
    cookies = [
        value.split(";", 1)[0] for name, value in answer.getheaders() if name == "Set-Cookie"
    ]
    headers = {"Accept-Encoding": "gzip", **({"Cookie": "; ".join(cookies)} if cookies else {})}
    found = re.search(r'"kernelId":\s*"([0-9a-f-]+)"', body)
    if not found:
        raise RuntimeError(f"{path}: no kernel in the page")
    kernel_id = found.group(1)

    queue = list(files)
    lock = threading.Lock()

    def fetch_some() -> None:
        conn = http.client.HTTPConnection(host, port, timeout=TAB_TIMEOUT)
        while True:
            with lock:
                if not queue:
                    break
                item = queue.pop(0)
            conn.request("GET", item, headers=headers)
            got = conn.getresponse()
            got.read()
            if got.status >= 400:
                raise RuntimeError(f"{item}: {got.status}")
        conn.close()

    with concurrent.futures.ThreadPoolExecutor(6) as pool:
        for done in [pool.submit(fetch_some) for _ in range(6)]:
            done.result()
    fetched = time.perf_counter() - start
    connection.request("GET", f"/api/kernels/{kernel_id}", headers=headers)
    connection.getresponse().read()
    connection.close()

    session = uuid.uuid4().hex
    url = f"ws://{host}:{port}/api/kernels/{kernel_id}/channels?session_id={session}"
    with connect(
        url,
        subprotocols=["v1.kernel.websocket.jupyter.org"],  # type: ignore[list-item]
        additional_headers={k: v for k, v in headers.items() if k == "Cookie"},
        open_timeout=TAB_TIMEOUT,
        close_timeout=1,
        max_size=None,
        proxy=None,
    ) as socket:
        socket.send(_message("kernel_info_request", session, {}, "shell"))
        kernel = 0.0
        comm = uuid.uuid4().hex
        answered = False  # the kernel has sent the widgets' states
        grids: set[str] = set()  # the grid models seen
        filled = False  # one of them holds rows
        while not (answered and filled):
            _channel, header, content = _read(socket.recv(timeout=TAB_TIMEOUT))  # type: ignore[arg-type]
            kind = header["msg_type"]
            if kind == "kernel_info_reply" and not kernel:
                kernel = time.perf_counter() - start
                open_comm = {"comm_id": comm, "target_name": "jupyter.widget.control", "data": {}}
                version = {"version": "1.0.0"}  # ipywidgets 8's control protocol
                socket.send(_message("comm_open", session, open_comm, "shell", version))
                ask = {"comm_id": comm, "data": {"method": "request_states"}}
                socket.send(_message("comm_msg", session, ask, "shell"))
                continue
            data = content.get("data", {}) if isinstance(content, dict) else {}
            if kind == "comm_msg" and data.get("method") == "update_states":
                answered = True
                for model_id, model in data.get("states", {}).items():
                    if model.get("model_name") == "DataGridModel":
                        grids.add(model_id)
                        filled = filled or bool(_grid_rows(model.get("state", {})))
            elif (
                kind == "comm_open" and data.get("state", {}).get("_model_name") == "DataGridModel"
            ):
                grids.add(content["comm_id"])
                filled = filled or bool(_grid_rows(data["state"]))
            elif kind == "comm_msg" and content.get("comm_id") in grids:
                filled = filled or bool(_grid_rows(data.get("state", {})))
            if time.perf_counter() - start > TAB_TIMEOUT:
                raise TimeoutError(path)
        widgets = time.perf_counter() - start
    return {"editable": widgets, "html": page, "files": fetched, "kernel": kernel}


def protocol_burst(base: str, paths: list[str], files: list[str]) -> list[dict[str, float]]:
    """Each path from its own client, started within one second."""
    parsed = urllib.parse.urlsplit(base)
    host, port = parsed.hostname or "127.0.0.1", parsed.port or 80
    results: list[dict[str, float]] = [{} for _ in paths]
    errors: list[BaseException] = []

    def one(index: int) -> None:
        time.sleep(index / len(paths))
        try:
            results[index] = protocol_tab(host, port, paths[index], files)
        except BaseException as error:  # reported after the others finish
            errors.append(error)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(len(paths))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return results


# -- a run ------------------------------------------------------------------------------------


@contextmanager
def serving(site: Site, port: int, *, pin: bool, kernels: int) -> Iterator[str]:
    """``site`` running on ``port``, warmed and quiet; yields its base URL."""
    base = f"http://127.0.0.1:{port}"
    with running(
        [*site.command, f"--port={port}"],
        site.env,
        site.cwd,
        f"{base}/voila/static/voila.js",
        cpus={SERVER_CPU} if pin else None,
        log=site.log,
    ):
        pid = server_pid(port)
        if site.warm is not None:
            site.warm()
        log = site.log if site.ready_text else None
        waited = wait_quiet(pid, kernels, log=log, ready_text=site.ready_text)
        print(f"# {site.name}: ready after {waited:.0f} s", file=sys.stderr)
        yield base


def ccm_site(
    folder: Path,
    store: Path,
    paths: list[str],
    groups: int,
    *,
    warm: bool = True,
    code: Path | None = None,
) -> Site:
    copy = folder / f"ccm-{uuid.uuid4().hex[:6]}.sqlite"
    shutil.copy(store, copy)
    env = {**os.environ, "CCM_STORE": str(copy), "CCM_KERNEL_GRACE": "5"}
    if code is not None:  # another checkout's ccm, to compare with
        env["PYTHONPATH"] = str(code)
    env.pop("QUERY_STRING", None)
    return Site(
        "ccm",
        [sys.executable, "-m", "ccm_widgets.cli", "serve", "--preheat", "2"],
        paths,
        env,
        folder,
        folder / "ccm.log",
        warm=(lambda: open_breakout(copy)) if warm else None,
        ready_text=f"salle prête : {groups} groupe" if warm else "",
    )


def stock_site(folder: Path, tabs: int) -> Site:
    """Stock Voilà serving :data:`STOCK_NOTEBOOK` (written in ``folder/stock`` if not yet)
    with ``tabs`` preheated kernels."""
    notebook = folder / "stock" / "grille.ipynb"
    if not notebook.exists():
        notebook.parent.mkdir(parents=True, exist_ok=True)
        notebook.write_text(json.dumps(STOCK_NOTEBOOK), encoding="utf-8")
    pools = json.dumps({"default": {"pool_size": tabs}})
    return Site(
        "stock",
        [
            sys.executable, "-m", "voila", str(folder / "stock"), "--no-browser",
            "--Voila.ip=127.0.0.1", "--preheat_kernel=True",
            f"--VoilaKernelManager.kernel_pools_config={pools}",
            "--VoilaKernelManager.fill_delay=60",
        ],
        [STOCK_PAGE] * tabs,
        {**os.environ},
        folder,
        folder / "stock.log",
    )  # fmt: skip


def run_burst(site: Site, mode: str, *, pin: bool, kernels: int) -> list[dict[str, float]]:
    port = free_port()
    with serving(site, port, pin=pin, kernels=kernels) as base:
        if mode == "browser":
            return asyncio.run(browser_burst([base + p for p in site.paths]))
        return protocol_burst(base, site.paths, site.files)


def summary(name: str, values: list[float]) -> list[str]:
    return [
        f"{name}_p50 {statistics.median(values):.2f} s",
        f"{name}_p95 {percentile(values, 0.95):.2f} s",
        f"{name}_max {max(values):.2f} s",
    ]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="1,4,10,20", help="tabs per burst, comma-separated")
    parser.add_argument("--runs", type=int, default=2, help="bursts per size and server")
    parser.add_argument("--mode", choices=("browser", "protocol", "both"), default="both")
    parser.add_argument("--only", choices=("ccm", "stock"), help="one server only")
    parser.add_argument("--no-pin", action="store_true", help="do not pin to separate cores")
    parser.add_argument(
        "--no-warm", action="store_true",
        help="ccm as a room nobody warmed: its two preheated kernels only",
    )  # fmt: skip
    parser.add_argument(
        "--ccm-code", type=Path, help="run ccm serve from this checkout (a before/after)"
    )
    args = parser.parse_args(argv)
    sizes = [int(n) for n in args.sizes.split(",")]
    modes = ["browser", "protocol"] if args.mode == "both" else [args.mode]
    pin = not args.no_pin and len(os.sched_getaffinity(0)) >= 2
    if pin:  # this process, Playwright's driver and Chromium: the other core
        os.sched_setaffinity(0, {CLIENT_CPU})
    folder = Path(tempfile.mkdtemp(prefix="ccm-burst-"))
    servers = [s for s in ("ccm", "stock") if args.only in (None, s)]
    print(f"# load before: {os.getloadavg()[0]:.2f}", file=sys.stderr)

    files: dict[str, list[str]] = {}
    results: dict[tuple[str, str, int], list[dict[str, float]]] = {}
    for size in sizes:
        store, paths = meeting(folder, max(size, 4))
        paths = paths[:size]
        groups = max(size, 4)
        for run in range(args.runs):
            for mode in modes:
                for name in servers:
                    if name == "ccm":
                        site = ccm_site(
                            folder, store, paths, groups, warm=not args.no_warm, code=args.ccm_code
                        )
                        kernels = 2 if args.no_warm else groups + 1  # a group each, a spare
                    else:
                        site = stock_site(folder, size)
                        kernels = size
                    if mode == "protocol":
                        if name not in files:  # recorded once, from a real first open
                            port = free_port()
                            with serving(site, port, pin=pin, kernels=kernels) as base:
                                files[name] = asyncio.run(record_files(base + site.paths[0]))
                            print(f"# {name}: {len(files[name])} files", file=sys.stderr)
                        site.files = files[name]
                    load = os.getloadavg()[0]
                    timings = run_burst(site, mode, pin=pin, kernels=kernels)
                    results.setdefault((name, mode, size), []).extend(timings)
                    slowest = max(t["editable"] for t in timings)
                    print(f"# {name} {mode} N={size} run {run + 1}: slowest {slowest:.2f} s"
                          f" (load {load:.2f})", file=sys.stderr)  # fmt: skip

    for (name, mode, size), timings in results.items():
        label = f"{name}_{mode}_n{size}"
        print(*summary(label, [t["editable"] for t in timings]), sep="\n")
        print(f"{label}_failed {sum(1 for t in timings if t.get('failed'))} count")
        for part in ("html", "files", "kernel", "grid"):
            values = [t[part] for t in timings if part in t]
            if values:
                print(f"{label}_{part}_p50 {statistics.median(values):.2f} s")
    for mode in modes:
        for size in sizes:
            ccm = results.get(("ccm", mode, size))
            stock = results.get(("stock", mode, size))
            single = results.get(("ccm", mode, 1))
            if ccm and stock:
                ratio = statistics.median(t["editable"] for t in ccm) / statistics.median(
                    t["editable"] for t in stock
                )
                print(
                    f"ccm_over_stock_{mode}_n{size} {ratio:.2f} ratio (goal ≤ {GOAL_STOCK_RATIO})"
                )
            if ccm and single and size > 1:
                ratio = statistics.median(t["editable"] for t in ccm) / statistics.median(
                    t["editable"] for t in single
                )
                print(f"ccm_over_single_{mode}_n{size} {ratio:.2f} ratio"
                      f" (goal ≤ {GOAL_SINGLE_RATIO})")  # fmt: skip
    print(f"runs {args.runs} count")
    print(f"pinned {int(pin)} bool")


if __name__ == "__main__":
    main()
