"""The writer in a process of its own (WRITER_PROCESS, server/writer_process.py): the same answers,
picture and ledger as the writer thread gives, the keys of who has voted only in the writer's
process, a closure refused at once, a clean close that hands the log back, and a writer process
that ends by itself refusing every waiting job and stopping the server."""

from __future__ import annotations

import asyncio
import dataclasses
import os
import secrets
import signal
import threading
import time
from pathlib import Path
from typing import Any

import psutil
import pytest

from audit import AuditLog, keys
from audit.errors import StorageError
from audit.logfile import whole_lines
from server import signing_key
from server.domain import MemberId
from server.errors import NotFound
from server.ledger import CLEAN_MARK, LOG_DIR, log_origin, wait_for_the_lock
from server.usecases import close_vote, open_vote
from server.usecases.cast_ballot import cast_ballot
from server.usecases.check_in import check_in
from server.writer import NotPortable, StorageUnavailable, op
from server.writer_process import WriterProcess
from tests.conftest import Deployment, Harness, launch_deployment
from tests.server.session_helpers import login, ok
from tests.server.test_writer import _answers_unpicklable, congress_of


@pytest.fixture
def process_harness(harness: Harness) -> Harness:
    return Harness(dataclasses.replace(harness.settings, writer_process=True, writer_picture_copy=False))


def test_a_vote_through_the_writer_process_is_answered_counted_and_logged_as_by_the_thread(
        process_harness: Harness) -> None:
    settings = process_harness.settings

    async def body(rt: Any) -> None:
        assert isinstance(rt.writer, WriterProcess)
        meeting_id, members = await congress_of(rt, 30)
        await asyncio.gather(*(rt.writer.submit(op(check_in, meeting_id, m), groupable=True) for m in members))
        assert len(rt.live.meetings[meeting_id].attendance) == 30  # the loop's picture, changed by effects
        item = await rt.writer.run(op(_secret_motion, meeting_id))
        vote_id = (await rt.writer.run(op(open_vote.open_vote, item["id"])))["vote_id"]
        assert rt.live.vote_keys is None  # who has voted is keyed in the writer's process alone
        tickets = await asyncio.gather(*(rt.writer.submit(
            op(cast_ballot, MemberId(m), vote_id, secrets.token_hex(16), {"choice": "yes" if i % 3 else "no"},
               cast_token=secrets.token_hex(16)), groupable=True, may_refuse=False)
            for i, m in enumerate(members)))
        assert all(t.error is None and t.receipt is not None for t in tickets)
        assert rt.writer.grouped > rt.writer.batches  # ballots shared transactions
        assert rt.live.votes[vote_id].voters == set(members)
        with pytest.raises(NotFound):
            await rt.writer.run(op(check_in, meeting_id, MemberId(999_999)))
        with pytest.raises(NotPortable, match="local"):
            rt.writer.submit(lambda tx: None)
        with pytest.raises(NotPortable, match="the answer of writer job"):  # and the writer goes on
            await rt.writer.run(_answers_unpicklable)
        result = await rt.writer.run(op(close_vote.close_vote, vote_id))
        assert (result["counts"]["yes"], result["counts"]["no"]) == (20, 10)
        # the readers' ledger is the follower, fed only by what the batches sent back
        assert rt.ledger.outcome_seq(vote_id) is not None
        assert rt.ledger.size == len(whole_lines(settings.data_dir / LOG_DIR / "records.jsonl"))
        last = tickets[-1].receipt
        assert last is not None
        size = int(last["checkpoint"].split("\n")[1])
        assert rt.ledger.log.inclusion_proof(last["index"], size) == [
            bytes.fromhex(node) for node in last["inclusion_proof"]]

    process_harness.run(body)
    assert (settings.data_dir / CLEAN_MARK).exists()  # the writer process closed the log cleanly
    origin = log_origin(settings.data_dir, settings.origin)
    with AuditLog.open(settings.data_dir / LOG_DIR, signing_key.load(settings, origin)) as log:  # and let it go
        assert log.size == len(log.lines()) and log.latest_checkpoint.size == log.size


def _secret_motion(tx: Any, meeting_id: int) -> dict[str, Any]:
    from server.usecases import agenda

    return agenda.add_item(tx, meeting_id, {"kind": "motion", "title": "议案", "secret": True})


def test_a_writer_process_that_ends_by_itself_refuses_every_write_and_stops_the_server(
        process_harness: Harness) -> None:
    async def body(rt: Any) -> None:
        lost: list[bool] = []
        rt.writer.on_lost = lambda: lost.append(True)
        meeting_id, members = await congress_of(rt, 3)
        os.kill(rt.writer.pid, signal.SIGKILL)
        deadline = time.monotonic() + 30
        while not lost:
            assert time.monotonic() < deadline, "the end of the writer process went unnoticed"
            await asyncio.sleep(0.05)
        assert rt.writer.broken
        with pytest.raises(StorageUnavailable):
            rt.writer.submit(op(check_in, meeting_id, members[0]))

    process_harness.run(body)


def test_a_server_whose_writer_process_dies_stops_and_restarts_with_nothing_lost(
        deployment: Deployment, monkeypatch: pytest.MonkeyPatch) -> None:
    """Its failure stops the server, as the guide's broken writer would refuse every write: the
    server process ends by itself, and a restart on the same data serves the same log."""
    monkeypatch.setenv("WRITER_PROCESS", "1")
    with launch_deployment(deployment) as server:
        staff = login(server.url, "staff")
        meeting_id = ok(staff.get("/api/meetings"))[0]["id"]
        ok(staff.post(f"/api/meetings/{meeting_id}/absence",
                      json={"member_id": _first_member(staff, meeting_id), "state": "leave", "reason": "病假"}))
        size = ok(staff.get("/api/health"))["audit_log_size"]
        children = psutil.Process(server.process.pid).children()
        assert len(children) == 1, "the writer process, and no other"
        children[0].kill()
        # stopped as by SIGTERM (uvicorn shuts down, then ends by the signal it was given)
        assert server.process.wait(timeout=60) in (0, -signal.SIGTERM), server.log()
        assert "the writer process ended" in server.log()
        server.restart()
        again = login(server.url, "staff")
        assert ok(again.get("/api/health"))["audit_log_size"] >= size  # (+ the restart's own records)
        roll = ok(again.get(f"/api/meetings/{meeting_id}/roll"))
        assert any(member.get("attendance") == "leave" for member in roll["members"]), "the absence was lost"


def _first_member(staff: Any, meeting_id: int) -> int:
    return int(ok(staff.get(f"/api/meetings/{meeting_id}/roll"))["members"][0]["id"])


def test_a_restart_waits_a_moment_for_a_log_a_dying_writer_process_still_holds(tmp_path: Path) -> None:
    signer = keys.generate("test.local/log")
    directory = tmp_path / "audit-log"
    held = AuditLog.open(directory, signer)
    threading.Timer(0.3, held.close).start()  # the old writer process, dying a moment after its server
    started = time.monotonic()
    wait_for_the_lock(directory, seconds=10)
    assert 0.25 < time.monotonic() - started < 5
    AuditLog.open(directory, signer).close()
    with AuditLog.open(directory, signer):  # held for good: the wait ends, and the open names the holder
        wait_for_the_lock(directory, seconds=0.2)
        with pytest.raises(StorageError, match="another process"):
            AuditLog.open(directory, signer)
    wait_for_the_lock(tmp_path / "no-log-yet")  # nothing to wait for
