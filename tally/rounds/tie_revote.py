"""Equal votes across the last place: vote again among the tied only, for the places they tie for.

shared/domain.md "Elections": "A tie blocking the last seat -> re-vote among the tied only, most
votes wins (no new majority test; a repeated tie is a setting)" (组织法 第二十九条; 选举法 第四十五条
for deputies to the next-level congress). "民生实事项目票决": the 票决办法, modelled on elections,
votes a tie at the cutoff again among the tied. The last counted round's ``tied`` and
``tied_places`` (rules/top_n.py) become the new round's list and places:

    副县长, 2 seats, 60 deputies: 甲 34, 乙 32, 丙 32 (all over 30) -> 甲 elected; 乙, 丙 tied for 1 seat
        -> {"candidates": ["乙", "丙"], "seats": 1, "round": "tie_revote"}
    民生实事, choose 4 of 5, 30 deputies: 一 30, 二 30, 三 20, 四 20, 五 20 -> 一, 二 chosen;
    三, 四, 五 tied for 2 places
        -> {"projects": ["三", "四", "五"], "choose": 2, "require_differential": False}
    last counted round without a tie -> refused: no_tie (409)

A tie in a 另行选举 voted again is still part of that 另行选举: the tie re-vote keeps the continued
round's ``runoffs_held``, so a shortfall after it is the next 另行选举 and the 选举办法's
``max_runoff_rounds`` still binds (runoff.py):

    另行选举 No. 1 (runoffs_held 1): 乙, 丙 tied for 1 seat
        -> {"candidates": ["乙", "丙"], "seats": 1, "round": "tie_revote", "runoffs_held": 1}

The projects' 差额 check is off: the tied are the whole list, and more of them than places.
"""

from __future__ import annotations

from tally.rounds.continuation import Counted
from tally.rounds.model import NextRound, RoundRefused, count, names

NO_TIE = RoundRefused("no_tie", "上一轮没有得票相等的情况")


def open_round(item_kind: str, previous: Counted) -> NextRound | RoundRefused:
    """Whether a re-vote among the tied may follow the ``previous`` counted round (an election's or
    a project vote's)."""
    result = previous.result
    tied = names(result.get("tied", []), "tied")
    if not tied:
        return NO_TIE
    places = count(result.get("tied_places"), "tied_places")
    if item_kind == "election":
        fields: dict[str, object] = {"candidates": tied, "seats": places, "round": "tie_revote"}
        runoffs_held = count(previous.definition.get("runoffs_held", 0), "runoffs_held")
        if runoffs_held:
            fields["runoffs_held"] = runoffs_held
        return NextRound(fields)
    return NextRound({"projects": tied, "choose": places, "require_differential": False})
