"""Speed without shortcuts: every distinct checkpoint note's signature is checked exactly once
(a receipt's checkpoint is one of the export's), and checking them in parallel worker processes
gives the very same findings as checking them one by one."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from audit import keys, verify_export
from audit.__main__ import main
from tests.audit.audit_helpers import session_export, session_receipt


def test_each_distinct_checkpoint_is_verified_once_by_check_receipt(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = session_export(tmp_path)
    notes = (out / "checkpoints.jsonl").read_bytes().count(b"\n")
    calls: list[bytes] = []
    real = keys.Verifier.verify

    def counted(self: keys.Verifier, message: bytes, signature: bytes) -> bool:
        calls.append(message)
        return real(self, message, signature)

    monkeypatch.setattr(keys.Verifier, "verify", counted)
    path = tmp_path / "receipt.json"
    path.write_text(json.dumps(session_receipt("counted")), encoding="utf-8")
    assert main(["check-receipt", str(path), "--export", str(out)]) == 0
    assert len(calls) == len(set(calls)) == notes
    calls.clear()
    assert verify_export(out).ok
    assert len(calls) == notes
