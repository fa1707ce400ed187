"""The report: a meeting becomes a notebook (nbformat), nbconvert turns it into HTML, and the
system's Chromium prints that HTML to an A4 PDF.

Every text a user typed is escaped here, once, before it goes into a cell's HTML output;
the template (``report/templates/ccm_report``) adds nothing from outside the file.
"""

from __future__ import annotations

import concurrent.futures
import datetime as dt
import html
import os
import shutil
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ccm_widgets import __version__
from ccm_widgets.domain.model import (
    GENERAL,
    GRID_COLUMNS,
    AgendaItem,
    Communication,
    DebatePoint,
    Group,
    Meeting,
    Participant,
    ReviewRow,
)
from ccm_widgets.domain.synthesis import Synthesis
from ccm_widgets.i18n import current_language, t

if TYPE_CHECKING:
    from nbformat import NotebookNode

TEMPLATES = Path(__file__).with_name("templates")
TEMPLATE_NAME = "ccm_report"


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


def skip_iri_grammar() -> None:
    """Keep jsonschema from compiling its IRI grammar when nbformat/nbconvert import it.

    jsonschema imports ``rfc3987_syntax`` when installed (jupyter_server pulls it in), which
    compiles a grammar for ~2.6 s (python-jsonschema/jsonschema#1428). No schema used here
    checks the "iri" format, so an export process does without it. Call before importing
    nbformat; it changes nothing once jsonschema is loaded.
    """
    if "jsonschema" not in sys.modules:
        sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]


def esc(text: str) -> str:
    """User text as HTML text: escaped, line breaks kept (CSS ``pre-wrap`` shows them)."""
    return html.escape(text, quote=True)


def french_date(day: dt.date) -> str:
    """``26 novembre 2026`` (or the catalogue's language)."""
    months = t("date.months").split(",")
    first = t("date.first") if day.day == 1 else str(day.day)
    return f"{first} {months[day.month - 1].strip()} {day.year}"


def _cell(fragment: str, *, name: str) -> NotebookNode:
    """A code cell with no code shown, whose only output is ``fragment`` (already escaped).

    Built with ``from_dict`` rather than ``v4.new_code_cell``: the latter validates every cell
    against the schema, a third of a cold export's time; the notebook is validated once, whole.
    """
    skip_iri_grammar()
    import nbformat  # imported here: nbformat pulls jsonschema, not wanted in group tabs

    return nbformat.from_dict(
        {
            "cell_type": "code",
            "execution_count": None,
            "id": name,
            "metadata": {"jupyter": {"source_hidden": True}, "tags": ["ccm-report", name]},
            "source": f"# {name}",
            "outputs": [
                {"output_type": "display_data", "data": {"text/html": fragment}, "metadata": {}}
            ],
        }
    )


def _table(headers: Sequence[str], rows: Iterable[Sequence[str]], *, css: str = "") -> str:
    """An HTML table; a row given as ``("heading", text)`` or ``("heading-1", text)`` spans."""
    head = "".join(f"<th>{esc(h)}</th>" for h in headers)
    body = []
    for row in rows:
        if len(row) == 2 and row[0] in {"heading", "heading-1"}:
            level = " level-1" if row[0] == "heading-1" else ""
            body.append(
                f'<tr class="heading{level}"><td colspan="{len(headers)}">{esc(row[1])}</td></tr>'
            )
        else:
            body.append("<tr>" + "".join(f"<td>{esc(c)}</td>" for c in row) + "</tr>")
    return (
        f'<table class="{css}"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>'
    )


def introduction_text(meeting: Meeting) -> str:
    """The introduction's sentence: when and where, who chaired, who facilitated."""
    text = t(
        "report.introduction",
        date=french_date(meeting.date),
        start=meeting.start or "—",
        venue=meeting.venue,
        chair=meeting.chair or "—",
    )
    if meeting.facilitator:
        text += " " + t("report.facilitation", facilitator=meeting.facilitator)
    return text


def header_html(meeting: Meeting) -> str:
    """Organisation lines, title, place and date."""
    organisation = "<br>".join(esc(line) for line in meeting.organisation)
    return (
        f'<div class="organisation">{organisation}</div>'
        f"<h1>{esc(meeting.title)}</h1>"
        f'<p class="place-date">{esc(meeting.venue)}, {esc(french_date(meeting.date))}</p>'
    )


TableRow = Sequence[str] | tuple[str, str]


def synthesis_table_rows(synthesis: Synthesis) -> list[TableRow]:
    """Rows of the synthesis table, heading rows (``("heading", text)``) included."""
    rows: list[TableRow] = []
    specific_done = False
    for section in synthesis.sections:
        if section.key == GENERAL:
            rows.append(("heading-1", t("synthesis.general")))
        else:
            if not specific_done:
                rows.append(("heading-1", t("synthesis.specific")))
                specific_done = True
            rows.append(("heading", section.heading))
        if not section.rows:
            rows.append(("heading", t("synthesis.empty_section")))
        rows.extend(row.cells() for row in section.rows)
    return rows


