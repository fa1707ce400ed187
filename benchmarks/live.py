"""A saved cell, seen live: the delay until the other devices of its group, and the plenary,
show it, with the room connected.

One ``ccm serve`` with the demo meeting (four groups) on a free port of 127.0.0.1; in headless
Chromium, the facilitator's plenary (a Voilà page, ``pleniere.ipynb``: its board shows every
group's grid as an HTML table, refreshed when the store changes) and 20 group devices (4
groups × 5, each its own phone-sized context, its live stream open).

Then ``--saves`` times (30 by default), a cell is saved on one device as a user saves it:
the first row's Recommandation is typed in (Playwright's ``fill``: an input event) and left
(``blur``: ``groupe.js`` sends its PUT at once); the groups in turn, the writing device in
turn within its group. The writer's PUT is timed in the page (a wrapper of ``fetch``:
sent, answered); every other device of the group and the plenary note when the text
appears in them: the devices when their script sets a textarea's value to it (a wrapper of
the ``value`` setter), the plenary when a DOM mutation puts it in the page (a
``MutationObserver``), each then stamping the next animation frame (the text painted). All
stamps are the system clock (``Date.now()``), shared by every page of the machine.

Printed as ``name value unit`` lines: the delay from the PUT's answer to the text painted,
p50 and p95, on the group's other devices (every device, and the slowest device of each
save) and on the plenary; the PUT's own round trip; texts never seen. Goal: p95 ≤ 0.3 s on
the devices.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

from benchmarks.common import (
    ARGS,
    CHROMIUM,
    PHONE,
    RECORDER,
    STREAM_OPEN,
    ccm_serve,
    kernels_of,
    percentile,
)

DEVICES_PER_GROUP = 5
SAVES = 30
#: Seconds a text may take to appear before it counts as never seen.
SEEN_TIMEOUT = 15.0
GOAL_DEVICE_P95 = 0.3

#: A device notes when its script puts the awaited text in a textarea (``__ccmWant``).
DEVICE_WATCH = """
(() => {
  window.__ccmWant = '';
  window.__ccmApplied = 0;
  window.__ccmShown = 0;
  const value = Object.getOwnPropertyDescriptor(HTMLTextAreaElement.prototype, 'value');
  Object.defineProperty(HTMLTextAreaElement.prototype, 'value', {
    configurable: true,
    enumerable: value.enumerable,
    get() { return value.get.call(this); },
    set(text) {
      value.set.call(this, text);
      const want = window.__ccmWant;
      if (want && !window.__ccmApplied && String(text).includes(want)) {
        window.__ccmApplied = Date.now();
        requestAnimationFrame(() => { window.__ccmShown = Date.now(); });
      }
    },
  });
})();
"""
#: The plenary notes when a change of its page brings the awaited text.
PLENARY_WATCH = """
() => {
  window.__ccmWant = '';
  window.__ccmApplied = 0;
  window.__ccmShown = 0;
  new MutationObserver(() => {
    const want = window.__ccmWant;
    if (!want || window.__ccmApplied) return;
    if (document.body.textContent.includes(want)) {
      window.__ccmApplied = Date.now();
      requestAnimationFrame(() => { window.__ccmShown = Date.now(); });
    }
  }).observe(document.body, {subtree: true, childList: true, characterData: true});
}
"""
EXPECT = "(want) => { window.__ccmWant = want; window.__ccmApplied = 0; window.__ccmShown = 0; }"
SHOWN = "() => window.__ccmShown > 0"
STAMPS = "() => [window.__ccmApplied, window.__ccmShown]"
FIELD = "#lignes li.row:first-child textarea[name=recommendation]"


async def open_device(browser: Any, url: str) -> Any:
    context = await browser.new_context(**PHONE)
    await context.add_init_script(RECORDER)
    await context.add_init_script(DEVICE_WATCH)
    page = await context.new_page()
    await page.goto(url)
    await page.wait_for_selector(FIELD, timeout=60_000)
    await page.wait_for_function(STREAM_OPEN, timeout=60_000)
    return page


async def seen_at(page: Any, timeout: float) -> tuple[float, float] | None:
    """When ``page`` had the awaited text in place and painted (system clock, ms)."""
    try:
        await page.wait_for_function(SHOWN, timeout=timeout * 1000, polling=50)
    except Exception:
        return None
    applied, shown = await page.evaluate(STAMPS)
    return float(applied), float(shown)


async def measure(plenary_url: str, groups: list[str], args: argparse.Namespace) -> dict[str, Any]:
    from playwright.async_api import async_playwright

    rng = random.Random(7)
    found: dict[str, Any] = {"device": [], "device_applied": [], "slowest": [], "plenary": [],
                             "plenary_applied": [], "put": [], "missed_device": 0,
                             "missed_plenary": 0, "failed_saves": 0}  # fmt: skip
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            plenary_context = await browser.new_context(viewport={"width": 1366, "height": 768})
            plenary = await plenary_context.new_page()
            await plenary.goto(plenary_url, timeout=180_000)
            await plenary.wait_for_selector(".ccm-board table", timeout=180_000)
            await plenary.evaluate(PLENARY_WATCH)
            devices = [
                await asyncio.gather(*(open_device(browser, url) for _ in range(args.devices)))
                for url in groups
            ]
            print(f"# {len(groups) * args.devices} devices and the plenary open", file=sys.stderr)
            await asyncio.sleep(2)
            for n in range(args.saves):
                group = devices[n % len(devices)]
                writer = group[(n // len(devices)) % len(group)]
                others = [page for page in group if page is not writer]
                token = f"Mesure {n} {rng.randrange(16**6):06x}"
                for page in [*others, plenary]:
                    await page.evaluate(EXPECT, token)
                puts = len(await writer.evaluate("() => window.__ccmPuts"))
                field = writer.locator(FIELD)
                await field.fill(f"{token} : renforcer l'accueil")
                await field.evaluate("(e) => e.blur()")
                try:
                    await writer.wait_for_function(
                        f"() => window.__ccmPuts.length > {puts}", timeout=SEEN_TIMEOUT * 1000
                    )
                except Exception:
                    found["failed_saves"] += 1
                    continue
                put = (await writer.evaluate("() => window.__ccmPuts"))[-1]
                if put["status"] != 200:
                    found["failed_saves"] += 1
                    print(f"# save {n}: status {put['status']}", file=sys.stderr)
                back = float(put["back"])
                found["put"].append((back - put["sent"]) / 1000)
                seen = await asyncio.gather(
                    *(seen_at(page, SEEN_TIMEOUT) for page in others),
                    seen_at(plenary, SEEN_TIMEOUT),
                )
                delays = []
                for stamps in seen[:-1]:
                    if stamps is None:
                        found["missed_device"] += 1
                        continue
                    delays.append((stamps[1] - back) / 1000)
                    found["device_applied"].append((stamps[0] - back) / 1000)
                found["device"] += delays
                if delays:
                    found["slowest"].append(max(delays))
                if seen[-1] is None:
                    found["missed_plenary"] += 1
                else:
                    found["plenary"].append((seen[-1][1] - back) / 1000)
                    found["plenary_applied"].append((seen[-1][0] - back) / 1000)
                await asyncio.sleep(rng.uniform(0.3, 0.8))
        finally:
            await browser.close()
    return found


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--saves", type=int, default=SAVES)
    parser.add_argument("--devices", type=int, default=DEVICES_PER_GROUP, help="per group")
    args = parser.parse_args(argv)
    load = os.getloadavg()
    folder = Path(tempfile.mkdtemp(prefix="ccm-live-"))
    with ccm_serve(folder) as ccm:
        groups = list(ccm.group_links().values())
        found = asyncio.run(measure(ccm.links["pleniere"], groups, args))
        kernels = len(kernels_of(ccm.pid))

    def line(name: str, values: list[float], note: str = "") -> None:
        if not values:
            print(f"live_{name}_p50 nan s (none seen)")
            return
        print(f"live_{name}_p50 {statistics.median(values):.3f} s")
        print(f"live_{name}_p95 {percentile(values, 0.95):.3f} s{note}")

    devices = found["device"]
    p95 = percentile(devices, 0.95) if devices else float("nan")
    met = "met" if p95 <= GOAL_DEVICE_P95 else "MISSED"
    print(f"live_devices_open {len(groups) * args.devices} count (+ the plenary)")
    print(f"live_saves {args.saves} count ({found['failed_saves']} failed)")
    line("device", devices, f" (goal ≤ {GOAL_DEVICE_P95:g} s: {met})")
    line("device_applied", found["device_applied"], " (the script set the text, before paint)")
    line("slowest_device", found["slowest"], " (the group's last device, per save)")
    line("plenary", found["plenary"])
    line("plenary_applied", found["plenary_applied"])
    line("save_round_trip", found["put"], " (the writer's PUT, sent to answered)")
    print(f"live_device_views {len(devices)} count ({found['missed_device']} never seen"
          f" in {SEEN_TIMEOUT:g} s)")  # fmt: skip
    print(f"live_plenary_missed {found['missed_plenary']} count")
    print(f"live_kernels {kernels} count (the plenary's)")
    print(f"live_load_before {load[0]:.2f} load (1 min average; {os.cpu_count()} cores)")


if __name__ == "__main__":
    main()
