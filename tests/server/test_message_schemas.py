"""Every frame of a real session matches its JSON Schema in docs/schemas/ (docs/protocol.md).

One session per database (SQLite, PostgreSQL) is run over real WebSockets against a real server
process (tests/conftest.py ``launch_deployment`` on a copy of the demo congress, once per test run): deputies'
tablets, the chair, staff, a scrutineer, an auditor and a hall screen, through check-in by tablet and
by staff, leave, 缺席, a suspension and a termination, a motion (resend, change of choice, refusals,
extension), a first-press motion, an election confirmed by a scrutineer, a voided appointment and
its re-vote, 民生实事 approval and ranking votes, a per-person list, results entered by hand, a
paper round and a vote closed by its countdown, plus raw sockets that send what a careless
terminal would. Every frame either way is recorded at the socket and validated afterwards; the
schemas forbid fields they do not list, so an undocumented field fails here. One vote is open at a
time (the countdown vote comes last: its 10 s are the longest wait).

The session uses only HTTP and WebSocket: nothing from server/ is imported here (the copy of the
demo congress is made by tests/conftest.py ``Seeds``).
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import fcntl
import itertools
import json
import os
import pickle
import subprocess
import sys
import time
import types
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import websockets
from jsonschema import Draft202012Validator
from referencing import Registry, Resource

import terminals.client
from ballotcrypto.ballot import encrypt_ballot
from ballotcrypto.votes import context_of, encrypt_plain
from server import protocol
from terminals.client import ClientError, TerminalClient
from terminals.trustee import post_partial
from tests.conftest import ROOT, Seeds, launch_deployment
from tests.server.session_helpers import Session, choices, login, marks, ok
from tests.server.test_encrypted_vote import Replaying, run_ceremony

SCHEMAS = ROOT / "docs" / "schemas"
SERVER_TYPES = {"welcome", "state", "tick", "attendance", "me", "receipt", "error", "pong"}
CLIENT_TYPES = {"hello", "check_in", "ballot", "sync", "ping"}
OBSERVERS = ("chair", "staff", "scrutineer", "auditor", "screen")
BALLOT_ID = "resend-me-" + "0123456789abcdef"
NAMED_BALLOT_ID = "named-ballot-" + "0123456789abcdef"


def _registry() -> Registry:
    resources = []
    for path in sorted(SCHEMAS.rglob("*.schema.json")):
        schema = json.loads(path.read_text(encoding="utf-8"))
        resources.append((schema["$id"], Resource.from_contents(schema)))
    return Registry().with_resources(resources)


REGISTRY = _registry()


def validator(side: str, kind: str) -> Draft202012Validator:
    schema = json.loads((SCHEMAS / side / f"{kind}.schema.json").read_text(encoding="utf-8"))
    return Draft202012Validator(schema, registry=REGISTRY)


SERVER = {kind: validator("server", kind) for kind in SERVER_TYPES}
CLIENT = {kind: validator("client", kind) for kind in CLIENT_TYPES}


_found: dict[tuple[int, str], list[str]] = {}


def problems(validators: dict[str, Draft202012Validator], message: dict[str, Any]) -> list[str]:
    """What is wrong with ``message`` by its schema. A frame is checked once however many terminals
    received it: of ~3,000 frames in a session ~450 differ (every tablet gets the same state)."""
    key = (id(validators), json.dumps(message, sort_keys=True))
    if key not in _found:
        _found[key] = _problems(validators, message)
    return list(_found[key])


def _problems(validators: dict[str, Draft202012Validator], message: dict[str, Any]) -> list[str]:
    check = validators.get(message.get("type", ""))
    if check is None:
        return [f"no schema for type {message.get('type')!r}"]
    return [f"{'/'.join(map(str, e.absolute_path)) or '(top)'}: {e.message[:300]}" for e in check.iter_errors(message)]


# -- recording every frame at the socket ---------------------------------------------------------
@dataclass
class Frame:
    terminal: str
    message: dict[str, Any]


@dataclass
class Recording:
    received: list[Frame] = field(default_factory=list)
    sent: list[Frame] = field(default_factory=list)
    labels: dict[str, str] = field(default_factory=dict)  # token -> terminal
    facts: dict[str, Any] = field(default_factory=dict)

    def label(self, hello: dict[str, Any]) -> str:
        return "screen" if "screen" in hello else self.labels.get(str(hello.get("token")), "?")

    def of(self, terminal: str, kind: str | None = None) -> list[dict[str, Any]]:
        return [f.message for f in self.received if f.terminal == terminal and kind in (None, f.message["type"])]

    def terminals(self, prefix: str) -> list[str]:
        return sorted({f.terminal for f in self.received if f.terminal.startswith(prefix)})

    def websockets_module(self) -> types.SimpleNamespace:
        """What terminals.client sees as ``websockets``: the real thing, with every socket recorded."""
        recording = self

        class Socket:
            def __init__(self, ws: Any) -> None:
                self.ws, self.terminal = ws, "?"

            async def send(self, text: str) -> None:
                message = json.loads(text)
                if message.get("type") == "hello":
                    self.terminal = recording.label(message)
                recording.sent.append(Frame(self.terminal, message))
                await self.ws.send(text)

            def __aiter__(self) -> Any:
                return self.frames()

            async def frames(self) -> Any:
                async for text in self.ws:
                    recording.received.append(Frame(self.terminal, json.loads(text)))
                    yield text

            async def close(self) -> None:
                await self.ws.close()

        class Connecting:
            def __init__(self, *args: Any, **kwargs: Any) -> None:
                self.inner = websockets.connect(*args, **kwargs)

            async def __aenter__(self) -> Socket:
                return Socket(await self.inner.__aenter__())

            async def __aexit__(self, *exc: Any) -> Any:
                return await self.inner.__aexit__(*exc)

        return types.SimpleNamespace(connect=Connecting, WebSocketException=websockets.WebSocketException)


class Raw:
    """A socket driven frame by frame, for what terminals.client would never send."""

    def __init__(self, url: str, recording: Recording, terminal: str) -> None:
        self.url = url.replace("http://", "ws://") + "/ws"
        self.recording, self.terminal = recording, terminal

    async def __aenter__(self) -> Raw:
        self.ws = await websockets.connect(self.url, compression=None, max_size=2**24)
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.ws.close()

    async def send(self, frame: dict[str, Any] | str) -> None:
        await self.ws.send(frame if isinstance(frame, str) else json.dumps(frame, ensure_ascii=False))

    async def next_any(self) -> dict[str, Any]:
        message: dict[str, Any] = json.loads(await asyncio.wait_for(self.ws.recv(), 20))
        self.recording.received.append(Frame(self.terminal, message))
        return message

    async def next(self, kind: str) -> dict[str, Any]:
        while True:
            message = await self.next_any()
            if message["type"] == kind:
                return message

    async def ask(self, frame: dict[str, Any] | str, kind: str = "error") -> dict[str, Any]:
        await self.send(frame)
        return await self.next(kind)


# -- the session ---------------------------------------------------------------------------------
async def until(condition: Callable[[], bool], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.05)


async def refusal(coro: Any, code: str) -> None:
    try:
        await coro
    except ClientError as error:
        assert error.code == code, (error.code, error.message)
        return
    raise AssertionError(f"expected the server to refuse with {code}")


def vote_in(client: TerminalClient, vote_id: str) -> dict[str, Any]:
    return next((v for v in (client.state or {}).get("votes", []) if v["id"] == vote_id), {})


def checkpoint_size(receipt: dict[str, Any]) -> int:
    return int(receipt["receipt"]["checkpoint"].split("\n")[1])


async def scenario(url: str, rec: Recording) -> None:
    s = Session.start(url)
    m = s.meeting_id
    clerk, auditor = login(url, "jipiao1"), login(url, "auditor")
    facts = rec.facts
    try:
        observers: dict[str, TerminalClient] = {}
        for terminal, http in (("chair", s.chair), ("staff", s.staff), ("scrutineer", clerk), ("auditor", auditor)):
            token = str(http.headers["Authorization"]).removeprefix("Bearer ")
            rec.labels[token] = terminal
            observers[terminal] = TerminalClient(url, token=token)
        observers["screen"] = TerminalClient(url, screen=m)
        await asyncio.gather(*(c.connect() for c in observers.values()))
        s.deputies += observers.values()
        chair = observers["chair"]

        async def tablet(index: int, terminal: str) -> TerminalClient:
            client = TerminalClient(url, code=s.codes[index]["code"])
            await client.sign_in()
            assert client.token is not None
            rec.labels[client.token] = terminal
            await client.connect()
            s.deputies.append(client)
            return client

        def ticks() -> int:
            return len(rec.of("chair", "tick"))

        tablets = list(await asyncio.gather(*(tablet(i, f"deputy:{i:02d}") for i in range(44))))
        await tablet(0, "deputy:00-second-device")  # a ballot from one device shows on the other as me
        await asyncio.gather(*(c.check_in() for c in tablets[:42]))
        await until(lambda: ticks() > 0)  # attendance changed: a tick (none when a state goes first)

        # Attendance: staff checks in #43, records #42 on leave and #44 缺席; #41 (checked in) is
        # suspended and #42 (on leave) terminated.
        def member(index: int) -> int:
            return int(s.codes[index]["member_id"])

        ok(s.staff.post(f"/api/meetings/{m}/checkin", json={"member_id": member(43), "reason": "平板故障，本人在场"}))
        await tablets[43].wait_for(lambda c: bool(c.me and c.me["checked_in"]))
        ok(s.staff.post(f"/api/meetings/{m}/absence",
                        json={"member_id": member(42), "state": "leave", "reason": "病假"}))
        ok(s.staff.post(f"/api/meetings/{m}/absence", json={"member_id": member(44), "state": "absent"}))
        await chair.wait_for(lambda c: c.state is not None and c.state["attendance"]["on_leave"] == 1)
        ok(s.staff.post(f"/api/meetings/{m}/members/{member(41)}/status",
                        json={"status": "suspended", "reason": "代表法 第六十一条"}))
        ok(s.staff.post(f"/api/meetings/{m}/members/{member(42)}/status",
                        json={"status": "terminated", "reason": "代表法 第六十二条"}))
        # Before 签到结束 the 15 who never came are 未签到, not 缺席; after it they are 缺席.
        roll_open = {"members_of_record": 59, "present": 42, "on_leave": 0, "absent": 2, "quorum_required": 40,
                     "quorum_met": True, "not_checked_in": 15, "roll_closed": False}
        await chair.wait_for(lambda c: c.state is not None and c.state["attendance"] == roll_open)
        ok(s.chair.post(f"/api/meetings/{m}/roll/close"))
        facts["attendance"] = {**roll_open, "absent": 17, "not_checked_in": 0, "roll_closed": True}
        await chair.wait_for(lambda c: c.state is not None and c.state["attendance"] == facts["attendance"])
        suspended = tablets[41]
        await suspended.wait_for(lambda c: bool(c.me and c.me["member"]["status"] == "suspended"))
        await suspended.check_in()  # (returns at once: it is still marked checked in)
        await suspended.wait_for(lambda c: any(e["code"] == "member_not_active" for e in c.errors))

        # A motion: a resend, a change, refusals, an extension, a sync, raw frames.
        motion_vote = facts["motion_vote"] = s.open(s.item("决议")["id"])
        ok(s.chair.post(f"/api/votes/{motion_vote}/extend", json={"seconds": 1800}))
        await s.wait_open(motion_vote, tablets[:1])
        first = await tablets[0].vote(motion_vote, {"choice": "yes"}, ballot_id=BALLOT_ID)
        seen = ticks()
        await s.cast(motion_vote, choices(yes=28, no=1), tablets[1:30])
        await until(lambda: ticks() > seen)  # counts changed
        again = await tablets[0].vote(motion_vote, {"choice": "yes"}, ballot_id=BALLOT_ID)
        changed = await tablets[1].vote(motion_vote, {"choice": "no"},
                                        replaces=tablets[1].receipts[motion_vote]["ballot_id"])
        assert changed["replaced"] is not None and not changed["duplicate"]
        await refusal(tablets[2].vote(motion_vote, {"choice": "abstain"}, timeout=10), "change_needs_previous")
        # A secret vote: its id with another content, or another tablet's token, is one refusal.
        await refusal(tablets[0].vote(motion_vote, {"choice": "no"}, ballot_id=BALLOT_ID, timeout=10),
                      "ballot_refused")
        await refusal(tablets[3].vote(motion_vote, {"choice": "yes"}, ballot_id=BALLOT_ID, timeout=10),
                      "ballot_refused")
        await refusal(suspended.vote(motion_vote, {"choice": "yes"}, timeout=10), "forbidden")
        await refusal(chair.vote(motion_vote, {"choice": "yes"}, timeout=10), "wrong_role")
        before = len(rec.of("deputy:00", "me"))
        await tablets[0]._send({"type": "sync"})
        await until(lambda: len(rec.of("deputy:00", "me")) > before)
        await raw_frames(url, rec, tablets[30], motion_vote)
        s.close(motion_vote)
        after = await tablets[0].vote(motion_vote, {"choice": "yes"}, ballot_id=BALLOT_ID)
        facts["resend"] = [first, again, after]
        facts["resend_checked"] = [ok(httpx.post(f"{url}/api/audit/check-receipt", json=r["receipt"]))
                                   for r in facts["resend"]]
        await refusal(tablets[35].vote(motion_vote, {"choice": "yes"}, timeout=10), "vote_not_open")

        # A named (记名) vote: the deputy's other device is sent the ballot id and receipt in `me`, and
        # a ballot id used again for another ballot is refused as reused.
        named = ok(s.staff.post(f"/api/meetings/{m}/items", json={
            "kind": "motion", "title": "关于批准县级预算调整方案的决议", "secret": False}))
        named_vote = s.open(named["id"])
        await s.wait_open(named_vote, tablets[:1])
        named_first = await tablets[0].vote(named_vote, {"choice": "yes"}, ballot_id=NAMED_BALLOT_ID)
        await until(lambda: any(m["votes"].get(named_vote, {}).get("ballot_id") == NAMED_BALLOT_ID
                                for m in rec.of("deputy:00-second-device", "me")))
        await refusal(tablets[0].vote(named_vote, {"choice": "no"}, ballot_id=NAMED_BALLOT_ID, timeout=10),
                      "ballot_id_reused")
        assert named_first["receipt"]["index"] >= 0
        s.close(named_vote)

        # The first press counts.
        item = ok(s.staff.post(f"/api/meetings/{m}/items", json={
            "kind": "motion", "title": "关于设立专门委员会的决定", "change_before_close": "first"}))
        vote_id = s.open(item["id"])
        receipt = (await s.cast(vote_id, [{"choice": "no"}], tablets[5:6]))[0]
        await refusal(tablets[5].vote(vote_id, {"choice": "yes"}, replaces=receipt["ballot_id"], timeout=10),
                      "already_voted")
        s.close(vote_id)

        # An election with a void ballot and a write-in, confirmed by a scrutineer.
        election = s.item("副县长")
        a, b, c = election["definition"]["candidates"]
        vote_id = s.open(election["id"])
        await s.cast(vote_id, [marks(a, b)] * 29 + [marks(a, b, c)] + [{"marks": {a: "yes"}, "write_ins": ["王某某"]}],
                     tablets[:31])
        s.close(vote_id)
        ok(clerk.post(f"/api/votes/{vote_id}/confirm"))
        await chair.wait_for(lambda c: vote_in(c, vote_id).get("confirmations") == ["计票人甲"])

        # An appointment voided while open, then voted again.
        appointment = s.item("人事任免")
        nominee = appointment["definition"]["items"][0]["nominee"]
        facts["voided_vote"] = vote_id = s.open(appointment["id"])
        await s.cast(vote_id, [{"marks": {nominee: "yes"}}] * 5, tablets[:5])
        ok(s.chair.post(f"/api/votes/{vote_id}/void", json={"ground": "system_fault", "reason": "第3排表决器故障"}))
        revote = s.open(appointment["id"], round="revote")
        await s.cast(revote, [{"marks": {nominee: "yes"}}] * 31, tablets[:31])
        s.close(revote)

        # 民生实事: approval (the demo item) and ranking.
        projects = s.item("民生实事")
        names = [p["name"] for p in projects["definition"]["projects"]]
        vote_id = s.open(projects["id"])
        await s.cast(vote_id, [{"marks": {names[0]: "yes", names[1]: "yes", names[2]: "no"}}] * 31, tablets[:31])
        s.close(vote_id)
        ranking = ok(s.staff.post(f"/api/meetings/{m}/items", json={
            "kind": "project_vote", "title": "乡镇民生实事项目排序票决",
            "definition": {"choose": 2, "projects": ["甲项目", "乙项目", "丙项目"], "mode": "ranking"}}))
        vote_id = s.open(ranking["id"])
        await s.cast(vote_id, [{"marks": {"甲项目": 1, "乙项目": 2}}] * 3, tablets[:3])
        s.close(vote_id)

        # A list voted person by person; a list and a combined appointment entered by hand.
        persons = ok(s.staff.post(f"/api/meetings/{m}/items", json={
            "kind": "list_approval", "title": "大会主席团和秘书长名单",
            "definition": {"mode": "per_person", "persons": ["赵甲", "钱乙"]}}))
        vote_id = s.open(persons["id"])
        await s.cast(vote_id, [{"marks": {"赵甲": "yes", "钱乙": "no"}}] * 3, tablets[:3])
        s.close(vote_id)
        whole = ok(s.staff.post(f"/api/meetings/{m}/items", json={
            "kind": "list_approval", "title": "总监票人、监票人名单", "definition": {"persons": ["孙丙", "李丁"]}}))
        ok(s.chair.post(f"/api/items/{whole['id']}/manual",
                        json={"method": "show_of_hands", "counts": {"yes": 40, "no": 1, "abstain": 1}}))
        combined = ok(s.staff.post(f"/api/meetings/{m}/items", json={
            "kind": "appointment", "title": "任免事项（合并表决）", "definition": {"mode": "combined", "items": [
                {"nominee": "周戊", "post": "县审计局局长", "action": "appoint"},
                {"nominee": "吴己", "post": "县统计局局长", "action": "appoint"}]}}))
        ok(s.chair.post(f"/api/items/{combined['id']}/manual",
                        json={"method": "paper", "counts": {"yes": 35, "no": 4, "abstain": 3}}))

        # A paper round: tablets are refused; closed with no ballot keyed, it proposes a 另行选举.
        paper = ok(s.staff.post(f"/api/meetings/{m}/items", json={
            "kind": "election", "title": "补选县人民政府副县长",
            "definition": {"office": "deputy_head", "seats": 1, "candidates": ["郑庚", "冯辛"]}}))
        vote_id = s.open(paper["id"], method="paper", ballots_issued=40)
        await s.wait_open(vote_id, tablets[5:6])
        await refusal(tablets[5].vote(vote_id, {"marks": {"郑庚": "yes"}}, timeout=10), "paper_vote")
        s.close(vote_id)

        # A vote with a countdown (the shortest, 10 s) closes without the chair.
        satisfaction = s.item("满意度")
        targets = satisfaction["definition"]["targets"]
        facts["countdown_vote"] = countdown_vote = s.open(satisfaction["id"], countdown_s=10)
        await s.cast(countdown_vote, [{"marks": dict.fromkeys(targets, "satisfied")}] * 8
                     + [{"marks": {targets[0]: "unsatisfied", targets[1]: None}}] * 2, tablets[:10])
        await chair.wait_for(lambda c: vote_in(c, countdown_vote).get("state") == "closed", timeout=40)

        # An encrypted vote: the 监票人 make the key; a deputy challenges a ballot, then its tablet
        # (or anyone, the randomness being public) tries to cast it, or a copy re-proved under a new
        # id; the close waits for the decryption (state `decrypting`, then `closed`).
        trustees, _ = run_ceremony(url, m, n=2, k=2)
        secret = ok(s.staff.post(f"/api/meetings/{m}/items", json={"kind": "motion", "title": "关于加密表决的决定"}))
        facts["encrypted_vote"] = encrypted_vote = s.open(secret["id"])
        await s.wait_open(encrypted_vote, tablets[:3])
        encryption = tablets[0].encryption_of(encrypted_vote)
        assert encryption is not None
        challenged = encrypt_plain(encryption, {"choice": "yes"})
        ok(httpx.post(f"{url}/api/votes/{encrypted_vote}/spoil", timeout=30,
                      headers={"Authorization": f"Bearer {tablets[0].token}"},
                      json={"ballot": challenged.ballot.to_json(), "opening": challenged.opening.to_json()}))
        copy = encrypt_ballot(context_of(encryption), list(challenged.opening.values),
                              Replaying(challenged.opening.nonces)).ballot
        for ballot in (challenged.ballot, copy):
            await tablets[0]._send({"type": "ballot", "vote_id": encrypted_vote, "ballot_id": ballot.ballot,
                                    "ballot": ballot.to_json(), "cast_token": "t" * 32})
        await until(lambda: {"ballot_spoiled", "ballot_replayed"} <= {
            e["code"] for e in tablets[0].errors if e.get("ref") in (challenged.ballot.ballot, copy.ballot)})
        await s.cast(encrypted_vote, [{"choice": "yes"}, {"choice": "no"}], tablets[1:3])
        assert s.chair.post(f"/api/votes/{encrypted_vote}/close").status_code == 202
        for trustee in trustees:
            ok(post_partial(trustee, encrypted_vote))
        await chair.wait_for(lambda c: vote_in(c, encrypted_vote).get("state") == "closed")
        # Every observer has caught up with the last state.
        last = max(f.message["seq"] for f in rec.received if f.terminal == "chair" and "seq" in f.message)
        await until(lambda: all(any(f.get("seq", -1) >= last for f in rec.of(t)) for t in OBSERVERS))
    finally:
        clerk.close()
        auditor.close()
        await s.finish()


async def raw_frames(url: str, rec: Recording, deputy: TerminalClient, vote_id: str) -> None:
    """What a careless or hostile terminal sends, each answered by a coded error."""
    async with Raw(url, rec, "raw:deputy:30") as raw:
        assert (await raw.ask({"type": "check_in"}))["code"] == "unauthenticated"
        assert (await raw.ask({"type": "ping", "t": {"sent": 7}}, "pong"))["t"] == {"sent": 7}
        assert (await raw.ask({"type": "hello", "v": 2, "token": deputy.token}))["code"] == "unsupported_version"
        assert (await raw.ask({"type": "hello", "v": 1, "token": 123}))["field"] == "token"
        assert (await raw.ask({"type": "hello", "v": 1}))["code"] == "missing_field"
        assert (await raw.ask({"type": "hello", "v": 1, "token": "forged"}))["code"] == "bad_token"
        assert (await raw.ask("{oops"))["code"] == "malformed_json"
        assert (await raw.ask("[]"))["code"] == "not_an_object"
        assert (await raw.ask({"type": "launch"}))["code"] == "unknown_type"
        await raw.ask({"type": "hello", "v": 1, "token": deputy.token}, "welcome")
        await raw.next("me")
        def ballot(vote: str, ballot_id: str, choice: str) -> dict[str, Any]:
            return {"type": "ballot", "vote_id": vote, "ballot_id": ballot_id, "ballot": {"choice": choice},
                    "cast_token": "c" * 32}

        tokenless = {k: v for k, v in ballot(vote_id, "t" * 32, "yes").items() if k != "cast_token"}
        error = await raw.ask(tokenless)
        assert (error["code"], error["ref"], error["field"]) == ("cast_token_required", "t" * 32, "cast_token")
        error = await raw.ask({**ballot(vote_id, "t" * 32, "yes"), "cast_token": "short"})
        assert (error["code"], error["field"]) == ("invalid_field", "cast_token")
        error = await raw.ask(ballot(vote_id, "short", "yes"))
        assert (error["code"], error["ref"], error["field"]) == ("invalid_ballot_id", "short", "ballot_id")
        error = await raw.ask(ballot(vote_id, "m" * 32, "maybe"))
        assert (error["code"], error["ref"]) == ("invalid_ballot", "m" * 32)
        assert (await raw.ask(ballot("v999-1", "n" * 32, "yes")))["code"] == "not_found"
        assert (await raw.ask({"type": "ballot", "vote_id": vote_id}))["code"] == "missing_field"
        deep: Any = "yes"
        for _ in range(40):
            deep = [deep]
        error = await raw.ask({"type": "ballot", "vote_id": vote_id, "ballot_id": "d" * 32, "ballot": {"choice": deep}})
        assert (error["code"], error["field"]) == ("invalid_field", "ballot")
        assert (await raw.ask({"type": "hello", "v": 1, "token": deputy.token}))["code"] == "already_authenticated"
        assert (await raw.ask("x" * (protocol.MAX_FRAME_BYTES + 1)))["code"] == "frame_too_large"
        assert (await raw.ask({"type": "ping"}, "pong"))["t"] is None
        for _ in range(150):  # a flood: beyond the burst, refused
            await raw.send({"type": "ping", "t": 0})
        answers: list[dict[str, Any]] = []
        while len(answers) < 150:
            answer = await raw.next_any()
            if answer["type"] in ("pong", "error"):
                answers.append(answer)
        assert any(a["type"] == "error" and a["code"] == "rate_limited" for a in answers)
    async with Raw(url, rec, "raw:screen") as raw:
        await raw.ask({"type": "hello", "v": 1, "screen": 999999}, "welcome")
        assert (await raw.next("error"))["code"] == "not_found"
    auditor_token = next(t for t, label in rec.labels.items() if label == "auditor")
    async with contextlib.AsyncExitStack() as stack:
        for n in range(3):  # the auditor's console is the first of four
            raw = await stack.enter_async_context(Raw(url, rec, f"raw:auditor:{n}"))
            await raw.ask({"type": "hello", "v": 1, "token": auditor_token}, "welcome")
        raw = await stack.enter_async_context(Raw(url, rec, "raw:auditor:fifth"))
        assert (await raw.ask({"type": "hello", "v": 1, "token": auditor_token}))["code"] == "too_many_connections"



def record(kind: str, seeds: Seeds, base: Path) -> Recording:
    """Run the session on a server process on a copy of the demo congress, recording every frame."""
    deployment = seeds.copy(kind, base)
    rec = Recording()
    try:
        with launch_deployment(deployment) as server, pytest.MonkeyPatch.context() as patch:
            patch.setattr(terminals.client, "websockets", rec.websockets_module())
            asyncio.run(scenario(server.url, rec))
    finally:
        seeds.drop(deployment)
    return rec


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def recording(request: pytest.FixtureRequest, seeds: Seeds, tmp_path_factory: pytest.TempPathFactory) -> Recording:
    """The frames of one recorded session per database (the server stopped before the tests look).

    One per test run, not per worker: pytest-xdist hands this module's tests to both workers, and
    each would run the session again whenever its next test is on the other database. The first
    to need it records it and leaves it, pickled, in the directory the workers share; the others
    wait for it there (the lock) and read it."""
    kind: str = request.param
    base = tmp_path_factory.getbasetemp()
    shared = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    run = os.environ.get("PYTEST_XDIST_TESTRUNUID", "")  # never a recording left by an earlier run
    with open(shared / f"message-schemas-{kind}-{run}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        saved = shared / f"message-schemas-{kind}-{run}.pickle"
        if saved.exists():
            loaded: Recording = pickle.loads(saved.read_bytes())
            return loaded
        rec = record(kind, seeds, tmp_path_factory.mktemp(f"schemas-{kind}"))
        saved.write_bytes(pickle.dumps(rec))
        return rec


# -- what the recording proves -------------------------------------------------------------------
def test_every_frame_the_server_sent_matches_its_schema(recording: Recording) -> None:
    assert len(recording.received) > 500
    bad = [(f.terminal, f.message["type"], p) for f in recording.received for p in problems(SERVER, f.message)]
    assert not bad, "\n".join(map(str, bad[:20]))


def test_every_server_message_type_and_error_code_was_sent(recording: Recording) -> None:
    assert {f.message["type"] for f in recording.received} == SERVER_TYPES
    roles = {m["role"] for f in recording.received if (m := f.message)["type"] == "welcome"}
    assert roles == {"deputy", "chair", "staff", "scrutineer", "auditor", "screen"}
    codes = {f.message["code"] for f in recording.received if f.message["type"] == "error"}
    error = json.loads((SCHEMAS / "server" / "error.schema.json").read_text(encoding="utf-8"))
    documented = {code["const"] for code in error["properties"]["code"]["anyOf"]}
    # Not provoked here: a database outage, a server bug, two frames in one write batch, a ballot
    # in the half second between a deadline and the close (tests/reliability/ has the first ones).
    not_provoked = {"storage_unavailable", "internal", "ballot_in_progress", "vote_deadline_passed"}
    assert documented - not_provoked <= codes <= documented
    kinds = {v["kind"] for f in recording.received if f.message["type"] == "state" for v in f.message["votes"]
             if v["result"] is not None}
    assert kinds == {"motion", "list_approval", "election", "appointment", "project_vote", "satisfaction"}


def test_every_frame_the_python_client_sent_matches_its_schema(recording: Recording) -> None:
    assert {f.message["type"] for f in recording.sent} == {"hello", "check_in", "ballot", "sync"}
    bad = [(f.terminal, f.message["type"], p) for f in recording.sent for p in problems(CLIENT, f.message)]
    assert not bad, "\n".join(map(str, bad[:20]))
    assert not problems(CLIENT, {"type": "ping", "t": {"sent": 7}})


def test_a_field_the_schemas_do_not_list_fails_validation(recording: Recording) -> None:
    """Strictness, on real frames: one extra member anywhere the server's shape is fixed fails."""
    def first(kind: str, where: Callable[[dict[str, Any]], bool] = lambda m: True) -> dict[str, Any]:
        found = next(f.message for f in recording.received if f.message["type"] == kind and where(f.message))
        return copy.deepcopy(found)

    for kind in SERVER_TYPES:
        assert problems(SERVER, {**first(kind), "undocumented": 1}), kind
    closed = first("state", lambda m: any(v["result"] for v in m["votes"]))
    mutations: list[Callable[[dict[str, Any]], None]] = [
        lambda m: m["attendance"].update(undocumented=1),
        lambda m: m["meeting"].update(undocumented=1),
        lambda m: m["items"][0].update(undocumented=1),
        lambda m: m["items"][0]["definition"].update(undocumented=1),
        lambda m: m["votes"][0].update(undocumented=1),
        lambda m: m["votes"][0]["definition"].update(undocumented=1),
        lambda m: next(v for v in m["votes"] if v["result"])["result"].update(undocumented=1),
        lambda m: next(v for v in m["votes"] if v["result"])["result"]["attendance"].update(undocumented=1),
        lambda m: m["votes"][0].pop("confirmations"),
    ]
    for mutate in mutations:
        state = copy.deepcopy(closed)
        mutate(state)
        assert problems(SERVER, state)
    me = first("me", lambda m: any("receipt" in e for e in m["votes"].values()))
    next(e for e in me["votes"].values() if "receipt" in e)["receipt"]["undocumented"] = 1
    assert problems(SERVER, me)
    opening = first("state", lambda m: "me_votes" in m)
    next(iter(opening["me_votes"].values()))["undocumented"] = 1
    assert problems(SERVER, opening)
    assert problems(CLIENT, {"type": "ballot", "vote_id": "v1-1", "ballot_id": "x" * 32, "ballot": {"choice": "yes"},
                             "undocumented": 1})


