"""``python -m ballotcrypto.vectors [--out FILE]``: the shared test vectors, from fixed randomness.

`build()` computes the whole document (pure, deterministic); `main` writes it, by default to
``tests/vectors/ballot_crypto.json`` of this repository.  The layout is docs/ballot-crypto.md §8.
Every actor draws from its own `Seeded` source, named in the vector with the draws it made.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from ballotcrypto import ballot as bal
from ballotcrypto import ceremony as cer
from ballotcrypto import count, forms, sodium, writein_count, writeins
from ballotcrypto.elgamal import encrypt, sum_ciphertexts
from ballotcrypto.errors import BallotCryptoError
from ballotcrypto.group import GENERATOR, IDENTITY, L, Scalar, decode_point, decode_scalar
from ballotcrypto.hashing import (
    SUITE,
    TAG_COEFFICIENT,
    TAG_DECRYPT,
    TAG_RANGE,
    TAG_SHARE_KEY,
    TAG_WRITE_IN,
    TAG_WRITE_IN_AD,
    TAG_WRITE_IN_KEY,
    hs,
    jcs,
)
from ballotcrypto.proofs import Proof, prove_range, prove_schnorr
from ballotcrypto.randomness import Seeded

__all__ = ["DEFAULT_OUT", "Recording", "build", "main"]

DEFAULT_OUT = Path(__file__).resolve().parents[1] / "tests" / "vectors" / "ballot_crypto.json"
ORIGIN = "renda.local/session-log"


class Recording:
    """A `Seeded` source that remembers its draws, in order, as they appear in the vectors."""

    def __init__(self, seed: str) -> None:
        self.seed = seed
        self.source = Seeded(seed)
        self.draws: list[dict[str, str]] = []

    def scalar(self) -> Scalar:
        value = self.source.scalar()
        self.draws.append({"scalar": value.hex()})
        return value

    def octets(self, size: int) -> bytes:
        value = self.source.octets(size)
        self.draws.append({"octets": value.hex()})
        return value

    def to_json(self) -> dict[str, object]:
        return {"seed": self.seed, "draws": list(self.draws)}


def _hs_vectors() -> list[dict[str, object]]:
    cases: list[tuple[str, list[str | int]]] = [
        (TAG_COEFFICIENT, []),
        (TAG_RANGE, ["ab", 0, "s0", 1]),
        (TAG_SHARE_KEY, ["监票人", 9007199254740991, "tab\there", "quote\"back\\slash", "\u00e9\u2028\U0001f5f3"]),
        (TAG_DECRYPT, [GENERATOR.hex(), IDENTITY.hex(), 3]),
    ]
    return [{"tag": tag, "items": list(items), "jcs": jcs([tag, *items]).decode("utf-8"),
             "scalar": hs(tag, items).hex()} for tag, items in cases]


def _ceremony() -> tuple[dict[str, object], cer.Ceremony, cer.CeremonyResult, dict[int, Scalar]]:
    ceremony = cer.Ceremony(ORIGIN, "ceremony-1", 3, 2, ("张三", "李四", "王五"))
    rngs = {i: Recording(f"ceremony/trustee-{i}") for i in (1, 2, 3)}
    started = {i: cer.start(ceremony, i, rngs[i]) for i in (1, 2, 3)}
    commitments = [started[i][1] for i in (1, 2, 3)]
    round1 = {i: list(rngs[i].draws) for i in (1, 2, 3)}
    secrets: dict[int, Scalar] = {}
    trustees: list[dict[str, object]] = []
    confirmations: list[cer.Confirmation] = []
    for j in (1, 2, 3):
        secret = started[j][0]
        received = {i: started[i][0].share_for(j) for i in (1, 2, 3) if i != j}
        before = len(rngs[j].draws)
        x, confirmation = cer.confirm(ceremony, secret, commitments, received, rngs[j])
        secrets[j] = x
        confirmations.append(confirmation)
        trustees.append({
            "trustee": j,
            "randomness": {"seed": rngs[j].seed, "round1": round1[j], "round3": rngs[j].draws[before:]},
            "coefficients": [a.hex() for a in secret.coefficients],
            "commitment": started[j][1].to_json(),
            "shares": [{"to": to, "share": secret.share_for(to).hex(),
                        "message": cer.share_message(ceremony, j, to, secret.share_for(to)).decode("utf-8")}
                       for to in (1, 2, 3) if to != j],
            "x": x.hex(),
            "confirmation": confirmation.to_json(),
        })
    result = cer.election_key(ceremony, commitments, confirmations)
    document: dict[str, object] = {"statement": ceremony.to_json(), "cid": ceremony.cid, "trustees": trustees,
                                   "result": result.to_json()}
    return document, ceremony, result, secrets


_FORMS: list[tuple[str, forms.Form, list[int]]] = [
    ("motion", forms.motion_form(), [0, 1, 0]),
    ("election", forms.election_form(3, 2), [1, 0, 0, 1, 1, 0]),
    ("satisfaction", forms.satisfaction_form(2), [0, 1, 0, 0, 0, 0]),
]


def _ballot_vector(name: str, context: bal.Context, values: Sequence[int], seed: str) -> tuple[dict[str, object],
                                                                                                 bal.EncryptedBallot]:
    rng = Recording(seed)
    encrypted = bal.encrypt_ballot(context, values, rng)
    return {"name": name, "context": context.to_json(), "vid": context.vid, "values": list(values),
            "randomness": rng.to_json(), "ballot": encrypted.ballot.to_json(), "tracker": encrypted.ballot.tracker,
            "display": bal.display_code(encrypted.ballot.tracker)}, encrypted


def _refusal(name: str, check: str, value: object, run: Callable[[], object], **extra: object) -> dict[str, object]:
    try:
        run()
    except BallotCryptoError as exc:
        return {"name": name, "check": check, **extra, "input": value, "finding": exc.finding}
    raise AssertionError(f"the refusal case {name} was accepted")


def _changed(ballot: dict[str, Any], path: Sequence[str | int], value: object) -> dict[str, Any]:
    copy: dict[str, Any] = json.loads(json.dumps(ballot))
    target: Any = copy
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    return copy


def _refusals(contexts: dict[str, bal.Context], ballots: dict[str, bal.EncryptedBallot], ceremony: cer.Ceremony,
              result: cer.CeremonyResult, totals: Sequence[Any], partial: dict[str, Any],
              vid: str) -> list[dict[str, object]]:
    motion, election = contexts["motion"], contexts["election"]
    motion_ballot: dict[str, Any] = ballots["motion"].ballot.to_json()
    s0 = motion_ballot["selections"][0]
    cases: list[dict[str, object]] = []

    def point_case(name: str, text: str) -> None:
        cases.append(_refusal(name, "point", text, lambda: decode_point(text)))

    def scalar_case(name: str, text: str) -> None:
        cases.append(_refusal(name, "scalar", text, lambda: decode_scalar(text)))

    point_case("identity-point", IDENTITY.hex())
    point_case("non-canonical-point", "ed" + "ff" * 30 + "7f")  # p itself, RFC 9496 A.2
    point_case("negative-field-element", "01" + "00" * 31)
    point_case("upper-case-hex", GENERATOR.hex().upper())
    point_case("short-point", GENERATOR.hex()[:62])
    scalar_case("scalar-equal-to-order", L.to_bytes(32, "little").hex())
    scalar_case("scalar-above-order", "ff" * 32)
    scalar_case("short-scalar", "00" * 31)

    def ballot_case(name: str, vote: str, value: dict[str, Any]) -> None:
        cases.append(_refusal(name, "ballot", value, lambda: bal.check_ballot(contexts[vote], value), context=vote))

    flipped = Scalar.of(decode_scalar(s0["proof"][0]["s"]).value + 1).hex()
    ballot_case("bad-selection-proof", "motion", _changed(motion_ballot, ["selections", 0, "proof", 0, "s"], flipped))
    ballot_case("wrong-vid", "motion", _changed(motion_ballot, ["vid"], election.vid))
    ballot_case("other-ballot-id", "motion", _changed(motion_ballot, ["ballot"], "0" * 32))
    ballot_case("identity-alpha", "motion", _changed(motion_ballot, ["selections", 0, "alpha"], IDENTITY.hex()))
    ballot_case("wrong-selection-count", "motion",
                _changed(motion_ballot, ["selections"], motion_ballot["selections"][:2]))
    ballot_case("scalar-out-of-range-in-proof", "motion",
                _changed(motion_ballot, ["selections", 0, "proof", 1, "c"], L.to_bytes(32, "little").hex()))
    # re-randomised: (α + r'·G, β + r'·K) still encrypts the same value, but the proofs hashed α, β
    shift = Scalar(7)
    alpha = decode_point(s0["alpha"]) + shift * GENERATOR
    beta = decode_point(s0["beta"]) + shift * motion.key
    rerandomised = _changed(_changed(motion_ballot, ["selections", 0, "alpha"], alpha.hex()),
                            ["selections", 0, "beta"], beta.hex())
    ballot_case("re-randomised-ciphertext", "motion", rerandomised)
    ballot_case("over-limit", "motion", _over_limit(motion))

    opening = ballots["motion"].opening.to_json()
    spoiled = ballots["motion"].ballot

    def opening_case(name: str, value: dict[str, Any]) -> None:
        cases.append(_refusal(name, "opening", value, lambda: bal.check_opening(motion, spoiled, value),
                              context="motion"))

    opening_case("opening-wrong-value", _changed(opening, ["values"], [1, 0, 0]))
    opening_case("opening-zero-nonce", _changed(opening, ["nonces", 0], "00" * 32))
    opening_case("opening-wrong-tracker", _changed(opening, ["tracker"], "0" * 64))

    commitment = cer.start(ceremony, 1, Seeded("ceremony/trustee-1"))[1].to_json()
    tampered = _changed(commitment, ["coefficients", 1, "point"], (GENERATOR + GENERATOR).hex())
    cases.append(_refusal("tampered-commitment", "commitment", tampered,
                          lambda: cer.check_commitment(ceremony, tampered)))
    bad = _changed(partial, ["shares", 0, "d"], (decode_point(partial["shares"][0]["d"], allow_identity=True)
                                                 + GENERATOR).hex())
    cases.append(_refusal("bad-partial", "partial", bad,
                          lambda: count.check_partial(vid, result.share_keys, totals, bad)))
    return cases


def _over_limit(context: bal.Context) -> dict[str, Any]:
    """A motion ballot marking 赞成 and 反对: valid 0/1 proofs, and a limit proof forged as if the
    sum (2) were 1 — the prover's equations hold for branch 1 only if β − 1·G = r·K, which is false."""
    rng = Seeded("refusal/over-limit")
    values, nonces = [1, 1, 0], [rng.scalar() for _ in range(3)]
    ballot_id = rng.octets(16).hex()
    cts = [encrypt(m, r, context.key) for m, r in zip(values, nonces, strict=True)]
    selections = [bal.Selection(ct, prove_range(ct.alpha, ct.beta, context.key, 0, 1, m, r, context.vid, ballot_id,
                                                f"s{i}", rng))
                  for i, (ct, m, r) in enumerate(zip(cts, values, nonces, strict=True))]
    total = sum_ciphertexts(cts)
    forged: tuple[Proof, ...] = prove_range(total.alpha, total.beta, context.key, 1, 1, 1,
                                            Scalar.of(sum(r.value for r in nonces)), context.vid, ballot_id, "l0", rng)
    return bal.Ballot(ballot_id, context.vid, tuple(selections), (forged,)).to_json()


