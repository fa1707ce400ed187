"""Importers: French Excel files, header synonyms, defects kept, bad files refused clearly."""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from ccm_widgets.domain.model import GENERAL, MAX_CELL_CHARS, ReviewStatus, review_status_label
from ccm_widgets.files.importing import (
    FORMULA_STARTS,
    ImportProblem,
    paste_rows,
    read_attendance,
    read_grid,
    read_review,
    read_table,
)
from ccm_widgets.files.loading import import_attendance, import_review
from ccm_widgets.store import Store


def write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def xlsx(tmp_path: Path, rows: list[list[object]]) -> Path:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    path = tmp_path / "tableau.xlsx"
    book.save(path)
    return path


@pytest.mark.parametrize(
    ("encoding", "separator"),
    [("utf-8", ";"), ("utf-8-sig", ";"), ("cp1252", ";"), ("utf-8", ","), ("utf-8", "\t")],
)
def test_grid_from_french_excel_csv(tmp_path: Path, encoding: str, separator: str) -> None:
    text = separator.join(["Recommandation", "Défis", "Perspectives"]) + "\r\n"
    text += separator.join(["Créer un fonds", "Accès réduit", "Étude en 2027"]) + "\r\n"
    grid = read_grid(write(tmp_path, "g.csv", text, encoding))
    assert grid.rows == ((None, ("Créer un fonds", "Accès réduit", "Étude en 2027")),)


def test_grid_header_synonyms_and_multiline_cells(tmp_path: Path) -> None:
    text = 'Recommandation 2021;Défi;Perspective\n"Première ligne\nseconde ligne";"- a\n- b";\n'
    grid = read_grid(write(tmp_path, "g.csv", text))
    assert grid.rows == ((None, ("Première ligne\nseconde ligne", "- a\n- b", "")),)


def test_grid_keeps_html_as_text(tmp_path: Path) -> None:
    text = 'Recommandation;Défis;Perspectives\n<script>alert(1)</script>;<ul style="x">;{{ 7*7 }}\n'
    grid = read_grid(write(tmp_path, "g.csv", text))
    assert grid.rows[0][1] == ("<script>alert(1)</script>", '<ul style="x">', "{{ 7*7 }}")


def test_grid_from_xlsx(tmp_path: Path) -> None:
    path = xlsx(tmp_path, [["Recommandation", "Défis", "Perspectives"], ["R", None, 12.0]])
    assert read_grid(path).rows == ((None, ("R", "", "12")),)


def test_unknown_header_is_refused_with_line(tmp_path: Path) -> None:
    path = write(tmp_path, "g.csv", "\n\nNom;Prix\nx;y\n")
    with pytest.raises(ImportProblem) as raised:
        read_grid(path)
    assert raised.value.line == 3
    assert "g.csv, ligne 3" in str(raised.value)
    assert "Recommandation" in str(raised.value)


def test_extra_cell_without_column_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "g.csv", "Recommandation;Défis\na;b;perdu\n")
    with pytest.raises(ImportProblem, match=r"ligne 2.*« perdu » n'a pas de colonne"):
        read_grid(path)


def test_binary_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "image.csv"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    with pytest.raises(ImportProblem, match="n'est pas un tableau"):
        read_table(path)


def test_broken_xlsx_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "casse.xlsx"
    path.write_bytes(b"PK\x03\x04 pas vraiment un zip")
    with pytest.raises(ImportProblem, match="XLSX illisible"):
        read_table(path)


def test_empty_and_missing_files(tmp_path: Path) -> None:
    with pytest.raises(ImportProblem, match="vide"):
        read_table(write(tmp_path, "vide.csv", "\n\n"))
    with pytest.raises(ImportProblem, match="introuvable"):
        read_table(tmp_path / "absent.csv")


def test_five_megabyte_cell_is_refused_clearly(tmp_path: Path) -> None:
    path = write(tmp_path, "g.csv", "Recommandation;Défis\n" + "x" * 5_000_000 + ";d\n")
    with pytest.raises(ImportProblem, match=f"ligne 2.*{MAX_CELL_CHARS}"):
        read_grid(path)


