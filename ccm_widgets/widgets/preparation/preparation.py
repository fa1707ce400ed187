"""Préparation: the meeting's header, objectives, agenda, groups and synthesis order, and the
meeting file (TOML) to keep, version or load elsewhere with ``ccm init``."""

from __future__ import annotations

import dataclasses
import datetime as dt
import html
from collections.abc import Callable

import ipywidgets as w

from ccm_widgets.domain.model import FACILITATOR_ACTOR, ValidationError
from ccm_widgets.i18n import t
from ccm_widgets.store import Store, StoreError
from ccm_widgets.widgets.common.controls import button
from ccm_widgets.widgets.common.download import download_anchor
from ccm_widgets.widgets.common.items import Field, ItemListEditor
from ccm_widgets.widgets.common.labels import labelled, named
from ccm_widgets.widgets.common.status import StatusBar
from ccm_widgets.widgets.preparation.synthesis_order import SynthesisOrderEditor


def _lines(text: str) -> tuple[str, ...]:
    return tuple(line.strip() for line in text.splitlines() if line.strip())


def agenda_line(item: dict[str, str]) -> str:
    """An agenda item as the list shows it: time, item, presenter."""
    return f"{item['time']} {item['item']} ({item['presenter']})"


class MeetingForm(w.VBox):
    """The header of the report: organisation lines, title, venue, date, start, chair…"""

    TEXTS = ("title", "venue", "start", "chair", "facilitator")

    def __init__(self, *, store: Store, actor: str = str(FACILITATOR_ACTOR)) -> None:
        super().__init__()
        self.store = store
        self.actor = actor
        wide = w.Layout(width="100%")
        self.inputs: dict[str, w.ValueWidget] = {
            "organisation": w.Textarea(layout=w.Layout(width="100%", height="80px")),
            "title": w.Text(layout=wide),
            "venue": w.Text(layout=wide),
            "date": w.Text(placeholder="AAAA-MM-JJ", layout=w.Layout(width="160px")),
            "start": w.Text(placeholder="09h30", layout=w.Layout(width="160px")),
            "chair": w.Text(layout=wide),
            "facilitator": w.Text(layout=wide),
            "objectives": w.Textarea(layout=w.Layout(width="100%", height="90px")),
            "closing": w.Textarea(layout=w.Layout(width="100%", height="60px")),
        }
        self.save_button = w.Button(description=t("items.save"), button_style="primary")
        self.save_button.on_click(self._on_save)
        self.status = StatusBar()
        self.children = (
            w.HTML(f"<h3 style='margin:6px 0'>{html.escape(t('prep.meeting'))}</h3>"),
            *(labelled(t(f"prep.field_{key}"), control) for key, control in self.inputs.items()),
            self.save_button,
            self.status,
        )
        self.load()

    def _on_save(self, _button: object = None) -> None:
        self.save()

    def load(self) -> None:
        """Fill the form from the store."""
        m = self.store.meetings.get()
        self.inputs["organisation"].value = "\n".join(m.organisation)
        self.inputs["objectives"].value = "\n".join(m.objectives)
        self.inputs["date"].value = m.date.isoformat()
        self.inputs["closing"].value = m.closing
        for name in self.TEXTS:
            self.inputs[name].value = getattr(m, name)

    def save(self) -> bool:
        """Save the header; a bad date or an empty title is said and nothing is written."""
        values = {name: str(control.value) for name, control in self.inputs.items()}
        try:
            try:
                date = dt.date.fromisoformat(values["date"].strip())
            except ValueError as error:
                raise ValidationError(t("prep.bad_date", value=values["date"])) from error
            meeting = dataclasses.replace(
                self.store.meetings.get(),
                date=date,
                organisation=_lines(values["organisation"]),
                objectives=_lines(values["objectives"]),
                closing=values["closing"].strip(),
                **{name: values[name].strip() for name in self.TEXTS},
            )
            self.store.meetings.update(meeting, actor=self.actor)
        except (ValidationError, StoreError) as error:
            self.status.show(str(error), "error")
            return False
        self.status.show(t("prep.saved"), "ok")
        return True


