"""Witness cosignatures: C2SP tlog-cosignature, the Ed25519 ``cosignature/v1`` type (signed-note
signature type 0x04; https://c2sp.org/tlog-cosignature, https://c2sp.org/signed-note).

A witness that has checked a checkpoint against the last one it cosigned for the same log signs

    message   = "cosignature/v1\\n" "time <t>\\n" <the checkpoint's note text, its final newline included>

and adds one signature line to the checkpoint note (next to the log's own)::

    — <witness name> base64(key ID || timestamp || Ed25519 signature)

    key ID    = SHA-256(name || 0x0A || 0x04 || 32-byte public key)[:4]
    timestamp = t as an unsigned 64-bit big-endian integer (POSIX seconds, 1 .. 2**63 - 1)
    signature = the 64-byte RFC 8032 signature of `message`
    vkey      = <name>+<hex key ID>+<base64(0x04 || public key)>          (published, pinned by verifiers)
    skey      = PRIVATE+KEY+<name>+<hex key ID>+<base64(0x04 || seed)>    (the witness's own file, mode 0600)

A cosignature states: at time t, the largest tree of that origin the witness has seen and checked
to be consistent with everything it saw before has this size and root.  `cosignatures` finds the
valid cosignatures of the witnesses a verifier trusts in a note; lines of other keys are ignored,
and a line naming a trusted witness (name and key ID) that does not verify rejects the note, as
signed-note requires for any known key.
"""

from __future__ import annotations

import base64
import struct
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from audit.errors import KeyFormatError, NoteError, SignatureError
from audit.keys import Verifier, check_key_name, ed25519_private, key_id, private_form, private_text, split_key
from audit.note import SignedNote

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

__all__ = [
    "COSIGNATURE_V1",
    "MAX_TIMESTAMP",
    "Cosignature",
    "Cosigner",
    "WitnessKey",
    "cosignatures",
    "generate",
    "message",
]

COSIGNATURE_V1 = 0x04
MAX_TIMESTAMP = 2**63 - 1
_HEADER = b"cosignature/v1\n"
_SIGNATURE_BYTES = 8 + 64  # timestamp, Ed25519 signature


def message(text: str, timestamp: int) -> bytes:
    """What a cosignature/v1 signs: the header line, the time line, then the note text."""
    if not 0 < timestamp <= MAX_TIMESTAMP:
        raise NoteError(f"a cosignature's timestamp is 1 .. 2**63 - 1, not {timestamp}")
    return _HEADER + b"time %d\n" % timestamp + text.encode("utf-8")


@dataclass(frozen=True)
class Cosigner:
    """A witness's public key (type 0x04): what a verifier pins."""

    name: str
    key_id: bytes
    public_key: bytes

    @classmethod
    def from_vkey(cls, vkey: str) -> Cosigner:
        """Parse ``name+hexid+base64(0x04||key)``; the key ID must be the one its name and key give."""
        name, hex_id, public_key = split_key(vkey, COSIGNATURE_V1, "witness key")
        kid = key_id(name, public_key, COSIGNATURE_V1)
        if hex_id != kid.hex():
            raise KeyFormatError("witness key ID does not match its name and key")
        return cls(name, kid, public_key)

    @property
    def vkey(self) -> str:
        """The witness's verifier key string, to publish."""
        material = base64.b64encode(bytes([COSIGNATURE_V1]) + self.public_key).decode("ascii")
        return f"{self.name}+{self.key_id.hex()}+{material}"

    def timestamp(self, text: str, signature: bytes) -> int | None:
        """The time of `signature` if it is this witness's valid cosignature of the note `text`."""
        if len(signature) != _SIGNATURE_BYTES:
            return None
        (timestamp,) = struct.unpack(">Q", signature[:8])
        if not 0 < timestamp <= MAX_TIMESTAMP:
            return None
        ed25519 = Verifier(self.name, self.key_id, self.public_key)  # the same curve, another message
        return timestamp if ed25519.verify(message(text, timestamp), signature[8:]) else None


@dataclass(frozen=True)
class WitnessKey:
    """A witness's private key; keep it out of logs and repr."""

    name: str
    private_key: Ed25519PrivateKey

    def __repr__(self) -> str:
        return f"WitnessKey(name={self.name!r}, key_id={self.cosigner.key_id.hex()})"

    @property
    def cosigner(self) -> Cosigner:
        """The matching public key."""
        public = self.private_key.public_key().public_bytes_raw()
        return Cosigner(self.name, key_id(self.name, public, COSIGNATURE_V1), public)

    @property
    def vkey(self) -> str:
        """The verifier key string to publish."""
        return self.cosigner.vkey

    def cosign(self, text: str, timestamp: int) -> str:
        """The signature line (without its newline) cosigning the note `text` at `timestamp`."""
        signature = self.private_key.sign(message(text, timestamp))
        raw = self.cosigner.key_id + struct.pack(">Q", timestamp) + signature
        return f"\u2014 {self.name} {base64.b64encode(raw).decode('ascii')}"

    def skey(self) -> str:
        """The private key string (`audit.keys.save` writes it)."""
        return private_form(self.name, self.cosigner.key_id, COSIGNATURE_V1, self.private_key)

    @classmethod
    def from_skey(cls, skey: str) -> WitnessKey:
        """Parse the private key string written by `skey`."""
        name, hex_id, seed = split_key(private_text(skey), COSIGNATURE_V1, "witness private key")
        key = cls(name, ed25519_private(seed))
        if key.cosigner.key_id.hex() != hex_id:
            raise KeyFormatError("witness private key ID does not match its name and key")
        return key


def generate(name: str) -> WitnessKey:
    """A fresh witness key called `name` (a schema-less URL naming the witness, e.g. ``jianpiao.example/zhang``)."""
    return WitnessKey(check_key_name(name), ed25519_private())


@dataclass(frozen=True)
class Cosignature:
    """A valid cosignature: whose, and when it was made."""

    cosigner: Cosigner
    timestamp: int


def cosignatures(note: SignedNote, witnesses: Iterable[Cosigner]) -> list[Cosignature]:
    """The valid cosignatures of `note` by `witnesses`, one per witness (the latest time if it
    cosigned twice), in the order of `witnesses`.  Lines of other keys are ignored; a line of a
    given witness that does not verify raises `SignatureError` (signed-note: a known key's bad
    signature rejects the whole note)."""
    known = {(w.name, w.key_id): w for w in witnesses}
    found: dict[Cosigner, int] = {}
    for line in note.signatures:
        witness = known.get((line.name, line.key_id))
        if witness is None:
            continue
        timestamp = witness.timestamp(note.text, line.signature)
        if timestamp is None:
            raise SignatureError(f"bad cosignature by witness {line.name}")
        found[witness] = max(timestamp, found.get(witness, 0))
    return [Cosignature(w, found[w]) for w in known.values() if w in found]
