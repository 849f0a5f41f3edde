"""Fill N places by most votes; a tie across the last place is not decided by the machine.

shared/domain.md "Elections": more qualifiers than seats -> most votes win; a tie blocking the
last seat -> re-vote among the tied only (the same rule picks 民生实事 projects and fixes a 预选 list).

Sort by votes, descending. Let v be the votes of the N-th contender. Everyone with more than v
is placed; if everyone with exactly v fits in the places left, they are placed too; otherwise
they are *tied* for the ``places_left`` places and go to a re-vote.

    3 places, votes A 50, B 40, C 30, D 30 -> A, B placed; C and D tied for 1 place.
    3 places, votes A 50, B 40, C 30, D 20 -> A, B, C placed; no tie.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Placement:
    """``placed`` in order of votes; ``tied`` compete for ``places_left`` places."""

    placed: tuple[str, ...]
    tied: tuple[str, ...]
    places_left: int


def ordered(votes: Mapping[str, int], order: Mapping[str, int] | None = None) -> list[str]:
    """Names by votes descending; equal votes keep ``order`` (e.g. ballot order), then by name."""
    position = order or {}
    return sorted(votes, key=lambda name: (-votes[name], position.get(name, len(position)), name))


def place(votes: Mapping[str, int], places: int, order: Mapping[str, int] | None = None) -> Placement:
    """Choose up to ``places`` names by most votes, reporting a tie at the cutoff."""
    ranking = ordered(votes, order)
    if len(ranking) <= places:
        return Placement(tuple(ranking), (), 0)
    cutoff = votes[ranking[places - 1]] if places > 0 else None
    if cutoff is None or votes[ranking[places]] != cutoff:
        return Placement(tuple(ranking[:places]), (), 0)
    above = tuple(name for name in ranking if votes[name] > cutoff)
    at = tuple(name for name in ranking if votes[name] == cutoff)
    return Placement(above, at, places - len(above))
