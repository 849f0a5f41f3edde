"""The one writer in a process of its own (``WRITER_PROCESS``; docs/performance.md "Next steps" 0).

The server's writer thread and its event loop share one GIL: under a burst of thousands of
ballots the writer's Python (checking, sealing, logging, proving) and the loop's (frames in,
receipts out) queue behind each other on one core while the machine's other core waits. Here the
same :class:`server.writer.Writer` runs in a child process, forked once the server is built, and
the two processes exchange only values, over one pipe:

- to the writer: each loop iteration's jobs, pickled when submitted (named use cases with plain
  arguments, ``op(use_case, …)``; a closure is refused at once, :class:`NotPortable`);
- back, once per transaction: the jobs' answers, the events, the picture's changes (effects,
  server/effects.py) and the records and checkpoint the batch added to the audit log.

The child keeps what only a writer needs: the database session, the evidence file and its signing
key, its own copy of the in-memory picture, and the keys of who has voted (the loop's picture has
none). This process keeps the loop's picture, changed by the same effects, and a copy of the ledger
(``Ledger.follower``) that the audit routes, the printed sheets and the witnesses read. That every
job, answer, event, effect and record crosses a process boundary, and that both copies stay equal,
is what every in-process test run checks with ``WRITER_PICTURE_COPY``.

The child dies with this process (``PR_SET_PDEATHSIG``): a ``kill -9`` of the server is a crash of
both, as it was of one, and a restart finds the log as a crash leaves it. Should the child end on
its own, every job waiting for it is refused (``storage_unavailable``) and the server stops
(``on_lost``), as a broken writer refuses every write.
"""

from __future__ import annotations

import asyncio
import ctypes
import logging
import multiprocessing
import os
import pickle
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any, TypeVar

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from audit import Checkpoint
from server import gcpolicy
from server.domain import VoteState
from server.effects import Effect
from server.events import Event
from server.ledger import Ledger
from server.live import Live
from server.writer import (
    Job,
    NotPortable,
    Outcome,
    StorageUnavailable,
    Tx,
    Writer,
    _apply_all,
    answer,
    crossed,
    job_name,
)

log = logging.getLogger("server.writer")
T = TypeVar("T")
PR_SET_PDEATHSIG = 1


@dataclass
class Batch:
    """What the writer process sends back after one transaction (or one refused hand-over)."""

    outcomes: list[tuple[int, Outcome]]
    events: list[Event] = field(default_factory=list)
    effects: list[Effect] = field(default_factory=list)
    staged: list[tuple[int, bytes]] = field(default_factory=list)
    checkpoint: Checkpoint | None = None
    batches: int = 0
    grouped: int = 0
    broken: bool = False


