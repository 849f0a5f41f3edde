"""The live, append-only audit log on disk (design.md, "Audit log"; RFC 9162 §2.1; C2SP
tlog-checkpoint).

A log directory holds ``records.jsonl`` and ``checkpoints.jsonl`` (`audit.logfile`) and a
``lock`` file: one writer process at a time (``flock``).  Records are buffered; a checkpoint
flushes and fsyncs the records, then signs and fsyncs the checkpoint: a checkpoint therefore never
covers a record that is not on disk, and durability is exactly "up to the latest checkpoint".

Reopening re-reads every record, re-checks the chain and every checkpoint, and rebuilds the
tree.  A torn tail (bytes after the last newline: a crash in the middle of a write) is cut off,
kept in ``recovered/`` as evidence, and a ``log_recovered`` record saying how many bytes were cut
(and their SHA-256) is appended and checkpointed: a torn write is never silently accepted, and
never silently forgotten.  Anything else that is inconsistent makes `AuditLog.open` fail.

A server that keeps a database copy of the records (design.md: "the database may keep its own
copy; this file is the evidence") stages records with `AuditLog.append_encoded`, rolls a failed
transaction back with `AuditLog.truncate` (unsigned records only), and at start-up calls
`AuditLog.reconcile` to restore what a crash lost between its commit and the fsync.
"""

from __future__ import annotations

import bisect
import contextlib
import fcntl
import hashlib
import os
import secrets
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Any

from audit import held, records
from audit.checkpoint import Checkpoint, checkpoint_text, open_checkpoint, read_checkpoint, sign_checkpoint
from audit.errors import NoteError, RecordError, StorageError
from audit.keys import Signer, Verifier
from audit.logfile import (
    CHECKPOINTS,
    COSIGNATURES,
    RECORDS,
    LineReader,
    decode_checkpoint_line,
    encode_checkpoint_line,
    read_log,
    read_notes,
    whole_lines,
)
from audit.merkle import EMPTY_ROOT, MerkleTree
from audit.note import parse_note
from audit.receipt import make_receipt
from audit.records import RecordType

__all__ = ["AuditLog", "Reconciliation", "Recovery"]

RECOVERED = "recovered"
_RESERVED = frozenset({RecordType.LOG_OPENED, RecordType.LOG_RECOVERED})
LOCK = "lock"


@dataclass(frozen=True)
class Recovery:
    """A torn tail cut from `file` at `offset` when the log was reopened."""

    file: str
    offset: int
    truncated_bytes: int
    sha256: str
    saved_to: Path


@dataclass(frozen=True)
class Reconciliation:
    """What `AuditLog.reconcile` changed in the evidence file to match the database copy."""

    restored: int  # records copied back from the database (the file was short)
    cut_records: int  # whole records past the database and past every checkpoint, removed
    cut_bytes: int  # bytes of a torn last line, removed


