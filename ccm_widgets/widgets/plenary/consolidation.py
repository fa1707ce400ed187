"""Consolidation in plenary: edit any row, move it, merge two, split one, settle duplicates.

Every action is a recorded change of the groups' rows (actor ``plénière``): the synthesis is
recomputed from them, never copied. What the panels show comes from the plenary's snapshot
(:class:`~ccm_widgets.domain.plenary_snapshot.PlenarySnapshot`), the one every panel shows.
A row shows the rows merged into it, each with its undo: any merge, made here or in the
Doublons tab, before or after a reload.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Callable, Sequence

import ipywidgets as w

from ccm_widgets.domain.duplicates import DuplicatePair, find_duplicates
from ccm_widgets.domain.model import GENERAL, GRID_COLUMNS, GRID_FIELDS, GridRow
from ccm_widgets.domain.plenary_snapshot import PlenarySnapshot
from ccm_widgets.domain.synthesis import Section, Synthesis
from ccm_widgets.i18n import t
from ccm_widgets.store import ConflictError, Store
from ccm_widgets.widgets.common.controls import button, short
from ccm_widgets.widgets.plenary.panel import ACTOR, PlenaryPanel

#: Duplicate pairs shown at once (the most similar first); the others follow as these go.
MAX_SHOWN = 20


def section_label(section: Section) -> str:
    return t("synthesis.kind_general") if section.group is None else section.group.name


def row_options(synthesis: Synthesis) -> list[tuple[str, int]]:
    """Every row of ``synthesis``, labelled "Section · N° · text", with its id."""
    options = []
    for section in synthesis.sections:
        for number, row in enumerate(section.rows, start=1):
            label = f"{section_label(section)} · {number} · {short(row.recommendation)}"
            options.append((label, row.id))
    return options


def section_options(snapshot: PlenarySnapshot) -> list[tuple[str, str]]:
    """The sections a row can move to: the general one, then every group."""
    return [(t("synthesis.kind_general"), GENERAL)] + [(g.name, g.slug) for g in snapshot.groups]


def origin_text(row: GridRow, snapshot: PlenarySnapshot) -> str:
    """Where ``row`` is now and which sections wrote it, by their names."""
    return t(
        "consolidate.origin",
        section=snapshot.section_name(row.section),
        origin=", ".join(snapshot.section_name(slug) for slug in row.origin),
    )


class ConsolidationPanel(PlenaryPanel):
    """Pick a row of the synthesis; edit, move, reorder, merge or split it."""

    def __init__(
        self, *, store: Store, actor: str = ACTOR, snapshot: PlenarySnapshot | None = None
    ) -> None:
        super().__init__(store=store, actor=actor, snapshot=snapshot)
        self._loaded: GridRow | None = None
        self._refreshing = False
        self._last_merge: tuple[int, int] | None = None
        self.picker = w.Select(rows=12, layout=w.Layout(width="100%"))
        self.picker.observe(self._on_pick, names="value")
        wide = w.Layout(width="100%", height="90px")
        self.areas = [w.Textarea(description="", layout=wide) for _ in GRID_COLUMNS]
        self.second = [w.Textarea(description="", layout=wide) for _ in GRID_COLUMNS]
        self.save_button = button(t("consolidate.save"), self._on_save, "primary")
        self.up_button = button(t("order.up"), self._on_up)
        self.down_button = button(t("order.down"), self._on_down)
        self.target = w.Dropdown(layout=w.Layout(width="260px"))
        self.move_button = button(t("consolidate.move"), self._on_move_to)
        self.partner = w.Dropdown(layout=w.Layout(width="420px"))
        self.merge_button = button(t("consolidate.merge"), self._on_merge)
        #: The rows merged into the selected one, each with its "undo".
        self.merges_box = w.VBox()
        self.merges_box.add_class("ccm-merges")
        self.split_button = button(t("consolidate.split"), self._on_split_open)
        self.split_confirm = button(t("consolidate.split_confirm"), self._on_split, "warning")
        self.split_box = w.VBox(
            [
                w.HTML(f"<b>{html.escape(t('consolidate.split_help'))}</b>"),
                self._labelled(self.second),
                self.split_confirm,
            ],
            layout=w.Layout(display="none", border="1px dashed #888", padding="4px"),
        )
        self.origin = w.HTML()
        self.add_class("ccm-consolidation")
        self.children = (
            w.HTML(f"<h3 style='margin:4px 0'>{html.escape(t('consolidate.title'))}</h3>"),
            self.picker,
            self.origin,
            self._labelled(self.areas),
            w.HBox([self.save_button, self.up_button, self.down_button, self.split_button]),
            w.HBox([w.Label(t("consolidate.move_to")), self.target, self.move_button]),
            w.HBox([w.Label(t("consolidate.merge_with")), self.partner, self.merge_button]),
            self.merges_box,
            self.split_box,
            self.status,
        )
        self._first_show()

    @staticmethod
    def _labelled(areas: list[w.Textarea]) -> w.VBox:
        return w.VBox(
            [
                w.VBox([w.HTML(f"<b>{html.escape(name)}</b>"), area])
                for name, area in zip(GRID_COLUMNS, areas, strict=True)
            ]
        )

    # -- showing ------------------------------------------------------------------------------

    @property
    def selected(self) -> int | None:
        value = self.picker.value
        return int(value) if value is not None else None

    def _render(self, snapshot: PlenarySnapshot) -> None:
        """Lists and texts of ``snapshot``; text being typed is not overwritten.

        Nothing is selected until the user picks a row: a row chosen here would be one the
        list does not show (scrolled away, or a list redrawn around it), and the texts below
        would belong to a row nobody chose.
        """
        selected = self.selected
        options = row_options(snapshot.synthesis_with_withdrawn)
        ids = [i for _, i in options]
        self._refreshing = True
        try:
            if list(self.picker.options) != options:
                self.picker.options = options
            self.picker.value = selected if selected in ids else None
        finally:
            self._refreshing = False
        sections = section_options(snapshot)
        if list(self.target.options) != sections:
            self.target.options = sections
        self._load_selected(snapshot)

    def _on_pick(self, _change: object = None) -> None:
        if self._refreshing or self.snapshot is None:
            return
        self.split_box.layout.display = "none"
        self._load_selected(self.snapshot, force=True)

    def _load_selected(self, snapshot: PlenarySnapshot, *, force: bool = False) -> None:
        row_id = self.selected
        row = snapshot.row(row_id) if row_id is not None else None
        if row is None:
            self._loaded = None
            for area in self.areas:
                area.value = ""
            self.origin.value = html.escape(t("consolidate.pick_first"))
            self.merges_box.children = ()
            return
        before = self._loaded
        typed = [a.value for a in self.areas]
        untouched = before is None or before.id != row.id or typed == list(before.cells())
        if force or untouched:
            for area, text in zip(self.areas, row.cells(), strict=True):
                area.value = text
            self._loaded = row
        elif before is not None and before.cells() != row.cells():
            self.status.show(t("consolidate.changed_meanwhile"), "warning")
        self.origin.value = html.escape(origin_text(row, snapshot))
        self.target.value = row.section if row.section in snapshot.section_names else None
        partners = [(label, i) for label, i in self.picker.options if i != row_id]
        if list(self.partner.options) != partners:
            self.partner.options = partners
        self._show_merges(row, snapshot)

    def _show_merges(self, row: GridRow, snapshot: PlenarySnapshot) -> None:
        """The rows merged into ``row``, latest first, each with a button that undoes it."""
        entries: list[w.Widget] = []
        for merged in snapshot.merged_into(row.id):
            at = dt.datetime.fromisoformat(merged.updated_at).astimezone().strftime("%H:%M")
            text = t(
                "consolidate.merged_row",
                time=at,
                section=snapshot.section_name(merged.section),
                text=short(merged.recommendation or merged.challenges or merged.perspectives),
            )
            undo = button(t("consolidate.unmerge"), _Unmerge(self, merged.id))
            undo.add_class("ccm-unmerge")
            entries.append(w.HBox([undo, w.HTML(html.escape(text))]))
        if entries:
            entries.insert(0, w.HTML(f"<b>{html.escape(t('consolidate.merged_title'))}</b>"))
        self.merges_box.children = tuple(entries)

    # -- handlers -----------------------------------------------------------------------------

    def _on_save(self, _button: object = None) -> None:
        self.save()

    def _on_up(self, _button: object = None) -> None:
        self.move(-1)

    def _on_down(self, _button: object = None) -> None:
        self.move(+1)

    def _on_move_to(self, _button: object = None) -> None:
        self.move_to()

    def _on_merge(self, _button: object = None) -> None:
        self.merge()

    def _on_split_open(self, _button: object = None) -> None:
        for area in self.second:
            area.value = ""
        self.split_box.layout.display = None

    def _on_split(self, _button: object = None) -> None:
        self.split()

    # -- actions ------------------------------------------------------------------------------

    def save(self) -> bool:
        """Save the edited texts of the selected row (each changed column, conflicts caught).

        After a conflict the typed texts stay on screen, and the row as it is now becomes
        the one they are compared with: saving again replaces it, knowingly.
        """
        row = self._loaded
        if row is None:
            self.status.show(t("order.select_first"), "warning")
            return False
        done, _ = self.attempt(self._save_texts, row, [a.value for a in self.areas])
        if not done:
            return False
        self.status.show(t("consolidate.saved"), "ok")
        self._loaded = None  # the texts on screen are the stored ones now
        self.written()
        return True

    def _save_texts(self, row: GridRow, texts: Sequence[str]) -> None:
        try:
            for field, text, seen in zip(GRID_FIELDS, texts, row.cells(), strict=True):
                if text != seen:
                    self.store.grid.update_cell(row.id, field, text, seen=seen, actor=self.actor)
        except ConflictError as conflict:
            self._loaded = conflict.current
            raise

    def move(self, offset: int) -> None:
        """Move the selected row up or down within its section."""
        row_id = self.selected
        if row_id is None:
            return
        done, moved = self.attempt(self.store.grid.move, row_id, offset, actor=self.actor)
        if done:
            self.status.show(t("consolidate.moved" if moved else "consolidate.at_end"), "ok")
            self.written()

    def move_to(self, section: str | None = None) -> None:
        """Move the selected row to the end of ``section`` (default: the chosen one)."""
        row_id = self.selected
        target = section or self.target.value
        if row_id is None or target is None or self.snapshot is None:
            return
        name = self.snapshot.section_name(target)
        done, _ = self.attempt(self.store.grid.move_to_section, row_id, target, actor=self.actor)
        if done:
            self.status.show(t("consolidate.moved_to", section=name), "ok")
            self.written()

    def merge(self, other: int | None = None) -> None:
        """Merge ``other`` (default: the chosen partner) into the selected row."""
        row_id = self.selected
        partner = other if other is not None else self.partner.value
        if row_id is None or partner is None:
            self.status.show(t("consolidate.choose_partner"), "warning")
            return
        done, _ = self.attempt(self.store.plenary.merge, row_id, int(partner), actor=self.actor)
        if done:
            self.status.show(t("consolidate.merged_undo"), "ok")
            self._loaded = None
            self.written()

    def unmerge(self, other: int | None = None) -> bool:
        """Undo the merge of ``other`` into the selected row (default: its latest merge),
        whenever and wherever it was made."""
        row_id = self.selected
        if row_id is None or self.snapshot is None:
            return False
        merged = self.snapshot.merged_into(row_id)
        if other is None:
            if not merged:
                return False
            other = merged[0].id
        done, _ = self.attempt(self.store.plenary.unmerge, row_id, other, actor=self.actor)
        if not done:
            return False
        said = t("consolidate.unmerged")
        kept = self._kept_since_merge(row_id)
        if kept:
            said = f"{said} {t('consolidate.unmerge_kept', columns=', '.join(kept))}"
        self.status.show(said, "ok")
        self._loaded = None
        self.written()
        return True

    def _kept_since_merge(self, row_id: int) -> list[str]:
        """The columns of the kept row changed after the merge just undone (kept as they
        are), as the history of the undo names them."""
        undone = self.store.history.entries("grid_row", row_id, action="unmerge")
        kept = undone[-1].after.get("kept") if undone else None
        fields = kept if isinstance(kept, list) else []
        return [GRID_COLUMNS[GRID_FIELDS.index(f)] for f in fields if f in GRID_FIELDS]

    def split(self) -> None:
        """The selected row keeps the texts above; a new row after it takes the texts below."""
        row_id = self.selected
        if row_id is None:
            return
        first = [a.value for a in self.areas]
        second = [a.value for a in self.second]
        done, _ = self.attempt(self.store.plenary.split, row_id, first, second, actor=self.actor)
        if done:
            self.status.show(t("consolidate.split_done"), "ok")
            self.split_box.layout.display = "none"
            self._loaded = None
            self.written()


class _Unmerge:
    """Click handler of one "undo this merge" button."""

    def __init__(self, panel: ConsolidationPanel, other: int) -> None:
        self.panel, self.other = panel, other

    def __call__(self, _button: object = None) -> None:
        self.panel.unmerge(self.other)


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


class DuplicateCard(w.VBox):
    """One flagged pair, side by side, with "merge" and "keep both"."""

    def __init__(
        self,
        *,
        pair: DuplicatePair,
        names: dict[str, str],
        on_merge: Callable[[DuplicatePair], None],
        on_keep: Callable[[DuplicatePair], None],
    ) -> None:
        super().__init__(layout=w.Layout(border="1px solid #bbb", padding="4px", margin="4px 0"))
        self.pair = pair
        self._merge = on_merge
        self._keep = on_keep
        self.merge_button = w.Button(description=t("duplicates.merge"), button_style="warning")
        self.keep_button = w.Button(description=t("duplicates.keep"))
        self.merge_button.on_click(self._on_merge)
        self.keep_button.on_click(self._on_keep)
        self.children = (
            w.HTML(pair_html(pair, names)),
            w.HBox([self.merge_button, self.keep_button]),
        )

    def _on_merge(self, _button: object = None) -> None:
        self._merge(self.pair)

    def _on_keep(self, _button: object = None) -> None:
        self._keep(self.pair)


def flagged_pairs(snapshot: PlenarySnapshot) -> list[DuplicatePair]:
    """The near-duplicate pairs of the synthesis, the pairs kept apart left out."""
    rows = [row for _, row in snapshot.synthesis.rows()]
    return find_duplicates(rows, kept=snapshot.kept_pairs)


def _cards_key(pairs: list[DuplicatePair]) -> list[tuple[int, str, int, str]]:
    """What the shown cards depend on: their rows and recommendations."""
    return [
        (p.first.id, p.first.recommendation, p.second.id, p.second.recommendation)
        for p in pairs[:MAX_SHOWN]
    ]


class DuplicatesPanel(PlenaryPanel):
    """Rows of different groups that say nearly the same thing: merge them or keep both."""

    def __init__(
        self, *, store: Store, actor: str = ACTOR, snapshot: PlenarySnapshot | None = None
    ) -> None:
        super().__init__(store=store, actor=actor, snapshot=snapshot)
        self.pairs: list[DuplicatePair] = []
        self.list_box = w.VBox()
        self.add_class("ccm-duplicates")
        self.children = (
            w.HTML(f"<h3 style='margin:4px 0'>{html.escape(t('duplicates.title'))}</h3>"),
            self.list_box,
            self.status,
        )
        self._built = False
        self._first_show()

    def _render(self, snapshot: PlenarySnapshot) -> None:
        """Rebuild the list only when the flagged pairs or their texts changed.

        A save elsewhere (a challenge, a perspective) must not rebuild every card: each is
        a handful of widgets, and rebuilding hundreds of them at each change of a busy room
        kept the plenary seconds behind. At most :data:`MAX_SHOWN` pairs are shown.
        """
        found = flagged_pairs(snapshot)
        unchanged = _cards_key(found) == _cards_key(self.pairs) and len(found) == len(self.pairs)
        self.pairs = found
        if unchanged and self._built:
            return
        self._built = True
        entries: list[w.Widget] = [
            DuplicateCard(
                pair=pair, names=snapshot.section_names, on_merge=self.merge, on_keep=self.keep
            )
            for pair in found[:MAX_SHOWN]
        ]
        if not entries:
            entries = [w.HTML(html.escape(t("duplicates.none")))]
        elif len(found) > MAX_SHOWN:
            more = t("duplicates.more", count=len(found) - MAX_SHOWN)
            entries.append(w.HTML(f"<i>{html.escape(more)}</i>"))
        self.list_box.children = tuple(entries)

    def merge(self, pair: DuplicatePair) -> None:
        """Merge the second row of ``pair`` into the first (the one shown first)."""
        done, _ = self.attempt(
            self.store.plenary.merge, pair.first.id, pair.second.id, actor=self.actor
        )
        if done:
            self.status.show(
                t("duplicates.merged", first=short(pair.first.recommendation, 50)), "ok"
            )
            self.written()

    def keep(self, pair: DuplicatePair) -> None:
        """Both rows stay; the pair is not flagged again."""
        done, _ = self.attempt(
            self.store.plenary.keep_pair, pair.first.id, pair.second.id, actor=self.actor
        )
        if done:
            self.status.show(t("duplicates.kept"), "ok")
            self.written()
