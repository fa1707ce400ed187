"""Write the five grids of the reference-shaped meeting and the synthesis they must give.

Invented text, shaped like a real meeting's grids: about 60 rows of long French sentences,
bulleted multi-line cells, semicolons and quotes inside cells, each grid saved the way a
secretariat's office tools save it (French Excel CSV in cp1252 with ";", UTF-8 with BOM,
comma CSV, tab-separated text copied from Word, an XLSX workbook). The expected synthesis is
written from the same lists, not by ccm. Run once: ``python tests/data/reference/make_files.py``.
"""

from __future__ import annotations

import csv
import io
import random
from pathlib import Path

import openpyxl

HERE = Path(__file__).parent
HEADER = ["Recommandation", "Défis", "Perspectives"]

ACTIONS = [
    "Renforcer durablement", "Mettre en place, avec les collectivités concernées,", "Harmoniser",
    "Soutenir financièrement", "Élaborer et valider de manière participative", "Étendre",
    "Systématiser", "Institutionnaliser",
]  # fmt: skip
SUBJECTS = [
    "le suivi des retours volontaires vers les communes d'origine",
    "l'accès des femmes migrantes aux services de santé reproductive",
    "la production d'un annuaire statistique sur la mobilité humaine",
    "les mécanismes de référencement entre acteurs humanitaires et services de l'État",
    "la réinsertion socio-économique des jeunes de retour d'Algérie et de Libye",
    "la prise en compte de la migration dans les plans communaux de développement",
    "le contrôle des documents de voyage aux postes de police frontaliers",
    "l'information des candidats au départ sur les voies légales de migration",
]  # fmt: skip
PURPOSES = [
    "afin que les décisions prises au niveau central soient appliquées jusqu'aux communes",
    "pour réduire le recours aux passeurs sur l'axe Agadez–Dirkou",
    "de façon à disposer de chiffres comparables d'une année à l'autre",
    "en associant les organisations de la société civile et les leaders coutumiers",
]  # fmt: skip
CHALLENGES = [
    "Insuffisance des ressources humaines qualifiées ; forte rotation du personnel",
    "Faible appropriation des outils par les services déconcentrés",
    "Dépendance aux financements extérieurs, souvent de courte durée",
    "Insécurité dans certaines zones qui limite les missions de terrain",
    'Absence d\'un cadre juridique clair (le « décret d\'application » attendu depuis 2019)',
]  # fmt: skip
PERSPECTIVES = [
    "Plaidoyer auprès du ministère des Finances pour une ligne budgétaire",
    "Atelier national de validation au premier trimestre",
    "Élaboration d'un guide pratique traduit en langues nationales",
    "Mission conjointe de suivi dans les régions de Tahoua, Tillabéri et Zinder",
    "Signature d'un protocole d'accord avec l'institut de la statistique",
]  # fmt: skip

#: (section name as given to ``ccm import grid``, file name, rows)
SECTIONS = [
    ("général", "general.csv", 14),
    ("Économie alternative", "economie-alternative.csv", 11),
    ("gouvernance et coordination", "gouvernance.csv", 12),
    ("MIGRATION IRREGULIERE", "migration.txt", 10),
    ("Protection", "protection.xlsx", 13),
]
#: The plenary's synthesis order: not the groups' numbering.
ORDER = ["Protection", "Migration irrégulière", "Gouvernance et coordination",
         "Économie alternative"]  # fmt: skip


def rows_of(rng: random.Random, count: int) -> list[list[str]]:
    rows = []
    for _ in range(count):
        recommendation = (
            f"{rng.choice(ACTIONS)} {rng.choice(SUBJECTS)} {rng.choice(PURPOSES)}, "
            f"{rng.choice(PURPOSES)}."
        )
        challenges = "\n".join(f"- {c}" for c in rng.sample(CHALLENGES, rng.randint(1, 3)))
        perspectives = rng.choice(PERSPECTIVES) if rng.random() < 0.8 else ""
        if rng.random() < 0.3:
            perspectives += "\n• " + rng.choice(PERSPECTIVES)
        rows.append([recommendation, challenges, perspectives.strip()])
    return rows


def csv_text(rows: list[list[str]], delimiter: str) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(HEADER)
    writer.writerows(rows)
    return buffer.getvalue()


def main() -> None:
    rng = random.Random(2021)
    grids = {name: rows_of(rng, count) for name, _, count in SECTIONS}
    (HERE / "general.csv").write_bytes(csv_text(grids["général"], ";").encode("utf-8-sig"))
    (HERE / "economie-alternative.csv").write_bytes(
        csv_text(grids["Économie alternative"], ";").encode("cp1252")
    )
    (HERE / "gouvernance.csv").write_text(
        csv_text(grids["gouvernance et coordination"], ","), encoding="utf-8", newline=""
    )
    (HERE / "migration.txt").write_text(
        csv_text(grids["MIGRATION IRREGULIERE"], "\t"), encoding="utf-8", newline=""
    )
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADER)
    for row in grids["Protection"]:
        sheet.append(row)
    book.save(HERE / "protection.xlsx")

    by_group = {
        "Économie alternative": grids["Économie alternative"],
        "Gouvernance et coordination": grids["gouvernance et coordination"],
        "Migration irrégulière": grids["MIGRATION IRREGULIERE"],
        "Protection": grids["Protection"],
    }
    expected = [["Général", "", *row] for row in grids["général"]]
    for group in ORDER:
        expected += [["Spécifique", group, *row] for row in by_group[group]]
    with (HERE / "synthese-attendue.csv").open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["Section", "Groupe", *HEADER])
        writer.writerows(expected)


if __name__ == "__main__":
    main()
