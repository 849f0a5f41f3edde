"""A Python terminal: sign in, check in, follow the state, vote, keep the receipt.

Used by the integration tests, the load benchmark, and people scripting a rehearsal::

    python -m terminals.client --url http://127.0.0.1:8000 --code K7MQ2PXA --check-in --watch
    python -m terminals.client --url http://127.0.0.1:8000 --code K7MQ2PXA --vote v1-1 --choice yes
    python -m terminals.client --url … --code K7MQ2PXA --vote v1-1 --choice no \
        --replaces <ballot id> --cast-token <token>     # change it later, as the same terminal

It speaks protocol v1 (docs/protocol.md): it reconnects by itself, asks for a snapshot after a
reconnect or a sequence gap, and resends every ballot it has no receipt for under the same
ballot id, so a ballot lands exactly once. Each vote gets a secret ``cast_token`` of its own, made
here and sent with every ballot of that vote: in a secret vote only this client can then resend,
replace or get back its ballot (another device of the same deputy learns only that they voted).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import secrets
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import websockets

from ballotcrypto.votes import encrypt_plain


class ClientError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


@dataclass
class Pending:
    vote_id: str
    ballot: dict[str, Any]
    replaces: str | None
    future: asyncio.Future[dict[str, Any]]
    cast_token: str = ""

    def message(self, ballot_id: str) -> dict[str, Any]:
        """The ``ballot`` frame, the same at every resend."""
        message: dict[str, Any] = {"type": "ballot", "vote_id": self.vote_id, "ballot_id": ballot_id,
                                   "ballot": self.ballot, "cast_token": self.cast_token}
        if self.replaces:
            message["replaces"] = self.replaces
        return message


@dataclass
class TerminalClient:
    base_url: str
    code: str | None = None
    token: str | None = None
    screen: int | None = None
    state: dict[str, Any] | None = None
    me: dict[str, Any] | None = None
    welcome: dict[str, Any] | None = None
    receipts: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: vote id -> this client's secret cast token for it (kept here only, never shown)
    cast_tokens: dict[str, str] = field(default_factory=dict)
    errors: list[dict[str, Any]] = field(default_factory=list)
    reconnects: int = 0
    on_message: Callable[[dict[str, Any]], None] | None = None
    _pending: dict[str, Pending] = field(default_factory=dict)
    _ws: Any = None
    _runner: asyncio.Task[None] | None = None
    _changed: asyncio.Condition = field(default_factory=asyncio.Condition)
    _closing: bool = False
    _seq: int = -1
    _connected: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def ws_url(self) -> str:
        return self.base_url.replace("http://", "ws://").replace("https://", "wss://").rstrip("/") + "/ws"

    async def sign_in(self) -> None:
        if self.token is not None or self.screen is not None:
            return
        if self.code is None:
            raise ClientError("no_credentials", "需要签到码或登录凭证")
        async with httpx.AsyncClient(base_url=self.base_url, timeout=30) as http:
            response = await http.post("/api/deputy/login", json={"code": self.code})
        if response.status_code != 200:
            error = response.json().get("error", {})
            raise ClientError(error.get("code", "login_failed"), error.get("message", response.text))
        self.token = response.json()["token"]

    async def connect(self, timeout: float = 30.0) -> None:
        await self.sign_in()
        self._runner = asyncio.get_running_loop().create_task(self._run())
        await asyncio.wait_for(self._connected.wait(), timeout)

    async def _run(self) -> None:
        delay = 0.2
        while not self._closing:
            try:
                async with websockets.connect(self.ws_url, max_size=2**24, open_timeout=30,
                                              compression=None) as ws:
                    self._ws = ws
                    hello: dict[str, Any] = {"type": "hello", "v": 1}
                    if self.screen is not None:
                        hello["screen"] = self.screen
                    else:
                        hello["token"] = self.token
                    await ws.send(json.dumps(hello))
                    delay = 0.2
                    async for frame in ws:
                        await self._handle(json.loads(frame))
            except (TimeoutError, OSError, websockets.WebSocketException):
                pass
            finally:
                self._ws = None
                self._connected.clear()
            if self._closing:
                return
            self.reconnects += 1
            await asyncio.sleep(delay)
            delay = min(delay * 2, 5.0)

    async def _handle(self, message: dict[str, Any]) -> None:
        kind = message.get("type")
        if kind == "welcome":
            self.welcome = message
        elif kind == "state":
            self._seq = int(message["seq"])
            self.state = message
            if "me_votes" in message and self.me is not None:  # a vote opened: may this deputy vote?
                self.me["votes"] = {**self.me.get("votes", {}), **message["me_votes"]}
            if not self._connected.is_set():
                self._connected.set()
                await self._resend()
        elif kind == "tick":
            seq = int(message["seq"])
            if seq != self._seq + 1 and self._ws is not None:
                await self._send({"type": "sync"})
            self._seq = seq
            if self.state is not None:
                self.state["attendance"] = message["attendance"]
                for vote in self.state["votes"]:
                    if vote["id"] in message["counts"]:
                        vote["cast"] = message["counts"][vote["id"]]
        elif kind == "attendance":  # 实到 for tablets (no seq: docs/protocol.md)
            if self.state is not None:
                self.state["attendance"] = message["attendance"]
        elif kind == "me":
            self.me = message
        elif kind == "receipt":
            self.receipts[message["vote_id"]] = message
            pending = self._pending.pop(message["ballot_id"], None)
            if pending is not None and not pending.future.done():
                pending.future.set_result(message)
        elif kind == "error":
            self.errors.append(message)
            pending = self._pending.get(message.get("ref") or "")
            retry = message.get("code") in ("storage_unavailable", "ballot_in_progress", "rate_limited")
            if pending is not None and not retry:
                self._pending.pop(message["ref"], None)
                if not pending.future.done():
                    pending.future.set_exception(ClientError(message["code"], message["message"]))
        if self.on_message is not None:
            self.on_message(message)
        async with self._changed:
            self._changed.notify_all()

    async def _send(self, message: dict[str, Any]) -> None:
        ws = self._ws
        if ws is None:
            return
        with contextlib.suppress(websockets.WebSocketException, OSError):
            await ws.send(json.dumps(message, ensure_ascii=False))

    async def _resend(self) -> None:
        for ballot_id, pending in list(self._pending.items()):
            await self._send(pending.message(ballot_id))

    async def wait_for(self, predicate: Callable[[TerminalClient], bool], timeout: float = 30.0) -> None:
        async def waiting() -> None:
            async with self._changed:
                await self._changed.wait_for(lambda: predicate(self))

        await asyncio.wait_for(waiting(), timeout)

    async def check_in(self, timeout: float = 30.0) -> None:
        await self._send({"type": "check_in"})
        await self.wait_for(lambda c: bool(c.me and c.me.get("checked_in")), timeout)

    def encryption_of(self, vote_id: str) -> dict[str, Any] | None:
        """The vote's ``encryption`` as the state gave it, or None for a plaintext vote."""
        for vote in (self.state or {}).get("votes", []):
            if vote["id"] == vote_id:
                found: dict[str, Any] | None = vote.get("encryption")
                return found
        return None

    def open_votes(self) -> list[dict[str, Any]]:
        return [v for v in (self.state or {}).get("votes", []) if v["state"] == "open"]

    def cast_token(self, vote_id: str) -> str:
        """This client's cast token for a vote, made on first use."""
        return self.cast_tokens.setdefault(vote_id, secrets.token_hex(16))

    async def vote(self, vote_id: str, ballot: dict[str, Any], *, ballot_id: str | None = None,
                   replaces: str | None = None, cast_token: str | None = None,
                   timeout: float = 60.0) -> dict[str, Any]:
        """Send a ballot and wait for its receipt, resending after reconnects. ``replaces``: the
        ballot id of this client's ballot it replaces; ``cast_token``: another than this
        client's own for the vote (tests). ``ballot`` is in the tally format; for an encrypted vote
        it is encrypted here, as the tablet page does, and the randomness is dropped once encrypted
        (docs/protocol.md "Encrypted secret votes")."""
        encryption = self.encryption_of(vote_id)
        if encryption is not None:
            ballot = encrypt_plain(encryption, ballot).ballot.to_json()
            ballot_id = str(ballot["ballot"])
        ballot_id = ballot_id or secrets.token_hex(16)
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        pending = Pending(vote_id, ballot, replaces, future, cast_token or self.cast_token(vote_id))
        self._pending[ballot_id] = pending
        message = pending.message(ballot_id)
        await self._send(message)

        async def resend_while_waiting() -> None:
            while not future.done():
                await asyncio.sleep(3.0)
                if not future.done() and self._connected.is_set():
                    await self._send(message)

        resender = asyncio.get_running_loop().create_task(resend_while_waiting())
        try:
            return await asyncio.wait_for(future, timeout)
        finally:
            resender.cancel()

    async def drop_connection(self) -> None:
        """Simulate a network drop (tests): close the socket; the client reconnects by itself."""
        if self._ws is not None:
            await self._ws.close()

    async def close(self) -> None:
        self._closing = True
        if self._ws is not None:
            with contextlib.suppress(Exception):
                await self._ws.close()
        if self._runner is not None:
            self._runner.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._runner


