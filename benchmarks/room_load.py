"""The room under load, on SQLite and on PostgreSQL: 10 group tabs, the plenary and the
projection open in headless Chromium on one ``ccm serve`` (127.0.0.1), while 10 writers
(one per group, each a process doing what a group tab's kernel does on a save) save 5
changes a second each for 60 s.

Printed: save latency p50/p95, propagation to the plenary page p50/p95 (from the save's
commit to the text in the page, both stamped with the system clock), lost and duplicated
changes (every save must be in the history exactly once, and every cell must hold the last
text saved to it), memory per kernel and in total. ``--backend sqlite|postgresql|both``,
``--duration`` seconds.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import multiprocessing
import os
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from benchmarks.live_latency import _find_server, _open, kernels_of, percentile, rss_mb
from benchmarks.open_grid import ARGS, CHROMIUM, free_port, running
from ccm_widgets.domain.model import Group, Meeting
from ccm_widgets.store import Store

GROUPS = 10
RATE = 5.0  # changes a second per writer

PLENARY_RECORDER = """
() => {
  // Cheap on purpose: textContent (no layout) of the board, at most every 20 ms. A recorder
  // that asked for innerText at every mutation would itself slow the page it measures.
  window.__ccmFirst = {};
  window.__ccmScans = 0;
  let pending = false;
  const scan = () => {
    pending = false;
    const now = Date.now();
    window.__ccmScans += 1;
    const board = document.querySelector('.ccm-board');
    for (const m of (board ? board.textContent : '').matchAll(/charge-(\\d+)-(\\d+)/g)) {
      if (!(m[0] in window.__ccmFirst)) window.__ccmFirst[m[0]] = now;
    }
  };
  new MutationObserver(() => { if (!pending) { pending = true; setTimeout(scan, 20); } })
    .observe(document.body, {subtree: true, childList: true, characterData: true});
}
"""


def build(location: str) -> dict[str, str]:
    """A meeting of 10 groups, 3 rows each; the links' keys."""
    with Store(location) as store:
        store.meetings.create(
            Meeting(title="Charge de la salle", date=dt.date(2026, 11, 27), venue="Salle",
                    organisation=("RÉPUBLIQUE FICTIVE",)),
            groups=[Group(f"groupe-{i:02d}", f"Groupe {i:02d}") for i in range(GROUPS)],
            force=True,
        )  # fmt: skip
        for i in range(GROUPS):
            store.grid.add(
                f"groupe-{i:02d}", [(f"Recommandation {r} du groupe {i}", "", "") for r in range(3)]
            )
        keys = {g.slug: store.groups.key(g.slug) for g in store.groups.all()}
        keys["__facilitator"] = store.groups.facilitator_key()
        keys["__projection"] = store.groups.projection_key()
    return keys


