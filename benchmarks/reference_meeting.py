"""A meeting the size of the reference one, with invented text: 4 groups and a general
section (~60 synthesis rows of long French sentences), 20 review rows, 80 participants."""

from __future__ import annotations

import datetime as dt
import random

from ccm_widgets.domain.model import AgendaItem, Group, Meeting, Participant, ReviewRow, slugify
from ccm_widgets.store import Store

VERBS = ["Renforcer", "Accélérer", "Harmoniser", "Diffuser", "Évaluer", "Organiser", "Créer",
         "Appuyer", "Former", "Mettre en place"]  # fmt: skip
OBJECTS = ["la coordination entre les services centraux et régionaux",
           "la collecte des données sur les flux migratoires",
           "l'accueil des enfants non accompagnés dans les centres de transit",
           "la reconversion des acteurs de l'économie de la migration",
           "le dialogue avec les pays de départ et de destination",
           "la formation des agents des postes frontaliers"]  # fmt: skip
TAILS = ["en tenant compte des besoins exprimés par les collectivités territoriales",
         "avec l'appui des partenaires techniques et financiers",
         "dans le cadre de la feuille de route adoptée en plénière",
         "en veillant au respect des droits des migrants et à l'égalité de genre"]  # fmt: skip
GROUPS = ["Économie alternative", "Gouvernance et coordination", "Migration irrégulière",
          "Protection"]  # fmt: skip


def sentence(rng: random.Random) -> str:
    return f"{rng.choice(VERBS)} {rng.choice(OBJECTS)} {rng.choice(TAILS)}."


def build(store: Store, *, rows_per_section: int = 12, seed: int = 7) -> None:
    rng = random.Random(seed)
    store.meetings.create(
        Meeting(title="Réunion de référence (banc d'essai)", date=dt.date(2026, 7, 23),
                venue="Salle de conférence, Niamey", organisation=("RÉPUBLIQUE FICTIVE",),
                start="10h15", chair="Président fictif", facilitator="Consultant fictif",
                objectives=("faire le point", "dégager les priorités", "établir l'agenda"),
                closing="Clôture fictive."),
        agenda=[AgendaItem(f"Point {i}", "SP/CCM", f"{9 + i}h00") for i in range(6)],
        groups=[Group(slugify(n), n, moderator=f"Modérateur {i}") for i, n in enumerate(GROUPS)],
        synthesis_order=["migration-irreguliere", "protection", "economie-alternative"],
        force=True,
    )  # fmt: skip
    for section in ["general", *(slugify(n) for n in GROUPS)]:
        store.grid.add(
            section,
            [(sentence(rng), sentence(rng), f"{sentence(rng)}\n- {sentence(rng)}")
             for _ in range(rows_per_section)],
        )  # fmt: skip
    store.items.add_review_rows(
        [ReviewRow(0, ["general", *(slugify(n) for n in GROUPS)][i % 5], 0, sentence(rng),
                   "• " + sentence(rng) + "\n• " + sentence(rng)) for i in range(20)]
    )  # fmt: skip
    store.items.add_participants(
        [Participant(0, i + 1, f"PARTICIPANT {i + 1} Fictif", f"Institution {i % 17}",
                     f"+227 90 00 {i:02d} {i:02d}" if i % 9 else "",
                     f"p{i}@exemple.org" if i % 11 else "") for i in range(80)]
    )  # fmt: skip
