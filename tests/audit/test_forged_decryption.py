"""Attacks on the count of a real session's encrypted votes — the totals, the 监票人's partial
decryptions, the counts, the result — each by an insider who holds the log's key and re-signs: each
is named at the forged record."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ballotcrypto.group import Point
from tests.audit.encrypted_session import EncryptedSession, assert_named, body_of, forged, seqs_of


def _only(records: list[dict[str, Any]], type_: str, vote_id: str, nth: int = 0) -> tuple[int, dict[str, Any]]:
    seq = seqs_of(records, type_, vote_id)[nth]
    body: dict[str, Any] = records[seq]["body"]
    return seq, body


def test_totals_that_are_not_the_sum_of_the_ballots_are_named(encrypted_session: EncryptedSession,
                                                              tmp_path: Path) -> None:
    def forge(records: list[dict[str, Any]]) -> int:
        seq, body = _only(records, "encrypted_totals", encrypted_session.motion)
        body["totals"][0]["beta"], body["totals"][1]["beta"] = body["totals"][1]["beta"], body["totals"][0]["beta"]
        return seq

    report, seq = forged(encrypted_session, tmp_path, forge)
    assert_named(report, "wrong-totals", seq)
    assert "total 0 is not the sum" in report.failure.message


def test_a_challenged_ballot_added_into_the_totals_is_named(encrypted_session: EncryptedSession,
                                                            tmp_path: Path) -> None:
    def forge(records: list[dict[str, Any]]) -> int:
        spoiled = body_of(records, "ballot_spoiled")["ballot"]["selections"]
        seq, body = _only(records, "encrypted_totals", encrypted_session.motion)
        for total, selection in zip(body["totals"], spoiled, strict=True):
            for member in ("alpha", "beta"):
                total[member] = (Point(bytes.fromhex(total[member])) + Point(bytes.fromhex(selection[member]))).hex()
        return seq

    report, seq = forged(encrypted_session, tmp_path, forge)
    assert_named(report, "wrong-totals", seq)


def test_totals_counting_another_number_of_ballots_are_named(encrypted_session: EncryptedSession,
                                                             tmp_path: Path) -> None:
    def forge(records: list[dict[str, Any]]) -> int:
        seq, body = _only(records, "encrypted_totals", encrypted_session.projects)
        body["ballots_cast"] += 1
        return seq

    report, seq = forged(encrypted_session, tmp_path, forge)
    assert_named(report, "wrong-totals", seq)


def test_a_bad_partial_decryption_is_named(encrypted_session: EncryptedSession, tmp_path: Path) -> None:
    def forge(records: list[dict[str, Any]]) -> int:
        seq, body = _only(records, "partial_decryption", encrypted_session.satisfaction, 1)
        shares = body["partial"]["shares"]
        shares[0]["d"] = shares[1]["d"]
        return seq

    report, seq = forged(encrypted_session, tmp_path, forge)
    assert_named(report, "bad-partial", seq)


def test_a_partial_decryption_claimed_by_another_trustee_is_named(encrypted_session: EncryptedSession,
                                                                  tmp_path: Path) -> None:
    def forge(records: list[dict[str, Any]]) -> int:
        seq, body = _only(records, "partial_decryption", encrypted_session.motion)
        body["partial"]["trustee"] = 2  # trustee 3's work, posted as trustee 2's
        return seq

    report, seq = forged(encrypted_session, tmp_path, forge)
    assert_named(report, "bad-partial", seq)


@pytest.mark.parametrize("member", ["counts", "tally_counts"])
def test_counts_that_the_partial_decryptions_do_not_give_are_named(encrypted_session: EncryptedSession,
                                                                   tmp_path: Path, member: str) -> None:
    def forge(records: list[dict[str, Any]]) -> int:
        seq, body = _only(records, "decryption", encrypted_session.motion)
        if member == "counts":
            body["counts"] = [23, 5, 3]
        else:
            body["tally_counts"] = {"yes": 23, "no": 5, "abstain": 3}
        return seq

    report, seq = forged(encrypted_session, tmp_path, forge)
    assert_named(report, "wrong-counts", seq)


def test_a_decryption_naming_other_trustees_is_named(encrypted_session: EncryptedSession, tmp_path: Path) -> None:
    def forge(records: list[dict[str, Any]]) -> int:
        seq, body = _only(records, "decryption", encrypted_session.projects)
        body["trustees"] = [1, 2]  # 2 and 3 decrypted
        return seq

    report, seq = forged(encrypted_session, tmp_path, forge)
    assert_named(report, "bad-decryption", seq)


def test_a_result_that_does_not_follow_from_the_counts_is_named(encrypted_session: EncryptedSession,
                                                                tmp_path: Path) -> None:
    def forge(records: list[dict[str, Any]]) -> int:
        seq, body = _only(records, "result", encrypted_session.motion)
        body["result"]["outcome"] = "passed"
        return seq

    report, seq = forged(encrypted_session, tmp_path, forge)
    assert_named(report, "result-mismatch", seq)


def test_a_result_before_the_totals_are_decrypted_is_named(encrypted_session: EncryptedSession,
                                                           tmp_path: Path) -> None:
    def forge(records: list[dict[str, Any]]) -> int:
        decryption, _ = _only(records, "decryption", encrypted_session.motion)
        for seq in reversed(seqs_of(records, "partial_decryption", encrypted_session.motion)):
            del records[seq]
        del records[decryption - 2]
        return decryption - 2

    report, seq = forged(encrypted_session, tmp_path, forge)
    assert_named(report, "result-before-close", seq)
    assert "before its totals were decrypted" in report.failure.message


def test_a_bad_proof_a_worker_finds_is_the_finding_though_a_later_record_is_forged_too(
        encrypted_session: EncryptedSession, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Proofs checked by a worker are answered at the end, when the rules have read past the bad
    ballot and found a later fault: the first by seq is the finding, as when all is done here."""
    monkeypatch.setattr("audit.verify.PROOF_BATCH", 24)

    def forge(records: list[dict[str, Any]]) -> int:
        seq = seqs_of(records, "ballot", encrypted_session.projects)[4]
        limit = records[seq]["body"]["ballot"]["limits"][6]["proof"]
        limit[0], limit[1] = limit[1], limit[0]  # the seat limit's branches swapped
        _only(records, "decryption", encrypted_session.projects)[1]["counts"][0] += 1
        return seq

    parallel, seq = forged(encrypted_session, tmp_path / "parallel", forge, workers=1)
    alone, _ = forged(encrypted_session, tmp_path / "alone", forge, workers=0)
    assert_named(parallel, "bad-limit-proof", seq)
    assert parallel.failures == alone.failures
