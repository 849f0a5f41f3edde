"""Hostile and mistaken frames over a real WebSocket: each gets a coded, Chinese refusal, the
connection survives where sensible, and nothing stored changes."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import websockets

from server import protocol
from tests.conftest import RunningServer
from tests.server.session_helpers import Session, choices, ok


async def _next(ws: Any, kind: str) -> dict[str, Any]:
    while True:
        message = json.loads(await asyncio.wait_for(ws.recv(), 20))
        if message["type"] == kind:
            return message  # type: ignore[no-any-return]


async def _refusal(ws: Any, frame: str | bytes) -> dict[str, Any]:
    await ws.send(frame)
    return await _next(ws, "error")


def test_bad_frames_are_refused_with_codes_and_change_nothing(server: RunningServer) -> None:
    async def run() -> None:
        s = Session.start(server.url)
        try:
            await s.connect(40)
            vote_id = s.open(s.item("决议")["id"])
            await s.cast(vote_id, choices(yes=20))
            token = httpx.post(f"{server.url}/api/deputy/login", json={"code": s.codes[45]["code"]}).json()["token"]
            url = server.url.replace("http://", "ws://") + "/ws"
            async with websockets.connect(url, compression=None) as ws:
                assert (await _refusal(ws, json.dumps({"type": "check_in"})))["code"] == "unauthenticated"
                await ws.send(json.dumps({"type": "hello", "v": 1, "token": token}))
                await _next(ws, "welcome")
                cases: list[tuple[str | bytes, str]] = [
                    ("{oops", "malformed_json"),
                    ("[]", "not_an_object"),
                    (json.dumps({"type": "launch"}), "unknown_type"),
                    (json.dumps({"type": "ballot", "vote_id": vote_id}), "missing_field"),
                    (json.dumps({"type": "ballot", "vote_id": vote_id, "ballot_id": "short", "ballot": {}}),
                     "invalid_ballot_id"),
                    (json.dumps({"type": "ballot", "vote_id": "v999-1", "ballot_id": "u" * 32,
                                 "ballot": {"choice": "yes"}}), "not_found"),
                    (json.dumps({"type": "ballot", "vote_id": vote_id, "ballot_id": "m" * 32,
                                 "ballot": {"choice": "maybe"}}), "cast_token_required"),
                    (json.dumps({"type": "ballot", "vote_id": vote_id, "ballot_id": "m" * 32,
                                 "ballot": {"choice": "maybe"}, "cast_token": 7}), "invalid_field"),
                    (json.dumps({"type": "ballot", "vote_id": vote_id, "ballot_id": "m" * 32,
                                 "ballot": {"choice": "maybe"}, "cast_token": "k" * 32}), "forbidden"),
                    (json.dumps({"type": "hello", "v": 1, "token": token}), "already_authenticated"),
                ]
                for frame, code in cases:
                    error = await _refusal(ws, frame)
                    assert error["code"] == code, (frame, error)
                    assert error["message"]
                # This deputy has not checked in, so is not on the vote's roll: refused, not counted.
                # Checked in later, still not on the roll frozen at open.
                await ws.send(json.dumps({"type": "check_in"}))
                await _next(ws, "me")
                error = await _refusal(ws, json.dumps({"type": "ballot", "vote_id": vote_id, "ballot_id": "x" * 32,
                                                       "ballot": {"choice": "yes"}, "cast_token": "k" * 32}))
                assert error["code"] == "forbidden" and error["ref"] == "x" * 32
                # The connection is still usable.
                await ws.send(json.dumps({"type": "ping", "t": 1}))
                assert (await _next(ws, "pong"))["t"] == 1
            # A deputy on the roll: a ballot that does not fit the item is refused naming the field.
            voter = s.deputies[30]
            try:
                await voter.vote(vote_id, {"choice": "yes", "extra": 1}, timeout=10)
                raise AssertionError("a malformed ballot was accepted")
            except Exception as error:
                assert getattr(error, "code", None) == "invalid_ballot"
            async with websockets.connect(url, compression=None, max_size=2**20) as ws:
                await ws.send(json.dumps({"type": "hello", "v": 1, "screen": s.meeting_id}))
                await _next(ws, "state")
                refusal = await _refusal(ws, "x" * (protocol.MAX_FRAME_BYTES + 1))
                assert refusal["code"] == "frame_too_large"
                refusal = await _refusal(ws, json.dumps({"type": "check_in"}))
                assert refusal["code"] == "wrong_role"
            result = s.close(vote_id)
            assert result["counts"] == {"yes": 20, "no": 0, "abstain": 0, "not_voted": 20}
        finally:
            await s.finish()

    asyncio.run(run())


def test_bad_tokens_close_the_socket_after_three_tries(server: RunningServer) -> None:
    async def run() -> None:
        url = server.url.replace("http://", "ws://") + "/ws"
        async with websockets.connect(url, compression=None) as ws:
            for _ in range(3):
                await ws.send(json.dumps({"type": "hello", "v": 1, "token": "forged"}))
                assert (await _next(ws, "error"))["code"] == "bad_token"
            try:
                await asyncio.wait_for(ws.recv(), 10)
            except websockets.ConnectionClosed as closed:
                assert closed.rcvd is not None and closed.rcvd.code == 4401
            else:
                raise AssertionError("socket stayed open")

    asyncio.run(run())


def test_http_refusals_are_json_with_chinese_messages(server: RunningServer) -> None:
    with httpx.Client(base_url=server.url, timeout=30) as client:
        response = client.post("/api/login", content=b"{not json", headers={"content-type": "application/json"})
        assert response.status_code == 422 and response.json()["error"]["code"] == "invalid_request"
        response = client.get("/api/meetings/1/roll")
        assert response.status_code == 401 and response.json()["error"]["message"] == "请先登录"
        response = client.get("/api/meetings/999/state")
        assert response.status_code == 404 and response.json()["error"]["message"] == "会议不存在"
        staff_token = ok(client.post("/api/login", json={"username": "staff", "password": "demo-staff-2026"}))["token"]
        client.headers["Authorization"] = f"Bearer {staff_token}"
        response = client.post("/api/meetings/1/items", content=b"[1,2]", headers={"content-type": "application/json"})
        assert response.status_code == 422 and response.json()["error"] == {
            "code": "invalid_request", "message": "请求内容应为 JSON 对象"}
        response = client.post("/api/meetings/1/items", json={"kind": "election", "title": "等额选举委员",
                                                              "definition": {"office": "member", "seats": 2,
                                                                             "candidates": ["甲", "乙"]}})
        error = response.json()["error"]
        assert error["code"] == "statutory_violation" and "十分之一至五分之一" in error["message"]
