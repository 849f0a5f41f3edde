"""A checkpoint printed on a result sheet (its QR code holds the signed note) and signed beside by
the 监票人 binds the log from outside: ``verify --checkpoint NOTE`` accepts an export only if the
key signed that note and the export extends it.  A key holder who rewrites history after the sheet
was printed, hands over an export from before it, or prints a note of another key is caught."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from audit import explain, keys
from audit.__main__ import main
from audit.errors import NoteError
from audit.logfile import decode_checkpoint_line
from audit.verify import verify_export
from tests.audit.audit_helpers import (
    read_lines,
    resign,
    seq_of,
    session_export,
    session_key,
    session_records,
    write_lines,
)


def _notes(export_dir: Path) -> list[str]:
    return [decode_checkpoint_line(line) for line in read_lines(export_dir / "checkpoints.jsonl")]


def _covering(export_dir: Path, seq: int) -> str:
    """The first checkpoint whose size includes record `seq` (what a result sheet prints)."""
    return next(note for note in _notes(export_dir) if int(note.split("\n")[1]) > seq)


def _sheet(tmp_path: Path, note: str, name: str = "sheet.txt") -> Path:
    path = tmp_path / name
    path.write_bytes(note.replace("\n", "\r\n").encode("utf-8"))  # as a phone's QR reader may save it
    return path


def test_the_export_extends_the_checkpoint_printed_on_a_result_sheet(tmp_path: Path,
                                                                     capsys: pytest.CaptureFixture[str]) -> None:
    out = session_export(tmp_path)
    result = seq_of(session_records(out), "result")
    note = _covering(out, result)
    report = verify_export(out, given=[note], workers=0)
    assert report.ok and [c.size for c in report.printed] == [int(note.split("\n")[1])]
    assert main(["verify", str(out), "--checkpoint", str(_sheet(tmp_path, note)), "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["given"] == [{"size": int(note.split("\n")[1]), "root": note.split("\n")[2], "witnesses": []}]
    assert {c["id"]: c["verdict"] for c in document["checks"]}["given"] == "通过"
    assert main(["verify", str(out), "--checkpoint", str(_sheet(tmp_path, note))]) == 0
    text = capsys.readouterr().out
    assert f"印制的检查点 Given checkpoint: size {note.split(chr(10))[1]}, root {note.split(chr(10))[2]}" in text
    assert "[通过] 印制的检查点" in text


def test_history_rewritten_after_the_sheet_was_printed_is_equivocation(tmp_path: Path) -> None:
    out = session_export(tmp_path)
    records = session_records(out)
    note = _covering(out, seq_of(records, "result"))
    # The key holder quietly changes a record the sheet's checkpoint covers (a sign-in, which no
    # rule reads), re-chains and re-signs everything: the export alone verifies.
    records[seq_of(records, "sign_in")]["body"]["role"] = "auditor"
    resign(out, records)
    assert verify_export(out, workers=0).ok
    report = verify_export(out, given=[note], workers=0)
    assert not report.ok and report.failure is not None and report.failure.code == "equivocation"
    assert report.failure.signed and report.failure.given and report.failure.evidence[0] == note


def test_an_export_cut_before_the_printed_checkpoint_is_rolled_back(tmp_path: Path) -> None:
    out = session_export(tmp_path)
    notes = _notes(out)
    latest = notes[-1]
    # An export from before the last batch: the key holder rolled the log back (or the export is
    # stale), and the sheet printed after it proves records are missing.
    earlier = int(notes[-2].split("\n")[1])
    write_lines(out / "records.jsonl", read_lines(out / "records.jsonl")[:earlier])
    write_lines(out / "checkpoints.jsonl", read_lines(out / "checkpoints.jsonl")[:-1])
    resign(out, session_records(out))
    assert verify_export(out, workers=0).ok
    report = verify_export(out, given=[latest], workers=0)
    assert [f.code for f in report.failures] == ["rolled-back"] and not report.failures[0].signed


def test_a_sheet_whose_checkpoint_another_key_signed_is_foreign(tmp_path: Path) -> None:
    out = session_export(tmp_path)
    genuine = _notes(out)[3].split("\n")
    other = keys.generate("renda.local")
    from audit.checkpoint import sign_checkpoint
    from audit.keys import b64decode_strict

    forged = sign_checkpoint(genuine[0], int(genuine[1]), b64decode_strict(genuine[2]), other).note
    report = verify_export(out, given=[forged], workers=0)
    assert [f.code for f in report.failures] == ["foreign-checkpoint"]
    elsewhere = sign_checkpoint("renda.local/another-session", 5, bytes(32), session_key()).note
    assert [f.code for f in verify_export(out, given=[elsewhere], workers=0).failures] == ["foreign-checkpoint"]


def test_a_printed_checkpoint_is_compared_only_where_the_export_is_evidence(tmp_path: Path) -> None:
    out = session_export(tmp_path)
    note = _covering(out, 10)
    lines = read_lines(out / "records.jsonl")
    lines[3] = lines[3].replace(b'"jipiao1"', b'"jipiao9"')  # altered after signing: the export is not evidence
    write_lines(out / "records.jsonl", lines)
    report = verify_export(out, given=[note], workers=0)
    assert [f.code for f in report.failures] == ["broken-chain"] and not report.failures[0].signed
    checks = {c["id"]: c["state"] for c in explain.document(report)["checks"]}
    assert checks["given"] == "partial" and checks["records"] == "fail" and checks["recount"] == "partial"


def test_a_sheet_that_is_not_a_checkpoint_is_unreadable_input(tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    out = session_export(tmp_path)
    with pytest.raises(NoteError):
        verify_export(out, given=["not a note\n"], workers=0)
    assert main(["verify", str(out), "--checkpoint", str(_sheet(tmp_path, "renda.local/session-log\n7"))]) == 2
    assert "错误 error" in capsys.readouterr().err
    big = tmp_path / "big.txt"
    big.write_bytes(b"x" * 70_000)
    assert main(["verify", str(out), "--checkpoint", str(big)]) == 2
    assert main(["verify", str(out), "--checkpoint", str(tmp_path / "missing.txt")]) == 2
