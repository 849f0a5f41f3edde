"""Meetings, the roll and attendance: staff import the roll, set statuses and absences, check
deputies in on their behalf and issue sign-in codes; everyone signed in may read the roll's summary."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, File
from fastapi.responses import JSONResponse, Response

from server import queries, rollfile
from server.auth import Caller, who
from server.conversation import Principal
from server.domain import Role
from server.errors import ServerError
from server.routes.common import Rt, answers, as_role
from server.schemas import roll as schema
from server.schemas.base import Ok
from server.schemas.errors import REF, STATUS
from server.schemas.votes import PublicState
from server.usecases import agenda, check_in, close_roll, roll, sign_in
from server.writer import op

router = APIRouter(tags=["roll"])
Staff = Annotated[Principal, as_role(Role.STAFF)]

ROLL_REFUSED = {
    "description": "The file has errors (`roll_errors`: nothing imported, every problem in `rows`), or: "
                   + STATUS[422],
    "content": {"application/json": {"schema": {"anyOf": [{"$ref": REF.format(model="RollRefusal")},
                                                          {"$ref": REF.format(model="Refusal")}]}}},
}


@router.get("/meetings", **answers(list[schema.MeetingListed], 401))
async def meetings(rt: Rt, caller: Caller) -> list[dict[str, Any]]:
    """Every meeting, oldest first."""
    return queries.meetings_list(rt.live)


@router.post("/meetings", **answers(schema.MeetingCreated, 400, 401, 403, 422, 503))
async def create_meeting(body: schema.NewMeeting, rt: Rt, caller: Staff) -> dict[str, int]:
    """A meeting of a new body (with its own roll)."""
    settings = body.settings.model_dump(mode="json", exclude_unset=True)
    meeting_id = await rt.writer.run(
        op(agenda.create_meeting, body.body_kind.value, body.body_name, body.title, settings, who(caller)))
    return {"id": meeting_id}


@router.get("/meetings/{meeting_id}/state", **answers(PublicState, 404, 422))
async def meeting_state(meeting_id: int, rt: Rt) -> Response:
    """The public state of a meeting, as terminals get it in a ``state`` frame (docs/protocol.md). Public."""
    queries.meeting_of(rt.live, meeting_id)
    return Response(rt.hub.state_text(meeting_id, fresh=True), media_type="application/json")


@router.get("/meetings/{meeting_id}/roll", **answers(schema.Roll, 401, 403, 404, 422))
async def get_roll(meeting_id: int, rt: Rt, caller: Annotated[Principal, as_role(
        Role.STAFF, Role.CHAIR, Role.SCRUTINEER, Role.AUDITOR)]) -> dict[str, Any]:
    """The roll with each member's attendance, and the quorum."""
    return queries.roll_view(queries.meeting_of(rt.live, meeting_id))


@router.get("/meetings/{meeting_id}/seats", description=schema.SEAT_PLACES, **answers(
    schema.AttendanceSeatMap, 401, 403, 404, 422))
async def attendance_seats(meeting_id: int, rt: Rt, caller: Annotated[Principal, as_role(
        Role.STAFF, Role.CHAIR, Role.SCRUTINEER, Role.AUDITOR)]) -> dict[str, Any]:
    """The check-in seat map (座位图): who has checked in, by the roll's seats, with the quorum summary."""
    return queries.attendance_seats(queries.meeting_of(rt.live, meeting_id))


@router.post("/meetings/{meeting_id}/roll/import", description=schema.ROLL_FILE,
             **answers(schema.RollImported, 400, 401, 403, 404, 409, 422, 503, special={422: ROLL_REFUSED},
                       codes={400: "file_too_large, malformed_request", 409: "vote_open"}))