def build() -> dict[str, object]:
    """The whole vector document."""
    ceremony_doc, ceremony, result, secrets = _ceremony()
    contexts = {name: bal.Context(ORIGIN, f"v-{name}", result.key, form) for name, form, _ in _FORMS}
    ballot_docs: list[dict[str, object]] = []
    encrypted: dict[str, bal.EncryptedBallot] = {}
    for name, _, values in _FORMS:
        doc, encrypted[name] = _ballot_vector(name, contexts[name], values, f"ballot/{name}")
        ballot_docs.append(doc)

    election = contexts["election"]
    cast_values = [[1, 0, 0, 1, 1, 0], [0, 1, 1, 0, 0, 0], [1, 0, 1, 0, 0, 1], [0, 0, 0, 0, 1, 0]]
    cast: list[dict[str, object]] = []
    cast_ballots: list[bal.Ballot] = []
    for n, values in enumerate(cast_values):
        doc, made = _ballot_vector(f"cast-{n}", election, values, f"count/ballot-{n}")
        cast.append(doc)
        cast_ballots.append(made.ballot)
    totals = count.aggregate(election.form.selections, cast_ballots)
    quorum = (3, 1)
    partial_rngs = {j: Recording(f"count/partial-{j}") for j in quorum}
    partials = [count.partial_decrypt(election.vid, j, secrets[j], totals, partial_rngs[j]) for j in quorum]
    counts = count.combine(totals, partials, ceremony.k, len(cast_ballots))
    count_doc = {
        "context": election.to_json(), "vid": election.vid, "ballots": cast,
        "totals": count.totals_to_json(totals),
        "partials": [{"randomness": partial_rngs[p.trustee].to_json(), "partial": p.to_json()} for p in partials],
        "quorum": list(quorum),
        "lagrange": {str(j): v.hex() for j, v in count.lagrange_at_zero(list(quorum)).items()},
        "counts": list(counts),
    }
    return {
        "suite": SUITE,
        "libsodium": "1.0.18 or later",
        "layout": "docs/ballot-crypto.md §8",
        "hs": _hs_vectors(),
        "h256": [{"value": ceremony.to_json(), "hash": ceremony.cid}],
        "seeded": _seeded_example(),
        "ceremony": ceremony_doc,
        "ballots": ballot_docs,
        "opening": {"ballot": "motion", "opening": encrypted["motion"].opening.to_json()},
        "count": count_doc,
        "refusals": _refusals(contexts, encrypted, ceremony, result, totals, partials[0].to_json(), election.vid),
        "write_ins": _write_ins(result, secrets, ceremony.k),
    }


