"""The range proof checks for every value in its range and for no other; Schnorr and
Chaum–Pedersen proofs check only for their statement; ElGamal adds up."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ballotcrypto.elgamal import ZERO, Ciphertext, decrypt_point, encrypt, sum_ciphertexts
from ballotcrypto.group import GENERATOR, IDENTITY, L, Scalar, multiple_of_g
from ballotcrypto.hashing import TAG_COEFFICIENT, TAG_DECRYPT
from ballotcrypto.proofs import (
    Proof,
    check_dleq,
    check_range,
    check_schnorr,
    prove_dleq,
    prove_range,
    prove_schnorr,
    read_proof,
)
from ballotcrypto.randomness import Seeded

SECRET = Scalar(123456789)
KEY = SECRET * GENERATOR
VID, BALLOT = "ab" * 32, "cd" * 16
nonzero = st.integers(min_value=1, max_value=L - 1)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 1), nonzero), min_size=0, max_size=6))
def test_encrypt_aggregate_decrypt_round_trip(items: list[tuple[int, int]]) -> None:
    total = sum_ciphertexts(encrypt(m, Scalar(r), KEY) for m, r in items)
    assert decrypt_point(total, SECRET).encoding == multiple_of_g(sum(m for m, _ in items))
    if not items:
        assert total == ZERO
    assert total.alpha == Scalar.of(sum(r for _, r in items)) * GENERATOR


def test_a_sum_of_two_ciphertexts_is_their_sum() -> None:
    one, two = encrypt(1, Scalar(5), KEY), encrypt(1, Scalar(6), KEY)
    assert one + two == encrypt(2, Scalar(11), KEY)
    assert sum_ciphertexts([]) == ZERO == Ciphertext(IDENTITY, IDENTITY)


@settings(max_examples=15, deadline=None)
@given(st.integers(0, 4), st.integers(0, 4), st.integers(0, 8), nonzero)
def test_range_proofs_check_for_every_value_in_range_and_fail_outside(lo: int, width: int, value: int,
                                                                      r: int) -> None:
    hi = lo + width
    ct = encrypt(value, Scalar(r), KEY)
    rng = Seeded(f"{lo}-{hi}-{value}")
    if lo <= value <= hi:
        proof = prove_range(ct.alpha, ct.beta, KEY, lo, hi, value, Scalar(r), VID, BALLOT, "s0", rng)
        assert check_range(ct.alpha, ct.beta, KEY, lo, hi, proof, VID, BALLOT, "s0")
    else:  # the prover's equations with the claimed value lo: false, and the check sees it
        with pytest.raises(ValueError):
            prove_range(ct.alpha, ct.beta, KEY, lo, hi, value, Scalar(r), VID, BALLOT, "s0", rng)
        forged = prove_range(ct.alpha, ct.beta, KEY, lo, hi, lo, Scalar(r), VID, BALLOT, "s0", rng)
        assert not check_range(ct.alpha, ct.beta, KEY, lo, hi, forged, VID, BALLOT, "s0")


def _proof() -> tuple[Ciphertext, tuple[Proof, ...]]:
    ct = encrypt(1, Scalar(77), KEY)
    return ct, prove_range(ct.alpha, ct.beta, KEY, 0, 1, 1, Scalar(77), VID, BALLOT, "s3", Seeded("p"))


def test_a_range_proof_is_bound_to_its_whole_statement() -> None:
    ct, proof = _proof()
    assert check_range(ct.alpha, ct.beta, KEY, 0, 1, proof, VID, BALLOT, "s3")
    assert not check_range(ct.alpha, ct.beta, KEY, 0, 1, proof, "ef" * 32, BALLOT, "s3")
    assert not check_range(ct.alpha, ct.beta, KEY, 0, 1, proof, VID, "00" * 16, "s3")
    assert not check_range(ct.alpha, ct.beta, KEY, 0, 1, proof, VID, BALLOT, "s4")
    assert not check_range(ct.alpha, ct.beta, GENERATOR, 0, 1, proof, VID, BALLOT, "s3")
    assert not check_range(ct.beta, ct.alpha, KEY, 0, 1, proof, VID, BALLOT, "s3")
    rerandomised = ct + encrypt(0, Scalar(9), KEY)  # same value, other ciphertext
    assert not check_range(rerandomised.alpha, rerandomised.beta, KEY, 0, 1, proof, VID, BALLOT, "s3")


def test_any_changed_challenge_or_response_fails() -> None:
    ct, proof = _proof()
    for j in range(2):
        for part in ("c", "s"):
            changed = list(proof)
            old = changed[j]
            changed[j] = Proof(old.c + Scalar(1), old.s) if part == "c" else Proof(old.c, old.s + Scalar(1))
            assert not check_range(ct.alpha, ct.beta, KEY, 0, 1, changed, VID, BALLOT, "s3")
    swapped = (proof[1], proof[0])
    assert not check_range(ct.alpha, ct.beta, KEY, 0, 1, swapped, VID, BALLOT, "s3")


def test_a_proof_with_the_wrong_number_of_branches_or_range_is_false() -> None:
    ct, proof = _proof()
    assert not check_range(ct.alpha, ct.beta, KEY, 0, 2, proof, VID, BALLOT, "s3")
    assert not check_range(ct.alpha, ct.beta, KEY, 0, 1, proof[:1], VID, BALLOT, "s3")
    assert not check_range(ct.alpha, ct.beta, KEY, -1, 0, proof, VID, BALLOT, "s3")
    assert not check_range(ct.alpha, ct.beta, KEY, 1, 0, (), VID, BALLOT, "s3")


def test_schnorr_proves_knowledge_of_the_log_for_its_statement_only() -> None:
    proof = prove_schnorr(TAG_COEFFICIENT, ["cid", 1, 0], SECRET, KEY, Seeded("s"))
    assert check_schnorr(TAG_COEFFICIENT, ["cid", 1, 0], KEY, proof)
    assert not check_schnorr(TAG_COEFFICIENT, ["cid", 2, 0], KEY, proof)
    assert not check_schnorr(TAG_COEFFICIENT, ["cid", 1, 0], GENERATOR, proof)
    assert not check_schnorr(TAG_COEFFICIENT, ["cid", 1, 0], KEY, Proof(proof.c, proof.s + Scalar(1)))


def test_a_schnorr_proof_whose_commitment_is_the_identity_fails() -> None:
    # s·G − c·P = O exactly when s = c·x: refused whatever the hash says
    c = Scalar(3)
    assert not check_schnorr(TAG_COEFFICIENT, ["cid", 1, 0], KEY, Proof(c, c * SECRET))


def test_chaum_pedersen_proves_the_same_log_for_its_statement_only() -> None:
    base = Scalar(99) * GENERATOR
    image = SECRET * base
    proof = prove_dleq(TAG_DECRYPT, ["vid", 1, 0], SECRET, base, KEY, image, Seeded("d"))
    assert check_dleq(TAG_DECRYPT, ["vid", 1, 0], base, KEY, image, proof)
    assert not check_dleq(TAG_DECRYPT, ["vid", 1, 1], base, KEY, image, proof)
    assert not check_dleq(TAG_DECRYPT, ["vid", 1, 0], base, KEY, image + GENERATOR, proof)
    wrong = Scalar(7) * base  # a different log on the second base
    forged = prove_dleq(TAG_DECRYPT, ["vid", 1, 0], SECRET, base, KEY, wrong, Seeded("d"))
    assert not check_dleq(TAG_DECRYPT, ["vid", 1, 0], base, KEY, wrong, forged)


def test_read_proof_is_strict() -> None:
    proof = Proof(Scalar(1), Scalar(2))
    assert read_proof(proof.to_json(), "p") == proof
    assert read_proof({"c": "01" + "00" * 31, "s": "02" + "00" * 31}, "p") == proof
    with pytest.raises(ValueError):
        read_proof({"c": "01" + "00" * 31}, "p")
