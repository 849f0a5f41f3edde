"""Wiring only: what the running server holds, how it is built at start, and how it stops.

``build`` opens the databases (migrating them), the audit ledger (reconciled with the database),
rebuilds the in-memory picture, and connects the writer to the hub and the checkpoints to the
witnesses; ``lifespan`` starts and stops them around the app, with the twice-a-second
housekeeping task.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import os
import signal
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from server import gcpolicy, participation, security, signing_key
from server.auth import Principals, SignInGuard
from server.config import Settings
from server.db import make_engine, migrate, session_factory
from server.domain import VoteState
from server.errors import ServerError
from server.events import Event
from server.gcpolicy import GcWatch
from server.hub import Hub
from server.ledger import Ledger, log_origin
from server.live import Live
from server.participation import VoteKeys
from server.proofs import ProofChecker
from server.startup import rebuild
from server.usecases.close_vote import close_vote
from server.witnesses import Witnesses
from server.writer import Writer, op
from server.writer_process import WriterProcess


@dataclass
class Runtime:
    settings: Settings
    engine: Engine
    writer_engine: Engine
    sessions: sessionmaker[Session]
    ledger: Ledger
    live: Live
    writer: Writer | WriterProcess
    hub: Hub
    principals: Principals
    sign_ins: SignInGuard
    #: the key the sign-in codes are hashed with (server/security.py), kept outside the database
    code_key: bytes
    #: checks encrypted ballots' proofs in worker processes (server/proofs.py)
    proofs: ProofChecker
    #: the threads that ask the witnesses to cosign each checkpoint (server/witnesses.py)
    witnesses: Witnesses
    gc_watch: GcWatch | None = None
    #: the event loop that owns ``live`` (the one ``build`` was given)
    loop: asyncio.AbstractEventLoop | None = None
    #: held while the log is being verified for a 监票人 (server/verification.py): one at a time
    verifying: threading.Lock = field(default_factory=threading.Lock)

    def close_ledger(self) -> None:
        """Close the writer's ledger (its last checkpoint, the clean-close mark) and the readers'
        copy, if they read one (WRITER_PICTURE_COPY)."""
        self.writer.ledger.close()
        if self.ledger is not self.writer.ledger:
            self.ledger.close()


def build(settings: Settings, loop: asyncio.AbstractEventLoop) -> Runtime:
    """Everything the server holds, ready to start (runs in a thread: it does blocking I/O)."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    migrate(settings.database_url)
    engine = make_engine(settings.database_url)
    writer_engine = make_engine(settings.database_url, writer=True)
    reader_sessions = session_factory(engine)
    writer_sessions = session_factory(writer_engine)
    origin = log_origin(settings.data_dir, settings.origin)
    signer = signing_key.load(settings, origin)
    ledger = Ledger.open(settings.data_dir, origin, writer_sessions, signer)
    try:
        with reader_sessions() as session:
            live = rebuild(session, VoteKeys(settings.data_dir / participation.DIRECTORY))
    except BaseException:  # a refused start (an open vote's key is lost) leaves the log closed, unlocked
        ledger.close()
        engine.dispose()
        writer_engine.dispose()
        raise
    hub = Hub(live, count_interval=settings.count_interval_s, queue_size=settings.send_queue_size,
              attendance_interval=settings.attendance_interval_s,
              attendance_frames_per_s=settings.attendance_frames_per_s)

    def publish(events: list[Event]) -> None:
        if any(event.kind == "vote_opened" for event in events):
            gcpolicy.vote_opening(rt.gc_watch)
        loop.call_soon_threadsafe(hub.on_events, events)
        for event in events:  # the proof workers start before the first encrypted ballot, not under it
            if event.kind == "ceremony":
                loop.call_soon_threadsafe(warm_proofs, rt.proofs, None)
            elif event.kind == "vote_opened" and event.vote_id is not None:
                vote = live.votes.get(event.vote_id)
                if vote is not None and vote.encryption is not None:
                    loop.call_soon_threadsafe(warm_proofs, rt.proofs, vote.encryption["context"])

    # WRITER_PICTURE_COPY: the writer's own copy of the picture (server/writer.py), equal to the loop's
    # and kept equal by the effects of every batch; the keys of who has voted stay with it alone. The
    # loop's readers of the ledger read a copy too, fed by each batch's records and checkpoint.
    # WRITER_PROCESS: the writer in a process of its own (server/writer_process.py), forked when it
    # starts, with the picture as it is now; the loop's readers read the ledger's copy.
    writer: Writer | WriterProcess
    readers_ledger = ledger
    if settings.writer_process:
        readers_ledger = ledger.follower()
        writer = WriterProcess(writer_sessions, ledger, readers_ledger, live, publish, writer_engine,
                               group_ms=settings.group_commit_ms, group_max=settings.group_commit_max)
    else:
        own = None
        if settings.writer_picture_copy:
            own = copy.deepcopy(live)
            live.vote_keys = None
            readers_ledger = ledger.follower()
        writer = Writer(writer_sessions, ledger, live, publish, own=own,
                        follower=None if readers_ledger is ledger else readers_ledger, check_portable=own is not None,
                        group_ms=settings.group_commit_ms, group_max=settings.group_commit_max)
    rt = Runtime(settings, engine, writer_engine, reader_sessions, readers_ledger, live, writer, hub,
                 Principals(reader_sessions, live, settings.token_cache_s),
                 SignInGuard(settings.sign_in_failures_per_account, settings.sign_in_failures,
                             settings.sign_in_failures_total, settings.sign_in_window_s),
                 security.load_code_key(Path(settings.code_key_file or settings.data_dir / "code.key")),
                 ProofChecker(settings.proof_workers or os.cpu_count() or 1),
                 Witnesses(readers_ledger.log, settings.witness_list, settings.witness_timeout_s,
                           settings.witness_interval_s))
    rt.loop = loop
    readers_ledger.on_checkpoint.append(rt.witnesses.notify)
    return rt


