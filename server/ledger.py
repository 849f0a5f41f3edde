"""The server's side of the audit log: the evidence file (audit.AuditLog) and the database's copy,
kept in the same order and reconciled at start.

Order of a write (server/writer.py): records are *staged* — written to the file without fsync and
added to the tree — then the database transaction that holds the same bytes commits, then the file
is fsynced and one checkpoint signed for the batch. So:
- a failed commit truncates the unsigned staged tail (nothing was acknowledged);
- a crash after the commit but before the fsync leaves the file short or torn: at start the
  missing records are restored from the database copy, and a ``log_reconciled`` record says so;
- a file longer than the database past the last checkpoint is cut back (never acknowledged);
- any record that differs between the two, or a signed checkpoint the database cannot match,
  stops the server: that is tampering, or a restored backup, and a person must look;
- after a clean shutdown (every record fsynced and signed; the marker file
  ``audit-log.closed-cleanly`` says so) nothing can be missing from the file, so a database copy
  *longer* than the file is records inserted behind the server's back, not a crash: it stops the
  server too, instead of being "restored" into the evidence (tests/reliability/test_tampering.py).

The ledger also knows, for each vote, the seq of the record that settled it (``result``,
``manual_result`` or ``vote_voided``) and which signed checkpoint covers a seq: what the printed
result sheets carry for the 监票人 to sign beside (server/routes/pages.py).
"""

from __future__ import annotations

import bisect
import fcntl
import json
import os
import secrets
import time
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from audit import AuditLog, Checkpoint, keys, records
from audit.errors import AuditError
from audit.limits import MAX_RECORD_BYTES
from audit.log import LOCK, FollowedLog
from audit.logfile import RECORDS, LineReader, whole_lines
from server.domain import JsonObject
from server.models import AuditRecord


class LedgerMismatch(RuntimeError):
    """The database copy and the evidence file disagree; the server refuses to start."""


CLEAN_MARK = "audit-log.closed-cleanly"
#: The records that settle a vote: its result, counted or entered by hand, or its void.
OUTCOMES = ("result", "manual_result", "vote_voided")
#: How such a record's line ends (RFC 8785 sorts ``type`` last), to find them without parsing every line.
_OUTCOME_TAILS = tuple(f'"type":"{t}"}}'.encode("ascii") for t in OUTCOMES)
ORIGIN_FILE = "audit-origin"
LOG_DIR = "audit-log"


