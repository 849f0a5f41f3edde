"""The HTTP API: sign-in, roll, attendance, agenda, vote control, paper ballots, exports, audit.

Every route checks the caller's role (``needs``); every refusal is JSON
``{"error": {"code", "message", "field"?}}`` with a Chinese message and a stable code.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import shutil
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Header, Request, UploadFile
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

import audit
from audit.checkpoint import open_checkpoint
from audit.merkle import verify_consistency, verify_inclusion_hash
from server import exports, rollfile, security
from server.conversation import Principal
from server.errors import ServerError, Unauthorized, forbidden, not_found
from server.records import minutes_items, vote_record
from server.services import Services
from server.usecases import (
    agenda,
    check_in,
    close_vote,
    confirm_report,
    extend_vote,
    manual_result,
    open_vote,
    paper_ballot,
    roll,
    sign_in,
    void_vote,
)
from server.usecases.cast_ballot import Ticket, cast_ballot
from server.writer import Tx

MAX_ID = 2**31 - 1


def _ids_in_range(request: Request) -> None:
    """A numeric id beyond any column's range names nothing: 404, not a database error."""
    for key, value in request.path_params.items():
        if key.endswith("_id") and isinstance(value, str) and value.isdigit() and int(value) > MAX_ID:
            raise not_found("编号对应的对象")


router = APIRouter(prefix="/api", dependencies=[Depends(_ids_in_range)])


def services(request: Request) -> Services:
    return request.app.state.services  # type: ignore[no-any-return]


def bearer(request: Request, authorization: Annotated[str | None, Header()] = None) -> str | None:
    if authorization and authorization.lower().startswith("bearer "):
        return authorization[7:].strip()
    return request.cookies.get("renda_token")


async def principal(request: Request, token: Annotated[str | None, Depends(bearer)]) -> Principal:
    if not token:
        raise Unauthorized("unauthenticated", "请先登录")
    found = await services(request).principal_for_async(token)
    if found is None:
        raise Unauthorized("bad_token", "登录已失效，请重新登录")
    return found


Caller = Annotated[Principal, Depends(principal)]


def needs(caller: Principal, *roles: str) -> None:
    if caller.role not in roles:
        raise forbidden()


def who(caller: Principal) -> str:
    return f"{caller.role}:{caller.name}"


# -- sign-in ---------------------------------------------------------------------------------
class UserLogin(BaseModel):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=200)


class CodeLogin(BaseModel):
    code: str = Field(min_length=4, max_length=32)


def _client(request: Request) -> str:
    return request.client.host if request.client else "?"


def _login_response(token: str, caller: Principal) -> JSONResponse:
    response = JSONResponse({"token": token, "role": caller.role, "name": caller.name,
                             "member_id": caller.member_id, "meeting_id": caller.meeting_id})
    response.set_cookie("renda_token", token, httponly=True, samesite="strict", max_age=16 * 3600)
    return response


async def _sign_in(request: Request, attempt: Callable[[Tx], tuple[str, Principal]]) -> JSONResponse:
    """Run a sign-in; ten failures a minute from one address block further attempts for a while."""
    svc = services(request)
    client = _client(request)
    if svc.sign_in_blocked(client):
        raise ServerError("rate_limited", "登录失败次数过多，请一分钟后再试", status=429)
    try:
        token, caller = await svc.writer.submit(attempt, groupable=True)
    except Unauthorized:
        svc.sign_in_failed(client)
        raise
    return _login_response(token, caller)


@router.post("/login")
async def login(body: UserLogin, request: Request) -> JSONResponse:
    svc = services(request)

    def check() -> int | None:
        with svc.sessions() as session:
            return sign_in.check_password(session, body.username, body.password)

    user_id = await asyncio.get_running_loop().run_in_executor(None, check)
    return await _sign_in(request, lambda tx: sign_in.sign_in_user(tx, user_id))


@router.post("/deputy/login")
async def deputy_login(body: CodeLogin, request: Request) -> JSONResponse:
    return await _sign_in(request, lambda tx: sign_in.sign_in_deputy(tx, body.code))


@router.post("/logout")
async def logout(request: Request, token: Annotated[str | None, Depends(bearer)]) -> JSONResponse:
    if token:
        svc = services(request)
        await svc.writer.run(lambda tx: sign_in.revoke_token(tx, token))
        svc.tokens.pop(security.digest(token), None)
        # Sockets signed in with this token end with it (4401, as for a bad token): a revoked
        # token must not keep voting over a socket opened before the logout.
        for conn in list(svc.hub.by_credential.get(security.digest(token), ())):
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(conn.close(4401, "logged out"), 2)
    response = JSONResponse({"ok": True})
    response.delete_cookie("renda_token")
    return response


