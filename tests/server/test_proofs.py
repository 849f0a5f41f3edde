"""The proof pool (server/proofs.py): its workers are started before the first encrypted ballot
needs them, and check ballots as the server's route does."""

from __future__ import annotations

import asyncio

import psutil

from ballotcrypto.ballot import Context
from ballotcrypto.group import Point, base_mul
from ballotcrypto.votes import encrypt_plain, vote_form
from server.errors import ServerError
from server.proofs import ProofChecker


def _workers() -> set[int]:
    """This process's children but multiprocessing's resource tracker."""
    return {child.pid for child in psutil.Process().children()
            if "resource_tracker" not in " ".join(child.cmdline())}


def _encryption() -> dict[str, object]:
    shaped = vote_form({"kind": "motion"})
    assert shaped is not None
    context = Context("bench.local/log", "v1-1", Point(base_mul(20261203)), shaped.form)
    return {"context": context.to_json(), "vid": context.vid,
            "selections": [label.to_json() for label in shaped.labels]}


def test_warm_starts_every_worker_at_once_and_they_check_ballots_after() -> None:
    encryption = _encryption()
    context = encryption["context"]
    assert isinstance(context, dict)
    checker = ProofChecker(2)
    before = _workers()

    async def body() -> None:
        pids = await checker.warm(context)
        started = _workers() - before
        assert len(started) == 2  # both spawned by the warm-up, none left for the first ballots
        assert len(pids) == 2 and set(pids) <= started
        assert await checker.warm(None)  # warm again: no-op jobs
        assert _workers() - before == started
        ballot = encrypt_plain(encryption, {"choice": "yes"}).ballot.to_json()
        await checker.ballot(context, ballot)
        selections = ballot["selections"]
        assert isinstance(selections, list)
        forged = {**ballot, "selections": [selections[1], selections[0], selections[2]]}
        try:
            await checker.ballot(context, forged)
        except ServerError as error:
            assert error.code == "invalid_ballot" and error.field == "ballot.s0"
        else:  # pragma: no cover - the check above must refuse
            raise AssertionError("a ballot with swapped selections was accepted")
        assert _workers() - before == started

    try:
        asyncio.run(body())
    finally:
        checker.close()


def test_ballots_arriving_while_the_workers_are_busy_share_a_job_and_each_gets_its_own_answer() -> None:
    encryption = _encryption()
    context = encryption["context"]
    assert isinstance(context, dict)
    checker = ProofChecker(1)
    ballots: list[object] = [encrypt_plain(encryption, {"choice": "yes"}).ballot.to_json() for _ in range(12)]
    made = ballots[5]
    assert isinstance(made, dict) and isinstance(made["selections"], list)
    ballots[5] = {**made, "selections": [made["selections"][2], made["selections"][1], made["selections"][0]]}

    async def body() -> list[BaseException | None]:
        await checker.warm(context)
        jobs = checker.jobs
        answers = await asyncio.gather(*(checker.ballot(context, b) for b in ballots), return_exceptions=True)
        # the first goes alone; the other 11 (33 selections) wait and go as 10 (30) + 1
        assert checker.jobs - jobs == 3
        return answers

    try:
        answers = asyncio.run(body())
    finally:
        checker.close()
    assert [a is None for a in answers] == [i != 5 for i in range(12)]
    refusal = answers[5]
    assert isinstance(refusal, ServerError) and refusal.code == "invalid_ballot" and refusal.field == "ballot.s0"
