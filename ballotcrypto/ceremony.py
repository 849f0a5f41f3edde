"""The key ceremony: n 监票人 make the election key together, any k of them can decrypt (§2).

Feldman-verified Pedersen key generation.  Trustee i (1 ≤ i ≤ n) picks f_i(x) = Σ_t a_{i,t}·x^t
(k non-zero coefficients) and, in three rounds relayed by the server:

    1  publishes   commitment {"trustee": i, "box", "coefficients": [{"point": C_{i,t} = a_{i,t}·G,
                   "c", "s"}]}, each with a Schnorr proof, prefix [cid, i, t] ("…/coefficient")
    2  sends       s_{i,j} = f_i(j) to every other j, sealed to j's box key:
                   {"trustee": i, "to": j, "sealed": base64(crypto_box_seal(JCS({"cid", "from": i,
                   "to": j, "share"}), box_j))};  j checks s_{i,j}·G = Σ_t j^t·C_{i,t}
    3  confirms    x_j = Σ_i s_{i,j} with {"trustee": j, "share_key": X_j, "c", "s"} (Schnorr,
                   prefix [cid, j], "…/share-key"), X_j = Σ_i Σ_t j^t·C_{i,t}

and the election key is K = Σ_i C_{i,0}.  With n = 3, k = 2: f_1(x) = a_10 + a_11·x, trustee 2
gets f_1(2) = a_10 + 2·a_11 from trustee 1 and X_2 = Σ_i (C_{i,0} + 2·C_{i,1}).

Randomness a trustee draws in round 1, in order: the box key seed (32 bytes,
``crypto_box_seed_keypair``), a_{i,0} … a_{i,k−1}, then one w per coefficient proof; in round 3
one w.  Sealing draws libsodium's own randomness (sealed boxes differ on every run).

Trustee-side functions take a `TrusteeSecret`; public-side checks take the JSON a trustee
published and raise `CeremonyFault` naming the trustee at fault.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from ballotcrypto import sodium, wire
from ballotcrypto.errors import CeremonyFault, MalformedValue
from ballotcrypto.group import IDENTITY, L, Point, Scalar, base_mul, mul
from ballotcrypto.hashing import SUITE, TAG_COEFFICIENT, TAG_SHARE_KEY, h256, jcs
from ballotcrypto.proofs import Proof, check_schnorr, prove_schnorr
from ballotcrypto.randomness import SYSTEM, Randomness

__all__ = [
    "Ceremony",
    "CeremonyResult",
    "Coefficient",
    "Commitment",
    "Confirmation",
    "SealedShare",
    "TrusteeSecret",
    "check_commitment",
    "check_confirmation",
    "confirm",
    "election_key",
    "fingerprint",
    "open_share",
    "read_ceremony",
    "read_ceremony_result",
    "seal_shares",
    "share_key",
    "share_message",
    "start",
]


@dataclass(frozen=True, slots=True)
class Ceremony:
    """The ceremony statement (§2.1); `cid` is H256 of its JSON."""

    origin: str
    ceremony: str
    n: int
    k: int
    trustees: tuple[str, ...]
    cid: str = field(init=False, compare=False)

    def __post_init__(self) -> None:
        if self.n != len(self.trustees) or not 1 <= self.k <= self.n:
            raise CeremonyFault("bad-ceremony", "监票人人数与名单不符，或门限不在1到人数之间")
        object.__setattr__(self, "cid", h256(self.to_json()))

    def to_json(self) -> dict[str, object]:
        return {"suite": SUITE, "origin": self.origin, "ceremony": self.ceremony, "n": self.n, "k": self.k,
                "trustees": list(self.trustees)}


def read_ceremony(value: object) -> Ceremony:
    """A `Ceremony` from its logged JSON statement."""
    obj = wire.members(value, ("suite", "origin", "ceremony", "n", "k", "trustees"), "ceremony")
    if obj["suite"] != SUITE:
        raise MalformedValue("malformed", "ceremony.suite", f"应为 {SUITE}")
    trustees = tuple(wire.text(name, f"ceremony.trustees[{i}]")
                     for i, name in enumerate(wire.array(obj["trustees"], "ceremony.trustees")))
    return Ceremony(wire.text(obj["origin"], "ceremony.origin"), wire.text(obj["ceremony"], "ceremony.ceremony"),
                    wire.small_int(obj["n"], "ceremony.n"), wire.small_int(obj["k"], "ceremony.k"), trustees)


@dataclass(frozen=True, slots=True)
class Coefficient:
    """C_{i,t} with its Schnorr proof."""

    point: Point
    proof: Proof

    def to_json(self) -> dict[str, str]:
        return {"point": self.point.hex(), **self.proof.to_json()}


@dataclass(frozen=True, slots=True)
class Commitment:
    """Round 1: a trustee's transport key and coefficient commitments."""

    trustee: int
    box: bytes
    coefficients: tuple[Coefficient, ...]

    def to_json(self) -> dict[str, object]:
        return {"trustee": self.trustee, "box": self.box.hex(),
                "coefficients": [coefficient.to_json() for coefficient in self.coefficients]}


