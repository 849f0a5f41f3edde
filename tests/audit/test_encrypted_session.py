"""A real session with encrypted secret votes (tests/audit/encrypted_session.py) verifies offline
with no secret: the key ceremony, every ballot proof, the challenged ballot's opening, the totals,
the partial decryptions and the recount from the decrypted counts; its tally inputs carry the
counts; a deputy's receipt shows the tracking code; the deputy who challenged sees what their
tablet encrypted."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import tally
from audit import canonical, verify_export
from audit.__main__ import main
from audit.receipt import parse_receipt
from ballotcrypto.ballot import display_code
from tests.audit.audit_helpers import check, resign, session_records
from tests.audit.encrypted_session import EncryptedSession, body_of, copy_export


def test_a_real_encrypted_session_verifies_with_every_proof_checked(encrypted_session: EncryptedSession) -> None:
    report = verify_export(encrypted_session.export, workers=0)
    assert report.ok, report.failures
    assert report.encrypted_ballots == 31 + 1 + 11 + 5 + 6  # the motion's, one withdrawn, projects, forms, election
    assert report.selection_proofs == 32 * 3 + 11 * 12 + 5 * 12 + 6 * 8
    assert len(report.election_keys) == 1 and "(n = 3, k = 2)" in report.election_keys[0]
    outcomes = {vote.vote_id: vote.outcome for vote in report.votes}
    for vote_id in (encrypted_session.motion, encrypted_session.projects, encrypted_session.satisfaction,
                    encrypted_session.empty, encrypted_session.election):
        assert outcomes[vote_id].startswith("加密表决"), outcomes
    assert "challenged ballots: 1" in outcomes[encrypted_session.motion]
    lines = "\n".join(report.lines())
    assert "选举公钥 Election key: c1-2" in lines and "加密选票 Encrypted ballots: 54" in lines


def test_workers_checking_the_proofs_give_the_same_report(encrypted_session: EncryptedSession,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("audit.verify.PROOF_BATCH", 24)  # several batches per vote
    assert verify_export(encrypted_session.export, workers=1) == verify_export(encrypted_session.export, workers=0)


def test_the_tally_inputs_of_an_encrypted_vote_are_its_definition_and_decrypted_counts(
        encrypted_session: EncryptedSession) -> None:
    out = encrypted_session.export
    documents = json.loads((out / "tally_inputs.json").read_text(encoding="utf-8"))
    records = session_records(out)
    for vote_id in (encrypted_session.motion, encrypted_session.projects, encrypted_session.satisfaction,
                    encrypted_session.empty, encrypted_session.election):
        document = documents[vote_id]
        assert "ballots" not in document
        assert document["counts"] == body_of(records, "decryption", vote_id)["tally_counts"]
        opened = body_of(records, "vote_opened", vote_id)["definition"]
        assert {k: v for k, v in document.items() if k != "counts"} == opened
        recorded = body_of(records, "result", vote_id)["result"]
        assert canonical.dumps(tally.count_document(document)) == canonical.dumps(recorded)
    assert documents[encrypted_session.motion]["counts"] == {"yes": 22, "no": 6, "abstain": 3}
    written = documents[encrypted_session.election]["counts"]["write_in_ballots"]
    assert sorted(written) == [["陈某"], ["陈某"], ["陈某", "林某"]]  # names per ballot, never with its marks


def test_an_encrypted_vote_not_yet_decrypted_has_its_definition_alone(encrypted_session: EncryptedSession,
                                                                      tmp_path: Path) -> None:
    out = copy_export(encrypted_session, tmp_path / "export")
    records = session_records(out)
    motion = encrypted_session.motion
    cut = next(r["seq"] for r in records if r["type"] == "partial_decryption" and r["body"]["vote_id"] == motion)
    resign(out, records[:cut], encrypted_session.key)  # the log as it stood while the 监票人 decrypted
    report = verify_export(out)
    assert report.ok, report.failures
    documents = json.loads((out / "tally_inputs.json").read_text(encoding="utf-8"))
    assert documents[motion] == body_of(records, "vote_opened", motion)["definition"]
    assert any(f"vote {motion}: closed without a result" in w for w in report.warnings)


def test_a_receipt_of_an_encrypted_ballot_shows_its_tracking_code(encrypted_session: EncryptedSession,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    held: dict[str, Any] = encrypted_session.receipt
    result = check(held["receipt"], encrypted_session.export)
    assert result.fate == "counted"
    path = encrypted_session.export.parent / "receipt.json"
    path.write_text(json.dumps(held["receipt"]), encoding="utf-8")
    assert main(["check-receipt", str(path), "--export", str(encrypted_session.export)]) == 0
    shown = capsys.readouterr().out
    assert f"核验码 tracking code {display_code(held['tracker'])}" in shown
    assert held["tracker"] in shown and "yes" not in shown.split("the leaf holds:")[1].split("\n")[0]
    assert parse_receipt(held["receipt"]).index == result.index


def test_the_deputy_who_challenged_sees_what_their_tablet_encrypted(encrypted_session: EncryptedSession,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    code = display_code(encrypted_session.spoiled)
    assert main(["spoiled", str(encrypted_session.export), "--tracker", code.lower()]) == 0
    shown = capsys.readouterr().out
    assert f"核验码 tracking code {code}" in shown and f"表决 vote {encrypted_session.motion}" in shown
    assert "赞成 yes: 0（未选 not marked）" in shown and "反对 no: 1（选 marked）" in shown
    assert "即 that is: 反对" in shown
    assert main(["spoiled", str(encrypted_session.export), "--tracker", "0000-0000-0000-0000"]) == 1
    assert "no challenged ballot has the tracking code" in capsys.readouterr().out
    assert main(["spoiled", str(encrypted_session.export), "--tracker", "3F9"]) == 2
    assert "at least 4 hex digits" in capsys.readouterr().err


def test_a_challenged_ballot_is_not_shown_from_an_export_that_does_not_verify(
        encrypted_session: EncryptedSession, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = copy_export(encrypted_session, tmp_path / "export")
    records = session_records(out)
    opening = body_of(records, "ballot_spoiled")["opening"]
    opening["values"] = [1, 0, 0]  # what a lying server would show: 赞成
    resign(out, records, encrypted_session.key)
    assert main(["spoiled", str(out), "--tracker", display_code(encrypted_session.spoiled)]) == 1
    assert "[bad-ballot-opening]" in capsys.readouterr().out
