"""Work done beside the verifier's reading of the records, on every core the machine has
(docs/performance.md, "Verifying").

The records' evidence -- each line's RFC 9162 leaf hash and the root at every checkpoint's size
(`hash_records`) -- is one job, handed over first: a worker reads ``records.jsonl`` on its own while
the caller reads it for the rules; the caller then compares the ``prev`` of each line it read with
the leaf hash of the line before (at once, as one SHA-256 of each side), and both digest the bytes
they read, so they judge the same file.
Three kinds of work do not depend on the order of the records: checking the checkpoints' Ed25519
signatures (one every one to two dozen ballots; one verification costs about as much as reading
twenty records), recounting a closed vote with the tally, and checking the proofs of encrypted
ballots (`audit.encrypted.check_ballots`; by far the dearest: about a third of a millisecond per
selection).  `Pool` hands such jobs to forked
worker processes while the caller goes on reading; when the caller asks for the answers it does
itself every job no worker has started yet (newest first) but recounts, which stay with the workers
(they have imported `tally`; the caller never needs to) and go first in their queue, so a busy or
one-core machine loses nothing, the caller and the workers run out of work together, and every
job is done exactly once.

Workers are forked (no interpreter start-up, nothing re-imported) and only from a process with a
single thread -- forking a threaded process is unsafe -- otherwise every job runs in the caller.
A job whose worker fails is done again in the caller.
"""

from __future__ import annotations

import hashlib
import importlib
import multiprocessing
import os
import threading
from binascii import hexlify
from collections.abc import Callable, Collection, Mapping, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

from audit import canonical
from audit.errors import CanonicalJSONError, StorageError, TallyUnavailableError
from audit.export import BALLOT_LINES
from audit.keys import Verifier
from audit.limits import MAX_RECORD_BYTES
from audit.logfile import LineReader
from audit.records import GENESIS_PREV

if TYPE_CHECKING:
    from concurrent.futures import Future, ProcessPoolExecutor

__all__ = ["CHUNK", "PARALLEL_MIN", "PROOF_BATCH", "RECOUNT_BATCH", "Job", "Leaves", "Pool", "chain_of", "check_chunk",
           "compare",
           "hash_records", "load_tally", "recount", "recount_many", "workers"]

PARALLEL_MIN = 2048  # fewer checkpoint lines than this: no workers (their start costs more than they save)
CHUNK = 256  # signatures per job
RECOUNT_BATCH = 5000  # ballots of the votes recounted in one job
PROOF_BATCH = 512  # selections of the encrypted ballots checked in one job (~0.2 s of work)

Item = tuple[bytes, bytes]  # (message, signature)


class Leaves(NamedTuple):
    """What `hash_records` gives of the lines it read."""

    lines: int  # lines read
    chain: bytes  # SHA-256 of the prev each line must carry: GENESIS_PREV, then each line's leaf hash in hex
    roots: dict[int, bytes]  # {size: RFC 9162 root}
    read: bytes  # SHA-256 of the bytes read
    watched: dict[int, bytes]  # {line: leaf hash} of the lines asked for
    leaves: bytes  # every line's leaf hash, joined (32 bytes each), if asked for; else b""


def chain_of(leaves: bytes, lines: int) -> bytes:
    """The prevs `lines` record lines must carry, joined: GENESIS_PREV, then the leaf hash in hex of
    each line but the last (`leaves`: the lines' leaf hashes, 32 bytes each)."""
    return GENESIS_PREV.encode("ascii") + hexlify(memoryview(leaves)[: 32 * lines - 32]) if lines else b""


