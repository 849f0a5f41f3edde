"""An encrypted secret vote end to end over HTTP and WebSockets: the 监票人's key ceremony, ballots
encrypted by the terminal client, a challenged ballot, the close that keeps only totals, and the
count from the partial decryptions of k 监票人 — on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from ballotcrypto.ballot import encrypt_ballot
from ballotcrypto.group import Scalar
from ballotcrypto.randomness import SYSTEM
from ballotcrypto.votes import context_of, encrypt_plain
from terminals.trustee import Trustee, post_partial
from terminals.trustee import run_ceremony as ceremony
from tests.conftest import RunningServer
from tests.server.session_helpers import Session, choices, login, ok, refused

PASSWORD = "trustee-password-2026-long"


def _account(staff: httpx.Client, url: str, number: int) -> Trustee:
    username = f"trustee{number}"
    ok(staff.post("/api/accounts", json={"username": username, "display_name": f"监票人{number}",
                                         "role": "scrutineer", "password": PASSWORD}))
    client = httpx.Client(base_url=url, timeout=60)
    token = ok(client.post("/api/login", json={"username": username, "password": PASSWORD}))["token"]
    client.headers["Authorization"] = f"Bearer {token}"
    return Trustee(number, username, client)


def run_ceremony(url: str, meeting_id: int, n: int, k: int) -> tuple[list[Trustee], dict[str, Any]]:
    """n 监票人 accounts made by staff, each on a device of its own, through the three rounds
    (terminals/trustee.py); the election key the server logs at the end."""
    staff = login(url, "staff")
    trustees = [_account(staff, url, number) for number in range(1, n + 1)]
    return trustees, ceremony(staff, trustees, meeting_id, k)


def test_an_encrypted_motion_is_counted_from_totals_that_k_of_n_scrutineers_decrypt(server: RunningServer) -> None:
    async def body(s: Session) -> None:
        trustees, key = run_ceremony(s.url, s.meeting_id, n=3, k=2)
        assert len(key["fingerprint"]) == 19
        item = s.item("工作报告的决议")
        vote_id = s.open(item["id"])
        await s.wait_open(vote_id)
        opened = s.deputies[0].encryption_of(vote_id)
        assert opened is not None and opened["fingerprint"] == key["fingerprint"]

        # A deputy challenges an encrypted ballot: its opening is checked and logged, never counted.
        challenged = encrypt_plain(opened, {"choice": "no"})
        deputy = httpx.Client(base_url=s.url, timeout=60,
                              headers={"Authorization": f"Bearer {s.deputies[0].token}"})
        spoiled = ok(deputy.post(f"/api/votes/{vote_id}/spoil", json={
            "ballot": challenged.ballot.to_json(), "opening": challenged.opening.to_json()}))
        assert spoiled["values"] == [0, 1, 0] and spoiled["tracker"] == challenged.ballot.tracker
        refused(deputy.post(f"/api/votes/{vote_id}/spoil", json={
            "ballot": challenged.ballot.to_json(),
            "opening": {**challenged.opening.to_json(), "values": [1, 0, 0]}}), "invalid_opening", 400)

        receipts = await s.cast(vote_id, choices(yes=25, no=9, abstain=4))
        assert all(len(r["tracker"]) == 64 for r in receipts)

        closed = s.chair.post(f"/api/votes/{vote_id}/close")
        assert closed.status_code == 202, closed.text
        assert closed.json() == {"vote_id": vote_id, "state": "decrypting", "k": 2, "ballots_cast": 38}
        taken = ok(post_partial(trustees[2], vote_id))
        assert taken["result"] is None and taken["received"] == [3]
        refused(post_partial(trustees[2], vote_id), "already_posted", 409)
        result = ok(post_partial(trustees[0], vote_id))["result"]
        assert result["counts"] == {"yes": 25, "no": 9, "abstain": 4, "not_voted": 2}
        assert result["outcome"] == "failed"  # 25 of 60 is not 过半数 of all deputies
        vote = ok(s.chair.get(f"/api/votes/{vote_id}"))
        assert vote["state"] == "closed" and vote["result"] == result
        refused(post_partial(trustees[1], vote_id), "not_decrypting", 409)

    from tests.server.session_helpers import in_session
    in_session(server.url, body)


def test_a_ballot_whose_proofs_fail_is_refused_and_nothing_is_stored(server: RunningServer) -> None:
    async def body(s: Session) -> None:
        run_ceremony(s.url, s.meeting_id, n=2, k=2)
        vote_id = s.open(s.item("工作报告的决议")["id"])
        await s.wait_open(vote_id)
        tablet = s.deputies[0]
        encryption = tablet.encryption_of(vote_id)
        assert encryption is not None
        made = encrypt_plain(encryption, {"choice": "yes"}).ballot.to_json()
        selections = made["selections"]
        assert isinstance(selections, list)
        forged = {**made, "selections": [selections[1], selections[0], selections[2]]}
        await tablet._send({"type": "ballot", "vote_id": vote_id, "ballot_id": made["ballot"], "ballot": forged})
        await tablet.wait_for(lambda c: any(e.get("ref") == made["ballot"] for e in c.errors))
        error = next(e for e in tablet.errors if e.get("ref") == made["ballot"])
        assert error["code"] == "invalid_ballot" and error["field"] == "ballot.s0"
        assert ok(s.chair.get(f"/api/votes/{vote_id}"))["cast"] == 0
        receipt = await tablet.vote(vote_id, {"choice": "yes"})
        assert receipt["duplicate"] is False
        await asyncio.sleep(0)

    from tests.server.session_helpers import in_session
    in_session(server.url, body)


class Replaying:
    """Randomness that re-uses a challenged ballot's published nonces (what anyone can do once the
    opening is public): a new ballot id, the same ciphertexts, valid proofs."""

    def __init__(self, nonces: tuple[Scalar, ...]) -> None:
        self.nonces = list(nonces)

    def scalar(self) -> Scalar:
        return self.nonces.pop(0) if self.nonces else SYSTEM.scalar()

    def octets(self, size: int) -> bytes:
        return SYSTEM.octets(size)


def test_a_challenged_ballot_re_proved_under_a_new_id_cannot_be_cast(server: RunningServer) -> None:
    async def body(s: Session) -> None:
        run_ceremony(s.url, s.meeting_id, n=2, k=2)
        vote_id = s.open(s.item("工作报告的决议")["id"])
        await s.wait_open(vote_id)
        tablet = s.deputies[0]
        encryption = tablet.encryption_of(vote_id)
        assert encryption is not None
        challenged = encrypt_plain(encryption, {"choice": "yes"})
        deputy = httpx.Client(base_url=s.url, timeout=60, headers={"Authorization": f"Bearer {tablet.token}"})
        ok(deputy.post(f"/api/votes/{vote_id}/spoil", json={
            "ballot": challenged.ballot.to_json(), "opening": challenged.opening.to_json()}))
        copy = encrypt_ballot(context_of(encryption), list(challenged.opening.values),
                              Replaying(challenged.opening.nonces)).ballot
        assert copy.ballot != challenged.ballot.ballot
        assert copy.selections[0].ciphertext == challenged.ballot.selections[0].ciphertext
        refused(deputy.post("/api/ballots", json={"vote_id": vote_id, "ballot_id": copy.ballot,
                                                  "ballot": copy.to_json(), "cast_token": "t" * 32}),
                "ballot_replayed", 409)
        assert ok(s.chair.get(f"/api/votes/{vote_id}"))["cast"] == 0

    from tests.server.session_helpers import in_session
    in_session(server.url, body)
