"""The one door to libsodium: typed functions over the C library and pysodium's wrappers.

pysodium has no type information, so every call into it (and every ``# type: ignore``) lives in
this module.  The group operations and the Ed25519 check call the C functions directly through the
library loaded here (the one pysodium loads: the same shared object) with one output buffer each:
they are the hot path of the ballot and checkpoint checks, and pysodium's Python wrappers add checks
the callers here have already made.  pysodium itself is imported on first use of a function that
goes through it: the offline verifier, which needs only the Ed25519 check to read a plaintext log,
starts without it (its import costs a tenth of the verifier's start-up, docs/performance.md).

Conventions of libsodium 1.0.18 that the rest of the package relies on:

* a point argument must be a valid canonical ristretto255 encoding (callers pass only encodings
  that `is_valid_point` accepted or that libsodium produced); the identity is the all-zero
  encoding and *is* accepted by ``crypto_core_ristretto255_is_valid_point``;
* ``crypto_scalarmult_ristretto255`` and ``..._base`` return -1 when the result is the identity
  (after writing the zero encoding); `scalarmult` and `scalarmult_base` return the zero encoding
  for it instead;
* both multiplications clear the top bit of the scalar: callers pass scalars below ℓ < 2^253.
"""

from __future__ import annotations

import ctypes
from typing import Any

__all__ = [
    "AEAD_TAG_BYTES",
    "BOX_PUBLIC_BYTES",
    "BOX_SEAL_BYTES",
    "BOX_SECRET_BYTES",
    "BOX_SEED_BYTES",
    "IDENTITY_BYTES",
    "KDF_SALT_BYTES",
    "SECRETBOX_NONCE_BYTES",
    "add",
    "aead_open",
    "aead_seal",
    "box_public_of",
    "box_seal",
    "box_seal_open",
    "box_seed_keypair",
    "from_hash",
    "is_valid_point",
    "pwhash",
    "randombytes",
    "scalar_random",
    "scalar_reduce",
    "scalarmult",
    "scalarmult_base",
    "secretbox",
    "secretbox_open",
    "sign_verify_detached",
    "sub",
    "version",
]

#: libsodium's file name as Debian and most Linux systems install it (1.0.18: ``libsodium.so.23``),
#: tried first: asking `ctypes.util.find_library` runs ``ldconfig`` in a subprocess.
SONAME = "libsodium.so.23"


def _load(soname: str = SONAME) -> ctypes.CDLL:
    """libsodium, initialised (``sodium_init``: idempotent, as pysodium calls it too)."""
    try:
        lib = ctypes.CDLL(soname)
    except OSError:
        from ctypes.util import find_library

        found = find_library("sodium") or find_library("libsodium")
        if found is None:
            raise ImportError("libsodium is not installed (Debian: apt-get install libsodium23)") from None
        lib = ctypes.CDLL(found)
    if lib.sodium_init() < 0:  # 1: already initialised
        raise ImportError("libsodium could not be initialised")
    return lib


def _pysodium() -> Any:
    """pysodium, imported on first use."""
    import pysodium  # type: ignore[import-untyped]

    return pysodium


_lib = _load()
_scalarmult = _lib.crypto_scalarmult_ristretto255
_scalarmult_base = _lib.crypto_scalarmult_ristretto255_base
_add = _lib.crypto_core_ristretto255_add
_sub = _lib.crypto_core_ristretto255_sub
_is_valid_point = _lib.crypto_core_ristretto255_is_valid_point
_sign_verify_detached = _lib.crypto_sign_verify_detached
_version_string = _lib.sodium_version_string
_version_string.restype = ctypes.c_char_p
_buffer = ctypes.create_string_buffer

IDENTITY_BYTES = bytes(32)
BOX_PUBLIC_BYTES: int = _lib.crypto_box_publickeybytes()
BOX_SECRET_BYTES: int = _lib.crypto_box_secretkeybytes()
BOX_SEED_BYTES: int = _lib.crypto_box_seedbytes()
BOX_SEAL_BYTES: int = _lib.crypto_box_sealbytes()
KDF_SALT_BYTES: int = _lib.crypto_pwhash_saltbytes()
SECRETBOX_NONCE_BYTES: int = _lib.crypto_secretbox_noncebytes()
AEAD_TAG_BYTES: int = _lib.crypto_aead_xchacha20poly1305_ietf_abytes()


def version() -> str:
    """libsodium's version string, e.g. ``"1.0.18"``."""
    return str(_version_string().decode("ascii"))


def is_valid_point(encoding: bytes) -> bool:
    """True for a canonical encoding of a ristretto255 point (the all-zero identity included)."""
    return len(encoding) == 32 and _is_valid_point(encoding) == 1


def scalarmult(scalar: bytes, point: bytes) -> bytes:
    """``scalar·point`` (32-byte little-endian scalar below 2^255; the zero encoding for the identity)."""
    out = _buffer(32)
    # -1 only for an identity result (the point argument is valid)
    return out.raw if _scalarmult(out, scalar, point) == 0 else IDENTITY_BYTES


def scalarmult_base(scalar: bytes) -> bytes:
    """``scalar·G`` (the zero encoding for the identity)."""
    out = _buffer(32)
    return out.raw if _scalarmult_base(out, scalar) == 0 else IDENTITY_BYTES  # -1: the identity