class _ChildWriter(Writer):
    """The writer as it runs in the child: no event loop, so every job is answered by ``sync``;
    after each transaction its answers, events, effects and records go back as one :class:`Batch`."""

    def __init__(self, *args: Any, send: Callable[[Batch], None], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.send = send
        self.answers: list[tuple[int, Outcome]] = []
        self.events_out: list[Event] = []
        self.committed: tuple[list[Effect], list[tuple[int, bytes]], Checkpoint | None] = ([], [], None)
        self.gc_watch: gcpolicy.GcWatch | None = None

    def _apply(self, tx: Tx, jobs: list[Job[Any]], results: list[Outcome],
               here: asyncio.AbstractEventLoop | None) -> None:
        self.committed = (list(tx.after_commit), list(tx.staged), tx.checkpoint)  # before the batch is let go
        super()._apply(tx, jobs, results, here)

    def _execute(self, jobs: list[Job[Any]]) -> None:
        super()._execute(jobs)
        if self.gc_watch is not None:  # the server's collector policy, for this process's heap
            gcpolicy.tick(self.gc_watch, any(vote.state is VoteState.OPEN for vote in self.live.votes.values()))
        (effects, staged, checkpoint), self.committed = self.committed, ([], [], None)
        answers, self.answers = self.answers, []
        events, self.events_out = self.events_out, []
        batch = Batch(answers, events, effects, staged, checkpoint, self.batches, self.grouped, self.broken)
        try:
            self.send(batch)
        except (pickle.PicklingError, TypeError, AttributeError):  # an answer that cannot cross (a bug)
            batch.outcomes = [(job_id, _portable(job_id, outcome)) for job_id, outcome in answers]
            self.send(batch)


def _portable(job_id: int, outcome: Outcome) -> Outcome:
    """The outcome, or the error saying why it cannot be sent back (a bug, logged)."""
    try:
        return crossed(outcome, f"the answer of writer job {job_id}")
    except NotPortable as error:
        log.error("%s", error)
        return None, error


def _die_with_parent() -> None:
    """Linux: the kernel kills this process when the thread that forked it ends."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):  # pragma: no cover - not Linux
        log.warning("the writer process cannot ask to die with the server")


def _child(writer: _ChildWriter, conn: Connection, parent: Connection, engine: Engine, parent_pid: int) -> None:
    """The writer process: take hand-overs of jobs from the pipe until told to stop (``None``) or
    the server is gone, then close the log (its last checkpoint and the clean-close mark)."""
    _die_with_parent()
    if os.getppid() != parent_pid:  # the server died before the request took effect
        os._exit(1)
    parent.close()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the server, which stops this process
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.set_wakeup_fd(-1)
    engine.dispose(close=False)  # the server's connections stay the server's; this process makes its own
    sending = threading.Lock()

    def send(batch: Batch) -> None:
        with sending:
            conn.send(batch)

    writer.send = send
    writer.gc_watch = gcpolicy.install()  # what the fork inherited, frozen; a vote's objects not traced

    def sync(job_id: int) -> Callable[[Outcome], None]:
        return lambda outcome: writer.answers.append((job_id, outcome))

    def take() -> None:
        while True:
            try:
                items = conn.recv()
            except (EOFError, OSError):
                items = None
            if items is None:
                writer._queue.put(None)
                return
            jobs: list[Job[Any]] = []
            try:
                for data in items:
                    job_id, fn, groupable, may_refuse, refuses_first = pickle.loads(data)
                    jobs.append(Job(fn, groupable, may_refuse, refuses_first, sync=sync(job_id)))
            except Exception:  # a bug: stop after what was taken, and the server with this process
                log.exception("a hand-over of jobs could not be read; the writer process stops")
                writer._queue.put(None)
                return
            writer._queue.put(jobs)

    threading.Thread(target=take, name="writer-inbox", daemon=True).start()
    try:
        writer._loop()
    finally:
        writer.ledger.close()
        conn.close()


class WriterProcess:
    """This process's side of the writer: the same ``submit``/``submit_then``/``run`` as
    :class:`server.writer.Writer`, answered from the writer process on the event loop."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        ledger: Ledger,
        follower: Ledger,
        live: Live,
        publish: Callable[[list[Event]], None],
        engine: Engine,
        *,
        group_ms: float = 4.0,
        group_max: int = 2000,
    ) -> None:
        #: the ledger this process reads (the writer's own is in the writer process)
        self.ledger = follower
        self.live = live
        self.publish = publish
        self.own: Live | None = None
        self.check_portable = False
        self.not_portable: list[str] = []
        self.batches = 0
        self.grouped = 0
        self.broken = False
        #: called on the event loop if the writer process ends by itself (the server stops)
        self.on_lost: Callable[[], None] | None = None
        self._engine = engine
        self._child_writer = _ChildWriter(sessions, ledger, live, self._collect_events, send=_unset,
                                          group_ms=group_ms, group_max=group_max)
        self._conn: Connection | None = None
        #: the writer process, once forked, and how it ended
        self.pid: int | None = None
        self.exit_status: int | None = None
        self._reader: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._inbox: list[bytes] = []
        self._next_id = 0
        #: job id -> its future, or (callback, its loop)
        self._waiting: dict[int, asyncio.Future[Any] | Callable[[Outcome], None]] = {}
        self._stopping = False

    def _reap(self, timeout: float) -> None:
        """Wait for the writer process to end (at most ``timeout`` seconds, then kill it) and keep
        its exit status."""
        if self.pid is None or self.exit_status is not None:
            return
        deadline = time.monotonic() + timeout
        while True:
            try:
                pid, status = os.waitpid(self.pid, os.WNOHANG)
            except ChildProcessError:  # reaped already
                self.exit_status = -1
                return
            if pid:
                self.exit_status = os.waitstatus_to_exitcode(status)
                return
            if time.monotonic() > deadline:
                log.error("the writer process did not end in %.0f s: killing it", timeout)
                os.kill(self.pid, signal.SIGKILL)
                deadline = time.monotonic() + 30
            time.sleep(0.02)

    def _collect_events(self, events: list[Event]) -> None:  # in the writer process
        self._child_writer.events_out.extend(events)

    # -- starting and stopping ---------------------------------------------------------------
    def start(self) -> None:
        """Fork the writer process. Called on the event loop's thread, which the process lives with."""
        self._loop = asyncio.get_running_loop()
        mine, theirs = multiprocessing.Pipe(duplex=True)
        parent = os.getpid()
        pid = os.fork()  # not multiprocessing.Process: the server may itself be a daemonic process's child
        if pid == 0:  # pragma: no cover - the writer process (its work is measured by the server's tests)
            status = 1
            try:
                _child(self._child_writer, theirs, mine, self._engine, parent)
                status = 0
            except BaseException:
                log.exception("the writer process failed")
            finally:
                os._exit(status)
        self.pid = pid
        theirs.close()
        self._conn = mine
        self.live.vote_keys = None  # the keys of who has voted stay with the writer (server/participation.py)
        self._child_writer.ledger.log.hand_over()
        self._reader = threading.Thread(target=self._read, name="writer-answers", daemon=True)
        self._reader.start()

    def stop(self) -> None:
        """Hand over what is left, tell the writer process to stop, and wait for it (it closes the
        log). Runs in a thread of the loop's executor; the last answers arrive on the loop meanwhile."""
        self._stopping = True
        if self._conn is None:
            return
        self._hand_over()  # as Writer.stop: what this loop iteration submitted
        with _suppress_closed():
            self._conn.send(None)
        self._reap(timeout=60)
        if self._reader is not None:
            self._reader.join(timeout=30)

    # -- submitting -----------------------------------------------------------------------
    def submit(self, fn: Callable[[Tx], T], *, groupable: bool = False, may_refuse: bool = True,
               refuses_first: bool = False) -> asyncio.Future[T]:
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._take(fn, groupable, may_refuse, refuses_first, future)
        return future

    def submit_then(self, fn: Callable[[Tx], T], then: Callable[[Outcome], None], *,
                    groupable: bool = False, may_refuse: bool = True) -> None:
        self._take(fn, groupable, may_refuse, False, then)

    async def run(self, fn: Callable[[Tx], T]) -> T:
        return await self.submit(fn)

    def waiting(self) -> int:
        """Jobs handed to the writer process and not answered yet."""
        return len(self._waiting)

    def _take(self, fn: Callable[[Tx], Any], groupable: bool, may_refuse: bool, refuses_first: bool,
              to: asyncio.Future[Any] | Callable[[Outcome], None]) -> None:
        if self.broken or self._conn is None:
            raise StorageUnavailable()
        job_id = self._next_id
        try:
            data = pickle.dumps((job_id, fn, groupable, may_refuse, refuses_first), protocol=pickle.HIGHEST_PROTOCOL)
        except Exception as error:
            raise NotPortable(f"the writer job {job_name(fn)} cannot cross to another process: {error!r}") from error
        self._next_id += 1
        if not self._inbox:
            asyncio.get_running_loop().call_soon(self._hand_over)
        self._inbox.append(data)
        self._waiting[job_id] = to

    def _hand_over(self) -> None:
        jobs, self._inbox = self._inbox, []
        if jobs and self._conn is not None:
            try:
                self._conn.send(jobs)
            except OSError:  # the writer process is gone: _lost answers every job waiting
                log.error("the writer process does not take jobs any more")

    # -- answers ----------------------------------------------------------------------------
    def _read(self) -> None:
        """A thread: each batch from the writer process, to the loop; then the end of the pipe."""
        assert self._conn is not None and self._loop is not None
        while True:
            try:
                batch = self._conn.recv()
            except (EOFError, OSError):
                break
            except Exception:  # a batch that cannot be read (a bug): the writer cannot be trusted on
                log.exception("a batch from the writer process could not be read")
                break
            self._loop.call_soon_threadsafe(self._take_batch, batch)
        with _suppress_closed():
            self._loop.call_soon_threadsafe(self._lost)

    def _take_batch(self, batch: Batch) -> None:
        """On the loop: the ledger's copy, the picture, the answers, the events -- as a batch of the
        writer thread is applied (server/writer.py ``Writer._apply``)."""
        if batch.staged:
            try:
                self.ledger.follow(batch.staged, batch.checkpoint)
            except Exception:
                log.exception("the ledger's copy could not take a committed batch")
        if batch.effects:
            _apply_all(batch.effects, self.live, "the event loop's")
        self.live.version += 1
        self.batches, self.grouped, self.broken = batch.batches, batch.grouped, self.broken or batch.broken
        for job_id, outcome in batch.outcomes:
            answer(self._waiting.pop(job_id, None), outcome)
        if batch.events:
            self.publish(batch.events)

    def _lost(self) -> None:
        """On the loop: the writer process has ended. Every job still waiting is refused."""
        waiting, self._waiting = self._waiting, {}
        for to in waiting.values():
            answer(to, (None, StorageUnavailable()))
        if self._stopping:
            return
        self.broken = True
        self._reap(timeout=1.0)
        log.critical("the writer process ended (status %s); refusing every write", self.exit_status)
        if self.on_lost is not None:
            self.on_lost()


def _unset(batch: Batch) -> None:  # pragma: no cover - replaced in the writer process before any batch
    raise RuntimeError("the writer process's pipe is not set")


class _suppress_closed:
    """Ignore a pipe or a loop already closed (stopping after the other side has gone)."""

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: Any) -> bool:
        return kind is not None and issubclass(kind, (OSError, RuntimeError, EOFError, TimeoutError))
