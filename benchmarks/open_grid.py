"""Time from opening a group link to an editable grid: ccm serve and stock Voilà, cold and
with preheated kernels, in the same run.

For each server: ``runs`` first opens, each in a fresh browser context (empty cache, like a
new profile), then one reopen in the same context. "Editable" means a double-click on the
first cell opens the cell editor. Where the time goes: ``html`` is the server's answer to the
page request (kernel start and notebook run included, or a preheated kernel handed over);
the rest is the browser loading Voilà's and the widgets' JavaScript and drawing them.
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

from ccm_widgets.loading import load_demo
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
def running(cmd: list[str], env: dict[str, str], cwd: Path, probe: str) -> Iterator[None]:
    process = subprocess.Popen(
        cmd, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True,
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


def time_to_editable(page: Any, url: str) -> float:
    """Seconds from navigation to a working cell editor on the first cell."""
    start = time.perf_counter()
    page.goto(url)
    grid = page.locator(".lm-DataGrid").first
    grid.wait_for(timeout=60_000)
    editor = page.locator(".lm-DataGrid-cellEditorInput")
    while True:
        box = grid.bounding_box()
        if box and box["height"] > 60:
            page.mouse.dblclick(box["x"] + 48 + 100, box["y"] + 30 + 36)
            try:
                editor.wait_for(state="visible", timeout=300)
                break
            except Exception:
                pass
        if time.perf_counter() - start > 60:
            raise TimeoutError(url)
    elapsed = time.perf_counter() - start
    page.keyboard.press("Escape")
    return elapsed


def html_time(url: str) -> float:
    """Seconds for the server to answer the page request in full."""
    start = time.perf_counter()
    with urllib.request.urlopen(url, timeout=120) as response:
        response.read()
    return time.perf_counter() - start


#: A room's Wi-Fi as Chromium emulates it: 20 Mbit/s down, 10 up, 20 ms of latency.
WIFI = {
    "offline": False, "latency": 20,
    "downloadThroughput": 20e6 / 8, "uploadThroughput": 10e6 / 8,
}  # fmt: skip


def measure(browser: Any, url: str, runs: int, *, wifi: bool = False) -> dict[str, list[float]]:
    """First opens in fresh contexts, reopens in the same context, and bare HTML times;
    over the emulated room Wi-Fi when ``wifi``."""
    first, again, html = [], [], []
    for _ in range(runs):
        context = browser.new_context(viewport={"width": 1300, "height": 900})
        page = context.new_page()
        if wifi:
            cdp = context.new_cdp_session(page)
            cdp.send("Network.enable")
            cdp.send("Network.emulateNetworkConditions", WIFI)
        first.append(time_to_editable(page, url))
        again.append(time_to_editable(page, url))
        context.close()
        time.sleep(2)  # let a pool refill, as between two groups opening their links
        html.append(html_time(url))
        time.sleep(2)
    return {"first_open": first, "reopen": again, "html": html}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    work = Path(tempfile.mkdtemp(prefix="ccm-bench-"))
    store_path = work / "ccm.sqlite"
    with Store(store_path) as store:
        load_demo(store)
        group_url_tail = (
            f"/voila/render/groupe.ipynb?groupe=protection&cle={store.group_key('protection')}"
        )
    (work / "stock").mkdir()
    (work / "stock" / "grille.ipynb").write_text(json.dumps(STOCK_NOTEBOOK), encoding="utf-8")
    env = {**os.environ, "CCM_STORE": str(store_path), "CCM_KERNEL_GRACE": "5"}
    results: dict[str, dict[str, list[float]]] = {}
    stock_page = "/voila/render/grille.ipynb"
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        for name, preheat in (("ccm_cold", 0), ("ccm_preheated", 2)):
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
