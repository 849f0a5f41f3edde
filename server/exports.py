"""Printable reports in Chinese, rendered from the plain dicts the server passes (no database here).

shared/domain.md "What the electronic system must show": per-item result sheet, named-vote table,
election scrutineer report, all printable and in Chinese; "代表履职积分": per-deputy attendance and
participation, never the secret choice (代表法 第五十八条 on duty performance; 组织法 第二十八条 and
the session's 表决议案办法 on secrecy).

Every ``*_rows`` function returns a table of strings (``list[list[str]]``); :func:`to_csv` and
:func:`to_xlsx` turn any of them into a file. The ``vote`` dict is the server's vote record, whose
``definition`` and ``result`` are the input and output documents of ``tally.count_document``
(README.md "The tally file format"); the announcement text is tally's, never re-worded here.

Times are shown in Beijing time (UTC+8, no daylight saving) when the ISO string carries an offset;
a naive time is shown as given.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta, timezone
from typing import Any

from server.domain import (
    Action,
    Attendance,
    Choice,
    Grade,
    ItemKind,
    JsonObject,
    Office,
    Outcome,
    RoundKind,
    Term,
    VoteMethod,
    VoteState,
)

BEIJING = timezone(timedelta(hours=8), "北京时间")

# The labels are the server's one table (server/domain.py).
METHODS = VoteMethod.labels()
KINDS = ItemKind.labels()
ROUND_KINDS = RoundKind.labels()
STATES = VoteState.labels()
OUTCOMES = Outcome.labels()
CHOICES = Choice.labels()
NOT_VOTED = "未按"
GRADES = Grade.labels()
OFFICES = Office.labels()
ACTIONS = Action.labels()
ATTENDANCE = Attendance.labels()
#: a meeting's mark in 代表履职积分: 出席/请假/缺席, or 未签到 while its roll is still open (not an
#: absence: only the chair's 签到结束 makes one, 代表法 第六十二条)
MARKS = {**ATTENDANCE, "not_checked_in": "未签到"}
NONE = "—"
"""Shown where a figure does not apply (no result yet, no eligible votes)."""

ABSENCE_FLAG = 2
"""代表法 第六十二条: 未经批准两次不出席本级人民代表大会会议的, 代表资格终止 — flagged, people decide."""

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_SHEET_TITLE_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
_MAX_COLUMN_WIDTH = 60
_MIN_COLUMN_WIDTH = 6
_XLSX_CELL_LIMIT = 32_767
_WHOLE_NUMBER = re.compile(r"^(0|[1-9][0-9]{0,14})$")
"""Stored as a number in XLSX; "001", 18-digit ID numbers and "95.83%" stay text."""

Row = list[str]


# --- small helpers -----------------------------------------------------------------------------

def _s(value: object) -> str:
    return "" if value is None else str(value)


def _time(value: object) -> str:
    """An ISO time as ``2027-01-05 09:30:00``, in Beijing time when the offset is known."""
    if not value:
        return ""
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)
    if moment.tzinfo is not None:
        moment = moment.astimezone(BEIJING)
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def _percent(numerator: int, denominator: int) -> str:
    """``numerator / denominator`` as ``95.83%``, rounded half up in integer arithmetic."""
    if denominator <= 0:
        return NONE
    hundredths = (20_000 * numerator + denominator) // (2 * denominator)
    return f"{hundredths // 100}.{hundredths % 100:02d}%"


def _names(names: Sequence[object]) -> str:
    return "、".join(str(n) for n in names) if names else "无"


def _method(vote: Mapping[str, Any]) -> str:
    result = vote.get("result") or {}
    manual = result.get("manual")
    if manual:
        return f"{METHODS.get(manual, manual)}（人工录入结果）"
    method = vote.get("method", VoteMethod.ELECTRONIC.value)
    return METHODS.get(method, str(method))


def _period(vote: Mapping[str, Any]) -> str:
    opened, closed = _time(vote.get("opened_at")), _time(vote.get("closed_at"))
    if opened and closed and opened != closed:
        return f"{opened} 至 {closed}"
    return opened or closed


def _round(vote: Mapping[str, Any]) -> str:
    kind = vote.get("round_kind", "first")
    return f"第{_s(vote.get('round_no', 1))}轮（{ROUND_KINDS.get(kind, kind)}）"


def _counts(entry: Mapping[str, Any]) -> Row:
    return [_s(entry.get("yes", 0)), _s(entry.get("no", 0)), _s(entry.get("abstain", 0))]


def _kind(vote: Mapping[str, Any]) -> str:
    result = vote.get("result") or {}
    return str(result.get("kind") or (vote.get("definition") or {}).get("kind", ""))


def _is_per_person(definition: Mapping[str, Any]) -> bool:
    kind = definition.get("kind")
    if kind == ItemKind.APPOINTMENT:
        return bool(definition.get("mode", "individual") == "individual")
    return bool(kind == ItemKind.LIST_APPROVAL and definition.get("mode") == "per_person")


# --- the counts table, by kind ----------------------------------------------------------------

def _attendance_rows(result: Mapping[str, Any]) -> list[Row]:
    attendance = result.get("attendance") or {}
    quorum = attendance.get("quorum") or {}
    met = "已达到" if quorum.get("met") else "未达到"
    return [
        ["应到（人）", _s(attendance.get("members_of_record"))],
        ["实到（人）", _s(attendance.get("present"))],
        ["法定人数（人）", _s(quorum.get("required")), met],
    ]


def _ballot_rows(result: Mapping[str, Any], paper: str = "选票", unit: str = "张") -> list[Row]:
    ballots = result.get("ballots") or {}
    rows = [
        [f"发出{paper}（{unit}）", _s(ballots.get("issued"))],
        [f"收回{paper}（{unit}）", _s(ballots.get("returned"))],
        [f"有效票（{unit}）", _s(ballots.get("valid"))],
        [f"无效票（{unit}）", _s(ballots.get("void"))],
    ]
    if ballots.get("excess"):
        rows.append([f"收回多于发出（{unit}）", _s(ballots["excess"])])
    return rows


def _motion_table(result: Mapping[str, Any]) -> list[Row]:
    counts = result.get("counts") or {}
    rows: list[Row] = [["表决意见", "票数"]]
    rows += [[label, _s(counts.get(key, 0))] for key, label in CHOICES.items()]
    rows.append([NOT_VOTED, _s(counts.get("not_voted", 0))])
    if result.get("kind") == ItemKind.LIST_APPROVAL and result.get("persons"):
        rows += [[], ["名单", _names(result["persons"])]]
    details = result.get("items_detail") or []
    if result.get("kind") == ItemKind.APPOINTMENT and details:
        rows += [[], ["被任免人", "职务", "事项"]]
        rows += [[_s(d.get("nominee")), _s(d.get("post")), ACTIONS.get(d.get("action", ""), _s(d.get("action")))]
                 for d in details]
    return rows


def _per_person_table(result: Mapping[str, Any]) -> list[Row]:
    appointment = result.get("kind") == ItemKind.APPOINTMENT
    details = {d.get("id"): d for d in result.get("items_detail") or []}
    header = ["姓名", *(["职务", "事项"] if appointment else []), *CHOICES.values(), NOT_VOTED, "结果"]
    rows: list[Row] = [header]
    for entry in result.get("items") or []:
        counts = entry.get("counts") or {}
        detail = details.get(entry.get("name"), {})
        name = _s(detail.get("nominee", entry.get("name")))
        extra = [_s(detail.get("post")), ACTIONS.get(detail.get("action", ""), _s(detail.get("action")))]
        rows.append([name, *(extra if appointment else []), *_counts(counts), _s(counts.get("not_voted", 0)),
                     OUTCOMES.get(entry.get("outcome", ""), _s(entry.get("outcome")))])
    return rows


def _candidate_status(name: str, result: Mapping[str, Any]) -> str:
    if name in (result.get("elected") or []):
        return "列为正式候选人" if result.get("round") == RoundKind.PRELIMINARY else "当选"
    if name in (result.get("tied") or []):
        return "得票相等"
    return "未当选"


def _election_table(result: Mapping[str, Any]) -> list[Row]:
    rows: list[Row] = [["候选人", *CHOICES.values(), "结果"]]
    valid = result.get("round_valid", True)
    for name, counts in (result.get("counts") or {}).items():
        rows.append([name, *_counts(counts), _candidate_status(name, result) if valid else NONE])
    write_ins = result.get("write_ins") or {}
    if write_ins:
        rows += [[], ["另选他人", "得票", "结果"]]
        rows += [[name, _s(votes), "当选" if name in (result.get("elected") or []) else "未当选"]
                 for name, votes in write_ins.items()]
    if result.get("ineligible_write_ins"):
        rows.append(["另选他人不符合条件（票）", _s(result["ineligible_write_ins"])])
    return rows


def _election_summary(result: Mapping[str, Any]) -> list[Row]:
    if not result.get("round_valid", True):
        return [["本次选举", f"无效：{_s(result.get('reason'))}"]]
    preliminary = result.get("round") == RoundKind.PRELIMINARY
    elected = _names(result.get("elected") or [])
    rows: list[Row] = [["本次选举", "有效"], ["正式候选人" if preliminary else "当选", elected]]
    if result.get("tied"):
        rows.append(["得票相等（再次投票）", _names(result["tied"]), f"决定{_s(result.get('tied_places'))}个名额"])
    if result.get("unfilled"):
        rows.append(["尚缺名额", _s(result["unfilled"])])
    runoff = result.get("runoff")
    if runoff:
        rows.append(["另行选举候选人（建议）", _names(runoff.get("candidates") or []),
                     f"应选{_s(runoff.get('seats'))}名"])
    return rows


def _project_table(result: Mapping[str, Any], definition: Mapping[str, Any]) -> list[Row]:
    ranking = result.get("mode") == "ranking"
    info = {p.get("name"): p for p in definition.get("projects") or [] if isinstance(p, Mapping)}
    has_info = bool(info)
    header = ["项目", *(["投资", "责任单位"] if has_info else []),
              *(["得分", "排序代表数"] if ranking else CHOICES.values()), "结果"]
    rows: list[Row] = [header]
    chosen = result.get("chosen") or []
    tied = result.get("tied") or []
    valid = result.get("round_valid", True)
    for name, counts in (result.get("counts") or {}).items():
        figures = [_s(counts.get("points", 0)), _s(counts.get("support", 0))] if ranking else _counts(counts)
        extra = [_s(info.get(name, {}).get("cost")), _s(info.get(name, {}).get("owner"))] if has_info else []
        status = NONE if not valid else "确定" if name in chosen else "得票相等" if name in tied else "未确定"
        rows.append([name, *extra, *figures, status])
    return rows


def _project_summary(result: Mapping[str, Any]) -> list[Row]:
    if not result.get("round_valid", True):
        return [["本次票决", f"无效：{_s(result.get('reason'))}"]]
    rows: list[Row] = [["确定为民生实事项目", _names(result.get("chosen") or [])]]
    if result.get("tied"):
        rows.append(["得票相等（再次投票）", _names(result["tied"]), f"决定{_s(result.get('tied_places'))}个项目"])
    if result.get("unfilled"):
        rows.append(["尚缺项目", _s(result["unfilled"])])
    return rows


def _satisfaction_table(result: Mapping[str, Any]) -> list[Row]:
    rows: list[Row] = [["测评对象", *GRADES.values(), "有效", "无效", "满意率", "测评结果", "处理意见"]]
    for name, entry in (result.get("counts") or {}).items():
        rate = entry.get("rate") or {}
        rows.append([
            name, _s(entry.get("satisfied", 0)), _s(entry.get("basically_satisfied", 0)),
            _s(entry.get("unsatisfied", 0)), _s(entry.get("valid", 0)), _s(entry.get("invalid", 0)),
            _s(rate.get("percent", NONE)), GRADES.get(entry.get("outcome", ""), _s(entry.get("outcome"))),
            _s(entry.get("consequence")),
        ])
    return rows


def _result_body(result: Mapping[str, Any], definition: Mapping[str, Any]) -> list[Row]:
    """Attendance, the counts table and the summary lines for any kind of result."""
    kind = result.get("kind")
    rows = _attendance_rows(result)
    if kind == ItemKind.ELECTION:
        rows += [[], *_ballot_rows(result), [], *_election_table(result), [], *_election_summary(result)]
    elif kind == ItemKind.PROJECT_VOTE:
        rows += [[], *_ballot_rows(result), [], *_project_table(result, definition), [], *_project_summary(result)]
    elif kind == ItemKind.SATISFACTION:
        rows += [[], *_ballot_rows(result, "测评表", "份"), [], *_satisfaction_table(result)]
    else:
        per_person = isinstance(result.get("items"), list)
        rows += [[], *(_per_person_table(result) if per_person else _motion_table(result)), []]
        outcome = _s(result.get("outcome"))
        reason = [_s(result["reason"])] if result.get("reason") else []
        rows.append(["表决结果", OUTCOMES.get(outcome, outcome), *reason])
    return rows


def _short_outcome(result: Mapping[str, Any]) -> str:
    kind = result.get("kind")
    if kind in (ItemKind.ELECTION, ItemKind.PROJECT_VOTE):
        if not result.get("round_valid", True):
            return f"无效：{_s(result.get('reason'))}"
        preliminary = result.get("round") == RoundKind.PRELIMINARY
        label = "确定" if kind == ItemKind.PROJECT_VOTE else "正式候选人" if preliminary else "当选"
        text = f"{label}：{_names(result.get('elected') or [])}"
        if result.get("tied"):
            text += f"；得票相等：{_names(result['tied'])}"
        if result.get("unfilled"):
            text += f"；尚缺{_s(result['unfilled'])}个"
        return text
    if kind == ItemKind.SATISFACTION:
        counts = result.get("counts") or {}
        grades = (GRADES.get(e.get("outcome", ""), _s(e.get("outcome"))) for e in counts.values())
        return "；".join(f"{name}：{grade}" for name, grade in zip(counts, grades, strict=True))
    outcome = _s(result.get("outcome"))
    return OUTCOMES.get(outcome, outcome)


# --- the reports -------------------------------------------------------------------------------

def result_sheet_rows(item: JsonObject, vote: JsonObject) -> list[list[str]]:
    """One vote's result sheet: title, method and time, then attendance, counts and announcement."""
    result = vote.get("result")
    definition = vote.get("definition") or {}
    state = _s(vote.get("state"))
    rows: list[Row] = [
        [_s(item.get("title") or definition.get("title"))],
        ["表决方式", _method(vote), Term.SECRET.label if item.get("secret", True) else Term.NAMED.label],
        ["表决时间（北京时间）", _period(vote)],
        ["议程序号", _s(item.get("position"))],
        ["类别", KINDS.get(_s(item.get("kind") or definition.get("kind")), _s(item.get("kind")))],
        ["轮次", _round(vote)],
        ["状态", STATES.get(state, state)],
    ]
    if state == VoteState.VOIDED:
        rows.append(["宣布无效的理由", _s(vote.get("void_reason"))])
    rows.append([])
    if result is None:
        rows.append(["表决结果", "表决尚未结束，暂无结果" if state == VoteState.OPEN else "无结果"])
        return rows
    rows += _result_body(result, definition)
    rows += [[], ["宣读稿", _s(result.get("announcement"))]]
    if state == VoteState.VOIDED:
        rows.append(["说明", "本轮表决已宣布无效，以上结果不作为表决结果"])
    return rows


