"""Frictions a facilitator met running a whole meeting, driven from Python: a group form that
renamed when it was meant to add, one click that locked every group mid-sentence, a home
page with two "next" buttons and states such as "en cours · fait", a store path on the
first page, an export that did not say where its file went, and form controls without a
name for a screen reader."""

from __future__ import annotations

import datetime as dt
import html
import logging
import re
import time
from pathlib import Path

import ipywidgets as w
import pytest

from ccm_widgets.domain.model import GENERAL
from ccm_widgets.pages import preparation_page
from ccm_widgets.store import FACILITATOR, Access, AccessError, Store
from ccm_widgets.web.service import breakout_state
from ccm_widgets.widgets.facilitator.guide import PHASES, MeetingGuide
from ccm_widgets.widgets.facilitator.new_meeting import NewMeetingPanel
from ccm_widgets.widgets.plenary.breakout_control import BreakoutControl
from ccm_widgets.widgets.plenary.export_panel import ExportPanel
from ccm_widgets.widgets.preparation.preparation import GroupsEditor


def key(store: Store) -> dict[str, str]:
    return {"cle": store.groups.facilitator_key()}


def shown(widget: w.Widget) -> bool:
    return getattr(widget.layout, "display", None) != "none"


def buttons(root: w.Widget) -> list[w.Button]:
    """The buttons a user can see and press under ``root`` (hidden boxes left out)."""
    if not shown(root):
        return []
    if isinstance(root, w.Button):
        return [] if root.disabled else [root]
    found: list[w.Button] = []
    for child in getattr(root, "children", ()):
        found += buttons(child)
    return found


def primary(root: w.Widget) -> w.Button:
    """The one blue button a user presses to go on."""
    blue = [b for b in buttons(root) if b.button_style == "primary"]
    assert len(blue) == 1, [b.description for b in blue]
    return blue[0]


def pressed(root: w.Widget, label: str) -> None:
    (button,) = [b for b in buttons(root) if b.description == label]
    button.click()


def bound(store: Store, role: str) -> Store:
    """Another connection to the same store, bound as a group's page binds it."""
    tab = Store(store.location)
    given = store.groups.facilitator_key() if role == FACILITATOR else store.groups.key(role)
    tab.session.bind_access(Access(role, given))
    return tab


def in_seconds(seconds: float) -> str:
    moment = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=seconds)
    return moment.isoformat(timespec="milliseconds")


# -- 1. Préparation: adding a group, then another ---------------------------------------------


def test_a_second_name_typed_after_adding_a_group_adds_a_second_group(demo_store: Store) -> None:
    panel = preparation_page(store=demo_store, params=key(demo_store)).children[1]
    groups: GroupsEditor = panel.groups
    before = [g.name for g in demo_store.groups.all()]
    groups.name.value = "Santé des migrants"
    groups.moderator.value = "Dr Y"
    pressed(groups, "Ajouter comme nouveau groupe")
    assert "Santé des migrants" in groups.status.message
    # the form is back to "new group", empty, ready for the next name
    assert (groups.name.value, groups.moderator.value, groups.institution.value) == ("", "", "")
    groups.name.value = "Éducation"
    primary(groups).click()
    assert [g.name for g in demo_store.groups.all()] == [
        *before, "Santé des migrants", "Éducation"
    ]  # fmt: skip
    assert demo_store.groups.get("sante-des-migrants").moderator == "Dr Y"


def test_the_group_forms_primary_button_says_whether_it_adds_or_renames(demo_store: Store) -> None:
    groups = GroupsEditor(store=demo_store)
    assert groups.picker.value is None  # opened on an empty form: nothing renamed by mistake
    assert primary(groups).description == "Ajouter comme nouveau groupe"
    assert "nouveau groupe" in groups.mode.value.lower()
    groups.picker.value = "protection"
    assert groups.name.value == "Protection"
    rename = primary(groups)
    assert "Protection" in rename.description
    assert rename.description != "Enregistrer"
    groups.name.value = "Protection et assistance"
    rename.click()
    assert demo_store.groups.get("protection").name == "Protection et assistance"
    assert "Protection et assistance" in primary(groups).description  # its new name
    add = next(b for b in buttons(groups) if b.description == "Ajouter comme nouveau groupe")
    assert add.button_style != "primary"  # one blue button at a time
    pressed(groups, "Nouveau groupe")
    assert groups.picker.value is None
    assert groups.name.value == ""
    assert primary(groups).description == "Ajouter comme nouveau groupe"
    assert all("Protection" not in b.description for b in buttons(groups))


