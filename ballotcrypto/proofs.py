"""The three zero-knowledge proofs, each non-interactive by Fiat–Shamir over the whole statement.

Every proof is a list of challenge/response pairs ``{"c", "s"}`` (`Proof`); the prover's
randomness comes from a `Randomness`; the checks answer ``True``/``False``.

Schnorr, knowledge of x with P = x·G (docs/ballot-crypto.md §2.2, §2.4):

    prove   R = w·G;  c = Hs(tag, [*prefix, P, R]);  s = w + c·x
    check   R' = s·G − c·P ≠ O  and  c = Hs(tag, [*prefix, P, R'])

Chaum–Pedersen, equality of logs x = log_G X = log_A D (§5, partial decryption):

    prove   a = w·G, b = w·A;  c = Hs(tag, [*prefix, X, D, a, b]);  s = w + c·x
    check   a' = s·G − c·X,  b' = s·A − c·D,  c = Hs(tag, [*prefix, X, D, a', b'])

Disjunctive range proof, (α, β) encrypts one of m_j = lo + j, j = 0…hi−lo, under K (§3.3):

    A_j = s_j·G − c_j·α        B_j = s_j·K − c_j·(β − m_j·G)
    e = Hs("renda-ballot-v1/range", [vid, ballot, where, lo, hi, α, β, A_0, B_0, A_1, B_1, …])
    check   Σ_j c_j = e (mod ℓ)
    prove   (value lo + t, nonce r) for j ≠ t draw c_j then s_j; for j = t draw w and take
            A_t = w·G, B_t = w·K;  c_t = e − Σ_{j≠t} c_j,  s_t = w + c_t·r

The range check is the verifier's hot path: it works on encodings and integers, reuses the
table of m·G (`group.multiple_of_g`) and makes 2 base and 4 variable multiplications and 2 or 3
subtractions per branch (β − m·G is one subtraction, none for m = 0).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ballotcrypto import sodium, wire
from ballotcrypto.group import L, Point, Scalar, base_mul, mul, multiple_of_g
from ballotcrypto.hashing import TAG_RANGE, hs
from ballotcrypto.randomness import Randomness

__all__ = [
    "Proof",
    "check_dleq",
    "check_range",
    "check_schnorr",
    "prove_dleq",
    "prove_range",
    "prove_schnorr",
    "range_statement",
    "read_proof",
    "read_range_proof",
]

_sub = sodium.sub
_scalarmult = sodium.scalarmult
_scalarmult_base = sodium.scalarmult_base
_IDENTITY = sodium.IDENTITY_BYTES


@dataclass(frozen=True, slots=True)
class Proof:
    """A challenge and its response, ``{"c": …, "s": …}``."""

    c: Scalar
    s: Scalar

    def to_json(self) -> dict[str, str]:
        return {"c": self.c.hex(), "s": self.s.hex()}


def read_proof(value: object, field: str) -> Proof:
    """A `Proof` from its JSON object (both scalars below ℓ)."""
    obj = wire.members(value, ("c", "s"), field)
    return Proof(wire.scalar(obj["c"], f"{field}.c"), wire.scalar(obj["s"], f"{field}.s"))


def read_range_proof(value: object, field: str, branches: int) -> tuple[Proof, ...]:
    """A range proof: a JSON array of exactly `branches` proofs."""
    return tuple(read_proof(item, f"{field}[{j}]") for j, item in enumerate(wire.array(value, field, branches)))


# Schnorr --------------------------------------------------------------------------------------------

def prove_schnorr(tag: str, prefix: Sequence[str | int], secret: Scalar, public: Point, rng: Randomness) -> Proof:
    """A proof of knowledge of `secret` with ``public = secret·G``."""
    w = rng.scalar()
    commitment = base_mul(w.value)
    c = hs(tag, [*prefix, public.hex(), commitment.hex()])
    return Proof(c, w + c * secret)


def check_schnorr(tag: str, prefix: Sequence[str | int], public: Point, proof: Proof) -> bool:
    """True iff `proof` proves knowledge of log_G `public` for this statement."""
    commitment = _sub(base_mul(proof.s.value), mul(proof.c.value, public.encoding))
    if commitment == _IDENTITY:
        return False
    return hs(tag, [*prefix, public.hex(), commitment.hex()]) == proof.c


# Chaum–Pedersen -------------------------------------------------------------------------------------

def prove_dleq(tag: str, prefix: Sequence[str | int], secret: Scalar, base: Point, public: Point, image: Point,
               rng: Randomness) -> Proof:
    """A proof that ``public = secret·G`` and ``image = secret·base`` (same secret)."""
    w = rng.scalar()
    a = base_mul(w.value)
    b = mul(w.value, base.encoding)
    c = hs(tag, [*prefix, public.hex(), image.hex(), a.hex(), b.hex()])
    return Proof(c, w + c * secret)


def check_dleq(tag: str, prefix: Sequence[str | int], base: Point, public: Point, image: Point, proof: Proof) -> bool:
    """True iff `proof` shows log_G `public` = log_base `image` for this statement."""
    c, s = proof.c.value, proof.s.value
    a = _sub(base_mul(s), mul(c, public.encoding))
    b = _sub(mul(s, base.encoding), mul(c, image.encoding))
    return hs(tag, [*prefix, public.hex(), image.hex(), a.hex(), b.hex()]).value == c


# Range proof ----------------------------------------------------------------------------------------

def range_statement(vid: str, ballot: str, where: str, lo: int, hi: int, alpha: bytes, beta: bytes) -> list[str | int]:
    """The items hashed before the branches' commitments: [vid, ballot, where, lo, hi, α, β]."""
    return [vid, ballot, where, lo, hi, alpha.hex(), beta.hex()]


