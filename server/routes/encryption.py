"""Encrypted secret votes over HTTP: the 监票人's key ceremony, a deputy's challenge (spoiled
ballot), and the 监票人's partial decryptions (docs/protocol.md "Encrypted secret votes")."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter

from ballotcrypto.ballot import Ballot
from ballotcrypto.forms import read_form
from server.conversation import Principal
from server.domain import Role
from server.errors import Conflict
from server.queries import vote_of
from server.routes.common import Rt, answers, as_role
from server.schemas import encryption as schema
from server.usecases import ceremony, common, encrypted
from server.writer import Tx, op

router = APIRouter(tags=["encryption"])
Trustee = Annotated[Principal, as_role(Role.SCRUTINEER)]
Reader = Annotated[Principal, as_role(Role.CHAIR, Role.STAFF, Role.SCRUTINEER, Role.AUDITOR)]

STEP_REFUSALS = {400: "invalid_ceremony_message", 403: "forbidden", 409: "no_ceremony, wrong_round, already_posted"}
T = TypeVar("T")


def _ceremony_view(tx: Tx, meeting_id: int, trustee: int | None) -> dict[str, Any]:
    """The writer job behind GET …/ceremony: to a 监票人 (``trustee``, an account id) with the
    sealed shares addressed to them."""
    common.meeting(tx, meeting_id)
    name = None if trustee is None else ceremony.username_of(tx, trustee)
    return ceremony.view(ceremony.current(tx, meeting_id), name)


def _as_trustee(tx: Tx, step: Callable[..., T], subject: int | str, user_id: int | None, /, *args: Any) -> T:
    """A 监票人's step of the ceremony or of a decryption, as the writer job ``step(tx, subject,
    username, *args)``: the account's name is read in the job's own transaction."""
    return step(tx, subject, ceremony.username_of(tx, user_id), *args)


@router.get("/meetings/{meeting_id}/ceremony", **answers(schema.CeremonyView, 401, 403, 404))
async def get_ceremony(meeting_id: int, rt: Rt, caller: Reader) -> dict[str, Any]:
    """The meeting's key ceremony: every public message, and to a 监票人 the sealed shares addressed to them."""
    trustee = caller.user_id if caller.role is Role.SCRUTINEER else None
    return await rt.writer.run(op(_ceremony_view, meeting_id, trustee))


@router.post("/meetings/{meeting_id}/ceremony", **answers(
    schema.CeremonyView, 400, 401, 403, 404, 409, 422, 503,
    codes={400: "invalid_trustees, invalid_quorum", 409: "meeting_closed, key_exists, vote_already_open"}))
async def start_ceremony(meeting_id: int, body: schema.StartCeremony, rt: Rt,
                         caller: Annotated[Principal, as_role(Role.STAFF)]) -> dict[str, Any]:
    """Start the key ceremony with the 监票人 accounts in their order and k (replaces one that did not finish)."""
    return await rt.writer.run(op(
        ceremony.start_ceremony, meeting_id, body.trustees, body.k, by=f"{caller.role.value}:{caller.name}"))


@router.post("/meetings/{meeting_id}/ceremony/commitment",
             **answers(schema.CeremonyView, 400, 401, 403, 404, 409, 422, 503, codes=STEP_REFUSALS))
async def post_commitment(meeting_id: int, body: schema.Commitment, rt: Rt, caller: Trustee) -> dict[str, Any]:
    """Round 1: the caller's commitment (docs/ballot-crypto.md §2.2)."""
    return await rt.writer.run(op(_as_trustee, ceremony.post_commitment, meeting_id, caller.user_id, body.model_dump()))


@router.post("/meetings/{meeting_id}/ceremony/shares",
             **answers(schema.CeremonyView, 400, 401, 403, 404, 409, 422, 503, codes=STEP_REFUSALS))
async def post_shares(meeting_id: int, body: schema.Shares, rt: Rt, caller: Trustee) -> dict[str, Any]:
    """Round 2: the caller's shares, each sealed to another 监票人 (docs/ballot-crypto.md §2.3)."""
    return await rt.writer.run(op(_as_trustee, ceremony.post_shares, meeting_id, caller.user_id,
                                     [share.model_dump() for share in body.shares]))


@router.post("/meetings/{meeting_id}/ceremony/confirmation",
             **answers(schema.CeremonyView, 400, 401, 403, 404, 409, 422, 503, codes=STEP_REFUSALS))
async def post_confirmation(meeting_id: int, body: schema.Confirmation, rt: Rt, caller: Trustee) -> dict[str, Any]:
    """Round 3: the caller's confirmation (docs/ballot-crypto.md §2.4); the last one makes the election key."""
    return await rt.writer.run(op(_as_trustee, ceremony.post_confirmation, meeting_id, caller.user_id,
                                     body.model_dump()))