# -- 2. Closing the breakout ----------------------------------------------------------------


def test_a_group_write_before_the_closing_time_is_kept_and_after_it_refused(
    any_store: Store,
) -> None:
    from ccm_widgets.files.loading import DEMO_DIR, load_demo

    store = any_store
    load_demo(store, DEMO_DIR)
    row = store.grid.rows("protection")[0]
    group, plenary = bound(store, "protection"), bound(store, FACILITATOR)
    try:
        plenary.session.close_breakout_at(in_seconds(1.5), actor="animateur")
        assert store.session.breakout()[0]  # still open until then
        assert store.session.breakout_closing()
        group.grid.update_cell(row.id, "challenges", "Juste avant", seen=row.challenges,
                               actor="groupe:protection")  # fmt: skip
        time.sleep(1.6)
        assert not store.session.breakout()[0]  # closed by the clock, nothing written
        with pytest.raises(AccessError, match="clos"):
            group.grid.update_cell(row.id, "challenges", "Juste après", seen="Juste avant",
                                   actor="groupe:protection")  # fmt: skip
        with pytest.raises(AccessError, match="clos"):
            group.grid.add("protection", [("Trop tard", "", "")], actor="groupe:protection")
        plenary.grid.update_cell(row.id, "perspectives", "La plénière", seen=row.perspectives,
                                 actor="animateur")  # fmt: skip
        assert store.grid.row(row.id).cells()[1:] == ("Juste avant", "La plénière")
        plenary.session.set_breakout(open=True, actor="animateur")  # "Rouvrir"
        assert store.session.breakout()[0]
        assert store.session.breakout_closing() == ""
        group.grid.update_cell(row.id, "challenges", "Rouvert", seen="Juste avant",
                               actor="groupe:protection")  # fmt: skip
    finally:
        group.close()
        plenary.close()


def test_a_group_page_is_told_of_the_closing_and_then_closed(demo_store: Store) -> None:
    store = demo_store
    protection = Access("protection", store.groups.key("protection"))
    facilitator = Access(FACILITATOR, store.groups.facilitator_key())
    store.session.close_breakout_at(in_seconds(1.0), actor="animateur")
    state = breakout_state(store, protection, "protection")
    assert state["open"]
    assert state["writable"]
    assert state["closing"] == store.session.breakout_closing()
    assert "{seconds}" in state["closing_text"]  # the page counts down itself
    assert state["writable_closed"] is False
    assert breakout_state(store, facilitator, "protection")["writable_closed"] is True
    assert breakout_state(store, protection, GENERAL)["writable_closed"] is True
    time.sleep(1.1)
    state = breakout_state(store, protection, "protection")
    assert (state["open"], state["writable"], state["closing"]) == (False, False, "")


def test_closing_asks_first_and_says_who_saved_in_the_last_minute(demo_store: Store) -> None:
    store = demo_store
    row = store.grid.rows("protection")[0]
    tab = bound(store, "protection")
    tab.grid.update_cell(row.id, "challenges", "En train d'écrire", seen=row.challenges,
                         actor="groupe:protection")  # fmt: skip
    tab.close()
    control = BreakoutControl(store=store, tick=False)
    assert not shown(control.confirm_box)
    control.close_button.click()
    assert store.session.breakout() == (True, "")  # asked, nothing closed
    assert shown(control.confirm_box)
    question = html.unescape(control.confirm_text.value)
    assert "1 groupe" in question
    assert "Protection" in question
    assert "Économie alternative" not in question
    labels = [b.description for b in buttons(control.confirm_box)]
    assert labels == ["Clore maintenant", "Clore dans une minute", "Annuler"]

    pressed(control.confirm_box, "Annuler")
    assert not shown(control.confirm_box)
    assert store.session.breakout()[0]
    assert store.session.breakout_closing() == ""

    control.close_button.click()
    before = dt.datetime.now(dt.UTC)
    pressed(control.confirm_box, "Clore dans une minute")
    closing = dt.datetime.fromisoformat(store.session.breakout_closing())
    assert 55 <= (closing - before).total_seconds() <= 65
    assert store.session.breakout()[0]  # the groups finish their sentence
    assert "Clôture dans" in control.timer.value
    assert not shown(control.confirm_box)
    control.timer.render(now=closing + dt.timedelta(seconds=1))
    assert "Travaux de groupes clos" in control.timer.value

    control.close_button.click()
    pressed(control.confirm_box, "Clore maintenant")
    assert not store.session.breakout()[0]
    assert "lecture seule" in control.status.message
    pressed(control, "Rouvrir")
    assert store.session.breakout()[0]
    assert store.session.breakout_closing() == ""


