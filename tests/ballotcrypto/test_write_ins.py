"""Write-ins (另选他人, docs/ballot-crypto.md §6.1): the form's use bits in the seat limit, sealed
names, the ballot's checks, the Benaloh opening that shows the names, and the two decryption rounds
that recover the names of the ballots with write-ins without decrypting a mark of any ballot."""

from __future__ import annotations

import base64
import hashlib
import json
from functools import cache
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ballotcrypto import ballot as bal
from ballotcrypto import count, forms, sodium, writein_count, writeins
from ballotcrypto.elgamal import encrypt, sum_ciphertexts
from ballotcrypto.errors import BallotRefused, CountFault, FormError, MalformedValue, OpeningRefused
from ballotcrypto.group import GENERATOR, Point, Scalar
from ballotcrypto.hashing import TAG_DECRYPT_NAME, TAG_DECRYPT_USE, TAG_DECRYPT_USES, TAG_WRITE_IN, jcs
from ballotcrypto.proofs import Proof, check_dleq, prove_range, prove_schnorr
from ballotcrypto.randomness import Seeded

from .helpers import context, keys

# 3 candidates, 2 places: 赞成/反对 of 张三, 李四, 王五, then the use bits of slots 0 and 1.
FORM = forms.election_form(3, 2, 2)
CAST: list[tuple[list[int], list[str]]] = [
    ([1, 0, 0, 1, 0, 0, 1, 0], ["赵六", ""]),       # 张三 赞成, 李四 反对, one write-in
    ([1, 0, 1, 0, 0, 0, 0, 0], ["", ""]),           # two 赞成, no write-in
    ([0, 1, 0, 1, 0, 1, 1, 1], ["赵六", "Maria Li"]),  # all 反对, two write-ins
    ([0, 0, 0, 0, 0, 0, 0, 0], ["", ""]),           # blank
]


def ctx() -> bal.Context:
    return context(FORM, "v-write-ins")


@cache
def cast() -> tuple[bal.Ballot, ...]:
    c = ctx()
    return tuple(bal.check_ballot(c, bal.encrypt_ballot(c, values, Seeded(f"w{n}"), names).ballot.to_json())
                 for n, (values, names) in enumerate(CAST))


def _json(value: Any) -> Any:
    return json.loads(json.dumps(value))


def _slot_prefix(vid: str, ballot_id: str, slot: int, use: Any, sealed: bytes) -> list[str | int]:
    return [vid, ballot_id, slot, use.alpha.hex(), use.beta.hex(), base64.b64encode(sealed).decode()]


def _with_slot(ballot: bal.Ballot, slot: int, rho: Scalar, sealed: bytes) -> bal.Ballot:
    """`ballot` with slot `slot` replaced by R = ρ·G, these sealed bytes and an honest proof of ρ:
    what a faulty tablet could make (it knows ρ), and what no check at cast can tell."""
    r = rho * GENERATOR
    proof = prove_schnorr(TAG_WRITE_IN, _slot_prefix(ballot.vid, ballot.ballot, slot, ballot.use_bit(slot), sealed),
                          rho, r, Seeded("forged slot"))
    slots = list(ballot.write_ins)
    slots[slot] = bal.WriteIn(r, sealed, proof)
    return bal.Ballot(ballot.ballot, ballot.vid, ballot.selections, ballot.limits, tuple(slots))


# The form ------------------------------------------------------------------------------------------------


def test_the_write_in_form_puts_the_use_bits_into_the_seat_limit() -> None:
    assert FORM.to_json() == {"selections": 8, "limits": [
        {"of": [0, 1], "min": 0, "max": 1}, {"of": [2, 3], "min": 0, "max": 1}, {"of": [4, 5], "min": 0, "max": 1},
        {"of": [0, 2, 4, 6, 7], "min": 0, "max": 2}], "write_ins": 2}
    assert forms.read_form(FORM.to_json()) == FORM and FORM.first_use_bit == 6
    assert FORM.satisfied_by([1, 0, 0, 0, 0, 0, 1, 0])
    assert not FORM.satisfied_by([1, 0, 1, 0, 0, 0, 1, 0])  # 2 赞成 + 1 另选他人 > 2 places: void by statute
    assert "write_ins" not in forms.election_form(3, 2).to_json()  # without write-ins: §3.1's form, same vid