def synthesis_html(synthesis: Synthesis) -> str:
    """The synthesis table with its heading rows, as the report prints it."""
    return f'<p class="table-title">{esc(t("synthesis.table_title"))}</p>' + _table(
        GRID_COLUMNS, synthesis_table_rows(synthesis), css="synthesis"
    )


def review_table_rows(review: Sequence[ReviewRow], groups: Sequence[Group]) -> list[TableRow]:
    """Rows of the review table (Recommandation | État), a heading row per section."""
    names = {GENERAL: t("synthesis.general_review")} | {
        g.slug: t("synthesis.group_heading", name=g.name) for g in groups
    }
    rows: list[TableRow] = []
    current = None
    for row in review:
        if row.section != current:
            current = row.section
            rows.append(("heading", names.get(row.section, row.section)))
        state = row.state if not row.status else f"[{row.status}] {row.state}".strip()
        rows.append((row.recommendation, state))
    return rows


def _review_html(review: Sequence[ReviewRow], groups: Sequence[Group]) -> str:
    return _table(
        (t("report.col_recommendation"), t("report.col_state")),
        review_table_rows(review, groups),
        css="review",
    )


def build_notebook(
    data: ReportData, *, part: str = "report", mask_contacts: bool = False
) -> NotebookNode:
    """The meeting as a notebook: one hidden-code cell per block of the report.

    ``part="synthesis"`` keeps the header and the synthesis table only.
    """
    skip_iri_grammar()
    import nbformat

    m = data.meeting
    nb = nbformat.v4.new_notebook()
    nb.metadata["title"] = m.title
    nb.metadata["ccm"] = {"part": part, "version": __version__}
    cells = [_cell(header_html(m), name="entete")]
    if part == "synthesis":
        cells.append(
            _cell(
                f"<h2>{esc(t('report.synthesis'))}</h2>" + synthesis_html(data.synthesis),
                name="synthese",
            )
        )
        nb.cells = cells
        return nb

    intro = introduction_text(m)
    cells.append(
        _cell(
            f"<h2>{esc(t('report.intro'))}</h2><p class='text'>{esc(intro)}</p>",
            name="introduction",
        )
    )
    if m.objectives:
        items = "".join(f"<li>{esc(o)}</li>" for o in m.objectives)
        cells.append(
            _cell(
                f"<h2>{esc(t('report.objectives'))}</h2><ol type='i'>{items}</ol>", name="objectifs"
            )
        )
    if data.agenda:
        table = _table(
            (t("report.col_item"), t("report.col_presenter"), t("report.col_time")),
            [(a.item, a.presenter, a.time) for a in data.agenda],
            css="agenda",
        )
        cells.append(_cell(f"<h2>{esc(t('report.agenda'))}</h2>{table}", name="ordre-du-jour"))
    if data.review:
        cells.append(
            _cell(
                f"<h2>{esc(t('report.review'))}</h2>" + _review_html(data.review, data.groups),
                name="revue",
            )
        )
    if data.communications:
        parts = []
        for number, c in enumerate(data.communications, start=1):
            by = ", ".join(x for x in (c.presenter, c.function) if x)
            title = f"{number}. {c.title}" + (f" — {by}" if by else "")
            parts.append(f"<h3>{esc(title)}</h3><p class='text'>{esc(c.summary)}</p>")
        cells.append(
            _cell(
                f"<h2>{esc(t('report.communications'))}</h2>" + "".join(parts),
                name="communications",
            )
        )
    if data.debates:
        items = "".join(f"<li class='text'>{esc(d.text)}</li>" for d in data.debates)
        cells.append(_cell(f"<h2>{esc(t('report.debates'))}</h2><ul>{items}</ul>", name="debats"))
    if data.groups:
        items = "".join(
            "<li>"
            + esc(t("report.group_line", number=g.number, name=g.name))
            + (esc(t("report.group_moderator", moderator=g.moderator)) if g.moderator else "")
            + (esc(f" ({g.institution})") if g.institution else "")
            + "</li>"
            for g in sorted(data.groups, key=lambda g: g.number)
        )
        cells.append(_cell(f"<h2>{esc(t('report.groups'))}</h2><ul>{items}</ul>", name="groupes"))
    cells.append(
        _cell(
            f"<h2>{esc(t('report.synthesis'))}</h2>" + synthesis_html(data.synthesis),
            name="synthese",
        )
    )
    if m.closing:
        cells.append(
            _cell(
                f"<h2>{esc(t('report.closing'))}</h2><p class='text'>{esc(m.closing)}</p>",
                name="cloture",
            )
        )
    if data.participants:
        hidden = t("report.masked")
        table = _table(
            (t("attendance.col_number"), t("attendance.col_name"), t("attendance.col_institution"),
             t("attendance.col_phone"), t("attendance.col_email")),
            [
                (str(p.number), p.name, p.institution,
                 hidden if mask_contacts and p.phone else p.phone,
                 hidden if mask_contacts and p.email else p.email)
                for p in data.participants
            ],
            css="attendance",
        )  # fmt: skip
        cells.append(
            _cell(
                f"<section class='annex'><h2>{esc(t('report.annex'))}</h2>"
                f"<p class='place-date'>{esc(m.title)} — {esc(m.venue)}, "
                f"{esc(french_date(m.date))}</p>"
                f"{table}</section>",
                name="presence",
            )
        )
    nb.cells = cells
    return nb


