"""Attack / accident: a crash in the middle of a write leaves a torn last line.

Reopening detects it, cuts it off (keeping the bytes in recovered/), and records the cut in a
``log_recovered`` record: never silently accepted, never silently forgotten."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from audit import AuditLog, export, verify_export
from audit.errors import StorageError
from tests.audit.audit_helpers import ballot, build_log, read_lines, signer

TORN = b'{"body":{"ballot":{"choice":"y'


def test_a_torn_record_is_cut_kept_and_recorded(tmp_path: Path) -> None:
    build_log(tmp_path / "log")
    records = tmp_path / "log" / "records.jsonl"
    whole = records.read_bytes()
    records.write_bytes(whole + TORN)
    with AuditLog.open(tmp_path / "log", signer()) as log:
        (recovery,) = log.recoveries
        assert (recovery.file, recovery.offset, recovery.truncated_bytes) == ("records.jsonl", len(whole), len(TORN))
        assert recovery.sha256 == hashlib.sha256(TORN).hexdigest()
        assert recovery.saved_to.read_bytes() == TORN
        assert log.latest_checkpoint.size == log.size  # the recovery record is signed at once
    lines = read_lines(records)
    assert records.read_bytes().startswith(whole)
    assert b'"type":"log_recovered"' in lines[-1]
    export(tmp_path / "log", tmp_path / "out")
    report = verify_export(tmp_path / "out")
    assert report.ok, report.failure
    assert any("torn write" in w and str(len(TORN)) in w for w in report.warnings)


def test_a_whole_record_without_its_newline_is_still_torn(tmp_path: Path) -> None:
    log = AuditLog.open(tmp_path / "log", signer())
    log.append(*ballot("v1", "yes"))
    log.checkpoint()
    log.close()
    records = tmp_path / "log" / "records.jsonl"
    lines = read_lines(records)
    records.write_bytes(b"".join(line + b"\n" for line in lines) + lines[-1])  # a repeat, unterminated
    with AuditLog.open(tmp_path / "log", signer()) as reopened:
        assert [r.truncated_bytes for r in reopened.recoveries] == [len(lines[-1])]
        assert reopened.size == len(lines) + 1


def test_a_torn_checkpoint_line_is_cut_and_recorded(tmp_path: Path) -> None:
    build_log(tmp_path / "log")
    notes = tmp_path / "log" / "checkpoints.jsonl"
    notes.write_bytes(notes.read_bytes() + b'{"note":"renda')
    with AuditLog.open(tmp_path / "log", signer()) as log:
        assert [r.file for r in log.recoveries] == ["checkpoints.jsonl"]
    assert notes.read_bytes().endswith(b"\n")


def test_a_crash_after_whole_unsigned_records_keeps_them(tmp_path: Path) -> None:
    log = AuditLog.open(tmp_path / "log", signer())
    log.append(*ballot("v1", "no"))
    log._release()  # the process dies: no checkpoint, but the line reached the file
    with AuditLog.open(tmp_path / "log", signer()) as reopened:
        assert reopened.recoveries == ()
        assert reopened.size == 2
        assert reopened.latest_checkpoint.size == 2


def test_a_first_write_torn_before_any_record_starts_a_fresh_log(tmp_path: Path) -> None:
    (tmp_path / "log").mkdir()
    (tmp_path / "log" / "records.jsonl").write_bytes(b'{"body":{"ori')
    with AuditLog.open(tmp_path / "log", signer()) as log:
        assert [r.truncated_bytes for r in log.recoveries] == [13]
        assert log.size == 2  # log_opened, then log_recovered


def test_an_export_with_a_torn_tail_fails_verification(tmp_path: Path) -> None:
    build_log(tmp_path / "log")
    export(tmp_path / "log", tmp_path / "out")
    records = tmp_path / "out" / "records.jsonl"
    records.write_bytes(records.read_bytes() + TORN)
    report = verify_export(tmp_path / "out")
    assert report.failure is not None and report.failure.code == "torn-records"


def test_damage_before_the_last_line_is_not_mistaken_for_a_torn_write(tmp_path: Path) -> None:
    build_log(tmp_path / "log")
    records = tmp_path / "log" / "records.jsonl"
    lines = read_lines(records)
    lines[2] = lines[2][:-5]
    records.write_bytes(b"".join(line + b"\n" for line in lines))
    with pytest.raises(StorageError, match="record seq 2"):
        AuditLog.open(tmp_path / "log", signer())
