"""A reference-shaped meeting: five grids imported with ``ccm import grid``, consolidated in
the plenary's order, give its synthesis table exactly (same rows, same order, same text).

The grids and the expected table are in ``tests/data/reference`` (invented text, written by
``make_files.py`` from the same lists, not by ccm).
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from ccm_widgets.cli import main
from ccm_widgets.files.exporting import current_synthesis, escape_formula
from ccm_widgets.report.web import synthesis_html
from ccm_widgets.store import Store

REFERENCE = Path(__file__).resolve().parent.parent / "data" / "reference"
GRIDS = [
    ("général", "general.csv"),
    ("Économie alternative", "economie-alternative.csv"),
    ("gouvernance et coordination", "gouvernance.csv"),
    ("MIGRATION IRREGULIERE", "migration.txt"),
    ("Protection", "protection.xlsx"),
]
MEETING = """
[meeting]
title = "Réunion de référence"
date = 2026-03-12
venue = "Salle de conférence"
organisation = ["RÉPUBLIQUE FICTIVE"]

[[groups]]
name = "Économie alternative"
[[groups]]
name = "Gouvernance et coordination"
[[groups]]
name = "Migration irrégulière"
[[groups]]
name = "Protection"

[synthesis]
order = ["Protection", "Migration irrégulière", "Gouvernance et coordination",
         "Économie alternative"]
"""


def expected() -> list[list[str]]:
    text = (REFERENCE / "synthese-attendue.csv").read_text(encoding="utf-8")
    return list(csv.reader(io.StringIO(text)))


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_five_grids_give_the_reference_synthesis_exactly(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    backend: str,
    request: pytest.FixtureRequest,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    if backend == "postgresql":
        monkeypatch.setenv("CCM_STORE", request.getfixturevalue("postgres").new_database())
    toml = tmp_path / "reunion.toml"
    toml.write_text(MEETING, encoding="utf-8")
    assert main(["init", str(toml)]) == 0
    for group, name in GRIDS:
        assert main(["import", "grid", "--group", group, str(REFERENCE / name)]) == 0
    out = tmp_path / "synthese.csv"
    assert main(["export", "--to", "csv", "--part", "synthesis", "-o", str(out)]) == 0
    capsys.readouterr()
    got = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    want = expected()
    assert len(want) > 60
    # the CSV puts an apostrophe before cells a spreadsheet would run ("- Insécurité…")
    assert got == [[escape_formula(cell) for cell in line] for line in want]
    # the plenary's synthesis view shows the same rows in the same order
    with Store() as store:
        rows = [row.cells() for _, row in current_synthesis(store).rows()]
        page = synthesis_html(current_synthesis(store))
    assert [list(r) for r in rows] == [line[2:] for line in want[1:]]
    headings = ["GROUPE THÉMATIQUE : PROTECTION", "GROUPE THÉMATIQUE : MIGRATION IRRÉGULIÈRE"]
    assert page.index(headings[0]) < page.index(headings[1])
