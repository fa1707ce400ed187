"""Cell saves against the SQLite store with several tabs' kernels writing at once.

``writers`` processes (one per group tab) each save ``saves`` cell edits as fast as a kernel
would pass them on, through :meth:`Store.update_grid_cell` (one ``BEGIN IMMEDIATE``
transaction, ``synchronous=FULL``). Prints the per-save latency and the total rate.
"""

from __future__ import annotations

import multiprocessing
import statistics
import tempfile
import time
from pathlib import Path

from ccm_widgets.files.loading import load_demo
from ccm_widgets.store import Store


def _writer(path: str, section: str, saves: int, out: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    latencies = []
    with Store(path) as store:
        row = store.grid.rows(section)[0]
        text = row.challenges
        for n in range(saves):
            new = f"{section} défi {n}"
            start = time.perf_counter()
            store.grid.update_cell(row.id, "challenges", new, seen=text, actor=section)
            latencies.append(time.perf_counter() - start)
            text = new
    out.put(latencies)


def main(writers: int = 4, saves: int = 200) -> None:
    path = Path(tempfile.mkdtemp(prefix="ccm-store-bench-")) / "ccm.sqlite"
    with Store(path) as store:
        load_demo(store)
        sections = [g.slug for g in store.groups.all()]
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    procs = [
        ctx.Process(target=_writer, args=(str(path), sections[i % len(sections)], saves, queue))
        for i in range(writers)
    ]
    start = time.perf_counter()
    for p in procs:
        p.start()
    latencies = [x for _ in procs for x in queue.get(timeout=300)]
    for p in procs:
        p.join()
    elapsed = time.perf_counter() - start
    latencies.sort()
    p95 = latencies[round(0.95 * (len(latencies) - 1))]
    print(f"store_save_writers {writers} count")
    print(f"store_save_p50 {statistics.median(latencies) * 1000:.1f} ms")
    print(f"store_save_p95 {p95 * 1000:.1f} ms")
    print(f"store_save_max {latencies[-1] * 1000:.1f} ms")
    print(f"store_saves_per_second {len(latencies) / elapsed:.0f} count")
    with Store(path) as store:
        print(f"store_integrity {store.integrity_check()} -")


if __name__ == "__main__":
    main()
