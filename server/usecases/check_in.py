"""签到: a deputy checks in on the tablet, or staff checks in a deputy who is physically present.

shared/domain.md "Attendance and quorum": no proxy attendance; staff check-in (device fault) is
logged with the staff id and reason; suspended deputies (代表法 第六十一条) cannot check in.
"""

from __future__ import annotations

from server.errors import Conflict, ServerError, not_found
from server.models import Attendance
from server.usecases.common import meeting, member_code
from server.writer import Tx


def check_in(
    tx: Tx, meeting_id: int, member_id: int, *, staff: str | None = None, reason: str = ""
) -> dict[str, object]:
    live = meeting(tx, meeting_id)
    member = live.members.get(member_id)
    if member is None:
        raise not_found("代表")
    if member["status"] != "active":
        raise Conflict("member_not_active", "该代表已暂停执行代表职务或已终止代表资格，不能签到")
    if staff is not None and not reason.strip():
        raise ServerError("reason_required", "工作人员代为签到须说明原因（如设备故障），且代表须本人在场")
    if live.attendance.get(member_id) == "present":
        return {"member_id": member_id, "state": "present", "already": True}
    row = tx.session.get(Attendance, (meeting_id, member_id))
    if row is None:
        row = Attendance(meeting_id=meeting_id, member_id=member_id, state="present")
        tx.session.add(row)
    row.state, row.reason, row.at = "present", reason.strip(), tx.now
    tx.audit("check_in", {
        "meeting_id": meeting_id, "member": member_code(live, member_id),
        "by": f"staff:{staff}" if staff else "self", "reason": reason.strip(),
    })

    def apply() -> None:
        live.attendance[member_id] = "present"

    tx.then(apply)
    tx.publish("attendance", meeting_id, member_id=member_id)
    return {"member_id": member_id, "state": "present", "already": False}


def set_absence(tx: Tx, meeting_id: int, member_id: int, state: str, staff: str, reason: str = "") -> None:
    """Staff records 请假 (leave, approved) or 缺席 (absent, not approved), or clears it."""
    live = meeting(tx, meeting_id)
    if member_id not in live.members:
        raise not_found("代表")
    if state not in ("leave", "absent"):
        raise ServerError("invalid_state", "缺勤状态只能是请假（leave）或缺席（absent）", field="state")
    if live.attendance.get(member_id) == "present":
        raise Conflict("already_present", "该代表已签到，不能登记为请假或缺席")
    row = tx.session.get(Attendance, (meeting_id, member_id))
    if row is None:
        row = Attendance(meeting_id=meeting_id, member_id=member_id, state=state)
        tx.session.add(row)
    row.state, row.reason, row.at = state, reason, tx.now
    tx.audit("attendance", {
        "meeting_id": meeting_id, "member": member_code(live, member_id), "state": state,
        "by": f"staff:{staff}", "reason": reason,
    })

    def apply() -> None:
        live.attendance[member_id] = state

    tx.then(apply)
    tx.publish("attendance", meeting_id)
