"""Encrypted secret votes after the ballot: a challenge (spoiled ballot), the close that keeps only
totals, and the 监票人's partial decryptions that give the count (docs/ballot-crypto.md §3.6, §4,
§5; docs/protocol.md "Encrypted secret votes").

No single ballot is ever decrypted: at close the ciphertexts are added selection by selection and
only those totals are decrypted, by k 监票人 together; the counts go through tally as any result.

An election round with write-in slots (另选他人, docs/ballot-crypto.md §6.1) has two more rounds
after the totals, each by any k 监票人: ``uses`` (every counted ballot's number of write-ins) and,
if any ballot has one, ``names`` (every slot of only those ballots: its use bit and sealed name).
The decryption's state says which round is under way (``write_ins.round``: totals, uses, names);
the vote stays ``decrypting`` until the last round is in. No 赞成/反对 mark of a ballot is decrypted.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from ballotcrypto import writein_count
from ballotcrypto.ballot import Ballot, read_ballot
from ballotcrypto.count import check_partial, combine, read_totals, totals_to_json
from ballotcrypto.elgamal import Ciphertext, sum_ciphertexts
from ballotcrypto.errors import BallotCryptoError
from ballotcrypto.forms import Form, read_form
from ballotcrypto.group import Point
from ballotcrypto.hashing import h256
from ballotcrypto.votes import tally_counts
from ballotcrypto.wire import point
from server.domain import JsonObject, MemberId, VoteState
from server.effects import BallotSpoiled, VoteChanged, ended
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
    # never to be cast under another id, nor its ciphertexts (its randomness is public)
    tx.then(BallotSpoiled(vote.id, key, frozenset(alphas_of(ballot))))
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
        nothing = _NO_WRITE_INS if form.write_ins else None
        return _decided(tx, live_vote, row, [0] * form.selections, 0, [], write_ins=nothing)
    decryption: dict[str, Any] = {"totals": totals, "ballots_cast": len(ballots),
                                  "k": _ceremony(tx, encryption).statement["k"], "partials": {}}
    if form.write_ins:
        decryption["write_ins"] = {"round": "totals", "uses_partials": {}, "uses": None, "names_partials": {}}
    row.state, row.closed_at, row.decryption = VoteState.DECRYPTING.value, tx.now, decryption
    tx.then(ended(live_vote.id, VoteState.DECRYPTING, decryption=decryption))
    tx.publish("vote_closed", live_vote.meeting_id, vote_id=live_vote.id)
    return None


#: the decryption's ``write_ins`` of a write-in round with no ballot cast: nothing to decrypt
_NO_WRITE_INS: JsonObject = {"uses_trustees": [], "uses": [], "names_trustees": [], "names": []}


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


def _trustee(tx: Tx, encryption: JsonObject, username: str) -> tuple[int, list[Point]]:
    """The caller's number among the 监票人 of the vote's key ceremony (403 for anyone holding no
    share), and every trustee's share key, which checks their partials."""
    ceremony = _ceremony(tx, encryption)
    if username not in ceremony.accounts:
        raise forbidden("您不是持有本次选举密钥份额的监票人")
    assert ceremony.result is not None
    return ceremony.accounts.index(username) + 1, [point(x, "share_keys") for x in ceremony.result["share_keys"]]


def post_partial(tx: Tx, vote_id: str, username: str, body: object) -> JsonObject:
    """A 监票人's partial decryption of a closed encrypted vote's totals; the k-th valid one gives
    the count and the result."""
    live_vote = get_vote(tx, vote_id)
    encryption = encryption_of(live_vote)
    if live_vote.state is not VoteState.DECRYPTING or live_vote.decryption is None:
        raise Conflict("not_decrypting", "本项表决现在不需要解密")
    trustee, share_keys = _trustee(tx, encryption, username)
    decryption = live_vote.decryption
    if "write_ins" in decryption and decryption["write_ins"]["round"] != "totals":
        raise Conflict("wrong_round", f"合计已解密，现在是{ROUND_NAMES[decryption['write_ins']['round']]}："
                                      "请提交另选他人的部分解密")
    form = read_form(encryption["context"]["form"])
    totals = read_totals(decryption["totals"], form.selections)
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
        tx.then(VoteChanged(live_vote.id, {"decryption": updated}))
        tx.publish("partial_decryption", live_vote.meeting_id, vote_id=vote_id)
        return {"vote_id": vote_id, "received": sorted(int(t) for t in partials), "k": k, "result": None}
    used = [check_partial(str(encryption["vid"]), share_keys, totals, partials[t])
            for t in sorted(partials, key=int)[:k]]
    try:
        counts = combine(totals, used, k, int(decryption["ballots_cast"]))
    except BallotCryptoError as error:  # pragma: no cover - every partial was checked
        raise ServerError("decryption_failed", f"解密失败：{error.message}") from error
    received = sorted(int(t) for t in partials)
    if "write_ins" in decryption:  # the totals are in; the write-in rounds come next (§6.1)
        _waiting(tx, live_vote, row, {**updated, "counts": list(counts), "trustees": sorted(p.trustee for p in used),
                                      "write_ins": {**decryption["write_ins"], "round": "uses"}})
        return {"vote_id": vote_id, "received": received, "k": k, "result": None, "round": "uses"}
    result = _decided(tx, live_vote, row, list(counts), int(decryption["ballots_cast"]), [p.trustee for p in used],
                      decryption=updated)
    return {"vote_id": vote_id, "received": received, "k": k, "result": result}


