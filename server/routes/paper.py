"""Paper ballots (纸质选票) keyed twice by two 计票人, and the scrutineers' confirmation of a count
report (recorded in the audit log)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from server import queries
from server.auth import Caller, needs
from server.domain import Role
from server.routes.common import MAX_ID, Rt
from server.usecases import confirm_report, paper_ballot

router = APIRouter(tags=["paper"])


class PaperBallot(BaseModel):
    ballot_no: int = Field(ge=-MAX_ID, le=MAX_ID)
    slot: int = Field(ge=-MAX_ID, le=MAX_ID)
    ballot: dict[str, Any]


@router.post("/votes/{vote_id}/paper")
async def paper(vote_id: str, body: PaperBallot, rt: Rt, caller: Caller) -> dict[str, Any]:
    needs(caller, Role.SCRUTINEER)
    user_id = caller.user_id
    assert user_id is not None
    return await rt.writer.run(lambda tx: paper_ballot.enter_paper_ballot(
        tx, vote_id, body.ballot_no, body.slot, body.ballot, user_id))


@router.get("/votes/{vote_id}/paper")
async def paper_status(vote_id: str, rt: Rt, caller: Caller) -> dict[str, list[int]]:
    needs(caller, Role.SCRUTINEER, Role.CHAIR)
    with rt.sessions() as session:
        return queries.paper_status(session, rt.live, vote_id)


@router.post("/votes/{vote_id}/confirm")
async def confirm(vote_id: str, rt: Rt, caller: Caller) -> dict[str, Any]:
    """A scrutineer confirms the count report of an election or project vote (recorded in the log)."""
    needs(caller, Role.SCRUTINEER)
    name = caller.name or "scrutineer"
    confirmations = await rt.writer.run(lambda tx: confirm_report.confirm_report(tx, vote_id, name))
    return {"vote_id": vote_id, "confirmations": confirmations}
