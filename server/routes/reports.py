"""Reports as CSV or XLSX (server/exports.py): a vote's result sheet, the named table of a named
vote, the scrutineer report of an election, the minutes of a meeting and 代表履职积分."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response

from server import exports, queries
from server.auth import Caller, needs
from server.domain import Role
from server.errors import ServerError, forbidden
from server.routes.common import Rt

router = APIRouter(tags=["reports"])

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _table(rows: list[list[str]], fmt: str, name: str) -> Response:
    if fmt == "xlsx":
        return Response(exports.to_xlsx(rows, name[:31]), media_type=XLSX,
                        headers={"Content-Disposition": f"attachment; filename=\"{name}.xlsx\""})
    if fmt == "csv":
        return Response(exports.to_csv(rows), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f"attachment; filename=\"{name}.csv\""})
    raise ServerError("invalid_format", "格式应为 csv 或 xlsx")


@router.get("/votes/{vote_id}/sheet.{fmt}")
async def result_sheet(vote_id: str, fmt: str, rt: Rt, caller: Caller) -> Response:
    needs(caller, Role.CHAIR, Role.STAFF, Role.SCRUTINEER, Role.AUDITOR)
    item, vote = queries.vote_record(rt, vote_id)
    return _table(exports.result_sheet_rows(item, vote), fmt, f"result-{vote_id}")


@router.get("/votes/{vote_id}/named.{fmt}")
async def named_table(vote_id: str, fmt: str, rt: Rt, caller: Caller) -> Response:
    needs(caller, Role.CHAIR, Role.STAFF, Role.AUDITOR)
    item, vote = queries.vote_record(rt, vote_id)
    if item["secret"]:
        raise forbidden("无记名表决没有记名表决表")
    members = queries.eligible_members(rt.live, rt.live.votes[vote_id])
    return _table(exports.named_table_rows(vote, members), fmt, f"named-{vote_id}")


@router.get("/votes/{vote_id}/named")
async def named_public(vote_id: str, rt: Rt) -> dict[str, Any]:
    """The named table (记名表决) of a *closed* named vote, for the hall screen: public, because a
    named vote is published by nature; a secret vote never has one (403)."""
    live_vote = queries.vote_of(rt.live, vote_id)
    item, vote = queries.vote_record(rt, vote_id)
    if item["secret"] or vote["named_ballots"] is None:
        raise forbidden("无记名表决没有记名表决表")
    if vote["state"] != "closed":
        raise ServerError("vote_not_closed", "表决结束后才公布记名表决表", status=409)
    return {"vote_id": vote_id, "rows": exports.named_table_rows(vote, queries.eligible_members(rt.live, live_vote))}


@router.get("/votes/{vote_id}/scrutineer.{fmt}")
async def scrutineer_report(vote_id: str, fmt: str, rt: Rt, caller: Caller) -> Response:
    needs(caller, Role.CHAIR, Role.SCRUTINEER, Role.AUDITOR)
    item, vote = queries.vote_record(rt, vote_id)
    if item["kind"] != "election":
        raise ServerError("not_election", "只有选举有监票报告")
    return _table(exports.scrutineer_report_rows(vote), fmt, f"scrutineer-{vote_id}")


@router.get("/meetings/{meeting_id}/minutes.{fmt}")
async def minutes(meeting_id: int, fmt: str, rt: Rt, caller: Caller) -> Response:
    needs(caller, Role.CHAIR, Role.STAFF, Role.AUDITOR)
    meeting = queries.meeting_of(rt.live, meeting_id)
    rows = exports.minutes_rows({"id": meeting.id, "title": meeting.title}, queries.minutes_items(rt, meeting))
    return _table(rows, fmt, f"minutes-{meeting_id}")


@router.get("/meetings/{meeting_id}/participation.{fmt}")
async def participation(meeting_id: int, fmt: str, rt: Rt, caller: Caller) -> Response:
    """代表履职积分: attendance and votes cast per deputy — never a choice."""
    needs(caller, Role.STAFF, Role.AUDITOR)
    meeting = queries.meeting_of(rt.live, meeting_id)
    rows = exports.participation_rows(queries.participation(rt.live, meeting), [{"id": meeting_id,
                                                                                  "title": meeting.title}])
    return _table(rows, fmt, f"participation-{meeting_id}")
