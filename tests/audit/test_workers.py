"""`audit.workers`: signatures checked and votes recounted by forked worker processes give
exactly the answers of doing it all in one process, whoever does which job, even when a worker
fails."""

from __future__ import annotations

import json
import multiprocessing
import os
import threading
from pathlib import Path
from typing import Any

import pytest

import tally
from audit import verify, verify_export, workers
from audit.errors import StorageError
from tests.audit.audit_helpers import build_export, resign, seq_of, session_export, session_records, signer


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
    assert workers.recount_many([(definition, lines, recorded, "ballot lines"),
                                 (definition, lines.replace(b"no", b"yes"), recorded, "ballot lines")]) == [
        None, workers.recount(definition, lines.replace(b"no", b"yes"), recorded)]



def test_the_records_hashed_apart_give_the_leaves_and_roots_of_the_log(tmp_path: Path) -> None:
    """`hash_records` (done by a worker while the caller reads the records for the rules) gives the
    RFC 9162 leaf hash of every line (or of those asked for), the digest of the hash chain they
    must form, the tree's root at each size asked for, and stops where the latest checkpoint does."""
    import hashlib

    from audit.merkle import MerkleTree
    from audit.records import GENESIS_PREV

    out = build_export(tmp_path, checkpoint_after=[3, 9])
    lines = (out / "records.jsonl").read_bytes().split(b"\n")[:-1]
    tree = MerkleTree()
    for line in lines:
        tree.append(line)
    sizes = frozenset({1, 4, 10, len(lines)})
    digests = [hashlib.sha256(b"\x00" + line).digest() for line in lines]
    every = workers.hash_records(str(out / "records.jsonl"), sizes, len(lines), watch=(0, 5, 99), leaves=True)
    assert every.lines == len(lines) and every.leaves == b"".join(digests)
    assert every.watched == {0: digests[0], 5: digests[5]}
    assert every.roots == {size: tree.root(size) for size in sizes}
    assert every.read == hashlib.sha256((out / "records.jsonl").read_bytes()).digest()
    prevs = [json.loads(line)["prev"].encode() for line in lines]
    assert prevs[0] == GENESIS_PREV.encode() and every.chain == hashlib.sha256(b"".join(prevs)).digest()
    part = workers.hash_records(str(out / "records.jsonl"), sizes, 10)
    assert part.lines == 10 and part.leaves == b"" and part.roots == {size: tree.root(size) for size in (1, 4, 10)}
    assert part.chain == hashlib.sha256(b"".join(prevs[:10])).digest()
    with pytest.raises(StorageError, match="cannot read"):
        workers.hash_records(str(tmp_path / "nowhere.jsonl"), sizes, 10)
    (tmp_path / "empty.jsonl").write_bytes(b"")
    none = workers.hash_records(str(tmp_path / "empty.jsonl"), sizes, 10)
    assert (none.lines, none.chain, none.roots) == (0, hashlib.sha256(b"").digest(), {})


