"""The report as one typed document: what it says and in which order, decided once.

:func:`build_document` turns a meeting (:class:`ReportData`) into a
:class:`~ccm_widgets.report.blocks.Document`: named chapters made of a few plain block types
(headings, paragraphs, lists, tables with section-heading rows, bar charts).
No HTML and no Word here: the renderers (:mod:`ccm_widgets.report.web` for HTML and PDF,
:mod:`ccm_widgets.report.word` for DOCX) draw each block type in one place, so the two outputs
cannot drift apart. Every sentence comes from the catalogue (:func:`ccm_widgets.i18n.t`);
user text is kept as typed and escaped by the renderer that needs it.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from ccm_widgets.domain.model import (
    GENERAL,
    GRID_COLUMNS,
    AgendaItem,
    Communication,
    DebatePoint,
    GridRow,
    Group,
    HistoryEntry,
    Meeting,
    Participant,
    ReviewRow,
    ReviewStatus,
    as_review_status,
    display_actor,
    review_status_label,
)
from ccm_widgets.domain.synthesis import Synthesis
from ccm_widgets.i18n import t, tn
from ccm_widgets.report.blocks import (
    PARTS,
    Bar,
    Block,
    BulletList,
    Chapter,
    Chart,
    Column,
    Document,
    Heading,
    Paragraph,
    Part,
    RowHeading,
    Segment,
    Table,
    TableSection,
)

#: Where the review chart counts a status that an imported table wrote in its own words.
OTHER_STATUS = "other"
#: Review statuses in the order the chart stacks them, with their colours (the review
#: panel's chart uses the same ones), then an imported table's own words, then rows with no
#: status yet.
STATUS_COLOURS: dict[str, str] = {
    ReviewStatus.DONE: "#17602a",
    ReviewStatus.ONGOING: "#2c5d8f",
    ReviewStatus.NOT_DONE: "#b3261e",
    ReviewStatus.TO_REFORMULATE: "#8a5300",
    OTHER_STATUS: "#6b4c9a",
    "": "#999999",
}
BAR_COLOUR = "#2c5d8f"


def status_bucket(status: str) -> str:
    """Where the review chart counts a row's status: its code, :data:`OTHER_STATUS` for an
    imported table's own words, ``""`` for none."""
    if not status:
        return ""
    known = as_review_status(status)
    return known.value if isinstance(known, ReviewStatus) else OTHER_STATUS


def status_bucket_label(bucket: str) -> str:
    """A chart bucket as the legend says it (``réalisée``, ``autre``, ``non renseigné``)."""
    if bucket == OTHER_STATUS:
        return t("review.other_status")
    return review_status_label(bucket) or t("review.no_status")


# -- the data ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportData:
    """Everything the report shows, read from the store in one go."""

    meeting: Meeting
    agenda: tuple[AgendaItem, ...]
    groups: tuple[Group, ...]
    synthesis: Synthesis
    review: tuple[ReviewRow, ...] = ()
    communications: tuple[Communication, ...] = ()
    debates: tuple[DebatePoint, ...] = ()
    participants: tuple[Participant, ...] = ()
    #: The plenary's decisions, oldest first, each with its row as it is now.
    ledger: tuple[tuple[HistoryEntry, GridRow], ...] = ()


def french_date(day: dt.date) -> str:
    """``26 novembre 2026`` (or the catalogue's language)."""
    months = t("date.months").split(",")
    first = t("date.first") if day.day == 1 else str(day.day)
    return f"{first} {months[day.month - 1].strip()} {day.year}"


#: A time as people type it: ``10:15``, ``10h15``, ``10 h 15``, ``10H15``, ``9h``,
#: ``10h15mn``.
TIME_PATTERN = re.compile(r"(\d{1,2})\s*[hH:]\s*(\d{2})?(?:\s*(?:mn|min))?(?!\d)")
#: What may stand between the two times of a range (``10h00-10h30``, ``10h à 10h30``).
BETWEEN_TIMES_PATTERN = re.compile(r"\s*(?:-|–|—|à|to)\s*")


def report_time(typed: str) -> str:
    """A time, or a range of times, as the report writes every time: ``10h15``,
    ``09h00-09h30`` (the catalogue's ``report.time``: ``10:15`` in English).

    Accepts ``10:15``, ``10h15``, ``10 h 15``, ``10H15``, ``9h``; any other text (``après
    la pause``, ``25:00``) is printed as typed.
    """
    text = typed.strip()
    parts: list[str] = []
    at = 0
    for match in TIME_PATTERN.finditer(text):
        between = text[at : match.start()]
        if (parts and not BETWEEN_TIMES_PATTERN.fullmatch(between)) or (not parts and between):
            return text
        hour, minute = int(match[1]), int(match[2] or 0)
        if hour > 23 or minute > 59:
            return text
        parts += [between, t("report.time", hour=hour, minute=minute)]
        at = match.end()
    return "".join(parts) if parts and at == len(text) else text


