"""The in-memory picture of what is happening now, rebuilt from the database at start.

The event loop is its owner: it reads it for every view and tick, and nothing changes it but the
effects of a committed batch (server/effects.py), values applied on the loop in one callback per
batch (server/writer.py), before the writer thread starts its next transaction -- so a use case in
the writer thread reads it as of the last commit, and nothing changes it while the loop iterates
it. With WRITER_PICTURE_COPY the writer keeps a copy of its own, which its jobs read and to which
it applies the same effects in its thread; the keys of who has voted (``vote_keys``) are then in
that copy only, and what the two copies must agree on is what ``==`` compares.

Ballot *contents* of an open secret vote are kept as an unordered pool keyed by audit sequence
number, with no voter; who voted is a separate set. Nothing joins them for a secret vote: only
the tablet that cast a ballot holds its ballot id, receipt and cast token. For a named (记名)
vote, whose ballots are published with their voters, ``receipts_by_member`` keeps each deputy's
current ballot id and receipt for their other devices, in memory only, until it closes.

Typed values throughout (server/domain.py): a :class:`Member`, an :class:`Attendance` per member,
a vote's :class:`VoteState`, :class:`VoteMethod` and :class:`RoundKind`. What stays a
:data:`JsonObject` is tally's (a definition, a result, a ballot), an audit receipt, or the agenda
as the terminals are sent it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, NamedTuple

from server.domain import (
    Attendance,
    BodyKind,
    JsonObject,
    MeetingId,
    MemberId,
    MemberStatus,
    RoundKind,
    VoteId,
    VoteMethod,
    VoteState,
)
from server.tracked import Tracked, revision_of
from tally.rules import quorum

if TYPE_CHECKING:
    from server import models
    from server.participation import VoteKeys

#: tally's word for each body: the same string (tests/server/test_domain.py holds them equal).
TALLY_BODY: dict[BodyKind, quorum.Body] = {kind: body for body in quorum.BODIES for kind in BodyKind if kind == body}


@dataclass(frozen=True)
class Member:
    """One member on the roll, as the meeting sees it (the row is server/models.py ``Member``)."""

    code: str
    name: str
    group: str
    seat: str
    status: MemberStatus

    @classmethod
    def of(cls, row: models.Member) -> Member:
        return cls(row.code, row.name, row.group_name, row.seat, MemberStatus(row.status))

    def to_json(self) -> JsonObject:
        """``{code, name, group, seat, status}``, in that order (the roll and the named table)."""
        return {"code": self.code, "name": self.name, "group": self.group, "seat": self.seat,
                "status": self.status.value}


@dataclass(frozen=True)
class AttendanceSummary:
    """实有 / 出席 / 请假 / 缺席 / 未签到 and the quorum, as the roll, the state and every tick show it.

    A deputy who has not checked in is 未签到 until the chair closes the roll (签到结束), and only
    then 缺席: an unapproved absence has legal weight (代表法 第六十二条, shared/domain.md).
        members_of_record = present + on_leave + absent + not_checked_in
    """

    members_of_record: int
    present: int
    on_leave: int
    absent: int
    quorum_required: int
    quorum_met: bool
    not_checked_in: int
    roll_closed: bool

    def to_json(self) -> JsonObject:
        """The wire form (docs/protocol.md ``attendance``), fields in this order."""
        return {
            "members_of_record": self.members_of_record,
            "present": self.present,
            "on_leave": self.on_leave,
            "absent": self.absent,
            "quorum_required": self.quorum_required,
            "quorum_met": self.quorum_met,
            "not_checked_in": self.not_checked_in,
            "roll_closed": self.roll_closed,
        }


@dataclass(frozen=True)
class RollClosed:
    """签到结束: when the chair closed the roll, and who (``chair:<name>``)."""

    at: str
    by: str

    def to_json(self) -> JsonObject:
        return {"at": self.at, "by": self.by}


@dataclass(frozen=True)
class CodeReissue:
    """A sign-in code staff issued in place of an earlier one: when, why and by whom (the chair
    console and the deputy's tablet show it)."""

    at: str
    reason: str
    by: str

    def to_json(self) -> JsonObject:
        return {"at": self.at, "reason": self.reason, "by": self.by}


class StoredBallot(NamedTuple):
    """What a resend of a stored ballot is checked against (``ballot_receipts``, no voter)."""

    leaf: int
    seal: str | None
    token_hash: str | None


@dataclass
class LiveVote:
    id: VoteId
    item_id: int
    meeting_id: MeetingId
    round_no: int
    round_kind: RoundKind
    state: VoteState
    method: VoteMethod
    #: tally's document without ballots, frozen at open (roll base, present, quorum)
    definition: JsonObject
    eligible: frozenset[MemberId]
    named: bool
    change_allowed: bool
    deadline: datetime | None = None
    voters: set[MemberId] = field(default_factory=set)
    #: ballot documents by audit seq (no voter)
    ballots: dict[int, JsonObject] = field(default_factory=dict)
    #: named votes only: ``{"ballot_id", "receipt"}`` per deputy, merged into their ``me`` view while open
    receipts_by_member: dict[MemberId, JsonObject] = field(default_factory=dict)
    #: tally's result, once counted
    result: JsonObject | None = None
    #: hash of a tablet's ballot id -> its leaf, seal and token hash, for resends (no voter here)
    receipt_keys: dict[str, StoredBallot] = field(default_factory=dict)
    #: the time of its ``vote_opened`` record, as written: the time of its secret ballots' records
    opened_stamp: str = ""
    #: the key of its marks in ``vote_voters`` while it is open (server/participation.py)
    mark_key: bytes = b""
    confirmations: list[str] = field(default_factory=list)
    #: the publish step: who confirmed and who declared its result, and when (server/usecases/publish.py)
    publication: JsonObject = field(default_factory=dict)
    #: ballots already checked against the definition, by canonical text: the writer's cache, so no
    #: part of what two copies of the picture must agree on
    valid_shapes: set[bytes] = field(default_factory=set, compare=False)
    #: an encrypted vote: {context, vid, selections, fingerprint} (docs/protocol.md "Encrypted secret votes")
    encryption: JsonObject | None = None
    #: an encrypted vote's first ciphertext of every stored ballot (a copied ballot is refused)
    alphas: set[str] = field(default_factory=set)
    #: hashes of the ids of an encrypted vote's challenged (spoiled) ballots: never to be cast
    spoiled: set[str] = field(default_factory=set)
    #: after close: {totals, ballots_cast, k, partials {trustee: partial}}
    decryption: JsonObject | None = None

    @property
    def cast(self) -> int:
        return len(self.voters)

    @property
    def expected(self) -> int:
        return len(self.eligible)


@dataclass
class LiveMeeting:
    id: MeetingId
    body_id: int
    body_kind: BodyKind
    title: str
    #: the body's settings (count_suspended_in_base, presidium_quorum, …) and ``closed``
    settings: JsonObject
    members: dict[MemberId, Member]
    attendance: dict[MemberId, Attendance] = field(default_factory=dict)
    #: the agenda, public fields only, as the terminals are sent it (usecases/agenda.py ``item_view``)
    items: list[JsonObject] = field(default_factory=list)
    #: the latest code that staff issued to a member in place of an earlier one
    code_reissues: dict[MemberId, CodeReissue] = field(default_factory=dict)
    #: 签到结束, once the chair has closed the roll: deputies not checked in are 缺席 from then on
    roll_closed: RollClosed | None = None
    #: the body's name (某某县第十八届人民代表大会): with the title, the full name of the session
    body_name: str = ""
    #: ``summary`` and ``present_voters`` as last counted, under the key they were counted for
    #: (:meth:`_roll_key`): no part of what two copies of the picture must agree on
    _counted: dict[str, tuple[tuple[object, ...], object]] = field(
        default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Tracked (server/tracked.py): the figures counted over the roll are kept until either changes.
        if not isinstance(self.members, Tracked):
            self.members = Tracked(self.members)
        if not isinstance(self.attendance, Tracked):
            self.attendance = Tracked(self.attendance)

    def _roll_key(self) -> tuple[object, ...] | None:
        """What the roll's figures depend on: the revisions of ``members`` and ``attendance``
        (server/tracked.py), the two settings they read, the body and whether the roll is closed.
        None -- count afresh -- should either have been replaced by a plain dict."""
        members, attendance = revision_of(self.members), revision_of(self.attendance)
        if members is None or attendance is None:
            return None
        return (members, attendance, self.settings.get("count_suspended_in_base", True),
                self.settings.get("presidium_quorum", "majority"), self.body_kind, self.roll_closed is None)

    def _kept(self, name: str, key: tuple[object, ...] | None) -> object | None:
        kept = self._counted.get(name)
        return kept[1] if key is not None and kept is not None and kept[0] == key else None

    def _keep(self, name: str, key: tuple[object, ...] | None, value: object) -> None:
        if key is not None:
            self._counted[name] = (key, value)

    def counted_members(self) -> list[MemberId]:
        """实有: active members, and suspended ones where the setting counts them (default true)."""
        count_suspended = bool(self.settings.get("count_suspended_in_base", True))
        return [
            mid for mid, m in self.members.items()
            if m.status is MemberStatus.ACTIVE or (m.status is MemberStatus.SUSPENDED and count_suspended)
        ]

    def present_voters(self) -> list[MemberId]:
        """Checked-in members who may vote (suspended deputies cannot, 代表法 第六十一条), in order;
        counted again only once the roll or the attendance has changed."""
        key = self._roll_key()
        kept = self._kept("present_voters", key)
        if isinstance(kept, tuple):
            return list(kept)
        voters = sorted(
            mid for mid, state in self.attendance.items()
            if state is Attendance.PRESENT and self.members[mid].status is MemberStatus.ACTIVE
        )
        self._keep("present_voters", key, tuple(voters))
        return voters

    def not_checked_in(self) -> list[MemberId]:
        """未签到: active members of record with no attendance at all, while the roll is open (after
        签到结束 they are 缺席). Suspended deputies cannot check in (代表法 第六十一条): never here."""
        if self.roll_closed is not None:
            return []
        return sorted(mid for mid in self.counted_members()
                      if self.members[mid].status is MemberStatus.ACTIVE and mid not in self.attendance)

    def attendance_of(self, member_id: MemberId) -> Attendance | None:
        """A member's attendance as the pages and reports name it: once the roll is closed, an active
        member who never checked in and was not recorded is 缺席; before, nothing (未签到)."""
        state = self.attendance.get(member_id)
        if state is None and self.roll_closed is not None and self.members[member_id].status is MemberStatus.ACTIVE:
            return Attendance.ABSENT
        return state

    def summary(self) -> AttendanceSummary:
        """The figures of ``counted_members``, ``present_voters`` and ``not_checked_in``, counted in
        one pass (a tick asks for them four times a second, in a hall of thousands), and counted
        again only once the roll, the attendance or the roll's closing has changed."""
        key = self._roll_key()
        kept = self._kept("summary", key)
        if isinstance(kept, AttendanceSummary):
            return kept
        count_suspended = bool(self.settings.get("count_suspended_in_base", True))
        roll_open = self.roll_closed is None
        attendance = self.attendance
        members = present = leave = waiting = 0
        for mid, member in self.members.items():
            active = member.status is MemberStatus.ACTIVE
            if not (active or (member.status is MemberStatus.SUSPENDED and count_suspended)):
                continue
            members += 1
            state = attendance.get(mid)
            if state is None:
                waiting += active and roll_open
            elif state is Attendance.PRESENT:
                present += active  # suspended deputies cannot vote (代表法 第六十一条)
            elif state is Attendance.LEAVE:
                # Only members of record are counted on leave: a terminated deputy recorded on leave
                # earlier (or a suspended one the base leaves out) would make ``absent`` too small.
                leave += 1
        presidium_rule = self.settings.get("presidium_quorum", "majority")
        body = TALLY_BODY[self.body_kind]
        summary = AttendanceSummary(
            members_of_record=members,
            present=present,
            on_leave=leave,
            absent=members - present - leave - waiting,
            quorum_required=quorum.required(body, members, presidium_rule),
            quorum_met=quorum.is_met(body, present, members, presidium_rule),
            not_checked_in=waiting,
            roll_closed=self.roll_closed is not None,
        )
        self._keep("summary", key, summary)
        return summary


@dataclass
class Live:
    #: keyed by plain ids: the routes look them up with their path parameters as they are
    meetings: dict[int, LiveMeeting] = field(default_factory=dict)
    votes: dict[str, LiveVote] = field(default_factory=dict)
    version: int = 0
    #: the open votes' keys of who has voted (DATA_DIR/vote-keys): in the writer's copy only
    vote_keys: VoteKeys | None = field(default=None, compare=False)

    def open_votes(self, meeting_id: int) -> list[LiveVote]:
        return [v for v in self.votes.values() if v.meeting_id == meeting_id and v.state is VoteState.OPEN]
