"""The slate proposed for 另行选举 when fewer are elected than there are seats.

shared/domain.md "Elections", "Shortfall -> 另行选举":
- officials (组织法 第二十九条): candidates "根据在第一次投票时得票多少的顺序" **or** newly nominated
  (so the slate is a proposal); 差额 per 第二十七条 for deputy heads and members; a head's seat may be
  filled 等额 or 差额 by one (we propose one extra where enough candidates remain).
- next-level deputies (选举法 第四十五条): candidates in first-round order "依照本法第三十一条规定的差额
  比例"; one seat -> two candidates. No re-nomination.
The threshold in the new round stays 2 * yes > all deputies. Unelected listed candidates are taken
by first-round 赞成 votes, descending (ballot order breaks equal votes). The slate wants
``unfilled + low`` names, ``low`` being the smallest lawful extra for ``unfilled`` seats:

    2 deputy-head seats, 1 elected, remaining B 50, C 40, D 10 -> 1 unfilled, slate B, C.
    1 next-level seat unfilled, remaining X 30, Y 20, Z 10      -> slate X, Y.
If fewer candidates remain than wanted, ``short`` says how many must be nominated.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from tally.rules import candidate_count, top_n
from tally.rules.candidate_count import Office, Rounding


@dataclass(frozen=True)
class Slate:
    """A proposed 另行选举 slate for ``seats`` unfilled seats."""

    seats: int
    candidates: tuple[str, ...]
    wanted: int
    short: int
    renomination_allowed: bool


def propose(
    office: Office,
    unfilled: int,
    remaining_votes: Mapping[str, int],
    ballot_order: Sequence[str],
    rounding: Rounding = "at_least_one",
) -> Slate:
    """Propose the 另行选举 slate from the unelected listed candidates' first-round votes."""
    wanted = unfilled + candidate_count.extra_range(office, unfilled, rounding).low
    position = {name: i for i, name in enumerate(ballot_order)}
    ranking = top_n.ordered(remaining_votes, position)
    chosen = tuple(ranking[:wanted])
    return Slate(
        seats=unfilled,
        candidates=chosen,
        wanted=wanted,
        short=wanted - len(chosen),
        renomination_allowed=office != "next_level_deputy",
    )
