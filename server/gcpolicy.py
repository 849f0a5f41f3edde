"""Garbage collection for a server holding thousands of connections.

Measured under ``python -m load.bench --terminals 5000`` (docs/performance.md): with CPython's
default thresholds the heap of ~1 million long-lived objects (every connection's protocol objects,
the receipts of the open votes) was scanned in full every few seconds during a session -- 18
full collections in one run, 0.1–0.7 s each, finding almost nothing -- and each one froze the
event loop and the writer at once: a vote opening or a burst of ballots that met one waited for it.

So: what start-up built is frozen out of the collector (it lives as long as the process); the
young generation is collected as usual but less often; a full collection waits for many more
young-generation collections; and a full collection is run on purpose when no vote is open (at
most once a minute), where a pause costs nobody a ballot. Reference counting frees almost all
garbage anyway; the collector is only for cycles, which the idle collection still finds.
"""

from __future__ import annotations

import gc
import time
from dataclasses import dataclass, field
from typing import Any

THRESHOLDS = (10_000, 10, 100)  # CPython's default is (700, 10, 10)
IDLE_COLLECT_EVERY_S = 60.0


@dataclass
class GcWatch:
    """Counts and the longest pause of the collector, for /api/health."""

    previous_thresholds: tuple[int, int, int] = (700, 10, 10)
    full_collections: int = 0
    longest_pause_ms: float = 0.0
    last_full_at: float = field(default_factory=time.monotonic)
    _started: float = 0.0

    def __call__(self, phase: str, info: dict[str, Any]) -> None:
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


def collect_if_idle(watch: GcWatch, any_vote_open: bool) -> bool:
    """A full collection now, if no vote is open and none ran for a while."""
    if any_vote_open or time.monotonic() - watch.last_full_at < IDLE_COLLECT_EVERY_S:
        return False
    gc.collect()
    watch.last_full_at = time.monotonic()
    return True