def test_a_form_with_write_ins_is_refused_when_it_cannot_be() -> None:
    with pytest.raises(MalformedValue):
        forms.read_form({**forms.election_form(3, 2).to_json(), "write_ins": 0})
    with pytest.raises(FormError):
        forms.Form(2, (), 3)
    with pytest.raises(FormError):
        forms.election_form(1, 3, 1)  # 3 places, 1 candidate and 1 slot


# Sealed names --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["", "张" * 22, "张\u0000三", "张\u200b三", " 张三", "张三\u3000", "e\u0301",
                                  "\ud800", "张\u2028三"])
def test_what_is_not_a_name(name: str) -> None:
    assert writeins.name_fault(name) is not None


@pytest.mark.parametrize("name", ["张三", "Maria Li", "欧阳娜娜", "张" * 21, "\u00e9"])
def test_what_is_a_name(name: str) -> None:
    assert writeins.name_fault(name) is None


def test_a_sealed_name_opens_with_rho_k_and_only_in_its_own_slot() -> None:
    key, rho = keys().result.key, Scalar(1234567)
    r, sealed = writeins.seal_name("vid", "b" * 32, 0, rho, key, "王五")
    assert len(sealed) == writeins.SEALED_BYTES == 80 and r == rho * GENERATOR
    shared = writeins.shared_point(rho, key)
    assert writeins.open_name("vid", "b" * 32, 0, r, shared, sealed) == "王五"
    assert writeins.open_name("vid", "b" * 32, 1, r, shared, sealed) is None    # another slot's key and data
    assert writeins.open_name("vid", "c" * 32, 0, r, shared, sealed) is None    # another ballot's
    assert writeins.open_name("vid", "b" * 32, 0, r, GENERATOR, sealed) is None  # another key
    flipped = bytes([sealed[0] ^ 1]) + sealed[1:]
    assert writeins.open_name("vid", "b" * 32, 0, r, shared, flipped) is None
    _, empty = writeins.seal_name("vid", "b" * 32, 0, rho, key, "")
    assert writeins.open_name("vid", "b" * 32, 0, r, shared, empty) == ""
    with pytest.raises(ValueError, match="空格"):
        writeins.seal_name("vid", "b" * 32, 0, rho, key, " 王五")


def test_the_seal_is_the_documented_aead_and_a_non_name_plaintext_does_not_open_to_a_name() -> None:
    key, rho, vid, ballot = keys().result.key, Scalar(99), "vid", "a" * 32
    r, sealed = writeins.seal_name(vid, ballot, 1, rho, key, "李四")
    digest = hashlib.sha512(jcs(["renda-ballot-v1/write-in-key", vid, ballot, 1, r.hex(),
                                 (rho * key).hex()])).digest()
    ad = jcs(["renda-ballot-v1/write-in-ad", vid, ballot, 1, r.hex()])
    padded = "李四".encode() + bytes(58)
    assert sodium.aead_seal(padded, ad, digest[32:56], digest[:32]) == sealed
    assert sodium.aead_open(sealed[:10], ad, digest[32:56], digest[:32]) is None
    for plaintext in (b"\xff" + bytes(63), b"a\x00b" + bytes(61), b" x" + bytes(62)):
        bad = sodium.aead_seal(plaintext, ad, digest[32:56], digest[:32])
        assert writeins.open_name(vid, ballot, 1, r, rho * key, bad) is None


@pytest.mark.parametrize("text", [base64.b64encode(bytes(79)).decode(), "not base64!", 5,
                                  base64.b64encode(bytes(80)).decode().rstrip("=") + "B="])
def test_a_sealed_name_is_read_only_from_canonical_base64_of_80_bytes(text: object) -> None:
    with pytest.raises(MalformedValue):
        writeins.read_sealed(text, "sealed")


# The ballot ----------------------------------------------------------------------------------------------


