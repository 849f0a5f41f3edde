"""PostgreSQL drops the server's connections for about three seconds in the middle of a vote.

Only this test's database is cut off, not PostgreSQL for everyone: ``ALTER DATABASE … WITH
ALLOW_CONNECTIONS false`` refuses new connections, and ``pg_terminate_backend`` kills the server's
existing ones every 50 ms, for 3 s; then connections are allowed again. The server is not
restarted. Meanwhile 150 deputies' terminals cast ballots spread over six seconds.

What must hold: while the database is down no ballot is acknowledged (terminals hear
``storage_unavailable`` and resend the same ballot later); the server recovers by itself; every
voter's ballot lands exactly once; the count and the audit log agree, and the export verifies.
"""

from __future__ import annotations

import asyncio
import random
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import psycopg
import pytest

from tests.conftest import Seeds, launch_deployment
from tests.reliability.helpers import (
    Fleet,
    choice_for,
    download_export,
    enlarge_roll,
    expected_counts,
    key_of,
    read_stored,
    verify_export_dir,
)
from tests.server.session_helpers import Session

TERMINALS = 150
OUTAGE_S = 3.0


def cut_off(admin_url: str, name: str, seconds: float, stop: threading.Event, killed: list[int]) -> None:
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS false')
        try:
            deadline = time.monotonic() + seconds
            while time.monotonic() < deadline and not stop.is_set():
                rows = admin.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s "
                    "AND pid <> pg_backend_pid()", (name,)).fetchall()
                killed.append(len(rows))
                time.sleep(0.05)
        finally:
            admin.execute(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS true')


@pytest.mark.postgres
@pytest.mark.slow
def test_database_connections_lost_for_seconds_nothing_acknowledged_nothing_lost(
        tmp_path: Path, postgres_admin: str, seeds: Seeds) -> None:
    deployment = seeds.copy("postgres", tmp_path)
    url = deployment.database_url
    name = url.rsplit("/", 1)[1]
    server = launch_deployment(deployment)
    try:
        s = Session.start(server.url)
        codes = enlarge_roll(s.staff, s.meeting_id, TERMINALS)
        fleet = Fleet(server.url)
        receipts: list[tuple[float, dict[str, Any]]] = []
        errors: Counter[str] = Counter()
        window: dict[str, float] = {}
        killed: list[int] = []

        def note(message: dict[str, Any]) -> None:
            if message.get("type") == "receipt":
                receipts.append((time.monotonic(), message))
            elif message.get("type") == "error":
                errors[message["code"]] += 1

        async def run() -> tuple[str, list[dict[str, Any]]]:
            await fleet.connect(codes, on_message=note)
            vote_id = s.open(s.item("决议")["id"])
            await fleet.wait_open(vote_id)
            rng = random.Random(11)
            pid = server.process.pid

            async def cast(index: int) -> dict[str, Any]:
                await asyncio.sleep(rng.uniform(0, 6.0))
                return await fleet.clients[index].vote(vote_id, {"choice": choice_for(index)}, timeout=120)

            tasks = [asyncio.create_task(cast(i)) for i in range(TERMINALS)]
            await asyncio.sleep(1.5)
            stop = threading.Event()
            window["start"] = time.monotonic()
            await asyncio.to_thread(cut_off, postgres_admin, name, OUTAGE_S, stop, killed)
            window["end"] = time.monotonic()
            results = list(await asyncio.gather(*tasks))
            assert server.process.pid == pid and server.process.poll() is None, "the server was restarted"
            await fleet.close()
            return vote_id, results

        vote_id, results = asyncio.run(run())
        # The outage really hit the server: its connections were killed and ballots were refused.
        assert sum(killed) > 0
        assert errors["storage_unavailable"] > 0, errors
        # Nothing was acknowledged while the database was unreachable (a batch committed just
        # before the cut may still be on its way for a moment).
        during = [at for at, _ in receipts if window["start"] + 0.3 < at < window["end"]]
        assert during == [], f"{len(during)} receipts while the database was down"
        # Every voter's ballot landed exactly once, at the leaf its receipt names.
        assert len(results) == TERMINALS
        stored = read_stored(url, vote_id)
        assert stored.ballot_records == TERMINALS == len(stored.ballots_by_seq)
        assert len(set(stored.participation)) == TERMINALS
        for _, message in receipts:
            assert stored.receipts[key_of(message["ballot_id"])] == message["receipt"]["index"]
        result = s.close(vote_id)
        want = expected_counts(TERMINALS)
        assert result["counts"] == {"yes": want["yes"], "no": want["no"], "abstain": want["abstain"],
                                    "not_voted": 0}
        report = verify_export_dir(download_export(server.url, tmp_path / "export"))
        assert f"选票 ballots {TERMINALS}" in report
        before = sum(1 for at, _ in receipts if at <= window["start"])
        after = sum(1 for at, _ in receipts if at >= window["end"])
        print(f"\n[db-outage] {OUTAGE_S:.0f} s cut, {sum(killed)} backends terminated, "
              f"storage_unavailable x{errors['storage_unavailable']}, receipts before/during/after "
              f"{before}/{len(during)}/{after}, {TERMINALS} ballots checked once each")
        s.staff.close()
        s.chair.close()
    finally:
        server.stop()
        seeds.drop(deployment)
