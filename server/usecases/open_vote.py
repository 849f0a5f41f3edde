"""Open a round of voting on an agenda item, freezing the roll, the base and the quorum into it.

shared/domain.md: "A vote cannot open without quorum; the quorum figures are frozen into each
vote's record"; "Amendments are voted before the main motion"; "For the same post, 免职 is voted
before 任职"; rounds: a first vote, a re-vote to cure an invalid (voided) vote, a re-vote among
the tied, 另行选举 for unfilled seats, and 预选 to fix an election's list — which of them may open
and what it is held on are the pure round rules in tally/rounds/.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from ballotcrypto.ballot import Context
from ballotcrypto.votes import vote_form
from ballotcrypto.wire import point as read_point
from server.domain import MeetingId, RoundKind, VoteId, VoteMethod, VoteState
from server.effects import VoteAdded
from server.errors import Conflict, ServerError, not_found
from server.live import LiveMeeting, LiveVote
from server.models import Item, Vote
from server.usecases.agenda import refresh_agenda
from server.usecases.ceremony import election_key_of
from server.usecases.common import check_definition, meeting, one_vote_at_a_time, previous_rounds
from server.writer import Tx
from tally import rounds as round_rules

BALLOT_KINDS = ("election", "project_vote", "satisfaction")


def _check_order(tx: Tx, item: Item) -> None:
    pending = list(tx.session.scalars(
        select(Item).where(Item.meeting_id == item.meeting_id, Item.state != "done", Item.id != item.id)
    ))
    for other in pending:
        if other.amends == item.id:
            raise Conflict("amendment_first", f"须先表决修正案「{other.title}」，再表决本议案")
    if item.kind != "appointment":
        return
    entries = [i for i in item.definition.get("items", []) if isinstance(i, dict)]
    posts = {i.get("post") for i in entries if i.get("action") == "appoint"}
    for other in pending:
        if other.kind != "appointment":
            continue
        for entry in other.definition.get("items", []):
            if isinstance(entry, dict) and entry.get("action") == "dismiss" and entry.get("post") in posts:
                raise Conflict("dismiss_first", f"同一职务应先表决免职：请先表决「{other.title}」")


def _refusal(refused: round_rules.RoundRefused) -> ServerError:
    """The server's answer to a round rule's refusal: 409 when the item's history forbids it, else 400."""
    error = Conflict if refused.conflict else ServerError
    return error(refused.code, refused.message, field=refused.field)


def _round_fields(item: Item, rounds: list[Vote], round_kind: str, candidates: list[str] | None,
                  seats: int | None) -> dict[str, Any]:
    """The definition fields of the new round, by the pure round rules in tally/rounds/."""
    previous = [round_rules.PreviousRound(r.round_kind, r.state, r.result, r.definition) for r in rounds]
    decided = round_rules.next_round(item.kind, previous, round_kind, candidates, seats)
    if isinstance(decided, round_rules.RoundRefused):
        raise _refusal(decided)
    return dict(decided.fields)


def _encryption(tx: Tx, item: Item, vote_id: str, definition: dict[str, Any]) -> dict[str, Any] | None:
    """The encryption of a secret electronic vote, once the meeting's 监票人 have made the election
    key (docs/protocol.md "Encrypted secret votes"); None before that, and for a round whose
    ballot cannot be encrypted (民生实事 by ranking: ballotcrypto/votes.py). An election round that
    allows write-ins (另选他人) is encrypted with one write-in slot per place (docs/ballot-crypto.md §6.1)."""
    key = election_key_of(tx, item.meeting_id)
    shaped = vote_form(definition, with_write_ins=True)
    if key is None or shaped is None:
        return None
    context = Context(tx.ledger.origin, vote_id, read_point(key["key"], "key"), shaped.form)
    return {"context": context.to_json(), "vid": context.vid,
            "selections": [label.to_json() for label in shaped.labels],
            "fingerprint": key["fingerprint"], "ceremony": key["cid"]}


def _fill_write_in_eligible(definition: dict[str, Any], live: LiveMeeting) -> None:
    """Where only deputies of this congress may be written in (``write_in_scope`` ``deputies``:
    常委会组成人员, 乡镇人大主席/副主席 — shared/domain.md "Elections"), the round lists them from the
    roll — every deputy holding office but the round's own candidates — so that tally counts a write-in
    of anyone else as ineligible and the announcement says why."""
    office = definition.get("office")
    scope = definition.get("write_in_scope", "deputies" if office == "member" else "voters")
    allowed = definition.get("allow_write_ins", True) and definition.get("round", "first") in ("first", "runoff")
    if scope != "deputies" or not allowed or "write_in_eligible" in definition:
        return
    listed = set(definition.get("candidates", []))
    names = {live.members[mid].name for mid in live.counted_members()}
    definition["write_in_eligible"] = sorted(names - listed)