@router.post("/votes/{vote_id}/spoil", **answers(schema.Spoiled, 400, 401, 403, 404, 409, 422, 503, codes={
    400: "invalid_ballot, invalid_opening", 409: "vote_not_open, vote_deadline_passed, not_encrypted, "
                                                 "ballot_already_cast"}))
async def spoil(vote_id: str, body: schema.Spoil, rt: Rt,
                caller: Annotated[Principal, as_role(Role.DEPUTY)]) -> dict[str, Any]:
    """Challenge an encrypted ballot instead of casting it (Benaloh): the opening is checked and logged, the
    ballot is never counted; the answer is what it encrypted."""
    member_id = caller.member_id
    assert member_id is not None
    vote = vote_of(rt.live, vote_id)
    if vote.encryption is None:
        raise Conflict("not_encrypted", "本项表决不是加密表决")
    ballot, opening = body.ballot.model_dump(exclude_none=True), body.opening.model_dump(exclude_none=True)
    values = await rt.proofs.opening(vote.encryption["context"], ballot, opening)
    return await rt.writer.run(op(encrypted.spoil_ballot, member_id, vote_id, ballot, opening, values))


@router.get("/votes/{vote_id}/decryption", **answers(schema.Decryption, 401, 403, 404, 409))
async def decryption(vote_id: str, rt: Rt, caller: Reader) -> dict[str, Any]:
    """An encrypted vote's totals and the partial decryptions so far (what a 监票人's device decrypts)."""
    return await rt.writer.run(op(encrypted.decryption_view, vote_id))


@router.get("/votes/{vote_id}/ballots", **answers(schema.CountedBallots, 401, 403, 404, 409,
                                                  codes={409: "not_encrypted, not_decrypting"}))
async def counted_ballots(vote_id: str, rt: Rt, caller: Reader) -> dict[str, Any]:
    """A closed encrypted vote's counted ballots, as logged, so that a 监票人's device adds up the
    totals itself before it decrypts them (docs/ballot-crypto.md §5)."""
    vote = vote_of(rt.live, vote_id)
    encryption = encrypted.encryption_of(vote)
    decryption = vote.decryption
    if decryption is None:
        raise Conflict("not_decrypting", "本项表决尚未结束，没有需要解密的合计")
    write_ins = "write_ins" in decryption
    ballots, order = await asyncio.get_running_loop().run_in_executor(
        None, encrypted.counted_view, rt.sessions, vote_id, write_ins)
    return {"vote_id": vote_id, "vid": encryption["vid"], "ballots_cast": decryption["ballots_cast"],
            "ballots": ballots, **({"counted_order": order} if write_ins else {})}


@router.post("/votes/{vote_id}/partial", **answers(schema.PartialTaken, 400, 401, 403, 404, 409, 422, 503, codes={
    400: "invalid_partial", 409: "not_encrypted, not_decrypting, already_posted, wrong_round"}))
async def post_partial(vote_id: str, body: schema.Partial, rt: Rt, caller: Trustee) -> dict[str, Any]:
    """The caller's partial decryption of the vote's totals (docs/ballot-crypto.md §5); the k-th gives the result."""
    return await rt.writer.run(op(_as_trustee, encrypted.post_partial, vote_id, caller.user_id, body.model_dump()))


@router.post("/votes/{vote_id}/write-in-partial", **answers(
    schema.WriteInPartialTaken, 400, 401, 403, 404, 409, 422, 503, codes={
        400: "invalid_partial", 409: "not_encrypted, not_decrypting, no_write_ins, wrong_round, already_posted, "
                                     "write_in_unreadable"}))
async def post_write_in_partial(vote_id: str, body: schema.WriteInPartial, rt: Rt, caller: Trustee) -> dict[str, Any]:
    """The caller's partial decryption of a write-in round (另选他人, docs/ballot-crypto.md §6.1): ``uses``
    over every counted ballot's use sum, then ``names`` over the slots of the ballots that have write-ins;
    the k-th of the last round gives the result."""
    vote = vote_of(rt.live, vote_id)
    encryption = encrypted.encryption_of(vote)
    ballots: tuple[Ballot, ...] = ()
    if vote.decryption is not None and "write_ins" in vote.decryption:  # closed: the counted ballots are fixed
        form = read_form(encryption["context"]["form"])
        ballots = await asyncio.get_running_loop().run_in_executor(
            None, encrypted.write_in_ballots, rt.sessions, vote_id, form, str(encryption["vid"]))
    # the state's checks (not_decrypting, no_write_ins, wrong_round, …) are the writer's, in order
    return await rt.writer.run(op(_as_trustee, encrypted.post_write_in_partial, vote_id, caller.user_id, body.round,
                                     body.partial.model_dump(), ballots))
