"""Every sentence the domain, the store, the files and the command say lives in the catalogue,
in French and English.

The scan reads the modules' code (not their docstrings or comments) for text that looks
French: an accented letter, a guillemet, or a common French word. Header synonyms and other
words the code must *recognise* in users' files or in the store are data, not messages: they
live in constants whose names say so (``…_COLUMNS``, ``…_WORDS``, ``…_PATTERN``,
``…_LETTERS``, ``…_HEADER``), which the scan skips.
"""

from __future__ import annotations

import ast
import re
import string
import tomllib
from pathlib import Path

import pytest

from ccm_widgets.files.importing import ImportProblem, read_attendance, read_grid, read_table
from ccm_widgets.files.meeting_file import load_plan
from tests.conftest import REPO

MODULES = (
    "ccm_widgets/files/importing.py",
    "ccm_widgets/files/meeting_file.py",
    "ccm_widgets/files/loading.py",
    "ccm_widgets/files/exporting.py",
    "ccm_widgets/cli.py",
    *sorted(str(p.relative_to(REPO)) for p in (REPO / "ccm_widgets" / "domain").glob("*.py")),
    *sorted(str(p.relative_to(REPO)) for p in (REPO / "ccm_widgets" / "store").glob("*.py")),
)
#: Names of constants holding what users' files or the store say (header synonyms, headings,
#: the words of ``ccm links --renew``, the stored names of actors, the synthesis CSV's header
#: that users script against, letters to fold) or argparse's own message ids: data to
#: recognise, not messages.
DATA_CONSTANT = re.compile(
    r"^_?[A-Z0-9_]+_(COLUMNS|WORDS|PATTERN|MESSAGES|PLURALS|LETTERS|HEADER)$|^_STOP_TEXT$"
)
#: French left in modules that other work is reshaping now, each text where it is; it moves
#: to the catalogue with that work, and nothing new may join it. The grid's and the groups'
#: "what" of a refused text ("Le texte de la cellule fait…"), the default actor of the
#: synthesis order, and the words that name the general section.
PENDING_LITERALS: dict[str, frozenset[str]] = {}
ACCENTED = re.compile(r"[àâäçéèêëîïôöùûüÿœæÀÂÄÇÉÈÊËÎÏÔÖÙÛÜŸŒÆ«»°]")
FRENCH_WORDS = re.compile(
    r"(?<![\w-])(le|la|les|des|du|une|est|pas|ou|et|aucun|aucune|sans|avec|dans|pour|fichier|ligne|"
    r"lignes|colonne|colonnes|groupe|groupes|erreur|attention|chemin|nom|adresse|tous|"
    r"animateur|facilitateur|introuvable|vide|doit|manque|cite|lien|liens|stockage|tableau|"
    r"ordre|thematique|recommandation|recommandations|defis|specifique|generale|oeuvre|inconnu|"
    r"inconnue|attendu|partie|trop)(?![\w-])",
    re.IGNORECASE,
)