class GroupsEditor(w.VBox):
    """Groups: name, moderator and moderator's institution; add a group, change one, delete
    one (one whose grid holds text after a confirmation that says how many rows go with it).

    The form is in one of two modes, said above it and by its blue button: a new group
    (nothing selected: "Ajouter comme nouveau groupe"), or the group selected in the list
    ("Enregistrer les changements de « X »"). After an add the form is empty and new again,
    so the next name typed is the next group, never a rename of the one just added.
    """

    def __init__(
        self,
        *,
        store: Store,
        actor: str = str(FACILITATOR_ACTOR),
        on_change: Callable[[], None] | None = None,
    ) -> None:
        super().__init__()
        self.store = store
        self.actor = actor
        self.on_change = on_change
        self.picker = named(w.Select(rows=6, layout=w.Layout(width="100%")), t("prep.group_list"))
        self.picker.observe(self._on_pick, names="value")
        wide = w.Layout(width="100%")
        self.name = w.Text(layout=wide)
        self.moderator = w.Text(layout=wide)
        self.institution = w.Text(layout=wide)
        self.mode = w.HTML()
        self.save_button = button(t("prep.save_group", name=""), self._on_save)
        self.add_button = button(t("prep.add_group"), self._on_add)
        self.new_button = button(t("prep.new_group"), self._on_new)
        self.delete_button = button(t("prep.delete_group"), self._on_delete, "danger")
        self.confirm_text = w.HTML()
        self.confirm_button = button(t("prep.delete_group_confirm"), self._on_confirm, "danger")
        self.cancel_button = button(t("attendance.clear_cancel"), self._on_cancel)
        self.confirm_box = w.VBox(
            [self.confirm_text, w.HBox([self.confirm_button, self.cancel_button])],
            layout=w.Layout(display="none", border="1px solid #b3261e", padding="6px"),
        )
        self.confirm_box.add_class("ccm-group-confirm")
        self.status = StatusBar()
        self.add_class("ccm-groups")
        self.children = (
            w.HTML(f"<h3 style='margin:6px 0'>{html.escape(t('prep.groups'))}</h3>"),
            self.picker,
            self.mode,
            labelled(t("prep.group_name"), self.name),
            labelled(t("prep.moderator"), self.moderator),
            labelled(t("prep.moderator_institution"), self.institution),
            w.HBox([self.save_button, self.add_button, self.new_button, self.delete_button]),
            self.confirm_box,
            self.status,
        )
        self.refresh()

    def _on_pick(self, _change: object = None) -> None:
        self.confirm_box.layout.display = "none"
        self._load()

    def _on_save(self, _button: object = None) -> None:
        self.save()

    def _on_add(self, _button: object = None) -> None:
        self.add()

    def _on_new(self, _button: object = None) -> None:
        self.picker.value = None  # the form empties itself (_on_pick)

    def refresh(self) -> None:
        """Read the groups again, keeping the selected one (if it is still there)."""
        selected = self.picker.value
        options = [(f"{g.number}. {g.name}", g.slug) for g in self.store.groups.all()]
        self.picker.options = options
        self.picker.value = selected if selected in [s for _, s in options] else None
        self._load()

    def _load(self) -> None:
        """Fill the form from the selected group, or empty it for a new one."""
        if self.picker.value is None:
            self.name.value = self.moderator.value = self.institution.value = ""
        else:
            group = self.store.groups.get(str(self.picker.value))
            self.name.value, self.moderator.value = group.name, group.moderator
            self.institution.value = group.institution
        self._show_mode()

    def _show_mode(self) -> None:
        """Say which mode the form is in, and make its one blue button the one that does it."""
        editing = self.picker.value is not None
        shown, hidden = None, "none"
        if editing:
            group = self.store.groups.get(str(self.picker.value))
            self.mode.value = html.escape(t("prep.group_editing", name=group.name))
            self.save_button.description = t("prep.save_group", name=group.name)
        else:
            self.mode.value = html.escape(t("prep.group_creating"))
        self.save_button.button_style = "primary" if editing else ""
        self.add_button.button_style = "" if editing else "primary"
        for control in (self.save_button, self.new_button, self.delete_button):
            control.layout.display = shown if editing else hidden

    def save(self) -> bool:
        """Save the selected group's name, moderator and institution."""
        if self.picker.value is None:
            return False
        try:
            self.store.groups.update(
                str(self.picker.value), name=self.name.value, moderator=self.moderator.value,
                institution=self.institution.value, actor=self.actor,
            )  # fmt: skip
        except (ValidationError, StoreError) as error:
            self.status.show(str(error), "error")
            return False
        self.refresh()
        if self.on_change:
            self.on_change()
        self.status.show(t("prep.group_saved"), "ok")
        return True

    def add(self) -> bool:
        """Add a group with the name typed in the form; the form is then empty, for the next."""
        try:
            group = self.store.groups.add(
                self.name.value, moderator=self.moderator.value,
                institution=self.institution.value, actor=self.actor,
            )  # fmt: skip
        except (ValidationError, StoreError) as error:
            self.status.show(str(error), "error")
            return False
        self.picker.value = None
        self.refresh()
        if self.on_change:
            self.on_change()
        self.status.show(t("prep.group_added", name=group.name), "ok")
        return True

    def _on_delete(self, _button: object = None) -> None:
        self.delete()

    def _on_confirm(self, _button: object = None) -> None:
        self.delete(with_rows=True)

    def _on_cancel(self, _button: object = None) -> None:
        self.confirm_box.layout.display = "none"

    def delete(self, *, with_rows: bool = False) -> bool:
        """Delete the selected group. One whose grid holds text is first asked about (the
        question says how many rows go with it); ``with_rows`` is the answer."""
        slug = self.picker.value
        if slug is None:
            return False
        try:
            group = self.store.groups.get(str(slug))
            rows = self.store.groups.written_rows(group.slug)
            if rows and not with_rows:
                self.confirm_text.value = html.escape(
                    t("prep.delete_group_question", name=group.name, count=rows)
                )
                self.confirm_box.layout.display = None
                return False
            removal = self.store.groups.delete(group.slug, with_rows=with_rows, actor=self.actor)
        except (ValidationError, StoreError) as error:
            self.status.show(str(error), "error")
            return False
        self.confirm_box.layout.display = "none"
        self.refresh()
        if self.on_change:
            self.on_change()
        self.status.show(
            t("prep.group_deleted", name=group.name, rows=removal.rows,
              review=removal.review_rows, people=removal.participants),
            "ok",
        )  # fmt: skip
        return True


