"""Run every benchmark: ``python -m benchmarks`` (or ``make bench``).

Each prints ``name value unit`` lines (progress and notes on stderr). ``python -m benchmarks
phone`` (or any names below, several at once) runs only those:

- ``store_writes``: cell saves against the SQLite store, several writers at once;
- ``synthesis_scale``: consolidating and rendering the synthesis, 10 to 50 groups;
- ``export_times``: exports of a reference-size meeting (HTML, PDF, DOCX);
- ``phone``: from a group's link to a field that takes input on an emulated phone (slowed
  CPU and network), ccm's group page beside stock Voilà's DataGrid and a plain HTML page;
- ``burst``: 20 group devices opening their links in the same second (server and browser
  on separate cores): all editable, how soon, kernels started, server memory per device;
- ``live``: 20 devices and the plenary open, a cell saved on one device: delay until the
  other devices of its group and the plenary show it;
- ``door_flood``: what a refusal costs: 1000 wrong-key requests to the group page and to
  the API, their latency and the server's CPU per refusal.

Each module also runs alone with its options: ``python -m benchmarks.phone --help``.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

from benchmarks import (
    burst,
    door_flood,
    export_times,
    live,
    phone,
    store_writes,
    synthesis_scale,
)

BENCHMARKS: dict[str, Callable[[], None]] = {
    "store_writes": store_writes.main,
    "synthesis_scale": synthesis_scale.main,
    "export_times": export_times.main,
    "phone": lambda: phone.main([]),
    "burst": lambda: burst.main([]),
    "live": lambda: live.main([]),
    "door_flood": lambda: door_flood.main([]),
}


def main() -> int:
    wanted = sys.argv[1:] or list(BENCHMARKS)
    unknown = [name for name in wanted if name not in BENCHMARKS]
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; known: {', '.join(BENCHMARKS)}",
              file=sys.stderr)  # fmt: skip
        return 2
    for name in wanted:
        BENCHMARKS[name]()
    return 0


if __name__ == "__main__":
    sys.exit(main())
