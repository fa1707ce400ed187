"""Files into the store: the meeting description, grids, attendance, review, the demo, and
a new meeting started from a previous one.

Each function reads the whole file first, checks it, then writes in one transaction: a file
refused halfway writes nothing.
"""

from __future__ import annotations

import contextlib
import logging
import tempfile
import tomllib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from enum import StrEnum
from pathlib import Path

from ccm_widgets.domain.model import (
    CLI_ACTOR,
    DEMO_ACTOR,
    GENERAL,
    Actor,
    AgendaItem,
    Communication,
    GridRow,
    Group,
    Meeting,
    Participant,
    ReviewRow,
    ValidationError,
    fold,
)
from ccm_widgets.files.importing import (
    ImportProblem,
    format_count,
    max_rows,
    read_attendance,
    read_grid,
    read_review,
    read_synthesis_export,
    resolve_sections,
)
from ccm_widgets.files.meeting_file import MeetingPlan, load_plan, plan_of
from ccm_widgets.i18n import t
from ccm_widgets.paths import DEMO as DEMO_DIR
from ccm_widgets.store import Store, StoreError

log = logging.getLogger(__name__)

#: Names of a meeting's store file, as a previous meeting's is carried over.
STORE_SUFFIXES = (".sqlite", ".sqlite3", ".db")


@dataclass(frozen=True)
class Outcome:
    """What an import did, for the user: a summary line and warnings; ``batch``, for an
    import that replaced a list, undoes it (:meth:`~ccm_widgets.store.items.Items.undo_batch`)."""

    summary: str
    warnings: tuple[str, ...] = ()
    batch: int | None = None


def init_meeting(store: Store, path: str | Path, *, force: bool = False) -> Outcome:
    """Create the meeting described by the TOML file ``path``."""
    plan = load_plan(path)
    try:
        store.meetings.create(
            plan.meeting,
            agenda=plan.agenda,
            groups=plan.groups,
            synthesis_order=plan.synthesis_order,
            force=force,
        )
    except ValidationError as error:
        raise ImportProblem(path, None, str(error)) from error
    return Outcome(t("loading.meeting_created", title=plan.meeting.title, count=len(plan.groups)))


def import_grid(
    store: Store,
    group: str,
    path: str | Path,
    *,
    data: bytes | None = None,
    actor: Actor | str = CLI_ACTOR,
) -> Outcome:
    """Append the rows of a grid file to ``group``'s grid (``general`` for the plenary's own)."""
    try:
        section = store.groups.find_section(group)
    except ValidationError as error:
        raise ImportProblem(path, None, str(error)) from error
    grid = read_grid(path, data)
    named = {s for s, _ in grid.rows if s}
    if named:
        resolved = resolve_sections(((0, n) for n in named), store.groups.find_section, path)
        if any(resolved[n] != section for n in named):
            raise ImportProblem(path, None, t("loading.grid_other_group"))
    rows = [cells for _, cells in grid.rows]
    added: list[GridRow] = store.grid.add(section, rows, actor=str(actor)) if rows else []
    label = t("loading.general_section") if section == "general" else store.groups.get(section).name
    warnings = () if rows else (t("loading.warning", path=path, message=t("loading.no_rows")),)
    return Outcome(t("loading.grid_added", count=len(added), label=label), warnings)


def import_attendance(
    store: Store,
    path: str | Path,
    *,
    data: bytes | None = None,
    actor: Actor | str = CLI_ACTOR,
    replace: bool = False,
) -> Outcome:
    """Import the people of a sign-in sheet; defects are reported, nobody is dropped.

    ``replace``: the sheet takes the place of the list (a corrected sheet), people keep
    the sheet's own N°, and the outcome's ``batch`` brings the former list back. Otherwise
    they are appended, numbered on from the list's last N°.

    A Groupe column names each person's group as people write it; the store keeps the
    group's slug (:func:`group_slug`). A name that matches no group is kept as written, with
    a warning.
    """
    sheet = read_attendance(path, data)
    groups = store.groups.all()
    people, absent = [], []
    for r in sheet.rows:
        slug = group_slug(r.group, groups)
        if slug is None:
            absent.append(t("loading.participant_group_absent", path=path, line=r.line,
                            group=r.group))  # fmt: skip
        people.append(
            Participant(0, r.number, r.name, r.institution, r.phone, r.email, slug or r.group)
        )
    summary = t("loading.attendance_imported", count=len(sheet.rows), **sheet.counts)
    batch = None
    if replace:
        batch, former = store.items.replace_participants(people, actor=actor)
        if former:
            summary = f"{summary} {t('loading.attendance_replaced', count=former)}"
    else:
        before = len(store.items.participants())
        listed = store.items.add_participants(people, actor=actor)
        if before and people:
            summary = f"{summary} " + t(
                "loading.attendance_appended",
                first=listed[before].number,
                last=listed[-1].number,
                total=len(listed),
            )
    return Outcome(
        summary,
        (*(t("loading.warning", path=path, message=d) for d in sheet.defects), *absent),
        batch,
    )