def named_table_rows(vote: JsonObject, members: list[JsonObject]) -> list[list[str]]:
    """记名表决: each deputy's choice, in the order ``members`` is given (pass the vote's eligible roll).

    Only a named vote has ``named_ballots``; asking for the table of a secret vote is a bug and
    raises ``ValueError`` — a secret ballot must never be linked to a deputy.
    """
    named = vote.get("named_ballots")
    if named is None:
        raise ValueError("无记名表决不得导出记名表 (a secret vote has no named table)")
    columns = named_columns(vote.get("definition") or {})
    rows: list[Row] = [["座位", "姓名", "代表团", *(label for _, label in columns)]]
    totals = [dict.fromkeys([*CHOICES.values(), NOT_VOTED], 0) for _ in columns]
    for member in members:
        ballot = named.get(member.get("id"))
        if ballot is None:
            ballot = named.get(_s(member.get("id")))
        choices = [_choice_label(ballot, key) for key, _ in columns]
        for total, choice in zip(totals, choices, strict=True):
            total[choice] = total.get(choice, 0) + 1
        rows.append([_s(member.get("seat")), _s(member.get("name")), _s(member.get("group")), *choices])
    rows.append([])
    rows.append(["合计", "", "", *(
        f"赞成{t['赞成']}票，反对{t['反对']}票，弃权{t['弃权']}票，未按{t[NOT_VOTED]}人" for t in totals
    )])
    return rows


