"""Receipts as C2SP tlog-proofs (`audit.tlogproof`, `audit.receipt.tlog_proof`): the standard's
layout, strict parsing, and ``check-receipt`` reading one -- with our extra data, without it, with
another application's, and with the witnesses' cosignatures on its checkpoint."""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path

import pytest

from audit import AuditLog, check_receipt, export
from audit.__main__ import main
from audit.checkpoint import read_checkpoint
from audit.cosignature import generate
from audit.errors import ReceiptError
from audit.export import read_vkey_file
from audit.receipt import ReceiptRejected, check_receipt_against, load_receipt, tlog_proof
from audit.tlogproof import format_proof, parse_proof
from tests.audit.audit_helpers import receipt_setup, signer

H1, H2 = hashlib.sha256(b"hash1").digest(), hashlib.sha256(b"hash2").digest()
B1, B2 = base64.b64encode(H1).decode(), base64.b64encode(H2).decode()


def test_the_layout_is_the_standard_one() -> None:
    assert format_proof(5, [H1, H2], "test checkpoint\n") == \
        f"c2sp.org/tlog-proof@v1\nindex 5\n{B1}\n{B2}\n\ntest checkpoint\n"
    extra = base64.b64encode(b"extra information").decode()
    assert format_proof(10, [H1], "checkpoint data\n", b"extra information") == \
        f"c2sp.org/tlog-proof@v1\nextra {extra}\nindex 10\n{B1}\n\ncheckpoint data\n"
    assert format_proof(0, [], "checkpoint\n") == "c2sp.org/tlog-proof@v1\nindex 0\n\ncheckpoint\n"
    parsed = parse_proof(format_proof(123, [H1, H2], "some checkpoint\n", b"x"))
    assert (parsed.index, parsed.proof, parsed.checkpoint, parsed.extra) == (123, (H1, H2), "some checkpoint\n", b"x")


@pytest.mark.parametrize(("text", "why"), [
    ("wrong-header\nindex 0\n\ncheckpoint\n", "not a tlog-proof"),
    ("c2sp.org/tlog-proof@v1\nextra !!notbase64!!\nindex 0\n\ncheckpoint\n", "extra data is not base64"),
    ("c2sp.org/tlog-proof@v1\n\n\ncheckpoint\n", "'index <decimal>'"),
    ("c2sp.org/tlog-proof@v1\nindex notanumber\n\ncheckpoint\n", "'index <decimal>'"),
    ("c2sp.org/tlog-proof@v1\nindex -5\n\ncheckpoint\n", "'index <decimal>'"),
    ("c2sp.org/tlog-proof@v1\nindex 05\n\ncheckpoint\n", "'index <decimal>'"),
    ("c2sp.org/tlog-proof@v1\nindex " + "9" * 5000 + "\n\ncheckpoint\n", "'index <decimal>'"),
    ("c2sp.org/tlog-proof@v1\nindex 0\n!!notbase64!!\n\ncheckpoint\n", "proof hash is not base64"),
    ("c2sp.org/tlog-proof@v1\nindex 0\n" + base64.b64encode(bytes(64)).decode() + "\n\ncheckpoint\n", "32 bytes"),
    ("c2sp.org/tlog-proof@v1\nindex 0\n" + (B1 + "\n") * 64 + "\ncheckpoint\n", "more than 63"),
    ("c2sp.org/tlog-proof@v1\nindex 0\n" + B1 + "\n", "no checkpoint"),
    ("c2sp.org/tlog-proof@v1\nindex 0\n\n", "no checkpoint"),
])
def test_a_malformed_tlog_proof_is_refused_saying_why(text: str, why: str) -> None:
    with pytest.raises(ReceiptError, match=why):
        parse_proof(text)


