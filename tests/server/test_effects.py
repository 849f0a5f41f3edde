"""server/effects.py: every change of the in-memory picture as a value. Applied to two equal copies
of a picture, each effect leaves them equal, shares no mutable part between them, and survives a
pickle round trip unchanged (what a writer in a process of its own sends back)."""

from __future__ import annotations

import copy
import pickle
from datetime import UTC, datetime
from pathlib import Path

import pytest

from server import effects
from server.domain import (
    Attendance,
    BodyKind,
    MeetingId,
    MemberId,
    MemberStatus,
    RoundKind,
    VoteId,
    VoteMethod,
    VoteState,
)
from server.live import CodeReissue, Live, LiveMeeting, LiveVote, Member, RollClosed
from server.participation import VoteKeys
from tests.conftest import picture_differences

M, BODY, V = MeetingId(1), 7, VoteId("v3-1")
ONE, TWO = MemberId(1), MemberId(2)


def _member(code: str, status: MemberStatus = MemberStatus.ACTIVE) -> Member:
    return Member(code, f"代表{code}", "一组", code, status)


def _picture() -> Live:
    members = {ONE: _member("D1"), TWO: _member("D2")}
    live = Live(meetings={M: LiveMeeting(M, BODY, BodyKind.CONGRESS, "第三次会议", {}, members,
                                         {ONE: Attendance.PRESENT})})
    effects.VoteAdded(LiveVote(id=V, item_id=3, meeting_id=M, round_no=1, round_kind=RoundKind.FIRST,
                               state=VoteState.OPEN, method=VoteMethod.ELECTRONIC, definition={"kind": "motion"},
                               eligible=frozenset({ONE, TWO}), named=True, change_allowed=True,
                               mark_key=b"k" * 32)).apply(live)
    return live


def _stored(seq: int, member: MemberId, replaced: int | None = None) -> effects.StoredBallotEntry:
    return effects.StoredBallotEntry(V, seq, {"choice": "yes"}, f"key{seq}", "seal", None, replaced,
                                     frozenset({f"alpha{seq}"}),
                                     (member, {"ballot_id": f"b{seq}", "receipt": {"index": seq}}))


EFFECTS: list[effects.Effect] = [
    effects.MeetingCreated(MeetingId(2), BODY, BodyKind.CONGRESS, "第四次会议", {"publish_step": True}, "某县人大"),
    effects.AgendaChanged(M, ({"id": 3, "title": "议案"},)),
    effects.AttendanceSet(M, TWO, Attendance.LEAVE),
    effects.RollClosedAt(M, RollClosed("2026-12-04T08:00:00Z", "chair:主持人")),
    effects.CodesReissued(M, {TWO: CodeReissue("2026-12-04T08:00:00Z", "丢失", "staff:工作人员")}),
    effects.MembersChanged(BODY, {TWO: _member("D2b"), MemberId(3): _member("D3")}),
    effects.MemberStatusChanged(BODY, ONE, _member("D1", MemberStatus.TERMINATED)),
    effects.BallotsStored((_stored(10, ONE), _stored(11, TWO)), ((V, ONE), (V, TWO))),
    effects.BallotsStored((_stored(12, ONE, replaced=10),), ((V, ONE),)),
    effects.PaperBallotCounted(V, 13, {"choice": "no"}),
    effects.BallotSpoiled(V, "spoiled-key", frozenset({"alpha-x"})),
    effects.VoteChanged(V, {"deadline": datetime(2026, 12, 4, 9, tzinfo=UTC), "confirmations": ["甲"]}),
    effects.VoteChanged(V, {"publication": {"confirmed_by": "甲"}, "decryption": {"k": 2}}),
    effects.ended(V, VoteState.CLOSED, result={"outcome": "adopted"}),
    effects.VoteKeyForgotten(V),
]


