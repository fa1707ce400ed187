"""Limits on what an import may bring: rows per file or paste, an XLSX's unpacked size and
its count of texts and cells, the size of a file a page may upload. Each attack of issue 13
is refused clearly, quickly, with bounded memory, and writes nothing."""

from __future__ import annotations

import datetime as dt
import io
import random
import re
import time
import tracemalloc
import zipfile
from pathlib import Path

import openpyxl
import pytest

from ccm_widgets.cli import main
from ccm_widgets.domain.model import ValidationError
from ccm_widgets.files.importing import (
    MAX_FILE_BYTES,
    MAX_UPLOAD_BYTES,
    ImportProblem,
    max_rows,
    paste_rows,
    read_grid,
)
from ccm_widgets.files.loading import (
    carry_over_review,
    import_attendance,
    import_grid,
    import_review,
)
from ccm_widgets.files.tables import DEFAULT_MAX_ROWS
from ccm_widgets.store import Store

#: The refusal names the limit, French style ("2 000", a no-break space between the digits).
ROW_LIMIT = re.compile(r"plus de 2\s000 lignes \(limite : 2\s000")
GRID_HEADER = "Recommandation;Défis;Perspectives\r\n"
#: Tornado closes a websocket on a message above 10 MiB: the page would die silently.
WEBSOCKET_LIMIT = 10 * 1024 * 1024


def grid_csv(rows: int, cell: str = "Former les agents") -> bytes:
    lines = [GRID_HEADER] + [f"{cell} {n};- défi {n};- perspective {n}\r\n" for n in range(rows)]
    return "".join(lines).encode("utf-8")


def counts(store: Store) -> tuple[int, int, int]:
    return len(store.grid.rows()), len(store.items.participants()), len(store.items.review_rows())


# -- rows per import ---------------------------------------------------------------------------


def test_default_row_limit_is_a_few_thousand() -> None:
    assert max_rows() == DEFAULT_MAX_ROWS == 2_000


def test_paste_of_100000_rows_is_refused_and_nothing_written(demo_store: Store) -> None:
    import asyncio

    from ccm_widgets.store import Access
    from ccm_widgets.web.service import GridService, Refused

    text = "".join(f"Recommandation {n}\tDéfi {n}\tPerspective {n}\n" for n in range(100_000))
    with pytest.raises(ValidationError, match=ROW_LIMIT):
        paste_rows(text)
    service = GridService(demo_store.location)
    access = Access("protection", demo_store.groups.key("protection"))
    before = len(demo_store.grid.rows("protection"))
    with pytest.raises(Refused, match=ROW_LIMIT) as refused:  # the page keeps its text
        asyncio.run(service.paste(access, "protection", text))
    service.close()
    assert refused.value.status == 422
    assert len(demo_store.grid.rows("protection")) == before


def test_paste_at_the_limit_is_accepted() -> None:
    text = "".join(f"R {n}\tD\tP\n" for n in range(2_000))
    assert len(paste_rows(text)) == 2_000