# 3 candidates, 2 places, 2 write-in slots: 赞成/反对 pairs, then the use bits (§6.1).
_WRITE_IN_CAST: list[tuple[list[int], list[str]]] = [
    ([1, 0, 0, 1, 0, 0, 1, 0], ["赵六", ""]),
    ([1, 0, 1, 0, 0, 0, 0, 0], ["", ""]),
    ([0, 1, 0, 1, 0, 1, 1, 1], ["赵六", "Maria Li"]),
    ([0, 0, 0, 0, 0, 0, 0, 0], ["", ""]),
]


def _written_ballot(name: str, context: bal.Context, values: Sequence[int], names: Sequence[str],
                    seed: str) -> tuple[dict[str, object], bal.EncryptedBallot]:
    rng = Recording(seed)
    made = bal.encrypt_ballot(context, values, rng, names)
    return {"name": name, "values": list(values), "names": list(names), "randomness": rng.to_json(),
            "ballot": made.ballot.to_json(), "tracker": made.ballot.tracker,
            "display": bal.display_code(made.ballot.tracker)}, made


def _seal_example(context: bal.Context, made: bal.EncryptedBallot) -> dict[str, object]:
    """Slot 0 of the spoiled ballot, every intermediate value of its sealed name (§6.1)."""
    rho, name = made.opening.write_ins[0]
    ballot = made.ballot
    r, shared = ballot.write_ins[0].r, writeins.shared_point(rho, context.key)
    key_input = jcs([TAG_WRITE_IN_KEY, context.vid, ballot.ballot, 0, r.hex(), shared.hex()])
    digest = hashlib.sha512(key_input).digest()
    return {"vid": context.vid, "ballot": ballot.ballot, "slot": 0, "rho": rho.hex(), "key": context.key.hex(),
            "r": r.hex(), "shared": shared.hex(), "name": name,
            "padded": (name.encode("utf-8") + bytes(writeins.NAME_BYTES - len(name.encode("utf-8")))).hex(),
            "key_input": key_input.decode("utf-8"), "aead_key": digest[:32].hex(), "nonce": digest[32:56].hex(),
            "ad": writeins.associated_data(context.vid, ballot.ballot, 0, r).decode("utf-8"),
            "sealed": writeins.sealed_text(ballot.write_ins[0].sealed),
            "tags": [TAG_WRITE_IN_KEY, TAG_WRITE_IN_AD, TAG_WRITE_IN]}


