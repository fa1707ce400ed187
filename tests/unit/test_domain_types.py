"""Values with a meaning have a type: review statuses and actors, stored as codes, said in
the catalogue's words (French by default, English with ``CCM_LANG=en``)."""

from __future__ import annotations

import datetime as dt

import pytest

from ccm_widgets.domain.model import (
    CLI_ACTOR,
    DEMO_ACTOR,
    FACILITATOR_ACTOR,
    PLENARY_ACTOR,
    Actor,
    ActorKind,
    Group,
    ImportProblem,
    Meeting,
    ReviewStatus,
    ValidationError,
    as_review_status,
    clean_text,
    display_actor,
    review_status_label,
    slugify,
)

GROUPS = (Group("economie-alternative", "Économie alternative", number=1),
          Group("protection", "Protection", number=4))  # fmt: skip


@pytest.fixture
def english(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CCM_LANG", "en")


# -- review statuses --------------------------------------------------------------------------


def test_statuses_are_codes_shown_in_the_catalogue_words() -> None:
    assert [s.value for s in ReviewStatus] == ["done", "ongoing", "not_done", "to_reformulate"]
    assert [s.label for s in ReviewStatus] == [
        "réalisée", "en cours", "non réalisée", "à reformuler"
    ]  # fmt: skip


@pytest.mark.usefixtures("english")
def test_statuses_in_english() -> None:
    assert [s.label for s in ReviewStatus] == ["done", "ongoing", "not done", "to be reworded"]
    assert review_status_label("ongoing") == "ongoing"


@pytest.mark.parametrize(
    ("words", "status"),
    [
        ("réalisée", ReviewStatus.DONE),
        ("Réalisé", ReviewStatus.DONE),
        ("REALISEES", ReviewStatus.DONE),
        ("done", ReviewStatus.DONE),
        (" en  cours ", ReviewStatus.ONGOING),
        ("In progress", ReviewStatus.ONGOING),
        ("non réalisée", ReviewStatus.NOT_DONE),
        ("Non-réalisé", ReviewStatus.NOT_DONE),
        ("not done", ReviewStatus.NOT_DONE),
        ("not_done", ReviewStatus.NOT_DONE),
        ("À reformuler", ReviewStatus.TO_REFORMULATE),
        ("to be reworded", ReviewStatus.TO_REFORMULATE),
        ("partiellement réalisée", None),
        ("réalisée en partie", None),
        ("", None),
    ],
)
def test_status_words_in_french_or_english_name_their_status(
    words: str, status: ReviewStatus | None
) -> None:
    assert ReviewStatus.parse(words) is status


def test_a_stored_status_is_its_enum_or_the_words_as_written() -> None:
    assert as_review_status("not_done") is ReviewStatus.NOT_DONE
    assert as_review_status("à moitié") == "à moitié"
    assert review_status_label("to_reformulate") == "à reformuler"
    assert review_status_label("à moitié") == "à moitié"
    assert review_status_label("") == ""


# -- actors -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("stored", "actor"),
    [
        ("animateur", FACILITATOR_ACTOR),
        ("groupe:protection", Actor.of_group("protection")),
        ("plénière", PLENARY_ACTOR),
        ("cli", CLI_ACTOR),
        ("demo", DEMO_ACTOR),
    ],
)
def test_actors_read_and_write_the_strings_the_store_has_always_held(
    stored: str, actor: Actor
) -> None:
    assert Actor.parse(stored) == actor
    assert str(actor) == stored


def test_a_string_no_kind_writes_is_kept_and_shown_as_it_is() -> None:
    for stored in ("test", "groupe:", "Animateur", ""):
        actor = Actor.parse(stored)
        assert actor.kind is ActorKind.OTHER
        assert str(actor) == stored
    assert display_actor("test", GROUPS) == "test"
    assert display_actor("", GROUPS) == "inconnu"


def test_a_group_actor_needs_its_slug() -> None:
    with pytest.raises(ValueError, match="needs its slug"):
        Actor(ActorKind.GROUP)
    with pytest.raises(ValueError, match="needs its slug"):
        Actor(ActorKind.FACILITATOR, group="protection")


def test_who_made_a_change_in_words() -> None:
    assert display_actor(FACILITATOR_ACTOR, GROUPS) == "l'animateur"
    assert display_actor("groupe:protection", GROUPS) == "Groupe 4 : Protection"
    assert display_actor(Actor.of_group("economie-alternative"), GROUPS) == (
        "Groupe 1 : Économie alternative"
    )
    assert display_actor("groupe:disparu", GROUPS) == "le groupe « disparu »"
    assert display_actor(CLI_ACTOR, GROUPS) == "ligne de commande"
    assert display_actor("plénière", GROUPS) == "la plénière"


@pytest.mark.usefixtures("english")
def test_who_made_a_change_in_english() -> None:
    assert display_actor("animateur", GROUPS) == "the facilitator"
    assert display_actor("groupe:protection", GROUPS) == "Group 4: Protection"
    assert display_actor("cli", GROUPS) == "command line"


# -- the domain's refusals come from the catalogue ---------------------------------------------


def test_refusals_in_french() -> None:
    assert str(ImportProblem("p.csv", 3, "colonne inconnue.")) == (
        "p.csv, ligne 3 : colonne inconnue."
    )
    assert str(ImportProblem("p.csv", None, "fichier vide.")) == "p.csv : fichier vide."
    with pytest.raises(ValidationError, match=r"^Nom de groupe vide ou illisible : « \?! »\.$"):
        slugify("?!")
    with pytest.raises(
        ValidationError,
        match=r"^Le statut fait 20001 caractères ; la limite est 20000\. Raccourcissez-le",
    ):
        clean_text("x" * 20_001, what="statut")
    with pytest.raises(ValidationError, match=r"^Le texte fait 20001 caractères"):
        clean_text("x" * 20_001)
    with pytest.raises(ValidationError, match="« venue » : le lieu de la réunion"):
        Meeting(title="Réunion", date=dt.date(2026, 11, 26), venue=" ")


@pytest.mark.usefixtures("english")
def test_refusals_in_english() -> None:
    assert str(ImportProblem("p.csv", 3, "x")) == "p.csv, line 3: x"
    with pytest.raises(ValidationError, match=r"^The text is 20001 characters long"):
        clean_text("x" * 20_001)
    with pytest.raises(ValidationError, match="meeting's title is required"):
        Meeting(title="", date=dt.date(2026, 11, 26), venue="v")
