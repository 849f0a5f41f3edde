"""Attack: change a vote's result, by editing the export or by an insider holding the key."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from audit import verify_export
from tests.audit.audit_helpers import build_export, edit_record, motion_entries, read_lines


def _pass_the_motion(record: dict[str, Any]) -> None:
    record["body"]["result"]["outcome"] = "failed"


def test_editing_a_result_without_the_key_is_named_as_altered_evidence_not_a_wrong_tally(tmp_path: Path) -> None:
    out = build_export(tmp_path, [*motion_entries("v1"), *motion_entries("v2", ["no"] * 3)])
    result = len(motion_entries("v1"))  # seq of v1's result (seq 0 is log_opened)
    edit_record(out, result, _pass_the_motion)
    report = verify_export(out)
    assert report.failure is not None
    assert (report.failure.code, report.failure.seq, report.failure.signed) == ("broken-chain", result + 1, False)
    assert [f.code for f in report.failures] == ["broken-chain"]  # not result-mismatch: not what was signed


def test_editing_the_last_record_breaks_the_signed_root(tmp_path: Path) -> None:
    out = build_export(tmp_path)
    last = len(read_lines(out / "records.jsonl")) - 1
    edit_record(out, last, lambda record: record.update(time="2026-11-23T09:00:01.000Z"))
    report = verify_export(out)
    assert report.failure is not None
    assert (report.failure.code, report.failure.seq) == ("root-mismatch", last)


def test_editing_a_record_in_the_middle_breaks_the_chain_at_the_next(tmp_path: Path) -> None:
    out = build_export(tmp_path)
    edit_record(out, 3, lambda record: record.update(time="2026-11-23T09:00:01.000Z"))
    report = verify_export(out)
    assert report.failure is not None
    assert (report.failure.code, report.failure.seq) == ("broken-chain", 4)
    assert "record 3 or 4 altered" in report.failure.message


def test_an_insider_who_re_signs_a_false_result_is_caught_by_the_recount(tmp_path: Path) -> None:
    entries = motion_entries("v1", ["no"] * 20)
    true_result = entries[-1][1]["result"]
    false_result = dict(true_result, outcome="passed")
    entries[-1] = (entries[-1][0], {"vote_id": "v1", "result": false_result})
    out = build_export(tmp_path, entries)  # chained and signed by the real key
    report = verify_export(out)
    assert report.failure is not None and report.failure.code == "result-mismatch"
    assert "result mismatch on vote v1" in report.failure.message
    assert report.failure.seq == len(entries)
    assert "结论 Result: 核验失败 FAIL" in report.lines()[-1]


def test_an_insider_who_adds_a_ballot_after_close_is_caught(tmp_path: Path) -> None:
    from tests.audit.audit_helpers import ballot

    entries = motion_entries("v1", ["no"] * 3)
    entries.insert(-1, ballot("v1", "yes"))  # after vote_closed, before result
    report = verify_export(build_export(tmp_path, entries))
    assert report.failure is not None and report.failure.code == "late-ballot"