@router.get("/me")
async def me(caller: Caller) -> dict[str, Any]:
    return {"role": caller.role, "name": caller.name, "member_id": caller.member_id,
            "meeting_id": caller.meeting_id}


# -- meetings, roll and attendance -------------------------------------------------------------
class NewMeeting(BaseModel):
    body_kind: str
    body_name: str = Field(min_length=1, max_length=200)
    title: str = Field(min_length=1, max_length=200)
    settings: dict[str, Any] = Field(default_factory=dict)


@router.get("/meetings")
async def meetings(request: Request, caller: Caller) -> list[dict[str, Any]]:
    live = services(request).live
    return [{"id": m.id, "title": m.title, "body": m.body_kind, "closed": bool(m.settings.get("closed"))}
            for m in live.meetings.values()]


@router.post("/meetings")
async def create_meeting(body: NewMeeting, request: Request, caller: Caller) -> dict[str, Any]:
    needs(caller, "staff")
    meeting_id = await services(request).writer.run(
        lambda tx: agenda.create_meeting(tx, body.body_kind, body.body_name, body.title, body.settings, who(caller)))
    return {"id": meeting_id}


def _meeting(svc: Services, meeting_id: int) -> Any:
    meeting = svc.live.meetings.get(meeting_id)
    if meeting is None:
        raise not_found("会议")
    return meeting


@router.get("/meetings/{meeting_id}/state")
async def meeting_state(meeting_id: int, request: Request) -> Response:
    svc = services(request)
    _meeting(svc, meeting_id)
    text = svc.hub.state_text(meeting_id, fresh=True)
    return Response(text, media_type="application/json")


@router.get("/meetings/{meeting_id}/roll")
async def get_roll(meeting_id: int, request: Request, caller: Caller) -> dict[str, Any]:
    needs(caller, "staff", "chair", "scrutineer", "auditor")
    meeting = _meeting(services(request), meeting_id)
    members = [{"id": mid, **m, "attendance": meeting.attendance.get(mid)} for mid, m in meeting.members.items()]
    members.sort(key=lambda m: (m["group"], m["seat"], m["code"]))
    return {"summary": meeting.summary(), "members": members}


@router.post("/meetings/{meeting_id}/roll/import")
async def import_roll(meeting_id: int, request: Request, caller: Caller,
                      file: Annotated[UploadFile, File()]) -> JSONResponse:
    needs(caller, "staff")
    _meeting(services(request), meeting_id)
    data = await file.read(20 * 1024 * 1024 + 1)
    if len(data) > 20 * 1024 * 1024:
        raise ServerError("file_too_large", "名册文件过大（上限20MB）")
    parsed = await asyncio.get_running_loop().run_in_executor(
        None, rollfile.parse_roll, data, file.filename or "roll.csv")
    if not parsed.ok:
        return JSONResponse(status_code=422, content={"error": {
            "code": "roll_errors", "message": f"名册有{len(parsed.errors)}处错误，未导入任何记录",
            "rows": [{"row": e.row, "column": e.column, "message": e.message} for e in parsed.errors]}})
    rows = [{"code": r.code, "name": r.name, "group": r.group, "seat": r.seat, "status": r.status}
            for r in parsed.rows]
    outcome = await services(request).writer.run(lambda tx: roll.import_roll(tx, meeting_id, rows, who(caller)))
    return JSONResponse(outcome)


class MemberStatus(BaseModel):
    status: str
    reason: str = Field(max_length=200)


@router.post("/meetings/{meeting_id}/members/{member_id}/status")
async def member_status(meeting_id: int, member_id: int, body: MemberStatus, request: Request,
                        caller: Caller) -> dict[str, bool]:
    needs(caller, "staff")
    await services(request).writer.run(
        lambda tx: roll.set_status(tx, meeting_id, member_id, body.status, body.reason, who(caller)))
    return {"ok": True}


class StaffCheckIn(BaseModel):
    member_id: int = Field(ge=1, le=MAX_ID)
    reason: str = Field(min_length=1, max_length=200)