@dataclass(frozen=True, slots=True)
class TrusteeSecret:
    """What a trustee's device keeps through rounds 1–3 (never published, never logged)."""

    trustee: int
    box_public: bytes
    box_secret: bytes = field(repr=False)
    coefficients: tuple[Scalar, ...] = field(repr=False)

    def share_for(self, j: int) -> Scalar:
        """f_i(j) mod ℓ (Horner)."""
        value = 0
        for coefficient in reversed(self.coefficients):
            value = (value * j + coefficient.value) % L
        return Scalar(value)


@dataclass(frozen=True, slots=True)
class SealedShare:
    """Round 2: s_{i,j} sealed to trustee j's box key."""

    trustee: int
    to: int
    sealed: bytes

    def to_json(self) -> dict[str, object]:
        return {"trustee": self.trustee, "to": self.to, "sealed": base64.b64encode(self.sealed).decode("ascii")}


@dataclass(frozen=True, slots=True)
class Confirmation:
    """Round 3: X_j with a proof that trustee j holds x_j."""

    trustee: int
    share_key: Point
    proof: Proof

    def to_json(self) -> dict[str, object]:
        return {"trustee": self.trustee, "share_key": self.share_key.hex(), **self.proof.to_json()}


@dataclass(frozen=True, slots=True)
class CeremonyResult:
    """The logged result: the election key K and every trustee's share key X_j (index j − 1)."""

    cid: str
    key: Point
    share_keys: tuple[Point, ...]

    def to_json(self) -> dict[str, object]:
        return {"cid": self.cid, "key": self.key.hex(), "share_keys": [x.hex() for x in self.share_keys]}


def read_ceremony_result(value: object) -> CeremonyResult:
    """A `CeremonyResult` from its logged JSON (every point decodes, none the identity)."""
    obj = wire.members(value, ("cid", "key", "share_keys"), "result")
    share_keys = tuple(wire.point(x, f"result.share_keys[{j}]")
                       for j, x in enumerate(wire.array(obj["share_keys"], "result.share_keys")))
    return CeremonyResult(wire.hex_id(obj["cid"], "result.cid", 64), wire.point(obj["key"], "result.key"), share_keys)


def _trustee(ceremony: Ceremony, value: object, field: str) -> int:
    index = wire.small_int(value, field)
    if not 1 <= index <= ceremony.n:
        raise CeremonyFault("wrong-trustee", f"监票人序号{index}不在1到{ceremony.n}之间")
    return index


def _all(ceremony: Ceremony, items: Sequence[Commitment] | Sequence[Confirmation], what: str) -> None:
    if sorted(item.trustee for item in items) != list(range(1, ceremony.n + 1)):
        raise CeremonyFault("missing-trustee", f"应有每位监票人的{what}各一份")


# Round 1 --------------------------------------------------------------------------------------------

def start(ceremony: Ceremony, trustee: int, rng: Randomness = SYSTEM) -> tuple[TrusteeSecret, Commitment]:
    """Round 1 on trustee `trustee`'s device: the secret to keep and the commitment to publish."""
    _trustee(ceremony, trustee, "trustee")
    box_public, box_secret = sodium.box_seed_keypair(rng.octets(sodium.BOX_SEED_BYTES))
    coefficients = tuple(rng.scalar() for _ in range(ceremony.k))
    published = tuple(
        Coefficient(point, prove_schnorr(TAG_COEFFICIENT, [ceremony.cid, trustee, t], a, point, rng))
        for t, (a, point) in enumerate((a, Point.trusted(base_mul(a.value))) for a in coefficients))
    return (TrusteeSecret(trustee, box_public, box_secret, coefficients),
            Commitment(trustee, box_public, published))