def named_columns(definition: Mapping[str, Any]) -> list[tuple[str | None, str]]:
    """The questions of a named vote: (the key of a ballot's ``marks``, or None for its ``choice``;
    the column's label) — one per person of a list or appointment voted person by person."""
    if _is_per_person(definition) and definition.get("kind") == ItemKind.APPOINTMENT:
        return [
            (_s(entry.get("id") or entry.get("nominee")),
             f"{_s(entry.get('nominee'))}（{ACTIONS.get(entry.get('action', ''), _s(entry.get('action')))}）")
            for entry in definition.get("items") or []
        ]
    if _is_per_person(definition):
        return [(_s(person), _s(person)) for person in definition.get("persons") or []]
    return [(None, "表决意见")]


def choice_of(ballot: object, key: str | None) -> str | None:
    """A named ballot's answer to one question (``yes``/``no``/``abstain``…), None if unanswered."""
    if not isinstance(ballot, Mapping):
        return None
    value = ballot.get("choice") if key is None else (ballot.get("marks") or {}).get(key)
    return value if isinstance(value, str) else None


def _choice_label(ballot: object, key: str | None) -> str:
    if not isinstance(ballot, Mapping):
        return NOT_VOTED
    value = ballot.get("choice") if key is None else (ballot.get("marks") or {}).get(key)
    if value is None:
        return NOT_VOTED
    return CHOICES.get(value) or GRADES.get(value) or _s(value)


