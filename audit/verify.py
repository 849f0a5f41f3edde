"""The offline verifier: check an export and re-run every tally (design.md, "Audit log").

Checked, in this order, stopping at the first fault, which is named:

1. ``vkey.txt`` is a C2SP verifier key (and the auditor's trusted key, if given);
2. every checkpoint is a C2SP tlog-checkpoint signed by that key, all with one origin, sizes
   strictly growing (a smaller size after a larger one is a rollback);
3. every record is canonical RFC 8785 JSON, ``seq`` = its line number, ``prev`` = the RFC 9162
   leaf hash of the line before (hash chain);
4. the RFC 9162 root at each checkpoint's size equals the signed root (the first directly, the
   others through a consistency proof from the previous checkpoint, RFC 9162 §2.1.4), and the
   export ends exactly at the latest checkpoint;
5. seq 0 is ``log_opened`` naming this key and origin; votes are opened once, ballots only for an
   open vote, ``ballots_cast`` equals the ballot records, one result per vote, nothing after a
   void; each ``result`` equals ``tally.count_document(definition + ballots)``;
6. ``tally_inputs.json`` is exactly what the records give.

Manual results (show of hands, paper) cannot be recounted; they are listed as such.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import IO, Any, Protocol

from tqdm import tqdm

from audit import canonical
from audit.checkpoint import Checkpoint, open_checkpoint
from audit.errors import (
    CanonicalJSONError,
    KeyFormatError,
    NoteError,
    SignatureError,
    StorageError,
    TallyUnavailableError,
)
from audit.export import TALLY_INPUTS, TallyInputs, read_vkey_file
from audit.keys import Verifier
from audit.logfile import CHECKPOINTS, RECORDS, Chain, ChainBreak, LineReader, decode_checkpoint_line
from audit.merkle import verify_consistency
from audit.records import Record, RecordType

__all__ = ["Failure", "Report", "TallyModule", "VoteReport", "verify_export"]


class TallyModule(Protocol):
    """What the verifier needs from `tally`."""

    TallyError: type[Exception]

    def count_document(self, doc: Mapping[str, Any]) -> dict[str, Any]: ...


@dataclass(frozen=True)
class Failure:
    """The first fault found: a short code, a bilingual message, and the record if any."""

    code: str
    message: str
    seq: int | None = None

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
    failure: Failure | None = None

    @property
    def ok(self) -> bool:
        """True iff nothing failed."""
        return self.failure is None

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
        if self.ok:
            out.append(f"检查点 Checkpoints: {self.checkpoints}, 最新根 latest root {self.root}")
            out.append(
                f"记录 Records: {self.records} — 签名、哈希链、Merkle 根全部正确 "
                "signatures, hash chain and Merkle roots all correct"
            )
        if self.votes:
            out.append("表决 Votes:")
            out.extend(f"  {v.vote_id}  {v.kind or '-'}  选票 ballots {v.ballots}  {v.outcome}" for v in self.votes)
        out.extend(f"警告 Warning: {w}" for w in self.warnings)
        if self.failure is None:
            out.append("结论 Result: 通过 PASS")
        else:
            out.append(f"结论 Result: 核验失败 FAIL — {self.failure}")
        return out


class _Failed(Exception):
    def __init__(self, failure: Failure) -> None:
        super().__init__(str(failure))
        self.failure = failure


def _fail(code: str, message: str, seq: int | None = None) -> _Failed:
    return _Failed(Failure(code, message, seq))


@dataclass
class _Vote:
    definition: Mapping[str, Any] | None  # None: known only from a manual result
    ballots: list[str]  # canonical texts, shared with TallyInputs
    closed: bool = False
    voided: str | None = None
    outcome: str | None = None


class _Votes:
    """The vote state machine over the records (step 5 of the module docstring).

    Ballot texts go to `inputs` (`audit.export.TallyInputs`), which rebuilds the tally documents.
    """

    def __init__(self, inputs: TallyInputs, recount: Callable[[str, Mapping[str, Any], Any, int], None]) -> None:
        self.votes: dict[str, _Vote] = {}
        self.warnings: list[str] = []
        self.inputs = inputs
        self._recount = recount

    def ballot(self, vote_id: str, ballot: str, seq: int) -> None:
        """One ballot (canonical JSON text) for `vote_id`, at record `seq`."""
        vote = self.votes.get(vote_id)
        if vote is None or vote.voided is not None or vote.closed or vote.definition is None:
            vote = self._live(vote_id, RecordType.BALLOT, seq)
            raise _fail("late-ballot", f"ballot after vote {vote_id} was closed / 表决结束后的选票", seq)
        self.inputs.add_ballot(vote_id, ballot, seq)

    def withdraw(self, vote_id: str, withdrawn: int, seq: int) -> None:
        """A ballot replaced before close: it must be an earlier ballot of the same, still open vote."""
        vote = self._live(vote_id, RecordType.BALLOT_WITHDRAWN, seq)
        if vote.closed:
            raise _fail("late-withdrawal", f"ballot withdrawn after vote {vote_id} closed / 表决结束后撤回选票", seq)
        if not self.inputs.withdraw(vote_id, withdrawn):
            raise _fail(
                "bad-withdrawal",
                f"record {withdrawn} is not a ballot of vote {vote_id} still counted / 撤回的不是本表决的有效选票",
                seq,
            )

    def add(self, record: Record) -> None:
        """Any record after seq 0."""
        type_, body, seq = record.type, record.body, record.seq
        if type_ == RecordType.BALLOT:
            self.ballot(body["vote_id"], canonical.dumps(body["ballot"]).decode("utf-8"), seq)
        elif type_ == RecordType.BALLOT_WITHDRAWN:
            self.withdraw(body["vote_id"], body["seq"], seq)
        elif type_ == RecordType.LOG_OPENED:
            raise _fail("bad-opening", "log_opened again / 重复的 log_opened", seq)
        elif type_ == RecordType.LOG_RECOVERED:
            self.warnings.append(
                f"seq {seq}: 日志曾从写入中断中恢复 the log recovered from a torn write "
                f"({body['truncated_bytes']} bytes cut from {body['file']}, sha256 {body['sha256']})"
            )
        elif type_ == RecordType.VOTE_OPENED:
            if body["vote_id"] in self.votes:
                raise _fail("duplicate-vote", f"vote {body['vote_id']} opened twice / 表决重复开启", seq)
            self.inputs.add(record)
            self.votes[body["vote_id"]] = _Vote(body["definition"], self.inputs.ballots[body["vote_id"]])
        elif type_ == RecordType.MANUAL_RESULT:
            vote = self.votes.setdefault(body["vote_id"], _Vote(None, []))
            self._set_outcome(vote, body["vote_id"], f"人工结果 manual result ({body['method']})", seq)
        elif type_ in (RecordType.VOTE_CLOSED, RecordType.RESULT, RecordType.VOTE_VOIDED):
            self._vote_event(record)

    def _live(self, vote_id: str, type_: str, seq: int) -> _Vote:
        vote = self.votes.get(vote_id)
        if vote is None or vote.definition is None:
            raise _fail("unknown-vote", f"{type_} for vote {vote_id}, which was never opened / 表决未开启", seq)
        if vote.voided is not None:
            raise _fail("voided-vote", f"{type_} after vote {vote_id} was voided / 表决已作废", seq)
        return vote

    def _set_outcome(self, vote: _Vote, vote_id: str, outcome: str, seq: int) -> None:
        if vote.outcome is not None:
            raise _fail("duplicate-result", f"a second result for vote {vote_id} / 重复的表决结果", seq)
        vote.outcome = outcome

    def _vote_event(self, record: Record) -> None:
        type_, body, seq = record.type, record.body, record.seq
        vote_id = body["vote_id"]
        vote = self._live(vote_id, type_, seq)
        if type_ == RecordType.VOTE_VOIDED:
            vote.voided = body["reason"]
        elif type_ == RecordType.VOTE_CLOSED:
            if vote.closed:
                raise _fail("duplicate-close", f"vote {vote_id} closed twice / 表决重复结束", seq)
            if body["ballots_cast"] != len(vote.ballots):
                raise _fail(
                    "ballot-count",
                    f"vote {vote_id}: ballots_cast {body['ballots_cast']} but {len(vote.ballots)} ballot records"
                    " / 投票数与选票记录数不符",
                    seq,
                )
            vote.closed = True
        else:
            if not vote.closed:
                raise _fail("result-before-close", f"result for vote {vote_id} before it closed / 表决未结束", seq)
            self._set_outcome(vote, vote_id, "重新计票一致 recounted, matches", seq)
            self._recount(vote_id, self.inputs.document(vote_id), body["result"], seq)

    def reports(self) -> tuple[VoteReport, ...]:
        out = []
        for vote_id, vote in self.votes.items():
            kind = vote.definition.get("kind") if vote.definition is not None else None
            if vote.voided is not None:
                outcome = f"已作废 voided ({vote.voided})" + (f"; {vote.outcome}" if vote.outcome else "")
            elif vote.outcome is not None:
                outcome = vote.outcome
            elif vote.closed:
                outcome = "已结束，无结果 closed, no result recorded"
                self.warnings.append(f"vote {vote_id}: closed without a result / 表决已结束但无结果")
            else:
                outcome = "进行中 still open"
                self.warnings.append(f"vote {vote_id}: still open at the end of the log / 表决未结束")
            out.append(VoteReport(vote_id, kind if isinstance(kind, str) else None, len(vote.ballots), outcome))
        return tuple(out)


def _load_tally() -> TallyModule:
    try:
        module: ModuleType = importlib.import_module("tally")
        module.count_document  # noqa: B018
        module.TallyError  # noqa: B018
    except (ImportError, AttributeError) as exc:
        raise TallyUnavailableError(f"cannot recount: the tally package is unavailable ({exc})") from exc
    return module


class _Verifier:
    def __init__(self, directory: Path, tally: TallyModule | None, progress: bool, stream: IO[str]) -> None:
        self.directory = directory
        self.tally = tally
        self.progress = progress
        self.stream = stream
        self.verifier: Verifier | None = None
        self.checkpoints: list[Checkpoint] = []
        self.chain = Chain()
        self.inputs = TallyInputs()
        self.votes = _Votes(self.inputs, self._recount)

    def _read(self, name: str) -> bytes:
        path = self.directory / name
        try:
            return path.read_bytes()
        except OSError as exc:
            raise StorageError(f"cannot read {path}: {exc.strerror}") from exc

    def key(self, trusted: Verifier | None) -> None:
        try:
            self.verifier = read_vkey_file(self.directory)
        except KeyFormatError as exc:
            raise _fail("bad-public-key", f"vkey.txt: {exc} / 公钥文件有误") from exc
        if trusted is not None and trusted != self.verifier:
            raise _fail(
                "untrusted-key",
                f"the export is signed by {self.verifier.vkey}, not by the trusted key {trusted.vkey} / 公钥不符",
            )

    def checkpoint_notes(self) -> None:
        assert self.verifier is not None
        raw = self._read(CHECKPOINTS)
        if not raw:
            raise _fail("no-checkpoint", "the export has no checkpoint / 导出中没有检查点")
        if not raw.endswith(b"\n"):
            raise _fail("bad-checkpoint", "checkpoints.jsonl ends with an incomplete line / 检查点文件不完整")
        for number, line in enumerate(raw[:-1].split(b"\n")):
            try:
                checkpoint = open_checkpoint(decode_checkpoint_line(line), self.verifier)
            except SignatureError as exc:
                raise _fail("bad-signature", f"checkpoint {number}: {exc} / 检查点签名无效") from exc
            except NoteError as exc:
                raise _fail("bad-checkpoint", f"checkpoint {number}: {exc} / 检查点格式有误") from exc
            if checkpoint.size == 0:
                raise _fail("bad-checkpoint", f"checkpoint {number} signs an empty log / 空日志的检查点")
            if self.checkpoints:
                previous = self.checkpoints[-1]
                if checkpoint.origin != previous.origin:
                    raise _fail("bad-checkpoint", f"checkpoint {number} names another log ({checkpoint.origin})")
                if checkpoint.size < previous.size:
                    raise _fail(
                        "rollback-checkpoint",
                        f"checkpoint {number} (size {checkpoint.size}) is older than checkpoint {number - 1} "
                        f"(size {previous.size}) / 检查点回滚",
                    )
                if checkpoint.size == previous.size:
                    raise _fail("bad-checkpoint", f"checkpoint {number} repeats size {checkpoint.size}")
            self.checkpoints.append(checkpoint)

    def records(self) -> None:
        latest = self.checkpoints[-1]
        pending = enumerate(self.checkpoints)
        number, due = next(pending)
        previous: Checkpoint | None = None
        bar = tqdm(
            total=latest.size, unit="rec", unit_scale=True, file=self.stream, disable=not self.progress, leave=False
        )
        chain, votes = self.chain, self.votes
        add_ballot, add, ballot = chain.add_ballot, chain.add, votes.ballot
        path = self.directory / RECORDS
        try:
            handle = path.open("rb")
        except OSError as exc:
            raise StorageError(f"cannot read {path}: {exc.strerror}") from exc
        with handle, bar:
            reader = LineReader(handle)
            for block in reader:
                for line in block:
                    seq = chain.size
                    if seq == latest.size:
                        raise _fail(
                            "unsigned-records", "records after the latest checkpoint / 最新检查点之后的记录", seq
                        )
                    try:
                        # The fast path for ballots; everything else (and seq 0) is parsed in full.
                        fast = add_ballot(line) if seq else None
                        if fast is not None:
                            ballot(fast.vote_id, fast.ballot, seq)
                        elif seq:
                            votes.add(add(line))
                        else:
                            self._opening(add(line))
                    except ChainBreak as exc:
                        raise _fail(exc.code, exc.message, exc.seq) from exc
                    if seq + 1 == due.size:
                        self._check_root(number, previous, due)
                        previous = due
                        number, due = next(pending, (number, latest))
                bar.update(len(block))
            if reader.torn:
                raise _fail("torn-records", "records.jsonl ends with an incomplete line / 记录文件不完整", chain.size)
        if chain.size < latest.size:
            raise _fail(
                "dropped-record",
                f"the latest checkpoint signs {latest.size} records, the export has {chain.size} / 记录缺失",
            )

    def _opening(self, record: Record) -> None:
        assert self.verifier is not None
        if record.type != RecordType.LOG_OPENED:
            raise _fail("bad-opening", f"the first record is {record.type}, not log_opened", 0)
        if record.body["vkey"] != self.verifier.vkey or record.body["origin"] != self.checkpoints[0].origin:
            raise _fail("bad-opening", "log_opened names another key or origin than the export / 公钥或日志名不符", 0)

    def _check_root(self, number: int, previous: Checkpoint | None, checkpoint: Checkpoint) -> None:
        tree = self.chain.tree
        if previous is None:
            good = tree.root() == checkpoint.root
        else:
            proof = tree.consistency_proof(previous.size, checkpoint.size)
            good = verify_consistency(previous.size, checkpoint.size, previous.root, checkpoint.root, proof)
        if not good:
            raise _fail(
                "root-mismatch",
                f"the records do not hash to the root signed in checkpoint {number} (size {checkpoint.size}): "
                f"a record before seq {checkpoint.size} was altered / Merkle 根不符",
                checkpoint.size - 1,
            )

    def _recount(self, vote_id: str, document: Mapping[str, Any], recorded: Any, seq: int) -> None:
        if self.tally is None:
            self.tally = _load_tally()
        try:
            computed = self.tally.count_document(document)
        except self.tally.TallyError as exc:
            raise _fail(
                "tally-error", f"tally rejects the inputs of vote {vote_id}: {exc} / 计票程序拒绝输入", seq
            ) from exc
        try:
            same = canonical.dumps(computed) == canonical.dumps(recorded)
        except CanonicalJSONError as exc:
            raise _fail(
                "result-mismatch", f"result mismatch on vote {vote_id}: recount is not JSON ({exc})", seq
            ) from exc
        if not same:
            raise _fail(
                "result-mismatch",
                f"result mismatch on vote {vote_id} / 表决 {vote_id} 的结果与重新计票不符: "
                f"recorded {canonical.dumps(recorded).decode()}, recount {canonical.dumps(computed).decode()}",
                seq,
            )

    def tally_inputs(self) -> None:
        if self._read(TALLY_INPUTS) != self.inputs.canonical_bytes():
            raise _fail("tally-inputs-mismatch", "tally_inputs.json is not what the records say / 计票输入与记录不符")


def verify_export(
    directory: str | Path,
    *,
    trusted_vkey: str | None = None,
    tally: TallyModule | None = None,
    progress: bool = False,
    progress_stream: IO[str] | None = None,
) -> Report:
    """Verify the export in `directory`; see the module docstring for what is checked.

    `trusted_vkey` is the key the auditor obtained independently (e.g. published by the
    standing committee); without it the export's own key is used and the report says so.
    `tally` defaults to the `tally` package.  Raises `StorageError` if a file cannot be read,
    `TallyUnavailableError` if a result needs recounting and `tally` cannot be imported,
    `KeyFormatError` if `trusted_vkey` is malformed; every other problem is a failed `Report`.
    """
    path = Path(directory)
    trusted = Verifier.from_vkey(trusted_vkey) if trusted_vkey is not None else None
    run = _Verifier(path, tally, progress, progress_stream if progress_stream is not None else sys.stderr)
    failure: Failure | None = None
    try:
        run.key(trusted)
        run.checkpoint_notes()
        run.records()
        run.tally_inputs()
    except _Failed as failed:
        failure = failed.failure
    votes = run.votes.reports() if failure is None else ()
    latest = run.checkpoints[-1] if run.checkpoints and failure is None else None
    return Report(
        directory=str(path),
        vkey=run.verifier.vkey if run.verifier is not None else None,
        trusted_key=trusted is not None,
        records=run.chain.size,
        checkpoints=len(run.checkpoints),
        root=latest.root.hex() if latest is not None else None,
        votes=votes,
        warnings=tuple(run.votes.warnings),
        failure=failure,
    )
