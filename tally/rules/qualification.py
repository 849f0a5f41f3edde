"""A candidate is elected only with the votes of more than half of *all* deputies.

组织法 第二十八条 / 选举法 第四十五条 "获得全体代表过半数选票的，始得当选"; shared/domain.md "Elections".
The base is all deputies currently holding office, not those present or voting:

    qualifies  <=>  2 * yes > members_of_record

120 deputies: 61 yes -> 122 > 120, qualifies; 60 yes -> 120 > 120 is false, does not.
"""

from __future__ import annotations

from tally.rules import majority


def qualifies(yes: int, members_of_record: int) -> bool:
    """True iff ``yes`` is more than half of all deputies."""
    return majority.passes(yes, members_of_record)
