"""Passwords (argon2, a maintained library), bearer tokens and deputies' sign-in codes.

Tokens are 256 random bits stored only as SHA-256 digests: a database copy cannot be used to sign
in. Codes are short enough to type (10 characters of 31, ≈ 2^49.5), so a plain digest could be
reversed by trying them all; they are stored as HMAC-SHA256 under a key kept in a file outside
the database (``CODE_KEY_FILE``), so a copy of the database alone gives no code back
(docs/reliability.md "Sign-in codes").
"""

from __future__ import annotations

import hashlib
import os
import secrets
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from audit import held

_hasher = PasswordHasher()

#: Sign-in codes avoid characters that are easy to misread on a printed sheet (0/O, 1/I/L).
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 10
CODE_KEY_BYTES = 32


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(stored: str, password: str) -> bool:
    try:
        return _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(32)


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def code_digest(key: bytes, code: str) -> str:
    """What is stored for a sign-in code: HMAC-SHA256 under the code key, of the code as typed
    once normalised (:func:`normalise_code`)."""
    return held.hmac_sha256(key, normalise_code(code).encode("utf-8")).hex()  # in the writer: keeps the GIL


def load_code_key(path: Path) -> bytes:
    """The code key at ``path``, made on first use (random, readable by the owner only)."""
    try:
        key = path.read_bytes()
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
        key = secrets.token_bytes(CODE_KEY_BYTES)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as out:
            out.write(key)
            out.flush()
            os.fsync(out.fileno())
        return key
    if len(key) != CODE_KEY_BYTES:
        raise ValueError(f"签到码密钥文件 {path} 已损坏（应为{CODE_KEY_BYTES}字节）")
    return key


def normalise_code(code: str) -> str:
    """Accept lower case, spaces and dashes as people type them."""
    return "".join(ch for ch in code.upper() if ch.isalnum())
