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
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from audit import AuditLog, Checkpoint, keys
from audit.errors import AuditError
from audit.logfile import RECORDS, whole_lines
from server.domain import JsonObject
from server.models import AuditRecord


class LedgerMismatch(RuntimeError):
    """The database copy and the evidence file disagree; the server refuses to start."""


CLEAN_MARK = "audit-log.closed-cleanly"


def _file_lines(directory: Path) -> list[bytes]:
    path = directory / RECORDS
    return whole_lines(path) if path.exists() else []


class Ledger:
    def __init__(self, log: AuditLog, clean_mark: Path | None = None) -> None:
        self.log = log
        self.clean_mark = clean_mark

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
        signer = signer or cls.load_signer(data_dir, origin.split("/")[0])
        directory = data_dir / "audit-log"
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
    def size(self) -> int:
        return self.log.size

    def stage(self, type_: str, body: JsonObject, now: datetime | str, *, backdated: bool = False) -> tuple[int, bytes]:
        return self.log.append_many_encoded([(type_, body)], now, backdated=backdated)[0]

    def stage_many(self, entries: list[tuple[str, JsonObject]], now: datetime | str, *,
                   backdated: bool = False) -> list[tuple[int, bytes]]:
        """Stage several records with one write, in the order given; ``backdated``: dated ``now``
        as given (a secret vote's opening time), not held at the log's last time."""
        return self.log.append_many_encoded(entries, now, backdated=backdated)

    def rollback(self, size: int) -> None:
        self.log.truncate(size)

    def checkpoint(self) -> Checkpoint:
        return self.log.checkpoint()

    def receipt(self, seq: int, checkpoint: Checkpoint | None, *, vote_id: str) -> JsonObject:
        return {"vote_id": vote_id, **self.log.receipt(seq, checkpoint)}

    def receipts(self, entries: list[tuple[int, str]], checkpoint: Checkpoint | None) -> list[JsonObject]:
        """Receipts for (seq, vote id) pairs of one batch, in that order."""
        made = self.log.receipts([seq for seq, _ in entries], checkpoint)
        return [{"vote_id": vote_id, **receipt} for (_, vote_id), receipt in zip(entries, made, strict=True)]

    def close(self) -> None:
        self.log.close()
        if self.clean_mark is not None and self.log.size == self.log.latest_checkpoint.size:
            self.clean_mark.write_text("every record of the audit log is fsynced and signed\n", encoding="utf-8")
