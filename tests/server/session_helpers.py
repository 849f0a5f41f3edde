"""Driving a real server through a congress session: staff, chair and deputies' terminals."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx

from terminals.client import TerminalClient

PASSWORDS = {"chair": "demo-chair-2026", "staff": "demo-staff-2026", "jipiao1": "demo-count-2026",
             "jipiao2": "demo-count-2026", "auditor": "demo-audit-2026"}


def login(url: str, username: str) -> httpx.Client:
    client = httpx.Client(base_url=url, timeout=60)
    response = client.post("/api/login", json={"username": username, "password": PASSWORDS[username]})
    assert response.status_code == 200, response.text
    client.headers["Authorization"] = f"Bearer {response.json()['token']}"
    client.cookies.clear()
    return client


def ok(response: httpx.Response) -> Any:
    assert response.status_code < 300, response.text
    return response.json()


def refused(response: httpx.Response, code: str, status: int | None = None) -> dict[str, Any]:
    assert response.status_code >= 400, response.text
    if status is not None:
        assert response.status_code == status, response.text
    error: dict[str, Any] = response.json()["error"]
    assert error["code"] == code, error
    assert error["message"]
    return error


@dataclass
class Session:
    url: str
    staff: httpx.Client
    chair: httpx.Client
    meeting_id: int
    codes: list[dict[str, Any]]
    deputies: list[TerminalClient] = field(default_factory=list)

    @classmethod
    def start(cls, url: str) -> Session:
        staff = login(url, "staff")
        chair = login(url, "chair")
        meeting_id = ok(staff.get("/api/meetings"))[0]["id"]
        codes = ok(staff.post(f"/api/meetings/{meeting_id}/codes", json={"reason": "重新发放（测试）"}))
        return cls(url, staff, chair, meeting_id, codes)

    def item(self, title_part: str) -> dict[str, Any]:
        items = ok(self.chair.get(f"/api/meetings/{self.meeting_id}/items"))
        return next(i for i in items if title_part in i["title"])

    async def connect(self, count: int, *, check_in: bool = True) -> list[TerminalClient]:
        clients = [TerminalClient(self.url, code=c["code"]) for c in self.codes[len(self.deputies):][:count]]
        await asyncio.gather(*(c.connect() for c in clients))
        if check_in:
            await asyncio.gather(*(c.check_in() for c in clients))
        self.deputies += clients
        return clients

    async def wait_open(self, vote_id: str, clients: Sequence[TerminalClient] | None = None) -> None:
        await asyncio.gather(*(c.wait_for(lambda c: any(v["id"] == vote_id for v in c.open_votes()))
                               for c in (clients or self.deputies)))

    async def cast(self, vote_id: str, ballots: Sequence[dict[str, Any]],
                   clients: Sequence[TerminalClient] | None = None) -> list[dict[str, Any]]:
        voters = list(clients or self.deputies)[: len(ballots)]
        assert len(voters) == len(ballots)
        await self.wait_open(vote_id, voters)
        return list(await asyncio.gather(*(c.vote(vote_id, b) for c, b in zip(voters, ballots, strict=True))))

    def open(self, item_id: int, **body: Any) -> str:
        return str(ok(self.chair.post(f"/api/items/{item_id}/open", json=body))["vote_id"])

    def close(self, vote_id: str) -> dict[str, Any]:
        result: dict[str, Any] = ok(self.chair.post(f"/api/votes/{vote_id}/close"))
        return result

    async def finish(self) -> None:
        await asyncio.gather(*(c.close() for c in self.deputies))
        self.staff.close()
        self.chair.close()


def in_session(url: str, body: Callable[[Session], Awaitable[None]], *, tablets: int = 40) -> None:
    """Run ``body`` against a session on the server at ``url`` with ``tablets`` deputies connected
    and checked in (40 of the demo's 60 are a quorum), and close every client afterwards."""

    async def run() -> None:
        s = Session.start(url)
        try:
            if tablets:
                await s.connect(tablets)
            await body(s)
        finally:
            await s.finish()

    asyncio.run(run())


def choices(yes: int = 0, no: int = 0, abstain: int = 0) -> list[dict[str, Any]]:
    return [{"choice": "yes"}] * yes + [{"choice": "no"}] * no + [{"choice": "abstain"}] * abstain


def marks(*yes: str, no: Sequence[str] = ()) -> dict[str, Any]:
    return {"marks": {**{n: "yes" for n in yes}, **{n: "no" for n in no}}}