def report_moment(day: dt.date, hour: int, minute: int) -> str:
    """A date and a time in a table cell: ``26/11/2026 14h30``."""
    date = t("report.date_short", day=day.day, month=day.month, year=day.year)
    return f"{date} {t('report.time', hour=hour, minute=minute)}"


# -- the report, chapter by chapter -----------------------------------------------------------


def build_document(
    data: ReportData, *, part: Part = "report", mask_contacts: bool = False
) -> Document:
    """The report's whole content and order.

    ``part="synthesis"``: the header and the synthesis; ``part="decisions"``: the header and
    the decision ledger. ``mask_contacts`` hides phone numbers and e-mail addresses.
    """
    if part not in PARTS:
        raise ValueError(f"partie inconnue : {part} (attendu : {', '.join(PARTS)})")
    chapters = [Chapter("entete", header_blocks(data.meeting))]
    if part == "synthesis":
        chapters.append(Chapter("synthese", _synthesis_blocks(data.synthesis)))
    elif part == "decisions":
        chapters.append(Chapter("decisions", _ledger_blocks(data, annex=None)))
    else:
        chapters += _report_chapters(data, mask_contacts=mask_contacts)
    return Document(data.meeting.title, part, tuple(c for c in chapters if c.blocks))


def _report_chapters(data: ReportData, *, mask_contacts: bool) -> list[Chapter]:
    m = data.meeting
    chapters = [Chapter("introduction", (Heading(1, t("report.intro")), *_introduction(data)))]
    if m.objectives:
        chapters.append(
            Chapter(
                "objectifs",
                (Heading(1, t("report.objectives")), BulletList(m.objectives, numbered=True)),
            )
        )
    if data.agenda:
        agenda = Table(
            "agenda",
            (Column(t("report.col_item")), Column(t("report.col_presenter")),
             Column(t("report.col_time"), "time")),
            (TableSection(rows=tuple(
                (a.item, a.presenter, report_time(a.time)) for a in data.agenda
            )),),
        )  # fmt: skip
        chapters.append(Chapter("ordre-du-jour", (Heading(1, t("report.agenda")), agenda)))
    if data.review:
        chapters.append(
            Chapter(
                "revue",
                (
                    Heading(1, t("report.review")),
                    review_table(data.review, data.groups),
                    review_chart(data.review, data.groups),
                ),
            )
        )
    if data.communications:
        blocks: list[Block] = [Heading(1, t("report.communications"))]
        for number, c in enumerate(data.communications, start=1):
            by = ", ".join(x for x in (c.presenter, c.function) if x)
            blocks.append(Heading(2, f"{number}. {c.title}" + (f" — {by}" if by else "")))
            if c.summary:
                blocks.append(Paragraph(c.summary))
        chapters.append(Chapter("communications", tuple(blocks)))
    if data.debates:
        chapters.append(
            Chapter(
                "debats",
                (Heading(1, t("report.debates")), BulletList(tuple(d.text for d in data.debates))),
            )
        )
    if data.groups:
        chapters.append(Chapter("groupes", group_work_blocks(data), keep_together=True))
    chapters.append(Chapter("synthese", _synthesis_blocks(data.synthesis)))
    if m.closing:
        chapters.append(Chapter("cloture", (Heading(1, t("report.closing")), Paragraph(m.closing))))
    annex = 1
    if data.participants:
        chapters.append(Chapter("presence", _attendance_blocks(data, annex, mask_contacts)))
        annex += 1
    if data.ledger:
        chapters.append(Chapter("decisions", _ledger_blocks(data, annex=annex)))
    return chapters


def header_blocks(meeting: Meeting) -> tuple[Block, ...]:
    """Organisation lines, title, place and date: the report's first lines."""
    blocks: list[Block] = []
    if meeting.organisation:
        blocks.append(Paragraph("\n".join(meeting.organisation), "organisation"))
    blocks.append(Heading(0, meeting.title))
    blocks.append(Paragraph(f"{meeting.venue}, {french_date(meeting.date)}", "place-date"))
    return tuple(blocks)


def introduction_text(meeting: Meeting) -> str:
    """When and where the meeting was held, who chaired, who facilitated.

    A part the meeting does not say (start time, chair, facilitator) is left out of the
    sentence, rather than printed as a dash.
    """
    text = t("report.intro_held", date=french_date(meeting.date))
    if meeting.start.strip():
        text += t("report.intro_start", start=report_time(meeting.start))
    if meeting.venue.strip():
        text += t("report.intro_venue", venue=meeting.venue.strip())
    if meeting.chair.strip():
        text += t("report.intro_chair", chair=meeting.chair.strip())
    text += t("report.intro_end")
    if meeting.facilitator.strip():
        text += " " + t("report.facilitation", facilitator=meeting.facilitator.strip())
    return text