def test_a_ballot_with_write_ins_checks_and_its_opening_shows_the_names() -> None:
    c = ctx()
    made = bal.encrypt_ballot(c, CAST[2][0], Seeded("open"), CAST[2][1])
    doc: dict[str, Any] = _json(made.ballot.to_json())
    assert len(doc["write_ins"]) == 2 and set(doc["write_ins"][0]) == {"r", "sealed", "c", "s"}
    checked = bal.check_ballot(c, _json(doc))
    assert checked == made.ballot
    opening = bal.check_opening(c, checked, _json(made.opening.to_json()))
    assert [name for _, name in opening.write_ins] == ["赵六", "Maria Li"]
    assert _json(made.opening.to_json())["write_ins"][1]["name"] == "Maria Li"


def test_randomness_is_drawn_in_the_documented_order() -> None:
    c = ctx()
    made = bal.encrypt_ballot(c, CAST[0][0], Seeded("order"), CAST[0][1])
    replay = Seeded("order")
    ballot_id = replay.octets(16).hex()
    nonces = [replay.scalar() for _ in range(8)]
    rhos = [replay.scalar() for _ in range(2)]
    assert made.ballot.ballot == ballot_id and list(made.opening.nonces) == nonces
    assert [rho for rho, _ in made.opening.write_ins] == rhos
    assert made.ballot.write_ins[0].r == rhos[0] * GENERATOR


@pytest.mark.parametrize(("values", "names", "match"), [
    ([1, 0, 1, 0, 0, 0, 1, 0], ["赵六", ""], "格式"),             # over the limit: 2 赞成 + 1 write-in
    ([1, 0, 0, 0, 0, 0, 1, 0], ["赵六"], "2个另选他人栏"),
    ([1, 0, 0, 0, 0, 0, 1, 0], ["", "赵六"], "使用"),
    ([0, 0, 0, 0, 0, 0, 1, 1], ["赵六", "赵六"], "重复"),
    ([0, 0, 0, 0, 0, 0, 1, 0], ["赵\u0000六", ""], "控制字符"),
])
def test_a_ballot_that_breaks_the_form_or_its_slots_cannot_be_made(values: list[int], names: list[str],
                                                                   match: str) -> None:
    with pytest.raises(FormError, match=match):
        bal.encrypt_ballot(ctx(), values, Seeded("x"), names)


def test_a_ballot_over_the_limit_is_refused_even_with_every_selection_proved() -> None:
    """2 赞成 and 1 write-in for 2 places: honest 0/1 proofs, a seat-limit proof forged for sum 2
    — the statute's void ballot — is refused with ``bad-limit-proof``."""
    c, rng = ctx(), Seeded("over")
    values = [1, 0, 1, 0, 0, 0, 1, 0]
    nonces = [rng.scalar() for _ in values]
    ballot_id = rng.octets(16).hex()
    cts = [encrypt(m, r, c.key) for m, r in zip(values, nonces, strict=True)]
    selections = tuple(bal.Selection(ct, prove_range(ct.alpha, ct.beta, c.key, 0, 1, m, r, c.vid, ballot_id, f"s{i}",
                                                     rng)) for i, (ct, m, r) in enumerate(zip(cts, values, nonces,
                                                                                              strict=True)))
    limits = []
    for j, limit in enumerate(FORM.limits):
        total = sum_ciphertexts(cts[i] for i in limit.of)
        value = min(sum(values[i] for i in limit.of), limit.max)
        limits.append(prove_range(total.alpha, total.beta, c.key, limit.min, limit.max, value,
                                  Scalar.of(sum(nonces[i].value for i in limit.of)), c.vid, ballot_id, f"l{j}", rng))
    honest = bal.encrypt_ballot(c, [0] * 8, Seeded("slots"), ["", ""]).ballot
    forged = bal.Ballot(ballot_id, c.vid, selections, tuple(limits), honest.write_ins)
    with pytest.raises(BallotRefused) as refused:
        bal.check_ballot(c, forged.to_json())
    assert (refused.value.finding, refused.value.where) == ("bad-limit-proof", "l3")


def _refused(doc: dict[str, Any]) -> str:
    with pytest.raises((BallotRefused, MalformedValue)) as refused:
        bal.check_ballot(ctx(), doc)
    return refused.value.finding


def test_a_bad_use_bit_proof_is_refused() -> None:
    doc = _json(cast()[0].to_json())
    proof = doc["selections"][6]["proof"][0]
    proof["s"] = Scalar.of(int.from_bytes(bytes.fromhex(proof["s"]), "little") + 1).hex()
    assert _refused(doc) == "bad-selection-proof"


