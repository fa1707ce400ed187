"""Near-duplicate recommendations across groups, for the facilitator to merge or keep.

Two groups often write the same recommendation in different words, accents, case and
punctuation. Texts are compared as sets of meaningful words (accents, case, punctuation and
French function words set aside, plural endings folded); a pair is flagged when the words
they share weigh at least :data:`THRESHOLD` of their words (Dice coefficient). Candidate pairs
come from an index of rare words, so a synthesis of thousands of rows is not compared pair
by pair.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from ccm_widgets.domain.model import GridRow, fold

#: Share of common words from which two recommendations are flagged.
THRESHOLD = 0.6

_STOP_TEXT = """
a au aux avec ce ces cet cette d dans de des du elle en et etc il ils l la le les leur leurs
lui mais meme ne ni nos notre nous on ou par pas plus pour qu que qui sa se ses son sur ta te
tes ton un une vos votre vous y afin ainsi tout tous toute toutes tres entre chaque faire fait
etre sont est doit doivent faut niveau
"""
#: Words that carry no meaning of their own in a recommendation.
STOP_WORDS = frozenset(_STOP_TEXT.split())

#: A word in more index buckets than this is too common to propose candidates.
_COMMON = 200


@functools.lru_cache(maxsize=65_536)  # texts rarely change between two refreshes
def words(text: str) -> frozenset[str]:
    """The meaningful words of ``text``, folded: what two texts are compared on.

    >>> sorted(words("Renforcer les capacités des Forces de défense !"))
    ['capacite', 'defense', 'force', 'renforcer']
    """
    found = set()
    for word in fold(text).split():
        if word in STOP_WORDS or len(word) < 2 or word.isdigit():
            continue
        if len(word) > 3 and word[-1] in "sx":
            word = word[:-1]
        found.add(word)
    return frozenset(found)


def similarity(first: frozenset[str], second: frozenset[str]) -> float:
    """Dice coefficient of two word sets: 1.0 for the same words, 0.0 for none in common."""
    if not first or not second:
        return 0.0
    return 2 * len(first & second) / (len(first) + len(second))


@dataclass(frozen=True)
class DuplicatePair:
    """Two rows of different sections that say nearly the same thing."""

    first: GridRow
    second: GridRow
    score: float


def find_duplicates(
    rows: Iterable[GridRow],
    *,
    threshold: float = THRESHOLD,
    kept: Iterable[tuple[int, int]] = (),
) -> list[DuplicatePair]:
    """Pairs of rows from different sections whose recommendations are near-duplicates.

    Pairs in ``kept`` (row ids, either order) were already judged distinct and are left out.
    The most similar pairs come first; within a pair, the row that comes first in ``rows``
    (pass them in synthesis order) comes first.
    """
    judged = {(min(a, b), max(a, b)) for a, b in kept}
    live = [r for r in rows if r.recommendation.strip()]
    bags: list[frozenset[str]] = [words(r.recommendation) for r in live]
    index: dict[str, list[int]] = defaultdict(list)
    for number, bag in enumerate(bags):
        for word in bag:
            index[word].append(number)
    candidates: set[tuple[int, int]] = set()
    for members in index.values():
        if len(members) > _COMMON:
            continue
        for n, one in enumerate(members):
            for other in members[n + 1 :]:
                candidates.add((one, other))
    pairs: list[DuplicatePair] = []
    for i, j in candidates:
        first, second = live[i], live[j]
        if first.section == second.section:
            continue
        if (min(first.id, second.id), max(first.id, second.id)) in judged:
            continue
        score = similarity(bags[i], bags[j])
        if score >= threshold:
            pairs.append(DuplicatePair(first, second, round(score, 3)))
    pairs.sort(key=lambda p: (-p.score, p.first.id, p.second.id))
    return pairs
