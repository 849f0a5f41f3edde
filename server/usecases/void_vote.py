"""Declare a vote invalid (宣布表决无效) with a reason, so that it can be held again.

shared/domain.md "Motions and decisions": a re-vote only cures an *invalid* vote — a system fault,
more ballots returned than issued, a procedural error — declared by 主席团 / the presiding officer
with a reason. A valid 未通过 is final for that item. Both the voided vote and its re-vote stay in
the log.
"""

from __future__ import annotations

from server.domain import ItemState, Outcome, VoidGround, VoteState
from server.effects import ended
from server.errors import Conflict, ServerError
from server.models import Item, Vote
from server.usecases.agenda import refresh_agenda
from server.usecases.common import record_voters
from server.usecases.common import vote as get_vote
from server.writer import Tx


def void_vote(tx: Tx, vote_id: str, ground: str, reason: str, *, by: str = "") -> None:
    live_vote = get_vote(tx, vote_id)
    if live_vote.state is VoteState.VOIDED:
        raise Conflict("already_voided", "该项表决已被宣布无效")
    parsed = VoidGround.parse(ground)
    if parsed is None:
        raise ServerError("invalid_ground", "宣布无效的理由须为：" + VoidGround.listed(), field="ground")
    if not reason.strip():
        raise ServerError("reason_required", "宣布表决无效须说明具体理由", field="reason")
    result = live_vote.result or {}
    counted_invalid = result.get("outcome") == Outcome.INVALID or result.get("round_valid") is False
    if parsed in (VoidGround.EXCESS_BALLOTS, VoidGround.NO_QUORUM) and live_vote.state is VoteState.CLOSED \
            and not counted_invalid:
        raise Conflict("result_valid", "计票结果有效，不能以此理由宣布无效；有效的未通过结果为最终结果")
    row = tx.session.get(Vote, vote_id)
    item = tx.session.get(Item, live_vote.item_id)
    assert row is not None and item is not None
    row.state, row.void_reason = VoteState.VOIDED.value, f"{parsed.label}：{reason.strip()}"
    row.closed_at = row.closed_at or tx.now
    item.state = ItemState.PENDING.value
    tx.audit("vote_voided", {"vote_id": vote_id, "reason": row.void_reason, "by": by})
    if live_vote.state is VoteState.OPEN:
        record_voters(tx, live_vote)
    tx.then(ended(live_vote.id, VoteState.VOIDED))
    refresh_agenda(tx, tx.live.meetings[item.meeting_id])
    tx.publish("vote_voided", live_vote.meeting_id, vote_id=vote_id)
