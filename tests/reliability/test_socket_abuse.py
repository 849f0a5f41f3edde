"""Abusive terminals over real sockets must not hurt anyone else.

- slow-loris: terminals that never read (a 4 KiB receive buffer, frames left unread) and keep
  asking for snapshots; the server's per-connection bounded queue keeps the hall screen and the
  deputies' tablets getting state and ticks promptly;
- a flood of 10,000 frames in one second from a signed-in deputy: ``rate_limited`` refusals, then
  close 1008, while another terminal's ping round trip stays short;
- hundreds of connections with one token: at most 4 are let in (``too_many_connections``, 1008).
"""

from __future__ import annotations

import asyncio
import fcntl
import json
import socket
import statistics
import struct
import termios
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import websockets
from websockets.sync.client import connect

from tests.conftest import Seeds, ServerProcess, launch_sqlite
from tests.reliability.helpers import Fleet, ws_url
from tests.server.session_helpers import Session, ok


@pytest.fixture(scope="module")
def sqlite_server(seeds: Seeds, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """A server process of its own: what is measured is how it serves others under abuse."""
    with launch_sqlite(seeds, tmp_path_factory.mktemp("abuse")) as server:
        yield server


class Watcher:
    """A hall screen that reads everything and notes when each frame arrived."""

    def __init__(self) -> None:
        self.frames: list[tuple[float, dict[str, Any]]] = []
        self.ws: Any = None
        self.task: asyncio.Task[None] | None = None

    async def start(self, url: str, meeting_id: int) -> None:
        self.ws = await websockets.connect(ws_url(url), compression=None, max_size=2**24)
        await self.ws.send(json.dumps({"type": "hello", "v": 1, "screen": meeting_id}))
        self.task = asyncio.create_task(self._read())

    async def _read(self) -> None:
        async for frame in self.ws:
            self.frames.append((time.monotonic(), json.loads(frame)))

    async def first_after(self, since: float, predicate: Any, timeout: float = 20) -> float:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for at, message in self.frames:
                if at >= since and predicate(message):
                    return at - since
            await asyncio.sleep(0.005)
        raise AssertionError("the watcher never saw the expected frame")

    async def ping_rtt(self) -> float:
        start = time.monotonic()
        tag = f"p{start}"
        await self.ws.send(json.dumps({"type": "ping", "t": tag}))
        return await self.first_after(start, lambda m: m.get("type") == "pong" and m.get("t") == tag)

    async def stop(self) -> None:
        await self.ws.close()
        if self.task is not None:
            self.task.cancel()


async def _never_reading(url: str, meeting_id: int) -> tuple[socket.socket, Any]:
    """A terminal with a tiny receive buffer that stops reading after the handshake."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    host, port = url.split("//")[1].split(":")
    sock.connect((host, int(port)))
    sock.setblocking(False)
    ws = await websockets.connect(ws_url(url), sock=sock, compression=None, max_queue=1, max_size=2**24,
                                  ping_interval=None)
    await ws.send(json.dumps({"type": "hello", "v": 1, "screen": meeting_id}))
    return sock, ws


def _unread_bytes(sock: socket.socket) -> int:
    return int(struct.unpack("i", fcntl.ioctl(sock.fileno(), termios.FIONREAD, b"\0\0\0\0"))[0])


@pytest.mark.slow
def test_terminals_that_never_read_do_not_delay_state_and_ticks_to_the_others(sqlite_server: ServerProcess) -> None:
    server = sqlite_server

    async def run() -> dict[str, Any]:
        s = Session.start(server.url)
        fleet = Fleet(server.url)
        watcher = Watcher()
        slow: list[tuple[socket.socket, Any]] = []

        async def vote(item_id: int) -> dict[str, float]:
            """A vote opened, cast by the 40 and closed: how long the hall screen waited for the
            opening state and the live count, and the deputies for their receipts."""
            opened_at = time.monotonic()
            vote_id = await asyncio.to_thread(s.open, item_id)
            open_delay = await watcher.first_after(
                opened_at, lambda m: m.get("type") == "state" and any(v["id"] == vote_id for v in m["votes"]))
            cast_at = time.monotonic()
            await fleet.wait_open(vote_id)
            await asyncio.gather(*(c.vote(vote_id, {"choice": "yes"}) for c in fleet.clients))
            receipts_delay = time.monotonic() - cast_at
            tick_delay = await watcher.first_after(
                cast_at, lambda m: m.get("type") == "tick" and m["counts"].get(vote_id) == 40)
            await asyncio.to_thread(s.close, vote_id)
            return {"open": open_delay, "tick": tick_delay, "receipts": receipts_delay}

        try:
            await fleet.connect(s.codes[:40])
            await watcher.start(server.url, s.meeting_id)
            await asyncio.sleep(0.5)
            # The same vote without the stuck terminals, in this run: what this machine takes now.
            first = ok(s.staff.post(f"/api/meetings/{s.meeting_id}/items",
                                    json={"kind": "motion", "title": "关于会议议程的决定"}))
            alone = await vote(first["id"])
            baseline = [await watcher.ping_rtt() for _ in range(5)]
            # Fifty terminals that never read, each asking for a full snapshot 20 times a second.
            slow = [await _never_reading(server.url, s.meeting_id) for _ in range(50)]

            async def pester(ws: Any) -> None:
                for _ in range(100):
                    await ws.send(json.dumps({"type": "sync"}))
                    await asyncio.sleep(0.05)

            pests = [asyncio.create_task(pester(ws)) for _, ws in slow]
            await asyncio.sleep(2.0)  # their buffers and queues are full by now
            # A structural change reaches the hall screen promptly, and so do the live counts while
            # 40 deputies vote, and every deputy gets a receipt.
            stuck = await vote(s.item("决议")["id"])
            during = [await watcher.ping_rtt() for _ in range(5)]
            unread = [_unread_bytes(sock) for sock, _ in slow]
            for task in pests:
                task.cancel()
            return {**stuck, "alone": alone, "baseline": baseline, "during": during, "unread": unread}
        finally:
            for sock, ws in slow:
                ws.transport.abort()
                sock.close()
            await watcher.stop()
            await fleet.close()
            s.staff.close()
            s.chair.close()

    figures = asyncio.run(run())
    # The stuck terminals really were stuck: the server filled their buffers.
    assert min(figures["unread"]) > 0
    # Promptly: within the bound on a quiet machine, or within three times what the same vote took
    # without the stuck terminals in this run (a loaded machine). A server that waited on their
    # sockets would hold the hall screen's frames for as long as they stay stuck: 20 s and more.
    alone = figures["alone"]
    assert figures["open"] < max(1.0, 3 * alone["open"]), figures
    assert figures["tick"] < max(2.0, 3 * alone["tick"]), figures
    assert figures["receipts"] < max(5.0, 3 * alone["receipts"]), figures
    assert statistics.median(figures["during"]) < max(0.25, 3 * statistics.median(figures["baseline"])), figures
    print(f"\n[slow-loris] 50 unread terminals: state after open {figures['open'] * 1000:.0f} ms "
          f"(alone {alone['open'] * 1000:.0f}), tick {figures['tick'] * 1000:.0f} ms "
          f"(alone {alone['tick'] * 1000:.0f}), 40 receipts in {figures['receipts'] * 1000:.0f} ms "
          f"(alone {alone['receipts'] * 1000:.0f}), ping p50 {statistics.median(figures['baseline']) * 1000:.1f} -> "
          f"{statistics.median(figures['during']) * 1000:.1f} ms, unread bytes min {min(figures['unread'])}")
    # The server is still healthy afterwards.
    assert httpx.get(f"{server.url}/api/meetings/1/state", timeout=10).status_code == 200


def test_a_flood_of_ten_thousand_frames_is_rate_limited_and_closed_while_others_are_served(
        sqlite_server: ServerProcess) -> None:
    server = sqlite_server

    async def run() -> dict[str, Any]:
        staff = httpx.Client(base_url=server.url, timeout=30)
        meeting_id = 1
        from tests.server.session_helpers import login

        staff = login(server.url, "staff")
        code = ok(staff.post(f"/api/meetings/{meeting_id}/codes",
                             json={"member_ids": [58], "reason": "重新发放（测试）"}))[0]["code"]
        staff.close()
        token = httpx.post(f"{server.url}/api/deputy/login", json={"code": code}).json()["token"]
        watcher = Watcher()
        await watcher.start(server.url, meeting_id)
        async with websockets.connect(ws_url(server.url), compression=None, max_size=2**24) as ws:
            await ws.send(json.dumps({"type": "hello", "v": 1, "token": token}))
            received: list[dict[str, Any]] = []
            close_code: list[int | None] = []

            async def read() -> None:
                try:
                    async for frame in ws:
                        received.append(json.loads(frame))
                except websockets.ConnectionClosed:
                    pass
                close_code.append(ws.close_code)

            reader = asyncio.create_task(read())
            await asyncio.sleep(0.3)
            sent = 0
            rtts: list[float] = []
            start = time.monotonic()
            try:
                for burst in range(100):  # 10,000 frames in about one second
                    for _ in range(100):
                        await ws.send(json.dumps({"type": "ping", "t": sent}))
                        sent += 1
                    if burst % 20 == 0:
                        rtts.append(await watcher.ping_rtt())
                    await asyncio.sleep(max(0.0, start + (burst + 1) / 100 - time.monotonic()))
            except websockets.ConnectionClosed:
                pass
            await asyncio.wait_for(reader, 20)
            await watcher.stop()
        codes = [m.get("code") for m in received if m.get("type") == "error"]
        return {"sent": sent, "limited": codes.count("rate_limited"), "other": set(codes) - {"rate_limited"},
                "pongs": sum(1 for m in received if m.get("type") == "pong"), "close": close_code[0], "rtts": rtts,
                "seconds": time.monotonic() - start}

    figures = asyncio.run(run())
    assert figures["close"] == 1008, figures
    assert figures["limited"] >= 1 and not figures["other"], figures
    # Only what the bucket allows was answered: a burst of 100 plus 50 a second.
    assert figures["pongs"] <= 100 + 50 * figures["seconds"] + 5, figures
    assert max(figures["rtts"]) < 0.5, figures
    print(f"\n[flood] {figures['sent']} frames sent, {figures['pongs']} answered, {figures['limited']} rate_limited "
          f"seen, closed {figures['close']}, other terminal's ping max {max(figures['rtts']) * 1000:.1f} ms")


def test_hundreds_of_connections_with_one_token_let_only_four_in(sqlite_server: ServerProcess) -> None:
    server = sqlite_server
    from tests.server.session_helpers import login

    staff = login(server.url, "staff")
    code = ok(staff.post("/api/meetings/1/codes", json={"member_ids": [59], "reason": "重新发放（测试）"}))[0]["code"]
    staff.close()
    token = httpx.post(f"{server.url}/api/deputy/login", json={"code": code}).json()["token"]

    async def one() -> str:
        try:
            async with websockets.connect(ws_url(server.url), compression=None, open_timeout=30) as ws:
                await ws.send(json.dumps({"type": "hello", "v": 1, "token": token}))
                first = json.loads(await asyncio.wait_for(ws.recv(), 30))
                if first["type"] == "welcome":
                    await asyncio.sleep(3.0)  # hold the seat while the others try
                    return "welcome"
                try:
                    await asyncio.wait_for(ws.recv(), 10)
                except websockets.ConnectionClosed as closed:
                    assert closed.rcvd is not None and closed.rcvd.code == 1008
                return str(first.get("code"))
        except websockets.ConnectionClosed:
            return "closed"

    stop = threading.Event()
    rtts: list[float] = []

    def ping_meanwhile() -> None:
        """Another terminal, on its own thread, pinging all through the storm."""
        with connect(ws_url(server.url), compression=None) as ws:
            ws.send(json.dumps({"type": "hello", "v": 1, "screen": 1}))
            while not stop.is_set():
                start = time.monotonic()
                ws.send(json.dumps({"type": "ping", "t": start}))
                while json.loads(ws.recv(timeout=30)).get("t") != start:
                    pass
                rtts.append(time.monotonic() - start)
                time.sleep(0.05)

    async def run() -> list[str]:
        return list(await asyncio.gather(*(one() for _ in range(300))))

    pinger = threading.Thread(target=ping_meanwhile)
    pinger.start()
    try:
        outcomes = asyncio.run(run())
    finally:
        stop.set()
        pinger.join(timeout=60)
    assert outcomes.count("welcome") == 4, {o: outcomes.count(o) for o in set(outcomes)}
    assert outcomes.count("too_many_connections") == 296
    assert rtts and statistics.median(rtts) < 0.25 and max(rtts) < 2.0, rtts
    print(f"\n[connections] 300 with one token: 4 welcomed, 296 refused too_many_connections + 1008; "
          f"other terminal's ping p50 {statistics.median(rtts) * 1000:.1f} ms, max {max(rtts) * 1000:.0f} ms "
          f"({len(rtts)} pings)")
