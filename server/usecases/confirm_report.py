"""总监票人/监票人 confirm the count of an election or 民生实事 round (shared/domain.md "Results:
总监票人 reports issued / returned / valid / void; the presiding officer declares the round valid").

Each scrutineer's confirmation is recorded once, with the figures they confirmed, in the audit log.
"""

from __future__ import annotations

from server.domain import ItemKind, VoteState
from server.effects import VoteChanged
from server.errors import Conflict, ServerError
from server.models import Vote
from server.usecases.common import vote as get_vote
from server.writer import Tx


def confirm_report(tx: Tx, vote_id: str, scrutineer: str) -> list[str]:
    live_vote = get_vote(tx, vote_id)
    if live_vote.definition.get("kind") not in (ItemKind.ELECTION, ItemKind.PROJECT_VOTE):
        raise ServerError("not_election", "只有选举和民生实事项目票决有计票结果报告")
    if live_vote.state is not VoteState.CLOSED or live_vote.result is None:
        raise Conflict("vote_not_closed", "投票结束并计票后才能确认计票结果报告")
    row = tx.session.get(Vote, vote_id)
    assert row is not None
    if scrutineer in row.confirmations:
        raise Conflict("already_confirmed", "您已确认过本轮计票结果报告")
    row.confirmations = [*row.confirmations, scrutineer]
    tx.audit("scrutineer_confirmed", {"vote_id": vote_id, "by": scrutineer,
                                      "ballots": live_vote.result.get("ballots", {})})
    confirmations = list(row.confirmations)
    tx.then(VoteChanged(live_vote.id, {"confirmations": confirmations}))
    tx.publish("vote_confirmed", live_vote.meeting_id, vote_id=vote_id)
    return confirmations
