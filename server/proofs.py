"""Checking the proofs of encrypted ballots off the event loop (design.md "Secret ballots, encrypted").

A ballot's proofs cost milliseconds of scalar multiplications; checked on the event loop they
would hold up every ack and every fan-out. They are checked in a pool of worker processes (one per
core by default, ``PROOF_WORKERS``), each keeping the parsed context of the votes it has seen, and
the writer is handed only ballots whose proofs hold. The pool is started when the 监票人 make
an election key or an encrypted vote opens (``warm``: spawning a worker and importing costs
0.3–1 s, which the first ballots of a vote used to wait for), so a session without encrypted
votes never starts it.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from typing import Any

from ballotcrypto.ballot import Context, check_ballot, check_opening
from ballotcrypto.errors import BallotCryptoError, BallotRefused, MalformedValue
from ballotcrypto.forms import read_form
from ballotcrypto.wire import point
from server.errors import ServerError

_contexts: dict[str, Context] = {}


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


def check_ballot_job(context: dict[str, Any], ballot: object) -> tuple[str, str, str | None] | None:
    """In a worker: None if the ballot's proofs hold, else (code, message, field)."""
    try:
        check_ballot(context_of(context), ballot)
    except BallotCryptoError as error:
        return _refusal(error)
    return None


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
        refused = await asyncio.get_running_loop().run_in_executor(self._executor(), check_ballot_job, context, ballot)
        if refused is not None:
            raise ServerError(refused[0], refused[1], field=refused[2])

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


__all__ = ["ProofChecker", "check_ballot_job", "check_opening_job", "context_of", "warm_job"]
