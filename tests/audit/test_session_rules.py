"""The session rules (audit/session.py) one by one, on small logs shaped as the server writes them:
the roll, statuses, check-ins and absences, the agenda, and each vote's definition derived from them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import tally
from audit import verify_export
from audit.records import RecordType
from tests.audit.audit_helpers import ballot, build_export

Entry = tuple[str, dict[str, Any]]
SETTINGS: dict[str, Any] = {}


def meeting(meeting_id: int = 1, settings: dict[str, Any] | None = None) -> Entry:
    return RecordType.MEETING_CREATED, {"meeting_id": meeting_id, "body": "congress", "name": "县人大",
                                        "title": "第一次会议", "settings": settings or {}, "by": "demo"}


def roll(*members: str, meeting_id: int = 1, status: dict[str, str] | None = None) -> Entry:
    status = status or {}
    return RecordType.ROLL_LOADED, {"meeting_id": meeting_id, "added": len(members), "updated": 0, "by": "staff",
                                    "members": [{"code": c, "name": c, "status": status.get(c, "active")}
                                                for c in members]}


def check_in(code: str, by: str = "self", reason: str = "", meeting_id: int = 1) -> Entry:
    return RecordType.CHECK_IN, {"meeting_id": meeting_id, "member": code, "by": by, "reason": reason}


def absence(code: str, state: str = "leave") -> Entry:
    return RecordType.ATTENDANCE, {"meeting_id": 1, "member": code, "state": state, "by": "staff:s", "reason": ""}


def status(code: str, value: str, **extra: Any) -> Entry:
    return RecordType.MEMBER_STATUS, {"member": code, "status": value, "reason": "依法", "by": "staff", **extra}


def item(item_id: int = 1, kind: str = "motion", definition: dict[str, Any] | None = None, secret: bool = True,
         type_: str = RecordType.ITEM_ADDED, title: str = "关于某事的决议") -> Entry:
    body = {"item_id": item_id, "kind": kind, "title": title, "definition": definition or {}, "secret": secret,
            "settings": {"change_before_close": "last"}, "amends": None, "by": "staff"}
    if type_ == RecordType.ITEM_ADDED:
        body["meeting_id"] = 1
    return type_, body


def opened(vote_id: str = "v1-1", **definition: Any) -> Entry:
    base = {"kind": "motion", "title": "关于某事的决议", "body": "congress", "members_of_record": 4, "present": 3}
    return RecordType.VOTE_OPENED, {"vote_id": vote_id, "definition": {**base, **definition}}


ROLL4 = [meeting(), roll("D1", "D2", "D3", "D4"), check_in("D1"), check_in("D2"), check_in("D3", "staff:s", "设备故障")]


def closed_with_result(vote_id: str, definition: dict[str, Any], choices: list[str]) -> list[Entry]:
    result = tally.count_document(dict(definition, ballots=[{"choice": c} for c in choices]))
    return [(RecordType.VOTE_CLOSED, {"vote_id": vote_id, "ballots_cast": len(choices)}),
            (RecordType.RESULT, {"vote_id": vote_id, "result": result})]


def test_a_small_session_verifies_with_its_definition_checked(tmp_path: Path) -> None:
    vote = opened()
    entries = [*ROLL4, item(), vote, ballot("v1-1", "yes"), *closed_with_result("v1-1", vote[1]["definition"], ["yes"])]
    report = verify_export(build_export(tmp_path, entries))
    assert report.ok, report.lines()
    assert report.definitions_checked == 1 and "derived from the log's roll" in "\n".join(report.lines())


def _code(tmp_path: Path, entries: list[Entry]) -> tuple[str, int | None]:
    report = verify_export(build_export(tmp_path, entries))
    assert report.failure is not None, report.lines()
    assert report.failure.signed
    return report.failure.code, report.failure.seq


@pytest.mark.parametrize(
    ("entries", "code", "seq"),
    [
        ([meeting(), meeting()], "session-conflict", 2),
        ([*ROLL4, item(), item()], "session-conflict", 7),
        ([roll("D1")], "unknown-meeting", 1),
        ([meeting(), check_in("D1", meeting_id=2)], "unknown-meeting", 2),
        ([meeting(), roll("D1"), check_in("D9")], "unknown-member", 3),
        ([meeting(), roll("D1"), status("D9", "suspended")], "unknown-member", 3),
        ([meeting(), meeting(2), roll("D1"), status("D1", "suspended", meeting_id=2)], "unknown-member", 4),
        ([meeting(), roll("D1", status={"D1": "suspended"}), check_in("D1")], "ineligible-check-in", 3),
        ([meeting(), roll("D1"), check_in("D1", by="staff:s")], "ineligible-check-in", 3),
        ([meeting(), roll("D1"), check_in("D1"), absence("D1")], "attendance-conflict", 4),
        ([meeting(), item(9, type_=RecordType.ITEM_UPDATED)], "unknown-item", 2),
        ([*ROLL4, item(), opened("v1")], "unknown-item", 7),
        ([*ROLL4, item(), opened("v2-1")], "unknown-item", 7),
        ([*ROLL4, item(), opened(members_of_record=3)], "definition-mismatch", 7),
        ([*ROLL4, item(), opened(present=4)], "definition-mismatch", 7),
        ([*ROLL4, item(), opened(threshold="two_thirds_of_all")], "definition-mismatch", 7),
        ([*ROLL4, item(), opened(title="另一议题")], "definition-mismatch", 7),
        ([*ROLL4, item(), opened(), (RecordType.VOTE_NAMED, {"vote_id": "v1-1"})], "definition-mismatch", 8),
        ([*ROLL4, item(), (RecordType.MANUAL_RESULT, {"vote_id": "v1-1", "method": "paper", "result": {}})],
         "definition-mismatch", 7),
    ],
)
def test_each_session_rule_is_enforced(tmp_path: Path, entries: list[Entry], code: str, seq: int) -> None:
    assert _code(tmp_path, entries) == (code, seq)


def test_statuses_follow_the_server(tmp_path: Path) -> None:
    """Suspended members stay in the base (unless the meeting setting says otherwise) but cannot
    vote; a terminated member leaves the base and, if checked in, the present; a re-imported roll
    replaces the statuses; updated items give their new title."""
    entries = [
        meeting(settings={"count_suspended_in_base": False, "presidium_quorum": "two_thirds"}),
        roll("D1", "D2", "D3", "D4", "D5"),
        check_in("D1"), check_in("D2"), check_in("D3"), check_in("D4"), absence("D5", "absent"),
        status("D3", "suspended"),  # checked in, but cannot vote and (by the setting) leaves the base
        status("D4", "terminated", meeting_id=1),  # no longer present, nor in the base
        item(), item(1, title="修改后的标题", type_=RecordType.ITEM_UPDATED),
        opened(title="修改后的标题", members_of_record=3, present=2, presidium_quorum="two_thirds"),
    ]
    report = verify_export(build_export(tmp_path, entries))
    assert report.ok, report.lines()
    entries[-1] = opened(title="修改后的标题", members_of_record=3, present=2)  # the setting's quorum left out
    assert _code(tmp_path / "b", entries)[0] == "definition-mismatch"
    reloaded = [*entries[:-1], roll("D1", "D2", "D3", "D4", "D5"),  # everyone active again, D4 not checked in
                opened(title="修改后的标题", members_of_record=5, present=3, presidium_quorum="two_thirds")]
    assert verify_export(build_export(tmp_path / "c", reloaded)).ok


@pytest.mark.parametrize(
    ("kind", "definition", "extra", "ok"),
    [
        ("project_vote", {"choose": 1, "projects": ["甲", "乙"]}, {"ballots_issued": 3}, True),
        ("project_vote", {"choose": 1, "projects": ["甲", "乙"]}, {"ballots_issued": 2}, False),
        ("satisfaction", {"targets": ["报告"]}, {"forms_issued": 3}, True),
        ("election", {"office": "head", "seats": 1, "candidates": ["甲", "乙"]}, {"ballots_issued": 2}, True),
        ("election", {"office": "head", "seats": 1, "candidates": ["甲", "乙"]},
         {"ballots_issued": 3, "round": "runoff", "runoffs_held": 1}, True),
        # write-ins that must be deputies: the roll's names less the round's candidates (D1..D4 here)
        ("election", {"office": "member", "seats": 1, "candidates": ["D1", "乙"]},
         {"ballots_issued": 3, "write_in_eligible": ["D2", "D3", "D4"]}, True),
        ("election", {"office": "member", "seats": 1, "candidates": ["D1", "乙"]}, {"ballots_issued": 3}, False),
        ("election", {"office": "member", "seats": 1, "candidates": ["D1", "乙"]},
         {"ballots_issued": 3, "write_in_eligible": ["D2", "D3"]}, False),
        ("election", {"office": "head", "write_in_scope": "deputies", "seats": 1, "candidates": ["甲", "乙"]},
         {"ballots_issued": 3, "write_in_eligible": ["D1", "D2", "D3", "D4"]}, True),
        ("election", {"office": "member", "seats": 1, "candidates": ["D1", "乙"]},
         {"ballots_issued": 3, "round": "runoff", "runoffs_held": 1, "write_in_eligible": ["D2", "D3", "D4"]}, True),
        # no write-ins in this round, or none allowed: no list
        ("election", {"office": "member", "seats": 1, "candidates": ["D1", "乙"]},
         {"ballots_issued": 3, "round": "tie_revote"}, True),
        ("election", {"office": "member", "seats": 1, "candidates": ["D1", "乙"], "allow_write_ins": False},
         {"ballots_issued": 3}, True),
        # the item's own list is compared as any of its fields
        ("election", {"office": "member", "seats": 1, "candidates": ["D1", "乙"], "write_in_eligible": ["D9"]},
         {"ballots_issued": 3}, True),
    ],
)
def test_issued_counts_and_round_fields(
    tmp_path: Path, kind: str, definition: dict[str, Any], extra: dict[str, Any], ok: bool
) -> None:
    entries = [*ROLL4, item(kind=kind, definition=definition), opened(kind=kind, **definition, **extra)]
    report = verify_export(build_export(tmp_path, entries))
    assert report.ok is ok, report.lines()


def test_manual_results_are_checked_against_the_attendance(tmp_path: Path) -> None:
    def manual(**attendance: Any) -> Entry:
        result = {"kind": "motion", "title": "关于某事的决议",
                  "attendance": {"body": "congress", "members_of_record": 4, "present": 3, **attendance}}
        return RecordType.MANUAL_RESULT, {"vote_id": "v1-1", "method": "show_of_hands", "result": result}

    report = verify_export(build_export(tmp_path, [*ROLL4, item(), manual()]))
    assert report.ok and report.definitions_checked == 1, report.lines()
    assert report.votes[0].kind == "motion"
    code, _ = _code(tmp_path / "b", [*ROLL4, item(), manual(present=2)])
    assert code == "definition-mismatch"
