"""The count (§4, §5): totals of the cast ballots, partial decryptions that prove themselves, and
any k of the n trustees giving the same counts; a bad partial never becomes a count."""

from __future__ import annotations

import itertools
from functools import cache
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ballotcrypto import ballot as bal
from ballotcrypto import count, forms
from ballotcrypto.elgamal import ZERO, Ciphertext, encrypt
from ballotcrypto.errors import CountFault, MalformedValue
from ballotcrypto.group import GENERATOR, IDENTITY, L, Point, Scalar, multiple_of_g
from ballotcrypto.randomness import Seeded

from .helpers import Keys, election, keys, run_ceremony

VALUES = [[1, 0, 0, 1, 1, 0], [0, 1, 1, 0, 0, 0], [1, 0, 1, 0, 0, 1], [0, 0, 0, 0, 1, 0], [0, 0, 0, 0, 0, 0]]


@cache
def cast() -> tuple[bal.Ballot, ...]:
    context = election()
    return tuple(bal.check_ballot(context, bal.encrypt_ballot(context, v, Seeded(f"cast{n}")).ballot.to_json())
                 for n, v in enumerate(VALUES))


def _partial(j: int, totals: tuple[Ciphertext, ...], k: Keys | None = None) -> count.Partial:
    k = k or keys()
    vid = election().vid
    made = count.partial_decrypt(vid, j, k.shares[j], totals, Seeded(f"partial{j}"))
    return count.check_partial(vid, k.result.share_keys, totals, made.to_json())


def test_totals_are_per_selection_sums_and_k_trustees_decrypt_the_per_selection_counts() -> None:
    totals = count.aggregate(6, cast())
    expected = tuple(sum(column) for column in zip(*VALUES, strict=True))
    for quorum in itertools.permutations((1, 2, 3), 2):
        partials = [_partial(j, totals) for j in quorum]
        assert count.combine(totals, partials, 2, len(VALUES)) == expected


@settings(max_examples=6, deadline=None)
@given(st.data())
def test_any_k_of_n_trustees_give_the_same_count(data: st.DataObject) -> None:
    n = data.draw(st.integers(2, 5), "n")
    k = data.draw(st.integers(1, n), "k")
    keys_ = run_ceremony(n, k, seed=f"any-{n}-{k}")
    values = data.draw(st.lists(st.integers(0, 1), min_size=1, max_size=8), "values")
    r = Seeded("nonces")
    totals = (sum((encrypt(m, r.scalar(), keys_.result.key) for m in values), ZERO),)
    vid = "ab" * 32
    partials = {j: count.partial_decrypt(vid, j, keys_.shares[j], totals, Seeded(str(j))) for j in range(1, n + 1)}
    for quorum in itertools.combinations(range(1, n + 1), k):
        assert count.combine(totals, [partials[j] for j in quorum], k, len(values)) == (sum(values),)


def test_with_no_ballot_every_total_is_the_identity_and_counts_zero() -> None:
    totals = count.aggregate(6, [])
    assert totals == (ZERO,) * 6
    assert count.read_totals(count.totals_to_json(totals), 6) == totals
    partials = [_partial(1, totals), _partial(2, totals)]
    assert count.combine(totals, partials, 2, 0) == (0,) * 6


def test_a_ballot_of_another_form_is_not_added() -> None:
    motion = bal.Context(election().origin, "m", election().key, forms.motion_form())
    other = bal.encrypt_ballot(motion, [1, 0, 0], Seeded("m")).ballot
    with pytest.raises(CountFault) as refused:
        count.aggregate(6, [*cast(), other])
    assert refused.value.finding == "wrong-total-count"


def _bad_partial(value: Any, totals: tuple[Ciphertext, ...], trustee: int) -> None:
    with pytest.raises(CountFault) as refused:
        count.check_partial(election().vid, keys().result.share_keys, totals, value)
    assert (refused.value.finding, refused.value.trustee) == ("bad-partial", trustee)


