"""The live log: creation, reopening, appends, checkpoints, proofs, failures and locking."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from audit import AuditLog, keys, merkle
from audit.checkpoint import sign_checkpoint
from audit.errors import NoteError, RecordError, StorageError
from audit.logfile import encode_checkpoint_line, read_log
from audit.records import decode
from tests.audit.audit_helpers import ORIGIN, TIME, ballot, build_log, motion_entries, read_lines, signer, write_lines


def test_a_new_log_starts_with_a_signed_log_opened_record(tmp_path: Path) -> None:
    with AuditLog.open(tmp_path / "log", signer()) as log:
        assert (log.size, log.origin, log.vkey) == (1, ORIGIN, signer().vkey)
        assert log.latest_checkpoint.size == 1 and log.checkpoints == (log.latest_checkpoint,)
        first = decode(read_lines(tmp_path / "log" / "records.jsonl")[0])
        assert (first.seq, first.type, first.prev) == (0, "log_opened", "0" * 64)
        assert first.body == {"origin": ORIGIN, "vkey": signer().vkey}


def test_reopening_rebuilds_the_same_tree(tmp_path: Path) -> None:
    build_log(tmp_path / "log", checkpoint_after=[3])
    with AuditLog.open(tmp_path / "log", signer()) as log:
        lines = read_lines(tmp_path / "log" / "records.jsonl")
        assert log.size == len(lines)
        assert log.root() == merkle.root(lines)
        assert [c.size for c in log.checkpoints] == [1, 5, len(lines)]
        assert log.leaf_hash(4) == merkle.leaf_hash(lines[4])
        index = log.append(*ballot("v9", "yes"))
        assert index == len(lines)
        log.checkpoint()  # flushes the buffered record to the file
        assert decode(read_lines(tmp_path / "log" / "records.jsonl")[-1]).prev == merkle.leaf_hash(lines[-1]).hex()


def test_a_custom_origin_is_kept_and_checked(tmp_path: Path) -> None:
    AuditLog.open(tmp_path / "log", signer(), "renda.example/session-3").close()
    with AuditLog.open(tmp_path / "log", signer()) as log:
        assert log.origin == "renda.example/session-3"
    with pytest.raises(StorageError, match="origin"):
        AuditLog.open(tmp_path / "log", signer(), "renda.example/other")
    with pytest.raises(NoteError):
        AuditLog.open(tmp_path / "new", signer(), "two\nlines")


def test_a_log_cannot_be_reopened_with_another_key(tmp_path: Path) -> None:
    build_log(tmp_path / "log")
    with pytest.raises(StorageError, match="belongs to key"):
        AuditLog.open(tmp_path / "log", keys.generate(ORIGIN))


def test_one_writer_at_a_time(tmp_path: Path) -> None:
    with AuditLog.open(tmp_path / "log", signer()), pytest.raises(StorageError, match="another process"):
        AuditLog.open(tmp_path / "log", signer())
    AuditLog.open(tmp_path / "log", signer()).close()  # released


def test_appends_validate_and_chain(tmp_path: Path) -> None:
    with AuditLog.open(tmp_path / "log", signer()) as log:
        assert log.append_many([]) == []
        assert log.append("sign_in", {"deputy": "d-1"}, datetime(2099, 11, 23, 9, 0, tzinfo=UTC)) == 1
        assert log.append("sign_in", {"deputy": "d-2"}, TIME) == 2  # earlier: held at the time before it
        assert log.append_many(motion_entries("v1", ["yes", "no"])) == [3, 4, 5, 6, 7]
        for bad in [("ballot", {"vote_id": "v1"}), ("Bad Type", {}), ("log_opened", {"origin": "o", "vkey": "k"})]:
            with pytest.raises(RecordError):
                log.append(*bad)
        with pytest.raises(RecordError):
            log.append("sign_in", {}, "yesterday")
        with pytest.raises(RecordError):  # nothing of a bad batch is written
            log.append_many([ballot("v1", "yes"), ("ballot", {})])
        assert log.size == 8
    times = [decode(line).time for line in read_lines(tmp_path / "log" / "records.jsonl")]
    assert times[1] == times[2] == "2099-11-23T09:00:00.000Z"
    assert times[0] <= times[1] <= times[3] == times[7]


def test_checkpoints_are_signed_only_when_the_log_grew(tmp_path: Path) -> None:
    with AuditLog.open(tmp_path / "log", signer()) as log:
        first = log.checkpoint()
        assert log.checkpoint() is first
        log.append(*ballot("v1", "yes"))
        second = log.checkpoint()
        assert second.size == 2 and log.checkpoints == (first, second)


def test_checkpoint_every_n_records(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        AuditLog.open(tmp_path / "log", signer(), checkpoint_every=0)
    with AuditLog.open(tmp_path / "log", signer(), checkpoint_every=3) as log:
        for _ in range(7):
            log.append(*ballot("v1", "no"))
        assert [c.size for c in log.checkpoints] == [1, 4, 7]


def test_proofs_and_receipts_come_from_the_incremental_tree(tmp_path: Path) -> None:
    with AuditLog.open(tmp_path / "log", signer()) as log:
        log.append_many(motion_entries("v1"))
        checkpoint = log.checkpoint()
        log.append_many(motion_entries("v2", ["yes"]))
        log.checkpoint()
        lines = read_lines(tmp_path / "log" / "records.jsonl")
        assert log.inclusion_proof(5, checkpoint.size) == merkle.inclusion_proof(lines[: checkpoint.size], 5)
        assert log.consistency_proof(checkpoint.size) == merkle.consistency_proof(lines, checkpoint.size)
        assert log.root(checkpoint.size) == checkpoint.root
        assert log.receipt(5)["checkpoint"] == log.latest_checkpoint.note
        receipt = log.receipt(5, checkpoint)
        assert receipt["checkpoint"] == checkpoint.note and receipt["index"] == 5
        assert set(receipt) == {"receipt", "index", "leaf_hash", "checkpoint", "inclusion_proof"}
        assert "yes" not in str(receipt) and "choice" not in str(receipt)


class _Failing:
    """A file object whose writes (and closing) fail, like a full or vanished disk."""

    def __init__(self, real: Any) -> None:
        self.real = real

    def write(self, data: bytes) -> int:
        raise OSError(28, "No space left on device")

    def flush(self) -> None:
        raise OSError(28, "No space left on device")

    def fileno(self) -> int:
        return int(self.real.fileno())

    def close(self) -> None:
        self.real.close()
        raise OSError(28, "No space left on device")


def test_a_failed_write_makes_the_log_unusable_until_reopened(tmp_path: Path) -> None:
    log = AuditLog.open(tmp_path / "log", signer())
    log._records = _Failing(log._records)  # type: ignore[assignment]
    with pytest.raises(StorageError, match=r"cannot write records\.jsonl"):
        log.append(*ballot("v1", "yes"))
    with pytest.raises(StorageError, match="reopen"):
        log.append(*ballot("v1", "yes"))
    with pytest.raises(StorageError, match="reopen"):
        log.checkpoint()
    log.close()  # no checkpoint attempted, the lock is released
    with AuditLog.open(tmp_path / "log", signer()) as reopened:
        assert reopened.size == 1


def test_a_failed_checkpoint_makes_the_log_unusable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    log = AuditLog.open(tmp_path / "log", signer())
    log.append(*ballot("v1", "yes"))

    def no_fsync(fd: int) -> None:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(os, "fsync", no_fsync)
    with pytest.raises(StorageError, match="cannot write the checkpoint"):
        log.checkpoint()
    monkeypatch.undo()
    log.close()
    with AuditLog.open(tmp_path / "log", signer()) as reopened:
        assert reopened.size == 2 and reopened.latest_checkpoint.size == 2


def test_a_closed_log_refuses_appends(tmp_path: Path) -> None:
    log = AuditLog.open(tmp_path / "log", signer())
    log.close()
    log.close()
    with pytest.raises(StorageError, match="closed"):
        log.append(*ballot("v1", "yes"))


def _tamper(tmp_path: Path, edit: Any) -> Path:
    build_log(tmp_path / "log", checkpoint_after=[3])
    edit(tmp_path / "log")
    return tmp_path / "log"


def _first_checkpoint_root_wrong(log: Path) -> None:
    lines = read_lines(log / "checkpoints.jsonl")
    lines[0] = encode_checkpoint_line(sign_checkpoint(ORIGIN, 1, b"\x01" * 32, signer()).note)[:-1]
    write_lines(log / "checkpoints.jsonl", lines)


def _checkpoint_beyond_the_records(log: Path) -> None:
    note = sign_checkpoint(ORIGIN, 999, b"\x01" * 32, signer()).note
    (log / "checkpoints.jsonl").write_bytes((log / "checkpoints.jsonl").read_bytes() + encode_checkpoint_line(note))


def _checkpoints_repeated(log: Path) -> None:
    lines = read_lines(log / "checkpoints.jsonl")
    write_lines(log / "checkpoints.jsonl", [*lines, lines[-1]])


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (_first_checkpoint_root_wrong, "do not hash to its root"),
        (_checkpoint_beyond_the_records, "only"),
        (_checkpoints_repeated, "does not grow"),
        (lambda log: write_lines(log / "checkpoints.jsonl", [b'{"note":5}']), "checkpoint 0"),
        (lambda log: write_lines(log / "checkpoints.jsonl", [b"{}"]), "checkpoint 0"),
        (lambda log: (log / "records.jsonl").write_bytes(b""), "checkpoints but no records"),
        (lambda log: write_lines(log / "records.jsonl", read_lines(log / "records.jsonl")[1:]), "wrong-seq|seq"),
    ],
)
def test_inconsistent_evidence_stops_the_log_from_opening(tmp_path: Path, edit: Any, message: str) -> None:
    log = _tamper(tmp_path, edit)
    with pytest.raises(StorageError, match=message):
        AuditLog.open(log, signer())


def test_a_checkpoint_by_another_key_stops_the_log_from_opening(tmp_path: Path) -> None:
    def resign(log: Path) -> None:
        note = sign_checkpoint(ORIGIN, 1, b"\x01" * 32, keys.generate(ORIGIN)).note
        write_lines(log / "checkpoints.jsonl", [encode_checkpoint_line(note)[:-1]])

    with pytest.raises(StorageError, match="checkpoint 0"):
        AuditLog.open(_tamper(tmp_path, resign), signer())


def test_a_log_not_starting_with_log_opened_is_refused(tmp_path: Path) -> None:
    from audit import records

    log = tmp_path / "log"
    log.mkdir()
    write_lines(log / "records.jsonl", [records.encode(0, "sign_in", TIME, "0" * 64, {})])
    with pytest.raises(StorageError, match="not log_opened"):
        AuditLog.open(log, signer())


def test_a_log_naming_a_malformed_key_cannot_be_read_without_one(tmp_path: Path) -> None:
    from audit import records

    log = tmp_path / "log"
    log.mkdir()
    write_lines(log / "records.jsonl", [records.encode(0, "log_opened", TIME, "0" * 64, {"origin": "o", "vkey": "x"})])
    (log / "checkpoints.jsonl").write_bytes(b"")
    with pytest.raises(StorageError, match="log_opened"):
        read_log(log)


def test_a_shuffled_batch_returns_each_entry_s_own_index(tmp_path: Path) -> None:
    entries = [ballot("v1", str(i)) for i in range(40)]
    with AuditLog.open(tmp_path / "log", signer()) as log:
        indexes = log.append_many(entries, TIME, shuffle=True)
        log.checkpoint()
    lines = read_lines(tmp_path / "log" / "records.jsonl")
    assert sorted(indexes) == list(range(1, 41))
    for (_, body), index in zip(entries, indexes, strict=True):
        assert decode(lines[index]).body == body
    assert indexes != list(range(1, 41))  # 1 chance in 40! of a false alarm
