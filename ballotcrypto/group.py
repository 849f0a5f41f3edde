"""The group ristretto255 (RFC 9496): points, scalars, their encodings and arithmetic.

docs/ballot-crypto.md §1.  A `Point` holds its canonical 32-byte encoding (the identity is the
all-zero encoding); a `Scalar` an integer in [0, ℓ).  Text forms are 64 lowercase hex characters;
`decode_point` refuses non-canonical encodings and, unless asked otherwise, the identity;
`decode_scalar` refuses values ≥ ℓ and, where asked, zero.

Arithmetic is written additively and the identity is handled here, never by libsodium (whose
multiplications report an identity result as an error): ``0·P = s·O = O``, ``P + O = P``.

    ℓ = 2^252 + 27742317777372353535851937790883648493
    G = e2f2ae0a6abc4e71a884a961c500515f58e30b6aa582dd8db6a65945e08d2d76
    2·G = 6a493210f7499cd17fecb510ae0cea23a110e8d5b901f8acadd3095c73a3b919   (RFC 9496 A.1)
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from typing import overload

from ballotcrypto import sodium
from ballotcrypto.errors import MalformedValue

__all__ = [
    "GENERATOR",
    "IDENTITY",
    "L",
    "Point",
    "Scalar",
    "base_mul",
    "decode_point",
    "decode_scalar",
    "mul",
    "multiple_of_g",
]

L = 2**252 + 27742317777372353535851937790883648493
_HEX64 = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True, slots=True)
class Point:
    """A ristretto255 point by its canonical encoding (the constructor checks it)."""

    encoding: bytes

    def __post_init__(self) -> None:
        if type(self.encoding) is not bytes or not sodium.is_valid_point(self.encoding):
            raise MalformedValue("bad-point-encoding", "", "不是 ristretto255 点的规范编码")

    @staticmethod
    def trusted(encoding: bytes) -> Point:
        """Wrap an encoding libsodium produced or `decode_point` checked (no second check)."""
        point = object.__new__(Point)
        object.__setattr__(point, "encoding", encoding)
        return point

    @staticmethod
    def from_uniform(uniform: bytes) -> Point:
        """RFC 9496 §4.3.4: the point of 64 uniformly random bytes."""
        if len(uniform) != 64:
            raise ValueError("from_uniform takes 64 bytes")
        return Point.trusted(sodium.from_hash(uniform))

    def hex(self) -> str:
        return self.encoding.hex()

    @property
    def is_identity(self) -> bool:
        return self.encoding == sodium.IDENTITY_BYTES

    def __add__(self, other: Point) -> Point:
        return Point.trusted(sodium.add(self.encoding, other.encoding))

    def __sub__(self, other: Point) -> Point:
        return Point.trusted(sodium.sub(self.encoding, other.encoding))

    def __neg__(self) -> Point:
        return IDENTITY - self

    def __repr__(self) -> str:
        return f"Point({self.encoding.hex()})"


@dataclass(frozen=True, slots=True)
class Scalar:
    """An integer modulo ℓ, kept in [0, ℓ)."""

    value: int

    def __post_init__(self) -> None:
        if type(self.value) is not int or not 0 <= self.value < L:
            raise ValueError("a scalar is an integer in [0, ℓ)")

    @staticmethod
    def of(value: int) -> Scalar:
        """The scalar ``value mod ℓ`` (any integer, negative ones included)."""
        return Scalar(value % L)

    def to_bytes(self) -> bytes:
        """32 bytes, little-endian."""
        return self.value.to_bytes(32, "little")

    def hex(self) -> str:
        return self.to_bytes().hex()

    def __add__(self, other: Scalar) -> Scalar:
        return Scalar((self.value + other.value) % L)

    def __sub__(self, other: Scalar) -> Scalar:
        return Scalar((self.value - other.value) % L)

    def __neg__(self) -> Scalar:
        return Scalar(-self.value % L)

    @overload
    def __mul__(self, other: Scalar) -> Scalar: ...
    @overload
    def __mul__(self, other: Point) -> Point: ...
    def __mul__(self, other: Scalar | Point) -> Scalar | Point:
        if isinstance(other, Scalar):
            return Scalar(self.value * other.value % L)
        return Point.trusted(mul(self.value, other.encoding))

    def inverse(self) -> Scalar:
        """``self^(ℓ−2) mod ℓ``; the inverse of a non-zero scalar."""
        if self.value == 0:
            raise ZeroDivisionError("0 has no inverse modulo ℓ")
        return Scalar(pow(self.value, -1, L))

    def __repr__(self) -> str:
        return f"Scalar({self.value})"


IDENTITY = Point.trusted(sodium.IDENTITY_BYTES)
GENERATOR = Point.trusted(sodium.scalarmult_base((1).to_bytes(32, "little")))


def mul(scalar: int, encoding: bytes) -> bytes:
    """``scalar·P`` on encodings, for a scalar in [0, ℓ): the base table for G, O for 0 or O."""
    if scalar == 0 or encoding == sodium.IDENTITY_BYTES:
        return sodium.IDENTITY_BYTES
    if encoding == GENERATOR.encoding:
        return sodium.scalarmult_base(scalar.to_bytes(32, "little"))
    return sodium.scalarmult(scalar.to_bytes(32, "little"), encoding)


def base_mul(scalar: int) -> bytes:
    """``scalar·G`` on encodings, for a scalar in [0, ℓ)."""
    return sodium.scalarmult_base(scalar.to_bytes(32, "little"))


# m·G for small m (values, limit bounds, counts), grown by one addition per new m.
_multiples: list[bytes] = [sodium.IDENTITY_BYTES, GENERATOR.encoding]
_multiples_lock = threading.Lock()


def multiple_of_g(m: int) -> bytes:
    """The encoding of ``m·G`` for a small non-negative integer m, from a table kept in memory."""
    if m < len(_multiples):
        return _multiples[m]
    with _multiples_lock:
        while len(_multiples) <= m:
            _multiples.append(sodium.add(_multiples[-1], GENERATOR.encoding))
    return _multiples[m]


def decode_point(text: object, field: str = "", *, allow_identity: bool = False) -> Point:
    """The point whose encoding `text` is (64 lowercase hex characters, canonical)."""
    if type(text) is not str or not _HEX64.fullmatch(text):
        raise MalformedValue("bad-point-encoding", field, "点的编码应为64个小写十六进制字符")
    encoding = bytes.fromhex(text)
    if not sodium.is_valid_point(encoding):
        raise MalformedValue("bad-point-encoding", field, "不是 ristretto255 点的规范编码")
    if not allow_identity and encoding == sodium.IDENTITY_BYTES:
        raise MalformedValue("identity-point", field, "此处不能是单位元（全零编码）")
    return Point.trusted(encoding)


def decode_scalar(text: object, field: str = "", *, nonzero: bool = False) -> Scalar:
    """The scalar whose little-endian encoding `text` is (64 lowercase hex characters, < ℓ)."""
    if type(text) is not str or not _HEX64.fullmatch(text):
        raise MalformedValue("bad-scalar-encoding", field, "标量的编码应为64个小写十六进制字符")
    value = int.from_bytes(bytes.fromhex(text), "little")
    if value >= L:
        raise MalformedValue("scalar-out-of-range", field, "标量不小于群的阶 ℓ")
    if nonzero and value == 0:
        raise MalformedValue("zero-scalar", field, "此处的标量不能为零")
    return Scalar(value)
