"""Checking many Ed25519 signatures, on every core the machine has (docs/performance.md).

A checkpoint is signed every one to two dozen ballots, and an Ed25519 verification costs about
as much as reading twenty records: on a long log the signatures are half the verifier's work.
They are independent of each other, so `check_signatures` hands them, in chunks, to worker
processes while the caller goes on reading records; whatever chunks no worker has started when
the caller asks for the answer it checks itself, so a busy or one-core machine loses nothing.

Workers are forked (no interpreter start-up, nothing re-imported) and only from a process with a
single thread -- forking a threaded process is unsafe -- otherwise, and for few signatures, every
signature is checked in the calling process. A worker that fails only costs its chunk being
checked again here. Every signature is checked exactly once either way.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from collections.abc import Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass

from audit.keys import Verifier

__all__ = ["PARALLEL_MIN", "SignatureCheck", "check_signatures"]

PARALLEL_MIN = 2048  # fewer signatures than this are checked in the calling process
CHUNK = 256

Item = tuple[bytes, bytes]  # (message, signature)


def _check_chunk(verifier: Verifier, items: Sequence[Item]) -> list[int]:
    """The positions in `items` whose signature is not `verifier`'s signature of the message."""
    verify = verifier.verify
    return [i for i, (message, signature) in enumerate(items) if not verify(message, signature)]


def _workers() -> int:
    """How many worker processes to fork: one per core but the caller's, if forking is safe."""
    cores = os.cpu_count() or 1
    if cores < 2 or threading.active_count() != 1 or "fork" not in multiprocessing.get_all_start_methods():
        return 0
    return min(cores - 1, 8)


@dataclass
class SignatureCheck:
    """Signatures being checked; `bad()` waits for the answer."""

    verifier: Verifier
    items: Sequence[Item]
    chunks: list[tuple[int, Future[list[int]] | None]]
    pool: ProcessPoolExecutor | None

    def bad(self) -> list[int]:
        """The positions (in the items given) of every signature that does not verify, in order.

        Chunks not yet started by a worker are checked here, newest first, while the workers
        finish theirs."""
        found: dict[int, list[int]] = {}
        for start, future in reversed(self.chunks):
            if future is None or future.cancel():
                found[start] = _check_chunk(self.verifier, self.items[start : start + CHUNK])
        for start, future in self.chunks:
            if start not in found:
                assert future is not None
                try:
                    found[start] = future.result()
                except Exception:  # a worker died: check its chunk here
                    found[start] = _check_chunk(self.verifier, self.items[start : start + CHUNK])
        if self.pool is not None:
            self.pool.shutdown(wait=True)
            self.pool = None
        return [start + i for start, _ in self.chunks for i in found[start]]


def check_signatures(verifier: Verifier, items: Sequence[Item], *, workers: int | None = None) -> SignatureCheck:
    """Start checking that each (message, signature) of `items` is `verifier`'s; returns at once.

    `workers` (default: one per other core, when forking is safe) worker processes share the
    work when there are at least `PARALLEL_MIN` signatures."""
    count = _workers() if workers is None else workers
    starts = range(0, len(items), CHUNK)
    if count < 1 or len(items) < PARALLEL_MIN:
        return SignatureCheck(verifier, items, [(start, None) for start in starts], None)
    pool = ProcessPoolExecutor(max_workers=count, mp_context=multiprocessing.get_context("fork"))
    chunks: list[tuple[int, Future[list[int]] | None]] = [
        (start, pool.submit(_check_chunk, verifier, items[start : start + CHUNK])) for start in starts
    ]
    return SignatureCheck(verifier, items, chunks, pool)