def _css() -> str:
    return (TEMPLATES / TEMPLATE_NAME / "report.css").read_text(encoding="utf-8")


def _report_exporter_class() -> Any:
    """nbconvert's HTMLExporter without its final BeautifulSoup pass.

    After rendering, HTMLExporter (nbconvert 7) parses the whole page with BeautifulSoup to
    give images an ``alt`` text and code cells a ``tabindex``. The report has neither (no
    image, no code cell shown), and that parse and its CSS selectors cost about 0.4 s of a
    cold export: the rendered template is returned as it is. Nor does the report need
    nbconvert's default preprocessors (tags, regexes, streams, magics, attachments, the
    Pygments stylesheet): the notebook holds only hidden-code cells with HTML outputs, so
    none are set up (another 0.15 s).
    """
    skip_iri_grammar()
    from nbconvert import HTMLExporter
    from nbconvert.exporters.templateexporter import TemplateExporter
    from nbconvert.filters.highlight import Highlight2HTML
    from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter
    from traitlets import List

    class ReportExporter(HTMLExporter):
        default_preprocessors: List[Any] = List([])  # a trait, as on the base class

        def from_notebook_node(  # type: ignore[override]
            self, nb: NotebookNode, resources: dict[str, Any] | None = None, **kw: Any
        ) -> tuple[str, dict[str, Any]]:
            resources = self._init_resources(resources)
            self.register_filter("highlight_code", Highlight2HTML(parent=self))
            self.register_filter(
                "filter_data_type",
                WidgetsDataTypeFilter(
                    notebook_metadata=self._nb_metadata, parent=self, resources=resources
                ),
            )
            return TemplateExporter.from_notebook_node(self, nb, resources, **kw)

    return ReportExporter


def to_html(nb: NotebookNode) -> str:
    """Convert a report notebook with nbconvert and our template: one self-contained page."""
    exporter = _report_exporter_class()(
        template_name=TEMPLATE_NAME,
        extra_template_basedirs=[str(TEMPLATES)],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
    )
    resources: dict[str, Any] = {
        "ccm": {
            "title": nb.metadata.get("title", ""),
            "css": _css(),
            "lang": current_language(),
            "version": __version__,
        }
    }
    body, _ = exporter.from_notebook_node(nb, resources=resources)
    return str(body)


def chromium_path() -> str:
    """The system's Chromium: ``CCM_CHROMIUM``, else ``chromium`` on the PATH."""
    found = (
        os.environ.get("CCM_CHROMIUM")
        or shutil.which("chromium")
        or shutil.which("chromium-browser")
    )
    if not found:
        raise RuntimeError(t("export.no_chromium"))
    return found


def to_pdf(page: str) -> bytes:
    """Print an HTML report to an A4 PDF with page numbers, in the system's Chromium.

    Runs Playwright in a worker thread: its sync API refuses to run inside the kernel's
    asyncio loop, and the export button runs in a kernel.
    """
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(_print_pdf, page).result()


def _print_pdf(page: str) -> bytes:
    from playwright.sync_api import sync_playwright

    footer = (
        '<div style="font-size:8pt;width:100%;text-align:center;color:#444;">'
        '<span class="pageNumber"></span> / <span class="totalPages"></span></div>'
    )
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=chromium_path(),
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"],
        )  # fmt: skip
        try:
            tab = browser.new_page()
            # The page is self-contained; refuse any request so a stray URL cannot hang the print.
            tab.route("**/*", lambda route: route.abort())
            tab.set_content(page, wait_until="load")
            pdf: bytes = tab.pdf(
                format="A4",
                print_background=True,
                display_header_footer=True,
                header_template="<div></div>",
                footer_template=footer,
                margin={"top": "15mm", "bottom": "18mm", "left": "12mm", "right": "12mm"},
            )
            return pdf
        finally:
            browser.close()
