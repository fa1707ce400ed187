"""Presentations (title, presenter, function, summary) and debate points, typed live and
reorderable; both go into the report."""

from __future__ import annotations

import html

import ipywidgets as w

from ccm_widgets.i18n import t
from ccm_widgets.store import Store
from ccm_widgets.widgets.common.items import Field, ItemListEditor


class DebatesPanel(w.VBox):
    """The communications, then the points raised in the discussion."""

    def __init__(self, *, store: Store, actor: str = "animateur") -> None:
        super().__init__()
        self.communications = ItemListEditor(
            store=store,
            table="communications",
            title=t("debates.communications"),
            actor=actor,
            describe=lambda item: f"{item['title']} — {item['presenter']}",
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
