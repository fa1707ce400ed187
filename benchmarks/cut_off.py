"""A page cut off: how soon it says so, and whether what was typed comes back.

One ``ccm serve`` (127.0.0.1, a room's two-minute grace for a silent tab) with the demo meeting.
For each trial, a group's page is opened in a fresh Chromium context, a text is typed in the
row editor (not yet saved: the editor saves a second after the typing stops), and a fault is
made at once:

- ``kernel``: the page's kernel is killed (SIGKILL, as the system's out-of-memory killer);
- ``network``: Chromium's offline emulation (the Wi-Fi gone), ``--offline`` seconds;
- ``silent``: the server stops answering without a word (a laptop whose lid closed, a
  Wi-Fi that drops packets): the page's requests hang, ``--offline`` seconds.

Timed in the page: from the fault to the banner (``.ccm-cutoff``) being there. Then the page is
reloaded (after the network is back) and the text typed during the fault must be offered back
and, once "Tout enregistrer" is pressed, be in the store. Printed as ``name value unit`` lines.
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.live_latency import _find_server, kernels_of, percentile
from benchmarks.open_grid import ARGS, CHROMIUM, free_port, running
from ccm_widgets.files.loading import load_demo
from ccm_widgets.store import Store
from tests.browser.helpers import GRID, row_editor_text

GROUP = "economie-alternative"
BANNER_PROBE = "() => document.querySelector('.ccm-cutoff') !== null"


def kernel_pid(server: int, page: Any) -> int:
    """The process of the kernel this page was handed."""
    kernel_id = page.evaluate(
        "JSON.parse(document.getElementById('jupyter-config-data').textContent).kernelId"
    )
    for pid in kernels_of(server):
        try:
            if kernel_id.encode() in Path(f"/proc/{pid}/cmdline").read_bytes():
                return pid
        except OSError:
            continue
    raise RuntimeError(f"noyau {kernel_id} introuvable")


def trial(browser: Any, server: int, url: str, store_path: Path, fault: str, n: int,
          offline: float) -> tuple[float, bool]:  # fmt: skip
    """One fault: seconds to the banner, and whether the typed text was kept and saved."""
    context = browser.new_context(viewport={"width": 1300, "height": 950})
    page = context.new_page()
    page.goto(url)
    page.wait_for_selector(GRID, timeout=60_000)
    row = n % 3
    row_editor_text(page, row, 1)
    area = page.locator(".ccm-row-editor textarea").nth(1)
    typed = f"Défi tapé pendant la panne n° {n} ({fault})"
    area.fill(typed)
    started = time.monotonic()
    if fault == "kernel":
        os.kill(kernel_pid(server, page), signal.SIGKILL)
    elif fault == "network":
        context.set_offline(True)
    else:
        hung: list[Any] = []

        def hang(route: Any) -> None:  # never answered
            hung.append(route)

        context.route("**/voila/ccm/etat/**", hang)
    page.wait_for_function(BANNER_PROBE, timeout=30_000, polling=20)
    seconds = time.monotonic() - started
    if fault == "network":
        time.sleep(offline)
        context.set_offline(False)
        time.sleep(2)
    elif fault == "silent":  # only the page's question hangs: the banner's delay is measured
        context.close()
        return seconds, True
    kept = False
    with Store(store_path) as store:
        if store.grid.rows(GROUP)[row].challenges == typed:  # saved before the fault: no test
            context.close()
            return seconds, True
    page.reload()
    page.wait_for_selector(GRID, timeout=60_000)
    try:
        box = page.locator(".ccm-drafts-box")
        box.get_by_text("Textes non enregistrés retrouvés").wait_for(timeout=10_000)
        box.get_by_role("button", name="Tout enregistrer").click()
        page.locator(".ccm-status", has_text="Enregistré").first.wait_for(timeout=10_000)
        with Store(store_path) as store:
            kept = store.grid.rows(GROUP)[row].challenges == typed
    except Exception:  # not offered back, or not saved: counted as lost
        kept = False
    context.close()
    return seconds, kept


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--trials", type=int, default=5, help="faults of each kind")
    parser.add_argument("--offline", type=float, default=10.0, help="seconds without network")
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    work = Path(tempfile.mkdtemp(prefix="ccm-cutoff-"))
    store_path = work / "ccm.sqlite"
    with Store(store_path) as store:
        load_demo(store)
        key = store.groups.key(GROUP)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    url = f"{base}/voila/render/groupe.ipynb?groupe={GROUP}&cle={key}"
    env = {**os.environ, "CCM_STORE": str(store_path), "CCM_KERNEL_GRACE": "120"}
    env.pop("QUERY_STRING", None)
    command = [sys.executable, "-m", "ccm_widgets.cli", "serve", "--port", str(port)]
    results: dict[str, list[tuple[float, bool]]] = {"kernel": [], "network": [], "silent": []}
    with running(command, env, work, f"{base}/voila/static/voila.js"):
        server = _find_server(port)
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            try:
                for n in range(args.trials):
                    for fault in results:
                        results[fault].append(
                            trial(browser, server, url, store_path, fault, n, args.offline)
                        )
            finally:
                browser.close()
    for fault, found in results.items():
        delays = [seconds for seconds, _ in found]
        print(f"cutoff_{fault}_banner_p50 {statistics.median(delays):.2f} s")
        print(f"cutoff_{fault}_banner_p95 {percentile(delays, 0.95):.2f} s")
        print(f"cutoff_{fault}_banner_max {max(delays):.2f} s (goal 3)")
        if fault != "silent":
            kept = sum(k for _, k in found)
            print(f"cutoff_{fault}_texts_kept {kept} of {len(found)} (goal all)")


if __name__ == "__main__":
    main()
