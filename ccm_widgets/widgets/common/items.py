"""A list of ordered items typed live: agenda, presentations, debate points, participants,
review rows. Pick one to edit it, or "Nouveau" to type a new one; move, delete. A deletion
can be undone at once, and any deleted item brought back later from the history (the store
keeps its last content and its place).

Every change is a store transaction with its history (:class:`~ccm_widgets.store.items.Items`);
the panel around the list hears of it through ``on_change``.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import ipywidgets as w

from ccm_widgets.domain.model import FACILITATOR_ACTOR, Actor, HistoryEntry
from ccm_widgets.i18n import t
from ccm_widgets.store import Store
from ccm_widgets.widgets.common.controls import button, short
from ccm_widgets.widgets.common.labels import labelled, named
from ccm_widgets.widgets.common.status import StatusBar

Item = dict[str, Any]
#: A control as wide as its box, lined up with the others: ipywidgets' own 2 px margin on
#: each side would push a 100 % wide control 2 px past its box, clipping its right border.
FULL_WIDTH = {"width": "calc(100% - 2px)", "margin": "2px 0 2px 2px"}


@dataclass(frozen=True)
class Field:
    """One input of the form: a store column, its French label, how it is typed."""

    name: str
    label: str
    kind: str = "text"  # "text", "area" or "choice"
    choices: Callable[[], Sequence[tuple[str, str]]] | None = None
    placeholder: str = ""


class ItemListEditor(w.VBox):
    """Items of one table in their order, with a form to add or change one.

    ``describe`` gives an item's line in the list (its first field by default);
    ``on_change`` is called after each change this editor writes (added, saved, deleted,
    moved), for the panel to redraw what depends on the list.
    """

    def __init__(
        self,
        *,
        store: Store,
        table: str,
        fields: Sequence[Field],
        title: str,
        describe: Callable[[Item], str] | None = None,
        actor: Actor | str = FACILITATOR_ACTOR,
        rows: int = 8,
        on_change: Callable[[], None] | None = None,
    ) -> None:
        super().__init__()
        self.store = store
        self.table = table
        self.fields = tuple(fields)
        self.actor = actor if isinstance(actor, Actor) else Actor.parse(actor)
        self.describe = describe or self._first_field
        self.on_change = on_change
        self.items: list[Item] = []
        self._refreshing = False
        self.picker = named(
            w.Select(rows=rows, layout=w.Layout(**FULL_WIDTH)), t("items.list", title=title)
        )
        self.picker.observe(self._on_pick, names="value")
        self.inputs: dict[str, w.ValueWidget] = {}
        boxes = []
        for field in self.fields:
            control = self._control(field)
            self.inputs[field.name] = control
            boxes.append(labelled(field.label, control))
        self.new_button = button(t("items.new"), self._on_new)
        self.save_button = button(t("items.save"), self._on_save, "primary")
        self.save_button.layout.width = "160px"
        self.delete_button = button(t("items.delete"), self._on_delete, "danger")
        self.up_button = button(t("order.up"), self._on_up)
        self.down_button = button(t("order.down"), self._on_down)
        #: Undoes the last deletion made here; the history brings back older ones.
        self.undo_button = button(t("items.undo_delete"), self._on_undo)
        self.undo_button.layout.display = "none"
        self._last_deleted: int | None = None
        deleted = t("items.deleted_label")
        self.deleted_picker = named(
            w.Dropdown(layout=w.Layout(width="auto", max_width="100%")), deleted
        )
        self.restore_button = button(t("items.restore"), self._on_restore)
        self.deleted_box = w.HBox(
            [
                w.HTML(f"<span aria-hidden='true'>{html.escape(deleted)}</span>"),
                self.deleted_picker,
                self.restore_button,
            ],
            layout=w.Layout(display="none", flex_flow="row wrap"),
        )
        self.deleted_box.add_class("ccm-items-deleted")
        self.mode = w.HTML()
        self.status = StatusBar()
        self.layout.width = "100%"
        self.add_class("ccm-items")
        self.add_class(f"ccm-items-{table.replace('_', '-')}")
        self.children = (
            w.HTML(f"<h3 style='margin:6px 0'>{html.escape(title)}</h3>"),
            self.picker,
            w.HBox([self.new_button, self.up_button, self.down_button, self.delete_button]),
            self.mode,
            w.VBox(boxes),
            self.save_button,
            self.status,
            self.undo_button,
            self.deleted_box,
        )
        self.refresh()
        self._on_new()

    @staticmethod
    def _control(field: Field) -> w.ValueWidget:
        layout = w.Layout(**FULL_WIDTH)
        if field.kind == "area":
            return w.Textarea(
                placeholder=field.placeholder,
                layout=w.Layout(height="80px", **FULL_WIDTH),
            )
        if field.kind == "choice":
            options = list(field.choices()) if field.choices else []
            return w.Dropdown(options=options, layout=w.Layout(width="360px"))
        return w.Text(placeholder=field.placeholder, layout=layout)

    # -- reading ------------------------------------------------------------------------------

    def _first_field(self, item: Item) -> str:
        return str(item[self.fields[0].name])

    @property
    def selected(self) -> int | None:
        value = self.picker.value
        return int(value) if value is not None else None

    def refresh(self) -> None:
        """Read the items again, keeping the selection; choices are read again too."""
        self.items = self.store.items.rows(self.table)
        selected = self.selected
        options = [
            (f"{n}. {short(self.describe(item), 90)}", int(item["id"]))
            for n, item in enumerate(self.items, start=1)
        ]
        self._refreshing = True
        try:
            for field in self.fields:
                if field.kind == "choice" and field.choices:
                    control = self.inputs[field.name]
                    value = control.value
                    control.options = list(field.choices())
                    if value in [v for _, v in control.options]:
                        control.value = value
            if list(self.picker.options) != options:
                self.picker.options = options
            ids = [i for _, i in options]
            self.picker.value = selected if selected in ids else None
        finally:
            self._refreshing = False
        self._refresh_deleted()

    def _refresh_deleted(self) -> None:
        """The deleted items the history can bring back, latest first."""
        deleted = self.store.items.deleted(self.table)
        options = [(self._deleted_label(entry), entry.id) for entry in deleted]
        chosen = self.deleted_picker.value
        if list(self.deleted_picker.options) != options:
            self.deleted_picker.options = options
        ids = [entry_id for _, entry_id in options]
        # The latest deletion is offered first (a dropdown would otherwise choose nothing).
        self.deleted_picker.value = chosen if chosen in ids else (ids[0] if ids else None)
        self.deleted_box.layout.display = None if options else "none"

    def _deleted_label(self, entry: HistoryEntry) -> str:
        """A deletion as the list of deleted items shows it: when, and the item's line."""
        at = dt.datetime.fromisoformat(entry.at).astimezone().strftime("%H:%M")
        item: Item = {f.name: entry.before.get(f.name, "") for f in self.fields}
        return t("items.deleted_item", time=at, item=short(self.describe(item), 70))

    def _on_pick(self, _change: object = None) -> None:
        if self._refreshing:
            return
        item = next((i for i in self.items if i["id"] == self.selected), None)
        if item is None:
            return
        for field in self.fields:
            control = self.inputs[field.name]
            value = item[field.name] or ""
            if field.kind == "choice":
                choices = [v for _, v in control.options]
                if value not in choices:  # e.g. a group renamed since: keep it selectable
                    control.options = [*control.options, (value, value)]
            control.value = value
        self.mode.value = html.escape(t("items.editing", number=self.items.index(item) + 1))
        self.delete_button.disabled = False

    def _on_new(self, _button: object = None) -> None:
        self._refreshing = True
        self.picker.value = None
        self._refreshing = False
        for field in self.fields:
            if field.kind != "choice":
                self.inputs[field.name].value = ""
        self.mode.value = html.escape(t("items.creating"))
        self.delete_button.disabled = True

    def values(self) -> dict[str, str]:
        """What the form holds now."""
        return {f.name: str(self.inputs[f.name].value or "") for f in self.fields}

    # -- writing ------------------------------------------------------------------------------

    def _on_save(self, _button: object = None) -> None:
        self.save()

    def save(self) -> int | None:
        """Create the item typed in the form, or save the changes of the selected one."""
        values = self.values()
        if not any(v.strip() for k, v in values.items() if self._field(k).kind != "choice"):
            self.status.show(t("items.empty"), "warning")
            return None
        adding = self.selected is None
        try:
            if self.selected is None:
                item_id = self.store.items.add(self.table, values, actor=self.actor)
            else:
                item_id = self.selected
                self.store.items.update(self.table, item_id, values, actor=self.actor)
        except Exception as error:  # shown; the typed text stays in the form
            self.status.fail(error)
            return None
        self.refresh()
        if adding:
            self._on_new()
        self._changed()
        self.status.show(t("items.added") if adding else t("items.saved"), "ok")
        return item_id

    def _changed(self) -> None:
        if self.on_change is not None:
            self.on_change()

    def _field(self, name: str) -> Field:
        return next(f for f in self.fields if f.name == name)

    def _on_delete(self, _button: object = None) -> None:
        self.delete()

    def delete(self) -> int | None:
        """Delete the selected item; "undo" (and the history) can bring it back. Returns
        the deletion's history entry."""
        item_id = self.selected
        if item_id is None:
            return None
        item = next((i for i in self.items if i["id"] == item_id), None)
        try:
            entry = self.store.items.delete(self.table, item_id, actor=self.actor)
        except Exception as error:  # shown, not lost in the log
            self.status.fail(error)
            return None
        self.refresh()
        self._on_new()
        self._changed()
        self._last_deleted = entry
        self.undo_button.layout.display = None if entry is not None else "none"
        what = short(self.describe(item), 60) if item is not None else ""
        self.status.show(t("items.deleted_what", item=what), "ok")
        return entry

    def _on_undo(self, _button: object = None) -> None:
        if self._last_deleted is not None:
            self.restore(self._last_deleted)

    def _on_restore(self, _button: object = None) -> None:
        if self.deleted_picker.value is not None:
            self.restore(int(self.deleted_picker.value))

    def restore(self, entry_id: int) -> int | None:
        """Bring back the item of the deletion ``entry_id`` (from the history), at its place,
        and select it. Its id, or ``None`` when it could not be."""
        try:
            item_id = self.store.items.restore(self.table, entry_id, actor=self.actor)
        except Exception as error:  # shown, not lost in the log
            self.status.fail(error)
            self.refresh()
            return None
        if entry_id == self._last_deleted:
            self._last_deleted = None
            self.undo_button.layout.display = "none"
        self.refresh()
        self.picker.value = item_id
        self._changed()
        self.status.show(t("items.restored"), "ok")
        return item_id

    def _on_up(self, _button: object = None) -> None:
        self.move(-1)

    def _on_down(self, _button: object = None) -> None:
        self.move(+1)

    def move(self, offset: int) -> None:
        """Move the selected item up or down."""
        item_id = self.selected
        if item_id is None:
            self.status.show(t("items.select_first"), "warning")
            return
        try:
            self.store.items.move(self.table, item_id, offset, actor=self.actor)
        except Exception as error:  # shown, not lost in the log
            self.status.fail(error)
            return
        self.refresh()
        self._changed()
        self.status.show(t("items.moved"), "ok")

    def forget_undo(self) -> None:
        """The last deletion can no longer be undone from here (the list was replaced)."""
        self._last_deleted = None
        self.undo_button.layout.display = "none"
