"""The on-disk formats shared by a live log directory and an export (design.md, "Audit log").

    records.jsonl       one record per line: its RFC 8785 bytes (= RFC 9162 leaf data) + "\\n"
    checkpoints.jsonl   one line per checkpoint: RFC 8785 ``{"note": <C2SP signed note>}`` + "\\n"

Both files are append-only.  A line is whole only when its ``\\n`` is on disk; anything after
the last ``\\n`` is a torn write.  `Chain` checks a stream of record lines as a hash chain
(``seq`` = index, ``prev`` = leaf hash of the previous line) and grows the RFC 9162 tree over them.
"""

from __future__ import annotations

import binascii
import hashlib
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Protocol

from audit import canonical
from audit.checkpoint import MAX_SIZE, Checkpoint, open_checkpoint
from audit.errors import AuditError, CanonicalJSONError, KeyFormatError, NoteError, RecordError, StorageError
from audit.keys import Verifier
from audit.limits import MAX_CHECKPOINT_BYTES
from audit.merkle import MerkleTree
from audit.records import GENESIS_PREV, Record, RecordType, decode, instant

__all__ = [
    "CHECKPOINTS",
    "COSIGNATURES",
    "RECORDS",
    "Chain",
    "ChainBreak",
    "LineReader",
    "LogState",
    "SignedLines",
    "decode_checkpoint_line",
    "encode_checkpoint_line",
    "read_log",
    "read_notes",
]

_sha256 = hashlib.sha256

RECORDS = "records.jsonl"
CHECKPOINTS = "checkpoints.jsonl"
#: Witnesses' cosignatures (C2SP tlog-cosignature): one line per answer, ``{"note": <a checkpoint note of
#: this log with the witness's signature lines after the log's>}``.  Not part of what the log signs.
COSIGNATURES = "cosignatures.jsonl"


class ChainBreak(AuditError):
    """Record `seq` is malformed or does not continue the chain; `code` names the fault."""

    def __init__(self, seq: int, code: str, message: str) -> None:
        super().__init__(f"record seq {seq}: {message}")
        self.seq = seq
        self.code = code
        self.message = message


class _Stream(Protocol):
    """A running digest (`hashlib`'s objects)."""

    def update(self, data: bytes, /) -> None: ...


class LineReader:
    """The whole lines of a file, without their ``\\n``, in blocks (lists) for speed.

    After iterating, `length` is the number of bytes in whole lines and `torn` the bytes after
    the last newline (a torn write), if any.  With `max_line`, reading stops before a line longer
    than that (never holding more of it than one block): `oversized` is then that line's index.
    With `stream`, every block read from the file is fed to it (``stream.update``): two readers
    that stop at the same line and agree on its digest read the same bytes.
    """

    BLOCK = 1 << 22

    def __init__(self, handle: IO[bytes], max_line: int | None = None, stream: _Stream | None = None) -> None:
        self._handle = handle
        self._max = max_line
        self._stream = stream
        self.length = 0
        self.torn = b""
        self.oversized: int | None = None

    def __iter__(self) -> Iterator[list[bytes]]:
        rest = b""
        count = 0
        limit = self._max
        stream = self._stream
        while block := self._handle.read(self.BLOCK):
            if stream is not None:
                stream.update(block)
            if limit is not None and len(rest) + len(block) > limit and b"\n" not in block:
                self.oversized = count  # the line in progress is already too long
                return
            lines = (rest + block).split(b"\n")
            rest = lines.pop()
            if limit is not None and (len(rest) > limit or (lines and max(map(len, lines)) > limit)):
                long = next((i for i, line in enumerate(lines) if len(line) > limit), len(lines))
                lines = lines[:long]
                self.oversized = count + long
            count += len(lines)
            self.length += sum(map(len, lines)) + len(lines)
            if lines:
                yield lines
            if self.oversized is not None:
                return
        self.torn = rest


def whole_lines(path: Path) -> list[bytes]:
    """Every whole line of a file, without its ``\n`` (a torn tail after the last one left out)."""
    with path.open("rb") as handle:
        return [line for block in LineReader(handle) for line in block]


def encode_checkpoint_line(note: str) -> bytes:
    """The line stored for a checkpoint note, newline included."""
    return canonical.dumps({"note": note}) + b"\n"


_CONTROL = re.compile(rb"[\x00-\x1f]")


