"""Quorum (法定人数) for each kind of body; the base is the members currently holding office.

shared/domain.md "Attendance and quorum":
- 人民代表大会 (county and township): 组织法 第十四条 "全体代表的三分之二以上出席，始得举行".
  "以上" includes the number itself:   valid  <=>  3 * present >= 2 * all
  60 deputies: 40 present -> 120 >= 120, valid; 39 present -> 117 < 120, not valid.
- 常务委员会: 组织法 第五十一条 "全体组成人员过半数出席，始得举行":
                                       valid  <=>  2 * present > all
  25 members: 13 present -> 26 > 25, valid; 12 present -> 24 <= 25, not valid.
- 主席团: a setting. Default "majority" (seed 004, 过半数出席): 2 * present > all;
  "two_thirds" where a province uses 2/3:  3 * present >= 2 * all.
  9 members: majority needs 5; two thirds needs 6.
- Voters rating a deputy's report-back (seed 004) are off the roll: no quorum applies.
"""

from __future__ import annotations

from typing import Literal

Body = Literal["congress", "township_congress", "standing_committee", "presidium", "voters"]
PresidiumQuorum = Literal["majority", "two_thirds"]

BODIES: tuple[Body, ...] = ("congress", "township_congress", "standing_committee", "presidium", "voters")
PRESIDIUM_QUORUMS: tuple[PresidiumQuorum, ...] = ("majority", "two_thirds")


def two_thirds_present(present: int, members: int) -> bool:
    """3 * present >= 2 * members."""
    return 3 * present >= 2 * members


def majority_present(present: int, members: int) -> bool:
    """2 * present > members."""
    return 2 * present > members


def is_met(body: Body, present: int, members: int, presidium_rule: PresidiumQuorum = "majority") -> bool:
    """Whether ``present`` out of ``members`` is a quorum for ``body``."""
    if body in ("congress", "township_congress"):
        return two_thirds_present(present, members)
    if body == "standing_committee":
        return majority_present(present, members)
    if body == "presidium":
        if presidium_rule == "two_thirds":
            return two_thirds_present(present, members)
        return majority_present(present, members)
    return True


def required(body: Body, members: int, presidium_rule: PresidiumQuorum = "majority") -> int:
    """The smallest number present that makes a quorum (0 where none applies)."""
    two_thirds = -(-2 * members // 3)  # ceil(2m/3)
    majority = members // 2 + 1
    if body in ("congress", "township_congress"):
        return two_thirds
    if body == "standing_committee":
        return majority
    if body == "presidium":
        return two_thirds if presidium_rule == "two_thirds" else majority
    return 0