def test_tablets_get_no_ticks_and_see_seq_jump_while_observers_see_every_number(recording: Recording) -> None:
    """The sync rule per terminal kind (docs/protocol.md "Keeping in step")."""
    deputies = recording.terminals("deputy:")
    assert len(deputies) == 45
    jumps = 0
    for terminal in deputies:
        frames = recording.of(terminal)
        assert not [m for m in frames if m["type"] == "tick"]
        seqs = [m["seq"] for m in frames if m["type"] == "state"]
        assert seqs == sorted(seqs), terminal
        jumps += sum(1 for x, y in itertools.pairwise(seqs) if y > x + 1)
    assert jumps > 0  # a tablet that synced on a gap would sync at almost every state
    for terminal in OBSERVERS:
        frames = [m for m in recording.of(terminal) if m["type"] in ("state", "tick")]
        assert sum(1 for m in frames if m["type"] == "tick") >= 2, terminal
        for before, now in itertools.pairwise(frames):
            assert now["seq"] == before["seq"] + 1, (terminal, before["type"], before["seq"], now["type"], now["seq"])


def test_me_votes_ride_only_in_a_deputys_state_that_shows_an_electronic_vote_opening(recording: Recording) -> None:
    for frame in recording.received:
        message = frame.message
        if message["type"] != "state" or "me_votes" not in message:
            continue
        assert frame.terminal.startswith(("deputy:", "raw:deputy")), frame.terminal
        votes = {v["id"]: v for v in message["votes"]}
        for vote_id in message["me_votes"]:
            assert votes[vote_id]["state"] == "open" and votes[vote_id]["method"] == "electronic"
    patched = [m for m in recording.of("deputy:05", "state") if "me_votes" in m]
    assert len(patched) >= 9  # one per electronic vote opened, the paper round has none


