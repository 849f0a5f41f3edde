"""kill -9 of the server in the middle of a ballot burst, twice, on SQLite and PostgreSQL.

Three hundred deputies' terminals (terminals.client.TerminalClient, all in one event loop) cast
their ballots spread over two seconds; the server is killed with SIGKILL while receipts are
still arriving, restarted, and killed again in the middle of the resend storm that follows. The
terminals reconnect and resend every ballot they hold no receipt for, under the same ballot id.

What must hold afterwards:
- every ballot that was acknowledged (its receipt reached the terminal) is stored exactly once,
  at the leaf its receipt names, and the receipt still proves inclusion in today's log;
- every terminal ends up with a receipt, and the log holds exactly one ballot per voter;
- the closed vote counts exactly the choices the terminals sent, and ``cast`` = distinct voters;
- the audit log reopened consistent with the database copy, and ``python -m audit verify``
  passes on both the HTTP export and an offline ``python -m audit export`` of the log directory.
"""

from __future__ import annotations

import asyncio
import json
import random
import time
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Deployment, launch_deployment
from tests.reliability.helpers import (
    Fleet,
    choice_for,
    download_export,
    enlarge_roll,
    expected_counts,
    export_offline,
    key_of,
    read_stored,
    verify_export_dir,
)
from tests.server.session_helpers import Session, ok

TERMINALS = 300
SPREAD_S = 2.0


