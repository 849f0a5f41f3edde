"""An item's first vote is held once; only a 预选 before it, or a vote declared void, leaves room.

shared/domain.md "Motions and decisions": "A valid 未通过 is final for that item (resubmission is a
new item)"; a vote declared invalid is set aside and may be held again (see revote.py).
"Elections": a 预选 only fixes the list (组织法 第二十七条; 选举法 第三十一条 for deputies to the
next-level congress), so the election proper is still to come after it.

    first may open  <=>  no round is left once voided ones are set aside,
                         or the last one left is a 预选

    no rounds yet                              -> opens
    预选 (closed)                              -> opens: the election on the list the 预选 fixed,
                                                  as round "first" (the item's definition may say 预选)
    motion: first (closed, 未通过)             -> refused: already_voted (409)
    motion: first (voided, 表决器故障)         -> opens (as would a revote)

The chair may give the ``candidates`` (e.g. the list fixed by the 预选); they replace the item's.
"""

from __future__ import annotations

from collections.abc import Sequence

from tally.rounds.model import NextRound, PreviousRound, RoundRefused

ALREADY_VOTED = RoundRefused("already_voted", "该议题已经表决过；如需重新表决，须先宣布前次表决无效")


def open_round(rounds: Sequence[PreviousRound], candidates: Sequence[str] | None) -> NextRound | RoundRefused:
    """Whether the item's first vote may open after ``rounds``."""
    held = [r for r in rounds if not r.voided]
    if held and held[-1].round_kind != "preliminary":
        return ALREADY_VOTED
    fields: dict[str, object] = {"round": "first"} if held else {}
    if candidates is not None:
        fields["candidates"] = list(candidates)
    return NextRound(fields)
