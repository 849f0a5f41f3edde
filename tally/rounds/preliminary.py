"""预选 (preliminary vote) belongs to elections: it ranks the nominees to fix the formal list.

组织法 第二十七条 (officials) and 选举法 第三十一条 (deputies to the next-level congress), as
shared/domain.md "Elections" names them: the ballot carries exactly the 差额数 fixed in the 选举办法;
if more are nominated, a 预选 ranks them by votes, no majority needed, to fix the list. Only an
election has nominees, so any other item refuses it:

    election, 8 nominees for a list of 6 -> opens with {"round": "preliminary", "candidates": [...8 names]}
    民生实事项目票决                      -> refused: invalid_round (400, field "round")

It comes before the election proper, once: with any round held on the item (declared void ones
set aside; an open one counts) — a 预选, a first vote, a tie re-vote — it is too late:

    election: first (closed)                      -> refused: preliminary_too_late (409)
    election: 预选 (closed)                        -> refused (a void 预选 is held again by a re-vote)
    election: first (voided)                      -> opens

The tally counts it as ``round = "preliminary"`` (ranking only); the election proper is then a
first vote (first.py).
"""

from __future__ import annotations

from collections.abc import Sequence

from tally.rounds.model import NextRound, PreviousRound, RoundRefused

ELECTIONS_ONLY = RoundRefused("invalid_round", "只有选举可以进行预选", field="round", conflict=False)
TOO_LATE = RoundRefused("preliminary_too_late", "预选只能在正式选举投票之前进行（本项选举已经预选或投票）")


def open_round(
    item_kind: str, rounds: Sequence[PreviousRound], candidates: Sequence[str] | None
) -> NextRound | RoundRefused:
    """Whether a 预选 may open on an item of ``item_kind`` after ``rounds``."""
    if item_kind != "election":
        return ELECTIONS_ONLY
    if any(not r.voided for r in rounds):
        return TOO_LATE
    fields: dict[str, object] = {"round": "preliminary"}
    if candidates is not None:
        fields["candidates"] = list(candidates)
    return NextRound(fields)
