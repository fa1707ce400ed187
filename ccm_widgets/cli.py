"""The ``ccm`` command: prepare, import, export and serve a meeting.

Exit codes: 0 success (warnings go to stderr), 2 bad input (the message names the file, the
line and the problem; nothing is written), 1 when the store or the system fails.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from ccm_widgets import __version__
from ccm_widgets.domain.model import ImportProblem, ValidationError, fold
from ccm_widgets.i18n import t
from ccm_widgets.store import Store, StoreError, resolve_location

EXIT_OK, EXIT_FAILURE, EXIT_BAD_INPUT = 0, 1, 2
DEFAULT_PORT = 8866

EPILOG = """\
exemples :
  ccm demo                                     charger la réunion de démonstration
  ccm init reunion.toml                        créer la réunion décrite dans reunion.toml
  ccm import grid --group protection g.csv     ajouter des lignes à la grille d'un groupe
  ccm import attendance presence.xlsx          importer la liste de présence
  ccm import review --carry-over ancienne.sqlite   reprendre la synthèse précédente en revue
  ccm export --to pdf --part report            rapport complet en PDF dans exports/
  ccm export --to toml -o reunion.toml         le fichier de réunion, pour « ccm init »
  ccm links                                    liens de l'animateur et des groupes
  ccm serve                                    servir les cahiers (http://127.0.0.1:8866)

Le stockage est data/ccm.sqlite par défaut ; --store CHEMIN ou la variable CCM_STORE en
désignent un autre : un fichier SQLite ou un serveur PostgreSQL (postgresql://…).
"""


class FrenchParser(argparse.ArgumentParser):
    """argparse with its usage errors prefixed in French (exit code 2, as argparse does)."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(EXIT_BAD_INPUT, f"ccm : erreur : {message}\n")


def build_parser() -> argparse.ArgumentParser:
    """The command line, in French."""
    store_opt = FrenchParser(add_help=False)
    store_opt.add_argument(
        "--store",
        metavar="CHEMIN",
        help="stockage de la réunion : fichier SQLite ou postgresql://utilisateur@hôte/base ;"
        " défaut : CCM_STORE ou data/ccm.sqlite",
    )
    parser = FrenchParser(
        prog="ccm",
        description=t("cli.description"),
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        add_help=False,
    )
    parser.add_argument("-h", "--help", action="help", help="afficher cette aide et quitter")
    parser.add_argument("--version", action="version", version=f"ccm {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMANDE", parser_class=FrenchParser)
    commands.required = True

    init = commands.add_parser(
        "init", parents=[store_opt], help="créer la réunion à partir d'un fichier TOML"
    )
    init.add_argument("meeting_file", metavar="REUNION.toml", type=Path)
    init.add_argument("--force", action="store_true", help="remplacer la réunion existante")

    demo = commands.add_parser(
        "demo", parents=[store_opt], help="charger la réunion de démonstration (fictive)"
    )
    demo.add_argument("--force", action="store_true", help="remplacer la réunion existante")

    imp = commands.add_parser("import", help="importer un tableau (grille, présence, revue)")
    kinds = imp.add_subparsers(dest="kind", metavar="TYPE", parser_class=FrenchParser)
    kinds.required = True
    grid = kinds.add_parser(
        "grid", parents=[store_opt], help="ajouter des lignes Recommandation | Défis | Perspectives"
    )
    grid.add_argument("--group", required=True, metavar="NOM", help="groupe visé (ou « général »)")
    grid.add_argument("file", metavar="FICHIER", type=Path)
    att = kinds.add_parser("attendance", parents=[store_opt], help="liste de présence (CSV/XLSX)")
    att.add_argument("file", metavar="FICHIER", type=Path)
    rev = kinds.add_parser(
        "review", parents=[store_opt], help="état de mise en œuvre des recommandations précédentes"
    )
    rev.add_argument("file", metavar="FICHIER", type=Path)
    rev.add_argument(
        "--carry-over", action="store_true",
        help="FICHIER est la synthèse d'une réunion précédente (son stockage .sqlite ou son"
        " export CSV/XLSX) : une ligne de revue par recommandation, état à renseigner",
    )  # fmt: skip

    exp = commands.add_parser(
        "export", parents=[store_opt], help="exporter la synthèse ou le rapport"
    )
    exp.add_argument(
        "--to",
        required=True,
        choices=["csv", "xlsx", "html", "pdf", "docx", "toml"],
        help="format (toml : le fichier de réunion de « ccm init »)",
    )
    exp.add_argument(
        "--part", default="synthesis", choices=["synthesis", "report"],
        help="synthèse seule (défaut) ou rapport complet",
    )  # fmt: skip
    exp.add_argument("-o", "--output", metavar="CHEMIN", type=Path, help="fichier de sortie")
    exp.add_argument(
        "--mask-contacts", action="store_true",
        help="masquer téléphones et e-mails de la liste de présence",
    )  # fmt: skip

    links = commands.add_parser(
        "links", parents=[store_opt], help="afficher les liens à distribuer"
    )
    links.add_argument("--host", default=None, metavar="ADRESSE", help="adresse dans les liens")
    links.add_argument("--port", type=int, default=DEFAULT_PORT)
    links.add_argument(
        "--public-url", default="", metavar="URL",
        help="adresse complète des pages, au lieu de --host et --port ; derrière JupyterHub :"
        " https://hub.exemple/user/NOM",
    )  # fmt: skip
    links.add_argument(
        "--qr", action="store_true", help="dessiner aussi le code QR de chaque lien de groupe"
    )
    links.add_argument(
        "--renew", metavar="QUI", action="append", default=[],
        help="renouveler une clé avant d'afficher les liens : « animateur », « projection », le"
        " nom d'un groupe, ou « tous » ; l'ancien lien n'ouvre plus rien (répétable)",
    )  # fmt: skip

    serve = commands.add_parser("serve", parents=[store_opt], help="servir les cahiers avec Voilà")
    serve.add_argument("--port", type=int, default=DEFAULT_PORT)
    serve.add_argument(
        "--ip", default="127.0.0.1", metavar="ADRESSE",
        help="adresse d'écoute (127.0.0.1 par défaut ; 0.0.0.0 pour le réseau de la salle)",
    )  # fmt: skip
    serve.add_argument(
        "--public-url", default="", metavar="URL",
        help="adresse portée par les liens et les codes QR (défaut : l'adresse réseau de cette"
        " machine avec --ip 0.0.0.0), par exemple http://10.42.0.1:8866 pour un point d'accès"
        " Wi-Fi",
    )  # fmt: skip
    serve.add_argument(
        "--qr", action="store_true",
        help="afficher aussi le code QR de chaque lien de groupe, à scanner sur l'écran",
    )  # fmt: skip
    serve.add_argument(
        "--no-demo",
        action="store_true",
        help="ne pas charger la démonstration si le stockage est vide",
    )
    serve.add_argument(
        "--preheat", type=int, default=2, metavar="N",
        help="noyaux de groupe préchauffés en attente (défaut 2 ; 0 : aucun)",
    )  # fmt: skip
    serve.add_argument(
        "--max-pages", type=int, default=None, metavar="N",
        help="pages ouvertes à la fois au plus, au-delà « salle pleine » (défaut : deux par"
        " groupe et huit pour l'animateur ; ou la variable CCM_MAX_PAGES)",
    )  # fmt: skip
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``ccm`` console script."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    args = build_parser().parse_args(argv)
    try:
        return _run(args)
    except (ImportProblem, ValidationError) as error:
        print(f"ccm : {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except StoreError as error:
        print(f"ccm : {error}", file=sys.stderr)
        return EXIT_FAILURE
    except KeyboardInterrupt:
        return EXIT_FAILURE
    except BrokenPipeError:  # output piped into head, for instance
        sys.stderr.close()
        return EXIT_OK


def _open_store(args: argparse.Namespace) -> Store:
    return Store(resolve_location(getattr(args, "store", None)))


def _run(args: argparse.Namespace) -> int:
    command = args.command
    if command == "serve":
        from ccm_widgets.server.serve import serve

        return serve(
            store=resolve_location(args.store),
            ip=args.ip,
            port=args.port,
            demo=not args.no_demo,
            preheat=args.preheat,
            public_url=args.public_url,
            qr=args.qr,
            max_pages=args.max_pages,
        )
    if command == "import":
        _check_file(args.file)
    if command == "init":
        _check_file(args.meeting_file)
    with _open_store(args) as store:
        if command in {"init", "demo", "import"}:
            from ccm_widgets.files import loading
        if command == "init":
            outcome = loading.init_meeting(store, args.meeting_file, force=args.force)
        elif command == "demo":
            outcome = loading.load_demo(store, force=args.force)
        elif command == "import":
            store.meeting()  # refuse early, with advice, when no meeting exists
            if args.kind == "grid":
                outcome = loading.import_grid(store, args.group, args.file)
            elif args.kind == "attendance":
                outcome = loading.import_attendance(store, args.file)
            else:
                if args.carry_over:
                    outcome = loading.carry_over_review(store, args.file)
                else:
                    outcome = loading.import_review(store, args.file)
        elif command == "export":
            return _export(store, args)
        elif command == "links":
            return _links(store, args)
        else:  # pragma: no cover - argparse refuses unknown commands
            raise AssertionError(command)
    for warning in outcome.warnings:
        print(f"attention : {warning}", file=sys.stderr)
    print(outcome.summary)
    return EXIT_OK


def _check_file(path: Path) -> None:
    if not path.exists():
        raise ImportProblem(path, None, "fichier introuvable.")
    if path.is_dir():
        raise ImportProblem(path, None, "c'est un dossier, pas un fichier.")


def _export(store: Store, args: argparse.Namespace) -> int:
    from ccm_widgets.files.exporting import export_meeting, undecided_rows

    try:
        path = export_meeting(
            store,
            args.to,
            args.part,
            output=args.output,
            directory=Path(os.environ.get("CCM_EXPORTS", "exports")),
            mask_contacts=args.mask_contacts,
        )
    except ValueError as error:
        if isinstance(error, ImportProblem | ValidationError):
            raise
        raise ValidationError(str(error)) from error
    except RuntimeError as error:  # Chromium missing or failing
        if isinstance(error, StoreError):
            raise
        print(f"ccm : {t('export.failed', error=error)}", file=sys.stderr)
        return EXIT_FAILURE
    pending = undecided_rows(store)
    if pending:
        print(f"ccm : {t('export.undecided', count=pending)}", file=sys.stderr)
    print(path)
    return EXIT_OK


def _links(store: Store, args: argparse.Namespace) -> int:
    from ccm_widgets.links import meeting_links, print_links

    store.meeting()
    for who in args.renew:
        if fold(who) in {"tous", "all"}:
            targets = ["facilitator", "projection", *(g.slug for g in store.groups())]
        elif fold(who) in {"animateur", "facilitateur"}:
            targets = ["facilitator"]
        elif fold(who) == "projection":
            targets = ["projection"]
        else:
            targets = [store.find_section(who)]
            if targets == ["general"]:
                raise ValidationError(
                    "La section générale n'a pas de clé à elle : renouvelez celle de l'animateur."
                )
        for target in targets:
            store.renew_key(target)
        print(f"ccm : nouvelle(s) clé(s) pour « {who} » ; l'ancien lien n'ouvre plus rien.",
              file=sys.stderr)  # fmt: skip
    host = args.host or "127.0.0.1"
    links = meeting_links(store, args.public_url.rstrip("/") or f"http://{host}:{args.port}")
    print_links(links, qr=args.qr)
    return EXIT_OK


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
