"""Ballot receipts: "my ballot is in the count" without revealing the choice to anyone else
(design.md, "Audit log"; RFC 9162 §2.1.3 inclusion and §2.1.4 consistency proofs; C2SP
tlog-checkpoint).

    {"receipt": "renda-audit-receipt/1",
     "index": <leaf index>,
     "leaf_hash": <hex RFC 9162 leaf hash of the ballot record>,
     "checkpoint": <the C2SP signed checkpoint note that includes it>,
     "inclusion_proof": [<hex node hashes, leaf to root>]}

(the server adds ``"vote_id"``; other members are ignored), or the same as a C2SP tlog-proof
(`audit.tlogproof`, `tlog_proof`), whose checkpoint may carry witnesses' cosignatures; a
tlog-proof without our extra data names no leaf hash, and the export's record at the index is
then the leaf.  A leaf hash reveals nothing about
the choice: the record carries a random 128-bit nonce, so hashing every possible ballot does not
find it.  Anyone holding the receipt *and* an export can look the record up; a deputy should keep
the receipt to themself.

`check_receipt` checks a receipt against an export, after verifying the whole export
(`audit.verify`): the receipt's checkpoint is signed by the log's key, the leaf is included in it,
the export's records give that checkpoint's root (so the log was neither rolled back nor rewritten
since -- two signed roots for one history is equivocation), and what became of the ballot:
counted, replaced (withdrawn for a later ballot), in a voided vote, or not counted yet.
`describe_leaf` says what the leaf holds, for its holder.  `check_receipt_against` is the same
receipt check against a live log (the server's), without an export.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from audit import canonical
from audit.checkpoint import Checkpoint, open_checkpoint, read_checkpoint
from audit.cosignature import Cosigner
from audit.errors import CanonicalJSONError, NoteError, ReceiptError
from audit.keys import Verifier
from audit.limits import MAX_DEPTH, MAX_RECEIPT_BYTES, too_deep
from audit.merkle import HASH_SIZE, verify_consistency, verify_inclusion_hash
from audit.records import Record, RecordType
from audit.tlogproof import HEADER as TLOG_PROOF
from audit.tlogproof import format_proof, parse_proof
from ballotcrypto.ballot import display_code
from ballotcrypto.hashing import h256

__all__ = [
    "FATES",
    "FORMAT",
    "ExportRejected",
    "Receipt",
    "ReceiptCheck",
    "ReceiptRejected",
    "check_receipt",
    "check_receipt_against",
    "describe_leaf",
    "label",
    "load_receipt",
    "make_receipt",
    "parse_receipt",
    "tlog_proof",
]

FORMAT = "renda-audit-receipt/1"


@dataclass(frozen=True)
class Receipt:
    """A parsed receipt (not yet verified)."""

    index: int
    leaf_hash: bytes | None  # None: a tlog-proof that does not say (the export's record is the leaf)
    checkpoint: str
    inclusion_proof: tuple[bytes, ...]


@dataclass(frozen=True)
class ReceiptCheck:
    """A receipt that verified: the record, its checkpoint, and the log's latest checkpoint; against
    an export also the record itself and what became of the ballot (`FATES`), and the seq of its
    withdrawal if it was replaced."""

    index: int
    checkpoint_size: int
    latest_size: int
    fate: str | None = None
    record: Record | None = None
    replaced_at: int | None = None


#: What became of a receipt's ballot, in Chinese and English.
FATES = {
    "counted": "您的选票已计入，结果已按日志重新计票核对 your ballot is counted, and the recorded result matches "
    "a recount",
    "replaced": "这张选票已被替换（已撤回），不计入结果；计入的是您之后投出的选票 this ballot was replaced by a later "
    "one and withdrawn: it is not counted (your later ballot is)",
    "voided": "表决已作废（宣布无效），这张选票不计入 the vote was voided (declared invalid): this ballot is not "
    "counted",
    "open": "表决尚未结束，选票已记录、尚未计票 the vote is still open: the ballot is recorded, not yet counted",
    "uncounted": "表决已结束但日志中没有结果 the vote closed but the log holds no result for it",
    "not-a-ballot": "回执指向的记录不是选票 the receipt's record is not a ballot",
}

#: The members of an encrypted ballot (docs/ballot-crypto.md §3.4).
ENCRYPTED_BALLOT = frozenset({"ballot", "vid", "selections", "limits"})

_LABELS = {"yes": "赞成", "no": "反对", "abstain": "弃权", "satisfied": "满意", "basically_satisfied": "基本满意",
           "unsatisfied": "不满意"}


def describe_leaf(record: Record) -> str:
    """What a receipt's leaf holds, for the receipt's holder: the choice of a plaintext ballot
    (``赞成 yes``, or per candidate / target); the tracking code of an encrypted one (its tracker,
    H256 of the ballot, and the code the tablet showed before it was cast: docs/ballot-crypto.md
    §3.5) -- the choice stays secret; else the record's type and body as JSON."""
    body = record.body
    if record.type != RecordType.BALLOT:
        return f"{record.type}: {canonical.dumps(body).decode('utf-8')}"
    ballot: Mapping[str, Any] = body["ballot"]
    if set(ballot) == ENCRYPTED_BALLOT:
        tracker = h256(ballot)
        return (f"表决 vote {body['vote_id']}: 加密选票 encrypted ballot, 核验码 tracking code {display_code(tracker)}"
                f" (tracker {tracker}) — 请与投票时平板显示的核验码核对 compare it with the code your tablet showed")
    parts = []
    if isinstance(ballot.get("choice"), str):
        parts.append(label(ballot["choice"]))
    marks = ballot.get("marks")
    if isinstance(marks, dict):
        parts.extend(f"{name}: {label(mark) if isinstance(mark, str) else json.dumps(mark, ensure_ascii=False)}"
                     for name, mark in marks.items())
    write_ins = ballot.get("write_ins")
    if isinstance(write_ins, list) and write_ins:
        parts.append("另选他人 write-ins: " + "、".join(str(w) for w in write_ins))
    if not parts or set(ballot) - {"choice", "marks", "write_ins"}:
        parts = [canonical.dumps(dict(ballot)).decode("utf-8")]
    return f"表决 vote {body['vote_id']}: " + "; ".join(parts)


