"""A reader's copy of an open log (``AuditLog.follower``): kept up to date from what the writer
committed -- its records' bytes and its checkpoint -- it proves, cosigns and reads as the log does,
takes nothing it cannot check, and never writes a record or a checkpoint."""

from __future__ import annotations

from pathlib import Path

import pytest

from audit import AuditLog, merkle
from audit.checkpoint import read_checkpoint
from audit.cosignature import generate
from audit.errors import StorageError
from audit.log import FollowedLog
from tests.audit.audit_helpers import ballot, motion_entries, signer


def _committed(log: AuditLog, start: int) -> list[tuple[int, bytes]]:
    """What the writer would send its follower: (seq, bytes) of the records from ``start``."""
    return list(enumerate(log.lines(start), start=start))


def _same(log: AuditLog, copy: FollowedLog) -> None:
    assert (copy.size, copy.root(), copy.checkpoints, copy.origin, copy.vkey) == (
        log.size, log.root(), log.checkpoints, log.origin, log.vkey)
    assert copy.lines() == log.lines()


def test_a_follower_taking_each_batch_proves_and_reads_as_the_log_does(tmp_path: Path) -> None:
    with AuditLog.open(tmp_path / "log", signer()) as log:
        log.append_many(motion_entries("v1"))
        log.checkpoint()
        copy = log.follower()
        _same(log, copy)
        for batch in (motion_entries("v2"), [ballot("v3", "yes")], [ballot("v3", "no"), ballot("v3", "yes")]):
            start = log.size
            log.append_many(batch)
            copy.follow(_committed(log, start), log.checkpoint())
            _same(log, copy)
        copy.follow([], log.latest_checkpoint)  # a checkpoint it has: nothing to take
        _same(log, copy)
        assert copy.inclusion_proof(3, 7) == log.inclusion_proof(3, 7)
        assert copy.consistency_proof(4) == log.consistency_proof(4)
        assert copy.receipts([5, 9]) == log.receipts([5, 9])
        start = log.size  # records taken before their checkpoint: readable, not yet signed
        log.append(*ballot("v4", "yes"))
        log.checkpoint()
        copy.follow(_committed(log, start), None)
        assert copy.size == log.size and copy.latest_checkpoint.size == start
        copy.follow([], log.latest_checkpoint)
        _same(log, copy)


def test_the_log_and_its_follower_grow_apart_only_by_what_is_followed(tmp_path: Path) -> None:
    with AuditLog.open(tmp_path / "log", signer()) as log:
        copy = log.follower()
        tree = merkle.MerkleTree.from_leaves([b"a", b"b", b"c"])
        twin = tree.copy()
        twin.append(b"d")
        assert (tree.size, twin.size) == (3, 4) and tree.root() == merkle.root([b"a", b"b", b"c"])
        log.append(*ballot("v1", "yes"))
        assert copy.size == 1 and log.size == 2


def test_a_record_out_of_turn_or_a_checkpoint_of_other_records_is_refused_and_nothing_taken(tmp_path: Path) -> None:
    with AuditLog.open(tmp_path / "log", signer()) as log:
        copy = log.follower()
        log.append_many([ballot("v1", "yes"), ballot("v1", "no")])
        checkpoint = log.checkpoint()
        committed = _committed(log, 1)
        with pytest.raises(StorageError, match="record 2 taken where record 1 comes next"):
            copy.follow(committed[1:], checkpoint)
        with pytest.raises(StorageError, match="does not sign the records taken"):
            copy.follow([committed[0], (2, committed[1][1] + b" ")], checkpoint)
        with pytest.raises(StorageError, match="does not sign the records taken"):
            copy.follow(committed[:1], checkpoint)  # the checkpoint signs a record it was not given
        assert (copy.size, copy.latest_checkpoint.size) == (1, 1)
        copy.follow(committed, checkpoint)
        _same(log, copy)


def test_a_follower_writes_no_record_and_no_checkpoint_and_stops_when_closed(tmp_path: Path) -> None:
    with AuditLog.open(tmp_path / "log", signer()) as log:
        copy = log.follower()
        with pytest.raises(StorageError, match="does not write records"):
            copy.append(*ballot("v1", "yes"))
        with pytest.raises(StorageError, match="does not sign checkpoints"):
            copy.checkpoint()
        with pytest.raises(StorageError, match="does not write records"):
            copy.truncate(0)
        copy.close()
        with pytest.raises(StorageError, match="closed"):
            copy.follow([], None)
        log.append(*ballot("v1", "yes"))  # the log itself goes on
        assert log.checkpoint().size == 2


def test_a_follower_keeps_the_witnesses_cosignatures_the_log_had_and_those_it_is_given(tmp_path: Path) -> None:
    witness = generate("witness.example/w1")
    with AuditLog.open(tmp_path / "log", signer()) as log:
        first = log.latest_checkpoint
        log.add_cosignatures(first.note + witness.cosign(read_checkpoint(first.note)[1].text, 1_800_000_000) + "\n")
        copy = log.follower()
        assert copy.cosigned == log.cosigned and copy.with_cosignatures(first) == log.with_cosignatures(first)
        start = log.size
        log.append(*ballot("v1", "yes"))
        second = log.checkpoint()
        copy.follow(_committed(log, start), second)
        copy.add_cosignatures(second.note + witness.cosign(read_checkpoint(second.note)[1].text, 1_800_000_001) + "\n")
        cosigned = copy.cosigned
        assert cosigned is not None and cosigned.size == 2 and log.cosigned is not None and log.cosigned.size == 1
    with AuditLog.open(tmp_path / "log", signer()) as reopened:  # the follower wrote the cosignatures file
        assert reopened.cosigned == cosigned


def test_a_log_is_handed_over_only_with_every_record_signed_and_then_is_not_this_processs(tmp_path: Path) -> None:
    log = AuditLog.open(tmp_path / "log", signer())
    log.append(*ballot("v1", "yes"))
    with pytest.raises(StorageError, match="not signed yet"):
        log.hand_over()
    log.checkpoint()
    log.hand_over()  # (what a forked writer process's parent does: the child's handles keep the lock)
    with pytest.raises(StorageError, match="closed"):
        log.append(*ballot("v1", "no"))
    with AuditLog.open(tmp_path / "log", signer()) as reopened:  # no handle of this process holds it now
        assert reopened.size == 2
