"""Meetings, the roll and attendance, sign-in codes."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import UploadFile
from pydantic import Field

from server import rollfile
from server.domain import Attendance, BodyKind, MemberStatus
from server.schemas.base import MAX_ID, Answer, Request, absent

MemberId = Annotated[int, Field(ge=1, le=MAX_ID)]


class MeetingSettings(Request):
    """The settings of the body a meeting belongs to; only these are read, anything else is refused."""

    presidium_quorum: Literal["majority", "two_thirds"] = absent(
        "Quorum of a 主席团 (`body_kind` `presidium`): a majority (default) or two thirds of its members.")
    count_suspended_in_base: bool = absent(
        "Whether members whose duties are suspended (暂停执行代表职务, 代表法 第六十一条) count in 实有, the base "
        "of every majority and of the quorum (default true). They can never check in or vote.")
    publish_step: bool = absent(
        "The publish step (发布程序, default false: a result is shown as soon as the vote closes). When true, "
        "a result reaches the hall screen and the tablets only after a scrutineer (the 总监票人) has confirmed "
        "the count (`POST /api/votes/{vote_id}/result/confirm`) and the chair has declared it "
        "(`POST /api/votes/{vote_id}/result/declare`); until then the public state and "
        "`GET /api/votes/{vote_id}` carry `result: null` for everyone but the chair, scrutineers and auditors "
        "(staff's exports and print pages are not held back).")


class NewMeeting(Request):
    body_kind: BodyKind
    body_name: str = Field(min_length=1, max_length=200, description="e.g. 某某县第十八届人民代表大会.")
    title: str = Field(min_length=1, max_length=200, description="e.g. 第三次会议.")
    settings: MeetingSettings = Field(default_factory=MeetingSettings)


class MeetingCreated(Answer):
    id: int


class MeetingListed(Answer):
    id: int
    title: str
    body: BodyKind
    closed: bool


class AttendanceSummary(Answer):
    members_of_record: int = Field(description="实有: active members (and suspended ones, by the setting).")
    present: int = Field(description="实到: checked in and able to vote.")
    on_leave: int = Field(description="请假.")
    absent: int = Field(description="缺席: neither present, on leave nor 未签到 — recorded 缺席, suspended members "
                                    "counted in the base, and, once the roll is closed (签到结束), everyone not "
                                    "checked in.")
    quorum_required: int
    quorum_met: bool
    not_checked_in: int = Field(description="未签到: active members not checked in nor recorded, while the roll is "
                                            "open; 0 once the chair has closed it (they are 缺席 from then on).")
    roll_closed: bool = Field(description="Whether the chair has closed the roll (签到结束, "
                                          "`POST /api/meetings/{meeting_id}/roll/close`).")


class CodeReissue(Answer):
    at: str = Field(description="When (RFC 3339).")
    reason: str = Field(description="The reason staff gave.")
    by: str = Field(description="Who issued it (`staff:<name>`).")


class RollMember(Answer):
    id: int = Field(description="The member id the API uses (not the roll's 编号).")
    code: str = Field(description="编号, as in the roll file.")
    name: str
    group: str = Field(description="代表团 / 代表小组.")
    seat: str
    status: MemberStatus
    attendance: Attendance | None = Field(description="null: 未签到 (nothing recorded, the roll still open). Once the "
                                                      "roll is closed an active member never checked in is `absent`.")
    code_reissued: CodeReissue | None = Field(
        description="The latest sign-in code staff issued to this member in place of an earlier one (the chair "
                    "console shows it), or null.")


class RollClosedNote(Answer):
    at: str = Field(description="When the chair closed the roll (RFC 3339).")
    by: str = Field(description="Who (`chair:<name>`).")


class Roll(Answer):
    summary: AttendanceSummary
    members: list[RollMember] = Field(description="By group, seat and code.")
    roll_closed: RollClosedNote | None = Field(description="签到结束: when and by whom; null while the roll is open.")


class RollClosedAnswer(Answer):
    ok: bool
    roll_closed: RollClosedNote
    absent: int = Field(description="缺席 from now on (everyone of record neither present nor on leave).")


SEAT_PLACES = ("rows: the grid's rows (the highest row placed; 0 when none); columns: likewise. A seat written as "
               "a row and a number (3排12座, 第3排第12座, 3排12号, 3行12列, 3-12) is placed on the grid; any other "
               "seat label (主席台, A区5) is in `other`, by label; a member without a seat in `unseated`.")


class SeatPlace(Answer):
    id: int = Field(description="The member id.")
    name: str
    group: str
    seat: str = Field(description="座位 as on the roll (empty in `unseated`).")
    row: int = absent("In `placed`: the row, from 1 (front).")
    column: int = absent("In `placed`: the seat's number in its row, from 1.")


class AttendanceSeat(SeatPlace):
    state: Literal["present", "leave", "absent", "not_active"] = Field(
        description="`present` 已签到, `leave` 请假, `absent` 未签到 (nothing or 缺席 recorded), `not_active` "
                    "suspended (暂停执行代表职务); terminated members are not on the map.")


class AttendanceSeatMap(Answer):
    """The check-in seat map (座位图) of a meeting."""

    summary: AttendanceSummary
    rows: int
    columns: int
    placed: list[AttendanceSeat] = Field(description="By row, then column.")
    other: list[AttendanceSeat]
    unseated: list[AttendanceSeat]


class VoteSeat(SeatPlace):
    choices: list[Literal["yes", "no", "abstain", "none", "absent"]] = Field(
        description="One per question: `yes` 赞成, `no` 反对, `abstain` 弃权, `none` 未按 (on the vote's roll, "
                    "no answer), `absent` 未出席 (not checked in when the vote opened).")


class VoteSeatMap(Answer):
    """A closed named (记名) vote by seat. A secret vote never has one (403)."""

    vote_id: str
    questions: list[str] = Field(description="The questions: one (表决意见), or one per person of a list or an "
                                             "appointment voted person by person.")
    rows: int
    columns: int
    placed: list[VoteSeat] = Field(description="By row, then column.")
    other: list[VoteSeat]
    unseated: list[VoteSeat]


class RollUpload(Request):
    """The multipart form of a roll import: the file alone (any other form field is refused)."""

    file: UploadFile = Field(description="The roll file: CSV or XLSX (docs/roll-file.md).")


class RollImported(Answer):
    added: int
    updated: int = Field(description="Members already on the roll (matched by 编号) whose row replaced them.")
    total: int = Field(description="Members on the body's roll after the import.")


class StatusChange(Request):
    status: MemberStatus
    reason: str = Field(max_length=200, description="The ground (e.g. 代表法第六十二条); required, not blank.")


class StaffCheckIn(Request):
    member_id: MemberId
    reason: str = Field(min_length=1, max_length=200,
                        description="Why staff checks the deputy in (e.g. 平板故障); the deputy must be present.")


class CheckedIn(Answer):
    member_id: int
    state: Literal[Attendance.PRESENT]
    already: bool = Field(description="True if the deputy had already checked in (nothing changed).")


class Absence(Request):
    member_id: MemberId
    state: Literal[Attendance.LEAVE, Attendance.ABSENT] = Field(description="`leave` 请假 or `absent` 缺席.")
    reason: str = Field(default="", max_length=200)


class CodeRequest(Request):
    member_ids: list[MemberId] | None = Field(
        default=None, max_length=20000,
        description="The members to issue codes to; omitted or null: every active member. Their older codes stop "
                    "working.")
    reason: str | None = Field(
        default=None, max_length=200,
        description="Required (400 `reason_required` without it) when a member already holds a code: why it is "
                    "replaced. The old code and every token signed in with it are revoked, the deputy's sockets "
                    "closed (4401); the reason is in the audit log (`code_reissued`), on the roll "
                    "(`code_reissued`) and in the deputy's `me`.")


class IssuedCode(Answer):
    member_id: int
    code: str = Field(description="The sign-in code (`POST /api/deputy/login`); shown only this once.")
    name: str
    seat: str
    group: str
    member_code: str = Field(description="编号.")


def _aliases(field: str) -> str:
    return "、".join(f"`{alias}`" for alias, target in rollfile.HEADER_ALIASES.items() if target == field)


def _statuses() -> str:
    by_status: dict[str, list[str]] = {}
    for alias, status in rollfile.STATUS_ALIASES.items():
        by_status.setdefault(status, []).append(f"`{alias}`" if alias else "empty")
    return "; ".join(f"`{status}`: {', '.join(aliases)}" for status, aliases in by_status.items())


ROLL_FILE = f"""Import the roll (名册) from a CSV or XLSX file, uploaded as the multipart field `file`. All or nothing:
when any row has an error nothing is imported and the 422 answer (`roll_errors`) lists every problem by the row
Excel shows (the header is row 1) and the column as written in the file. docs/roll-file.md has the whole format.