def scrutineer_report_rows(vote: JsonObject) -> list[list[str]]:
    """总监票人 report for an election (or a 民生实事 票决): ballots issued, returned, valid, void;
    every candidate's 赞成/反对/弃权; write-ins; who is elected; lines for signatures.

    选举法 第四十四条 (returned > issued voids the round) and the domain brief "Results".
    """
    definition = vote.get("definition") or {}
    result = vote.get("result")
    kind = _kind(vote)
    if kind not in (ItemKind.ELECTION, ItemKind.PROJECT_VOTE):
        raise ValueError(f"监票报告只用于选举和民生实事项目票决 (not for {kind!r})")
    title = _s((result or {}).get("title") or definition.get("title")) or KINDS[kind]
    rows: list[Row] = [
        [f"{title}计票结果报告"],
        ["表决方式", _method(vote), Term.SECRET.label + "投票"],
        ["投票时间（北京时间）", _period(vote)],
        ["轮次", _round(vote)],
    ]
    if kind == ItemKind.ELECTION:
        office = _s(definition.get("office"))
        rows += [["职位类别", OFFICES.get(office, office)], ["应选名额", _s(definition.get("seats"))]]
    else:
        rows.append(["应确定项目数", _s(definition.get("choose"))])
    if vote.get("state") == VoteState.VOIDED:
        rows.append(["宣布无效的理由", _s(vote.get("void_reason"))])
    rows.append([])
    if result is None:
        rows.append(["计票结果", "投票尚未结束，暂无结果"])
    else:
        rows += _result_body(result, definition)
        rows += [[], ["宣读稿", _s(result.get("announcement"))]]
    rows += [[], ["总监票人（签名）", ""], ["监票人（签名）", ""], ["计票人（签名）", ""]]
    return rows


