"""The server's write protocol: stage records (append_encoded), roll back a failed transaction
(truncate), copy records to the database (lines), and reconcile file and database at start."""

from __future__ import annotations

from pathlib import Path

import pytest

from audit import AuditLog, export, verify_export
from audit.errors import StorageError
from audit.records import decode
from tests.audit.audit_helpers import TIME, ballot, build_log, motion_entries, read_lines, signer, write_lines


def test_append_encoded_returns_the_index_and_the_exact_bytes(tmp_path: Path) -> None:
    with AuditLog.open(tmp_path / "log", signer()) as log:
        index, data = log.append_encoded(*ballot("v1", "yes"), TIME)
        log.checkpoint()
        assert index == 1 and read_lines(tmp_path / "log" / "records.jsonl")[1] == data
        assert log.lines(1) == [data] and len(log.lines()) == 2


def test_append_many_encoded_returns_each_index_and_bytes_in_order(tmp_path: Path) -> None:
    with AuditLog.open(tmp_path / "log", signer()) as log:
        assert log.append_many_encoded([], TIME) == []
        staged = log.append_many_encoded([ballot("v1", "yes"), ballot("v1", "no")], TIME)
        log.checkpoint()
        assert [index for index, _ in staged] == [1, 2]
        assert [data for _, data in staged] == read_lines(tmp_path / "log" / "records.jsonl")[1:]


def test_truncate_rolls_back_unsigned_records_only(tmp_path: Path) -> None:
    with AuditLog.open(tmp_path / "log", signer()) as log:
        log.append_many(motion_entries("v1", ["yes"]), TIME)
        signed = log.checkpoint()
        root = log.root()
        log.truncate(log.size)  # nothing staged: nothing to do
        log.append_many([ballot("v2", "no"), ballot("v2", "yes")], TIME)
        log.truncate(signed.size)
        assert (log.size, log.root()) == (signed.size, root)
        with pytest.raises(StorageError, match="unsigned"):
            log.truncate(signed.size - 1)
        index = log.append("sign_in", {"deputy": "d-3"}, TIME)
        assert index == signed.size
    lines = read_lines(tmp_path / "log" / "records.jsonl")
    assert len(lines) == signed.size + 1 and decode(lines[-1]).body == {"deputy": "d-3"}
    export(tmp_path / "log", tmp_path / "out")
    assert verify_export(tmp_path / "out").ok


def test_a_failed_truncate_makes_the_log_unusable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    log = AuditLog.open(tmp_path / "log", signer())
    log.append(*ballot("v1", "no"))

    def refuse(fd: int, length: int) -> None:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(os, "ftruncate", refuse)
    with pytest.raises(StorageError, match="cannot truncate"):
        log.truncate(1)
    monkeypatch.undo()
    with pytest.raises(StorageError, match="reopen"):
        log.truncate(1)
    log.close()


def _database_copy(tmp_path: Path) -> list[bytes]:
    build_log(tmp_path / "log")
    return read_lines(tmp_path / "log" / "records.jsonl")


def test_nothing_to_reconcile(tmp_path: Path) -> None:
    lines = _database_copy(tmp_path)
    result = AuditLog.reconcile(tmp_path / "log", lines, signer().verifier)
    assert (result.restored, result.cut_records, result.cut_bytes) == (0, 0, 0)
    assert AuditLog.reconcile(tmp_path / "fresh", [], signer().verifier).restored == 0
    assert not (tmp_path / "fresh").exists()


def test_a_file_short_of_the_database_gets_the_records_back(tmp_path: Path) -> None:
    lines = _database_copy(tmp_path)
    database = list(lines)  # the file lost its unsynced tail:
    records = tmp_path / "log" / "records.jsonl"
    write_lines(records, lines[:-3])
    records.write_bytes(records.read_bytes() + lines[-3][:10])  # ... and tore the next one
    result = AuditLog.reconcile(tmp_path / "log", database, signer().verifier)
    assert (result.restored, result.cut_records, result.cut_bytes) == (3, 0, 10)
    assert read_lines(records) == lines
    assert any(p.name.endswith(".cut") for p in (tmp_path / "log" / "recovered").iterdir())
    with AuditLog.open(tmp_path / "log", signer()) as log:
        assert log.size == len(lines) and log.recoveries == ()


def test_records_the_database_never_acknowledged_are_cut(tmp_path: Path) -> None:
    with AuditLog.open(tmp_path / "log", signer()) as log:
        database = log.lines()
        log.append_many([ballot("v1", "yes"), ballot("v1", "no")], TIME)
        log._records.flush()
        log._release()  # crash before the commit
    result = AuditLog.reconcile(tmp_path / "log", database, signer().verifier)
    assert (result.restored, result.cut_records, result.cut_bytes) == (0, 2, 0)
    assert read_lines(tmp_path / "log" / "records.jsonl") == database


def test_a_database_missing_signed_records_stops_the_server(tmp_path: Path) -> None:
    lines = _database_copy(tmp_path)
    with pytest.raises(StorageError, match="checkpoints sign"):
        AuditLog.reconcile(tmp_path / "log", lines[:-2], signer().verifier)


def test_a_record_that_differs_stops_the_server(tmp_path: Path) -> None:
    lines = _database_copy(tmp_path)
    lines[4] = lines[4].replace(b'"yes"', b'"no"')
    with pytest.raises(StorageError, match="record 4 differs"):
        AuditLog.reconcile(tmp_path / "log", lines, signer().verifier)


def test_a_checkpoint_by_another_key_stops_the_server(tmp_path: Path) -> None:
    lines = _database_copy(tmp_path)
    from audit import keys

    with pytest.raises(StorageError, match="does not verify"):
        AuditLog.reconcile(tmp_path / "log", lines, keys.generate("renda.example/county-7").verifier)


def test_a_lost_evidence_directory_is_rebuilt_from_the_database(tmp_path: Path) -> None:
    lines = _database_copy(tmp_path)
    result = AuditLog.reconcile(tmp_path / "new", lines, signer().verifier)
    assert result.restored == len(lines)
    with AuditLog.open(tmp_path / "new", signer()) as log:
        assert log.size == len(lines) and log.latest_checkpoint.size == len(lines)


def test_reconcile_needs_the_lock(tmp_path: Path) -> None:
    with AuditLog.open(tmp_path / "log", signer()), pytest.raises(StorageError, match="another process"):
        AuditLog.reconcile(tmp_path / "log", [], signer().verifier)
