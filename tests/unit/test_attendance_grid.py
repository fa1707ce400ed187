"""The attendance list corrected in place in an editable grid (ipydatagrid): a cell typed
over is saved, the page follows, the sheet's N° and the page's findings are not written, an
echo writes nothing, a cell changed meanwhile elsewhere is not overwritten."""

from __future__ import annotations

import pytest

from ccm_widgets.store import Store
from ccm_widgets.widgets.facilitator.attendance import AttendancePanel
from ccm_widgets.widgets.facilitator.attendance_grid import COLUMNS

COLUMN = {field: n for n, (field, _) in enumerate(COLUMNS)}


@pytest.fixture
def panel(demo_store: Store) -> AttendancePanel:
    return AttendancePanel(store=demo_store)


def test_the_grid_shows_every_person_and_what_is_wrong(
    panel: AttendancePanel, demo_store: Store
) -> None:
    people = demo_store.items.participants()
    shown = panel.grid.grid.data
    assert list(shown.columns) == [
        "N°", "Nom & Prénoms", "Institution", "Numéro de téléphone", "E-mail", "Anomalies"
    ]  # fmt: skip
    assert list(shown["Nom & Prénoms"]) == [p.name for p in people]
    assert "key" not in shown.columns
    assert shown.isna().sum().sum() == 0  # no NaN shown for an empty cell
    missing = [n for n, p in enumerate(people) if not p.phone]
    assert missing, "the demo's sheet has a row without a phone"
    assert shown["Anomalies"][missing[0]].startswith("sans téléphone")  # its N° is beside


def test_a_cell_corrected_in_the_grid_is_saved_and_the_page_follows(
    panel: AttendancePanel, demo_store: Store
) -> None:
    person = next(p for p in demo_store.items.participants() if not p.phone)
    row = demo_store.items.participants().index(person)
    before = panel.summary.value
    assert panel.grid.save(row, COLUMN["phone"], "+227 90 12 34 56")
    stored = next(p for p in demo_store.items.participants() if p.id == person.id)
    assert stored.phone == "+227 90 12 34 56"
    assert panel.summary.value != before  # one phone fewer missing
    assert "Correction enregistrée" in panel.grid.status.message
    assert panel.grid.grid.data["Numéro de téléphone"][row] == "+227 90 12 34 56"


def test_an_echo_and_the_read_only_columns_write_nothing(
    panel: AttendancePanel, demo_store: Store
) -> None:
    person = demo_store.items.participants()[0]
    counter = demo_store.session.change_counter()
    assert not panel.grid.save(0, COLUMN["name"], person.name)  # what the grid was given
    assert not panel.grid.save(0, COLUMN["number"], "99")
    assert "N°" in panel.grid.status.message
    assert not panel.grid.save(0, COLUMN["defects"], "rien")
    assert demo_store.session.change_counter() == counter


def test_a_cell_changed_meanwhile_elsewhere_is_not_overwritten(
    panel: AttendancePanel, demo_store: Store
) -> None:
    person = demo_store.items.participants()[0]
    with Store(demo_store.location) as other:
        other.items.update("participants", person.id, {"email": "autre@exemple.ne"}, actor="x")
    assert not panel.grid.save(0, COLUMN["email"], "moi@exemple.ne")
    stored = next(p for p in demo_store.items.participants() if p.id == person.id)
    assert stored.email == "autre@exemple.ne"
    assert "autre@exemple.ne" in panel.grid.status.message
    assert panel.grid.grid.data["E-mail"][0] == "autre@exemple.ne"  # the grid shows it now
