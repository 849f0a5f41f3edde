"""Builders for the witness tests: add-checkpoint bodies made from a real log, and logs that fork.

A forking log is the key holder showing two histories: two log directories with the same key and
origin, grown apart from a common prefix (a copy of the directory) or from nothing."""

from __future__ import annotations

import base64
import shutil
from pathlib import Path

from audit import AuditLog, Checkpoint, export, keys
from audit.cosignature import Cosigner
from audit.witness import Witness
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


def open_witnesses(directory: Path, key: keys.Signer, count: int = 3) -> list[Witness]:
    """`count` witnesses of the log signed by `key`, each with its own state under `directory`."""
    return [Witness.open(directory / f"w{i}", [key.verifier], name=f"witness.example/w{i}")
            for i in range(1, count + 1)]


def ask(witness: Witness, log: AuditLog) -> int:
    """Ask `witness` to cosign `log`'s latest checkpoint as the server does (old size 0, then the
    size a 409 gives); keep the cosignature in the log. Returns the last status."""
    old = 0
    for _ in range(2):
        answer = witness.add_checkpoint(body(log, old))
        if answer.status == 409:
            old = int(answer.body)
            if old > log.latest_checkpoint.size:
                return 409
            continue
        if answer.status == 200:
            log.add_cosignatures(log.latest_checkpoint.note + answer.body.decode())
        return answer.status
    return 409


def keys_of(witnesses: list[Witness]) -> list[Cosigner]:
    return [Cosigner.from_vkey(w.vkey) for w in witnesses]


def exported(log: AuditLog, directory: Path) -> Path:
    """`log` with a checkpoint of all of it, exported to `directory`."""
    log.checkpoint()
    export(log.directory, directory)
    return directory


def export_with_another_history_cosigned(directory: Path, key: keys.Signer, witnesses: list[Witness],
                                         ) -> tuple[Path, AuditLog, AuditLog]:
    """A log forked by its key holder after 3 records: 4 more shown to the auditor (exported, and
    cosigned by the first witness), 4 others shown to the witnesses (cosigned by the third), whose
    cosignature is added to the export's ``cosignatures.jsonl``. Returns (export, log, other)."""
    from tests.audit.audit_helpers import read_lines, write_lines

    log = AuditLog.open(directory / "log", key)
    grow(log, 3)
    other = fork(log, directory / "other", key)
    grow(log, 4, "shown to the auditor")
    grow(other, 4, "shown to the witnesses")
    assert ask(witnesses[2], other) == 200 and ask(witnesses[0], log) == 200
    out = exported(log, directory / "export")
    write_lines(out / "cosignatures.jsonl", [*read_lines(out / "cosignatures.jsonl"),
                                             *read_lines(other.directory / "cosignatures.jsonl")])
    return out, log, other
