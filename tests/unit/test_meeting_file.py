"""The meeting description file: read, refuse clearly, write back to the same plan."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ccm_widgets.domain.model import AgendaItem, Group, Meeting, fold, slugify
from ccm_widgets.files.importing import ImportProblem
from ccm_widgets.files.loading import DEMO_DIR
from ccm_widgets.files.meeting_file import MeetingPlan, dump_plan, load_plan


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


# -- texts pasted from Word: control characters (issue 16) ------------------------------------

#: What Word and Excel leave in pasted text (vertical tab, bell, DEL, NUL, form feed…), and
#: what TOML itself must escape.
AWKWARD = ["\x0b", "\x07", "\x7f", "\x00", "\x1f", "\x0c", "\x1b", "\r", "\n", "\t", "\x85",
           "\u2028", '"', "\\", "'''", '"""', "#", "=", "[x]", "é", "😀"]  # fmt: skip
text = (
    st.lists(
        st.one_of(st.sampled_from(AWKWARD), st.characters(blacklist_categories=("Cs",))),
        max_size=12,
    )
    .map("".join)
    .map(str.strip)  # the store holds texts stripped, and so does a hand-written file's reader
)
filled = text.filter(bool)


@st.composite
def plans(draw: st.DrawFn) -> MeetingPlan:
    meeting = Meeting(
        title=draw(filled),
        date=draw(st.dates()),
        venue=draw(filled),
        organisation=tuple(draw(st.lists(filled, max_size=3))),
        start=draw(text),
        chair=draw(text),
        facilitator=draw(text),
        objectives=tuple(draw(st.lists(filled, max_size=3))),
        closing=draw(text),
    )
    agenda = draw(st.lists(st.builds(AgendaItem, filled, text, text), max_size=3))
    names = draw(st.lists(filled.filter(lambda n: bool(fold(n))), max_size=4, unique_by=slugify))
    groups = [
        Group(slugify(n), n, draw(text), draw(text), number=i) for i, n in enumerate(names, start=1)
    ]
    order = draw(st.permutations([g.slug for g in groups]))
    return MeetingPlan(meeting, tuple(agenda), tuple(groups), tuple(order))


@settings(max_examples=200, deadline=None)
@given(plan=plans())
def test_any_plan_written_then_read_is_the_same_plan(plan: MeetingPlan) -> None:
    assert load_plan_text(dump_plan(plan)) == plan


def load_plan_text(toml: str) -> MeetingPlan:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "reunion.toml"
        path.write_bytes(toml.encode("utf-8"))
        return load_plan(path)


def test_a_meeting_with_words_control_characters_exports_and_inits_again(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from ccm_widgets.cli import main

    source = tmp_path / "source.toml"
    source.write_text(
        '[meeting]\ntitle = "Réunion\\u000bsur deux lignes"\ndate = 2026-11-26\n'
        'venue = "Salle\\u0007 A\\u007f"\nchair = "M. \\"X\\"\\u000b\\\\ Y"\n'
        '[[groups]]\nname = "Protection\\u000bet droits"\n',
        encoding="utf-8",
    )
    first, second = tmp_path / "premier.sqlite", tmp_path / "second.sqlite"
    assert main(["init", str(source), "--store", str(first)]) == 0
    exported = tmp_path / "export.toml"
    assert main(["export", "--to", "toml", "-o", str(exported), "--store", str(first)]) == 0
    assert main(["init", str(exported), "--store", str(second)]) == 0, capsys.readouterr().err
    again = tmp_path / "encore.toml"
    assert main(["export", "--to", "toml", "-o", str(again), "--store", str(second)]) == 0
    assert again.read_text(encoding="utf-8") == exported.read_text(encoding="utf-8")
    plan = load_plan(again)
    assert plan.meeting.title == "Réunion\x0bsur deux lignes"
    assert plan.meeting.chair == 'M. "X"\x0b\\ Y'
    assert plan.groups[0].name == "Protection\x0bet droits"