def test_a_tampered_sealed_name_or_r_is_refused_at_cast() -> None:
    doc = _json(cast()[0].to_json())
    sealed = bytearray(base64.b64decode(doc["write_ins"][0]["sealed"]))
    sealed[3] ^= 0x40
    doc["write_ins"][0]["sealed"] = base64.b64encode(bytes(sealed)).decode()
    assert _refused(doc) == "bad-write-in-proof"
    doc = _json(cast()[0].to_json())
    doc["write_ins"][0]["r"], doc["write_ins"][1]["r"] = doc["write_ins"][1]["r"], doc["write_ins"][0]["r"]
    assert _refused(doc) == "bad-write-in-proof"
    other = _json(cast()[1].to_json())  # a slot copied from another ballot
    doc = _json(cast()[0].to_json())
    doc["write_ins"][0] = other["write_ins"][0]
    assert _refused(doc) == "bad-write-in-proof"


def test_a_ballot_with_another_number_of_slots_or_a_bad_slot_is_refused() -> None:
    doc = _json(cast()[0].to_json())
    doc["write_ins"] = doc["write_ins"][:1]
    assert _refused(doc) == "wrong-write-in-count"
    doc = _json(cast()[0].to_json())
    del doc["write_ins"]
    assert _refused(doc) == "malformed"
    doc = _json(cast()[0].to_json())
    doc["write_ins"][1]["sealed"] = doc["write_ins"][1]["sealed"][:-4]
    assert _refused(doc) == "malformed"
    doc = _json(cast()[0].to_json())
    doc["write_ins"][1]["extra"] = 1
    assert _refused(doc) == "malformed"


# The opening ---------------------------------------------------------------------------------------------


def _opening_refused(ballot: bal.Ballot, opening: dict[str, Any]) -> str:
    with pytest.raises((OpeningRefused, MalformedValue)) as refused:
        bal.check_opening(ctx(), ballot, opening)
    return refused.value.finding


def test_an_opening_that_does_not_give_the_slots_is_refused() -> None:
    c = ctx()
    made = bal.encrypt_ballot(c, CAST[0][0], Seeded("spoil"), CAST[0][1])
    good = made.opening.to_json()
    changed = _json(good)
    changed["write_ins"][0]["name"] = "钱七"
    assert _opening_refused(made.ballot, changed) == "write-in-mismatch"
    changed = _json(good)
    changed["write_ins"][1]["name"] = "钱七"
    assert _opening_refused(made.ballot, changed) == "write-in-breaks-use"
    changed = _json(good)
    changed["write_ins"][0]["name"] = ""
    assert _opening_refused(made.ballot, changed) == "write-in-breaks-use"
    changed = _json(good)
    changed["write_ins"][0]["name"] = "赵六\u0007"
    assert _opening_refused(made.ballot, changed) == "bad-write-in-name"
    changed = _json(good)
    changed["write_ins"] = changed["write_ins"][:1]
    assert _opening_refused(made.ballot, changed) == "wrong-write-in-count"
    changed = _json(good)
    changed["write_ins"][1]["rho"] = "00" * 32
    assert _opening_refused(made.ballot, changed) == "zero-scalar"
    changed = _json(good)
    del changed["write_ins"]
    assert _opening_refused(made.ballot, changed) == "malformed"
    changed = _json(good)
    changed["write_ins"][0]["rho"] = changed["write_ins"][1]["rho"]
    assert _opening_refused(made.ballot, changed) == "write-in-mismatch"


def test_an_opening_with_one_name_twice_is_refused() -> None:
    c = ctx()
    made = bal.encrypt_ballot(c, [0, 0, 0, 0, 0, 0, 1, 1], Seeded("twice"), ["赵六", "钱七"])
    changed = _json(made.opening.to_json())
    changed["write_ins"][1]["name"] = "赵六"
    assert _opening_refused(made.ballot, changed) == "bad-write-in-name"


