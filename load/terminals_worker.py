"""One benchmark worker process: a few hundred to a few thousand simulated tablets on asyncio.

The coordinator (load/bench.py) sends commands over a pipe; the worker answers with timings taken
from ``time.monotonic()`` (one clock for every process on the machine).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import secrets
import time
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any

import orjson
import uvloop
from websockets.exceptions import WebSocketException

from ballotcrypto.votes import encrypt_plain
from load import lean_socket, quiet_collector
from load.keepalive import DROPPED, KeepAlivePool


@dataclass
class Tablet:
    code: str
    token: str = ""
    ws: lean_socket.LeanSocket | None = None
    checked_in: asyncio.Event = field(default_factory=asyncio.Event)
    seen_open: dict[str, float] = field(default_factory=dict)
    seen_result: dict[str, float] = field(default_factory=dict)
    acks: dict[str, float] = field(default_factory=dict)
    refusals: dict[str, str] = field(default_factory=dict)
    open_frame: str = ""  # the state frame that showed a vote opening (the baseline sends the same)
    encryptions: dict[str, Any] = field(default_factory=dict)  # vote id -> its `encryption` (None: plaintext)
    prepared: tuple[str, str] | None = None  # (ballot id, frame) made before a burst
    plain: dict[str, dict[str, Any]] = field(default_factory=dict)  # ballot id -> what it votes (tally format)
    runner: asyncio.Task[None] | None = None
    unacked: dict[str, str] = field(default_factory=dict)
    reconnects: int = 0
    stopping: bool = False


def take(tablet: Tablet, frame: str | bytes) -> None:
    """One message from the server, as the tablet's socket hands it over (load/lean_socket.py).
    The baseline's clients take the broadcast with this very function (load/baseline.py), so the
    two sides of the fan-out ratio do the same work per frame."""
    now = time.monotonic()
    message = orjson.loads(frame)
    kind = message.get("type")
    if kind == "state":
        for vote in message["votes"]:
            if vote["state"] == "open" and vote["id"] not in tablet.seen_open:
                tablet.seen_open[vote["id"]] = now
                tablet.encryptions[vote["id"]] = vote.get("encryption")
                tablet.open_frame = frame if isinstance(frame, str) else frame.decode()
            elif vote["state"] == "closed" and vote.get("result") and vote["id"] not in tablet.seen_result:
                tablet.seen_result[vote["id"]] = now
    elif kind == "me" and message.get("checked_in"):
        tablet.checked_in.set()
    elif kind == "receipt":
        tablet.acks.setdefault(message["ballot_id"], now)
        tablet.unacked.pop(message["ballot_id"], None)
    elif kind == "error" and message.get("ref") and message["code"] != "storage_unavailable":
        tablet.refusals[message["ref"]] = message["code"]
        tablet.unacked.pop(message["ref"], None)


async def _sign_in(http: KeepAlivePool, code: str) -> str:
    for attempt in range(5):
        try:
            status, body = await http.post("/api/deputy/login", {"code": code})
        except DROPPED:  # a keep-alive connection closed under us: try again
            await asyncio.sleep(0.1 * (attempt + 1))
            continue
        if status != 200:
            raise RuntimeError(f"sign-in answered {status}: {body[:300]!r}")
        return str(orjson.loads(body)["token"])
    raise RuntimeError("sign-in kept failing")


async def _run_tablet(url: str, tablet: Tablet) -> None:
    """Stay connected like a real tablet: reconnect after a drop, resend what was not acknowledged."""
    ws_url = url.replace("http://", "ws://") + "/ws"
    while not tablet.stopping:
        try:
            ws = await lean_socket.connect(ws_url, functools.partial(take, tablet))
            tablet.ws = ws
            ws.send(json.dumps({"type": "hello", "v": 1, "token": tablet.token}))
            if not tablet.checked_in.is_set():
                ws.send(json.dumps({"type": "check_in"}))
            for frame in list(tablet.unacked.values()):
                ws.send(frame)
            await ws.closed
        except (TimeoutError, OSError, WebSocketException):  # ConnectionError is an OSError
            pass
        tablet.ws = None
        if not tablet.stopping:
            tablet.reconnects += 1
            await asyncio.sleep(0.5)


async def _connect(url: str, tablet: Tablet, http: KeepAlivePool) -> None:
    tablet.token = await _sign_in(http, tablet.code)
    tablet.runner = asyncio.get_running_loop().create_task(_run_tablet(url, tablet))
    await asyncio.wait_for(tablet.checked_in.wait(), 600)


async def _cast(tablet: Tablet, delay: float, vote_id: str, choice: dict[str, Any], sent: dict[str, float]) -> None:
    await asyncio.sleep(delay)
    ballot_id = secrets.token_hex(16)
    frame = json.dumps({"type": "ballot", "vote_id": vote_id, "ballot_id": ballot_id, "ballot": choice,
                        "cast_token": secrets.token_hex(16)})  # one ballot per tablet and vote: a token of its own
    await _send_ballot(tablet, ballot_id, frame, sent)


async def _cast_prepared(tablet: Tablet, delay: float, sent: dict[str, float]) -> None:
    await asyncio.sleep(delay)
    assert tablet.prepared is not None
    ballot_id, frame = tablet.prepared
    tablet.prepared = None
    await _send_ballot(tablet, ballot_id, frame, sent)


async def _send_ballot(tablet: Tablet, ballot_id: str, frame: str, sent: dict[str, float]) -> None:
    tablet.unacked[ballot_id] = frame
    sent[ballot_id] = time.monotonic()
    ws = tablet.ws
    if ws is not None:
        with contextlib.suppress(WebSocketException, OSError):
            ws.send(frame)  # otherwise sent again on reconnect


async def _prepare(tablets: list[Tablet], vote_id: str, ballots: list[dict[str, Any]]) -> dict[str, Any]:
    """Each tablet makes its ballot frame before the burst: for an encrypted vote it encrypts and
    proves its ballot for the vote's ``encryption`` as its state frame gave it (real tablets each
    have their own CPU for this; here they share the machine's, so it is done ahead of the burst).
    Yields to the event loop between ballots so that the sockets stay served."""
    cpu = time.process_time()
    encrypted = 0
    largest = 0
    sample: dict[str, Any] | None = None
    for tablet, ballot in zip(tablets, ballots, strict=True):
        encryption = tablet.encryptions.get(vote_id)
        if encryption is not None:
            payload = encrypt_plain(encryption, ballot).ballot.to_json()
            ballot_id = str(payload["ballot"])
            encrypted += 1
            sample = payload
        else:
            payload, ballot_id = ballot, secrets.token_hex(16)
        frame = json.dumps({"type": "ballot", "vote_id": vote_id, "ballot_id": ballot_id, "ballot": payload,
                            "cast_token": secrets.token_hex(16)})
        largest = max(largest, len(frame.encode()))
        tablet.prepared = (ballot_id, frame)
        tablet.plain[ballot_id] = ballot
        await asyncio.sleep(0)
    return {"ballots": len(ballots), "encrypted": encrypted, "cpu_s": time.process_time() - cpu,
            "frame_bytes": largest, "sample": sample}


async def _gather_limited(coros: list[Any], limit: int) -> None:
    semaphore = asyncio.Semaphore(limit)

    async def one(coro: Any) -> None:
        async with semaphore:
            await coro

    await asyncio.gather(*(one(c) for c in coros))


async def _serve(url: str, codes: list[str], pipe: Connection) -> None:
    loop = asyncio.get_running_loop()
    tablets = [Tablet(code) for code in codes]
    http = KeepAlivePool(url, 64)  # the sign-ins, as cheap for this process as can be (load/keepalive.py)
    try:
        await _gather_limited([_connect(url, t, http) for t in tablets], 64)
    finally:
        http.close()
    quiet_collector()
    pipe.send(("ready", len(tablets)))
    sent: dict[str, float] = {}
    while True:
        command = await loop.run_in_executor(None, pipe.recv)
        name = command[0]
        if name == "burst":
            _, vote_id, start_at, spread, choice = command
            await asyncio.sleep(max(0.0, start_at - time.monotonic()))
            await asyncio.gather(*(_cast(tablet, index * spread / max(1, len(tablets)), vote_id, choice, sent)
                                   for index, tablet in enumerate(tablets)))
            pipe.send(("sent", len(tablets)))
        elif name == "prepare":
            _, vote_id, ballots = command
            pipe.send(("prepared", await _prepare(tablets, vote_id, ballots)))
        elif name == "burst_prepared":
            _, start_at, spread = command
            await asyncio.sleep(max(0.0, start_at - time.monotonic()))
            await asyncio.gather(*(_cast_prepared(tablet, index * spread / max(1, len(tablets)), sent)
                                   for index, tablet in enumerate(tablets)))
            pipe.send(("sent", len(tablets)))
        elif name == "report":
            _, wait_s = command
            deadline = time.monotonic() + wait_s
            while time.monotonic() < deadline and sum(len(t.acks) + len(t.refusals) for t in tablets) < len(sent):
                await asyncio.sleep(0.05)
            acks = [t.acks[b] - sent[b] for t in tablets for b in t.acks if b in sent]
            refused = sum(len(t.refusals) for t in tablets)
            pipe.send(("report", {"ack_latencies": acks, "refused": refused, "sent": len(sent),
                                  "reconnects": sum(t.reconnects for t in tablets),
                                  "seen_open": [t.seen_open for t in tablets],
                                  "seen_result": [t.seen_result for t in tablets],
                                  # what the acknowledged prepared ballots voted (the count must add up to it)
                                  "acked_ballots": [t.plain[b] for t in tablets for b in t.acks if b in t.plain],
                                  "refusals": sorted({code for t in tablets for code in t.refusals.values()})}))
            sent.clear()
            for t in tablets:
                t.acks.clear()
                t.refusals.clear()
                t.plain.clear()
        elif name == "wait_result":
            _, vote_id, wait_s = command
            deadline = time.monotonic() + wait_s
            while time.monotonic() < deadline and not all(vote_id in t.seen_result for t in tablets):
                await asyncio.sleep(0.02)
            pipe.send(("result", [t.seen_result.get(vote_id) for t in tablets]))
        elif name == "wait_open":
            _, vote_id, wait_s = command
            deadline = time.monotonic() + wait_s
            while time.monotonic() < deadline and not all(vote_id in t.seen_open for t in tablets):
                await asyncio.sleep(0.02)
            pipe.send(("open", [t.seen_open.get(vote_id) for t in tablets],
                       max((t.open_frame for t in tablets), key=len, default=""),
                       sum(t.encryptions.get(vote_id) is not None for t in tablets)))
        elif name == "stop":
            for t in tablets:
                t.stopping = True
                if t.ws is not None:
                    await t.ws.close()
            pipe.send(("stopped",))
            return


def run(url: str, codes: list[str], pipe: Connection) -> None:
    """Process entry point."""
    uvloop.run(_serve(url, codes, pipe))  # as cheap a client as can be: the server is what is measured
