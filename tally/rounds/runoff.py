"""Fewer elected than seats: 另行选举 for the unfilled seats, in elections only.

shared/domain.md "Elections", "Shortfall -> 另行选举": officials (组织法 第二十九条) take candidates in
first-round order or newly nominated; deputies to the next-level congress (选举法 第四十五条) take
them in first-round order; the threshold stays ``2 * yes > all``. The slate in first-round order is
the one tally proposed with the result (rules/runoff_slate.py). No statute limits the number of
rounds: the 选举办法's ``max_runoff_rounds``, and once it is reached tally proposes no slate. A
民生实事 vote has no 另行选举 (its 票决办法 chooses among the listed projects only).

    seats         = the chair's figure if given, else the unfilled seats
    candidates    = the chair's names if given, else the proposed slate
    runoffs_held  = the continued round's runoffs_held + 1

    县长 (1 seat), 60 deputies: 周正 29, 吴刚 21 -> nobody elected, 1 unfilled, slate 周正, 吴刚
        -> {"candidates": ["周正", "吴刚"], "seats": 1, "round": "runoff", "runoffs_held": 1}
    every seat filled                                 -> refused: nothing_unfilled (409)
    no slate proposed (limit reached), no names given -> refused: runoff_limit (409)
    max_runoff_rounds 1, runoffs_held 1, names given  -> refused: runoff_limit (409): the limit
                                                        binds the chair's own nominations too
    民生实事项目票决                                   -> refused: invalid_round (400)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from tally.errors import MalformedInput
from tally.rounds.continuation import Counted
from tally.rounds.model import NextRound, RoundRefused, count, names

ELECTIONS_ONLY = RoundRefused("invalid_round", "民生实事项目票决没有另行选举", field="round", conflict=False)
NOTHING_UNFILLED = RoundRefused("nothing_unfilled", "上一轮已选足名额，无需另行选举")
NO_SLATE = RoundRefused("runoff_limit", "已达到选举办法规定的另行选举轮次，或须另行提名候选人")
RUNOFF_LIMIT = RoundRefused("runoff_limit", "已达到选举办法规定的另行选举轮次（max_runoff_rounds），不能再另行选举")


def open_round(
    item_kind: str, previous: Counted, candidates: Sequence[str] | None, seats: int | None
) -> NextRound | RoundRefused:
    """Whether 另行选举 may follow the ``previous`` counted round, and on which slate and seats."""
    if item_kind != "election":
        return ELECTIONS_ONLY
    unfilled = count(previous.result.get("unfilled", 0), "unfilled")
    if unfilled <= 0:
        return NOTHING_UNFILLED
    held = count(previous.definition.get("runoffs_held", 0), "runoffs_held")
    limit = previous.definition.get("max_runoff_rounds")
    if limit is not None and held >= count(limit, "max_runoff_rounds"):
        return RUNOFF_LIMIT
    proposed = previous.result.get("runoff")
    if candidates is None and proposed is None:
        return NO_SLATE
    if candidates is not None:
        slate = list(candidates)
    elif isinstance(proposed, Mapping):
        slate = names(proposed.get("candidates"), "runoff.candidates")
    else:
        raise MalformedInput("runoff", "应为另行选举名单 (must be the proposed slate)")
    return NextRound({"candidates": slate, "seats": seats or unfilled, "round": "runoff", "runoffs_held": held + 1})
