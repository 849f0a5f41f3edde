"""Custom percentage tiers for a 满意度测评, where the adopted 测评办法 sets its own.

shared/domain.md "满意度测评": "Custom percentage tiers are allowed". Tiers are tried in order;
the first one met decides; none met -> 不满意. Each tier counts either 满意 alone or 满意 + 基本满意,
and is met when that count is at least ``min_percent`` percent of the base ("以上" includes it):

    met  <=>  100 * count >= min_percent * base          (integers only)

Tiers [满意: 满意 >= 80%; 基本满意: 满意+基本满意 >= 60%], base 50:
40 满意 -> 4000 >= 4000, 满意. 30 满意 + 0 基本满意 -> 3000 >= 3000, 基本满意. 20 + 9 -> 不满意.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from tally.rules.satisfaction_cascade import Grade

Counted = Literal["satisfied", "satisfied_or_basic"]


@dataclass(frozen=True)
class Tier:
    """Outcome ``grade`` when ``counted`` reaches ``min_percent`` percent of the base."""

    grade: Grade
    counted: Counted
    min_percent: int


def grade(tiers: Sequence[Tier], satisfied: int, basically_satisfied: int, base: int) -> Grade:
    """The first tier met, else 不满意."""
    for tier in tiers:
        count = satisfied if tier.counted == "satisfied" else satisfied + basically_satisfied
        if 100 * count >= tier.min_percent * base:
            return tier.grade
    return "unsatisfied"
