"""The ``ccm`` command speaks one language throughout, argparse's own words included (issue 16),
and takes ``--store`` before its command as well as after it."""

from __future__ import annotations

import argparse
import sqlite3
from pathlib import Path

import pytest

from ccm_widgets.cli import main
from ccm_widgets.files.loading import DEMO_DIR


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int | str | None, str, str]:
    """Exit code, stdout and stderr of ``ccm ARGS``, whether it returns or exits."""
    try:
        code: int | str | None = main(list(args))
    except SystemExit as exit:
        code = exit.code
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--help"], ["utilisation : ccm", "options :", "-h, --help", "afficher cette aide"]),
        (
            ["import", "grid", "--help"],
            ["utilisation : ccm import grid", "arguments positionnels :", "afficher cette aide"],
        ),
        (["serve", "-h"], ["options :", "--store CHEMIN", "afficher cette aide et quitter"]),
    ],
)
def test_help_is_french_throughout(
    capsys: pytest.CaptureFixture[str], args: list[str], words: list[str]
) -> None:
    code, out, _ = run(capsys, *args)
    assert code == 0
    for word in words:
        assert word in out
    for english in ("usage:", "options:", "positional arguments", "show this help"):
        assert english not in out


BAD_USAGE = [
    (["bogus"], "choix invalide : 'bogus'", "invalid choice: 'bogus'"),
    (["export", "--to", "odt"], "argument --to : choix invalide", "argument --to: invalid choice"),
    (["links", "de", "trop"], "arguments non reconnus : de trop", "unrecognized arguments: de"),
    (
        ["init"],
        "arguments obligatoires manquants : REUNION.toml",
        "the following arguments are required: MEETING.toml",
    ),
    (["serve", "--port", "huit"], "valeur invalide : 'huit'", "invalid int value: 'huit'"),
    (["links", "--renew"], "une valeur attendue", "expected one argument"),
]


@pytest.mark.parametrize(("args", "french", "english"), BAD_USAGE)
def test_bad_usage_is_said_in_french_with_exit_code_2(
    capsys: pytest.CaptureFixture[str], args: list[str], french: str, english: str
) -> None:
    code, _, err = run(capsys, *args)
    assert code == 2
    assert err.startswith("utilisation : ccm")
    assert "ccm : erreur : " in err
    assert french in err
    assert english not in err


@pytest.mark.parametrize(("args", "french", "english"), BAD_USAGE)
def test_bad_usage_in_english_with_ccm_lang(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    args: list[str],
    french: str,
    english: str,
) -> None:
    monkeypatch.setenv("CCM_LANG", "en")
    code, _, err = run(capsys, *args)
    assert code == 2
    assert err.startswith("usage: ccm")
    assert "ccm: error: " in err
    assert english in err
    assert french not in err


def test_help_in_english_with_ccm_lang(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CCM_LANG", "en")
    code, out, _ = run(capsys, "--help")
    assert code == 0
    assert out.startswith("usage: ccm")
    assert "show this help message and exit" in out
    assert "--store PATH" in out
    assert "examples:" in out


def test_other_parsers_keep_argparse_own_words(capsys: pytest.CaptureFixture[str]) -> None:
    run(capsys, "--help")
    run(capsys, "bogus")
    other = argparse.ArgumentParser(prog="autre")
    assert other.format_usage().startswith("usage: autre")
    assert "show this help message and exit" in other.format_help()


def title(store: Path) -> str | None:
    if not store.exists():
        return None
    row = sqlite3.connect(store).execute("SELECT title FROM meeting").fetchone()
    return None if row is None else str(row[0])


def test_store_given_before_the_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    store = tmp_path / "avant.sqlite"
    code, out, err = run(capsys, "--store", str(store), "init", str(DEMO_DIR / "reunion.toml"))
    assert code == 0, err
    assert title(store) is not None
    assert title(tmp_path / "data" / "ccm.sqlite") is None  # CCM_STORE, the default, untouched
    code, out, _ = run(capsys, "--store", str(store), "links")
    assert code == 0
    assert "Protection\thttp://127.0.0.1:8866/ccm/groupe?cle=" in out


def test_store_after_the_command_wins_over_the_one_before(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before, after = tmp_path / "avant.sqlite", tmp_path / "apres.sqlite"
    code, _, err = run(capsys, "--store", str(before), "demo", "--store", str(after))
    assert code == 0, err
    assert title(after) is not None
    assert not before.exists()
