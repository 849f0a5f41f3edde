"""Extend an open vote's countdown (延长表决时间)."""

from __future__ import annotations

from datetime import timedelta

from server.effects import VoteChanged
from server.errors import ServerError
from server.models import Vote
from server.usecases.common import open_vote
from server.writer import Tx


def extend_vote(tx: Tx, vote_id: str, seconds: int, *, by: str = "") -> None:
    live_vote = open_vote(tx, vote_id)
    if not 10 <= seconds <= 1800:
        raise ServerError("invalid_extension", "延长时间应在10秒到30分钟之间", field="seconds")
    base = live_vote.deadline or tx.now
    deadline = max(base, tx.now) + timedelta(seconds=seconds)
    row = tx.session.get(Vote, vote_id)
    assert row is not None
    row.deadline = deadline
    tx.audit("vote_extended", {"vote_id": vote_id, "deadline": deadline.isoformat(), "by": by})
    tx.then(VoteChanged(live_vote.id, {"deadline": deadline}))
    tx.publish("vote_extended", live_vote.meeting_id, vote_id=vote_id)
