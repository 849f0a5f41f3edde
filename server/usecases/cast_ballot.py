"""Cast a ballot from a tablet: idempotent by the tablet's ballot id, grouped into one commit.

design.md "Server": a resend of the same ballot id returns the stored receipt; ballots are acked
only once durable. shared/domain.md "What the electronic system must show": changing a choice
before close is a setting (default allowed, last press counts; "first" makes the first press final).

Secret ballots (docs/protocol.md "Secret ballots"; docs/reliability.md "Secret ballots: what a copy
can tell"):
- only the tablet that cast a ballot can resend it, get its receipt again or replace it. With every
  ballot of a vote it sends its ``cast_token``, a secret it made for that vote and keeps to itself;
  beside the receipt row the server keeps ``token_hash`` (a digest of the token) and ``seal`` (an
  HMAC of the ballot under the token), never the deputy. A ballot id or ``replaces`` that names a
  stored ballot without its token and content gets one answer, ``ballot_refused``, whatever the
  reason -- no such ballot, another tablet's, another vote's, another content, already replaced --
  so nobody learns whose a ballot id is or how its holder voted;
- nothing stored is a digest of a ballot anyone could recompute (the seal needs the token);
- the ballot records of a batch are shuffled and carry the vote's opening time, not the batch's;
  a change's withdrawal records are shuffled and dated so too; who voted is a keyed mark per voter
  inserted in the order of the marks (server/participation.py).
Named (记名) votes keep the plain behaviour: their ballots are published with the voter, and any
device of the deputy resends or replaces by the ballot id, which the deputy's ``me`` carries.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import os
import re
from dataclasses import dataclass, field
from typing import Any

import orjson

from audit import held
from audit.canonical import Encoded
from audit.canonical import dumps as canonical_dumps
from ballotcrypto.hashing import h256
from server import participation
from server.db import insert_rows, rows_where_in
from server.domain import JsonObject, MemberId, VoteId, VoteMethod, VoteState
from server.effects import BallotsStored, StoredBallotEntry
from server.errors import Conflict, ServerError, forbidden, not_found
from server.live import LiveVote, StoredBallot
from server.models import BallotReceipt, NamedBallot, ballot_receipts_table, vote_voters_table
from server.usecases.common import check_ballot, member_code, open_vote
from server.writer import Tx


def _shuffle(items: list[Any]) -> None:
    """Put ``items`` in a uniformly random order no one can predict: sorted by 64 bits from the
    OS's CSPRNG each, drawn in one call (``SystemRandom.shuffle`` makes a system call per item,
    thousands per batch under a burst)."""
    keys = os.urandom(8 * len(items))
    order = sorted(range(len(items)), key=lambda i: keys[8 * i:8 * i + 8])
    items[:] = [items[i] for i in order]

#: The one answer to a ballot id or ``replaces`` that this tablet cannot use (docs/protocol.md).
REFUSED = "ballot_refused"
REFUSED_MESSAGE = ("无法受理这张选票：选票编号不可用，或原选票不是由本终端提交的。"
                   "如需更改已投的选择，只能在原来投票的终端上操作")


def tracker_of(ballot: JsonObject, encoded: bytes | None = None) -> str:
    """The tracker of an encrypted ballot: H256 of its JSON (docs/ballot-crypto.md §3.5), from its
    RFC 8785 bytes when the caller has them (the same bytes: JCS is one encoding)."""
    return h256(ballot) if encoded is None else held.sha256(encoded).hex()


def key_of(ballot_id: str) -> str:
    return hashlib.sha256(ballot_id.encode("utf-8")).hexdigest()


def token_hash(cast_token: str, ballot_id: str) -> str:
    """What is stored of a tablet's cast token beside one of its ballots: enough to recognise the
    token, never to make it. The ballot id is in it, so two ballots of one tablet (a changed choice)
    do not share a value that would pair them."""
    return hashlib.sha256(b"renda-cast-token/1\n" + ballot_id.encode("utf-8") + b"\n"
                          + cast_token.encode("utf-8")).hexdigest()


def encode_ballot(ballot: JsonObject) -> bytes:
    """A ballot's RFC 8785 bytes, made once per ballot: its seal, its tracker and its log record
    are all built around them (an encrypted ballot is ≈ 40 kB; encoding it is most of the writer's
    work per ballot)."""
    return canonical_dumps(ballot)


#: RFC 8785 bytes of small plaintext ballots, by their orjson form with sorted keys: thousands of
#: deputies send the same few ballots ({"choice": "yes"}), so the writer encodes each shape once
_ENCODINGS: dict[bytes, bytes] = {}
_ENCODINGS_MAX = 4096
_SHAPE_MAX = 512  # bytes of a shape kept: an election's marks vary too much to be worth more


def plain_encoding(ballot: JsonObject) -> tuple[bytes, bytes]:
    """A plaintext ballot's RFC 8785 bytes and its shape (its orjson bytes with sorted keys, which
    the vote's ``valid_shapes`` hold). The encoding is a function of the shape, so it is kept by
    shape -- but only for a shape with no ``null``: orjson writes NaN and infinities as null, which
    RFC 8785 refuses (``canonical_dumps`` raises for them every time, as before)."""
    try:
        shape = orjson.dumps(ballot, option=orjson.OPT_SORT_KEYS)
    except orjson.JSONEncodeError:  # an integer beyond 64 bits: RFC 8785 refuses it too, with its own error
        canonical_dumps(ballot)
        raise
    known = _ENCODINGS.get(shape)
    if known is not None:
        return known, shape
    encoded = canonical_dumps(ballot)
    if len(shape) <= _SHAPE_MAX and b"null" not in shape:
        if len(_ENCODINGS) >= _ENCODINGS_MAX:
            _ENCODINGS.clear()
        _ENCODINGS[shape] = encoded
    return encoded, shape


_PLAIN_TEXT = re.compile(r"[0-9A-Za-z_-]*")


def _text(value: str) -> bytes:
    """A string's RFC 8785 bytes: vote ids and hex nonces need no escape, so they are quoted as
    they are; anything else goes through the encoder."""
    return b'"' + value.encode("ascii") + b'"' if _PLAIN_TEXT.fullmatch(value) else canonical_dumps(value)


@functools.lru_cache(maxsize=1024)
def _tail(vote_id: str) -> bytes:
    """``,"vote_id":"…"}``: how the seal's and the record's canonical JSON end, made once per vote
    (RFC 8785 §3.2.3 orders the members "ballot" < "nonce" < "vote_id")."""
    return b',"vote_id":' + _text(vote_id) + b"}"


def ballot_record(vote_id: str, ballot: JsonObject, encoded: bytes, nonce: str) -> Encoded:
    """The body of a ``ballot`` record, carrying its canonical bytes (audit.canonical.Encoded):
    ``canonical_dumps({"ballot": ballot, "nonce": nonce, "vote_id": vote_id})`` from the ballot's
    own bytes."""
    return Encoded({"vote_id": vote_id, "ballot": ballot, "nonce": nonce},
                   b'{"ballot":' + encoded + b',"nonce":' + _text(nonce) + _tail(vote_id))


def seal(vote_id: str, ballot_id: str, ballot: JsonObject, cast_token: str | None, encoded: bytes | None = None) -> str:
    """Tells a resend (the same ballot) from a reuse of its id: HMAC-SHA256 of the ballot (and its
    id) under the cast token for a secret vote -- nobody without the token can test a guessed ballot
    against it, and one tablet's ballots with equal content do not have equal seals -- and the plain
    SHA-256 of the ballot for a named vote (``cast_token`` None), whose ballots are published.
    ``encoded``: the ballot's bytes (`encode_ballot`), when the caller has them."""
    data = canonical_dumps({"vote_id": vote_id, "ballot": ballot}) if encoded is None else \
        b'{"ballot":' + encoded + _tail(vote_id)
    if cast_token is None:
        return held.sha256(data).hex()
    message = b"renda-ballot-seal/1\n" + ballot_id.encode("utf-8") + b"\n" + data
    return held.hmac_sha256(cast_token.encode("utf-8"), message).hex()  # the writer keeps the GIL (audit/held.py)


