"""The meeting description file: read, refuse clearly, write back to the same plan."""

from __future__ import annotations

from pathlib import Path

import pytest

from ccm_widgets.files.importing import ImportProblem
from ccm_widgets.files.loading import DEMO_DIR
from ccm_widgets.files.meeting_file import dump_plan, load_plan


def test_demo_plan_reads_with_synthesis_order() -> None:
    plan = load_plan(DEMO_DIR / "reunion.toml")
    assert [g.slug for g in plan.groups] == [
        "economie-alternative",
        "gouvernance-et-coordination",
        "migration-irreguliere",
        "protection",
    ]
    assert plan.synthesis_order[0] == "migration-irreguliere"
    assert plan.meeting.start == "09h30"


def test_dump_then_load_gives_the_same_plan(tmp_path: Path) -> None:
    plan = load_plan(DEMO_DIR / "reunion.toml")
    path = tmp_path / "copie.toml"
    path.write_text(dump_plan(plan), encoding="utf-8")
    assert load_plan(path) == plan


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ('[meeting]\ntitle = "t"\nvenue = "v"\n', 1, "« date » manque"),
        ('[meeting]\ntitle = "t"\ndate = 2026-01-01\nvenue = "v"\n[[groups]]\nmoderator = "x"\n',
         1, "n'a pas de « name »"),
        ('[meeting]\ntitle = "t"\ndate = 2026-01-01\nvenue = "v"\n[synthesis]\norder = ["Santé"]\n',
         6, "Santé"),
        ('[meeting\ntitle = "t"\n', 1, "syntaxe TOML"),
        ('[meeting]\ntitle = ""\ndate = 2026-01-01\nvenue = "v"\n', 2, "titre"),
    ],
)  # fmt: skip
def test_bad_files_name_the_line(tmp_path: Path, text: str, line: int, words: str) -> None:
    path = tmp_path / "r.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ImportProblem) as raised:
        load_plan(path)
    assert words in str(raised.value)
    assert raised.value.line == line
