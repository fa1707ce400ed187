"""HTML, script and template syntax typed in any text field stay text, down to every export.

Every free-text field a user can fill (the meeting's header, the agenda, communications,
debates, groups, participants, the review table and the three grid columns) gets its own
hostile value; the HTML report must show each one as typed and contain no tag of theirs, and
the DOCX, CSV, XLSX and TOML exports must carry the same characters.
"""

from __future__ import annotations

import dataclasses
import io
import re
import tomllib
from html.parser import HTMLParser

from ccm_widgets.files.exporting import render
from ccm_widgets.store import ITEM_TABLES, Store


def hostile(field: str) -> str:
    """A value that would run, style or template if it were not escaped, named after ``field``."""
    return (
        f'<script>alert("{field}")</script><ul style="color:red"><li>{field}</li></ul>'
        " {{ 7*7 }}"
    )


class Page(HTMLParser):
    """Tags, their ``style`` attributes and the text of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.styled: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.styled += [v or "" for k, v in attrs if k == "style"]

    def handle_data(self, data: str) -> None:
        self.text.append(data)


#: Fields the report does not print, or prints masked (contacts).
NOT_IN_REPORT = {"participants.phone", "participants.email", "participants.grp"}


def fill_every_field(store: Store) -> dict[str, str]:
    """Put a hostile value in every free-text field; return field name → value."""
    values: dict[str, str] = {}
    meeting = store.meetings.get()
    header = {
        name: hostile(f"meeting.{name}")
        for name in ("title", "venue", "chair", "facilitator", "closing", "start")
    }
    store.meetings.update(
        dataclasses.replace(
            meeting,
            **header,
            organisation=(hostile("meeting.organisation"),),
            objectives=(hostile("meeting.objectives"),),
        ),
        actor="test",
    )
    values |= {f"meeting.{k}": v for k, v in header.items()}
    values["meeting.organisation"] = hostile("meeting.organisation")
    values["meeting.objectives"] = hostile("meeting.objectives")
    for group in store.groups.all():
        name, moderator = hostile(f"group.{group.slug}"), hostile(f"moderator.{group.slug}")
        institution = hostile(f"institution.{group.slug}")
        store.groups.update(
            group.slug, name=name, moderator=moderator, institution=institution, actor="test"
        )
        values |= {f"group.{group.slug}": name, f"moderator.{group.slug}": moderator}
        values[f"institution.{group.slug}"] = institution
        row = store.grid.rows(group.slug)[0]
        for field in ("recommendation", "challenges", "perspectives"):
            value = hostile(f"grid.{group.slug}.{field}")
            store.grid.update_cell(row.id, field, value, seen=getattr(row, field), actor="test")
            values[f"grid.{group.slug}.{field}"] = value
    for table, spec in ITEM_TABLES.items():
        item = store.items.rows(table)[0]
        fields = {f: hostile(f"{table}.{f}") for f in spec.fields if f not in {"section", "status"}}
        store.items.update(table, item["id"], fields, actor="test")
        values |= {f"{table}.{f}": v for f, v in fields.items()}
    return values


def test_every_text_field_shows_as_typed_in_the_html_report(demo_store: Store) -> None:
    values = fill_every_field(demo_store)
    page = render(demo_store, "html", "report", mask_contacts=True).decode()
    parsed = Page()
    parsed.feed(page)
    assert "script" not in parsed.tags
    assert not any("color:red" in s for s in parsed.styled)
    text = "".join(parsed.text)
    missing = [
        field for field, value in values.items() if field not in NOT_IN_REPORT and value not in text
    ]
    assert missing == [], f"absents ou altérés dans le rapport : {missing}"
    assert "49" not in re.findall(r"\{\{ (\S+) \}\}", text)


def docx_text(data: bytes) -> str:
    """Every paragraph's text of a Word document, tables included."""
    import docx

    document = docx.Document(io.BytesIO(data))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        parts += [cell.text for row in table.rows for cell in row.cells]
    return "\n".join(parts)


def test_every_text_field_keeps_its_characters_in_docx_csv_xlsx_and_toml(
    demo_store: Store,
) -> None:
    values = fill_every_field(demo_store)
    grids = {f: v for f, v in values.items() if f.startswith("grid.")}

    text = docx_text(render(demo_store, "docx", "report", mask_contacts=True))
    missing = [f for f, v in values.items() if f not in NOT_IN_REPORT and v not in text]
    assert missing == [], f"absents ou altérés dans le DOCX : {missing}"

    csv_text = render(demo_store, "csv").decode("utf-8-sig")
    assert all(v.replace('"', '""') in csv_text for v in grids.values())

    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(render(demo_store, "xlsx")))
    cells = {c.value for sheet in book for row in sheet.iter_rows() for c in row}
    assert set(grids.values()) <= cells

    plan = tomllib.loads(render(demo_store, "toml").decode())
    assert plan["meeting"]["title"] == values["meeting.title"]
    assert hostile("agenda.item") in [item["item"] for item in plan["agenda"]]