def hash_records(path: str, sizes: Collection[int], latest: int, watch: Collection[int] = (),
                 leaves: bool = False) -> Leaves:
    """The evidence of the whole lines of the records file `path` up to `latest` lines: the RFC 9162
    root at each of `sizes` the lines reach, the SHA-256 of the hash chain they must form (the
    caller joins the prevs it read and compares: an answer of a hundred bytes, not the 32 bytes a
    line of every leaf hash, which cost more to send from a worker than to compare), the leaf hash of
    each line in `watch`, every leaf hash if `leaves` (to find where a broken chain breaks), and the
    SHA-256 of every block read -- the lines read are exactly those `audit.verify` reads
    (`LineReader`, stopping at `latest`, at an oversized line or at a torn tail).

    The tree is hashed a level at a time (each level's nodes from the pairs of the one below, in one
    comprehension, rather than a frontier grown leaf by leaf), and the root at a size is folded from
    the complete subtrees that size is made of: one node of a level per bit set in it.
    """
    sha256 = hashlib.sha256
    stream = sha256()
    digests: list[bytes] = []
    count = 0
    try:
        handle = open(path, "rb")  # noqa: SIM115 (closed below)
    except OSError as exc:
        raise StorageError(f"cannot read {path}: {exc.strerror}") from exc
    with handle:
        for block in LineReader(handle, MAX_RECORD_BYTES, stream):
            past = count + len(block) > latest  # the block goes beyond the latest checkpoint: stop at it
            lines = block[: latest - count] if past else block
            digests += [sha256(b"\x00" + line).digest() for line in lines]
            count += len(lines)
            if past:
                break
    joined = b"".join(digests)
    chain = sha256(chain_of(joined, count))
    watched = {line: digests[line] for line in watch if 0 <= line < count}
    levels = [joined]  # levels[k]: the hashes of the complete subtrees of 2**k leaves, left to right, joined
    level = digests
    while len(level) > 1:
        pairs = iter(level)
        # (an odd last node has no pair yet: it is a root's part, as it stands in the level below)
        level = [sha256(b"\x01" + left + right).digest() for left, right in zip(pairs, pairs, strict=False)]
        levels.append(b"".join(level))
    del digests, level
    roots: dict[int, bytes] = {}
    for size in sizes:
        if 0 < size <= count:
            root = b""
            k, n = 0, size
            while n:  # the subtrees of `size` leaves, smallest (rightmost) first
                if n & 1:
                    node = levels[k][32 * (n - 1) : 32 * n]
                    root = sha256(b"\x01" + node + root).digest() if root else node
                n >>= 1
                k += 1
            roots[size] = root
    return Leaves(count, chain.digest(), roots, stream.digest(), watched, joined if leaves else b"")


def check_chunk(verifier: Verifier, items: Sequence[Item]) -> list[int]:
    """The positions in `items` whose signature is not `verifier`'s signature of the message."""
    verify = verifier.verify
    return [i for i, (message, signature) in enumerate(items) if not verify(message, signature)]


def recount(definition: Mapping[str, Any], ballots: bytes, recorded: Any,
            member: str = BALLOT_LINES) -> tuple[str, str] | None:
    """Count ``definition + ballots`` with the `tally` package and compare with the `recorded`
    result: None if they are the same, else (finding code, message). `ballots` is what
    `ExportInputs.recount_input` gives: with `member` ``ballot lines``, the ballots' canonical
    lines joined by newlines, each distinct line parsed once (the tally parses a ballot object it
    has seen once: tally.document `_ballots`); with ``counts``, an encrypted vote's decrypted
    totals as a JSON object."""
    import json

    tally = load_tally()
    if member == BALLOT_LINES:
        parsed: dict[bytes, Any] = {}
        value: Any = [parsed[line] if line in parsed else parsed.setdefault(line, json.loads(line))
                      for line in (ballots.split(b"\n") if ballots else ())]
        member = "ballots"
    else:
        value = json.loads(ballots)
    try:
        computed = tally.count_document(dict(definition, **{member: value}))
    except tally.TallyError as exc:
        return "tally-error", str(exc)
    return compare(computed, recorded)


def load_tally() -> Any:
    """The `tally` package (imported on first use: a verifier whose workers recount never imports it
    itself); `TallyUnavailableError` if it cannot be imported or lacks what a recount needs."""
    try:
        module = importlib.import_module("tally")
        module.count_document  # noqa: B018
        module.TallyError  # noqa: B018
    except (ImportError, AttributeError) as exc:
        raise TallyUnavailableError(f"cannot recount: the tally package is unavailable ({exc})") from exc
    return module


def recount_many(votes: Sequence[tuple[Mapping[str, Any], bytes, Any, str]]) -> list[tuple[str, str] | None]:
    """`recount` for several votes (one job: each job handed to a worker costs a few milliseconds)."""
    return [recount(*vote) for vote in votes]


