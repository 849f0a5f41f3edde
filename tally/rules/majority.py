"""A motion passes by a majority of *all* members of record, not of those present.

组织法 第二十五条 (县乡人大: 由全体代表的过半数通过), 第五十一条 (常委会: 由常务委员会全体组成人员的
过半数通过); shared/domain.md "Motions and decisions".

    passes  <=>  2 * yes > members_of_record       (abstentions and non-votes are not yes)

35 members, 30 present: 18 yes -> 36 > 35, passes; 17 yes -> 34 <= 35, fails.
34 members: 17 yes -> 34 > 34 is false, fails; 18 yes passes.
"""

from __future__ import annotations


def passes(yes: int, members_of_record: int) -> bool:
    """True iff ``yes`` is more than half of ``members_of_record``."""
    return 2 * yes > members_of_record
