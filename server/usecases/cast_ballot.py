"""Cast a ballot from a tablet: idempotent by the tablet's ballot id, grouped into one commit.

design.md "Server": a resend of the same ballot id returns the stored receipt; ballots are acked
only once durable; secret ballots are stored so that who voted and what was voted cannot be joined
— within each group commit the accepted ballots are shuffled before they enter the audit log, the
participation set is rewritten whole, and no row carries the voter next to the choice.
shared/domain.md "What the electronic system must show": changing a choice before close is a
setting (default allowed, last press counts; "first" makes the first press final). A change names
the ballot it replaces by its secret ballot id, which only the deputy's tablet knows.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field

import orjson
from sqlalchemy import insert, update

from audit.canonical import dumps as canonical_dumps
from ballotcrypto.hashing import h256
from server.domain import JsonObject, MemberId, VoteId, VoteMethod, VoteState
from server.errors import Conflict, ServerError, forbidden
from server.live import LiveVote
from server.models import BallotReceipt, NamedBallot, ballot_receipts_table, vote_participation_table
from server.usecases.common import check_ballot, member_code, open_vote
from server.writer import Tx

_shuffle = secrets.SystemRandom().shuffle


def key_of(ballot_id: str) -> str:
    return hashlib.sha256(ballot_id.encode("utf-8")).hexdigest()


def tracker_of(ballot: JsonObject) -> str:
    """The tracker of an encrypted ballot: H256 of its JSON (docs/ballot-crypto.md §3.5)."""
    return h256(ballot)


def content_hash(vote_id: str, ballot: JsonObject) -> str:
    return hashlib.sha256(canonical_dumps({"vote_id": vote_id, "ballot": ballot})).hexdigest()


@dataclass
class Ticket:
    """The outcome of one ballot: a receipt once durable, or a refusal."""

    ballot_id: str
    vote_id: str
    receipt: JsonObject | None = None
    error: ServerError | None = None
    duplicate: bool = False
    replaced: str | None = None
    #: an encrypted ballot's tracker (docs/ballot-crypto.md §3.5)
    tracker: str | None = None


@dataclass
class _Accepted:
    ticket: Ticket
    vote: LiveVote
    member_id: MemberId
    ballot: JsonObject
    key: str
    digest: str
    seq: int = -1


@dataclass
class _Batch:
    accepted: list[_Accepted] = field(default_factory=list)
    keys: set[str] = field(default_factory=set)
    members: set[tuple[VoteId, MemberId]] = field(default_factory=set)
    alphas: set[str] = field(default_factory=set)


def cast_ballot(
    tx: Tx, member_id: MemberId, vote_id: str, ballot_id: str, ballot: JsonObject, replaces: str | None = None,
    *, proven: bool = False,
) -> Ticket:
    """Check one ballot and queue it for the batch; refusals come back as a value, not an exception.
    ``proven``: the proofs of an encrypted ballot were checked (server/proofs.py) before this job."""
    ticket = Ticket(ballot_id, vote_id)
    try:
        _check(tx, ticket, member_id, ballot, replaces, proven)
    except ServerError as error:
        ticket.error = error
    return ticket


def _stored(tx: Tx, vote_id: str, key: str) -> tuple[int, str, str] | None:
    """(leaf, content hash, vote id) of a stored ballot with this key: from memory for an open
    vote, else from the database (a resend after close, or after a restart)."""
    vote = tx.live.votes.get(vote_id)
    if vote is not None and vote.state is VoteState.OPEN:
        known = vote.receipt_keys.get(key)
        return None if known is None else (known[0], known[1], vote_id)
    row = tx.session.get(BallotReceipt, key)
    return None if row is None else (row.leaf_index, row.content_hash, row.vote_id)


def _batch(tx: Tx) -> _Batch:
    """The ballots of this group commit so far."""
    batch = tx.shared.setdefault("ballots", _Batch())
    assert isinstance(batch, _Batch)
    return batch


def _check(tx: Tx, ticket: Ticket, member_id: MemberId, ballot: JsonObject, replaces: str | None,
           proven: bool) -> None:
    if not isinstance(ticket.ballot_id, str) or not 16 <= len(ticket.ballot_id) <= 64:
        raise ServerError("invalid_ballot_id", "选票编号无效（应为16至64个字符的随机编号）", field="ballot_id")
    batch = _batch(tx)
    key = key_of(ticket.ballot_id)
    if key in batch.keys:
        raise Conflict("ballot_in_progress", "同一选票正在处理，请稍候")
    digest = content_hash(ticket.vote_id, ballot) if isinstance(ballot, dict) else ""
    stored = _stored(tx, ticket.vote_id, key)
    if stored is not None:
        leaf, stored_digest, stored_vote = stored
        if stored_vote != ticket.vote_id or stored_digest != digest:
            raise Conflict("ballot_id_reused", "选票编号已被另一张选票使用")
        ticket.duplicate = True
        known = tx.live.votes.get(ticket.vote_id)
        if known is not None and known.encryption is not None:
            ticket.tracker = tracker_of(ballot)

        def give_receipt() -> None:
            ticket.receipt = tx.ledger.receipt(leaf, tx.checkpoint, vote_id=ticket.vote_id)

        tx.then(give_receipt)
        return
    vote = open_vote(tx, ticket.vote_id)
    if vote.method is not VoteMethod.ELECTRONIC:
        raise Conflict("paper_vote", "本轮为纸质选票，由计票人录入")
    if member_id not in vote.eligible:
        raise forbidden("您不在本次表决的表决人名单中（须在表决开始前签到）")
    if vote.encryption is not None:
        _check_encrypted(vote, ticket, key, ballot, proven, batch)
    else:
        shape = orjson.dumps(ballot, option=orjson.OPT_SORT_KEYS)
        if shape not in vote.valid_shapes:
            check_ballot(vote.definition, ballot)
            if len(vote.valid_shapes) < 10_000:
                vote.valid_shapes.add(shape)
    if (vote.id, member_id) in batch.members:
        raise Conflict("ballot_in_progress", "您的上一张选票正在处理，请稍候")
    if member_id in vote.voters:
        _replace(tx, ticket, vote, replaces)
    batch.keys.add(key)
    batch.members.add((vote.id, member_id))
    batch.accepted.append(_Accepted(ticket, vote, member_id, ballot, key, digest))
    tx.finalize_once("ballots", _flush)


def _check_encrypted(vote: LiveVote, ticket: Ticket, key: str, ballot: JsonObject, proven: bool,
                     batch: _Batch) -> None:
    """An encrypted ballot: its proofs were checked off the event loop; here only what needs the
    vote's state — its id is the ballot's own, it was not challenged, and it is no copy."""
    if not proven:
        raise ServerError("invalid_ballot", "加密表决的选票应为经证明的加密选票", field="ballot")
    if ballot.get("ballot") != ticket.ballot_id:
        raise ServerError("invalid_ballot_id", "选票编号应与加密选票中的编号一致", field="ballot_id")
    if key in vote.spoiled:
        raise Conflict("ballot_spoiled", "这张选票已被公开核验，不能再投出；请重新生成选票")
    alpha = first_alpha(ballot)
    if alpha in vote.alphas or alpha in batch.alphas:
        raise Conflict("ballot_replayed", "这张加密选票与已投出的选票相同，不能再投")
    batch.alphas.add(alpha)
    ticket.tracker = tracker_of(ballot)


def first_alpha(ballot: JsonObject) -> str:
    selections = ballot["selections"]
    assert isinstance(selections, list) and isinstance(selections[0], dict)
    return str(selections[0]["alpha"])


def _replace(tx: Tx, ticket: Ticket, vote: LiveVote, replaces: str | None) -> None:
    """A deputy who has voted sends a different ballot: the item's change-before-close setting."""
    if not vote.change_allowed:
        raise Conflict("already_voted", "您已投票；本项表决以第一次按键为准，不能更改")
    if not replaces:
        raise Conflict("change_needs_previous", "您已投票；如需更改，须由本机提交（本机保存有原选票凭证）")
    old = tx.session.get(BallotReceipt, key_of(replaces))
    if old is None or old.vote_id != vote.id or old.replaced:
        raise Conflict("change_needs_previous", "找不到您原来的选票，无法更改")
    old.replaced = True
    tx.audit("ballot_withdrawn", {"vote_id": vote.id, "seq": old.leaf_index})
    ticket.replaced = replaces
    withdrawn = old.leaf_index

    def withdraw() -> None:
        vote.ballots.pop(withdrawn, None)

    tx.then(withdraw)