def log_origin(data_dir: Path, configured: str = "") -> str:
    """The audit log's origin, which is also its signing key's name (C2SP tlog-checkpoint): the
    configured one (``AUDIT_ORIGIN``) if any; else the one kept in ``DATA_DIR/audit-origin``; else,
    for a data directory made before that file, its log's own (seq 0 names it); else a new one,
    ``renda.local/<16 random hex>``, unique to this data directory and kept in that file."""
    if configured:
        return configured
    kept = data_dir / ORIGIN_FILE
    if kept.exists():
        return kept.read_text(encoding="utf-8").strip()
    origin = _existing_origin(data_dir / LOG_DIR / RECORDS) or f"renda.local/{secrets.token_hex(8)}"
    data_dir.mkdir(parents=True, exist_ok=True)
    with kept.open("x", encoding="utf-8") as handle:
        handle.write(origin + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    return origin


def _existing_origin(path: Path) -> str | None:
    try:
        with path.open("rb") as handle:
            first = handle.readline(MAX_RECORD_BYTES + 1).rstrip(b"\n")
        origin = records.decode(first).body.get("origin")
    except (OSError, AuditError):
        return None
    return origin if isinstance(origin, str) else None


def wait_for_the_lock(directory: Path, seconds: float = 10.0) -> None:
    """Wait (at most ``seconds``) for the log's lock to be free. The writer process of the server
    before this one (WRITER_PROCESS, server/writer_process.py) dies with it, but a moment later: a
    restart right after a crash must not find the log still held (``AuditLog.open`` refuses a held
    lock at once). After ``seconds`` the open says who holds it."""
    path = directory / LOCK
    if not path.exists():
        return
    deadline = time.monotonic() + seconds
    fd = os.open(path, os.O_RDWR)
    try:
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                if time.monotonic() > deadline:
                    return
                time.sleep(0.05)
                continue
            fcntl.flock(fd, fcntl.LOCK_UN)
            return
    finally:
        os.close(fd)


def _file_lines(directory: Path) -> list[bytes]:
    path = directory / RECORDS
    return whole_lines(path) if path.exists() else []


class Ledger:
    def __init__(self, log: AuditLog, clean_mark: Path | None = None,
                 outcomes: dict[str, list[int]] | None = None) -> None:
        self.log = log
        self.clean_mark = clean_mark
        #: called after each checkpoint that signs new records (the witnesses are told: server/witnesses.py)
        self.on_checkpoint: list[Callable[[Checkpoint], None]] = []
        #: vote id -> seqs of its outcome records, in log order (the last one settles it)
        self.outcomes: dict[str, list[int]] = {}
        if outcomes is None:
            self._index_outcomes()
        else:
            self.outcomes = {vote_id: list(seqs) for vote_id, seqs in outcomes.items()}

    def follower(self) -> Ledger:
        """The ledger as a reader that is not its writer sees it (the audit routes, the printed
        sheets, the witnesses): a copy (``audit.FollowedLog``) that :meth:`follow` keeps up to date
        with each committed batch's records and checkpoint -- what a writer in a process of its own
        would send back (docs/performance.md "Next steps" 0). The writer keeps this ledger; its
        hooks stay here, and the copy's own ``on_checkpoint`` hooks run as it follows."""
        return Ledger(self.log.follower(), None, self.outcomes)

    def follow(self, staged: Sequence[tuple[int, bytes]], checkpoint: Checkpoint | None) -> None:
        """Take one committed batch: its records, (seq, canonical bytes) in order, and its checkpoint."""
        log = self.log
        assert isinstance(log, FollowedLog), "only a follower follows"
        before = log.latest_checkpoint
        log.follow(staged, checkpoint)
        for seq, line in staged:
            self._index_line(seq, line)
        if log.latest_checkpoint is not before:
            for hook in self.on_checkpoint:
                hook(log.latest_checkpoint)

    def _index_outcomes(self) -> None:
        path = self.log.directory / RECORDS
        with path.open("rb") as handle:
            seq = 0
            for block in LineReader(handle):
                for line in block:
                    self._index_line(seq, line)
                    seq += 1

    def _index_line(self, seq: int, line: bytes) -> None:
        """Index one record, as written, if it settles a vote."""
        if line.endswith(_OUTCOME_TAILS):
            self.outcomes.setdefault(json.loads(line)["body"]["vote_id"], []).append(seq)

    def _note(self, type_: str, body: JsonObject, seq: int) -> None:
        if type_ in OUTCOMES:
            self.outcomes.setdefault(str(body["vote_id"]), []).append(seq)

    def outcome_seq(self, vote_id: str) -> int | None:
        """The seq of the record that settled the vote (its result, manual result or void), if any."""
        seqs = self.outcomes.get(vote_id)
        return seqs[-1] if seqs else None

    def covering(self, seq: int) -> Checkpoint | None:
        """The first signed checkpoint whose size includes record ``seq``; None while none does."""
        checkpoints = self.log.checkpoints
        at = bisect.bisect_right([c.size for c in checkpoints], seq)
        return checkpoints[at] if at < len(checkpoints) else None

    @staticmethod
    def load_signer(data_dir: Path, name: str) -> keys.Signer:
        path = data_dir / "audit-key.skey"
        if path.exists():
            return keys.load(path)
        signer = keys.generate(name)
        keys.save(signer, path)
        return signer

    @classmethod
    def open(cls, data_dir: Path, origin: str, sessions: sessionmaker[Session],
             signer: keys.Signer | None = None) -> Ledger:
        """Open the evidence file, reconcile it with the database copy, and return the ledger
        (``signer``: the key as server/signing_key.py keeps it; by default a clear key in DATA_DIR)."""
        signer = signer or cls.load_signer(data_dir, origin)
        directory = data_dir / LOG_DIR
        wait_for_the_lock(directory)
        with sessions() as session:
            db_lines = [row.data for row in session.scalars(select(AuditRecord).order_by(AuditRecord.seq))]
        clean_mark = data_dir / CLEAN_MARK
        if clean_mark.exists():
            file_lines = _file_lines(directory)
            in_file = len(file_lines)
            same = all(ours == theirs for ours, theirs in zip(file_lines, db_lines, strict=False))
            if same and len(db_lines) > in_file:  # (a difference inside is named by reconcile below)
                raise LedgerMismatch(
                    f"审计日志与数据库副本不一致，拒绝启动：日志已正常关闭，但数据库副本从第 {in_file} 号记录起多出 "
                    f"{len(db_lines) - in_file} 条记录 (record {in_file}: inserted into the database copy "
                    "after a clean shutdown)")
        try:
            report = AuditLog.reconcile(directory, db_lines, signer.verifier)
        except AuditError as error:
            raise LedgerMismatch(f"审计日志与数据库副本不一致，拒绝启动：{error}") from error
        log = AuditLog.open(directory, signer, origin)
        clean_mark.unlink(missing_ok=True)  # only once open: a refused start keeps the evidence of the clean close
        ledger = cls(log, clean_mark)
        ledger._copy_new_records(sessions, len(db_lines))
        if report.restored or report.cut_bytes:
            ledger.log.append("log_reconciled", {
                "restored_from_database": report.restored, "cut_unacknowledged": report.cut_records,
                "torn_bytes": report.cut_bytes,
            })
            ledger._copy_new_records(sessions, None)
            ledger.log.checkpoint()
        return ledger

    def _copy_new_records(self, sessions: sessionmaker[Session], known: int | None) -> None:
        """Copy records the log wrote by itself (log_opened, log_recovered) into the database."""
        with sessions() as session:
            if known is None:
                last = session.scalar(select(AuditRecord.seq).order_by(AuditRecord.seq.desc()).limit(1))
                known = -1 if last is None else last
                known += 1
            for seq, line in enumerate(self.log.lines(known), start=known):
                session.add(AuditRecord(seq=seq, data=line))
            session.commit()

    @property
    def origin(self) -> str:
        """The origin line of the log's checkpoints (what binds encrypted ballots to this log)."""
        return self.log.origin

    @property
    def size(self) -> int:
        return self.log.size

    def stage(self, type_: str, body: JsonObject, now: datetime | str, *, backdated: bool = False) -> tuple[int, bytes]:
        return self.stage_many([(type_, body)], now, backdated=backdated)[0]

    def stage_many(self, entries: list[tuple[str, JsonObject]], now: datetime | str, *,
                   backdated: bool = False) -> list[tuple[int, bytes]]:
        """Stage several records with one write, in the order given; ``backdated``: dated ``now``
        as given (a secret vote's opening time), not held at the log's last time."""
        staged = self.log.append_many_encoded(entries, now, backdated=backdated)
        for (type_, body), (seq, _) in zip(entries, staged, strict=True):
            self._note(type_, body, seq)
        return staged

    def rollback(self, size: int) -> None:
        self.log.truncate(size)
        for seqs in self.outcomes.values():
            while seqs and seqs[-1] >= size:
                seqs.pop()

    def checkpoint(self) -> Checkpoint:
        before = self.log.latest_checkpoint
        checkpoint = self.log.checkpoint()
        if checkpoint is not before:
            for hook in self.on_checkpoint:
                hook(checkpoint)
        return checkpoint

    def receipt(self, seq: int, checkpoint: Checkpoint | None, *, vote_id: str) -> JsonObject:
        return {"vote_id": vote_id, **self.log.receipt(seq, checkpoint)}

    def receipts(self, entries: list[tuple[int, str]], checkpoint: Checkpoint | None) -> list[JsonObject]:
        """Receipts for (seq, vote id) pairs of one batch, in that order."""
        made = self.log.receipts([seq for seq, _ in entries], checkpoint)
        return [{"vote_id": vote_id, **receipt} for (_, vote_id), receipt in zip(entries, made, strict=True)]

    def close(self) -> None:
        self.log.close()  # a follower's only stops following
        if self.clean_mark is not None and self.log.size == self.log.latest_checkpoint.size:
            self.clean_mark.write_text("every record of the audit log is fsynced and signed\n", encoding="utf-8")
