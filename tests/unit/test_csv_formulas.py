"""CSV exports never hand a spreadsheet a formula (OWASP "CSV injection"), and a previous
meeting's CSV export, carried over, reads back the texts exactly as they were typed."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ccm_widgets.cli import main
from ccm_widgets.files.exporting import escape_formula, render
from ccm_widgets.files.importing import FORMULA_STARTS, read_synthesis_export, unescape_formula
from ccm_widgets.store import Store

#: What Excel would run, or turn into #NOM?, if the CSV handed it as typed.
FORMULAS = ['=HYPERLINK("http://x")', "+1", "-2", "@SUM(1)"]
BULLETS = "- première action\n- deuxième action"
PLAIN = ["Renforcer le suivi des retours", "'déjà entre apostrophes", "2 + 2", "a=b"]
#: Already starts with the escape: must come back with its own apostrophe.
QUOTED = "'=pas une formule"


def csv_rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


@pytest.fixture
def hostile_store(meeting_store: Store) -> Store:
    """A meeting whose grids hold formula-like texts in every column."""
    meeting_store.grid.add(
        "protection",
        [(text, BULLETS, text) for text in [*FORMULAS, QUOTED]] + [(t, "", "") for t in PLAIN],
        actor="g",
    )
    meeting_store.grid.add("general", [("=cmd|' /C calc'!A0", "@x", "+y")], actor="a")
    return meeting_store


def test_formula_cells_are_written_as_text(hostile_store: Store) -> None:
    data = render(hostile_store, "csv")
    rows = csv_rows(data)
    cells = [cell for row in rows for cell in row]
    assert not [c for c in cells if c[:1] in FORMULA_STARTS]
    recommendations = [row[2] for row in rows[1:]]
    for formula in FORMULAS:
        assert "'" + formula in recommendations
    assert "'=cmd|' /C calc'!A0" in recommendations
    assert "''=pas une formule" in recommendations
    assert [row[3] for row in rows[1:] if row[3]].count("'" + BULLETS) == len(FORMULAS) + 1
    for text in PLAIN:  # nothing else changes
        assert text in recommendations
    assert b'\'=HYPERLINK(""http://x"")' in data


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_every_owasp_start_gets_the_apostrophe(start: str) -> None:
    assert escape_formula(f"{start}1") == f"'{start}1"
    assert unescape_formula(f"'{start}1") == f"{start}1"


@given(st.text(max_size=30))
def test_escaping_is_undone_exactly(text: str) -> None:
    escaped = escape_formula(text)
    assert escaped[:1] not in FORMULA_STARTS
    assert unescape_formula(escaped) == text


def test_the_export_reads_back_cell_for_cell(hostile_store: Store) -> None:
    from ccm_widgets.files.exporting import current_synthesis

    rows = read_synthesis_export("synthese.csv", render(hostile_store, "csv"))
    expected = [row.cells() for _, row in current_synthesis(hostile_store).rows()]
    assert [cells for _, _, cells in rows] == expected
    assert ("- première action\n- deuxième action") in {cells[1] for _, _, cells in rows}


def test_carry_over_of_the_csv_export_gives_back_the_original_texts(
    hostile_store: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    export = tmp_path / "synthese.csv"
    export.write_bytes(render(hostile_store, "csv"))
    typed = {row.recommendation for row in hostile_store.grid.rows()}
    new = tmp_path / "nouvelle.sqlite"
    assert main(["demo", "--store", str(new)]) == 0
    code = main(["import", "review", "--carry-over", str(export), "--store", str(new)])
    assert code == 0, capsys.readouterr().err
    with Store(new) as store:
        carried = {r.recommendation for r in store.items.review_rows() if not r.state}
    assert typed <= carried
    assert {*FORMULAS, QUOTED, "=cmd|' /C calc'!A0"} <= carried
    assert not {"'" + f for f in FORMULAS} & carried
