"""Files into the store: the meeting description, grids, attendance, review, the demo.

Each function reads the whole file first, checks it, then writes in one transaction: a file
refused halfway writes nothing.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from ccm_widgets.domain.model import Communication, GridRow, Participant, ReviewRow, ValidationError
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
from ccm_widgets.files.meeting_file import load_plan
from ccm_widgets.i18n import t
from ccm_widgets.paths import DEMO as DEMO_DIR
from ccm_widgets.store import Store


@dataclass(frozen=True)
class Outcome:
    """What an import did, for the user: a summary line and warnings."""

    summary: str
    warnings: tuple[str, ...] = ()


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
    store: Store, group: str, path: str | Path, *, data: bytes | None = None, actor: str = "cli"
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
    added: list[GridRow] = store.grid.add(section, rows, actor=actor) if rows else []
    label = t("loading.general_section") if section == "general" else store.groups.get(section).name
    warnings = () if rows else (t("loading.warning", path=path, message=t("loading.no_rows")),)
    return Outcome(t("loading.grid_added", count=len(added), label=label), warnings)


def import_attendance(
    store: Store, path: str | Path, *, data: bytes | None = None, actor: str = "cli"
) -> Outcome:
    """Append the people of a sign-in sheet; defects are reported, nobody is dropped."""
    sheet = read_attendance(path, data)
    store.items.add_participants(
        [
            Participant(0, r.number, r.name, r.institution, r.phone, r.email, r.group)
            for r in sheet.rows
        ],
        actor=actor,
    )
    summary = t("loading.attendance_imported", count=len(sheet.rows), **sheet.counts)
    return Outcome(
        summary, tuple(t("loading.warning", path=path, message=d) for d in sheet.defects)
    )


def import_review(
    store: Store, path: str | Path, *, data: bytes | None = None, actor: str = "cli"
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
    ``ccm export --to csv|xlsx`` writes it: Section, Groupe, Recommandation…).
    """
    name = str(path)
    if data is None and name.endswith((".sqlite", ".sqlite3", ".db")):
        from ccm_widgets.files.exporting import current_synthesis

        if not Path(path).is_file():
            raise ImportProblem(path, None, t("import.not_found"))
        with Store(path) as previous:
            synthesis = current_synthesis(previous)
        limit = max_rows()
        if len(synthesis) > limit:
            raise ImportProblem(path, None, t("import.too_many_rows", limit=format_count(limit)))
        return [
            (n, "" if section.group is None else section.group.name, row.recommendation)
            for n, (section, row) in enumerate(synthesis.rows(), start=1)
        ]
    rows = read_synthesis_export(path, data)
    return [(line, group, texts[0]) for line, group, texts in rows if texts[0]]


def carry_over_review(
    store: Store, path: str | Path, *, data: bytes | None = None, actor: str = "cli"
) -> Outcome:
    """Take a previous meeting's synthesis as this meeting's review table, state to fill in.

    Each previous recommendation becomes a review row of its group's section (general when
    its group is not a group of this meeting, with a warning naming it).
    """
    found = previous_recommendations(path, data)
    warnings = []
    rows = []
    for line, group, recommendation in found:
        section = "general"
        if group:
            try:
                section = store.groups.find_section(group)
            except ValidationError:
                warnings.append(t("loading.group_absent", path=path, line=line, group=group))
        rows.append(ReviewRow(0, section, 0, recommendation, "", ""))
    if not rows:
        raise ImportProblem(path, None, t("loading.nothing_to_carry"))
    store.items.add_review_rows(rows, actor=actor)
    return Outcome(t("loading.carried_over", count=len(rows)), tuple(warnings))


def load_demo(store: Store, directory: Path = DEMO_DIR, *, force: bool = False) -> Outcome:
    """Load the fictional demo meeting shipped in ``data/demo``: the same paths a user takes."""
    init_meeting(store, directory / "reunion.toml", force=force)
    for path in sorted((directory / "grilles").glob("*.csv")):
        import_grid(store, path.stem.replace("-", " "), path, actor="demo")
    import_attendance(store, directory / "presence.csv", actor="demo")
    import_review(store, directory / "revue.csv", actor="demo")
    with (directory / "deroule.toml").open("rb") as f:
        extra = tomllib.load(f)
    for item in extra.get("communications", []):
        store.items.add_communication(
            Communication(0, 0, item["title"], item.get("presenter", ""),
                          item.get("function", ""), item.get("summary", "")),
            actor="demo",
        )  # fmt: skip
    for point in extra.get("debates", {}).get("points", []):
        store.items.add_debate_point(point, actor="demo")
    return Outcome(t("loading.demo_loaded", where=store.where))