class PreparationPanel(w.VBox):
    """Everything prepared before the meeting, and its TOML file."""

    def __init__(self, *, store: Store, actor: str = str(FACILITATOR_ACTOR)) -> None:
        super().__init__()
        self.store = store
        self.form = MeetingForm(store=store, actor=actor)
        self.agenda = ItemListEditor(
            store=store,
            table="agenda",
            title=t("prep.agenda"),
            actor=actor,
            describe=agenda_line,
            fields=[
                Field("item", t("prep.agenda_item")),
                Field("presenter", t("prep.agenda_presenter")),
                Field("time", t("prep.agenda_time"), placeholder="10h00"),
            ],
        )
        self.order = SynthesisOrderEditor(store=store, actor=actor)
        self.groups = GroupsEditor(store=store, actor=actor, on_change=self.order.refresh)
        self.toml_button = w.Button(description=t("prep.toml"), icon="download")
        self.toml_button.on_click(self._on_toml)
        self.toml_link = w.HTML()
        self.add_class("ccm-preparation")
        self.children = (
            w.HTML(f"<h2>{html.escape(t('prep.title'))}</h2>"),
            self.form,
            self.agenda,
            self.groups,
            self.order,
            w.HBox([self.toml_button, self.toml_link]),
        )

    def _on_toml(self, _button: object = None) -> None:
        self.offer_toml()

    def offer_toml(self) -> str:
        """The meeting file (what ``ccm export --to toml`` writes), downloaded by the page,
        with a link to save it again."""
        from ccm_widgets.files.meeting_file import dump_plan, plan_of

        text = dump_plan(plan_of(self.store))
        name = f"reunion-{self.store.meetings.get().date.isoformat()}.toml"
        self.toml_link.value = download_anchor(
            name, "application/toml", text.encode("utf-8"), t("export.download", name=name)
        )
        return text
