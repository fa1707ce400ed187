"""Consolidation in plenary: edit any row, move it, merge two, split one, settle duplicates.

Every action is a recorded change of the groups' rows (actor ``plénière``): the synthesis is
recomputed from them, never copied.
"""

from __future__ import annotations

import html
from collections.abc import Callable

import ipywidgets as w

from ccm_widgets.domain.duplicates import DuplicatePair, find_duplicates
from ccm_widgets.domain.model import GENERAL, GRID_COLUMNS, GRID_FIELDS, GridRow, ValidationError
from ccm_widgets.domain.synthesis import Section, build_synthesis
from ccm_widgets.files.exporting import current_synthesis
from ccm_widgets.i18n import t
from ccm_widgets.store import ConflictError, Store, StoreError
from ccm_widgets.widgets.common.controls import button, short
from ccm_widgets.widgets.common.status import StatusBar

ACTOR = "plénière"
#: Duplicate pairs shown at once (the most similar first); the others follow as these go.
MAX_SHOWN = 20


def section_label(section: Section) -> str:
    return t("synthesis.kind_general") if section.group is None else section.group.name


def row_options(store: Store) -> list[tuple[str, int]]:
    """Every row of the synthesis (withdrawn ones too), labelled "Section · N° · text"."""
    synthesis = build_synthesis(
        store.grid.rows(), store.groups.all(), store.groups.synthesis_order(), withdrawn=True
    )
    options = []
    for section in synthesis.sections:
        for number, row in enumerate(section.rows, start=1):
            label = f"{section_label(section)} · {number} · {short(row.recommendation)}"
            options.append((label, row.id))
    return options


def _run(status: StatusBar, action: Callable[[], str]) -> bool:
    """Run a store action; show its French message, or the error. True on success."""
    try:
        message = action()
    except ConflictError as conflict:
        status.show(t("consolidate.conflict", error=conflict), "error")
        return False
    except (StoreError, ValidationError) as error:
        status.show(str(error), "error")
        return False
    status.show(message, "ok")
    return True


