"""The member roll (名册): import a whole file (all rows or none), change one member's status.

shared/domain.md "Bodies and people": the base of every majority is the number currently holding
office; terminated deputies (代表法 第六十二条) are out; suspended ones (第六十一条) cannot vote.
"""

from __future__ import annotations

from sqlalchemy import select

from server import models
from server.domain import MemberId, MemberStatus
from server.effects import MembersChanged, MemberStatusChanged
from server.errors import Conflict, ServerError, not_found
from server.live import Member
from server.usecases.common import meeting as live_meeting
from server.writer import Tx


def import_roll(tx: Tx, meeting_id: int, rows: list[dict[str, str]], by: str) -> dict[str, int]:
    """Add new members and update existing ones (matched by code) from parsed, error-free rows."""
    live = live_meeting(tx, meeting_id)
    if tx.live.open_votes(live.id):
        raise Conflict("vote_open", "表决进行中不能导入名册")
    existing = {m.code: m for m in tx.session.scalars(
        select(models.Member).where(models.Member.body_id == live.body_id))}
    added = updated = 0
    changed: dict[MemberId, Member] = {}
    for row in rows:
        member = existing.get(row["code"])
        if member is None:
            member = models.Member(body_id=live.body_id, code=row["code"], name=row["name"], group_name=row["group"],
                                   seat=row["seat"], status=row["status"])
            tx.session.add(member)
            added += 1
        else:
            member.name, member.group_name, member.seat, member.status = (
                row["name"], row["group"], row["seat"], row["status"])
            updated += 1
    tx.session.flush()
    for member in tx.session.scalars(select(models.Member).where(models.Member.body_id == live.body_id)):
        changed[member.id] = Member.of(member)
    tx.audit("roll_loaded", {"meeting_id": live.id, "added": added, "updated": updated,
                             "members": [{"code": m.code, "name": m.name, "status": m.status.value}
                                         for m in changed.values()], "by": by})
    tx.then(MembersChanged(live.body_id, changed))
    tx.publish("roll", live.id)
    return {"added": added, "updated": updated, "total": len(changed)}


def set_status(tx: Tx, meeting_id: int, member_id: int, status: str, reason: str, by: str) -> None:
    live = live_meeting(tx, meeting_id)
    member = tx.session.get(models.Member, member_id)
    if member is None or member.body_id != live.body_id:
        raise not_found("代表")
    new_status = MemberStatus.parse(status)
    if new_status is None:
        raise ServerError("invalid_status", "状态应为：" + MemberStatus.listed(), field="status")
    if not reason.strip():
        raise ServerError("reason_required", "变更代表状态须注明依据", field="reason")
    member.status = new_status.value
    tx.audit("member_status", {"member": member.code, "status": new_status.value, "reason": reason.strip(), "by": by})
    mid, data = member.id, Member.of(member)
    tx.then(MemberStatusChanged(live.body_id, MemberId(mid), data))
    tx.publish("roll", live.id)
