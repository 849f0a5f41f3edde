"""Attack: reorder records in an export (e.g. to move a ballot across a vote's close)."""

from __future__ import annotations

import json
from pathlib import Path

from audit import canonical, verify_export
from tests.audit.audit_helpers import build_export, read_lines, write_lines


def test_swapping_two_ballots_is_named_at_the_first_moved_record(tmp_path: Path) -> None:
    out = build_export(tmp_path)
    lines = read_lines(out / "records.jsonl")
    lines[4], lines[9] = lines[9], lines[4]
    write_lines(out / "records.jsonl", lines)
    report = verify_export(out)
    assert not report.ok and report.failure is not None
    assert (report.failure.code, report.failure.seq) == ("wrong-seq", 4)
    assert "reordered" in report.failure.message


def test_renumbering_after_a_swap_breaks_the_hash_chain(tmp_path: Path) -> None:
    out = build_export(tmp_path)
    lines = read_lines(out / "records.jsonl")
    first, second = json.loads(lines[4]), json.loads(lines[9])
    first["seq"], second["seq"] = 9, 4
    lines[4], lines[9] = canonical.dumps(second), canonical.dumps(first)
    write_lines(out / "records.jsonl", lines)
    report = verify_export(out)
    assert report.failure is not None
    assert (report.failure.code, report.failure.seq) == ("broken-chain", 4)


def test_moving_the_close_before_the_last_ballot_is_caught(tmp_path: Path) -> None:
    out = build_export(tmp_path)
    lines = read_lines(out / "records.jsonl")
    close = len(lines) - 2  # ... last ballot, vote_closed, result
    lines[close - 1], lines[close] = lines[close], lines[close - 1]
    write_lines(out / "records.jsonl", lines)
    report = verify_export(out)
    assert report.failure is not None and report.failure.seq == close - 1
