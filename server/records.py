"""Read models for reports: one vote with its item, and a meeting's items with all their rounds,
as the plain dicts ``server.exports`` renders (used by the CSV/XLSX exports and the print pages)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from server.errors import not_found
from server.live import LiveMeeting
from server.models import Item, NamedBallot, Vote
from server.services import Services


def vote_record(svc: Services, vote_id: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """(item, vote) for one vote; the vote carries the named ballots only for a named vote."""
    with svc.sessions() as session:
        vote = session.get(Vote, vote_id)
        if vote is None:
            raise not_found("表决")
        item = session.get(Item, vote.item_id)
        assert item is not None
        named = {row.member_id: row.ballot for row in session.scalars(
            select(NamedBallot).where(NamedBallot.vote_id == vote_id))} if not item.secret else None
        return ({"id": item.id, "title": item.title, "kind": item.kind, "position": item.position,
                 "secret": item.secret},
                {"id": vote.id, "round_no": vote.round_no, "round_kind": vote.round_kind, "method": vote.method,
                 "state": vote.state, "void_reason": vote.void_reason,
                 "opened_at": vote.opened_at.isoformat() if vote.opened_at else None,
                 "closed_at": vote.closed_at.isoformat() if vote.closed_at else None,
                 "definition": vote.definition, "result": vote.result, "named_ballots": named})


def minutes_items(svc: Services, meeting: LiveMeeting) -> list[dict[str, Any]]:
    """Every agenda item of the meeting with its rounds in order, for the minutes."""
    rounds = sorted((v for v in svc.live.votes.values() if v.meeting_id == meeting.id), key=lambda v: v.round_no)
    return [{**entry, "votes": [vote_record(svc, v.id)[1] for v in rounds if v.item_id == entry["id"]]}
            for entry in meeting.items]
