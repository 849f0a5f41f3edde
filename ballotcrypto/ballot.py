"""An encrypted ballot: its vote's context, encryption with proofs, the checks, tracker, opening.

docs/ballot-crypto.md §3.

    context = {"suite": "renda-ballot-v1", "origin", "vote", "key": K, "form"}     vid = H256(context)
    ballot  = {"ballot": <32 hex>, "vid": vid,
               "selections": [{"alpha", "beta", "proof": [2 × {"c", "s"}]}, … N],
               "limits": [{"proof": [(max − min + 1) × {"c", "s"}]}, … one per form limit],
               "write_ins": [{"r": R, "sealed": base64, "c", "s"}, … W]}      (only when the form has W ≥ 1)
    tracker = H256(ballot), shown as "3F9A-1C07-88D2-4B6E" (first 16 characters, upper case)
    opening = {"ballot", "tracker", "values": [m_i], "nonces": [r_i], "write_ins"?: [{"rho", "name"}, … W]}

A write-in slot s (§6.1) is its use bit (selection N − W + s, in the seat limit), R = ρ·G, the
name sealed as `writeins.seal_name` says, and a Schnorr proof of ρ over
Hs("renda-ballot-v1/write-in", [vid, ballot, s, α_u, β_u, sealed, R, commitment]) that ties R and
the sealed bytes to this ballot and its use bit (a changed name or R is refused at cast).

Randomness is drawn in this order (so that a second implementation reproduces the vectors): the
ballot id (16 bytes), the nonces r_0 … r_{N−1}, the slots' ρ_0 … ρ_{W−1}, then each selection's
proof and each limit's proof in order, each drawing as `proofs.prove_range` says, then one w per
slot's proof of ρ.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from ballotcrypto import sodium, wire
from ballotcrypto.elgamal import Ciphertext, encrypt
from ballotcrypto.errors import BallotRefused, FormError, MalformedValue, OpeningRefused
from ballotcrypto.forms import Form, read_form
from ballotcrypto.group import Point, Scalar, base_mul, mul, multiple_of_g
from ballotcrypto.hashing import SUITE, TAG_WRITE_IN, h256
from ballotcrypto.proofs import (
    Proof,
    check_range,
    check_schnorr,
    prove_range,
    prove_schnorr,
    read_proof,
    read_range_proof,
)
from ballotcrypto.randomness import SYSTEM, Randomness
from ballotcrypto.writeins import name_fault, read_sealed, seal_name, sealed_text

__all__ = [
    "Ballot",
    "Context",
    "EncryptedBallot",
    "Opening",
    "Selection",
    "WriteIn",
    "check_ballot",
    "check_opening",
    "check_proofs",
    "display_code",
    "encrypt_ballot",
    "read_ballot",
    "read_context",
]

BALLOT_ID_CHARS = 32


@dataclass(frozen=True, slots=True)
class Context:
    """What every proof of a vote's ballots is bound to; `vid` is H256 of its JSON."""

    origin: str
    vote: str
    key: Point
    form: Form
    vid: str = field(init=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "vid", h256(self.to_json()))

    def to_json(self) -> dict[str, object]:
        return {"suite": SUITE, "origin": self.origin, "vote": self.vote, "key": self.key.hex(),
                "form": self.form.to_json()}


def read_context(value: object) -> Context:
    """A `Context` from its logged JSON (the key not the identity, the form checked)."""
    obj = wire.members(value, ("suite", "origin", "vote", "key", "form"), "context")
    if obj["suite"] != SUITE:
        raise MalformedValue("malformed", "context.suite", f"应为 {SUITE}")
    return Context(wire.text(obj["origin"], "context.origin"), wire.text(obj["vote"], "context.vote"),
                   wire.point(obj["key"], "context.key"), read_form(obj["form"], "context.form"))


@dataclass(frozen=True, slots=True)
class Selection:
    """One selection's ciphertext and its [0, 1] range proof."""

    ciphertext: Ciphertext
    proof: tuple[Proof, ...]

    def to_json(self) -> dict[str, object]:
        return {"alpha": self.ciphertext.alpha.hex(), "beta": self.ciphertext.beta.hex(),
                "proof": [branch.to_json() for branch in self.proof]}


