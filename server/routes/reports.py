"""Reports as CSV or XLSX (server/exports.py): a vote's result sheet, the named table of a named
vote, the scrutineer report of an election, the minutes of a meeting and 代表履职积分."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path
from fastapi.responses import Response

from server import evidence, exports, queries
from server.conversation import Principal
from server.domain import Role, VoteState
from server.errors import ServerError, forbidden
from server.routes.common import Rt, answers, as_role, file_answers
from server.schemas.audit import NamedTable, ResultCheckpoint
from server.schemas.roll import SEAT_PLACES, VoteSeatMap

router = APIRouter(tags=["reports"])

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV = "text/csv; charset=utf-8"
TABLE = {
    "text/csv": "`.csv`: UTF-8 with a BOM, CRLF line ends, comma separated, every row as many cells as it has (blank "
                "rows separate blocks); a cell beginning with `= + - @` gets a leading apostrophe.",
    XLSX: "`.xlsx`: one worksheet, the same rows; the first row bold; whole numbers without leading zeros are "
          "numbers, everything else text (never a formula).",
}
Format = Annotated[str, Path(description="`csv` or `xlsx` (anything else: 400 `invalid_format`).",
                             json_schema_extra={"enum": ["csv", "xlsx"]})]
ATTACHMENT = " Sent as an attachment (`Content-Disposition`) named `{name}.csv` or `.xlsx`."


def _table(rows: list[list[str]], fmt: str, name: str) -> Response:
    if fmt == "xlsx":
        return Response(exports.to_xlsx(rows, name[:31]), media_type=XLSX,
                        headers={"Content-Disposition": f"attachment; filename=\"{name}.xlsx\""})
    if fmt == "csv":
        return Response(exports.to_csv(rows), media_type=CSV,
                        headers={"Content-Disposition": f"attachment; filename=\"{name}.csv\""})
    raise ServerError("invalid_format", "格式应为 csv 或 xlsx")


@router.get("/votes/{vote_id}/sheet.{fmt}", **file_answers(TABLE, (
    "The result sheet (表决结果) of one vote, in Chinese: the title; label/value rows 表决方式 (and 记名/无记名), "
    "表决时间（北京时间）, 议程序号, 类别, 轮次, 状态 (宣布无效的理由 when voided); a blank row; then the attendance "
    "(应到/实到/法定人数), the ballots for kinds with ballots, a counts table per kind (表决意见 or 候选人 or 项目 or "
    "测评对象 in the first column, then 赞成/反对/弃权… or the grades), the summary lines, and 宣读稿 (the "
    "announcement); before the vote closes a single 表决结果 row." + ATTACHMENT.format(name="result-<vote_id>")),
    400, 401, 403, 404, codes={400: "invalid_format"}))
async def result_sheet(vote_id: str, fmt: Format, rt: Rt, caller: Annotated[Principal, as_role(
        Role.CHAIR, Role.STAFF, Role.SCRUTINEER, Role.AUDITOR)]) -> Response:
    item, vote = queries.vote_record(rt, vote_id)
    return _table(exports.result_sheet_rows(item, vote), fmt, f"result-{vote_id}")


@router.get("/votes/{vote_id}/named.{fmt}", **file_answers(TABLE, (
    "The named table (记名表决表) of a named vote: header 座位, 姓名, 代表团, then one column per question (表决意见; "
    "or each person of a list or appointment voted person by person); one row per deputy on the vote's roll with "
    "赞成/反对/弃权/未按; a blank row; 合计 with the totals per column. A secret vote has none (403)."
    + ATTACHMENT.format(name="named-<vote_id>")), 400, 401, 403, 404, codes={400: "invalid_format"}))
async def named_table(vote_id: str, fmt: Format, rt: Rt, caller: Annotated[Principal, as_role(
        Role.CHAIR, Role.STAFF, Role.AUDITOR)]) -> Response:
    item, vote = queries.vote_record(rt, vote_id)
    if item["secret"]:
        raise forbidden("无记名表决没有记名表决表")
    members = queries.eligible_members(rt.live, rt.live.votes[vote_id])
    return _table(exports.named_table_rows(vote, members), fmt, f"named-{vote_id}")


@router.get("/votes/{vote_id}/named", **answers(NamedTable, 403, 404, 409, codes={
    409: "vote_not_closed, result_not_declared"}))
async def named_public(vote_id: str, rt: Rt) -> dict[str, Any]:
    """The named table (记名表决) of a *closed* named vote, for the hall screen: public, because a
    named vote is published by nature; a secret vote never has one (403)."""
    live_vote = queries.vote_of(rt.live, vote_id)
    item, vote = queries.vote_record(rt, vote_id)
    if item["secret"] or vote["named_ballots"] is None:
        raise forbidden("无记名表决没有记名表决表")
    if vote["state"] != "closed":
        raise ServerError("vote_not_closed", "表决结束后才公布记名表决表", status=409)
    if queries.held(rt.live, live_vote):
        raise ServerError("result_not_declared", "主持人宣布表决结果后才公布记名表决表", status=409)
    return {"vote_id": vote_id, "rows": exports.named_table_rows(vote, queries.eligible_members(rt.live, live_vote))}


@router.get("/votes/{vote_id}/checkpoint", **answers(ResultCheckpoint, 404))
async def result_checkpoint(vote_id: str, rt: Rt) -> dict[str, Any]:
    """The signed checkpoint of the audit log that covers this vote's result, as the printed result
    sheet gives it, for the hall screen: public, like every checkpoint (GET /api/audit/checkpoint)."""
    queries.vote_of(rt.live, vote_id)
    block = evidence.covering(rt.ledger, [vote_id])
    keys = ("state", "message", "fingerprint", "seq", "origin", "size", "root", "note")
    return {"vote_id": vote_id, **{k: block[k] for k in keys if k in block}}


@router.get("/votes/{vote_id}/seats", description=SEAT_PLACES, **answers(VoteSeatMap, 403, 404, 409, codes={
    409: "vote_not_closed, result_not_declared"}))
async def vote_seats(vote_id: str, rt: Rt) -> dict[str, Any]:
    """The seat map (座位图) of a *closed* named (记名) vote, for the hall screen: 赞成/反对/弃权/未按 by
    seat. Public, as the named table is. A secret vote never has one: 403 before any ballot is read."""
    live_vote = queries.vote_of(rt.live, vote_id)
    if not live_vote.named:
        raise forbidden("无记名表决没有座位图，不显示任何代表的表决意见")
    if live_vote.state is not VoteState.CLOSED:
        raise ServerError("vote_not_closed", "表决结束后才公布座位图", status=409)
    if queries.held(rt.live, live_vote):
        raise ServerError("result_not_declared", "主持人宣布表决结果后才公布座位图", status=409)
    _, vote = queries.vote_record(rt, vote_id)
    named = vote["named_ballots"]
    assert isinstance(named, dict)
    return queries.vote_seats(rt.live, live_vote, named)


@router.get("/votes/{vote_id}/scrutineer.{fmt}", **file_answers(TABLE, (
    "The count report (计票结果报告) of an election for the 总监票人 (400 `not_election` for other kinds): "
    "title; 表决方式, 投票时间, 轮次, 职位类别, 应选名额; a blank row; attendance, ballots (发出/收回/有效/无效), "
    "the counts per candidate, 宣读稿; then signature lines 总监票人/监票人/计票人（签名）." + ATTACHMENT.format(
        name="scrutineer-<vote_id>")), 400, 401, 403, 404, codes={400: "invalid_format, not_election"}))
async def scrutineer_report(vote_id: str, fmt: Format, rt: Rt, caller: Annotated[Principal, as_role(
        Role.CHAIR, Role.SCRUTINEER, Role.AUDITOR)]) -> Response:
    item, vote = queries.vote_record(rt, vote_id)
    if item["kind"] != "election":
        raise ServerError("not_election", "只有选举有监票报告")
    return _table(exports.scrutineer_report_rows(vote), fmt, f"scrutineer-{vote_id}")


@router.get("/meetings/{meeting_id}/minutes.{fmt}", **file_answers(TABLE, (
    "The minutes (表决情况记录) of a meeting: a title row; header 议程序号, 议题, 类别, 轮次, 表决方式, "
    "时间（北京时间）, 状态, 结果, 宣读稿; one row per round of every item in agenda order (an item not voted "
    "on: one row 未表决)."
    + ATTACHMENT.format(name="minutes-<meeting_id>")), 400, 401, 403, 404, 422, codes={400: "invalid_format"}))
async def minutes(meeting_id: int, fmt: Format, rt: Rt, caller: Annotated[Principal, as_role(
        Role.CHAIR, Role.STAFF, Role.AUDITOR)]) -> Response:
    meeting = queries.meeting_of(rt.live, meeting_id)
    rows = exports.minutes_rows({"id": meeting.id, "title": meeting.title}, queries.minutes_items(rt, meeting))
    return _table(rows, fmt, f"minutes-{meeting_id}")


@router.get("/meetings/{meeting_id}/participation.{fmt}", **file_answers(TABLE, (
    "代表履职积分: attendance and votes cast per deputy, never a choice. Header 编号, 姓名, 代表团, 座位, the "
    "meeting's title (出席/请假/缺席, 未签到 while the roll is open — counted in none of the totals — "
    "or empty), 出席（次）, 请假（次）, 缺席（次）, 参加表决（次）, 应参加表决（次）, "
    "参加表决率, 备注 (two unapproved absences flagged, 代表法 第六十二条); one row per member."
    + ATTACHMENT.format(name="participation-<meeting_id>")), 400, 401, 403, 404, 422, codes={400: "invalid_format"}))
async def participation(meeting_id: int, fmt: Format, rt: Rt,
                        caller: Annotated[Principal, as_role(Role.STAFF, Role.AUDITOR)]) -> Response:
    meeting = queries.meeting_of(rt.live, meeting_id)
    rows = exports.participation_rows(queries.participation(rt.live, meeting), [{"id": meeting_id,
                                                                                  "title": meeting.title}])
    return _table(rows, fmt, f"participation-{meeting_id}")
