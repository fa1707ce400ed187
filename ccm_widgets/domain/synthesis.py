"""The synthesis: pure functions from the groups' rows and the synthesis order to sections.

The synthesis is a view, never a copy: it is recomputed from the rows each time, so an edit
of a row is an edit of the synthesis.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ccm_widgets.domain.model import GENERAL, GRID_COLUMNS, GridRow, Group
from ccm_widgets.i18n import t

#: Header of the synthesis CSV, the contract users script against.
CSV_HEADER: tuple[str, ...] = ("Section", "Groupe", *GRID_COLUMNS)


@dataclass(frozen=True)
class Section:
    """One block of the synthesis: a heading and its rows."""

    key: str
    heading: str
    group: Group | None
    rows: tuple[GridRow, ...]


@dataclass(frozen=True)
class Synthesis:
    """The consolidated table: general recommendations, then one section per group."""

    sections: tuple[Section, ...]

    def rows(self) -> list[tuple[Section, GridRow]]:
        """Every row with its section, in the order the synthesis shows them."""
        return [(section, row) for section in self.sections for row in section.rows]

    def __len__(self) -> int:
        return sum(len(s.rows) for s in self.sections)


def build_synthesis(
    rows: Iterable[GridRow],
    groups: Sequence[Group],
    order: Sequence[str],
    *,
    withdrawn: bool = False,
) -> Synthesis:
    """Assemble the synthesis from live rows.

    Parameters
    ----------
    rows:
        Grid rows of every section (deleted rows are never passed in).
    groups:
        The meeting's groups.
    order:
        Group slugs in synthesis order; groups missing from it follow in numbering order.

    withdrawn:
        Keep the rows the plenary withdrew (the adoption view shows them; the report does not).

    Rows with no text at all (just added, never typed) are left out; rows of a section that
    is neither ``general`` nor a known group are left out too.
    """
    by_section: dict[str, list[GridRow]] = {}
    for row in rows:
        if not row.is_blank() and (withdrawn or row.decision != "withdrawn"):
            by_section.setdefault(row.section, []).append(row)
    for bucket in by_section.values():
        bucket.sort(key=lambda r: (r.position, r.id))

    by_slug = {g.slug: g for g in groups}
    ordered = [s for s in dict.fromkeys(order) if s in by_slug]
    ordered += [g.slug for g in sorted(groups, key=lambda g: g.number) if g.slug not in ordered]

    sections = [
        Section(
            key=GENERAL,
            heading=t("synthesis.general"),
            group=None,
            rows=tuple(by_section.get(GENERAL, ())),
        )
    ]
    for slug in ordered:
        group = by_slug[slug]
        sections.append(
            Section(
                key=slug,
                heading=t("synthesis.group_heading", name=group.name.upper()),
                group=group,
                rows=tuple(by_section.get(slug, ())),
            )
        )
    return Synthesis(tuple(sections))


def synthesis_records(synthesis: Synthesis) -> list[tuple[str, ...]]:
    """Rows of the synthesis CSV (see :data:`CSV_HEADER`), in synthesis order.

    ``Section`` is ``Général`` or ``Spécifique``; ``Groupe`` is empty for the general section.
    """
    records: list[tuple[str, ...]] = []
    for section, row in synthesis.rows():
        kind = (
            t("synthesis.kind_general") if section.group is None else t("synthesis.kind_specific")
        )
        name = "" if section.group is None else section.group.name
        records.append((kind, name, *row.cells()))
    return records
