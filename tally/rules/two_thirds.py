"""Two thirds of all members of record, only where a local rule asks for it.

No county or township item needs 2/3 by statute (shared/domain.md "Motions and decisions");
the setting ``threshold = "two_thirds_of_all"`` exists for local 议事规则 that require it.
"以上" includes the number itself:

    passes  <=>  3 * yes >= 2 * members_of_record

30 members: 20 yes -> 60 >= 60, passes; 19 yes -> 57 < 60, fails.
35 members: 24 yes -> 72 >= 70, passes; 23 yes -> 69 < 70, fails.
"""

from __future__ import annotations


def passes(yes: int, members_of_record: int) -> bool:
    """True iff ``yes`` is at least two thirds of ``members_of_record``."""
    return 3 * yes >= 2 * members_of_record