def _faulty_slot(context: bal.Context, made: bal.EncryptedBallot, slot: int, sealed_as: int,
                 name: str) -> bal.Ballot:
    """`made` with slot `slot`'s name sealed under slot `sealed_as`'s key and data and ρ proved
    honestly: what a faulty tablet could make, refused only by its opening or at the count."""
    ballot, rho = made.ballot, made.opening.write_ins[slot][0]
    _, sealed = writeins.seal_name(context.vid, ballot.ballot, sealed_as, rho, context.key, name)
    use = ballot.use_bit(slot)
    prefix: list[str | int] = [context.vid, ballot.ballot, slot, use.alpha.hex(), use.beta.hex(),
                               writeins.sealed_text(sealed)]
    proof = prove_schnorr(TAG_WRITE_IN, prefix, rho, ballot.write_ins[slot].r, Seeded("refusal/faulty-slot"))
    slots = list(ballot.write_ins)
    slots[slot] = bal.WriteIn(ballot.write_ins[slot].r, sealed, proof)
    return bal.Ballot(ballot.ballot, ballot.vid, ballot.selections, ballot.limits, tuple(slots))


def _write_in_over_limit(context: bal.Context) -> dict[str, Any]:
    """2 赞成 and 1 write-in for 2 places (the statute's void ballot): honest 0/1 proofs, the seat
    limit's proof forged as if the sum (3) were 2, honest slots."""
    rng = Seeded("refusal/write-in-over-limit")
    values = [1, 0, 1, 0, 0, 0, 1, 0]
    ballot_id = rng.octets(16).hex()
    nonces = [rng.scalar() for _ in values]
    cts = [encrypt(m, r, context.key) for m, r in zip(values, nonces, strict=True)]
    selections = tuple(bal.Selection(ct, prove_range(ct.alpha, ct.beta, context.key, 0, 1, m, r, context.vid,
                                                     ballot_id, f"s{i}", rng))
                       for i, (ct, m, r) in enumerate(zip(cts, values, nonces, strict=True)))
    limits: list[tuple[Proof, ...]] = []
    for j, limit in enumerate(context.form.limits):
        total = sum_ciphertexts(cts[i] for i in limit.of)
        limits.append(prove_range(total.alpha, total.beta, context.key, limit.min, limit.max,
                                  min(sum(values[i] for i in limit.of), limit.max),
                                  Scalar.of(sum(nonces[i].value for i in limit.of)), context.vid, ballot_id, f"l{j}",
                                  rng))
    rhos = [rng.scalar() for _ in range(context.form.write_ins)]
    slots = []
    for slot, (rho, name) in enumerate(zip(rhos, ["赵六", ""], strict=True)):
        r, sealed = writeins.seal_name(context.vid, ballot_id, slot, rho, context.key, name)
        use = cts[context.form.first_use_bit + slot]
        prefix: list[str | int] = [context.vid, ballot_id, slot, use.alpha.hex(), use.beta.hex(),
                                   writeins.sealed_text(sealed)]
        slots.append(bal.WriteIn(r, sealed, prove_schnorr(TAG_WRITE_IN, prefix, rho, r, rng)))
    return bal.Ballot(ballot_id, context.vid, selections, tuple(limits), tuple(slots)).to_json()


