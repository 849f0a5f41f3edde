"""Canonical JSON and the two hashes of docs/ballot-crypto.md §1, with every domain tag.

    JCS(x)          RFC 8785 canonical JSON of x, UTF-8
    Hs(tag, items)  SHA-512(JCS([tag, item₁, item₂, …])) read little-endian, reduced mod ℓ
    H256(x)         SHA-256(JCS(x)), 64 lowercase hex characters

Example: ``Hs("renda-ballot-v1/coefficient", ["ab", 1])`` hashes the 38 bytes
``["renda-ballot-v1/coefficient","ab",1]``.

`jcs` gives the stdlib encoder's output where it is already the RFC 8785 form (strings, integers
within ±(2^53 − 1), booleans, null, lists, objects whose keys are below U+10000 — the values this
package hashes) and `rfc8785.dumps`' otherwise; the two are property-tested equal.  This package
imports nothing of `audit/` (whose `canonical.dumps` does the same), so that `audit/` can import it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from typing import Any

import rfc8785

from ballotcrypto.group import L, Scalar

__all__ = [
    "SUITE",
    "TAG_COEFFICIENT",
    "TAG_DECRYPT",
    "TAG_DECRYPT_NAME",
    "TAG_DECRYPT_USE",
    "TAG_DECRYPT_USES",
    "TAG_RANGE",
    "TAG_SHARE_KEY",
    "TAG_TEST_BYTES",
    "TAG_TEST_SCALAR",
    "TAG_WRITE_IN",
    "TAG_WRITE_IN_AD",
    "TAG_WRITE_IN_KEY",
    "h256",
    "hs",
    "jcs",
]

SUITE = "renda-ballot-v1"
TAG_COEFFICIENT = "renda-ballot-v1/coefficient"
TAG_SHARE_KEY = "renda-ballot-v1/share-key"
TAG_RANGE = "renda-ballot-v1/range"
TAG_DECRYPT = "renda-ballot-v1/decrypt"
# Write-ins (§6.1): the sealed name's key and associated data, the proof of its ρ, the two rounds.
TAG_WRITE_IN_KEY = "renda-ballot-v1/write-in-key"
TAG_WRITE_IN_AD = "renda-ballot-v1/write-in-ad"
TAG_WRITE_IN = "renda-ballot-v1/write-in"
TAG_DECRYPT_USES = "renda-ballot-v1/decrypt-uses"
TAG_DECRYPT_USE = "renda-ballot-v1/decrypt-use"
TAG_DECRYPT_NAME = "renda-ballot-v1/decrypt-name"
# Only for fixed randomness (tests and the vector file, docs/ballot-crypto.md §8).
TAG_TEST_SCALAR = "renda-ballot-v1/test-scalar"
TAG_TEST_BYTES = "renda-ballot-v1/test-bytes"

_MAX_SAFE = 2**53 - 1
_encoder = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), sort_keys=True, allow_nan=False)


def _plain(value: object) -> bool:
    """True if the stdlib encoder writes `value` exactly as RFC 8785 does."""
    kind = type(value)
    if kind is str or kind is bool or value is None:
        return True
    if kind is int:
        return -_MAX_SAFE <= value <= _MAX_SAFE  # type: ignore[operator]
    if kind is list or kind is tuple:
        return all(_plain(item) for item in value)  # type: ignore[attr-defined]
    if kind is dict:
        return all(type(key) is str and (key.isascii() or max(key) <= "\uffff") and _plain(item)
                   for key, item in value.items())  # type: ignore[attr-defined]
    return False


def jcs(value: Any) -> bytes:
    """RFC 8785 canonical JSON of `value`, as UTF-8 bytes (ValueError if it has none)."""
    if _plain(value):
        try:
            return _encoder.encode(value).encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate: rfc8785 names the fault below
            pass
    try:
        return rfc8785.dumps(value)
    except rfc8785.CanonicalizationError as exc:
        raise ValueError(f"no RFC 8785 form: {exc}") from exc


def hs(tag: str, items: Sequence[str | int]) -> Scalar:
    """Hash to scalar: SHA-512 of JCS([tag, *items]), little-endian, mod ℓ (wide reduction)."""
    for item in items:
        if type(item) is int:
            if not 0 <= item <= _MAX_SAFE:
                raise ValueError("an Hs integer is in [0, 2^53)")
        elif type(item) is not str:
            raise TypeError("an Hs item is a string or a small integer")
    try:  # strings and integers below 2^53 only: the stdlib encoder writes their RFC 8785 form
        data = _encoder.encode([tag, *items]).encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate: no canonical form (jcs raises ValueError)
        data = jcs([tag, *items])
    digest = hashlib.sha512(data).digest()
    return Scalar(int.from_bytes(digest, "little") % L)


def h256(value: Any) -> str:
    """SHA-256 of JCS(value), 64 lowercase hex characters."""
    return hashlib.sha256(jcs(value)).hexdigest()
