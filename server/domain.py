"""The server's vocabulary: every closed set of words it stores, sends or accepts, as string enums
whose members carry their Chinese label — the one label table of the server, the pages (served as
``/labels.js``) and the printed reports (server/exports.py); and the ids and the one name for an
open JSON document that the rest of the server is typed with.

Labels follow 人大 practice (shared/domain.md): 赞成/反对/弃权, 出席/请假/缺席, 纸质选票, 另行选举 …
A value is a plain string on the wire and in the database; ``Vocabulary.parse`` turns text into a
member or ``None``. A member *is* that string (``StrEnum``): json, orjson and RFC 8785 write it as
its value. Put ``.value`` into an audit body all the same: audit/records.py checks some fields'
exact type (``str``, not a subclass).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, NewType, Self

# -- ids ---------------------------------------------------------------------------------------
MemberId = NewType("MemberId", int)
"""A member of a body's roll (``members.id``)."""

MeetingId = NewType("MeetingId", int)
"""A session of a body (``meetings.id``)."""

VoteId = NewType("VoteId", str)
"""One round of voting on an item, ``v{item id}-{round no}`` (``votes.id``)."""

# -- open documents ----------------------------------------------------------------------------
JsonObject = dict[str, Any]
"""A JSON object whose shape is not the server's to fix: a tally definition, result or ballot
(tally's document format, README "The tally file format"), an audit record body, a receipt, a
wire message (docs/protocol.md) or an HTTP answer. Everything else the server holds is a typed
value (server/live.py)."""


class Vocabulary(StrEnum):
    """A string enum whose members carry a Chinese ``label``: ``NAME = "value", "标签"``."""

    label: str

    def __new__(cls, value: str, label: str = "") -> Self:
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label
        return member

    @classmethod
    def parse(cls, value: object) -> Self | None:
        """The member whose value is ``value``, or None."""
        return cls._value2member_map_.get(value) if isinstance(value, str) else None  # type: ignore[return-value]

    @classmethod
    def labels(cls) -> dict[str, str]:
        return {member.value: member.label for member in cls}

    @classmethod
    def listed(cls) -> str:
        """The labels joined for a message: ``正常、暂停执行代表职务、终止代表资格``."""
        return "、".join(member.label for member in cls)


class Role(Vocabulary):
    DEPUTY = "deputy", "代表"
    CHAIR = "chair", "主持人"
    STAFF = "staff", "工作人员"
    SCRUTINEER = "scrutineer", "计票人/监票人"
    AUDITOR = "auditor", "审计人员"
    SCREEN = "screen", "大屏"


#: Roles of accounts with a password (a deputy signs in with a code, a screen with none).
USER_ROLES = (Role.CHAIR, Role.STAFF, Role.SCRUTINEER, Role.AUDITOR)


class BodyKind(Vocabulary):
    CONGRESS = "congress", "人民代表大会"
    TOWNSHIP_CONGRESS = "township_congress", "乡镇人民代表大会"
    STANDING_COMMITTEE = "standing_committee", "常务委员会"
    PRESIDIUM = "presidium", "主席团"


class MemberStatus(Vocabulary):
    ACTIVE = "active", "正常"
    SUSPENDED = "suspended", "暂停执行代表职务"
    TERMINATED = "terminated", "终止代表资格"


class MeetingState(Vocabulary):
    """A session's state in the database (no page shows it: not in ``LABEL_TABLES``)."""

    OPEN = "open", "进行中"
    CLOSED = "closed", "已闭会"


class Attendance(Vocabulary):
    PRESENT = "present", "出席"
    LEAVE = "leave", "请假"
    ABSENT = "absent", "缺席"


class ItemKind(Vocabulary):
    MOTION = "motion", "议案表决"
    LIST_APPROVAL = "list_approval", "名单表决"
    APPOINTMENT = "appointment", "人事任免"
    ELECTION = "election", "选举"
    PROJECT_VOTE = "project_vote", "民生实事项目票决"
    SATISFACTION = "satisfaction", "满意度测评"


