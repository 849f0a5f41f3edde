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
import hmac

#: the largest piece CPython hashes without releasing the GIL (its HASHLIB_GIL_MINSIZE is 2048)
PIECE = 2047


def _feed(target: hashlib._Hash | hmac.HMAC, data: bytes) -> None:
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


def hmac_sha256(key: bytes, data: bytes) -> bytes:
    """``hmac.digest(key, data, "sha256")``, holding the GIL (an HMAC object, fed as
    :func:`sha256` is, where ``hmac.digest`` would release it)."""
    mac = hmac.new(key, digestmod=hashlib.sha256)
    _feed(mac, data)
    return mac.digest()
