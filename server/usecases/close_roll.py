"""签到结束: the chair closes the roll. Until then a deputy who has not checked in is 未签到; from
then on 缺席 (unless recorded 请假), which has legal weight: two unapproved absences from the
congress end a deputy's status (代表法 第六十二条, shared/domain.md "Attendance and quorum").

A deputy who arrives after the roll is closed may still check in (迟到): they are present from then
on. Closing the roll is written in the audit log with the figures at that moment and the codes of
the deputies it makes 缺席, so the record says who was absent and since when.
"""

from __future__ import annotations

from server import models
from server.effects import RollClosedAt
from server.errors import Conflict
from server.live import RollClosed
from server.usecases.common import meeting, member_code
from server.writer import Tx


def close_roll(tx: Tx, meeting_id: int, by: str) -> dict[str, object]:
    live = meeting(tx, meeting_id)
    if live.roll_closed is not None:
        raise Conflict("roll_closed", "签到已经结束，不能重复宣布")
    if live.settings.get("closed"):
        raise Conflict("meeting_closed", "会议已闭会")
    row = tx.session.get(models.Meeting, live.id)
    assert row is not None
    row.roll_closed_at, row.roll_closed_by = tx.now, by
    absent = [member_code(live, mid) for mid in live.not_checked_in()]
    before = live.summary()
    tx.audit("roll_closed", {
        "meeting_id": live.id, "by": by, "members_of_record": before.members_of_record,
        "present": before.present, "on_leave": before.on_leave, "not_checked_in": sorted(absent),
    })
    closed = RollClosed(tx.now.isoformat(), by)
    tx.then(RollClosedAt(live.id, closed))
    tx.publish("roll", live.id)
    return {"ok": True, "roll_closed": closed.to_json(), "absent": len(absent) + before.absent}
