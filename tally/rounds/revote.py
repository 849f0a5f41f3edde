"""A re-vote only cures a vote declared void; a valid result, even 未通过, is final.

shared/domain.md "Motions and decisions": "Re-vote only to cure an invalid vote (system fault, more
ballots returned than issued, procedural error), declared by 主席团 / the presiding officer with a
reason. A valid 未通过 is final for that item." "Elections": a round is void if more ballots come
back than were issued (选举法 第四十四条) and must be held again. So the last round held — voided
ones included — must be the one declared void:

    revote may open  <=>  the last round held was declared void

    first (voided: 第3排表决器故障)              -> opens
    first (closed, 赞成 29 of 60, 未通过)       -> refused: revote_needs_void (409)
    first (voided), revote (closed, 通过)       -> refused: the re-vote's result stands
    no rounds yet                                -> refused

The re-vote gets no fields of its own: it is held on the item's definition.
"""

from __future__ import annotations

from collections.abc import Sequence

from tally.rounds.model import NextRound, PreviousRound, RoundRefused

NEEDS_VOID = RoundRefused("revote_needs_void", "只有前次表决被宣布无效后才能重新表决（有效的未通过结果为最终结果）")


def open_round(rounds: Sequence[PreviousRound]) -> NextRound | RoundRefused:
    """Whether a re-vote may open after ``rounds``."""
    if not rounds or not rounds[-1].voided:
        return NEEDS_VOID
    return NextRound({})