def warm_proofs(proofs: ProofChecker, context: dict[str, Any] | None) -> None:
    """On the event loop: start the proof workers (server/proofs.py); a failure shows at the first ballot."""
    proofs.warm(context).add_done_callback(lambda done: done.cancelled() or done.exception())


async def housekeeping(rt: Runtime) -> None:
    """Twice a second: a vote with a countdown closes itself when the time is up, and the garbage
    collector's policy follows whether a vote is open (server/gcpolicy.py)."""
    while True:
        await asyncio.sleep(0.5)
        now = datetime.now(UTC)
        any_open = False
        for vote in list(rt.live.votes.values()):
            any_open = any_open or vote.state is VoteState.OPEN
            if vote.state is VoteState.OPEN and vote.deadline is not None and vote.deadline <= now:
                with contextlib.suppress(ServerError):
                    await rt.writer.run(op(close_vote, vote.id, by="countdown"))
        if rt.gc_watch is not None:
            gcpolicy.tick(rt.gc_watch, any_open)


def lifespan(settings: Settings) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    """The app's lifespan: build and start everything, load the demo if asked, stop in order."""

    @contextlib.asynccontextmanager
    async def run(app: FastAPI) -> AsyncIterator[None]:
        loop = asyncio.get_running_loop()
        rt = await loop.run_in_executor(None, build, settings, loop)
        rt.writer.start()
        if isinstance(rt.writer, WriterProcess):  # its end, unasked, stops the server (as SIGTERM does)
            rt.writer.on_lost = lambda: os.kill(os.getpid(), signal.SIGTERM)
        rt.hub.start()
        rt.witnesses.start()
        app.state.runtime = rt
        if settings.demo:
            from server.demo import ensure_demo

            await ensure_demo(rt)
        rt.gc_watch = gcpolicy.install()
        chores = loop.create_task(housekeeping(rt))
        try:
            yield
        finally:
            chores.cancel()
            gcpolicy.uninstall(rt.gc_watch)
            rt.gc_watch = None  # a vote opened while shutting down leaves the collector alone
            await rt.hub.stop()
            await loop.run_in_executor(None, rt.writer.stop)
            # the last checkpoint, witnessed if the witnesses answer in time; then no more requests
            await loop.run_in_executor(None, rt.witnesses.settle, settings.witness_timeout_s)
            await loop.run_in_executor(None, rt.witnesses.stop, settings.witness_timeout_s)
            rt.close_ledger()
            rt.proofs.close()
            rt.engine.dispose()
            rt.writer_engine.dispose()

    return run
