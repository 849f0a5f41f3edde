"""The one writer: every change goes through a single thread, one transaction at a time.

design.md "Server": writes go through one writer with group commit — ballots arriving within a
few milliseconds share one transaction and one signed checkpoint, then all are acknowledged;
per-ballot transactions are far too slow under a burst of thousands.

Each job runs as ``fn(tx)`` in the writer thread. ``tx`` offers the SQLAlchemy session, the audit
ledger (records staged in the same order as the changes) and ``then``: the changes of the
in-memory picture, as values (server/effects.py), applied only once the transaction is durable.
Events are published to the event loop after commit, never before. A refused job
(:class:`ServerError`) or a failed commit leaves the database, the audit log and the in-memory
picture exactly as they were.

One owner for the event loop's picture (server/live.py): the loop. It iterates the picture's
dicts and sets for every view and tick, so nothing else may change them. A committed batch's
effects are therefore applied to it *on the loop*, in one callback per batch (with the batch's
futures and events — one wake-up, never one per ballot). Work of the batch that reads only the
ledger and the batch's own objects -- the receipts' inclusion proofs, the heavy part -- runs before
that, in the writer thread (``Tx.prepare``), and stays off the loop.

What the writer's jobs read is that same picture -- and then the writer starts its next
transaction only once the loop has applied the last batch, so every job reads the picture as of
the last commit -- or, with WRITER_PICTURE_COPY, a copy of its own (``own``), to which the writer
applies every effect itself, in its thread, right after the commit: it then goes on without
waiting for the loop, and the two copies stay equal because every change of either is an effect
applied to both (what the tests check, with everything the writer and the loop exchange pickled
across, :func:`crossed`). The copy is not the default: under a burst it cost ≈ 20 % more CPU a
ballot. Without an event loop (a script driving the writer with ``sync`` jobs) the effects are
applied in the writer thread. With WRITER_PROCESS this writer runs in a process of its own, its
picture and ledger its own, its batches' answers and changes sent back as values
(server/writer_process.py).
"""

from __future__ import annotations

import asyncio
import logging
import pickle
import queue
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Concatenate, Generic, ParamSpec, TypeVar

import orjson
from sqlalchemy import Table, insert, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from audit import Checkpoint
from server.db import insert_rows
from server.domain import JsonObject, MeetingId, MemberId, VoteId
from server.effects import Effect
from server.errors import ServerError
from server.events import Event, EventKind
from server.ledger import Ledger
from server.live import Live
from server.models import audit_records_table

log = logging.getLogger("server.writer")
T = TypeVar("T")


class StorageUnavailable(ServerError):
    status = 503

    def __init__(self) -> None:
        super().__init__("storage_unavailable", "数据库暂时不可用，请稍后重试（选票未被记录，可安全重发）")


