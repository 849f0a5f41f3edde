"""Export of an audit log for offline verification (design.md, "Audit log" and "Packages").

An export directory holds exactly:

    records.jsonl       the log's records up to its latest checkpoint, byte for byte
    checkpoints.jsonl   every checkpoint (C2SP signed notes), byte for byte
    vkey.txt            the log's C2SP verifier key, one line
    tally_inputs.json   RFC 8785 ``{vote_id: definition + {"ballots": [...]}}``, derived from
                        the records (the documents `tally.count_document` is re-run on); for an
                        encrypted vote ``definition + {"counts": {...}}``, the decrypted totals
    cosignatures.jsonl  every checkpoint of checkpoints.jsonl that witnesses cosigned, its note
                        with the witnesses' cosignature lines after the log's (C2SP
                        tlog-cosignature; one line per witness key, the latest), oldest first;
                        empty when no witness cosigned

Every byte of every file is checked by `audit.verify`: records and checkpoints by hashes and
signatures, the key against the log's own ``log_opened`` record, the tally inputs by
re-deriving them.  Records after the latest checkpoint are not exported: nothing signs them.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from audit import canonical
from audit.checkpoint import Checkpoint
from audit.errors import CanonicalJSONError, ExportError, KeyFormatError, NoteError, StorageError
from audit.keys import Verifier
from audit.limits import MAX_VKEY_BYTES
from audit.logfile import (
    CHECKPOINTS,
    COSIGNATURES,
    RECORDS,
    decode_checkpoint_line,
    encode_checkpoint_line,
    read_log,
    whole_lines,
)
from audit.note import MAX_SIGNATURES, NoteSignature, parse_note
from audit.records import Record, RecordType

__all__ = ["TALLY_INPUTS", "VKEY", "ExportSummary", "TallyInputs", "cosigned_checkpoints", "export", "read_vkey_file"]

VKEY = "vkey.txt"
#: `ExportInputs.recount_input`'s member for a vote's ballots as newline-joined canonical lines
BALLOT_LINES = "ballot lines"
TALLY_INPUTS = "tally_inputs.json"


def _utf16(key: str) -> bytes:
    return key.encode("utf-16-be", "surrogatepass")


class TallyInputs:
    """Collects, per vote, its definition and ballots in log order, from a stream of records.

    Ballots are kept as their canonical JSON bytes, keyed by their record's seq: the fast ballot
    path never parses them, a withdrawal drops one by its seq, and ``tally_inputs.json`` is
    spliced from them.  Member names are ordered by UTF-16 code units (RFC 8785 §3.2.3), so the
    splice is byte for byte ``canonical.dumps`` of `documents()`.

    An encrypted vote (``vote_opened`` with an ``encryption``) is counted from its decrypted totals:
    its document is the definition and ``counts``, the ``tally_counts`` of its ``decryption``
    record (README "Totals instead of ballots"); until then, the definition alone.  Its ballots
    are ciphertexts: not kept here.
    """

    def __init__(self) -> None:
        self.definitions: dict[str, dict[str, Any]] = {}
        self.ballots: dict[str, dict[int, bytes]] = {}
        self.encrypted: set[str] = set()
        self.counts: dict[str, bytes] = {}  # an encrypted vote's tally counts, canonical JSON

    def add(self, record: Record) -> None:
        """Take what the tally needs from one record."""
        if record.type == RecordType.VOTE_OPENED:
            self.open(record.body["vote_id"], record.body["definition"], encrypted="encryption" in record.body)
        elif record.type == RecordType.BALLOT:
            self.add_ballot(record.body["vote_id"], canonical.dumps(record.body["ballot"]), record.seq)
        elif record.type == RecordType.BALLOT_WITHDRAWN:
            self.withdraw(record.body["vote_id"], record.body["seq"])
        elif record.type == RecordType.DECRYPTION:
            self.decrypted(record.body["vote_id"], canonical.dumps(record.body["tally_counts"]))

    def open(self, vote_id: str, definition: dict[str, Any], *, encrypted: bool = False) -> dict[int, bytes]:
        """A vote opened with `definition` (the first opening counts); returns its ballots."""
        if vote_id not in self.definitions:
            self.definitions[vote_id] = definition
            if encrypted:
                self.encrypted.add(vote_id)
        return self.ballots.setdefault(vote_id, {})

    def add_ballot(self, vote_id: str, ballot: bytes, seq: int) -> None:
        """Take one ballot, given as canonical JSON bytes, of an opened vote (others, and an
        encrypted vote's, are ignored)."""
        ballots = self.ballots.get(vote_id)
        if ballots is not None and vote_id not in self.encrypted:
            ballots[seq] = ballot

    def decrypted(self, vote_id: str, counts: bytes) -> None:
        """An encrypted vote's tally counts (canonical JSON), from its first ``decryption``."""
        if vote_id in self.encrypted:
            self.counts.setdefault(vote_id, counts)

    def withdraw(self, vote_id: str, seq: int) -> bool:
        """Drop the ballot at record `seq` of `vote_id` (a choice changed before close).

        Returns False if that vote has no such ballot (never opened, or already withdrawn).
        """
        ballots = self.ballots.get(vote_id)
        return ballots is not None and ballots.pop(seq, None) is not None

    def ballots_json(self, vote_id: str) -> bytes:
        """The ballots of a vote as a JSON array (RFC 8785 elements)."""
        return b"[" + b",".join(self.ballots[vote_id].values()) + b"]"

    def recount_input(self, vote_id: str) -> tuple[str, bytes] | None:
        """`counted`, but a vote's ballots as RFC 8785 lines joined by newlines (none is in a
        canonical ballot) so that a recount parses each distinct ballot once (`workers.recount`)."""
        if vote_id not in self.encrypted:
            return BALLOT_LINES, b"\n".join(self.ballots[vote_id].values())
        return self.counted(vote_id)

    def counted(self, vote_id: str) -> tuple[str, bytes] | None:
        """What a vote is counted from, as (member, canonical JSON): ``ballots``, or an encrypted
        vote's ``counts`` (None before its decryption)."""
        if vote_id not in self.encrypted:
            return "ballots", self.ballots_json(vote_id)
        counts = self.counts.get(vote_id)
        return None if counts is None else ("counts", counts)

    def document(self, vote_id: str) -> dict[str, Any]:
        """``dict(definition, ballots=[...])`` for one vote -- ``counts`` for an encrypted one: the
        input of `tally.count_document`."""
        counted = self.counted(vote_id)
        if counted is None:
            return dict(self.definitions[vote_id])
        return dict(self.definitions[vote_id], **{counted[0]: json.loads(counted[1])})

    def documents(self) -> dict[str, dict[str, Any]]:
        """Every vote's tally document."""
        return {vote_id: self.document(vote_id) for vote_id in self.definitions}

    def _document_bytes(self, vote_id: str) -> bytes:
        definition = self.definitions[vote_id]
        counted = self.counted(vote_id)
        member, data = counted if counted is not None else (None, b"")
        members = []
        for key in sorted([*definition, *([member] if member is not None else [])], key=_utf16):
            value = data if key == member else canonical.dumps(definition[key])
            members.append(canonical.dumps(key) + b":" + value)
        return b"{" + b",".join(members) + b"}"

    def canonical_bytes(self) -> bytes:
        """The exact content of ``tally_inputs.json``: RFC 8785 `documents()` and a newline."""
        members = [
            canonical.dumps(vote_id) + b":" + self._document_bytes(vote_id)
            for vote_id in sorted(self.definitions, key=_utf16)
        ]
        return b"{" + b",".join(members) + b"}\n"


@dataclass(frozen=True)
class ExportSummary:
    """What `export` wrote."""

    directory: Path
    records: int
    checkpoints: int
    votes: int
    left_unsigned: int  # records after the latest checkpoint, not exported
    cosigned: int = 0  # checkpoints with witnesses' cosignatures


def read_vkey_file(directory: str | Path) -> Verifier:
    """The verifier key in an export's ``vkey.txt`` (exactly one line).

    Raises `StorageError` if the file cannot be read, `KeyFormatError` if it is malformed.
    """
    path = Path(directory) / VKEY
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_VKEY_BYTES + 1)
    except OSError as exc:
        raise StorageError(f"cannot read {path}: {exc.strerror}") from exc
    if len(raw) > MAX_VKEY_BYTES:
        raise KeyFormatError(f"{VKEY} is larger than {MAX_VKEY_BYTES} bytes")
    if not raw.endswith(b"\n") or raw.count(b"\n") != 1 or not raw.isascii():
        raise KeyFormatError(f"{VKEY} holds one verifier key on one ASCII line")
    return Verifier.from_vkey(raw[:-1].decode("ascii"))


