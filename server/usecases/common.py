"""Look-ups and checks shared by the use cases."""

from __future__ import annotations

from sqlalchemy import delete, select

from server.domain import JsonObject, MemberId, VoteState
from server.effects import VoteKeyForgotten
from server.errors import Conflict, ServerError, not_found
from server.live import LiveMeeting, LiveVote, Member
from server.models import Vote, VoteParticipation, vote_voters_table
from server.writer import Tx
from tally import MalformedInput, StatutoryViolation, count_document


def previous_rounds(tx: Tx, item_id: int) -> list[Vote]:
    """Every vote already held on an item, first round first."""
    return list(tx.session.scalars(select(Vote).where(Vote.item_id == item_id).order_by(Vote.round_no)))


def meeting(tx: Tx, meeting_id: int) -> LiveMeeting:
    """The meeting, or 404 (ids from a request are plain numbers; the meeting's are typed)."""
    found = tx.live.meetings.get(meeting_id)
    if found is None:
        raise not_found("会议")
    return found


def vote(tx: Tx, vote_id: str) -> LiveVote:
    found = tx.live.votes.get(vote_id)
    if found is None:
        raise not_found("表决")
    return found


def open_vote(tx: Tx, vote_id: str) -> LiveVote:
    found = vote(tx, vote_id)
    if found.state is not VoteState.OPEN:
        raise Conflict("vote_not_open", "该项表决未在进行中（已结束或已宣布无效），不能投票")
    if found.deadline is not None and tx.now >= found.deadline:
        raise Conflict("vote_deadline_passed", "表决时间已到，不能再投票")
    return found


def member(meeting_live: LiveMeeting, member_id: int) -> tuple[MemberId, Member]:
    """A member on the meeting's roll by a number from a request, or 404."""
    mid = MemberId(member_id)
    found = meeting_live.members.get(mid)
    if found is None:
        raise not_found("代表")
    return mid, found


def member_code(meeting_live: LiveMeeting, member_id: MemberId) -> str:
    return meeting_live.members[member_id].code


def check_definition(doc: JsonObject) -> None:
    """Ask tally whether a definition is lawful and well-formed (no ballots needed)."""
    try:
        count_document({**doc, "ballots": []})
    except StatutoryViolation as error:
        raise ServerError("statutory_violation", f"不符合法定规则：{error.message}", field=error.rule) from error
    except MalformedInput as error:
        raise ServerError("invalid_definition", f"议题定义有误：{error.message}", field=error.field) from error


def check_ballot(definition: JsonObject, ballot: object) -> None:
    """A ballot must fit the item's definition (void over-votes are allowed: the deputy insisted)."""
    if not isinstance(ballot, dict):
        raise ServerError("invalid_ballot", "选票格式错误", field="ballot")
    try:
        count_document({**definition, "ballots": [ballot]})
    except MalformedInput as error:
        field = error.field.replace("ballots[0]", "ballot")
        raise ServerError("invalid_ballot", f"选票内容不符合本项表决：{error.message}", field=field) from error


def one_vote_at_a_time(tx: Tx, meeting_id: int, item_id: int) -> None:
    """A meeting has at most one vote open: shared/domain.md "What the electronic system must show"
    — the hall screen shows *the* item being voted, the tablet *the deputy's own item* — so the
    chair puts one question at a time and every tablet, the console and the screen show the same.
    The same item already open is ``vote_already_open``; another item's open vote is
    ``another_vote_open``, naming it."""
    for other in tx.live.open_votes(meeting_id):
        if other.item_id == item_id:
            raise Conflict("vote_already_open", "该议题正在表决中，请先结束或宣布无效")
        title = other.definition.get("title", other.id)
        raise Conflict("another_vote_open", f"「{title}」正在表决中：须先结束该项表决，再开始下一项")


def record_voters(tx: Tx, live_vote: LiveVote) -> None:
    """A vote stops being open (closed or voided): who voted is written once, as the plain set,
    its marks are deleted, and after the commit its key (server/participation.py)."""
    row = tx.session.get(VoteParticipation, live_vote.id)
    if row is None:
        tx.session.add(VoteParticipation(vote_id=live_vote.id, voters=sorted(live_vote.voters)))
    else:  # a vote opened before marks (server/migrations/versions/0005) holds its row from then
        row.voters = sorted(live_vote.voters)
    tx.session.execute(delete(vote_voters_table).where(vote_voters_table.c.vote_id == live_vote.id))
    tx.then(VoteKeyForgotten(live_vote.id))
