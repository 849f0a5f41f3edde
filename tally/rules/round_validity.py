"""A voting round is void when more ballots come back than were issued.

选举法 第四十四条: "每次选举所投的票数，多于投票人数的无效，等于或者少于投票人数的有效";
shared/domain.md "Elections". The same test cures a motion's invalid vote (re-vote).

    round valid  <=>  returned <= issued

30 issued: 30 returned -> valid; 29 returned -> valid; 31 returned -> void, hold it again.
"""

from __future__ import annotations


def is_valid(returned: int, issued: int) -> bool:
    """True iff no more ballots came back than were issued."""
    return returned <= issued
