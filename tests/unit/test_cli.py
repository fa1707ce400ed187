"""The ``ccm`` command's contract: what users script against."""

from __future__ import annotations

import csv
import io
import sqlite3
from pathlib import Path

import pytest

from ccm_widgets.cli import main
from ccm_widgets.files.loading import DEMO_DIR
from ccm_widgets.store import Store

MEETING = """
[meeting]
title = "Atelier de test"
date = 2026-05-04
venue = "Salle A"
organisation = ["RÉPUBLIQUE FICTIVE", "MINISTÈRE FICTIF"]
start = "09h00"
objectives = ["tester"]

[[agenda]]
item = "Ouverture"

[[groups]]
name = "Économie alternative"
moderator = "M. A"

[[groups]]
name = "Protection"

[synthesis]
order = ["Protection", "Économie alternative"]
"""


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def initialised(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    path = tmp_path / "reunion.toml"
    path.write_text(MEETING, encoding="utf-8")
    assert run(capsys, "init", str(path))[0] == 0
    return path


def test_help_is_french(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as raised:
        main(["--help"])
    assert raised.value.code == 0
    out = capsys.readouterr().out
    assert "afficher cette aide" in out
    assert "ccm export --to pdf" in out


def test_init_refuses_overwrite_without_force(
    initialised: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, "init", str(initialised))
    assert code == 2
    assert "--force" in err
    assert run(capsys, "init", str(initialised), "--force")[0] == 0


def test_init_bad_toml_names_file_and_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "casse.toml"
    path.write_text(
        '[meeting]\ntitle = "x"\ndate = "pas une date"\nvenue = "v"\n', encoding="utf-8"
    )
    code, _, err = run(capsys, "init", str(path))
    assert code == 2
    assert "casse.toml, ligne 3" in err
    assert "date ISO" in err
    assert not Store().meetings.exists()


def test_import_grid_matches_group_loosely_and_exports_csv_in_order(
    initialised: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    grid = tmp_path / "g.csv"
    grid.write_text("Recommandation;Défis;Perspectives\nR eco;D;P\n", encoding="cp1252")
    assert run(capsys, "import", "grid", "--group", "ECONOMIE alternative", str(grid))[0] == 0
    grid.write_text("Recommandation;Défis;Perspectives\nR prot;;\n", encoding="utf-8")
    assert run(capsys, "import", "grid", "--group", "protection", str(grid))[0] == 0
    grid.write_text("Recommandation;Défis;Perspectives\nR gen;;\n", encoding="utf-8")
    assert run(capsys, "import", "grid", "--group", "général", str(grid))[0] == 0
    out_path = tmp_path / "s.csv"
    code, out, _ = run(capsys, "export", "--to", "csv", "-o", str(out_path))
    assert code == 0
    assert out.strip() == str(out_path)
    rows = list(csv.reader(io.StringIO(out_path.read_text(encoding="utf-8"))))
    assert rows == [
        ["Section", "Groupe", "Recommandation", "Défis", "Perspectives"],
        ["Général", "", "R gen", "", ""],
        ["Spécifique", "Protection", "R prot", "", ""],
        ["Spécifique", "Économie alternative", "R eco", "D", "P"],
    ]


def test_import_unknown_group_exit_2_and_nothing_written(
    initialised: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    grid = tmp_path / "g.csv"
    grid.write_text("Recommandation\nR\n", encoding="utf-8")
    before = Store().session.change_counter()
    code, _, err = run(capsys, "import", "grid", "--group", "Santé", str(grid))
    assert code == 2
    assert "g.csv" in err
    assert "Groupe inconnu" in err
    assert Store().session.change_counter() == before


def test_import_bad_grid_file_names_line_and_writes_nothing(
    initialised: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    grid = tmp_path / "g.csv"
    grid.write_text("Recommandation;Défis\nR1;D1\nR2;D2;orpheline\n", encoding="utf-8")
    code, _, err = run(capsys, "import", "grid", "--group", "protection", str(grid))
    assert code == 2
    assert "g.csv, ligne 3" in err
    assert Store().grid.rows() == []


def test_import_attendance_warns_on_stderr_and_keeps_everyone(
    initialised: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "import", "attendance", str(DEMO_DIR / "presence.csv"))
    assert code == 0
    assert "9 participant(s)" in out
    assert "N° 7 : e-mail sans « @ »" in err
    assert "N° 8 : sans téléphone" in err
    assert len(Store().items.participants()) == 9


def test_links_one_per_line_with_tab(initialised: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "links", "--port", "9000")
    assert code == 0
    lines = [line.split("\t") for line in out.splitlines()]
    assert [name for name, _ in lines] == [
        "animateur",
        "pleniere",
        "projection",
        "Économie alternative",
        "Protection",
    ]
    store = Store()
    assert lines[4][1] == "http://127.0.0.1:9000/ccm/groupe?cle=" + store.groups.key("protection")
    assert (
        lines[2][1] == "http://127.0.0.1:9000/ccm/projection?cle=" + store.groups.projection_key()
    )


def test_commands_without_meeting_give_advice(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "links")
    assert code == 1
    assert "ccm init" in err


def test_export_html_never_overwrites(
    initialised: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first = Path(run(capsys, "export", "--to", "html")[1].strip())
    second = Path(run(capsys, "export", "--to", "html")[1].strip())
    assert first != second
    assert first.exists()
    assert second.exists()
    assert first.name.startswith("2026-05-04_synthese_")


def test_store_option_and_env(
    tmp_path: Path, initialised: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    other = tmp_path / "autre.sqlite"
    assert run(capsys, "demo", "--store", str(other))[0] == 0
    titles = sqlite3.connect(other).execute("SELECT title FROM meeting").fetchone()[0]
    assert "7e session" in titles
    assert Store().meetings.get().title == "Atelier de test"


def test_links_qr_draws_one_code_per_group(
    initialised: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "links", "--qr")
    assert code == 0
    assert out.count("█") > 200
    assert "\nProtection\n" in out


def test_export_warns_about_rows_without_decision_once_adoption_began(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert run(capsys, "demo")[0] == 0
    assert run(capsys, "export", "--to", "csv", "-o", str(tmp_path / "a.csv"))[2] == ""
    with Store() as store:
        first, second = store.grid.rows("general")
        store.plenary.decide(first.id, "adopted", actor="plénière")
        store.plenary.decide(second.id, "withdrawn", actor="plénière")
        total = len(store.grid.rows())
    code, _, err = run(capsys, "export", "--to", "csv", "-o", str(tmp_path / "b.csv"))
    assert code == 0
    assert f"{total - 2} recommandation(s)" in err
    lines = (tmp_path / "b.csv").read_text(encoding="utf-8-sig").splitlines()
    assert second.recommendation not in "\n".join(lines)


def test_meeting_file_exported_then_imported_gives_the_same_meeting(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    import dataclasses

    assert run(capsys, "demo")[0] == 0
    with Store() as store:
        store.meetings.update(
            dataclasses.replace(store.meetings.get(), chair='M. "Président" fictif\nligne 2'),
            actor="a",
        )
        store.groups.set_synthesis_order(list(reversed(store.groups.synthesis_order())), actor="a")
        before = (
            store.meetings.get(),
            store.meetings.agenda(),
            store.groups.all(),
            store.groups.synthesis_order(),
        )
    out = tmp_path / "reunion.toml"
    code, printed, _ = run(capsys, "export", "--to", "toml", "-o", str(out))
    assert code == 0
    assert printed.strip() == str(out)
    other = tmp_path / "autre.sqlite"
    assert run(capsys, "init", str(out), "--store", str(other))[0] == 0
    with Store(other) as copy:
        after = (
            copy.meetings.get(),
            copy.meetings.agenda(),
            copy.groups.all(),
            copy.groups.synthesis_order(),
        )
    assert [dataclasses.replace(g, synthesis_position=0) for g in after[2]] == [
        dataclasses.replace(g, synthesis_position=0) for g in before[2]
    ]
    assert (after[0], after[1], after[3]) == (before[0], before[1], before[3])


def test_review_carried_over_from_a_previous_store_or_its_csv(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    previous = tmp_path / "precedente.sqlite"
    assert run(capsys, "demo", "--store", str(previous))[0] == 0
    with Store(previous) as old:
        old.groups.add("Santé", actor="a")
        old.grid.add("sante", [("Vacciner aux frontières", "", "")], actor="a")
        expected = len(old.grid.rows())
    export = tmp_path / "synthese.csv"
    assert run(capsys, "export", "--to", "csv", "--store", str(previous), "-o", str(export))[0] == 0
    for source in (previous, export):
        new = tmp_path / f"nouvelle-{source.suffix[1:]}.sqlite"
        assert run(capsys, "demo", "--store", str(new))[0] == 0
        with Store(new) as store:
            before = len(store.items.review_rows())
        code, _, err = run(
            capsys, "import", "review", "--carry-over", str(source), "--store", str(new)
        )
        assert code == 0, err
        assert "« Santé » absent" in err
        with Store(new) as store:
            rows = store.items.review_rows()
        carried = [r for r in rows if r.state == "" and not r.status]
        assert len(rows) == before + expected
        assert len(carried) >= expected
        assert any(r.recommendation == "Vacciner aux frontières" and r.section == "general"
                   for r in carried)  # fmt: skip
    bad = tmp_path / "pas-une-synthese.csv"
    bad.write_text("Nom;Institution\nA;B\n", encoding="utf-8")
    code, _, err = run(capsys, "import", "review", "--carry-over", str(bad), "--store", str(new))
    assert code == 2
    assert "pas-une-synthese.csv" in err


def test_the_whole_command_works_on_a_postgresql_store(
    postgres: object, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    url = postgres.new_database()  # type: ignore[attr-defined]
    assert run(capsys, "demo", "--store", url)[0] == 0
    grid = tmp_path / "g.csv"
    grid.write_text("Recommandation;Défis;Perspectives\nR pg;D;P\n", encoding="cp1252")
    assert run(capsys, "import", "grid", "--group", "protection", str(grid), "--store", url)[0] == 0
    out = tmp_path / "s.csv"
    assert run(capsys, "export", "--to", "csv", "-o", str(out), "--store", url)[0] == 0
    text = out.read_text(encoding="utf-8-sig")
    assert "Spécifique,Protection,R pg,D,P" in text
    code, printed, _ = run(capsys, "links", "--store", url)
    assert code == 0
    assert "Protection\thttp://127.0.0.1:8866/ccm/groupe?cle=" in printed
    code, _, err = run(capsys, "demo", "--store", url.rsplit("/", 1)[0] + "/absente")
    assert code != 0
    assert "absente" in err


def test_keys_are_renewed_and_old_links_stop_working(
    initialised: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import asyncio

    from ccm_widgets.pages import plenary_page
    from ccm_widgets.store import Access
    from ccm_widgets.web.service import GridService, Refused

    with Store() as store:
        old_group = store.groups.key("protection")
        old_other = store.groups.key("economie-alternative")
        old_facilitator = store.groups.facilitator_key()
    code, out, err = run(capsys, "links", "--renew", "PROTECTION", "--renew", "animateur")
    assert code == 0
    assert "l'ancien lien n'ouvre plus rien" in err
    with Store() as store:
        new_group = store.groups.key("protection")
        assert new_group != old_group
        assert store.groups.key("economie-alternative") == old_other  # others unchanged
        assert store.groups.facilitator_key() != old_facilitator
        assert f"cle={new_group}" in out
        service = GridService(store.location)
        with pytest.raises(Refused, match="plus valable") as refused:
            asyncio.run(service.page(Access("protection", old_group), "protection"))
        assert refused.value.status == 403
        assert asyncio.run(service.page(Access("protection", new_group), "protection"))["title"]
        service.close()
        assert "ccm-message" in plenary_page(store=store, params={"cle": old_facilitator}).value
        renewals = store.history.entries("access_key")
        assert [h.after for h in renewals] == [{"for": "protection"}, {"for": "facilitator"}]
        assert all(old_group not in str(h.after) + str(h.before) for h in store.history.entries())
    assert run(capsys, "links", "--renew", "inconnu")[0] == 2


def test_links_for_a_server_behind_jupyterhub_carry_its_full_address(
    initialised: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "links", "--public-url", "https://hub.exemple/user/animatrice/")
    assert code == 0
    urls = [line.split("\t", 1)[1] for line in out.splitlines() if "\t" in line]
    assert urls
    assert all(u.startswith("https://hub.exemple/user/animatrice/") for u in urls)
    assert urls[0].startswith("https://hub.exemple/user/animatrice/voila/render/animateur.ipynb?")
    assert urls[-1].startswith("https://hub.exemple/user/animatrice/ccm/groupe?cle=")
