"""The count without decrypting a ballot: totals, partial decryptions, combination (§4, §5).

    total_i  = (A_i, B_i) = (Σ_ballots α_i, Σ_ballots β_i)        (O, O) with no ballot
    partial  D_{j,i} = x_j·A_i with a Chaum–Pedersen proof over
             Hs("renda-ballot-v1/decrypt", [vid, j, i, A_i, B_i, X_j, D_{j,i}, a, b])
    combine  λ_j = Π_{m ∈ Q, m ≠ j} m·(m − j)^{−1} (mod ℓ) over the k trustees Q, and the count
             of total i is the v ∈ [0, ballots] with  v·G = B_i − Σ_{j ∈ Q} λ_j·D_{j,i}

Q = {1, 3}: λ_1 = 3·(3 − 1)^{−1} = 3/2, λ_3 = 1·(1 − 3)^{−1} = −1/2, and λ_1·f(1) + λ_3·f(3) = f(0)
for every line f.  The discrete log is found by baby-step giant-step over a table of the first
`BABY_STEPS` multiples of G (one lookup when there are fewer ballots than that).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ballotcrypto import sodium, wire
from ballotcrypto.ballot import Ballot
from ballotcrypto.elgamal import Ciphertext, sum_ciphertexts
from ballotcrypto.errors import CountFault
from ballotcrypto.group import L, Point, Scalar, base_mul, mul, multiple_of_g
from ballotcrypto.hashing import TAG_DECRYPT
from ballotcrypto.proofs import Proof, check_dleq, prove_dleq
from ballotcrypto.randomness import SYSTEM, Randomness

__all__ = [
    "BABY_STEPS",
    "Partial",
    "PartialShare",
    "aggregate",
    "check_partial",
    "combine",
    "lagrange_at_zero",
    "partial_decrypt",
    "read_totals",
    "small_log",
    "totals_to_json",
]

BABY_STEPS = 1024


def aggregate(selections: int, ballots: Iterable[Ballot]) -> tuple[Ciphertext, ...]:
    """Per selection, the sum of the ciphertexts of every (checked, cast) ballot."""
    columns: list[list[Ciphertext]] = [[] for _ in range(selections)]
    for ballot in ballots:
        if len(ballot.selections) != selections:
            raise CountFault("wrong-total-count", f"选票{ballot.ballot}的选择项数与本表决不符")
        for column, selection in zip(columns, ballot.selections, strict=True):
            column.append(selection.ciphertext)
    return tuple(sum_ciphertexts(column) for column in columns)


def totals_to_json(totals: Sequence[Ciphertext]) -> list[dict[str, str]]:
    """``[{"alpha": A_i, "beta": B_i}, …]`` (the identity is the all-zero encoding)."""
    return [total.to_json() for total in totals]


def read_totals(value: object, selections: int) -> tuple[Ciphertext, ...]:
    """Totals from their JSON: one per selection, the identity allowed."""
    totals: list[Ciphertext] = []
    for i, item in enumerate(wire.array(value, "totals", selections)):
        obj = wire.members(item, ("alpha", "beta"), f"totals[{i}]")
        totals.append(Ciphertext(wire.point(obj["alpha"], f"totals[{i}].alpha", allow_identity=True),
                                 wire.point(obj["beta"], f"totals[{i}].beta", allow_identity=True)))
    return tuple(totals)


@dataclass(frozen=True, slots=True)
class PartialShare:
    """D_{j,i} with its proof."""

    d: Point
    proof: Proof

    def to_json(self) -> dict[str, str]:
        return {"d": self.d.hex(), **self.proof.to_json()}


@dataclass(frozen=True, slots=True)
class Partial:
    """Trustee j's partial decryption of every total."""

    trustee: int
    shares: tuple[PartialShare, ...]

    def to_json(self) -> dict[str, object]:
        return {"trustee": self.trustee, "shares": [share.to_json() for share in self.shares]}


def _prefix(vid: str, trustee: int, i: int, total: Ciphertext) -> list[str | int]:
    return [vid, trustee, i, total.alpha.hex(), total.beta.hex()]


def partial_decrypt(vid: str, trustee: int, secret: Scalar, totals: Sequence[Ciphertext],
                    rng: Randomness = SYSTEM) -> Partial:
    """Trustee `trustee`'s partial decryption of `totals` with its share x_j (one w drawn per total)."""
    public = Point.trusted(base_mul(secret.value))
    shares: list[PartialShare] = []
    for i, total in enumerate(totals):
        d = Point.trusted(mul(secret.value, total.alpha.encoding))
        proof = prove_dleq(TAG_DECRYPT, _prefix(vid, trustee, i, total), secret, total.alpha, public, d, rng)
        shares.append(PartialShare(d, proof))
    return Partial(trustee, tuple(shares))