def _introduction(data: ReportData) -> tuple[Block, ...]:
    text = introduction_text(data.meeting)
    if data.participants:
        text += " " + tn("report.intro_attendance", len(data.participants))
    return (Paragraph(text),)


def synthesis_table(synthesis: Synthesis) -> Table:
    """The synthesis as the report prints it: general recommendations, then one section per
    group under ``RECOMMANDATIONS D'ORDRE SPÉCIFIQUE``.

    Once the plenary has decided on a row, a ``Décision`` column says, row by row, whether
    it was adopted, adopted amended or is still pending (withdrawn rows are not in the
    synthesis).
    """
    decided = decisions_begun(synthesis)
    columns = tuple(Column(c) for c in GRID_COLUMNS)
    if decided:
        columns += (Column(t("report.col_decision"), "decision"),)
    sections = []
    specific_done = False
    for section in synthesis.sections:
        if section.key == GENERAL:
            headings: tuple[RowHeading, ...] = (RowHeading(t("synthesis.general"), 1),)
        else:
            headings = (RowHeading(section.heading, 2),)
            if not specific_done:
                headings = (RowHeading(t("synthesis.specific"), 1), *headings)
                specific_done = True
        rows = tuple(
            (*row.cells(), decision_label(row.decision)) if decided else row.cells()
            for row in section.rows
        )
        note = "" if rows else t("synthesis.empty_section")
        sections.append(TableSection(headings, rows, note))
    return Table("synthesis", columns, tuple(sections), title=t("synthesis.table_title"))


def decisions_begun(synthesis: Synthesis) -> bool:
    """Whether the plenary has decided on a row of the synthesis: from then on, the synthesis
    says row by row what was decided (the report's table, the workbook)."""
    return any(row.decision for _, row in synthesis.rows())


def decision_label(decision: str) -> str:
    """``Adoptée``, ``Amendée``, ``Retirée``, or ``En attente`` for a row not yet decided."""
    return t(f"adoption.{decision or 'pending'}")


def _synthesis_blocks(synthesis: Synthesis) -> tuple[Block, ...]:
    return (Heading(1, t("report.synthesis")), synthesis_table(synthesis))


def moderation(group: Group) -> str:
    """Who moderated a group, and from which institution: ``M. X, HACP``."""
    return ", ".join(text for text in (group.moderator.strip(), group.institution.strip()) if text)


def group_work_blocks(data: ReportData) -> tuple[Block, ...]:
    """The groups, one table row each: number, name, moderation (when a group has one) and
    how many of its recommendations the synthesis holds (withdrawn ones left out).

    The chapter is short and printed whole (:attr:`Chapter.keep_together`): never a line of
    it alone at the top of a page.
    """
    counts = {section.key: len(section.rows) for section in data.synthesis.sections}
    groups = sorted(data.groups, key=lambda g: g.number)
    moderated = any(moderation(g) for g in groups)
    columns = (
        Column(t("report.col_group_number"), "number"),
        Column(t("report.col_group")),
        *((Column(t("report.col_moderation")),) if moderated else ()),
        Column(t("report.col_group_rows"), "count"),
    )
    rows = tuple(
        (str(g.number), g.name, *((moderation(g),) if moderated else ()),
         str(counts.get(g.slug, 0)))
        for g in groups
    )  # fmt: skip
    return (
        Heading(1, t("report.groups")),
        Paragraph(tn("report.groups_intro", len(groups))),
        Table("groups", columns, (TableSection(rows=rows),)),
    )


def review_order(review: Sequence[ReviewRow]) -> list[ReviewRow]:
    """Review rows in the order of the imported table: sections in the order they first
    appear (rows are numbered as they are added), rows by their position in the section."""
    first: dict[str, int] = {}
    for row in sorted(review, key=lambda r: r.id):
        first.setdefault(row.section, row.id)
    return sorted(review, key=lambda r: (first[r.section], r.position, r.id))


def review_table(review: Sequence[ReviewRow], groups: Sequence[Group]) -> Table:
    """Recommandation | État de mise en œuvre, a heading row per section, as imported."""
    names = {GENERAL: t("synthesis.general_review")} | {
        g.slug: t("synthesis.group_heading", name=g.name) for g in groups
    }
    sections: list[TableSection] = []
    for section, rows in _by_section(review_order(review)):
        cells = tuple(
            (
                r.recommendation,
                f"[{review_status_label(r.status)}] {r.state}".strip() if r.status else r.state,
            )
            for r in rows
        )
        sections.append(TableSection((RowHeading(names.get(section, section)),), cells))
    columns = (Column(t("report.col_recommendation")), Column(t("report.col_state")))
    return Table("review", columns, tuple(sections))