@dataclass(frozen=True, slots=True)
class WriteIn:
    """A write-in slot's R = ρ·G, its sealed name (80 bytes) and the proof of ρ."""

    r: Point
    sealed: bytes
    proof: Proof

    def to_json(self) -> dict[str, str]:
        return {"r": self.r.hex(), "sealed": sealed_text(self.sealed), **self.proof.to_json()}


@dataclass(frozen=True, slots=True)
class Ballot:
    """A ballot as cast or spoiled (its JSON is `to_json`; ``write_ins`` only with slots)."""

    ballot: str
    vid: str
    selections: tuple[Selection, ...]
    limits: tuple[tuple[Proof, ...], ...]
    write_ins: tuple[WriteIn, ...] = ()

    def to_json(self) -> dict[str, object]:
        doc: dict[str, object] = {
            "ballot": self.ballot, "vid": self.vid,
            "selections": [selection.to_json() for selection in self.selections],
            "limits": [{"proof": [branch.to_json() for branch in proof]} for proof in self.limits]}
        if self.write_ins:
            doc["write_ins"] = [slot.to_json() for slot in self.write_ins]
        return doc

    def use_bit(self, slot: int) -> Ciphertext:
        """The ciphertext of write-in slot `slot`'s use bit (selection N − W + slot)."""
        return self.selections[len(self.selections) - len(self.write_ins) + slot].ciphertext

    @property
    def tracker(self) -> str:
        """H256 of the ballot: 64 lowercase hex characters."""
        return h256(self.to_json())

    @property
    def ciphertexts(self) -> tuple[Ciphertext, ...]:
        return tuple(selection.ciphertext for selection in self.selections)


@dataclass(frozen=True, slots=True)
class Opening:
    """A spoiled ballot's values and nonces, and each write-in slot's ρ and name ("" unused),
    published when a deputy challenges it."""

    ballot: str
    tracker: str
    values: tuple[int, ...]
    nonces: tuple[Scalar, ...]
    write_ins: tuple[tuple[Scalar, str], ...] = ()

    def to_json(self) -> dict[str, object]:
        doc: dict[str, object] = {"ballot": self.ballot, "tracker": self.tracker, "values": list(self.values),
                                  "nonces": [nonce.hex() for nonce in self.nonces]}
        if self.write_ins:
            doc["write_ins"] = [{"rho": rho.hex(), "name": name} for rho, name in self.write_ins]
        return doc


@dataclass(frozen=True, slots=True)
class EncryptedBallot:
    """What the tablet holds between encrypting and casting: the ballot and its opening."""

    ballot: Ballot
    opening: Opening


def display_code(tracker: str) -> str:
    """The tracking code shown to the deputy: "3F9A-1C07-88D2-4B6E"."""
    head = tracker[:16].upper()
    return "-".join(head[i:i + 4] for i in range(0, 16, 4))


def _limit_sum(ciphertexts: Sequence[Ciphertext], of: Sequence[int]) -> tuple[bytes, bytes]:
    alpha, beta = ciphertexts[of[0]].alpha.encoding, ciphertexts[of[0]].beta.encoding
    for i in of[1:]:
        alpha = sodium.add(alpha, ciphertexts[i].alpha.encoding)
        beta = sodium.add(beta, ciphertexts[i].beta.encoding)
    return alpha, beta


def _slot_prefix(vid: str, ballot_id: str, slot: int, use: Ciphertext, sealed: bytes) -> list[str | int]:
    return [vid, ballot_id, slot, use.alpha.hex(), use.beta.hex(), sealed_text(sealed)]


def _check_names(form: Form, values: Sequence[int], names: Sequence[str]) -> None:
    if len(names) != form.write_ins:
        raise FormError(f"本表决有{form.write_ins}个另选他人栏，给出了{len(names)}个")
    for slot, name in enumerate(names):
        if bool(name) != bool(values[form.first_use_bit + slot]):
            raise FormError(f"第{slot + 1}个另选他人栏：填了姓名才算使用，使用了才可填姓名")
        fault = name_fault(name) if name else None
        if fault is not None:
            raise FormError(f"第{slot + 1}个另选他人栏：{fault}")
    written = [name for name in names if name]
    if len(set(written)) != len(written):
        raise FormError("同一人不得重复另选")