class Tx:
    """What a use case sees inside the writer's transaction."""

    def __init__(self, session: Session, ledger: Ledger, live: Live) -> None:
        self.session = session
        self.ledger = ledger
        self.live = live
        self.now = datetime.now(UTC)
        self.events: list[Event] = []
        #: what the transaction changes in the picture, applied in order once it is durable
        self.after_commit: list[Effect] = []
        #: work done in the writer thread once the batch is durable, before the effects are applied
        self.after_commit_here: list[Callable[[], None]] = []
        self.staged: list[tuple[int, bytes]] = []
        self.checkpoint: Checkpoint | None = None
        self.finalizers: dict[str, Callable[[Tx], None]] = {}
        #: what the jobs of one batch share, by use case (cast_ballot's batch of accepted ballots)
        self.shared: dict[str, object] = {}
        #: rows inserted once for the whole batch, after every job (``insert_later``)
        self.inserts: list[tuple[Table, dict[str, Any]]] = []

    def audit(self, type_: str, body: JsonObject, *, at: str | None = None) -> int:
        """Stage an audit record; it becomes durable with this transaction. Returns its seq.
        ``at``: the record's time as written, instead of now (a secret vote's ballots and
        withdrawals carry the time of its opening, docs/verifier-spec.md 15d)."""
        seq, data = self.ledger.stage(type_, body, self.now if at is None else at, backdated=at is not None)
        self.staged.append((seq, data))
        return seq

    def audit_many(self, entries: list[tuple[str, JsonObject]], *, at: str | None = None) -> list[int]:
        """Stage several records with one write (a batch of ballots). Returns their seqs in order."""
        staged = self.ledger.stage_many(entries, self.now if at is None else at, backdated=at is not None)
        self.staged.extend(staged)
        return [seq for seq, _ in staged]

    def record_time(self, seq: int) -> str:
        """The time of a record staged in this transaction, as written."""
        data = next(data for staged, data in self.staged if staged == seq)
        time: str = orjson.loads(data)["time"]
        return time

    def insert_later(self, table: Table, row: dict[str, Any]) -> None:
        """Insert ``row`` with the batch: one multi-row insert per table after every job, instead
        of an ORM object flushed, statement by statement, by the next job's query (thousands of
        sign-ins and check-ins in a few seconds). Undone with the job's other staged changes if it
        is refused."""
        self.inserts.append((table, row))

    def finalize_once(self, key: str, finalize: Callable[[Tx], None]) -> None:
        """Run ``finalize(tx)`` once after every job of the batch, before the commit."""
        self.finalizers.setdefault(key, finalize)

    def publish(self, kind: EventKind, meeting_id: MeetingId | None, *, vote_id: str | None = None,
                member_id: MemberId | None = None) -> None:
        """Tell the terminals after commit; ``member_id`` only for a check-in (server/hub.py)."""
        self.events.append(Event(kind, meeting_id, None if vote_id is None else VoteId(vote_id), member_id))

    def prepare(self, work: Callable[[], None]) -> None:
        """After commit, in the writer thread, before the effects are applied: work that reads only
        the ledger and the batch's own objects, never the in-memory picture (the receipts'
        inclusion proofs: heavy, so kept off the event loop). It may add effects (``then``)."""
        self.after_commit_here.append(work)

    def then(self, effect: Effect) -> None:
        """Change the picture this way once the transaction is durable (server/effects.py)."""
        self.after_commit.append(effect)

    def release(self) -> None:
        """Let go of what the batch built, once it is settled. The ``prepare`` work and the
        finalizers close over this Tx, so without this every batch -- its tickets, its accepted
        ballots, its session -- would stay alive as a reference cycle until the garbage
        collector's next pass, which then had tens of thousands of young objects to trace
        (docs/performance.md)."""
        self.after_commit.clear()
        self.after_commit_here.clear()
        self.finalizers.clear()
        self.shared.clear()


Outcome = tuple[Any, BaseException | None]
P = ParamSpec("P")


class Op(Generic[T]):
    """A writer job by name: a use case -- a module-level function taking ``tx`` first -- and its
    plain arguments, fixed when it is submitted. Unlike a closure it can be pickled, which a writer
    in a process of its own needs (server/writer_process.py); every job the server submits is one
    (checked in every in-process test run, :func:`crossed`). A plain class with slots, not a frozen
    dataclass: made in half the time, pickled in a third (one per ballot, on the event loop)."""

    __slots__ = ("args", "fn", "kwargs")

    def __init__(self, fn: Callable[..., T], args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        self.fn = fn
        self.args = args
        self.kwargs = kwargs

    def __call__(self, tx: Tx) -> T:
        return self.fn(tx, *self.args, **self.kwargs)

    def __reduce__(self) -> tuple[type[Op[T]], tuple[Callable[..., T], tuple[Any, ...], dict[str, Any]]]:
        return Op, (self.fn, self.args, self.kwargs)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Op) and (self.fn, self.args, self.kwargs) == (other.fn, other.args, other.kwargs)

    __hash__ = None  # type: ignore[assignment]  # its keyword arguments are a dict

    def __repr__(self) -> str:
        return f"op({job_name(self)}, *{self.args!r}, **{self.kwargs!r})"


def op(fn: Callable[Concatenate[Tx, P], T], /, *args: P.args, **kwargs: P.kwargs) -> Op[T]:
    """The job ``fn(tx, *args, **kwargs)``, its arguments type-checked against ``fn``."""
    return Op(fn, args, kwargs)


def nothing(tx: Tx) -> None:
    """A job that changes nothing: answered once every earlier batch has been applied."""


