"""Exponential ElGamal on ristretto255 (docs/ballot-crypto.md §3.2).

    α = r·G        β = m·G + r·K          (m·G is the identity when m = 0)

Sums of ciphertexts encrypt sums of values: ``(α₁+α₂, β₁+β₂)`` encrypts ``m₁+m₂`` with ``r₁+r₂``.
Decryption with the whole key (``β − x·α = m·G``) is never used by the system, where the key is
shared among the 监票人 (count.py); `decrypt_point` exists for tests of the arithmetic.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ballotcrypto import sodium
from ballotcrypto.group import IDENTITY, Point, Scalar, base_mul, mul, multiple_of_g

__all__ = ["ZERO", "Ciphertext", "decrypt_point", "encrypt", "sum_ciphertexts"]


@dataclass(frozen=True, slots=True)
class Ciphertext:
    """An ElGamal ciphertext (α, β)."""

    alpha: Point
    beta: Point

    def __add__(self, other: Ciphertext) -> Ciphertext:
        return Ciphertext(self.alpha + other.alpha, self.beta + other.beta)

    def to_json(self) -> dict[str, str]:
        return {"alpha": self.alpha.hex(), "beta": self.beta.hex()}


ZERO = Ciphertext(IDENTITY, IDENTITY)


def encrypt(value: int, nonce: Scalar, key: Point) -> Ciphertext:
    """The encryption of the small integer `value` with randomness `nonce` to `key`."""
    alpha = base_mul(nonce.value)
    beta = mul(nonce.value, key.encoding)
    if value:
        beta = sodium.add(multiple_of_g(value), beta)
    return Ciphertext(Point.trusted(alpha), Point.trusted(beta))


def sum_ciphertexts(ciphertexts: Iterable[Ciphertext]) -> Ciphertext:
    """``(Σα, Σβ)``; (identity, identity) for none."""
    iterator = iter(ciphertexts)
    first = next(iterator, None)
    if first is None:
        return ZERO
    alpha, beta = first.alpha.encoding, first.beta.encoding
    for ciphertext in iterator:
        alpha = sodium.add(alpha, ciphertext.alpha.encoding)
        beta = sodium.add(beta, ciphertext.beta.encoding)
    return Ciphertext(Point.trusted(alpha), Point.trusted(beta))


def decrypt_point(ciphertext: Ciphertext, secret: Scalar) -> Point:
    """``β − x·α``: the point m·G that the ciphertext hides, given the whole secret key x."""
    return ciphertext.beta - secret * ciphertext.alpha
