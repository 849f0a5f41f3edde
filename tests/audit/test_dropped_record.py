"""Attack: drop records from an export (a ballot, or the tail of the log)."""

from __future__ import annotations

from pathlib import Path

from audit import verify_export
from tests.audit.audit_helpers import build_export, read_lines, write_lines


def test_dropping_a_ballot_in_the_middle_is_named(tmp_path: Path) -> None:
    out = build_export(tmp_path)
    lines = read_lines(out / "records.jsonl")
    del lines[6]
    write_lines(out / "records.jsonl", lines)
    report = verify_export(out)
    assert report.failure is not None
    assert (report.failure.code, report.failure.seq) == ("wrong-seq", 6)


def test_dropping_the_last_records_is_caught_by_the_checkpoint_size(tmp_path: Path) -> None:
    out = build_export(tmp_path)
    lines = read_lines(out / "records.jsonl")
    write_lines(out / "records.jsonl", lines[:-2])
    report = verify_export(out)
    assert report.failure is not None and report.failure.code == "dropped-record"
    assert str(len(lines)) in report.failure.message


def test_dropping_a_ballot_and_renumbering_everything_fails_the_chain(tmp_path: Path) -> None:
    import json

    from audit import canonical

    out = build_export(tmp_path)
    lines = read_lines(out / "records.jsonl")
    del lines[6]
    for seq in range(6, len(lines)):
        record = json.loads(lines[seq])
        record["seq"] = seq
        lines[seq] = canonical.dumps(record)
    write_lines(out / "records.jsonl", lines)
    report = verify_export(out)
    assert report.failure is not None
    assert (report.failure.code, report.failure.seq) == ("broken-chain", 6)
