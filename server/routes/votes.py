"""Vote control by the presiding officer (open, extend, close, void, a 举手 result entered by hand),
reading a vote, and the HTTP ballot for terminals that cannot keep a WebSocket open."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from server import queries
from server.auth import Caller, needs, who
from server.domain import Role
from server.routes.common import MAX_ID, Rt
from server.usecases import close_vote, extend_vote, manual_result, open_vote, void_vote
from server.usecases.cast_ballot import cast_ballot

router = APIRouter(tags=["votes"])


class OpenRequest(BaseModel):
    round: str = "first"
    candidates: list[str] | None = None
    seats: int | None = Field(default=None, ge=1, le=100000)
    countdown_s: int | None = Field(default=None, ge=-MAX_ID, le=MAX_ID)
    method: str = "electronic"
    ballots_issued: int | None = Field(default=None, ge=0, le=MAX_ID)


@router.post("/items/{item_id}/open")
async def open_item(item_id: int, body: OpenRequest, rt: Rt, caller: Caller) -> dict[str, Any]:
    needs(caller, Role.CHAIR)
    opened = await rt.writer.run(lambda tx: open_vote.open_vote(
        tx, item_id, round_kind=body.round, candidates=body.candidates, seats=body.seats,
        countdown_s=body.countdown_s, method=body.method, ballots_issued=body.ballots_issued, by=who(caller)))
    return {**opened, "deadline": opened["deadline"].isoformat() if opened["deadline"] else None}


@router.post("/votes/{vote_id}/close")
async def close(vote_id: str, rt: Rt, caller: Caller) -> dict[str, Any]:
    needs(caller, Role.CHAIR)
    return await rt.writer.run(lambda tx: close_vote.close_vote(tx, vote_id, by=who(caller)))


class Extend(BaseModel):
    seconds: int = Field(ge=-MAX_ID, le=MAX_ID)


@router.post("/votes/{vote_id}/extend")
async def extend(vote_id: str, body: Extend, rt: Rt, caller: Caller) -> dict[str, bool]:
    needs(caller, Role.CHAIR)
    await rt.writer.run(lambda tx: extend_vote.extend_vote(tx, vote_id, body.seconds, by=who(caller)))
    return {"ok": True}


class Void(BaseModel):
    ground: str
    reason: str = Field(max_length=500)


@router.post("/votes/{vote_id}/void")
async def void(vote_id: str, body: Void, rt: Rt, caller: Caller) -> dict[str, bool]:
    needs(caller, Role.CHAIR)
    await rt.writer.run(lambda tx: void_vote.void_vote(tx, vote_id, body.ground, body.reason, by=who(caller)))
    return {"ok": True}


class Manual(BaseModel):
    method: str
    counts: dict[str, Any]


@router.post("/items/{item_id}/manual")
async def manual(item_id: int, body: Manual, rt: Rt, caller: Caller) -> dict[str, Any]:
    needs(caller, Role.CHAIR)
    return await rt.writer.run(
        lambda tx: manual_result.manual_result(tx, item_id, body.method, body.counts, by=who(caller)))


@router.get("/votes/{vote_id}")
async def get_vote(vote_id: str, rt: Rt, caller: Caller) -> dict[str, Any]:
    return queries.vote_view(queries.vote_of(rt.live, vote_id))


@router.get("/votes/{vote_id}/pending")
async def pending(vote_id: str, rt: Rt, caller: Caller) -> dict[str, Any]:
    """Who has not voted yet: names for named votes, only a count for secret ones."""
    needs(caller, Role.CHAIR, Role.STAFF)
    return queries.pending_view(rt.live, queries.vote_of(rt.live, vote_id))


class HttpBallot(BaseModel):
    vote_id: str = Field(max_length=32)
    ballot_id: str = Field(max_length=64)
    ballot: dict[str, Any]
    replaces: str | None = Field(default=None, max_length=64)


@router.post("/ballots")
async def http_ballot(body: HttpBallot, rt: Rt, caller: Caller) -> dict[str, Any]:
    """A ballot over HTTP, for terminals that cannot keep a WebSocket (same rules and answer as the
    socket's ``ballot``/``receipt``, docs/protocol.md)."""
    needs(caller, Role.DEPUTY)
    member_id = caller.member_id
    assert member_id is not None
    ticket = await rt.writer.submit(
        lambda tx: cast_ballot(tx, member_id, body.vote_id, body.ballot_id, body.ballot, body.replaces),
        groupable=True, may_refuse=False)
    if ticket.error is not None:
        raise ticket.error
    rt.hub.send_me(member_id)  # the deputy's tablets show 已提交 at once
    return {"vote_id": ticket.vote_id, "ballot_id": ticket.ballot_id, "receipt": ticket.receipt,
            "duplicate": ticket.duplicate}