class ConsolidationPanel(w.VBox):
    """Pick a row of the synthesis; edit, move, reorder, merge or split it."""

    def __init__(self, *, store: Store, actor: str = ACTOR) -> None:
        super().__init__()
        self.store = store
        self.actor = actor
        self._loaded: GridRow | None = None
        self._refreshing = False
        self.picker = w.Select(rows=12, layout=w.Layout(width="100%"))
        self.picker.observe(self._on_pick, names="value")
        wide = w.Layout(width="100%", height="90px")
        self.areas = [w.Textarea(description="", layout=wide) for _ in GRID_COLUMNS]
        self.second = [w.Textarea(description="", layout=wide) for _ in GRID_COLUMNS]
        self.save_button = button(t("consolidate.save"), self._on_save, "primary")
        self.up_button = button(t("order.up"), lambda _b: self.move(-1))
        self.down_button = button(t("order.down"), lambda _b: self.move(+1))
        self.target = w.Dropdown(layout=w.Layout(width="260px"))
        self.move_button = button(t("consolidate.move"), lambda _b: self.move_to())
        self.partner = w.Dropdown(layout=w.Layout(width="420px"))
        self.merge_button = button(t("consolidate.merge"), lambda _b: self.merge())
        self.unmerge_button = button(t("consolidate.unmerge"), lambda _b: self.unmerge())
        self.unmerge_button.layout.display = "none"
        self._last_merge: tuple[int, int] | None = None
        self.split_button = button(t("consolidate.split"), self._on_split_open)
        self.split_confirm = button(
            t("consolidate.split_confirm"), lambda _b: self.split(), "warning"
        )
        self.split_box = w.VBox(
            [
                w.HTML(f"<b>{html.escape(t('consolidate.split_help'))}</b>"),
                self._labelled(self.second),
                self.split_confirm,
            ],
            layout=w.Layout(display="none", border="1px dashed #888", padding="4px"),
        )
        self.origin = w.HTML()
        self.status = StatusBar()
        self.add_class("ccm-consolidation")
        self.children = (
            w.HTML(f"<h3 style='margin:4px 0'>{html.escape(t('consolidate.title'))}</h3>"),
            self.picker,
            self.origin,
            self._labelled(self.areas),
            w.HBox([self.save_button, self.up_button, self.down_button, self.split_button]),
            w.HBox([w.Label(t("consolidate.move_to")), self.target, self.move_button]),
            w.HBox(
                [
                    w.Label(t("consolidate.merge_with")),
                    self.partner,
                    self.merge_button,
                    self.unmerge_button,
                ]
            ),
            self.split_box,
            self.status,
        )
        self.refresh()

    @staticmethod
    def _labelled(areas: list[w.Textarea]) -> w.VBox:
        return w.VBox(
            [
                w.VBox([w.HTML(f"<b>{html.escape(name)}</b>"), area])
                for name, area in zip(GRID_COLUMNS, areas, strict=True)
            ]
        )

    # -- reading ------------------------------------------------------------------------------

    @property
    def selected(self) -> int | None:
        value = self.picker.value
        return int(value) if value is not None else None

    def refresh(self) -> None:
        """Lists and texts from the store; text being typed is not overwritten."""
        selected = self.selected
        options = row_options(self.store)
        ids = [i for _, i in options]
        self._refreshing = True
        try:
            if list(self.picker.options) != options:
                self.picker.options = options
            if selected in ids:
                self.picker.value = selected
            elif ids:
                self.picker.value = ids[0]
        finally:
            self._refreshing = False
        sections = [(t("synthesis.kind_general"), GENERAL)]
        sections += [(g.name, g.slug) for g in self.store.groups.all()]
        self.target.options = sections
        self._load_selected()

    def _on_pick(self, _change: object = None) -> None:
        if self._refreshing:
            return
        self.split_box.layout.display = "none"
        self._load_selected(force=True)

    def _load_selected(self, *, force: bool = False) -> None:
        row_id = self.selected
        if row_id is None:
            self._loaded = None
            for area in self.areas:
                area.value = ""
            return
        row = self.store.grid.row(row_id)
        before = self._loaded
        typed = [a.value for a in self.areas]
        untouched = before is None or before.id != row.id or typed == list(before.cells())
        if force or untouched:
            for area, text in zip(self.areas, row.cells(), strict=True):
                area.value = text
            self._loaded = row
        elif before is not None and before.cells() != row.cells():
            self.status.show(t("consolidate.changed_meanwhile"), "warning")
        origins = [self._section_name(s) for s in row.origin]
        where = self._section_name(row.section)
        self.origin.value = html.escape(
            t("consolidate.origin", section=where, origin=", ".join(origins))
        )
        self.target.value = (
            row.section if row.section in dict(self.target.options).values() else None
        )
        self.partner.options = [(label, i) for label, i in self.picker.options if i != row_id]

    def _section_name(self, slug: str) -> str:
        if slug == GENERAL:
            return t("synthesis.kind_general")
        for group in self.store.groups.all():
            if group.slug == slug:
                return group.name
        return slug

    # -- actions ------------------------------------------------------------------------------

    def _on_save(self, _button: object = None) -> None:
        self.save()

    def save(self) -> bool:
        """Save the edited texts of the selected row (each changed column, conflicts caught)."""
        row = self._loaded
        if row is None:
            self.status.show(t("order.select_first"), "warning")
            return False

        def action() -> str:
            for field, area, seen in zip(GRID_FIELDS, self.areas, row.cells(), strict=True):
                if area.value != seen:
                    self.store.grid.update_cell(
                        row.id, field, area.value, seen=seen, actor=self.actor
                    )
            return t("consolidate.saved")

        done = _run(self.status, action)
        self._loaded = self.store.grid.row(row.id)
        if done:
            self.refresh()
        return done

    def move(self, offset: int) -> None:
        """Move the selected row up or down within its section."""
        row_id = self.selected
        if row_id is not None and _run(
            self.status,
            lambda: (
                t("consolidate.moved")
                if self.store.grid.move(row_id, offset, actor=self.actor)
                else t("consolidate.at_end")
            ),
        ):
            self.refresh()

    def move_to(self, section: str | None = None) -> None:
        """Move the selected row to the end of ``section`` (default: the chosen one)."""
        row_id = self.selected
        target = section or self.target.value
        if row_id is None or target is None:
            return

        def action() -> str:
            self.store.grid.move_to_section(row_id, target, actor=self.actor)
            return t("consolidate.moved_to", section=self._section_name(target))

        if _run(self.status, action):
            self.refresh()

    def merge(self, other: int | None = None) -> None:
        """Merge ``other`` (default: the chosen partner) into the selected row."""
        row_id = self.selected
        partner = other if other is not None else self.partner.value
        if row_id is None or partner is None:
            self.status.show(t("consolidate.choose_partner"), "warning")
            return

        def action() -> str:
            self.store.plenary.merge(row_id, int(partner), actor=self.actor)
            return t("consolidate.merged")

        if _run(self.status, action):
            self._last_merge = (row_id, int(partner))
            self.unmerge_button.layout.display = None
            self._loaded = None
            self.refresh()

    def unmerge(self) -> None:
        """Undo the last merge made from this panel."""
        if self._last_merge is None:
            return
        keep, other = self._last_merge

        def action() -> str:
            self.store.plenary.unmerge(keep, other, actor=self.actor)
            return t("consolidate.unmerged")

        if _run(self.status, action):
            self._last_merge = None
            self.unmerge_button.layout.display = "none"
            self._loaded = None
            self.refresh()

    def _on_split_open(self, _button: object = None) -> None:
        for area in self.second:
            area.value = ""
        self.split_box.layout.display = None

    def split(self) -> None:
        """The selected row keeps the texts above; a new row after it takes the texts below."""
        row_id = self.selected
        if row_id is None:
            return
        first = [a.value for a in self.areas]
        second = [a.value for a in self.second]

        def action() -> str:
            self.store.plenary.split(row_id, first, second, actor=self.actor)
            return t("consolidate.split_done")

        if _run(self.status, action):
            self.split_box.layout.display = "none"
            self._loaded = None
            self.refresh()


