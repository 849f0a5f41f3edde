"""Encrypted secret votes after the ballot: a challenge (spoiled ballot), the close that keeps only
totals, and the 监票人's partial decryptions that give the count (docs/ballot-crypto.md §3.6, §4,
§5; docs/protocol.md "Encrypted secret votes").

No single ballot is ever decrypted: at close the ciphertexts are added selection by selection and
only those totals are decrypted, by k 监票人 together; the counts go through tally as any result.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from ballotcrypto.count import check_partial, combine, read_totals, totals_to_json
from ballotcrypto.elgamal import Ciphertext, sum_ciphertexts
from ballotcrypto.errors import BallotCryptoError
from ballotcrypto.forms import read_form
from ballotcrypto.group import Point
from ballotcrypto.hashing import h256
from ballotcrypto.votes import tally_counts
from ballotcrypto.wire import point
from server.domain import JsonObject, MemberId, VoteState
from server.errors import Conflict, ServerError, forbidden
from server.live import LiveVote
from server.models import AuditRecord, Ceremony, Item, Vote
from server.usecases.agenda import refresh_agenda
from server.usecases.cast_ballot import alphas_of, key_of
from server.usecases.common import open_vote
from server.usecases.common import vote as get_vote
from server.writer import Tx
from tally import TallyError, count_document
from tally.rounds import needs_another_round


def encryption_of(vote: LiveVote) -> JsonObject:
    if vote.encryption is None:
        raise Conflict("not_encrypted", "本项表决不是加密表决")
    return vote.encryption


def spoil_ballot(tx: Tx, member_id: MemberId, vote_id: str, ballot: JsonObject, opening: JsonObject,
                 values: list[int]) -> JsonObject:
    """Log a challenged ballot with its opening (checked by the caller off the event loop); it is
    never counted and does not make the deputy 已表决. A ballot already cast cannot be spoiled (its
    opening would prove a counted choice to anyone), nor cast once spoiled."""
    vote = open_vote(tx, vote_id)
    encryption_of(vote)
    if member_id not in vote.eligible:
        raise forbidden("您不在本次表决的表决人名单中（须在表决开始前签到）")
    key = key_of(str(ballot["ballot"]))
    if key in vote.receipt_keys:
        raise Conflict("ballot_already_cast", "这张选票已经投出，不能再公开核验")
    tracker = str(opening["tracker"])
    tx.audit("ballot_spoiled", {"vote_id": vote_id, "ballot": ballot, "opening": opening})

    def apply() -> None:
        vote.spoiled.add(key)
        vote.alphas |= alphas_of(ballot)  # never to be cast under another id (its randomness is public)

    tx.then(apply)
    return {"vote_id": vote_id, "tracker": tracker, "values": values}


def close_encrypted(tx: Tx, live_vote: LiveVote, row: Vote) -> JsonObject | None:
    """At close: the per-selection totals of the cast ballots. With no ballot cast the counts are
    all 0 and the result comes at once (the answer); otherwise the vote waits for the 监票人."""
    encryption = encryption_of(live_vote)
    form = read_form(encryption["context"]["form"])
    ballots = list(live_vote.ballots.values())
    totals = totals_to_json(_totals(form.selections, ballots))
    tx.audit("encrypted_totals", {"vote_id": live_vote.id, "totals": totals, "ballots_cast": len(ballots)})
    if not ballots:
        return _decided(tx, live_vote, row, [0] * form.selections, 0, [])
    decryption = {"totals": totals, "ballots_cast": len(ballots), "k": _ceremony(tx, encryption).statement["k"],
                  "partials": {}}
    row.state, row.closed_at, row.decryption = VoteState.DECRYPTING.value, tx.now, decryption

    def apply() -> None:
        live_vote.state = VoteState.DECRYPTING
        live_vote.decryption = decryption
        live_vote.receipts_by_member.clear()

    tx.then(apply)
    tx.publish("vote_closed", live_vote.meeting_id, vote_id=live_vote.id)
    return None


def _totals(selections: int, ballots: list[JsonObject]) -> list[Ciphertext]:
    """Per selection, the sum of the cast ballots' ciphertexts. Every ballot's proofs were checked
    (and so every point decoded) before it was stored, so the encodings are taken as they are."""
    columns: list[list[Ciphertext]] = [[] for _ in range(selections)]
    for ballot in ballots:
        chosen = ballot["selections"]
        assert isinstance(chosen, list) and len(chosen) == selections
        for column, selection in zip(columns, chosen, strict=True):
            column.append(Ciphertext(Point.trusted(bytes.fromhex(selection["alpha"])),
                                     Point.trusted(bytes.fromhex(selection["beta"]))))
    return [sum_ciphertexts(column) for column in columns]


def _ceremony(tx: Tx, encryption: JsonObject) -> Ceremony:
    found = tx.session.scalars(select(Ceremony).where(Ceremony.state == "done")).all()
    for row in found:
        if row.result is not None and row.result.get("cid") == encryption["ceremony"]:
            return row
    raise ServerError("no_ceremony", "找不到本表决所用选举公钥的密钥生成记录")  # pragma: no cover - logged with the key


def post_partial(tx: Tx, vote_id: str, username: str, body: object) -> JsonObject:
    """A 监票人's partial decryption of a closed encrypted vote's totals; the k-th valid one gives
    the count and the result."""
    live_vote = get_vote(tx, vote_id)
    encryption = encryption_of(live_vote)
    if live_vote.state is not VoteState.DECRYPTING or live_vote.decryption is None:
        raise Conflict("not_decrypting", "本项表决现在不需要解密")
    ceremony = _ceremony(tx, encryption)
    if username not in ceremony.accounts:
        raise forbidden("您不是持有本次选举密钥份额的监票人")
    trustee = ceremony.accounts.index(username) + 1
    decryption = live_vote.decryption
    form = read_form(encryption["context"]["form"])
    totals = read_totals(decryption["totals"], form.selections)
    assert ceremony.result is not None
    share_keys = [point(x, "share_keys") for x in ceremony.result["share_keys"]]
    try:
        partial = check_partial(str(encryption["vid"]), share_keys, totals, body)
    except BallotCryptoError as error:
        raise ServerError("invalid_partial", f"部分解密无效：{error.message}", field="partial") from error
    if partial.trustee != trustee:
        raise forbidden(f"您是第{trustee}位监票人，只能提交自己的部分解密")
    partials: dict[str, Any] = dict(decryption["partials"])
    if str(trustee) in partials:
        raise Conflict("already_posted", "您已提交过部分解密")
    partials[str(trustee)] = partial.to_json()
    tx.audit("partial_decryption", {"vote_id": vote_id, "partial": partial.to_json()})
    row = tx.session.get(Vote, vote_id)
    assert row is not None
    updated = {**decryption, "partials": partials}
    row.decryption = updated
    k = int(decryption["k"])
    if len(partials) < k:
        def apply() -> None:
            live_vote.decryption = updated

        tx.then(apply)
        tx.publish("partial_decryption", live_vote.meeting_id, vote_id=vote_id)
        return {"vote_id": vote_id, "received": sorted(int(t) for t in partials), "k": k, "result": None}
    used = [check_partial(str(encryption["vid"]), share_keys, totals, partials[t])
            for t in sorted(partials, key=int)[:k]]
    try:
        counts = combine(totals, used, k, int(decryption["ballots_cast"]))
    except BallotCryptoError as error:  # pragma: no cover - every partial was checked
        raise ServerError("decryption_failed", f"解密失败：{error.message}") from error
    result = _decided(tx, live_vote, row, list(counts), int(decryption["ballots_cast"]), [p.trustee for p in used],
                      decryption=updated)
    return {"vote_id": vote_id, "received": sorted(int(t) for t in partials), "k": k, "result": result}


def _decided(tx: Tx, live_vote: LiveVote, row: Vote, counts: list[int], returned: int, trustees: list[int],
             decryption: JsonObject | None = None) -> JsonObject:
    """The result from the decrypted counts, through tally like any other (README "Totals instead of ballots")."""
    definition = live_vote.definition
    document = {**definition, "counts": tally_counts(definition, counts, returned)}
    try:
        result = count_document(document)
    except TallyError as error:  # pragma: no cover - the proofs bound every count to the form
        raise ServerError("tally_failed", f"计票失败：{error.message}") from error
    tx.audit("decryption", {"vote_id": live_vote.id, "trustees": trustees, "counts": counts,
                            "tally_counts": document["counts"]})
    tx.audit("result", {"vote_id": live_vote.id, "result": result})
    row.state, row.result = VoteState.CLOSED.value, result
    if row.closed_at is None:
        row.closed_at = tx.now
    if decryption is not None:
        row.decryption = decryption
    item = tx.session.get(Item, live_vote.item_id)
    assert item is not None
    item.state = "pending" if needs_another_round(result) else "done"

    def apply() -> None:
        live_vote.state = VoteState.CLOSED
        live_vote.result = result
        live_vote.receipts_by_member.clear()
        if decryption is not None:
            live_vote.decryption = decryption

    tx.then(apply)
    refresh_agenda(tx, tx.live.meetings[item.meeting_id])
    tx.publish("vote_closed", live_vote.meeting_id, vote_id=live_vote.id)
    return result


def decryption_view(tx: Tx, vote_id: str) -> JsonObject:
    """The totals of an encrypted vote and the partials received, with what checks them."""
    live_vote = get_vote(tx, vote_id)
    encryption = encryption_of(live_vote)
    row = tx.session.get(Vote, vote_id)
    assert row is not None
    if row.decryption is None:
        raise Conflict("not_decrypting", "本项表决尚未结束，没有需要解密的合计")
    ceremony = _ceremony(tx, encryption)
    assert ceremony.result is not None
    partials = row.decryption["partials"]
    return {"vote_id": vote_id, "state": live_vote.state.value, "vid": encryption["vid"],
            "totals": row.decryption["totals"], "ballots_cast": row.decryption["ballots_cast"],
            "k": row.decryption["k"], "share_keys": ceremony.result["share_keys"],
            "partials": [partials[t] for t in sorted(partials, key=int)]}


def counted_ballots(sessions: sessionmaker[Session], vote_id: str) -> list[JsonObject]:
    """The ballots of a vote that count, read from the log (``ballot`` records less the
    ``ballot_withdrawn`` ones; a challenged ballot is a ``ballot_spoiled`` record, never a
    ``ballot``), ordered by tracker so that nothing tells the order they came in. Reads the
    whole log: run off the event loop and off the writer."""
    mark = f'"vote_id":"{vote_id}"'.encode()
    cast: dict[int, JsonObject] = {}
    withdrawn: set[int] = set()
    with sessions() as session:
        for seq, data in session.execute(select(AuditRecord.seq, AuditRecord.data).order_by(AuditRecord.seq)):
            if b'"type":"ballot' not in data or mark not in data:
                continue
            record = json.loads(data)
            body = record["body"]
            if body.get("vote_id") != vote_id:
                continue
            if record["type"] == "ballot":
                cast[seq] = body["ballot"]
            elif record["type"] == "ballot_withdrawn":
                withdrawn.add(int(body["seq"]))
    return sorted((ballot for seq, ballot in cast.items() if seq not in withdrawn), key=h256)