@dataclass
class Job(Generic[T]):
    fn: Callable[[Tx], T]
    groupable: bool = False
    may_refuse: bool = True
    #: the job refuses (raises ServerError) only before it changes anything in the session: its
    #: writes go through ``Tx`` alone (records, ``insert_later``, effects, events), so a refusal in
    #: a batch is undone in memory, without a savepoint around each job
    refuses_first: bool = False
    future: asyncio.Future[T] | None = None  # a job from the event loop, resolved there
    sync: Callable[[Outcome], None] | None = None  # a job run outside the event loop (scripts/profile_writer.py)
    #: instead of a future: called with the outcome on ``loop`` (``Writer.submit_then``)
    then: Callable[[Outcome], None] | None = None
    loop: asyncio.AbstractEventLoop | None = None

    def owner(self) -> asyncio.AbstractEventLoop | None:
        """The event loop that gets this job's outcome, if any."""
        return self.future.get_loop() if self.future is not None else self.loop


def _loop_of(jobs: list[Job[Any]]) -> asyncio.AbstractEventLoop | None:
    """The event loop the batch's answers go to (the one that reads the picture), if any."""
    for job in jobs:
        owner = job.owner()
        if owner is not None:
            return owner
    return None


def _answer_jobs(outcomes: list[tuple[Job[Any], Outcome]]) -> None:
    """On the event loop: answer the jobs of one batch (a single wake-up for all of them)."""
    for job, outcome in outcomes:
        answer(job.then if job.then is not None else job.future, outcome)


def answer(to: asyncio.Future[Any] | Callable[[Outcome], None] | None, outcome: Outcome) -> None:
    """On the event loop: give a job its outcome -- to its future (unless it is done: cancelled),
    or to its callback (``submit_then``), whose failure is logged and keeps no other job from its
    answer."""
    if to is None:
        return
    if not isinstance(to, asyncio.Future):
        try:
            to(outcome)
        except Exception:
            log.exception("a writer job's answer failed")
        return
    if to.done():
        return
    value, error = outcome
    if error is not None:
        to.set_exception(error)
    else:
        to.set_result(value)


def crossed(value: T, what: str) -> T:
    """``value`` as the other side of a process boundary would get it: pickled and unpickled. What a
    writer in a process of its own would exchange with the event loop -- its jobs (named use cases
    with plain arguments, never closures), their answers, events and effects -- must survive it;
    with the writer's own picture (WRITER_PICTURE_COPY, every in-process test run) everything the
    writer and the loop exchange goes this way, so one that would not is caught."""
    try:
        copy: T = pickle.loads(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))
    except Exception as error:
        raise NotPortable(f"{what} cannot cross to another process: {error!r}") from error
    return copy


class NotPortable(TypeError):
    """A job, answer, event or effect that could not be pickled (a bug: a closure, an open handle)."""


def job_name(fn: Callable[..., Any]) -> str:
    """A job's use case, for messages: the function a ``partial`` names, or the callable itself."""
    inner = fn.fn if isinstance(fn, Op) else getattr(fn, "func", fn)
    return f"{getattr(inner, '__module__', '?')}.{getattr(inner, '__qualname__', repr(inner))}"


def _apply_all(effects: list[Effect], live: Live, whose: str) -> None:
    """Apply a committed batch's effects to one copy of the picture. One that fails (a bug) is
    logged -- by its kind only: an effect may carry a secret vote's ballots and key -- and the
    others are applied: the batch is durable, and its answers must still go out."""
    for effect in effects:
        try:
            effect.apply(live)
        except Exception:
            log.exception("an effect failed on %s copy of the picture: %s", whose, type(effect).__name__)