def test_a_resend_returns_the_same_leaf_proved_against_a_newer_checkpoint(recording: Recording) -> None:
    first, again, after_close = recording.facts["resend"]
    assert not first["duplicate"] and again["duplicate"] and after_close["duplicate"]
    assert {r["ballot_id"] for r in (first, again, after_close)} == {BALLOT_ID}
    assert first["replaced"] is again["replaced"] is after_close["replaced"] is None
    for receipt in (again, after_close):
        assert receipt["receipt"]["index"] == first["receipt"]["index"]
        assert receipt["receipt"]["leaf_hash"] == first["receipt"]["leaf_hash"]
    assert checkpoint_size(first) < checkpoint_size(again) < checkpoint_size(after_close)
    assert [r["ok"] for r in recording.facts["resend_checked"]] == [True, True, True]


def test_absent_is_members_of_record_minus_present_minus_on_leave(recording: Recording) -> None:
    seen = 0
    for frame in recording.received:
        attendance = frame.message.get("attendance")
        if attendance is None:
            continue
        seen += 1
        assert attendance["absent"] == (attendance["members_of_record"] - attendance["present"]
                                        - attendance["on_leave"] - attendance["not_checked_in"])
        assert attendance["not_checked_in"] == 0 or not attendance["roll_closed"]
    assert seen > 100
    # 60 on the roll; 42 checked in, of whom #41 was then suspended (in the base, not present);
    # #42 recorded on leave, then terminated (out of the base, so no longer on leave); #43 checked
    # in by staff; #44 recorded 缺席; 15 never came: 未签到 until the chair closed the roll, then
    # absent = 1 suspended + 1 缺席 + 15 = 17.
    final = recording.of("chair", "state")[-1]["attendance"]
    assert final == recording.facts["attendance"]


