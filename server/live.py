"""The in-memory picture of what is happening now, rebuilt from the database at start.

The writer thread is the only one that changes it, after each commit; the event loop reads it to
answer snapshots. Ballot *contents* of an open secret vote are kept as an unordered pool keyed by
audit sequence number, with no voter; who voted is a separate set. The only place both meet is
``receipts_by_member`` — in memory only, for the duration of the vote, so a reconnecting tablet
gets its receipt back — and it is dropped when the vote closes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass
class LiveVote:
    id: str
    item_id: int
    meeting_id: int
    round_no: int
    round_kind: str
    state: str  # open | closed | voided
    method: str
    definition: dict[str, Any]
    eligible: frozenset[int]
    named: bool
    change_allowed: bool
    deadline: datetime | None = None
    voters: set[int] = field(default_factory=set)
    ballots: dict[int, dict[str, Any]] = field(default_factory=dict)
    receipts_by_member: dict[int, dict[str, Any]] = field(default_factory=dict)
    result: dict[str, Any] | None = None
    #: hash of a tablet's ballot id -> (leaf, content hash), for idempotent resends (no voter here)
    receipt_keys: dict[str, tuple[int, str]] = field(default_factory=dict)
    confirmations: list[str] = field(default_factory=list)
    #: ballots already checked against the definition, by canonical text
    valid_shapes: set[bytes] = field(default_factory=set)

    @property
    def cast(self) -> int:
        return len(self.voters)

    @property
    def expected(self) -> int:
        return len(self.eligible)


@dataclass
class LiveMeeting:
    id: int
    body_id: int
    body_kind: str
    title: str
    settings: dict[str, Any]
    members: dict[int, dict[str, Any]]  # id -> {code, name, group, seat, status}
    attendance: dict[int, str] = field(default_factory=dict)  # member id -> present | leave | absent
    items: list[dict[str, Any]] = field(default_factory=list)  # the agenda, public fields only
    #: member id -> {at, reason, by} of the latest code that staff issued in place of an earlier one
    code_reissues: dict[int, dict[str, str]] = field(default_factory=dict)

    def counted_members(self) -> list[int]:
        """实有: active members, and suspended ones where the setting counts them (default true)."""
        count_suspended = bool(self.settings.get("count_suspended_in_base", True))
        return [
            mid for mid, m in self.members.items()
            if m["status"] == "active" or (m["status"] == "suspended" and count_suspended)
        ]

    def present_voters(self) -> list[int]:
        """Checked-in members who may vote (suspended deputies cannot, 代表法 第六十一条)."""
        return sorted(
            mid for mid, state in self.attendance.items()
            if state == "present" and self.members[mid]["status"] == "active"
        )

    def summary(self) -> dict[str, Any]:
        from tally.rules import quorum

        counted = self.counted_members()
        members = len(counted)
        present = len(self.present_voters())
        # Only members of record can be on leave: a terminated deputy recorded on leave earlier (or a
        # suspended one, where the base leaves them out) would otherwise make ``absent`` too small.
        leave = sum(1 for mid in counted if self.attendance.get(mid) == "leave")
        presidium_rule = self.settings.get("presidium_quorum", "majority")
        body = self.body_kind
        return {
            "members_of_record": members,
            "present": present,
            "on_leave": leave,
            "absent": members - present - leave,
            "quorum_required": quorum.required(body, members, presidium_rule),  # type: ignore[arg-type]
            "quorum_met": quorum.is_met(body, present, members, presidium_rule),  # type: ignore[arg-type]
        }


@dataclass
class Live:
    meetings: dict[int, LiveMeeting] = field(default_factory=dict)
    votes: dict[str, LiveVote] = field(default_factory=dict)
    version: int = 0

    def open_votes(self, meeting_id: int) -> list[LiveVote]:
        return [v for v in self.votes.values() if v.meeting_id == meeting_id and v.state == "open"]
