"""A ballot that supports more people than there are seats is void (作废).

shared/domain.md "Elections": a ballot is void iff 赞成 + write-ins > seats (选举法 第四十四条's
practice: "所选的人数多于应选代表人数的作废"). The same rule serves 民生实事 choose-N ballots.

    void  <=>  supported > seats        (supported = candidates marked 赞成 + distinct write-ins)

3 seats: 3 赞成 -> valid; 2 赞成 + 1 write-in -> valid; 3 赞成 + 1 write-in -> void.
"""

from __future__ import annotations


def is_void(supported: int, seats: int) -> bool:
    """True iff the ballot supports more people than there are seats."""
    return supported > seats