def compare(computed: Any, recorded: Any) -> tuple[str, str] | None:
    """None if a recount equals the recorded result (as RFC 8785 JSON), else why not."""
    try:
        same = canonical.dumps(computed) == canonical.dumps(recorded)
    except CanonicalJSONError as exc:
        return "result-mismatch", f"recount is not JSON ({exc})"
    if same:
        return None
    return "result-mismatch", (f"recorded {canonical.dumps(recorded).decode()}, "
                               f"recount {canonical.dumps(computed).decode()}")


def workers() -> int:
    """How many worker processes to fork: one per core but the caller's, if forking is safe."""
    cores = os.cpu_count() or 1
    if cores < 2 or threading.active_count() != 1 or "fork" not in multiprocessing.get_all_start_methods():
        return 0
    return min(cores - 1, 8)


class Job:
    """One piece of work: in a worker, or kept for the caller."""

    __slots__ = ("args", "fn", "future", "stays")

    def __init__(self, fn: Callable[..., Any], args: tuple[Any, ...], future: Future[Any] | None,
                 stays: bool = False) -> None:
        self.fn, self.args, self.future, self.stays = fn, args, future, stays

    def take_over(self) -> bool:
        """Take the job back from the workers if none has started it (never one that stays with them)."""
        return self.future is None or (not self.stays and self.future.cancel())

    def done(self) -> bool:
        """Whether a worker has finished it (a job kept for the caller is not)."""
        return self.future is not None and self.future.done()

    def answered(self) -> bool:
        """Whether a worker has finished it with an answer (`answer`), not an error."""
        return self.done() and self.future is not None and self.future.exception() is None

    def answer(self) -> Any:
        """The answer of a job `answered`."""
        assert self.future is not None
        return self.future.result()


class Pool:
    """Worker processes (none if `count` < 1) and the jobs given to them."""

    def __init__(self, count: int) -> None:
        self._pool: ProcessPoolExecutor | None = None
        self.count = max(count, 0)
        if count > 0:
            from concurrent.futures import ProcessPoolExecutor  # (only now: it costs start-up time)

            self._pool = ProcessPoolExecutor(max_workers=count, mp_context=multiprocessing.get_context("fork"))

    @property
    def parallel(self) -> bool:
        """Whether jobs go to workers."""
        return self._pool is not None

    def submit(self, fn: Callable[..., Any], *args: Any) -> Job:
        """Hand `fn(*args)` to a worker (module-level function, picklable arguments), or keep it
        for `finish` if there are none."""
        return Job(fn, args, self._pool.submit(fn, *args) if self._pool is not None else None)

    def hand_over(self, fn: Callable[..., Any], *args: Any) -> Job:
        """`submit`, but `finish` leaves the job to the workers even if none has started it: for work
        that costs the caller more than a worker (a recount: a worker has imported `tally`, the
        caller has not).  A job whose worker fails is still done by the caller."""
        return Job(fn, args, self._pool.submit(fn, *args) if self._pool is not None else None, stays=True)

    def finish(self, jobs: Sequence[Job]) -> list[Any]:
        """Every job's answer, in order: first the jobs no worker has started are done here, newest
        first, while the workers finish theirs.  The jobs handed over go first in the workers' queue
        (those not started are handed again, ahead of the rest): the caller cannot take them over, so
        a worker left with them after the caller has nothing more to do would keep it waiting."""
        if self._pool is not None:
            waiting = [job for job in jobs if job.future is not None and job.future.cancel()]
            for job in sorted(waiting, key=lambda job: not job.stays):  # (stable: otherwise in order)
                job.future = self._pool.submit(job.fn, *job.args)
        answers: dict[int, Any] = {}
        for position in reversed(range(len(jobs))):
            if jobs[position].take_over():
                answers[position] = jobs[position].fn(*jobs[position].args)
        for position, job in enumerate(jobs):
            if position not in answers:
                assert job.future is not None
                try:
                    answers[position] = job.future.result()
                except Exception:  # the worker died: do the job here
                    answers[position] = job.fn(*job.args)
        return [answers[position] for position in range(len(jobs))]

    def close(self) -> None:
        """Stop the workers."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
