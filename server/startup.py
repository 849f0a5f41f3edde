"""Rebuild the in-memory picture from the database at start (after a restart or a crash)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from server import models
from server.domain import (
    Attendance,
    BodyKind,
    JsonObject,
    MeetingState,
    MemberId,
    RoundKind,
    VoteId,
    VoteMethod,
    VoteState,
)
from server.live import CodeReissue, Live, LiveMeeting, LiveVote, Member
from server.models import AccessCode, AuditRecord, BallotReceipt, Body, Item, Meeting, Vote, VoteParticipation
from server.usecases.agenda import item_view
from server.usecases.cast_ballot import key_of


def _ballots_of_open_votes(
    session: Session, open_ids: set[VoteId]
) -> tuple[dict[VoteId, dict[int, JsonObject]], dict[VoteId, set[str]]]:
    """Ballot contents of the open votes, by audit seq, minus withdrawn ones (no voter anywhere),
    and the hashed ids of the encrypted ballots challenged (spoiled) in them."""
    ballots: dict[VoteId, dict[int, JsonObject]] = {vote_id: {} for vote_id in open_ids}
    spoiled: dict[VoteId, set[str]] = {vote_id: set() for vote_id in open_ids}
    if not open_ids:
        return ballots, spoiled
    withdrawn: list[tuple[VoteId, int]] = []
    for row in session.scalars(select(AuditRecord).order_by(AuditRecord.seq)):
        if b'"type":"ballot' not in row.data:
            continue
        record = json.loads(row.data)
        body = record["body"]
        if body.get("vote_id") not in open_ids:
            continue
        if record["type"] == "ballot":
            ballots[body["vote_id"]][record["seq"]] = body["ballot"]
        elif record["type"] == "ballot_withdrawn":
            withdrawn.append((body["vote_id"], body["seq"]))
        elif record["type"] == "ballot_spoiled":
            spoiled[body["vote_id"]].add(key_of(str(body["ballot"]["ballot"])))
    for vote_id, seq in withdrawn:
        ballots[vote_id].pop(seq, None)
    return ballots, spoiled


def aware(moment: datetime | None) -> datetime | None:
    """SQLite returns naive datetimes; everything here is UTC."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


def reissue_note(code: AccessCode) -> CodeReissue:
    """What the chair console and the deputy's tablet are told of a code issued in place of another."""
    at = aware(code.issued_at)
    return CodeReissue(at.isoformat() if at else "", code.reason or "", code.issued_by or "")


def rebuild(session: Session) -> Live:
    live = Live()
    bodies = {b.id: b for b in session.scalars(select(Body))}
    members_by_body: dict[int, dict[MemberId, Member]] = {}
    for m in session.scalars(select(models.Member)):
        members_by_body.setdefault(m.body_id, {})[m.id] = Member.of(m)
    for meeting in session.scalars(select(Meeting)):
        body = bodies[meeting.body_id]
        settings = dict(body.settings)
        if meeting.state == MeetingState.CLOSED:
            settings["closed"] = True
        live.meetings[meeting.id] = LiveMeeting(
            meeting.id, body.id, BodyKind(body.kind), meeting.title, settings, members_by_body.setdefault(body.id, {}))
    for code in session.scalars(select(AccessCode).where(AccessCode.revoked.is_(False), AccessCode.reason.is_not(None))
                                .order_by(AccessCode.issued_at)):
        if code.meeting_id in live.meetings:
            live.meetings[code.meeting_id].code_reissues[code.member_id] = reissue_note(code)
    for row in session.scalars(select(models.Attendance)):
        if row.meeting_id in live.meetings:
            live.meetings[row.meeting_id].attendance[row.member_id] = Attendance(row.state)
    items: dict[int, Item] = {}
    for item in session.scalars(select(Item).order_by(Item.meeting_id, Item.position)):
        items[item.id] = item
        live.meetings[item.meeting_id].items.append(item_view(item))
    votes = list(session.scalars(select(Vote)))
    open_ids = {v.id for v in votes if v.state == VoteState.OPEN}
    ballots, spoiled = _ballots_of_open_votes(session, open_ids)
    participation = {p.vote_id: p.voters for p in session.scalars(select(VoteParticipation))}
    receipt_keys: dict[VoteId, dict[str, tuple[int, str]]] = {vote_id: {} for vote_id in open_ids}
    if open_ids:
        for receipt in session.scalars(select(BallotReceipt).where(BallotReceipt.vote_id.in_(open_ids))):
            receipt_keys[receipt.vote_id][receipt.key_hash] = (receipt.leaf_index, receipt.content_hash)
    for vote in votes:
        item = items[vote.item_id]
        live.votes[vote.id] = LiveVote(
            id=vote.id, item_id=vote.item_id, meeting_id=item.meeting_id, round_no=vote.round_no,
            round_kind=RoundKind(vote.round_kind), state=VoteState(vote.state), method=VoteMethod(vote.method),
            definition=vote.definition,
            eligible=frozenset(vote.eligible), named=not item.secret,
            change_allowed=item.settings.get("change_before_close", "last") == "last",
            deadline=aware(vote.deadline), voters=set(participation.get(vote.id, [])),
            ballots=ballots.get(vote.id, {}), result=vote.result, receipt_keys=receipt_keys.get(vote.id, {}),
            confirmations=list(vote.confirmations or []),
            encryption=vote.encryption, decryption=vote.decryption,
        )
        if vote.encryption is not None and vote.id in open_ids:
            found = live.votes[vote.id]
            found.alphas = {str(b["selections"][0]["alpha"]) for b in found.ballots.values()}
            found.spoiled = spoiled.get(vote.id, set())
    return live
