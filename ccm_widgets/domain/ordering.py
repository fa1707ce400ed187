"""Reordering a list by "up" and "down": one rule for grid rows, listed items and groups."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

T = TypeVar("T")


def moved(order: Sequence[T], item: T, offset: int) -> list[T] | None:
    """``order`` with ``item`` moved ``offset`` places (clamped at both ends), or None when
    it is already at that end and nothing would change."""
    result = list(order)
    index = result.index(item)
    target = min(max(index + offset, 0), len(result) - 1)
    if target == index:
        return None
    result.insert(target, result.pop(index))
    return result