def refused() -> Conflict:
    return Conflict(REFUSED, REFUSED_MESSAGE)


def _reused() -> Conflict:
    return Conflict("ballot_id_reused", "选票编号已被另一张选票使用")


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
    encoded: bytes  # the ballot's RFC 8785 bytes (encode_ballot)
    key: str
    seal: str
    token_hash: str | None
    first: bool  # the deputy's first ballot in this vote: a new voter
    replaces: BallotReceipt | None = None  # the stored ballot it replaces
    seq: int = -1


@dataclass
class _Batch:
    accepted: list[_Accepted] = field(default_factory=list)
    #: key -> (vote, token hash) of the ballots in this batch
    keys: dict[str, tuple[VoteId, str | None]] = field(default_factory=dict)
    members: set[tuple[VoteId, MemberId]] = field(default_factory=set)
    #: keys of the stored ballots replaced in this batch
    replaced: set[str] = field(default_factory=set)
    #: the ciphertexts (alphas) of the encrypted ballots in this batch
    alphas: set[str] = field(default_factory=set)


def cast_ballot(
    tx: Tx, member_id: MemberId, vote_id: str, ballot_id: str, ballot: JsonObject, replaces: str | None = None,
    cast_token: str | None = None, *, proven: bool = False,
) -> Ticket:
    """Check one ballot and queue it for the batch; refusals come back as a value, not an exception.
    ``proven``: the proofs of an encrypted ballot were checked (server/proofs.py) before this job."""
    ticket = Ticket(ballot_id, vote_id)
    try:
        _check(tx, ticket, member_id, ballot, replaces, cast_token, proven)
    except ServerError as error:
        ticket.error = error
        ticket.replaced = None
    return ticket


