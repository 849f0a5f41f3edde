"""load/lean_socket.py, the simulated tablets' and the baseline's WebSocket client, against the
``websockets`` library's own server: whole messages however the server frames them, pings
answered, what it sends arrives, and a clean close either way."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
import websockets

from load import lean_socket


def test_the_lean_client_takes_whole_messages_answers_pings_and_closes_cleanly() -> None:
    async def scenario() -> tuple[list[str | bytes], list[str], bool]:
        heard: list[str] = []
        pong = asyncio.Event()

        async def handler(ws: Any) -> None:
            await ws.send(["分片", "的", "消息"])  # one text message in three frames
            await ws.send(b"\x00\x01binary")
            waiter = await ws.ping()
            await asyncio.wait_for(waiter, 5)  # the client's protocol answered the ping
            pong.set()
            heard.append(await ws.recv())
            await ws.send('{"type":"receipt"}')
            heard.append(await ws.recv())  # the client closes after this one

        async with websockets.serve(handler, "127.0.0.1", 0) as server:
            port = server.sockets[0].getsockname()[1]
            got: list[str | bytes] = []
            ws = await lean_socket.connect(f"ws://127.0.0.1:{port}/ws", got.append, timeout=10)
            assert ws.open
            ws.send("你好")
            for _ in range(100):
                if len(got) == 3:
                    break
                await asyncio.sleep(0.02)
            ws.send("再见")
            await ws.close()
            assert not ws.open
            with pytest.raises(ConnectionError):
                ws.send("晚了")
            return got, heard, pong.is_set()

    got, heard, ponged = asyncio.run(scenario())
    assert got == ["分片的消息", b"\x00\x01binary", '{"type":"receipt"}']
    assert heard == ["你好", "再见"] and ponged


def test_the_lean_client_reports_a_refused_handshake() -> None:
    async def scenario() -> None:
        async def refuse(connection: Any, request: Any) -> Any:
            return connection.respond(403, "no\n")

        async with websockets.serve(lambda ws: ws.wait_closed(), "127.0.0.1", 0, process_request=refuse) as server:
            port = server.sockets[0].getsockname()[1]
            with pytest.raises(websockets.InvalidStatus):
                await lean_socket.connect(f"ws://127.0.0.1:{port}/ws", lambda _: None, timeout=10)

    asyncio.run(scenario())
