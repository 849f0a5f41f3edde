"""Impersonation (complements tests/server/test_roll_and_roles.py).

- The member a ballot counts for comes only from the token: a deputy who adds another deputy's id
  (``member_id``, ``member``, ``member_code``, …) to a ballot frame or to the HTTP fallback still
  votes as themself; the other deputy is untouched and votes normally afterwards.
- A deputy never sees another's receipt: nothing deputy A's terminal receives — ``me`` snapshots,
  states, ticks — ever holds B's ballot id or receipt.
- Revoked and expired credentials are refused: a new code revokes the old one; after logout the
  token is refused over HTTP and on a new socket, and a socket signed in with it is closed; a token
  past its expiry is refused.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import websockets
from sqlalchemy import create_engine, text

from server import security
from server.db import normalise_url
from terminals.client import TerminalClient
from tests.conftest import InProcessServer, Seeds
from tests.reliability.helpers import read_stored, ws_url
from tests.server.session_helpers import Session, login, ok, refused


@pytest.fixture
def sqlite_server(seeds: Seeds, tmp_path: Path) -> Iterator[InProcessServer]:
    with InProcessServer(seeds.copy("sqlite", tmp_path)) as server:
        yield server


async def _hello(url: str, token: str) -> tuple[Any, dict[str, Any]]:
    ws = await websockets.connect(ws_url(url), compression=None, max_size=2**24)
    await ws.send(json.dumps({"type": "hello", "v": 1, "token": token}))
    return ws, json.loads(await asyncio.wait_for(ws.recv(), 20))


def test_the_member_comes_only_from_the_token_and_no_deputy_sees_another_s_receipt(
        sqlite_server: InProcessServer) -> None:
    server = sqlite_server
    s = Session.start(server.url)
    heard_by_a: list[str] = []

    async def run() -> dict[str, Any]:
        clients: list[TerminalClient] = await s.connect(40)  # the Python client, as a tablet
        a, b, c = clients[:3]
        original = a.on_message
        a.on_message = lambda m: heard_by_a.append(json.dumps(m, ensure_ascii=False))
        assert original is None
        vote_id = s.open(s.item("决议")["id"])
        await s.wait_open(vote_id, clients[:3])
        assert b.me is not None and c.me is not None
        b_id, c_id = b.me["member"]["id"], c.me["member"]["id"]
        b_code = next(x["member_code"] for x in s.codes if x["member_id"] == b_id)
        # A forges B as the voter in every way a frame could carry it: ignored, A votes as A.
        forged = {"type": "ballot", "vote_id": vote_id, "ballot_id": "a" * 32, "ballot": {"choice": "no"},
                  "cast_token": "t" * 32,
                  "member_id": b_id, "member": b_id, "member_code": b_code, "voter": b_id, "token": b.token}
        await a._send(forged)
        await a.wait_for(lambda cl: vote_id in cl.receipts)
        assert a.me is not None
        # The server's own view of A (a receipt is the answer to a ballot; no `me` follows it).
        await a._send({"type": "sync"})
        await a.wait_for(lambda cl: cl.me is not None and cl.me["votes"].get(vote_id, {}).get("voted"))
        await b.wait_for(lambda cl: cl.me is not None and vote_id in cl.me["votes"])
        assert b.me["votes"][vote_id]["voted"] is False  # B untouched
        # A again, "as B": A has voted, so this is a change without the previous ballot id.
        await a._send({**forged, "ballot_id": "b" * 32, "ballot": {"choice": "yes"}})
        await a.wait_for(lambda cl: any(e.get("ref") == "b" * 32 for e in cl.errors))
        assert next(e for e in a.errors if e.get("ref") == "b" * 32)["code"] == "change_needs_previous"
        # The HTTP fallback: a field naming a member is refused (unknown fields are, everywhere) and
        # nothing is stored; without it, the member is the token's.
        ballot = {"vote_id": vote_id, "ballot_id": "c" * 32, "ballot": {"choice": "abstain"}, "cast_token": "u" * 32}
        forged_http = httpx.post(f"{server.url}/api/ballots", headers={"Authorization": f"Bearer {c.token}"},
                                 json={**ballot, "member_id": b_id})
        assert forged_http.status_code == 422 and forged_http.json()["error"]["field"] == "member_id"
        http_c = httpx.post(f"{server.url}/api/ballots", headers={"Authorization": f"Bearer {c.token}"},
                            json=ballot).json()
        assert http_c["receipt"]["index"] >= 0 and http_c["duplicate"] is False
        await b._send({"type": "sync"})
        await asyncio.sleep(0.3)
        assert b.me is not None and b.me["votes"][vote_id]["voted"] is False
        b_receipt = await b.vote(vote_id, {"choice": "yes"})
        await a._send({"type": "sync"})
        def mes() -> int:
            return sum(1 for m in heard_by_a if m.startswith('{"type": "me"'))

        heard = mes()
        await a.wait_for(lambda cl: mes() > heard)
        # A secret vote: even A's own `me` says only that A voted (the ballot id stays on the tablet).
        assert a.me is not None and a.me["votes"][vote_id] == {"eligible": True, "voted": True}
        await asyncio.sleep(0.6)  # let ticks and me snapshots after B's ballot reach A
        stored = read_stored(server.database_url, vote_id, server.data_dir)
        return {"vote_id": vote_id, "b_receipt": b_receipt, "ids": (a.me["member"]["id"], b_id, c_id),
                "stored": stored}

    try:
        figures = asyncio.run(run())
        stored = figures["stored"]
        a_id, b_id, c_id = figures["ids"]
        assert sorted(stored.participation) == sorted([a_id, b_id, c_id])
        assert sorted(v["choice"] for v in stored.ballots_by_seq.values()) == ["abstain", "no", "yes"]
        result = s.close(figures["vote_id"])
        assert (result["counts"]["yes"], result["counts"]["no"], result["counts"]["abstain"]) == (1, 1, 1)
        # Nothing A's terminal heard holds B's ballot id or B's receipt leaf.
        b_receipt = figures["b_receipt"]
        everything = "\n".join(heard_by_a)
        assert b_receipt["ballot_id"] not in everything
        assert b_receipt["receipt"]["leaf_hash"] not in everything
        assert "c" * 32 not in everything
        mes = [json.loads(m) for m in heard_by_a if json.loads(m)["type"] == "me"]
        assert mes and all(m["member"]["id"] == a_id for m in mes)
    finally:
        asyncio.run(s.finish())


def test_revoked_codes_logged_out_and_expired_tokens_are_refused(sqlite_server: InProcessServer) -> None:
    server = sqlite_server
    staff = login(server.url, "staff")
    meeting_id = ok(staff.get("/api/meetings"))[0]["id"]
    reissue = {"member_ids": [5], "reason": "代表遗失签到码"}
    first = ok(staff.post(f"/api/meetings/{meeting_id}/codes", json=reissue))[0]["code"]
    http = httpx.Client(base_url=server.url, timeout=30)
    earlier = ok(http.post("/api/deputy/login", json={"code": first}))["token"]
    # New codes for the deputy: the old code is refused, and so is every token signed in with it.
    second = ok(staff.post(f"/api/meetings/{meeting_id}/codes", json=reissue))[0]["code"]
    refused(http.post("/api/deputy/login", json={"code": first}), "bad_code", 401)
    refused(http.get("/api/me", headers={"Authorization": f"Bearer {earlier}"}), "bad_token", 401)
    token = ok(http.post("/api/deputy/login", json={"code": second}))["token"]
    other = ok(http.post("/api/deputy/login", json={"code": second}))["token"]

    async def sockets() -> None:
        ws, welcome = await _hello(server.url, token)
        assert welcome["type"] == "welcome"
        # Logout: the token is refused over HTTP and on a new socket, and its open socket is closed.
        assert http.post("/api/logout", headers={"Authorization": f"Bearer {token}"}).status_code == 200
        refused(http.get("/api/me", headers={"Authorization": f"Bearer {token}"}), "bad_token", 401)
        again, answer = await _hello(server.url, token)
        assert answer["type"] == "error" and answer["code"] == "bad_token"
        await again.close()
        try:
            while True:
                await asyncio.wait_for(ws.recv(), 10)
        except websockets.ConnectionClosed as closed:
            assert closed.rcvd is not None and closed.rcvd.code == 4401
        # The other deputy token is unaffected.
        ws2, welcome2 = await _hello(server.url, other)
        assert welcome2["type"] == "welcome"
        await ws2.close()

    asyncio.run(sockets())
    # An expired token (its expiry moved into the past behind the server's back) is refused.
    expiring = ok(http.post("/api/deputy/login", json={"code": second}))["token"]
    engine = create_engine(normalise_url(server.database_url))
    with engine.begin() as conn:
        conn.execute(text("UPDATE tokens SET expires_at = :t WHERE token_hash = :h"),
                     {"t": datetime.now(UTC) - timedelta(minutes=1), "h": security.digest(expiring)})
    engine.dispose()
    # A token just issued is trusted from the server's cache for TOKEN_CACHE_S (5 s, the tablet's
    # hello follows the sign-in at once); the change behind its back is seen once that has passed.
    server.app.state.runtime.principals.forget(expiring)
    refused(http.get("/api/me", headers={"Authorization": f"Bearer {expiring}"}), "bad_token", 401)

    async def expired_socket() -> None:
        ws, answer = await _hello(server.url, expiring)
        assert answer["type"] == "error" and answer["code"] == "bad_token"
        await ws.close()

    asyncio.run(expired_socket())
    # A staff token after logout is refused too.
    staff_token = staff.headers["Authorization"].split()[1]
    assert staff.post("/api/logout").status_code == 200
    refused(http.get(f"/api/meetings/{meeting_id}/roll", headers={"Authorization": f"Bearer {staff_token}"}),
            "bad_token", 401)
    staff.close()
    http.close()
