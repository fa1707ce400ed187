"""From a group's link to a field that takes input, on a phone: ccm's group page beside stock
Voilà's one-cell DataGrid and a plain HTML page of the same rows.

The phone is a fresh Chromium context for every open (an empty cache): 360×740, mobile
viewport, touch, its CPU slowed 4× (CDP ``Emulation.setCPUThrottlingRate``) and its network
shaped to 10 Mbit/s each way with 40 ms of latency (CDP ``Network.emulateNetworkConditions``;
Chromium shapes HTTP only, not websockets). Its window is open on a blank page before the
link is followed, as a phone's browser is when its user scans the code.

The three pages, each served on a free port of 127.0.0.1:

- ``ccm``: a group's page (the demo meeting's "Gouvernance et coordination", three rows) from
  ``ccm serve``: server-rendered HTML with the rows in textareas, then its ES modules;
- ``voila``: stock Voilà (a plain ``voila`` process, no ccm template, no preheated kernel)
  rendering a one-cell notebook: an editable ipydatagrid DataGrid of the same rows;
- ``plain``: a static HTML file of the same rows in textareas, served by ``http.server``.

Measured, from the navigation's start on the page's own clock (``performance.now()``), by
pressing a key in the page's first field until the character lands
(:func:`benchmarks.common.time_to_input`): ``input``, the first character that landed in a
field; ``editable``, the first that the page's script took (ccm: its input listener marked
the field to be saved, so ``groupe.js`` and its imports have run; Voilà: the cell editor
opened by a double-click once the grid is drawn; plain: as ``input``). Also, per open: the
HTML received (``html``), the requests and the bytes they brought (compressed, as received:
CDP ``Network.loadingFinished``'s ``encodedDataLength``; websocket frames' payloads counted
apart), counted until the network is quiet once the page is editable, and the page's JS heap
then (CDP ``Performance.getMetrics``'s ``JSHeapUsedSize``). One untimed open of each page
first (the servers' templates and the OS's file cache warm), then ``--runs`` rounds, the
three pages in turn. Medians are printed as ``name value unit`` lines, with the goals:
ccm editable in at most 1.5 s and in at most twice the plain page's time.
"""

from __future__ import annotations

import argparse
import asyncio
import html
import json
import os
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks.common import (
    ARGS,
    CHROMIUM,
    PHONE,
    RECORDER,
    ccm_serve,
    free_port,
    running,
    time_to_input,
)

GROUP = "Gouvernance et coordination"
RUNS = 5
#: The goals: ccm's page editable within this, and within this factor of the plain page.
GOAL_SECONDS = 1.5
GOAL_PLAIN_RATIO = 2.0
CPU_SLOWDOWN = 4
NETWORK = {
    "offline": False,
    "latency": 40,
    "downloadThroughput": 10e6 / 8,
    "uploadThroughput": 10e6 / 8,
}
PAGES = ("ccm", "voila", "plain")
#: A fixed loop: milliseconds it takes (the CPU's slowing, checked in the page opened).
SPIN = """() => { const t = performance.now(); let x = 0;
  for (let i = 0; i < 3e6; i++) x += i % 7; return performance.now() - t; }"""
#: The first field's text as the page came (its HTML), as if typed back.
RESTORE = """() => {
  const field = document.querySelector('#lignes textarea');
  field.value = field.defaultValue;
  field.dispatchEvent(new Event('input', {bubbles: true}));
  field.blur();
}"""
COLUMNS = ("Recommandation", "Défis", "Perspectives")


def stock_notebook(rows: list[tuple[str, str, str]]) -> dict[str, Any]:
    """A one-cell notebook: an editable DataGrid of ``rows``."""
    data = {name: [row[n] for row in rows] for n, name in enumerate(COLUMNS)}
    source = (
        "import pandas as pd\nfrom ipydatagrid import DataGrid\n"
        f"df = pd.DataFrame({data!r})\n"
        "DataGrid(df, editable=True, base_row_size=72, base_row_header_size=48,"
        " base_column_header_size=30)"
    )
    return {
        "cells": [{"cell_type": "code", "execution_count": None, "id": "grid", "metadata": {},
                   "outputs": [], "source": source}],
        "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python",
                                    "name": "python3"}},
        "nbformat": 4, "nbformat_minor": 5,
    }  # fmt: skip


def plain_page(title: str, rows: list[tuple[str, str, str]]) -> str:
    """The same rows in textareas: no script, no style sheet, nothing else."""
    items = []
    for number, row in enumerate(rows, 1):
        cells = "".join(
            f'<label>{name}<textarea rows="3">{html.escape(text)}</textarea></label>'
            for name, text in zip(COLUMNS, row, strict=True)
        )
        items.append(f"<li><p>Ligne {number}</p>{cells}</li>")
    return (
        '<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)}</title>"
        "<style>label{display:block}textarea{width:100%;box-sizing:border-box}</style>"
        f'</head><body><h1>{html.escape(title)}</h1><ol id="lignes">{"".join(items)}</ol>'
        "</body></html>"
    )


