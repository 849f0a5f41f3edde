"""A tie re-vote or 另行选举 continues an election or a 民生实事 vote from its last counted round.

shared/domain.md "Elections": a tie blocking the last seat is voted again among the tied, and a
shortfall is filled by 另行选举 (组织法 第二十九条; 选举法 第四十五条 for deputies to the
next-level congress); "民生实事项目票决": the 票决办法 models its rules on elections, with a tie at
the cutoff voted again. No other item has such rounds: a motion's, list's or 任免案's valid result
is final and a 满意度测评 has no seats. The round continued is the last one not declared void, and
it must have a result:

    election: first (closed, B and C tied), tie re-vote (voided) -> continue from the first round
    motion                                                        -> refused: invalid_round (400)
    election: first (voided)                                      -> refused: no_previous_result (409)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from tally.rounds.model import PreviousRound, RoundRefused

CONTINUED_KINDS = ("election", "project_vote")
NOT_CONTINUED = RoundRefused(
    "invalid_round", "只有选举和民生实事项目票决有再次投票或另行选举", field="round", conflict=False
)
NO_RESULT = RoundRefused("no_previous_result", "没有可以接续的上一轮结果")


@dataclass(frozen=True)
class Counted:
    """The last counted round: its result and the definition it was held on."""

    result: Mapping[str, object]
    definition: Mapping[str, object]


def last_counted(item_kind: str, rounds: Sequence[PreviousRound]) -> Counted | RoundRefused:
    """The round a tie re-vote or 另行选举 would continue, or why there is none."""
    if item_kind not in CONTINUED_KINDS:
        return NOT_CONTINUED
    held = [r for r in rounds if not r.voided]
    if not held or held[-1].result is None:
        return NO_RESULT
    return Counted(held[-1].result, held[-1].definition)
