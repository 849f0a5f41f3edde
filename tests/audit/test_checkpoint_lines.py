"""`audit.logfile.SignedLines`, the verifier's fast reader of checkpoints.jsonl lines: whatever line it
accepts, the full reader (`decode_checkpoint_line`, `read_checkpoint`, `signatures_by`) reads to the
very same checkpoint, note text and signature; every other line it leaves to the full reader."""

from __future__ import annotations

import base64
import random

from audit import keys
from audit.checkpoint import read_checkpoint, sign_checkpoint
from audit.errors import NoteError
from audit.logfile import SignedLines, decode_checkpoint_line, encode_checkpoint_line
from audit.note import signatures_by

ORIGIN = "renda.example/会议-1"
KEY = keys.generate("renda.example/log")


def _line(size: int, key: keys.Signer = KEY, origin: str = ORIGIN) -> bytes:
    root = bytes(random.Random(size).randrange(256) for _ in range(32))
    return encode_checkpoint_line(sign_checkpoint(origin, size, root, key).note)[:-1]


def _full(line: bytes) -> tuple[object, str, list[bytes]] | None:
    try:
        checkpoint, parsed = read_checkpoint(decode_checkpoint_line(line))
    except NoteError:
        return None
    return checkpoint, parsed.text, signatures_by(parsed, KEY.verifier)


def test_the_lines_the_log_writes_read_as_the_full_reader_reads_them() -> None:
    lines = SignedLines(ORIGIN, KEY.verifier)
    for size in (1, 17, 4096, 2**63, 2**64 - 1):
        fast = lines.read(_line(size))
        assert fast is not None
        checkpoint, text, signature = fast
        assert _full(_line(size)) == (checkpoint, text, [signature])
        assert checkpoint.size == size


def test_other_lines_are_left_to_the_full_reader() -> None:
    lines = SignedLines(ORIGIN, KEY.verifier)
    good = _line(5)
    note = decode_checkpoint_line(good)
    root = note.split("\n")[2]
    signature = note.split(" ")[-1].rstrip("\n")
    # the last base64 digit of the root and of the signature spelt with non-zero padding bits
    loose_root = root[:-2] + chr(ord(root[-2]) + 1) + "="
    loose_signature = signature[:-2] + chr(ord(signature[-2]) + 1) + "="
    other = keys.generate("renda.example/log")  # same name, another key ID
    renamed = keys.generate("renda.example/other")
    twice = note + "\u2014 " + KEY.name + " " + signature + "\n"
    declined = [
        good.replace(root.encode(), loose_root.encode()),
        good.replace(signature.encode(), loose_signature.encode()),
        _line(2**64),  # beyond a uint64: the full reader says why
        _line(5, other),
        _line(5, renamed),
        encode_checkpoint_line(twice)[:-1],
        _line(5, origin="renda.example/another"),
        good.replace(b"\\n5\\n", b"\\n05\\n"),
        good + b" ",
    ]
    for line in declined:
        assert lines.read(line) is None, line


def test_no_altered_line_reads_otherwise_than_the_full_reader_reads_it() -> None:
    lines = SignedLines(ORIGIN, KEY.verifier)
    rng = random.Random(15)
    good = _line(123456)
    accepted = 0
    for _ in range(3000):
        line = bytearray(good)
        for _ in range(rng.randint(1, 2)):
            line[rng.randrange(len(line))] = rng.choice(b'AEIMQUYcgkosw048Bz+/=0123456789\\n"\x00\xe2 ')
        fast = lines.read(bytes(line))
        if fast is not None:
            accepted += 1
            checkpoint, text, signature = fast
            assert _full(bytes(line)) == (checkpoint, text, [signature])
    assert accepted > 100  # (the changes it accepts are checked above; most are of the size, root and signature)
    assert base64.b64decode(decode_checkpoint_line(good).split(" ")[-1])[:4] == KEY.verifier.key_id
