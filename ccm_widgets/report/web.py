"""The report document as a web page: each chapter becomes a notebook cell (nbformat) whose
only output is its HTML, and nbconvert turns the notebook into one self-contained page with
the ``ccm_report`` template and its stylesheet (``templates/ccm_report/report.css``).

Each block type of :mod:`ccm_widgets.report.document` is drawn in one function here; every
text a user typed is escaped there, once. The template adds nothing from outside the file,
and charts are inline SVG: the page needs no network, on screen or printed
(:mod:`ccm_widgets.report.pdf`).
"""

from __future__ import annotations

import html
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ccm_widgets import __version__
from ccm_widgets.domain.synthesis import Synthesis
from ccm_widgets.i18n import current_language
from ccm_widgets.report.blocks import (
    Block,
    BulletList,
    Chapter,
    Chart,
    Column,
    Document,
    Heading,
    PageBreak,
    Paragraph,
    Table,
    TableSection,
)
from ccm_widgets.report.document import synthesis_table

if TYPE_CHECKING:
    from nbformat import NotebookNode

TEMPLATES = Path(__file__).with_name("templates")
TEMPLATE_NAME = "ccm_report"
#: Width of a chart's bar area in SVG units; the SVG is stretched to its cell.
BAR_UNITS = 1000
#: A chart of more bars than this may run onto the next page (its caption kept with its
#: first bars, its legend with its last ones); a shorter one moves whole. A long chart moved
#: whole left most of a page blank under the attendance list.
WHOLE_CHART_BARS = 8
#: Bars of a long chart kept with its caption, and with its legend.
CHART_EDGE_BARS = 3


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


# -- blocks -----------------------------------------------------------------------------------


def block_html(block: Block) -> str:
    """One block of the document as HTML, every text escaped."""
    match block:
        case Heading(level=level, text=text):
            tag = f"h{min(level, 4) + 1}"
            return f"<{tag}>{esc(text)}</{tag}>"
        case Paragraph(text=text, style=style):
            return f'<p class="{style}">{esc(text)}</p>'
        case BulletList(items=items, numbered=numbered):
            tag = "ol" if numbered else "ul"
            kind = ' type="i"' if numbered else ""
            return f"<{tag}{kind}>" + "".join(f"<li>{esc(i)}</li>" for i in items) + f"</{tag}>"
        case Table():
            return table_html(block)
        case Chart():
            return chart_html(block)
        case PageBreak():
            return '<div class="page-break"></div>'
    raise TypeError(f"bloc inconnu : {block!r}")


#: Where an e-mail address may wrap: after its "@", before each ".".
EMAIL_BREAKS = re.compile(r"(?<=@)|(?=\.)")


def _cell_html(text: str, column: Column) -> str:
    if column.role == "email" and text:
        # Each piece between two allowed breaks is kept whole (CSS: no wrap inside a span,
        # not even at a hyphen); a line may break only between pieces.
        pieces = [p for p in EMAIL_BREAKS.split(text) if p]
        content = "<wbr>".join(f"<span>{esc(p)}</span>" for p in pieces)
    else:
        content = esc(text)
    return f'<td class="{column.role}">{content}</td>'


def _section_html(section: TableSection, columns: tuple[Column, ...]) -> str:
    span = len(columns)
    rows = [
        f'<tr class="heading{" level-1" if h.level == 1 else ""}">'
        f'<td colspan="{span}">{esc(h.text)}</td></tr>'
        for h in section.headings
    ]
    if section.note:
        rows.append(f'<tr class="heading note"><td colspan="{span}">{esc(section.note)}</td></tr>')
    cells = [
        "<tr>" + "".join(_cell_html(c, col) for c, col in zip(row, columns, strict=True)) + "</tr>"
        for row in section.rows
    ]
    # The headings and the first row form a body of their own that the page never splits,
    # so a heading is never left alone at the foot of a page; the other rows break freely.
    lead = "".join(rows + cells[:1])
    rest = "".join(cells[1:])
    return f'<tbody class="lead">{lead}</tbody>' + (f"<tbody>{rest}</tbody>" if rest else "")


def table_html(table: Table) -> str:
    """A table: its title, a header row (repeated on each printed page), a body per section."""
    head = "".join(f'<th class="{c.role}">{esc(c.title)}</th>' for c in table.columns)
    body = "".join(_section_html(s, table.columns) for s in table.sections)
    title = f'<p class="table-title">{esc(table.title)}</p>' if table.title else ""
    return f'{title}<table class="{table.kind}"><thead><tr>{head}</tr></thead>{body}</table>'


def chart_html(chart: Chart) -> str:
    """A bar chart: a row per bar, its label, an inline SVG bar and its figures; a legend."""
    rows: list[str] = []
    for bar in chart.bars:
        x = 0.0
        rects = []
        for segment in bar.segments:
            width = BAR_UNITS * segment.value / chart.top
            rects.append(
                f'<rect x="{x:.1f}" y="0" width="{width:.1f}" height="10" '
                f'fill="{esc(segment.colour)}"><title>{esc(segment.label)} : '
                f"{segment.value}</title></rect>"
            )
            x += width
        svg = (
            f'<svg viewBox="0 0 {BAR_UNITS} 10" preserveAspectRatio="none" role="img" '
            f'aria-label="{esc(bar.label)} : {esc(bar.caption)}">{"".join(rects)}</svg>'
        )
        rows.append(
            f'<tr><td class="label">{esc(bar.label)}</td><td class="bar">{svg}</td>'
            f'<td class="value">{esc(bar.caption)}</td></tr>'
        )
    legend = "".join(
        f'<span class="key"><svg viewBox="0 0 10 10"><rect width="10" height="10" '
        f'fill="{esc(colour)}"/></svg> {esc(label)}</span>'
        for label, colour in chart.legend
    )
    if len(rows) > WHOLE_CHART_BARS:
        first, last = CHART_EDGE_BARS, len(rows) - CHART_EDGE_BARS
        kind = "chart long"
        bodies = (
            f'<tbody class="lead">{"".join(rows[:first])}</tbody>'
            f"<tbody>{''.join(rows[first:last])}</tbody>"
            f'<tbody class="tail">{"".join(rows[last:])}</tbody>'
        )
    else:
        kind, bodies = "chart", f"<tbody>{''.join(rows)}</tbody>"
    return (
        f'<figure class="{kind}"><figcaption>{esc(chart.title)}</figcaption>'
        f'<table class="chart">{bodies}</table>'
        + (f'<p class="legend">{legend}</p>' if legend else "")
        + "</figure>"
    )


def synthesis_html(synthesis: Synthesis) -> str:
    """The synthesis table with its heading rows, as the report prints it."""
    return table_html(synthesis_table(synthesis))


# -- notebook and HTML ------------------------------------------------------------------------


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


def build_notebook(document: Document) -> NotebookNode:
    """The document as a notebook: one hidden-code cell per chapter, named after it."""
    skip_iri_grammar()
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.metadata["title"] = document.title
    nb.metadata["ccm"] = {"part": document.part, "version": __version__}
    nb.cells = [_cell(chapter_html(chapter), name=chapter.name) for chapter in document.chapters]
    return nb


def chapter_html(chapter: Chapter) -> str:
    """A chapter's blocks; a chapter kept together is wrapped in a box the page never cuts."""
    html_blocks = "".join(block_html(b) for b in chapter.blocks)
    if chapter.keep_together:
        return f'<div class="keep-together">{html_blocks}</div>'
    return html_blocks


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


def document_html(document: Document) -> str:
    """The document as one self-contained HTML page."""
    return to_html(build_notebook(document))