def check_partial(vid: str, share_keys: Sequence[Point], totals: Sequence[Ciphertext], value: object) -> Partial:
    """A trustee's published partial if it has one share per total and every proof checks.

    `share_keys` are X_1 … X_n of the ceremony's result.  Raises CountFault("bad-partial") naming
    the trustee, or MalformedValue for its shape.
    """
    obj = wire.members(value, ("trustee", "shares"), "partial")
    trustee = wire.small_int(obj["trustee"], "partial.trustee")
    if not 1 <= trustee <= len(share_keys):
        raise CountFault("bad-partial", f"监票人序号{trustee}不在1到{len(share_keys)}之间", trustee)
    public = share_keys[trustee - 1]
    shares: list[PartialShare] = []
    for i, (item, total) in enumerate(zip(wire.array(obj["shares"], "partial.shares", len(totals)), totals,
                                          strict=True)):
        where = f"partial.shares[{i}]"
        raw = wire.members(item, ("d", "c", "s"), where)
        d = wire.point(raw["d"], f"{where}.d", allow_identity=True)
        proof = Proof(wire.scalar(raw["c"], f"{where}.c"), wire.scalar(raw["s"], f"{where}.s"))
        if not check_dleq(TAG_DECRYPT, _prefix(vid, trustee, i, total), total.alpha, public, d, proof):
            raise CountFault("bad-partial", f"第{trustee}位监票人对第{i + 1}项合计的部分解密证明不成立", trustee)
        shares.append(PartialShare(d, proof))
    return Partial(trustee, tuple(shares))


def lagrange_at_zero(trustees: Sequence[int]) -> dict[int, Scalar]:
    """λ_j for each j of `trustees` (distinct indices in [1, ℓ))."""
    coefficients: dict[int, Scalar] = {}
    for j in trustees:
        value = 1
        for m in trustees:
            if m != j:
                value = value * m * pow(m - j, -1, L) % L
        coefficients[j] = Scalar(value)
    return coefficients


_baby: dict[bytes, int] = {}
_baby_lock = threading.Lock()


def _baby_steps() -> dict[bytes, int]:
    if not _baby:
        with _baby_lock:
            table = {multiple_of_g(m): m for m in range(BABY_STEPS)}
            _baby.update(table)
    return _baby


def small_log(point: Point, bound: int) -> int | None:
    """The v ∈ [0, bound] with v·G = point, or None."""
    baby = _baby_steps()
    giant = multiple_of_g(BABY_STEPS)
    current = point.encoding
    for q in range(bound // BABY_STEPS + 1):
        m = baby.get(current)
        if m is not None and q * BABY_STEPS + m <= bound:
            return q * BABY_STEPS + m
        current = sodium.sub(current, giant)
    return None


def combine(totals: Sequence[Ciphertext], partials: Sequence[Partial], k: int, ballots: int) -> tuple[int, ...]:
    """The count of every total from the checked partials of exactly k distinct trustees.

    `ballots` is the number of cast ballots (each count lies in [0, ballots]).  Raises
    CountFault("wrong-quorum") for another number of partials or a repeated trustee,
    ("wrong-total-count") for a partial with another number of shares, ("no-count") when a total
    has no count in range (a bad partial slipped through).
    """
    trustees = [partial.trustee for partial in partials]
    if len(partials) != k or len(set(trustees)) != k:
        raise CountFault("wrong-quorum", f"应有{k}位不同监票人的部分解密")
    for partial in partials:
        if len(partial.shares) != len(totals):
            raise CountFault("wrong-total-count", f"第{partial.trustee}位监票人的部分解密项数与合计数不符",
                             partial.trustee)
    lambdas = lagrange_at_zero(trustees)
    counts: list[int] = []
    for i, total in enumerate(totals):
        masked = total.beta.encoding
        for partial in partials:
            masked = sodium.sub(masked, mul(lambdas[partial.trustee].value, partial.shares[i].d.encoding))
        count = small_log(Point.trusted(masked), ballots)
        if count is None:
            raise CountFault("no-count", f"第{i + 1}项合计解不出0到{ballots}之间的票数")
        counts.append(count)
    return tuple(counts)
