"""The synthesis workbook says, like the printed synthesis, what the plenary decided on each
row, once it has begun deciding."""

from __future__ import annotations

import io

from ccm_widgets.files.exporting import render, report_data
from ccm_widgets.report.blocks import Table
from ccm_widgets.report.document import build_document
from ccm_widgets.store import Store


def sheet_values(store: Store) -> list[list[object]]:
    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(render(store, "xlsx", "synthesis")))
    return [[cell.value for cell in row] for row in book.active.iter_rows()]


def test_no_decision_column_before_the_plenary_decides(demo_store: Store) -> None:
    values = sheet_values(demo_store)
    assert values[0] == ["Section", "Groupe", "Recommandation", "Défis", "Perspectives"]


def test_the_workbook_has_the_decisions_of_the_printed_synthesis(demo_store: Store) -> None:
    rows = [row for _, row in report_data(demo_store).synthesis.rows()]
    demo_store.plenary.decide(rows[0].id, "adopted", actor="plénière")
    demo_store.plenary.decide(rows[1].id, "amended", actor="plénière")
    demo_store.plenary.decide(rows[2].id, "withdrawn", actor="plénière")
    values = sheet_values(demo_store)
    assert values[0] == ["Section", "Groupe", "Recommandation", "Défis", "Perspectives",
                         "Décision"]  # fmt: skip
    decisions = [(line[2], line[5]) for line in values[1:]]
    assert decisions[:2] == [(rows[0].recommendation, "Adoptée"),
                             (rows[1].recommendation, "Amendée")]  # fmt: skip
    assert {decision for _, decision in decisions[2:]} == {"En attente"}
    assert rows[2].recommendation not in [text for text, _ in decisions]  # withdrawn
    printed = next(
        b
        for b in build_document(report_data(demo_store), part="synthesis").blocks()
        if isinstance(b, Table) and b.kind == "synthesis"
    )
    assert decisions == [(row[0], row[-1]) for row in printed.rows()]
