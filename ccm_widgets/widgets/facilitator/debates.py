"""Presentations (title, presenter, function, summary) and debate points, typed live and
reorderable; both go into the report."""

from __future__ import annotations

import html

import ipywidgets as w

from ccm_widgets.domain.model import FACILITATOR_ACTOR, Actor
from ccm_widgets.i18n import t
from ccm_widgets.store import Store
from ccm_widgets.widgets.common.items import Field, Item, ItemListEditor


def communication_line(item: Item) -> str:
    """A presentation's line in the list: its title and who gave it."""
    return f"{item['title']} — {item['presenter']}"


class DebatesPanel(w.VBox):
    """The communications, then the points raised in the discussion."""

    def __init__(self, *, store: Store, actor: Actor = FACILITATOR_ACTOR) -> None:
        super().__init__()
        self.communications = ItemListEditor(
            store=store,
            table="communications",
            title=t("debates.communications"),
            actor=actor,
            describe=communication_line,
            fields=[
                Field("title", t("debates.col_title")),
                Field("presenter", t("debates.col_presenter")),
                Field("function", t("debates.col_function")),
                Field("summary", t("debates.col_summary"), "area"),
            ],
        )
        self.points = ItemListEditor(
            store=store,
            table="debate_points",
            title=t("debates.points"),
            actor=actor,
            fields=[Field("text", t("debates.col_point"), "area")],
        )
        self.add_class("ccm-debates")
        self.children = (
            w.HTML(f"<h2>{html.escape(t('debates.title'))}</h2>"),
            self.communications,
            self.points,
        )