@router.post("/meetings/{meeting_id}/checkin")
async def staff_check_in(meeting_id: int, body: StaffCheckIn, request: Request, caller: Caller) -> dict[str, Any]:
    needs(caller, "staff")
    return await services(request).writer.run(
        lambda tx: check_in.check_in(tx, meeting_id, body.member_id, staff=caller.name or "staff", reason=body.reason))


class Absence(BaseModel):
    member_id: int = Field(ge=1, le=MAX_ID)
    state: str
    reason: str = Field(default="", max_length=200)


@router.post("/meetings/{meeting_id}/absence")
async def absence(meeting_id: int, body: Absence, request: Request, caller: Caller) -> dict[str, bool]:
    needs(caller, "staff")
    await services(request).writer.run(
        lambda tx: check_in.set_absence(tx, meeting_id, body.member_id, body.state, who(caller), body.reason))
    return {"ok": True}


class CodeRequest(BaseModel):
    member_ids: list[Annotated[int, Field(ge=1, le=MAX_ID)]] | None = Field(default=None, max_length=20000)


@router.post("/meetings/{meeting_id}/codes")
async def codes(meeting_id: int, body: CodeRequest, request: Request, caller: Caller) -> list[dict[str, Any]]:
    needs(caller, "staff")
    return await services(request).writer.run(
        lambda tx: sign_in.issue_codes(tx, meeting_id, body.member_ids, who(caller)))


# -- agenda ------------------------------------------------------------------------------------
@router.get("/meetings/{meeting_id}/items")
async def items(meeting_id: int, request: Request, caller: Caller) -> list[dict[str, Any]]:
    return list(_meeting(services(request), meeting_id).items)


@router.post("/meetings/{meeting_id}/items")
async def add_item(meeting_id: int, request: Request, caller: Caller) -> dict[str, Any]:
    needs(caller, "staff")
    data = await _json_object(request)
    return await services(request).writer.run(lambda tx: agenda.add_item(tx, meeting_id, data, who(caller)))


@router.patch("/items/{item_id}")
async def update_item(item_id: int, request: Request, caller: Caller) -> dict[str, Any]:
    needs(caller, "staff")
    data = await _json_object(request)
    return await services(request).writer.run(lambda tx: agenda.update_item(tx, item_id, data, who(caller)))


class Move(BaseModel):
    position: int = Field(ge=1, le=100000)


@router.post("/items/{item_id}/move")
async def move_item(item_id: int, body: Move, request: Request, caller: Caller) -> dict[str, bool]:
    needs(caller, "staff")
    await services(request).writer.run(lambda tx: agenda.move_item(tx, item_id, body.position, who(caller)))
    return {"ok": True}


async def _json_object(request: Request) -> dict[str, Any]:
    try:
        data = await request.json()
    except ValueError:
        raise ServerError("malformed_json", "请求内容不是有效的 JSON") from None
    if not isinstance(data, dict):
        raise ServerError("not_an_object", "请求内容应为 JSON 对象")
    return data


# -- vote control (presiding officer) ------------------------------------------------------------
class OpenRequest(BaseModel):
    round: str = "first"
    candidates: list[str] | None = None
    seats: int | None = Field(default=None, ge=1, le=100000)
    countdown_s: int | None = Field(default=None, ge=-MAX_ID, le=MAX_ID)
    method: str = "electronic"
    ballots_issued: int | None = Field(default=None, ge=0, le=MAX_ID)


@router.post("/items/{item_id}/open")
async def open_item(item_id: int, body: OpenRequest, request: Request, caller: Caller) -> dict[str, Any]:
    needs(caller, "chair")
    opened = await services(request).writer.run(lambda tx: open_vote.open_vote(
        tx, item_id, round_kind=body.round, candidates=body.candidates, seats=body.seats,
        countdown_s=body.countdown_s, method=body.method, ballots_issued=body.ballots_issued, by=who(caller)))
    return {**opened, "deadline": opened["deadline"].isoformat() if opened["deadline"] else None}


@router.post("/votes/{vote_id}/close")
async def close(vote_id: str, request: Request, caller: Caller) -> dict[str, Any]:
    needs(caller, "chair")
    return await services(request).writer.run(lambda tx: close_vote.close_vote(tx, vote_id, by=who(caller)))


class Extend(BaseModel):
    seconds: int = Field(ge=-MAX_ID, le=MAX_ID)


