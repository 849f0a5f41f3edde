"""Attacks on the encrypted ballots of a real session, each by an insider who holds the log's key
and re-signs the forged history: the verifier names each one at the forged record, as the key's
signer's fault (the signatures and the chain hold, so the finding is about the rule)."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

from ballotcrypto.ballot import Ballot, Selection
from ballotcrypto.elgamal import Ciphertext, encrypt
from ballotcrypto.group import Point, Scalar
from ballotcrypto.proofs import prove_range
from ballotcrypto.randomness import SYSTEM
from ballotcrypto.votes import context_of
from tests.audit.encrypted_session import (
    EncryptedSession,
    assert_named,
    body_of,
    forged,
    insert_ballot,
    seqs_of,
)


def _ballot(records: list[dict[str, Any]], vote_id: str, nth: int = 0) -> tuple[int, dict[str, Any]]:
    seq = seqs_of(records, "ballot", vote_id)[nth]
    ballot: dict[str, Any] = records[seq]["body"]["ballot"]
    return seq, ballot


def test_a_wrong_selection_proof_is_named(encrypted_session: EncryptedSession, tmp_path: Path) -> None:
    def forge(records: list[dict[str, Any]]) -> int:
        seq, ballot = _ballot(records, encrypted_session.motion, 3)
        branch = ballot["selections"][1]["proof"][0]
        branch["s"] = (Scalar.of(int.from_bytes(bytes.fromhex(branch["s"]), "little") + 1)).hex()
        return seq

    report, seq = forged(encrypted_session, tmp_path, forge)
    assert_named(report, "bad-selection-proof", seq)
    assert "(s1)" in report.failure.message


def test_a_ballot_over_its_limit_is_named(encrypted_session: EncryptedSession, tmp_path: Path) -> None:
    """赞成 and 反对 both marked on a motion: each selection is 0 or 1 and proves it, but no honest
    proof exists for the limit "exactly one"; a forger who lies about the sum gets a proof that fails."""

    def forge(records: list[dict[str, Any]]) -> int:
        context = context_of(body_of(records, "vote_opened", encrypted_session.motion)["encryption"])
        ballot_id, values = secrets.token_hex(16), [1, 1, 0]
        nonces = [Scalar.of(int.from_bytes(secrets.token_bytes(40), "little")) for _ in values]
        texts = [encrypt(v, r, context.key) for v, r in zip(values, nonces, strict=True)]
        selections = tuple(Selection(ct, prove_range(ct.alpha, ct.beta, context.key, 0, 1, v, r, context.vid,
                                                     ballot_id, f"s{i}", SYSTEM))
                           for i, (ct, v, r) in enumerate(zip(texts, values, nonces, strict=True)))
        total = Ciphertext(texts[0].alpha + texts[1].alpha + texts[2].alpha,
                           texts[0].beta + texts[1].beta + texts[2].beta)
        lie = prove_range(total.alpha, total.beta, context.key, 1, 1, 1, Scalar.of(sum(r.value for r in nonces)),
                          context.vid, ballot_id, "l0", SYSTEM)  # claims the sum is 1: it is 2
        return insert_ballot(records, encrypted_session.motion,
                             Ballot(ballot_id, context.vid, selections, (lie,)).to_json())

    report, seq = forged(encrypted_session, tmp_path, forge)
    assert_named(report, "bad-limit-proof", seq)


def test_a_ballot_cast_twice_is_named_a_replay(encrypted_session: EncryptedSession, tmp_path: Path) -> None:
    def forge(records: list[dict[str, Any]]) -> int:
        _, ballot = _ballot(records, encrypted_session.projects, 2)
        return insert_ballot(records, encrypted_session.projects, ballot)

    report, seq = forged(encrypted_session, tmp_path, forge)
    assert_named(report, "replayed-ballot", seq)
    assert "its id was cast before" in report.failure.message


def test_a_cast_ciphertext_under_a_new_ballot_id_is_named_a_replay(encrypted_session: EncryptedSession,
                                                                   tmp_path: Path) -> None:
    def forge(records: list[dict[str, Any]]) -> int:
        _, ballot = _ballot(records, encrypted_session.motion, 5)
        return insert_ballot(records, encrypted_session.motion, {**ballot, "ballot": secrets.token_hex(16)})

    report, seq = forged(encrypted_session, tmp_path, forge)
    assert_named(report, "replayed-ballot", seq)
    assert "ciphertext (alpha) was cast before" in report.failure.message


def test_a_re_randomised_ciphertext_carries_no_valid_proof(encrypted_session: EncryptedSession,
                                                           tmp_path: Path) -> None:
    """(α + r'·G, β + r'·K) encrypts the same choice with new randomness: a copy nobody could link by
    its α. Its proofs hash the exact α and β, and without the plaintext no new ones can be made."""

    def forge(records: list[dict[str, Any]]) -> int:
        key = context_of(body_of(records, "vote_opened", encrypted_session.motion)["encryption"]).key
        _, ballot = _ballot(records, encrypted_session.motion, 7)
        copy = {**ballot, "ballot": secrets.token_hex(16), "selections": []}
        for selection in ballot["selections"]:
            shift = encrypt(0, Scalar.of(int.from_bytes(secrets.token_bytes(40), "little")), key)
            alpha = Point(bytes.fromhex(selection["alpha"])) + shift.alpha
            beta = Point(bytes.fromhex(selection["beta"])) + shift.beta
            copy["selections"].append({**selection, "alpha": alpha.hex(), "beta": beta.hex()})
        return insert_ballot(records, encrypted_session.motion, copy)

    report, seq = forged(encrypted_session, tmp_path, forge)
    assert_named(report, "bad-selection-proof", seq)


def test_a_challenged_ballot_cast_afterwards_is_named(encrypted_session: EncryptedSession, tmp_path: Path) -> None:
    def forge(records: list[dict[str, Any]]) -> int:
        spoiled = body_of(records, "ballot_spoiled")["ballot"]
        return insert_ballot(records, encrypted_session.motion, spoiled)

    report, seq = forged(encrypted_session, tmp_path, forge)
    assert_named(report, "spoiled-ballot-counted", seq)


def test_a_challenged_ballot_re_proved_under_a_new_id_is_still_named(encrypted_session: EncryptedSession,
                                                                    tmp_path: Path) -> None:
    """The opening publishes the nonces: anyone can prove the challenged ciphertexts again under a new
    ballot id, with proofs that hold. The challenged ballot would then count, its choice known to all."""

    def forge(records: list[dict[str, Any]]) -> int:
        context = context_of(body_of(records, "vote_opened", encrypted_session.motion)["encryption"])
        spoiled = body_of(records, "ballot_spoiled")
        values = spoiled["opening"]["values"]
        nonces = [Scalar(int.from_bytes(bytes.fromhex(r), "little")) for r in spoiled["opening"]["nonces"]]
        texts = [Ciphertext(Point(bytes.fromhex(s["alpha"])), Point(bytes.fromhex(s["beta"])))
                 for s in spoiled["ballot"]["selections"]]
        ballot_id = secrets.token_hex(16)
        selections = tuple(Selection(ct, prove_range(ct.alpha, ct.beta, context.key, 0, 1, v, r, context.vid,
                                                     ballot_id, f"s{i}", SYSTEM))
                           for i, (ct, v, r) in enumerate(zip(texts, values, nonces, strict=True)))
        total = Ciphertext(texts[0].alpha + texts[1].alpha + texts[2].alpha,
                           texts[0].beta + texts[1].beta + texts[2].beta)
        limit = prove_range(total.alpha, total.beta, context.key, 1, 1, 1, Scalar.of(sum(r.value for r in nonces)),
                            context.vid, ballot_id, "l0", SYSTEM)
        return insert_ballot(records, encrypted_session.motion,
                             Ballot(ballot_id, context.vid, selections, (limit,)).to_json())

    report, seq = forged(encrypted_session, tmp_path, forge)
    assert_named(report, "spoiled-ballot-counted", seq)


def test_an_opening_that_does_not_open_the_challenged_ballot_is_named(encrypted_session: EncryptedSession,
                                                                     tmp_path: Path) -> None:
    def forge(records: list[dict[str, Any]]) -> int:
        seq = seqs_of(records, "ballot_spoiled")[0]
        opening = records[seq]["body"]["opening"]
        opening["nonces"] = [opening["nonces"][1], opening["nonces"][0], opening["nonces"][2]]
        return seq

    report, seq = forged(encrypted_session, tmp_path, forge)
    assert_named(report, "bad-ballot-opening", seq)


def test_a_ballot_challenged_after_it_was_cast_is_named(encrypted_session: EncryptedSession, tmp_path: Path) -> None:
    """A cast ballot's opening would prove a counted choice to anyone (coercion): never logged."""

    def forge(records: list[dict[str, Any]]) -> int:
        spoil = seqs_of(records, "ballot_spoiled")[0]
        insert_ballot(records, encrypted_session.motion, records[spoil]["body"]["ballot"], at=spoil)
        return spoil + 1

    report, seq = forged(encrypted_session, tmp_path, forge)
    assert_named(report, "spoiled-ballot-counted", seq)
