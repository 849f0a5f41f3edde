"""The agenda: staff add, edit and order items; everyone signed in reads it."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from server import queries
from server.auth import Caller, needs, who
from server.domain import Role
from server.routes.common import Rt, json_object
from server.usecases import agenda

router = APIRouter(tags=["agenda"])


@router.get("/meetings/{meeting_id}/items")
async def items(meeting_id: int, rt: Rt, caller: Caller) -> list[dict[str, Any]]:
    return list(queries.meeting_of(rt.live, meeting_id).items)


@router.post("/meetings/{meeting_id}/items")
async def add_item(meeting_id: int, request: Request, rt: Rt, caller: Caller) -> dict[str, Any]:
    needs(caller, Role.STAFF)
    data = await json_object(request)
    return await rt.writer.run(lambda tx: agenda.add_item(tx, meeting_id, data, who(caller)))


@router.patch("/items/{item_id}")
async def update_item(item_id: int, request: Request, rt: Rt, caller: Caller) -> dict[str, Any]:
    needs(caller, Role.STAFF)
    data = await json_object(request)
    return await rt.writer.run(lambda tx: agenda.update_item(tx, item_id, data, who(caller)))


class Move(BaseModel):
    position: int = Field(ge=1, le=100000)


@router.post("/items/{item_id}/move")
async def move_item(item_id: int, body: Move, rt: Rt, caller: Caller) -> dict[str, bool]:
    needs(caller, Role.STAFF)
    await rt.writer.run(lambda tx: agenda.move_item(tx, item_id, body.position, who(caller)))
    return {"ok": True}