def _shifted(beta: bytes, m: int) -> bytes:
    """β − m·G."""
    return beta if m == 0 else _sub(beta, multiple_of_g(m))


def check_range(alpha: Point, beta: Point, key: Point, lo: int, hi: int, proof: Sequence[Proof],
                vid: str, ballot: str, where: str) -> bool:
    """True iff `proof` shows that (α, β) encrypts a value in [lo, hi] under `key`, for this statement.

    A proof with a number of branches other than hi − lo + 1 is false.
    """
    if not 0 <= lo <= hi or len(proof) != hi - lo + 1:
        return False
    a, b, k = alpha.encoding, beta.encoding, key.encoding
    items = range_statement(vid, ballot, where, lo, hi, a, b)
    total = 0
    m = lo
    for branch in proof:  # libsodium directly: a zero scalar or identity point gives the identity
        c, s = branch.c.value, branch.s.value
        total += c
        c_bytes, s_bytes = c.to_bytes(32, "little"), s.to_bytes(32, "little")
        items.append(_sub(_scalarmult_base(s_bytes), _scalarmult(c_bytes, a)).hex())
        items.append(_sub(_scalarmult(s_bytes, k), _scalarmult(c_bytes, _shifted(b, m))).hex())
        m += 1
    return total % L == hs(TAG_RANGE, items).value


def prove_range(alpha: Point, beta: Point, key: Point, lo: int, hi: int, value: int, nonce: Scalar,
                vid: str, ballot: str, where: str, rng: Randomness) -> tuple[Proof, ...]:
    """A range proof that (α, β) = (r·G, value·G + r·K) encrypts a value in [lo, hi].

    The caller guarantees that the ciphertext is that encryption; a value outside [lo, hi] is a
    bug of the caller (ValueError), never a proof.
    """
    if not 0 <= lo <= value <= hi:
        raise ValueError(f"cannot prove {value} in [{lo}, {hi}]")
    a, b, k = alpha.encoding, beta.encoding, key.encoding
    t = value - lo
    items = range_statement(vid, ballot, where, lo, hi, a, b)
    draws: list[tuple[int, int]] = []
    w = 0
    for j in range(hi - lo + 1):
        if j == t:
            w = rng.scalar().value
            draws.append((0, 0))
            items.append(base_mul(w).hex())
            items.append(mul(w, k).hex())
        else:
            c = rng.scalar().value
            s = rng.scalar().value
            draws.append((c, s))
            items.append(_sub(base_mul(s), mul(c, a)).hex())
            items.append(_sub(mul(s, k), mul(c, _shifted(b, lo + j))).hex())
    e = hs(TAG_RANGE, items).value
    c_t = (e - sum(c for c, _ in draws)) % L
    draws[t] = (c_t, (w + c_t * nonce.value) % L)
    return tuple(Proof(Scalar(c), Scalar(s)) for c, s in draws)
