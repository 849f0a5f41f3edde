"""Clock and order: the chair closes while hundreds of ballots are in flight.

200 deputies' terminals send their ballots spread over 1.2 s; the chair closes the vote 0.6 s in.
Every ballot is either counted and acknowledged (a receipt) or refused with a clear reason
(``vote_not_open``): receipts + refusals = ballots sent, nothing times out, and the receipts are
exactly the ballots the closed vote counted and the log holds. A ballot sent after the close is
refused ``vote_not_open``.
"""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from typing import Any

import pytest

from terminals.client import ClientError
from tests.conftest import Deployment, launch_deployment
from tests.reliability.helpers import Fleet, choice_for, enlarge_roll, read_stored
from tests.server.session_helpers import Session

TERMINALS = 200


@pytest.mark.slow
def test_close_during_a_burst_every_ballot_is_counted_and_acknowledged_or_refused_never_dropped(
        deployment: Deployment) -> None:
    database_url = deployment.database_url
    server = launch_deployment(deployment)
    try:
        s = Session.start(server.url)
        codes = enlarge_roll(s.staff, s.meeting_id, TERMINALS)
        fleet = Fleet(server.url)

        async def run() -> tuple[str, list[Any], dict[str, Any]]:
            await fleet.connect(codes)
            vote_id = s.open(s.item("决议")["id"])
            await fleet.wait_open(vote_id)
            rng = random.Random(5)

            async def cast(index: int) -> Any:
                await asyncio.sleep(rng.uniform(0, 1.2))
                try:
                    return await fleet.clients[index].vote(vote_id, {"choice": choice_for(index)}, timeout=30)
                except ClientError as refusal:
                    return refusal

            tasks = [asyncio.create_task(cast(i)) for i in range(TERMINALS)]
            await asyncio.sleep(0.6)
            result = await asyncio.to_thread(s.close, vote_id)
            outcomes = list(await asyncio.gather(*tasks, return_exceptions=True))
            # After the close: refused, with the reason.
            try:
                await fleet.clients[0].vote(vote_id, {"choice": "yes"}, timeout=30)
                raise AssertionError("a ballot after the close was accepted")
            except ClientError as refusal:
                assert refusal.code == "vote_not_open" and refusal.message
            await fleet.close()
            return vote_id, outcomes, result

        vote_id, outcomes, result = asyncio.run(run())
        receipts = [o for o in outcomes if isinstance(o, dict)]
        refusals = [o for o in outcomes if isinstance(o, ClientError)]
        other = [o for o in outcomes if not isinstance(o, dict | ClientError)]
        assert other == [], f"silently dropped or failed: {other[:3]}"
        assert len(receipts) + len(refusals) == TERMINALS
        assert {r.code for r in refusals} <= {"vote_not_open"}, Counter(r.code for r in refusals)
        assert receipts and refusals, "the close did not land inside the burst"
        counted = result["counts"]["yes"] + result["counts"]["no"] + result["counts"]["abstain"]
        assert counted == len(receipts)
        assert result["counts"]["not_voted"] == TERMINALS - len(receipts)
        stored = read_stored(database_url, vote_id)
        assert len(stored.ballots_by_seq) == stored.ballot_records == len(receipts)
        assert {r["receipt"]["index"] for r in receipts} == set(stored.ballots_by_seq)
        assert len(stored.participation) == len(receipts)
        print(f"\n[close-race] {database_url.split(':')[0]}: {TERMINALS} sent, {len(receipts)} counted and "
              f"acknowledged, {len(refusals)} refused vote_not_open, 0 dropped")
        s.staff.close()
        s.chair.close()
    finally:
        server.stop()
