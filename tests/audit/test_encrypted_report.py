"""Encrypted votes in the report in Chinese (audit/explain.py) and on the command line beside issue 15's
evidence: a real encrypted session passes every check of ``verify --json``, with the key pinned by its
fingerprint; each forgery of the key ceremony, of a ballot or of the count fails the check it belongs
to (会议 for the ceremony and the context, 表决过程 for the ballots, 重新计票 for the count) with its
Chinese title; ``spoiled`` takes the key's fingerprint as ``verify`` does."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from audit import explain, verify_export
from audit.__main__ import main
from audit.export import read_vkey_file
from ballotcrypto.ballot import display_code
from ballotcrypto.group import GENERATOR, Point
from tests.audit.audit_helpers import resign, session_records
from tests.audit.encrypted_session import EncryptedSession, body_of, copy_export, seqs_of

CHECKS = ["key", "checkpoints", "records", "session", "votes", "recount", "tally-inputs"]


def test_a_real_encrypted_session_passes_every_check_with_the_fingerprint_pinned(
        encrypted_session: EncryptedSession, capsys: pytest.CaptureFixture[str]) -> None:
    fingerprint = read_vkey_file(encrypted_session.export).fingerprint
    assert main(["verify", str(encrypted_session.export), "--vkey-fingerprint", fingerprint, "--json",
                 "--no-progress"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["ok"] is True and document["trusted_key"] is True and document["findings"] == []
    assert [(c["id"], c["state"]) for c in document["checks"]] == [(i, "pass") for i in CHECKS]
    descriptions = {c["id"]: c["description"] for c in document["checks"]}
    assert "密钥生成仪式" in descriptions["session"] and "加密选票" in descriptions["votes"]
    assert "部分解密" in descriptions["recount"]


def _forged(session: EncryptedSession, tmp_path: Path, forge: Any) -> dict[str, Any]:
    out = copy_export(session, tmp_path / "export")
    records = session_records(out)
    forge(records)
    resign(out, records, session.key)
    return explain.document(verify_export(out, workers=0))


def _failed(document: dict[str, Any], code: str, check: str) -> None:
    assert [f["code"] for f in document["findings"]] == [code]
    assert document["findings"][0]["title"] == explain.FINDINGS_ZH[code] and document["findings"][0]["kind"] == "signed"
    assert document["reason"] == f"{explain.FINDINGS_ZH[code]}（{code}）"
    states = {c["id"]: c["state"] for c in document["checks"]}
    assert [i for i, state in states.items() if state == "fail"] == [check]
    assert states["key"] == states["checkpoints"] == states["records"] == "pass"  # the evidence holds
    assert states["tally-inputs"] == "skipped"


def test_a_forged_key_ceremony_fails_the_session_check(encrypted_session: EncryptedSession, tmp_path: Path) -> None:
    def forge(records: list[dict[str, Any]]) -> None:
        coefficient = records[seqs_of(records, "trustee_commitment")[1]]["body"]["commitment"]["coefficients"][0]
        coefficient["point"] = (Point(bytes.fromhex(coefficient["point"])) + GENERATOR).hex()

    _failed(_forged(encrypted_session, tmp_path, forge), "bad-commitment", "session")


def test_a_challenged_ballot_shown_otherwise_fails_the_votes_check(encrypted_session: EncryptedSession,
                                                                  tmp_path: Path) -> None:
    def forge(records: list[dict[str, Any]]) -> None:
        body_of(records, "ballot_spoiled")["opening"]["values"] = [1, 0, 0]

    _failed(_forged(encrypted_session, tmp_path, forge), "bad-ballot-opening", "votes")


def test_a_bad_partial_decryption_fails_the_recount_check(encrypted_session: EncryptedSession,
                                                         tmp_path: Path) -> None:
    def forge(records: list[dict[str, Any]]) -> None:
        shares = body_of(records, "partial_decryption", encrypted_session.satisfaction, 1)["partial"]["shares"]
        shares[0]["d"] = shares[1]["d"]

    _failed(_forged(encrypted_session, tmp_path, forge), "bad-partial", "recount")


def test_spoiled_pins_the_key_by_its_fingerprint(encrypted_session: EncryptedSession,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    code = display_code(encrypted_session.spoiled)
    fingerprint = read_vkey_file(encrypted_session.export).fingerprint
    assert main(["spoiled", str(encrypted_session.export), "--tracker", code,
                 "--vkey-fingerprint", fingerprint.replace(" ", "").lower()]) == 0
    assert f"核验码 tracking code {code}" in capsys.readouterr().out
    other = "0" * 64
    assert main(["spoiled", str(encrypted_session.export), "--tracker", code, "--vkey-fingerprint", other]) == 1
    assert "[untrusted-key]" in capsys.readouterr().out
    with pytest.raises(SystemExit):  # a key and a fingerprint: one or the other
        main(["spoiled", str(encrypted_session.export), "--tracker", code, "--vkey", "k", "--vkey-fingerprint", other])
