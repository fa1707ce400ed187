"""Path traversal through the import and export paths: a file's name is never a path, an
export goes into the exports folder under a name the kit makes.

Uploads from a page arrive as a name and bytes; the name is shown, never used to write. The
export's format and part come from fixed lists; its name from the meeting's date.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest
import traitlets

from ccm_widgets.files.exporting import export_meeting
from ccm_widgets.store import Access, Store
from ccm_widgets.web.service import GridService
from ccm_widgets.widgets.plenary.export_panel import ExportPanel

HOSTILE_NAMES = [
    "../../../../tmp/ccm-evil.csv",
    "/tmp/ccm-evil.csv",
    "..\\..\\ccm-evil.csv",
    "%2e%2e%2fccm-evil.csv",
    "groupe.ipynb",
]


def every_file(root: Path) -> set[Path]:
    return {Path(d) / f for d, _, files in os.walk(root) for f in files}


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_an_uploaded_grid_is_read_never_written_under_its_name(
    demo_store: Store, tmp_path: Path, name: str
) -> None:
    service = GridService(demo_store.location)
    access = Access("protection", demo_store.groups.key("protection"))
    before = every_file(tmp_path)
    rows = len(demo_store.grid.rows("protection"))
    content = "Recommandation;Défis;Perspectives\nUne ligne importée;;\n".encode()
    asyncio.run(service.import_file(access, "protection", name, content))
    service.close()
    assert len(demo_store.grid.rows("protection")) == rows + 1
    assert every_file(tmp_path) - before <= {p for p in every_file(tmp_path) if "sqlite" in p.name}
    assert not Path("/tmp/ccm-evil.csv").exists()
    assert not (tmp_path.parent / "ccm-evil.csv").exists()


@pytest.mark.parametrize("part", ["../../evil", "/tmp/evil", "synthesis/../../evil"])
def test_an_export_part_is_one_of_the_known_parts(
    demo_store: Store, tmp_path: Path, part: str
) -> None:
    with pytest.raises(ValueError, match="partie inconnue"):
        export_meeting(demo_store, "html", part, directory=tmp_path / "exports")
    assert not (tmp_path / "exports").exists() or every_file(tmp_path / "exports") == set()


@pytest.mark.parametrize("fmt", ["../html", "html/../../x", "/etc/passwd"])
def test_an_export_format_is_one_of_the_known_formats(
    demo_store: Store, tmp_path: Path, fmt: str
) -> None:
    with pytest.raises(ValueError, match="format inconnu"):
        export_meeting(demo_store, fmt, directory=tmp_path / "exports")


def test_exports_from_the_page_land_in_the_exports_folder_only(
    demo_store: Store, tmp_path: Path
) -> None:
    folder = tmp_path / "exports"
    panel = ExportPanel(store=demo_store, directory=folder)
    for bad in ("../../x", "/tmp/x"):
        with pytest.raises(traitlets.TraitError):
            panel.part.value = bad
    written = panel.export()
    assert written is not None
    assert written.parent == folder
    assert {p for p in every_file(tmp_path) if "sqlite" not in p.name} == {written}
