"""A ballot is well-formed exactly when docs/ballot-crypto.md §3.4 says: every honest ballot of
every form checks, and each way of cheating or copying is refused with its finding."""

from __future__ import annotations

import copy
import itertools
import pickle
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ballotcrypto import ballot as bal
from ballotcrypto import forms
from ballotcrypto.elgamal import encrypt, sum_ciphertexts
from ballotcrypto.errors import BallotCryptoError, BallotRefused, FormError, MalformedValue, OpeningRefused
from ballotcrypto.group import GENERATOR, IDENTITY, L, Scalar, decode_point
from ballotcrypto.hashing import h256
from ballotcrypto.proofs import prove_range
from ballotcrypto.randomness import Seeded

from .helpers import election, motion, satisfaction


def valid_values(form: forms.Form) -> list[list[int]]:
    return [list(v) for v in itertools.product((0, 1), repeat=form.selections) if form.satisfied_by(v)]


@pytest.mark.parametrize("make", [motion, election, satisfaction])
def test_every_valid_choice_of_every_form_encrypts_to_a_well_formed_ballot(make: Any) -> None:
    context = make()
    for n, values in enumerate(valid_values(context.form)):
        made = bal.encrypt_ballot(context, values, Seeded(f"{context.vote}-{n}"))
        checked = bal.check_ballot(context, made.ballot.to_json())
        assert checked == made.ballot
        assert bal.check_opening(context, checked, made.opening.to_json()) == made.opening


@settings(max_examples=10, deadline=None)
@given(st.sampled_from(valid_values(forms.election_form(3, 2))))
def test_with_system_randomness_the_ballot_checks_and_its_tracker_is_its_hash(values: list[int]) -> None:
    context = election()
    made = bal.encrypt_ballot(context, values)
    ballot = bal.check_ballot(context, made.ballot.to_json())
    assert ballot.tracker == made.opening.tracker and len(ballot.ballot) == 32


def test_values_that_break_the_form_cannot_be_encrypted() -> None:
    with pytest.raises(FormError):
        bal.encrypt_ballot(motion(), [1, 1, 0])
    with pytest.raises(FormError):
        bal.encrypt_ballot(motion(), [0, 0, 0])


def _ballot(context: bal.Context | None = None, values: list[int] | None = None) -> dict[str, Any]:
    context = context or motion()
    return bal.encrypt_ballot(context, values or [1, 0, 0], Seeded("refusals")).ballot.to_json()


def _refused(value: object, finding: str, context: bal.Context | None = None) -> BallotCryptoError:
    with pytest.raises((BallotRefused, MalformedValue)) as refused:
        bal.check_ballot(context or motion(), value)
    assert refused.value.finding == finding, refused.value
    return refused.value


def test_a_wrong_proof_is_refused() -> None:
    value = _ballot()
    proof = value["selections"][1]["proof"][0]
    proof["s"] = Scalar.of(int.from_bytes(bytes.fromhex(proof["s"]), "little") + 1).hex()
    refused = _refused(value, "bad-selection-proof")
    assert isinstance(refused, BallotRefused) and refused.where == "s1"


def test_a_ballot_over_its_limit_cannot_carry_a_valid_proof() -> None:
    """赞成 and 反对 both marked: each selection's proof is honest (0 or 1), the limit's is forged
    as if the sum 2 were 1 — the check refuses it."""
    context = motion()
    rng = Seeded("over-limit")
    values, nonces = [1, 1, 0], [rng.scalar() for _ in range(3)]
    ballot_id = "ab" * 16
    cts = [encrypt(m, r, context.key) for m, r in zip(values, nonces, strict=True)]
    selections = tuple(
        bal.Selection(ct, prove_range(ct.alpha, ct.beta, context.key, 0, 1, m, r, context.vid, ballot_id, f"s{i}", rng))
        for i, (ct, m, r) in enumerate(zip(cts, values, nonces, strict=True)))
    total = sum_ciphertexts(cts)
    forged = prove_range(total.alpha, total.beta, context.key, 1, 1, 1, Scalar.of(sum(r.value for r in nonces)),
                         context.vid, ballot_id, "l0", rng)
    value = bal.Ballot(ballot_id, context.vid, selections, (forged,)).to_json()
    refused = _refused(value, "bad-limit-proof")
    assert isinstance(refused, BallotRefused) and refused.where == "l0"


