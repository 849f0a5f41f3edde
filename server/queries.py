"""Read models: what terminals, reports and the API are shown, built from the in-memory picture
(server/live.py) or read from the database. Nothing here changes anything.

The public state never says how anyone voted: counts of *how many* have voted, and results once
a vote is closed (shared/domain.md "What the electronic system must show"). Reports get the plain
dicts ``server.exports`` renders (the CSV/XLSX exports and the print pages).

Everything built here is a :data:`JsonObject` on purpose: it is a wire message (docs/protocol.md),
an HTTP answer or an export's record, built from the typed picture.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from server import exports, seatmap
from server.domain import Attendance, JsonObject, MemberId, MemberStatus, VoteMethod, VoteState
from server.errors import not_found
from server.live import Live, LiveMeeting, LiveVote, Member
from server.models import Item, NamedBallot, PaperEntry, Vote

if TYPE_CHECKING:
    from server.runtime import Runtime


PUBLICATION_FIELDS = ("confirmed_by", "confirmed_at", "declared_by", "declared_at")


def held(live: Live, vote: LiveVote) -> bool:
    """A result the publish step still holds back (meeting setting ``publish_step``): counted, not
    yet declared by the chair. Only the chair, scrutineers and auditors see it meanwhile."""
    meeting = live.meetings.get(vote.meeting_id)
    return (meeting is not None and bool(meeting.settings.get("publish_step")) and vote.result is not None
            and vote.state is VoteState.CLOSED and not vote.publication.get("declared_at"))


def publication_view(live: Live, vote: LiveVote) -> JsonObject | None:
    """The publish step of a vote, in a meeting that uses it (None otherwise)."""
    meeting = live.meetings.get(vote.meeting_id)
    if meeting is None or not meeting.settings.get("publish_step"):
        return None
    return {key: vote.publication.get(key) for key in PUBLICATION_FIELDS}


def vote_view(vote: LiveVote, live: Live | None = None, *, privileged: bool = False) -> JsonObject:
    """A vote as terminals see it. Given ``live``, a meeting with the publish step gets
    ``publication``, and a result not yet declared is null unless ``privileged`` (the chair,
    scrutineers, auditors)."""
    publication = publication_view(live, vote) if live is not None else None
    withheld = live is not None and not privileged and held(live, vote)
    return {
        "id": vote.id,
        "item_id": vote.item_id,
        "title": vote.definition.get("title", ""),
        "kind": vote.definition.get("kind"),
        "round_no": vote.round_no,
        "round_kind": vote.round_kind.value,
        "state": vote.state.value,
        "method": vote.method.value,
        "named": vote.named,
        "change_allowed": vote.change_allowed,
        "deadline": vote.deadline.isoformat() if vote.deadline else None,
        "cast": vote.cast if vote.method is VoteMethod.ELECTRONIC else len(vote.ballots),
        "expected": vote.expected,
        "definition": vote.definition,
        "result": None if withheld else vote.result,
        "confirmations": vote.confirmations,
        **({"publication": publication} if publication is not None else {}),
        **({"encryption": vote.encryption} if vote.encryption is not None else {}),
        **({"decryption": decryption_view(vote.decryption)} if vote.decryption is not None else {}),
    }


def decryption_view(decryption: JsonObject) -> JsonObject:
    """What terminals see of an encrypted vote's count: how many 监票人 are needed and who has
    decrypted (the totals and partials are in the audit log and GET /api/votes/{id}/decryption)."""
    partials = decryption.get("partials", {})
    state = decryption.get("write_ins")
    if state is None:
        assert isinstance(partials, dict)
        return {"k": decryption["k"], "ballots_cast": decryption["ballots_cast"],
                "received": sorted(int(t) for t in partials)}
    # with write-in slots (另选他人): which round is under way, and who has decrypted in it
    round_ = state["round"]
    current = partials if round_ in ("totals", "done") else state[f"{round_}_partials"]
    return {"k": decryption["k"], "ballots_cast": decryption["ballots_cast"], "round": round_,
            "received": sorted(int(t) for t in current)}


def public_state(live: Live, meeting: LiveMeeting, seq: int) -> JsonObject:
    votes = [v for v in live.votes.values() if v.meeting_id == meeting.id]
    votes.sort(key=lambda v: (v.item_id, v.round_no))
    return {
        "type": "state",
        "seq": seq,
        "meeting": {"id": meeting.id, "title": meeting.title, "body": meeting.body_kind.value,
                    "body_name": meeting.body_name},
        "attendance": meeting.summary().to_json(),
        "items": meeting.items,
        "votes": [vote_view(v, live) for v in votes],
    }


def tick(live: Live, meeting: LiveMeeting, seq: int) -> JsonObject:
    return {
        "type": "tick",
        "seq": seq,
        "attendance": meeting.summary().to_json(),
        "counts": {v.id: vote_view(v)["cast"] for v in live.open_votes(meeting.id)},
    }


def attendance_update(meeting: LiveMeeting) -> JsonObject:
    """The ``attendance`` frame to deputies' tablets (docs/protocol.md): the figures alone."""
    return {"type": "attendance", "attendance": meeting.summary().to_json()}


