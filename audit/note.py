"""C2SP signed notes (https://c2sp.org/signed-note, "Format" and "Signatures").

    <text, ending in a newline>
    <blank line>
    — <key name> <base64(4-byte key ID || signature)>      one line per signature

The text is valid UTF-8 with no ASCII control characters but newline; it is separated from
the signatures by the *last* blank line.  Verification follows the spec: signatures from unknown
keys (name *and* ID) are ignored; a known key's signature that fails rejects the whole note; a
note with no verified known signature is rejected.  We accept at most 100 signature lines.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterable
from dataclasses import dataclass

from audit.errors import KeyFormatError, NoteError, SignatureError
from audit.keys import Signer, Verifier, b64decode_strict, check_key_name

__all__ = [
    "MAX_SIGNATURES",
    "NoteSignature",
    "SignedNote",
    "open_note",
    "parse_note",
    "sign_note",
    "signatures_by",
]

_DASH = "\u2014 "
_CONTROL = re.compile("[\x00-\x09\x0b-\x1f]")
MAX_SIGNATURES = 100


@dataclass(frozen=True)
class NoteSignature:
    """One signature line: key name, 4-byte key ID, raw signature bytes."""

    name: str
    key_id: bytes
    signature: bytes

    @property
    def line(self) -> str:
        """The signature line, without its newline."""
        return f"{_DASH}{self.name} {base64.b64encode(self.key_id + self.signature).decode('ascii')}"


@dataclass(frozen=True)
class SignedNote:
    """A parsed, not yet verified, signed note."""

    text: str
    signatures: tuple[NoteSignature, ...]


def _check_text(text: str) -> None:
    if not text.endswith("\n"):
        raise NoteError("note text must end with a newline")
    if _CONTROL.search(text) is not None:
        raise NoteError("note text contains an ASCII control character")
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise NoteError("note text is not valid UTF-8") from exc


def sign_note(text: str, signer: Signer) -> str:
    """Sign `text` with `signer`; return the whole signed note."""
    _check_text(text)
    kid = signer.verifier.key_id
    sig = base64.b64encode(kid + signer.sign(text.encode("utf-8"))).decode("ascii")
    return f"{text}\n{_DASH}{signer.name} {sig}\n"


def _parse_signature(line: str) -> NoteSignature:
    if not line.startswith(_DASH):
        raise NoteError("a signature line starts with an em dash and a space")
    fields = line[len(_DASH) :].split(" ")
    if len(fields) != 2:
        raise NoteError("a signature line is '— <name> <signature>'")
    name, encoded = fields
    try:
        check_key_name(name)
        raw = b64decode_strict(encoded)
    except (KeyFormatError, ValueError) as exc:
        raise NoteError(f"bad signature line: {exc}") from exc
    if len(raw) < 5:
        raise NoteError("a signature has a 4-byte key ID and at least one byte")
    return NoteSignature(name, raw[:4], raw[4:])


def parse_note(note: str) -> SignedNote:
    """Split a signed note into text and signature lines, checking the syntax strictly."""
    _check_text(note)
    cut = note.rfind("\n\n")
    if cut < 0:
        raise NoteError("a signed note has a blank line before its signatures")
    text, lines = note[: cut + 1], note[cut + 2 : -1].split("\n")
    if len(lines) > MAX_SIGNATURES:
        raise NoteError(f"more than {MAX_SIGNATURES} signatures")
    return SignedNote(text, tuple(_parse_signature(line) for line in lines))


def signatures_by(parsed: SignedNote, verifier: Verifier) -> list[bytes]:
    """The signatures of `parsed` that name `verifier`'s key (name and key ID), not yet checked:
    each must verify for the note to be this key's; none at all means it is not."""
    return [sig.signature for sig in parsed.signatures if (sig.name, sig.key_id) == (verifier.name, verifier.key_id)]


def open_note(note: str, verifiers: Iterable[Verifier]) -> SignedNote:
    """Parse `note` and verify it against the trusted `verifiers`; return it if it verifies."""
    parsed = parse_note(note)
    known = {(v.name, v.key_id): v for v in verifiers}
    message = parsed.text.encode("utf-8")
    verified = False
    for sig in parsed.signatures:
        verifier = known.get((sig.name, sig.key_id))
        if verifier is None:
            continue
        if not verifier.verify(message, sig.signature):
            raise SignatureError(f"bad signature by {sig.name}")
        verified = True
    if not verified:
        raise SignatureError("no signature from the trusted key")
    return parsed
