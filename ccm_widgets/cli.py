"""The ``ccm`` command: prepare, import, export and serve a meeting.

Exit codes: 0 success (warnings go to stderr), 2 bad input (the message names the file, the
line and the problem; nothing is written), 1 when the store or the system fails.

Everything it says comes from the catalogue, argparse's own words included (``usage:``,
``invalid choice``…): :class:`CatalogueParser` swaps argparse's translation functions for
the catalogue while it works, French by default, English with ``CCM_LANG=en``.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, NoReturn

from ccm_widgets import __version__
from ccm_widgets.domain.model import ImportProblem, ValidationError, fold
from ccm_widgets.i18n import t
from ccm_widgets.store import Store, StoreError, resolve_location

EXIT_OK, EXIT_FAILURE, EXIT_BAD_INPUT = 0, 1, 2
DEFAULT_PORT = 8866

#: What ``ccm links --renew`` recognises, in :func:`fold` form, besides a group's name.
RENEW_ALL_WORDS = frozenset({"tous", "all"})
RENEW_FACILITATOR_WORDS = frozenset({"animateur", "facilitateur", "facilitator"})
RENEW_PROJECTION_WORDS = frozenset({"projection"})

#: argparse's own sentences (its gettext message ids, Python 3.11 to 3.13) and the catalogue
#: key of each; a sentence not listed here stays as argparse says it.
ARGPARSE_MESSAGES = {
    "usage: ": "argparse.usage",
    "positional arguments": "argparse.positionals",
    "options": "argparse.options",
    "show this help message and exit": "argparse.help",
    "%(prog)s: error: %(message)s\n": "argparse.error",
    "argument %(argument_name)s: %(message)s": "argparse.argument",
    "unrecognized arguments: %s": "argparse.unrecognized",
    "invalid choice: %(value)r (choose from %(choices)s)": "argparse.invalid_choice",
    "the following arguments are required: %s": "argparse.required",
    "one of the arguments %s is required": "argparse.one_required",
    "not allowed with argument %s": "argparse.not_allowed_with",
    "ignored explicit argument %r": "argparse.ignored_explicit",
    "expected one argument": "argparse.expected_one",
    "expected at most one argument": "argparse.expected_at_most_one",
    "expected at least one argument": "argparse.expected_at_least_one",
    "invalid %(type)s value: %(value)r": "argparse.invalid_value",
    "ambiguous option: %(option)s could match %(matches)s": "argparse.ambiguous",
    "unknown parser %(parser_name)r (choices: %(choices)s)": "argparse.unknown_parser",
}
ARGPARSE_PLURALS = {"expected %s argument": "argparse.expected_n"}


def argparse_gettext(message: str) -> str:
    """argparse's ``_()``: its sentence from the catalogue, in the current language."""
    key = ARGPARSE_MESSAGES.get(message)
    return message if key is None else t(key)


def argparse_ngettext(singular: str, plural: str, count: int) -> str:
    """argparse's ``ngettext()``: ``{one}|{many}`` in the catalogue, chosen by ``count``."""
    key = ARGPARSE_PLURALS.get(singular)
    if key is None:
        return singular if count == 1 else plural
    one, _, many = t(key).partition("|")
    return one if count == 1 else many


@contextlib.contextmanager
def catalogue_for_argparse() -> Iterator[None]:
    """argparse speaks the catalogue's language while the block runs, then its own again.

    argparse calls the module globals ``_`` and ``ngettext`` (gettext's, bound when it was
    imported) for each sentence; swapping them for a moment leaves any other parser in the
    process (pytest's, Jupyter's) as it was. Blocks may nest.
    """
    module = vars(argparse)
    saved = module["_"], module["ngettext"]
    module["_"], module["ngettext"] = argparse_gettext, argparse_ngettext
    try:
        yield
    finally:
        module["_"], module["ngettext"] = saved