def encrypt_ballot(context: Context, values: Sequence[int], rng: Randomness = SYSTEM,
                   names: Sequence[str] = ()) -> EncryptedBallot:
    """Encrypt the 0/1 `values` (one per selection of the form) with every proof.

    With write-in slots, `names` gives each slot's name ("" for a slot whose use bit is 0, a name
    for one whose bit is 1, no name twice). Values that break the form are refused (FormError): no
    valid proof exists for them; so are names that do not fit their slots.
    """
    form, key = context.form, context.key
    if not form.satisfied_by(values):
        raise FormError("所选不符合本表决的格式（每项为0或1，且满足每个限制）")
    _check_names(form, values, names)
    ballot_id = rng.octets(BALLOT_ID_CHARS // 2).hex()
    nonces = tuple(rng.scalar() for _ in values)
    rhos = tuple(rng.scalar() for _ in names)
    ciphertexts = [encrypt(value, nonce, key) for value, nonce in zip(values, nonces, strict=True)]
    selections = tuple(
        Selection(ct, prove_range(ct.alpha, ct.beta, key, 0, 1, value, nonce, context.vid, ballot_id, f"s{i}", rng))
        for i, (ct, value, nonce) in enumerate(zip(ciphertexts, values, nonces, strict=True)))
    limits: list[tuple[Proof, ...]] = []
    for j, limit in enumerate(form.limits):
        alpha, beta = _limit_sum(ciphertexts, limit.of)
        value = sum(values[i] for i in limit.of)
        nonce = Scalar.of(sum(nonces[i].value for i in limit.of))
        limits.append(prove_range(Point.trusted(alpha), Point.trusted(beta), key, limit.min, limit.max, value, nonce,
                                  context.vid, ballot_id, f"l{j}", rng))
    slots: list[WriteIn] = []
    for slot, (rho, name) in enumerate(zip(rhos, names, strict=True)):
        r, sealed = seal_name(context.vid, ballot_id, slot, rho, key, name)
        use = ciphertexts[form.first_use_bit + slot]
        proof = prove_schnorr(TAG_WRITE_IN, _slot_prefix(context.vid, ballot_id, slot, use, sealed), rho, r, rng)
        slots.append(WriteIn(r, sealed, proof))
    ballot = Ballot(ballot_id, context.vid, selections, tuple(limits), tuple(slots))
    return EncryptedBallot(ballot, Opening(ballot_id, ballot.tracker, tuple(values), nonces,
                                           tuple(zip(rhos, names, strict=True))))


def read_ballot(value: object, form: Form, vid_of: str | None = None) -> Ballot:
    """The ballot's structure, strictly (MalformedValue); no proof is checked here.  Given
    `vid_of` (the vote's vid), a ballot for another vote is refused ``wrong-vid`` before its
    selections are counted, as `check_ballot` does."""
    names = ("ballot", "vid", "selections", "limits", "write_ins") if form.write_ins else \
        ("ballot", "vid", "selections", "limits")
    obj = wire.members(value, names, "ballot")
    ballot_id = wire.hex_id(obj["ballot"], "ballot.ballot", BALLOT_ID_CHARS)
    vid = wire.hex_id(obj["vid"], "ballot.vid", 64)
    if vid_of is not None and vid != vid_of:
        raise BallotRefused("wrong-vid", "选票不属于本次表决（vid 不符）")
    raw_selections = wire.array(obj["selections"], "ballot.selections")
    raw_limits = wire.array(obj["limits"], "ballot.limits")
    if len(raw_selections) != form.selections:
        raise BallotRefused("wrong-selection-count", f"选票应有{form.selections}个选择项，实有{len(raw_selections)}个")
    if len(raw_limits) != len(form.limits):
        raise BallotRefused("wrong-limit-count", f"选票应有{len(form.limits)}个限制证明，实有{len(raw_limits)}个")
    selections: list[Selection] = []
    for i, item in enumerate(raw_selections):
        where = f"ballot.selections[{i}]"
        sel = wire.members(item, ("alpha", "beta", "proof"), where)
        ciphertext = Ciphertext(wire.point(sel["alpha"], f"{where}.alpha"), wire.point(sel["beta"], f"{where}.beta"))
        selections.append(Selection(ciphertext, read_range_proof(sel["proof"], f"{where}.proof", 2)))
    limits = tuple(
        read_range_proof(wire.members(item, ("proof",), f"ballot.limits[{j}]")["proof"], f"ballot.limits[{j}].proof",
                         limit.max - limit.min + 1)
        for j, (item, limit) in enumerate(zip(raw_limits, form.limits, strict=True)))
    return Ballot(ballot_id, vid, tuple(selections), limits, _read_write_ins(obj, form))


def _read_write_ins(obj: dict[str, object], form: Form) -> tuple[WriteIn, ...]:
    if not form.write_ins:
        return ()
    raw = wire.array(obj["write_ins"], "ballot.write_ins")
    if len(raw) != form.write_ins:
        raise BallotRefused("wrong-write-in-count", f"选票应有{form.write_ins}个另选他人栏，实有{len(raw)}个")
    slots: list[WriteIn] = []
    for s, item in enumerate(raw):
        where = f"ballot.write_ins[{s}]"
        slot = wire.members(item, ("r", "sealed", "c", "s"), where)
        slots.append(WriteIn(wire.point(slot["r"], f"{where}.r"), read_sealed(slot["sealed"], f"{where}.sealed"),
                             read_proof({"c": slot["c"], "s": slot["s"]}, where)))
    return tuple(slots)


def check_ballot(context: Context, value: object) -> Ballot:
    """The ballot `value` (parsed JSON) if it is well-formed for the vote of `context` (§3.4).

    Raises MalformedValue for a shape or encoding fault, BallotRefused for a wrong vid, a wrong
    number of selections or limits, or a proof that does not check (``where`` names it).
    """
    return check_proofs(context, read_ballot(value, context.form, context.vid))


def check_proofs(context: Context, ballot: Ballot) -> Ballot:
    """`ballot` (as `read_ballot` gave it) if its vid is the vote's and every proof checks: the
    second half of `check_ballot`, for a caller that has read the ballot already."""
    form = context.form
    if ballot.vid != context.vid:
        raise BallotRefused("wrong-vid", "选票不属于本次表决（vid 不符）")
    key = context.key
    for i, selection in enumerate(ballot.selections):
        ct = selection.ciphertext
        if not check_range(ct.alpha, ct.beta, key, 0, 1, selection.proof, ballot.vid, ballot.ballot, f"s{i}"):
            raise BallotRefused("bad-selection-proof", f"第{i + 1}个选择项的证明不成立", f"s{i}")
    ciphertexts = ballot.ciphertexts
    for j, (limit, proof) in enumerate(zip(form.limits, ballot.limits, strict=True)):
        alpha, beta = _limit_sum(ciphertexts, limit.of)
        if not check_range(Point.trusted(alpha), Point.trusted(beta), key, limit.min, limit.max, proof, ballot.vid,
                           ballot.ballot, f"l{j}"):
            raise BallotRefused("bad-limit-proof", f"第{j + 1}个限制的证明不成立", f"l{j}")
    for slot, write_in in enumerate(ballot.write_ins):
        prefix = _slot_prefix(ballot.vid, ballot.ballot, slot, ballot.use_bit(slot), write_in.sealed)
        if not check_schnorr(TAG_WRITE_IN, prefix, write_in.r, write_in.proof):
            raise BallotRefused("bad-write-in-proof", f"第{slot + 1}个另选他人栏的证明不成立", f"w{slot}")
    return ballot


def check_opening(context: Context, ballot: Ballot, value: object) -> Opening:
    """The opening `value` if it opens the spoiled `ballot` of this vote (§3.6), else OpeningRefused."""
    form = context.form
    names = ("ballot", "tracker", "values", "nonces", "write_ins") if form.write_ins else \
        ("ballot", "tracker", "values", "nonces")
    obj = wire.members(value, names, "opening")
    ballot_id = wire.hex_id(obj["ballot"], "opening.ballot", BALLOT_ID_CHARS)
    tracker = wire.hex_id(obj["tracker"], "opening.tracker", 64)
    raw_values = wire.array(obj["values"], "opening.values")
    raw_nonces = wire.array(obj["nonces"], "opening.nonces")
    values = tuple(wire.small_int(v, f"opening.values[{i}]") for i, v in enumerate(raw_values))
    nonces = tuple(wire.scalar(r, f"opening.nonces[{i}]", nonzero=True) for i, r in enumerate(raw_nonces))
    slots = _read_opened_slots(obj["write_ins"]) if form.write_ins else ()
    if ballot.vid != context.vid:
        raise OpeningRefused("wrong-vid", "被核验的选票不属于本次表决")
    if ballot_id != ballot.ballot:
        raise OpeningRefused("wrong-ballot-id", "公开的随机数不属于这张选票（选票编号不符）")
    if tracker != ballot.tracker:
        raise OpeningRefused("wrong-tracker", "公开的随机数不属于这张选票（核验码不符）")
    if not len(values) == len(nonces) == len(ballot.selections):
        raise OpeningRefused("wrong-value-count", "公开的值和随机数的个数与选择项数不符")
    if not context.form.satisfied_by(values):
        raise OpeningRefused("values-break-form", "公开的值不符合本表决的格式")
    key = context.key.encoding
    for i, (m, r, selection) in enumerate(zip(values, nonces, ballot.selections, strict=True)):
        ct = selection.ciphertext
        beta = mul(r.value, key)
        if m:
            beta = sodium.add(multiple_of_g(m), beta)
        if base_mul(r.value) != ct.alpha.encoding or beta != ct.beta.encoding:
            raise OpeningRefused("opening-mismatch", f"第{i + 1}个选择项的密文与公开的值和随机数不符")
    _check_opened_slots(context, ballot, values, slots)
    return Opening(ballot_id, tracker, values, nonces, slots)


def _read_opened_slots(value: object) -> tuple[tuple[Scalar, str], ...]:
    slots: list[tuple[Scalar, str]] = []
    for s, item in enumerate(wire.array(value, "opening.write_ins")):
        where = f"opening.write_ins[{s}]"
        slot = wire.members(item, ("rho", "name"), where)
        slots.append((wire.scalar(slot["rho"], f"{where}.rho", nonzero=True), wire.text(slot["name"], f"{where}.name")))
    return tuple(slots)


def _check_opened_slots(context: Context, ballot: Ballot, values: Sequence[int],
                        slots: Sequence[tuple[Scalar, str]]) -> None:
    """Each slot's ρ and name give its R and sealed bytes, and the name is there iff the use bit is 1."""
    form = context.form
    if len(slots) != len(ballot.write_ins):
        raise OpeningRefused("wrong-write-in-count", "公开的另选他人栏数与选票不符")
    written = [name for _, name in slots if name]
    if len(set(written)) != len(written):
        raise OpeningRefused("bad-write-in-name", "同一人在两个另选他人栏中重复")
    for s, ((rho, name), write_in) in enumerate(zip(slots, ballot.write_ins, strict=True)):
        fault = name_fault(name) if name else None
        if fault is not None:
            raise OpeningRefused("bad-write-in-name", f"第{s + 1}个另选他人栏：{fault}")
        if bool(name) != bool(values[form.first_use_bit + s]):
            raise OpeningRefused("write-in-breaks-use", f"第{s + 1}个另选他人栏的姓名与其是否使用不符")
        if seal_name(context.vid, ballot.ballot, s, rho, context.key, name) != (write_in.r, write_in.sealed):
            raise OpeningRefused("write-in-mismatch", f"第{s + 1}个另选他人栏的密文与公开的随机数和姓名不符")