async def import_roll(meeting_id: int, form: Annotated[schema.RollUpload, File()], rt: Rt,
                      caller: Staff) -> JSONResponse:
    file = form.file
    queries.meeting_of(rt.live, meeting_id)
    limit = rt.settings.roll_file_max_bytes
    data = await file.read(limit + 1)
    if len(data) > limit:
        raise ServerError("file_too_large", f"名册文件过大（上限{limit // (1024 * 1024)}MB）")
    parsed = await asyncio.get_running_loop().run_in_executor(
        None, rollfile.parse_roll, data, file.filename or "roll.csv")
    if not parsed.ok:
        return JSONResponse(status_code=422, content={"error": {
            "code": "roll_errors", "message": f"名册有{len(parsed.errors)}处错误，未导入任何记录",
            "rows": [{"row": e.row, "column": e.column, "message": e.message} for e in parsed.errors]}})
    rows = [{"code": r.code, "name": r.name, "group": r.group, "seat": r.seat, "status": r.status}
            for r in parsed.rows]
    outcome = await rt.writer.run(op(roll.import_roll, meeting_id, rows, who(caller)))
    return JSONResponse(outcome)


@router.post("/meetings/{meeting_id}/members/{member_id}/status",
             **answers(Ok, 400, 401, 403, 404, 422, 503, codes={400: "reason_required"}))
async def member_status(meeting_id: int, member_id: int, body: schema.StatusChange, rt: Rt,
                        caller: Staff) -> dict[str, bool]:
    """A member's status: suspended (代表法 第六十一条) or terminated (第六十二条), or active again."""
    await rt.writer.run(
        op(roll.set_status, meeting_id, member_id, body.status.value, body.reason, who(caller)))
    return {"ok": True}


@router.post("/meetings/{meeting_id}/checkin",
             **answers(schema.CheckedIn, 400, 401, 403, 404, 409, 422, 503,
                       codes={400: "reason_required", 409: "member_not_active"}))
async def staff_check_in(meeting_id: int, body: schema.StaffCheckIn, rt: Rt, caller: Staff) -> dict[str, Any]:
    """Staff checks in a deputy who is present but whose tablet cannot (logged with the reason)."""
    return await rt.writer.run(
        op(check_in.check_in, meeting_id, body.member_id, staff=caller.name or "staff", reason=body.reason))


@router.post("/meetings/{meeting_id}/roll/close",
             **answers(schema.RollClosedAnswer, 401, 403, 404, 409, 422, 503,
                       codes={409: "roll_closed, meeting_closed"}))
async def close_roll_call(meeting_id: int, rt: Rt,
                          caller: Annotated[Principal, as_role(Role.CHAIR)]) -> dict[str, object]:
    """签到结束: the chair closes the roll. Until then a deputy who has not checked in is 未签到 (the
    summary's ``not_checked_in``); from then on 缺席 (代表法 第六十二条 gives it legal weight). Written
    in the audit log (``roll_closed``: who, the figures, the codes made 缺席). A late deputy may still
    check in. Once only (409 ``roll_closed``)."""
    return await rt.writer.run(op(close_roll.close_roll, meeting_id, who(caller)))


@router.post("/meetings/{meeting_id}/absence",
             **answers(Ok, 400, 401, 403, 404, 409, 422, 503, codes={409: "already_present"}))
async def absence(meeting_id: int, body: schema.Absence, rt: Rt, caller: Staff) -> dict[str, bool]:
    """Record 请假 (leave) or 缺席 (absent) for a deputy who has not checked in."""
    await rt.writer.run(
        op(check_in.set_absence, meeting_id, body.member_id, body.state.value, who(caller), body.reason))
    return {"ok": True}


@router.post("/meetings/{meeting_id}/codes",
             **answers(list[schema.IssuedCode], 400, 401, 403, 404, 422, 503,
                       codes={400: "unknown_member, reason_required"}))
async def codes(meeting_id: int, body: schema.CodeRequest, rt: Rt, caller: Staff) -> list[dict[str, Any]]:
    """New sign-in codes, shown once. Replacing a code a member already holds needs ``reason``
    (400 ``reason_required`` without one): the old code and every token signed in with it stop
    working at once, the deputy's open sockets are closed (4401), and the re-issue is in the
    audit log, on the chair console (the roll's ``code_reissued``) and on the deputy's tablet
    (``me.code_reissued``)."""
    key = rt.code_key
    issued = await rt.writer.run(op(sign_in.issue_codes, meeting_id, body.member_ids, who(caller), code_key=key,
                                       reason=body.reason))
    if issued.reissued:
        rt.principals.forget_members(issued.reissued)
        await rt.hub.close_members(issued.reissued, 4401, "code reissued")
    return issued.codes
