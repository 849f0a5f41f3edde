"""Attack: checkpoints not signed by the log's key (forged bytes, another key, swapped keys)."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from audit import canonical, keys, verify_export
from audit.checkpoint import sign_checkpoint
from audit.errors import KeyFormatError
from audit.logfile import decode_checkpoint_line, encode_checkpoint_line
from tests.audit.audit_helpers import ORIGIN, build_export, read_lines, signer


def _notes(out: Path) -> list[str]:
    return [decode_checkpoint_line(line) for line in read_lines(out / "checkpoints.jsonl")]


def _write_notes(out: Path, notes: list[str]) -> None:
    (out / "checkpoints.jsonl").write_bytes(b"".join(encode_checkpoint_line(n) for n in notes))


def test_a_flipped_signature_bit_is_a_bad_signature(tmp_path: Path) -> None:
    out = build_export(tmp_path)
    notes = _notes(out)
    text, sig_line = notes[-1].rsplit("\n\n", 1)
    dash_name, encoded = sig_line.rstrip("\n").rsplit(" ", 1)
    raw = bytearray(base64.b64decode(encoded))
    raw[10] ^= 1
    notes[-1] = f"{text}\n\n{dash_name} {base64.b64encode(bytes(raw)).decode()}\n"
    _write_notes(out, notes)
    report = verify_export(out)
    assert report.failure is not None and report.failure.code == "bad-signature"


def test_a_checkpoint_signed_by_another_key_with_the_same_name_is_rejected(tmp_path: Path) -> None:
    out = build_export(tmp_path)
    notes = _notes(out)
    latest = notes[-1].split("\n")
    size, root = int(latest[1]), base64.b64decode(latest[2])
    notes[-1] = sign_checkpoint(ORIGIN, size, root, keys.generate(ORIGIN)).note
    _write_notes(out, notes)
    report = verify_export(out)
    assert report.failure is not None and report.failure.code == "bad-signature"
    assert "no signature from the trusted key" in report.failure.message


def test_replacing_the_public_key_file_is_caught_by_the_log_opened_record(tmp_path: Path) -> None:
    out = build_export(tmp_path)
    attacker = keys.generate(ORIGIN)
    notes = [n.split("\n") for n in _notes(out)]
    _write_notes(out, [sign_checkpoint(ORIGIN, int(n[1]), base64.b64decode(n[2]), attacker).note for n in notes])
    (out / "vkey.txt").write_text(attacker.vkey + "\n")
    report = verify_export(out)
    assert report.failure is not None
    assert (report.failure.code, report.failure.seq) == ("bad-opening", 0)


def test_a_whole_log_forged_with_another_key_fails_against_the_published_key(tmp_path: Path) -> None:
    forged = build_export(tmp_path, key=signer("renda.example/forger"))
    report = verify_export(forged, trusted_vkey=signer().vkey)
    assert report.failure is not None and report.failure.code == "untrusted-key"
    assert verify_export(forged, trusted_vkey=signer("renda.example/forger").vkey).ok


def test_a_malformed_trusted_key_is_a_usage_error(tmp_path: Path) -> None:
    out = build_export(tmp_path)
    with pytest.raises(KeyFormatError):
        verify_export(out, trusted_vkey="not a key")


def test_an_unsigned_note_is_rejected(tmp_path: Path) -> None:
    out = build_export(tmp_path)
    notes = _notes(out)
    notes[0] = notes[0].rsplit("\n\n", 1)[0] + "\n\n— renda.example/other AAAAAAAAAAAA\n"
    (out / "checkpoints.jsonl").write_bytes(b"".join(canonical.dumps({"note": n}) + b"\n" for n in notes))
    report = verify_export(out)
    assert report.failure is not None and report.failure.code == "bad-signature"
    assert json.loads(read_lines(out / "checkpoints.jsonl")[0])["note"] == notes[0]
