"""Round rules: whether another round of voting may open on an item, and what it is held on.

shared/domain.md "Motions and decisions" and "Elections"; one rule per module, each with its
statute and a worked example:

- first.py        a first vote is held once (a 预选 before it, or a void, leaves room);
- preliminary.py  预选 belongs to elections, before any vote on them (组织法 第二十七条, 选举法 第三十一条);
- revote.py       a re-vote only cures a vote declared void, and holds that round again (选举法 第四十四条);
- continuation.py a tie re-vote or 另行选举 continues an election or project vote's last counted round;
- tie_revote.py   the tied vote again for the places they tie for (组织法 第二十九条, 选举法 第四十五条);
- runoff.py       另行选举 for the unfilled seats (组织法 第二十九条, 选举法 第四十五条);
- another_round.py whether a result leaves the item pending.

:func:`next_round` picks the rule for the round asked for. Pure: the server turns its stored votes
into :class:`PreviousRound` values and a :class:`RoundRefused` into its 409/400 answer.
"""

from __future__ import annotations

from collections.abc import Sequence

from tally.rounds import continuation, first, preliminary, revote, runoff, tie_revote
from tally.rounds.another_round import needs_another_round
from tally.rounds.model import ROUND_KINDS, NextRound, PreviousRound, RoundKind, RoundRefused

UNKNOWN_KIND = RoundRefused("invalid_round", "轮次类型错误", field="round", conflict=False)

__all__ = [
    "ROUND_KINDS",
    "UNKNOWN_KIND",
    "NextRound",
    "PreviousRound",
    "RoundKind",
    "RoundRefused",
    "needs_another_round",
    "next_round",
]


def next_round(
    item_kind: str,
    rounds: Sequence[PreviousRound],
    round_kind: str,
    candidates: Sequence[str] | None = None,
    seats: int | None = None,
) -> NextRound | RoundRefused:
    """Whether a round of ``round_kind`` may open on an item after ``rounds`` (first round first).

    ``candidates`` and ``seats`` are what the chair gave, if anything: the list for a first vote or
    预选, new nominations and seats for 另行选举; a tie re-vote takes both from the tie.
    """
    if round_kind == "first":
        return first.open_round(rounds, candidates)
    if round_kind == "preliminary":
        return preliminary.open_round(item_kind, rounds, candidates)
    if round_kind == "revote":
        return revote.open_round(rounds)
    if round_kind not in ("tie_revote", "runoff"):
        return UNKNOWN_KIND
    previous = continuation.last_counted(item_kind, rounds)
    if isinstance(previous, RoundRefused):
        return previous
    if round_kind == "tie_revote":
        return tie_revote.open_round(item_kind, previous)
    return runoff.open_round(item_kind, previous, candidates, seats)