def _lock(path: Path) -> int:
    lock_fd = os.open(path / LOCK, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(lock_fd)
        raise StorageError(f"{path} is open in another process / 日志正被其他进程使用") from None
    return lock_fd


def _keep(directory: Path, name: str, data: bytes) -> Path:
    """Keep bytes removed from the evidence in recovered/, fsynced."""
    saved = directory / RECOVERED / name
    saved.parent.mkdir(exist_ok=True)
    with saved.open("wb") as keep:
        keep.write(data)
        keep.flush()
        os.fsync(keep.fileno())
    return saved


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _cut_torn_tail(directory: Path, name: str, whole: int) -> Recovery | None:
    path = directory / name
    if path.stat().st_size == whole:
        return None
    with path.open("r+b") as handle:
        handle.seek(whole)
        tail = handle.read()
        saved = _keep(directory, f"{name}.{whole}.torn", tail)
        handle.truncate(whole)
        handle.flush()
        os.fsync(handle.fileno())
    return Recovery(name, whole, len(tail), hashlib.sha256(tail).hexdigest(), saved)


class AuditLog:
    """An open audit log.  Create or reopen one with `AuditLog.open`; one writer at a time."""

    def __init__(self, directory: Path, signer: Signer, lock_fd: int, checkpoint_every: int | None) -> None:
        """Internal: use `AuditLog.open`."""
        self.directory = directory
        self._signer = signer
        self._lock_fd = lock_fd
        self._every = checkpoint_every
        self._mutex = threading.RLock()
        self._tree = MerkleTree()
        self._last_hex = records.GENESIS_PREV
        self._checkpoints: list[Checkpoint] = []
        self._origin = ""
        self._broken = False
        self._closed = False
        self._last_lines: list[bytes] = []
        self._last_time = ""  # the time of the last record, as written
        self.recoveries: tuple[Recovery, ...] = ()
        self._length = 0  # bytes of whole records written (buffered or not)
        self._unsigned: list[int] = []  # line lengths of the records after the latest checkpoint
        self._records = (directory / RECORDS).open("ab")
        self._notes = (directory / CHECKPOINTS).open("ab")
        self._cosigning = threading.Lock()  # the cosignatures file: not the writer's lock
        self._cosigned: Checkpoint | None = None  # the newest checkpoint cosigned, cosignatures appended
        #: checkpoint size -> the cosignature lines its witnesses gave, by (name, key ID): the latest of each
        self._cosignatures: dict[int, dict[tuple[str, bytes], str]] = {}

    # -- opening --------------------------------------------------------------------------

    @classmethod
    def open(
        cls,
        directory: str | os.PathLike[str],
        signer: Signer,
        origin: str | None = None,
        *,
        checkpoint_every: int | None = None,
    ) -> AuditLog:
        """Open the log in `directory`, creating it (with a signed ``log_opened`` record) if empty.

        `origin` is the checkpoint origin line, by default the key name.  `checkpoint_every`
        makes `append` sign a checkpoint by itself every that many records.  Raises
        `StorageError` if another process holds the log, if it belongs to another key or origin,
        or if its evidence is inconsistent.
        """
        if checkpoint_every is not None and checkpoint_every < 1:
            raise ValueError("checkpoint_every must be >= 1")
        path = Path(directory)
        path.mkdir(parents=True, exist_ok=True)
        log = cls(path, signer, _lock(path), checkpoint_every)
        try:
            log._load(origin)
        except BaseException:
            log._release()
            raise
        return log

    def _load(self, origin: str | None) -> None:
        state = read_log(self.directory, self._signer.verifier)
        cut = (
            _cut_torn_tail(self.directory, RECORDS, state.records_length),
            _cut_torn_tail(self.directory, CHECKPOINTS, state.checkpoints_length),
        )
        self.recoveries = tuple(r for r in cut if r is not None)
        if state.chain.size == 0:
            self._origin = origin if origin is not None else self._signer.name
            checkpoint_text(self._origin, 0, EMPTY_ROOT)  # rejects a malformed origin early
            _fsync_dir(self.directory)
            opening = {"origin": self._origin, "vkey": self._signer.vkey}
            self._append([(RecordType.LOG_OPENED, opening)], None)
        elif origin is not None and origin != state.origin:
            raise StorageError(f"this log's origin is {state.origin!r}, not {origin!r}")
        else:
            self._origin = state.origin
            self._length = state.records_length
            self._tree = state.chain.tree
            self._last_hex = state.chain.last_hash.hex()
            self._last_time = state.last_time
            self._checkpoints = list(state.checkpoints)
        for recovery in self.recoveries:
            body = {"file": recovery.file, "truncated_bytes": recovery.truncated_bytes, "sha256": recovery.sha256}
            self._append([(RecordType.LOG_RECOVERED, body)], None)
        self.checkpoint()
        self._load_cosignatures()

    def _load_cosignatures(self) -> None:
        """The newest cosigned checkpoint, from the cosignatures file (a torn last line, from a crash in
        the middle of a write, is cut off and kept in ``recovered/``: the file is not evidence the log
        signs, and a witness cosigns again)."""
        path = self.directory / COSIGNATURES
        if not path.exists():
            return
        with path.open("rb") as handle:
            reader = LineReader(handle)
            lines = [line for block in reader for line in block]
        _cut_torn_tail(self.directory, COSIGNATURES, reader.length)
        for line in lines:
            try:
                self._remember(decode_checkpoint_line(line))
            except NoteError:
                continue  # not one of this log's checkpoints: the export leaves it out too


    # -- state ----------------------------------------------------------------------------

    @property
    def origin(self) -> str:
        """The checkpoint origin line of this log."""
        return self._origin

    @property
    def vkey(self) -> str:
        """The published verifier key of this log."""
        return self._signer.vkey

    @property
    def size(self) -> int:
        """The number of records, checkpointed or not."""
        return self._tree.size

    @property
    def checkpoints(self) -> tuple[Checkpoint, ...]:
        """Every checkpoint signed so far, oldest first."""
        return tuple(self._checkpoints)

    @property
    def latest_checkpoint(self) -> Checkpoint:
        """The latest signed checkpoint."""
        return self._checkpoints[-1]

    def root(self, size: int | None = None) -> bytes:
        """The RFC 9162 root of the first `size` records (all by default)."""
        return self._tree.root(size)

    def leaf_hash(self, index: int) -> bytes:
        """The RFC 9162 leaf hash of record `index`."""
        return self._tree.leaf(index)

    # -- appending ------------------------------------------------------------------------

    def _usable(self) -> None:
        if self._closed:
            raise StorageError("the log is closed")
        if self._broken:
            raise StorageError("a write failed; reopen the log to recover / 写入失败，请重新打开日志")

    def _write(self, data: bytes) -> None:
        try:
            self._records.write(data)
        except OSError as exc:
            self._broken = True
            raise StorageError(f"cannot write {RECORDS}: {exc}") from exc

    @staticmethod
    def _time(time: str | datetime | None) -> str:
        if time is None:
            return records.now()
        if isinstance(time, datetime):
            return records.format_time(time)
        return records.check_time(time)

    def append(self, type: str, body: Mapping[str, Any], time: str | datetime | None = None) -> int:
        """Append one record; return its index (its ``seq``).  Validates the body of known types."""
        return self.append_many([(type, body)], time=time)[0]

    def append_many(
        self,
        entries: Iterable[tuple[str, Mapping[str, Any]]],
        time: str | datetime | None = None,
        *,
        shuffle: bool = False,
        backdated: bool = False,
    ) -> list[int]:
        """Append several records with one timestamp and one write; return the index of each
        entry, in the order given.

        All entries are encoded (and checked) before anything is written.  With `shuffle`, the
        batch is written in a random order (``secrets.SystemRandom``): for secret ballots, so
        that neither order nor time in the log links a ballot to a deputy's check-in or to the
        moment they pressed (design.md, "Secret ballots").  With `backdated`, `time` (required)
        is written as given even if it is earlier than the last record's, and the log's clock
        stays where it was: a secret ballot carries its vote's opening time, never the moment it
        arrived (docs/verifier-spec.md, 15d).  The log's own types (``log_opened``,
        ``log_recovered``) are refused.
        """
        batch = list(entries)
        for type_, _ in batch:
            if type_ in _RESERVED:
                raise RecordError(f"{type_} records are written by the log itself")
        if backdated and time is None:
            raise ValueError("a backdated record needs its time")
        order = list(range(len(batch)))
        if shuffle:
            secrets.SystemRandom().shuffle(order)
        written = self._append([batch[i] for i in order], time, backdated)
        indexes = [0] * len(batch)
        for position, entry in enumerate(order):
            indexes[entry] = written[position]
        return indexes

    def append_encoded(
        self, type: str, body: Mapping[str, Any], time: str | datetime | None = None
    ) -> tuple[int, bytes]:
        """`append`, also returning the record's canonical bytes (for a database copy)."""
        return self.append_many_encoded([(type, body)], time)[0]

    def append_many_encoded(
        self, entries: Iterable[tuple[str, Mapping[str, Any]]], time: str | datetime | None = None, *,
        backdated: bool = False,
    ) -> list[tuple[int, bytes]]:
        """`append_many` in the order given, also returning each record's index and canonical bytes."""
        batch = list(entries)
        if not batch:
            return []
        with self._mutex:
            indexes = self.append_many(batch, time, backdated=backdated)
            return list(zip(indexes, self._last_lines, strict=True))

    def _append(
        self, entries: list[tuple[str, Mapping[str, Any]]], time: str | datetime | None, backdated: bool = False
    ) -> list[int]:
        with self._mutex:
            self._usable()
            stamp = self._time(time)
            if not backdated and self._last_time and records.instant(stamp) < records.instant(self._last_time):
                stamp = self._last_time  # the clock stepped back: never date a record before the last one
            first = seq = self._tree.size
            prev = self._last_hex
            lines: list[bytes] = []
            hashes = bytearray()
            for type_, body in entries:
                line = records.encode(seq, type_, stamp, prev, body)
                digest = held.sha256(b"\x00" + line)  # the server's writer keeps the GIL (audit/held.py)
                lines.append(line)
                hashes += digest
                prev = digest.hex()
                seq += 1
            if not lines:
                return []
            self._last_lines = lines[:]
            if not backdated:
                self._last_time = stamp
            self._unsigned.extend(len(line) + 1 for line in lines)
            lines.append(b"")
            data = b"\n".join(lines)
            self._write(data)
            self._length += len(data)
            if len(lines) == 2:
                self._tree.append_hash(bytes(hashes))
            else:
                self._tree.extend_hashes(hashes)
            self._last_hex = prev
            if self._every is not None and seq - self._signed_size() >= self._every:
                self.checkpoint()
            return list(range(first, seq))

    def _signed_size(self) -> int:
        return self._checkpoints[-1].size if self._checkpoints else 0

    def checkpoint(self) -> Checkpoint:
        """Flush and fsync the records, then sign and fsync a checkpoint of the whole log.

        Returns the latest checkpoint unchanged if no record was added since.
        """
        with self._mutex:
            self._usable()
            size = self._tree.size
            if size == self._signed_size():
                return self._checkpoints[-1]
            checkpoint = sign_checkpoint(self._origin, size, self._tree.root(), self._signer)
            try:
                self._records.flush()
                os.fsync(self._records.fileno())
                self._notes.write(encode_checkpoint_line(checkpoint.note))
                self._notes.flush()
                os.fsync(self._notes.fileno())
            except OSError as exc:
                self._broken = True
                raise StorageError(f"cannot write the checkpoint: {exc}") from exc
            self._checkpoints.append(checkpoint)
            self._unsigned.clear()
            return checkpoint

    # -- witnesses' cosignatures -------------------------------------------------------------

    def _own(self, note: str) -> tuple[Checkpoint, dict[tuple[str, bytes], str]]:
        """The checkpoint of this log whose text `note` has, and the note's other signature lines by key."""
        claimed, parsed = read_checkpoint(note)
        index = bisect.bisect_left(self._checkpoints, claimed.size, key=lambda c: c.size)
        if index == len(self._checkpoints) or not self._checkpoints[index].note.startswith(parsed.text + "\n"):
            raise NoteError("not a checkpoint this log signed")
        checkpoint = self._checkpoints[index]
        own = set(parse_note(checkpoint.note).signatures)
        return checkpoint, {(s.name, s.key_id): s.line for s in parsed.signatures if s not in own}

    def _remember(self, note: str) -> Checkpoint:
        """Merge the cosignature lines of `note` into those its checkpoint already got (one line per
        key: the latest), and make it the newest cosigned checkpoint if it is that one or a newer
        one; returns the checkpoint `note` cosigns."""
        checkpoint, lines = self._own(note)
        lines = {**self._cosignatures.get(checkpoint.size, {}), **lines}
        merged = checkpoint.note + "".join(f"{line}\n" for line in lines.values())
        parse_note(merged)  # at most MAX_SIGNATURES lines in all, as every reader requires
        self._cosignatures[checkpoint.size] = lines
        newest = self._cosigned
        if newest is None or newest.size <= checkpoint.size:
            self._cosigned = Checkpoint(checkpoint.origin, checkpoint.size, checkpoint.root, merged)
        return checkpoint

    def add_cosignatures(self, note: str) -> Checkpoint:
        """Keep witnesses' cosignatures: `note` is one of this log's checkpoints with their signature
        lines appended (checked by whoever asked the witness: this only checks that the text is this
        log's). Appended to the cosignatures file and fsynced; returns the checkpoint cosigned.
        Raises `NoteError` if `note` is not one of this log's checkpoints."""
        with self._cosigning:
            self._usable()
            checkpoint = self._remember(note)
            with (self.directory / COSIGNATURES).open("ab") as handle:
                handle.write(encode_checkpoint_line(note))
                handle.flush()
                os.fsync(handle.fileno())
            return checkpoint

    @property
    def cosigned(self) -> Checkpoint | None:
        """The newest checkpoint some witness cosigned, its note with every cosignature it got."""
        return self._cosigned

    def with_cosignatures(self, checkpoint: Checkpoint) -> str:
        """One of this log's checkpoints, its note with every witness's cosignature it got (one line
        per witness key, the latest): what a printed sheet carries (server/evidence.py)."""
        lines = self._cosignatures.get(checkpoint.size, {})
        return checkpoint.note + "".join(f"{line}\n" for line in lines.values())

    def truncate(self, size: int) -> None:
        """Remove the records from `size` on; only records no checkpoint signs can go.

        For a writer whose database transaction failed after it staged records: nothing was
        acknowledged, so the file goes back to what it was.
        """
        with self._mutex:
            self._usable()
            signed = self._signed_size()
            if not signed <= size <= self._tree.size:
                raise StorageError(f"cannot truncate to {size}: records {signed}..{self._tree.size - 1} are unsigned")
            drop = self._tree.size - size
            if not drop:
                return
            cut = sum(self._unsigned[-drop:])
            del self._unsigned[-drop:]
            try:
                self._records.flush()
                os.ftruncate(self._records.fileno(), self._length - cut)
            except OSError as exc:
                self._broken = True
                raise StorageError(f"cannot truncate {RECORDS}: {exc}") from exc
            self._length -= cut
            self._tree.truncate(size)
            self._last_hex = self._tree.leaf(size - 1).hex()

    def lines(self, start: int = 0) -> list[bytes]:
        """The canonical bytes of records `start`.. (read back from the file)."""
        with self._mutex:
            self._usable()
            self._records.flush()
            return whole_lines(self.directory / RECORDS)[start : self._tree.size]

    @classmethod
    def reconcile(
        cls, directory: str | os.PathLike[str], database_lines: Sequence[bytes], verifier: Verifier
    ) -> Reconciliation:
        """Bring the evidence file in line with the database's copy of it, before `open`.

        For a server that stages records in the file, commits them to its database, then
        fsyncs and signs.  Every record both hold must be byte-identical; a file short of the
        database (a crash before the fsync) gets the missing records back; records in the file
        past the database (never acknowledged) are removed if no checkpoint signs them; a torn
        last line is removed.  Removed bytes are kept in ``recovered/``.  Anything else raises
        `StorageError`: tampering, or a restored backup, for a person to look at.  `open`
        then checks the whole chain as usual.
        """
        path = Path(directory)
        if not path.exists() and not database_lines:
            return Reconciliation(0, 0, 0)
        path.mkdir(parents=True, exist_ok=True)
        lock_fd = _lock(path)
        try:
            return _reconcile(path, list(database_lines), verifier)
        finally:
            os.close(lock_fd)

    # -- proofs ---------------------------------------------------------------------------

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        """RFC 9162 inclusion proof of record `index` in the tree of `size` records."""
        return self._tree.inclusion_proof(index, size)

    def consistency_proof(self, old_size: int, new_size: int | None = None) -> list[bytes]:
        """RFC 9162 consistency proof between two sizes of this log."""
        return self._tree.consistency_proof(old_size, new_size)

    def receipt(self, index: int, checkpoint: Checkpoint | None = None) -> dict[str, Any]:
        """A self-contained receipt for record `index` (see `audit.receipt`) against `checkpoint`
        (by default the latest).  It names the leaf, never the choice."""
        checkpoint = self.latest_checkpoint if checkpoint is None else checkpoint
        proof = self._tree.inclusion_proof(index, checkpoint.size)
        return make_receipt(index, self._tree.leaf(index), checkpoint, proof)

    def receipts(self, indices: Sequence[int], checkpoint: Checkpoint | None = None) -> list[dict[str, Any]]:
        """Receipts for several records against one checkpoint (a group commit's ballots), the
        same as :meth:`receipt` for each, with the proofs' shared nodes computed once."""
        checkpoint = self.latest_checkpoint if checkpoint is None else checkpoint
        proofs = self._tree.inclusion_proofs(indices, checkpoint.size)
        hexed: dict[bytes, str] = {}
        return [make_receipt(index, self._tree.leaf(index), checkpoint, proof, hexed)
                for index, proof in zip(indices, proofs, strict=True)]

    def hand_over(self) -> None:
        """Let go of this process's handles on the log once a child forked from it has taken the
        log over: its handles keep the lock. Refused (`StorageError`) while records are unsigned,
        which both processes would then write."""
        with self._mutex:
            self._usable()
            if self._unsigned:
                raise StorageError("records are not signed yet: the log cannot be handed over")
            self._release()

    def follower(self) -> FollowedLog:
        """A reader's copy of this log as it is now, kept up to date by `FollowedLog.follow`."""
        return FollowedLog(self)

    # -- closing --------------------------------------------------------------------------

    def _release(self) -> None:
        self._closed = True
        for handle in (self._records, self._notes):
            with contextlib.suppress(OSError):  # a failed flush: the evidence is what is on disk
                handle.close()
        os.close(self._lock_fd)  # also releases the flock

    def close(self) -> None:
        """Checkpoint any unsigned records (unless a write failed), then release the log."""
        with self._mutex:
            if self._closed:
                return
            try:
                if not self._broken:
                    self.checkpoint()
            finally:
                self._release()

    def __enter__(self) -> AuditLog:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()


class FollowedLog(AuditLog):
    """A reader's copy of an open log (`AuditLog.follower`): its tree, its checkpoints and its
    witnesses' cosignatures, kept up to date by `follow` with what the log's writer committed -- in
    another thread, or another process -- instead of by writing. It holds no lock and writes no
    record and no checkpoint; it proves inclusion and consistency, and it keeps witnesses'
    cosignatures (`add_cosignatures`: once a log has a follower, the cosignatures file is the
    follower's to write)."""

    def __init__(self, source: AuditLog) -> None:  # not AuditLog's: that opens the files and takes the lock
        with source._mutex:
            self.directory = source.directory
            self._vkey = source.vkey
            self._mutex = threading.RLock()
            self._tree = source._tree.copy()
            self._checkpoints = list(source._checkpoints)
            self._origin = source._origin
            self._broken = False
            self._closed = False
            self.recoveries = ()
            self._cosigning = threading.Lock()
            self._cosigned = source._cosigned
            self._cosignatures = {size: dict(lines) for size, lines in source._cosignatures.items()}

    @property
    def vkey(self) -> str:
        return self._vkey

    def follow(self, lines: Sequence[tuple[int, bytes]], checkpoint: Checkpoint | None) -> None:
        """Take what the writer committed: its records' (seq, canonical bytes), in order, and the
        checkpoint it signed for them, if any. Raises `StorageError`, taking nothing, for a record
        that does not come next or a checkpoint whose root is not this tree's: the copy and the log
        would differ."""
        with self._mutex:
            self._usable()
            hashes = bytearray()
            for offset, (seq, line) in enumerate(lines):
                if seq != self._tree.size + offset:
                    raise StorageError(f"record {seq} taken where record {self._tree.size + offset} comes next")
                hashes += held.sha256(b"\x00" + line)
            before = self._tree.size
            self._tree.extend_hashes(hashes)
            if checkpoint is not None and checkpoint.size > self._signed_size():
                if checkpoint.size > self._tree.size or self._tree.root(checkpoint.size) != checkpoint.root:
                    self._tree.truncate(before)
                    raise StorageError(f"the checkpoint of size {checkpoint.size} does not sign the records taken")
                self._checkpoints.append(checkpoint)

    def _append(
        self, entries: list[tuple[str, Mapping[str, Any]]], time: str | datetime | None, backdated: bool = False
    ) -> list[int]:
        raise StorageError("a follower of the log does not write records")

    def checkpoint(self) -> Checkpoint:
        raise StorageError("a follower of the log does not sign checkpoints")

    def truncate(self, size: int) -> None:
        raise StorageError("a follower of the log does not write records")

    def lines(self, start: int = 0) -> list[bytes]:
        """The canonical bytes of records `start`.. that this copy has taken, read from the file."""
        with self._mutex:
            self._usable()
            return whole_lines(self.directory / RECORDS)[start : self._tree.size]

    def close(self) -> None:
        """Stop following (the log itself is its writer's to close)."""
        self._closed = True


def _reconcile(path: Path, database: list[bytes], verifier: Verifier) -> Reconciliation:
    records_path = path / RECORDS
    records_path.touch()
    (path / CHECKPOINTS).touch()
    with records_path.open("rb") as handle:
        reader = LineReader(handle)
        found = [line for block in reader for line in block]
    signed = 0
    for note in read_notes(path / CHECKPOINTS)[0]:
        try:
            signed = max(signed, open_checkpoint(note, verifier).size)
        except NoteError as exc:
            raise StorageError(f"a checkpoint of the evidence file does not verify: {exc}") from exc
    for seq, (ours, theirs) in enumerate(zip(found, database, strict=False)):
        if ours != theirs:
            raise StorageError(f"record {seq} differs between the evidence file and the database copy")
    kept = min(len(found), len(database))
    if signed > len(database) and len(found) > len(database):
        raise StorageError(f"checkpoints sign {signed} records, the database holds {len(database)}")
    keep_length = sum(len(line) + 1 for line in found[:kept])
    removed = b"".join(line + b"\n" for line in found[kept:]) + reader.torn
    if removed:
        _keep(path, f"{RECORDS}.{keep_length}.cut", removed)
    restored = database[kept:]
    with records_path.open("r+b") as handle:
        handle.truncate(keep_length)
        handle.seek(keep_length)
        handle.write(b"".join(line + b"\n" for line in restored))
        handle.flush()
        os.fsync(handle.fileno())
    return Reconciliation(len(restored), len(found) - kept, len(reader.torn))