def _member_card(member_id: MemberId, member: Member | None) -> JsonObject:
    """Who the deputy is, as their tablet shows it (all None for one no longer on the roll)."""
    if member is None:
        return {"id": member_id, "name": None, "seat": None, "group": None, "status": None}
    return {"id": member_id, "name": member.name, "seat": member.seat, "group": member.group,
            "status": member.status.value}


def my_view(live: Live, meeting: LiveMeeting, member_id: MemberId) -> JsonObject:
    member = meeting.members.get(member_id)
    votes: JsonObject = {}
    for vote in live.votes.values():
        if vote.meeting_id != meeting.id or vote.method is not VoteMethod.ELECTRONIC:
            continue
        entry: JsonObject = {"eligible": member_id in vote.eligible, "voted": member_id in vote.voters}
        mine = vote.receipts_by_member.get(member_id)  # a named vote's only: a secret ballot's stay on its tablet
        if mine is not None:
            entry.update(mine)
        votes[vote.id] = entry
    return {
        "type": "me",
        "member": _member_card(member_id, member),
        "checked_in": meeting.attendance.get(member_id) is Attendance.PRESENT,
        "code_reissued": _code_reissued(meeting, member_id),
        "votes": votes,
    }


def vote_record(rt: Runtime, vote_id: str) -> tuple[JsonObject, JsonObject]:
    """(item, vote) for one vote; the vote carries the named ballots only for a named vote."""
    with rt.sessions() as session:
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


def minutes_items(rt: Runtime, meeting: LiveMeeting) -> list[JsonObject]:
    """Every agenda item of the meeting with its rounds in order, for the minutes."""
    rounds = sorted((v for v in rt.live.votes.values() if v.meeting_id == meeting.id), key=lambda v: v.round_no)
    return [{**entry, "votes": [vote_record(rt, v.id)[1] for v in rounds if v.item_id == entry["id"]]}
            for entry in meeting.items]


def meeting_of(live: Live, meeting_id: int) -> LiveMeeting:
    """The meeting, or 404."""
    meeting = live.meetings.get(meeting_id)
    if meeting is None:
        raise not_found("会议")
    return meeting


def vote_of(live: Live, vote_id: str) -> LiveVote:
    """The vote, or 404."""
    vote = live.votes.get(vote_id)
    if vote is None:
        raise not_found("表决")
    return vote


def meetings_list(live: Live) -> list[JsonObject]:
    return [{"id": m.id, "title": m.title, "body": m.body_kind.value, "closed": bool(m.settings.get("closed"))}
            for m in live.meetings.values()]


#: 代表履职积分's mark for a deputy not (yet) checked in while the roll is open: not an absence
NOT_CHECKED_IN = "not_checked_in"


def _attendance(meeting: LiveMeeting, member_id: MemberId) -> str | None:
    """present / leave / absent, or None: 未签到 while the roll is open (缺席 once it is closed)."""
    state = meeting.attendance_of(member_id)
    return None if state is None else state.value


def _code_reissued(meeting: LiveMeeting, member_id: MemberId) -> JsonObject | None:
    reissue = meeting.code_reissues.get(member_id)
    return None if reissue is None else reissue.to_json()


def roll_view(meeting: LiveMeeting) -> JsonObject:
    """The roll with each member's attendance, by group, seat and code, and the quorum summary."""
    ordered = sorted(meeting.members.items(), key=lambda entry: (entry[1].group, entry[1].seat, entry[1].code))
    members = [{"id": mid, **m.to_json(), "attendance": _attendance(meeting, mid),
                "code_reissued": _code_reissued(meeting, mid)} for mid, m in ordered]
    return {"summary": meeting.summary().to_json(), "members": members,
            "roll_closed": None if meeting.roll_closed is None else meeting.roll_closed.to_json()}


