"""The offline verifier: check an export and re-run every tally (design.md, "Audit log";
docs/verifier-spec.md is the full specification, with every finding).

First the evidence, then what it says.  **Evidence**: is the export what the log's key signed?

1. ``vkey.txt`` is a C2SP verifier key (and the auditor's trusted key, or has the fingerprint the
   auditor copied from paper, if given);
2. ``checkpoints.jsonl``: C2SP tlog-checkpoints of one origin, sizes strictly growing, each
   signed by that key (each distinct note checked once, on every core: `audit.signatures`);
3. ``records.jsonl``: each line's RFC 9162 leaf hash, ``seq`` = its line number and ``prev`` =
   the leaf hash of the line before (hash chain), and the RFC 9162 root at every checkpoint's
   size equal to the signed root; the export ends exactly at the latest checkpoint.

With witness keys (``--witness``; C2SP tlog-cosignature, `audit.cosignature`): the latest
checkpoint carries the valid cosignatures of at least *k* of them in ``cosignatures.jsonl``
(``witness-quorum``), and no checkpoint the witnesses cosigned contradicts the records (a fork
shown to them: equivocation) or goes beyond them (the export stops short, or the log rolled back).

A fault here means the export is not (all) what the key signed: altered, cut or padded after
signing.  Such a finding accuses nobody's tally -- get a good copy.  Two signed checkpoints that
cannot both be true (one size, two roots; or an earlier one the later ones do not extend) are
**equivocation**: the key holder signed two histories, and both notes are the evidence.

**What the signed records say**, only for records a good signed checkpoint covers:

4. every record is canonical RFC 8785 JSON of its type; seq 0 is ``log_opened`` naming this key
   and origin; record times never go back (but for a secret vote's ballots and withdrawals: step 6);
5. the session (`audit.session`): meetings, rolls, statuses, check-ins, agenda -- and each vote's
   definition (members_of_record, present, kind, title, ...) exactly what they give;
6. the votes: opened once, ballots only while open and within its time window (a secret vote's
   ballots and withdrawals dated exactly at its opening, never when they arrived), withdrawals of the
   vote's own counted ballots, named ballots one per eligible member, ``ballots_cast`` equal to the
   ballots counted, one result, nothing after a void; each ``result`` equal to
   ``tally.count_document(definition + ballots)``;
7. encrypted secret votes (`audit.encrypted`): the 监票人's key ceremony, each vote's context,
   every cast ballot's proofs (checked by worker processes while the records are read, when there
   are cores: the first fault by seq is still the one reported), challenged ballots, totals,
   partial decryptions and counts; the ``result`` equal to ``tally.count_document(definition +
   counts)``;
8. ``tally_inputs.json`` is exactly what the records give.

A fault here was signed by the log's key: the operator answers for it.  Manual results (show of
hands, paper) cannot be recounted; their attendance figures are checked and they are listed as such.

Checkpoints the auditor brings from elsewhere (``--checkpoint``: the signed note in the QR code of a
result sheet the 监票人 signed) are checked after the verdict on steps 1-7, before step 8: each must
be signed by the log's key, and the export must extend it (the records give its root at its
size).  Such a note may carry witnesses' cosignatures: a trusted witness's must verify, and the
report names them.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import math
import os
import sys
import weakref
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import islice
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Protocol

from audit import canonical, records
from audit.checkpoint import Checkpoint, open_checkpoint, read_checkpoint
from audit.cosignature import Cosigner, cosignatures
from audit.encrypted import FINDINGS as CRYPTO_FINDINGS
from audit.encrypted import Ceremonies, CryptoFault, EncryptedVote, check_ballots, check_secrecy, open_encrypted
from audit.errors import (
    KeyFormatError,
    NoteError,
    RecordError,
    StorageError,
)
from audit.export import BALLOT_LINES, TALLY_INPUTS, TallyInputs, read_vkey_file
from audit.keys import Verifier, parse_fingerprint
from audit.limits import MAX_CHECKPOINT_BYTES, MAX_RECORD_BYTES
from audit.logfile import CHECKPOINTS, COSIGNATURES, RECORDS, LineReader, SignedLines, decode_checkpoint_line
from audit.merkle import EMPTY_ROOT
from audit.note import SignedNote, signatures_by
from audit.records import (
    BALLOT_NONCE,
    BALLOT_PREFIX,
    BALLOT_TAIL,
    Record,
    RecordType,
    ballot_fields,
    match_pointer,
)
from audit.session import Session, SessionFault
from audit.workers import (
    CHUNK,
    PARALLEL_MIN,
    PROOF_BATCH,
    RECOUNT_BATCH,
    Job,
    Leaves,
    Pool,
    chain_of,
    check_chunk,
    compare,
    hash_records,
    recount,
    recount_many,
)
from audit.workers import workers as cores

if TYPE_CHECKING:
    from ballotcrypto.ballot import Ballot

__all__ = ["FINDINGS", "Failure", "Given", "Leaf", "Report", "TallyModule", "VoteReport", "Witnessed", "verify_export"]

#: Every finding the verifier can report, with what it means (docs/verifier-spec.md, "Findings").
FINDINGS: dict[str, str] = {
    # The evidence: the export is not what the key signed (or cannot be read as evidence).
    "bad-public-key": "vkey.txt is not one C2SP Ed25519 verifier key",
    "untrusted-key": "the export is signed by another key than the one the auditor trusts",
    "no-checkpoint": "checkpoints.jsonl is empty",
    "bad-checkpoint": "a checkpoint line or note is malformed, of another origin, empty or repeated",
    "bad-signature": "a checkpoint carries no valid signature by the log's key",
    "rollback-checkpoint": "a checkpoint is smaller than the one before it in checkpoints.jsonl",
    "oversized-record": "a records.jsonl line is longer than the limit (not read)",
    "torn-records": "records.jsonl ends in the middle of a line",
    "unsigned-records": "records.jsonl goes on past the latest checkpoint",
    "dropped-record": "records.jsonl ends before the latest checkpoint's size",
    "root-mismatch": "the records do not hash to a checkpoint's signed root",
    "tally-inputs-mismatch": "tally_inputs.json is not what the records give",
    "foreign-checkpoint": "a checkpoint the auditor gave (--checkpoint) is not signed by the log's key for its origin",
    "rolled-back": "the export ends before a checkpoint the auditor gave (--checkpoint): it lacks signed records",
    "bad-cosignature": "a cosignatures.jsonl line is malformed, not signed by the log's key, or carries a trusted "
    "witness's cosignature that does not verify",
    "witness-quorum": "fewer trusted witnesses than the quorum cosigned the latest checkpoint",
    # Either: the evidence if no good checkpoint covers the record, else signed so.
    "wrong-seq": "a record's seq is not its line number (records dropped, inserted or reordered)",
    "broken-chain": "a record's prev is not the leaf hash of the record before it",
    "bad-record": "a record is not canonical JSON of its type",
    # Signed by the log's key: the operator answers for it.
    "equivocation": "two signed checkpoints that cannot both be true (one may be a checkpoint the auditor gave): "
    "the key signed two histories",
    "bad-opening": "seq 0 is not log_opened naming this key and origin, or log_opened comes again",
    "time-reversed": "a record's time is earlier than the record before it",
    "ballot-outside-window": "a ballot dated before its vote opened, or at or after its deadline",
    "ballot-time-revealed": "a secret vote's ballot or withdrawal dated other than the vote's opening time",
    "unknown-meeting": "a record names a meeting never created",
    "unknown-member": "a record names a member not on the meeting's roll",
    "unknown-item": "a vote or record names an agenda item never added",
    "session-conflict": "a meeting or agenda item created twice",
    "ineligible-check-in": "a check-in of a suspended or terminated member, or by staff without a reason",
    "attendance-conflict": "leave or absence recorded for a member who checked in",
    "definition-mismatch": "a vote's definition is not what the log's roll, check-ins, meeting and agenda give",
    "unknown-vote": "a record for a vote never opened",
    "voided-vote": "a record for a vote after it was voided",
    "duplicate-vote": "a vote opened twice",
    "late-ballot": "a ballot for a vote after it closed",
    "late-withdrawal": "a ballot withdrawn after its vote closed",
    "bad-withdrawal": "a withdrawal of a record that is not a counted ballot of that vote",
    "bad-named-ballot": "a named ballot for an unnamed vote or a record not a counted ballot, or a counted ballot "
    "of a named vote without its name",
    "ineligible-voter": "a named ballot of a member not among the vote's eligible voters",
    "double-vote": "a member with two counted ballots in one named vote",
    "publish-order": "a result confirmed before it was counted, declared before it was confirmed, or either twice; "
    "or a publish record in a meeting without the publish step",
    "publish-role": "a result confirmed by another than a scrutineer, or declared by another than the chair",
    "duplicate-close": "a vote closed twice",
    "ballot-count": "vote_closed's ballots_cast is not the number of ballots counted",
    "result-before-close": "a result before its vote closed",
    "duplicate-result": "a second result for one vote",
    "tally-error": "tally rejects a vote's signed definition and ballots",
    "result-mismatch": "a recorded result is not what tally counts from the signed ballots",
    # Encrypted secret votes and the 监票人's key ceremonies (audit.encrypted), also signed.
    **CRYPTO_FINDINGS,
}

_EVIDENCE = (
    "导出证据被篡改或不完整 evidence altered or incomplete: the export is not what the log's key signed "
    "(this accuses no tally: obtain a good copy of the export)"
)
_SIGNED = "签名记录有误 signed by the log's key: the operator answers for this"


class TallyModule(Protocol):
    """What the verifier needs from `tally`."""

    TallyError: type[Exception]

    def count_document(self, doc: Mapping[str, Any]) -> dict[str, Any]: ...


@dataclass(frozen=True)
class Failure:
    """A finding: a short code (`FINDINGS`), a bilingual message, the record if any, whether the
    log's key signed the fault (else the export is not what was signed), evidence (the two
    signed notes of an equivocation), whether it is about a checkpoint the auditor gave, and
    whether it is about what the witnesses cosigned (``cosignatures.jsonl``, the quorum)."""

    code: str
    message: str
    seq: int | None = None
    signed: bool = False
    evidence: tuple[str, ...] = ()
    given: bool = False
    witnessed: bool = False

    def __str__(self) -> str:
        where = f"record seq {self.seq} / 第 {self.seq} 号记录: " if self.seq is not None else ""
        return f"{where}[{self.code}] {self.message}"


@dataclass(frozen=True)
class VoteReport:
    """One vote as the log tells it."""

    vote_id: str
    kind: str | None
    ballots: int
    outcome: str


@dataclass(frozen=True)
class Leaf:
    """A record followed for a receipt: its leaf hash, the record, and what became of it if it is a
    ballot: ``counted``, ``replaced`` (withdrawn for a later ballot), ``voided`` (its vote voided),
    ``open`` (not counted yet), ``uncounted`` (its vote closed without a result), or ``not-a-ballot``."""

    seq: int
    leaf_hash: bytes
    record: Record | None
    fate: str
    replaced_at: int | None = None


@dataclass(frozen=True)
class Witnessed:
    """A trusted witness and when it cosigned the latest checkpoint (None: it did not)."""

    vkey: str
    timestamp: int | None


@dataclass(frozen=True)
class Given:
    """A checkpoint the auditor gave (``--checkpoint``) that holds, and the trusted witnesses whose
    valid cosignatures its note carries (a printed note may have them), with their times."""

    size: int
    root: bytes
    note: str
    witnesses: tuple[Witnessed, ...] = ()


@dataclass(frozen=True)
class Report:
    """The verifier's findings; `ok` only if every check held."""

    directory: str
    vkey: str | None = None
    trusted_key: bool = False
    records: int = 0
    checkpoints: int = 0
    root: str | None = None
    votes: tuple[VoteReport, ...] = ()
    warnings: tuple[str, ...] = ()
    failures: tuple[Failure, ...] = ()
    definitions_checked: int = 0
    leaves: Mapping[int, Leaf] = field(default_factory=dict)
    roots: Mapping[int, bytes] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    printed: tuple[Given, ...] = ()
    given: int = 0
    witnesses: tuple[Witnessed, ...] = ()
    quorum: int = 0
    cosigned_notes: int = 0
    election_keys: tuple[str, ...] = ()  # each finished key ceremony: id, n, k, the key's fingerprint
    encrypted_ballots: int = 0  # cast encrypted ballots whose proofs hold
    selection_proofs: int = 0  # their selections

    @property
    def failure(self) -> Failure | None:
        """The first finding (the evidence's, if any), or None."""
        return self.failures[0] if self.failures else None

    @property
    def ok(self) -> bool:
        """True iff nothing failed."""
        return not self.failures

    def lines(self) -> list[str]:
        """The human report, Chinese and English."""
        out = [f"审计导出核验 Audit export verification: {self.directory}"]
        if self.vkey is not None:
            source = (
                "与指定的可信公钥一致 matches the trusted key"
                if self.trusted_key
                else "取自导出，请与公布的公钥核对 taken from the export: compare it with the published key"
            )
            out.append(f"公钥 Public key: {self.vkey} ({source})")
            out.append(f"公钥指纹 Key fingerprint (SHA-256): {Verifier.from_vkey(self.vkey).fingerprint}")
        if self.ok:
            out.append(f"检查点 Checkpoints: {self.checkpoints}, 最新根 latest root {self.root}")
            out.append(
                f"记录 Records: {self.records} — 签名、哈希链、Merkle 根全部正确 "
                "signatures, hash chain and Merkle roots all correct"
            )
            out.extend(
                f"印制的检查点 Given checkpoint: size {c.size}, root {_b64(c.root)} — 已签名，导出与之一致 "
                "signed by the key, and the export extends it" + _cosigners(c.witnesses)
                for c in self.printed
            )
            if self.definitions_checked:
                out.append(
                    f"表决定义 Definitions: {self.definitions_checked} 项与日志中的名册、签到、议题一致 "
                    "derived from the log's roll, check-ins and agenda, all match"
                )
            out.extend(f"选举公钥 Election key: {key} — 由监票人的承诺推出，证明全部成立 derived from the 监票人's "
                       "commitments, every proof holds" for key in self.election_keys)
            if self.encrypted_ballots:
                out.append(f"加密选票 Encrypted ballots: {self.encrypted_ballots} 张，{self.selection_proofs} "
                           "个选择项的证明及每张选票的限制证明全部成立 every selection and limit proof holds")
        if self.witnesses:
            signed = sum(w.timestamp is not None for w in self.witnesses)
            out.append(f"见证 Witnesses: {signed} / {len(self.witnesses)} 个见证人副署了最新检查点 cosigned the latest "
                       f"checkpoint (需要 quorum {self.quorum})")
            out.extend(f"  {w.vkey}  " + (
                f"{datetime.fromtimestamp(w.timestamp, UTC):%Y-%m-%d %H:%M:%S} UTC" if w.timestamp is not None
                else "未副署 no cosignature") for w in self.witnesses)
        if self.votes:
            out.append("表决 Votes:")
            out.extend(f"  {v.vote_id}  {v.kind or '-'}  选票 ballots {v.ballots}  {v.outcome}" for v in self.votes)
        out.extend(f"警告 Warning: {w}" for w in self.warnings)
        for failure in self.failures:
            out.append(f"{_SIGNED if failure.signed else _EVIDENCE}:")
            out.append(f"  {failure}")
            out.extend(f"  证据 evidence (signed note):\n{_indent(note)}" for note in failure.evidence)
        if self.ok:
            out.append("结论 Result: 通过 PASS")
        else:
            out.append(f"结论 Result: 核验失败 FAIL — {self.failures[0]}")
        return out