def decode_checkpoint_line(line: bytes) -> str:
    """The note stored on a checkpoints.jsonl line (without its newline)."""
    if len(line) > MAX_CHECKPOINT_BYTES:
        raise NoteError(f"a checkpoint line is at most {MAX_CHECKPOINT_BYTES} bytes")
    if line.startswith(b'{"note":"') and line.endswith(b'"}'):
        # The line as `encode_checkpoint_line` writes a note that needs no escape but its newlines
        # (every note this log signs): read without a JSON parse.
        escaped = line[9:-2]
        note = escaped.replace(b"\\n", b"\n")
        if b'"' not in escaped and b"\\" not in note and _CONTROL.search(escaped) is None:
            try:
                return note.decode("utf-8")
            except UnicodeDecodeError:
                pass  # judged below
    try:
        obj = canonical.loads(line.decode("utf-8"))
    except (UnicodeDecodeError, CanonicalJSONError) as exc:
        raise NoteError(f"checkpoint line is not canonical JSON: {exc}") from exc
    if type(obj) is not dict or obj.keys() != {"note"} or type(obj["note"]) is not str:
        raise NoteError('a checkpoint line is {"note": <signed note>}')
    return obj["note"]


#: The last base64 digit before a single "=" in canonical base64 (its two low bits are zero).
_LAST_DIGIT = rb"[AEIMQUYcgkosw048]"


class SignedLines:
    """A fast reader of checkpoints.jsonl lines as `encode_checkpoint_line` writes the checkpoints of
    `origin` each signed once by `verifier`: one regular expression per line instead of a note parse.
    `read` accepts only a line that `decode_checkpoint_line` and `read_checkpoint` read without an
    error, as that checkpoint signed by the key (name and key ID) with canonical base64 and a size
    of at most 2**64 - 1, and gives what they give; any other line is theirs to judge."""

    def __init__(self, origin: str, verifier: Verifier) -> None:
        self._origin = origin
        self._key_id = verifier.key_id
        self._line = re.compile(
            rb'\{"note":"' + re.escape(origin.encode("utf-8")) + rb"\\n(0|[1-9][0-9]{0,19})\\n([A-Za-z0-9+/]{42}"
            + _LAST_DIGIT + rb"=)\\n\\n\xe2\x80\x94 " + re.escape(verifier.name.encode("utf-8"))
            + rb" ([A-Za-z0-9+/]{90}" + _LAST_DIGIT + rb'=)\\n"\}'
        )

    def read(self, line: bytes) -> tuple[Checkpoint, str, bytes] | None:
        """The checkpoint on `line`, its note's text and the key's one signature; None: not such a line."""
        match = self._line.fullmatch(line)
        if match is None:
            return None
        size = int(match[1])
        signed = binascii.a2b_base64(match[3])
        if size > MAX_SIZE or signed[:4] != self._key_id:
            return None
        note = line[9:-2].replace(b"\\n", b"\n").decode("utf-8")
        text = note[: note.rfind("\n\n") + 1]
        return Checkpoint(self._origin, size, binascii.a2b_base64(match[2]), note), text, signed[4:]


class Chain:
    """Check record lines one by one and build the Merkle tree over them.

    Leaf hashes are batched into the tree (`MerkleTree.extend_hashes`); read `tree` for an
    up-to-date tree.
    """

    _BATCH = 4096 * 32  # bytes of leaf hashes to collect before extending the tree

    def __init__(self) -> None:
        self._tree = MerkleTree()
        self._pending = bytearray()
        self._count = 0
        self.last_hash = bytes(32)
        self._last_hex = GENESIS_PREV.encode("ascii")

    @property
    def size(self) -> int:
        """The number of records added."""
        return self._count

    @property
    def tree(self) -> MerkleTree:
        """The tree over every record added so far."""
        if self._pending:
            self._tree.extend_hashes(self._pending)
            self._pending = bytearray()
        return self._tree

    def _link(self, seq: int, prev: bytes, line: bytes) -> None:
        count = self._count
        if seq != count:
            why = "records reordered, dropped or inserted"
            raise ChainBreak(count, "wrong-seq", f"line {count} carries seq {seq} ({why})")
        if prev != self._last_hex:
            why = f"record {count - 1} or {count} altered" if count else "the first record's prev is 64 zeros"
            raise ChainBreak(count, "broken-chain", f"prev is not the hash of the previous record ({why})")
        digest = _sha256(b"\x00" + line).digest()
        self._pending += digest
        self.last_hash = digest
        self._last_hex = digest.hex().encode("ascii")
        self._count = count + 1
        if len(self._pending) >= self._BATCH:
            self._tree.extend_hashes(self._pending)
            self._pending = bytearray()

    def add(self, line: bytes) -> Record:
        """Check the next record line and add its leaf; raise `ChainBreak` if it is wrong."""
        try:
            record = decode(line)
        except RecordError as exc:
            raise ChainBreak(self._count, "bad-record", f"malformed record: {exc}") from exc
        self._link(record.seq, record.prev.encode("ascii"), line)
        return record


