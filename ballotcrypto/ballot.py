"""An encrypted ballot: its vote's context, encryption with proofs, the checks, tracker, opening.

docs/ballot-crypto.md §3.

    context = {"suite": "renda-ballot-v1", "origin", "vote", "key": K, "form"}     vid = H256(context)
    ballot  = {"ballot": <32 hex>, "vid": vid,
               "selections": [{"alpha", "beta", "proof": [2 × {"c", "s"}]}, … N],
               "limits": [{"proof": [(max − min + 1) × {"c", "s"}]}, … one per form limit]}
    tracker = H256(ballot), shown as "3F9A-1C07-88D2-4B6E" (first 16 characters, upper case)
    opening = {"ballot", "tracker", "values": [m_i], "nonces": [r_i]}

Randomness is drawn in this order (so that a second implementation reproduces the vectors): the
ballot id (16 bytes), the nonces r_0 … r_{N−1}, then each selection's proof and each limit's proof
in order, each drawing as `proofs.prove_range` says.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from ballotcrypto import sodium, wire
from ballotcrypto.elgamal import Ciphertext, encrypt
from ballotcrypto.errors import BallotRefused, FormError, MalformedValue, OpeningRefused
from ballotcrypto.forms import Form, read_form
from ballotcrypto.group import Point, Scalar, base_mul, mul, multiple_of_g
from ballotcrypto.hashing import SUITE, h256
from ballotcrypto.proofs import Proof, check_range, prove_range, read_range_proof
from ballotcrypto.randomness import SYSTEM, Randomness

__all__ = [
    "Ballot",
    "Context",
    "EncryptedBallot",
    "Opening",
    "Selection",
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
class Ballot:
    """A ballot as cast or spoiled (its JSON is `to_json`)."""

    ballot: str
    vid: str
    selections: tuple[Selection, ...]
    limits: tuple[tuple[Proof, ...], ...]

    def to_json(self) -> dict[str, object]:
        return {"ballot": self.ballot, "vid": self.vid,
                "selections": [selection.to_json() for selection in self.selections],
                "limits": [{"proof": [branch.to_json() for branch in proof]} for proof in self.limits]}

    @property
    def tracker(self) -> str:
        """H256 of the ballot: 64 lowercase hex characters."""
        return h256(self.to_json())

    @property
    def ciphertexts(self) -> tuple[Ciphertext, ...]:
        return tuple(selection.ciphertext for selection in self.selections)


@dataclass(frozen=True, slots=True)
class Opening:
    """A spoiled ballot's values and nonces, published when a deputy challenges it."""

    ballot: str
    tracker: str
    values: tuple[int, ...]
    nonces: tuple[Scalar, ...]

    def to_json(self) -> dict[str, object]:
        return {"ballot": self.ballot, "tracker": self.tracker, "values": list(self.values),
                "nonces": [nonce.hex() for nonce in self.nonces]}


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


def encrypt_ballot(context: Context, values: Sequence[int], rng: Randomness = SYSTEM) -> EncryptedBallot:
    """Encrypt the 0/1 `values` (one per selection of the form) with every proof.

    Values that break the form are refused (FormError): no valid proof exists for them.
    """
    form, key = context.form, context.key
    if not form.satisfied_by(values):
        raise FormError("所选不符合本表决的格式（每项为0或1，且满足每个限制）")
    ballot_id = rng.octets(BALLOT_ID_CHARS // 2).hex()
    nonces = tuple(rng.scalar() for _ in values)
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
    ballot = Ballot(ballot_id, context.vid, selections, tuple(limits))
    return EncryptedBallot(ballot, Opening(ballot_id, ballot.tracker, tuple(values), nonces))


def read_ballot(value: object, form: Form, vid_of: str | None = None) -> Ballot:
    """The ballot's structure, strictly (MalformedValue); no proof is checked here.  Given
    `vid_of` (the vote's vid), a ballot for another vote is refused ``wrong-vid`` before its
    selections are counted, as `check_ballot` does."""
    obj = wire.members(value, ("ballot", "vid", "selections", "limits"), "ballot")
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
    return Ballot(ballot_id, vid, tuple(selections), limits)


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
    return ballot


def check_opening(context: Context, ballot: Ballot, value: object) -> Opening:
    """The opening `value` if it opens the spoiled `ballot` of this vote (§3.6), else OpeningRefused."""
    obj = wire.members(value, ("ballot", "tracker", "values", "nonces"), "opening")
    ballot_id = wire.hex_id(obj["ballot"], "opening.ballot", BALLOT_ID_CHARS)
    tracker = wire.hex_id(obj["tracker"], "opening.tracker", 64)
    raw_values = wire.array(obj["values"], "opening.values")
    raw_nonces = wire.array(obj["nonces"], "opening.nonces")
    values = tuple(wire.small_int(v, f"opening.values[{i}]") for i, v in enumerate(raw_values))
    nonces = tuple(wire.scalar(r, f"opening.nonces[{i}]", nonzero=True) for i, r in enumerate(raw_nonces))
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
    return Opening(ballot_id, tracker, values, nonces)