def _cosigners(witnesses: tuple[Witnessed, ...]) -> str:
    names = ", ".join(w.vkey.split("+")[0] for w in witnesses)
    return f"; 见证人副署 cosigned by {names}" if names else ""


def _b64(root: bytes) -> str:
    return base64.b64encode(root).decode("ascii")


def _indent(note: str) -> str:
    return "\n".join(f"    | {line}" for line in note.rstrip("\n").split("\n"))


class _Fault(Exception):
    """A finding in the signed content (steps 4-7); whether it is the signer's is decided at the end."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class _Stop(Exception):
    """An evidence finding after which nothing more can be read."""

    def __init__(self, failure: Failure) -> None:
        super().__init__(str(failure))
        self.failure = failure


def _instant(time: bytes) -> bytes:
    """`audit.records.instant` of a time given as bytes."""
    return records.instant(time.decode("ascii")).encode("ascii")


def _deadline(text: str) -> bytes:
    moment = datetime.fromisoformat(text).astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.").encode("ascii") + f"{moment.microsecond:06d}000Z".encode("ascii")


class _Vote:
    """One vote as the records tell it."""

    __slots__ = (
        "ballots", "closed", "confirmed", "deadline", "declared", "definition", "eligible", "encrypted", "kind",
        "live", "named", "named_by_seq", "named_seq_of", "opened", "outcome", "secrecy", "voided",
    )

    def __init__(self, definition: Mapping[str, Any] | None, ballots: dict[int, bytes], opened: bytes) -> None:
        self.definition = definition  # None: known only from a manual result
        kind = definition.get("kind") if definition is not None else None
        self.kind = kind if isinstance(kind, str) else None
        self.ballots = ballots  # seq -> canonical ballot, shared with TallyInputs (encrypted: ciphertexts)
        self.encrypted: EncryptedVote | None = None
        self.opened = opened
        self.deadline: bytes | None = None
        self.closed = False
        self.voided: str | None = None
        self.outcome: str | None = None
        self.eligible: frozenset[str] | None = None
        self.named = False
        self.secrecy: str | None = None  # as its vote_opened says (None: not said)
        self.named_by_seq: dict[int, str] = {}
        self.named_seq_of: dict[str, int] = {}
        self.live = definition is not None  # open for ballots: neither closed nor voided
        self.confirmed = False  # the publish step: result_confirmed, then result_declared
        self.declared = False


class _Rules:
    """Steps 4-7 of the module docstring, record by record (ballots have a fast path in `_Run`)."""

    def __init__(self, run: _Run) -> None:
        self.run: _Run = weakref.proxy(run)  # (no cycle: the run and all it read go when it does)
        self.inputs = TallyInputs()
        self.session = Session()
        self.votes: dict[str, _Vote] = {}
        self.warnings: list[str] = []
        self.unstated = False  # a vote_opened without secrecy was warned about
        self.definitions_checked = 0
        self.replaced: dict[int, int] = {}  # followed ballot seq -> seq of its withdrawal
        self.ceremonies = Ceremonies()

    def opening(self, record: Record, verifier: Verifier, origin: str) -> None:
        if record.type != RecordType.LOG_OPENED:
            raise _Fault("bad-opening", f"the first record is {record.type}, not log_opened")
        if record.body["vkey"] != verifier.vkey or record.body["origin"] != origin:
            raise _Fault("bad-opening", "log_opened names another key or origin than the export / 公钥或日志名不符")
        self.ceremonies.origin = origin

    def ballot(self, vote_id: str, ballot: bytes, seq: int, time: bytes, last_time: bytes) -> bool:
        """Count a ballot; True if its time is the log's clock (a named vote's), False if it is
        its secret vote's opening time (15d)."""
        known = self.votes.get(vote_id)
        if known is not None and known.live and not known.named:
            _opening_time(known, vote_id, time, "ballot")
        vote = self._window(vote_id, RecordType.BALLOT, time)
        if vote.named and time < last_time:
            raise _Fault("time-reversed", _reversed(time, last_time))
        encrypted = vote.encrypted
        if encrypted is None:
            vote.ballots[seq] = ballot
            return vote.named
        try:
            parsed, vote.ballots[seq] = encrypted.cast(ballot)
            self.run.prove(encrypted, seq, ballot, parsed)
        except CryptoFault as fault:
            raise _Fault(fault.code, fault.message) from None
        return vote.named

    def _window(self, vote_id: str, type_: str, time: bytes) -> _Vote:
        """The vote of a ballot (cast or challenged): open, and the time within its window."""
        vote = self.votes.get(vote_id)
        if vote is None or not vote.live:
            self._live(vote_id, type_)
            raise _Fault("late-ballot", f"{type_} after vote {vote_id} was closed / 表决结束后的选票")
        if time < vote.opened:
            raise _Fault("ballot-outside-window", f"{type_} dated {_shown(time)}, before vote {vote_id} opened at "
                                                  f"{_shown(vote.opened)} / 选票时间早于表决开始")
        if vote.deadline is not None and time >= vote.deadline:
            raise _Fault("ballot-outside-window", f"{type_} dated {_shown(time)}, at or after vote {vote_id}'s "
                                                  f"deadline {_shown(vote.deadline)} / 选票时间晚于表决截止")
        return vote

    def _live(self, vote_id: str, type_: str) -> _Vote:
        vote = self.votes.get(vote_id)
        if vote is None or vote.definition is None:
            raise _Fault("unknown-vote", f"{type_} for vote {vote_id}, which was never opened / 表决未开启")
        if vote.voided is not None:
            raise _Fault("voided-vote", f"{type_} after vote {vote_id} was voided / 表决已作废")
        return vote

    def add(self, record: Record, time: bytes, last_time: bytes) -> bool:
        """Any record after seq 0 (a ballot too, when the fast path declined it); True if its time
        is the log's clock, False for a secret vote's ballot or withdrawal (dated at its opening)."""
        type_, body, seq = record.type, record.body, record.seq
        if type_ == RecordType.BALLOT:
            return self.ballot(body["vote_id"], canonical.dumps(body["ballot"]), seq, time, last_time)
        if type_ == RecordType.BALLOT_WITHDRAWN:
            return self._withdraw(body["vote_id"], body["seq"], seq, time, last_time)
        if time < last_time:
            raise _Fault("time-reversed", _reversed(time, last_time))
        if type_ == RecordType.LOG_OPENED:
            raise _Fault("bad-opening", "log_opened again / 重复的 log_opened")
        elif type_ == RecordType.LOG_RECOVERED:
            self.warnings.append(
                f"seq {seq}: 日志曾从写入中断中恢复 the log recovered from a torn write "
                f"({body['truncated_bytes']} bytes cut from {body['file']}, sha256 {body['sha256']})"
            )
        elif type_ == RecordType.VOTE_OPENED:
            self._open(body["vote_id"], body["definition"], time, body.get("encryption"), body.get("secrecy"))
        elif type_ == RecordType.MANUAL_RESULT:
            self._manual(body["vote_id"], body["method"], body["result"])
        elif type_ in (RecordType.VOTE_CLOSED, RecordType.RESULT, RecordType.VOTE_VOIDED):
            self._vote_event(record)
        elif type_ in (RecordType.VOTE_NAMED, RecordType.NAMED_BALLOT, RecordType.VOTE_EXTENDED):
            self._vote_detail(type_, body)
        elif type_ in (RecordType.RESULT_CONFIRMED, RecordType.RESULT_DECLARED):
            self._publish(type_, body)
        elif type_ in _CEREMONY:
            self._ceremony(type_, body)
        elif type_ in _ENCRYPTED:
            self._encrypted(type_, body, time)
        else:
            try:
                self.session.record(type_, body)
            except SessionFault as fault:
                raise _Fault(fault.code, fault.message) from None
        return True

    def _open(self, vote_id: str, definition: Mapping[str, Any], time: bytes,
              encryption: Mapping[str, Any] | None, secrecy: str | None) -> None:
        if vote_id in self.votes:
            raise _Fault("duplicate-vote", f"vote {vote_id} opened twice / 表决重复开启")
        try:
            eligible = self.session.opening(vote_id, definition)
        except SessionFault as fault:
            raise _Fault(fault.code, fault.message) from None
        vote = _Vote(definition, self.inputs.open(vote_id, dict(definition), encrypted=encryption is not None), time)
        vote.eligible = eligible
        try:
            if encryption is not None:
                vote.encrypted = open_encrypted(vote_id, definition, encryption, self.ceremonies,
                                                self.session.meeting_of(vote_id))
            if secrecy is not None:
                meeting_id = self.session.meeting_of(vote_id)
                check_secrecy(vote_id, secrecy, encryption is not None, definition,
                              self.session.item_secret(vote_id), self.ceremonies.has_key(meeting_id))
        except CryptoFault as fault:
            raise _Fault(fault.code, fault.message) from None
        vote.secrecy = secrecy
        if secrecy is None and not self.unstated:
            self.unstated = True
            self.warnings.append(f"vote {vote_id}: its vote_opened does not say how its ballots are kept (secrecy; a "
                                 "log written before it was recorded) / 表决开启记录未注明表决方式")
        self.definitions_checked += eligible is not None
        self.votes[vote_id] = vote

    def _ceremony(self, type_: str, body: Mapping[str, Any]) -> None:
        """A record of the 监票人's key ceremony (audit.encrypted.Ceremonies)."""
        try:
            self.session.check_meeting(body["meeting_id"])
            self.ceremonies.record(type_, body)
        except (SessionFault, CryptoFault) as fault:
            raise _Fault(fault.code, fault.message) from None

    def _encrypted(self, type_: str, body: Mapping[str, Any], time: bytes) -> None:
        """A challenged ballot, the totals, a partial decryption or the decryption of an encrypted vote."""
        vote_id = body["vote_id"]
        vote = self._window(vote_id, type_, time) if type_ == RecordType.BALLOT_SPOILED else self._live(vote_id, type_)
        encrypted = vote.encrypted
        if encrypted is None:
            raise _Fault(_NOT_ENCRYPTED[type_], f"{type_} for vote {vote_id}, which is not encrypted"
                                                " / 本表决不是加密表决")
        try:
            if type_ == RecordType.BALLOT_SPOILED:
                encrypted.spoil(body["ballot"], body["opening"])
            elif type_ == RecordType.ENCRYPTED_TOTALS:
                if not vote.closed:
                    raise CryptoFault("wrong-totals", f"encrypted_totals for vote {vote_id} before it closed"
                                                      " / 表决未结束即合计")
                encrypted.total(body, list(vote.ballots.values()))
                vote.ballots.update(dict.fromkeys(vote.ballots, b""))  # the totals hold what is needed now
            elif type_ == RecordType.PARTIAL_DECRYPTION:
                encrypted.partial(body["partial"])
            elif type_ == RecordType.WRITE_IN_PARTIAL:
                encrypted.write_in_partial(body)
            else:
                assert vote.definition is not None  # (a vote of _live)
                encrypted.decryption(body, vote.definition)
                self.inputs.decrypted(vote_id, canonical.dumps(body["tally_counts"]))
        except CryptoFault as fault:
            raise _Fault(fault.code, fault.message) from None

    def _manual(self, vote_id: str, method: str, result: Mapping[str, Any]) -> None:
        vote = self.votes.setdefault(vote_id, _Vote(None, {}, b""))
        try:
            self.definitions_checked += self.session.manual(vote_id, result)
        except SessionFault as fault:
            raise _Fault(fault.code, fault.message) from None
        kind = result.get("kind")
        vote.kind = kind if isinstance(kind, str) else None
        self._set_outcome(vote, vote_id, f"人工结果 manual result ({method})")

    def _withdraw(self, vote_id: str, withdrawn: int, seq: int, time: bytes, last_time: bytes) -> bool:
        """A ballot replaced before close: it must be a counted ballot of the same, still open vote.
        In a secret vote it is dated at the vote's opening, as the ballots are (15d)."""
        known = self.votes.get(vote_id)
        secret = known is not None and known.definition is not None and not known.named
        if not secret and time < last_time:
            raise _Fault("time-reversed", _reversed(time, last_time))
        vote = self._live(vote_id, RecordType.BALLOT_WITHDRAWN)
        if secret:
            _opening_time(vote, vote_id, time, "ballot_withdrawn")
        if vote.closed:
            raise _Fault("late-withdrawal", f"ballot withdrawn after vote {vote_id} closed / 表决结束后撤回选票")
        if vote.ballots.pop(withdrawn, None) is None:
            raise _Fault("bad-withdrawal", f"record {withdrawn} is not a ballot of vote {vote_id} still counted "
                                           "/ 撤回的不是本表决的有效选票")
        if withdrawn in self.run.watch:
            self.replaced[withdrawn] = seq
        return not secret

    def _set_outcome(self, vote: _Vote, vote_id: str, outcome: str) -> None:
        if vote.outcome is not None:
            raise _Fault("duplicate-result", f"a second result for vote {vote_id} / 重复的表决结果")
        vote.outcome = outcome

    def _vote_event(self, record: Record) -> None:
        type_, body = record.type, record.body
        vote_id = body["vote_id"]
        vote = self._live(vote_id, type_)
        if vote.secrecy == "named" and not vote.named and type_ != RecordType.RESULT:
            raise _Fault("wrong-secrecy", f"vote {vote_id} opened as named has no vote_named record / 记名表决缺少"
                                          "记名记录")
        if type_ == RecordType.VOTE_VOIDED:
            vote.voided = body["reason"]
            vote.live = False
        elif type_ == RecordType.VOTE_CLOSED:
            if vote.closed:
                raise _Fault("duplicate-close", f"vote {vote_id} closed twice / 表决重复结束")
            if body["ballots_cast"] != len(vote.ballots):
                raise _Fault(
                    "ballot-count",
                    f"vote {vote_id}: ballots_cast {body['ballots_cast']} but {len(vote.ballots)} ballots counted"
                    " / 投票数与选票记录数不符",
                )
            unnamed = [s for s in vote.ballots if s not in vote.named_by_seq] if vote.named else []
            if unnamed:
                raise _Fault("bad-named-ballot", f"named vote {vote_id}: ballot seq {unnamed[0]} has no named_ballot"
                                                 " / 记名表决的选票缺少记名记录")
            vote.closed = True
            vote.live = False
        else:
            if not vote.closed:
                raise _Fault("result-before-close", f"result for vote {vote_id} before it closed / 表决未结束")
            encrypted = vote.encrypted
            if encrypted is not None and not encrypted.decrypted:
                raise _Fault("result-before-close", f"result for encrypted vote {vote_id} before its totals were "
                                                    "decrypted / 加密表决的合计未解密")
            self._set_outcome(vote, vote_id, "重新计票一致 recounted, matches" if encrypted is None else (
                f"加密表决：选票证明、合计与解密均成立，重新计票一致 encrypted: every proof, the totals and the "
                f"decryption hold, recounted, matches (公开核验 challenged ballots: {encrypted.spoiled})"))
            self.run.recount(vote_id, record.seq, body["result"])

    def _vote_detail(self, type_: str, body: Mapping[str, Any]) -> None:
        vote_id = body["vote_id"]
        vote = self._live(vote_id, type_)
        if type_ == RecordType.VOTE_EXTENDED:
            vote.deadline = _deadline(body["deadline"])
        elif type_ == RecordType.VOTE_NAMED:
            try:
                self.session.named(vote_id)
            except SessionFault as fault:
                raise _Fault(fault.code, fault.message) from None
            if vote.secrecy not in (None, "named"):
                raise _Fault("wrong-secrecy", f"vote {vote_id} is named but opened as {vote.secrecy} / 表决方式与记名"
                                              "记录不符")
            vote.named = True
        else:
            self._named_ballot(vote, vote_id, body["seq"], body["member"])

    def _publish_step(self, vote_id: str) -> bool | None:
        """Whether the vote's meeting uses the publish step; None for a log without meetings."""
        try:
            meeting_id = self.session.meeting_of(vote_id)
        except SessionFault as fault:
            raise _Fault(fault.code, fault.message) from None
        if meeting_id is None:
            return None
        return bool(self.session.meetings[meeting_id].settings.get("publish_step"))

    def _publish(self, type_: str, body: Mapping[str, Any]) -> None:
        """The publish step: the 总监票人 confirms a counted result, then the chair declares it, once each."""
        vote_id, by = body["vote_id"], body["by"]
        vote = self.votes.get(vote_id)
        if vote is None:
            raise _Fault("unknown-vote", f"{type_} for vote {vote_id}, which was never opened / 表决未开启")
        if vote.voided is not None:
            raise _Fault("voided-vote", f"{type_} after vote {vote_id} was voided / 表决已作废")
        if self._publish_step(vote_id) is False:
            raise _Fault("publish-order", f"{type_} for vote {vote_id}, whose meeting has no publish step"
                                          " / 本次会议未设置结果发布程序")
        if type_ == RecordType.RESULT_CONFIRMED:
            if not by.startswith("scrutineer:"):
                raise _Fault("publish-role", f"vote {vote_id}'s result confirmed by {by}, not a scrutineer"
                                             " / 计票结果须由总监票人确认")
            if vote.outcome is None or vote.confirmed:
                raise _Fault("publish-order", f"vote {vote_id}'s result confirmed " + (
                    "twice / 计票结果重复确认" if vote.confirmed else "before it was counted / 计票前即确认结果"))
            vote.confirmed = True
            return
        if not by.startswith("chair:"):
            raise _Fault("publish-role", f"vote {vote_id}'s result declared by {by}, not the chair"
                                         " / 表决结果须由主持人宣布")
        if not vote.confirmed or vote.declared:
            raise _Fault("publish-order", f"vote {vote_id}'s result declared " + (
                "twice / 表决结果重复宣布" if vote.declared
                else "before the 总监票人 confirmed it / 总监票人确认前即宣布"))
        vote.declared = True

    def _named_ballot(self, vote: _Vote, vote_id: str, seq: int, member: str) -> None:
        if not vote.named or seq not in vote.ballots or seq in vote.named_by_seq:
            raise _Fault("bad-named-ballot", f"named_ballot for record {seq}, not a counted, unnamed ballot of a "
                                             f"named vote {vote_id} / 记名记录不对应记名表决的有效选票")
        if vote.eligible is not None and member not in vote.eligible:
            raise _Fault("ineligible-voter", f"member {member} voted in {vote_id} without being checked in when it "
                                             "opened / 非表决人投票")
        earlier = vote.named_seq_of.get(member)
        if earlier is not None and earlier in vote.ballots:
            raise _Fault("double-vote", f"member {member} has two counted ballots in {vote_id} (records {earlier} "
                                        f"and {seq}) / 同一代表两张有效选票")
        vote.named_by_seq[seq] = member
        vote.named_seq_of[member] = seq

    def _publish_pending(self, vote_id: str) -> bool:
        try:
            return self._publish_step(vote_id) is True
        except _Fault:
            return False

    def fate(self, seq: int, record: Record | None) -> str:
        if record is None or record.type != RecordType.BALLOT:
            return "not-a-ballot"
        if seq in self.replaced:
            return "replaced"
        vote = self.votes[record.body["vote_id"]]
        if vote.voided is not None:
            return "voided"
        if vote.outcome is not None:
            return "counted"
        return "uncounted" if vote.closed else "open"

    def reports(self) -> tuple[VoteReport, ...]:
        out = []
        for vote_id, vote in self.votes.items():
            if vote.voided is not None:
                outcome = f"已作废 voided ({vote.voided})" + (f"; {vote.outcome}" if vote.outcome else "")
            elif vote.outcome is not None:
                outcome = vote.outcome
                if not vote.declared and self._publish_pending(vote_id):
                    self.warnings.append(f"vote {vote_id}: result counted but not declared (publish step) "
                                         "/ 表决结果尚未宣布")
            elif vote.closed:
                outcome = "已结束，无结果 closed, no result recorded"
                self.warnings.append(f"vote {vote_id}: closed without a result / 表决已结束但无结果")
            else:
                outcome = "进行中 still open"
                self.warnings.append(f"vote {vote_id}: still open at the end of the log / 表决未结束")
            out.append(VoteReport(vote_id, vote.kind, len(vote.ballots), outcome))
        return tuple(out)