def test_a_records_file_changed_while_it_is_read_is_not_judged(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """The rules read records.jsonl in one process and its leaf hashes are computed in another (or
    later, in this one): if the file is not the same for both, the verifier says so rather than
    judge one file's records by another's hashes."""
    out = build_export(tmp_path)
    records = out / "records.jsonl"
    original = records.read_bytes()
    ballot_line = next(line for line in original.split(b"\n") if b'"choice":"no"' in line)

    def change_it() -> None:  # after the rules' reading, before the leaf hashes (no workers: done last)
        records.write_bytes(original.replace(ballot_line, ballot_line.replace(b'"no"', b'"yes"')))

    monkeypatch.setattr(verify._Run, "send_recounts", lambda self: change_it())
    with pytest.raises(StorageError, match="changed while it was read"):
        verify_export(out, workers=0)


def test_a_records_file_changed_while_a_broken_chain_is_located_is_not_judged(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A broken chain is located from every leaf hash, read again: if the file is no longer the
    one the rules read, the verifier says so rather than name a line of another file."""
    from tests.audit.audit_helpers import edit_record

    out = build_export(tmp_path)
    edit_record(out, 3, lambda record: record.update(time="2026-11-23T09:00:01.000Z"))
    assert verify_export(out, workers=0).failure.code == "broken-chain"  # type: ignore[union-attr]
    records = out / "records.jsonl"
    original = records.read_bytes()
    hashed = workers.hash_records

    def hash_again(*args: Any, **kwargs: Any) -> workers.Leaves:
        if kwargs.get("leaves"):  # the second reading: the file has changed since the first
            records.write_bytes(original.replace(b'"seq":5,', b'"seq":5 ,'))
        return hashed(*args, **kwargs)

    monkeypatch.setattr(verify, "hash_records", hash_again)
    with pytest.raises(StorageError, match="changed while it was read"):
        verify_export(out, workers=0)


def test_a_job_handed_over_stays_with_the_workers() -> None:
    """`finish` does here every job no worker has started, but not one handed over (a recount: the
    workers have the tally imported): that one waits for a worker."""
    import time

    pool = workers.Pool(1)
    try:
        busy = [pool.submit(time.sleep, 0.5), pool.submit(time.sleep, 0.01), pool.submit(time.sleep, 0.01)]
        stays = pool.hand_over(os.getpid)
        taken = pool.submit(os.getpid)
        answers = pool.finish([*busy, stays, taken])
    finally:
        pool.close()
    assert answers[-1] == os.getpid() != answers[-2]
    alone = workers.Pool(0)
    assert alone.finish([alone.hand_over(os.getpid)]) == [os.getpid()]


def _step(log: str, name: str, gate: str | None = None) -> int:
    """A job that waits for the file `gate` (if given), then notes `name` in the file `log`."""
    import time

    while gate is not None and not os.path.exists(gate):
        time.sleep(0.005)
    with open(log, "a", encoding="utf-8") as handle:
        handle.write(name + "\n")
    return os.getpid()


def _open(gate: str, nap: float) -> int:
    """A job that opens the gate, then takes `nap` seconds."""
    import time

    Path(gate).touch()
    time.sleep(nap)
    return os.getpid()


def test_at_the_end_the_jobs_handed_over_go_before_the_others_in_the_workers_queue(tmp_path: Path) -> None:
    """A job handed over (a recount) queued behind jobs the caller could take over is started before
    them once the caller asks for every answer: the worker is not left with it after the caller has
    run out of work of its own."""
    log, gate = str(tmp_path / "log"), str(tmp_path / "gate")
    pool = workers.Pool(1)
    try:
        blocked = pool.submit(_step, log, "first", gate)  # the worker waits at the gate
        others = [pool.submit(_step, log, f"other{n}") for n in range(6)]
        stays = pool.hand_over(_step, log, "stays")
        opener = pool.submit(_open, gate, 1.0)  # the newest: done here first, while the worker runs
        answers = pool.finish([blocked, *others, stays, opener])
    finally:
        pool.close()
    assert answers[-1] == os.getpid() != answers[-2]
    order = Path(log).read_text(encoding="utf-8").split()
    # the worker already held at most two others (the executor's queue) when the caller asked
    assert order[0] == "first" and "stays" in order[1:4], order


def test_signature_checks_handed_out_as_the_reading_goes_find_the_one_bad_signature(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Signature jobs are handed out a few ahead while the checkpoints and records are read, and the
    rest in smaller jobs at the end (taken from the last here, from the first by the workers): the
    bad signature found is the same one, at the same checkpoint, as in one process."""
    import base64

    from audit.logfile import decode_checkpoint_line, encode_checkpoint_line

    monkeypatch.setattr(workers, "PARALLEL_MIN", 8)
    monkeypatch.setattr("audit.verify.PARALLEL_MIN", 8)
    monkeypatch.setattr("audit.verify.CHUNK", 2)  # 41 checkpoints: more jobs than are handed out first
    monkeypatch.setattr("audit.verify._CHECKS_LAST", 3)  # and jobs of another size at the end
    out = session_export(tmp_path)
    lines = (out / "checkpoints.jsonl").read_bytes().split(b"\n")[:-1]
    note = decode_checkpoint_line(lines[30])
    text, signature_line = note.rsplit("\n\n", 1)
    name, encoded = signature_line.rstrip("\n").rsplit(" ", 1)
    raw = bytearray(base64.b64decode(encoded))
    raw[10] ^= 1
    lines[30] = encode_checkpoint_line(f"{text}\n\n{name} {base64.b64encode(bytes(raw)).decode()}\n")[:-1]
    (out / "checkpoints.jsonl").write_bytes(b"".join(line + b"\n" for line in lines))
    parallel, alone = verify_export(out, workers=1), verify_export(out, workers=0)
    assert parallel == alone and parallel.failure is not None
    assert parallel.failure.code == "bad-signature" and "checkpoint 30 " in parallel.failure.message