class CatalogueParser(argparse.ArgumentParser):
    """An argparse parser that speaks the catalogue: help, usage and usage errors.

    A usage error exits with code 2 (:data:`EXIT_BAD_INPUT`), as argparse does.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        with catalogue_for_argparse():  # group titles and the -h help are set here
            super().__init__(*args, **kwargs)

    def parse_known_args(  # type: ignore[override]
        self, args: Sequence[str] | None = None, namespace: argparse.Namespace | None = None
    ) -> tuple[argparse.Namespace, list[str]]:
        with catalogue_for_argparse():
            return super().parse_known_args(args, namespace)

    def parse_args(  # type: ignore[override]
        self, args: Sequence[str] | None = None, namespace: argparse.Namespace | None = None
    ) -> argparse.Namespace:
        with catalogue_for_argparse():  # "unrecognized arguments" is said here
            return super().parse_args(args, namespace)

    def format_usage(self) -> str:
        with catalogue_for_argparse():
            return super().format_usage()

    def format_help(self) -> str:
        with catalogue_for_argparse():
            return super().format_help()

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(EXIT_BAD_INPUT, t("cli.usage_error", message=message))


def build_parser() -> argparse.ArgumentParser:
    """The command line, in the catalogue's language.

    ``--store`` is accepted before the command (``ccm --store X init …``, as git takes its
    options) and after it; given in both places, the one after the command wins.
    """
    parser = CatalogueParser(
        prog="ccm",
        description=t("cli.description"),
        epilog=t("cli.epilog"),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--version", action="version", version=f"ccm {__version__}", help=t("cli.help_version")
    )
    parser.add_argument("--store", metavar=t("cli.metavar_path"), help=t("cli.help_store"))
    # Absent unless given, so that a --store given before the command is not undone.
    store_opt = CatalogueParser(add_help=False)
    store_opt.add_argument(
        "--store",
        metavar=t("cli.metavar_path"),
        default=argparse.SUPPRESS,
        help=t("cli.help_store"),
    )
    commands = parser.add_subparsers(
        dest="command", metavar=t("cli.metavar_command"), parser_class=CatalogueParser
    )
    commands.required = True

    init = commands.add_parser("init", parents=[store_opt], help=t("cli.help_init"))
    init.add_argument("meeting_file", metavar=t("cli.metavar_meeting_file"), type=Path)
    init.add_argument("--force", action="store_true", help=t("cli.help_force"))

    demo = commands.add_parser("demo", parents=[store_opt], help=t("cli.help_demo"))
    demo.add_argument("--force", action="store_true", help=t("cli.help_force"))

    imp = commands.add_parser("import", help=t("cli.help_import"))
    kinds = imp.add_subparsers(
        dest="kind", metavar=t("cli.metavar_kind"), parser_class=CatalogueParser
    )
    kinds.required = True
    grid = kinds.add_parser("grid", parents=[store_opt], help=t("cli.help_grid"))
    grid.add_argument(
        "--group", required=True, metavar=t("cli.metavar_group"), help=t("cli.help_group")
    )
    grid.add_argument("file", metavar=t("cli.metavar_file"), type=Path)
    att = kinds.add_parser("attendance", parents=[store_opt], help=t("cli.help_attendance"))
    att.add_argument("file", metavar=t("cli.metavar_file"), type=Path)
    att.add_argument("--replace", action="store_true", help=t("cli.help_replace"))
    rev = kinds.add_parser("review", parents=[store_opt], help=t("cli.help_review"))
    rev.add_argument("file", metavar=t("cli.metavar_file"), type=Path)
    rev.add_argument("--carry-over", action="store_true", help=t("cli.help_carry_over"))

    exp = commands.add_parser("export", parents=[store_opt], help=t("cli.help_export"))
    exp.add_argument(
        "--to",
        required=True,
        choices=["csv", "xlsx", "html", "pdf", "docx", "toml"],
        help=t("cli.help_to"),
    )
    exp.add_argument(
        "--part", default="synthesis", choices=["synthesis", "report", "decisions"],
        help=t("cli.help_part"),
    )  # fmt: skip
    exp.add_argument(
        "-o", "--output", metavar=t("cli.metavar_path"), type=Path, help=t("cli.help_output")
    )
    exp.add_argument("--mask-contacts", action="store_true", help=t("cli.help_mask_contacts"))

    links = commands.add_parser("links", parents=[store_opt], help=t("cli.help_links"))
    links.add_argument(
        "--host", default=None, metavar=t("cli.metavar_address"), help=t("cli.help_host")
    )
    links.add_argument("--port", type=int, default=None)
    links.add_argument(
        "--public-url", default="", metavar="URL", help=t("cli.help_links_public_url")
    )
    links.add_argument("--qr", action="store_true", help=t("cli.help_links_qr"))
    links.add_argument(
        "--qr-pdf", type=Path, default=None, metavar=t("cli.metavar_file"),
        help=t("cli.help_links_qr_pdf"),
    )  # fmt: skip
    links.add_argument(
        "--renew",
        metavar=t("cli.metavar_who"),
        action="append",
        default=[],
        help=t("cli.help_renew"),
    )

    serve = commands.add_parser("serve", parents=[store_opt], help=t("cli.help_serve"))
    serve.add_argument("--port", type=int, default=DEFAULT_PORT)
    serve.add_argument(
        "--ip", default="127.0.0.1", metavar=t("cli.metavar_address"), help=t("cli.help_ip")
    )
    serve.add_argument(
        "--public-url", default="", metavar="URL", help=t("cli.help_serve_public_url")
    )
    serve.add_argument("--qr", action="store_true", help=t("cli.help_serve_qr"))
    serve.add_argument("--no-demo", action="store_true", help=t("cli.help_no_demo"))
    serve.add_argument(
        "--max-pages", type=int, default=None, metavar="N", help=t("cli.help_max_pages")
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``ccm`` console script."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    args = build_parser().parse_args(argv)
    try:
        return _run(args)
    except (ImportProblem, ValidationError) as error:
        print(t("cli.error", error=error), file=sys.stderr)
        return EXIT_BAD_INPUT
    except StoreError as error:
        print(t("cli.error", error=error), file=sys.stderr)
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
            store.meetings.get()  # refuse early, with advice, when no meeting exists
            if args.kind == "grid":
                outcome = loading.import_grid(store, args.group, args.file)
            elif args.kind == "attendance":
                outcome = loading.import_attendance(store, args.file, replace=args.replace)
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
        print(t("cli.warning", warning=warning), file=sys.stderr)
    print(outcome.summary)
    return EXIT_OK


def _check_file(path: Path) -> None:
    if not path.exists():
        raise ImportProblem(path, None, t("import.not_found"))
    if path.is_dir():
        raise ImportProblem(path, None, t("import.is_directory"))


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
        print(t("cli.error", error=t("export.failed", error=error)), file=sys.stderr)
        return EXIT_FAILURE
    pending = undecided_rows(store)
    if pending:
        print(t("cli.error", error=t("export.undecided", count=pending)), file=sys.stderr)
    print(path)
    return EXIT_OK


def _links(store: Store, args: argparse.Namespace) -> int:
    from ccm_widgets.links import meeting_links, print_links

    store.meetings.get()
    for who in args.renew:
        if fold(who) in RENEW_ALL_WORDS:
            targets = ["facilitator", "projection", *(g.slug for g in store.groups.all())]
        elif fold(who) in RENEW_FACILITATOR_WORDS:
            targets = ["facilitator"]
        elif fold(who) in RENEW_PROJECTION_WORDS:
            targets = ["projection"]
        else:
            targets = [store.groups.find_section(who)]
            if targets == ["general"]:
                raise ValidationError(t("cli.general_has_no_key"))
        for target in targets:
            store.groups.renew_key(target)
        print(t("cli.keys_renewed", who=who), file=sys.stderr)
    base = links_base(store, args)
    print_links(meeting_links(store, base), qr=args.qr)
    if args.qr_pdf is not None:
        from ccm_widgets.links import is_loopback
        from ccm_widgets.report.qr_sheet import qr_sheet_pdf

        args.qr_pdf.write_bytes(qr_sheet_pdf(store, base))
        print(t("cli.qr_pdf_written", path=args.qr_pdf), file=sys.stderr)
        if is_loopback(base):  # a sheet of codes no phone can open: said
            print(t("serve.loopback"), file=sys.stderr)
    return EXIT_OK


def links_base(store: Store, args: argparse.Namespace) -> str:
    """The address the links carry: the one given; else the one a server running on this
    store announced (if it answers); else this machine on the default port."""
    from ccm_widgets.links import served_address

    if args.public_url:
        return str(args.public_url).rstrip("/")
    if args.host or args.port:
        return f"http://{args.host or '127.0.0.1'}:{args.port or DEFAULT_PORT}"
    served = store.session.served_url()
    if served and served_address(served):
        return served
    return f"http://127.0.0.1:{DEFAULT_PORT}"


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