def participation_rows(members: list[JsonObject], meetings: list[JsonObject]) -> list[list[str]]:
    """代表履职积分: per deputy, attendance at each meeting and how many votes they cast.

    Reads only ``attendance``, ``votes_cast`` and ``votes_eligible`` from each member: participation,
    never a choice. Two or more unapproved absences are flagged for people to check (代表法 第六十二条).
    """
    rows: list[Row] = [[
        "编号", "姓名", "代表团", "座位", *(_s(m.get("title")) for m in meetings),
        "出席（次）", "请假（次）", "缺席（次）", "参加表决（次）", "应参加表决（次）", "参加表决率", "备注",
    ]]
    for member in members:
        attendance = member.get("attendance") or {}
        marks = [attendance.get(m.get("id"), attendance.get(_s(m.get("id")))) for m in meetings]
        present, leave, absent = (sum(1 for a in marks if a == key) for key in ATTENDANCE)
        cast, eligible = int(member.get("votes_cast") or 0), int(member.get("votes_eligible") or 0)
        note = f"未经批准缺席{absent}次，请依代表法第六十二条核查" if absent >= ABSENCE_FLAG else ""
        rows.append([
            _s(member.get("code")), _s(member.get("name")), _s(member.get("group")), _s(member.get("seat")),
            *(MARKS.get(a, "") if a else "" for a in marks),
            str(present), str(leave), str(absent), str(cast), str(eligible), _percent(cast, eligible), note,
        ])
    return rows


