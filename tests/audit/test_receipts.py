"""Receipts: shape, parsing, and the checks against an export."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from audit import parse_receipt
from audit.errors import ReceiptError
from tests.audit.audit_helpers import check, receipt_setup


def test_a_receipt_verifies_against_a_later_export(tmp_path: Path) -> None:
    export_dir, receipt = receipt_setup(tmp_path)
    result = check(receipt, export_dir)
    assert (result.index, result.checkpoint_size) == (5, 29)
    assert result.latest_size == 29 + 23  # v2: opened, 20 ballots, closed, result
    assert json.loads(json.dumps(receipt)) == receipt  # plain JSON


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda r: r.update(receipt="other/1"), "not a receipt"),
        (lambda r: r.update(index=-1), "index"),
        (lambda r: r.update(index="5"), "index"),
        (lambda r: r.update(checkpoint=None), "checkpoint"),
        (lambda r: r.update(inclusion_proof="ab"), "list"),
        (lambda r: r.update(leaf_hash="AB" * 32), "leaf_hash"),
        (lambda r: r.update(leaf_hash="zz" * 32), "leaf_hash"),
        (lambda r: r["inclusion_proof"].append("00"), "proof node"),
    ],
)
def test_malformed_receipts_are_refused(tmp_path: Path, change: Any, message: str) -> None:
    _, receipt = receipt_setup(tmp_path)
    change(receipt)
    with pytest.raises(ReceiptError, match=message):
        parse_receipt(receipt)
    with pytest.raises(ReceiptError):
        parse_receipt([receipt])


def test_a_receipt_checkpoint_from_another_log_is_refused(tmp_path: Path) -> None:
    export_dir, receipt = receipt_setup(tmp_path)
    receipt["checkpoint"] = receipt["checkpoint"].replace("renda.example/county-7\n", "renda.example/elsewhere\n", 1)
    with pytest.raises(ReceiptError, match="not this log"):
        check(receipt, export_dir)


def test_a_receipt_checked_against_a_broken_export_says_so(tmp_path: Path) -> None:
    export_dir, receipt = receipt_setup(tmp_path)
    (export_dir / "records.jsonl").write_bytes((export_dir / "records.jsonl").read_bytes()[:-300] + b"\n")
    with pytest.raises(ReceiptError, match="export itself does not verify"):
        check(receipt, export_dir)


def test_a_batch_of_receipts_equals_one_receipt_per_record(tmp_path: Path) -> None:
    from audit import AuditLog, keys

    log = AuditLog.open(tmp_path / "log", keys.generate("batch.local"), "batch.local/log")
    def ballots(count: int, choice: str) -> list[tuple[str, dict[str, Any]]]:
        return [("ballot", {"vote_id": "v1", "ballot": {"choice": choice}, "nonce": f"{i:032x}"}) for i in range(count)]

    log.append_many(ballots(37, "yes"))
    checkpoint = log.checkpoint()
    log.append_many(ballots(5, "no"))
    indices = [36, 0, 17, 18, 35, 17]
    assert log.receipts(indices, checkpoint) == [log.receipt(i, checkpoint) for i in indices]
    log.checkpoint()
    assert log.receipts([40, 41]) == [log.receipt(40), log.receipt(41)]
    log.close()
