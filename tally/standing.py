"""Whether a round of voting can stand at all, before anything is counted: the check shared by
motions, elections and 民生实事 votes.

- No quorum -> invalid (组织法 第十四条 for congresses, 第五十一条 for the standing committee; the
  quorum arithmetic is rules/quorum.py).
- More ballots returned than issued -> invalid, hold it again (选举法 第四十四条; the same test
  cures a motion's invalid vote; rules/round_validity.py).
"""

from __future__ import annotations

from tally import announce
from tally.model import Attendance
from tally.rules import round_validity

RULE_NO_QUORUM = "quorum（组织法 第十四条、第五十一条：不足法定人数，表决无效）"
RULE_EXCESS = "returned <= issued（选举法 第四十四条：所投的票数多于投票人数的无效）"


def invalidity(attendance: Attendance, returned: int, issued: int) -> tuple[str, str] | None:
    """(rule, reason in Chinese) when the round cannot stand, else ``None``."""
    if not attendance.quorum_met:
        return RULE_NO_QUORUM, announce.render("no_quorum", required=attendance.quorum_required)
    if not round_validity.is_valid(returned, issued):
        return RULE_EXCESS, announce.render("excess_ballots")
    return None
