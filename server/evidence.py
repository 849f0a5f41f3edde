"""What paper and the hall screen carry from the audit log, apart from the server (issue 15 item 5):
the signing key's fingerprint (docs/verifier-spec.md §3.3), and, on every result sheet and the
minutes, the signed checkpoint that covers the result, for the 监票人 to sign beside.

The checkpoint that *covers* a vote's result is the first signed checkpoint whose size includes
the record that settled the vote (``result``, ``manual_result`` or ``vote_voided``; for the
minutes, the last such record of the meeting): the records up to it are exactly what the key
signed, and a later export must extend it (``python -m audit verify --checkpoint``).

The printed note is the checkpoint with every witness's cosignature it has got so far (C2SP
tlog-cosignature, server/witnesses.py): the QR code carries them and the sheet names the witnesses
and when they cosigned.  Witnesses are asked after the batch, and at most once per
``WITNESS_INTERVAL_S``, so a sheet printed at once, or a checkpoint the witnesses skipped, may show
none: ``verify --witness … --quorum k`` on the export's latest checkpoint, which extends this one,
still covers the result.

The writer signs a checkpoint with every batch before anyone is told of it, so a printed result
is covered in practice. If it is not — the log's disk failed between the commit and the
signature — the sheet is still printed (the paper result is the legal record and must not wait
for the disk), says so in words, and shows the latest checkpoint, which does not include the
result: the 监票人 then print again once the log is repaired.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable
from datetime import UTC, datetime

import segno

from audit import Checkpoint
from audit.keys import Verifier
from audit.note import parse_note
from server.domain import JsonObject
from server.ledger import Ledger

#: How a printed checkpoint relates to the result on the sheet.
COVERED, UNSIGNED, NONE = "covered", "unsigned", "none"


def fingerprint(ledger: Ledger) -> str:
    """The audit key's fingerprint (16 groups of four hex digits)."""
    return Verifier.from_vkey(ledger.log.vkey).fingerprint


def qr_svg(note: str) -> str:
    """An inline SVG QR code of a whole signed note: UTF-8 (the signature lines' em dash) declared
    with an ECI, error correction M."""
    return str(segno.make(note, encoding="utf-8", eci=True, error="m").svg_inline(scale=2, border=4, omitsize=True))


def cosigners(note: str, log_key: Verifier) -> list[JsonObject]:
    """The witnesses whose cosignature lines a note of this log carries, with when they cosigned
    (the timestamp that starts a cosignature/v1 signature); the server kept only lines it checked
    with the witness's key (server/witnesses.py)."""
    found: list[JsonObject] = []
    for line in parse_note(note).signatures:
        if (line.name, line.key_id) == (log_key.name, log_key.key_id) or len(line.signature) != 72:
            continue
        (timestamp,) = struct.unpack(">Q", line.signature[:8])
        found.append({"name": line.name, "time": _utc(timestamp)})
    return found


def _utc(timestamp: int) -> str:
    try:
        return f"{datetime.fromtimestamp(timestamp, UTC):%Y-%m-%d %H:%M:%S} UTC"
    except (OverflowError, ValueError, OSError):  # a witness's clock far outside the calendar
        return f"POSIX {timestamp}"


def _checkpoint(ledger: Ledger, checkpoint: Checkpoint) -> JsonObject:
    note = ledger.log.with_cosignatures(checkpoint)
    lines = note.split("\n")
    return {"origin": checkpoint.origin, "size": checkpoint.size, "root": lines[2], "note": note, "qr": qr_svg(note),
            "witnesses": cosigners(note, Verifier.from_vkey(ledger.log.vkey))}


def covering(ledger: Ledger, vote_ids: Iterable[str], *, what: str = "本表决") -> JsonObject:
    """The checkpoint block of a printed sheet for these votes (one vote, or every vote of the minutes)."""
    seqs = [seq for vote_id in vote_ids if (seq := ledger.outcome_seq(vote_id)) is not None]
    block: JsonObject = {"fingerprint": fingerprint(ledger)}
    if not seqs:
        return {**block, "state": NONE, "message": f"{what}尚无结果记录，没有可供签名核对的检查点。"}
    seq = max(seqs)
    checkpoint = ledger.covering(seq)
    if checkpoint is None:
        latest = ledger.log.latest_checkpoint
        return {**block, **_checkpoint(ledger, latest), "state": UNSIGNED, "seq": seq, "message": (
            f"注意：{what}的结果（审计日志第 {seq} 号记录）尚未被签名检查点覆盖（审计日志写入异常）。"
            f"下面是目前最新的检查点（前 {latest.size} 条记录），不包含该结果；请排除故障后重新打印本页，再签名。")}
    return {**block, **_checkpoint(ledger, checkpoint), "state": COVERED, "seq": seq, "message": (
        f"{what}的结果是审计日志第 {seq} 号记录，包含在下面这个签名检查点中（前 {checkpoint.size} 条记录）。"
        "请核对后签名；扫描二维码可得到完整的签名检查点（含已有的见证人副署），核验时用 "
        "python -m audit verify export/ --checkpoint 二维码内容文件。")}
