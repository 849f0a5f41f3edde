"""Frames written straight to uvicorn's transport (server/direct_send.py ``direct_writer``) go out
only while the WebSocket is open and the transport takes them: never before the handshake, after
a close was sent, after the peer went away, or while the transport is full (back-pressure: the
caller queues the frame instead)."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import websockets
from starlette.applications import Starlette
from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket

from server.direct_send import RawSend, direct_writer
from tests.server.uvicorn_helpers import served

BIG = b"x" * (256 * 1024)


def _app(seen: list[tuple[str, Any]]) -> Any:
    """The endpoint does what each message asks and notes what its direct writer answered."""

    async def endpoint(websocket: WebSocket) -> None:
        write = direct_writer(websocket.scope)
        assert write is not None, "uvicorn's websockets-sansio protocol"
        seen.append(("before the handshake", write(b"early")))
        await websocket.accept()
        while True:
            message = await websocket.receive()
            if message["type"] == "websocket.disconnect":
                await asyncio.sleep(0.05)  # the transport has closed by now
                seen.append(("after the peer went away", write(b"late")))
                return
            text = message.get("text")
            if text == "write":
                seen.append(("open", write(b"direct")))
            elif text == "flood":  # until the transport pushes back (bounded)
                written = 0
                while written < 2000 and write(BIG):
                    written += 1
                seen.append(("flooded", written))
                await websocket.send_text(json.dumps({"flooded": written}))  # queued behind the flood
            elif text == "close":
                await websocket.close(1000)
                seen.append(("after the close was sent", write(b"closing")))

    return RawSend(Starlette(routes=[WebSocketRoute("/ws", endpoint)]))


def _wait_for(seen: list[tuple[str, Any]], what: str) -> Any:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        for name, value in list(seen):
            if name == what:
                return value
        time.sleep(0.01)
    raise AssertionError(f"the endpoint never noted {what!r}: {seen}")


def test_a_frame_goes_straight_out_only_while_the_websocket_is_open() -> None:
    seen: list[tuple[str, Any]] = []

    async def run(url: str) -> str | bytes:
        async with websockets.connect(url, compression=None) as ws:
            await ws.send("write")
            direct = await ws.recv()
            await ws.send("close")
            await ws.wait_closed()
            return direct

    with served(_app(seen)) as url:
        direct = asyncio.run(run(url))
        assert direct == "direct"
        assert _wait_for(seen, "before the handshake") is False
        assert _wait_for(seen, "open") is True
        assert _wait_for(seen, "after the close was sent") is False


def test_no_frame_goes_out_once_the_peer_has_gone() -> None:
    seen: list[tuple[str, Any]] = []

    async def run(url: str) -> None:
        ws = await websockets.connect(url, compression=None)
        await ws.send("write")
        assert await ws.recv() == "direct"
        ws.transport.abort()  # gone, without a closing handshake

    with served(_app(seen)) as url:
        asyncio.run(run(url))
        assert _wait_for(seen, "after the peer went away") is False


def test_a_full_transport_refuses_the_next_frame_and_takes_frames_again_once_drained() -> None:
    """The peer stops reading: the transport buffers past its high-water mark, uvicorn pauses
    writing, and the writer answers False (the hub then queues, bounded). Once the peer has read
    everything, frames go straight out again."""
    seen: list[tuple[str, Any]] = []

    async def run(url: str) -> tuple[int, str | bytes]:
        # max_queue=1: the client stops reading its socket after one unread message
        async with websockets.connect(url, compression=None, max_size=None, max_queue=1) as ws:
            await ws.send("flood")
            deadline = time.monotonic() + 10
            while not any(name == "flooded" for name, _ in seen) and time.monotonic() < deadline:
                await asyncio.sleep(0.01)
            flooded = 0
            while True:  # now read it all, up to the note queued behind the flood
                message = await ws.recv()
                if message != BIG.decode():
                    assert json.loads(message)["flooded"] == flooded
                    break
                flooded += 1
            await ws.send("write")
            return flooded, await ws.recv()

    with served(_app(seen)) as url:
        flooded, after = asyncio.run(run(url))
        assert 0 < flooded < 2000, "the transport pushed back long before 2,000 frames of 256 KiB"
        assert after == "direct"
        assert _wait_for(seen, "open") is True