def group_slug(name: str, groups: Iterable[Group]) -> str | None:
    """The slug of the group ``name`` means (case, accents and punctuation aside; its slug
    also works); ``""`` for no name; ``None`` when no group of the meeting has that name."""
    if not name.strip():
        return ""
    wanted = fold(name)
    for group in groups:
        if wanted in {fold(group.name), fold(group.slug)}:
            return group.slug
    return None


def import_review(
    store: Store, path: str | Path, *, data: bytes | None = None, actor: Actor | str = CLI_ACTOR
) -> Outcome:
    """Append the review of the previous recommendations, in either table layout."""
    review = read_review(path, data)
    names = [(line, section) for line, section, *_ in review.rows]
    resolved = resolve_sections(names, store.groups.find_section, path)
    store.items.add_review_rows(
        [
            ReviewRow(0, resolved[section], 0, recommendation, state, status)
            for _, section, recommendation, state, status in review.rows
        ],
        actor=actor,
    )
    return Outcome(t("loading.review_imported", count=len(review.rows)))


def previous_recommendations(
    path: str | Path, data: bytes | None = None
) -> list[tuple[int, str, str]]:
    """(line, group name or "", recommendation) of a previous meeting's synthesis.

    ``path`` is that meeting's store (``.sqlite``) or its synthesis export (CSV or XLSX, as
    ``ccm export --to csv|xlsx`` writes it: Section, Groupe, Recommandation…). ``data``, when
    given, is the file's content (a page's upload), ``path`` only its name.
    """
    name = str(path)
    if name.endswith(STORE_SUFFIXES):
        if data is not None:
            return _recommendations_of_store_bytes(name, data)
        if not Path(path).is_file():
            raise ImportProblem(path, None, t("import.not_found"))
        return _recommendations_of_store(path)
    rows = read_synthesis_export(path, data)
    return [(line, group, texts[0]) for line, group, texts in rows if texts[0]]


def _recommendations_of_store_bytes(name: str, data: bytes) -> list[tuple[int, str, str]]:
    """As :func:`previous_recommendations`, from the bytes of an uploaded store."""
    with _uploaded_store(name, data) as previous:
        return _synthesis_recommendations(previous, name=name)


@contextlib.contextmanager
def _uploaded_store(name: str, data: bytes) -> Iterator[Store]:
    """The store a page uploaded, opened: SQLite reads files only, so its bytes are written
    to a temporary folder, removed afterwards. A file that is no meeting's store is an
    :class:`ImportProblem` naming ``name``."""
    with tempfile.TemporaryDirectory(prefix="ccm-previous-") as folder:
        copy = Path(folder) / "previous.sqlite"
        copy.write_bytes(data)
        try:
            with Store(copy, create=False) as previous:
                previous.meetings.get()
                yield previous
        except StoreError as error:
            log.warning("%s: %s", name, error)
            raise ImportProblem(name, None, t("loading.unreadable_store")) from error


def _recommendations_of_store(
    path: str | Path, *, name: str | None = None
) -> list[tuple[int, str, str]]:
    """The synthesis of the store at ``path``, limited in rows; ``name`` in messages."""
    with Store(path, create=False) as previous:
        return _synthesis_recommendations(previous, name=name or str(path))


def _synthesis_recommendations(previous: Store, *, name: str) -> list[tuple[int, str, str]]:
    """(number, group name or "", recommendation) of a store's synthesis, limited in rows."""
    from ccm_widgets.files.exporting import current_synthesis

    synthesis = current_synthesis(previous)
    limit = max_rows()
    if len(synthesis) > limit:
        raise ImportProblem(name, None, t("import.too_many_rows", limit=format_count(limit)))
    return [
        (n, "" if section.group is None else section.group.name, row.recommendation)
        for n, (section, row) in enumerate(synthesis.rows(), start=1)
    ]


def carry_over_review(
    store: Store, path: str | Path, *, data: bytes | None = None, actor: Actor | str = CLI_ACTOR
) -> Outcome:
    """Take a previous meeting's synthesis as this meeting's review table, state to fill in.

    Each previous recommendation becomes a review row of its group's section (general when
    its group is not a group of this meeting, with a warning naming it).
    """
    found = previous_recommendations(path, data)
    if not found:
        raise ImportProblem(path, None, t("loading.nothing_to_carry"))
    rows, warnings = review_rows_of(store, found, path)
    store.items.add_review_rows(rows, actor=actor)
    return Outcome(t("loading.carried_over", count=len(rows)), tuple(warnings))


def review_rows_of(
    store: Store, found: Iterable[tuple[int, str, str]], path: str | Path
) -> tuple[list[ReviewRow], list[str]]:
    """Review rows, state to fill in, of a previous synthesis's (line, group name,
    recommendation): each in its group's section, the general one when its group is not a
    group of this meeting (with a warning naming it)."""
    warnings = []
    rows = []
    for line, group, recommendation in found:
        section = GENERAL
        if group:
            try:
                section = store.groups.find_section(group)
            except ValidationError:
                warnings.append(t("loading.group_absent", path=path, line=line, group=group))
        rows.append(ReviewRow(0, section, 0, recommendation, "", ""))
    return rows, warnings