@pytest.mark.slow
@pytest.mark.parametrize("writer_process", [False, True], ids=["writer thread", "writer process"])
def test_kill_9_mid_burst_loses_no_acknowledged_ballot_and_counts_none_twice(
        tmp_path: Path, deployment: Deployment, writer_process: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    """With WRITER_PROCESS the writer's process dies with the server (server/writer_process.py), so a
    kill -9 is the same crash."""
    monkeypatch.setenv("WRITER_PROCESS", "1" if writer_process else "0")
    database_url = deployment.database_url
    server = launch_deployment(deployment)
    figures: dict[str, Any] = {}
    try:
        s = Session.start(server.url)
        codes = enlarge_roll(s.staff, s.meeting_id, TERMINALS)
        fleet = Fleet(server.url)
        acked: dict[str, dict[str, Any]] = {}  # ballot id -> receipt message, as first received
        acked_before_kill: list[set[str]] = []

        def remember(message: dict[str, Any]) -> None:
            if message.get("type") == "receipt":
                acked.setdefault(message["ballot_id"], message)

        async def run() -> list[dict[str, Any]]:
            await fleet.connect(codes, on_message=remember)
            vote_id = s.open(s.item("决议")["id"])
            await fleet.wait_open(vote_id)
            rng = random.Random(7)

            async def cast(index: int) -> dict[str, Any]:
                await asyncio.sleep(rng.uniform(0, SPREAD_S))
                return await fleet.clients[index].vote(vote_id, {"choice": choice_for(index)}, timeout=240)

            tasks = [asyncio.create_task(cast(i)) for i in range(TERMINALS)]

            async def kill_when(predicate: Any, limit: float = 60) -> None:
                deadline = time.monotonic() + limit
                while not predicate():
                    assert time.monotonic() < deadline, f"burst never reached the kill point ({len(acked)} acks)"
                    await asyncio.sleep(0.002)
                server.kill()
                acked_before_kill.append(set(acked))
                await asyncio.to_thread(server.restart)

            # 1st crash: in the first burst, with about a third acknowledged and the rest in flight.
            await kill_when(lambda: len(acked) >= TERMINALS // 3)
            assert len(acked_before_kill[0]) < TERMINALS
            # 2nd crash: in the resend storm after the restart, as soon as new receipts arrive.
            first = len(acked_before_kill[0])
            await kill_when(lambda: len(acked) >= first + 10)
            results = await asyncio.gather(*tasks)
            figures["vote_id"] = vote_id
            # A resend of an acknowledged ballot after both crashes gets the same stored receipt.
            probe, receipt = fleet.clients[0], results[0]
            again = await probe.vote(vote_id, {"choice": choice_for(0)}, ballot_id=receipt["ballot_id"])
            assert again["duplicate"] is True and again["receipt"]["index"] == receipt["receipt"]["index"]
            figures["reconnects"] = sum(c.reconnects for c in fleet.clients)
            await fleet.close()
            return results

        results = asyncio.run(run())
        vote_id = figures["vote_id"]
        assert len(acked_before_kill[-1]) < TERMINALS, "the second crash came after the burst was over"

        # Every terminal holds a receipt; every ballot id it was acknowledged for is stored once.
        assert len(results) == TERMINALS and all(r["vote_id"] == vote_id for r in results)
        stored = read_stored(database_url, vote_id)
        assert stored.ballot_records == TERMINALS, "a ballot was stored twice or lost"
        assert len(stored.ballots_by_seq) == TERMINALS
        assert len(set(stored.participation)) == len(stored.participation) == TERMINALS
        for ballot_id, message in acked.items():
            leaf = stored.receipts.get(key_of(ballot_id))
            assert leaf == message["receipt"]["index"], f"acknowledged ballot {ballot_id[:8]} not at its leaf"
            assert leaf in stored.ballots_by_seq
        # What each terminal sent is what was stored: the stored choices are the sent ones, as a multiset.
        assert sorted(b["choice"] for b in stored.ballots_by_seq.values()) == sorted(
            choice_for(i) for i in range(TERMINALS))
        # The log reopened after each crash and says so when it had to cut or restore anything.
        assert stored.record_types["log_opened"] == 1
        result = s.close(vote_id)
        want = expected_counts(TERMINALS)
        assert result["counts"] == {"yes": want["yes"], "no": want["no"], "abstain": want["abstain"],
                                    "not_voted": 0}
        vote = ok(s.chair.get(f"/api/votes/{vote_id}"))
        assert vote["cast"] == TERMINALS == len(set(stored.participation))
        # Receipts issued before each crash still prove inclusion in the log as it is now.
        for ballot_id in sorted(acked_before_kill[0])[:60]:
            checked = ok(s.chair.post("/api/audit/check-receipt", json=acked[ballot_id]["receipt"]))
            assert checked["ok"] is True, checked
        report = verify_export_dir(download_export(server.url, tmp_path / "http"))
        assert f"{vote_id}" in report and f"选票 ballots {TERMINALS}" in report
        s.staff.close()
        s.chair.close()
        server.stop()
        offline = verify_export_dir(export_offline(server, tmp_path / "offline"))
        assert f"选票 ballots {TERMINALS}" in offline
        print(f"\n[crash] {database_url.split(':')[0]}: 2 kills survived, {TERMINALS} ballots checked, "
              f"acked before kills {[len(a) for a in acked_before_kill]}, "
              f"reconnects {figures['reconnects']}, "
              f"log_reconciled {stored.record_types['log_reconciled']}, "
              f"log_recovered {stored.record_types['log_recovered']}")
    finally:
        server.stop()


def test_crash_between_commit_and_fsync_restores_the_log_from_the_database_and_cuts_the_torn_tail(
        tmp_path: Path, deployment: Deployment) -> None:
    """The worst moment for a crash, made deterministic: the last batch is committed to the
    database, but its records never reached the disk whole and its checkpoint was never signed.
    After kill -9 the files are cut back to that state (half the batch, a torn half-line, no
    checkpoint); the server restores the lost records from the database copy, cuts the torn
    bytes, says so in a ``log_reconciled`` record, and the export verifies."""
    from audit.logfile import decode_checkpoint_line

    database_url = deployment.database_url
    server = launch_deployment(deployment)
    try:
        s = Session.start(server.url)
        fleet = Fleet(server.url)

        async def vote() -> tuple[str, list[dict[str, Any]]]:
            await fleet.connect(s.codes[:40])
            vote_id = s.open(s.item("决议")["id"])
            await fleet.wait_open(vote_id)
            receipts = await asyncio.gather(*(c.vote(vote_id, {"choice": choice_for(i)})
                                              for i, c in enumerate(fleet.clients)))
            await fleet.close()
            return vote_id, list(receipts)

        vote_id, receipts = asyncio.run(vote())
        server.kill()
        log_dir = server.data_dir / "audit-log"
        notes = (log_dir / "checkpoints.jsonl").read_bytes().splitlines(keepends=True)
        sizes = [int(decode_checkpoint_line(line.rstrip(b"\n")).split("\n")[1]) for line in notes]
        lines = (log_dir / "records.jsonl").read_bytes().splitlines(keepends=True)
        assert sizes[-1] == len(lines) and sizes[-2] < sizes[-1]
        keep = sizes[-2] + (sizes[-1] - sizes[-2]) // 2
        (log_dir / "records.jsonl").write_bytes(b"".join(lines[:keep]) + lines[keep][: len(lines[keep]) // 2])
        (log_dir / "checkpoints.jsonl").write_bytes(b"".join(notes[:-1]))
        server.restart()
        stored = read_stored(database_url, vote_id)
        assert stored.record_types["log_reconciled"] == 1
        reconciled = json.loads((log_dir / "records.jsonl").read_bytes().splitlines()[sizes[-1]])
        assert reconciled["type"] == "log_reconciled"
        assert reconciled["body"]["restored_from_database"] == sizes[-1] - keep
        assert reconciled["body"]["torn_bytes"] > 0
        assert stored.ballot_records == 40
        for receipt in receipts:  # every acknowledged ballot is still at its leaf, and provably so
            assert stored.receipts[key_of(receipt["ballot_id"])] == receipt["receipt"]["index"]
            assert ok(s.chair.post("/api/audit/check-receipt", json=receipt["receipt"]))["ok"] is True
        result = s.close(vote_id)
        want = expected_counts(40)
        assert (result["counts"]["yes"], result["counts"]["no"], result["counts"]["abstain"]) == (
            want["yes"], want["no"], want["abstain"])
        verify_export_dir(download_export(server.url, tmp_path / "export"))
        s.staff.close()
        s.chair.close()
        print(f"\n[torn-tail] {database_url.split(':')[0]}: {sizes[-1] - keep} records restored from the database, "
              f"{reconciled['body']['torn_bytes']} torn bytes cut, export verifies")
    finally:
        server.stop()
