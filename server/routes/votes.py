"""Vote control by the presiding officer (open, extend, close, void, a 举手 result entered by hand),
reading a vote, and the HTTP ballot for terminals that cannot keep a WebSocket open."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from server import queries
from server.auth import Caller, who
from server.conversation import Principal
from server.domain import Role
from server.routes.common import Rt, answers, as_role
from server.schemas import votes as schema
from server.schemas.base import Ok
from server.schemas.tally import Result
from server.usecases import close_vote, extend_vote, manual_result, open_vote, publish, void_vote
from server.usecases.cast_ballot import cast_ballot
from server.writer import op

router = APIRouter(tags=["votes"])
Chair = Annotated[Principal, as_role(Role.CHAIR)]

OPEN_REFUSALS = {
    400: "invalid_round, invalid_method, ballots_issued_required, invalid_countdown, invalid_definition, "
         "statutory_violation",
    409: "meeting_closed, vote_already_open, already_decided, no_quorum, amendment_first, dismiss_first, "
         "already_voted, revote_needs_void, no_previous_result, no_tie, nothing_unfilled, runoff_limit, "
         "preliminary_too_late",
}
BALLOT_REFUSALS = {
    400: "invalid_ballot, invalid_ballot_id, cast_token_required",
    409: "vote_not_open, vote_deadline_passed, paper_vote, ballot_in_progress, ballot_id_reused, ballot_refused, "
         "already_voted, change_needs_previous, ballot_replayed, ballot_spoiled",
}


@router.post("/items/{item_id}/open", **answers(schema.VoteOpened, 400, 401, 403, 404, 409, 422, 503,
                                                codes=OPEN_REFUSALS))
async def open_item(item_id: int, body: schema.OpenVote, rt: Rt, caller: Chair) -> dict[str, Any]:
    """Open a round of voting on an item: the roll, the base and the quorum are frozen into the vote."""
    opened = await rt.writer.run(op(
        open_vote.open_vote, item_id, round_kind=body.round.value, candidates=body.candidates, seats=body.seats,
        countdown_s=body.countdown_s, method=body.method.value, ballots_issued=body.ballots_issued, by=who(caller)))
    return {**opened, "deadline": opened["deadline"].isoformat() if opened["deadline"] else None}


DECRYPTING = {
    "description": "An encrypted vote with ballots: closed, its totals kept, waiting for the 监票人 to decrypt them "
                   "(docs/protocol.md \"Encrypted secret votes\").",
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/AwaitingDecryption"}}},
}


@router.post("/votes/{vote_id}/close", **answers(Result, 202, 401, 403, 404, 409, 503, codes={409: "vote_not_open"},
                                                 special={202: DECRYPTING}))
async def close(vote_id: str, rt: Rt, caller: Chair) -> Any:
    """Close the vote and count it; the answer is the result (the same as the vote's ``result``) — or, for an
    encrypted vote with ballots, 202 with what the 监票人 must decrypt."""
    outcome = await rt.writer.run(op(close_vote.close_vote, vote_id, by=who(caller)))
    if outcome.get("state") == "decrypting":
        return JSONResponse(schema.AwaitingDecryption(**outcome).model_dump(), status_code=202)
    return outcome


@router.post("/votes/{vote_id}/extend", **answers(Ok, 400, 401, 403, 404, 409, 422, 503, codes={
    400: "invalid_extension", 409: "vote_not_open, vote_deadline_passed"}))
async def extend(vote_id: str, body: schema.Extend, rt: Rt, caller: Chair) -> dict[str, bool]:
    """Extend the countdown (延长表决时间)."""
    await rt.writer.run(op(extend_vote.extend_vote, vote_id, body.seconds, by=who(caller)))
    return {"ok": True}


@router.post("/votes/{vote_id}/void", **answers(Ok, 400, 401, 403, 404, 409, 422, 503, codes={
    400: "reason_required", 409: "already_voided, result_valid"}))
async def void(vote_id: str, body: schema.Void, rt: Rt, caller: Chair) -> dict[str, bool]:
    """Declare the vote invalid (宣布表决无效) with its ground, so that it can be held again (``revote``). A valid
    未通过 is final: `excess_ballots` and `no_quorum` only void a count the tally found invalid."""
    await rt.writer.run(
        op(void_vote.void_vote, vote_id, body.ground.value, body.reason, by=who(caller)))
    return {"ok": True}


@router.post("/items/{item_id}/manual", **answers(Result, 400, 401, 403, 404, 409, 422, 503, codes={
    400: "invalid_counts, manual_not_supported, invalid_definition, statutory_violation",
    409: "already_decided, vote_already_open, no_quorum"}))
async def manual(item_id: int, body: schema.Manual, rt: Rt, caller: Chair) -> dict[str, Any]:
    """A result counted by hand (举手 or paper) when the electronic system cannot be used; still counted by tally
    with the statutory rule, and marked ``manual`` (motions, lists and appointments)."""
    return await rt.writer.run(
        op(manual_result.manual_result, item_id, body.method.value, body.counts, by=who(caller)))


#: Who sees a result the publish step still holds back (meeting setting ``publish_step``).
SEE_HELD = (Role.CHAIR, Role.SCRUTINEER, Role.AUDITOR)
PUBLISH_REFUSALS = {409: "publish_step_off, vote_not_closed, vote_voided"}


@router.get("/votes/{vote_id}", **answers(schema.VoteView, 401, 404))
async def get_vote(vote_id: str, rt: Rt, caller: Caller) -> dict[str, Any]:
    """A vote as terminals see it: counts of how many voted, the result once closed — in a meeting with the
    publish step, once declared (the chair, scrutineers and auditors see it as soon as it is counted)."""
    return queries.vote_view(queries.vote_of(rt.live, vote_id), rt.live, privileged=caller.role in SEE_HELD)


@router.post("/votes/{vote_id}/result/confirm", **answers(schema.Published, 401, 403, 404, 409, 503, codes={
    409: PUBLISH_REFUSALS[409] + ", result_already_confirmed"}))
async def confirm_result(vote_id: str, rt: Rt,
                         caller: Annotated[Principal, as_role(Role.SCRUTINEER)]) -> dict[str, Any]:
    """The publish step, first: the 总监票人 (a scrutineer account) confirms the count of a closed vote (audit
    record `result_confirmed`). Only in a meeting whose setting `publish_step` is true (else 409
    `publish_step_off`); other roles 403 `forbidden`."""
    name = caller.name or "scrutineer"
    published = await rt.writer.run(op(publish.confirm_result, vote_id, name, who(caller)))
    return {"vote_id": vote_id, "publication": published}


@router.post("/votes/{vote_id}/result/declare", **answers(schema.Published, 401, 403, 404, 409, 503, codes={
    409: PUBLISH_REFUSALS[409] + ", result_not_confirmed, result_already_declared"}))
async def declare_result(vote_id: str, rt: Rt, caller: Chair) -> dict[str, Any]:
    """The publish step, second: the chair declares (宣布) a confirmed result (audit record `result_declared`);
    the hall screen and the tablets show it from now on. Before the confirmation: 409 `result_not_confirmed`."""
    name = caller.name or "chair"
    published = await rt.writer.run(op(publish.declare_result, vote_id, name, who(caller)))
    return {"vote_id": vote_id, "publication": published}


@router.get("/votes/{vote_id}/pending", **answers(schema.Pending, 401, 403, 404))
async def pending(vote_id: str, rt: Rt,
                  caller: Annotated[Principal, as_role(Role.CHAIR, Role.STAFF)]) -> dict[str, Any]:
    """Who has not voted yet: names for named votes, only a count for secret ones."""
    return queries.pending_view(rt.live, queries.vote_of(rt.live, vote_id))


@router.post("/ballots", **answers(schema.BallotTaken, 400, 401, 403, 404, 409, 422, 503, codes=BALLOT_REFUSALS))
async def http_ballot(body: schema.HttpBallot, rt: Rt,
                      caller: Annotated[Principal, as_role(Role.DEPUTY)]) -> dict[str, Any]:
    """A ballot over HTTP, for terminals that cannot keep a WebSocket (same rules and answer as the
    socket's ``ballot``/``receipt``, docs/protocol.md)."""
    member_id = caller.member_id
    assert member_id is not None
    ballot = body.ballot if isinstance(body.ballot, dict) else body.ballot.model_dump(exclude_none=True)
    vote = rt.live.votes.get(body.vote_id)
    proven = vote is not None and vote.encryption is not None
    if vote is not None and vote.encryption is not None:
        await rt.proofs.ballot(vote.encryption["context"], ballot)  # off the event loop (server/proofs.py)
    ticket = await rt.writer.submit(
        op(cast_ballot, member_id, body.vote_id, body.ballot_id, ballot, body.replaces, body.cast_token, proven=proven),
        groupable=True, may_refuse=False)
    if ticket.error is not None:
        raise ticket.error
    rt.hub.send_me(member_id)  # the deputy's tablets show 已提交 at once
    return {"vote_id": ticket.vote_id, "ballot_id": ticket.ballot_id, "receipt": ticket.receipt,
            "duplicate": ticket.duplicate, **({"tracker": ticket.tracker} if ticket.tracker else {})}
