"""Paper ballots (纸质选票) keyed twice by two 计票人, and the scrutineers' confirmation of a count
report (recorded in the audit log)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter

from server import queries
from server.conversation import Principal
from server.domain import Role
from server.routes.common import Rt, answers, as_role
from server.schemas import paper as schema
from server.usecases import confirm_report, paper_ballot
from server.writer import op

router = APIRouter(tags=["paper"])
Scrutineer = Annotated[Principal, as_role(Role.SCRUTINEER)]


@router.post("/votes/{vote_id}/paper", **answers(schema.PaperEntered, 400, 401, 403, 404, 409, 422, 503, codes={
    400: "invalid_ballot_no, invalid_ballot", 409: "vote_not_open, vote_deadline_passed, not_paper, same_clerk, "
                                                   "already_counted, keyed_twice"}))
async def paper(vote_id: str, body: schema.PaperBallot, rt: Rt, caller: Scrutineer) -> dict[str, Any]:
    """One 计票人's keying of one paper ballot of a ``paper`` vote; a ballot counts once both keyings agree."""
    user_id = caller.user_id
    assert user_id is not None
    return await rt.writer.run(op(
        paper_ballot.enter_paper_ballot, vote_id, body.ballot_no, body.slot, body.ballot, user_id))


@router.get("/votes/{vote_id}/paper", **answers(schema.PaperStatus, 401, 403, 404))
async def paper_status(vote_id: str, rt: Rt,
                       caller: Annotated[Principal, as_role(Role.SCRUTINEER, Role.CHAIR)]) -> dict[str, list[int]]:
    """Which ballot numbers are counted, waiting for the second keying, or mismatched."""
    with rt.sessions() as session:
        return queries.paper_status(session, rt.live, vote_id)


@router.post("/votes/{vote_id}/confirm", **answers(schema.Confirmed, 400, 401, 403, 404, 409, 503, codes={
    400: "not_election", 409: "vote_not_closed, already_confirmed"}))
async def confirm(vote_id: str, rt: Rt, caller: Scrutineer) -> dict[str, Any]:
    """A scrutineer confirms the count report of an election or project vote (recorded in the log)."""
    name = caller.name or "scrutineer"
    confirmations = await rt.writer.run(op(confirm_report.confirm_report, vote_id, name))
    return {"vote_id": vote_id, "confirmations": confirmations}
