"""The agenda: staff add, edit and order items; everyone signed in reads it."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter

from server import queries
from server.auth import Caller, who
from server.conversation import Principal
from server.domain import Role
from server.routes.common import Rt, answers, as_role
from server.schemas import agenda as schema
from server.schemas.base import Ok
from server.usecases import agenda
from server.writer import op

router = APIRouter(tags=["agenda"])
Staff = Annotated[Principal, as_role(Role.STAFF)]

#: What adding or changing an item can be refused with (server/usecases/agenda.py, tally's checks).
ITEM_CODES = {400: "invalid_title, invalid_definition, statutory_violation, invalid_amends"}


@router.get("/meetings/{meeting_id}/items", **answers(list[schema.Item], 401, 404, 422))
async def items(meeting_id: int, rt: Rt, caller: Caller) -> list[dict[str, Any]]:
    """The agenda in order."""
    return list(queries.meeting_of(rt.live, meeting_id).items)


@router.post("/meetings/{meeting_id}/items", **answers(schema.Item, 400, 401, 403, 404, 422, 503, codes=ITEM_CODES))
async def add_item(meeting_id: int, body: schema.NewItem, rt: Rt, caller: Staff) -> dict[str, Any]:
    """Add an item at the end of the agenda (an amendment goes before the motion it amends). Its definition is
    checked by tally against the statutes now, so a lawless ballot is refused before the session."""
    data = body.model_dump(mode="json", exclude_unset=True)
    return await rt.writer.run(op(agenda.add_item, meeting_id, data, who(caller)))


@router.patch("/items/{item_id}", **answers(schema.Item, 400, 401, 403, 404, 409, 422, 503,
                                            codes={**ITEM_CODES, 409: "item_voted"}))
async def update_item(item_id: int, body: schema.ItemChange, rt: Rt, caller: Staff) -> dict[str, Any]:
    """Change an item that has not been voted on; fields left out keep their values."""
    data = body.model_dump(mode="json", exclude_unset=True)
    return await rt.writer.run(op(agenda.update_item, item_id, data, who(caller)))


@router.post("/items/{item_id}/move", **answers(Ok, 400, 401, 403, 404, 409, 422, 503,
                                                codes={400: "invalid_position", 409: "amendment_first"}))
async def move_item(item_id: int, body: schema.Move, rt: Rt, caller: Staff) -> dict[str, bool]:
    """Move an item to another place on the agenda (an amendment stays before its motion)."""
    await rt.writer.run(op(agenda.move_item, item_id, body.position, who(caller)))
    return {"ok": True}