@dataclass(frozen=True)
class LogState:
    """What `read_log` found in a log directory (or an export, which has the same files)."""

    chain: Chain
    checkpoints: tuple[Checkpoint, ...]
    origin: str  # "" for an empty log
    verifier: Verifier | None  # None for an empty log read without a key
    records_length: int  # bytes of the whole records read
    checkpoints_length: int  # bytes of the whole checkpoint lines
    last_time: str = ""  # the latest time of the records read (a backdated record's is earlier)


def read_notes(path: Path) -> tuple[list[str], int]:
    """The notes on the whole lines of a checkpoints file, and those lines' length in bytes."""
    notes: list[str] = []
    with path.open("rb") as handle:
        reader = LineReader(handle)
        for block in reader:
            for line in block:
                try:
                    notes.append(decode_checkpoint_line(line))
                except NoteError as exc:
                    raise StorageError(f"checkpoint {len(notes)}: {exc}") from exc
    return notes, reader.length


def _opening(record: Record, verifier: Verifier | None) -> tuple[str, Verifier]:
    if record.type != RecordType.LOG_OPENED:
        raise StorageError(f"the first record is {record.type!r}, not log_opened")
    vkey = record.body["vkey"]
    if verifier is None:
        try:
            verifier = Verifier.from_vkey(vkey)
        except KeyFormatError as exc:
            raise StorageError(f"log_opened: {exc}") from exc
    elif vkey != verifier.vkey:
        raise StorageError(f"this log belongs to key {vkey}, not {verifier.vkey}")
    return record.body["origin"], verifier


def read_log(
    directory: Path,
    verifier: Verifier | None = None,
    *,
    signed_only: bool = False,
    on_record: Callable[[Record], None] | None = None,
) -> LogState:
    """Read and check a log directory: every record chained, every checkpoint signed by the
    log's key (`verifier`, or the one named in its log_opened record) with the right root.

    With `signed_only`, records after the latest checkpoint are not read (a log being written
    may have a torn tail there).  Raises `StorageError` on any inconsistency.
    """
    notes, checkpoints_length = read_notes(directory / CHECKPOINTS)
    chain = Chain()
    checkpoints: list[Checkpoint] = []
    origin = ""
    limit: int | None = None
    length = 0
    last_time = ""
    with (directory / RECORDS).open("rb") as handle:
        for block in LineReader(handle):
            for line in block:
                if chain.size == limit:
                    break
                try:
                    record = chain.add(line)
                except ChainBreak as exc:
                    raise StorageError(str(exc)) from exc
                length += len(line) + 1
                if not last_time or instant(record.time) > instant(last_time):
                    last_time = record.time  # (a backdated secret ballot does not move the clock back)
                if record.seq == 0:
                    origin, verifier = _opening(record, verifier)
                    checkpoints = _open_checkpoints(notes, verifier, origin)
                    if signed_only and checkpoints:
                        limit = checkpoints[-1].size
                if on_record is not None:
                    on_record(record)
    if chain.size == 0 and notes:
        raise StorageError("the log has checkpoints but no records")
    _check_roots(chain, checkpoints)
    return LogState(chain, tuple(checkpoints), origin, verifier, length, checkpoints_length, last_time)


def _open_checkpoints(notes: list[str], verifier: Verifier, origin: str) -> list[Checkpoint]:
    checkpoints: list[Checkpoint] = []
    for number, note in enumerate(notes):
        try:
            checkpoint = open_checkpoint(note, verifier, origin)
        except NoteError as exc:
            raise StorageError(f"checkpoint {number}: {exc}") from exc
        if checkpoints and checkpoint.size <= checkpoints[-1].size:
            raise StorageError(f"checkpoint {number} does not grow the log (size {checkpoint.size})")
        checkpoints.append(checkpoint)
    return checkpoints


def _check_roots(chain: Chain, checkpoints: list[Checkpoint]) -> None:
    tree = chain.tree
    for number, checkpoint in enumerate(checkpoints):
        if checkpoint.size > tree.size:
            raise StorageError(f"checkpoint {number} signs {checkpoint.size} records but only {tree.size} are whole")
        if tree.root(checkpoint.size) != checkpoint.root:
            raise StorageError(f"checkpoint {number}: the records do not hash to its root")