def check_commitment(ceremony: Ceremony, value: object) -> Commitment:
    """A trustee's round-1 commitment if every point decodes and every proof checks."""
    obj = wire.members(value, ("trustee", "box", "coefficients"), "commitment")
    trustee = _trustee(ceremony, obj["trustee"], "commitment.trustee")
    box = bytes.fromhex(wire.hex_id(obj["box"], "commitment.box", 2 * sodium.BOX_PUBLIC_BYTES))
    coefficients: list[Coefficient] = []
    for t, item in enumerate(wire.array(obj["coefficients"], "commitment.coefficients", ceremony.k)):
        where = f"commitment.coefficients[{t}]"
        raw = wire.members(item, ("point", "c", "s"), where)
        point = wire.point(raw["point"], f"{where}.point")
        proof = Proof(wire.scalar(raw["c"], f"{where}.c"), wire.scalar(raw["s"], f"{where}.s"))
        if not check_schnorr(TAG_COEFFICIENT, [ceremony.cid, trustee, t], point, proof):
            raise CeremonyFault("bad-coefficient-proof", f"第{trustee}位监票人第{t}个系数承诺的证明不成立", trustee)
        coefficients.append(Coefficient(point, proof))
    return Commitment(trustee, box, tuple(coefficients))


# Round 2 --------------------------------------------------------------------------------------------

def share_message(ceremony: Ceremony, dealer: int, to: int, share: Scalar) -> bytes:
    """The bytes sealed for one share: JCS({"cid", "from", "to", "share"})."""
    return jcs({"cid": ceremony.cid, "from": dealer, "to": to, "share": share.hex()})


def seal_shares(ceremony: Ceremony, secret: TrusteeSecret,
                commitments: Sequence[Commitment]) -> tuple[SealedShare, ...]:
    """Round 2: f_i(j) sealed to every other trustee j's box key (commitments: every trustee's, checked)."""
    _all(ceremony, commitments, "承诺")
    return tuple(
        SealedShare(secret.trustee, c.trustee,
                    sodium.box_seal(share_message(ceremony, secret.trustee, c.trustee, secret.share_for(c.trustee)),
                                    c.box))
        for c in sorted(commitments, key=lambda c: c.trustee) if c.trustee != secret.trustee)


def _expected_share_point(commitment: Commitment, j: int) -> bytes:
    """Σ_t j^t·C_{i,t}."""
    total = commitment.coefficients[0].point.encoding
    power = 1
    for coefficient in commitment.coefficients[1:]:
        power = power * j % L
        total = sodium.add(total, mul(power, coefficient.point.encoding))
    return total


def open_share(ceremony: Ceremony, secret: TrusteeSecret, commitments: Sequence[Commitment], value: object) -> Scalar:
    """Round 2 on trustee j's device: open a sealed share addressed to j and check it.

    Raises CeremonyFault("bad-share", trustee=dealer) if it does not open, is not the canonical
    message for this ceremony, dealer and recipient, or does not match the dealer's commitments.
    """
    obj = wire.members(value, ("trustee", "to", "sealed"), "share")
    dealer = _trustee(ceremony, obj["trustee"], "share.trustee")
    if wire.small_int(obj["to"], "share.to") != secret.trustee or dealer == secret.trustee:
        raise CeremonyFault("wrong-trustee", "这份份额不是发给本监票人的", dealer)
    bad = CeremonyFault("bad-share", f"第{dealer}位监票人发来的份额无效，请重新进行密钥生成", dealer)
    try:
        sealed = base64.b64decode(wire.text(obj["sealed"], "share.sealed"), validate=True)
    except binascii.Error as exc:
        raise bad from exc
    message = sodium.box_seal_open(sealed, secret.box_public, secret.box_secret)
    if message is None:
        raise bad
    try:
        parsed = json.loads(message)
        share = wire.scalar(wire.members(parsed, ("cid", "from", "to", "share"), "share")["share"], "share.share")
    except (ValueError, RecursionError) as exc:  # not UTF-8, not JSON, wrong members, bad scalar
        raise bad from exc
    if share_message(ceremony, dealer, secret.trustee, share) != message:
        raise bad
    dealt = {c.trustee: c for c in commitments}
    if dealer not in dealt or base_mul(share.value) != _expected_share_point(dealt[dealer], secret.trustee):
        raise bad
    return share


