"""Ed25519 log keys in the C2SP signed-note encodings (https://c2sp.org/signed-note, "Signatures",
"Ed25519 signatures", "Verifier keys").

    key ID  = SHA-256(key name || 0x0A || 0x01 || 32-byte Ed25519 public key)[:4]
    vkey    = <key name>+<hex(key ID)>+<base64(0x01 || public key)>          (published)
    skey    = PRIVATE+KEY+<key name>+<hex(key ID)>+<base64(0x01 || seed)>     (file mode 0600)
    fingerprint = SHA-256(vkey as ASCII, no newline), 64 hex digits in 16 groups of 4  (printed)

The private form is the one Go's ``golang.org/x/mod/sumdb/note`` uses, so a key can be moved to
other signed-note tooling.  Key names must be non-empty, without Unicode spaces or ``+``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from audit.errors import KeyFileError, KeyFormatError
from ballotcrypto.sodium import sign_verify_detached

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

__all__ = [
    "ED25519",
    "Signer",
    "Verifier",
    "check_key_name",
    "ed25519_private",
    "fingerprint",
    "generate",
    "key_id",
    "load",
    "parse_fingerprint",
    "private_form",
    "private_text",
    "read_private",
    "save",
    "split_key",
]

ED25519 = 0x01
_PRIVATE_PREFIX = "PRIVATE+KEY+"
_SPACE = re.compile(r"\s")  # str.isspace()


def check_key_name(name: str) -> str:
    """Return `name` if it is a valid signed-note key name, else raise `KeyFormatError`."""
    if not name or "+" in name or _SPACE.search(name) is not None or not name.isprintable():
        raise KeyFormatError(f"invalid key name {name!r}: non-empty, no spaces, no '+'")
    return name


def key_id(name: str, public_key: bytes, key_type: int = ED25519) -> bytes:
    """The 4-byte signed-note key ID of a key of `key_type` (0x01: an Ed25519 note key)."""
    return hashlib.sha256(name.encode("utf-8") + b"\n" + bytes([key_type]) + public_key).digest()[:4]


def fingerprint(vkey: str) -> str:
    """The fingerprint of a verifier key, for paper and screens: SHA-256 of the vkey line's ASCII
    bytes (no newline: ``printf %s "$(cat vkey.txt)" | sha256sum``), as 64 upper-case hex digits
    in 16 groups of four (``B114 DCBD …``).  It covers the key name, ID and public key: exactly what
    ``--vkey`` pins."""
    digest = hashlib.sha256(vkey.encode("ascii")).hexdigest().upper()
    return " ".join(digest[i : i + 4] for i in range(0, len(digest), 4))


_FINGERPRINT_NOISE = re.compile(r"[\s:\-]+")
_FINGERPRINT = re.compile(r"[0-9a-fA-F]{64}", re.ASCII)


def parse_fingerprint(text: str) -> str:
    """A fingerprint as typed from paper: 64 hex digits in any case, spaces, colons and hyphens
    ignored.  Returns it in the printed form (`fingerprint`); raises `KeyFormatError` otherwise."""
    digits = _FINGERPRINT_NOISE.sub("", text)
    if _FINGERPRINT.fullmatch(digits) is None:
        raise KeyFormatError(
            f"a key fingerprint is 64 hexadecimal digits (SHA-256 of the vkey line), got {len(digits)} characters "
            f"{digits[:80]!r} / 公钥指纹应为 64 位十六进制数字"
        )
    digits = digits.upper()
    return " ".join(digits[i : i + 4] for i in range(0, 64, 4))


def b64decode_strict(text: str) -> bytes:
    """Standard base64 (RFC 4648 §4) that admits exactly one spelling for each byte string."""
    try:
        raw = base64.b64decode(text.encode("ascii"), validate=True)
    except (UnicodeEncodeError, binascii.Error) as exc:
        raise ValueError(f"bad base64: {exc}") from exc
    if base64.b64encode(raw).decode("ascii") != text:
        raise ValueError("non-canonical base64")
    return raw


def split_key(text: str, key_type: int, what: str = "verifier key") -> tuple[str, str, bytes]:
    """Split ``name+hexid+base64(type || key)`` (a vkey, or an skey after its ``PRIVATE+KEY+``) of
    an Ed25519 key of `key_type`: the name, the hex key ID as written, and the 32 key bytes."""
    parts = text.split("+", 2)
    if len(parts) != 3:
        raise KeyFormatError(f"a {what} has three '+'-separated parts")
    name, hex_id, material = parts
    check_key_name(name)
    try:
        raw = b64decode_strict(material)
    except ValueError as exc:
        raise KeyFormatError(f"{what}: {exc}") from exc
    if len(raw) != 33 or raw[0] != key_type:
        raise KeyFormatError(f"{what} is not an Ed25519 key of type 0x{key_type:02x}")
    return name, hex_id, raw[1:]


@dataclass(frozen=True)
class Verifier:
    """A public Ed25519 note key: name, key ID and the 32 raw public key bytes."""

    name: str
    key_id: bytes
    public_key: bytes

    @classmethod
    def from_vkey(cls, vkey: str) -> Verifier:
        """Parse a verifier key string ``name+hexid+base64(0x01||key)``; the ID must match."""
        name, hex_id, public_key = split_key(vkey, ED25519)
        kid = key_id(name, public_key)
        if hex_id != kid.hex():
            raise KeyFormatError("verifier key ID does not match its name and key")
        return cls(name, kid, public_key)

    @property
    def vkey(self) -> str:
        """The verifier key string to publish with the log."""
        material = base64.b64encode(bytes([ED25519]) + self.public_key).decode("ascii")
        return f"{self.name}+{self.key_id.hex()}+{material}"

    @property
    def fingerprint(self) -> str:
        """The key's fingerprint (`fingerprint`), to print and show at the session."""
        return fingerprint(self.vkey)

    def verify(self, message: bytes, signature: bytes) -> bool:
        """True iff `signature` is this key's Ed25519 signature of `message` (libsodium's check:
        docs/verifier-spec.md §2; twice as fast here as OpenSSL's, one check per checkpoint)."""
        return sign_verify_detached(signature, message, self.public_key)


