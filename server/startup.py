"""Rebuild the in-memory picture from the database at start (after a restart or a crash)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from server import models, participation
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
from server.live import CodeReissue, Live, LiveMeeting, LiveVote, Member, RollClosed, StoredBallot
from server.models import (
    AccessCode,
    AuditRecord,
    BallotReceipt,
    Body,
    Item,
    Meeting,
    Vote,
    VoteParticipation,
    VoteVoter,
)
from server.participation import VoteKeyMissing, VoteKeys
from server.usecases.agenda import item_view
from server.usecases.cast_ballot import alphas_of, key_of


def _open_votes_in_log(
    session: Session, open_ids: set[VoteId]
) -> tuple[dict[VoteId, dict[int, JsonObject]], dict[VoteId, str], dict[VoteId, set[str]], dict[VoteId, set[str]]]:
    """Ballot contents of the open votes, by audit seq, minus withdrawn ones (no voter anywhere),
    the time of each one's ``vote_opened`` record (its secret ballots carry it), and the hashed
    ids and the ciphertexts (alphas) of the encrypted ballots challenged (spoiled) in them."""
    ballots: dict[VoteId, dict[int, JsonObject]] = {vote_id: {} for vote_id in open_ids}
    opened: dict[VoteId, str] = {}
    spoiled: dict[VoteId, set[str]] = {vote_id: set() for vote_id in open_ids}
    spoiled_alphas: dict[VoteId, set[str]] = {vote_id: set() for vote_id in open_ids}
    if not open_ids:
        return ballots, opened, spoiled, spoiled_alphas
    withdrawn: list[tuple[VoteId, int]] = []
    for row in session.scalars(select(AuditRecord).order_by(AuditRecord.seq)):
        if b'"type":"ballot' not in row.data and not row.data.endswith(b'"type":"vote_opened"}'):
            continue
        record = json.loads(row.data)
        body = record["body"]
        if body.get("vote_id") not in open_ids:
            continue
        if record["type"] == "ballot":
            ballots[body["vote_id"]][record["seq"]] = body["ballot"]
        elif record["type"] == "ballot_withdrawn":
            withdrawn.append((body["vote_id"], body["seq"]))
        elif record["type"] == "vote_opened":
            opened[body["vote_id"]] = record["time"]
        elif record["type"] == "ballot_spoiled":
            spoiled[body["vote_id"]].add(key_of(str(body["ballot"]["ballot"])))
            spoiled_alphas[body["vote_id"]].update(alphas_of(body["ballot"]))
    for vote_id, seq in withdrawn:
        ballots[vote_id].pop(seq, None)
    return ballots, opened, spoiled, spoiled_alphas


def _voters_of_open_votes(session: Session, votes: list[Vote], keys: VoteKeys) -> tuple[dict[VoteId, set[MemberId]],
                                                                                        dict[VoteId, bytes]]:
    """Who has voted in each open electronic vote, from its marks and its key (server/participation.py);
    and the keys. An open vote whose key file is gone while it has marks stops the start."""
    marks: dict[VoteId, set[str]] = {}
    for row in session.scalars(select(VoteVoter)):
        marks.setdefault(row.vote_id, set()).add(row.mark)
    voters: dict[VoteId, set[MemberId]] = {}
    found: dict[VoteId, bytes] = {}
    for vote in votes:
        if vote.state != VoteState.OPEN or vote.method != VoteMethod.ELECTRONIC:
            continue
        key = keys.load(vote.id)
        if key is None:
            if marks.get(vote.id):
                raise VoteKeyMissing(
                    f"表决 {vote.id} 仍在进行，但其投票人记录的密钥文件 {keys.directory / (vote.id + '.key')} 不存在，"
                    "无法确认哪些代表已经投票，拒绝启动：请从备份恢复该文件 / vote "
                    f"{vote.id} is open but its key file is missing: who has voted cannot be known")
            key = keys.make(vote.id)  # opened before marks existed (migration 0005): none to read
        found[vote.id] = key
        voters[vote.id] = participation.voters_of(key, vote.eligible, marks.get(vote.id, set()))
    keys.keep_only(set(found))
    return voters, found


def aware(moment: datetime | None) -> datetime | None:
    """SQLite returns naive datetimes; everything here is UTC."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


def reissue_note(code: AccessCode) -> CodeReissue:
    """What the chair console and the deputy's tablet are told of a code issued in place of another."""
    at = aware(code.issued_at)
    return CodeReissue(at.isoformat() if at else "", code.reason or "", code.issued_by or "")


def rebuild(session: Session, keys: VoteKeys) -> Live:
    live = Live(vote_keys=keys)
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
            meeting.id, body.id, BodyKind(body.kind), meeting.title, settings, members_by_body.setdefault(body.id, {}),
            body_name=body.name)
        closed_at = aware(meeting.roll_closed_at)
        if closed_at is not None:
            live.meetings[meeting.id].roll_closed = RollClosed(closed_at.isoformat(), meeting.roll_closed_by or "")
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
    ballots, opened, spoiled, spoiled_alphas = _open_votes_in_log(session, open_ids)
    participation = {p.vote_id: p.voters for p in session.scalars(select(VoteParticipation))}
    marked, mark_keys = _voters_of_open_votes(session, votes, keys)
    receipt_keys: dict[VoteId, dict[str, StoredBallot]] = {vote_id: {} for vote_id in open_ids}
    if open_ids:
        for receipt in session.scalars(select(BallotReceipt).where(BallotReceipt.vote_id.in_(open_ids))):
            receipt_keys[receipt.vote_id][receipt.key_hash] = StoredBallot(
                receipt.leaf_index, receipt.seal, receipt.token_hash)
    for vote in votes:
        item = items[vote.item_id]
        live.votes[vote.id] = LiveVote(
            id=vote.id, item_id=vote.item_id, meeting_id=item.meeting_id, round_no=vote.round_no,
            round_kind=RoundKind(vote.round_kind), state=VoteState(vote.state), method=VoteMethod(vote.method),
            definition=vote.definition,
            eligible=frozenset(vote.eligible), named=not item.secret,
            change_allowed=item.settings.get("change_before_close", "last") == "last",
            deadline=aware(vote.deadline), voters=set(participation.get(vote.id, [])) | marked.get(vote.id, set()),
            ballots=ballots.get(vote.id, {}), result=vote.result, receipt_keys=receipt_keys.get(vote.id, {}),
            confirmations=list(vote.confirmations or []), publication=dict(vote.publication or {}),
            opened_stamp=opened.get(vote.id, ""),
            mark_key=mark_keys.get(vote.id, b""),
            encryption=vote.encryption, decryption=vote.decryption,
        )
        if vote.encryption is not None and vote.id in open_ids:
            found = live.votes[vote.id]
            found.alphas = {alpha for b in found.ballots.values() for alpha in alphas_of(b)} | \
                spoiled_alphas.get(vote.id, set())
            found.spoiled = spoiled.get(vote.id, set())
    return live