def _describe(message: dict[str, Any]) -> str | None:
    kind = message.get("type")
    if kind == "state":
        a = message["attendance"]
        lines = [f"[{message['meeting']['title']}] 应到{a['members_of_record']}人，实到{a['present']}人，"
                 f"{'已' if a['quorum_met'] else '未'}达到法定人数"]
        for vote in message["votes"]:
            state = {"open": "表决中", "closed": "已结束", "voided": "已宣布无效"}[vote["state"]]
            lines.append(f"  {vote['id']} {vote['title']}：{state}，已表决{vote['cast']}人，"
                         f"未表决{max(0, vote['expected'] - vote['cast'])}人")
            if vote.get("result"):
                lines.append(f"    {vote['result']['announcement']}")
        return "\n".join(lines)
    if kind == "receipt":
        receipt = message["receipt"]
        return f"已提交：{message['vote_id']} 凭证 leaf #{receipt['index']} {receipt['leaf_hash'][:16]}…"
    if kind == "error":
        return f"错误 [{message['code']}] {message['message']}"
    return None


async def _main(args: argparse.Namespace) -> int:
    client = TerminalClient(args.url, code=args.code, token=args.token)
    if args.watch:
        client.on_message = lambda m: (print(text, flush=True) if (text := _describe(m)) else None)
    try:
        await client.connect()
    except ClientError as error:
        print(f"登录失败 [{error.code}] {error.message}", file=sys.stderr)
        return 2
    except (TimeoutError, OSError) as error:
        print(f"无法连接服务器 {args.url}：{error}", file=sys.stderr)
        return 2
    try:
        me = client.me or {}
        print(f"已登录：{me.get('member', {}).get('name', '')}", flush=True)
        if args.check_in:
            await client.check_in()
            print("已签到", flush=True)
        if args.vote:
            ballot = json.loads(args.ballot) if args.ballot else {"choice": args.choice}
            try:
                receipt = await client.vote(args.vote, ballot, ballot_id=args.ballot_id, replaces=args.replaces,
                                            cast_token=args.cast_token)
            except ClientError as error:
                print(f"投票未被接受 [{error.code}] {error.message}", file=sys.stderr)
                return 1
            print(json.dumps(receipt["receipt"], ensure_ascii=False, indent=2))
            # What only this terminal holds: to resend or change this ballot later (keep it to yourself).
            token = args.cast_token or client.cast_token(args.vote)
            print(f"选票编号 ballot id: {receipt['ballot_id']}\n本终端投票凭据 cast token: {token}"
                  "（更改选择：--replaces 选票编号 --cast-token 凭据；请勿告诉他人）", file=sys.stderr)
        if args.watch:
            await asyncio.sleep(args.seconds)
    finally:
        await client.close()
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m terminals.client", description="代表终端（命令行）")
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    who = parser.add_mutually_exclusive_group(required=True)
    who.add_argument("--code", help="签到码")
    who.add_argument("--token", help="登录凭证")
    parser.add_argument("--check-in", action="store_true", help="签到")
    parser.add_argument("--vote", metavar="VOTE_ID", help="对该表决投票")
    parser.add_argument("--choice", choices=("yes", "no", "abstain"), default="yes")
    parser.add_argument("--ballot", help="完整选票 JSON（选举等）")
    parser.add_argument("--ballot-id", help="选票编号（重发同一张选票时；默认随机生成）")
    parser.add_argument("--replaces", metavar="BALLOT_ID", help="要更改的原选票编号（表决结束前更改选择）")
    parser.add_argument("--cast-token", help="本终端对该表决的投票凭据（重发或更改时须与原选票相同；默认随机生成）")
    parser.add_argument("--watch", action="store_true", help="持续显示会议状态")
    parser.add_argument("--seconds", type=float, default=3600.0, help="--watch 持续的秒数")
    return asyncio.run(_main(parser.parse_args(argv)))


if __name__ == "__main__":
    sys.exit(main())