def minutes_rows(meeting: JsonObject, items: list[JsonObject]) -> list[list[str]]:
    """Session minutes: every item in agenda order, every round of it, and the announcement read.

    Each item dict carries its rounds under ``"votes"`` (vote records as for the result sheet).
    """
    rows: list[Row] = [
        [f"{_s(meeting.get('title'))}表决情况记录"],
        ["议程序号", "议题", "类别", "轮次", "表决方式", "时间（北京时间）", "状态", "结果", "宣读稿"],
    ]
    for item in sorted(items, key=lambda i: (i.get("position") is None, i.get("position") or 0)):
        head = [_s(item.get("position")), _s(item.get("title")), KINDS.get(_s(item.get("kind")), _s(item.get("kind")))]
        votes = sorted(item.get("votes") or [], key=lambda v: v.get("round_no") or 0)
        if not votes:
            rows.append([*head, "", "", "", Term.NOT_VOTED.label, "", ""])
            continue
        for vote in votes:
            result = vote.get("result")
            state = _s(vote.get("state"))
            outcome = _short_outcome(result) if result else ""
            if state == VoteState.VOIDED:
                outcome = f"已宣布无效：{_s(vote.get('void_reason'))}"
            rows.append([*head, _round(vote), _method(vote), _period(vote), STATES.get(state, state), outcome,
                         _s((result or {}).get("announcement"))])
    return rows


# --- files -------------------------------------------------------------------------------------

def _neutralise(cell: str) -> str:
    """Keep spreadsheet programs from running a cell as a formula (CSV injection)."""
    return f"'{cell}" if cell.startswith(_FORMULA_START) else cell


def to_csv(rows: list[list[str]]) -> bytes:
    """UTF-8 with BOM and CRLF, so Excel and WPS open the Chinese text correctly.

    A cell starting with ``= + - @`` gets a leading apostrophe so it is shown, never evaluated.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerows([[_neutralise(_s(cell)) for cell in row] for row in rows])
    return "\ufeff".encode() + buffer.getvalue().encode("utf-8")


def sheet_title(title: str) -> str:
    """An Excel sheet name: no ``[]:*?/\\``, no leading or trailing apostrophe, at most 31 characters."""
    cleaned = _SHEET_TITLE_FORBIDDEN.sub("", title).strip().strip("'").strip()
    return cleaned[:31].strip().strip("'") or "表格"


def _display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def to_xlsx(rows: list[list[str]], title: str) -> bytes:
    """An .xlsx with a bold first row, widths fitted to the text, and A4 print settings.

    Whole numbers without leading zeros (counts) are stored as numbers; everything else as text
    (a cell starting with ``=`` stays text, never a formula).
    """
    from openpyxl import Workbook  # the server extra
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.worksheet import Worksheet

    book = Workbook()
    sheet = book.active
    assert isinstance(sheet, Worksheet)  # a new workbook has one worksheet
    sheet.title = sheet_title(title)
    book.properties.title = title
    book.properties.creator = "县乡人大电子表决系统"
    bold, wrap = Font(bold=True), Alignment(wrap_text=True, vertical="top")
    table_rows = [row for row in rows if len(row) > 1] or rows
    widths: dict[int, int] = {}
    for row in table_rows:
        for index, text in enumerate(row, start=1):
            widths[index] = max(widths.get(index, _MIN_COLUMN_WIDTH), _display_width(_s(text)) + 2)
    for index, width in widths.items():
        sheet.column_dimensions[get_column_letter(index)].width = min(width, _MAX_COLUMN_WIDTH)
    for row_index, row in enumerate(rows, start=1):
        for col_index, value in enumerate(row, start=1):
            text = ILLEGAL_CHARACTERS_RE.sub("", _s(value))[:_XLSX_CELL_LIMIT]
            if not text:
                continue
            cell = sheet.cell(row=row_index, column=col_index)
            if _WHOLE_NUMBER.match(text):
                cell.value = int(text)  # counts as numbers, so a clerk can sum and sort them
            else:
                cell.value = text
                cell.data_type = "s"  # never a formula, whatever the text starts with
            if row_index == 1:
                cell.font = bold
            if len(row) > 1 and _display_width(text) + 2 > _MAX_COLUMN_WIDTH:
                cell.alignment = wrap
    if rows and len(rows[0]) > 1:
        sheet.freeze_panes = "A2"
        sheet.print_title_rows = "1:1"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    if len(widths) > 6:
        sheet.page_setup.orientation = sheet.ORIENTATION_LANDSCAPE
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    fit = sheet.sheet_properties.pageSetUpPr
    assert fit is not None  # every worksheet has its page set-up properties
    fit.fitToPage = True
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
