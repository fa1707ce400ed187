"""Each workbook, run in a real kernel, shows its widgets (not a refusal) for the right URL."""

from __future__ import annotations

import os
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from ccm_widgets.files.loading import load_demo
from ccm_widgets.store import Store
from tests.conftest import REPO

WIDGET = "application/vnd.jupyter.widget-view+json"


PROBE = (
    'print(type(_).__name__, *[type(c).__name__ for c in getattr(_, "children", ())],'
    ' "REFUS" if "role=\'alert\'" in getattr(_, "value", "") else "")'
)


def run_workbook(name: str, query: str, store_path: Path) -> list[dict[str, object]]:
    """Run a workbook as Voilà would, then print what its last cell displayed."""
    nb = nbformat.read(REPO / "workbooks" / name, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(PROBE))
    env = {**os.environ, "CCM_STORE": str(store_path), "QUERY_STRING": query}
    client = NotebookClient(
        nb, timeout=60, kernel_name="python3", resources={"metadata": {"path": str(REPO)}}
    )
    client.km = client.create_kernel_manager()
    client.start_new_kernel(env=env)
    try:
        client.start_new_kernel_client()
        for index, cell in enumerate(nb.cells):
            client.execute_cell(cell, index)
    finally:
        client._cleanup_kernel()
    return [o for c in nb.cells for o in c.get("outputs", [])]


@pytest.fixture(scope="module")
def demo_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("wb") / "ccm.sqlite"
    with Store(path) as store:
        load_demo(store)
    return path


def shown(outputs: list[dict[str, object]]) -> str:
    return "".join(str(o.get("text", "")) for o in outputs if o.get("name") == "stdout")


@pytest.mark.parametrize(
    ("name", "group", "expected"),
    [
        ("pleniere.ipynb", "", "VBox HTML BreakoutControl PlenaryBoard ExportPanel"),
        ("animateur.ipynb", "", "VBox HTML HomePage"),
        ("preparation.ipynb", "", "VBox HTML PreparationPanel"),
        ("presence.ipynb", "", "VBox HTML AttendancePanel"),
        ("revue.ipynb", "", "VBox HTML ReviewPanel"),
        ("debats.ipynb", "", "VBox HTML DebatesPanel"),
    ],
)
def test_workbook_shows_its_component_for_the_right_key(
    name: str, group: str, expected: str, demo_path: Path
) -> None:
    with Store(demo_path) as store:
        key = store.groups.key(group) if group else store.groups.facilitator_key()
    outputs = run_workbook(name, f"groupe={group}&cle={key}", demo_path)
    assert not [o for o in outputs if o.get("output_type") == "error"]
    assert any(WIDGET in o.get("data", {}) for o in outputs)  # type: ignore[operator]
    assert shown(outputs).split() == expected.split()


@pytest.mark.parametrize("key", ["faux", "group"])
def test_a_workbook_refuses_any_key_but_the_facilitators(demo_path: Path, key: str) -> None:
    """A group's key, on the wall as a QR code, opens no workbook (nor its kernel's page)."""
    with Store(demo_path) as store:
        given = store.groups.key("protection") if key == "group" else key
    outputs = run_workbook("pleniere.ipynb", f"cle={given}", demo_path)
    assert shown(outputs).split() == ["HTML", "REFUS"]  # the French refusal, no plenary
