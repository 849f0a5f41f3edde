"""Checking the proofs of encrypted ballots off the event loop (design.md "Secret ballots, encrypted").

A ballot's proofs cost milliseconds of scalar multiplications; checked on the event loop they
would hold up every ack and every fan-out. They are checked in a pool of worker processes (one per
core by default, ``PROOF_WORKERS``), each keeping the parsed context of the votes it has seen, and
the writer is handed only ballots whose proofs hold. The pool is started when the 监票人 make
an election key or an encrypted vote opens (``warm``: spawning a worker and importing costs
0.3–1 s, which the first ballots of a vote used to wait for), so a session without encrypted
votes never starts it.

Ballots go to the pool in jobs, at most one job per worker in flight: a ballot that finds a worker
free goes at once and alone; ballots that arrive while every worker is busy wait and go together
in the next job, up to ``JOB_SELECTIONS`` selections (≈ 15–25 ms of checking: a 3-option motion
ballot has 3, a 30-candidate election ballot 60 and goes alone). A job costs the server's process
≈ 0.2 ms whatever its size (pickling, the pool's two threads, a pipe each way, a wake-up of the
event loop), which one job per ballot paid for every motion ballot of a burst; and the ballots of
one job reach the writer together, in one group commit instead of several small ones
(docs/performance.md "Encrypted votes under load").
"""

from __future__ import annotations

import asyncio
import functools
import multiprocessing
import os
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from ballotcrypto.ballot import Context, check_ballot, check_opening
from ballotcrypto.errors import BallotCryptoError, BallotRefused, MalformedValue
from ballotcrypto.forms import read_form
from ballotcrypto.wire import point
from server.errors import ServerError

_contexts: dict[str, Context] = {}
Refusal = tuple[str, str, str | None]  # (code, message, field)
JOB_SELECTIONS = 32  # most selections in one job of several ballots


def context_of(value: dict[str, Any]) -> Context:
    """The parsed context of a vote (cached per process by its JSON's vid)."""
    key = repr(sorted(value.items()))
    found = _contexts.get(key)
    if found is None:
        found = Context(str(value["origin"]), str(value["vote"]), point(value["key"], "context.key"),
                        read_form(value["form"]))
        if len(_contexts) > 64:
            _contexts.clear()
        _contexts[key] = found
    return found


def warm_job(context: dict[str, Any] | None) -> int:
    """In a worker: parse and cache the vote's context, if any; the worker's process id."""
    if context is not None:
        context_of(context)
    return os.getpid()


def _refusal(error: BallotCryptoError) -> tuple[str, str, str | None]:
    where = error.where if isinstance(error, BallotRefused) and error.where else None
    field = f"ballot.{where}" if where else (error.field if isinstance(error, MalformedValue) else "ballot")
    return ("invalid_ballot", f"加密选票无效：{error.message}", field)


def check_ballot_job(context: dict[str, Any], ballot: object) -> Refusal | None:
    """In a worker: None if the ballot's proofs hold, else (code, message, field)."""
    try:
        check_ballot(context_of(context), ballot)
    except BallotCryptoError as error:
        return _refusal(error)
    return None


def check_ballots_job(context: dict[str, Any], ballots: list[object]) -> list[Refusal | None]:
    """In a worker: ``check_ballot_job`` for each of several ballots of one vote."""
    return [check_ballot_job(context, ballot) for ballot in ballots]


def _selections(ballot: object) -> int:
    """How many selections a ballot claims (what its check costs), at least 1."""
    selections = ballot.get("selections") if isinstance(ballot, dict) else None
    return max(1, len(selections)) if isinstance(selections, list) else 1


@dataclass
class _Waiting:
    """A ballot waiting for a worker, with the future its sender awaits."""

    context: dict[str, Any]
    ballot: object
    future: asyncio.Future[Refusal | None]


def check_opening_job(context: dict[str, Any], ballot: object,
                      opening: object) -> tuple[str, str, str | None] | list[int]:
    """In a worker: the opened values if ``opening`` opens the well-formed ``ballot``, else a refusal."""
    parsed = context_of(context)
    try:
        checked = check_ballot(parsed, ballot)
    except BallotCryptoError as error:
        return _refusal(error)
    try:
        return list(check_opening(parsed, checked, opening).values)
    except BallotCryptoError as error:
        return ("invalid_opening", f"公开的随机数无效：{error.message}", "opening")