def test_a_ballot_replayed_into_another_vote_is_refused() -> None:
    value = _ballot()
    other = bal.Context(motion().origin, "v-other", motion().key, motion().form)
    _refused(value, "wrong-vid", other)
    value["vid"] = other.vid  # relabelled for the other vote: the proofs hashed the first vid
    _refused(value, "bad-selection-proof", other)


def test_a_ballot_of_another_vote_is_refused_for_its_vid_before_its_shape() -> None:
    """Another vote's ballot with another number of selections: check_ballot names the vid first;
    read_ballot without a vid (the verifier's, which checks the vid with the proofs) names the count."""
    value = _ballot()
    value["selections"] = value["selections"][:2]
    other = bal.Context(motion().origin, "v-other", motion().key, motion().form)
    _refused(value, "wrong-vid", other)
    with pytest.raises(BallotRefused) as refused:
        bal.read_ballot(value, other.form)
    assert refused.value.finding == "wrong-selection-count"
    parsed = bal.read_ballot(_ballot(), motion().form)
    assert bal.check_proofs(motion(), parsed) == parsed
    with pytest.raises(BallotRefused) as refused:
        bal.check_proofs(other, parsed)
    assert refused.value.finding == "wrong-vid"


def test_a_re_randomised_ciphertext_no_longer_checks() -> None:
    value = _ballot()
    context = motion()
    selection = value["selections"][0]
    shift = Scalar(1234567)
    selection["alpha"] = (decode_point(selection["alpha"]) + shift * GENERATOR).hex()
    selection["beta"] = (decode_point(selection["beta"]) + shift * context.key).hex()
    _refused(value, "bad-selection-proof")


def test_a_ballot_with_another_ballot_id_is_refused() -> None:
    value = _ballot()
    value["ballot"] = "0" * 32
    _refused(value, "bad-selection-proof")
    value["ballot"] = "0" * 31
    _refused(value, "malformed")
    value["ballot"] = "A" * 32
    _refused(value, "malformed")


def test_swapped_selections_are_refused() -> None:
    value = _ballot()
    value["selections"][0], value["selections"][1] = value["selections"][1], value["selections"][0]
    _refused(value, "bad-selection-proof")


def test_a_limit_proof_taken_from_another_ballot_is_refused() -> None:
    value, other = _ballot(), bal.encrypt_ballot(motion(), [0, 1, 0], Seeded("other")).ballot.to_json()
    value["limits"] = other["limits"]
    _refused(value, "bad-limit-proof")


def test_counts_of_selections_and_limits_are_the_forms() -> None:
    value = _ballot()
    fewer = copy.deepcopy(value)
    fewer["selections"].pop()
    _refused(fewer, "wrong-selection-count")
    more = copy.deepcopy(value)
    more["limits"].append(more["limits"][0])
    _refused(more, "wrong-limit-count")
    short_proof = copy.deepcopy(value)
    short_proof["selections"][0]["proof"].pop()
    _refused(short_proof, "malformed")
    long_limit = copy.deepcopy(value)
    long_limit["limits"][0]["proof"].append(long_limit["limits"][0]["proof"][0])
    _refused(long_limit, "malformed")


def test_encodings_inside_a_ballot_are_checked() -> None:
    value = _ballot()
    for field, text, finding in [("alpha", IDENTITY.hex(), "identity-point"),
                                 ("beta", IDENTITY.hex(), "identity-point"),
                                 ("alpha", "ed" + "ff" * 30 + "7f", "bad-point-encoding"),
                                 ("beta", value["selections"][0]["beta"].upper(), "bad-point-encoding")]:
        changed = copy.deepcopy(value)
        changed["selections"][0][field] = text
        _refused(changed, finding)
    changed = copy.deepcopy(value)
    changed["selections"][0]["proof"][0]["c"] = L.to_bytes(32, "little").hex()
    refused = _refused(changed, "scalar-out-of-range")
    assert isinstance(refused, MalformedValue) and refused.field == "ballot.selections[0].proof[0].c"


@pytest.mark.parametrize("change", ["extra", "missing", "not-object", "selections-not-array"])
def test_a_ballot_has_exactly_its_members(change: str) -> None:
    value: Any = _ballot()
    if change == "extra":
        value["tracker"] = "x"
    elif change == "missing":
        del value["limits"]
    elif change == "not-object":
        value = [value]
    else:
        value["selections"] = {}
    _refused(value, "malformed")


