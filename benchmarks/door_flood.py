"""The room's door under a flood of keyless requests: does a legitimate group still open and
save as fast as on a quiet server, and does the flood start no kernel?

One ``ccm serve`` (127.0.0.1, two preheated kernels as in the room) with the demo meeting on a
fresh SQLite store. Two runs of the same window of ``--duration`` seconds:

- quiet: the Protection group's link opened in a fresh Chromium context (``opens`` times, one
  after the other, each tab kept open), from ``goto`` to an editable grid (as
  :mod:`benchmarks.open_grid` counts it: the grid drawn and a double-click opening the first
  cell's editor), then ``saves`` saves in the first tab: a text typed into a Recommandation
  cell, timed in the page from pressing Enter to the status line naming that cell
  ("Enregistré … (ligne N, Recommandation)");
- flood: the same while a thread sends ``--rate`` requests a second for ``--duration``
  seconds to the pages, each a plain HTTP GET on its own connection (open loop: a slow answer
  does not slow the flood), mixing a wrong key, no key, an unknown group, the projection's key
  on a group page, and the facilitator's workbooks without a key.

Kernel processes of the server and its memory are sampled every 0.2 s in both windows. The
group's own opens start kernels in both (the pool refilled after each page took a preheated
one); the flood's kernels are the difference. Printed as ``name value unit`` lines, with the
goal: no kernel started by the flood, the group's figures within 1.2x of quiet.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import os
import secrets
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks.live_latency import _find_server, kernels_of, percentile, rss_mb
from benchmarks.open_grid import ARGS, CHROMIUM, free_port, running, time_to_editable
from ccm_widgets.files.loading import load_demo
from ccm_widgets.store import Store
from tests.browser.helpers import open_cell_editor, wait_cell_saved

GROUP = "protection"
#: The goal: the group's figures under the flood within this factor of the quiet run's.
GOAL_RATIO = 1.2
PREHEAT = 2
FACILITATOR_WORKBOOKS = (
    "animateur", "pleniere", "preparation", "presence", "revue", "debats", "projection",
)  # fmt: skip


def flood_path(n: int, slugs: list[str], projection_key: str) -> str:
    """The ``n``-th flood request's path: the five kinds of keyless request in turn."""
    slug = slugs[n % len(slugs)]
    kind = n % 5
    if kind == 0:  # a wrong key
        return f"/voila/render/groupe.ipynb?groupe={slug}&cle={secrets.token_urlsafe(16)}"
    if kind == 1:  # no key
        return f"/voila/render/groupe.ipynb?groupe={slug}"
    if kind == 2:  # a group that does not exist
        return (
            f"/voila/render/groupe.ipynb?groupe=groupe-{secrets.token_hex(4)}"
            f"&cle={secrets.token_urlsafe(16)}"
        )
    if kind == 3:  # the projection's key (printed on the wall) on a group page
        return f"/voila/render/groupe.ipynb?groupe={slug}&cle={projection_key}"
    workbook = FACILITATOR_WORKBOOKS[(n // 5) % len(FACILITATOR_WORKBOOKS)]
    return f"/voila/render/{workbook}.ipynb"  # the facilitator's workbooks, no key


#: A save timed in the page, on its clock: from the Enter key's keydown to the mutation that
#: puts the expected cell in the status line (Playwright's own waits poll every 20-100 ms).
SAVE_RECORDER = """
() => {
  window.__ccmWant = '';
  window.__ccmEnterAt = 0;
  window.__ccmSavedAt = 0;
  document.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && window.__ccmWant) window.__ccmEnterAt = performance.now();
  }, true);
  new MutationObserver(() => {
    if (!window.__ccmWant || !window.__ccmEnterAt || window.__ccmSavedAt) return;
    for (const status of document.querySelectorAll('.ccm-status')) {
      if (status.textContent.includes(window.__ccmWant)) {
        window.__ccmSavedAt = performance.now();
        return;
      }
    }
  }).observe(document.body, {subtree: true, childList: true, characterData: true});
}
"""
SAVE_EXPECT = """
(want) => { window.__ccmWant = want; window.__ccmEnterAt = 0; window.__ccmSavedAt = 0; }
"""


@dataclass
class Answer:
    status: int
    seconds: float
    kernel_id_shown: bool
    french_refusal: bool


@dataclass
class Flood:
    """``rate`` GETs a second for ``duration`` seconds, each on its own connection."""

    port: int
    rate: float
    duration: float
    slugs: list[str]
    projection_key: str
    answers: list[Answer] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _workers: list[threading.Thread] = field(default_factory=list)

    def _one(self, path: str) -> None:
        start = time.perf_counter()
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        try:
            connection.request("GET", path)
            response = connection.getresponse()
            body = response.read()
            answer = Answer(
                response.status, time.perf_counter() - start, b"kernelId" in body,
                "Accès refusé".encode() in body,
            )  # fmt: skip
            with self._lock:
                self.answers.append(answer)
        except OSError as error:
            with self._lock:
                self.errors.append(repr(error))
        finally:
            connection.close()

    def run(self) -> None:
        start = time.perf_counter()
        total = round(self.rate * self.duration)
        for n in range(total):
            due = start + n / self.rate
            if due > time.perf_counter():
                time.sleep(due - time.perf_counter())
            path = flood_path(n, self.slugs, self.projection_key)
            worker = threading.Thread(target=self._one, args=(path,), daemon=True)
            worker.start()
            self._workers.append(worker)
        # the window lasts ``duration`` whatever the last request's place in it
        rest = start + self.duration - time.perf_counter()
        if rest > 0:
            time.sleep(rest)

    def join(self, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        for worker in self._workers:
            worker.join(max(0.0, deadline - time.monotonic()))


def cpu_seconds(pid: int) -> float:
    """User and system CPU time the process has used."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass
class Sampler:
    """The server's kernel processes and memory, every 0.2 s, in a thread."""

    server: int
    seen: set[int] = field(default_factory=set)
    peak_kernels: int = 0
    peak_server_mb: float = 0.0
    peak_total_mb: float = 0.0
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def sample(self) -> None:
        kernels = kernels_of(self.server)
        self.seen.update(kernels)
        self.peak_kernels = max(self.peak_kernels, len(kernels))
        server_mb = rss_mb(self.server)
        total = server_mb
        for pid in kernels:
            with contextlib.suppress(OSError):  # gone between the two reads
                total += rss_mb(pid)
        self.peak_server_mb = max(self.peak_server_mb, server_mb)
        self.peak_total_mb = max(self.peak_total_mb, total)

    def start(self) -> None:
        def loop() -> None:
            while not self._stop.wait(0.2):
                self.sample()

        self.sample()
        self._thread = threading.Thread(target=loop, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        self.sample()


@dataclass
class Window:
    """What one run measured."""

    opens: list[float]
    saves_ms: list[float]
    kernels_before: list[int]
    kernels_after: list[int]
    started: int
    peak_kernels: int
    server_mb_before: float
    server_mb_peak: float
    server_mb_end: float
    total_mb_peak: float
    server_cpu: float
    group_done_at: float
    flood: Flood | None = None


def settle(server: int, timeout: float = 90) -> None:
    """Wait for the closed tabs' kernels to go and the pool to be full and quiet again."""
    deadline = time.monotonic() + timeout
    stable_since = None
    while time.monotonic() < deadline:
        if len(kernels_of(server)) == PREHEAT:
            stable_since = stable_since or time.monotonic()
            if time.monotonic() - stable_since >= 3:
                time.sleep(3)  # the last kernel started has finished its imports
                return
        else:
            stable_since = None
        time.sleep(0.3)
    raise TimeoutError(f"kernels still {len(kernels_of(server))}, pool {PREHEAT}")


def group_part(browser: Any, url: str, opens: int, saves: int, label: str) -> tuple[Any, Any]:
    """Open the group's link ``opens`` times (fresh contexts, kept open), save ``saves``
    cells in the first tab. Returns (open seconds, save milliseconds) and the contexts."""
    contexts = []
    open_times: list[float] = []
    save_ms: list[float] = []
    for index in range(opens):
        context = browser.new_context(viewport={"width": 1300, "height": 950})
        contexts.append(context)
        page = context.new_page()
        page.goto("about:blank")  # the browser window is open before the link, as in open_grid
        time.sleep(1)
        open_times.append(time_to_editable(page, url)["editable"])
        if index:
            continue
        page.evaluate(SAVE_RECORDER)
        for n in range(saves):
            row = n % 2  # consecutive saves name different rows in the status line (the demo
            # group has two)
            editor = open_cell_editor(page, row, 0)
            editor.fill(f"Mesure {label} {n} : renforcer l'accueil des personnes déplacées")
            page.evaluate(SAVE_EXPECT, f"(ligne {row + 1}, Recommandation)")
            editor.press("Enter")
            wait_cell_saved(page, row, "Recommandation", timeout=60_000)
            page.wait_for_function("() => window.__ccmSavedAt > 0")
            save_ms.append(page.evaluate("() => window.__ccmSavedAt - window.__ccmEnterAt"))
            time.sleep(0.3)
    return (open_times, save_ms), contexts


def window(
    server: int, browser: Any, url: str, args: argparse.Namespace, flood: Flood | None
) -> Window:
    """One run: the group's opens and saves, with or without the flood, over the window."""
    settle(server)
    before = kernels_of(server)
    server_mb_before = rss_mb(server)
    cpu_before = cpu_seconds(server)
    sampler = Sampler(server)
    sampler.start()
    start = time.perf_counter()
    flooding = None
    if flood is not None:
        flooding = threading.Thread(target=flood.run, daemon=True)
        flooding.start()
    time.sleep(2)  # the flood (if any) under way before the group arrives
    (opens, saves), contexts = group_part(
        browser, url, args.opens, args.saves, "crue" if flood else "calme"
    )
    done_at = time.perf_counter() - start
    if flooding is not None and flood is not None:
        flooding.join()
        flood.join()
    else:
        rest = start + args.duration - time.perf_counter()
        if rest > 0:
            time.sleep(rest)
    time.sleep(3)  # a kernel started by the last requests shows up
    sampler.stop()
    after = kernels_of(server)
    measured = Window(
        opens=opens, saves_ms=saves, kernels_before=before, kernels_after=after,
        started=len(sampler.seen - set(before)), peak_kernels=sampler.peak_kernels,
        server_mb_before=server_mb_before, server_mb_peak=sampler.peak_server_mb,
        server_mb_end=rss_mb(server), total_mb_peak=sampler.peak_total_mb,
        server_cpu=cpu_seconds(server) - cpu_before, group_done_at=done_at, flood=flood,
    )  # fmt: skip
    for context in contexts:
        context.close()
    return measured


def report(quiet: Window, flooded: Window, args: argparse.Namespace) -> None:
    """``name value unit`` lines, the quiet run's beside the flood's, then the goal."""
    flood = flooded.flood
    assert flood is not None
    refusals = [a.seconds * 1000 for a in flood.answers if a.status == 403]
    others: dict[int, int] = {}
    for answer in flood.answers:
        if answer.status != 403:
            others[answer.status] = others.get(answer.status, 0) + 1
    sent = round(args.rate * args.duration)
    by_flood = flooded.started - quiet.started
    lines = [
        ("flood_requests", sent, "count",
         f"{args.rate:g}/s x {args.duration:g} s, each its own connection"),
        ("flood_403", len(refusals), "count", ""),
        ("flood_403_french_page", sum(a.french_refusal for a in flood.answers), "count", ""),
        ("flood_other_answers", sum(others.values()), "count",
         ", ".join(f"{k}: {v}" for k, v in sorted(others.items()))),
        ("flood_failed_requests", len(flood.errors), "count", ""),
        ("flood_kernel_ids_shown", sum(a.kernel_id_shown for a in flood.answers), "count", ""),
    ]  # fmt: skip
    if refusals:
        lines += [
            ("flood_403_p50", f"{statistics.median(refusals):.1f}", "ms", ""),
            ("flood_403_p95", f"{percentile(refusals, 0.95):.1f}", "ms", ""),
        ]
    for label, run in (("quiet", quiet), ("flood", flooded)):
        lines += [
            (f"{label}_kernels_before", len(run.kernels_before), "count",
             f"{PREHEAT} preheated"),
            (f"{label}_kernels_peak", run.peak_kernels, "count", ""),
            (f"{label}_kernels_after", len(run.kernels_after), "count",
             f"the group's {args.opens} tabs still open"),
            (f"{label}_kernels_started", run.started, "count",
             "the pool refilled after the group's opens"),
            (f"{label}_server_rss_before", f"{run.server_mb_before:.0f}", "MB", ""),
            (f"{label}_server_rss_peak", f"{run.server_mb_peak:.0f}", "MB", ""),
            (f"{label}_server_rss_end", f"{run.server_mb_end:.0f}", "MB", ""),
            (f"{label}_server_and_kernels_rss_peak", f"{run.total_mb_peak:.0f}", "MB", ""),
            (f"{label}_server_cpu", f"{run.server_cpu:.2f}", "s",
             f"over the {args.duration:g} s window"),
        ]  # fmt: skip
    lines.append(("kernels_started_by_flood", by_flood, "count", "goal 0"))
    if refusals:
        extra = (flooded.server_cpu - quiet.server_cpu) / len(refusals) * 1000
        lines.append(("server_cpu_per_refusal", f"{extra:.1f}", "ms", "flood minus quiet, per 403"))
    during = "the group's opens and saves ended, from the flood's start (they start at 2 s)"
    lines.append(("flood_group_done_at", f"{flooded.group_done_at:.1f}", "s", during))
    if flooded.group_done_at > args.duration:
        lines.append(("warning_group_outlasted_flood", 1, "-", "lengthen --duration"))
    within = True
    for name, unit, digits, calm, flooded_value in (
        ("open", "s", 2, statistics.median(quiet.opens), statistics.median(flooded.opens)),
        ("save_p50", "ms", 0, statistics.median(quiet.saves_ms),
         statistics.median(flooded.saves_ms)),
        ("save_p95", "ms", 0, percentile(quiet.saves_ms, 0.95),
         percentile(flooded.saves_ms, 0.95)),
    ):  # fmt: skip
        ratio = flooded_value / calm if calm else float("nan")
        within = within and ratio <= GOAL_RATIO
        lines += [
            (f"quiet_{name}", f"{calm:.{digits}f}", unit, ""),
            (f"flood_{name}", f"{flooded_value:.{digits}f}", unit, ""),
            (f"{name}_ratio", f"{ratio:.2f}", "x", f"flood/quiet, goal <= {GOAL_RATIO:g}"),
        ]
    for label, run in (("quiet", quiet), ("flood", flooded)):
        for index, seconds in enumerate(run.opens, 1):
            lines.append((f"{label}_open_{index}", f"{seconds:.2f}", "s", ""))
    lines.append(("saves_per_run", len(quiet.saves_ms), "count", ""))
    met = by_flood == 0 and within and not others and not flood.errors
    goal = (
        f"0 kernels started by the flood, every flood request 403, the group within "
        f"{GOAL_RATIO:g}x of quiet"
    )
    lines.append(("goal", "met" if met else "MISSED", "-", goal))
    for name, value, unit, note in lines:
        print(f"door_{name} {value} {unit}" + (f" ({note})" if note else ""))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--duration", type=float, default=30.0, help="seconds of flood")
    parser.add_argument("--rate", type=float, default=3.0, help="flood requests a second")
    parser.add_argument("--saves", type=int, default=20, help="saves timed in each run")
    parser.add_argument("--opens", type=int, default=2, help="group tabs opened in each run")
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    work = Path(tempfile.mkdtemp(prefix="ccm-door-"))
    store_path = work / "ccm.sqlite"
    with Store(store_path) as store:
        load_demo(store)
        slugs = [g.slug for g in store.groups.all()]
        group_key = store.groups.key(GROUP)
        projection_key = store.groups.projection_key()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    url = f"{base}/voila/render/groupe.ipynb?groupe={GROUP}&cle={group_key}"
    env = {**os.environ, "CCM_STORE": str(store_path), "CCM_KERNEL_GRACE": "5"}
    env.pop("QUERY_STRING", None)
    command = [sys.executable, "-m", "ccm_widgets.cli", "serve", "--port", str(port),
               "--preheat", str(PREHEAT)]  # fmt: skip
    with running(command, env, work, f"{base}/voila/static/voila.js"):
        server = _find_server(port)
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            try:
                settle(server)
                warm = browser.new_context()  # the OS file cache and Chromium warmed, untimed
                warm_page = warm.new_page()
                time_to_editable(warm_page, url)
                warm.close()
                quiet = window(server, browser, url, args, None)
                flood = Flood(port, args.rate, args.duration, slugs, projection_key)
                flooded = window(server, browser, url, args, flood)
            finally:
                browser.close()
    report(quiet, flooded, args)


if __name__ == "__main__":
    main()