def test_nine_megabyte_csv_of_94736_rows_is_refused_quickly(
    demo_store: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = grid_csv(94_736, "Former les agents des postes frontaliers aux droits des migrants")
    assert 8_500_000 < len(data) < MAX_FILE_BYTES
    before = counts(demo_store)
    started = time.monotonic()
    with pytest.raises(ImportProblem, match=ROW_LIMIT) as refused:
        import_grid(demo_store, "protection", "grille.csv", data=data)
    assert time.monotonic() - started < 2.0  # stops reading at the first row too many
    assert str(refused.value).startswith("grille.csv")
    assert counts(demo_store) == before
    # the same file given to ccm import
    path = tmp_path / "grille.csv"
    path.write_bytes(data)
    store_path = tmp_path / "cli.sqlite"
    assert main(["demo", "--store", str(store_path)]) == 0
    with Store(store_path) as store:
        before = counts(store)
    code = main(["import", "grid", "--group", "Protection", str(path), "--store", str(store_path)])
    err = capsys.readouterr().err
    assert code == 2
    assert ROW_LIMIT.search(err), err
    with Store(store_path) as store:
        assert counts(store) == before


def test_every_import_path_has_the_row_limit(demo_store: Store) -> None:
    too_many = range(2_001)
    attendance = "N°;Nom & Prénoms;Institution\r\n" + "".join(
        f"{n};Participant {n};Mairie\r\n" for n in too_many
    )
    review = "Section;Recommandation;État de mise en œuvre\r\n" + "".join(
        f"Protection;Recommandation {n};en cours\r\n" for n in too_many
    )
    previous = "Section;Groupe;Recommandation;Défis;Perspectives\r\n" + "".join(
        f"Spécifique;Protection;Recommandation {n};;\r\n" for n in too_many
    )
    before = counts(demo_store)
    for load, text in (
        (import_attendance, attendance),
        (import_review, review),
        (carry_over_review, previous),
    ):
        with pytest.raises(ImportProblem, match=ROW_LIMIT):
            load(demo_store, "tableau.csv", data=text.encode("utf-8"))
    assert counts(demo_store) == before


def test_row_limit_applies_to_xlsx_too(demo_store: Store) -> None:
    book = openpyxl.Workbook()
    book.active.append(["Recommandation", "Défis", "Perspectives"])
    for n in range(2_001):
        book.active.append([f"Recommandation {n}", "", ""])
    buffer = io.BytesIO()
    book.save(buffer)
    with pytest.raises(ImportProblem, match=ROW_LIMIT):
        import_grid(demo_store, "protection", "grille.xlsx", data=buffer.getvalue())


def test_carry_over_of_a_previous_store_has_the_row_limit(
    demo_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    previous = tmp_path / "precedente.sqlite"
    assert main(["demo", "--store", str(previous)]) == 0
    with Store(previous) as old:
        rows = len(old.grid.rows())
    monkeypatch.setenv("CCM_MAX_ROWS", str(rows - 1))
    before = counts(demo_store)
    with pytest.raises(ImportProblem, match=f"plus de {rows - 1} "):
        carry_over_review(demo_store, previous)
    assert counts(demo_store) == before


def test_row_limit_is_set_by_ccm_max_rows(
    demo_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CCM_MAX_ROWS", "10")
    assert max_rows() == 10
    with pytest.raises(ImportProblem, match=r"plus de 10 lignes \(limite : 10"):
        read_grid("g.csv", grid_csv(11))
    assert len(read_grid("g.csv", grid_csv(10)).rows) == 10
    with pytest.raises(ValidationError, match=r"plus de 10 lignes"):
        paste_rows("a\tb\tc\n" * 11)
    for wrong in ("beaucoup", "0", "-5"):
        monkeypatch.setenv("CCM_MAX_ROWS", wrong)
        assert max_rows() == DEFAULT_MAX_ROWS


def test_blank_lines_do_not_count_as_rows(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CCM_MAX_ROWS", "10")
    assert len(read_grid("g.csv", grid_csv(10) + b";;\r\n" * 20).rows) == 10


# -- XLSX zip bombs ----------------------------------------------------------------------------

#: One cell repeated: a sheet of hundreds of MB that deflate squeezes to well under 2 MB.
BOMB_CELL = b'<c t="inlineStr"><is><t>- premi\xc3\xa8re action</t></is></c>'
SHEET_START = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
    b'<row r="1"><c r="A1" t="inlineStr"><is><t>Recommandation</t></is></c></row><row r="2">'
)
SHEET_END = b"</row></sheetData></worksheet>"


def xlsx_bomb(sheet_bytes: int = 300_000_000) -> bytes:
    """A valid workbook whose one sheet holds ``sheet_bytes`` of cells in its second row.

    Written member by member with deflate at level 9, the sheet streamed in 1 MB pieces, so
    that building it costs a second and a few MB, not the size it claims.
    """
    template = io.BytesIO()
    book = openpyxl.Workbook()
    book.active.append(["Recommandation"])
    book.save(template)
    out = io.BytesIO()
    with (
        zipfile.ZipFile(template) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as bomb,
    ):
        for info in source.infolist():
            if info.filename != "xl/worksheets/sheet1.xml":
                bomb.writestr(info.filename, source.read(info))
                continue
            chunk = BOMB_CELL * (1_000_000 // len(BOMB_CELL))
            with bomb.open("xl/worksheets/sheet1.xml", "w") as sheet:
                sheet.write(SHEET_START)
                for _ in range(sheet_bytes // len(chunk)):
                    sheet.write(chunk)
                sheet.write(SHEET_END)
    return out.getvalue()


@pytest.fixture(scope="module")
def bomb() -> bytes:
    return xlsx_bomb()


def test_the_bomb_is_a_real_bomb(bomb: bytes) -> None:
    assert len(bomb) < 2_000_000
    with zipfile.ZipFile(io.BytesIO(bomb)) as archive:
        sheet = archive.getinfo("xl/worksheets/sheet1.xml")
    assert sheet.file_size > 250_000_000


def test_xlsx_zip_bomb_is_refused_fast_with_bounded_memory(bomb: bytes, demo_store: Store) -> None:
    before = counts(demo_store)
    tracemalloc.start()
    started = time.monotonic()
    try:
        with pytest.raises(ImportProblem, match="XLSX") as refused:
            import_grid(demo_store, "protection", "piege.xlsx", data=bomb)
        elapsed = time.monotonic() - started
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert elapsed < 2.0
    assert peak < 20_000_000, f"{peak / 1e6:.0f} Mo alloués"
    assert "Mo" in str(refused.value)
    assert "décompress" in str(refused.value)
    assert counts(demo_store) == before


def test_xlsx_with_a_member_far_more_compressed_than_a_sheet_is_refused() -> None:
    bomb = xlsx_bomb(40_000_000)  # under the unpacked total, but 300 times compressed
    with pytest.raises(ImportProblem, match="compress"):
        read_grid("piege.xlsx", bomb)


def test_xlsx_member_lying_about_its_size_is_refused(bomb: bytes) -> None:
    # The central directory says the sheet is small; inflated, it is hundreds of MB.
    archive = bytearray(bomb)
    with zipfile.ZipFile(io.BytesIO(bomb)) as opened:
        info = opened.getinfo("xl/worksheets/sheet1.xml")
    central = archive.rfind(b"PK\x01\x02", 0, len(archive))
    while archive[central + 46 : central + 46 + len(info.filename)] != info.filename.encode():
        central = archive.rfind(b"PK\x01\x02", 0, central)
    archive[central + 24 : central + 28] = (10_000).to_bytes(4, "little")  # uncompressed size
    tracemalloc.start()
    try:
        with pytest.raises(ImportProblem, match="illisible"):
            read_grid("menteur.xlsx", bytes(archive))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 50_000_000, f"{peak / 1e6:.0f} Mo alloués"


def test_corrupt_zip_is_unreadable_not_a_crash() -> None:
    good = io.BytesIO()
    book = openpyxl.Workbook()
    book.active.append(["Recommandation", "Défis", "Perspectives"])
    book.active.append(["R", "D", "P"])
    book.save(good)
    data = good.getvalue()
    assert read_grid("ok.xlsx", data).rows == ((None, ("R", "D", "P")),)
    for broken in (data[: len(data) // 2], data[:200] + b"\x00" * 300 + data[500:]):
        with pytest.raises(ImportProblem, match="illisible"):
            read_grid("casse.xlsx", broken)


# -- XLSX whose cost is in its count of things, not its bytes ----------------------------------

SPREADSHEET = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELATIONSHIPS = "http://schemas.openxmlformats.org/package/2006/relationships"
OFFICE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
SPREADSHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml"
XML_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
#: A grid's header and one row, written as inline strings (no shared-string table needed).
GRID_HEADER_ROW = (
    '<row r="1"><c r="A1" t="inlineStr"><is><t>Recommandation</t></is></c>'
    '<c r="B1" t="inlineStr"><is><t>Défis</t></is></c>'
    '<c r="C1" t="inlineStr"><is><t>Perspectives</t></is></c></row>'
).encode()
GRID_FIRST_CELL = b'<c r="A2" t="inlineStr"><is><t>Former les agents</t></is></c>'
GRID_SHEET_ROWS = GRID_HEADER_ROW + b'<row r="2">' + GRID_FIRST_CELL + b"</row>"
#: What a count that stops where it should never reads: a part damaged past that point.
DAMAGE = b"<<< pas du XML"
#: A refusal for cells: the sheet holds too many, or spreads over too many.
CELL_LIMIT = re.compile(r"XLSX refusé : .*plus de 200\s000 cellules \(limite : 200\s000")


def handmade_xlsx(sheet: bytes, strings: bytes | None = None) -> bytes:
    """The smallest workbook openpyxl reads: one sheet, its body and maybe a string table.

    ``sheet`` is what goes inside ``<worksheet>``, ``strings`` inside ``<sst>``; both are
    written as given, so a test can write what no spreadsheet program would.
    """
    overrides = {
        "/xl/workbook.xml": f"{SPREADSHEET_TYPE}.sheet.main+xml",
        "/xl/worksheets/sheet1.xml": f"{SPREADSHEET_TYPE}.worksheet+xml",
    }
    if strings:
        overrides["/xl/sharedStrings.xml"] = f"{SPREADSHEET_TYPE}.sharedStrings+xml"
    types = (
        f'{XML_HEAD}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" '
        'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        + "".join(f'<Override PartName="{p}" ContentType="{c}"/>' for p, c in overrides.items())
        + "</Types>"
    )
    package_rels = (
        f'{XML_HEAD}<Relationships xmlns="{RELATIONSHIPS}"><Relationship Id="rId1" '
        f'Type="{OFFICE}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
    )
    workbook = (
        f'{XML_HEAD}<workbook xmlns="{SPREADSHEET}" xmlns:r="{OFFICE}">'
        '<sheets><sheet name="Grille" sheetId="1" r:id="rId1"/></sheets></workbook>'
    )
    workbook_rels = (
        f'{XML_HEAD}<Relationships xmlns="{RELATIONSHIPS}"><Relationship Id="rId1" '
        f'Type="{OFFICE}/worksheet" Target="worksheets/sheet1.xml"/>'
        + (
            f'<Relationship Id="rId2" Type="{OFFICE}/sharedStrings" Target="sharedStrings.xml"/>'
            if strings
            else ""
        )
        + "</Relationships>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as book:
        book.writestr("[Content_Types].xml", types)
        book.writestr("_rels/.rels", package_rels)
        book.writestr("xl/workbook.xml", workbook)
        book.writestr("xl/_rels/workbook.xml.rels", workbook_rels)
        book.writestr(
            "xl/worksheets/sheet1.xml",
            f'{XML_HEAD}<worksheet xmlns="{SPREADSHEET}">'.encode() + sheet + b"</worksheet>",
        )
        if strings:
            book.writestr(
                "xl/sharedStrings.xml",
                f'{XML_HEAD}<sst xmlns="{SPREADSHEET}">'.encode() + strings + b"</sst>",
            )
    return out.getvalue()


def styled_empty_cells(count: int, reference: str = "") -> bytes:
    """``count`` empty cells, each with a style number that varies enough that deflate cannot
    squeeze the sheet past the zip-bomb ratio, which would refuse it for another reason."""
    numbers = random.Random(13)
    at = f' r="{reference}"' if reference else ""
    return "".join(f'<c{at} s="{numbers.randrange(40)}"/>' for _ in range(count)).encode()


def test_xlsx_with_more_shared_strings_than_any_table_is_refused_before_openpyxl(
    demo_store: Store,
) -> None:
    # A grid at the row limit, every cell a different text, is far from the bound.
    book = openpyxl.Workbook()
    book.active.append(["Recommandation", "Défis", "Perspectives"])
    for n in range(DEFAULT_MAX_ROWS):
        book.active.append([f"Recommandation {n}", f"- défi {n}", f"- piste {n}"])
    buffer = io.BytesIO()
    book.save(buffer)
    assert len(read_grid("grille.xlsx", buffer.getvalue()).rows) == DEFAULT_MAX_ROWS
    # The header and one row read from the string table: the workbook as any program writes it.
    sheet = (
        b'<sheetData><row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c>'
        b'<c r="C1" t="s"><v>2</v></c></row><row r="2"><c r="A2" t="s"><v>3</v></c></row>'
        b"</sheetData>"
    )
    texts = "<si><t>Recommandation</t></si><si><t>Défis</t></si><si><t>Perspectives</t></si>"
    texts += "<si><t>Former les agents</t></si>"
    before = counts(demo_store)
    import_grid(demo_store, "protection", "grille.xlsx", data=handmade_xlsx(sheet, texts.encode()))
    assert counts(demo_store)[0] == before[0] + 1
    # 60 000 tiny texts: 160 KB to send, a list of 60 000 strings once openpyxl has read them.
    many = texts.encode() + b"".join(b"<si><t>%d</t></si>" % n for n in range(60_000))
    hostile = handmade_xlsx(sheet, many + DAMAGE)  # refused before the count reaches the damage
    assert len(hostile) < 200_000
    before = counts(demo_store)
    with pytest.raises(ImportProblem, match=r"XLSX refusé : .*plus de 50\s000 textes") as refused:
        import_grid(demo_store, "protection", "piege.xlsx", data=hostile)
    assert str(refused.value).startswith("piege.xlsx")
    assert "xl/sharedStrings.xml" in str(refused.value)
    assert "(limite : 50\u00a0000" in str(refused.value)
    assert counts(demo_store) == before


def test_xlsx_sheet_with_more_cells_than_any_table_is_refused(demo_store: Store) -> None:
    honest = handmade_xlsx(b"<sheetData>" + GRID_SHEET_ROWS + b"</sheetData>")
    assert read_grid("grille.xlsx", honest).rows == ((None, ("Former les agents", "", "")),)
    # 300 000 empty cells in the second row: openpyxl would make a row 300 000 cells wide.
    wide = GRID_HEADER_ROW + b'<row r="2">' + GRID_FIRST_CELL + styled_empty_cells(300_000)
    hostile = handmade_xlsx(b"<sheetData>" + wide + b"</row></sheetData>")
    before = counts(demo_store)
    with pytest.raises(ImportProblem, match=CELL_LIMIT):
        import_grid(demo_store, "protection", "piege.xlsx", data=hostile)
    assert counts(demo_store) == before
    # 300 000 cells all at A3: the sheet is three rows by three columns, yet openpyxl reads each.
    stacked = b'<row r="3">' + styled_empty_cells(300_000, "A3") + b"</row>"
    hostile = handmade_xlsx(b"<sheetData>" + GRID_SHEET_ROWS + stacked + DAMAGE)
    with pytest.raises(ImportProblem, match=CELL_LIMIT) as refused:
        import_grid(demo_store, "protection", "piege.xlsx", data=hostile)
    assert "xl/worksheets/sheet1.xml" in str(refused.value)
    assert "contient plus de 200\u00a0000 cellules" in str(refused.value)
    assert counts(demo_store) == before


@pytest.mark.parametrize(
    ("far", "near"),
    [
        pytest.param(  # openpyxl hands back every empty row up to the last one
            b'<sheetData>%s<row r="1048576"><c t="inlineStr"><is><t>x</t></is></c></row>'
            b"</sheetData>",
            b'<sheetData>%s<row r="3"><c t="inlineStr"><is><t>x</t></is></c></row></sheetData>',
            id="last-row-of-excel",
        ),
        pytest.param(  # openpyxl widens every row to the stated dimension
            b'<dimension ref="A1:XFD3000"/>' + DAMAGE + b"<sheetData>%s</sheetData>",
            b'<dimension ref="A1:E3000"/><sheetData>%s</sheetData>',
            id="dimension-wider-than-a-table",
        ),
    ],
)
def test_xlsx_sheet_spreading_over_more_cells_than_any_table_is_refused(
    demo_store: Store, far: bytes, near: bytes
) -> None:
    # 1.6 KB that cost hundreds of MB once openpyxl has made up the empty cells.
    rows = GRID_SHEET_ROWS
    assert read_grid("grille.xlsx", handmade_xlsx(near % rows)).rows[0][1][0] == "Former les agents"
    hostile = handmade_xlsx(far % rows)
    assert len(hostile) < 2_000
    before = counts(demo_store)
    with pytest.raises(ImportProblem, match=CELL_LIMIT) as refused:
        import_grid(demo_store, "protection", "piege.xlsx", data=hostile)
    assert re.search(r"s'étend sur au moins [\d\s]+ lignes et [\d\s]+ colonnes", str(refused.value))
    assert counts(demo_store) == before


def test_xlsx_count_limits_follow_ccm_max_rows(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CCM_MAX_ROWS", "10")
    sheet = b"<sheetData>" + GRID_SHEET_ROWS
    assert len(read_grid("g.xlsx", handmade_xlsx(sheet + b"</sheetData>")).rows) == 1
    crowded = b'<row r="3">' + styled_empty_cells(1_001, "A3") + b"</row></sheetData>"
    with pytest.raises(ImportProblem, match=r"plus de 1\s000 cellules \(limite : 1\s000"):
        read_grid("g.xlsx", handmade_xlsx(sheet + crowded))


# -- the upload limit of the pages -------------------------------------------------------------


def test_upload_limit_stays_under_the_websocket_limit() -> None:
    assert MAX_UPLOAD_BYTES <= 8_000_000 < WEBSOCKET_LIMIT
    assert MAX_UPLOAD_BYTES <= MAX_FILE_BYTES


def test_every_file_picker_carries_the_limit_for_the_browser(demo_store: Store) -> None:
    from ccm_widgets.widgets import AttendancePanel, ReviewPanel
    from ccm_widgets.widgets.common.controls import FilePicker

    review = ReviewPanel(store=demo_store)
    pickers = [AttendancePanel(store=demo_store).upload]
    pickers += [review.upload, review.carry]
    for picker in pickers:
        assert isinstance(picker, FilePicker)
        assert {"ccm-upload", f"ccm-upload-max-{MAX_UPLOAD_BYTES}"} <= set(
            picker.button._dom_classes
        )
        note = picker.note
        assert "ccm-upload-note" in note._dom_classes
        assert note.layout.display == "none"  # shown by the page's script on a refusal
        assert "limite de 8 Mo" in note.value
        assert 'class="ccm-upload-name"' in note.value


def uploaded(name: str, content: bytes) -> dict[str, object]:
    """What ipywidgets' FileUpload holds for a file the browser sent."""
    return {"name": name, "type": "text/csv", "size": len(content),
            "content": memoryview(content),
            "last_modified": dt.datetime(2026, 11, 26, tzinfo=dt.UTC)}  # fmt: skip


def test_a_file_arriving_anyway_is_still_imported_through_the_checks(demo_store: Store) -> None:
    from ccm_widgets.widgets import AttendancePanel

    panel = AttendancePanel(store=demo_store)
    before = len(demo_store.items.participants())
    upload = panel.upload.button
    sheet = "N°;Nom & Prénoms;Institution\n" + "".join(f"{n};P{n};I\n" for n in range(2_001))
    upload.value = (uploaded("p.csv", sheet.encode()),)
    assert ROW_LIMIT.search(panel.status.message), panel.status.message
    assert upload.value == ()
    assert len(demo_store.items.participants()) == before


def _workbook_with(part: str, xml: bytes) -> bytes:
    """A small valid workbook (one row) whose ``part`` is replaced by ``xml``."""
    import openpyxl

    book = openpyxl.Workbook()
    book.active.append(["Recommandation", "Défis", "Perspectives"])
    book.active.append(["R", "D", "P"])
    buffer = io.BytesIO()
    book.save(buffer)
    source = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            target.writestr(item, xml if item.filename == part else source.read(item))
    return out.getvalue()


def test_a_workbook_of_a_million_style_elements_is_refused_before_reading() -> None:
    """700 000 cell formats in styles.xml cost openpyxl 12 s and 1.2 GB."""
    import secrets

    from ccm_widgets.files.tables import read_table

    main = b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    formats = b"".join(  # each its own, as a workbook's are: nothing a zip-bomb check sees
        b"<xf numFmtId='0' xfId='" + secrets.token_hex(6).encode() + b"'/>" for _ in range(160_000)
    )
    styles = b"<styleSheet " + main + b"><cellXfs>" + formats + b"</cellXfs></styleSheet>"
    with pytest.raises(ImportProblem, match="éléments"):
        read_table("styles.xlsx", _workbook_with("xl/styles.xml", styles))


def test_a_sheet_full_of_unknown_elements_is_refused_before_reading() -> None:
    """openpyxl keeps the elements it does not know: 2 million of them cost 800 MB."""
    import secrets

    from ccm_widgets.files.tables import read_table

    main = b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    sheet = (
        b"<worksheet " + main + b' xmlns:x="urn:autre"><sheetData><row r="1"><c r="A1"'
        b' t="inlineStr"><is><t>R</t></is></c></row></sheetData><extLst>'
        + b"".join(b"<x:a v='" + secrets.token_hex(6).encode() + b"'/>" for _ in range(30_000))
        + b"</extLst></worksheet>"
    )  # fmt: skip
    with pytest.raises(ImportProblem, match="éléments"):
        read_table("etrange.xlsx", _workbook_with("xl/worksheets/sheet1.xml", sheet))
