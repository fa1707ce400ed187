"""Limits on what an import may bring: rows per file or paste, an XLSX's unpacked size, the
size of a file a page may upload. Each attack of issue 13 is refused clearly, quickly, with
bounded memory, and writes nothing."""

from __future__ import annotations

import datetime as dt
import io
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
