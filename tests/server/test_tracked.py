"""The roll's figures are kept between changes and never outlive one (server/tracked.py,
server/live.py ``LiveMeeting.summary`` and ``present_voters``)."""

from __future__ import annotations

import copy
import pickle
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from server.domain import Attendance, BodyKind, MeetingId, MemberId, MemberStatus
from server.live import LiveMeeting, Member, RollClosed
from server.tracked import Tracked, revision_of

CHANGES: list[tuple[str, Callable[[Tracked[str, int]], Any]]] = [
    ("set", lambda d: d.__setitem__("c", 3)),
    ("replace", lambda d: d.__setitem__("a", 9)),
    ("delete", lambda d: d.__delitem__("a")),
    ("pop", lambda d: d.pop("a")),
    ("pop with a default", lambda d: d.pop("z", None)),
    ("popitem", lambda d: d.popitem()),
    ("setdefault", lambda d: d.setdefault("c", 3)),
    ("update", lambda d: d.update({"c": 3})),
    ("update by keywords", lambda d: d.update(c=3)),
    ("in-place union", lambda d: d.__ior__({"c": 3})),
    ("clear", lambda d: d.clear()),
]


@pytest.mark.parametrize("change", [c for _, c in CHANGES], ids=[name for name, _ in CHANGES])
def test_every_way_of_changing_a_tracked_dict_gives_it_a_new_revision(
        change: Callable[[Tracked[str, int]], Any]) -> None:
    tracked: Tracked[str, int] = Tracked({"a": 1, "b": 2})
    before = tracked.revision
    change(tracked)
    assert tracked.revision > before


def test_a_failed_change_still_gives_a_new_revision_and_reading_none() -> None:
    tracked: Tracked[str, int] = Tracked(a=1)
    before = tracked.revision
    assert tracked["a"] == 1 and tracked.get("b") is None and list(tracked.items()) == [("a", 1)]
    assert tracked.revision == before
    with pytest.raises(KeyError):
        tracked.pop("missing")
    assert tracked.revision > before


def test_no_two_tracked_dicts_share_a_revision_and_copies_take_their_own() -> None:
    first: Tracked[str, int] = Tracked(a=1)
    second: Tracked[str, int] = Tracked(a=1)
    deep = copy.deepcopy(first)
    shallow = copy.copy(first)
    pickled = pickle.loads(pickle.dumps(first))
    revisions = [d.revision for d in (first, second, deep, shallow, pickled)]
    assert len(set(revisions)) == len(revisions)
    assert all(isinstance(d, Tracked) and d == {"a": 1} for d in (deep, shallow, pickled))
    assert revision_of({"a": 1}) is None and revision_of(first) == first.revision


def _meeting(members: dict[MemberId, Member], attendance: dict[MemberId, Attendance],
             count_suspended: bool = True) -> LiveMeeting:
    return LiveMeeting(MeetingId(1), 1, BodyKind.CONGRESS, "第一次会议", {"count_suspended_in_base": count_suspended},
                       dict(members), dict(attendance))


def test_the_figures_are_counted_once_while_nothing_changes() -> None:
    members = {MemberId(i): Member(f"D{i}", f"代表{i}", "", str(i), MemberStatus.ACTIVE) for i in range(5)}
    meeting = _meeting(members, {MemberId(0): Attendance.PRESENT, MemberId(1): Attendance.PRESENT})
    assert meeting.summary() is meeting.summary()
    voters = meeting.present_voters()
    voters.append(MemberId(4))  # the caller's list is its own
    assert meeting.present_voters() == [MemberId(0), MemberId(1)]
    meeting.attendance[MemberId(2)] = Attendance.PRESENT
    assert meeting.summary().present == 3
    assert meeting.present_voters() == [MemberId(0), MemberId(1), MemberId(2)]


def test_a_copied_meeting_counts_its_own_figures() -> None:
    members = {MemberId(i): Member(f"D{i}", f"代表{i}", "", str(i), MemberStatus.ACTIVE) for i in range(3)}
    meeting = _meeting(members, {MemberId(0): Attendance.PRESENT})
    assert meeting.summary().present == 1
    for copied in (copy.deepcopy(meeting), pickle.loads(pickle.dumps(meeting))):
        assert copied == meeting
        copied.attendance[MemberId(1)] = Attendance.PRESENT
        assert copied.summary().present == 2 and copied.present_voters() == [MemberId(0), MemberId(1)]
    assert meeting.summary().present == 1 and meeting.present_voters() == [MemberId(0)]


def test_a_meeting_given_plain_dicts_keeps_them_tracked() -> None:
    meeting = _meeting({}, {})
    assert isinstance(meeting.members, Tracked) and isinstance(meeting.attendance, Tracked)
    meeting.attendance = {}  # replaced by a plain dict: nothing is kept, everything is counted afresh
    meeting.members = {MemberId(0): Member("D0", "代表0", "", "1", MemberStatus.ACTIVE)}
    meeting.attendance[MemberId(0)] = Attendance.PRESENT
    assert meeting.summary().present == 1 and meeting.summary() is not meeting.summary()
    meeting.attendance[MemberId(0)] = Attendance.LEAVE
    assert meeting.summary().present == 0 and meeting.present_voters() == []


statuses = st.sampled_from(list(MemberStatus))
states = st.sampled_from(list(Attendance))
ids = st.integers(0, 7).map(MemberId)
operations = st.one_of(
    st.tuples(st.just("attend"), ids, states),
    st.tuples(st.just("forget"), ids, st.none()),
    st.tuples(st.just("status"), ids, statuses),
    st.tuples(st.just("close_roll"), st.none(), st.none()),
    st.tuples(st.just("read"), st.none(), st.none()),
)


@settings(max_examples=300, deadline=None)
@given(roll=st.lists(statuses, min_size=1, max_size=8), steps=st.lists(operations, max_size=30),
       count_suspended=st.booleans())
def test_the_kept_figures_are_always_what_a_fresh_count_gives(
        roll: list[MemberStatus], steps: list[tuple[str, Any, Any]], count_suspended: bool) -> None:
    """Whatever changes the roll, the attendance or the roll's closing, in any order, with reads
    between: what the meeting answers equals the count of a new meeting with the same content."""
    members = {MemberId(i): Member(f"D{i}", f"代表{i}", "", str(i), status) for i, status in enumerate(roll)}
    meeting = _meeting(members, {}, count_suspended)
    for kind, member_id, value in steps:
        if kind == "attend" and member_id in meeting.members:
            meeting.attendance[member_id] = value
        elif kind == "forget":
            meeting.attendance.pop(member_id, None)
        elif kind == "status" and member_id in meeting.members:
            old = meeting.members[member_id]
            meeting.members[member_id] = Member(old.code, old.name, old.group, old.seat, value)
        elif kind == "close_roll":
            meeting.roll_closed = RollClosed("2026-12-04T09:00:00.000Z", "chair")
        fresh = _meeting(dict(meeting.members), dict(meeting.attendance), count_suspended)
        fresh.roll_closed = meeting.roll_closed
        assert meeting.summary() == fresh.summary()
        assert meeting.present_voters() == fresh.present_voters()