class ItemState(Vocabulary):
    PENDING = "pending", "未开始"
    VOTING = "voting", "表决中"
    DONE = "done", "已表决"


class VoteState(Vocabulary):
    OPEN = "open", "表决中"
    CLOSED = "closed", "已结束"
    VOIDED = "voided", "已宣布无效"
    #: an encrypted vote after its close, until k 监票人 have decrypted its totals
    DECRYPTING = "decrypting", "待监票人解密"


class VoteMethod(Vocabulary):
    ELECTRONIC = "electronic", "电子表决"
    PAPER = "paper", "纸质选票"
    SHOW_OF_HANDS = "show_of_hands", "举手表决"


class RoundKind(Vocabulary):
    FIRST = "first", "首轮"
    REVOTE = "revote", "重新表决"
    TIE_REVOTE = "tie_revote", "得票相等再次投票"
    RUNOFF = "runoff", "另行选举"
    PRELIMINARY = "preliminary", "预选"
    MANUAL = "manual", "人工录入"


class VoidGround(Vocabulary):
    SYSTEM_FAULT = "system_fault", "表决系统故障"
    EXCESS_BALLOTS = "excess_ballots", "收回票数多于发出票数"
    PROCEDURAL_ERROR = "procedural_error", "程序错误"
    NO_QUORUM = "no_quorum", "不足法定人数"


class Choice(Vocabulary):
    YES = "yes", "赞成"
    NO = "no", "反对"
    ABSTAIN = "abstain", "弃权"


class Grade(Vocabulary):
    SATISFIED = "satisfied", "满意"
    BASICALLY_SATISFIED = "basically_satisfied", "基本满意"
    UNSATISFIED = "unsatisfied", "不满意"


class Outcome(Vocabulary):
    PASSED = "passed", "通过"
    FAILED = "failed", "未通过"
    INVALID = "invalid", "无效"
    MIXED = "mixed", "部分通过"


class Action(Vocabulary):
    APPOINT = "appoint", "任命"
    DISMISS = "dismiss", "免职"
    APPROVE = "approve", "批准任免"
    ACTING = "acting", "决定代理人选"
    ACCEPT_RESIGNATION = "accept_resignation", "接受辞职"
    REMOVE = "remove", "撤职"
    RECALL = "recall", "罢免"
    RECALL_DEPUTY = "recall_deputy", "罢免代表"
    DEPUTY_RESIGNATION = "deputy_resignation", "接受代表辞职"


class Office(Vocabulary):
    HEAD = "head", "正职"
    DEPUTY_HEAD = "deputy_head", "副职"
    MEMBER = "member", "委员"
    NEXT_LEVEL_DEPUTY = "next_level_deputy", "上一级人大代表"


class Term(Vocabulary):
    """Words the pages, the server's messages and the prints share for the same thing, as 人大
    practice writes them (one verb for one act: a deputy 确认投票; a count is 已表决/未表决)."""

    VOTED = "voted", "已表决"
    NOT_VOTED = "not_voted", "未表决"
    NAMED = "named", "记名"
    SECRET = "secret", "无记名"
    BOOTH = "booth", "秘密写票"
    CAST = "cast", "确认投票"
    SUBMITTED = "submitted", "已提交"
    AWAITING = "awaiting", "等待服务器确认"


#: The label tables as the pages know them (``LABELS.KIND.motion`` in terminals/static/common.js).
LABEL_TABLES: dict[str, type[Vocabulary]] = {
    "ROLE": Role, "BODY": BodyKind, "MEMBER_STATUS": MemberStatus, "ATTENDANCE": Attendance,
    "KIND": ItemKind, "ITEM_STATE": ItemState, "VOTE_STATE": VoteState, "METHOD": VoteMethod,
    "ROUND": RoundKind, "VOID_GROUND": VoidGround, "CHOICE": Choice, "GRADE": Grade, "OUTCOME": Outcome,
    "ACTION": Action, "OFFICE": Office, "TERM": Term,
}


def label_tables() -> dict[str, dict[str, str]]:
    return {name: vocabulary.labels() for name, vocabulary in LABEL_TABLES.items()}