# Round 3 --------------------------------------------------------------------------------------------

def share_key(ceremony: Ceremony, commitments: Sequence[Commitment], j: int) -> Point:
    """X_j = Σ_i Σ_t j^t·C_{i,t}, from every trustee's commitment."""
    _all(ceremony, commitments, "承诺")
    total = sodium.IDENTITY_BYTES
    for commitment in commitments:
        total = sodium.add(total, _expected_share_point(commitment, j))
    return Point.trusted(total)


def confirm(ceremony: Ceremony, secret: TrusteeSecret, commitments: Sequence[Commitment],
            received: Mapping[int, Scalar], rng: Randomness = SYSTEM) -> tuple[Scalar, Confirmation]:
    """Round 3 on trustee j's device: x_j from the opened shares of every other trustee, and the
    confirmation to publish.  `received` maps each other dealer to the share `open_share` gave."""
    j = secret.trustee
    if sorted([*received, j]) != list(range(1, ceremony.n + 1)):
        raise CeremonyFault("missing-trustee", "尚未收齐其他每位监票人的份额")
    x = Scalar.of(secret.share_for(j).value + sum(share.value for share in received.values()))
    public = share_key(ceremony, commitments, j)
    if base_mul(x.value) != public.encoding:
        raise CeremonyFault("wrong-share-key", "本监票人的份额之和与公开的承诺不符", j)
    return x, Confirmation(j, public, prove_schnorr(TAG_SHARE_KEY, [ceremony.cid, j], x, public, rng))


def check_confirmation(ceremony: Ceremony, commitments: Sequence[Commitment], value: object) -> Confirmation:
    """A trustee's round-3 confirmation if its share key is the one the commitments imply and its
    proof checks."""
    obj = wire.members(value, ("trustee", "share_key", "c", "s"), "confirmation")
    j = _trustee(ceremony, obj["trustee"], "confirmation.trustee")
    public = wire.point(obj["share_key"], "confirmation.share_key")
    proof = Proof(wire.scalar(obj["c"], "confirmation.c"), wire.scalar(obj["s"], "confirmation.s"))
    if public != share_key(ceremony, commitments, j):
        raise CeremonyFault("wrong-share-key", f"第{j}位监票人的份额公钥与公开的承诺不符", j)
    if not check_schnorr(TAG_SHARE_KEY, [ceremony.cid, j], public, proof):
        raise CeremonyFault("bad-confirmation-proof", f"第{j}位监票人的确认证明不成立", j)
    return Confirmation(j, public, proof)


def election_key(ceremony: Ceremony, commitments: Sequence[Commitment],
                 confirmations: Sequence[Confirmation]) -> CeremonyResult:
    """The ceremony's result once all n have confirmed: K = Σ_i C_{i,0} and X_1 … X_n."""
    _all(ceremony, commitments, "承诺")
    _all(ceremony, confirmations, "确认")
    by_trustee = {c.trustee: c for c in confirmations}
    share_keys = tuple(by_trustee[j].share_key for j in range(1, ceremony.n + 1))
    for j, public in enumerate(share_keys, start=1):
        if public != share_key(ceremony, commitments, j):
            raise CeremonyFault("wrong-share-key", f"第{j}位监票人的份额公钥与公开的承诺不符", j)
    key = IDENTITY
    for commitment in commitments:
        key = key + commitment.coefficients[0].point
    if key.is_identity:
        raise CeremonyFault("identity-key", "选举公钥为单位元，请重新进行密钥生成")
    return CeremonyResult(ceremony.cid, key, share_keys)



def fingerprint(key: Point) -> str:
    """How people compare an election key (§2.4): the first 16 hex digits of SHA-256 of its 32
    bytes, upper case, in groups of 4 (``1BAF-7182-421E-07B7``)."""
    digest = hashlib.sha256(key.encoding).hexdigest()[:16].upper()
    return "-".join(digest[i : i + 4] for i in range(0, 16, 4))
