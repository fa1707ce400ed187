"""What the plenary shows, read at one moment: plain data its five panels render.

The store reads it in one read transaction (:meth:`ccm_widgets.store.plenary.Plenary.snapshot`);
the plenary board hands the same snapshot to every panel, so that the groups' grids, the
synthesis and its order, the consolidation, the duplicates and the adoption never show two
different moments. The synthesis is computed here once per snapshot, for every panel.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from ccm_widgets.domain.model import GENERAL, GridRow, Group, HistoryEntry, Meeting
from ccm_widgets.domain.synthesis import Synthesis, build_synthesis
from ccm_widgets.i18n import t


@dataclass(frozen=True)
class PlenarySnapshot:
    """The meeting's plenary state at the change counter ``counter``.

    Immutable: a panel that wants a newer moment asks the store for a new snapshot.
    """

    #: The store's change counter this snapshot was read at (every write moves it).
    counter: int
    #: The meeting's header (``None`` in a store where no meeting was created yet).
    meeting: Meeting | None
    #: The thematic groups, in their numbering order.
    groups: tuple[Group, ...]
    #: Group slugs in synthesis order.
    order: tuple[str, ...]
    #: Every live row of every section (general and groups), by section then position.
    rows: tuple[GridRow, ...]
    #: Pairs of row ids (lower id first) the facilitator kept apart as not duplicates.
    kept_pairs: frozenset[tuple[int, int]] = frozenset()
    #: Every decision taken in plenary, oldest first, with its row as it is now.
    ledger: tuple[tuple[HistoryEntry, GridRow], ...] = ()
    #: Whether the groups' grids are open for editing.
    breakout_open: bool = True
    #: When the breakout ends (ISO UTC), "" when no countdown was set.
    breakout_end: str = ""
    #: The rows merged into another one, as (the row they were merged into, the merged
    #: row as it was): what an undo of each merge brings back.
    merged: tuple[tuple[int, GridRow], ...] = ()

    @functools.cached_property
    def synthesis(self) -> Synthesis:
        """The synthesis as the report prints it (withdrawn rows left out)."""
        return build_synthesis(self.rows, self.groups, self.order)

    @functools.cached_property
    def synthesis_with_withdrawn(self) -> Synthesis:
        """The synthesis with the rows the plenary withdrew (what adoption goes through)."""
        return build_synthesis(self.rows, self.groups, self.order, withdrawn=True)

    @functools.cached_property
    def section_names(self) -> dict[str, str]:
        """What a section is called on screen, by its key: the general section, the groups."""
        return {GENERAL: t("synthesis.kind_general")} | {g.slug: g.name for g in self.groups}

    def section_name(self, key: str) -> str:
        """The name of section ``key`` (the key itself for a section no longer known)."""
        return self.section_names.get(key, key)

    def section_rows(self, key: str) -> tuple[GridRow, ...]:
        """The live rows of section ``key`` in their order."""
        return self._by_section.get(key, ())

    def row(self, row_id: int) -> GridRow | None:
        """The live row ``row_id``, or ``None`` when it is not (or no longer) live."""
        return self._by_id.get(row_id)

    def merged_into(self, row_id: int) -> tuple[GridRow, ...]:
        """The rows merged into row ``row_id``, the latest merge first."""
        return tuple(
            row
            for _, row in sorted(
                ((keep, row) for keep, row in self.merged if keep == row_id),
                key=lambda pair: pair[1].updated_at,
                reverse=True,
            )
        )

    @functools.cached_property
    def _by_section(self) -> dict[str, tuple[GridRow, ...]]:
        grouped: dict[str, list[GridRow]] = {}
        for row in self.rows:
            grouped.setdefault(row.section, []).append(row)
        return {key: tuple(rows) for key, rows in grouped.items()}

    @functools.cached_property
    def _by_id(self) -> dict[int, GridRow]:
        return {row.id: row for row in self.rows}
