"""Near-duplicate detection across groups."""

from __future__ import annotations

import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from ccm_widgets.domain.duplicates import find_duplicates, similarity, words
from ccm_widgets.domain.model import GridRow


def row(row_id: int, section: str, text: str) -> GridRow:
    return GridRow(id=row_id, section=section, position=row_id, recommendation=text)


def test_accents_case_and_punctuation_do_not_hide_a_duplicate() -> None:
    rows = [
        row(1, "protection", "Renforcer la prise en charge des enfants non accompagnés."),
        row(2, "gouvernance", "RENFORCER LA PRISE EN CHARGE DES ENFANTS NON-ACCOMPAGNES !"),
        row(3, "economie", "Former les élus locaux au montage de microprojets"),
    ]
    pairs = find_duplicates(rows)
    assert [(p.first.id, p.second.id) for p in pairs] == [(1, 2)]
    assert pairs[0].score == 1.0


def test_same_idea_in_other_words_is_flagged_unrelated_is_not() -> None:
    rows = [
        row(
            1, "migration", "Harmoniser la collecte des données sur le trafic illicite de migrants"
        ),
        row(2, "gouvernance", "Harmoniser entre services la collecte de données sur le trafic"),
        row(3, "protection", "Diffuser les textes sur la protection auprès des agents"),
        row(4, "general", "Sensibiliser les jeunes aux risques des routes du désert"),
    ]
    flagged = {(p.first.id, p.second.id) for p in find_duplicates(rows)}
    assert flagged == {(1, 2)}


def test_rows_of_one_section_and_kept_pairs_are_not_flagged() -> None:
    rows = [
        row(1, "protection", "Former les agents aux droits des migrants"),
        row(2, "protection", "Former les agents aux droits des migrants"),
        row(3, "general", "Former les agents aux droits des migrants"),
    ]
    assert {(p.first.id, p.second.id) for p in find_duplicates(rows)} == {(1, 3), (2, 3)}
    assert {(p.first.id, p.second.id) for p in find_duplicates(rows, kept=[(3, 1)])} == {(2, 3)}


def test_words_fold_plurals_and_drop_function_words() -> None:
    assert words("Les agents des postes frontaliers") == {"agent", "poste", "frontalier"}
    assert similarity(frozenset(), frozenset({"a"})) == 0.0


_WORDS = """renforcer capacités agents frontière données collecte migrants enfants protection
régions communes budget formation sensibilisation jeunes"""
VOCABULARY = _WORDS.split()


def _disguise(text: str, shout: bool) -> str:
    bare = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return (bare.upper() if shout else bare.lower()) + " !?"


@given(
    st.lists(
        st.sampled_from(VOCABULARY),
        min_size=3,
        max_size=12,
        unique=True,
    ),
    st.booleans(),
)
def test_a_disguised_copy_is_always_flagged(vocabulary: list[str], shout: bool) -> None:
    text = " ".join(vocabulary)
    rows = [row(1, "a", text), row(2, "b", _disguise(text, shout))]
    assert [(p.first.id, p.second.id) for p in find_duplicates(rows)] == [(1, 2)]