def test_a_name_sealed_with_another_slot_s_associated_data_passes_the_cast_and_fails_the_opening() -> None:
    """A faulty tablet seals slot 0's name under slot 1's associated data and proves ρ honestly:
    nothing at cast can tell, the Benaloh opening does (``write-in-mismatch``)."""
    c = ctx()
    made = bal.encrypt_ballot(c, CAST[0][0], Seeded("ad"), CAST[0][1])
    rho = made.opening.write_ins[0][0]
    _, sealed = writeins.seal_name(c.vid, made.ballot.ballot, 1, rho, c.key, "赵六")
    faulty = _with_slot(made.ballot, 0, rho, sealed)
    checked = bal.check_ballot(c, faulty.to_json())
    opening = {**made.opening.to_json(), "tracker": checked.tracker}
    assert _opening_refused(checked, opening) == "write-in-mismatch"


# The two rounds ------------------------------------------------------------------------------------------


def _uses_partials(ballots: tuple[bal.Ballot, ...], quorum: tuple[int, ...] = (3, 1)) -> list[count.Partial]:
    k, vid = keys(), ctx().vid
    return [writein_count.check_uses_partial(vid, k.result.share_keys, ballots, writein_count.uses_partial(
        vid, j, k.shares[j], ballots, Seeded(f"uses{j}")).to_json()) for j in quorum]


def _names_partials(ballots: tuple[bal.Ballot, ...],
                    quorum: tuple[int, ...] = (2, 3)) -> list[writein_count.NamesPartial]:
    k, vid = keys(), ctx().vid
    return [writein_count.check_names_partial(vid, k.result.share_keys, ballots, writein_count.names_partial(
        vid, j, k.shares[j], ballots, Seeded(f"names{j}")).to_json()) for j in quorum]


def test_the_two_rounds_give_each_ballot_s_write_ins_and_nothing_of_its_marks() -> None:
    ballots, vid = cast(), ctx().vid
    uses = writein_count.combine_uses(ballots, _uses_partials(ballots), 2)
    assert uses == (1, 0, 2, 0)
    round2 = writein_count.with_write_ins(ballots, uses)
    assert [b.ballot for b in round2] == [ballots[0].ballot, ballots[2].ballot]
    names = writein_count.combine_names(vid, round2, [1, 2], _names_partials(round2), 2)
    assert names == (("赵六",), ("赵六", "Maria Li"))
    # the bases of every share: use sums, use bits, R — never a 赞成/反对 selection's α
    marks = {s.ciphertext.alpha for b in ballots for s in b.selections[:6]}
    bases = {t.alpha for t in writein_count.use_sums(ballots)}
    bases |= {b.use_bit(s).alpha for b in round2 for s in range(2)} | {w.r for b in round2 for w in b.write_ins}
    assert not bases & marks


def test_no_ballot_with_write_ins_gives_an_empty_second_round() -> None:
    ballots = (cast()[1], cast()[3])
    uses = writein_count.combine_uses(ballots, _uses_partials(ballots), 2)
    assert uses == (0, 0) and writein_count.with_write_ins(ballots, uses) == ()
    assert writein_count.combine_names(ctx().vid, (), [], _names_partials(()), 2) == ()
    assert writein_count.combine_uses((), _uses_partials(()), 2) == ()


def test_any_quorum_gives_the_same_names() -> None:
    ballots, vid = cast(), ctx().vid
    round2 = writein_count.with_write_ins(ballots, (1, 0, 2, 0))
    for quorum in ((1, 2), (3, 1), (2, 3)):
        assert writein_count.combine_uses(ballots, _uses_partials(ballots, quorum), 2) == (1, 0, 2, 0)
        assert writein_count.combine_names(vid, round2, [1, 2], _names_partials(round2, quorum), 2)[1] == \
            ("赵六", "Maria Li")


def _tampered(doc: dict[str, Any], path: list[Any]) -> dict[str, Any]:
    copy: dict[str, Any] = _json(doc)
    target = copy
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = (Point(bytes.fromhex(target[path[-1]])) + GENERATOR).hex()
    return copy


