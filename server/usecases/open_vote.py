"""Open a round of voting on an agenda item, freezing the roll, the base and the quorum into it.

shared/domain.md: "A vote cannot open without quorum; the quorum figures are frozen into each
vote's record"; "Amendments are voted before the main motion"; "For the same post, 免职 is voted
before 任职"; rounds: a first vote, a re-vote to cure an invalid (voided) vote, a re-vote among
the tied, 另行选举 for unfilled seats, and 预选 to fix an election's list.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from server.errors import Conflict, ServerError, not_found
from server.live import LiveVote
from server.models import Item, Vote, VoteParticipation
from server.usecases.agenda import refresh_agenda
from server.usecases.common import check_definition, meeting, previous_rounds
from server.writer import Tx

ROUND_KINDS = ("first", "revote", "tie_revote", "runoff", "preliminary")
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


def _round_fields(item: Item, rounds: list[Vote], round_kind: str, candidates: list[str] | None,
                  seats: int | None) -> dict[str, Any]:
    live_rounds = [r for r in rounds if r.state != "voided"]
    last = live_rounds[-1] if live_rounds else None
    if round_kind in ("first", "preliminary"):
        if last is not None and round_kind == "first" and last.round_kind != "preliminary":
            raise Conflict("already_voted", "该议题已经表决过；如需重新表决，须先宣布前次表决无效")
        if round_kind == "preliminary" and item.kind != "election":
            raise ServerError("invalid_round", "只有选举可以进行预选", field="round")
        fields: dict[str, Any] = {}
        if round_kind == "preliminary":
            fields["round"] = "preliminary"
        if candidates is not None:
            fields["candidates"] = candidates
        return fields
    if round_kind == "revote":
        if not rounds or rounds[-1].state != "voided":
            raise Conflict("revote_needs_void", "只有前次表决被宣布无效后才能重新表决（有效的未通过结果为最终结果）")
        return {}
    if item.kind not in ("election", "project_vote"):
        raise ServerError("invalid_round", "只有选举和民生实事项目票决有再次投票或另行选举", field="round")
    if last is None or last.result is None:
        raise Conflict("no_previous_result", "没有可以接续的上一轮结果")
    result = last.result
    if round_kind == "tie_revote":
        tied = list(result.get("tied", []))
        if not tied:
            raise Conflict("no_tie", "上一轮没有得票相等的情况")
        fields = {"candidates": tied, "seats": int(result["tied_places"])}
        if item.kind == "election":
            fields["round"] = "tie_revote"
        else:
            fields.update({"projects": tied, "choose": fields.pop("seats"), "require_differential": False})
            fields.pop("candidates")
        return fields
    if item.kind != "election":
        raise ServerError("invalid_round", "民生实事项目票决没有另行选举", field="round")
    unfilled = int(result.get("unfilled", 0))
    runoff = result.get("runoff")
    if unfilled <= 0:
        raise Conflict("nothing_unfilled", "上一轮已选足名额，无需另行选举")
    if runoff is None and candidates is None:
        raise Conflict("runoff_limit", "已达到选举办法规定的另行选举轮次，或须另行提名候选人")
    slate = candidates if candidates is not None else list(runoff["candidates"]) if runoff else []
    runoffs_held = int(last.definition.get("runoffs_held", 0)) + 1
    return {"candidates": slate, "seats": seats or unfilled, "round": "runoff", "runoffs_held": runoffs_held}


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
    if round_kind not in ROUND_KINDS:
        raise ServerError("invalid_round", "轮次类型错误", field="round")
    if method not in ("electronic", "paper"):
        raise ServerError("invalid_method", "表决方式只能是 electronic 或 paper", field="method")
    if method == "paper" and item.kind != "election":
        raise ServerError("invalid_method", "纸质选票录入仅用于选举；其他议题的举手表决请用“人工录入结果”",
                          field="method")
    live = meeting(tx, item.meeting_id)
    if live.settings.get("closed"):
        raise Conflict("meeting_closed", "会议已结束")
    if any(v.item_id == item_id for v in tx.live.open_votes(item.meeting_id)):
        raise Conflict("vote_already_open", "该议题正在表决中")
    if item.state == "done" and round_kind in ("first",):
        raise Conflict("already_decided", "该议题已表决完毕")
    summary = live.summary()
    if not summary["quorum_met"]:
        raise Conflict(
            "no_quorum",
            f"出席人数不足法定人数（实到{summary['present']}人，需{summary['quorum_required']}人），不能开始表决",
        )
    _check_order(tx, item)
    rounds = previous_rounds(tx, item_id)
    fields = _round_fields(item, rounds, round_kind, candidates, seats)
    eligible = live.present_voters()
    present = len(eligible)
    definition: dict[str, Any] = {
        "kind": item.kind,
        "title": item.title,
        "body": live.body_kind,
        "members_of_record": summary["members_of_record"],
        "present": present,
        **({"presidium_quorum": live.settings["presidium_quorum"]} if "presidium_quorum" in live.settings else {}),
        **item.definition,
        **fields,
    }
    if item.kind == "election":
        definition["ballots_issued"] = ballots_issued if ballots_issued is not None else present
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
    tx.session.add(Vote(
        id=vote_id, item_id=item_id, round_no=round_no, round_kind=round_kind, state="open", method=method,
        definition=definition, eligible=eligible, opened_at=tx.now, deadline=deadline,
    ))
    tx.session.add(VoteParticipation(vote_id=vote_id, voters=[]))
    item.state = "voting"
    tx.audit("vote_opened", {"vote_id": vote_id, "definition": definition})
    if not item.secret:
        tx.audit("vote_named", {"vote_id": vote_id})

    def apply() -> None:
        tx.live.votes[vote_id] = LiveVote(
            id=vote_id, item_id=item_id, meeting_id=item.meeting_id, round_no=round_no, round_kind=round_kind,
            state="open", method=method, definition=definition, eligible=frozenset(eligible), named=named,
            change_allowed=change_allowed, deadline=deadline,
        )

    tx.then(apply)
    refresh_agenda(tx, tx.live.meetings[item.meeting_id])
    tx.publish("vote_opened", item.meeting_id, vote_id=vote_id)
    return {"vote_id": vote_id, "round_no": round_no, "definition": definition, "deadline": deadline}