def _flush(tx: Tx) -> None:
    """Shuffle, log, and write receipts and participation for the whole batch, in bulk."""
    batch = _batch(tx)
    accepted = list(batch.accepted)
    _shuffle(accepted)
    entries: list[tuple[str, JsonObject]] = [
        ("ballot", {"vote_id": e.vote.id, "ballot": e.ballot, "nonce": secrets.token_hex(16)}) for e in accepted
    ]
    for entry, seq in zip(accepted, tx.audit_many(entries), strict=True):
        entry.seq = seq
    named = [e for e in accepted if e.vote.named]
    if named:
        tx.audit_many([("named_ballot", {
            "vote_id": e.vote.id, "seq": e.seq, "member": member_code(tx.live.meetings[e.vote.meeting_id], e.member_id),
        }) for e in named])
    tx.session.execute(insert(ballot_receipts_table), [
        {"key_hash": e.key, "vote_id": e.vote.id, "leaf_index": e.seq, "content_hash": e.digest, "replaced": False}
        for e in accepted
    ])
    for entry in named:
        row = tx.session.get(NamedBallot, (entry.vote.id, entry.member_id))
        if row is None:
            tx.session.add(NamedBallot(vote_id=entry.vote.id, member_id=entry.member_id, ballot=entry.ballot))
        else:
            row.ballot = entry.ballot
    votes: dict[VoteId, set[MemberId]] = {}
    for entry in accepted:
        if entry.vote.id not in votes:  # (not setdefault: that would copy the set for every ballot)
            votes[entry.vote.id] = set(entry.vote.voters)
        votes[entry.vote.id].add(entry.member_id)
    for vote_id, voters in votes.items():
        # The row was created with the vote; rewritten whole without reading it back (the live
        # picture holds the same set), so a batch costs one UPDATE, not a load and a JSON decode.
        updated = tx.session.execute(update(vote_participation_table).where(
            vote_participation_table.c.vote_id == vote_id).values(voters=sorted(voters)))
        assert updated.rowcount == 1  # type: ignore[attr-defined]

    def apply() -> None:
        receipts = tx.ledger.receipts([(e.seq, e.vote.id) for e in accepted], tx.checkpoint)
        for entry, receipt in zip(accepted, receipts, strict=True):
            entry.ticket.receipt = receipt
            entry.vote.voters.add(entry.member_id)
            entry.vote.ballots[entry.seq] = entry.ballot
            entry.vote.receipt_keys[entry.key] = (entry.seq, entry.digest)
            if entry.vote.encryption is not None:
                entry.vote.alphas.add(first_alpha(entry.ballot))
            if entry.ticket.receipt is not None:
                entry.vote.receipts_by_member[entry.member_id] = {
                    "ballot_id": entry.ticket.ballot_id, "receipt": entry.ticket.receipt,
                }

    tx.then(apply)
    for vote_id in votes:
        vote = tx.live.votes[vote_id]
        tx.publish("count", vote.meeting_id, vote_id=vote_id)