def test_a_bad_partial_of_either_round_is_refused_naming_the_trustee() -> None:
    ballots, vid, k = cast(), ctx().vid, keys()
    made = writein_count.uses_partial(vid, 2, k.shares[2], ballots, Seeded("bad")).to_json()
    with pytest.raises(CountFault) as refused:
        writein_count.check_uses_partial(vid, k.result.share_keys, ballots, _tampered(made, ["shares", 2, "d"]))
    assert (refused.value.finding, refused.value.trustee) == ("bad-partial", 2)
    with pytest.raises(CountFault) as refused:  # a share of another trustee
        writein_count.check_uses_partial(vid, k.result.share_keys, ballots, {**made, "trustee": 1})
    assert refused.value.finding == "bad-partial"
    with pytest.raises(CountFault, match="不在1到3之间"):
        writein_count.check_uses_partial(vid, k.result.share_keys, ballots, {**made, "trustee": 4})
    round2 = writein_count.with_write_ins(ballots, (1, 0, 2, 0))
    made = writein_count.names_partial(vid, 3, k.shares[3], round2, Seeded("bad")).to_json()
    for path in (["ballots", 1, "slots", 1, "use", "d"], ["ballots", 0, "slots", 0, "name", "d"]):
        with pytest.raises(CountFault) as refused:
            writein_count.check_names_partial(vid, k.result.share_keys, round2, _tampered(made, path))
        assert (refused.value.finding, refused.value.trustee) == ("bad-partial", 3)


def test_a_round_two_partial_for_other_ballots_is_refused() -> None:
    ballots, vid, k = cast(), ctx().vid, keys()
    round2 = writein_count.with_write_ins(ballots, (1, 0, 2, 0))
    made: dict[str, Any] = _json(writein_count.names_partial(vid, 1, k.shares[1], round2, Seeded("other")).to_json())
    for changed in ({**made, "ballots": made["ballots"][:1]},
                    {**made, "ballots": made["ballots"][::-1]}):
        with pytest.raises(CountFault) as refused:
            writein_count.check_names_partial(vid, k.result.share_keys, round2, changed)
        assert refused.value.finding == "wrong-ballots"
    partials = _names_partials(round2)
    with pytest.raises(CountFault, match="应解密的选票") as refused:
        writein_count.combine_names(vid, round2[:1], [1], partials, 2)
    assert refused.value.finding == "wrong-ballots"


def test_the_combination_refuses_a_wrong_quorum_and_shares_that_do_not_decrypt() -> None:
    ballots, vid = cast(), ctx().vid
    round2 = writein_count.with_write_ins(ballots, (1, 0, 2, 0))
    partials = _names_partials(round2)
    with pytest.raises(CountFault, match="2位不同"):
        writein_count.combine_names(vid, round2, [1, 2], partials[:1], 2)
    with pytest.raises(CountFault, match="2位不同"):
        writein_count.combine_names(vid, round2, [1, 2], [partials[0], partials[0]], 2)
    with pytest.raises(CountFault) as refused:  # the round-1 sums disagree with the bits
        writein_count.combine_names(vid, round2, [2, 2], partials, 2)
    assert refused.value.finding == "no-count"
    # an unchecked share: the use bit decrypts to neither 0 nor 1
    first = partials[0]
    slot = first.ballots[0].slots[0]
    bad_use = count.PartialShare(slot.use.d + GENERATOR, slot.use.proof)
    broken = writein_count.NamesPartial(first.trustee, (
        writein_count.BallotShares(first.ballots[0].ballot, (writein_count.SlotShares(bad_use, slot.name),
                                                             *first.ballots[0].slots[1:])),
        *first.ballots[1:]))
    with pytest.raises(CountFault) as refused:
        writein_count.combine_names(vid, round2, [1, 2], [broken, partials[1]], 2)
    assert refused.value.finding == "no-count"


def test_a_used_slot_whose_name_does_not_open_stops_the_count_naming_the_ballot() -> None:
    """The associated-data fault of the opening test, cast: round 2 recovers ρ·K, the box does not
    open under slot 0's data, and the count says ``bad-write-in`` for that ballot and slot."""
    c = ctx()
    made = bal.encrypt_ballot(c, CAST[0][0], Seeded("ad-cast"), CAST[0][1])
    rho = made.opening.write_ins[0][0]
    _, sealed = writeins.seal_name(c.vid, made.ballot.ballot, 1, rho, c.key, "赵六")
    faulty = (bal.check_ballot(c, _with_slot(made.ballot, 0, rho, sealed).to_json()),)
    assert writein_count.combine_uses(faulty, _uses_partials(faulty), 2) == (1,)
    with pytest.raises(CountFault, match=f"选票{made.ballot.ballot}第1个") as refused:
        writein_count.combine_names(c.vid, faulty, [1], _names_partials(faulty), 2)
    assert refused.value.finding == "bad-write-in"