def _stored(tx: Tx, vote_id: str, key: str) -> tuple[StoredBallot, str] | None:
    """A stored ballot with this key and its vote: from memory for an open vote (one stored for
    another vote is found when the batch is written, :func:`_fresh`), else from the database (a
    resend after close, or after a restart)."""
    vote = tx.live.votes.get(vote_id)
    if vote is not None and vote.state is VoteState.OPEN:
        known = vote.receipt_keys.get(key)
        return None if known is None else (known, vote_id)
    row = tx.session.get(BallotReceipt, key)
    return None if row is None else (StoredBallot(row.leaf_index, row.seal, row.token_hash), row.vote_id)


def _protected(tx: Tx, *vote_ids: str) -> bool:
    """Whether a ballot id naming a ballot of these votes must be matched by its cast token: unless
    every one of them is named (a vote that does not exist protects too)."""
    return not all((vote := tx.live.votes.get(v)) is not None and vote.named for v in vote_ids)


def _batch(tx: Tx) -> _Batch:
    """The ballots of this group commit so far."""
    batch = tx.shared.get("ballots")
    if batch is None:  # not setdefault: that would build a _Batch for every ballot of the batch
        batch = tx.shared["ballots"] = _Batch()
    assert isinstance(batch, _Batch)
    return batch


def _check(tx: Tx, ticket: Ticket, member_id: MemberId, ballot: JsonObject, replaces: str | None,
           cast_token: str | None, proven: bool) -> None:
    if not isinstance(ticket.ballot_id, str) or not 16 <= len(ticket.ballot_id) <= 64:
        raise ServerError("invalid_ballot_id", "选票编号无效（应为16至64个字符的随机编号）", field="ballot_id")
    frame_vote = tx.live.votes.get(ticket.vote_id)
    if frame_vote is None:
        raise not_found("表决")
    secret = not frame_vote.named
    if secret and cast_token is None:
        raise ServerError("cast_token_required", "无记名表决的选票须附带本终端的投票凭据（cast_token），"
                          "请刷新页面后重新投票", field="cast_token")
    token = token_hash(cast_token, ticket.ballot_id) if secret and cast_token is not None else None
    shape = None
    if not isinstance(ballot, dict):
        encoded = b""
    elif frame_vote.encryption is None:
        encoded, shape = plain_encoding(ballot)
    else:
        encoded = encode_ballot(ballot)
    digest = seal(ticket.vote_id, ticket.ballot_id, ballot, cast_token if secret else None, encoded) if encoded else ""
    batch = _batch(tx)
    key = key_of(ticket.ballot_id)
    in_batch = batch.keys.get(key)
    if in_batch is not None:
        if _protected(tx, ticket.vote_id, in_batch[0]) and in_batch != (ticket.vote_id, token):
            raise refused()
        raise Conflict("ballot_in_progress", "同一选票正在处理，请稍候")
    stored = _stored(tx, ticket.vote_id, key)
    if stored is not None:
        _resend(tx, ticket, *stored, token, digest)
        if frame_vote.encryption is not None:
            ticket.tracker = tracker_of(ballot, encoded)
        return
    vote = open_vote(tx, ticket.vote_id)
    if vote.method is not VoteMethod.ELECTRONIC:
        raise Conflict("paper_vote", "本轮为纸质选票，由计票人录入")
    if member_id not in vote.eligible:
        raise forbidden("您不在本次表决的表决人名单中（须在表决开始前签到）")
    if vote.encryption is not None:
        _check_encrypted(vote, ticket, key, ballot, encoded, proven, batch)
    else:
        if shape is None:  # not a JSON object: check_ballot names what is wrong
            shape = orjson.dumps(ballot, option=orjson.OPT_SORT_KEYS)
        if shape not in vote.valid_shapes:
            check_ballot(vote.definition, ballot)
            if len(vote.valid_shapes) < 10_000:
                vote.valid_shapes.add(shape)
    if (vote.id, member_id) in batch.members:
        raise Conflict("ballot_in_progress", "您的上一张选票正在处理，请稍候")
    first = member_id not in vote.voters
    old = None if first else _replaced(tx, ticket, vote, replaces, cast_token, batch)
    batch.keys[key] = (vote.id, token)
    batch.members.add((vote.id, member_id))
    if old is not None:
        batch.replaced.add(old.key_hash)
    batch.accepted.append(_Accepted(ticket, vote, member_id, ballot, encoded, key, digest, token, first, old))
    tx.finalize_once("ballots", _flush)