def test_attendance_defects_are_listed_and_every_row_kept(tmp_path: Path) -> None:
    text = (
        "N°;Nom et prénoms;Structure;Tél;Courriel\n"
        "1;ABDOU Ali;SP/CCM;+227 90 00 00 01;a@exemple.org\n"
        "2;IDI Fati;ONG;;f@exemple.org\n"
        "3;MOUSSA Ila;CICR;+227 90 00 00 03;\n"
        "4;SANI Awa;HCR;+227 90 00 00 04;awa.exemple.org\n"
        "5;Abdou Ali;sp/ccm;+227 90 00 00 05;a@exemple.org\n"
    )
    sheet = read_attendance(write(tmp_path, "p.csv", text, "cp1252"))
    assert [r.number for r in sheet.rows] == [1, 2, 3, 4, 5]
    assert sheet.counts == {"no_phone": 1, "no_email": 1, "bad_email": 1, "duplicates": 1}
    assert "N° 2 : sans téléphone" in sheet.defects
    assert "N° 3 : sans e-mail" in sheet.defects
    assert any(d.startswith("N° 4 : e-mail sans « @ »") for d in sheet.defects)
    # same name and institution, another phone: perhaps two people, perhaps one
    assert any("N° 5 : doublon possible du N° 1" in d for d in sheet.defects)


def test_review_word_layout_opens_sections(tmp_path: Path) -> None:
    text = (
        "Recommandation 2018;Eta de mise en œuvre\n"
        "Recommandations d'ordre général;\n"
        'Adopter la loi;"<ul style=""list-style-type: none""> <li>Loi adoptée ;</li>'
        '<li>Décret pris</li></ul>"\n'
        "Recommandations d'ordre spécifique;\n"
        "Groupe thématique : Protection;\n"
        "Protéger les ENA;En cours\n"
        "Groupe Thematique: Economie alternative;\n"
        "Financer les CT;A reformuler\n"
    )
    review = read_review(write(tmp_path, "r.csv", text))
    assert [(section, rec) for _, section, rec, _, _ in review.rows] == [
        (GENERAL, "Adopter la loi"),
        ("Protection", "Protéger les ENA"),
        ("Economie alternative", "Financer les CT"),
    ]
    assert review.rows[0][3] == "• Loi adoptée ;\n• Décret pris"


def test_review_with_section_column(tmp_path: Path) -> None:
    text = "Section;Recommandation;État de mise en œuvre\nProtection;R1;fait\n;R2;\n"
    review = read_review(write(tmp_path, "r.csv", text))
    assert [(s, r) for _, s, r, _, _ in review.rows] == [("Protection", "R1"), (GENERAL, "R2")]


def test_paste_block_from_word() -> None:
    block = 'Recommandation\tDéfis\tPerspectives\r\nR1\tD1\tP1\r\n"R2\nsuite"\tD2\t\r\n\r\n'
    assert paste_rows(block) == [("R1", "D1", "P1"), ("R2\nsuite", "D2", "")]


# -- property-based: random and broken tables -------------------------------------------------