def attendance_seats(meeting: LiveMeeting) -> JsonObject:
    """The check-in seat map (server/seatmap.py): every member not terminated, by seat."""
    entries = []
    for mid, member in sorted(meeting.members.items(), key=lambda entry: entry[1].code):
        if member.status is MemberStatus.TERMINATED:
            continue
        state = _attendance(meeting, mid) if member.status is MemberStatus.ACTIVE else "not_active"
        entries.append({"id": mid, "name": member.name, "group": member.group, "seat": member.seat,
                        "state": "present" if state == "present" else "leave" if state == "leave"
                        else "not_active" if state == "not_active" else "absent"})
    return {"summary": meeting.summary().to_json(), **seatmap.layout(entries)}


def vote_seats(live: Live, vote: LiveVote, named_ballots: dict[MemberId, JsonObject]) -> JsonObject:
    """A closed named vote by seat: each member's answer to each question. Only ever called with a
    named vote's ballots (the route refuses a secret vote before reading any)."""
    assert vote.named, "a secret vote has no seat map"
    columns = exports.named_columns(vote.definition)
    meeting = live.meetings[vote.meeting_id]
    entries = []
    for mid, member in sorted(meeting.members.items(), key=lambda entry: entry[1].code):
        if mid not in vote.eligible and member.status is MemberStatus.TERMINATED:
            continue
        if mid in vote.eligible:
            ballot = named_ballots.get(mid)
            choices = [exports.choice_of(ballot, key) or "none" for key, _ in columns]
        else:
            choices = ["absent"] * len(columns)
        entries.append({"id": mid, "name": member.name, "group": member.group, "seat": member.seat,
                        "choices": choices})
    return {"vote_id": vote.id, "questions": [label for _, label in columns], **seatmap.layout(entries)}


def pending_view(live: Live, vote: LiveVote) -> JsonObject:
    """Who has not voted yet: names for named votes, only a count for secret ones."""
    missing = sorted(vote.eligible - vote.voters)
    out: JsonObject = {"count": len(missing), "expected": vote.expected}
    if vote.named:
        members = live.meetings[vote.meeting_id].members
        out["names"] = [members[m].name for m in missing]
    return out


def eligible_members(live: Live, vote: LiveVote) -> list[JsonObject]:
    """The members on a vote's roll, in id order (for the named table)."""
    meeting = live.meetings[vote.meeting_id]
    return [{"id": mid, **meeting.members[mid].to_json()} for mid in sorted(vote.eligible)]


def participation(live: Live, meeting: LiveMeeting) -> list[JsonObject]:
    """代表履职积分: attendance and electronic votes cast per deputy — never a choice. A secret vote
    still open is left out until it closes: who has voted in it is nobody's to see meanwhile
    (a named vote's voters are published anyway)."""
    votes = [v for v in live.votes.values() if v.meeting_id == meeting.id and v.method is VoteMethod.ELECTRONIC
             and (v.named or v.state is not VoteState.OPEN)]
    waiting = set(meeting.not_checked_in())
    return [{"id": mid, **member.to_json(),
             "attendance": {meeting.id: NOT_CHECKED_IN if mid in waiting else _attendance(meeting, mid)},
             "votes_cast": sum(1 for v in votes if mid in v.voters),
             "votes_eligible": sum(1 for v in votes if mid in v.eligible)}
            for mid, member in meeting.members.items()]


def paper_status(session: Session, live: Live, vote_id: str) -> dict[str, list[int]]:
    """Which paper ballot numbers are counted, waiting for a second entry, or mismatched."""
    vote_of(live, vote_id)
    numbers: dict[int, dict[int, PaperEntry]] = {}
    for entry in session.scalars(select(PaperEntry).where(PaperEntry.vote_id == vote_id)):
        numbers.setdefault(entry.ballot_no, {})[entry.clerk_slot] = entry
    counted, waiting, mismatched = [], [], []
    for number, slots in sorted(numbers.items()):
        if any(e.accepted for e in slots.values()):
            counted.append(number)
        elif len(slots) < 2:
            waiting.append(number)
        else:
            mismatched.append(number)
    return {"counted": counted, "waiting": waiting, "mismatched": mismatched}
