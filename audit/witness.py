"""A transparency-log witness (C2SP tlog-witness, https://c2sp.org/tlog-witness): run by someone
who does not trust the log's operator -- a 监票人 on their laptop, the 监委, a notary -- on a machine
of their own, with ``python -m audit witness``.

For each log it is configured with (the log's verifier key; its origin is the key's name, C2SP
tlog-checkpoint) the witness keeps one thing: the latest checkpoint it cosigned.  The log sends it
each new checkpoint with an RFC 9162 consistency proof from that one; the witness cosigns
(`audit.cosignature`) only a checkpoint the log's key signed that extends what it cosigned before.
A log that shows two histories -- a fork, or a rollback to an older or different tree -- cannot get
both cosigned by the same witness, so a verifier that demands *k* cosignatures from *n* witnesses
(``python -m audit verify --witness … --quorum k``) accepts only a history at least *k* of them saw.

``POST <prefix>/add-checkpoint``, body::

    old <size of the latest checkpoint the witness cosigned for this origin, 0 at first>
    <base64 of each consistency proof node from that size to the checkpoint's, at most 63>
    <blank line>
    <the checkpoint note, signed by the log>

Answers, in the spec's order: 400 a body that is not that (or ``old`` above the checkpoint's
size); 404 an origin it does not witness; 403 no valid signature by the log's key (or a failing
one); 409 ``old`` is not the size it cosigned last -- the body is that size and a newline, type
``text/x.tlog.size``; 422 a checkpoint of size 0 whose root is not the empty tree's, a proof with
``old 0``, a proof that does not verify, or the same size with another root; 200 its cosignature
line and a newline.  The check against the stored size and the update are one atomic step, and
the new state is on disk (fsynced) before the answer.  ``GET <prefix>/<hex SHA-256 of the
origin>/checkpoint`` answers the latest checkpoint it cosigned, with the log's signature and its
own cosignature (404 if none).

A refused checkpoint that carries the log's valid signature is kept as evidence: the same size
with another root than the one it cosigned (``fork``: two signed histories, both notes in the
file), a tree smaller than the one it cosigned (``rollback``), or a consistency proof that fails
(``inconsistent``).

The state directory (keep it; copy it to move the witness)::

    witness.skey                    its Ed25519 key (C2SP type 0x04), made on first run, mode 0600
    witness.vkey                    its verifier key, to give to the auditors and the operator
    lock                            one witness process per directory
    logs/<hex SHA-256 of origin>/   per log: log.vkey (the log key it was first run with -- another key
                                    for the same origin is refused), checkpoint (the latest it cosigned)
    evidence/                       <reason>-<origin hash>-<request hash>.txt, one file per refusal
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import re
import secrets
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from audit import keys
from audit.checkpoint import Checkpoint, read_checkpoint
from audit.cosignature import Cosigner, WitnessKey, cosignatures, generate
from audit.errors import KeyFormatError, NoteError, StorageError
from audit.keys import Verifier, b64decode_strict
from audit.limits import MAX_CHECKPOINT_BYTES
from audit.merkle import EMPTY_ROOT, HASH_SIZE, verify_consistency
from audit.note import SignedNote, open_note

__all__ = ["MAX_BODY", "SIZE_TYPE", "Answer", "Witness", "origin_hash"]

KEY = "witness.skey"
VKEY = "witness.vkey"
LOCK = "lock"
LOGS = "logs"
EVIDENCE = "evidence"
LOG_VKEY = "log.vkey"
CHECKPOINT = "checkpoint"
MAX_PROOF = 63
MAX_BODY = MAX_CHECKPOINT_BYTES + 64 * (MAX_PROOF + 1)
SIZE_TYPE = "text/x.tlog.size"
TEXT = "text/plain; charset=utf-8"
_OLD = re.compile(r"old (0|[1-9][0-9]{0,19})", re.ASCII)


def origin_hash(origin: str) -> str:
    """The hex SHA-256 of a log's origin: its name in the monitoring URL and the state directory."""
    return hashlib.sha256(origin.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Answer:
    """An HTTP answer: status, body, content type."""

    status: int
    body: bytes = b""
    content_type: str = TEXT


class _Refused(Exception):
    """A refusal: its answer, and the reason to keep the request as evidence, if there is one."""

    def __init__(self, status: int, message: str, evidence: str | None = None, answer: Answer | None = None) -> None:
        super().__init__(message)
        self.answer = answer if answer is not None else Answer(status, message.encode("utf-8") + b"\n")
        self.evidence = evidence


@dataclass
class _Log:
    """One witnessed log: its key, where its state is, and the latest checkpoint cosigned."""

    verifier: Verifier
    directory: Path
    latest: Checkpoint | None = None  # with the log's signature and this witness's cosignature
    timestamp: int = 0  # of that cosignature

    @property
    def size(self) -> int:
        return 0 if self.latest is None else self.latest.size

    @property
    def root(self) -> bytes:
        return EMPTY_ROOT if self.latest is None else self.latest.root

    def misbehaviour(self, checkpoint: Checkpoint) -> str | None:
        """What a refused, log-signed `checkpoint` shows against the one cosigned: ``fork`` (the
        same size, another root), ``rollback`` (a smaller tree), or nothing by itself."""
        if checkpoint.size == self.size and checkpoint.root != self.root:
            return "fork"
        return "rollback" if checkpoint.size < self.size else None


def _write_atomically(path: Path, data: bytes) -> None:
    """Replace `path` by `data`: a fsynced temporary file renamed over it, then the directory fsynced."""
    new = path.with_name(path.name + ".new")
    with new.open("wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(new, path)
    fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _parse(body: bytes) -> tuple[int, tuple[bytes, ...], str]:
    """The old size, the proof and the checkpoint note of an add-checkpoint body (400 if it is not one)."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise _Refused(400, "the body is not UTF-8") from None
    head, blank, note = text.partition("\n\n")
    lines = head.split("\n")
    old = _OLD.fullmatch(lines[0])
    if old is None or not blank:
        raise _Refused(400, "the body is 'old <size>', the proof lines, a blank line, then the checkpoint")
    if len(lines) - 1 > MAX_PROOF:
        raise _Refused(400, f"more than {MAX_PROOF} consistency proof lines")
    try:
        proof = tuple(b64decode_strict(line) for line in lines[1:])
    except ValueError:
        raise _Refused(400, "a consistency proof line is not base64") from None
    if any(len(node) != HASH_SIZE for node in proof):
        raise _Refused(400, "a consistency proof line is not a 32-byte hash")
    return int(old.group(1)), proof, note


class Witness:
    """A witness's state directory, open; `add_checkpoint` answers the tlog-witness call."""

    def __init__(self, directory: Path, key: WitnessKey, logs: dict[str, _Log], lock_fd: int,
                 clock: Callable[[], float]) -> None:
        """Internal: use `Witness.open`."""
        self.directory = directory
        self.key = key
        self.logs = logs
        self._lock_fd = lock_fd
        self._clock = clock
        self._mutex = threading.Lock()

    @classmethod
    def open(cls, directory: str | os.PathLike[str], logs: Iterable[Verifier], *, name: str | None = None,
             clock: Callable[[], float] = time.time) -> Witness:
        """Open (or create) the state directory, witnessing the logs of these keys (each log's
        origin is its key's name).  The witness key is made on first run, named `name` (default
        ``witness.local/<random>``).  Raises `StorageError` if another process holds the directory,
        a log's key is not the one the witness was first run with for its origin, or the state
        does not verify; `KeyFileError` if the key file is unreadable or readable by others."""
        path = Path(directory)
        path.mkdir(parents=True, exist_ok=True)
        lock_fd = os.open(path / LOCK, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(lock_fd)
            raise StorageError(f"{path} is used by another witness process / 见证状态目录正被其他进程使用") from None
        try:
            key = _key(path, name)
            witnessed = {verifier.name: _load_log(path, verifier, key.cosigner) for verifier in logs}
        except BaseException:
            os.close(lock_fd)
            raise
        return cls(path, key, witnessed, lock_fd, clock)

    @property
    def vkey(self) -> str:
        """The witness's verifier key (C2SP type 0x04), for verifiers to pin."""
        return self.key.vkey

    def close(self) -> None:
        """Release the state directory."""
        os.close(self._lock_fd)

    # -- the two calls ----------------------------------------------------------------------

    def add_checkpoint(self, body: bytes) -> Answer:
        """The tlog-witness ``add-checkpoint`` call (module docstring); never raises for any body."""
        try:
            if len(body) > MAX_BODY:
                raise _Refused(400, f"the body is longer than {MAX_BODY} bytes")
            old, proof, note = _parse(body)
            try:
                checkpoint, parsed = read_checkpoint(note)
            except NoteError as exc:
                raise _Refused(400, f"not a checkpoint: {exc}") from None
            log = self.logs.get(checkpoint.origin)
            if log is None:
                raise _Refused(404, f"this witness does not witness the log {checkpoint.origin!r}")
            try:
                open_note(note, [log.verifier])
            except NoteError as exc:
                raise _Refused(403, f"not signed by the log's key: {exc}") from None
            with self._mutex:
                try:
                    return self._add(log, old, proof, checkpoint, parsed)
                except _Refused as refused:
                    if refused.evidence is not None:
                        self._keep(refused.evidence, log, body, refused.answer.body)
                    raise
        except _Refused as refused:
            return refused.answer

    def latest(self, hashed: str) -> Answer:
        """``GET /<origin hash>/checkpoint``: the latest checkpoint this witness cosigned for that log."""
        for origin, log in self.logs.items():
            if origin_hash(origin) == hashed and log.latest is not None:
                return Answer(200, log.latest.note.encode("utf-8"))
        return Answer(404, b"this witness has cosigned no checkpoint of that log\n")

    # -- inside -------------------------------------------------------------------------------

    def _add(self, log: _Log, old: int, proof: tuple[bytes, ...], checkpoint: Checkpoint, note: SignedNote) -> Answer:
        if old > checkpoint.size:
            raise _Refused(400, f"old size {old} is above the checkpoint's size {checkpoint.size}",
                           log.misbehaviour(checkpoint))
        if old != log.size:
            raise _Refused(409, "", log.misbehaviour(checkpoint), Answer(409, b"%d\n" % log.size, SIZE_TYPE))
        if checkpoint.size == 0 and checkpoint.root != EMPTY_ROOT:
            raise _Refused(422, "a checkpoint of size 0 has the empty tree's root")
        if old == 0:
            if proof:
                raise _Refused(422, "no consistency proof goes with old size 0")
        elif not verify_consistency(old, checkpoint.size, log.root, checkpoint.root, proof):
            same = checkpoint.size == old
            raise _Refused(422, "the same size with another root" if same else "the consistency proof does not verify",
                           "fork" if same else "inconsistent")
        timestamp = max(int(self._clock()), log.timestamp, 1)
        line = self.key.cosign(note.text, timestamp)
        logged = "".join(f"{s.line}\n" for s in note.signatures
                         if (s.name, s.key_id) == (log.verifier.name, log.verifier.key_id))
        kept = f"{note.text}\n{logged}{line}\n"
        _write_atomically(log.directory / CHECKPOINT, kept.encode("utf-8"))
        log.latest = Checkpoint(checkpoint.origin, checkpoint.size, checkpoint.root, kept)
        log.timestamp = timestamp
        return Answer(200, f"{line}\n".encode())

    def _keep(self, reason: str, log: _Log, body: bytes, answer: bytes) -> None:
        """Keep a refused, log-signed request as evidence (once per distinct request)."""
        folder = self.directory / EVIDENCE
        folder.mkdir(exist_ok=True)
        name = f"{reason}-{origin_hash(log.verifier.name)[:16]}-{hashlib.sha256(body).hexdigest()[:32]}.txt"
        cosigned = log.latest.note if log.latest is not None else "(none)\n"
        report = (
            f"reason: {reason}\norigin: {log.verifier.name}\nlog key: {log.verifier.vkey}\n"
            f"witness: {self.vkey}\nrefused at: {datetime.now(UTC):%Y-%m-%dT%H:%M:%SZ}\n"
            f"answer: {answer.decode('utf-8').strip()}\n\n"
            f"== the latest checkpoint this witness cosigned ==\n{cosigned}\n"
            f"== the request it refused, as received ==\n"
        ).encode() + body
        try:
            fd = os.open(folder / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:
            return
        with os.fdopen(fd, "wb") as handle:
            handle.write(report)
            handle.flush()
            os.fsync(handle.fileno())


def _key(path: Path, name: str | None) -> WitnessKey:
    file = path / KEY
    if file.exists():
        key = WitnessKey.from_skey(keys.read_private(file))
        if name is not None and name != key.name:
            raise KeyFormatError(f"this witness's key is named {key.name!r}, not {name!r}")
        return key
    key = generate(name if name is not None else f"witness.local/{secrets.token_hex(4)}")
    keys.save(key, file)
    (path / VKEY).write_text(key.vkey + "\n", encoding="ascii")
    return key


def _load_log(path: Path, verifier: Verifier, own: Cosigner) -> _Log:
    """The state of one log; refuses another key for an origin already witnessed."""
    directory = path / LOGS / origin_hash(verifier.name)
    directory.mkdir(parents=True, exist_ok=True)
    pinned = directory / LOG_VKEY
    if pinned.exists():
        first = pinned.read_text(encoding="ascii").strip()
        if first != verifier.vkey:
            raise StorageError(
                f"this witness witnessed {verifier.name!r} with the key {first}, not {verifier.vkey}: a log "
                "keeps its key (move the state directory aside to witness a new log of that name) "
                "/ 同一日志名的公钥不能更换")
    else:
        _write_atomically(pinned, (verifier.vkey + "\n").encode("ascii"))
    log = _Log(verifier, directory)
    stored = directory / CHECKPOINT
    if stored.exists():
        note = stored.read_text(encoding="utf-8")
        try:
            opened = open_note(note, [verifier])
            checkpoint = read_checkpoint(note, verifier.name)[0]
            mine = cosignatures(opened, [own])
        except NoteError as exc:
            raise StorageError(f"{stored}: the stored checkpoint does not verify ({exc})") from exc
        if not mine:
            raise StorageError(f"{stored}: the stored checkpoint lacks this witness's cosignature")
        log.latest, log.timestamp = checkpoint, mine[0].timestamp
    return log