def label(value: str) -> str:
    """A mark in Chinese and as the ballot has it: ``赞成 yes``."""
    label = _LABELS.get(value)
    return f"{label} {value}" if label is not None else value


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


def tlog_proof(receipt: dict[str, Any], checkpoint: Checkpoint | None = None, proof: Sequence[bytes] | None = None,
               ) -> str:
    """A receipt (`make_receipt`'s object) as a C2SP tlog-proof: the same leaf and proof, or a newer
    `checkpoint` (e.g. one witnesses cosigned, its note with their cosignatures) with the leaf's
    inclusion `proof` in it.  The extra data is the RFC 8785 JSON of the leaf hash and the vote."""
    extra = {"leaf_hash": receipt["leaf_hash"]}
    if "vote_id" in receipt:
        extra["vote_id"] = receipt["vote_id"]
    if checkpoint is None or proof is None:
        note, nodes = receipt["checkpoint"], [bytes.fromhex(node) for node in receipt["inclusion_proof"]]
    else:
        note, nodes = checkpoint.note, list(proof)
    return format_proof(receipt["index"], nodes, note, canonical.dumps(extra))


def _from_tlog_proof(text: str) -> Receipt:
    proof = parse_proof(text)
    leaf_hash = None
    if proof.extra is not None:
        try:
            extra = canonical.loads(proof.extra.decode("utf-8"))
        except (UnicodeDecodeError, CanonicalJSONError):
            extra = None  # another application's extra data: not ours to read
        if type(extra) is dict and "leaf_hash" in extra:
            leaf_hash = _hash(extra["leaf_hash"], "the extra data's leaf_hash")
    return Receipt(proof.index, leaf_hash, proof.checkpoint, proof.proof)


def _hash(value: object, what: str) -> bytes:
    if type(value) is not str or len(value) != 2 * HASH_SIZE or value != value.lower():
        raise ReceiptError(f"{what} must be 64 lowercase hex digits")
    try:
        return bytes.fromhex(value)
    except ValueError:
        raise ReceiptError(f"{what} must be 64 lowercase hex digits") from None


def load_receipt(path: str | Path) -> Receipt:
    """Read and parse a receipt file -- the JSON receipt or a C2SP tlog-proof -- (at most
    `MAX_RECEIPT_BYTES`, JSON nested at most `audit.limits.MAX_DEPTH` deep); raises `ReceiptError`
    saying why it cannot be used."""
    try:
        with Path(path).open("rb") as handle:
            raw = handle.read(MAX_RECEIPT_BYTES + 1)
    except OSError as exc:
        raise ReceiptError(f"cannot read the receipt: {exc.strerror}") from exc
    if len(raw) > MAX_RECEIPT_BYTES:
        raise ReceiptError(f"the receipt file is larger than {MAX_RECEIPT_BYTES} bytes")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ReceiptError(f"the receipt is not UTF-8: {exc}") from exc
    if text.startswith(TLOG_PROOF + "\n"):
        return _from_tlog_proof(text)
    if too_deep(text):
        raise ReceiptError(f"the receipt nests JSON deeper than {MAX_DEPTH} levels")
    try:
        obj = json.loads(text)
    except ValueError as exc:
        raise ReceiptError(f"the receipt is not JSON: {exc}") from exc
    return parse_receipt(obj)


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