def open_vote(
    tx: Tx,
    item_id: int,
    *,
    round_kind: str = "first",
    candidates: list[str] | None = None,
    seats: int | None = None,
    countdown_s: int | None = None,
    method: str = "electronic",
    ballots_issued: int | None = None,
    by: str = "",
) -> dict[str, Any]:
    item = tx.session.get(Item, item_id)
    if item is None:
        raise not_found("议题")
    if round_kind not in round_rules.ROUND_KINDS:
        raise _refusal(round_rules.UNKNOWN_KIND)
    if method not in ("electronic", "paper"):
        raise ServerError("invalid_method", "表决方式只能是 electronic 或 paper", field="method")
    if method == "paper" and item.kind != "election":
        raise ServerError("invalid_method", "纸质选票录入仅用于选举；其他议题的举手表决请用“人工录入结果”",
                          field="method")
    live = meeting(tx, item.meeting_id)
    if live.settings.get("closed"):
        raise Conflict("meeting_closed", "会议已结束")
    one_vote_at_a_time(tx, item.meeting_id, item_id)
    if item.state == "done" and round_kind in ("first",):
        raise Conflict("already_decided", "该议题已表决完毕")
    summary = live.summary()
    if not summary.quorum_met:
        raise Conflict(
            "no_quorum",
            f"出席人数不足法定人数（实到{summary.present}人，需{summary.quorum_required}人），不能开始表决",
        )
    _check_order(tx, item)
    rounds = previous_rounds(tx, item_id)
    fields = _round_fields(item, rounds, round_kind, candidates, seats)
    eligible = live.present_voters()
    present = len(eligible)
    definition: dict[str, Any] = {
        "kind": item.kind,
        "title": item.title,
        "body": live.body_kind.value,
        "members_of_record": summary.members_of_record,
        "present": present,
        **({"presidium_quorum": live.settings["presidium_quorum"]} if "presidium_quorum" in live.settings else {}),
        **item.definition,
        **fields,
    }
    if item.kind == "election":
        definition["ballots_issued"] = ballots_issued if ballots_issued is not None else present
        _fill_write_in_eligible(definition, live)
    elif item.kind == "project_vote":
        definition["ballots_issued"] = present
    elif item.kind == "satisfaction":
        definition["forms_issued"] = present
    if method == "paper" and (ballots_issued is None or not 0 <= ballots_issued <= present):
        raise ServerError("ballots_issued_required", "纸质选票须填写发出选票数（不超过实到人数）",
                          field="ballots_issued")
    check_definition(definition)
    round_no = len(rounds) + 1
    vote_id = f"v{item_id}-{round_no}"
    if countdown_s is not None and not 10 <= countdown_s <= 3600:
        raise ServerError("invalid_countdown", "倒计时应在10秒到60分钟之间", field="countdown_s")
    deadline = tx.now + timedelta(seconds=countdown_s) if countdown_s else None
    named = not item.secret
    change_allowed = item.settings.get("change_before_close", "last") == "last"
    encryption = _encryption(tx, item, vote_id, definition) if item.secret and method == "electronic" else None
    tx.session.add(Vote(
        id=vote_id, item_id=item_id, round_no=round_no, round_kind=round_kind, state="open", method=method,
        definition=definition, eligible=eligible, opened_at=tx.now, deadline=deadline, encryption=encryption,
    ))
    item.state = "voting"
    secrecy = "named" if named else "encrypted" if encryption is not None else \
        "paper" if method == "paper" else "plaintext"
    opened = tx.audit("vote_opened", {"vote_id": vote_id, "definition": definition, "secrecy": secrecy,
                                      **({"encryption": encryption} if encryption is not None else {})})
    opened_stamp = tx.record_time(opened)
    if not item.secret:
        tx.audit("vote_named", {"vote_id": vote_id})
    # Who has voted is kept under this vote's own key, outside the database (server/participation.py):
    # made, and durable, before the opening commits.
    mark_key = b""
    if method == VoteMethod.ELECTRONIC:
        assert tx.live.vote_keys is not None
        mark_key = tx.live.vote_keys.make(vote_id)

    tx.then(VoteAdded(LiveVote(
        id=VoteId(vote_id), item_id=item_id, meeting_id=MeetingId(item.meeting_id), round_no=round_no,
        round_kind=RoundKind(round_kind), state=VoteState.OPEN, method=VoteMethod(method), definition=definition,
        eligible=frozenset(eligible), named=named, change_allowed=change_allowed, deadline=deadline,
        opened_stamp=opened_stamp, mark_key=mark_key, encryption=encryption,
    )))
    refresh_agenda(tx, tx.live.meetings[item.meeting_id])
    tx.publish("vote_opened", item.meeting_id, vote_id=vote_id)
    return {"vote_id": vote_id, "round_no": round_no, "definition": definition, "deadline": deadline}
