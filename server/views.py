"""What terminals are shown: the public state of a meeting, the live tick, and a deputy's own view.

The public state never says how anyone voted: counts of *how many* have voted, and results once
a vote is closed (shared/domain.md "What the electronic system must show").
"""

from __future__ import annotations

from typing import Any

from server.live import Live, LiveMeeting, LiveVote


def vote_view(vote: LiveVote) -> dict[str, Any]:
    return {
        "id": vote.id,
        "item_id": vote.item_id,
        "title": vote.definition.get("title", ""),
        "kind": vote.definition.get("kind"),
        "round_no": vote.round_no,
        "round_kind": vote.round_kind,
        "state": vote.state,
        "method": vote.method,
        "named": vote.named,
        "change_allowed": vote.change_allowed,
        "deadline": vote.deadline.isoformat() if vote.deadline else None,
        "cast": vote.cast if vote.method == "electronic" else len(vote.ballots),
        "expected": vote.expected,
        "definition": vote.definition,
        "result": vote.result,
        "confirmations": vote.confirmations,
    }


def public_state(live: Live, meeting: LiveMeeting, seq: int) -> dict[str, Any]:
    votes = [v for v in live.votes.values() if v.meeting_id == meeting.id]
    votes.sort(key=lambda v: (v.item_id, v.round_no))
    return {
        "type": "state",
        "seq": seq,
        "meeting": {"id": meeting.id, "title": meeting.title, "body": meeting.body_kind},
        "attendance": meeting.summary(),
        "items": meeting.items,
        "votes": [vote_view(v) for v in votes],
    }


def tick(live: Live, meeting: LiveMeeting, seq: int) -> dict[str, Any]:
    return {
        "type": "tick",
        "seq": seq,
        "attendance": meeting.summary(),
        "counts": {v.id: vote_view(v)["cast"] for v in live.open_votes(meeting.id)},
    }


def my_view(live: Live, meeting: LiveMeeting, member_id: int) -> dict[str, Any]:
    member = meeting.members.get(member_id, {})
    votes: dict[str, Any] = {}
    for vote in live.votes.values():
        if vote.meeting_id != meeting.id or vote.method != "electronic":
            continue
        entry: dict[str, Any] = {"eligible": member_id in vote.eligible, "voted": member_id in vote.voters}
        mine = vote.receipts_by_member.get(member_id)
        if mine is not None:
            entry.update(mine)
        votes[vote.id] = entry
    return {
        "type": "me",
        "member": {"id": member_id, "name": member.get("name"), "seat": member.get("seat"),
                   "group": member.get("group"), "status": member.get("status")},
        "checked_in": meeting.attendance.get(member_id) == "present",
        "votes": votes,
    }