def _included_and_not_rolled_back(
    receipt: Receipt, checkpoint: Checkpoint, latest: Checkpoint | None, leaf_hash: bytes | None
) -> Checkpoint:
    """The leaf is in the receipt's checkpoint (``not-included``), and the log's newest checkpoint
    is at least as large (``rolled-back``); returns that newest checkpoint."""
    if leaf_hash is None or not verify_inclusion_hash(
        leaf_hash, receipt.index, checkpoint.size, receipt.inclusion_proof, checkpoint.root
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
    return latest


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
    latest = _included_and_not_rolled_back(receipt, checkpoint, latest, receipt.leaf_hash)
    proof = consistency_proof(checkpoint.size, latest.size)
    if not verify_consistency(checkpoint.size, latest.size, checkpoint.root, latest.root, proof):
        raise ReceiptRejected(
            "rewritten", "the log is not an extension of the receipt's checkpoint: the log was rewritten / 日志被改写"
        )
    return ReceiptCheck(receipt.index, checkpoint.size, latest.size)


class ExportRejected(ReceiptError):
    """The export a receipt was checked against does not verify; ``report`` says why."""

    def __init__(self, report: Any) -> None:
        super().__init__(f"the export itself does not verify ({report.failure}); run `python -m audit verify`")
        self.report = report


def check_receipt(
    receipt: Receipt,
    export_dir: str | Path,
    verifier: Verifier,
    *,
    tally: Any = None,
    workers: int | None = None,
    witnesses: Sequence[Cosigner] = (),
    quorum: int | None = None,
) -> ReceiptCheck:
    """Check `receipt` against the export in `export_dir`, whose key must be `verifier`.

    The whole export is verified first (`audit.verify.verify_export`, with the `witnesses` and
    `quorum` it is given); `ExportRejected` if it does not.  Then: the receipt's checkpoint is
    signed by the key, for this log's origin (``foreign-checkpoint``); the leaf (the receipt's, or
    the export's record at the index for a tlog-proof that names none) is included in it
    (``not-included``); the export reaches that size (``rolled-back``); its records give that
    checkpoint's root (``rewritten``: two signed histories, equivocation).  Raises
    `ReceiptRejected` naming the check that failed; returns the ballot's fate otherwise.
    """
    from audit.verify import verify_export

    try:
        claimed, _ = read_checkpoint(receipt.checkpoint)
    except NoteError as exc:
        raise ReceiptRejected("foreign-checkpoint", f"the receipt's checkpoint is not a checkpoint: {exc}") from exc
    report = verify_export(export_dir, trusted_vkey=verifier.vkey, tally=tally, watch=[receipt.index],
                           roots_at=[claimed.size], workers=workers, witnesses=witnesses, quorum=quorum)
    if not report.ok:
        raise ExportRejected(report)
    latest = read_checkpoint(report.notes[-1])[0]
    if receipt.checkpoint in report.notes:  # verified with the export: each note is checked once
        checkpoint = claimed
    else:
        try:
            checkpoint = open_checkpoint(receipt.checkpoint, verifier, latest.origin)
        except NoteError as exc:
            raise ReceiptRejected("foreign-checkpoint", f"the receipt's checkpoint is not this log's: {exc}") from exc
    leaf = report.leaves.get(receipt.index)
    leaf_hash = receipt.leaf_hash if receipt.leaf_hash is not None or leaf is None else leaf.leaf_hash
    _included_and_not_rolled_back(receipt, checkpoint, latest, leaf_hash)
    if report.roots.get(checkpoint.size) != checkpoint.root:
        raise ReceiptRejected(
            "rewritten",
            "the log is not an extension of the receipt's checkpoint: the log was rewritten -- equivocation, the key "
            f"signed two histories (evidence: the receipt's checkpoint and the export's latest) / 日志被改写\n"
            f"{checkpoint.note}\n{latest.note}",
        )
    assert leaf is not None  # included in a checkpoint whose root the export's records give
    return ReceiptCheck(receipt.index, checkpoint.size, latest.size, leaf.fate, leaf.record, leaf.replaced_at)