def writer(location: str, index: int, duration: float, out: str) -> None:
    """Save RATE changes a second to one group's rows; log (token, row, field, start, end)."""
    slug = f"groupe-{index:02d}"
    log = []
    with Store(location) as store:
        rows = store.grid.rows(slug)
        shown = {(r.id, f): getattr(r, f) for r in rows for f in ("challenges", "perspectives")}
        start = time.time()
        n = 0
        while time.time() - start < duration:
            due = start + n / RATE
            if due > time.time():
                time.sleep(due - time.time())
            row = rows[n % len(rows)]
            field = ("challenges", "perspectives")[(n // len(rows)) % 2]
            token = f"charge-{index}-{n}"
            t0 = time.time()
            store.grid.update_cell(
                row.id, field, token, seen=shown[(row.id, field)], actor=f"groupe:{slug}"
            )
            t1 = time.time()
            shown[(row.id, field)] = token
            log.append((token, row.id, field, t0, t1))
            n += 1
    Path(out).write_text(json.dumps(log))


def _final_tokens(outs: list[str]) -> list[str]:
    """The last text saved to each cell: what the plenary must end up showing."""
    last: dict[tuple[int, str], tuple[float, str]] = {}
    for out in outs:
        for token, row_id, field, _, t1 in json.loads(Path(out).read_text()):
            if (row_id, field) not in last or last[(row_id, field)][0] < t1:
                last[(row_id, field)] = (t1, token)
    return [token for _, token in last.values()]


def run(location: str, label: str, duration: float, work: Path, group_tabs: int = GROUPS) -> None:
    keys = build(location)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "CCM_STORE": location, "CCM_KERNEL_GRACE": "5"}
    command = [sys.executable, "-m", "ccm_widgets.cli", "serve", "--port", str(port),
               "--preheat", "0"]  # fmt: skip
    from playwright.sync_api import sync_playwright

    with running(command, env, work, f"{base}/voila/static/voila.js"):
        server_pid = _find_server(port)
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            pages: list[Any] = []
            for i in range(group_tabs):
                slug = f"groupe-{i:02d}"
                url = f"{base}/voila/render/groupe.ipynb?groupe={slug}&cle={keys[slug]}"
                pages.append(_open(browser, url, ".lm-DataGrid"))
            plenary = _open(
                browser, f"{base}/voila/render/pleniere.ipynb?cle={keys['__facilitator']}",
                ".ccm-board table",
            )  # fmt: skip
            pages.append(plenary)
            pages.append(
                _open(
                    browser,
                    f"{base}/voila/render/projection.ipynb?cle={keys['__projection']}",
                    ".ccm-projection table",
                )
            )
            plenary.evaluate(PLENARY_RECORDER)
            time.sleep(2)
            kernel_rss = [rss_mb(pid) for pid in kernels_of(server_pid)]
            ctx = multiprocessing.get_context("spawn")
            outs = [str(work / f"{label}-writer-{i}.json") for i in range(GROUPS)]
            writers = [
                ctx.Process(target=writer, args=(location, i, duration, outs[i]))
                for i in range(GROUPS)
            ]
            for process in writers:
                process.start()
            for process in writers:
                process.join(duration + 120)
            stopped = time.time()
            finals = _final_tokens(outs)
            caught_up = float("nan")
            while time.time() - stopped < 60:
                text = plenary.evaluate("() => document.querySelector('.ccm-board').textContent")
                if all(token in text for token in finals):
                    caught_up = time.time() - stopped
                    break
                time.sleep(0.1)
            first_seen: dict[str, float] = plenary.evaluate("() => window.__ccmFirst")
            scans = plenary.evaluate("() => window.__ccmScans")
            kernel_rss_end = [rss_mb(pid) for pid in kernels_of(server_pid)]
            server_rss = rss_mb(server_pid)
            for page in pages:
                page.context.close()
            browser.close()

    saves = [entry for out in outs for entry in json.loads(Path(out).read_text())]
    latencies = [(t1 - t0) * 1000 for _, _, _, t0, t1 in saves]
    propagation = [first_seen[token] - t1 * 1000 for token, _, _, _, t1 in saves
                   if token in first_seen]  # fmt: skip
    with Store(location) as store:
        recorded = Counter(
            str(entry.after.get(entry_field))
            for entry in store.history.entries("grid_row", action="update")
            for entry_field in entry.after
        )
        last: dict[tuple[int, str], str] = {}
        for token, row_id, field, _, _ in sorted(saves, key=lambda s: s[4]):
            last[(row_id, field)] = token
        wrong_cells = sum(
            1 for (row_id, field), token in last.items()
            if getattr(store.grid.row(row_id), field) != token
        )  # fmt: skip
        integrity = store.integrity_check()
    lost = sum(1 for token, *_ in saves if recorded[token] == 0)
    duplicated = sum(1 for token, *_ in saves if recorded[token] > 1)
    print(f"{label}_saves {len(saves)} count ({GROUPS} writers x {RATE:g}/s x {duration:g} s)")
    print(f"{label}_save_p50 {statistics.median(latencies):.1f} ms")
    print(f"{label}_save_p95 {percentile(latencies, 0.95):.1f} ms")
    print(f"{label}_lost_changes {lost} count")
    print(f"{label}_duplicated_changes {duplicated} count")
    print(f"{label}_cells_not_holding_last_save {wrong_cells} count")
    print(f"{label}_integrity {integrity} -")
    print(f"{label}_plenary_saw {len(propagation)} of {len(saves)} changes "
          "(a text overwritten before the next refresh is never shown)")  # fmt: skip
    if propagation:
        print(f"{label}_propagation_plenary_p50 {statistics.median(propagation):.0f} ms")
        print(f"{label}_propagation_plenary_p95 {percentile(propagation, 0.95):.0f} ms")
    print(f"{label}_plenary_page_updates {scans} count")
    print(f"{label}_plenary_caught_up_after_writers_stopped {caught_up:.1f} s")
    print(f"{label}_kernels {len(kernel_rss_end)} count")
    print(f"{label}_kernel_rss_median {statistics.median(kernel_rss_end):.0f} MB "
          f"(at start {statistics.median(kernel_rss):.0f} MB)")  # fmt: skip
    print(f"{label}_kernel_rss_total {sum(kernel_rss_end):.0f} MB")
    print(f"{label}_server_rss {server_rss:.0f} MB")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--duration", type=float, default=60.0)
    parser.add_argument("--group-tabs", type=int, default=GROUPS, help="group tabs open")
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="ccm-load-"))
    if args.backend in {"sqlite", "both"}:
        run(str(work / "ccm.sqlite"), "sqlite", args.duration, work, args.group_tabs)
    if args.backend in {"postgresql", "both"}:
        from tests.postgres import start_postgres

        server = start_postgres()
        try:
            run(server.new_database(), "postgresql", args.duration, work, args.group_tabs)
        finally:
            server.stop()


if __name__ == "__main__":
    main()
