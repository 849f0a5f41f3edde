"""Meetings, the roll and attendance: staff import the roll, set statuses and absences, check
deputies in on their behalf and issue sign-in codes; everyone signed in may read the roll's summary."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, File, UploadFile
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from server import queries, rollfile
from server.auth import Caller, needs, who
from server.domain import Role
from server.errors import ServerError
from server.routes.common import MAX_ID, Rt
from server.usecases import agenda, check_in, roll, sign_in

router = APIRouter(tags=["roll"])


class NewMeeting(BaseModel):
    body_kind: str
    body_name: str = Field(min_length=1, max_length=200)
    title: str = Field(min_length=1, max_length=200)
    settings: dict[str, Any] = Field(default_factory=dict)


@router.get("/meetings")
async def meetings(rt: Rt, caller: Caller) -> list[dict[str, Any]]:
    return queries.meetings_list(rt.live)


@router.post("/meetings")
async def create_meeting(body: NewMeeting, rt: Rt, caller: Caller) -> dict[str, Any]:
    needs(caller, Role.STAFF)
    meeting_id = await rt.writer.run(
        lambda tx: agenda.create_meeting(tx, body.body_kind, body.body_name, body.title, body.settings, who(caller)))
    return {"id": meeting_id}


@router.get("/meetings/{meeting_id}/state")
async def meeting_state(meeting_id: int, rt: Rt) -> Response:
    """The public state of a meeting, as terminals get it in a ``state`` frame (docs/protocol.md)."""
    queries.meeting_of(rt.live, meeting_id)
    return Response(rt.hub.state_text(meeting_id, fresh=True), media_type="application/json")


@router.get("/meetings/{meeting_id}/roll")
async def get_roll(meeting_id: int, rt: Rt, caller: Caller) -> dict[str, Any]:
    needs(caller, Role.STAFF, Role.CHAIR, Role.SCRUTINEER, Role.AUDITOR)
    return queries.roll_view(queries.meeting_of(rt.live, meeting_id))


@router.post("/meetings/{meeting_id}/roll/import")
async def import_roll(meeting_id: int, rt: Rt, caller: Caller, file: Annotated[UploadFile, File()]) -> JSONResponse:
    needs(caller, Role.STAFF)
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
    outcome = await rt.writer.run(lambda tx: roll.import_roll(tx, meeting_id, rows, who(caller)))
    return JSONResponse(outcome)


class MemberStatus(BaseModel):
    status: str
    reason: str = Field(max_length=200)


@router.post("/meetings/{meeting_id}/members/{member_id}/status")
async def member_status(meeting_id: int, member_id: int, body: MemberStatus, rt: Rt,
                        caller: Caller) -> dict[str, bool]:
    needs(caller, Role.STAFF)
    await rt.writer.run(lambda tx: roll.set_status(tx, meeting_id, member_id, body.status, body.reason, who(caller)))
    return {"ok": True}


class StaffCheckIn(BaseModel):
    member_id: int = Field(ge=1, le=MAX_ID)
    reason: str = Field(min_length=1, max_length=200)


@router.post("/meetings/{meeting_id}/checkin")
async def staff_check_in(meeting_id: int, body: StaffCheckIn, rt: Rt, caller: Caller) -> dict[str, Any]:
    needs(caller, Role.STAFF)
    return await rt.writer.run(
        lambda tx: check_in.check_in(tx, meeting_id, body.member_id, staff=caller.name or "staff", reason=body.reason))


class Absence(BaseModel):
    member_id: int = Field(ge=1, le=MAX_ID)
    state: str
    reason: str = Field(default="", max_length=200)


@router.post("/meetings/{meeting_id}/absence")
async def absence(meeting_id: int, body: Absence, rt: Rt, caller: Caller) -> dict[str, bool]:
    needs(caller, Role.STAFF)
    await rt.writer.run(
        lambda tx: check_in.set_absence(tx, meeting_id, body.member_id, body.state, who(caller), body.reason))
    return {"ok": True}


class CodeRequest(BaseModel):
    member_ids: list[Annotated[int, Field(ge=1, le=MAX_ID)]] | None = Field(default=None, max_length=20000)
    #: required when a member already holds a code: why it is replaced (shown to the chair and the deputy)
    reason: str | None = Field(default=None, max_length=200)


@router.post("/meetings/{meeting_id}/codes")
async def codes(meeting_id: int, body: CodeRequest, rt: Rt, caller: Caller) -> list[dict[str, object]]:
    """New sign-in codes, shown once. Replacing a code a member already holds needs ``reason``
    (400 ``reason_required`` without one): the old code and every token signed in with it stop
    working at once, the deputy's open sockets are closed (4401), and the re-issue is in the
    audit log, on the chair console (the roll's ``code_reissued``) and on the deputy's tablet
    (``me.code_reissued``)."""
    needs(caller, Role.STAFF)
    key = rt.code_key
    issued = await rt.writer.run(lambda tx: sign_in.issue_codes(tx, meeting_id, body.member_ids, who(caller),
                                                                code_key=key, reason=body.reason))
    if issued.reissued:
        rt.principals.forget_members(issued.reissued)
        await rt.hub.close_members(issued.reissued, 4401, "code reissued")
    return issued.codes