class Writer:
    """Runs jobs one at a time in its own thread; groups ballot jobs into one transaction.

    Jobs submitted from the event loop in the same loop iteration reach the thread as one queue
    item, and a batch's outcomes go back to the loop in one call: under a burst of thousands of
    ballots a queue operation and a loop wake-up per ballot cost more than the writing itself
    (docs/performance.md)."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        ledger: Ledger,
        live: Live,
        publish: Callable[[list[Event]], None],
        *,
        own: Live | None = None,
        follower: Ledger | None = None,
        check_portable: bool = False,
        group_ms: float = 4.0,
        group_max: int = 2000,
    ) -> None:
        self.sessions = sessions
        self.ledger = ledger
        #: the event loop's picture
        self.live = live
        #: the writer's own copy, which its jobs read, if it keeps one (else they read ``live``)
        self.own = own
        #: the ledger as the loop's readers see it, if they read a copy (``Ledger.follower``): it
        #: takes each committed batch's records and checkpoint on the loop, before the answers
        self.follower = follower
        self.publish = publish
        self.group_s = group_ms / 1000
        self.group_max = group_max
        self._queue: queue.Queue[list[Job[Any]] | None] = queue.Queue()
        self._inbox: list[Job[Any]] = []
        self._thread = threading.Thread(target=self._loop, name="writer", daemon=True)
        self.batches = 0
        self.grouped = 0
        self.broken = False
        self.uncertain_commit_s = 120.0
        #: set once the last committed batch's effects are applied on the loop (clear while they wait;
        #: only when the jobs read the loop's picture)
        self._applied = threading.Event()
        self._applied.set()
        self._owner: asyncio.AbstractEventLoop | None = None
        #: everything the writer and the loop exchange crosses as to another process (:func:`crossed`)
        self.check_portable = check_portable
        #: what could not (:meth:`_cross_batch`; a bug, which the tests check)
        self.not_portable: list[str] = []

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._hand_over()
        self._queue.put(None)
        self._thread.join(timeout=30)

    # -- submitting -------------------------------------------------------------------------
    def submit(self, fn: Callable[[Tx], T], *, groupable: bool = False, may_refuse: bool = True,
               refuses_first: bool = False) -> asyncio.Future[T]:
        """Queue ``fn`` for the writer. ``groupable`` jobs may share one transaction with others
        arriving within the group-commit window; a job that may raise :class:`ServerError` then
        runs in a savepoint (``may_refuse=False`` skips it for jobs that report refusals as values,
        ``refuses_first`` for jobs that refuse before changing the session, :class:`Job`)."""
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._take(Job(fn, groupable, may_refuse, refuses_first, future=future))
        return future

    def _take(self, job: Job[Any]) -> None:
        """Into this loop iteration's hand-over (scheduled with the first job of the iteration). When
        it checks, the writer takes only a job that could cross to another process."""
        if self.check_portable:
            job.fn = crossed(job.fn, f"the writer job {job_name(job.fn)}")
        if not self._inbox:
            asyncio.get_running_loop().call_soon(self._hand_over)
        self._inbox.append(job)

    def _hand_over(self) -> None:
        """Everything submitted in this loop iteration goes to the thread as one item."""
        jobs, self._inbox = self._inbox, []
        if jobs:
            self._queue.put(jobs)

    def waiting(self) -> int:
        """Hand-overs queued for the writer thread (each holds one or more jobs)."""
        return self._queue.qsize()

    def submit_then(self, fn: Callable[[Tx], T], then: Callable[[Outcome], None], *,
                    groupable: bool = False, may_refuse: bool = True) -> None:
        """As :meth:`submit`, but ``then((value, error))`` is called on this event loop with the
        outcome, from the batch's one callback: no future, and no callback scheduled, per job
        (a ballot under a burst of thousands)."""
        self._take(Job(fn, groupable, may_refuse, then=then, loop=asyncio.get_running_loop()))

    async def run(self, fn: Callable[[Tx], T]) -> T:
        return await self.submit(fn)

    def _settle(self, jobs: list[Job[Any]], outcomes: list[Outcome],
                here: asyncio.AbstractEventLoop | None = None) -> None:
        """Answer the jobs on their loop (at once when called on it: ``here``)."""
        by_loop: dict[asyncio.AbstractEventLoop, list[tuple[Job[Any], Outcome]]] = {}
        for job, outcome in zip(jobs, outcomes, strict=True):
            owner = job.owner()
            if owner is not None:
                by_loop.setdefault(owner, []).append((job, outcome))
            elif job.sync is not None:
                job.sync(outcome)
        for loop, outcomes_there in by_loop.items():
            if loop is here:
                _answer_jobs(outcomes_there)
            else:
                loop.call_soon_threadsafe(_answer_jobs, outcomes_there)

    def _apply(self, tx: Tx, jobs: list[Job[Any]], results: list[Outcome],
               here: asyncio.AbstractEventLoop | None) -> None:
        """A committed batch's effects, in order: the picture, its version, the answers, the events;
        then let go of the batch and let the writer go on. On the loop (``here``) but for scripts."""
        try:
            if self.follower is not None and tx.staged:
                try:
                    self.follower.follow(tx.staged, tx.checkpoint)
                except Exception:  # a bug: the copy and the log differ, which the tests compare
                    log.exception("the ledger's copy could not take a committed batch")
            _apply_all(tx.after_commit, self.live, "the event loop's")
            self.live.version += 1
            self._settle(jobs, results, here)
            if tx.events:
                self.publish(tx.events)
        finally:
            tx.release()
            self._applied.set()

    def _wait_applied(self) -> None:
        """Before a transaction: the previous batch's effects are applied, so jobs read the picture as
        of the last commit. Should the loop be gone (shut down), nobody reads the picture any more."""
        while not self._applied.wait(0.5):
            owner = self._owner
            if owner is None or owner.is_closed():
                log.error("the event loop is gone: a committed batch's in-memory effects were not applied")
                self._applied.set()

    # -- the thread -------------------------------------------------------------------------
    def _loop(self) -> None:
        pending: deque[Job[Any]] = deque()
        stop = False
        while pending or not stop:
            if not pending:
                item = self._queue.get()
                if item is None:
                    stop = True
                    continue
                pending.extend(item)
            job = pending.popleft()
            if not job.groupable:
                self._execute([job])
                continue
            batch = [job]
            deadline = time.monotonic() + self.group_s
            while len(batch) < self.group_max:
                if not pending:
                    if stop:
                        break
                    remaining = deadline - time.monotonic()
                    try:
                        item = self._queue.get(timeout=remaining) if remaining > 0 else self._queue.get_nowait()
                    except queue.Empty:
                        break
                    if item is None:
                        stop = True
                        break
                    pending.extend(item)
                    continue
                if not pending[0].groupable:
                    break  # it runs next, on its own, in order
                batch.append(pending.popleft())
            self._execute(batch)

    def _cross_batch(self, tx: Tx, jobs: list[Job[Any]], results: list[Outcome]) -> list[Outcome]:
        """What goes back to the loop -- answers, events, effects -- as copies that crossed a
        process boundary (:func:`crossed`). One that cannot is a bug: its job is answered with the
        error, and the others are named in ``not_portable``, which the tests check."""
        crossed_results: list[Outcome] = []
        for job, outcome in zip(jobs, results, strict=True):
            try:
                crossed_results.append(crossed(outcome, f"the answer of {job_name(job.fn)}"))
            except NotPortable as error:
                self.not_portable.append(str(error))
                crossed_results.append((None, error))
        try:
            tx.events = crossed(tx.events, "a batch's events")
            tx.staged, tx.checkpoint = crossed((tx.staged, tx.checkpoint), "a batch's records and checkpoint")
            tx.after_commit = [crossed(effect, f"the effect {type(effect).__name__}") for effect in tx.after_commit]
        except NotPortable as error:
            self.not_portable.append(str(error))
            log.error("%s", error)
        return crossed_results

    def _isolated(self, tx: Tx, job: Job[Any]) -> tuple[Any, BaseException | None]:
        """Run one job of a group in a savepoint: its refusal undoes only its own writes, records,
        events and effects, never its neighbours'."""
        if not job.may_refuse:
            return job.fn(tx), None
        marks = (self.ledger.size, len(tx.staged), len(tx.events), len(tx.after_commit), len(tx.inserts),
                 len(tx.after_commit_here))
        session = tx.session
        if job.refuses_first:
            unchanged = (len(session.new), len(session.deleted))
            try:
                value = job.fn(tx)
            except ServerError as refusal:
                if (len(session.new), len(session.deleted)) != unchanged:  # a bug: not as declared
                    raise RuntimeError("a job that refuses first changed the session before refusing") from refusal
                self._undo(tx, marks)
                return None, refusal
            return value, None
        savepoint = session.begin_nested()
        try:
            value = job.fn(tx)
        except ServerError as refusal:
            savepoint.rollback()
            self._undo(tx, marks)
            return None, refusal
        savepoint.commit()
        return value, None

    def _undo(self, tx: Tx, marks: tuple[int, int, int, int, int, int]) -> None:
        """Forget what a refused job staged in memory: records, events, effects, rows to insert."""
        self.ledger.rollback(marks[0])
        del tx.staged[marks[1]:], tx.events[marks[2]:], tx.after_commit[marks[3]:], tx.inserts[marks[4]:]
        del tx.after_commit_here[marks[5]:]

    def _committed_anyway(self, first_seq: int) -> bool:
        """After a database error, was the transaction committed all the same (the connection
        broke during COMMIT)? Its first audit row says. Until the database answers the writer
        waits (ballots queue, none is acknowledged); if it never answers, the writer stops taking
        writes, and a restart reconciles the log with the database."""
        delay, deadline = 0.2, time.monotonic() + self.uncertain_commit_s
        while True:
            try:
                with self.sessions() as session:
                    found = session.execute(
                        select(audit_records_table.c.seq).where(audit_records_table.c.seq == first_seq)
                    ).first()
                    return found is not None
            except SQLAlchemyError:
                if time.monotonic() > deadline:
                    log.critical("cannot tell whether a batch was committed; refusing further writes until restart")
                    self.broken = True
                    return False
                time.sleep(delay)
                delay = min(2.0, delay * 2)

    def _execute(self, jobs: list[Job[Any]]) -> None:
        """Run jobs in one transaction; a failure of the transaction itself fails them all."""
        self._wait_applied()
        tx = self._transact(jobs)
        if tx is not None:
            tx.release()

    def _transact(self, jobs: list[Job[Any]]) -> Tx | None:
        size_before = self.ledger.size
        results: list[tuple[Any, BaseException | None]] = []
        tx: Tx | None = None
        try:
            if self.broken:
                raise StorageUnavailable()
            with self.sessions() as session:
                tx = Tx(session, self.ledger, self.live if self.own is None else self.own)
                if len(jobs) == 1:
                    results.append((jobs[0].fn(tx), None))
                else:
                    results.extend(self._isolated(tx, job) for job in jobs)
                for finalize in tx.finalizers.values():
                    finalize(tx)
                if tx.inserts:
                    by_table: dict[Table, list[dict[str, Any]]] = {}
                    for table, row in tx.inserts:
                        by_table.setdefault(table, []).append(row)
                    for table, rows in by_table.items():
                        session.execute(insert(table), rows)
                if tx.staged:
                    insert_rows(session, audit_records_table, [{"seq": seq, "data": data} for seq, data in tx.staged])
                session.commit()
        except ServerError as refusal:
            self.ledger.rollback(size_before)
            self._settle(jobs, [(None, refusal)] * len(jobs))
            return tx
        except SQLAlchemyError:
            committed = tx is not None and bool(tx.staged) and self._committed_anyway(size_before)
            if not committed:
                log.exception("database write failed; nothing was stored")
                if not self.broken:
                    self.ledger.rollback(size_before)
                self._settle(jobs, [(None, StorageUnavailable())] * len(jobs))
                return tx
            log.warning("the connection failed at COMMIT, but the transaction is in the database: going on")
        except Exception as bug:  # a bug: refuse the jobs, keep the writer alive
            log.exception("writer job failed")
            self.ledger.rollback(size_before)
            self._settle(jobs, [(None, bug)] * len(jobs))
            return tx
        assert tx is not None
        if tx.staged:
            # Durable in the database; now fsync the evidence file and sign one checkpoint for
            # the whole batch. Receipts are built against it by the after-commit hooks.
            tx.checkpoint = self.ledger.checkpoint()
        for work in tx.after_commit_here:
            work()
        if self.own is not None:  # the writer's copy first: its next transaction reads it
            _apply_all(tx.after_commit, self.own, "the writer's")
            self.own.version += 1
        if self.check_portable:
            results = self._cross_batch(tx, jobs, results)
        self.batches += 1
        self.grouped += len(jobs)
        owner = _loop_of(jobs)
        if owner is None:  # no event loop reads the picture (a script's sync jobs)
            self._apply(tx, jobs, results, None)
            return None
        self._owner = owner
        if self.own is None:  # the jobs read the loop's picture: the next waits until it is applied
            self._applied.clear()
        try:
            owner.call_soon_threadsafe(self._apply, tx, jobs, results, owner)
        except RuntimeError:  # the loop is closed: nobody reads the picture any more
            self._apply(tx, jobs, results, None)
        return None
