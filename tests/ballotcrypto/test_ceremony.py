"""The key ceremony (§2): honest rounds give a key whose shares decrypt; every tampered message is
refused and names the trustee who sent it."""

from __future__ import annotations

import base64
import copy
import hashlib
from typing import Any

import pytest

from ballotcrypto import ceremony as cer
from ballotcrypto import sodium
from ballotcrypto.errors import CeremonyFault, MalformedValue
from ballotcrypto.group import GENERATOR, IDENTITY, L, Scalar
from ballotcrypto.hashing import jcs
from ballotcrypto.randomness import Seeded

from .helpers import ORIGIN, Keys, Scripted, keys, run_ceremony


def test_an_honest_ceremony_gives_the_key_of_the_summed_constant_terms_and_consistent_shares() -> None:
    k = keys()
    secret_key = Scalar.of(sum(s.coefficients[0].value for s in k.secrets))
    assert k.result.key == secret_key * GENERATOR
    assert k.result.cid == k.ceremony.cid
    for j, x in k.shares.items():
        assert k.result.share_keys[j - 1] == x * GENERATOR
    # any k = 2 shares interpolate the secret key at 0: λ_1 = 2, λ_2 = −1 for Q = {1, 2}
    assert Scalar.of(2 * k.shares[1].value - k.shares[2].value) == secret_key


@pytest.mark.parametrize(("n", "k"), [(1, 1), (2, 2), (4, 3), (5, 1)])
def test_ceremonies_of_other_sizes_complete(n: int, k: int) -> None:
    result = run_ceremony(n, k, seed=f"size-{n}-{k}")
    assert len(result.result.share_keys) == n


def test_the_statement_is_checked_and_hashed() -> None:
    ceremony = cer.Ceremony(ORIGIN, "c", 3, 2, ("甲", "乙", "丙"))
    assert ceremony.to_json() == {"suite": "renda-ballot-v1", "origin": ORIGIN, "ceremony": "c", "n": 3, "k": 2,
                                  "trustees": ["甲", "乙", "丙"]}
    assert cer.read_ceremony(ceremony.to_json()) == ceremony
    for n, k, names in [(3, 2, ("甲", "乙")), (2, 3, ("甲", "乙")), (2, 0, ("甲", "乙"))]:
        with pytest.raises(CeremonyFault) as refused:
            cer.Ceremony(ORIGIN, "c", n, k, names)
        assert refused.value.finding == "bad-ceremony"
    with pytest.raises(MalformedValue):
        cer.read_ceremony({**ceremony.to_json(), "suite": "renda-ballot-v2"})


def test_a_tampered_key_commitment_is_refused_and_names_its_trustee() -> None:
    k = keys()
    value: dict[str, Any] = k.commitments[1].to_json()
    value["coefficients"][1]["point"] = (GENERATOR + GENERATOR).hex()
    with pytest.raises(CeremonyFault) as refused:
        cer.check_commitment(k.ceremony, value)
    assert (refused.value.finding, refused.value.trustee) == ("bad-coefficient-proof", 2)
    relabelled = {**k.commitments[1].to_json(), "trustee": 3}  # proofs hash the trustee's number
    with pytest.raises(CeremonyFault):
        cer.check_commitment(k.ceremony, relabelled)


def test_a_commitment_is_strict_about_its_shape() -> None:
    k = keys()
    good: dict[str, Any] = k.commitments[0].to_json()
    assert cer.check_commitment(k.ceremony, good) == k.commitments[0]
    with pytest.raises(MalformedValue):
        cer.check_commitment(k.ceremony, {**good, "coefficients": good["coefficients"][:1]})
    with pytest.raises(CeremonyFault) as refused:
        cer.check_commitment(k.ceremony, {**good, "trustee": 4})
    assert refused.value.finding == "wrong-trustee"
    identity: dict[str, Any] = copy.deepcopy(good)
    identity["coefficients"][0]["point"] = IDENTITY.hex()
    with pytest.raises(MalformedValue):
        cer.check_commitment(k.ceremony, identity)