def add(p: bytes, q: bytes) -> bytes:
    """``p + q`` of two valid encodings."""
    out = _buffer(32)
    if _add(out, p, q) != 0:
        raise AssertionError("crypto_core_ristretto255_add refused a point")
    return out.raw


def sub(p: bytes, q: bytes) -> bytes:
    """``p − q`` of two valid encodings."""
    out = _buffer(32)
    if _sub(out, p, q) != 0:
        raise AssertionError("crypto_core_ristretto255_sub refused a point")
    return out.raw


def from_hash(uniform: bytes) -> bytes:
    """RFC 9496 §4.3.4 one-way map: 64 uniform bytes to a point."""
    return bytes(_pysodium().crypto_core_ristretto255_from_hash(uniform))


def scalar_random() -> bytes:
    """A uniformly random scalar in [0, ℓ), 32 bytes little-endian (libsodium's CSPRNG)."""
    return bytes(_pysodium().crypto_core_ristretto255_scalar_random())


def scalar_reduce(wide: bytes) -> bytes:
    """64 bytes read little-endian, reduced modulo ℓ (``crypto_core_ristretto255_scalar_reduce``)."""
    return bytes(_pysodium().crypto_core_ristretto255_scalar_reduce(wide))


def randombytes(size: int) -> bytes:
    """`size` bytes from libsodium's CSPRNG."""
    return bytes(_pysodium().randombytes(size))


def box_seed_keypair(seed: bytes) -> tuple[bytes, bytes]:
    """An X25519 key pair for sealed boxes from 32 secret bytes: (public, secret)."""
    public, secret = _pysodium().crypto_box_seed_keypair(seed)
    return bytes(public), bytes(secret)


def box_seal(message: bytes, public: bytes) -> bytes:
    """``crypto_box_seal``: `message` sealed to `public` (anonymous sender, randomised)."""
    return bytes(_pysodium().crypto_box_seal(message, public))


def box_seal_open(sealed: bytes, public: bytes, secret: bytes) -> bytes | None:
    """``crypto_box_seal_open``; None when the box does not open with this key pair."""
    if len(sealed) < BOX_SEAL_BYTES:
        return None
    try:
        return bytes(_pysodium().crypto_box_seal_open(sealed, public, secret))
    except ValueError:
        return None


def sign_verify_detached(signature: bytes, message: bytes, public_key: bytes) -> bool:
    """True iff `signature` (64 bytes) is the Ed25519 signature of `message` under `public_key`
    (32 bytes), as libsodium checks it: RFC 8032 verification that also refuses a public key or
    a signature's R of small order and non-canonical encodings (an honest signer's signatures
    always pass). About twice as fast as OpenSSL's verification on the development machine."""
    if len(signature) != 64 or len(public_key) != 32:
        return False
    return bool(_sign_verify_detached(signature, message, ctypes.c_ulonglong(len(message)), public_key) == 0)


def box_public_of(secret: bytes) -> bytes:
    """The X25519 public key of a transport secret key (``crypto_scalarmult_base``)."""
    return bytes(_pysodium().crypto_scalarmult_curve25519_base(secret))


def pwhash(size: int, password: bytes, salt: bytes, opslimit: int, memlimit: int) -> bytes:
    """``crypto_pwhash`` with Argon2id 1.3: `size` bytes of key from a password (slow on purpose)."""
    pysodium = _pysodium()
    algorithm = pysodium.crypto_pwhash_ALG_ARGON2ID13
    return bytes(pysodium.crypto_pwhash(size, password, salt, opslimit, memlimit, algorithm))


def secretbox(message: bytes, nonce: bytes, key: bytes) -> bytes:
    """``crypto_secretbox_easy`` (XSalsa20-Poly1305): the MAC, then the ciphertext."""
    return bytes(_pysodium().crypto_secretbox(message, nonce, key))


def secretbox_open(sealed: bytes, nonce: bytes, key: bytes) -> bytes | None:
    """``crypto_secretbox_open_easy``; None when it does not open (wrong key, changed bytes)."""
    try:
        return bytes(_pysodium().crypto_secretbox_open(sealed, nonce, key))
    except ValueError:
        return None


def aead_seal(message: bytes, associated: bytes, nonce: bytes, key: bytes) -> bytes:
    """``crypto_aead_xchacha20poly1305_ietf_encrypt``: the ciphertext, then the 16-byte tag
    (24-byte nonce, 32-byte key)."""
    return bytes(_pysodium().crypto_aead_xchacha20poly1305_ietf_encrypt(message, associated, nonce, key))


def aead_open(sealed: bytes, associated: bytes, nonce: bytes, key: bytes) -> bytes | None:
    """``crypto_aead_xchacha20poly1305_ietf_decrypt``; None when it does not open (another key,
    nonce or associated data, changed bytes, or shorter than the tag)."""
    if len(sealed) < AEAD_TAG_BYTES:
        return None
    try:
        return bytes(_pysodium().crypto_aead_xchacha20poly1305_ietf_decrypt(sealed, associated, nonce, key))
    except ValueError:
        return None