def test_a_receipt_as_a_tlog_proof_checks_like_the_receipt(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    export_dir, receipt = receipt_setup(tmp_path)
    receipt["vote_id"] = "v1"
    text = tlog_proof(receipt)
    extra = json.loads(base64.b64decode(text.split("\n")[1].removeprefix("extra ")))
    assert extra == {"leaf_hash": receipt["leaf_hash"], "vote_id": "v1"}
    path = tmp_path / "ballot.tlog-proof"
    path.write_text(text, encoding="utf-8")
    loaded = load_receipt(path)
    assert (loaded.index, loaded.leaf_hash, loaded.checkpoint) == (5, bytes.fromhex(receipt["leaf_hash"]),
                                                                   receipt["checkpoint"])
    assert check_receipt(loaded, export_dir, read_vkey_file(export_dir)).fate == "counted"
    assert main(["check-receipt", str(path), "--export", str(export_dir)]) == 0
    assert "PASS" in capsys.readouterr().out


def test_a_tlog_proof_without_our_extra_data_takes_the_leaf_from_the_export(tmp_path: Path) -> None:
    export_dir, receipt = receipt_setup(tmp_path)
    nodes = [bytes.fromhex(node) for node in receipt["inclusion_proof"]]
    for extra in (None, b"another application's data", base64.b64decode(base64.b64encode(b'{"vote_id":"v1"}'))):
        path = tmp_path / "plain.tlog-proof"
        path.write_text(format_proof(5, nodes, receipt["checkpoint"], extra), encoding="utf-8")
        loaded = load_receipt(path)
        assert loaded.leaf_hash is None
        result = check_receipt(loaded, export_dir, read_vkey_file(export_dir))
        assert (result.index, result.fate) == (5, "counted")
    path.write_text(format_proof(4, nodes, receipt["checkpoint"]), encoding="utf-8")  # another leaf, same path
    with pytest.raises(ReceiptRejected, match="inclusion proof"):
        check_receipt(load_receipt(path), export_dir, read_vkey_file(export_dir))
    path.write_text(format_proof(10_000, nodes, receipt["checkpoint"]), encoding="utf-8")  # beyond the export
    with pytest.raises(ReceiptRejected, match="inclusion proof"):
        check_receipt(load_receipt(path), export_dir, read_vkey_file(export_dir))


def test_our_extra_data_with_a_malformed_leaf_hash_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bad.tlog-proof"
    path.write_text(format_proof(5, [], "note\n", b'{"leaf_hash":"AB"}'), encoding="utf-8")
    with pytest.raises(ReceiptError, match="leaf_hash"):
        load_receipt(path)


def test_a_tlog_proof_against_a_newer_cosigned_checkpoint_checks(tmp_path: Path) -> None:
    _, receipt = receipt_setup(tmp_path)
    with AuditLog.open(tmp_path / "log", signer()) as log:
        latest = log.latest_checkpoint
        witness = generate("witness.example/w1")
        text = read_checkpoint(latest.note)[1].text
        cosigned = read_checkpoint(latest.note + witness.cosign(text, 1_800_000_000) + "\n")[0]
        log.add_cosignatures(cosigned.note)
        proof = log.inclusion_proof(5, latest.size)
    export_dir = tmp_path / "witnessed-export"
    export(tmp_path / "log", export_dir)
    path = tmp_path / "cosigned.tlog-proof"
    path.write_text(tlog_proof(receipt, cosigned, proof), encoding="utf-8")
    loaded = load_receipt(path)
    assert loaded.checkpoint == cosigned.note and witness.name in loaded.checkpoint
    result = check_receipt(loaded, export_dir, read_vkey_file(export_dir), witnesses=[witness.cosigner], quorum=None)
    assert (result.checkpoint_size, result.fate) == (latest.size, "counted")


def test_the_live_check_refuses_a_receipt_that_names_no_leaf(tmp_path: Path) -> None:
    export_dir, receipt = receipt_setup(tmp_path)
    path = tmp_path / "plain.tlog-proof"
    nodes = [bytes.fromhex(node) for node in receipt["inclusion_proof"]]
    path.write_text(format_proof(5, nodes, receipt["checkpoint"]), encoding="utf-8")
    with AuditLog.open(tmp_path / "log", signer()) as log, pytest.raises(ReceiptRejected, match="inclusion"):
        check_receipt_against(load_receipt(path), read_vkey_file(export_dir), log.origin, log.latest_checkpoint,
                              log.consistency_proof)
