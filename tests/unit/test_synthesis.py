"""The synthesis is a view: general first, then groups in synthesis order, from live rows."""

from __future__ import annotations

from ccm_widgets.domain.model import GENERAL, GridRow, Group
from ccm_widgets.domain.synthesis import build_synthesis, synthesis_records
from ccm_widgets.files.exporting import current_synthesis
from ccm_widgets.store import Store

GROUPS = [
    Group("eco", "Économie alternative", number=1),
    Group("gouv", "Gouvernance", number=2),
    Group("migr", "Migration irrégulière", number=3),
]


def row(i: int, section: str, text: str, position: int | None = None) -> GridRow:
    return GridRow(id=i, section=section, position=position or i, recommendation=text)


def test_general_first_then_synthesis_order_then_unlisted_groups() -> None:
    rows = [row(1, "eco", "e1"), row(2, "migr", "m1"), row(3, GENERAL, "g1"), row(4, "gouv", "v1")]
    synthesis = build_synthesis(rows, GROUPS, ["migr"])
    assert [s.key for s in synthesis.sections] == [GENERAL, "migr", "eco", "gouv"]
    assert [r.recommendation for _, r in synthesis.rows()] == ["g1", "m1", "e1", "v1"]
    assert synthesis.sections[1].heading == "GROUPE THÉMATIQUE : MIGRATION IRRÉGULIÈRE"


def test_rows_follow_position_and_blank_rows_are_left_out() -> None:
    rows = [row(1, "eco", "second", 2), row(2, "eco", "first", 1), row(3, "eco", "  ", 3)]
    synthesis = build_synthesis(rows, GROUPS, [])
    assert [r.recommendation for _, r in synthesis.rows()] == ["first", "second"]
    assert len(synthesis) == 2


def test_records_name_section_kind_and_group() -> None:
    rows = [row(1, GENERAL, "g"), row(2, "gouv", "v")]
    records = synthesis_records(build_synthesis(rows, GROUPS, []))
    assert records == [("Général", "", "g", "", ""), ("Spécifique", "Gouvernance", "v", "", "")]


def test_edit_of_a_row_is_an_edit_of_the_synthesis(demo_store: Store) -> None:
    first = demo_store.grid.rows("protection")[0]
    demo_store.grid.update_cell(first.id, "recommendation", "Texte revu en plénière",
                                seen=first.recommendation, actor="animateur")  # fmt: skip
    texts = [r.recommendation for _, r in current_synthesis(demo_store).rows()]
    assert "Texte revu en plénière" in texts
    assert first.recommendation not in texts


def test_demo_synthesis_order_differs_from_numbering(demo_store: Store) -> None:
    keys = [s.key for s in current_synthesis(demo_store).sections]
    assert keys == [GENERAL, "migration-irreguliere", "protection", "economie-alternative",
                    "gouvernance-et-coordination"]  # fmt: skip