def _sealed(dealer: int, to: int) -> dict[str, Any]:
    k = keys()
    shares = cer.seal_shares(k.ceremony, k.secrets[dealer - 1], k.commitments)
    return next(s for s in shares if s.to == to).to_json()


def _open(to: int, value: object) -> Scalar:
    k = keys()
    return cer.open_share(k.ceremony, k.secrets[to - 1], k.commitments, value)


def _bad_share(to: int, value: object, dealer: int, finding: str = "bad-share") -> None:
    with pytest.raises(CeremonyFault) as refused:
        _open(to, value)
    assert (refused.value.finding, refused.value.trustee) == (finding, dealer)


def test_a_share_that_does_not_match_its_commitments_is_refused_naming_the_dealer() -> None:
    k = keys()
    wrong = Scalar.of(k.secrets[0].share_for(2).value + 1)
    message = cer.share_message(k.ceremony, 1, 2, wrong)
    value = {"trustee": 1, "to": 2, "sealed": base64.b64encode(sodium.box_seal(message, k.secrets[1].box_public))
             .decode()}
    _bad_share(2, value, dealer=1)
    assert _open(2, _sealed(1, 2)) == k.secrets[0].share_for(2)


def _seal(message: bytes, to: int = 2) -> dict[str, Any]:
    box = keys().secrets[to - 1].box_public
    return {"trustee": 1, "to": to, "sealed": base64.b64encode(sodium.box_seal(message, box)).decode()}


def test_a_share_message_must_be_the_canonical_one_for_this_ceremony_dealer_and_recipient() -> None:
    k = keys()
    share = k.secrets[0].share_for(2).hex()
    body = {"cid": k.ceremony.cid, "from": 1, "to": 2, "share": share}
    _bad_share(2, _seal(jcs({**body, "cid": "0" * 64})), dealer=1)
    _bad_share(2, _seal(jcs({**body, "from": 3})), dealer=1)
    _bad_share(2, _seal(jcs({**body, "to": 3})), dealer=1)
    _bad_share(2, _seal(jcs(body).replace(b":", b": ")), dealer=1)  # not JCS
    _bad_share(2, _seal(jcs({**body, "extra": 1})), dealer=1)
    _bad_share(2, _seal(jcs({**body, "share": L.to_bytes(32, "little").hex()})), dealer=1)
    _bad_share(2, _seal(b"\xff\xfe not utf-8"), dealer=1)
    _bad_share(2, _seal(b"[" * 100000), dealer=1)
    assert _open(2, _seal(jcs(body))).hex() == share


def test_a_share_that_does_not_open_or_is_not_for_me_is_refused() -> None:
    _bad_share(2, {**_sealed(1, 2), "sealed": "not base64!"}, dealer=1)
    _bad_share(2, _sealed(1, 3) | {"to": 2}, dealer=1)  # sealed to trustee 3's key
    _bad_share(2, {**_sealed(1, 2), "to": 3}, dealer=1, finding="wrong-trustee")
    _bad_share(2, {**_sealed(1, 2), "trustee": 2}, dealer=2, finding="wrong-trustee")
    k = keys()
    with pytest.raises(CeremonyFault) as refused:  # the dealer's commitment is not among those given
        cer.open_share(k.ceremony, k.secrets[1], k.commitments[1:], _sealed(1, 2))
    assert refused.value.finding == "bad-share"


def test_round_two_and_three_need_every_trustees_commitment_and_share() -> None:
    k = keys()
    with pytest.raises(CeremonyFault) as refused:
        cer.seal_shares(k.ceremony, k.secrets[0], k.commitments[:2])
    assert refused.value.finding == "missing-trustee"
    with pytest.raises(CeremonyFault):
        cer.confirm(k.ceremony, k.secrets[0], k.commitments, {2: k.secrets[1].share_for(1)})


