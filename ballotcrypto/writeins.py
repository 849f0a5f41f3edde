"""A write-in slot's sealed name (另选他人, docs/ballot-crypto.md §6.1).

Slot s of ballot `ballot` of the vote `vid`, with a fresh non-zero ρ and the election key K:

    R      = ρ·G                       S = ρ·K  (= x·R: what k 监票人 recover at the count)
    h      = SHA-512(JCS(["renda-ballot-v1/write-in-key", vid, ballot, s, R, S]))
    key    = h[0:32]                   nonce = h[32:56]
    ad     = JCS(["renda-ballot-v1/write-in-ad", vid, ballot, s, R])
    padded = UTF-8 of the name, then 0x00 bytes up to 64 (an unused slot: 64 zero bytes)
    sealed = XChaCha20-Poly1305-IETF(padded, ad, nonce, key)      80 bytes: 64, then the 16-byte tag

A name is 1 to 64 bytes of UTF-8, in NFC, with no character of general category Cc, Cf, Cs, Zl or
Zp and no space separator (Zs) at either end: "张三" is a name, " 张三", "张\\u200b三" and "" are not.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import unicodedata

from ballotcrypto import sodium, wire
from ballotcrypto.errors import MalformedValue
from ballotcrypto.group import Point, Scalar, base_mul, mul
from ballotcrypto.hashing import TAG_WRITE_IN_AD, TAG_WRITE_IN_KEY, jcs

__all__ = ["NAME_BYTES", "SEALED_BYTES", "associated_data", "name_fault", "open_name", "read_sealed", "seal_name",
           "sealed_text", "shared_point"]

NAME_BYTES = 64
SEALED_BYTES = NAME_BYTES + 16
_REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})


def name_fault(name: str) -> str | None:
    """Why `name` is not a write-in name (Chinese, for the deputy or the count), or None."""
    if not name:
        return "另选他人的姓名不能为空"
    if len(name.encode("utf-8", "surrogatepass")) > NAME_BYTES:
        return f"另选他人的姓名过长（UTF-8 最多{NAME_BYTES}字节）"
    if any(unicodedata.category(ch) in _REFUSED_CATEGORIES for ch in name):
        return "另选他人的姓名含有控制字符或不可见字符"
    if unicodedata.category(name[0]) == "Zs" or unicodedata.category(name[-1]) == "Zs":
        return "另选他人的姓名首尾不能有空格"
    if not unicodedata.is_normalized("NFC", name):
        return "另选他人的姓名应为 Unicode NFC 形式"
    return None


def _pad(name: str) -> bytes:
    data = name.encode("utf-8")
    return data + bytes(NAME_BYTES - len(data))


def _unpad(padded: bytes) -> str | None:
    """The name of a padded plaintext ("" for an unused slot), or None if it is not one."""
    data = padded.rstrip(b"\0")
    try:
        name = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if name and name_fault(name) is not None:
        return None
    return name


def associated_data(vid: str, ballot: str, slot: int, r: Point) -> bytes:
    """The sealed name's associated data: JCS(["renda-ballot-v1/write-in-ad", vid, ballot, slot, R])."""
    return jcs([TAG_WRITE_IN_AD, vid, ballot, slot, r.hex()])


def _key_nonce(vid: str, ballot: str, slot: int, r: Point, shared: Point) -> tuple[bytes, bytes]:
    digest = hashlib.sha512(jcs([TAG_WRITE_IN_KEY, vid, ballot, slot, r.hex(), shared.hex()])).digest()
    return digest[:32], digest[32:56]


def shared_point(rho: Scalar, key: Point) -> Point:
    """S = ρ·K."""
    return Point.trusted(mul(rho.value, key.encoding))


def seal_name(vid: str, ballot: str, slot: int, rho: Scalar, key: Point, name: str) -> tuple[Point, bytes]:
    """(R, sealed) for `name` ("" for an unused slot) in slot `slot`; ValueError for a bad name."""
    if name:
        fault = name_fault(name)
        if fault is not None:
            raise ValueError(fault)
    r = Point.trusted(base_mul(rho.value))
    secret, nonce = _key_nonce(vid, ballot, slot, r, shared_point(rho, key))
    return r, sodium.aead_seal(_pad(name), associated_data(vid, ballot, slot, r), nonce, secret)


def open_name(vid: str, ballot: str, slot: int, r: Point, shared: Point, sealed: bytes) -> str | None:
    """The name sealed in slot `slot` given S = ρ·K ("" for an unused slot), or None if the box
    does not open with this key, nonce and associated data or its plaintext is not a padded name."""
    secret, nonce = _key_nonce(vid, ballot, slot, r, shared)
    padded = sodium.aead_open(sealed, associated_data(vid, ballot, slot, r), nonce, secret)
    if padded is None:
        return None
    return _unpad(padded)


def sealed_text(sealed: bytes) -> str:
    """base64 (RFC 4648 §4, with padding) of the sealed name: 108 characters."""
    return base64.b64encode(sealed).decode("ascii")


def read_sealed(value: object, field: str) -> bytes:
    """The 80 bytes of a sealed name from its canonical base64 text (MalformedValue otherwise)."""
    text = wire.text(value, field)
    try:
        data = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        data = b""
    if len(data) != SEALED_BYTES or sealed_text(data) != text:
        raise MalformedValue("malformed", field, f"应为 {SEALED_BYTES} 字节的规范 base64")
    return data