def docstrings(tree: ast.Module) -> set[int]:
    """ids of the docstring nodes of a module, its classes and its functions."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(
            node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef
        ) and (
            node.body
            and isinstance(node.body[0], ast.Expr)
            and isinstance(node.body[0].value, ast.Constant)
        ):
            found.add(id(node.body[0].value))
    return found


def data_constants(tree: ast.Module) -> set[int]:
    """ids of every node inside the value of a data constant (see :data:`DATA_CONSTANT`)."""
    found = set()
    for node in ast.walk(tree):
        targets: list[ast.expr] = []
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            targets = [node.target]
        names = [t.id for t in targets if isinstance(t, ast.Name)]
        if names and all(DATA_CONSTANT.match(n) for n in names):
            assert node.value is not None
            found |= {id(inner) for inner in ast.walk(node.value)}
    return found


#: ``ccm export --part``: its choices and its help are being extended by the export work
#: (a decisions ledger); its help moves to the catalogue with them, not under their feet.
PENDING_OPTIONS: frozenset[str] = frozenset()


def pending_options(tree: ast.Module) -> set[int]:
    """ids of every node inside ``add_argument("--part", …)`` (see :data:`PENDING_OPTIONS`)."""
    found = set()
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "add_argument"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and node.args[0].value in PENDING_OPTIONS
        ):
            found |= {id(inner) for inner in ast.walk(node)}
    return found


def french_literals(source: str) -> list[tuple[int, str]]:
    """(line, text) of the string constants of ``source`` that look French."""
    tree = ast.parse(source)
    skipped = docstrings(tree) | data_constants(tree) | pending_options(tree)
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in skipped
        and (ACCENTED.search(node.value) or FRENCH_WORDS.search(node.value))
    ]


@pytest.mark.parametrize("module", MODULES)
def test_no_french_sentence_is_left_in_the_code(module: str) -> None:
    pending = PENDING_LITERALS.get(module, frozenset())
    found = french_literals((REPO / module).read_text(encoding="utf-8"))
    assert [(line, text) for line, text in found if text not in pending] == []


def test_the_scan_finds_what_it_looks_for() -> None:
    source = '''
"""Docstring: fichier ignoré."""
GRID_COLUMNS = {"défis": 1}
def f() -> None:
    """Aussi ignoré."""
    raise ValueError(f"ligne {1} : la cellule n'a pas de colonne")
    print("ccm : « x »")
    log("tableau vide", "general", "utf-8-sig")
'''
    assert sorted({line for line, _ in french_literals(source)}) == [6, 7, 8]


def catalogue(language: str) -> dict[str, str]:
    with (REPO / "ccm_widgets" / "locales" / f"{language}.toml").open("rb") as f:
        return tomllib.load(f)


def used_keys() -> set[str]:
    """Catalogue keys the modules name: ``t("…")`` calls, and keys handed to a helper."""
    keys = set()
    for module in MODULES:
        tree = ast.parse((REPO / module).read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and re.fullmatch(
                    r"(import|meeting_file|loading|cli|argparse|domain|store|export|actor|"
                    r"review_status)\.[a-z_0-9]+",
                    node.value,
                )
            ):
                keys.add(node.value)
    return keys


def fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_every_key_used_is_in_french_and_english_with_the_same_fields() -> None:
    french, english = catalogue("fr"), catalogue("en")
    keys = used_keys()
    assert len(keys) > 100
    assert sorted(keys - french.keys()) == []
    assert sorted(keys - english.keys()) == []
    assert [k for k in sorted(keys) if fields(french[k]) != fields(english[k])] == []


# -- the same paths in English (CCM_LANG=en) -------------------------------------------------


@pytest.fixture
def english(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CCM_LANG", "en")


@pytest.mark.usefixtures("english")
def test_import_refusals_in_english(tmp_path: Path) -> None:
    with pytest.raises(ImportProblem, match=r"file not found\.$"):
        read_table(tmp_path / "absent.csv")
    with pytest.raises(ImportProblem, match=r"binary file"):
        read_table("image.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    with pytest.raises(ImportProblem, match=r"“Prix” not recognised; expected columns: Rec"):
        read_grid("g.csv", b"Recommandation;Prix\nx;y\n")
    with pytest.raises(ImportProblem, match=r"two columns for the same information: “Groupe”"):
        read_grid("g.csv", "Groupe;Recommandation;Groupe thématique\na;b;c\n".encode())


@pytest.mark.usefixtures("english")
def test_attendance_defects_in_english() -> None:
    sheet = read_attendance(
        "p.csv",
        b"Nom;Institution;Tel;Email\nA;X;;a.example.org\nA;X;1;a@example.org\n",
    )
    assert sheet.defects == (
        "No. 1: no phone",
        "No. 1: e-mail without “@” (a.example.org)",
        (
            "No. 2: possible duplicate of No. 1 (same name and institution, but another phone"
            " or e-mail; kept)"
        ),
    )


@pytest.mark.usefixtures("english")
def test_meeting_file_refusal_in_english_still_names_its_line(tmp_path: Path) -> None:
    path = tmp_path / "r.toml"
    path.write_text('[meeting]\ntitle = "t"\nvenue = "v"\ndate = "demain"\n', encoding="utf-8")
    with pytest.raises(ImportProblem, match=r"“date” must be an ISO date") as raised:
        load_plan(path)
    assert raised.value.line == 4


@pytest.mark.usefixtures("english")
def test_the_command_in_english(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from ccm_widgets.cli import main
    from ccm_widgets.files.loading import DEMO_DIR

    assert main(["demo"]) == 0
    assert capsys.readouterr().out.startswith("Demo meeting loaded into ")
    assert main(["import", "attendance", str(DEMO_DIR / "presence.csv")]) == 0
    out, err = capsys.readouterr()
    assert out.startswith("9 participant(s) imported: 1 without a phone")
    assert "warning: " in err
    assert "No. 8: no phone" in err
    assert main(["links", "--renew", "général"]) == 2
    assert "The general section has no key of its own" in capsys.readouterr().err