def test_a_bad_partial_decryption_is_refused_naming_its_trustee() -> None:
    totals = count.aggregate(6, cast())
    value: dict[str, Any] = _partial(2, totals).to_json()
    shifted = dict(value, shares=[dict(s) for s in value["shares"]])
    d = Point.trusted(bytes.fromhex(shifted["shares"][3]["d"]))
    shifted["shares"][3]["d"] = (d + GENERATOR).hex()  # would add one vote to selection 3
    _bad_partial(shifted, totals, 2)
    relabelled = dict(value, trustee=3)  # trustee 2's work presented as trustee 3's
    _bad_partial(relabelled, totals, 3)
    _bad_partial(dict(value, trustee=4), totals, 4)
    other_totals = count.aggregate(6, cast()[:4])
    _bad_partial(value, other_totals, 2)
    with pytest.raises(MalformedValue):
        count.check_partial(election().vid, keys().result.share_keys, totals, dict(value, shares=value["shares"][:5]))


def test_a_partial_that_slipped_through_unchecked_stops_the_count() -> None:
    totals = count.aggregate(6, cast())
    good = _partial(1, totals)
    bad_share = count.PartialShare(Scalar(12345) * GENERATOR, good.shares[0].proof)
    bad = count.Partial(2, (bad_share, *_partial(2, totals).shares[1:]))
    with pytest.raises(CountFault) as refused:
        count.combine(totals, [good, bad], 2, len(VALUES))
    assert refused.value.finding == "no-count"


def test_combine_takes_exactly_k_distinct_trustees_with_a_share_per_total() -> None:
    totals = count.aggregate(6, cast())
    one, two = _partial(1, totals), _partial(2, totals)
    for partials in ([one], [one, one], [one, two, _partial(3, totals)]):
        with pytest.raises(CountFault) as refused:
            count.combine(totals, partials, 2, len(VALUES))
        assert refused.value.finding == "wrong-quorum"
    with pytest.raises(CountFault) as refused:
        count.combine(totals, [one, count.Partial(2, two.shares[:5])], 2, len(VALUES))
    assert (refused.value.finding, refused.value.trustee) == ("wrong-total-count", 2)


def test_lagrange_coefficients_interpolate_any_line_at_zero() -> None:
    lambdas = count.lagrange_at_zero([1, 3])
    assert lambdas[1] == Scalar(3) * Scalar(2).inverse()
    assert lambdas[3] == -Scalar(2).inverse()
    a0, a1 = 17, 99
    assert Scalar.of(lambdas[1].value * (a0 + a1) + lambdas[3].value * (a0 + 3 * a1)).value == a0


def test_small_log_finds_counts_beyond_one_table_and_only_up_to_the_bound() -> None:
    for v in (0, 1, 1023, 1024, 1025, 2500):
        assert count.small_log(Point.trusted(multiple_of_g(v)), 2500) == v
    assert count.small_log(Point.trusted(multiple_of_g(1030)), 1029) is None
    assert count.small_log(Point.trusted(multiple_of_g(20)), 19) is None
    assert count.small_log(Scalar(L - 1) * GENERATOR, 3000) is None
    assert count.small_log(IDENTITY, 0) == 0


def test_totals_are_read_strictly_with_the_identity_allowed() -> None:
    totals = count.aggregate(6, cast())
    assert count.read_totals(count.totals_to_json(totals), 6) == totals
    with pytest.raises(MalformedValue):
        count.read_totals(count.totals_to_json(totals), 5)


@settings(max_examples=8, deadline=None)
@given(st.lists(st.sampled_from([v for v in itertools.product((0, 1), repeat=6)
                                 if forms.election_form(3, 2).satisfied_by(v)]), max_size=5),
       st.sampled_from(list(itertools.permutations((1, 2, 3), 2))))
def test_checked_ballots_add_up_to_the_per_selection_sums_of_their_values(
        choices: list[tuple[int, ...]], quorum: tuple[int, int]) -> None:
    context = election()
    ballots = [bal.check_ballot(context, bal.encrypt_ballot(context, list(v), Seeded(f"sum{n}")).ballot.to_json())
               for n, v in enumerate(choices)]
    totals = count.aggregate(6, ballots)
    partials = [_partial(j, totals) for j in quorum]
    expected = tuple(sum(v[i] for v in choices) for i in range(6))
    assert count.combine(totals, partials, 2, len(ballots)) == expected