@router.post("/votes/{vote_id}/extend")
async def extend(vote_id: str, body: Extend, request: Request, caller: Caller) -> dict[str, bool]:
    needs(caller, "chair")
    await services(request).writer.run(lambda tx: extend_vote.extend_vote(tx, vote_id, body.seconds, by=who(caller)))
    return {"ok": True}


class Void(BaseModel):
    ground: str
    reason: str = Field(max_length=500)


@router.post("/votes/{vote_id}/void")
async def void(vote_id: str, body: Void, request: Request, caller: Caller) -> dict[str, bool]:
    needs(caller, "chair")
    await services(request).writer.run(
        lambda tx: void_vote.void_vote(tx, vote_id, body.ground, body.reason, by=who(caller)))
    return {"ok": True}


class Manual(BaseModel):
    method: str
    counts: dict[str, Any]


@router.post("/items/{item_id}/manual")
async def manual(item_id: int, body: Manual, request: Request, caller: Caller) -> dict[str, Any]:
    needs(caller, "chair")
    return await services(request).writer.run(
        lambda tx: manual_result.manual_result(tx, item_id, body.method, body.counts, by=who(caller)))


@router.get("/votes/{vote_id}")
async def get_vote(vote_id: str, request: Request, caller: Caller) -> dict[str, Any]:
    svc = services(request)
    vote = svc.live.votes.get(vote_id)
    if vote is None:
        raise not_found("表决")
    from server.views import vote_view

    return vote_view(vote)


@router.get("/votes/{vote_id}/pending")
async def pending(vote_id: str, request: Request, caller: Caller) -> dict[str, Any]:
    """Who has not voted yet: names for named votes, only a count for secret ones."""
    needs(caller, "chair", "staff")
    svc = services(request)
    vote = svc.live.votes.get(vote_id)
    if vote is None:
        raise not_found("表决")
    missing = sorted(vote.eligible - vote.voters)
    out: dict[str, Any] = {"count": len(missing), "expected": vote.expected}
    if vote.named:
        members = svc.live.meetings[vote.meeting_id].members
        out["names"] = [members[m]["name"] for m in missing]
    return out


# -- paper ballots (scrutineers) ----------------------------------------------------------------
class PaperBallot(BaseModel):
    ballot_no: int = Field(ge=-MAX_ID, le=MAX_ID)
    slot: int = Field(ge=-MAX_ID, le=MAX_ID)
    ballot: dict[str, Any]


@router.post("/votes/{vote_id}/paper")
async def paper(vote_id: str, body: PaperBallot, request: Request, caller: Caller) -> dict[str, Any]:
    needs(caller, "scrutineer")
    assert caller.user_id is not None
    user_id = caller.user_id
    return await services(request).writer.run(lambda tx: paper_ballot.enter_paper_ballot(
        tx, vote_id, body.ballot_no, body.slot, body.ballot, user_id))


@router.post("/votes/{vote_id}/confirm")
async def confirm(vote_id: str, request: Request, caller: Caller) -> dict[str, Any]:
    """A scrutineer confirms the count report of an election or project vote (recorded in the log)."""
    needs(caller, "scrutineer")
    name = caller.name or "scrutineer"
    confirmations = await services(request).writer.run(lambda tx: confirm_report.confirm_report(tx, vote_id, name))
    return {"vote_id": vote_id, "confirmations": confirmations}


@router.get("/votes/{vote_id}/paper")
async def paper_status(vote_id: str, request: Request, caller: Caller) -> dict[str, Any]:
    needs(caller, "scrutineer", "chair")
    return await services(request).writer.run(lambda tx: paper_ballot.paper_status(tx, vote_id))


# -- ballots over HTTP (fallback for terminals that cannot keep a WebSocket) ---------------------
class HttpBallot(BaseModel):
    vote_id: str = Field(max_length=32)
    ballot_id: str = Field(max_length=64)
    ballot: dict[str, Any]
    replaces: str | None = Field(default=None, max_length=64)


async def submit_ballot(svc: Services, member_id: int, vote_id: str, ballot_id: str, ballot: Any,
                        replaces: str | None) -> Ticket:
    return await svc.writer.submit(
        lambda tx: cast_ballot(tx, member_id, vote_id, ballot_id, ballot, replaces), groupable=True, may_refuse=False)


