"""Time from opening a group link to an editable grid: ccm serve and stock Voilà, cold and
with preheated kernels, in the same run.

For each server: ``runs`` first opens, each in a fresh browser context (empty cache, like a
new profile), then one reopen in the same context. "Editable" means a double-click on the
first cell opens the cell editor. Where the time goes, each from the link: ``html``, the
page received in full (the server's part: a kernel started or a preheated one handed over,
the workbook run); ``kernel``, the kernel's websocket connected (the browser has loaded
Voilà's and the widgets' JavaScript); ``grid``, the grid drawn (the widgets' states fetched
from the kernel and rendered).
The preheated runs are repeated over an emulated room Wi-Fi (20 Mbit/s, 20 ms), where the
size of what a page downloads counts (``*_wifi``). Medians are printed as ``name value unit``
lines.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ccm_widgets.files.loading import load_demo
from ccm_widgets.store import Store

REPO = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("CCM_CHROMIUM", "/usr/bin/chromium")
ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip

STOCK_NOTEBOOK = {
    "cells": [
        {
            "cell_type": "code", "execution_count": None, "id": "grid", "metadata": {},
            "outputs": [],
            "source": (
                "import pandas as pd\nfrom ipydatagrid import DataGrid\n"
                "df = pd.DataFrame({'Recommandation': ['a', 'b'], 'Défis': ['c', 'd'],"
                " 'Perspectives': ['e', 'f']})\nDataGrid(df, editable=True, base_row_size=72,"
                " base_row_header_size=48, base_column_header_size=30,"
                " column_widths={'Recommandation': 380, 'Défis': 330, 'Perspectives': 330})"
            ),
        }
    ],
    "metadata": {
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"}
    },
    "nbformat": 4, "nbformat_minor": 5,
}  # fmt: skip


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_http(url: str, process: subprocess.Popen[bytes], timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited early ({process.returncode})")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(url)


@contextmanager
def running(
    cmd: list[str],
    env: dict[str, str],
    cwd: Path,
    probe: str,
    *,
    cpus: set[int] | None = None,
    log: Path | None = None,
) -> Iterator[None]:
    """``cmd`` running until the block ends, once ``probe`` answers; on ``cpus`` only (its
    kernels inherit the affinity), its output in ``log``."""
    output = log.open("w") if log is not None else subprocess.DEVNULL
    process = subprocess.Popen(
        cmd, env=env, cwd=cwd, stdout=output, stderr=subprocess.STDOUT,
        start_new_session=True,
        preexec_fn=(lambda: os.sched_setaffinity(0, cpus)) if cpus else None,
    )  # fmt: skip
    try:
        wait_http(probe, process)
        yield
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
        if log is not None:
            output.close()  # type: ignore[union-attr]


def time_to_editable(page: Any, url: str) -> dict[str, float]:
    """Seconds from navigation to a working cell editor on the first cell (``editable``),
    and where they went: the page's HTML received in full (``html``: the server renders
    the page, the kernel builds its widgets), the kernel's websocket connected (``kernel``:
    the browser has loaded Voilà's and the widgets' JavaScript), the grid drawn (``grid``).
    """
    connected: list[float] = []
    start = time.perf_counter()

    def on_websocket(socket: Any) -> None:
        if "/channels" in socket.url and not connected:
            connected.append(time.perf_counter() - start)

    page.on("websocket", on_websocket)
    try:
        page.goto(url)
        grid = page.locator(".lm-DataGrid").first
        grid.wait_for(timeout=60_000)
        editor = page.locator(".lm-DataGrid-cellEditorInput")
        drawn = 0.0
        while True:
            box = grid.bounding_box()
            if box and box["height"] > 60:
                drawn = drawn or time.perf_counter() - start
                page.mouse.dblclick(box["x"] + 48 + 100, box["y"] + 30 + 36)
                try:
                    editor.wait_for(state="visible", timeout=100)
                    break
                except Exception:
                    pass
            if time.perf_counter() - start > 60:
                raise TimeoutError(url)
        elapsed = time.perf_counter() - start
    finally:
        page.remove_listener("websocket", on_websocket)
    page.keyboard.press("Escape")
    html = page.evaluate("performance.getEntriesByType('navigation')[0].responseEnd") / 1000
    return {"editable": elapsed, "html": html, "kernel": connected[0] if connected else
            float("nan"), "grid": drawn}  # fmt: skip


#: A room's Wi-Fi as Chromium emulates it: 20 Mbit/s down, 10 up, 20 ms of latency.
WIFI = {
    "offline": False, "latency": 20,
    "downloadThroughput": 20e6 / 8, "uploadThroughput": 10e6 / 8,
}  # fmt: skip


def measure(browser: Any, url: str, runs: int, *, wifi: bool = False) -> dict[str, list[float]]:
    """First opens in fresh contexts, reopens in the same context; over the emulated room
    Wi-Fi when ``wifi``.

    Each first open starts in a browser window already open on a blank page, as a phone's
    or a laptop's browser is when its user scans or types the link: opening a window costs
    Chromium about a second of its own CPU, which is not the page's. Between two runs the
    server is left 8 s, as between two groups opening their links: its pool of preheated
    kernels refills.
    """
    series: dict[str, list[float]] = {}
    for _ in range(runs):
        context = browser.new_context(viewport={"width": 1300, "height": 900})
        page = context.new_page()
        if wifi:
            cdp = context.new_cdp_session(page)
            cdp.send("Network.enable")
            cdp.send("Network.emulateNetworkConditions", WIFI)
        page.goto("about:blank")
        time.sleep(1)
        for label, timings in (
            ("first_open", time_to_editable(page, url)),
            ("reopen", time_to_editable(page, url)),
        ):
            for part, value in timings.items():
                name = label if part == "editable" else f"{label}_{part}"
                series.setdefault(name, []).append(value)
        context.close()
        time.sleep(8)
    return series


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    configurations = ("ccm_cold", "ccm_preheated", "stock_cold", "stock_preheated")
    parser.add_argument(
        "--only", action="append", choices=configurations,
        help="measure only this configuration (repeatable); all four by default",
    )  # fmt: skip
    args = parser.parse_args(argv)
    chosen = set(args.only or configurations)
    from playwright.sync_api import sync_playwright

    work = Path(tempfile.mkdtemp(prefix="ccm-bench-"))
    store_path = work / "ccm.sqlite"
    with Store(store_path) as store:
        load_demo(store)
        group_url_tail = (
            f"/voila/render/groupe.ipynb?groupe=protection&cle={store.groups.key('protection')}"
        )
    (work / "stock").mkdir()
    (work / "stock" / "grille.ipynb").write_text(json.dumps(STOCK_NOTEBOOK), encoding="utf-8")
    env = {**os.environ, "CCM_STORE": str(store_path), "CCM_KERNEL_GRACE": "5"}
    results: dict[str, dict[str, list[float]]] = {}
    stock_page = "/voila/render/grille.ipynb"
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        for name, preheat in (("ccm_cold", 0), ("ccm_preheated", 2)):
            if name not in chosen:
                continue
            port = free_port()
            ccm = [sys.executable, "-m", "ccm_widgets.cli", "serve", "--port", str(port),
                   "--preheat", str(preheat)]  # fmt: skip
            base = f"http://127.0.0.1:{port}"
            with running(ccm, env, work, f"{base}/voila/static/voila.js"):
                time.sleep(8 if preheat else 0)  # the pool fills
                measure(browser, base + group_url_tail, 1)  # warm the OS file cache
                results[name] = measure(browser, base + group_url_tail, args.runs)
                if preheat:
                    wifi = measure(browser, base + group_url_tail, args.runs, wifi=True)
                    results[f"{name}_wifi"] = wifi
        for name, preheat in (("stock_cold", False), ("stock_preheated", True)):
            if name not in chosen:
                continue
            port = free_port()
            stock = [
                sys.executable, "-m", "voila", str(work / "stock"), f"--port={port}",
                "--no-browser", "--Voila.ip=127.0.0.1",
            ]  # fmt: skip
            if preheat:
                stock += [
                    "--preheat_kernel=True",
                    '--VoilaKernelManager.kernel_pools_config={"default": {"pool_size": 2}}',
                    "--VoilaKernelManager.fill_delay=5",
                ]
            base = f"http://127.0.0.1:{port}"
            with running(stock, env, work, f"{base}/voila/static/voila.js"):
                time.sleep(8 if preheat else 0)
                measure(browser, base + stock_page, 1)
                results[name] = measure(browser, base + stock_page, args.runs)
                if preheat:
                    wifi = measure(browser, base + stock_page, args.runs, wifi=True)
                    results[f"{name}_wifi"] = wifi
        browser.close()
    for name, series in results.items():
        for label, values in series.items():
            print(f"{name}_{label}_median {statistics.median(values):.2f} s")
        print(f"{name}_first_open_max {max(series['first_open']):.2f} s")
    print(f"runs {args.runs} count")


if __name__ == "__main__":
    main()