class ProofChecker:
    """The pool of worker processes that check ballots and openings."""

    def __init__(self, workers: int) -> None:
        self.workers = max(1, workers)
        self._pool: Executor | None = None
        self._waiting: list[_Waiting] = []
        self._in_flight = 0  # jobs of ballots handed to the pool and not yet answered
        self.jobs = 0  # jobs of ballots handed to the pool so far

    def _executor(self) -> Executor:
        if self._pool is None:
            if multiprocessing.current_process().daemon:
                # A daemonic process (a server started by a multiprocessing parent, as the test
                # suite's fork server does) may not have children: threads, then — libsodium runs
                # without the GIL (ctypes releases it), so they still use every core for the
                # multiplications.
                self._pool = ThreadPoolExecutor(self.workers, thread_name_prefix="proofs")
            else:
                # spawn, not fork: the server has threads (the writer) that a fork would copy mid-flight
                self._pool = ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("spawn"))
        return self._pool

    def warm(self, context: dict[str, Any] | None = None) -> asyncio.Future[list[int]]:
        """Start every worker now (the pool spawns one per job waiting when none is idle) and
        parse ``context`` in each that takes a job. Cheap once they run: one no-op job each."""
        loop = asyncio.get_running_loop()
        executor = self._executor()
        return asyncio.gather(*(loop.run_in_executor(executor, warm_job, context) for _ in range(self.workers)))

    async def ballot(self, context: dict[str, Any], ballot: object) -> None:
        """Raise ServerError(invalid_ballot) unless every proof of ``ballot`` holds."""
        future: asyncio.Future[Refusal | None] = asyncio.get_running_loop().create_future()
        self._waiting.append(_Waiting(context, ballot, future))
        self._dispatch()
        refused = await future
        if refused is not None:
            raise ServerError(refused[0], refused[1], field=refused[2])

    def _dispatch(self) -> None:
        """Hand waiting ballots to the pool while a worker has no job: the free workers share
        what waits, oldest first, one vote and at most JOB_SELECTIONS selections a job."""
        while self._waiting and self._in_flight < self.workers:
            share = -(-len(self._waiting) // (self.workers - self._in_flight))
            context = self._waiting[0].context
            job: list[_Waiting] = []
            selections = 0
            for waiting in self._waiting:
                if len(job) == share:
                    break
                if waiting.context is not context:
                    continue
                cost = _selections(waiting.ballot)
                if job and selections + cost > JOB_SELECTIONS:
                    break
                job.append(waiting)
                selections += cost
            taken = {id(waiting) for waiting in job}
            self._waiting = [waiting for waiting in self._waiting if id(waiting) not in taken]
            self._in_flight += 1
            self.jobs += 1
            done = asyncio.get_running_loop().run_in_executor(
                self._executor(), check_ballots_job, context, [waiting.ballot for waiting in job])
            done.add_done_callback(functools.partial(self._answered, job))

    def _answered(self, job: list[_Waiting], answered: asyncio.Future[list[Refusal | None]]) -> None:
        self._in_flight -= 1
        error = None if answered.cancelled() else answered.exception()
        for index, waiting in enumerate(job):
            if waiting.future.done():
                continue
            if answered.cancelled():
                waiting.future.cancel()
            elif error is not None:  # the pool broke: the sender's ballot fails as it did before
                waiting.future.set_exception(error)
            else:
                waiting.future.set_result(answered.result()[index])
        self._dispatch()

    async def opening(self, context: dict[str, Any], ballot: object, opening: object) -> list[int]:
        """The values a challenged ballot encrypted, or ServerError(invalid_ballot / invalid_opening)."""
        outcome = await asyncio.get_running_loop().run_in_executor(
            self._executor(), check_opening_job, context, ballot, opening)
        if isinstance(outcome, tuple):
            raise ServerError(outcome[0], outcome[1], field=outcome[2])
        return outcome

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None


__all__ = ["JOB_SELECTIONS", "ProofChecker", "check_ballot_job", "check_ballots_job", "check_opening_job",
           "context_of", "warm_job"]
