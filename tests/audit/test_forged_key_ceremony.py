"""Attacks on the 监票人's key ceremony of a real session, by an insider who holds the log's key and
re-signs: a tampered commitment, a commitment swapped for one the insider can prove, a share key
the commitments do not imply, an election key that is not the sum of the trustees' (one the insider
holds the secret of), a vote encrypted to another key, a ceremony started over a running one."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from audit.encrypted import fingerprint
from ballotcrypto.ceremony import read_ceremony, start
from ballotcrypto.group import GENERATOR, Point, Scalar
from tests.audit.audit_helpers import session_records
from tests.audit.encrypted_session import (
    EncryptedSession,
    assert_named,
    body_of,
    forged,
    insert_record,
    seqs_of,
)


def test_a_tampered_key_commitment_is_named(encrypted_session: EncryptedSession, tmp_path: Path) -> None:
    def forge(records: list[dict[str, Any]]) -> int:
        seq = seqs_of(records, "trustee_commitment")[1]
        coefficient = records[seq]["body"]["commitment"]["coefficients"][0]
        coefficient["point"] = (Point(bytes.fromhex(coefficient["point"])) + GENERATOR).hex()
        return seq

    report, seq = forged(encrypted_session, tmp_path, forge)
    assert_named(report, "bad-commitment", seq)
    assert "trustee" in report.failure.message or "监票人" in report.failure.message


def test_a_commitment_replaced_by_one_the_insider_can_prove_fails_at_the_confirmations(
        encrypted_session: EncryptedSession, tmp_path: Path) -> None:
    """Well-proved coefficients of the insider's own: the 监票人's confirmations then prove share keys
    the new commitments do not imply (their devices would have refused the insider's shares)."""

    def forge(records: list[dict[str, Any]]) -> int:
        started = [r for r in records if r["type"] == "ceremony_started"][-1]["body"]
        statement = read_ceremony(started["ceremony"])
        seq = seqs_of(records, "trustee_commitment")[2]
        _secret, commitment = start(statement, 3)
        records[seq]["body"]["commitment"] = commitment.to_json()
        return seqs_of(records, "trustee_confirmation")[0]

    report, seq = forged(encrypted_session, tmp_path, forge)
    assert_named(report, "bad-confirmation", seq)


def test_a_share_key_the_commitments_do_not_imply_is_named(encrypted_session: EncryptedSession,
                                                           tmp_path: Path) -> None:
    def forge(records: list[dict[str, Any]]) -> int:
        seq = seqs_of(records, "trustee_confirmation")[1]
        confirmation = records[seq]["body"]["confirmation"]
        confirmation["share_key"] = (Point(bytes.fromhex(confirmation["share_key"])) + GENERATOR).hex()
        return seq

    report, seq = forged(encrypted_session, tmp_path, forge)
    assert_named(report, "bad-confirmation", seq)


def test_an_election_key_that_is_not_the_sum_of_the_trustees_is_named(encrypted_session: EncryptedSession,
                                                                      tmp_path: Path) -> None:
    """The insider's own key, with its fingerprint: it could decrypt every ballot alone."""

    def forge(records: list[dict[str, Any]]) -> int:
        seq = seqs_of(records, "election_key")[0]
        key = (Scalar(123456789) * GENERATOR).hex()
        records[seq]["body"].update(key=key, fingerprint=fingerprint(key))
        return seq

    report, seq = forged(encrypted_session, tmp_path, forge)
    assert_named(report, "bad-election-key", seq)
    assert "election_key's key" in report.failure.message


def test_an_election_key_with_another_fingerprint_is_named(encrypted_session: EncryptedSession,
                                                           tmp_path: Path) -> None:
    def forge(records: list[dict[str, Any]]) -> int:
        seq = seqs_of(records, "election_key")[0]
        records[seq]["body"]["fingerprint"] = "0000-0000-0000-0000"
        return seq

    report, seq = forged(encrypted_session, tmp_path, forge)
    assert_named(report, "bad-election-key", seq)


def test_a_vote_encrypted_to_another_key_is_named(encrypted_session: EncryptedSession, tmp_path: Path) -> None:
    def forge(records: list[dict[str, Any]]) -> int:
        seq = seqs_of(records, "vote_opened", encrypted_session.projects)[0]
        context = records[seq]["body"]["encryption"]["context"]
        context["key"] = (Scalar(987654321) * GENERATOR).hex()
        return seq

    report, seq = forged(encrypted_session, tmp_path, forge)
    assert_named(report, "bad-encryption", seq)
    assert "encryption.context" in report.failure.message


def test_a_ceremony_started_over_a_running_one_is_named(encrypted_session: EncryptedSession, tmp_path: Path) -> None:
    def forge(records: list[dict[str, Any]]) -> int:
        abandoned = seqs_of(records, "ceremony_abandoned")[0]
        del records[abandoned]
        return seqs_of(records, "ceremony_started")[1]

    report, seq = forged(encrypted_session, tmp_path, forge)
    assert_named(report, "bad-ceremony", seq)
    assert "still under way" in report.failure.message


def test_a_ceremony_statement_whose_cid_is_not_its_hash_is_named(encrypted_session: EncryptedSession,
                                                                 tmp_path: Path) -> None:
    def forge(records: list[dict[str, Any]]) -> int:
        seq = seqs_of(records, "ceremony_started")[1]
        records[seq]["body"]["ceremony"]["k"] = 1  # one 监票人 alone could decrypt
        return seq

    report, seq = forged(encrypted_session, tmp_path, forge)
    assert_named(report, "bad-ceremony", seq)
    assert body_of(session_records(encrypted_session.export), "ceremony_started", nth=1)["ceremony"]["k"] == 2


def test_a_ceremony_of_a_meeting_never_created_is_named(encrypted_session: EncryptedSession, tmp_path: Path) -> None:
    def forge(records: list[dict[str, Any]]) -> int:
        seq = seqs_of(records, "ceremony_started")[0]
        records[seq]["body"]["meeting_id"] = 9
        return seq

    report, seq = forged(encrypted_session, tmp_path, forge)
    assert_named(report, "unknown-meeting", seq)


def test_a_vote_encrypted_to_another_meetings_key_is_named(encrypted_session: EncryptedSession,
                                                           tmp_path: Path) -> None:
    """The election key of another meeting's 监票人 (here: of the same log) is not this meeting's."""

    def forge(records: list[dict[str, Any]]) -> int:
        created = seqs_of(records, "meeting_created")[0]
        insert_record(records, created + 1, "meeting_created",
                      {**records[created]["body"], "meeting_id": 2, "title": "另一次会议"})
        for record in records:
            if record["type"] in ("ceremony_started", "ceremony_abandoned", "trustee_commitment", "trustee_shares",
                                  "trustee_confirmation", "election_key"):
                record["body"]["meeting_id"] = 2
        return seqs_of(records, "vote_opened", encrypted_session.motion)[0]

    report, seq = forged(encrypted_session, tmp_path, forge)
    assert_named(report, "bad-encryption", seq)
    assert "of meeting 1 is encrypted to the key of meeting 2" in report.failure.message