class StartFrom(StrEnum):
    """How a meeting is started from the browser."""

    #: Nothing but its title, date and venue.
    BLANK = "blank"
    #: A previous meeting's groups (and, from its store, its synthesis as the review).
    PREVIOUS = "previous"
    #: A meeting file prepared for this meeting, whole, as ``ccm init`` reads it.
    PREPARED = "prepared"


@dataclass(frozen=True)
class PreviousMeeting:
    """What a new meeting may take from a meeting file (TOML) or a meeting's store."""

    #: The file's name, as messages say it.
    name: str
    plan: MeetingPlan
    #: (line, group name or "", recommendation) of its synthesis; none from a TOML file.
    recommendations: tuple[tuple[int, str, str], ...] = ()


def read_previous_meeting(name: str, data: bytes) -> PreviousMeeting:
    """A meeting file (``.toml``) or a meeting's store (``.sqlite``), uploaded as ``data``;
    :class:`ImportProblem` when it is neither."""
    if name.lower().endswith(STORE_SUFFIXES):
        with _uploaded_store(name, data) as previous:
            plan = plan_of(previous)
            found = _synthesis_recommendations(previous, name=name)
        return PreviousMeeting(name, plan, tuple(found))
    if name.lower().endswith(".toml"):
        return PreviousMeeting(name, load_plan(name, data))
    raise ImportProblem(name, None, t("loading.not_a_meeting_file"))


def start_meeting(
    store: Store,
    meeting: Meeting,
    *,
    start: StartFrom = StartFrom.BLANK,
    previous: PreviousMeeting | None = None,
    actor: Actor | str = CLI_ACTOR,
) -> Outcome:
    """Create the meeting of an empty store from the browser.

    ``meeting`` is what the page asked: its title, date and venue (a blank meeting has
    nothing else: no chair, facilitator, objectives or closing of anyone's). From a
    previous meeting (:attr:`StartFrom.PREVIOUS`): its header lines, its groups with their
    moderators and its synthesis order, and, from its store, its synthesis as the review
    table, state to fill in. From a prepared meeting file (:attr:`StartFrom.PREPARED`):
    everything the file says (header, agenda, groups, order), the title, date and venue
    as the page says them.
    """
    agenda: tuple[AgendaItem, ...] = ()
    groups: tuple[Group, ...] = ()
    order: tuple[str, ...] = ()
    if start is not StartFrom.BLANK:
        if previous is None:
            raise ValidationError(t("loading.choose_previous"))
        plan = previous.plan
        groups, order = plan.groups, plan.synthesis_order
        if start is StartFrom.PREPARED:
            meeting = replace(plan.meeting, title=meeting.title, date=meeting.date,
                              venue=meeting.venue)  # fmt: skip
            agenda = plan.agenda
        else:
            meeting = Meeting(meeting.title, meeting.date, meeting.venue,
                              organisation=plan.meeting.organisation)  # fmt: skip
    store.meetings.create(
        meeting, agenda=agenda, groups=groups, synthesis_order=order, actor=str(actor)
    )
    warnings: list[str] = []
    carried = 0
    if start is StartFrom.PREVIOUS and previous is not None and previous.recommendations:
        rows, warnings = review_rows_of(store, previous.recommendations, previous.name)
        store.items.add_review_rows(rows, actor=actor)
        carried = len(rows)
    summary = t("loading.meeting_started", title=meeting.title, groups=len(groups),
                agenda=len(agenda), review=carried)  # fmt: skip
    return Outcome(summary, tuple(warnings))


def load_demo(store: Store, directory: Path = DEMO_DIR, *, force: bool = False) -> Outcome:
    """Load the fictional demo meeting shipped in ``data/demo``: the same paths a user takes."""
    init_meeting(store, directory / "reunion.toml", force=force)
    for path in sorted((directory / "grilles").glob("*.csv")):
        import_grid(store, path.stem.replace("-", " "), path, actor=DEMO_ACTOR)
    import_attendance(store, directory / "presence.csv", actor=DEMO_ACTOR)
    import_review(store, directory / "revue.csv", actor=DEMO_ACTOR)
    with (directory / "deroule.toml").open("rb") as f:
        extra = tomllib.load(f)
    for item in extra.get("communications", []):
        store.items.add_communication(
            Communication(0, 0, item["title"], item.get("presenter", ""),
                          item.get("function", ""), item.get("summary", "")),
            actor=DEMO_ACTOR,
        )  # fmt: skip
    for point in extra.get("debates", {}).get("points", []):
        store.items.add_debate_point(point, actor=DEMO_ACTOR)
    return Outcome(t("loading.demo_loaded", where=store.where))
