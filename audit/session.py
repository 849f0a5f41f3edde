"""The session as the log tells it: meetings, their rolls, members' statuses, attendance and the
agenda -- and each vote's definition checked against them (docs/verifier-spec.md, "Session").

When a vote opens, the server freezes into its definition figures it computed from its in-memory
picture of the meeting (server/live.py ``counted_members``, ``present_voters``, ``summary``;
server/usecases/open_vote.py).  This module recomputes them from the log's own records, the way
the server does, so a definition that does not follow from the log is caught even when the log's
key signed it:

    members_of_record (实有)  the meeting's roll: members whose status is ``active``, and
                              ``suspended`` ones while the meeting setting
                              ``count_suspended_in_base`` is true (the default; 代表法 第六十一条)
    present (实到)            members checked in (``check_in``: by themselves, or by staff with a
                              reason) whose status is ``active`` -- also the vote's eligible voters
    kind, title              the agenda item (``item_added``, ``item_updated``) the vote is on:
                              vote ids are ``v<item id>-<round>``
    body, presidium_quorum   the meeting (``meeting_created``: its body and settings)
    other fields             the item's own definition, except those a round sets
                              (`ROUND_KEYS`); ``ballots_issued`` (民生实事) and ``forms_issued``
                              (满意度测评) equal ``present``
    write_in_eligible        an election round open to write-ins whose write-ins must be deputies
                              (``write_in_scope`` ``deputies``, the default for ``office``
                              ``member``), unless its item lists them: the names (``roll_loaded``)
                              of the members counted in members_of_record, less the round's own
                              candidates, sorted (server/usecases/open_vote.py)

Statuses change by ``roll_loaded`` (the whole roll, as imported) and ``member_status``; a member
made ``terminated`` while checked in is no longer present, a ``suspended`` one stays checked in
but cannot vote.  ``attendance`` records 请假 (leave) or 缺席 (absent) for a member not checked in.

A log with no ``meeting_created`` record at all (one written by the audit package alone, e.g. in
its tests) has no roll to check against: then definitions are not checked, and the report says so.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from audit.records import RecordType

__all__ = ["ROUND_KEYS", "Session", "SessionFault"]

#: Definition fields a round may set differently from its item (tally/rounds: first, preliminary,
#: runoff, tie_revote): not compared with the item's definition.
ROUND_KEYS = frozenset({"candidates", "seats", "round", "runoffs_held", "projects", "choose", "require_differential"})

_VOTE_ID = re.compile(r"v([1-9][0-9]{0,17})-[1-9][0-9]{0,8}")
_MISSING = object()


class SessionFault(Exception):
    """A record the session does not allow; `code` names the finding."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass
class _Meeting:
    body: str
    settings: Mapping[str, Any]
    roll: dict[str, str] = field(default_factory=dict)  # member code -> status
    names: dict[str, str] = field(default_factory=dict)  # member code -> name, as the roll was loaded
    attendance: dict[str, str] = field(default_factory=dict)  # member code -> present | leave | absent
    # (members_of_record, present_voters) as the roll and attendance are now; None after a change
    counted: tuple[int, frozenset[str]] | None = None

    def changed(self) -> None:
        """The roll or the attendance changed: count again when a vote opens."""
        self.counted = None

    def _base(self) -> tuple[str, ...]:
        """The statuses counted in members_of_record (实有)."""
        return ("active", "suspended") if bool(self.settings.get("count_suspended_in_base", True)) else ("active",)

    def _count(self) -> tuple[int, frozenset[str]]:
        if self.counted is None:
            roll, base = self.roll, self._base()
            self.counted = (
                sum(1 for s in roll.values() if s in base),
                frozenset(c for c, state in self.attendance.items() if state == "present" and roll.get(c) == "active"),
            )
        return self.counted

    def members_of_record(self) -> int:
        return self._count()[0]

    def present_voters(self) -> frozenset[str]:
        return self._count()[1]

    def counted_names(self) -> set[str]:
        """The names of the members counted in members_of_record (实有)."""
        base = self._base()
        return {self.names[code] for code, status in self.roll.items() if status in base}


@dataclass
class _Item:
    meeting_id: int
    kind: str
    title: str
    definition: Mapping[str, Any]
    secret: bool