cell_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=40
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows=st.lists(st.tuples(cell_text, cell_text, cell_text), max_size=8))
def test_any_csv_grid_imports_every_cell_or_is_refused(
    tmp_path: Path, rows: list[tuple[str, str, str]]
) -> None:
    import csv

    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow(["Recommandation", "Défis", "Perspectives"])
    writer.writerows(rows)
    path = tmp_path / "h.csv"
    path.write_text(buffer.getvalue(), encoding="utf-8")
    try:
        grid = read_grid(path)
    except ImportProblem as problem:
        assert str(problem).startswith(str(path))
        return
    kept = [cells for _, cells in grid.rows]

    def norm(c: str) -> str:
        return c.replace("\r\n", "\n").replace("\r", "\n").strip()

    expected = [tuple(norm(c) for c in r) for r in rows if any(norm(c) for c in r)]
    assert kept == expected


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.binary(max_size=300))
def test_random_bytes_never_crash_the_importer(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "n.csv"
    path.write_bytes(data)
    for reader in (read_grid, read_attendance, read_review):
        try:
            reader(path)
        except ImportProblem as problem:
            assert "n.csv" in str(problem)


# -- every import path, thrown random and broken tables (hypothesis) -------------------------

PROPERTY = settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
word = (
    st.text(alphabet="abcdefghéèàôçœ ABCDÉ-'", min_size=1, max_size=20).map(str.strip).filter(bool)
)
encodings = st.sampled_from(["utf-8", "utf-8-sig", "cp1252"])
separators = st.sampled_from([";", ",", "\t"])


def csv_bytes(header: list[str], rows: list[tuple[str, ...]], sep: str, encoding: str) -> bytes:
    import csv

    buffer = io.StringIO(newline="")
    csv.writer(buffer, delimiter=sep).writerows([header, *rows])
    return buffer.getvalue().encode(encoding)


@PROPERTY
@given(
    rows=st.lists(st.tuples(word, word, st.text("0123456789 +", max_size=12), word), max_size=10),
    sep=separators,
    encoding=encodings,
)
def test_any_attendance_sheet_keeps_every_person_and_cell(
    rows: list[tuple[str, str, str, str]], sep: str, encoding: str
) -> None:
    data = csv_bytes(["Nom & Prénoms", "Structure", "Tél", "Courriel"], rows, sep, encoding)
    sheet = read_attendance("presence.csv", data)
    kept = [(r.name, r.institution, r.phone, r.email) for r in sheet.rows]
    expected = [tuple(c.strip() for c in row) for row in rows if any(c.strip() for c in row)]
    assert kept == expected
    assert sheet.counts["no_phone"] == sum(1 for r in kept if not r[2])


@PROPERTY
@given(
    rows=st.lists(
        st.tuples(st.sampled_from(["", "Protection", "général"]), word, word), max_size=8
    ),
    encoding=encodings,
)
def test_any_review_with_a_section_column_keeps_every_row(
    rows: list[tuple[str, str, str]], encoding: str
) -> None:
    data = csv_bytes(["Groupe", "Recommandation", "État de mise en œuvre"], rows, ";", encoding)
    review = read_review("revue.csv", data)
    assert [(s, r, e) for _, s, r, e, _ in review.rows] == [
        (s or GENERAL, r, e) for s, r, e in rows
    ]


@PROPERTY
@given(
    sections=st.lists(
        st.tuples(st.sampled_from(["Protection", "Gouvernance"]), st.lists(word, max_size=4)),
        max_size=4,
    )
)
def test_any_word_laid_review_puts_rows_under_their_heading(
    sections: list[tuple[str, list[str]]],
) -> None:
    rows: list[tuple[str, ...]] = [("Recommandations d'ordre général", "")]
    expected = []
    for name, texts in sections:
        rows.append((f"Groupe thématique : {name}", ""))
        rows += [(text, "en cours") for text in texts]
        expected += [(name, text) for text in texts if not text.lower().startswith("groupe")]
    data = csv_bytes(["Recommandations", "État de mise en œuvre"], rows, ";", "utf-8")
    review = read_review("revue.csv", data)
    assert [(s, r) for _, s, r, _, _ in review.rows] == expected


@PROPERTY
@given(rows=st.lists(st.tuples(cell_text, cell_text, cell_text), max_size=6))
def test_any_xlsx_grid_imports_every_cell_or_is_refused(rows: list[tuple[str, str, str]]) -> None:
    # A text starting with "=" is a formula to openpyxl and Excel: a real workbook holds its
    # computed value, which a sheet written here has not. Not a text cell to compare.
    assume(not any(c.startswith("=") for row in rows for c in row))
    book = openpyxl.Workbook()
    book.active.append(["Recommandation", "Défis", "Perspectives"])
    try:
        for row in rows:
            book.active.append(list(row))
    except openpyxl.utils.exceptions.IllegalCharacterError:
        return  # Excel itself cannot hold such a cell
    buffer = io.BytesIO()
    book.save(buffer)
    try:
        grid = read_grid("g.xlsx", buffer.getvalue())
    except ImportProblem as problem:
        assert str(problem).startswith("g.xlsx")
        return

    def norm(c: str) -> str:
        return c.replace("\r\n", "\n").replace("\r", "\n").strip()

    expected = [tuple(norm(c) for c in r) for r in rows if any(norm(c) for c in r)]
    assert [cells for _, cells in grid.rows] == expected


@PROPERTY
@given(rows=st.lists(st.tuples(word, word, word), min_size=1, max_size=6))
def test_any_pasted_block_gives_its_rows(rows: list[tuple[str, str, str]]) -> None:
    text = "\n".join("\t".join(row) for row in rows)
    assert paste_rows(text) == [tuple(c.strip() for c in row) for row in rows]


@PROPERTY
@given(
    rows=st.lists(st.tuples(st.sampled_from(["", "Protection"]), word, word), max_size=8),
    encoding=encodings,
)
def test_any_previous_synthesis_export_is_carried_over_whole(
    rows: list[tuple[str, str, str]], encoding: str
) -> None:
    from ccm_widgets.files.loading import previous_recommendations

    def exported(text: str) -> str:  # as ccm export writes it: "'" before a formula
        return "'" + text if text.lstrip("'")[:1] in FORMULA_STARTS else text

    table = [
        ("Général" if not g else "Spécifique", g, exported(r), exported(d), "") for g, r, d in rows
    ]
    data = csv_bytes(
        ["Section", "Groupe", "Recommandation", "Défis", "Perspectives"], table, ",", encoding
    )
    found = previous_recommendations("synthese.csv", data)
    assert [(g, r) for _, g, r in found] == [(g, r) for g, r, _ in rows]


# -- files as they come (issue 16) ------------------------------------------------------------


def test_review_with_a_section_column_and_a_group_column(tmp_path: Path) -> None:
    text = (
        "Section;Groupe thématique;Recommandation;État de mise en œuvre\n"
        "Général;;Adopter la loi;fait\n"
        "Spécifique;Protection;Protéger les ENA;en cours\n"
        "Recommandations d'ordre général;;Former les agents;\n"
    )
    review = read_review(write(tmp_path, "r.csv", text))
    assert [(s, r) for _, s, r, _, _ in review.rows] == [
        (GENERAL, "Adopter la loi"),
        ("Protection", "Protéger les ENA"),
        (GENERAL, "Former les agents"),
    ]


def test_a_specific_row_without_its_group_is_refused_with_its_line(tmp_path: Path) -> None:
    text = "Section;Groupe;Recommandation\nGénéral;;R1\nSpécifique;;R2\n"
    with pytest.raises(ImportProblem, match=r"ligne 3 : .*spécifique sans groupe.*« Groupe »"):
        read_review(write(tmp_path, "r.csv", text))


def test_a_grid_with_a_section_column_and_a_group_column(tmp_path: Path) -> None:
    text = "Section;Groupe;Recommandation;Défis;Perspectives\nSpécifique;Protection;R;D;P\n"
    assert read_grid(write(tmp_path, "g.csv", text)).rows == (("Protection", ("R", "D", "P")),)


@pytest.mark.parametrize(
    ("header", "first", "second"),
    [
        ("Groupe;Recommandation;Groupe thématique", "Groupe", "Groupe thématique"),
        ("Recommandation 2018;Recommandations;État", "Recommandation 2018", "Recommandations"),
    ],
)
def test_two_columns_for_one_meaning_are_both_named(
    tmp_path: Path, header: str, first: str, second: str
) -> None:
    path = write(tmp_path, "r.csv", f"{header}\na;b;c\n")
    with pytest.raises(ImportProblem) as raised:
        read_review(path)
    assert raised.value.line == 1
    assert f"« {first} »" in raised.value.message
    assert f"« {second} »" in raised.value.message


SHEET = "Recommandation\tDéfis\tPerspectives\r\nCréer un fonds « vert »\tAccès réduit\tÉtude\r\n"


@pytest.mark.parametrize(
    "data",
    [
        SHEET.encode("utf-16"),  # Excel's "Texte Unicode": BOM, then the machine's order (LE)
        b"\xff\xfe" + SHEET.encode("utf-16-le"),
        b"\xfe\xff" + SHEET.encode("utf-16-be"),
        SHEET.encode("utf-16-le"),  # no BOM: every other byte is zero
        SHEET.encode("utf-16-be"),
    ],
    ids=["utf-16", "le-bom", "be-bom", "le", "be"],
)
def test_excel_unicode_text_is_read(data: bytes) -> None:
    grid = read_grid("texte-unicode.txt", data)
    assert grid.rows == ((None, ("Créer un fonds « vert »", "Accès réduit", "Étude")),)


def test_attendance_in_excel_unicode_text() -> None:
    text = "N°\tNom & Prénoms\tTél\r\n1\tOUSMANE Aïcha\t+227 97 00 00 09\r\n"
    sheet = read_attendance("presence.txt", text.encode("utf-16"))
    assert [(r.number, r.name, r.phone) for r in sheet.rows] == [
        (1, "OUSMANE Aïcha", "+227 97 00 00 09")
    ]


def test_a_binary_file_with_zeros_here_and_there_is_still_refused() -> None:
    with pytest.raises(ImportProblem, match="fichier binaire"):
        read_table("image.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 4)


@pytest.mark.parametrize(
    ("phone", "email", "expected"),
    [
        ("+227 90 00 00 38", "a.ali@exemple.org", "N° 69 : même personne que le N° 38"),
        ("+22790000038", "A.Ali@exemple.org", "N° 69 : même personne que le N° 38"),
        ("+227 90 00 00 69", "a.ali@exemple.org", "N° 69 : doublon possible du N° 38"),
        ("+227 90 00 00 38", "autre@exemple.org", "N° 69 : doublon possible du N° 38"),
        ("", "", "N° 69 : doublon possible du N° 38"),
    ],
)
def test_a_duplicate_is_the_same_person_only_if_phone_and_email_match(
    phone: str, email: str, expected: str
) -> None:
    text = (
        "N°;Nom & Prénoms;Institution;Téléphone;E-mail\n"
        "38;ALI Amina;SP/CCM;+227 90 00 00 38;a.ali@exemple.org\n"
        f"69;Ali AMINA;sp/ccm;{phone};{email}\n"
    )
    sheet = read_attendance("presence.csv", text.encode())
    duplicates = [d for d in sheet.defects if "N° 38" in d]
    assert len(duplicates) == 1
    assert duplicates[0].startswith(expected)
    assert sheet.counts["duplicates"] == 1


def test_review_status_words_become_codes_and_other_words_stay(tmp_path: Path) -> None:
    text = (
        "Recommandation;État de mise en œuvre;Statut\n"
        "R1;Loi adoptée;Réalisée\nR2;;EN COURS\nR3;;non réalisé\nR4;;to be reworded\n"
        "R5;;done\nR6;;partiellement réalisée\nR7;;\n"
    )
    review = read_review(write(tmp_path, "r.csv", text))
    assert [status for *_, status in review.rows] == [
        ReviewStatus.DONE, ReviewStatus.ONGOING, ReviewStatus.NOT_DONE,
        ReviewStatus.TO_REFORMULATE, ReviewStatus.DONE, "partiellement réalisée", "",
    ]  # fmt: skip


def test_imported_statuses_are_stored_as_codes_and_shown_in_words(
    demo_store: Store, tmp_path: Path
) -> None:
    text = "Recommandation;Statut\nR1;Réalisée\nR2;partiellement réalisée\n"
    import_review(demo_store, write(tmp_path, "r.csv", text))
    stored = {r["recommendation"]: r["status"] for r in demo_store.items.rows("review_rows")}
    assert (stored["R1"], stored["R2"]) == ("done", "partiellement réalisée")
    shown = {
        r.recommendation: review_status_label(r.status) for r in demo_store.items.review_rows()
    }
    assert (shown["R1"], shown["R2"]) == ("réalisée", "partiellement réalisée")


def test_attendance_groups_are_stored_by_slug_and_unknown_names_kept_with_a_warning(
    demo_store: Store, tmp_path: Path
) -> None:
    text = "Nom;Institution;Groupe\nA;X;Économie ALTERNATIVE\nB;Y;Santé\nC;Z;\n"
    outcome = import_attendance(demo_store, write(tmp_path, "p.csv", text))
    assert [p.group for p in demo_store.items.participants()[-3:]] == [
        "economie-alternative", "Santé", ""
    ]  # fmt: skip
    assert any(
        "p.csv, ligne 3 : groupe « Santé » absent de cette réunion" in w for w in outcome.warnings
    )
