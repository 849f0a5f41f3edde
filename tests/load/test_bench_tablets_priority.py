"""The benchmark's simulated tablets yield the cores to the server they measure (load/bench.py)."""

from __future__ import annotations

import os
from multiprocessing.connection import Connection

import pytest

from load import bench


def report_niceness(chunk: list[int], pipe: Connection) -> None:
    """A load worker's stand-in: answers with its own CPU priority."""
    pipe.send((chunk, os.nice(0)))


def niceness_of_workers(nice: int) -> list[tuple[list[int], int]]:
    workers = bench.start_workers(report_niceness, [[1], [2]], nice=nice)
    try:
        return [pipe.recv() for _, pipe in workers]
    finally:
        for process, _ in workers:
            process.join(timeout=30)


def test_tablet_workers_run_at_the_priority_asked_for_below_the_server() -> None:
    assert 0 < bench.TABLETS_NICE <= 19
    assert niceness_of_workers(bench.TABLETS_NICE) == [([1], bench.TABLETS_NICE), ([2], bench.TABLETS_NICE)]


def test_tablet_workers_keep_the_benchmarks_own_priority_when_asked_for_none() -> None:
    own = os.nice(0)
    assert niceness_of_workers(0) == [([1], own), ([2], own)]


@pytest.mark.parametrize("nice", ["20", "-1"])
def test_a_priority_outside_0_to_19_is_refused_before_anything_starts(nice: str) -> None:
    with pytest.raises(SystemExit) as refused:
        bench.main(["--terminals", "10", "--tablets-nice", nice])
    assert refused.value.code == 2