def _write_in_refusals(context: bal.Context, cast: Sequence[bal.Ballot], spoiled: bal.EncryptedBallot,
                       round2: Sequence[bal.Ballot], share_keys: Sequence[Any], uses_partial: dict[str, Any],
                       names_partial: dict[str, Any]) -> list[dict[str, object]]:
    cases: list[dict[str, object]] = []
    ballot: dict[str, Any] = json.loads(json.dumps(cast[0].to_json()))

    def ballot_case(name: str, value: dict[str, Any]) -> None:
        cases.append(_refusal(name, "ballot", value, lambda: bal.check_ballot(context, value)))

    ballot_case("write-in-over-limit", _write_in_over_limit(context))
    use_proof = ballot["selections"][6]["proof"][0]
    flipped = Scalar.of(decode_scalar(use_proof["s"]).value + 1).hex()
    ballot_case("bad-use-bit-proof", _changed(ballot, ["selections", 6, "proof", 0, "s"], flipped))
    sealed = bytearray(writeins.read_sealed(ballot["write_ins"][0]["sealed"], "sealed"))
    sealed[0] ^= 1
    ballot_case("tampered-sealed-name",
                _changed(ballot, ["write_ins", 0, "sealed"], writeins.sealed_text(bytes(sealed))))
    ballot_case("swapped-r", _changed(ballot, ["write_ins", 0, "r"], ballot["write_ins"][1]["r"]))
    ballot_case("wrong-write-in-count", _changed(ballot, ["write_ins"], ballot["write_ins"][:1]))

    faulty = _faulty_slot(context, spoiled, 0, 1, spoiled.opening.write_ins[0][1])
    opening = {**spoiled.opening.to_json(), "tracker": faulty.tracker}
    cases.append(_refusal("wrong-associated-data", "opening", opening,
                          lambda: bal.check_opening(context, faulty, opening), spoiled=faulty.to_json()))
    honest: dict[str, Any] = json.loads(json.dumps(spoiled.opening.to_json()))

    def opening_case(name: str, value: dict[str, Any]) -> None:
        cases.append(_refusal(name, "opening", value, lambda: bal.check_opening(context, spoiled.ballot, value),
                              spoiled=spoiled.ballot.to_json()))

    opening_case("opening-name-twice", _changed(honest, ["write_ins", 1, "name"], "钱七"))
    opening_case("opening-name-without-use", _changed(honest, ["write_ins", 1, "name"], "孙八"))
    opening_case("opening-other-name", _changed(honest, ["write_ins", 0, "name"], "孙八"))

    bad = _changed(uses_partial, ["shares", 2, "d"],
                   (decode_point(uses_partial["shares"][2]["d"], allow_identity=True) + GENERATOR).hex())
    cases.append(_refusal("bad-uses-partial", "uses-partial", bad,
                          lambda: writein_count.check_uses_partial(context.vid, share_keys, cast, bad)))
    bad_name = _changed(names_partial, ["ballots", 1, "slots", 1, "name", "d"],
                        (decode_point(names_partial["ballots"][1]["slots"][1]["name"]["d"]) + GENERATOR).hex())
    cases.append(_refusal("bad-names-partial", "names-partial", bad_name,
                          lambda: writein_count.check_names_partial(context.vid, share_keys, round2, bad_name)))
    other = _changed(names_partial, ["ballots"], names_partial["ballots"][::-1])
    cases.append(_refusal("names-partial-for-other-ballots", "names-partial", other,
                          lambda: writein_count.check_names_partial(context.vid, share_keys, round2, other)))
    return cases


