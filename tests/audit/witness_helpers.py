"""Builders for the witness tests: add-checkpoint bodies made from a real log, and logs that fork.

A forking log is the key holder showing two histories: two log directories with the same key and
origin, grown apart from a common prefix (a copy of the directory) or from nothing."""

from __future__ import annotations

import base64
import shutil
from pathlib import Path

from audit import AuditLog, Checkpoint, keys
from tests.audit.audit_helpers import nonce

ORIGIN = "renda.example/witnessed-log"


def log_key(name: str = ORIGIN) -> keys.Signer:
    """A log key whose name is the log's origin (C2SP tlog-checkpoint)."""
    return keys.generate(name)


def grow(log: AuditLog, records: int, what: str = "a") -> Checkpoint:
    """Append `records` records (sign-ins, which no rule of the verifier reads) and sign a checkpoint
    of the whole log."""
    for _ in range(records):
        log.append("sign_in", {"role": "staff", "user": f"{what}-{nonce()}"})
    return log.checkpoint()


def body(log: AuditLog, old: int, checkpoint: Checkpoint | None = None, proof: list[bytes] | None = None) -> bytes:
    """The add-checkpoint request for `checkpoint` (default: the log's latest) with the RFC 9162
    consistency proof from `old` (or the `proof` given)."""
    checkpoint = checkpoint or log.latest_checkpoint
    if proof is None:
        proof = log.consistency_proof(old, checkpoint.size) if 0 < old < checkpoint.size else []
    lines = "".join(base64.b64encode(node).decode() + "\n" for node in proof)
    return f"old {old}\n{lines}\n{checkpoint.note}".encode()


def fork(log: AuditLog, directory: Path, key: keys.Signer) -> AuditLog:
    """Another history by `log`'s `key` from `log`'s signed state so far: its directory copied (the
    original stays open) and opened again."""
    log.checkpoint()
    shutil.copytree(log.directory, directory, ignore=shutil.ignore_patterns("lock"))
    return AuditLog.open(directory, key)
