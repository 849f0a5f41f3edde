"""What a committed transaction changes in the in-memory picture, as values.

A use case in the writer does not change the picture (server/live.py) itself: it hands
``tx.then`` one of these, and once the transaction is durable the writer applies it to the
picture -- to the event loop's copy, and to the writer's own copy when it keeps one
(server/writer.py). An effect holds plain data only (ids, members, JSON values, frozen records),
never an object of the picture it applies to, and ``apply`` finds what it changes by id: the same
effect applied to two copies of a picture leaves them equal, and it can be pickled (the step to a
writer in a process of its own, docs/performance.md "Next steps"). Values an effect carries are
never changed in place afterwards, by it or by the picture: a change replaces them.

One class per kind of change; ``apply`` is the only code that changes a picture after the start
(server/startup.py builds it from the database).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

from server.domain import (
    Attendance,
    BodyKind,
    JsonObject,
    MeetingId,
    MemberId,
    MemberStatus,
    VoteId,
    VoteState,
)
from server.live import CodeReissue, Live, LiveMeeting, LiveVote, Member, RollClosed, StoredBallot


class Effect:
    """A change of the picture, applied once per copy of it."""

    def apply(self, live: Live) -> None:  # pragma: no cover - every effect overrides it
        raise NotImplementedError


@dataclass(frozen=True)
class MeetingCreated(Effect):
    meeting_id: MeetingId
    body_id: int
    body_kind: BodyKind
    title: str
    settings: JsonObject
    body_name: str

    def apply(self, live: Live) -> None:
        live.meetings[self.meeting_id] = LiveMeeting(self.meeting_id, self.body_id, self.body_kind, self.title,
                                                     dict(self.settings), {}, body_name=self.body_name)


@dataclass(frozen=True)
class AgendaChanged(Effect):
    """The agenda as the terminals are sent it, after the transaction."""

    meeting_id: MeetingId
    items: tuple[JsonObject, ...]

    def apply(self, live: Live) -> None:
        live.meetings[self.meeting_id].items = list(self.items)


@dataclass(frozen=True)
class AttendanceSet(Effect):
    meeting_id: MeetingId
    member_id: MemberId
    state: Attendance

    def apply(self, live: Live) -> None:
        live.meetings[self.meeting_id].attendance[self.member_id] = self.state


@dataclass(frozen=True)
class RollClosedAt(Effect):
    meeting_id: MeetingId
    closed: RollClosed

    def apply(self, live: Live) -> None:
        live.meetings[self.meeting_id].roll_closed = self.closed


@dataclass(frozen=True)
class CodesReissued(Effect):
    meeting_id: MeetingId
    notes: Mapping[MemberId, CodeReissue]

    def apply(self, live: Live) -> None:
        live.meetings[self.meeting_id].code_reissues.update(self.notes)


@dataclass(frozen=True)
class MembersChanged(Effect):
    """Members of a body as they are now (a roll imported), in every meeting of the body."""

    body_id: int
    members: Mapping[MemberId, Member]

    def apply(self, live: Live) -> None:
        for member_id, member in self.members.items():
            for meeting in live.meetings.values():
                if meeting.body_id == self.body_id:
                    meeting.members[member_id] = member


@dataclass(frozen=True)
class MemberStatusChanged(Effect):
    """A member's new status in every meeting of the body; a terminated deputy who had checked in
    is 缺席 from then on."""

    body_id: int
    member_id: MemberId
    member: Member

    def apply(self, live: Live) -> None:
        for meeting in live.meetings.values():
            if meeting.body_id != self.body_id:
                continue
            meeting.members[self.member_id] = self.member
            if self.member.status is MemberStatus.TERMINATED and \
                    meeting.attendance.get(self.member_id) is Attendance.PRESENT:
                meeting.attendance[self.member_id] = Attendance.ABSENT


@dataclass(frozen=True)
class VoteAdded(Effect):
    """A vote opened, or a result entered by hand: each copy gets a :class:`LiveVote` of its own,
    made from this one (never itself changed). Its ``eligible`` is a frozenset, shared rather than
    copied: thousands of deputies, copied member by member, were ≈ 2 ms of the opening before its
    state could go out (docs/performance.md, eleventh session)."""

    vote: LiveVote

    def apply(self, live: Live) -> None:
        live.votes[self.vote.id] = copy.deepcopy(self.vote, {id(self.vote.eligible): self.vote.eligible})


#: what :class:`VoteChanged` may set: the fields a vote's later transactions replace
VOTE_CHANGES = frozenset({"state", "result", "deadline", "confirmations", "publication", "decryption", "mark_key"})


@dataclass(frozen=True)
class VoteChanged(Effect):
    """New values of some fields of a vote; ``forget_receipts``: its named ballots' receipts are
    no longer kept for the deputies' other devices (it is no longer open)."""

    vote_id: VoteId
    changes: Mapping[str, Any]
    forget_receipts: bool = False

    def __post_init__(self) -> None:
        unknown = set(self.changes) - VOTE_CHANGES
        if unknown:
            raise ValueError(f"not a field a vote's change sets: {sorted(unknown)}")

    def apply(self, live: Live) -> None:
        vote = live.votes[self.vote_id]
        for name, value in self.changes.items():
            setattr(vote, name, value)
        if self.forget_receipts:
            vote.receipts_by_member.clear()


