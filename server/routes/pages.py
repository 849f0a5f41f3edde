"""The web pages, served from terminals/ (Jinja2 templates and plain JavaScript, no build step).

Pages (all in Chinese; each role page checks the caller's role through ``/api/me`` and shows a
refusal to anyone else — the API refuses them too):

* ``/tablet`` — the deputy's tablet: sign in with the session code, 签到, vote, receipt.
* ``/chair`` — the presiding officer's console: roll and quorum, agenda, open/extend/close/void.
* ``/screen/{meeting_id}`` — the hall screen (大屏): public, shows only counts and results.
* ``/staff``, ``/scrutineer``, ``/audit`` — staff, 计票人/监票人 and auditor pages.
* ``/print/vote/{vote_id}``, ``/print/minutes/{meeting_id}``, ``POST /print/codes`` — printable
  A4 pages (result sheet with named table and scrutineer report, minutes, the sign-in code sheet);
  each also as a PDF for the archive with ``?format=pdf`` (server/pdf.py: the same HTML, laid out
  by WeasyPrint in the server process, Chinese fonts embedded, no network).
  Every page of a result sheet and of the minutes carries the signed checkpoint that covers the
  result (size, root, a QR code of the signed note) with a line for the 监票人 to sign beside it,
  and the code sheet carries the audit key's fingerprint (server/evidence.py).

The WebSocket protocol the pages speak is docs/protocol.md; the JavaScript is terminals/static/.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import segno
from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from server import evidence, exports, network, pdf, queries
from server.auth import optional_caller
from server.domain import label_tables
from server.routes.common import Rt, same_origin
from terminals import TEMPLATES

templates = Jinja2Templates(directory=str(TEMPLATES))
router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)

PAGES = {
    # path: (template, title, allowed roles, refusal)
    "chair": ("chair.html", "主持人控制台", ["chair"], "您没有主持人权限"),
    "staff": ("staff.html", "会务工作台", ["staff"], "您没有工作人员权限"),
    "scrutineer": ("scrutineer.html", "计票监票", ["scrutineer"], "您没有计票人或监票人权限"),
    "audit": ("audit.html", "审计核验", ["auditor"], "您没有审计权限"),
}


def _refusal(request: Request, message: str, status: int) -> HTMLResponse:
    return templates.TemplateResponse(request, "refused.html", {"title": "无权访问", "message": message},
                                      status_code=status)


PRINT_FORMATS = ("html", "pdf")


def _print_format(request: Request) -> str | None:
    """``?format=`` of a print page: ``html`` (the default) or ``pdf``; None for anything else."""
    fmt = request.query_params.get("format", "html")
    return fmt if fmt in PRINT_FORMATS else None


async def _printed(request: Request, template: str, context: dict[str, Any], filename: str) -> Response:
    """A print page as HTML, or with ``?format=pdf`` the same page as a PDF (inline, named ``filename``)."""
    page = templates.TemplateResponse(request, template, context)
    if _print_format(request) != "pdf":
        return page
    data = await asyncio.to_thread(pdf.to_pdf, bytes(page.body).decode("utf-8"))
    return Response(data, media_type=pdf.PDF, headers={
        "Content-Disposition": f"inline; filename=\"{filename}.pdf\"", "Cache-Control": "no-store"})


def _bad_format(request: Request) -> Response | None:
    if _print_format(request) is None:
        return _refusal(request, "格式应为 html 或 pdf（?format=pdf）", 400)
    return None


def _segments(rows: list[list[str]]) -> list[dict[str, Any]]:
    """Split an export table into printable blocks at its blank rows.

    A block whose rows all have the same width of three or more is a grid with a header row
    (counts per candidate, the named table, the minutes); other blocks are label/value lines.
    A single-cell first row is the block's heading.
    """
    blocks: list[list[list[str]]] = [[]]
    for row in rows:
        if not any(cell for cell in row):
            if blocks[-1]:
                blocks.append([])
            continue
        blocks[-1].append(row)
    out: list[dict[str, Any]] = []
    for block in blocks:
        if not block:
            continue
        heading = None
        if len(block[0]) == 1:
            heading, block = block[0][0], block[1:]
        widths = {len(r) for r in block}
        grid = len(block) > 1 and ((len(widths) == 1 and next(iter(widths)) >= 3) or block[0][0] in (
            "表决意见", "候选人", "项目", "测评对象", "姓名", "座位", "议程序号"))
        width = max(widths) if widths else 0
        padded = [r + [""] * (width - len(r)) for r in block] if grid else block
        out.append({"heading": heading, "grid": grid, "rows": padded})
    return out


@router.get("/")
async def index(request: Request, rt: Rt) -> Response:
    return templates.TemplateResponse(request, "index.html", {"title": "县乡人大电子表决系统",
                                                              "meetings": list(rt.live.meetings.values())})


@router.get("/labels.js")
async def labels() -> Response:
    """The one label table (server/domain.py) for the pages: ``const LABELS = {"KIND": {…}, …}``."""
    text = "\"use strict\";\nconst LABELS = " + json.dumps(label_tables(), ensure_ascii=False) + ";\n"
    return Response(text, media_type="text/javascript; charset=utf-8", headers={"Cache-Control": "no-cache"})


@router.get("/tablet")
async def tablet(request: Request) -> Response:
    return templates.TemplateResponse(request, "tablet.html", {"title": "代表表决终端"})


@router.get("/screen")
async def screen_default(request: Request, rt: Rt) -> Response:
    meetings = sorted(rt.live.meetings)
    if not meetings:
        return _refusal(request, "尚未创建会议", 404)
    return RedirectResponse(f"/screen/{meetings[-1]}", status_code=303)


@router.get("/screen/{meeting_id}")
async def screen(request: Request, meeting_id: int, rt: Rt) -> Response:
    if meeting_id not in rt.live.meetings:
        return _refusal(request, "会议不存在", 404)
    return templates.TemplateResponse(request, "screen.html", {"title": "会场大屏", "meeting_id": meeting_id})


def _role_page(name: str) -> None:
    template, title, roles, refusal = PAGES[name]

    async def page(request: Request) -> Response:
        return templates.TemplateResponse(request, template, {"title": title, "roles": roles, "refusal": refusal})

    router.add_api_route(f"/{name}", page, methods=["GET"])


for _name in PAGES:
    _role_page(_name)


# -- printable pages -----------------------------------------------------------------------------
@router.get("/print/vote/{vote_id}")
async def print_vote(request: Request, vote_id: str, rt: Rt) -> Response:
    caller = await optional_caller(request)
    if caller is None:
        return _refusal(request, "请先在主持人、工作人员、计票或审计页面登录，再打开打印页", 401)
    if (refused := _bad_format(request)) is not None:
        return refused
    if caller.role not in ("chair", "staff", "scrutineer", "auditor"):
        return _refusal(request, "您的身份无权打印表决结果", 403)
    live_vote = rt.live.votes.get(vote_id)
    if live_vote is None:
        return _refusal(request, "表决不存在", 404)
    item, vote = queries.vote_record(rt, vote_id)
    meeting = rt.live.meetings[live_vote.meeting_id]
    sections = [{"title": "表决结果", "blocks": _segments(exports.result_sheet_rows(item, vote))}]
    if vote.get("named_ballots") is not None and vote.get("result") is not None \
            and caller.role in ("chair", "staff", "auditor"):
        sections.append({"title": "记名表决表", "blocks": _segments(
            exports.named_table_rows(vote, queries.eligible_members(rt.live, live_vote)))})
    if item["kind"] in ("election", "project_vote") and caller.role in ("chair", "scrutineer", "auditor"):
        report = exports.scrutineer_report_rows(vote)
        sections.append({"title": "计票结果报告（总监票人）", "blocks": _segments(report)})
    if request.query_params.get("only") == "scrutineer":
        sections = sections[-1:]
    name = f"scrutineer-{vote_id}" if request.query_params.get("only") == "scrutineer" else f"result-{vote_id}"
    return await _printed(request, "print.html", {
        "title": f"{item['title']} 表决结果", "meeting": meeting, "sections": sections,
        "checkpoint": evidence.covering(rt.ledger, [vote_id])}, name)


@router.get("/print/minutes/{meeting_id}")
async def print_minutes(request: Request, meeting_id: int, rt: Rt) -> Response:
    caller = await optional_caller(request)
    if caller is None:
        return _refusal(request, "请先登录，再打开打印页", 401)
    if (refused := _bad_format(request)) is not None:
        return refused
    if caller.role not in ("chair", "staff", "auditor"):
        return _refusal(request, "您的身份无权打印会议记录", 403)
    meeting = rt.live.meetings.get(meeting_id)
    if meeting is None:
        return _refusal(request, "会议不存在", 404)
    rows = exports.minutes_rows({"id": meeting.id, "title": meeting.title}, queries.minutes_items(rt, meeting))
    votes = [vote.id for vote in rt.live.votes.values() if vote.meeting_id == meeting.id]
    return await _printed(request, "print.html", {
        "title": f"{meeting.title} 表决情况记录", "meeting": meeting, "landscape": True,
        "sections": [{"title": "", "blocks": _segments(rows)}],
        "checkpoint": evidence.covering(rt.ledger, votes, what="本次会议各项表决")}, f"minutes-{meeting_id}")


@router.post("/print/codes", dependencies=[Depends(same_origin)])
async def print_codes(request: Request, rt: Rt, codes: str = Form(...)) -> Response:
    """The sign-in code sheet: one card per deputy with the code and a QR code of the tablet link.

    The codes come from the staff page (they are shown once, when issued); only staff may print.
    """
    caller = await optional_caller(request)
    if caller is None or caller.role != "staff":
        return _refusal(request, "只有工作人员可以打印签到码", 403)
    if (refused := _bad_format(request)) is not None:
        return refused
    try:
        entries = json.loads(codes)
        if not isinstance(entries, list):
            raise ValueError
    except ValueError:
        return _refusal(request, "签到码数据格式错误", 400)
    base = network.base_url(rt.settings, str(request.base_url))  # PUBLIC_URL: the address tablets use
    cards = []
    for entry in entries[:2000]:
        if not isinstance(entry, dict) or not isinstance(entry.get("code"), str):
            continue
        code = entry["code"]
        qr = segno.make(f"{base}/tablet#code={code}", error="m")
        cards.append({**{k: str(entry.get(k, "")) for k in ("name", "seat", "group", "member_code")},
                      "code": code, "qr": qr.svg_inline(scale=3, border=2, omitsize=True)})
    meeting = rt.live.meetings.get(caller.meeting_id or -1)
    return await _printed(request, "codes.html", {
        "title": "代表签到码", "meeting": meeting, "cards": cards, "base": base, "codes_json": codes,
        "fingerprint": evidence.fingerprint(rt.ledger)}, "codes")