@router.post("/ballots")
async def http_ballot(body: HttpBallot, request: Request, caller: Caller) -> dict[str, Any]:
    needs(caller, "deputy")
    assert caller.member_id is not None
    ticket = await submit_ballot(services(request), caller.member_id, body.vote_id, body.ballot_id, body.ballot,
                                 body.replaces)
    if ticket.error is not None:
        raise ticket.error
    services(request).hub.send_me(caller.member_id)  # the deputy's tablets show 已提交 at once
    return {"vote_id": ticket.vote_id, "ballot_id": ticket.ballot_id, "receipt": ticket.receipt,
            "duplicate": ticket.duplicate}


# -- exports -------------------------------------------------------------------------------------
def _table(rows: list[list[str]], fmt: str, name: str) -> Response:
    if fmt == "xlsx":
        return Response(exports.to_xlsx(rows, name[:31]), media_type=(
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
            headers={"Content-Disposition": f"attachment; filename=\"{name}.xlsx\""})
    if fmt == "csv":
        return Response(exports.to_csv(rows), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f"attachment; filename=\"{name}.csv\""})
    raise ServerError("invalid_format", "格式应为 csv 或 xlsx")


@router.get("/votes/{vote_id}/sheet.{fmt}")
async def result_sheet(vote_id: str, fmt: str, request: Request, caller: Caller) -> Response:
    needs(caller, "chair", "staff", "scrutineer", "auditor")
    item, vote = vote_record(services(request), vote_id)
    return _table(exports.result_sheet_rows(item, vote), fmt, f"result-{vote_id}")


@router.get("/votes/{vote_id}/named.{fmt}")
async def named_table(vote_id: str, fmt: str, request: Request, caller: Caller) -> Response:
    needs(caller, "chair", "staff", "auditor")
    svc = services(request)
    item, vote = vote_record(svc, vote_id)
    if item["secret"]:
        raise forbidden("无记名表决没有记名表决表")
    live_vote = svc.live.votes[vote_id]
    meeting = svc.live.meetings[live_vote.meeting_id]
    members = [{"id": mid, **meeting.members[mid]} for mid in sorted(live_vote.eligible)]
    return _table(exports.named_table_rows(vote, members), fmt, f"named-{vote_id}")


@router.get("/votes/{vote_id}/named")
async def named_public(vote_id: str, request: Request) -> dict[str, Any]:
    """The named table (记名表决) of a *closed* named vote, for the hall screen: public, because a
    named vote is published by nature; a secret vote never has one (403)."""
    svc = services(request)
    live_vote = svc.live.votes.get(vote_id)
    if live_vote is None:
        raise not_found("表决")
    item, vote = vote_record(svc, vote_id)
    if item["secret"] or vote["named_ballots"] is None:
        raise forbidden("无记名表决没有记名表决表")
    if vote["state"] != "closed":
        raise ServerError("vote_not_closed", "表决结束后才公布记名表决表", status=409)
    meeting = svc.live.meetings[live_vote.meeting_id]
    members = [{"id": mid, **meeting.members[mid]} for mid in sorted(live_vote.eligible)]
    return {"vote_id": vote_id, "rows": exports.named_table_rows(vote, members)}


@router.get("/votes/{vote_id}/scrutineer.{fmt}")
async def scrutineer_report(vote_id: str, fmt: str, request: Request, caller: Caller) -> Response:
    needs(caller, "chair", "scrutineer", "auditor")
    item, vote = vote_record(services(request), vote_id)
    if item["kind"] != "election":
        raise ServerError("not_election", "只有选举有监票报告")
    return _table(exports.scrutineer_report_rows(vote), fmt, f"scrutineer-{vote_id}")


@router.get("/meetings/{meeting_id}/minutes.{fmt}")
async def minutes(meeting_id: int, fmt: str, request: Request, caller: Caller) -> Response:
    needs(caller, "chair", "staff", "auditor")
    svc = services(request)
    meeting = _meeting(svc, meeting_id)
    items_out = minutes_items(svc, meeting)
    return _table(exports.minutes_rows({"id": meeting.id, "title": meeting.title}, items_out), fmt,
                  f"minutes-{meeting_id}")


@router.get("/meetings/{meeting_id}/participation.{fmt}")
async def participation(meeting_id: int, fmt: str, request: Request, caller: Caller) -> Response:
    """代表履职积分: attendance and votes cast per deputy — never a choice."""
    needs(caller, "staff", "auditor")
    svc = services(request)
    meeting = _meeting(svc, meeting_id)
    votes = [v for v in svc.live.votes.values() if v.meeting_id == meeting_id and v.method == "electronic"]
    rows = []
    for mid, member in meeting.members.items():
        rows.append({"id": mid, **member, "attendance": {meeting_id: meeting.attendance.get(mid)},
                     "votes_cast": sum(1 for v in votes if mid in v.voters),
                     "votes_eligible": sum(1 for v in votes if mid in v.eligible)})
    return _table(exports.participation_rows(rows, [{"id": meeting_id, "title": meeting.title}]), fmt,
                  f"participation-{meeting_id}")