def _by_section(rows: Sequence[ReviewRow]) -> list[tuple[str, list[ReviewRow]]]:
    grouped: list[tuple[str, list[ReviewRow]]] = []
    for row in rows:
        if not grouped or grouped[-1][0] != row.section:
            grouped.append((row.section, []))
        grouped[-1][1].append(row)
    return grouped


def review_chart(review: Sequence[ReviewRow], groups: Sequence[Group]) -> Chart:
    """Statuses counted by section, one stacked bar per section (the review panel's chart)."""
    names = {GENERAL: t("synthesis.kind_general")} | {g.slug: g.name for g in groups}
    bars = []
    for section, rows in _by_section(review_order(review)):
        counts = Counter(status_bucket(r.status) for r in rows)
        segments = tuple(
            Segment(status_bucket_label(bucket), counts[bucket], colour)
            for bucket, colour in STATUS_COLOURS.items()
            if counts[bucket]
        )
        caption = ", ".join(f"{s.label} {s.value}" for s in segments)
        bars.append(Bar(names.get(section, section), segments, caption))
    others = any(status_bucket(r.status) == OTHER_STATUS for r in review)
    legend = tuple(
        (status_bucket_label(bucket), colour)
        for bucket, colour in STATUS_COLOURS.items()
        if bucket != OTHER_STATUS or others
    )
    return Chart(t("report.review_chart"), tuple(bars), legend)


def attendance_chart(people: Sequence[Participant]) -> Chart:
    """People counted by institution, largest first (the attendance panel's chart)."""
    counter = Counter((p.institution.strip() or t("attendance.no_institution")) for p in people)
    counts = sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))
    bars = tuple(Bar(name, (Segment(name, n, BAR_COLOUR),), str(n)) for name, n in counts)
    return Chart(t("report.attendance_chart"), bars)


def _annex_heading(number: int | None, title: str) -> Heading:
    if number is None:
        return Heading(1, title[:1].upper() + title[1:])
    return Heading(1, t("report.annex_title", number=number, title=title))


def _attendance_blocks(data: ReportData, annex: int, mask_contacts: bool) -> tuple[Block, ...]:
    m = data.meeting
    hidden = t("report.masked")

    def contact(value: str) -> str:
        return hidden if mask_contacts and value else value

    table = Table(
        "attendance",
        (Column(t("attendance.col_number"), "number"), Column(t("attendance.col_name")),
         Column(t("attendance.col_institution")), Column(t("attendance.col_phone"), "phone"),
         Column(t("attendance.col_email"), "email")),
        (TableSection(rows=tuple(
            (str(p.number), p.name, p.institution, contact(p.phone), contact(p.email))
            for p in data.participants
        )),),
    )  # fmt: skip
    # No page break before an annex: a forced one left the page before it nearly blank
    # whenever the closing ran a few lines onto a new page.
    return (
        _annex_heading(annex, t("report.annex_attendance")),
        Paragraph(f"{m.title} — {m.venue}, {french_date(m.date)}", "place-date"),
        table,
        attendance_chart(data.participants),
    )


def ledger_table(data: ReportData) -> Table:
    """The decision ledger: every decision in the order it was taken, with the row's section
    and text as they are now. A decision taken back shows as ``Décision annulée``."""
    names = {GENERAL: t("synthesis.kind_general")} | {g.slug: g.name for g in data.groups}
    rows = []
    for entry, row in data.ledger:
        decision = str(entry.after.get("decision", ""))
        label = decision_label(decision) if decision else t("report.decision_undone")
        who = display_actor(entry.actor, data.groups)
        rows.append((_local_time(entry.at), names.get(row.section, row.section),
                     row.recommendation, label, who))  # fmt: skip
    columns = (
        Column(t("report.col_when"), "time"), Column(t("report.col_section")),
        Column(t("report.col_recommendation")), Column(t("report.col_decision"), "decision"),
        Column(t("report.col_actor")),
    )  # fmt: skip
    return Table("ledger", columns, (TableSection(rows=tuple(rows)),))


def _local_time(at: str) -> str:
    """An ISO UTC time stamp as the machine's local date and time, to the minute, written
    like every time of the report (:func:`report_moment`)."""
    try:
        moment = dt.datetime.fromisoformat(at)
    except ValueError:
        return at
    if moment.tzinfo is not None:
        moment = moment.astimezone()
    return report_moment(moment.date(), moment.hour, moment.minute)


def _ledger_blocks(data: ReportData, *, annex: int | None) -> tuple[Block, ...]:
    blocks: list[Block] = [_annex_heading(annex, t("report.annex_decisions"))]
    if not data.ledger:
        return (*blocks, Paragraph(t("report.no_decisions"), "note"))
    return (*blocks, Paragraph(t("report.decisions_intro"), "note"), ledger_table(data))
