"""Run every benchmark: ``python -m benchmarks`` (or ``make bench``)."""

from __future__ import annotations

import sys

from benchmarks import export_times, open_grid


def main() -> int:
    export_times.main()
    open_grid.main(sys.argv[1:])
    return 0


if __name__ == "__main__":
    sys.exit(main())