def test_each_effect_leaves_two_equal_copies_equal_and_sharing_nothing_mutable() -> None:
    mine, theirs = _picture(), _picture()
    for effect in EFFECTS:
        effect.apply(mine)
        effect.apply(theirs)
        assert picture_differences(mine, theirs) == [], effect
    vote_a, vote_b = mine.votes[V], theirs.votes[V]
    assert vote_a.voters is not vote_b.voters and vote_a.ballots is not vote_b.ballots
    assert mine.meetings[M].attendance is not theirs.meetings[M].attendance
    assert mine.meetings[M].items is not theirs.meetings[M].items
    # what the sequence did, once: the replaced ballot is gone, the named receipts kept until the close
    assert sorted(vote_a.ballots) == [11, 12, 13] and vote_a.voters == {ONE, TWO}
    assert vote_a.state is VoteState.CLOSED and vote_a.receipts_by_member == {} and vote_a.mark_key == b""
    assert {"alpha10", "alpha11", "alpha12", "alpha-x"} <= vote_a.alphas and "spoiled-key" in vote_a.spoiled
    assert mine.meetings[M].attendance == {TWO: Attendance.LEAVE, ONE: Attendance.ABSENT}  # terminated: 缺席
    assert mine.meetings[MeetingId(2)].settings == {"publish_step": True}


def test_an_added_vote_copies_what_can_change_and_shares_its_frozen_eligible_set() -> None:
    """Each picture's vote is its own (its voters, definition and ballots), but the frozenset of
    who may vote, which nothing changes, is shared: thousands of deputies are not copied one by
    one before an opening can go out."""
    added = effects.VoteAdded(LiveVote(
        id=V, item_id=3, meeting_id=M, round_no=1, round_kind=RoundKind.FIRST, state=VoteState.OPEN,
        method=VoteMethod.ELECTRONIC, definition={"kind": "motion", "candidates": ["甲"]},
        eligible=frozenset(MemberId(m) for m in range(5000)), named=True, change_allowed=True))
    mine, theirs = _picture(), _picture()
    added.apply(mine)
    added.apply(theirs)
    assert mine.votes[V] == theirs.votes[V] == added.vote
    assert mine.votes[V].eligible is theirs.votes[V].eligible is added.vote.eligible
    assert mine.votes[V].voters is not added.vote.voters and mine.votes[V].voters is not theirs.votes[V].voters
    assert mine.votes[V].definition["candidates"] is not added.vote.definition["candidates"]


def test_a_suspended_deputy_who_checked_in_stays_checked_in() -> None:
    live = _picture()
    effects.MemberStatusChanged(BODY, ONE, _member("D1", MemberStatus.SUSPENDED)).apply(live)
    assert live.meetings[M].attendance[ONE] is Attendance.PRESENT
    assert live.meetings[M].members[ONE].status is MemberStatus.SUSPENDED


def test_every_effect_survives_a_pickle_round_trip_and_does_the_same() -> None:
    """What a writer in a process of its own would send back: plain data, the same after the trip."""
    here, there = _picture(), _picture()
    for effect in EFFECTS:
        sent = pickle.loads(pickle.dumps(effect))
        assert sent == effect
        effect.apply(here)
        sent.apply(there)
    assert picture_differences(here, there) == []


def test_a_vote_change_names_only_fields_a_later_transaction_replaces() -> None:
    with pytest.raises(ValueError, match="voters"):
        effects.VoteChanged(V, {"voters": set()})
    with pytest.raises(ValueError, match="ballots"):
        effects.ended(V, VoteState.VOIDED, ballots={})


def test_the_key_of_who_voted_is_deleted_only_where_the_copy_holds_the_keys(tmp_path: Path) -> None:
    keys = VoteKeys(tmp_path / "vote-keys")
    writers, loops = _picture(), _picture()
    writers.vote_keys = keys
    key = keys.make(V)
    assert keys.load(V) == key
    effects.VoteKeyForgotten(V).apply(loops)  # the loop's copy: no keys there, none touched
    assert keys.load(V) == key and loops.votes[V].mark_key == b""
    effects.VoteKeyForgotten(V).apply(writers)
    assert keys.load(V) is None and writers.votes[V].mark_key == b""
    assert picture_differences(writers, loops) == []  # the keys are no part of what copies agree on
    assert copy.deepcopy(writers) == loops
