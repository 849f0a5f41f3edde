"""`audit.workers`: signatures checked and votes recounted by forked worker processes give
exactly the answers of doing it all in one process, whoever does which job, even when a worker
fails."""

from __future__ import annotations

import json
import multiprocessing
import os
import threading
from pathlib import Path

import pytest

import tally
from audit import verify_export, workers
from tests.audit.audit_helpers import resign, seq_of, session_export, session_records, signer


def _items(count: int, bad: set[int]) -> list[tuple[bytes, bytes]]:
    key = signer()
    items = []
    for i in range(count):
        message = f"checkpoint {i}\n".encode()
        items.append((message, bytes(64) if i in bad else key.sign(message)))
    return items


def _bad(pool: workers.Pool, items: list[tuple[bytes, bytes]]) -> list[int]:
    jobs = [pool.submit(workers.check_chunk, signer().verifier, items[i : i + 4]) for i in range(0, len(items), 4)]
    try:
        return [4 * n + i for n, found in enumerate(pool.finish(jobs)) for i in found]
    finally:
        pool.close()


def test_workers_find_the_same_bad_signatures_as_one_process() -> None:
    items = _items(41, {0, 7, 40})
    assert _bad(workers.Pool(0), items) == _bad(workers.Pool(1), items) == [0, 7, 40]
    assert not workers.Pool(0).parallel


def test_a_job_whose_worker_failed_is_done_here() -> None:
    """A job no worker can do (here: a local function, which cannot even be sent to one) is done by
    the caller."""

    def local(items: list[tuple[bytes, bytes]]) -> list[int]:
        return workers.check_chunk(signer().verifier, items)

    pool = workers.Pool(1)
    job = pool.submit(local, _items(3, {2}))
    assert job.future is not None and job.future.exception(timeout=60) is not None
    assert pool.finish([job]) == [[2]]
    pool.close()


def test_workers_are_forked_only_when_it_is_safe(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "cpu_count", lambda: 4)
    monkeypatch.setattr(threading, "active_count", lambda: 1)
    assert workers.workers() == 3
    monkeypatch.setattr(threading, "active_count", lambda: 2)
    assert workers.workers() == 0
    monkeypatch.setattr(threading, "active_count", lambda: 1)
    monkeypatch.setattr(multiprocessing, "get_all_start_methods", lambda: ["spawn"])
    assert workers.workers() == 0
    monkeypatch.setattr(os, "cpu_count", lambda: None)
    assert workers.workers() == 0


def test_recounts_in_workers_report_what_recounts_here_report(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(workers, "PARALLEL_MIN", 8)
    monkeypatch.setattr("audit.verify.PARALLEL_MIN", 8)
    monkeypatch.setattr("audit.verify.RECOUNT_BATCH", 50)  # several recount jobs
    out = session_export(tmp_path)
    assert verify_export(out, workers=1) == verify_export(out, workers=0)
    records = session_records(out)
    for vote_id in ("v2-1", "v1-1"):  # two false results: the first in the log is the finding
        records[seq_of(records, "result", vote_id)]["body"]["result"]["title"] = "另一议题"
    resign(out, records)
    parallel, alone = verify_export(out, workers=1), verify_export(out, workers=0)
    assert parallel == alone and parallel.failure is not None
    assert (parallel.failure.code, parallel.failure.seq) == ("result-mismatch", seq_of(records, "result", "v1-1"))
    records[seq_of(records, "vote_opened", "v6-1")]["body"]["definition"]["threshold"] = "most"
    records[seq_of(records, "item_added", nth=5)]["body"]["definition"]["threshold"] = "most"
    resign(out, records)
    report = verify_export(out, workers=1)
    assert report.failure is not None and report.failure.code == "result-mismatch"  # still v1-1's, the earlier


def test_the_workers_recount_a_tally_error_too() -> None:
    refused = workers.recount({"kind": "motion", "members_of_record": 3, "present": 9}, b"", {})
    assert refused is not None and refused[0] == "tally-error"
    assert workers.recount({"kind": "motion", "members_of_record": 3, "present": 3}, b"", {}) is not None


def test_the_workers_recount_ballot_lines_as_the_tally_counts_the_array() -> None:
    definition = {"kind": "motion", "members_of_record": 5, "present": 5}
    ballots = [{"choice": "yes"}, {"choice": "no"}, {"choice": "yes"}, {"choice": "abstain"}, {"choice": "yes"}]
    recorded = tally.count_document(dict(definition, ballots=ballots))
    lines = b"\n".join(json.dumps(b, separators=(",", ":")).encode() for b in ballots)
    assert workers.recount(definition, lines, recorded) is None
    assert workers.recount(definition, lines.replace(b"no", b"yes"), recorded) is not None
    assert workers.recount(definition, json.dumps(ballots).encode(), recorded, "ballots") is None