def test_one_name_in_two_used_slots_stops_the_count() -> None:
    c = ctx()
    made = bal.encrypt_ballot(c, [0, 0, 0, 0, 0, 0, 1, 1], Seeded("dup"), ["赵六", "钱七"])
    rho = made.opening.write_ins[1][0]
    _, sealed = writeins.seal_name(c.vid, made.ballot.ballot, 1, rho, c.key, "赵六")
    faulty = (bal.check_ballot(c, _with_slot(made.ballot, 1, rho, sealed).to_json()),)
    with pytest.raises(CountFault) as refused:
        writein_count.combine_names(c.vid, faulty, [2], _names_partials(faulty), 2)
    assert refused.value.finding == "bad-write-in"


def test_the_shares_use_the_documented_statements() -> None:
    ballots, vid, k = cast(), ctx().vid, keys()
    use_sum = writein_count.use_sums(ballots)[2]
    assert use_sum == ballots[2].use_bit(0) + ballots[2].use_bit(1)
    share = writein_count.uses_partial(vid, 1, k.shares[1], ballots, Seeded("doc")).shares[2]
    x1 = k.result.share_keys[0]
    assert check_dleq(TAG_DECRYPT_USES, [vid, 1, ballots[2].ballot, use_sum.alpha.hex(), use_sum.beta.hex()],
                      use_sum.alpha, x1, share.d, share.proof)
    slot = writein_count.names_partial(vid, 1, k.shares[1], ballots[2:3], Seeded("doc")).ballots[0].slots[1]
    use = ballots[2].use_bit(1)
    assert check_dleq(TAG_DECRYPT_USE, [vid, 1, ballots[2].ballot, 1, use.alpha.hex(), use.beta.hex()],
                      use.alpha, x1, slot.use.d, slot.use.proof)
    assert check_dleq(TAG_DECRYPT_NAME, [vid, 1, ballots[2].ballot, 1, ballots[2].write_ins[1].r.hex()],
                      ballots[2].write_ins[1].r, x1, slot.name.d, slot.name.proof)
    assert isinstance(slot.name.proof, Proof)


NAMES = st.sampled_from(["赵六", "钱七", "Maria Li", "欧阳娜娜", "孙八"])


@st.composite
def ballots_of_form(draw: st.DrawFn) -> tuple[list[int], list[str]]:
    marks = [draw(st.sampled_from([(0, 0), (1, 0), (0, 1)])) for _ in range(3)]
    if sum(m[0] for m in marks) > 2:  # 3 赞成 for 2 places: the last becomes 反对
        marks[2] = (0, 1)
    yes = sum(m[0] for m in marks)
    written = draw(st.lists(NAMES, max_size=2 - yes, unique=True))
    values = [v for m in marks for v in m] + [1] * len(written) + [0] * (2 - len(written))
    return values, written + [""] * (2 - len(written))


@settings(max_examples=8, deadline=None)
@given(st.lists(ballots_of_form(), min_size=1, max_size=3))
def test_any_valid_ballots_count_back_to_their_marks_totals_and_names(cases: list[tuple[list[int],
                                                                                        list[str]]]) -> None:
    c, k = ctx(), keys()
    ballots = tuple(bal.check_ballot(c, bal.encrypt_ballot(c, v, Seeded(f"p{n}"), names).ballot.to_json())
                    for n, (v, names) in enumerate(cases))
    totals = count.aggregate(8, ballots)
    partials = [count.partial_decrypt(c.vid, j, k.shares[j], totals, Seeded("t")) for j in (1, 2)]
    assert list(count.combine(totals, partials, 2, len(ballots))) == [sum(col) for col in
                                                                      zip(*(v for v, _ in cases), strict=True)]
    uses = writein_count.combine_uses(ballots, _uses_partials(ballots), 2)
    assert list(uses) == [sum(v[6:]) for v, _ in cases]
    round2 = writein_count.with_write_ins(ballots, uses)
    names = writein_count.combine_names(c.vid, round2, [u for u in uses if u], _names_partials(round2), 2)
    assert list(names) == [tuple(n for n in written if n) for v, written in cases if sum(v[6:])]