def _sortable(document: Mapping[str, Any]) -> bytes:
    """A document's canonical bytes with its ballots sorted (the tally ignores their order)."""
    ballots = sorted(canonical.dumps(b) for b in document.get("ballots", []))
    return canonical.dumps({k: v for k, v in document.items() if k != "ballots"}) + b"".join(ballots)


def _compare(supplied: Mapping[str, Mapping[str, Any]], derived: TallyInputs) -> None:
    for vote_id, document in supplied.items():
        if vote_id not in derived.definitions:
            raise ExportError(f"vote {vote_id} is not in the audit log / 审计日志中没有表决 {vote_id}")
        try:
            same = _sortable(document) == _sortable(derived.document(vote_id))
        except CanonicalJSONError as exc:
            raise ExportError(f"tally input for vote {vote_id} is not JSON: {exc}") from exc
        if not same:
            raise ExportError(
                f"the database and the audit log disagree on vote {vote_id}"
                f" / 数据库与审计日志对表决 {vote_id} 的记录不一致"
            )


def _copy_prefix(source: Path, target: Path, length: int) -> None:
    with source.open("rb") as src, target.open("xb") as dst:
        remaining = length
        while remaining:
            chunk = src.read(min(remaining, 1 << 20))
            if not chunk:
                raise ExportError(f"{source} shrank while it was exported / 导出时文件被截断")
            dst.write(chunk)
            remaining -= len(chunk)
        dst.flush()
        os.fsync(dst.fileno())