def _opening_time(vote: _Vote, vote_id: str, time: bytes, type_: str) -> None:
    """A secret vote's ballots and withdrawals carry its opening time, never a finer one (15d)."""
    if time != vote.opened:
        raise _Fault("ballot-time-revealed", f"{type_} of secret vote {vote_id} dated {_shown(time)}, not at the "
                                             f"vote's opening {_shown(vote.opened)} / 无记名表决的选票记录带有投票时间")


#: The 监票人's key ceremony (audit.encrypted.Ceremonies).
_CEREMONY = frozenset({RecordType.CEREMONY_STARTED, RecordType.CEREMONY_ABANDONED, RecordType.TRUSTEE_COMMITMENT,
                       RecordType.TRUSTEE_SHARES, RecordType.TRUSTEE_CONFIRMATION, RecordType.ELECTION_KEY})
#: An encrypted vote's records besides its ballots, with the finding each makes for a plaintext vote.
_NOT_ENCRYPTED: dict[str, str] = {
    RecordType.BALLOT_SPOILED: "bad-ballot-opening", RecordType.ENCRYPTED_TOTALS: "wrong-totals",
    RecordType.PARTIAL_DECRYPTION: "bad-partial", RecordType.DECRYPTION: "bad-decryption",
    RecordType.WRITE_IN_PARTIAL: "bad-write-in-partial"}