@dataclass
class Traffic:
    """What one page's network brought, from CDP's Network events."""

    requests: int = 0
    http_bytes: int = 0
    websocket_bytes: int = 0
    pending: dict[str, str] = field(default_factory=dict)  # request id: its type
    last_activity: float = 0.0

    def attach(self, cdp: Any) -> None:
        def sent(event: dict[str, Any]) -> None:
            if event.get("request", {}).get("method", "GET") != "GET":
                return  # the page's own saves (the key presses): not what loading it costs
            self.requests += 1
            self.pending[event["requestId"]] = event.get("type", "")
            self.last_activity = time.monotonic()

        def finished(event: dict[str, Any]) -> None:
            self.http_bytes += int(event.get("encodedDataLength", 0))
            self.pending.pop(event["requestId"], None)
            self.last_activity = time.monotonic()

        def failed(event: dict[str, Any]) -> None:
            self.pending.pop(event["requestId"], None)
            self.last_activity = time.monotonic()

        def frame(event: dict[str, Any]) -> None:
            self.websocket_bytes += len(event.get("response", {}).get("payloadData", ""))

        def socket(_event: dict[str, Any]) -> None:
            self.requests += 1

        cdp.on("Network.requestWillBeSent", sent)
        cdp.on("Network.loadingFinished", finished)
        cdp.on("Network.loadingFailed", failed)
        cdp.on("Network.webSocketCreated", socket)
        cdp.on("Network.webSocketFrameReceived", frame)
        cdp.on("Network.webSocketFrameSent", frame)

    async def quiet(self, seconds: float = 1.0, timeout: float = 20.0) -> None:
        """Wait until no request but a live stream is under way, for ``seconds``."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            busy = [kind for kind in self.pending.values() if kind != "EventSource"]
            if not busy and time.monotonic() - self.last_activity >= seconds:
                return
            await asyncio.sleep(0.1)


async def open_once(browser: Any, url: str, kind: str) -> dict[str, float]:
    """One open of ``url`` in a fresh phone context: its figures."""
    context = await browser.new_context(**PHONE)
    try:
        await context.add_init_script(RECORDER)
        page = await context.new_page()
        cdp = await context.new_cdp_session(page)
        await cdp.send("Network.enable")
        await cdp.send("Performance.enable")
        await page.goto("about:blank")
        unslowed = min([await page.evaluate(SPIN) for _ in range(3)])
        await cdp.send("Emulation.setCPUThrottlingRate", {"rate": CPU_SLOWDOWN})
        await cdp.send("Network.emulateNetworkConditions", NETWORK)
        await asyncio.sleep(0.5)
        traffic = Traffic()
        traffic.attach(cdp)
        opened = await time_to_input(page, url, kind)
        if kind == "ccm":  # the typed characters taken back: the group's text stays as it was
            await page.evaluate(RESTORE)
        await traffic.quiet()
        paint = await page.evaluate(
            "() => performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? null"
        )
        metrics = {
            m["name"]: m["value"] for m in (await cdp.send("Performance.getMetrics"))["metrics"]
        }
        # the CPU really was slowed in the page the link opened (its renderer may be new)
        spin = min([await page.evaluate(SPIN) for _ in range(3)])
        if kind == "voila":  # let stock Voilà shut its kernel down, as a closed tab does
            await page.goto("about:blank")
        return {
            "input": opened.input, "editable": opened.taken, "html": opened.html,
            "script": opened.script, "paint": float("nan") if paint is None else paint / 1000,
            "attempts": opened.attempts, "requests": traffic.requests,
            "http_kb": traffic.http_bytes / 1000, "websocket_kb": traffic.websocket_bytes / 1000,
            "js_heap_mb": metrics.get("JSHeapUsedSize", 0.0) / 1e6, "slowdown": spin / unslowed,
        }  # fmt: skip
    finally:
        await context.close()


async def measure(urls: dict[str, str], runs: int) -> dict[str, list[dict[str, float]]]:
    from playwright.async_api import async_playwright

    results: dict[str, list[dict[str, float]]] = {kind: [] for kind in urls}
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            for kind, url in urls.items():  # untimed: the servers' and the OS's caches warm
                await open_once(browser, url, kind)
            for run in range(runs):
                for kind, url in urls.items():
                    got = await open_once(browser, url, kind)
                    results[kind].append(got)
                    print(f"# run {run + 1} {kind}: editable {got['editable']:.2f} s,"
                          f" input {got['input']:.2f} s", file=sys.stderr)  # fmt: skip
        finally:
            await browser.close()
    return results


def report(results: dict[str, list[dict[str, float]]], runs: int) -> None:
    def median(kind: str, name: str) -> float:
        return statistics.median(r[name] for r in results[kind])

    for kind in PAGES:
        if not results.get(kind):
            continue
        print(f"phone_{kind}_editable {median(kind, 'editable'):.2f} s"
              f" (median of {runs}; min {min(r['editable'] for r in results[kind]):.2f},"
              f" max {max(r['editable'] for r in results[kind]):.2f})")  # fmt: skip
        print(f"phone_{kind}_input {median(kind, 'input'):.2f} s")
        print(f"phone_{kind}_html {median(kind, 'html'):.2f} s (the page's HTML received)")
        print(f"phone_{kind}_first_paint {median(kind, 'paint'):.2f} s")
        if kind == "ccm":
            print(
                f"phone_ccm_script_ran {median(kind, 'script'):.2f} s (groupe.js and its"
                " imports evaluated)"
            )
        print(f"phone_{kind}_requests {median(kind, 'requests'):.0f} count")
        print(f"phone_{kind}_transferred {median(kind, 'http_kb'):.1f} kB (HTTP, compressed)")
        if median(kind, "websocket_kb"):
            print(f"phone_{kind}_websocket {median(kind, 'websocket_kb'):.1f} kB (frame payloads)")
        print(f"phone_{kind}_js_heap {median(kind, 'js_heap_mb'):.1f} MB")
    slowdown = statistics.median(r["slowdown"] for rs in results.values() for r in rs)
    print(f"phone_cpu_slowdown {slowdown:.1f} ratio (a fixed loop in the opened page, against"
          f" the same loop before the CPU was slowed; asked {CPU_SLOWDOWN})")  # fmt: skip
    if results.get("ccm"):
        ccm = median("ccm", "editable")
        met = "met" if ccm <= GOAL_SECONDS else "MISSED"
        print(f"phone_goal_ccm_editable {ccm:.2f} s (goal ≤ {GOAL_SECONDS:g} s: {met})")
        if results.get("plain"):
            ratio = ccm / median("plain", "editable")
            met = "met" if ratio <= GOAL_PLAIN_RATIO else "MISSED"
            print(f"phone_goal_ccm_over_plain {ratio:.2f} ratio"
                  f" (goal ≤ {GOAL_PLAIN_RATIO:g}: {met})")  # fmt: skip
        if results.get("voila"):
            print(f"phone_ccm_over_voila {ccm / median('voila', 'editable'):.2f} ratio")
    print(f"phone_runs {runs} count")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=RUNS, help="opens of each page")
    parser.add_argument("--only", action="append", choices=PAGES, help="this page (repeatable)")
    args = parser.parse_args(argv)
    chosen = [kind for kind in PAGES if kind in (args.only or PAGES)]
    from ccm_widgets.store import Store

    folder = Path(tempfile.mkdtemp(prefix="ccm-phone-"))
    load = os.getloadavg()
    with ccm_serve(folder) as ccm:
        with Store(ccm.store) as store:
            group = next(g for g in store.groups.all() if g.name == GROUP)
            rows = [r.cells() for r in store.grid.rows(group.slug)]
        stock = folder / "stock"
        stock.mkdir()
        (stock / "grille.ipynb").write_text(json.dumps(stock_notebook(rows)), encoding="utf-8")
        plain = folder / "plain"
        plain.mkdir()
        (plain / "groupe.html").write_text(plain_page(GROUP, rows), encoding="utf-8")
        voila_port, plain_port = free_port(), free_port()
        voila_cmd = [sys.executable, "-m", "voila", str(stock), f"--port={voila_port}",
                     "--no-browser", "--Voila.ip=127.0.0.1"]  # fmt: skip
        plain_cmd = [sys.executable, "-m", "http.server", "--bind", "127.0.0.1", str(plain_port)]
        voila_base = f"http://127.0.0.1:{voila_port}"
        plain_base = f"http://127.0.0.1:{plain_port}"
        with (
            running(voila_cmd, stock, f"{voila_base}/voila/static/voila.js",
                    folder / "voila.log"),
            running(plain_cmd, plain, f"{plain_base}/groupe.html", folder / "plain.log"),
        ):  # fmt: skip
            urls = {
                "ccm": ccm.group_links()[GROUP],
                "voila": f"{voila_base}/voila/render/grille.ipynb",
                "plain": f"{plain_base}/groupe.html",
            }
            results = asyncio.run(measure({k: urls[k] for k in chosen}, args.runs))
    report(results, args.runs)
    print(f"phone_load_before {load[0]:.2f} load (1 min average; {os.cpu_count()} cores)")


if __name__ == "__main__":
    main()