def _check_encrypted(vote: LiveVote, ticket: Ticket, key: str, ballot: JsonObject, encoded: bytes, proven: bool,
                     batch: _Batch) -> None:
    """An encrypted ballot: its proofs were checked off the event loop; here only what needs the
    vote's state — its id is the ballot's own, it was not challenged, and none of its ciphertexts
    was cast or challenged before in this vote (a copy, or a challenged ballot re-proved under a new
    id: its randomness is public, so casting it would prove the vote to anyone)."""
    if not proven:
        raise ServerError("invalid_ballot", "加密表决的选票应为经证明的加密选票", field="ballot")
    if ballot.get("ballot") != ticket.ballot_id:
        raise ServerError("invalid_ballot_id", "选票编号应与加密选票中的编号一致", field="ballot_id")
    if key in vote.spoiled:
        raise Conflict("ballot_spoiled", "这张选票已被公开核验，不能再投出；请重新生成选票")
    alphas = alphas_of(ballot)
    if not alphas.isdisjoint(vote.alphas) or not alphas.isdisjoint(batch.alphas):
        raise Conflict("ballot_replayed", "这张加密选票与已投出或已核验的选票相同，不能再投")
    batch.alphas |= alphas
    ticket.tracker = tracker_of(ballot, encoded)


def alphas_of(ballot: JsonObject) -> set[str]:
    """Every first ciphertext component (alpha) of an encrypted ballot's selections."""
    selections = ballot["selections"]
    assert isinstance(selections, list)
    return {str(selection["alpha"]) for selection in selections if isinstance(selection, dict)}


def _resend(tx: Tx, ticket: Ticket, found: StoredBallot, stored_vote: str, token: str | None, digest: str) -> None:
    """The ballot id is stored: the same ballot again (a resend) gets its receipt, re-proved."""
    if _protected(tx, ticket.vote_id, stored_vote):
        same = (stored_vote == ticket.vote_id and found.seal is not None and token is not None
                and found.token_hash is not None and hmac.compare_digest(found.token_hash, token)
                and hmac.compare_digest(found.seal, digest))
        if not same:
            raise refused()
    elif stored_vote != ticket.vote_id or found.seal != digest:
        raise _reused()
    ticket.duplicate = True

    def give_receipt() -> None:  # the ticket is this job's own: no part of the live picture
        ticket.receipt = tx.ledger.receipt(found.leaf, tx.checkpoint, vote_id=ticket.vote_id)

    tx.prepare(give_receipt)


def _replaced(tx: Tx, ticket: Ticket, vote: LiveVote, replaces: str | None, cast_token: str | None,
              batch: _Batch) -> BallotReceipt:
    """A deputy who has voted sends a different ballot: the item's change-before-close setting,
    and the stored ballot it replaces -- in a secret vote one cast by this tablet (its token)."""
    if not vote.change_allowed:
        raise Conflict("already_voted", "您已投票；本项表决以第一次按键为准，不能更改")
    if not replaces:
        raise Conflict("change_needs_previous", "您已投票；如需更改，须由原来投票的终端提交（该终端保存有原选票凭证）")
    old = tx.session.get(BallotReceipt, key_of(replaces))
    usable = old is not None and old.vote_id == vote.id and not old.replaced and old.key_hash not in batch.replaced
    if vote.named:
        if not usable:
            raise Conflict("change_needs_previous", "找不到您原来的选票，无法更改")
    elif not (usable and old is not None and old.token_hash is not None and cast_token is not None
              and hmac.compare_digest(old.token_hash, token_hash(cast_token, replaces))):
        raise refused()
    assert old is not None
    ticket.replaced = replaces
    return old