Members are matched by 编号 within the meeting's body: a new 编号 adds a member, a known one replaces that
member's name, group, seat and status. Refused while a vote is open (409 `vote_open`).

* **Columns** (any order; case, spaces and `*` ignored; a title row may stand above the header, which is looked
  for in the first {rollfile.HEADER_SEARCH_ROWS} non-empty rows): 编号 (required: {_aliases("code")}); 姓名
  (required: {_aliases("name")}); 代表团 ({_aliases("group")}); 座位 ({_aliases("seat")}); 状态
  ({_aliases("status")}). Other columns are ignored.
* **Status values**: {_statuses()} (case and spaces ignored).
* **Values**: trimmed (also full-width spaces and zero-width characters); 编号 and 座位 NFKC-normalised
  (`００１` = `001`); Excel's `="001"` unwrapped; a name of CJK characters loses inner spaces. 编号 must be
  unique and not empty, 姓名 not empty, 座位 unique when given; at most
  {", ".join(f"{rollfile.LABELS[f]} {n}" for f, n in rollfile.MAX_LENGTH.items())} characters; no line
  breaks or control characters.
* **Formats**: CSV — UTF-8 (with or without BOM), GB18030/GBK, UTF-16 with BOM; comma or tab separated. XLSX —
  the first worksheet. The content decides, not the file name (an .xlsx renamed .csv is read as XLSX); images,
  PDF, archives and old .xls files are refused with a message saying what they are.
* **Limits**: at most {rollfile.MAX_ROWS} members; the file at most `ROLL_FILE_MAX_BYTES` (default 20 MiB,
  400 `file_too_large`); at most {rollfile.MAX_ERRORS} errors listed, then one row-0 line counting the rest.
"""
