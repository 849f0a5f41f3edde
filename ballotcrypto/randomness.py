"""Where secret randomness comes from: libsodium's CSPRNG, or a fixed seed for tests and vectors.

Every function of this package that draws randomness takes a `Randomness`; the default is
`SYSTEM` (``crypto_core_ristretto255_scalar_random`` and ``randombytes``).  `Seeded` makes the
same draws from a seed, for the vector file and tests only (docs/ballot-crypto.md §8):

    k-th scalar  Hs("renda-ballot-v1/test-scalar", [seed, k])            (k = 0, 1, …; 0 skipped)
    k-th bytes   SHA-512(JCS(["renda-ballot-v1/test-bytes", seed, k]))[:n]

(one counter k for both kinds).  Python's `random` is never used.
"""

from __future__ import annotations

import hashlib
from typing import Protocol

from ballotcrypto import sodium
from ballotcrypto.group import Scalar
from ballotcrypto.hashing import TAG_TEST_BYTES, TAG_TEST_SCALAR, hs, jcs

__all__ = ["SYSTEM", "Randomness", "Seeded", "SystemRandomness"]


class Randomness(Protocol):
    """A source of secret randomness."""

    def scalar(self) -> Scalar:
        """A uniformly random non-zero scalar."""
        ...

    def octets(self, size: int) -> bytes:
        """`size` (at most 64) uniformly random bytes."""
        ...


class SystemRandomness:
    """libsodium's CSPRNG."""

    def scalar(self) -> Scalar:
        while True:
            value = int.from_bytes(sodium.scalar_random(), "little")
            if value:
                return Scalar(value)

    def octets(self, size: int) -> bytes:
        if not 0 <= size <= 64:
            raise ValueError("octets draws 0 to 64 bytes")
        return sodium.randombytes(size)


SYSTEM: Randomness = SystemRandomness()


class Seeded:
    """Fixed randomness from a seed string: the same seed gives the same draws, in order."""

    def __init__(self, seed: str) -> None:
        self.seed = seed
        self.counter = 0

    def _next(self) -> int:
        counter = self.counter
        self.counter += 1
        return counter

    def scalar(self) -> Scalar:
        while True:
            value = hs(TAG_TEST_SCALAR, [self.seed, self._next()])
            if value.value:
                return value

    def octets(self, size: int) -> bytes:
        if not 0 <= size <= 64:
            raise ValueError("octets draws 0 to 64 bytes")
        return hashlib.sha512(jcs([TAG_TEST_BYTES, self.seed, self._next()])).digest()[:size]