def test_no_group_saving_is_said_too(demo_store: Store) -> None:
    control = BreakoutControl(store=demo_store, tick=False)
    control.close_button.click()
    assert "Aucun groupe" in html.unescape(control.confirm_text.value)


# -- 3. The home page's words and controls --------------------------------------------------


STATES = {"fait", "à faire", "en cours", "en cours (prête)"}


def states(guide: MeetingGuide) -> dict[str, str]:
    found = re.findall(
        r"data-phase='(\w+)'>.*?<span class='state'>([^<]*)</span>", guide.steps.value
    )
    return {phase: html.unescape(state) for phase, state in found}


def test_each_phase_reads_one_clear_state(demo_store: Store) -> None:
    guide = MeetingGuide(store=demo_store, links={}, watch=False, tick=False)
    shown_states = states(guide)
    assert list(shown_states) == [p.key for p in PHASES]
    assert set(shown_states.values()) <= STATES, shown_states
    assert shown_states["preparation"] == "en cours (prête)"  # current, its work done
    assert shown_states["attendance"] == "fait"
    assert shown_states["opening"] == "à faire"
    guide.set_phase("opening")
    assert states(guide)["opening"] == "en cours"
    assert states(guide)["preparation"] == "fait"


def test_the_agenda_and_the_phases_have_their_own_controls(demo_store: Store) -> None:
    guide = MeetingGuide(store=demo_store, links={}, watch=False, tick=False)
    agenda, phases = guide.agenda_box, guide.phases_box
    assert guide.next_item_button in buttons(agenda)
    assert guide.previous_item_button not in buttons(phases)
    assert guide.next_phase_button in buttons(phases)
    assert guide.next_item_button not in buttons(phases)
    assert "ordre du jour" in guide.next_item_button.description.lower()
    assert "Liste de présence" in guide.next_phase_button.description  # where it goes
    assert "suivant" not in guide.next_phase_button.description.lower()
    guide.next_phase()
    assert "Ouverture" in guide.next_phase_button.description
    headings = [c.value for c in agenda.children + phases.children if isinstance(c, w.HTML)]
    assert any("Ordre du jour" in h for h in headings)
    assert any("Étapes" in h for h in headings)


def test_the_first_page_keeps_the_store_path_in_technical_details(store: Store) -> None:
    panel = NewMeetingPanel(store=store)
    intro = panel.children[0].value
    assert store.where not in intro
    assert "stockage" not in intro.lower()
    details = panel.details.value
    assert "<details" in details
    assert "Détails techniques" in details
    assert html.escape(store.where) in details


# -- 4. The export says where its file is ---------------------------------------------------


def test_the_export_says_the_full_path_of_its_file_and_offers_it(
    demo_store: Store, tmp_path: Path
) -> None:
    panel = ExportPanel(store=demo_store, directory=tmp_path / "exports")
    panel.format.value = "csv"
    made = panel.export()
    assert made is not None
    assert made.is_absolute()
    said = html.unescape(panel.link.value) + " " + panel.status.message
    assert str(made) in said
    assert "exports/." not in said
    assert f'download="{made.name}"' in panel.link.value


# -- 5. The terminal: no warning a facilitator cannot act on --------------------------------


def test_the_voila_and_kernel_warnings_are_silenced_and_nothing_else(
    caplog: pytest.LogCaptureFixture,
) -> None:
    from ccm_widgets.server.serve import silence_noise

    voila, kernel = logging.getLogger("Voila-test"), logging.getLogger("IPKernelApp-test")
    silence_noise(voila, kernel)
    with caplog.at_level(logging.WARNING):
        voila.warning("Notebook %s is not trusted", "animateur.ipynb")
        kernel.warning(
            "Kernel is running over TCP without encryption."
            " All communication (including code and outputs) is sent in plain text"
        )
        voila.warning("Kernel %s died", "abc")
    assert [r.getMessage() for r in caplog.records] == ["Kernel abc died"]


# -- 6. Every control has a name ------------------------------------------------------------


def test_a_labelled_control_carries_its_label(demo_store: Store) -> None:
    from ccm_widgets.widgets.common.labels import labelled

    text = w.Text()
    box = labelled("Nom du groupe", text)
    assert text.description == "Nom du groupe"
    assert text in box.children
    groups = GroupsEditor(store=demo_store)
    assert groups.name.description == "Nom du groupe"
    assert groups.picker.description
