"""Préparation, présence, revue, communications et débats, déroulé: driven from Python."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from ccm_widgets.domain.model import AgendaItem, ReviewStatus
from ccm_widgets.pages import (
    attendance_page,
    debates_page,
    home_page,
    preparation_page,
    review_page,
)
from ccm_widgets.store import Store
from ccm_widgets.widgets.facilitator.guide import (
    MeetingGuide,
    agenda_html,
    clock_minutes,
    planned_minutes,
)


def key(store: Store) -> dict[str, str]:
    return {"cle": store.groups.facilitator_key()}


def test_pages_need_the_facilitator_key(demo_store: Store) -> None:
    for page in (preparation_page, attendance_page, review_page, debates_page):
        refused = page(store=demo_store, params={"cle": demo_store.groups.key("protection")})
        assert "clé" in refused.value.lower()


def test_preparation_edits_header_agenda_groups_and_offers_the_meeting_file(
    demo_store: Store,
) -> None:
    panel = preparation_page(store=demo_store, params=key(demo_store)).children[1]
    form = panel.form
    form.inputs["venue"].value = "Hôtel de ville"
    form.inputs["objectives"].value = "premier objectif\n\n second objectif "
    assert form.save()
    meeting = demo_store.meetings.get()
    assert meeting.venue == "Hôtel de ville"
    assert meeting.objectives == ("premier objectif", "second objectif")
    form.inputs["date"].value = "26/11/2026"
    assert not form.save()
    assert "Date invalide" in form.status.message
    assert demo_store.meetings.get().date == meeting.date  # nothing written

    agenda = panel.agenda
    agenda.inputs["item"].value = "Pause-café"
    agenda.inputs["time"].value = "11h00"
    item_id = agenda.save()
    assert demo_store.meetings.agenda()[-1].item == "Pause-café"
    agenda.picker.value = item_id
    agenda.move(-1)
    assert demo_store.meetings.agenda()[-2].item == "Pause-café"
    agenda.inputs["presenter"].value = "Protocole"
    agenda.save()
    assert demo_store.meetings.agenda()[-2].presenter == "Protocole"

    groups = panel.groups
    groups.picker.value = "protection"
    groups.moderator.value = "Mme Nouvelle"
    assert groups.save()
    assert demo_store.groups.get("protection").moderator == "Mme Nouvelle"
    groups.name.value = "Santé des migrants"
    assert groups.add()
    assert "sante-des-migrants" in demo_store.groups.synthesis_order()
    assert "Santé des migrants" in [label for label, _ in panel.order.choice.options]
    text = panel.offer_toml()
    assert 'venue = "Hôtel de ville"' in text
    assert "data:application/toml;base64," in panel.toml_link.value


def test_attendance_form_upload_defects_and_chart(demo_store: Store) -> None:
    panel = attendance_page(store=demo_store, params=key(demo_store)).children[1]
    before = len(demo_store.items.participants())
    form = panel.form
    form.inputs["name"].value = "MOUSSA <b>Ali</b>"
    form.inputs["institution"].value = "Mairie de Tahoua"
    form.inputs["email"].value = "ali.exemple.org"
    assert ("Protection", "protection") in form.inputs["grp"].options  # shown by name
    form.inputs["grp"].value = "protection"
    form.save_button.click()
    people = demo_store.items.participants()
    assert len(people) == before + 1
    assert people[-1].group == "protection"  # stored by slug
    assert "<td>Protection</td>" in panel.table.value
    assert "MOUSSA &lt;b&gt;Ali&lt;/b&gt;" in panel.table.value
    assert "e-mail sans « @ »" in panel.table.value
    assert "Mairie de Tahoua" in panel.chart.value
    sheet = "N°;Nom & Prénoms;Structure;Tél;Courriel\n1;ISSA Mariama;Mairie de Tahoua;;m@x.ne\n"
    assert panel.import_file("presence.csv", sheet.encode("cp1252"), mode="append") == 1
    assert "sans téléphone" in panel.status.message or "1 participant" in panel.status.message
    assert panel.import_file("rien.csv", b"pas;un;tableau\n", mode="append") == 0
    assert panel.status.level == "error"
    assert len(demo_store.items.participants()) == before + 2


def test_review_typed_imported_carried_over_and_charted(demo_store: Store, tmp_path: Path) -> None:
    panel = review_page(store=demo_store, params=key(demo_store)).children[1]
    editor = panel.editor
    first = editor.items[0]
    assert first["section"] == "general"  # general first, as in the report
    editor.picker.value = first["id"]
    editor.inputs["state"].value = "Deux sessions tenues\n- Agadez\n- Tahoua"
    assert ("en cours", "ongoing") in editor.inputs["status"].options  # its text, its code
    editor.inputs["status"].value = "ongoing"
    editor.save_button.click()
    row = next(r for r in demo_store.items.review_rows() if r.id == first["id"])
    assert (row.status, row.state.splitlines()[1]) == (ReviewStatus.ONGOING, "- Agadez")
    assert "en cours 1" in panel.chart.value
    assert editor.picker.options[0][0].startswith("1. Général · [en cours] ")
    table = "Recommandation;État de mise en œuvre\nGroupe thématique : Protection;\nR1;Fait\n"
    assert panel.import_file("revue.csv", table.encode("utf-8"))
    assert demo_store.items.review_rows()[-1].recommendation == "R1"
    export = "Section,Groupe,Recommandation,Défis,Perspectives\nGénéral,,Ancienne,,\n"
    before = len(demo_store.items.review_rows())
    assert panel.import_file("synthese.csv", export.encode("utf-8-sig"), carry=True)
    assert len(demo_store.items.review_rows()) == before + 1
    assert not panel.import_file("x.csv", b"\x00\x01", carry=True)


def test_debates_typed_live_and_reordered(demo_store: Store) -> None:
    panel = debates_page(store=demo_store, params=key(demo_store)).children[1]
    comms = panel.communications
    comms.inputs["title"].value = "Nouvelle communication"
    comms.inputs["summary"].value = "Résumé {{ pas un gabarit }}"
    new_id = comms.save()
    assert demo_store.items.communications()[-1].summary == "Résumé {{ pas un gabarit }}"
    comms.picker.value = new_id
    comms.move(-5)
    assert demo_store.items.communications()[0].title == "Nouvelle communication"
    points = panel.points
    points.inputs["text"].value = "Un point"
    points.save()
    points.picker.value = points.items[-1]["id"]
    points.delete_button.click()
    assert "Un point" not in [p.text for p in demo_store.items.debate_points()]


def test_guide_walks_the_phases_and_times_the_agenda(demo_store: Store) -> None:
    page = home_page(store=demo_store, params=key(demo_store))
    page.children[1].stop()
    guide = page.children[1].guide
    assert "class='current" in guide.steps.value
    assert "data-phase='preparation'" in guide.steps.value
    guide.next_phase()
    assert demo_store.session.progress()[0] == "attendance"
    guide.move_item(+1)
    phase, item, started = demo_store.session.progress()
    assert (phase, item) == ("attendance", 0)
    assert started
    assert demo_store.meetings.agenda()[0].item in guide.agenda_view.value
    later = dt.datetime.fromisoformat(started) + dt.timedelta(minutes=42)
    guide.refresh(now=later)
    assert "il y a 42 min" in guide.agenda_view.value


def test_agenda_clock_arithmetic() -> None:
    assert clock_minutes("10h15") == 615
    assert clock_minutes("9:05") == 545
    assert clock_minutes("10h") == 600
    assert clock_minutes("midi") is None
    agenda = [AgendaItem("A", time="09h30"), AgendaItem("B", time="10h00"), AgendaItem("C")]
    assert planned_minutes(agenda, 0) == 30
    assert planned_minutes(agenda, 1) is None
    now = dt.datetime(2026, 1, 1, 10, 0, tzinfo=dt.UTC)
    started = (now - dt.timedelta(minutes=31)).isoformat()
    shown = agenda_html(agenda, 0, started, now)
    assert "(30 min)" in shown
    assert "color:#b3261e" in shown  # over time


def test_picking_an_item_shows_its_own_choice_not_the_previous_one(demo_store: Store) -> None:
    panel = attendance_page(store=demo_store, params=key(demo_store)).children[1]
    form = panel.form
    with_group = demo_store.items.add("participants", {"name": "A", "grp": "protection"}, actor="a")
    without = demo_store.items.add("participants", {"name": "B", "grp": ""}, actor="a")
    form.refresh()
    form.picker.value = with_group
    assert form.inputs["grp"].value == "protection"
    form.picker.value = without
    assert form.inputs["grp"].value == ""
    form.inputs["name"].value = "B bis"
    form.save()
    assert demo_store.items.participants()[-1].group == ""


def test_a_renamed_group_keeps_its_participants(demo_store: Store) -> None:
    panel = attendance_page(store=demo_store, params=key(demo_store)).children[1]
    person = demo_store.items.add("participants", {"name": "A", "grp": "protection"}, actor="a")
    demo_store.groups.update(
        "protection", name="Protection des migrants", moderator="", institution="", actor="a"
    )
    panel.refresh()
    assert next(p for p in demo_store.items.participants() if p.id == person).group == (
        "protection"
    )
    assert "<td>Protection des migrants</td>" in panel.table.value
    panel.form.picker.value = person
    assert panel.form.inputs["grp"].value == "protection"
    assert ("Protection des migrants", "protection") in panel.form.inputs["grp"].options


def test_a_sheet_names_groups_by_name_and_the_list_keeps_their_slugs(demo_store: Store) -> None:
    panel = attendance_page(store=demo_store, params=key(demo_store)).children[1]
    sheet = "Nom;Institution;Groupe\nA;X;protection\nB;Y;MIGRATION IRRÉGULIÈRE\nC;Z;Santé\n"
    assert panel.import_file("presence.csv", sheet.encode(), mode="append") == 3
    groups = [p.group for p in demo_store.items.participants()[-3:]]
    assert groups == ["protection", "migration-irreguliere", "Santé"]  # unknown: kept as written
    assert "<td>Migration irrégulière</td>" in panel.table.value
    assert "<td>Santé</td>" in panel.table.value


def test_carry_over_of_an_uploaded_store_and_of_a_file_that_is_not_one(
    demo_store: Store, tmp_path: Path
) -> None:
    from ccm_widgets.files.loading import load_demo

    previous = tmp_path / "precedente.sqlite"
    with Store(previous) as old:
        load_demo(old)
        count = len(old.grid.rows())
    panel = review_page(store=demo_store, params=key(demo_store)).children[1]
    before = len(demo_store.items.review_rows())
    assert panel.carry_over("precedente.sqlite", previous.read_bytes())
    assert panel.status.level == "ok"
    assert len(demo_store.items.review_rows()) == before + count
    assert not panel.carry_over("faux.sqlite", b"SQLite format 3\x00 mais non")
    assert panel.status.level == "error"
    assert panel.status.message.startswith("faux.sqlite : ")
    assert "stockage .sqlite" in panel.status.message
    assert len(demo_store.items.review_rows()) == before + count


def test_the_guide_is_told_about_exports_and_reads_no_folder(
    demo_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def exported() -> bool:
        return True

    guide = MeetingGuide(store=demo_store, links={}, exports_made=exported, watch=False, tick=False)
    assert "<li class='done' data-phase='export'>" in guide.steps.value
    folder = tmp_path / "exports-ici"
    folder.mkdir()
    monkeypatch.setenv("CCM_EXPORTS", str(folder))
    page = home_page(store=demo_store, params=key(demo_store))
    page.children[1].stop()
    home = page.children[1].guide
    assert "<li class='' data-phase='export'>" in home.steps.value
    (folder / "2026-11-26_rapport_101500.html").write_text("<p>rapport</p>", encoding="utf-8")
    home.refresh()
    assert "<li class='done' data-phase='export'>" in home.steps.value


def test_a_failed_phase_change_is_shown(demo_store: Store) -> None:
    guide = MeetingGuide(store=demo_store, links={}, watch=False, tick=False)
    demo_store.close()
    assert not guide.set_phase("attendance")
    assert guide.status.level == "error"
    assert guide.status.message