def _write_ins(result: cer.CeremonyResult, secrets: dict[int, Scalar], k: int) -> dict[str, object]:
    context = bal.Context(ORIGIN, "v-election-write-ins", result.key, forms.election_form(3, 2, 2))
    docs: list[dict[str, object]] = []
    cast: list[bal.Ballot] = []
    for n, (values, names) in enumerate(_WRITE_IN_CAST):
        doc, made = _written_ballot(f"cast-{n}", context, values, names, f"write-ins/ballot-{n}")
        docs.append(doc)
        cast.append(made.ballot)
    spoiled_doc, spoiled = _written_ballot("spoiled", context, [0, 1, 0, 0, 1, 0, 1, 0], ["钱七", ""],
                                           "write-ins/spoiled")
    totals = count.aggregate(context.form.selections, cast)
    quorum = (3, 1)
    total_rngs = {j: Recording(f"write-ins/partial-{j}") for j in quorum}
    partials = [count.partial_decrypt(context.vid, j, secrets[j], totals, total_rngs[j]) for j in quorum]
    counts = count.combine(totals, partials, k, len(cast))
    uses_rngs = {j: Recording(f"write-ins/uses-{j}") for j in quorum}
    uses_partials = [writein_count.uses_partial(context.vid, j, secrets[j], cast, uses_rngs[j]) for j in quorum]
    uses = writein_count.combine_uses(cast, uses_partials, k)
    round2 = writein_count.with_write_ins(cast, uses)
    names_quorum = (2, 3)
    names_rngs = {j: Recording(f"write-ins/names-{j}") for j in names_quorum}
    names_partials = [writein_count.names_partial(context.vid, j, secrets[j], round2, names_rngs[j])
                      for j in names_quorum]
    written = writein_count.combine_names(context.vid, round2, [u for u in uses if u], names_partials, k)
    return {
        "context": context.to_json(), "vid": context.vid, "ballots": docs, "spoiled": spoiled_doc,
        "opening": spoiled.opening.to_json(), "seal": _seal_example(context, spoiled),
        "totals": count.totals_to_json(totals),
        "partials": [{"randomness": total_rngs[p.trustee].to_json(), "partial": p.to_json()} for p in partials],
        "quorum": list(quorum), "counts": list(counts),
        "uses": {"sums": count.totals_to_json(writein_count.use_sums(cast)),
                 "partials": [{"randomness": uses_rngs[p.trustee].to_json(), "partial": p.to_json()}
                              for p in uses_partials],
                 "quorum": list(quorum), "uses": list(uses)},
        "names": {"ballots": [b.ballot for b in round2],
                  "partials": [{"randomness": names_rngs[p.trustee].to_json(), "partial": p.to_json()}
                               for p in names_partials],
                  "quorum": list(names_quorum),
                  "lagrange": {str(j): v.hex() for j, v in count.lagrange_at_zero(list(names_quorum)).items()},
                  "names": [list(n) for n in written]},
        "refusals": _write_in_refusals(context, cast, spoiled, round2, result.share_keys,
                                       uses_partials[0].to_json(), names_partials[0].to_json()),
    }


def _seeded_example() -> dict[str, object]:
    rng = Recording("example")
    rng.scalar()
    rng.octets(16)
    rng.scalar()
    return rng.to_json()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ballotcrypto.vectors", description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="file to write (default: %(default)s)")
    args = parser.parse_args(argv)
    text = json.dumps(build(), ensure_ascii=False, indent=1) + "\n"
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    print(f"wrote {args.out} ({len(text.encode('utf-8'))} bytes, libsodium {sodium.version()})", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