class Session:
    """Meetings, rolls, attendance and agenda items, record by record."""

    def __init__(self) -> None:
        self.meetings: dict[int, _Meeting] = {}
        self.items: dict[int, _Item] = {}

    @property
    def known(self) -> bool:
        """Whether the log has a meeting at all (else definitions cannot be checked)."""
        return bool(self.meetings)

    def record(self, type_: str, body: Mapping[str, Any]) -> None:
        """Apply one session record (bodies already checked by `audit.records.check_body`)."""
        if type_ == RecordType.MEETING_CREATED:
            if body["meeting_id"] in self.meetings:
                raise SessionFault("session-conflict", f"meeting {body['meeting_id']} created twice / 会议重复创建")
            self.meetings[body["meeting_id"]] = _Meeting(body["body"], body["settings"])
        elif type_ == RecordType.ROLL_LOADED:
            meeting = self._meeting(body["meeting_id"])
            meeting.roll = {m["code"]: m["status"] for m in body["members"]}
            meeting.names = {m["code"]: m["name"] for m in body["members"]}
            meeting.changed()
        elif type_ == RecordType.MEMBER_STATUS:
            self._status(body)
        elif type_ in (RecordType.CHECK_IN, RecordType.ATTENDANCE):
            self._attendance(type_, body)
        elif type_ == RecordType.ITEM_ADDED:
            self._meeting(body["meeting_id"])
            if body["item_id"] in self.items:
                raise SessionFault("session-conflict", f"item {body['item_id']} added twice / 议题重复")
            self.items[body["item_id"]] = _Item(
                body["meeting_id"], body["kind"], body["title"], body["definition"], body["secret"]
            )
        elif type_ == RecordType.ITEM_UPDATED:
            item = self._item(body["item_id"])
            item.kind, item.title, item.definition, item.secret = (
                body["kind"], body["title"], body["definition"], body["secret"])

    def _meeting(self, meeting_id: int) -> _Meeting:
        meeting = self.meetings.get(meeting_id)
        if meeting is None:
            raise SessionFault("unknown-meeting", f"meeting {meeting_id} was never created / 会议不存在")
        return meeting

    def _item(self, item_id: int) -> _Item:
        item = self.items.get(item_id)
        if item is None:
            raise SessionFault("unknown-item", f"item {item_id} was never added to the agenda / 议题不存在")
        return item

    def _status(self, body: Mapping[str, Any]) -> None:
        code, status = body["member"], body["status"]
        if "meeting_id" in body:
            meetings = [self._meeting(body["meeting_id"])]
        else:  # the member's body: every meeting whose roll holds the code (one body per meeting)
            meetings = [m for m in self.meetings.values() if code in m.roll]
        holding = [m for m in meetings if code in m.roll]
        if not holding:
            raise SessionFault("unknown-member", f"member {code} is not on the roll / 名册中没有该代表")
        for meeting in holding:
            meeting.changed()
            meeting.roll[code] = status
            if status == "terminated" and meeting.attendance.get(code) == "present":
                meeting.attendance[code] = "absent"

    def _attendance(self, type_: str, body: Mapping[str, Any]) -> None:
        meeting = self._meeting(body["meeting_id"])
        code = body["member"]
        status = meeting.roll.get(code)
        if status is None:
            raise SessionFault("unknown-member", f"member {code} is not on the roll of meeting {body['meeting_id']}"
                                                 " / 名册中没有该代表")
        meeting.changed()
        if type_ == RecordType.CHECK_IN:
            if status != "active":
                raise SessionFault("ineligible-check-in", f"member {code} checked in while {status}"
                                                          " / 暂停或终止代表资格的代表不能签到")
            if body["by"] != "self" and not body["reason"].strip():
                raise SessionFault("ineligible-check-in", f"member {code} checked in by {body['by']} without a reason"
                                                          " / 工作人员代为签到须说明原因")
            meeting.attendance[code] = "present"
        else:
            if meeting.attendance.get(code) == "present":
                raise SessionFault("attendance-conflict", f"member {code} recorded {body['state']} after checking in"
                                                          " / 已签到的代表不能登记请假或缺席")
            meeting.attendance[code] = body["state"]

    def _vote_item(self, vote_id: str) -> tuple[_Item, _Meeting]:
        match = _VOTE_ID.fullmatch(vote_id)
        if match is None:
            raise SessionFault("unknown-item", f"vote {vote_id} does not name an agenda item (v<item>-<round>)"
                                               " / 表决编号不对应议题")
        item = self._item(int(match.group(1)))
        return item, self.meetings[item.meeting_id]

    def meeting_of(self, vote_id: str) -> int | None:
        """The meeting of the item a vote is on, or None for a log without meetings."""
        return self._vote_item(vote_id)[0].meeting_id if self.meetings else None

    def item_secret(self, vote_id: str) -> bool | None:
        """Whether the item a vote is on is secret (无记名), or None for a log without meetings."""
        return self._vote_item(vote_id)[0].secret if self.meetings else None

    def check_meeting(self, meeting_id: int) -> None:
        """A record names a meeting: it must have been created (in a log with meetings)."""
        if self.meetings:
            self._meeting(meeting_id)

    def opening(self, vote_id: str, definition: Mapping[str, Any]) -> frozenset[str] | None:
        """Check a vote's definition as it opens; return its eligible voters (member codes), or
        None for a log without meetings."""
        if not self.meetings:
            return None
        item, meeting = self._vote_item(vote_id)
        eligible = meeting.present_voters()
        present = len(eligible)
        expected: dict[str, Any] = {
            "kind": item.kind,
            "title": item.title,
            "body": meeting.body,
            "members_of_record": meeting.members_of_record(),
            "present": present,
        }
        if "presidium_quorum" in meeting.settings:
            expected["presidium_quorum"] = meeting.settings["presidium_quorum"]
        expected.update(item.definition)
        if item.kind == "project_vote":
            expected["ballots_issued"] = present
        elif item.kind == "satisfaction":
            expected["forms_issued"] = present
        if item.kind == "election" and "write_in_eligible" not in item.definition and _deputies_only(definition):
            expected["write_in_eligible"] = sorted(meeting.counted_names() - set(definition.get("candidates", [])))
        free = ROUND_KEYS | ({"ballots_issued"} if item.kind == "election" else set())
        for key in sorted(set(expected) | set(definition)):
            if key in free:
                continue
            recorded, derived = definition.get(key, _MISSING), expected.get(key, _MISSING)
            if recorded != derived:
                raise SessionFault("definition-mismatch", f"vote {vote_id}: {_field(key, recorded)} but the log "
                                                          f"gives {_field(key, derived)} "
                                                          "/ 表决定义与日志中的名册、签到或议题不符")
        return eligible

    def named(self, vote_id: str) -> None:
        """A vote made 记名 (its ballots named): its item must not be secret."""
        if self.meetings and self._vote_item(vote_id)[0].secret:
            raise SessionFault("definition-mismatch", f"vote {vote_id} is named but its item is secret"
                                                      " / 无记名议题的表决被记名")

    def manual(self, vote_id: str, result: Mapping[str, Any]) -> bool:
        """Check a manual result's kind, title and attendance figures; False for a log without
        meetings (not checked)."""
        if not self.meetings:
            return False
        item, meeting = self._vote_item(vote_id)
        attendance = result.get("attendance")
        attendance = attendance if isinstance(attendance, dict) else {}
        expected = {
            "kind": (result.get("kind"), item.kind),
            "title": (result.get("title"), item.title),
            "body": (attendance.get("body"), meeting.body),
            "members_of_record": (attendance.get("members_of_record"), meeting.members_of_record()),
            "present": (attendance.get("present"), len(meeting.present_voters())),
        }
        for key, (recorded, derived) in expected.items():
            if recorded != derived:
                raise SessionFault("definition-mismatch", f"manual result of {vote_id}: {_field(key, recorded)} but "
                                                          f"the log gives {_field(key, derived)} / 人工结果与日志不符")
        return True


def _deputies_only(definition: Mapping[str, Any]) -> bool:
    """Whether a round's write-ins are open and must be deputies of this congress (shared/domain.md
    "Elections": 常委会组成人员, 乡镇人大主席/副主席), as server/usecases/open_vote.py decides it."""
    scope = definition.get("write_in_scope", "deputies" if definition.get("office") == "member" else "voters")
    allowed = definition.get("allow_write_ins", True) and definition.get("round", "first") in ("first", "runoff")
    return scope == "deputies" and bool(allowed)


def _field(key: str, value: object) -> str:
    if value is _MISSING:
        return f"no {key}"
    return f"{key} {json.dumps(value, ensure_ascii=False, sort_keys=True)}"