def test_a_countdown_closes_the_vote_by_itself(recording: Recording) -> None:
    vote_id = recording.facts["countdown_vote"]
    states = [next(v for v in m["votes"] if v["id"] == vote_id) for m in recording.of("chair", "state")
              if any(v["id"] == vote_id for v in m["votes"])]
    assert states[0]["state"] == "open" and states[0]["deadline"] is not None
    assert states[-1]["state"] == "closed" and states[-1]["result"]["kind"] == "satisfaction"
    assert states[-1]["cast"] == 10


def test_a_voided_vote_sends_every_tablet_its_me_again(recording: Recording) -> None:
    vote_id = recording.facts["voided_vote"]
    for terminal in recording.terminals("deputy:"):
        frames = recording.of(terminal)
        voided_at = next(i for i, m in enumerate(frames) if m["type"] == "state"
                         and any(v["id"] == vote_id and v["state"] == "voided" for v in m["votes"]))
        assert any(m["type"] == "me" for m in frames[voided_at:]), terminal


# -- the documents themselves ----------------------------------------------------------------------
def test_the_checked_in_schemas_are_what_the_generator_writes() -> None:
    done = subprocess.run([sys.executable, "scripts/protocol_schemas.py", "--check"], cwd=ROOT,
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr


def test_protocol_md_names_every_schema_and_every_error_code() -> None:
    text = (ROOT / "docs" / "protocol.md").read_text(encoding="utf-8")
    for path in sorted(SCHEMAS.rglob("*.schema.json")):
        assert f"schemas/{path.relative_to(SCHEMAS)}" in text, path
    error = json.loads((SCHEMAS / "server" / "error.schema.json").read_text(encoding="utf-8"))
    for code in error["properties"]["code"]["anyOf"]:
        assert f"`{code['const']}`" in text, code["const"]