_ENCRYPTED: frozenset[str] = frozenset(_NOT_ENCRYPTED)


def _shown(instant: bytes) -> str:
    return instant.decode("ascii").replace("000000Z", "Z")


@dataclass
class _Checkpoint:
    number: int
    checkpoint: Checkpoint
    signatures: list[int]  # positions in the signature job
    root_ok: bool | None = None


class _Run:
    def __init__(
        self, directory: Path, tally: TallyModule | None, progress: bool, stream: IO[str],
        watch: Collection[int], roots_at: Collection[int], workers: int | None,
    ) -> None:
        self.directory = directory
        self.tally = tally
        self.progress = progress
        self.stream = stream
        self.watch = frozenset(watch)
        self.roots_at = set(roots_at)
        self.workers = workers
        self.witnesses: tuple[Cosigner, ...] = ()
        self.quorum = 0
        self.texts: dict[str, _Checkpoint] = {}  # each checkpoint's note text
        self.witnessed: list[tuple[int, Checkpoint]] = []  # cosigned, log-signed, not in checkpoints.jsonl
        self.final: list[tuple[int, SignedNote]] = []  # the cosigned notes of the latest checkpoint
        self.cosign_fault: Failure | None = None
        self.cosigned: tuple[Witnessed, ...] = ()
        self.cosigned_notes = 0  # lines of cosignatures.jsonl
        self.printed: list[Given] = []  # the given checkpoints, with the trusted witnesses' cosignatures
        self.verifier: Verifier | None = None
        self.checkpoints: list[_Checkpoint] = []  # sizes strictly growing
        self.forks: list[tuple[_Checkpoint, _Checkpoint]] = []  # (earlier, later) of one size
        self.notes: list[str] = []
        self.rules = _Rules(self)
        self.count = 0
        self.latest_root: bytes | None = None
        self.evidence: list[Failure] = []  # evidence findings, in the order found
        self.chain_fault: tuple[int, str, str] | None = None
        self.seq_fault: tuple[int, int] | None = None  # (line, the seq it carries): the first wrong one
        self.prevs: list[bytes] = []  # each line's prev (b"": the line is no record)
        self.read_digest = b""  # SHA-256 of the bytes of records.jsonl read (`link`)
        self.followed: dict[int, Record | None] = {}
        self.content_fault: tuple[int, str, str] | None = None
        self.leaves: dict[int, tuple[bytes, Record | None]] = {}
        self.roots: dict[int, bytes] = {}
        self.pool = Pool(0)  # no workers until `checkpoint_notes` (or the first encrypted ballot) starts them
        self.items: list[tuple[bytes, bytes]] = []  # the signatures to check: (message, signature)
        self.checks: list[tuple[int, Job]] = []  # (first item, job), in order, handed out (`send_checks`)
        self.sent = 0  # the items handed out
        self.size = 1  # bytes of records.jsonl
        self.recounts: list[tuple[list[tuple[int, str]], Job]] = []  # ([(result seq, vote id)], job) in workers
        self.pending: list[tuple[int, str, tuple[Mapping[str, Any], bytes, Any, str]]] = []  # not sent yet
        self.pending_ballots = 0
        self.covered = 0
        self.forked = False  # whether workers were sought for the proofs of encrypted ballots
        self.proof_jobs: list[Job] = []  # batches of encrypted ballots handed to workers
        self.proof_running: list[Job] = []  # those that may not be done yet
        self.proof_found: list[tuple[int, str, str]] = []  # faults in batches checked here instead
        self.encrypted_ballots = 0
        self.selection_proofs = 0

    # -- the evidence ---------------------------------------------------------------------

    def key(self, trusted: Verifier | None, fingerprint: str | None) -> None:
        try:
            self.verifier = read_vkey_file(self.directory)
        except KeyFormatError as exc:
            raise _Stop(Failure("bad-public-key", f"vkey.txt: {exc} / 公钥文件有误")) from exc
        if trusted is not None and trusted != self.verifier:
            raise _Stop(Failure(
                "untrusted-key",
                f"the export is signed by {self.verifier.vkey}, not by the trusted key {trusted.vkey} / 公钥不符",
            ))
        if fingerprint is not None and fingerprint != self.verifier.fingerprint:
            raise _Stop(Failure(
                "untrusted-key",
                f"vkey.txt has the fingerprint {self.verifier.fingerprint}, not the published fingerprint "
                f"{fingerprint} / 公钥指纹与公布的不符",
            ))

    def checkpoint_notes(self) -> None:
        """Parse every checkpoint; gather the (message, signature) pairs to check (`items`).  The
        workers are started as soon as the lines are counted (for exports of at least `PARALLEL_MIN`
        checkpoints), and the first signature jobs handed to them as the notes are parsed."""
        assert self.verifier is not None
        path = self.directory / CHECKPOINTS
        try:
            handle = path.open("rb")
        except OSError as exc:
            raise StorageError(f"cannot read {path}: {exc.strerror}") from exc
        items = self.items
        signed: dict[str, list[int]] = {}
        with handle:
            reader = LineReader(handle, MAX_CHECKPOINT_BYTES)
            lines = [line for block in reader for line in block]
        if reader.oversized is not None:
            raise _Stop(Failure("bad-checkpoint", f"checkpoint {reader.oversized} is longer than "
                                                  f"{MAX_CHECKPOINT_BYTES} bytes / 检查点过长"))
        if reader.torn:
            raise _Stop(Failure("bad-checkpoint", "checkpoints.jsonl ends with an incomplete line / 检查点文件不完整"))
        if not lines:
            raise _Stop(Failure("no-checkpoint", "the export has no checkpoint / 导出中没有检查点"))
        pool = self.pool = Pool((cores() if self.workers is None else self.workers) if len(lines) >= PARALLEL_MIN
                                else 0)
        due = CHUNK if pool.parallel else math.inf  # the items that complete the next job handed out now
        fast: SignedLines | None = None
        for number, line in enumerate(lines):
            read = fast.read(line) if fast is not None else None
            if read is not None:
                checkpoint, text, signature = read
                sigs = [signature]
            else:
                try:
                    checkpoint, parsed = read_checkpoint(decode_checkpoint_line(line))
                except NoteError as exc:
                    raise _Stop(Failure("bad-checkpoint", f"checkpoint {number}: {exc} / 检查点格式有误")) from exc
                text = parsed.text
                sigs = signatures_by(parsed, self.verifier)
                if not sigs:
                    raise _Stop(Failure("bad-signature", f"checkpoint {number}: no signature from the trusted key "
                                                         "(the log's) / 检查点没有本日志密钥的签名"))
                if fast is None:  # the lines after the first, as the log writes them, are read faster
                    fast = SignedLines(checkpoint.origin, self.verifier)
            if checkpoint.note not in signed:
                message = text.encode("utf-8")
                signed[checkpoint.note] = list(range(len(items), len(items) + len(sigs)))
                items.extend((message, sig) for sig in sigs)
                if len(items) >= due:
                    self.send_checks()
                    due = max(self.sent, len(items)) + CHUNK
            entry = _Checkpoint(number, checkpoint, signed[checkpoint.note])
            self._place(entry)
            self.texts.setdefault(text, entry)
        self.notes = [c.checkpoint.note for c in self.checkpoints]

    def cosignature_notes(self) -> None:
        """Read ``cosignatures.jsonl`` (if the export has one): every line a checkpoint note of this
        log with witnesses' cosignatures.  A note whose text is one of checkpoints.jsonl's needs no
        other check here; another one must carry the log's valid signature, and its root is
        compared with the records' at its size (`witness_findings`).  The notes of the latest
        checkpoint are kept for the quorum.  The first fault is `bad-cosignature`."""
        assert self.verifier is not None
        path = self.directory / COSIGNATURES
        try:
            handle = path.open("rb")
        except FileNotFoundError:
            return
        except OSError as exc:
            raise StorageError(f"cannot read {path}: {exc.strerror}") from exc
        with handle:
            reader = LineReader(handle, MAX_CHECKPOINT_BYTES)
            lines = [line for block in reader for line in block]
        self.cosigned_notes = len(lines)
        latest = self.checkpoints[-1]
        origin = latest.checkpoint.origin
        for number, line in enumerate(lines):
            try:
                checkpoint, parsed = read_checkpoint(decode_checkpoint_line(line), origin)
            except NoteError as exc:
                self._cosign_fault(number, f"{exc}")
                continue
            if checkpoint.size == 0:
                self._cosign_fault(number, "a checkpoint of an empty log")
                continue
            entry = self.texts.get(parsed.text)
            if entry is None:
                sigs = signatures_by(parsed, self.verifier)
                message = parsed.text.encode("utf-8")
                if not sigs or not all(self.verifier.verify(message, sig) for sig in sigs):
                    self._cosign_fault(number, "a checkpoint the log's key did not sign")
                    continue
                self.witnessed.append((number, checkpoint))
                self.roots_at.add(checkpoint.size)
            elif entry is latest:
                self.final.append((number, parsed))
        if reader.oversized is not None or reader.torn:
            self._cosign_fault(len(lines), "an incomplete or oversized line")

    def _cosign_fault(self, number: int, why: str) -> None:
        if self.cosign_fault is None:
            self.cosign_fault = Failure("bad-cosignature", f"cosignatures.jsonl line {number}: {why} / 副署记录有误",
                                        witnessed=True)

    def witness_findings(self, covered: int) -> tuple[list[Failure], list[Failure]]:
        """The evidence and the signed findings of the witnesses' cosignatures: a checkpoint the log
        signed and witnesses cosigned beyond the export's latest (the export stops short, or the
        log was rolled back), one whose root the covered records miss (the key signed two
        histories), and the quorum on the latest checkpoint."""
        evidence: list[Failure] = [] if self.cosign_fault is None else [self.cosign_fault]
        signed: list[Failure] = []
        latest = self.checkpoints[-1]
        for number, checkpoint in self.witnessed:
            if checkpoint.size > latest.checkpoint.size:
                evidence.append(Failure(
                    "rollback-checkpoint",
                    f"witnesses cosigned a checkpoint of size {checkpoint.size} signed by the log's key "
                    f"(cosignatures.jsonl line {number}), beyond the export's latest ({latest.checkpoint.size}): the "
                    "export stops short of what the log signed, or the log was rolled back / 日志被回滚或导出不完整",
                    evidence=(checkpoint.note, latest.checkpoint.note), witnessed=True))
            elif checkpoint.size <= covered and self.roots[checkpoint.size] != checkpoint.root:
                shown = next(e for e in self.checkpoints if e.checkpoint.size >= checkpoint.size)
                signed.append(Failure(
                    "equivocation",
                    f"witnesses cosigned a checkpoint of size {checkpoint.size} signed by the log's key "
                    f"(cosignatures.jsonl line {number}) that the export's records do not give: the key signed two "
                    "histories, the witnesses saw another one / 见证人所见的日志历史与导出不同",
                    signed=True, evidence=(checkpoint.note, shown.checkpoint.note), witnessed=True))
        if self.witnesses:
            found: dict[Cosigner, int] = {}
            for number, parsed in self.final:
                try:
                    for cosignature in cosignatures(parsed, self.witnesses):
                        found[cosignature.cosigner] = max(cosignature.timestamp, found.get(cosignature.cosigner, 0))
                except NoteError as exc:
                    evidence.append(Failure("bad-cosignature", f"cosignatures.jsonl line {number}: {exc} / 副署无效",
                                            witnessed=True))
            self.cosigned = tuple(Witnessed(w.vkey, found.get(w)) for w in self.witnesses)
            if len(found) < self.quorum:
                evidence.append(Failure(
                    "witness-quorum",
                    f"{len(found)} of the {len(self.witnesses)} trusted witnesses cosigned the latest checkpoint (size "
                    f"{latest.checkpoint.size}); {self.quorum} are needed: no proof that they saw this history "
                    "(ask them for the checkpoint they cosigned: GET <witness>/<origin hash>/checkpoint) "
                    "/ 副署最新检查点的见证人不足法定数",
                    evidence=(latest.checkpoint.note,), witnessed=True))
        return evidence, signed

    def _place(self, entry: _Checkpoint) -> None:
        checkpoint, number = entry.checkpoint, entry.number
        if checkpoint.size == 0:
            raise _Stop(Failure("bad-checkpoint", f"checkpoint {number} signs an empty log / 空日志的检查点"))
        if self.checkpoints:
            previous = self.checkpoints[-1].checkpoint
            if checkpoint.origin != previous.origin:
                raise _Stop(Failure("bad-checkpoint", f"checkpoint {number} names another log ({checkpoint.origin})"))
            if checkpoint.size < previous.size:
                raise _Stop(Failure(
                    "rollback-checkpoint",
                    f"checkpoint {number} (size {checkpoint.size}) is older than checkpoint {number - 1} "
                    f"(size {previous.size}) / 检查点回滚",
                ))
            if checkpoint.size == previous.size:
                if checkpoint.root == previous.root:
                    raise _Stop(Failure("bad-checkpoint", f"checkpoint {number} repeats size {checkpoint.size} with "
                                                          f"the same root as checkpoint {number - 1} / 检查点重复"))
                self.forks.append((self.checkpoints[-1], entry))
                return
        self.checkpoints.append(entry)

    def records(self) -> None:
        """Read every record: the evidence (chain, leaves, roots), and the rules until their first fault."""
        path = self.directory / RECORDS
        try:
            handle = path.open("rb")
        except OSError as exc:
            raise StorageError(f"cannot read {path}: {exc.strerror}") from exc
        bar = None
        if self.progress:
            from tqdm import tqdm

            tqdm.monitor_interval = 0  # no monitor thread: workers for the proofs are forked later, from one thread
            bar = tqdm(total=self.checkpoints[-1].checkpoint.size, unit="rec", unit_scale=True, file=self.stream,
                       leave=False)
        stream = hashlib.sha256()
        try:
            with handle:
                self.size = max(os.fstat(handle.fileno()).st_size, 1)
                self._read(LineReader(handle, MAX_RECORD_BYTES, stream), bar)
            self.read_digest = stream.digest()
        finally:
            if bar is not None:
                bar.close()

    def _read(self, reader: LineReader, bar: Any) -> None:
        """The rules over every line, and each line's seq and prev kept for `link` (the leaf hashes and
        roots are `audit.workers.hash_records`'s)."""
        assert self.verifier is not None
        verifier, origin = self.verifier, self.checkpoints[0].checkpoint.origin
        rules = self.rules
        votes = rules.votes
        latest = self.checkpoints[-1].checkpoint.size
        tail, known, vote_ids = BALLOT_TAIL.fullmatch, records._KNOWN_CANONICAL_BALLOTS, records._VOTE_IDS
        watch = self.watch
        add_prev = self.prevs.append
        count = 0
        last_time = b""
        checking = True  # the rules run until the first fault in the signed content
        # The ballots of a secret plaintext vote open for them, dated (as written) exactly as its
        # vote_opened: vote id as written -> (its ballots, its opening time as written).  Such a
        # ballot needs none of the rules' other tests; the map is emptied at every other line
        # (any record may close, void, extend or name a vote) and when the rules stop.
        plain: dict[bytes, tuple[dict[int, bytes], bytes]] = {}
        # After the first such ballot of a run, the lines that follow it are tried as one run of the
        # same vote's ballots (`records.match_ballot_run`): all of them or none are taken at once.
        burst: bytes | None = None  # the vote id (as written) of the ballot that began a run
        for block in reader:
            past = count + len(block) > latest  # the block goes beyond the latest checkpoint
            lines = block[: latest - count] if past else block
            base = count  # the seq of lines[0]
            remaining = iter(lines)
            for line in remaining:
                found = tail(line, line.rfind(BALLOT_NONCE)) if line.startswith(BALLOT_PREFIX) else None
                if found is not None:  # a canonical ballot line: the fast path (records.match_ballot)
                    vid, prev, sq, tm = found.groups()
                    ballot = line[18 : found.start()]
                    entry = plain.get(vid)
                    if entry is not None and tm == entry[1] and ballot in known and len(sq) < 16:
                        add_prev(prev)
                        if int(sq) != count:
                            self._wrong_seq(count, int(sq))
                        entry[0][count] = ballot
                        if watch and count in watch:
                            self._follow(count, line)
                        count += 1
                        continue
                    name = vote_ids.get(vid)
                    if ballot in known and name is not None and len(sq) < 16:
                        seq = int(sq)
                    else:
                        fields = ballot_fields(ballot, vid, sq)
                        if fields is None:
                            found = None
                        else:
                            name, seq = fields
                if found is not None:
                    add_prev(prev)
                    if seq != count:
                        self._wrong_seq(count, seq)
                    if checking:
                        time = tm[:23] + b"000000Z" if len(tm) == 24 else _instant(tm)
                        vote = votes.get(name)  # type: ignore[arg-type]
                        if (vote is not None and vote.live and vote.encrypted is None
                                and (vote.deadline is None or time < vote.deadline)
                                and (last_time <= time >= vote.opened if vote.named else time == vote.opened)):
                            vote.ballots[count] = ballot
                            if vote.named:
                                last_time = time
                            else:
                                plain[vid] = (vote.ballots, tm)
                                burst = vid
                        else:  # an encrypted vote's ballot, or one of those tests failed: the rules say
                            try:
                                rules.ballot(name, ballot, count, time, last_time)  # type: ignore[arg-type]
                            except _Fault as fault:
                                self.content_fault = (count, fault.code, fault.message)
                                checking = False
                                plain.clear()
                            else:
                                if vote is None or vote.encrypted is None:
                                    raise AssertionError("the fast ballot tests and the rules disagree")
                                last_time = time
                    if watch and count in watch:
                        self._follow(count, line)
                else:
                    plain.clear()
                    try:
                        record: Record | None = match_pointer(line) or records.decode_full(line)
                    except RecordError as exc:
                        record = None
                        add_prev(b"")  # no record: no chain to check on this line
                        if checking:
                            self.content_fault = (count, "bad-record", f"malformed record: {exc}")
                            checking = False
                    if record is not None:
                        add_prev(record.prev.encode("ascii"))
                        if record.seq != count:
                            self._wrong_seq(count, record.seq)
                        if checking:
                            time = records.instant(record.time).encode("ascii")
                            try:
                                if count == 0:
                                    rules.opening(record, verifier, origin)
                                    last_time = time
                                elif rules.add(record, time, last_time):
                                    last_time = time
                            except _Fault as fault:
                                self.content_fault = (count, fault.code, fault.message)
                                checking = False
                    if watch and count in watch:
                        self._follow(count, line)
                count += 1
                if burst is not None:
                    taken = self._run(lines, count - base, count, burst, plain[burst])
                    burst = None
                    if taken:
                        next(islice(remaining, taken, taken), None)  # (those lines are read)
                        count += taken
            if bar is not None:
                bar.update(len(block))
            if self.sent < len(self.items) and self.pool.parallel:
                self.send_checks()
            if past:
                self.count = count
                self.evidence.append(Failure("unsigned-records", "records after the latest checkpoint "
                                                                 "/ 最新检查点之后的记录", count))
                return
        self.count = count
        if reader.oversized is not None:
            self.evidence.append(Failure(
                "oversized-record", f"record {reader.oversized} is longer than {MAX_RECORD_BYTES} bytes: not read "
                "/ 记录过长，未读取", reader.oversized))
        elif reader.torn:
            self.evidence.append(Failure("torn-records", "records.jsonl ends with an incomplete line / 记录文件不完整",
                                         count))
        elif count < latest:
            self.evidence.append(Failure(
                "dropped-record", f"the latest checkpoint signs {latest} records, the export has {count} / 记录缺失"))

    def _run(self, lines: list[bytes], start: int, seq: int, vote_id: bytes,
             entry: tuple[dict[int, bytes], bytes]) -> int:
        """How many lines from ``lines[start]`` (the line numbered `seq`) were taken as one run of
        ballots of the secret vote `vote_id` whose ballot ``lines[start - 1]`` was: each of them one
        the fast path would take on its own (`records.match_ballot_run`: canonical, its seq its
        line's number, dated as ``entry``'s ballots), counted, its prev kept and, if followed, read."""
        ballots, time = entry
        found = records.match_ballot_run(lines, start, vote_id, time, seq)
        if found is None:
            return 0
        texts, prevs = found
        ballots.update(zip(range(seq, seq + len(texts)), texts, strict=True))
        self.prevs += prevs
        if self.watch:
            for followed in sorted(self.watch.intersection(range(seq, seq + len(texts)))):
                self._follow(followed, lines[start + followed - seq])
        return len(texts)

    def _wrong_seq(self, count: int, seq: int) -> None:
        if self.seq_fault is None:
            self.seq_fault = (count, seq)

    def link(self, leaves: Leaves) -> None:
        """The evidence of the records, from their roots and hash chain (`audit.workers.hash_records`):
        the first line whose seq is not its number or whose prev is not the leaf hash of the line
        before (the chain), and each checkpoint's root."""
        if leaves.read != self.read_digest:
            raise StorageError(f"{self.directory / RECORDS} changed while it was read / 核验期间记录文件被改动")
        count = self.count
        prevs = self.prevs
        broken = None
        watched = leaves.watched
        if leaves.lines != count or hashlib.sha256(b"".join(prevs)).digest() != leaves.chain:
            # the chain is broken (or a line is no record): find where, from every leaf hash
            every = hash_records(str(self.directory / RECORDS), (), self.checkpoints[-1].checkpoint.size, leaves=True)
            if every.read != leaves.read:
                raise StorageError(f"{self.directory / RECORDS} changed while it was read / 核验期间记录文件被改动")
            expected = chain_of(every.leaves, count)
            watched = {seq: every.leaves[32 * seq : 32 * seq + 32] for seq in self.followed}
            broken = next((i for i, prev in enumerate(prevs) if prev and prev != expected[64 * i : 64 * i + 64]), None)
        wrong = self.seq_fault
        if wrong is not None and (broken is None or wrong[0] <= broken):
            seq = wrong[0]
            self.chain_fault = (seq, "wrong-seq", f"line {seq} carries seq {wrong[1]} (records reordered, dropped or "
                                                  "inserted)")
        elif broken is not None:
            why = f"record {broken - 1} or {broken} altered" if broken else "the first record's prev is 64 zeros"
            self.chain_fault = (broken, "broken-chain", f"prev is not the hash of the previous record ({why})")
        for entry in self.checkpoints:
            root = leaves.roots.get(entry.checkpoint.size)
            if root is not None:
                self._root(entry, root)
        self.roots = {size: root for size, root in leaves.roots.items() if size in self.roots_at}
        self.leaves = {seq: (watched[seq], record) for seq, record in self.followed.items()}

    def _follow(self, count: int, line: bytes) -> None:
        try:
            record: Record | None = records.decode(line)
        except RecordError:
            record = None
        self.followed[count] = record

    def _root(self, due: _Checkpoint, root: bytes) -> None:
        due.root_ok = root == due.checkpoint.root
        for earlier, later in self.forks:
            if later.checkpoint.size == due.checkpoint.size:
                later.root_ok = root == later.checkpoint.root
                earlier.root_ok = root == earlier.checkpoint.root
        if due is self.checkpoints[-1]:
            self.latest_root = root

    def recount(self, vote_id: str, seq: int, recorded: Any) -> None:
        """Recount a vote at its result record: in a worker if there are workers and the tally is
        the `tally` package (its answer is taken at the end, `settle`), else here and now."""
        inputs = self.rules.inputs
        counted = inputs.recount_input(vote_id)
        assert counted is not None  # (an encrypted vote's result comes after its decryption: _Rules)
        member, data = counted
        if self.tally is None:
            if self.pool.parallel:  # (the worker imports tally, not this process:
                # without it, the job fails there and is done again here, raising TallyUnavailableError)
                vote = (inputs.definitions[vote_id], data, recorded, member)
                self.pending.append((seq, vote_id, vote))
                self.pending_ballots += len(inputs.ballots[vote_id]) if member == BALLOT_LINES else 1
                if self.pending_ballots >= RECOUNT_BATCH:
                    self.send_recounts()
                return
            found = recount(inputs.definitions[vote_id], data, recorded, member)
        else:
            try:
                computed = self.tally.count_document(inputs.document(vote_id))
            except self.tally.TallyError as exc:
                found = ("tally-error", str(exc))
            else:
                found = compare(computed, recorded)
        if found is not None:
            raise _Fault(*_recount_fault(vote_id, *found))

    def send_checks(self, last: bool = False) -> None:
        """Keep the workers `_CHECKS_AHEAD` signature jobs of `CHUNK` signatures ahead while the
        checkpoints and records are read, no more (the recounts handed over meanwhile come next in
        their queue); `last`: hand out the rest, `_CHECKS_LAST` a job, for this process to take over
        from the last while the workers take them from the first -- small jobs, so that neither is
        left long with a job of its own when the other is done."""
        assert self.verifier is not None
        items, size = self.items, _CHECKS_LAST if last else CHUNK
        ahead = math.inf if last else _CHECKS_AHEAD - sum(not job.done() for _, job in self.checks[-_CHECKS_AHEAD:])
        while ahead > 0 and (self.sent < len(items) if last else self.sent + CHUNK <= len(items)):
            job = self.pool.submit(check_chunk, self.verifier, items[self.sent : self.sent + size])
            self.checks.append((self.sent, job))
            self.sent = min(self.sent + size, len(items))
            ahead -= 1

    def send_recounts(self) -> None:
        """Hand the recounts gathered so far to a worker, as one job."""
        if self.pending:
            job = self.pool.hand_over(recount_many, [vote for _, _, vote in self.pending])
            self.recounts.append(([(seq, vote_id) for seq, vote_id, _ in self.pending], job))
            self.pending, self.pending_ballots = [], 0

    def prove(self, encrypted: EncryptedVote, seq: int, ballot: bytes, parsed: Ballot) -> None:
        """Check the proofs of a cast encrypted ballot (`cast` accepted it): here and now, a fault
        being this record's; or, if workers can be had, in a batch of the vote's ballots handed
        to them (its answer is taken at the end, `settle`)."""
        self.encrypted_ballots += 1
        self.selection_proofs += len(parsed.selections)
        if not self._proof_workers():
            encrypted.check(parsed)
            return
        encrypted.batch.append((seq, ballot))
        if len(encrypted.batch) * len(parsed.selections) >= PROOF_BATCH:
            self.send_proofs(encrypted)

    def _proof_workers(self) -> bool:
        """Whether proofs go to workers: those of the signatures, else workers forked now (once),
        at the first encrypted ballot -- a log without one never starts them."""
        if self.pool.parallel:
            return True
        if not self.forked:
            self.forked = True
            count = cores() if self.workers is None else self.workers
            if count > 0:
                self.pool = Pool(count)
                return True
        return False

    def send_proofs(self, encrypted: EncryptedVote | None = None) -> None:
        """Hand a vote's batch of ballots (every vote's, by default) to a worker; if the workers are
        behind by two batches each, check it here instead (memory stays bounded)."""
        for vote in [encrypted] if encrypted is not None else [v.encrypted for v in self.rules.votes.values()]:
            if vote is None or not vote.batch:
                continue
            batch, vote.batch = vote.batch, []
            self.proof_running = [job for job in self.proof_running if not job.done()]
            if len(self.proof_running) >= 2 * self.pool.count:
                found = check_ballots(vote.context_json, batch)
                if found is not None:
                    self.proof_found.append(found)
                continue
            job = self.pool.submit(check_ballots, vote.context_json, batch)
            self.proof_jobs.append(job)
            self.proof_running.append(job)

    def settle(self, answers: list[list[tuple[str, str] | None]], proofs: list[tuple[int, str, str] | None]) -> None:
        """The answers of the recounts and proof checks done by workers: the first mismatch or
        failed proof, if it comes before the first fault the rules found, is the fault."""
        found = list(self.proof_found)
        found.extend(answer for answer in proofs if answer is not None)
        for (votes, _), answered in zip(self.recounts, answers, strict=True):
            found.extend((seq, *_recount_fault(vote_id, *answer))
                         for (seq, vote_id), answer in zip(votes, answered, strict=True) if answer is not None)
        first = min(found, default=None)
        if first is not None and (self.content_fault is None or first[0] < self.content_fault[0]):
            self.content_fault = first

    # -- the verdict ----------------------------------------------------------------------

    def verdict(self, bad: Iterable[int]) -> list[Failure]:
        """Every finding: the evidence's first, then what the key signed (module docstring).

        A record is *covered* when a checkpoint whose signature and root both hold signs it: the
        records up to that size are exactly what the key signed.  A fault in covered records is
        the signer's; a root that does not hold, and a fault no good checkpoint covers, are the
        export's.  A signed root the records miss while a later good checkpoint holds is two
        signed histories: equivocation."""
        bad_signatures = set(bad)
        entries = self.checkpoints + [later for _, later in self.forks]
        genuine = {id(e) for e in entries if not bad_signatures.intersection(e.signatures)}
        good = [e for e in self.checkpoints if id(e) in genuine and e.root_ok]
        covered = self.covered = max((e.checkpoint.size for e in good), default=0)
        evidence: list[Failure] = []
        signed: list[Failure] = []
        forged = [e.number for e in entries if id(e) not in genuine]
        if forged:
            evidence.append(Failure("bad-signature", f"checkpoint {min(forged)} is not signed by the log's key "
                                                     "/ 检查点签名无效"))
        for earlier, later in self.forks:
            if id(earlier) in genuine and id(later) in genuine:
                signed.append(self._equivocation(earlier, later, "two roots for one size"))
        chain = self.chain_fault
        altered = False
        for entry in self.checkpoints:
            if entry.root_ok is not False or id(entry) not in genuine:
                continue
            extension = next((g for g in good if g.checkpoint.size > entry.checkpoint.size), None)
            if extension is not None:
                signed.append(self._equivocation(entry, extension, "the later checkpoint does not extend it"))
            elif not altered:
                altered = True
                if chain is not None and covered <= chain[0] <= entry.checkpoint.size:
                    evidence.append(self._altered(*chain))  # where the records were altered
                    chain = None
                else:
                    evidence.append(self._mismatch(entry, covered))
        if chain is not None:
            seq, code, message = chain
            if seq < covered:
                signed.append(Failure(code, f"{message}, and a checkpoint signs it so", seq, signed=True))
            else:
                evidence.append(self._altered(seq, code, message))
        evidence.extend(self.evidence)
        if self.content_fault is not None and self.content_fault[0] < covered:
            seq, code, message = self.content_fault
            signed.append(Failure(code, message, seq, signed=True))
        witnessed, witness_signed = self.witness_findings(covered)
        evidence.extend(witnessed)
        signed.extend(witness_signed)
        signed.sort(key=_order)
        return evidence + signed

    def _altered(self, seq: int, code: str, message: str) -> Failure:
        """The chain fault where the records were altered; the line before it if that one is not
        even a record."""
        fault = self.content_fault
        if code == "broken-chain" and fault is not None and fault[:2] == (seq - 1, "bad-record"):
            return Failure("bad-record", f"{fault[2]} (record {seq - 1} is not what was signed)", seq - 1)
        return Failure(code, message, seq)

    def _mismatch(self, entry: _Checkpoint, covered: int) -> Failure:
        size = entry.checkpoint.size
        since = f"between seq {covered} and {size - 1}" if covered else f"before seq {size}"
        return Failure(
            "root-mismatch",
            f"the records do not hash to the root signed in checkpoint {entry.number} (size {size}): a record "
            f"{since} was altered after signing / Merkle 根不符",
            size - 1,
        )

    @staticmethod
    def _equivocation(first: _Checkpoint, second: _Checkpoint, why: str) -> Failure:
        a, b = first.checkpoint, second.checkpoint
        return Failure(
            "equivocation",
            f"checkpoints {first.number} (size {a.size}) and {second.number} (size {b.size}) are both signed by the "
            f"log's key but cannot both be true ({why}): the key signed two histories "
            "/ 同一密钥签署了两个不同的日志历史",
            signed=True,
            evidence=(a.note, b.note),
        )

    def given(self, given: Iterable[Checkpoint]) -> list[Failure]:
        """Checkpoints the auditor brought (printed on a sheet): each signed by the log's key for
        its origin (else ``foreign-checkpoint``), within the export (else ``rolled-back``), and with
        the root the records give at its size (else the key signed two histories).  Witnesses'
        cosignature lines on such a note are ignored unless they are of a trusted witness: those
        must verify (else ``bad-cosignature``) and are listed in the report."""
        assert self.verifier is not None
        origin = self.checkpoints[0].checkpoint.origin
        latest = self.checkpoints[-1].checkpoint
        found: list[Failure] = []
        for number, checkpoint in enumerate(given, start=1):
            try:
                open_checkpoint(checkpoint.note, self.verifier, origin)
            except NoteError as exc:
                found.append(Failure("foreign-checkpoint", f"given checkpoint {number} (size {checkpoint.size}): "
                                                           f"{exc} / 所给检查点不是本日志密钥签署的", given=True))
                continue
            try:
                cosigned = cosignatures(read_checkpoint(checkpoint.note)[1], self.witnesses)
            except NoteError as exc:
                found.append(Failure("bad-cosignature", f"given checkpoint {number} (size {checkpoint.size}): {exc} "
                                                        "/ 所给检查点上的见证人副署无效", given=True))
                cosigned = []
            self.printed.append(Given(checkpoint.size, checkpoint.root, checkpoint.note,
                                      tuple(Witnessed(c.cosigner.vkey, c.timestamp) for c in cosigned)))
            if checkpoint.size > latest.size:
                found.append(Failure("rolled-back", f"given checkpoint {number} signs {checkpoint.size} records, the "
                                                    f"export only {latest.size}: get an export made after it "
                                                    "/ 导出不包含已签署的检查点，日志被回滚或导出过早", given=True))
            elif checkpoint.size <= self.covered:
                root = self.roots[checkpoint.size] if checkpoint.size else EMPTY_ROOT
                if root != checkpoint.root:
                    cover = next(c.checkpoint for c in self.checkpoints if c.checkpoint.size >= checkpoint.size)
                    found.append(Failure(
                        "equivocation",
                        f"given checkpoint {number} (size {checkpoint.size}) is signed by the log's key, but the "
                        f"export's records, which checkpoint size {cover.size} signs, give another root at that "
                        "size: the key signed two histories / 所给检查点与导出的日志历史不符",
                        checkpoint.size - 1, signed=True, evidence=(checkpoint.note, cover.note), given=True))
        return found

    def tally_inputs(self) -> Failure | None:
        path = self.directory / TALLY_INPUTS
        expected = self.rules.inputs.canonical_bytes()
        try:
            with path.open("rb") as handle:
                same = handle.read(len(expected) + 1) == expected
        except OSError as exc:
            raise StorageError(f"cannot read {path}: {exc.strerror}") from exc
        if same:
            return None
        return Failure("tally-inputs-mismatch", "tally_inputs.json is not what the records say / 计票输入与记录不符")