def _write(target: Path, data: bytes) -> None:
    with target.open("xb") as dst:
        dst.write(data)
        dst.flush()
        os.fsync(dst.fileno())


def _text(note: str) -> str:
    """The text of a signed note this log wrote (everything before its last blank line)."""
    return note[: note.rindex("\n\n") + 1]


def cosigned_checkpoints(log_dir: Path, checkpoints: Sequence[Checkpoint]) -> list[str]:
    """The notes of `checkpoints` that witnesses cosigned, each with one cosignature line per
    witness key (the latest the log's cosignatures file holds), in the order of `checkpoints`.
    Lines of the file that are not one of `checkpoints` are left out."""
    path = log_dir / COSIGNATURES
    if not path.exists():
        return []
    position = {_text(c.note): i for i, c in enumerate(checkpoints)}
    merged: dict[int, dict[tuple[str, bytes], str]] = {}
    own: dict[int, set[NoteSignature]] = {}
    for line in whole_lines(path):
        try:
            parsed = parse_note(decode_checkpoint_line(line))
        except NoteError:
            continue
        index = position.get(parsed.text)
        if index is None:
            continue
        if index not in own:
            own[index] = set(parse_note(checkpoints[index].note).signatures)
        lines = merged.setdefault(index, {})
        for signature in parsed.signatures:
            if signature not in own[index]:
                lines[signature.name, signature.key_id] = signature.line
    room = {i: MAX_SIGNATURES - len(own[i]) for i in merged}
    return [checkpoints[i].note + "".join(f"{line}\n" for line in list(lines.values())[: room[i]])
            for i, lines in sorted(merged.items()) if lines]


def export(
    log_dir: str | os.PathLike[str],
    out_dir: str | os.PathLike[str],
    tally_inputs: Mapping[str, Mapping[str, Any]] | None = None,
) -> ExportSummary:
    """Write an export of the log in `log_dir` into the new or empty directory `out_dir`.

    The log may be open in a server meanwhile: only its signed part is read.  The log is checked
    as it is read (chain, signatures, roots); `ExportError` says why if it does not hold.
    `tally_inputs`, if given, are the server's own documents (``{vote_id: definition +
    ballots}``, e.g. from its database); each must equal the one derived from the log, ballots in
    any order, or the export is refused: the database and the evidence must agree.
    """
    source, target = Path(log_dir), Path(out_dir)
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise ExportError(f"{target} exists and is not an empty directory / 目标目录非空")
    inputs = TallyInputs()
    try:
        state = read_log(source, signed_only=True, on_record=inputs.add)
    except FileNotFoundError as exc:
        raise ExportError(f"{source} is not an audit log: {exc.strerror}") from exc
    except StorageError as exc:
        raise ExportError(f"the log does not verify, nothing exported / 日志核验失败: {exc}") from exc
    if not state.checkpoints or state.verifier is None:
        raise ExportError("the log has no signed checkpoint yet / 日志尚无签名检查点")
    if tally_inputs is not None:
        _compare(tally_inputs, inputs)
    target.mkdir(parents=True, exist_ok=True)
    try:
        _copy_prefix(source / RECORDS, target / RECORDS, state.records_length)
        _copy_prefix(source / CHECKPOINTS, target / CHECKPOINTS, state.checkpoints_length)
        _write(target / VKEY, state.verifier.vkey.encode("ascii") + b"\n")
        _write(target / TALLY_INPUTS, inputs.canonical_bytes())
        cosigned = cosigned_checkpoints(source, state.checkpoints)
        _write(target / COSIGNATURES, b"".join(encode_checkpoint_line(note) for note in cosigned))
    except BaseException:
        shutil.rmtree(target, ignore_errors=True)
        raise
    with (source / RECORDS).open("rb") as handle:
        handle.seek(state.records_length)
        unsigned = sum(1 for _ in handle)
    return ExportSummary(target, state.chain.size, len(state.checkpoints), len(inputs.definitions), unsigned,
                         len(cosigned))
