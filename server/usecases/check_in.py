"""签到: a deputy checks in on the tablet, or staff checks in a deputy who is physically present.

shared/domain.md "Attendance and quorum": no proxy attendance; staff check-in (device fault) is
logged with the staff id and reason; suspended deputies (代表法 第六十一条) cannot check in.
"""

from __future__ import annotations

from server import models
from server.domain import Attendance, MemberStatus
from server.effects import AttendanceSet
from server.errors import Conflict, ServerError
from server.usecases.common import meeting, member, member_code
from server.writer import Tx

#: What staff may record for a deputy who has not checked in.
ABSENCES = (Attendance.LEAVE, Attendance.ABSENT)


def check_in(
    tx: Tx, meeting_id: int, member_id: int, *, staff: str | None = None, reason: str = ""
) -> dict[str, object]:
    """Refuses before it changes anything (the writer's ``refuses_first``)."""
    live = meeting(tx, meeting_id)
    mid, deputy = member(live, member_id)
    if deputy.status is not MemberStatus.ACTIVE:
        raise Conflict("member_not_active", "该代表已暂停执行代表职务或已终止代表资格，不能签到")
    if staff is not None and not reason.strip():
        raise ServerError("reason_required", "工作人员代为签到须说明原因（如设备故障），且代表须本人在场")
    checking_in = tx.shared.setdefault("checked_in", set())  # this batch's, not yet in the picture
    assert isinstance(checking_in, set)
    if live.attendance.get(mid) is Attendance.PRESENT or (live.id, mid) in checking_in:
        return {"member_id": mid, "state": Attendance.PRESENT.value, "already": True}
    checking_in.add((live.id, mid))
    if mid in live.attendance:  # 请假/缺席 recorded earlier: its row becomes the check-in
        row = tx.session.get(models.Attendance, (live.id, mid))
        assert row is not None
        row.state, row.reason, row.at = Attendance.PRESENT.value, reason.strip(), tx.now
    else:  # no row yet (the picture holds every row): inserted with the batch, thousands at once
        tx.insert_later(models.attendance_table, {"meeting_id": live.id, "member_id": mid,
                                                  "state": Attendance.PRESENT.value, "by_user": None,
                                                  "reason": reason.strip(), "at": tx.now})
    tx.audit("check_in", {
        "meeting_id": live.id, "member": member_code(live, mid),
        "by": f"staff:{staff}" if staff else "self", "reason": reason.strip(),
    })
    tx.then(AttendanceSet(live.id, mid, Attendance.PRESENT))
    tx.publish("attendance", live.id, member_id=mid)
    return {"member_id": mid, "state": Attendance.PRESENT.value, "already": False}


def set_absence(tx: Tx, meeting_id: int, member_id: int, state: str, staff: str, reason: str = "") -> None:
    """Staff records 请假 (leave, approved) or 缺席 (absent, not approved), or clears it."""
    live = meeting(tx, meeting_id)
    mid, _ = member(live, member_id)
    absence = Attendance.parse(state)
    if absence not in ABSENCES:
        raise ServerError("invalid_state", "缺勤状态只能是请假（leave）或缺席（absent）", field="state")
    if live.attendance.get(mid) is Attendance.PRESENT:
        raise Conflict("already_present", "该代表已签到，不能登记为请假或缺席")
    row = tx.session.get(models.Attendance, (live.id, mid))
    if row is None:
        row = models.Attendance(meeting_id=live.id, member_id=mid, state=absence.value)
        tx.session.add(row)
    row.state, row.reason, row.at = absence.value, reason, tx.now
    tx.audit("attendance", {
        "meeting_id": live.id, "member": member_code(live, mid), "state": absence.value,
        "by": f"staff:{staff}", "reason": reason,
    })
    tx.then(AttendanceSet(live.id, mid, absence))
    tx.publish("attendance", live.id)
