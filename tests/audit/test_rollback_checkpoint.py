"""Attack: roll the log back (an older checkpoint served after a newer one) or fork it."""

from __future__ import annotations

import base64
import shutil
from pathlib import Path

import pytest

from audit import verify_export
from audit.checkpoint import sign_checkpoint
from audit.errors import ReceiptError
from audit.logfile import decode_checkpoint_line, encode_checkpoint_line
from tests.audit.audit_helpers import ORIGIN, build_export, check, read_lines, receipt_setup, signer


def test_an_older_checkpoint_after_a_newer_one_is_a_rollback(tmp_path: Path) -> None:
    out = build_export(tmp_path, checkpoint_after=[3, 10])
    lines = read_lines(out / "checkpoints.jsonl")
    (out / "checkpoints.jsonl").write_bytes(b"".join(line + b"\n" for line in [*lines, lines[1]]))
    report = verify_export(out)
    assert report.failure is not None and report.failure.code == "rollback-checkpoint"


def test_a_receipt_from_a_newer_checkpoint_exposes_a_rolled_back_export(tmp_path: Path) -> None:
    export_dir, receipt = receipt_setup(tmp_path)
    old = tmp_path / "old"
    shutil.copytree(export_dir, old)
    # the "old" export: the log cut back to before the receipt's checkpoint, re-signed consistently
    lines = read_lines(old / "records.jsonl")[:3]
    (old / "records.jsonl").write_bytes(b"".join(line + b"\n" for line in lines))
    from audit import merkle, records
    from audit.export import TallyInputs

    root = merkle.root(lines)
    (old / "checkpoints.jsonl").write_bytes(encode_checkpoint_line(sign_checkpoint(ORIGIN, 3, root, signer()).note))
    inputs = TallyInputs()
    for line in lines:
        inputs.add(records.decode(line))
    (old / "tally_inputs.json").write_bytes(inputs.canonical_bytes())  # a consistent export, only older
    with pytest.raises(ReceiptError, match="rolled back"):
        check(receipt, old)


def test_a_forked_log_with_the_receipt_s_size_is_not_consistent(tmp_path: Path) -> None:
    export_dir, receipt = receipt_setup(tmp_path)
    note = receipt["checkpoint"]
    size = int(note.split("\n")[1])
    # a checkpoint of the same size but another root, signed by the (compromised) key
    forked = sign_checkpoint(ORIGIN, size, b"\x07" * 32, signer()).note
    receipt["checkpoint"] = forked
    with pytest.raises(ReceiptError):
        check(receipt, export_dir)


def test_the_export_s_checkpoints_are_consistent_with_each_other(tmp_path: Path) -> None:
    out = build_export(tmp_path, checkpoint_after=[2, 5, 20])
    notes = [decode_checkpoint_line(line) for line in read_lines(out / "checkpoints.jsonl")]
    assert [int(n.split("\n")[1]) for n in notes] == sorted({1, 4, 7, 22, 29})
    assert base64.b64decode(notes[-1].split("\n")[2]).hex() == verify_export(out).root


def test_a_receipt_from_a_forked_log_under_the_same_key_is_not_consistent(tmp_path: Path) -> None:
    from audit import AuditLog, export
    from tests.audit.audit_helpers import TIME, motion_entries

    # The operator keeps two logs under one key: the deputy's receipt comes from one,
    # the export handed to the auditor from the other.
    shown = AuditLog.open(tmp_path / "shown", signer())
    shown.append_many(motion_entries("v1", ["yes"] * 9), TIME)
    receipt = shown.receipt(3, shown.checkpoint())
    shown.close()
    hidden = AuditLog.open(tmp_path / "hidden", signer())
    hidden.append_many(motion_entries("v1", ["no"] * 9), TIME)
    hidden.append_many(motion_entries("v2", ["no"] * 9), TIME)
    hidden.close()
    export(tmp_path / "hidden", tmp_path / "export")
    with pytest.raises(ReceiptError, match="rewritten"):
        check(receipt, tmp_path / "export")