def ended(vote_id: VoteId, state: VoteState, **changes: Any) -> VoteChanged:
    """A vote that stops being open (closed, voided, waiting for its decryption)."""
    return VoteChanged(vote_id, {"state": state, **changes}, forget_receipts=True)


@dataclass(frozen=True)
class PaperBallotCounted(Effect):
    vote_id: VoteId
    seq: int
    ballot: JsonObject

    def apply(self, live: Live) -> None:
        live.votes[self.vote_id].ballots[self.seq] = self.ballot


@dataclass(frozen=True)
class BallotSpoiled(Effect):
    """An encrypted ballot challenged: its id never to be cast, nor its ciphertexts."""

    vote_id: VoteId
    key: str
    alphas: frozenset[str]

    def apply(self, live: Live) -> None:
        vote = live.votes[self.vote_id]
        vote.spoiled.add(self.key)
        vote.alphas |= self.alphas


class StoredBallotEntry(NamedTuple):
    """One ballot of a batch, as the picture keeps it: no voter with it, but in a named vote, whose
    ballots are published with their voters. A tuple: thousands are made a second under a burst,
    where a frozen dataclass costs several times as much to build."""

    vote_id: VoteId
    seq: int
    ballot: JsonObject
    key: str
    seal: str | None
    token_hash: str | None
    replaced_leaf: int | None = None
    alphas: frozenset[str] = frozenset()
    #: a named vote: the deputy, and ``{"ballot_id", "receipt"}`` for their other devices
    named_receipt: tuple[MemberId, JsonObject] | None = None


@dataclass(frozen=True)
class BallotsStored(Effect):
    """A batch of ballots, in the order they were logged, and who cast them, apart: the voters by
    member id, so that nothing in the effect pairs a deputy with a ballot of a secret vote (the
    picture keeps them apart too, server/live.py)."""

    entries: tuple[StoredBallotEntry, ...] = ()
    voters: tuple[tuple[VoteId, MemberId], ...] = ()

    def apply(self, live: Live) -> None:
        votes = live.votes
        for vote_id, member_id in self.voters:
            votes[vote_id].voters.add(member_id)
        for entry in self.entries:
            vote = votes[entry.vote_id]
            if entry.replaced_leaf is not None:
                vote.ballots.pop(entry.replaced_leaf, None)
            vote.ballots[entry.seq] = entry.ballot
            vote.receipt_keys[entry.key] = StoredBallot(entry.seq, entry.seal, entry.token_hash)
            if entry.alphas:
                vote.alphas |= entry.alphas
            if entry.named_receipt is not None:
                member_id, receipt = entry.named_receipt
                vote.receipts_by_member[member_id] = receipt


@dataclass(frozen=True)
class VoteKeyForgotten(Effect):
    """A vote is no longer open: its mark key is gone from the picture, and from DATA_DIR where the
    copy holds the keys (the writer's)."""

    vote_id: VoteId

    def apply(self, live: Live) -> None:
        live.votes[self.vote_id].mark_key = b""
        if live.vote_keys is not None:
            live.vote_keys.forget(self.vote_id)