ROUND_NAMES = {"totals": "合计的解密", "uses": "另选他人第一轮（各票另选人数）", "names": "另选他人第二轮（另选姓名）"}


def _waiting(tx: Tx, live_vote: LiveVote, row: Vote, decryption: JsonObject) -> None:
    """The vote goes on waiting for partials, with `decryption` as its state now."""
    row.decryption = decryption
    tx.then(VoteChanged(live_vote.id, {"decryption": decryption}))
    tx.publish("partial_decryption", live_vote.meeting_id, vote_id=live_vote.id)


def write_in_ballots(sessions: sessionmaker[Session], vote_id: str, form: Form, vid: str) -> tuple[Ballot, ...]:
    """The counted ballots of a vote with write-in slots, in the counted order of the write-in rounds:
    the order of their ``ballot`` records in the log (docs/ballot-crypto.md §6.1). Their proofs were
    checked when they were cast. Reads the whole log: run off the event loop and off the writer."""
    return tuple(read_ballot(ballot, form, vid) for ballot in _counted(sessions, vote_id))


def post_write_in_partial(tx: Tx, vote_id: str, username: str, round_: str, body: object,
                          ballots: tuple[Ballot, ...]) -> JsonObject:
    """A 监票人's partial decryption of write-in round ``uses`` or ``names`` (docs/ballot-crypto.md
    §6.1) over the vote's counted `ballots` in the counted order (`write_in_ballots`); the k-th of
    round ``uses`` starts round ``names`` (or gives the result when no ballot has a write-in), the
    k-th of round ``names`` gives the names and the result."""
    live_vote = get_vote(tx, vote_id)
    encryption = encryption_of(live_vote)
    decryption = live_vote.decryption
    if live_vote.state is not VoteState.DECRYPTING or decryption is None:
        raise Conflict("not_decrypting", "本项表决现在不需要解密")
    if "write_ins" not in decryption:
        raise Conflict("no_write_ins", "本项表决没有另选他人栏")
    trustee, share_keys = _trustee(tx, encryption, username)
    state: JsonObject = decryption["write_ins"]
    if state["round"] != round_:
        raise Conflict("wrong_round", f"现在是{ROUND_NAMES[state['round']]}，不是这一轮")
    assert len(ballots) == int(decryption["ballots_cast"])
    vid = str(encryption["vid"])
    uses: list[int] = list(state["uses"] or [])
    round2 = writein_count.with_write_ins(ballots, uses) if round_ == "names" else ()
    try:
        made = writein_count.check_uses_partial(vid, share_keys, ballots, body) if round_ == "uses" else \
            writein_count.check_names_partial(vid, share_keys, round2, body)
    except BallotCryptoError as error:
        raise ServerError("invalid_partial", f"部分解密无效：{error.message}", field="partial") from error
    if made.trustee != trustee:
        raise forbidden(f"您是第{trustee}位监票人，只能提交自己的部分解密")
    member = f"{round_}_partials"
    partials: dict[str, Any] = dict(state[member])
    if str(trustee) in partials:
        raise Conflict("already_posted", "您已提交过本轮的部分解密")
    partials[str(trustee)] = made.to_json()
    tx.audit("write_in_partial", {"vote_id": vote_id, "round": round_, "partial": made.to_json()})
    row = tx.session.get(Vote, vote_id)
    assert row is not None
    k = int(decryption["k"])
    received = sorted(int(t) for t in partials)
    state = {**state, member: partials}
    if len(partials) < k:
        _waiting(tx, live_vote, row, {**decryption, "write_ins": state})
        return {"vote_id": vote_id, "round": round_, "received": received, "k": k, "result": None}
    first = [partials[t] for t in sorted(partials, key=int)]  # exactly k: the k-th just came
    if round_ == "uses":
        used = [writein_count.check_uses_partial(vid, share_keys, ballots, p) for p in first]
        uses = list(writein_count.combine_uses(ballots, used, k))
        state = {**state, "uses": uses, "uses_trustees": received}
        if any(uses):
            _waiting(tx, live_vote, row, {**decryption, "write_ins": {**state, "round": "names"}})
            return {"vote_id": vote_id, "round": round_, "received": received, "k": k, "result": None,
                    "next": "names"}
        names: list[list[str]] = []
    else:
        taken = [writein_count.check_names_partial(vid, share_keys, round2, p) for p in first]
        try:
            names = [list(n) for n in writein_count.combine_names(vid, round2, [u for u in uses if u], taken, k)]
        except BallotCryptoError as error:  # only a faulty tablet seals a slot that opens to no name (§6.1)
            raise Conflict("write_in_unreadable", f"另选他人解不出有效姓名：{error.message}。请监票人按规定处理，"
                                                  "必要时由主持人宣布本次表决无效") from error
    record = {"uses_trustees": state.get("uses_trustees", received), "uses": uses,
              "names_trustees": received if round_ == "names" else [], "names": names}
    done = {**decryption, "write_ins": {**state, "round": "done"}}
    result = _decided(tx, live_vote, row, list(decryption["counts"]), int(decryption["ballots_cast"]),
                      list(decryption["trustees"]), decryption=done, write_ins=record)
    return {"vote_id": vote_id, "round": round_, "received": received, "k": k, "result": result}


