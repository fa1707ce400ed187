"""Where a first open of a group page spends the browser's time, beside stock Voilà's.

One group link of ``ccm serve`` (its room warmed, as :mod:`benchmarks.burst` does) and stock
Voilà's one-cell ipydatagrid (:data:`benchmarks.open_grid.STOCK_NOTEBOOK`, one preheated
kernel), in a fresh browser context (an empty cache) each time: ccm's ``--runs`` times, stock
once (its pool, refilled only after a minute, would start the next open cold), server and
browser pinned to separate cores. Per open, a Chromium trace of the page's main thread:

- ``files`` and ``bytes``: what the page fetched, in all and by origin (Voilà's own bundle,
  each lab extension, the template);
- ``main_thread``: the seconds the page's main thread was busy, from the link to a grid
  that opens a cell's editor; ``evaluate``: of which running scripts, by origin;
  ``not_evaluating``: the rest (drawing the widgets, style and layout, handlers, timers).

The burst benchmark shows that N tabs sharing a core take N times this; this one shows what
"this" is made of, and how much of it is ccm's own. Printed as ``name value unit`` lines,
medians over the runs.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import json
import os
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

from benchmarks import burst
from benchmarks.open_grid import ARGS, CHROMIUM, free_port

#: Trace categories enough for script evaluation and the main thread's tasks.
CATEGORIES = ["devtools.timeline", "v8", "disabled-by-default-devtools.timeline", "loading"]


def origin(url: str) -> str:
    """What a fetched file belongs to: ``voila`` (its bundle), a lab extension, the template,
    the page."""
    path = url.split("?")[0].split("/voila/", 1)[-1]
    if path.startswith("labextensions/"):
        parts = path.split("/")
        return "/".join(parts[1:3]) if parts[1].startswith("@") else parts[1]
    if path.startswith("templates/"):
        return "template " + path.split("/")[1]
    if path.startswith("static/"):
        return "voila"
    return "page"


def main_thread(events: list[dict[str, Any]]) -> tuple[float, dict[str, float]]:
    """The page's renderer main thread (the one that ran its scripts): its task seconds, and
    its script evaluation by origin."""
    names = {
        (e["pid"], e["tid"]): e["args"]["name"] for e in events if e.get("name") == "thread_name"
    }
    mains = [key for key, name in names.items() if name == "CrRendererMain"]
    busy: dict[tuple[int, int], float] = collections.Counter()
    for e in events:
        key = (e.get("pid"), e.get("tid"))
        if key in mains and e.get("name") == "RunTask" and "dur" in e:
            busy[key] += e["dur"] / 1e6
    scripts: dict[tuple[int, int], float] = collections.Counter()
    for e in events:
        key = (e.get("pid"), e.get("tid"))
        if key in mains and e.get("name") == "EvaluateScript":
            scripts[key] += e.get("dur", 0) / 1e6
    page = max(busy, key=lambda key: (scripts[key], busy[key]))  # the page's, not a blank one
    evaluate: dict[str, float] = collections.Counter()
    for e in events:
        if (e.get("pid"), e.get("tid")) == page and e.get("name") == "EvaluateScript":
            url = e.get("args", {}).get("data", {}).get("url", "")
            evaluate[origin(url)] += e.get("dur", 0) / 1e6
    return busy[page], dict(evaluate)


async def one_open(url: str, trace: Path) -> dict[str, Any]:
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            context = await browser.new_context(viewport={"width": 1300, "height": 900})
            page = await context.new_page()
            fetched: list[Any] = []
            page.on("response", lambda response: fetched.append(response))
            await browser.start_tracing(page=page, path=str(trace), categories=CATEGORIES)
            times = await burst.editable_in(page, url)
            await browser.stop_tracing()
            sizes: dict[str, int] = collections.Counter()
            for response in fetched:
                try:
                    sizes[origin(response.url)] += len(await response.body())
                except Exception:  # a redirect or a socket: no body
                    sizes[origin(response.url)] += 0
        finally:
            await browser.close()
    loaded = json.loads(trace.read_text())
    events = loaded["traceEvents"] if isinstance(loaded, dict) else loaded
    busy, evaluate = main_thread(events)
    return {"editable": times["editable"], "files": len(fetched), "bytes": sizes,
            "main_thread": busy, "evaluate": evaluate}  # fmt: skip


def site_for(name: str, folder: Path) -> burst.Site:
    if name == "ccm":
        store, paths = burst.meeting(folder, 4)
        return burst.ccm_site(folder, store, paths[:1], 4)
    return burst.stock_site(folder, 1)


def measure(name: str, runs: int, pin: bool) -> list[dict[str, Any]]:
    folder = Path(tempfile.mkdtemp(prefix=f"ccm-page-cost-{name}-"))
    site = site_for(name, folder)
    opens = []
    with burst.serving(site, free_port(), pin=pin, kernels=1) as base:
        for run in range(runs):
            opens.append(asyncio.run(one_open(base + site.paths[0], folder / f"trace-{run}.json")))
            if name == "stock":  # its one preheated kernel is taken: the next open is cold
                break
    return opens


def lines(name: str, opens: list[dict[str, Any]]) -> list[str]:
    def median(values: list[float]) -> float:
        return statistics.median(values)

    out = [
        f"{name}_editable {median([o['editable'] for o in opens]):.2f} s",
        f"{name}_main_thread {median([o['main_thread'] for o in opens]):.2f} s",
        f"{name}_not_evaluating {median([o['main_thread'] - sum(o['evaluate'].values()) for o in opens]):.2f} s",  # noqa: E501
        f"{name}_files {median([o['files'] for o in opens]):.0f} files",
        f"{name}_bytes {median([sum(o['bytes'].values()) for o in opens]) / 1e6:.2f} MB",
    ]
    for where in sorted({w for o in opens for w in o["bytes"]}):
        kb = median([o["bytes"].get(where, 0) for o in opens]) / 1e3
        out.append(f"{name}_bytes[{where}] {kb:.0f} kB")
    evaluated = {w for o in opens for w in o["evaluate"]}
    for where in sorted(evaluated, key=lambda w: -median([o["evaluate"].get(w, 0) for o in opens])):
        seconds = median([o["evaluate"].get(where, 0.0) for o in opens])
        if seconds >= 0.01:
            out.append(f"{name}_evaluate[{where}] {seconds:.2f} s")
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3, help="first opens of ccm's group page")
    parser.add_argument("--no-pin", action="store_true", help="do not pin to separate cores")
    args = parser.parse_args(argv)
    pin = not args.no_pin and len(os.sched_getaffinity(0)) > 1
    if pin:
        os.sched_setaffinity(0, {burst.CLIENT_CPU})
    for name in ("ccm", "stock"):
        print("\n".join(lines(name, measure(name, args.runs, pin))), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
