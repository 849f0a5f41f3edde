"""Frames taken straight from uvicorn's parser once a terminal is signed in
(server/direct_receive.py): in the order they were sent, text and binary alike, with uvicorn's
own rules for what it would refuse or drop, and through ASGI wherever that is not possible."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import websockets
from starlette.applications import Starlette
from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket

from server.direct_receive import take_frames
from server.direct_send import RawSend, direct_writer
from tests.conftest import RunningServer
from tests.server.session_helpers import Session
from tests.server.uvicorn_helpers import served


def _echo_app(taken: list[bool | None]) -> Any:
    """Echoes every message; from the second on, straight from the parser (as the endpoint does
    once the conversation is signed in). The first, ``"queued …"``, is echoed through ASGI."""

    async def endpoint(websocket: WebSocket) -> None:
        await websocket.accept()
        write = direct_writer(websocket.scope)

        def echo(raw: str | bytes) -> None:
            text = raw if isinstance(raw, str) else "bytes:" + raw.hex()
            if write is None or not write(text.encode()):
                asyncio.get_running_loop().create_task(websocket.send_text(text))

        while True:
            message = await websocket.receive()
            if message["type"] == "websocket.disconnect":
                return
            echo(message.get("text") or message.get("bytes") or b"")
            if not taken:
                taken.append(take_frames(websocket.scope, echo))

    return RawSend(Starlette(routes=[WebSocketRoute("/ws", endpoint)]))


def test_frames_taken_from_the_parser_keep_their_order_text_and_binary() -> None:
    taken: list[bool | None] = []

    async def run(url: str) -> list[str]:
        async with websockets.connect(url, compression=None) as ws:
            await ws.send("queued 0")
            assert await ws.recv() == "queued 0"
            sent: list[str] = []
            for i in range(1, 200):  # sent without waiting: several arrive in one read
                if i % 7 == 0:
                    await ws.send(bytes([i]))
                    sent.append("bytes:" + bytes([i]).hex())
                else:
                    await ws.send(f"直接 {i}")
                    sent.append(f"直接 {i}")
            return [str(await asyncio.wait_for(ws.recv(), 10)) for _ in sent] + sent

    with served(_echo_app(taken)) as url:
        echoed = asyncio.run(run(url))
    half = len(echoed) // 2
    assert taken == [True]
    assert echoed[:half] == echoed[half:]


def test_a_text_frame_that_is_not_utf8_is_closed_with_1007_as_uvicorn_does() -> None:
    taken: list[bool | None] = []

    async def run(url: str) -> int | None:
        async with websockets.connect(url, compression=None) as ws:
            await ws.send("queued 0")
            await ws.recv()
            # A text frame carrying bytes that are not UTF-8 (the client library would not send one).
            ws.protocol.send_text(b"\xff\xfe not utf-8")
            ws.send_data()
            try:
                await asyncio.wait_for(ws.recv(), 10)
            except websockets.ConnectionClosed as closed:
                return closed.rcvd.code if closed.rcvd is not None else None
            return None

    with served(_echo_app(taken)) as url:
        code = asyncio.run(run(url))
    assert taken == [True]
    assert code == 1007


def test_under_another_server_frames_keep_going_through_asgi() -> None:
    """No uvicorn ``websockets-sansio`` protocol behind the scope (another server, or a test
    client): nothing is taken, the endpoint keeps receiving as before."""
    assert take_frames({"type": "websocket"}, lambda raw: None) is None
    assert take_frames({"type": "websocket", "renda.server_send": object()}, lambda raw: None) is None


def test_frames_sent_right_behind_the_hello_are_answered_in_order(server: RunningServer) -> None:
    """A tablet that sends its hello and, without waiting for the welcome, more frames: those
    queued behind the hello are taken through ASGI, the rest from the parser, all in order."""
    s = Session.start(server.url)
    token = httpx.post(f"{server.url}/api/deputy/login", json={"code": s.codes[3]["code"]}).json()["token"]

    async def run() -> list[dict[str, Any]]:
        url = server.url.replace("http://", "ws://") + "/ws"
        async with websockets.connect(url, compression=None) as ws:
            await ws.send(json.dumps({"type": "hello", "v": 1, "token": token}))
            for t in range(30):
                await ws.send(json.dumps({"type": "ping", "t": t}))
            pongs: list[dict[str, Any]] = []
            while len(pongs) < 30:
                message = json.loads(await asyncio.wait_for(ws.recv(), 20))
                if message["type"] == "pong":
                    pongs.append(message)
            return pongs

    pongs = asyncio.run(run())
    assert [p["t"] for p in pongs] == list(range(30))
