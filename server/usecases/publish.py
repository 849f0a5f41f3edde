"""The publish step (发布程序), a meeting setting (``publish_step``, default off): a closed vote's
result is confirmed by the 总监票人 on the scrutineer page, then declared (宣布) by the chair, and
only then shown on the hall screen and the tablets.

shared/domain.md "Results": "总监票人 reports issued / returned / valid / void; the presiding
officer declares the round valid". The count itself is recorded at close as always (``result``);
the step adds two records in this order, each once per vote:

    result_confirmed  {vote_id, by: "scrutineer:<name>"}   after the vote's result
    result_declared   {vote_id, by: "chair:<name>"}        after result_confirmed

The offline verifier checks the order and the roles (docs/verifier-spec.md). Until declared, the
public state carries the vote with ``result: null`` (server/queries.py ``vote_view``).
"""

from __future__ import annotations

from server.domain import JsonObject, VoteState
from server.effects import VoteChanged
from server.errors import Conflict
from server.live import LiveVote
from server.models import Vote
from server.queries import PUBLICATION_FIELDS
from server.usecases.common import vote as get_vote
from server.writer import Tx


def uses_publish_step(tx: Tx, live_vote: LiveVote) -> bool:
    return bool(tx.live.meetings[live_vote.meeting_id].settings.get("publish_step"))


def _counted(tx: Tx, vote_id: str) -> LiveVote:
    live_vote = get_vote(tx, vote_id)
    if not uses_publish_step(tx, live_vote):
        raise Conflict("publish_step_off", "本次会议未设置结果发布程序，表决结束即公布结果")
    if live_vote.state is VoteState.VOIDED:
        raise Conflict("vote_voided", "本轮表决已宣布无效")
    if live_vote.state is not VoteState.CLOSED or live_vote.result is None:
        raise Conflict("vote_not_closed", "投票结束并计票后才能确认和宣布结果")
    return live_vote


def _save(tx: Tx, live_vote: LiveVote, publication: JsonObject) -> JsonObject:
    """Store the step; the answer has all four fields (null until done)."""
    row = tx.session.get(Vote, live_vote.id)
    assert row is not None
    row.publication = publication
    tx.then(VoteChanged(live_vote.id, {"publication": publication}))
    return {key: publication.get(key) for key in PUBLICATION_FIELDS}


def confirm_result(tx: Tx, vote_id: str, name: str, by: str) -> JsonObject:
    """The 总监票人 confirms the count (``name`` shown, ``by`` = ``scrutineer:<name>`` in the log)."""
    live_vote = _counted(tx, vote_id)
    if live_vote.publication.get("confirmed_at"):
        raise Conflict("result_already_confirmed", f"计票结果已由{live_vote.publication['confirmed_by']}确认")
    publication: JsonObject = {**live_vote.publication, "confirmed_by": name, "confirmed_at": tx.now.isoformat()}
    answer = _save(tx, live_vote, publication)
    tx.audit("result_confirmed", {"vote_id": vote_id, "by": by})
    tx.publish("result_confirmed", live_vote.meeting_id, vote_id=vote_id)
    return answer


def declare_result(tx: Tx, vote_id: str, name: str, by: str) -> JsonObject:
    """The chair declares (宣布) a confirmed result; from now on everyone sees it."""
    live_vote = _counted(tx, vote_id)
    if not live_vote.publication.get("confirmed_at"):
        raise Conflict("result_not_confirmed", "总监票人确认计票结果后，主持人才能宣布")
    if live_vote.publication.get("declared_at"):
        raise Conflict("result_already_declared", "本轮表决结果已经宣布")
    publication: JsonObject = {**live_vote.publication, "declared_by": name, "declared_at": tx.now.isoformat()}
    answer = _save(tx, live_vote, publication)
    tx.audit("result_declared", {"vote_id": vote_id, "by": by})
    tx.publish("result_declared", live_vote.meeting_id, vote_id=vote_id)
    return answer
