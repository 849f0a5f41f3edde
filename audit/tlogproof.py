"""Receipts as C2SP tlog-proofs (https://c2sp.org/tlog-proof): the standard text form of "this
entry is in the log", readable by other transparency-log tools::

    c2sp.org/tlog-proof@v1
    extra <base64 of the RFC 8785 JSON {"leaf_hash": "<64 hex>", "vote_id": "<vote>"}>     (optional)
    index <the leaf's index, ASCII decimal>
    <base64 of each RFC 9162 inclusion proof node, one a line, leaf to root>
    <blank line>
    <the checkpoint note, verbatim, with the log's signature and any witnesses' cosignatures>

Everything but the ``extra`` line is the standard's.  The extra data is opaque to other tools;
here it carries what a receipt carries besides the proof (``audit.receipt``): the ballot record's
leaf hash (which the verifier may not otherwise have) and its vote.  Like every extra data it is
not trusted: the inclusion proof must lead from that leaf hash to the signed root, and
``check-receipt`` with an export takes the leaf from the export's records.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Sequence
from dataclasses import dataclass

from audit.errors import ReceiptError
from audit.keys import b64decode_strict
from audit.merkle import HASH_SIZE

__all__ = ["HEADER", "MAX_PROOF", "TlogProof", "format_proof", "parse_proof"]

HEADER = "c2sp.org/tlog-proof@v1"
MAX_PROOF = 63  # an inclusion proof in a tree of fewer than 2**63 leaves
_INDEX = re.compile(r"index (0|[1-9][0-9]{0,18})", re.ASCII)  # below 10**19: within uint64


@dataclass(frozen=True)
class TlogProof:
    """A parsed tlog-proof, not yet verified."""

    index: int
    proof: tuple[bytes, ...]
    checkpoint: str
    extra: bytes | None = None


def format_proof(index: int, proof: Sequence[bytes], checkpoint: str, extra: bytes | None = None) -> str:
    """The text of a tlog-proof of leaf `index` (with its RFC 9162 inclusion `proof`) in the
    signed `checkpoint` note."""
    lines = [HEADER]
    if extra is not None:
        lines.append("extra " + base64.b64encode(extra).decode("ascii"))
    lines.append(f"index {index}")
    lines.extend(base64.b64encode(node).decode("ascii") for node in proof)
    return "\n".join(lines) + "\n\n" + checkpoint


def _base64(text: str, what: str) -> bytes:
    try:
        return b64decode_strict(text)
    except ValueError as exc:
        raise ReceiptError(f"tlog-proof: {what} is not base64 ({exc})") from exc


def parse_proof(text: str) -> TlogProof:
    """Parse a tlog-proof strictly (canonical base64, 32-byte nodes, at most `MAX_PROOF` of them,
    an index without leading zeros, a non-empty checkpoint); raises `ReceiptError` saying why."""
    head, blank, checkpoint = text.partition("\n\n")
    lines = head.split("\n")
    if lines[0] != HEADER:
        raise ReceiptError(f"not a tlog-proof (the first line is not {HEADER})")
    if not blank or not checkpoint:
        raise ReceiptError("tlog-proof: no checkpoint after the proof (a blank line, then the note)")
    rest = lines[1:]
    extra = None
    if rest and rest[0].startswith("extra "):
        extra = _base64(rest.pop(0)[len("extra "):], "the extra data")
    index = _INDEX.fullmatch(rest[0]) if rest else None
    if index is None:
        raise ReceiptError("tlog-proof: the line after the header (and extra) is 'index <decimal>'")
    nodes = rest[1:]
    if len(nodes) > MAX_PROOF:
        raise ReceiptError(f"tlog-proof: more than {MAX_PROOF} proof hashes")
    proof = tuple(_base64(node, "a proof hash") for node in nodes)
    if any(len(node) != HASH_SIZE for node in proof):
        raise ReceiptError("tlog-proof: a proof hash has 32 bytes")
    return TlogProof(int(index.group(1)), proof, checkpoint, extra)
