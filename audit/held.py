"""SHA-256 and HMAC-SHA256 that never let go of the GIL.

CPython's hashlib releases the GIL to hash 2,048 bytes or more at a time, and ``hmac.digest``
releases it for every message, however short. In a thread that shares the GIL with a busy one
(the server's writer beside its event loop), each release costs up to the interpreter's switch
interval (5 ms) to get the GIL back: measured here, ``hmac.digest`` of 100 bytes took 5.3 ms
beside a busy thread against 4.7 us alone (docs/performance.md, "The GIL"). These functions give
the same digests while holding the GIL throughout: short data in one call that keeps it, longer
data in pieces below the threshold.
"""

from __future__ import annotations

import hashlib

#: the largest piece CPython hashes without releasing the GIL (its HASHLIB_GIL_MINSIZE is 2048)
PIECE = 2047


def _feed(target: hashlib._Hash, data: bytes) -> None:
    if len(data) <= PIECE:
        target.update(data)
        return
    view = memoryview(data)
    for start in range(0, len(view), PIECE):
        target.update(view[start:start + PIECE])


def sha256(data: bytes) -> bytes:
    """``hashlib.sha256(data).digest()``, holding the GIL."""
    if len(data) <= PIECE:
        return hashlib.sha256(data).digest()
    hasher = hashlib.sha256()
    _feed(hasher, data)
    return hasher.digest()


#: RFC 2104's pads: the key, zero-filled to SHA-256's block, XOR 0x36 (inner) and 0x5c (outer)
_BLOCK = 64
_INNER = bytes(byte ^ 0x36 for byte in range(256))
_OUTER = bytes(byte ^ 0x5C for byte in range(256))


def _pads(key: bytes) -> tuple[bytes, bytes]:
    """The inner and outer padded keys of RFC 2104 §2 (a key longer than the block is hashed first).
    Nothing of them is kept: the key may be a tablet's cast token."""
    if len(key) > _BLOCK:
        key = sha256(key)
    block = key.ljust(_BLOCK, b"\0")
    return block.translate(_INNER), block.translate(_OUTER)


def hmac_sha256(key: bytes, data: bytes) -> bytes:
    """``hmac.digest(key, data, "sha256")``, holding the GIL: RFC 2104 from two SHA-256 hashers fed as
    :func:`sha256` is, where ``hmac.digest`` would release it (and ``hmac.new``'s Python wrapper
    costs twice as much a ballot's seal)."""
    inner_pad, outer_pad = _pads(key)
    inner = hashlib.sha256(inner_pad)
    _feed(inner, data)
    return hashlib.sha256(outer_pad + inner.digest()).digest()

