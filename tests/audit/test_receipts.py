"""Receipts: shape, parsing, and the checks against an export."""

from __future__ import annotations

import json
from collections.abc import Callable
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


def test_the_live_log_check_keeps_its_contract(tmp_path: Path) -> None:
    """check_receipt_against: the server's check against its own log (server/routes/audit.py)."""
    from audit import AuditLog, Verifier
    from audit.checkpoint import sign_checkpoint
    from audit.receipt import ReceiptRejected, check_receipt_against
    from tests.audit.audit_helpers import ORIGIN, TIME, motion_entries, signer

    log = AuditLog.open(tmp_path / "log", signer())
    log.append_many(motion_entries("v1"), TIME)
    first = log.checkpoint()
    receipt = parse_receipt(log.receipt(4, first))
    log.append_many(motion_entries("v2", ["no"]), TIME)
    latest = log.checkpoint()
    verifier = Verifier.from_vkey(log.vkey)

    def against(r: Any = receipt, newest: Any = latest, proof: Any = log.consistency_proof) -> Any:
        return check_receipt_against(r, verifier, log.origin, newest, proof)

    assert (against().index, against().checkpoint_size, against().latest_size) == (4, first.size, latest.size)
    reasons = []
    cases: list[Callable[[], Any]] = [
        lambda: against(parse_receipt(dict(log.receipt(4, first), checkpoint="x"))),
        lambda: against(parse_receipt(dict(log.receipt(4, first), index=5))),
        lambda: against(newest=None),
        lambda: against(newest=sign_checkpoint(ORIGIN, latest.size, bytes(32), signer())),
    ]
    for case in cases:
        with pytest.raises(ReceiptRejected) as rejected:
            case()
        reasons.append(rejected.value.reason)
    assert reasons == ["foreign-checkpoint", "not-included", "rolled-back", "rewritten"]
    log.close()


@pytest.mark.parametrize(
    ("after", "fate"),
    [
        ([], "open"),
        ([("vote_closed", {"vote_id": "v1", "ballots_cast": 2})], "uncounted"),
    ],
)
def test_a_ballot_not_counted_yet_says_so(tmp_path: Path, after: list[Any], fate: str) -> None:
    from audit import AuditLog, export
    from tests.audit.audit_helpers import DEFINITION, TIME, ballot, signer

    log = AuditLog.open(tmp_path / "log", signer())
    log.append_many([("vote_opened", {"vote_id": "v1", "definition": DEFINITION}), ballot("v1", "yes"),
                     ballot("v1", "no")], TIME)
    receipt = log.receipt(2, log.checkpoint())
    log.append_many(after, TIME)
    log.close()
    export(tmp_path / "log", tmp_path / "out")
    result = check(receipt, tmp_path / "out")
    assert result.fate == fate and result.record.body["ballot"] == {"choice": "yes"}


def test_a_receipt_for_a_record_that_is_not_a_ballot_fails(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from audit import AuditLog, export
    from audit.__main__ import main
    from tests.audit.audit_helpers import TIME, motion_entries, signer

    log = AuditLog.open(tmp_path / "log", signer())
    log.append_many(motion_entries("v1"), TIME)
    receipt = log.receipt(1, log.checkpoint())  # the vote_opened record
    log.close()
    export(tmp_path / "log", tmp_path / "out")
    assert check(receipt, tmp_path / "out").fate == "not-a-ballot"
    path = tmp_path / "receipt.json"
    path.write_text(json.dumps(receipt))
    assert main(["check-receipt", str(path), "--export", str(tmp_path / "out")]) == 1
    assert "is not a ballot" in capsys.readouterr().out


def test_a_receipt_s_checkpoint_signed_by_the_key_but_not_in_the_export_is_checked_on_its_own(tmp_path: Path) -> None:
    from audit.checkpoint import sign_checkpoint
    from tests.audit.audit_helpers import ORIGIN, signer

    export_dir, receipt = receipt_setup(tmp_path)
    size = int(receipt["checkpoint"].split("\n")[1])
    receipt["checkpoint"] = sign_checkpoint(ORIGIN, size, bytes(32), signer()).note  # another root, same key
    with pytest.raises(ReceiptError, match="inclusion proof"):
        check(receipt, export_dir)
    receipt["checkpoint"] = "not a note"
    with pytest.raises(ReceiptError, match="not a checkpoint"):
        check(receipt, export_dir)


def test_what_a_leaf_holds_is_shown_to_its_holder() -> None:
    from audit.receipt import describe_leaf
    from audit.records import Record

    def shown(body: dict[str, Any], type_: str = "ballot") -> str:
        return describe_leaf(Record(3, type_, "t", "p", body))

    assert shown({"vote_id": "v1", "ballot": {"choice": "no"}}) == "表决 vote v1: 反对 no"
    marks = {"marks": {"甲": "yes", "乙": 2, "丙": "maybe"}, "write_ins": ["丁"]}
    assert shown({"vote_id": "v2", "ballot": marks}) == (
        "表决 vote v2: 甲: 赞成 yes; 乙: 2; 丙: maybe; 另选他人 write-ins: 丁"
    )
    assert shown({"vote_id": "v3", "ballot": {"code": "x7"}}) == '表决 vote v3: {"code":"x7"}'
    odd = {"choice": "yes", "extra": 1}
    assert shown({"vote_id": "v4", "ballot": odd}) == '表决 vote v4: {"choice":"yes","extra":1}'
    assert shown({"vote_id": "v1"}, "vote_closed") == 'vote_closed: {"vote_id":"v1"}'


def test_receipt_files_that_cannot_be_used(tmp_path: Path) -> None:
    from audit.receipt import load_receipt

    path = tmp_path / "r.json"
    for content, message in [(b"\xff\xfe", "UTF-8"), (b"{not json", "not JSON"), (b"1" * 5000, "not JSON")]:
        path.write_bytes(content)
        with pytest.raises(ReceiptError, match=message):
            load_receipt(path)
    with pytest.raises(ReceiptError, match="cannot read"):
        load_receipt(tmp_path / "missing.json")
