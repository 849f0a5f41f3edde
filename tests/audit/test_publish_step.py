"""The publish step in the log (issue 16 item 4, docs/verifier-spec.md 15d): in a meeting whose
setting ``publish_step`` is true, ``result_confirmed`` by a scrutineer follows the vote's result and
``result_declared`` by the chair follows the confirmation, once each; anything else is a finding."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from audit import verify_export
from audit.errors import RecordError
from audit.records import RecordType, check_body
from tests.audit.audit_helpers import ballot, build_export
from tests.audit.test_session_rules import check_in, closed_with_result, item, meeting, opened, roll

Entry = tuple[str, Mapping[str, Any]]


def confirmed(by: str = "scrutineer:总监票人", vote_id: str = "v1-1") -> Entry:
    return RecordType.RESULT_CONFIRMED, {"vote_id": vote_id, "by": by}


def declared(by: str = "chair:主持人", vote_id: str = "v1-1") -> Entry:
    return RecordType.RESULT_DECLARED, {"vote_id": vote_id, "by": by}


def session(*after: Entry, publish_step: bool = True, closed: bool = True) -> list[Entry]:
    vote = opened()
    head: list[Entry] = [
        meeting(settings={"publish_step": True} if publish_step else None), roll("D1", "D2", "D3", "D4"),
        check_in("D1"), check_in("D2"), check_in("D3", "staff:s", "设备故障"), item(), vote,
            ballot("v1-1", "yes")]
    return [*head, *(closed_with_result("v1-1", vote[1]["definition"], ["yes"]) if closed else []), *after]


def test_a_result_confirmed_then_declared_verifies(tmp_path: Path) -> None:
    report = verify_export(build_export(tmp_path, session(confirmed(), declared())))
    assert report.ok, report.lines()
    assert not any("not declared" in w for w in report.warnings)


def test_a_result_counted_but_never_declared_is_warned_of(tmp_path: Path) -> None:
    report = verify_export(build_export(tmp_path, session(confirmed())))
    assert report.ok, report.lines()
    assert any("v1-1" in w and "尚未宣布" in w for w in report.warnings), report.warnings


@pytest.mark.parametrize(("entries", "code", "words"), [
    (session(declared()), "publish-order", "before the 总监票人 confirmed"),
    (session(confirmed(), closed=False), "publish-order", "before it was counted"),
    (session(confirmed(), confirmed()), "publish-order", "twice"),
    (session(confirmed(), declared(), declared()), "publish-order", "twice"),
    (session(confirmed("chair:主持人")), "publish-role", "not a scrutineer"),
    (session(confirmed(), declared("scrutineer:总监票人")), "publish-role", "not the chair"),
    (session(confirmed(), declared("staff:会务")), "publish-role", "not the chair"),
    (session(confirmed(), publish_step=False), "publish-order", "no publish step"),
    (session(confirmed(vote_id="v1-2")), "unknown-vote", "never opened"),
], ids=["declared-unconfirmed", "confirmed-uncounted", "confirmed-twice", "declared-twice", "confirmed-by-chair",
        "declared-by-scrutineer", "declared-by-staff", "meeting-without-step", "unknown-vote"])
def test_a_publish_record_out_of_order_or_by_the_wrong_role_is_a_signed_finding(
        tmp_path: Path, entries: list[Entry], code: str, words: str) -> None:
    report = verify_export(build_export(tmp_path, entries))
    assert report.failure is not None, report.lines()
    assert report.failure.signed and report.failure.code == code, report.failure
    assert words in report.failure.message
    assert report.failure.seq == len(entries)  # the last record (seq 0 is log_opened)


PUBLISH = (RecordType.RESULT_CONFIRMED, RecordType.RESULT_DECLARED)


@pytest.mark.parametrize("body", [{"vote_id": "v1-1"}, {"vote_id": "v1-1", "by": ""}, {"by": "chair:主持人"}])
def test_a_publish_record_without_its_members_is_malformed(body: dict[str, Any]) -> None:
    for type_ in PUBLISH:
        with pytest.raises(RecordError):
            check_body(type_, body)


def test_a_publish_record_for_a_voided_vote_is_a_signed_finding(tmp_path: Path) -> None:
    entries = session((RecordType.VOTE_VOIDED, {"vote_id": "v1-1", "reason": "设备故障"}), confirmed())
    report = verify_export(build_export(tmp_path, entries))
    assert report.failure is not None and report.failure.signed, report.lines()
    assert report.failure.code == "voided-vote" and report.failure.seq == len(entries)


def test_a_vote_opened_before_the_log_had_meetings_has_no_publish_step_to_follow(tmp_path: Path) -> None:
    """A log that began without meetings (a bare vote) and created one later: the early vote is on
    no agenda item, so nothing about publishing can be asked of it, and a publish record for it is
    named (it names no item of a meeting)."""
    vote = opened()
    early = [vote, ballot("v1-1", "yes"), *closed_with_result("v1-1", vote[1]["definition"], ["yes"]),
             meeting(settings={"publish_step": True})]
    report = verify_export(build_export(tmp_path / "quiet", early))
    assert report.ok, report.lines()
    assert not any("尚未宣布" in w for w in report.warnings), report.warnings
    report = verify_export(build_export(tmp_path / "asked", [*early, confirmed()]))
    assert report.failure is not None and report.failure.code == "unknown-item", report.lines()
