"""Attack: the key holder shows two histories -- two signed checkpoints of one size with different
roots, or an earlier signed checkpoint that the later ones do not extend. That is equivocation
(a fork), named as such with both signed notes as the evidence, not a harmless repeated line."""

from __future__ import annotations

from pathlib import Path

from audit import verify_export
from audit.checkpoint import sign_checkpoint
from audit.logfile import decode_checkpoint_line, encode_checkpoint_line
from tests.audit.audit_helpers import read_lines, session_export, session_key, write_lines


def _notes(out: Path) -> list[str]:
    return [decode_checkpoint_line(line) for line in read_lines(out / "checkpoints.jsonl")]


def test_two_signed_checkpoints_of_one_size_with_different_roots_are_equivocation(tmp_path: Path) -> None:
    out = session_export(tmp_path)
    notes = _notes(out)
    origin, size = notes[10].split("\n")[0], int(notes[10].split("\n")[1])
    other = sign_checkpoint(origin, size, b"\x5a" * 32, session_key()).note
    lines = read_lines(out / "checkpoints.jsonl")
    lines.insert(11, encode_checkpoint_line(other)[:-1])
    write_lines(out / "checkpoints.jsonl", lines)
    report = verify_export(out)
    assert report.failure is not None
    assert report.failure.code == "equivocation", report.failure
    assert report.failure.signed
    assert set(report.failure.evidence) == {notes[10], other}
    assert "repeats" not in report.failure.message


def test_an_earlier_signed_checkpoint_the_later_ones_do_not_extend_is_equivocation(tmp_path: Path) -> None:
    out = session_export(tmp_path)
    notes = _notes(out)
    origin, size = notes[10].split("\n")[0], int(notes[10].split("\n")[1])
    other = sign_checkpoint(origin, size, b"\x5a" * 32, session_key()).note
    lines = read_lines(out / "checkpoints.jsonl")
    lines[10] = encode_checkpoint_line(other)[:-1]  # the records are the later checkpoints' history
    write_lines(out / "checkpoints.jsonl", lines)
    report = verify_export(out)
    assert report.failure is not None
    assert report.failure.code == "equivocation", report.failure
    assert report.failure.signed
    assert set(report.failure.evidence) == {other, notes[11]}
    assert "root-mismatch" not in [f.code for f in report.failures]
