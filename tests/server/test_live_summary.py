"""The attendance figures (server/live.py ``LiveMeeting.summary``), counted in one pass, are the
sizes of the lists they are defined by: 实有 (``counted_members``), 实到 who may vote
(``present_voters``), 未签到 (``not_checked_in``), and 请假 among members of record."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from server.domain import Attendance, BodyKind, MeetingId, MemberId, MemberStatus
from server.live import LiveMeeting, Member, RollClosed

statuses = st.sampled_from(list(MemberStatus))
states = st.one_of(st.none(), st.sampled_from(list(Attendance)))


@settings(max_examples=300, deadline=None)
@given(roll=st.lists(st.tuples(statuses, states), max_size=30), count_suspended=st.booleans(),
       roll_closed=st.booleans())
def test_the_summary_counts_what_the_lists_hold(roll: list[tuple[MemberStatus, Attendance | None]],
                                                 count_suspended: bool, roll_closed: bool) -> None:
    members = {MemberId(i): Member(f"D{i}", f"代表{i}", "", str(i), status) for i, (status, _) in enumerate(roll)}
    meeting = LiveMeeting(MeetingId(1), 1, BodyKind.CONGRESS, "第一次会议",
                          {"count_suspended_in_base": count_suspended}, members,
                          {MemberId(i): state for i, (_, state) in enumerate(roll) if state is not None})
    if roll_closed:
        meeting.roll_closed = RollClosed("2026-12-03T09:00:00.000Z", "chair")
    counted = meeting.counted_members()
    summary = meeting.summary()
    assert summary.members_of_record == len(counted)
    assert summary.present == len(meeting.present_voters())
    assert summary.not_checked_in == len(meeting.not_checked_in())
    assert summary.on_leave == sum(meeting.attendance.get(mid) is Attendance.LEAVE for mid in counted)
    assert summary.absent == summary.members_of_record - summary.present - summary.on_leave - summary.not_checked_in
