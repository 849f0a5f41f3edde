"""Ballot receipts: "my ballot is in the count" without revealing the choice (design.md,
"Audit log"; RFC 9162 §2.1.3 inclusion and §2.1.4 consistency proofs; C2SP tlog-checkpoint).

    {"receipt": "renda-audit-receipt/1",
     "index": <leaf index>,
     "leaf_hash": <hex RFC 9162 leaf hash of the ballot record>,
     "checkpoint": <the C2SP signed checkpoint note that includes it>,
     "inclusion_proof": [<hex node hashes, leaf to root>]}

A leaf hash reveals nothing about the choice: the record carries a random 128-bit nonce, so
hashing every possible ballot does not find it.  Anyone holding the receipt *and* an export can
of course look the record up; a deputy should keep the receipt to themself.

`check_receipt` checks, against an export: the checkpoint's signature with the export's key,
inclusion of the leaf in that checkpoint, and consistency from it to the export's latest
checkpoint (so the log was neither rolled back nor rewritten since the receipt was issued).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from audit.checkpoint import Checkpoint, open_checkpoint
from audit.errors import NoteError, ReceiptError, StorageError
from audit.keys import Verifier
from audit.logfile import read_log
from audit.merkle import HASH_SIZE, verify_consistency, verify_inclusion_hash

__all__ = [
    "FORMAT",
    "Receipt",
    "ReceiptCheck",
    "ReceiptRejected",
    "check_receipt",
    "check_receipt_against",
    "make_receipt",
    "parse_receipt",
]

FORMAT = "renda-audit-receipt/1"


@dataclass(frozen=True)
class Receipt:
    """A parsed receipt (not yet verified)."""

    index: int
    leaf_hash: bytes
    checkpoint: str
    inclusion_proof: tuple[bytes, ...]


@dataclass(frozen=True)
class ReceiptCheck:
    """A receipt that verified: the record, its checkpoint, and the export's latest checkpoint."""

    index: int
    checkpoint_size: int
    latest_size: int


def make_receipt(
    index: int, leaf_hash: bytes, checkpoint: Checkpoint, proof: Sequence[bytes], hexed: dict[bytes, str] | None = None
) -> dict[str, Any]:
    """The JSON object of a receipt for leaf `index`. `hexed` caches the hex of proof nodes shared
    by the receipts of one batch."""
    if hexed is None:
        nodes = [node.hex() for node in proof]
    else:
        nodes = []
        for node in proof:
            text = hexed.get(node)
            if text is None:
                text = hexed[node] = node.hex()
            nodes.append(text)
    return {
        "receipt": FORMAT,
        "index": index,
        "leaf_hash": leaf_hash.hex(),
        "checkpoint": checkpoint.note,
        "inclusion_proof": nodes,
    }


def _hash(value: object, what: str) -> bytes:
    if type(value) is not str or len(value) != 2 * HASH_SIZE or value != value.lower():
        raise ReceiptError(f"{what} must be 64 lowercase hex digits")
    try:
        return bytes.fromhex(value)
    except ValueError:
        raise ReceiptError(f"{what} must be 64 lowercase hex digits") from None


def parse_receipt(obj: Any) -> Receipt:
    """Check the shape of a receipt's JSON object."""
    if type(obj) is not dict or obj.get("receipt") != FORMAT:
        raise ReceiptError(f'not a receipt (want an object with "receipt": "{FORMAT}")')
    index, note, proof = obj.get("index"), obj.get("checkpoint"), obj.get("inclusion_proof")
    if type(index) is not int or index < 0:
        raise ReceiptError("receipt index must be an integer >= 0")
    if type(note) is not str:
        raise ReceiptError("receipt checkpoint must be a signed note")
    if type(proof) is not list:
        raise ReceiptError("receipt inclusion_proof must be a list")
    nodes = tuple(_hash(node, "an inclusion proof node") for node in proof)
    return Receipt(index, _hash(obj.get("leaf_hash"), "leaf_hash"), note, nodes)


class ReceiptRejected(ReceiptError):
    """A well-formed receipt that does not verify; ``reason`` says which check failed:
    ``foreign-checkpoint``, ``not-included``, ``rolled-back`` or ``rewritten``."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


def check_receipt_against(
    receipt: Receipt,
    verifier: Verifier,
    origin: str,
    latest: Checkpoint | None,
    consistency_proof: Callable[[int, int], Sequence[bytes]],
) -> ReceiptCheck:
    """Check `receipt` against a log whose newest signed checkpoint is `latest`, signed by
    `verifier`'s key under `origin`; `consistency_proof(old, new)` gives the log's RFC 9162
    proof between two of its sizes. Raises `ReceiptRejected` saying which check failed."""
    try:
        checkpoint = open_checkpoint(receipt.checkpoint, verifier, origin)
    except NoteError as exc:
        raise ReceiptRejected("foreign-checkpoint", f"the receipt's checkpoint is not this log's: {exc}") from exc
    if not verify_inclusion_hash(
        receipt.leaf_hash, receipt.index, checkpoint.size, receipt.inclusion_proof, checkpoint.root
    ):
        raise ReceiptRejected(
            "not-included", "the inclusion proof does not lead from the leaf to the checkpoint's root"
        )
    if latest is None or latest.size < checkpoint.size:
        raise ReceiptRejected(
            "rolled-back",
            f"the log's latest checkpoint is older than the receipt's (size {checkpoint.size}): "
            "the log was rolled back / 日志被回滚",
        )
    proof = consistency_proof(checkpoint.size, latest.size)
    if not verify_consistency(checkpoint.size, latest.size, checkpoint.root, latest.root, proof):
        raise ReceiptRejected(
            "rewritten", "the log is not an extension of the receipt's checkpoint: the log was rewritten / 日志被改写"
        )
    return ReceiptCheck(receipt.index, checkpoint.size, latest.size)


def check_receipt(receipt: Receipt, export_dir: str | Path, verifier: Verifier) -> ReceiptCheck:
    """Check `receipt` against the export in `export_dir` signed by `verifier`'s key: the
    checkpoint's signature, inclusion of the leaf in it, and consistency from it to the export's
    latest checkpoint.

    Raises `ReceiptError` saying what does not hold (`ReceiptRejected` for a receipt that does
    not verify).
    """
    try:
        state = read_log(Path(export_dir), verifier)
    except StorageError as exc:
        raise ReceiptError(f"the export itself does not verify ({exc}); run `python -m audit verify`") from exc
    latest = state.checkpoints[-1] if state.checkpoints else None
    return check_receipt_against(receipt, verifier, state.origin, latest, state.chain.tree.consistency_proof)