def _fresh(tx: Tx, accepted: list[_Accepted]) -> list[_Accepted]:
    """The accepted ballots whose id no other vote has stored (one query for the batch): a ballot id
    stored for another vote is refused here, as :func:`_resend` would have."""
    taken: dict[str, str] = dict(rows_where_in(tx.session, ballot_receipts_table, ["key_hash", "vote_id"], "key_hash",
                                               [entry.key for entry in accepted]))
    if not taken:
        return accepted
    for entry in accepted:
        other = taken.get(entry.key)
        if other is not None:
            entry.ticket.error = refused() if _protected(tx, entry.vote.id, other) else _reused()
            entry.ticket.replaced = None
    return [entry for entry in accepted if entry.key not in taken]


def _flush(tx: Tx) -> None:
    """Log, and write receipts and who voted, for the whole batch, in bulk: per vote, withdrawals
    then ballots, each shuffled; in a secret vote dated at its opening."""
    accepted = _fresh(tx, _batch(tx).accepted)
    if not accepted:
        return
    by_vote: dict[VoteId, list[_Accepted]] = {}
    for entry in accepted:
        by_vote.setdefault(entry.vote.id, []).append(entry)
    written: list[_Accepted] = []
    marks: list[dict[str, str]] = []
    for vote_id, entries in by_vote.items():
        vote = entries[0].vote
        at = None if vote.named else vote.opened_stamp
        changes = [entry for entry in entries if entry.replaces is not None]
        _shuffle(changes)
        withdrawn = [("ballot_withdrawn", {"vote_id": vote_id, "seq": entry.replaces.leaf_index})
                     for entry in changes if entry.replaces is not None]
        if withdrawn:
            tx.audit_many(withdrawn, at=at)
        for entry in changes:
            assert entry.replaces is not None
            entry.replaces.replaced = True
        _shuffle(entries)
        nonces = os.urandom(16 * len(entries)).hex()  # one draw from the OS for the batch: 32 hex digits each
        seqs = tx.audit_many([("ballot", ballot_record(vote_id, entry.ballot, entry.encoded,
                                                       nonces[32 * i:32 * i + 32]))
                              for i, entry in enumerate(entries)], at=at)
        for entry, seq in zip(entries, seqs, strict=True):
            entry.seq = seq
        if vote.named:
            meeting = tx.live.meetings[vote.meeting_id]
            tx.audit_many([("named_ballot", {"vote_id": vote_id, "seq": entry.seq,
                                             "member": member_code(meeting, entry.member_id)}) for entry in entries])
        # Who voted: a keyed mark per new voter, in the order of the marks (server/participation.py).
        marks.extend(sorted(({"vote_id": vote_id, "mark": participation.mark(vote.mark_key, entry.member_id)}
                             for entry in entries if entry.first), key=lambda row: row["mark"]))
        written.extend(entries)
    insert_rows(tx.session, ballot_receipts_table, [
        {"key_hash": e.key, "vote_id": e.vote.id, "leaf_index": e.seq, "seal": e.seal, "token_hash": e.token_hash,
         "replaced": False} for e in written
    ])
    insert_rows(tx.session, vote_voters_table, marks)
    for entry in written:
        if entry.vote.named:
            row = tx.session.get(NamedBallot, (entry.vote.id, entry.member_id))
            if row is None:
                tx.session.add(NamedBallot(vote_id=entry.vote.id, member_id=entry.member_id, ballot=entry.ballot))
            else:
                row.ballot = entry.ballot

    def prove() -> None:  # in the writer thread, once durable: the inclusion proofs are the heavy part
        receipts = tx.ledger.receipts([(e.seq, e.vote.id) for e in written], tx.checkpoint)
        entries = []
        for entry, receipt in zip(written, receipts, strict=True):
            entry.ticket.receipt = receipt  # the job's own answer, read on the loop only after the batch
            vote = entry.vote
            entries.append(StoredBallotEntry(
                vote.id, entry.seq, entry.ballot, entry.key, entry.seal, entry.token_hash,
                None if entry.replaces is None else entry.replaces.leaf_index,
                frozenset(alphas_of(entry.ballot)) if vote.encryption is not None else frozenset(),
                (entry.member_id, {"ballot_id": entry.ticket.ballot_id, "receipt": receipt}) if vote.named else None))
        voters = tuple(sorted({(entry.vote.id, entry.member_id) for entry in written}))  # by member, not ballot
        tx.then(BallotsStored(tuple(entries), voters))  # registered once durable: it carries the receipts

    tx.prepare(prove)
    for vote_id in by_vote:
        tx.publish("count", tx.live.votes[vote_id].meeting_id, vote_id=vote_id)
