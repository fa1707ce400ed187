"""Propagation latency with 12 tabs open, memory per kernel, kernels left after tabs close.

11 group tabs (the demo's four groups, two or three tabs each) and the plenary are open in
headless Chromium on one ``ccm serve``. The benchmark then saves ``writes`` changes to group
rows through the store (what a tab's kernel does when a cell is saved) and records, in every
tab that shows that group (its other tabs and the plenary), when the change appears in the
page: a MutationObserver stamps the moment with the system clock the writer also uses.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.open_grid import ARGS, CHROMIUM, free_port, running
from ccm_widgets.files.loading import load_demo
from ccm_widgets.store import Store

RECORDER = """
() => {
  window.__ccmSeen = [];
  const note = () => {
    const status = [...document.querySelectorAll('.ccm-status')].map(e => e.innerText).join(' ');
    window.__ccmSeen.push([Date.now(), status, document.body.innerText.length]);
  };
  new MutationObserver(note).observe(document.body, {subtree: true, childList: true,
                                                      characterData: true});
}
"""

PLENARY_PROBE = """
(token) => window.__ccmSeen.length && document.body.innerText.includes(token)
"""


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def private_mb(pid: int) -> float:
    """What the process holds alone (its private pages): what one more kernel costs the
    machine. RSS also counts the libraries' pages that every kernel shares."""
    total = 0
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        if line.startswith(("Private_Clean:", "Private_Dirty:")):
            total += int(line.split()[1])
    return total / 1024


def kernels_of(pid: int) -> list[int]:
    import subprocess

    children = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True)
    found = []
    for child in children.stdout.split():
        try:
            if b"ipykernel" in Path(f"/proc/{child}/cmdline").read_bytes():
                found.append(int(child))
        except OSError:
            continue
    return found


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--writes", type=int, default=40)
    parser.add_argument("--tabs", type=int, default=11, help="group tabs (plus the plenary)")
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    work = Path(tempfile.mkdtemp(prefix="ccm-latency-"))
    store_path = work / "ccm.sqlite"
    with Store(store_path) as store:
        load_demo(store)
        slugs = [g.slug for g in store.groups.all()]
        keys = {s: store.groups.key(s) for s in slugs}
        facilitator = store.groups.facilitator_key()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "CCM_STORE": str(store_path), "CCM_KERNEL_GRACE": "5"}
    command = [sys.executable, "-m", "ccm_widgets.cli", "serve", "--port", str(port),
               "--preheat", "0"]  # fmt: skip
    with running(command, env, work, f"{base}/voila/static/voila.js") as _:
        server_pid = _find_server(port)
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            tabs: list[tuple[str, Any]] = []
            for index in range(args.tabs):
                slug = slugs[index % len(slugs)]
                url = f"{base}/voila/render/groupe.ipynb?groupe={slug}&cle={keys[slug]}"
                tabs.append((slug, _open(browser, url, ".lm-DataGrid")))
            plenary = _open(browser, f"{base}/voila/render/pleniere.ipynb?cle={facilitator}",
                            ".ccm-board table")  # fmt: skip
            for _, page in [*tabs, ("", plenary)]:
                page.evaluate(RECORDER)
            time.sleep(2)
            kernels = kernels_of(server_pid)
            kernel_rss = [rss_mb(pid) for pid in kernels]
            kernel_private = [private_mb(pid) for pid in kernels]
            server_rss = rss_mb(server_pid)

            rng = random.Random(3)
            group_delays: list[float] = []
            plenary_delays: list[float] = []
            slowest: list[float] = []
            with Store(store_path) as store:
                for n in range(args.writes):
                    slug = rng.choice(slugs)
                    row = store.grid.rows(slug)[0]
                    token = f"mesure {n} {rng.randrange(10**6)}"
                    for _, page in [*tabs, ("", plenary)]:
                        page.evaluate("() => { window.__ccmSeen = []; }")
                    t0 = time.time() * 1000
                    store.grid.update_cell(row.id, "challenges", token,
                                           seen=row.challenges, actor="banc")  # fmt: skip
                    plenary.wait_for_function(PLENARY_PROBE, arg=token, timeout=10_000)
                    time.sleep(0.6)  # let every tab of the group catch up before reading
                    seen_here = []
                    for tab_slug, page in tabs:
                        if tab_slug != slug:
                            continue
                        stamps = page.evaluate("() => window.__ccmSeen")
                        hits = [s for s, status, _ in stamps if "Mis à jour" in status]
                        if hits:
                            seen_here.append(hits[0] - t0)
                    stamps = plenary.evaluate("() => window.__ccmSeen")
                    plenary_at = min(s for s, _, _ in stamps) - t0 if stamps else float("nan")
                    group_delays += seen_here
                    plenary_delays.append(plenary_at)
                    slowest.append(max([*seen_here, plenary_at]))
                    time.sleep(rng.uniform(0.1, 0.4))
            for _, page in [*tabs, ("", plenary)]:
                page.context.close()
            browser.close()
        closed_at = time.monotonic()
        left = len(kernels_of(server_pid))
        while left and time.monotonic() - closed_at < 60:
            time.sleep(0.5)
            left = len(kernels_of(server_pid))
        freed_after = time.monotonic() - closed_at

    all_delays = [*group_delays, *plenary_delays]
    print(f"tabs_open {len(tabs) + 1} count")
    print(f"propagation_p50 {statistics.median(all_delays):.0f} ms")
    print(f"propagation_p95 {percentile(all_delays, 0.95):.0f} ms")
    print(f"propagation_plenary_p95 {percentile(plenary_delays, 0.95):.0f} ms")
    print(f"propagation_group_tabs_p95 {percentile(group_delays, 0.95):.0f} ms")
    print(f"propagation_slowest_viewer_p95 {percentile(slowest, 0.95):.0f} ms")
    print(f"kernel_rss_median {statistics.median(kernel_rss):.0f} MB")
    print(f"kernel_rss_total {sum(kernel_rss):.0f} MB")
    print(f"kernel_private_median {statistics.median(kernel_private):.0f} MB")
    print(f"server_rss {server_rss:.0f} MB")
    print(f"kernels_left_after_tabs_closed {left} count")
    print(f"kernels_freed_after {freed_after:.1f} s (grace 5 s)")


def _open(browser: Any, url: str, ready: str) -> Any:
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    page.goto(url)
    page.wait_for_selector(ready, timeout=120_000)
    return page


def _find_server(port: int) -> int:
    import subprocess

    found = subprocess.run(["pgrep", "-f", f"serve --port {port}"], capture_output=True, text=True)
    return int(found.stdout.split()[0])


if __name__ == "__main__":
    main()
