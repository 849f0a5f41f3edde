"""The default outcome of a 满意度测评: the cascade used by several standing committees.

shared/domain.md "满意度测评" (seeds 002, 003, 004): with ``base`` (default all members of record;
or valid forms, or those present, a setting):

    满意      iff  2 * satisfied > base
    基本满意  iff  not 满意 and 2 * (satisfied + basically_satisfied) > base
    不满意    otherwise

30 members: 16 满意 -> 满意; 10 满意 + 6 基本满意 -> 基本满意 (32 > 30); 10 + 5 -> 不满意 (30 > 30 false).
"""

from __future__ import annotations

from typing import Literal

Grade = Literal["satisfied", "basically_satisfied", "unsatisfied"]


def grade(satisfied: int, basically_satisfied: int, base: int) -> Grade:
    """Apply the cascade."""
    if 2 * satisfied > base:
        return "satisfied"
    if 2 * (satisfied + basically_satisfied) > base:
        return "basically_satisfied"
    return "unsatisfied"
