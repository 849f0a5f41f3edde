"""Close a vote and count it with tally/; the result is recorded and announced in Chinese.

shared/domain.md "Motions and decisions": the announcement the chair reads; design.md: the result
is computed by ``tally`` from the very ballots in the audit log, so the offline verifier can
recount it. Ballots still in flight when the chair closes are either in the batch committed before
this close (counted and acknowledged) or refused with ``vote_not_open`` — never silently dropped.
"""

from __future__ import annotations

from typing import Any

from server.domain import VoteState
from server.effects import ended
from server.errors import Conflict, ServerError
from server.live import LiveVote
from server.models import Item, Vote
from server.usecases import encrypted
from server.usecases.agenda import refresh_agenda
from server.usecases.common import record_voters
from server.usecases.common import vote as get_vote
from server.writer import Tx
from tally import TallyError, count_document
from tally.rounds import needs_another_round as needs_another_round  # also manual_result's


def close_vote(tx: Tx, vote_id: str, *, by: str = "") -> dict[str, Any]:
    live_vote = get_vote(tx, vote_id)
    if live_vote.state != "open":
        raise Conflict("vote_not_open", "该项表决已经结束")
    if live_vote.encryption is not None:
        return _close_encrypted(tx, live_vote)
    ballots = list(live_vote.ballots.values())
    try:
        result = count_document({**live_vote.definition, "ballots": ballots})
    except TallyError as error:  # pragma: no cover - ballots were checked one by one on arrival
        raise ServerError("tally_failed", f"计票失败：{error.message}") from error
    row = tx.session.get(Vote, vote_id)
    assert row is not None
    row.state, row.closed_at, row.result = "closed", tx.now, result
    item = tx.session.get(Item, live_vote.item_id)
    assert item is not None
    item.state = "pending" if needs_another_round(result) else "done"
    tx.audit("vote_closed", {"vote_id": vote_id, "ballots_cast": len(ballots)})
    record_voters(tx, live_vote)
    tx.audit("result", {"vote_id": vote_id, "result": result})
    tx.then(ended(live_vote.id, VoteState.CLOSED, result=result))
    refresh_agenda(tx, tx.live.meetings[item.meeting_id])
    tx.publish("vote_closed", live_vote.meeting_id, vote_id=vote_id)
    return result


def _close_encrypted(tx: Tx, live_vote: LiveVote) -> dict[str, Any]:
    """An encrypted vote keeps only its totals at close; the result comes once k 监票人 have
    decrypted them (server/usecases/encrypted.py). The answer is the result when no ballot was
    cast, else ``{vote_id, state: "decrypting", k, ballots_cast}``."""
    row = tx.session.get(Vote, live_vote.id)
    assert row is not None
    tx.audit("vote_closed", {"vote_id": live_vote.id, "ballots_cast": len(live_vote.ballots)})
    result = encrypted.close_encrypted(tx, live_vote, row)
    if result is not None:
        return result
    decryption = row.decryption or {}
    return {"vote_id": live_vote.id, "state": "decrypting", "k": decryption.get("k"),
            "ballots_cast": decryption.get("ballots_cast")}
