"""An export shows one moment of the meeting: what it reads of the store, it reads in one
read transaction, so that what the plenary or a group writes meanwhile (another tab: another
connection) is either wholly in the export or wholly out of it."""

from __future__ import annotations

import functools
import io
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from ccm_widgets.files.exporting import export_download, report_data
from ccm_widgets.report.blocks import Table
from ccm_widgets.report.document import build_document
from ccm_widgets.store import Store

#: Repository readers an export calls; patched, each lets another connection write after it.
READERS = (
    ("meetings", "get"),
    ("meetings", "agenda"),
    ("groups", "all"),
    ("groups", "synthesis_order"),
    ("grid", "rows"),
    ("items", "review_rows"),
    ("items", "communications"),
    ("items", "debate_points"),
    ("items", "participants"),
)


@pytest.fixture
def busy_store(demo_store: Store, monkeypatch: pytest.MonkeyPatch) -> Iterator[Store]:
    """The demo meeting, where the plenary, on a connection of its own, adopts one more row
    of the synthesis each time the export has read one more part of the store."""
    waiting = [row for _, row in report_data(demo_store).synthesis.rows()]
    other = Store(demo_store.location)

    def writing(read: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(read)
        def read_then_adopt(*args: Any, **kwargs: Any) -> Any:
            found = read(*args, **kwargs)
            if waiting:
                other.plenary.decide(waiting.pop(0).id, "adopted", actor="plénière")
            return found

        return read_then_adopt

    for repository, method in READERS:
        owner = getattr(demo_store, repository)
        monkeypatch.setattr(owner, method, writing(getattr(owner, method)))
    yield demo_store
    other.close()


def test_the_synthesis_and_the_ledger_of_a_report_show_one_moment(busy_store: Store) -> None:
    document = build_document(report_data(busy_store))
    assert len(busy_store.plenary.ledger()) >= 5  # the plenary did adopt during the export
    tables = {b.kind: b for b in document.blocks() if isinstance(b, Table)}
    adopted = [row for row in tables["synthesis"].rows() if row[-1] == "Adoptée"]
    ledger = list(tables["ledger"].rows()) if "ledger" in tables else []
    assert len(adopted) == len(ledger)
    assert {row[0] for row in adopted} == {row[2] for row in ledger}


def test_a_download_counts_the_undecided_rows_of_the_file_it_gives(
    busy_store: Store, tmp_path: Path
) -> None:
    import openpyxl

    download = export_download(busy_store, "xlsx", "synthesis", directory=tmp_path)
    sheet = openpyxl.load_workbook(io.BytesIO(download.data)).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert len(busy_store.plenary.ledger()) >= 2
    pending = sum(1 for line in values[1:] if line[-1] == "En attente")
    assert download.undecided == pending
