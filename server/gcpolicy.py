"""Garbage collection for a server holding thousands of connections.

Measured under ``python -m load.bench --terminals 5000`` (docs/performance.md): with CPython's
default thresholds the heap of ~1 million long-lived objects (every connection's protocol objects,
the receipts of the open votes) was scanned in full every few seconds during a session -- 18
full collections in one run, 0.1–0.7 s each, finding almost nothing -- and each one froze the
event loop and the writer at once: a vote opening or a burst of ballots that met one waited for it.
With those gone, the young-generation collections were what was left: a burst of 5,000 ballots
leaves ~50,000 young containers (each deputy's receipt, the vote's ballots), and collections of
the young generations traced them again and again, 10–200 ms each, in the middle of the burst --
they made the ballot-ack p99.

So: what start-up built is frozen out of the collector (it lives as long as the process); the
young generation is collected less often than CPython's default; **while a vote is open** the
young generation's threshold is raised so far (:data:`VOTING_THRESHOLDS`) that a vote's own
objects never trigger a collection -- a flood of reconnections still would, so memory stays
bounded -- and once no vote is open the usual thresholds come back and what the vote built is
frozen too; a full collection of everything (unfrozen for it, frozen again after) is run on
purpose when no vote is open (at most once a minute), where a pause costs nobody a ballot.
Reference counting frees almost all garbage anyway (the writer breaks its per-batch cycles,
server/writer.py ``Tx.release``); the collector is only for cycles, which the full collections
between votes still find.
"""

from __future__ import annotations

import gc
import time
from dataclasses import dataclass, field

THRESHOLDS = (10_000, 10, 100)  # CPython's default is (700, 10, 10)
#: While a vote is open: a burst of 5,000 ballots adds ~50,000 tracked objects, so no collection
#: runs during a round; 200,000 (a flood of reconnections, a vote left open for hours) still does.
VOTING_THRESHOLDS = (200_000, 10, 100)
IDLE_COLLECT_EVERY_S = 60.0


@dataclass
class GcWatch:
    """Counts and the longest pause of the collector, for /api/health."""

    previous_thresholds: tuple[int, int, int] = (700, 10, 10)
    full_collections: int = 0
    voting: bool = False  # the voting thresholds are in force
    longest_pause_ms: float = 0.0
    last_full_at: float = field(default_factory=time.monotonic)
    _started: float = 0.0

    def __call__(self, phase: str, info: dict[str, int]) -> None:
        now = time.perf_counter()
        if phase == "start":
            self._started = now
            return
        self.longest_pause_ms = max(self.longest_pause_ms, round((now - self._started) * 1000, 1))
        if info.get("generation") == 2:
            self.full_collections += 1
            self.last_full_at = time.monotonic()


def install() -> GcWatch:
    """Freeze what start-up built, raise the thresholds, and watch the pauses."""
    watch = GcWatch(previous_thresholds=gc.get_threshold())
    gc.collect()
    gc.freeze()
    gc.set_threshold(*THRESHOLDS)
    gc.callbacks.append(watch)
    return watch


def uninstall(watch: GcWatch) -> None:
    """Back to CPython's own policy (an app stopped inside a longer-lived process: tests)."""
    if watch in gc.callbacks:
        gc.callbacks.remove(watch)
    gc.unfreeze()
    gc.set_threshold(*watch.previous_thresholds)


def vote_opening(watch: GcWatch | None) -> None:
    """A vote has just opened (called by the writer as it publishes the opening): the voting
    thresholds, before the tablets' ballots arrive. Nothing if no policy is installed (None)."""
    if watch is not None and not watch.voting:
        gc.set_threshold(*VOTING_THRESHOLDS)
        watch.voting = True


def tick(watch: GcWatch, any_vote_open: bool) -> bool:
    """Twice a second (the app's housekeeping). While a vote is open, the voting thresholds (also
    for a vote that was open when the server started). When none is: the usual thresholds back,
    and what the vote left in the young generations -- its receipts and ballots, kept for the
    session -- frozen at once (``gc.freeze`` moves them aside without tracing them: collecting
    them took ~100 ms, which landed on the next vote's opening); and, if none ran for a while, a
    full collection of everything frozen since start-up, frozen again after it. Returns True if
    it ran a full collection."""
    if any_vote_open:
        vote_opening(watch)
        return False
    if watch.voting:
        gc.set_threshold(*THRESHOLDS)
        watch.voting = False
        gc.freeze()
    if time.monotonic() - watch.last_full_at < IDLE_COLLECT_EVERY_S:
        return False
    gc.unfreeze()
    gc.collect()
    gc.freeze()
    watch.last_full_at = time.monotonic()
    return True
