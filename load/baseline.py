"""The bare-websockets baseline: what this machine does with no application at all.

A ``websockets`` server that broadcasts a given message to every client -- the benchmark gives it
the very state message that showed the real server's tablets a vote opening, and its clients take
it with the simulated tablets' own function (``terminals_worker.take``), so both sides do the same
work per frame -- and echoes what each client sends. The benchmark measures it between the real
server's rounds and reports each figure's ratio to it.
"""

from __future__ import annotations

import asyncio
import functools
import json
import time
from multiprocessing.connection import Connection
from typing import Any

import orjson
import uvloop
import websockets

from load import lean_socket, quiet_collector, terminals_worker


async def _server(port: int, ready: Connection) -> None:
    clients: set[Any] = set()

    async def handler(ws: Any) -> None:
        clients.add(ws)
        try:
            async for frame in ws:
                message = json.loads(frame)
                if "broadcast" in message:
                    websockets.broadcast([c for c in clients if c is not ws], str(message["broadcast"]))
                else:
                    await ws.send(frame)
        finally:
            clients.discard(ws)

    async with websockets.serve(handler, "127.0.0.1", port, compression=None, max_size=2**24, ping_interval=None):
        ready.send("listening")
        await asyncio.Future()


def serve(port: int, ready: Connection) -> None:
    asyncio.run(_server(port, ready))


async def _clients(url: str, count: int, pipe: Connection) -> None:
    loop = asyncio.get_running_loop()
    received: list[float | None] = [None] * count
    echoes: dict[int, float] = {}
    sockets: list[lean_socket.LeanSocket] = []
    tablets = [terminals_worker.Tablet(f"baseline-{index}") for index in range(count)]

    def take(index: int, frame: str | bytes) -> None:
        if frame[:5] in ('{"t":', b'{"t":'):  # an echo (``_echo``)
            echoes[index] = time.monotonic() - orjson.loads(frame)["t"]
            return
        tablet = tablets[index]
        seen = len(tablet.seen_open)
        terminals_worker.take(tablet, frame)  # as a simulated tablet takes the state that opens a vote
        if len(tablet.seen_open) > seen:
            received[index] = next(reversed(tablet.seen_open.values()))

    semaphore = asyncio.Semaphore(64)

    async def connect(index: int) -> None:
        async with semaphore:
            sockets.append(await lean_socket.connect(url, functools.partial(take, index)))

    await asyncio.gather(*(connect(i) for i in range(count)))
    quiet_collector()
    pipe.send(("ready", count))
    while True:
        command = await loop.run_in_executor(None, pipe.recv)
        if command[0] == "wait_broadcast":
            deadline = time.monotonic() + command[1]
            while time.monotonic() < deadline and any(r is None for r in received):
                await asyncio.sleep(0.01)
            pipe.send(("broadcast", list(received)))
            received[:] = [None] * count
        elif command[0] == "echo":
            _, start_at, spread = command
            await asyncio.sleep(max(0.0, start_at - time.monotonic()))
            await asyncio.gather(*(_echo(ws, i * spread / max(1, count)) for i, ws in enumerate(sockets)))
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and len(echoes) < count:
                await asyncio.sleep(0.01)
            pipe.send(("echo", list(echoes.values())))
            echoes.clear()
        elif command[0] == "stop":
            await asyncio.gather(*(ws.close() for ws in sockets))
            pipe.send(("stopped",))
            return


async def _echo(ws: lean_socket.LeanSocket, delay: float) -> None:
    await asyncio.sleep(delay)
    ws.send(json.dumps({"t": time.monotonic()}))


def clients(url: str, count: int, pipe: Connection) -> None:
    uvloop.run(_clients(url, count, pipe))  # the same client as the simulated tablets (load/lean_socket.py)


async def _control(url: str, message: str) -> float:
    async with websockets.connect(url, compression=None, max_size=2**24, ping_interval=None) as ws:
        started = time.monotonic()
        await ws.send(json.dumps({"broadcast": message}))
        await asyncio.sleep(0.05)
        return started


def trigger_broadcast(url: str, message: str) -> float:
    """Ask the baseline server to broadcast ``message``; returns the monotonic time the request
    was sent."""
    return asyncio.run(_control(url, message))
