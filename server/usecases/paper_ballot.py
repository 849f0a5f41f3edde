"""Paper ballots keyed by two 计票人: each ballot is entered twice; a match is counted, a mismatch
is flagged for the 总监票人 (shared/domain.md "Elections": "paper-ballot entry by 计票人 (two people
key each ballot; mismatches flagged)").
"""

from __future__ import annotations

import secrets

from sqlalchemy import select

from audit.canonical import dumps as canonical_dumps
from server.domain import JsonObject, VoteMethod
from server.effects import PaperBallotCounted
from server.errors import Conflict, ServerError
from server.models import PaperEntry
from server.usecases.common import check_ballot, open_vote
from server.writer import Tx


def enter_paper_ballot(tx: Tx, vote_id: str, ballot_no: int, slot: int | None, ballot: JsonObject,
                       user_id: int) -> JsonObject:
    """``slot`` None: the server places the 计票人 (:func:`_slot_for`) -- nobody picks 第1/第2录入人 by hand."""
    live_vote = open_vote(tx, vote_id)
    if live_vote.method is not VoteMethod.PAPER:
        raise Conflict("not_paper", "本轮为电子表决，不能录入纸质选票")
    if slot is not None and slot not in (1, 2):
        raise ServerError("invalid_slot", "录入序号只能是第1人或第2人", field="slot")
    issued = int(live_vote.definition.get("ballots_issued", 0))
    if not isinstance(ballot_no, int) or not 1 <= ballot_no <= issued + 50:
        raise ServerError("invalid_ballot_no", "选票序号超出范围", field="ballot_no")
    check_ballot(live_vote.definition, ballot)
    entries = {e.clerk_slot: e for e in tx.session.scalars(
        select(PaperEntry).where(PaperEntry.vote_id == vote_id, PaperEntry.ballot_no == ballot_no))}
    if slot is None:
        slot = _slot_for(entries, user_id)
    other = entries.get(3 - slot)
    if other is not None and other.user_id == user_id:
        raise Conflict("same_clerk", "同一张选票须由两名不同的计票人分别录入")
    if any(e.accepted for e in entries.values()):
        raise Conflict("already_counted", "该选票两次录入一致，已计入，不能修改")
    mine = entries.get(slot)
    if mine is None:
        mine = PaperEntry(vote_id=vote_id, ballot_no=ballot_no, clerk_slot=slot, user_id=user_id, ballot=ballot)
        tx.session.add(mine)
    else:
        mine.ballot, mine.user_id = ballot, user_id
    if other is None:
        return {"ballot_no": ballot_no, "slot": slot, "state": "waiting"}
    if canonical_dumps(other.ballot) != canonical_dumps(ballot):
        return {"ballot_no": ballot_no, "slot": slot, "state": "mismatch"}
    other.accepted = mine.accepted = True
    # dated like every ballot of a secret vote: at the vote's opening (docs/verifier-spec.md 15d)
    seq = tx.audit("ballot", {"vote_id": vote_id, "ballot": ballot, "nonce": secrets.token_hex(16)},
                   at=None if live_vote.named else live_vote.opened_stamp or None)
    tx.then(PaperBallotCounted(live_vote.id, seq, ballot))
    tx.publish("count", live_vote.meeting_id, vote_id=vote_id)
    return {"ballot_no": ballot_no, "slot": slot, "state": "counted"}


def _slot_for(entries: dict[int, PaperEntry], user_id: int) -> int:
    """The place of this 计票人's keying of one ballot: the one they keyed before, else the first
    free one; both taken by others is refused (a third person does not settle a mismatch)."""
    for slot, entry in entries.items():
        if entry.user_id == user_id:
            return slot
    free = [slot for slot in (1, 2) if slot not in entries]
    if not free:
        raise Conflict("keyed_twice", "该选票已由另外两名计票人录入；两次录入不一致时，由其中一人重新录入")
    return free[0]
