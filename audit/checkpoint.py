"""Transparency-log checkpoints (https://c2sp.org/tlog-checkpoint): a signed note whose text is

    <origin>
    <tree size, ASCII decimal, no leading zeroes>
    <base64 of the RFC 9162 root hash>
    [extension lines, non-empty; we write none]

signed with the log's Ed25519 note key (`audit.note`).  The log signs one checkpoint per batch
of records, never one per record (design.md: Ed25519 sign ≈ 14k/s).
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass

from audit.errors import NoteError
from audit.keys import Signer, Verifier, b64decode_strict
from audit.merkle import HASH_SIZE
from audit.note import SignedNote, open_note, parse_note, sign_note

__all__ = ["Checkpoint", "checkpoint_text", "open_checkpoint", "read_checkpoint", "sign_checkpoint"]

_SIZE = re.compile(r"0|[1-9][0-9]{0,19}", re.ASCII)
MAX_SIZE = 2**64 - 1  # a tree size is a uint64 (C2SP tlog-checkpoint, RFC 9162)


@dataclass(frozen=True)
class Checkpoint:
    """A signed tree head: `note` is the exact signed text, the other fields are parsed from it."""

    origin: str
    size: int
    root: bytes
    note: str


def checkpoint_text(origin: str, size: int, root: bytes) -> str:
    """The note text of a checkpoint (before signing)."""
    if not origin or "\n" in origin:
        raise NoteError("a checkpoint origin is one non-empty line")
    if size < 0 or len(root) != HASH_SIZE:
        raise NoteError("a checkpoint has a size >= 0 and a 32-byte root")
    return f"{origin}\n{size}\n{base64.b64encode(root).decode('ascii')}\n"


def sign_checkpoint(origin: str, size: int, root: bytes, signer: Signer) -> Checkpoint:
    """Sign the checkpoint (origin, size, root) with `signer`."""
    return Checkpoint(origin, size, root, sign_note(checkpoint_text(origin, size, root), signer))


def open_checkpoint(note: str, verifier: Verifier, origin: str | None = None) -> Checkpoint:
    """Verify `note` with `verifier`, parse its checkpoint text, and check its origin if given.

    Raises `NoteError` on a bad signature or a malformed checkpoint.
    """
    return _parse(open_note(note, [verifier]).text, note, origin)


def read_checkpoint(note: str, origin: str | None = None) -> tuple[Checkpoint, SignedNote]:
    """Parse a checkpoint note *without* verifying its signatures (the verifier checks them
    apart, in bulk: `audit.signatures`).  Raises `NoteError` if it is malformed."""
    parsed = parse_note(note)
    return _parse(parsed.text, note, origin), parsed


def _parse(text: str, note: str, origin: str | None) -> Checkpoint:
    lines = text[:-1].split("\n")
    if len(lines) < 3 or not all(lines):
        raise NoteError("a checkpoint has an origin, a size and a root hash, on non-empty lines")
    if _SIZE.fullmatch(lines[1]) is None or int(lines[1]) > MAX_SIZE:
        raise NoteError(f"bad checkpoint tree size {lines[1][:40]!r}")
    try:
        root = b64decode_strict(lines[2])
    except ValueError as exc:
        raise NoteError(f"bad checkpoint root hash: {exc}") from exc
    if len(root) != HASH_SIZE:
        raise NoteError("a checkpoint root hash has 32 bytes")
    if origin is not None and lines[0] != origin:
        raise NoteError(f"checkpoint origin {lines[0]!r} is not this log's origin {origin!r}")
    return Checkpoint(lines[0], int(lines[1]), root, note)
