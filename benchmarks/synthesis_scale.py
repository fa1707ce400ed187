"""Consolidating and rendering the synthesis as groups grow: 10 to 50 groups x 200 rows.

Target: under 1 s for 50 groups x 200 rows (read the rows from the store, build the
synthesis, render its HTML table). Also: near-duplicate detection over the same rows, and a
full refresh of the plenary board (every tab), which is what a store change costs the
plenary's kernel.
"""

from __future__ import annotations

import datetime as dt
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from benchmarks.reference_meeting import sentence
from ccm_widgets.domain.duplicates import find_duplicates, words
from ccm_widgets.domain.model import GridRow, Group, Meeting
from ccm_widgets.files.exporting import current_synthesis
from ccm_widgets.report.web import synthesis_html
from ccm_widgets.store import Store

ROWS = 200


def median_ms(action: Callable[[], object], runs: int = 5) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def build(path: Path, groups: int) -> Store:
    rng = random.Random(groups)
    store = Store(path)
    store.meetings.create(
        Meeting(title="Banc d'essai", date=dt.date(2026, 1, 1), venue="Salle",
                organisation=("RÉPUBLIQUE FICTIVE",)),
        agenda=[],
        groups=[Group(f"groupe-{i:02d}", f"Groupe {i:02d}") for i in range(groups)],
        synthesis_order=[f"groupe-{i:02d}" for i in reversed(range(groups))],
    )  # fmt: skip
    for i in range(groups):
        store.grid.add(
            f"groupe-{i:02d}",
            [(sentence(rng), sentence(rng), sentence(rng)) for _ in range(ROWS)],
        )
    return store


def consolidate_and_render(store: Store) -> str:
    return synthesis_html(current_synthesis(store))


def main() -> None:
    folder = Path(tempfile.mkdtemp(prefix="ccm-synthesis-bench-"))
    for groups in (10, 20, 30, 40, 50):
        store = build(folder / f"s{groups}.sqlite", groups)
        consolidate_and_render(store)  # warm: imports, catalogue
        ms = median_ms(lambda s=store: consolidate_and_render(s))
        print(f"synthesis_consolidate_render_{groups}x{ROWS} {ms:.0f} ms")
        if groups in (10, 50):
            rows = store.grid.rows()

            def cold(r: list[GridRow] = rows) -> None:
                words.cache_clear()
                find_duplicates(r)

            print(f"duplicates_cold_{groups}x{ROWS} {median_ms(cold, runs=3):.0f} ms")
            warm = median_ms(lambda r=rows: find_duplicates(r), runs=3)
            print(f"duplicates_warm_{groups}x{ROWS} {warm:.0f} ms")
        if groups == 50:
            from ccm_widgets.widgets.plenary.plenary_board import PlenaryBoard

            board = PlenaryBoard(store=store, watch=False)
            refresh = median_ms(board.refresh, runs=3)
            print(f"plenary_board_refresh_{groups}x{ROWS} {refresh:.0f} ms")
        store.close()


if __name__ == "__main__":
    main()
