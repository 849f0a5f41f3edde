"""Audit log for the voting system: every result checkable by an auditor who trusts no one.

Records are RFC 8785 canonical JSON lines chained by hash (`audit.records`), leaves of an
RFC 9162 Merkle tree (`audit.merkle`), committed to by C2SP checkpoints signed with Ed25519
(`audit.checkpoint`, `audit.note`, `audit.keys`).  `AuditLog` is the append-only store the server
writes to (`audit.log`); `export` writes a self-contained directory and `verify_export` checks it
and re-runs every tally (`audit.export`, `audit.verify`), encrypted votes and the 监票人's key
ceremonies included (`audit.encrypted`); receipts let a deputy check their ballot is in the count
(`audit.receipt`, also as C2SP tlog-proofs: `audit.tlogproof`), and a deputy who challenged an
encrypted ballot sees what it held (`audit.spoiled`).  Witnesses cosign checkpoints
(`audit.witness`, `audit.cosignature`: C2SP tlog-witness and tlog-cosignature) and the verifier can
require a quorum of them.  Command line:
``python -m audit {keygen,export,verify,check-receipt,spoiled,fingerprint,witness}``; the report in
Chinese for the pages is `audit.explain`.

This package imports nothing from ``server``; ``tally`` is imported only to recount, ``ballotcrypto``
only to check the cryptography of encrypted votes.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

# `export` is both a module and its function: the function is bound here, after the module's first
# import, so that `from audit import export` is always the function.
from audit.export import ExportSummary, export

if TYPE_CHECKING:
    from audit.checkpoint import Checkpoint
    from audit.errors import AuditError
    from audit.keys import Signer, Verifier
    from audit.log import AuditLog, Reconciliation, Recovery
    from audit.receipt import Receipt, ReceiptCheck, check_receipt, parse_receipt
    from audit.records import Record, RecordType
    from audit.verify import Failure, Report, VoteReport, verify_export

# Each name is imported from its module when first used (PEP 562), so that `python -m audit verify`
# loads what verifying needs and not the log writer, the receipts or the witness's server: start-up
# is a part of the verifier's speed (docs/performance.md, "Verifying an export").
_HOMES = {
    "Checkpoint": "checkpoint", "AuditError": "errors",
    "Signer": "keys", "Verifier": "keys", "AuditLog": "log", "Reconciliation": "log", "Recovery": "log",
    "Receipt": "receipt", "ReceiptCheck": "receipt", "check_receipt": "receipt", "parse_receipt": "receipt",
    "Record": "records", "RecordType": "records", "Failure": "verify", "Report": "verify",
    "VoteReport": "verify", "verify_export": "verify",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'audit' has no attribute {name!r}")
    return getattr(importlib.import_module(f"audit.{home}"), name)


__all__ = [
    "AuditError",
    "AuditLog",
    "Checkpoint",
    "ExportSummary",
    "Failure",
    "Receipt",
    "ReceiptCheck",
    "Reconciliation",
    "Record",
    "RecordType",
    "Recovery",
    "Report",
    "Signer",
    "Verifier",
    "VoteReport",
    "check_receipt",
    "export",
    "parse_receipt",
    "verify_export",
]