def test_a_confirmation_whose_sum_of_shares_disagrees_with_the_commitments_is_caught_on_the_device() -> None:
    k = keys()
    received = {2: k.secrets[1].share_for(1), 3: Scalar.of(k.secrets[2].share_for(1).value + 1)}
    with pytest.raises(CeremonyFault) as refused:
        cer.confirm(k.ceremony, k.secrets[0], k.commitments, received)
    assert (refused.value.finding, refused.value.trustee) == ("wrong-share-key", 1)


def _confirmation(j: int) -> dict[str, Any]:
    k = keys()
    received = {i: k.secrets[i - 1].share_for(j) for i in (1, 2, 3) if i != j}
    return cer.confirm(k.ceremony, k.secrets[j - 1], k.commitments, received, Seeded(f"c{j}"))[1].to_json()


def test_a_confirmation_with_another_share_key_or_a_bad_proof_is_refused() -> None:
    k = keys()
    value = _confirmation(2)
    assert cer.check_confirmation(k.ceremony, k.commitments, value).share_key == k.result.share_keys[1]
    with pytest.raises(CeremonyFault) as refused:
        cer.check_confirmation(k.ceremony, k.commitments, {**value, "share_key": GENERATOR.hex()})
    assert (refused.value.finding, refused.value.trustee) == ("wrong-share-key", 2)
    with pytest.raises(CeremonyFault) as refused:
        cer.check_confirmation(k.ceremony, k.commitments, {**value, "s": Scalar(1).hex()})
    assert (refused.value.finding, refused.value.trustee) == ("bad-confirmation-proof", 2)


def test_the_election_key_needs_every_confirmation_and_the_implied_share_keys() -> None:
    k = keys()
    confirmations = [cer.check_confirmation(k.ceremony, k.commitments, _confirmation(j)) for j in (1, 2, 3)]
    assert cer.election_key(k.ceremony, k.commitments, confirmations) == k.result
    with pytest.raises(CeremonyFault) as refused:
        cer.election_key(k.ceremony, k.commitments, confirmations[:2])
    assert refused.value.finding == "missing-trustee"
    forged = cer.Confirmation(3, GENERATOR, confirmations[2].proof)  # never through check_confirmation
    with pytest.raises(CeremonyFault) as refused:
        cer.election_key(k.ceremony, k.commitments, [*confirmations[:2], forged])
    assert (refused.value.finding, refused.value.trustee) == ("wrong-share-key", 3)


def test_constant_terms_that_cancel_give_no_election_key() -> None:
    ceremony = cer.Ceremony(ORIGIN, "cancel", 2, 1, ("甲", "乙"))
    a = 1234567
    one = cer.start(ceremony, 1, Scripted([a]))
    two = cer.start(ceremony, 2, Scripted([L - a]))
    commitments = [one[1], two[1]]
    confirmations = []
    for secret, other in ((one[0], two[0]), (two[0], one[0])):
        received = {other.trustee: other.share_for(secret.trustee)}
        confirmations.append(cer.confirm(ceremony, secret, commitments, received, Seeded("x"))[1])
    with pytest.raises(CeremonyFault) as refused:
        cer.election_key(ceremony, commitments, confirmations)
    assert refused.value.finding == "identity-key"


def test_the_result_round_trips_and_the_secret_stays_out_of_its_repr() -> None:
    k: Keys = keys()
    assert cer.read_ceremony_result(k.result.to_json()) == k.result
    text = repr(k.secrets[0])
    assert k.secrets[0].coefficients[0].hex() not in text and str(k.secrets[0].coefficients[0].value) not in text
    assert "box_secret" not in text
    with pytest.raises(CeremonyFault):
        cer.start(k.ceremony, 0)


def test_the_fingerprint_is_the_first_16_hex_digits_of_sha256_of_the_key_in_groups_of_4() -> None:
    key = keys().result.key
    digest = hashlib.sha256(key.encoding).hexdigest().upper()
    assert cer.fingerprint(key) == f"{digest[:4]}-{digest[4:8]}-{digest[8:12]}-{digest[12:16]}"