_CHECKS_AHEAD = 4  # signature jobs handed out ahead while the workers have other work
_CHECKS_LAST = 64  # signatures a job once the reading is done


def _order(failure: Failure) -> tuple[bool, bool, int]:
    """The report's order: the evidence's findings as found, then the signed ones, equivocation first."""
    if not failure.signed:
        return False, False, -1
    return True, failure.code != "equivocation", failure.seq if failure.seq is not None else -1


def _recount_fault(vote_id: str, code: str, detail: str) -> tuple[str, str]:
    if code == "tally-error":
        return code, f"tally rejects the inputs of vote {vote_id}: {detail} / 计票程序拒绝输入"
    return code, f"result mismatch on vote {vote_id} / 表决 {vote_id} 的结果与重新计票不符: {detail}"


def _reversed(time: bytes, last: bytes) -> str:
    return f"record time {_shown(time)} is earlier than the record before it ({_shown(last)}) / 记录时间倒流"


def verify_export(
    directory: str | Path,
    *,
    trusted_vkey: str | None = None,
    tally: TallyModule | None = None,
    progress: bool = False,
    progress_stream: IO[str] | None = None,
    watch: Collection[int] = (),
    roots_at: Collection[int] = (),
    workers: int | None = None,
    trusted_fingerprint: str | None = None,
    given: Iterable[str] = (),
    witnesses: Sequence[Cosigner] = (),
    quorum: int | None = None,
) -> Report:
    """Verify the export in `directory`; see the module docstring for what is checked.

    `trusted_vkey` is the key the auditor obtained independently (e.g. published by the
    standing committee), `trusted_fingerprint` its fingerprint (`audit.keys.fingerprint`: printed on
    the code sheet, shown on the hall screen); without them the export's own key is used and the
    report says so.  `given` are signed checkpoint notes the auditor obtained apart (the QR code of
    a signed result sheet): the export must extend each.
    `tally` defaults to the `tally` package.  `watch` names records to report in `Report.leaves`
    (a receipt's leaf), `roots_at` tree sizes whose RFC 9162 root to report in `Report.roots`.
    `workers` is the number of processes that check signatures and recount besides this one
    (default: one per other core, for exports of at least `audit.workers.PARALLEL_MIN` checkpoint
    lines).  With `witnesses` (their C2SP cosignature keys), the latest checkpoint must carry the
    valid cosignatures of at least `quorum` of them (default: all) in ``cosignatures.jsonl``,
    and a trusted witness's cosignature on a `given` note must verify.  Raises `StorageError` if a
    file cannot be read, `TallyUnavailableError` if a result needs recounting and `tally` cannot be
    imported, `KeyFormatError` if `trusted_vkey` or `trusted_fingerprint` is malformed or the two
    disagree, `NoteError` if a `given` note is not a checkpoint, `ValueError` if `quorum` is not
    1 .. the number of witnesses; every other problem is a finding in the `Report`.
    """
    path = Path(directory)
    trusted = Verifier.from_vkey(trusted_vkey) if trusted_vkey is not None else None
    fingerprint = parse_fingerprint(trusted_fingerprint) if trusted_fingerprint is not None else None
    if trusted is not None and fingerprint is not None and trusted.fingerprint != fingerprint:
        raise KeyFormatError(f"the key given ({trusted.fingerprint}) does not have the fingerprint given "
                             f"({fingerprint}) / 所给公钥与所给指纹不符")
    printed = [read_checkpoint(note)[0] for note in given]
    roots_at = {*roots_at, *(c.size for c in printed if c.size)}
    stream = progress_stream if progress_stream is not None else sys.stderr
    run = _Run(path, tally, progress, stream, watch, roots_at, workers)
    run.witnesses = tuple(dict.fromkeys(witnesses))
    run.quorum = len(run.witnesses) if quorum is None else quorum
    if not 0 <= run.quorum <= len(run.witnesses) or (run.witnesses and not run.quorum):
        raise ValueError(f"a quorum is 1 .. {len(run.witnesses)} of the witnesses given, not {quorum}")
    failures: list[Failure] = []
    try:
        run.key(trusted, fingerprint)
        assert run.verifier is not None
        try:
            run.checkpoint_notes()
            run.cosignature_notes()
            sizes = frozenset(c.checkpoint.size for c in run.checkpoints) | run.roots_at
            hashing = run.pool.submit(hash_records, str(path / RECORDS), sizes, run.checkpoints[-1].checkpoint.size,
                                      run.watch)
            run.send_checks()
            run.records()
            run.send_recounts()
            run.send_proofs()
            run.send_checks(last=True)
            checks = [job for _, job in run.checks]
            recounts = [job for _, job in run.recounts]
            linked = hashing.answered()  # (then linked now, while the workers are still busy)
            if linked:
                run.link(hashing.answer())
            inputs, compared = None, False
            if run.content_fault is None:  # compared while the workers work; reported only if nothing else is
                with contextlib.suppress(StorageError):  # (then raised below, if it matters)
                    inputs, compared = run.tally_inputs(), True
            leaves_answer, *answers = run.pool.finish([hashing, *checks, *recounts, *run.proof_jobs])
        finally:
            run.pool.close()
        if not linked:
            run.link(leaves_answer)
        run.settle(answers[len(checks) : len(checks) + len(recounts)], answers[len(checks) + len(recounts) :])
        bad = [start + position for (start, _), found in zip(run.checks, answers[: len(checks)], strict=True)
               for position in found]
        failures = run.verdict(bad)
        if printed:
            failures += run.given(printed)
            failures.sort(key=_order)
        if not failures:
            mismatch = inputs if compared else run.tally_inputs()
            failures = [mismatch] if mismatch is not None else []
    except _Stop as stopped:
        failures = [stopped.failure]
    ok = not failures
    leaves = {
        seq: Leaf(seq, digest, record, run.rules.fate(seq, record), run.rules.replaced.get(seq))
        for seq, (digest, record) in run.leaves.items()
    } if ok else {}
    if ok and not run.rules.session.known and run.rules.votes:
        run.rules.warnings.append(
            "日志中没有会议与名册记录，表决定义未能核对 the log holds no meeting or roll: the votes' definitions "
            "(members_of_record, present) could not be derived from it"
        )
    votes = run.rules.reports() if ok else ()
    return Report(
        directory=str(path),
        vkey=run.verifier.vkey if run.verifier is not None else None,
        trusted_key=trusted is not None or fingerprint is not None,
        records=run.count,
        checkpoints=len(run.checkpoints),
        root=run.latest_root.hex() if ok and run.latest_root is not None else None,
        votes=votes,
        warnings=tuple(run.rules.warnings),
        failures=tuple(failures),
        definitions_checked=run.rules.definitions_checked if ok else 0,
        leaves=leaves,
        roots={size: root for size, root in run.roots.items() if size in roots_at},
        notes=tuple(run.notes),
        printed=tuple(run.printed) if ok else (),
        given=len(printed),
        witnesses=run.cosigned,
        quorum=run.quorum,
        cosigned_notes=run.cosigned_notes,
        election_keys=tuple(c.describe() for c in run.rules.ceremonies.finished.values()) if ok else (),
        encrypted_ballots=run.encrypted_ballots if ok else 0,
        selection_proofs=run.selection_proofs if ok else 0,
    )