def test_the_tracker_is_h256_of_the_ballot_and_its_display_code_is_four_groups() -> None:
    made = bal.encrypt_ballot(motion(), [0, 0, 1], Seeded("tracker"))
    assert made.ballot.tracker == h256(made.ballot.to_json()) == made.opening.tracker
    code = bal.display_code(made.ballot.tracker)
    assert code == "-".join(made.ballot.tracker[i:i + 4].upper() for i in range(0, 16, 4))
    assert bal.display_code("3f9a1c0788d24b6e" + "0" * 48) == "3F9A-1C07-88D2-4B6E"


def test_the_context_binds_origin_vote_key_and_form() -> None:
    base = motion()
    vids = {base.vid,
            bal.Context("other-origin", base.vote, base.key, base.form).vid,
            bal.Context(base.origin, "v2", base.key, base.form).vid,
            bal.Context(base.origin, base.vote, GENERATOR, base.form).vid,
            bal.Context(base.origin, base.vote, base.key, forms.satisfaction_form(1)).vid}
    assert len(vids) == 5
    assert base.to_json()["suite"] == "renda-ballot-v1"


# The Benaloh opening -----------------------------------------------------------------------------

def _spoiled() -> tuple[bal.Ballot, dict[str, Any]]:
    made = bal.encrypt_ballot(motion(), [0, 1, 0], Seeded("spoiled"))
    return made.ballot, made.opening.to_json()


def _opening_refused(ballot: bal.Ballot, value: object, finding: str, context: bal.Context | None = None) -> None:
    with pytest.raises((OpeningRefused, MalformedValue)) as refused:
        bal.check_opening(context or motion(), ballot, value)
    assert refused.value.finding == finding, refused.value


def test_an_opening_with_other_values_is_refused() -> None:
    ballot, opening = _spoiled()
    opening["values"] = [1, 0, 0]  # what a cheating tablet would claim it encrypted
    _opening_refused(ballot, opening, "opening-mismatch")


def test_an_opening_with_another_nonce_is_refused() -> None:
    ballot, opening = _spoiled()
    opening["nonces"][1] = Scalar(5).hex()
    _opening_refused(ballot, opening, "opening-mismatch")
    opening["nonces"][1] = "00" * 32
    _opening_refused(ballot, opening, "zero-scalar")


def test_an_opening_of_another_ballot_is_refused() -> None:
    ballot, opening = _spoiled()
    _opening_refused(ballot, {**opening, "tracker": "0" * 64}, "wrong-tracker")
    _opening_refused(ballot, {**opening, "ballot": "0" * 32}, "wrong-ballot-id")
    other = bal.Context(motion().origin, "v-other", motion().key, motion().form)
    _opening_refused(ballot, opening, "wrong-vid", other)


def test_an_opening_has_one_value_and_nonce_per_selection_and_values_that_fit_the_form() -> None:
    ballot, opening = _spoiled()
    _opening_refused(ballot, {**opening, "values": [0, 1]}, "wrong-value-count")
    _opening_refused(ballot, {**opening, "values": [0, 2, 0]}, "values-break-form")
    _opening_refused(ballot, {**opening, "values": [0, 1, 1]}, "values-break-form")
    _opening_refused(ballot, {**opening, "values": [0, -1, 0]}, "malformed")
    _opening_refused(ballot, {**opening, "extra": 1}, "malformed")


def test_a_logged_context_is_read_back_strictly() -> None:
    context = election()
    assert bal.read_context(context.to_json()) == context
    with pytest.raises(MalformedValue):
        bal.read_context({**context.to_json(), "suite": "renda-ballot-v0"})
    with pytest.raises(MalformedValue):
        bal.read_context({**context.to_json(), "vote": 7})


def test_contexts_and_ballots_cross_a_process_boundary_unchanged() -> None:
    """The server checks ballots in a process pool: what it sends there must pickle."""
    context = election()
    made = bal.encrypt_ballot(context, [1, 0, 0, 1, 0, 0], Seeded("pickle"))
    again = pickle.loads(pickle.dumps((context, made)))
    assert again == (context, made) and again[0].vid == context.vid
    assert bal.check_ballot(again[0], again[1].ballot.to_json()) == made.ballot