@dataclass(frozen=True)
class Signer:
    """A private Ed25519 note key; keep it out of logs, exports and repr."""

    name: str
    private_key: Ed25519PrivateKey

    def __repr__(self) -> str:
        return f"Signer(name={self.name!r}, key_id={self.verifier.key_id.hex()})"

    @property
    def verifier(self) -> Verifier:
        """The matching public key."""
        public = self.private_key.public_key().public_bytes_raw()
        return Verifier(self.name, key_id(self.name, public), public)

    @property
    def vkey(self) -> str:
        """The verifier key string to publish with the log."""
        return self.verifier.vkey

    def sign(self, message: bytes) -> bytes:
        """The Ed25519 signature of `message` (RFC 8032)."""
        return self.private_key.sign(message)

    def skey(self) -> str:
        """The private key string written by `save`."""
        return private_form(self.name, self.verifier.key_id, ED25519, self.private_key)

    @classmethod
    def from_skey(cls, skey: str) -> Signer:
        """Parse the private key string written by `save`."""
        name, hex_id, seed = split_key(private_text(skey), ED25519, "private key")
        signer = cls(name, ed25519_private(seed))
        if signer.verifier.key_id.hex() != hex_id:
            raise KeyFormatError("private key ID does not match its name and key")
        return signer


def ed25519_private(seed: bytes | None = None) -> Ed25519PrivateKey:
    """An Ed25519 private key (`cryptography`'s) from its 32-byte seed, or a fresh one.  `cryptography`
    is imported here, for signing only: verifying goes through libsodium, and the offline verifier
    starts without it."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    return Ed25519PrivateKey.generate() if seed is None else Ed25519PrivateKey.from_private_bytes(seed)


def private_form(name: str, kid: bytes, key_type: int, private_key: Ed25519PrivateKey) -> str:
    """``PRIVATE+KEY+<name>+<hex key ID>+<base64(type || seed)>``: how a private key is written."""
    material = base64.b64encode(bytes([key_type]) + private_key.private_bytes_raw()).decode("ascii")
    return f"{_PRIVATE_PREFIX}{name}+{kid.hex()}+{material}"


def private_text(skey: str) -> str:
    """What follows ``PRIVATE+KEY+`` in a private key string."""
    if not skey.startswith(_PRIVATE_PREFIX):
        raise KeyFormatError("not a PRIVATE+KEY string")
    return skey[len(_PRIVATE_PREFIX) :]


class PrivateKey(Protocol):
    """A private key that `save` can write."""

    def skey(self) -> str: ...


def generate(name: str) -> Signer:
    """A fresh Ed25519 key called `name` (by convention the log origin, e.g. ``renda.example/county-7``)."""
    return Signer(check_key_name(name), ed25519_private())


def save(signer: PrivateKey, path: str | os.PathLike[str]) -> None:
    """Write the private key to a new file readable by its owner only (mode 0600).

    Refuses to overwrite an existing file: losing a log key loses the ability to extend the log.
    """
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError as exc:
        raise KeyFileError(f"cannot create key file {os.fspath(path)}: {exc.strerror}") from exc
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        os.fchmod(handle.fileno(), 0o600)  # whatever the umask said
        handle.write(signer.skey() + "\n")
        handle.flush()
        os.fsync(handle.fileno())


def load(path: str | os.PathLike[str]) -> Signer:
    """Read a private key written by `save`; refuse it if group or others may read it."""
    return Signer.from_skey(read_private(path))


def read_private(path: str | os.PathLike[str]) -> str:
    """The private key string in a file written by `save`, refused if group or others may read it."""
    file = Path(path)
    try:
        mode = file.stat().st_mode
        text = file.read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError) as exc:
        raise KeyFileError(f"cannot read key file {file}: {exc}") from exc
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise KeyFileError(f"key file {file} is accessible by others (mode {mode & 0o777:o}); chmod 600 it")
    return text.strip("\n")