def pair_html(pair: DuplicatePair, names: dict[str, str]) -> str:
    """The two rows side by side, escaped, with their sections and the similarity."""
    cells = "".join(
        f"<td><b>{html.escape(names.get(r.section, r.section))}</b><br>"
        f"{html.escape(r.recommendation)}</td>"
        for r in (pair.first, pair.second)
    )
    score = t("duplicates.score", score=round(pair.score * 100))
    return (
        f"<table class='ccm-pair'><tr>{cells}</tr></table>"
        f"<div style='color:#555'>{html.escape(score)}</div>"
    )


class DuplicatesPanel(w.VBox):
    """Rows of different groups that say nearly the same thing: merge them or keep both."""

    def __init__(self, *, store: Store, actor: str = ACTOR) -> None:
        super().__init__()
        self.store = store
        self.actor = actor
        self.pairs: list[DuplicatePair] = []
        self.list_box = w.VBox()
        self.status = StatusBar()
        self.add_class("ccm-duplicates")
        self.children = (
            w.HTML(f"<h3 style='margin:4px 0'>{html.escape(t('duplicates.title'))}</h3>"),
            self.list_box,
            self.status,
        )
        self.refresh()

    def refresh(self) -> None:
        """Rebuild the list only when the flagged pairs or their texts changed.

        A save elsewhere (a challenge, a perspective) must not rebuild every card: each is
        a handful of widgets, and rebuilding hundreds of them at each change of a busy room
        kept the plenary seconds behind. At most :data:`MAX_SHOWN` pairs are shown.
        """
        rows = [row for _, row in current_synthesis(self.store).rows()]
        found = find_duplicates(rows, kept=self.store.plenary.kept_pairs())

        def key(pairs: list[DuplicatePair]) -> list[tuple[int, str, int, str]]:
            return [
                (p.first.id, p.first.recommendation, p.second.id, p.second.recommendation)
                for p in pairs[:MAX_SHOWN]
            ]

        if key(found) == key(self.pairs) and len(found) == len(self.pairs):
            self.pairs = found
            return
        self.pairs = found
        names = {GENERAL: t("synthesis.kind_general")}
        names |= {g.slug: g.name for g in self.store.groups.all()}
        entries: list[w.Widget] = []
        for pair in found[:MAX_SHOWN]:
            merge = w.Button(description=t("duplicates.merge"), button_style="warning")
            keep = w.Button(description=t("duplicates.keep"))
            merge.on_click(lambda _b, p=pair: self.merge(p))
            keep.on_click(lambda _b, p=pair: self.keep(p))
            entries.append(
                w.VBox(
                    [w.HTML(pair_html(pair, names)), w.HBox([merge, keep])],
                    layout=w.Layout(border="1px solid #bbb", padding="4px", margin="4px 0"),
                )
            )
        if not entries:
            entries = [w.HTML(html.escape(t("duplicates.none")))]
        elif len(found) > MAX_SHOWN:
            more = t("duplicates.more", count=len(found) - MAX_SHOWN)
            entries.append(w.HTML(f"<i>{html.escape(more)}</i>"))
        self.list_box.children = tuple(entries)

    def merge(self, pair: DuplicatePair) -> None:
        """Merge the second row of ``pair`` into the first (the one shown first)."""

        def action() -> str:
            self.store.plenary.merge(pair.first.id, pair.second.id, actor=self.actor)
            return t("consolidate.merged")

        if _run(self.status, action):
            self.refresh()

    def keep(self, pair: DuplicatePair) -> None:
        """Both rows stay; the pair is not flagged again."""

        def action() -> str:
            self.store.plenary.keep_pair(pair.first.id, pair.second.id, actor=self.actor)
            return t("duplicates.kept")

        if _run(self.status, action):
            self.refresh()
