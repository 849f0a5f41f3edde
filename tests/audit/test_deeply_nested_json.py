"""Attack: JSON nested so deeply that a recursive parser overflows (records, checkpoints, a
receipt), and a single line so long that parsing it costs several times its size in memory.
Whatever the files hold, verify and check-receipt answer with a finding or a clear error and
exit status -- never a traceback -- and read at most a bounded amount per line."""

from __future__ import annotations

import json
import subprocess
import sys
import tracemalloc
from pathlib import Path

import pytest

from audit import verify_export
from audit.__main__ import main
from tests.audit.audit_helpers import read_lines, session_export, session_receipt, write_lines

DEEP = b"[" * 100_000 + b"]" * 100_000
ROOT = Path(__file__).resolve().parents[2]


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "audit", *args], cwd=ROOT, capture_output=True, text=True,
                          check=False, timeout=120)


@pytest.mark.parametrize("payload", [DEEP, b'{"body":' + b'{"a":' * 50_000 + b"1" + b"}" * 50_001])
def test_a_deeply_nested_record_is_a_finding_not_a_crash(tmp_path: Path, payload: bytes) -> None:
    out = session_export(tmp_path)
    lines = read_lines(out / "records.jsonl")
    lines[5] = payload
    write_lines(out / "records.jsonl", lines)
    report = verify_export(out)
    assert report.failure is not None and report.failure.seq == 5
    done = _cli("verify", str(out), "--no-progress")
    assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr


def test_a_deeply_nested_checkpoint_line_is_a_finding_not_a_crash(tmp_path: Path) -> None:
    out = session_export(tmp_path)
    lines = read_lines(out / "checkpoints.jsonl")
    lines[3] = b'{"note":' + DEEP + b"}"
    write_lines(out / "checkpoints.jsonl", lines)
    report = verify_export(out)
    assert report.failure is not None and report.failure.code == "bad-checkpoint"
    done = _cli("verify", str(out), "--no-progress")
    assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr


def test_a_deeply_nested_receipt_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = session_export(tmp_path)
    receipt = tmp_path / "receipt.json"
    receipt.write_bytes(b'{"receipt":' + DEEP + b"}")
    assert main(["check-receipt", str(receipt), "--export", str(out)]) == 2
    assert "receipt" in capsys.readouterr().err
    done = _cli("check-receipt", str(receipt), "--export", str(out))
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
    from audit import limits

    receipt.write_text(json.dumps(session_receipt("counted")) + " " * limits.MAX_RECEIPT_BYTES)
    assert main(["check-receipt", str(receipt), "--export", str(out)]) == 2
    assert "larger than" in capsys.readouterr().err


def test_a_huge_line_is_refused_before_it_is_parsed(tmp_path: Path) -> None:
    out = session_export(tmp_path)
    from audit import limits

    lines = read_lines(out / "records.jsonl")
    huge = 4 * limits.MAX_RECORD_BYTES
    lines[7] = b'{"body":{"x":"' + b"a" * huge + b'"},"prev":"' + b"0" * 64 + b'","seq":7}'
    write_lines(out / "records.jsonl", lines)
    tracemalloc.start()
    try:
        report = verify_export(out)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert report.failure is not None
    assert (report.failure.code, report.failure.seq) == ("oversized-record", 7)
    assert peak < huge, f"peak {peak} bytes for a {huge}-byte line"