# -- health --------------------------------------------------------------------------------------
@router.get("/health")
async def health(request: Request) -> dict[str, Any]:
    """For the operator and the load benchmark: is the writer taking writes, and how are frames
    reaching the terminals. Counts only; nothing about any deputy."""
    svc = services(request)
    stats = svc.hub.stats
    return {
        "ok": not svc.writer.broken,
        "writer": {"broken": svc.writer.broken, "batches": svc.writer.batches, "jobs": svc.writer.grouped,
                   "waiting": svc.writer.waiting()},
        "terminals": {"connections": svc.hub.connections, "frames_direct": stats.direct,
                      "frames_queued": stats.queued, "frames_dropped": stats.dropped},
        "audit_log_size": svc.ledger.size,
        "gc": None if svc.gc_watch is None else {
            "full_collections": svc.gc_watch.full_collections, "longest_pause_ms": svc.gc_watch.longest_pause_ms,
            "voting_thresholds": svc.gc_watch.voting},
    }


# -- audit ---------------------------------------------------------------------------------------
@router.get("/audit/checkpoint")
async def checkpoint(request: Request) -> Response:
    log = services(request).ledger.log
    return Response(log.latest_checkpoint.note, media_type="text/plain; charset=utf-8")


@router.get("/audit/vkey")
async def vkey(request: Request) -> Response:
    return Response(services(request).ledger.log.vkey + "\n", media_type="text/plain; charset=utf-8")


@router.get("/audit/export.zip")
async def audit_export(request: Request, caller: Caller) -> Response:
    needs(caller, "auditor", "chair")
    svc = services(request)

    def build() -> bytes:
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "export"
            audit.export(svc.ledger.log.directory, out)
            buffer = io.BytesIO()
            with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
                for path in sorted(out.rglob("*")):
                    if path.is_file():
                        archive.write(path, path.relative_to(out.parent))
            shutil.rmtree(out, ignore_errors=True)
            return buffer.getvalue()

    data = await asyncio.get_running_loop().run_in_executor(None, build)
    return Response(data, media_type="application/zip",
                    headers={"Content-Disposition": "attachment; filename=\"audit-export.zip\""})


@router.post("/audit/check-receipt")
async def check_receipt(request: Request) -> dict[str, Any]:
    """Check a deputy's receipt against this server's log: the checkpoint's signature, inclusion of
    the leaf in it, and consistency from it to the newest checkpoint. Public: a receipt reveals no
    choice."""
    data = await _json_object(request)
    log = services(request).ledger.log
    try:
        receipt = audit.parse_receipt(data)
    except audit.AuditError as error:
        raise ServerError("invalid_receipt", f"凭证格式错误：{error}") from error
    verifier = audit.Verifier.from_vkey(log.vkey)
    try:
        checkpoint = open_checkpoint(receipt.checkpoint, verifier, log.origin)
    except audit.AuditError:
        return {"ok": False, "message": "凭证中的检查点签名不属于本次会议的审计日志"}
    latest = log.latest_checkpoint
    included = verify_inclusion_hash(receipt.leaf_hash, receipt.index, checkpoint.size, receipt.inclusion_proof,
                                     checkpoint.root)
    consistent = _extends(log, checkpoint, latest)
    ok = included and consistent
    return {"ok": ok, "index": receipt.index, "checkpoint_size": checkpoint.size, "log_size": latest.size,
            "message": "您的选票已记录在审计日志中，且日志此后未被改写" if ok else
            ("凭证与检查点不符" if not included else "审计日志与凭证签发时不一致（日志被回滚或改写）")}


def _extends(log: audit.AuditLog, old: audit.Checkpoint, new: audit.Checkpoint) -> bool:
    """RFC 9162 §2.1.4: is ``new`` an append-only extension of ``old``?"""
    if old.size > new.size:
        return False
    if old.size == new.size:
        return old.root == new.root
    return verify_consistency(old.size, new.size, old.root, new.root, log.consistency_proof(old.size, new.size))