def _decided(tx: Tx, live_vote: LiveVote, row: Vote, counts: list[int], returned: int, trustees: list[int],
             decryption: JsonObject | None = None, write_ins: JsonObject | None = None) -> JsonObject:
    """The result from the decrypted counts, through tally like any other (README "Totals instead of
    ballots"); with write-in slots, `write_ins` is what the two write-in rounds gave (the names go to
    tally as ``write_in_ballots``, per ballot with no link to its marks)."""
    definition = live_vote.definition
    names = None if write_ins is None else [list(n) for n in write_ins["names"]]
    document = {**definition, "counts": tally_counts(definition, counts, returned, names)}
    try:
        result = count_document(document)
    except TallyError as error:  # pragma: no cover - the proofs bound every count to the form
        raise ServerError("tally_failed", f"计票失败：{error.message}") from error
    tx.audit("decryption", {"vote_id": live_vote.id, "trustees": trustees, "counts": counts,
                            **({"write_ins": write_ins} if write_ins is not None else {}),
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
    tx.then(ended(live_vote.id, VoteState.CLOSED, result=result,
                   **({"decryption": decryption} if decryption is not None else {})))
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
    view: JsonObject = {"vote_id": vote_id, "state": live_vote.state.value, "vid": encryption["vid"],
                        "totals": row.decryption["totals"], "ballots_cast": row.decryption["ballots_cast"],
                        "k": row.decryption["k"], "share_keys": ceremony.result["share_keys"],
                        "partials": [partials[t] for t in sorted(partials, key=int)]}
    state = row.decryption.get("write_ins")
    if state is not None:
        view["write_ins"] = {
            "round": state["round"], "uses": state["uses"],
            "uses_partials": [state["uses_partials"][t] for t in sorted(state["uses_partials"], key=int)],
            "names_partials": [state["names_partials"][t] for t in sorted(state["names_partials"], key=int)]}
    return view


def counted_ballots(sessions: sessionmaker[Session], vote_id: str) -> list[JsonObject]:
    """The ballots of a vote that count, read from the log (``ballot`` records less the
    ``ballot_withdrawn`` ones; a challenged ballot is a ``ballot_spoiled`` record, never a
    ``ballot``), ordered by tracker so that nothing tells the order they came in. Reads the
    whole log: run off the event loop and off the writer."""
    return sorted(_counted(sessions, vote_id), key=h256)


def counted_view(sessions: sessionmaker[Session], vote_id: str, write_ins: bool) -> tuple[list[JsonObject], list[str]]:
    """`counted_ballots`, and with write-in slots the ballot ids in the counted order of the
    write-in rounds (their records' order in the log, docs/ballot-crypto.md §6.1); else []."""
    ballots = _counted(sessions, vote_id)
    return sorted(ballots, key=h256), [str(b["ballot"]) for b in ballots] if write_ins else []


def _counted(sessions: sessionmaker[Session], vote_id: str) -> list[JsonObject]:
    """The counted ballots of a vote in the order of their ``ballot`` records in the log."""
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
    return [ballot for seq, ballot in sorted(cast.items()) if seq not in withdrawn]
