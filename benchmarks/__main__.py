"""Run every benchmark: ``python -m benchmarks`` (or ``make bench``).

Each prints ``name value unit`` lines. ``python -m benchmarks open_grid`` (or ``export_times``,
``live_latency``, ``store_writes``, ``synthesis_scale``, ``room_load``, ``door_flood``,
``cut_off``, ``burst``, ``page_cost``) runs one.
"""

from __future__ import annotations

import sys

from benchmarks import (
    burst,
    cut_off,
    door_flood,
    export_times,
    live_latency,
    open_grid,
    page_cost,
    room_load,
    store_writes,
    synthesis_scale,
)


def main() -> int:
    wanted = set(sys.argv[1:]) or {
        "store_writes",
        "synthesis_scale",
        "export_times",
        "open_grid",
        "live_latency",
        "room_load",
        "door_flood",
        "cut_off",
        "burst",
        "page_cost",
    }
    if "store_writes" in wanted:
        store_writes.main()
    if "synthesis_scale" in wanted:
        synthesis_scale.main()
    if "export_times" in wanted:
        export_times.main()
    if "open_grid" in wanted:
        open_grid.main([])
    if "live_latency" in wanted:
        live_latency.main([])
    if "room_load" in wanted:
        room_load.main([])
    if "door_flood" in wanted:
        door_flood.main([])
    if "cut_off" in wanted:
        cut_off.main([])
    if "burst" in wanted:
        burst.main([])
    if "page_cost" in wanted:
        page_cost.main([])
    return 0


if __name__ == "__main__":
    sys.exit(main())
