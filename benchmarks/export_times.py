"""Export times for a reference-size meeting: cold command line, warm kernel, and plain
``jupyter nbconvert --to html`` of the same generated notebook, in the same run."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.reference_meeting import build
from ccm_widgets.files.exporting import render, report_data
from ccm_widgets.report.document import build_document
from ccm_widgets.report.web import build_notebook
from ccm_widgets.store import Store

BIN = Path(sys.executable).parent


def timed(cmd: list[str], env: dict[str, str], cwd: Path, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, env=env, cwd=cwd, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main(runs: int = 3) -> None:
    work = Path(tempfile.mkdtemp(prefix="ccm-export-bench-"))
    store_path = work / "ref.sqlite"
    with Store(store_path) as store:
        build(store)
        rows = len(store.grid.rows())
        nb = build_notebook(build_document(report_data(store), part="report"))
    import nbformat

    nbformat.write(nb, work / "rapport.ipynb")
    env = {**os.environ, "CCM_STORE": str(store_path), "CCM_EXPORTS": str(work / "exports")}
    ccm = [sys.executable, "-m", "ccm_widgets.cli", "export", "--part", "report", "--to"]
    print(f"export_reference_rows {rows} count")
    for fmt in ("html", "pdf", "docx"):
        print(f"export_cli_cold_{fmt} {timed([*ccm, fmt], env, work, runs):.2f} s")
    plain = [str(BIN / "jupyter"), "nbconvert", "--to", "html", "rapport.ipynb"]
    print(f"plain_nbconvert_html_cold {timed(plain, env, work, runs):.2f} s")
    with Store(store_path) as store:
        render(store, "html", "report")  # warm-up: imports, templates
        warm = []
        for _ in range(5):
            start = time.perf_counter()
            render(store, "html", "report")
            warm.append(time.perf_counter() - start)
    print(f"export_warm_html {statistics.median(warm) * 1000:.0f} ms")


if __name__ == "__main__":
    main()
