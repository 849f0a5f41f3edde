"""Enter a result counted by hand (举手 or paper) when the electronic system cannot be used.

shared/domain.md "Motions and decisions": "If the electronic system fails, voting falls back to
举手 or paper; the system accepts a manually entered result, marked as such in the audit log."
The figures are still counted by tally/ with the statutory rule, so the announcement and outcome
are computed, not typed.
"""

from __future__ import annotations

from server.domain import Choice, ItemKind, ItemState, JsonObject, MeetingId, RoundKind, VoteId, VoteMethod, VoteState
from server.effects import VoteAdded
from server.errors import Conflict, ServerError, not_found
from server.live import LiveVote
from server.models import Item, Vote
from server.usecases.agenda import refresh_agenda
from server.usecases.close_vote import needs_another_round
from server.usecases.common import check_definition, meeting, one_vote_at_a_time, previous_rounds
from server.writer import Tx
from tally import TallyError, count_document

#: How a result counted by hand was taken.
MANUAL_METHODS = (VoteMethod.SHOW_OF_HANDS, VoteMethod.PAPER)
#: What may be decided by a result counted by hand (an election is keyed ballot by ballot instead).
MANUAL_KINDS = (ItemKind.MOTION, ItemKind.LIST_APPROVAL, ItemKind.APPOINTMENT)


def _ballots_from_counts(kind: ItemKind, counts: object, definition: JsonObject) -> list[JsonObject]:
    def number(value: object, field: str) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ServerError("invalid_counts", "票数应为非负整数", field=field)
        return value

    def only(entry: JsonObject, known: list[str], where: str) -> None:
        """An unknown key (a misspelt choice or person) is refused, never counted as nothing."""
        unknown = sorted(str(key) for key in entry if key not in known)
        if unknown:
            raise ServerError("invalid_counts", f"票数中有未知项「{unknown[0]}」", field=f"{where}.{unknown[0]}")

    if not isinstance(counts, dict):
        raise ServerError("invalid_counts", "票数格式错误", field="counts")
    per_person = (kind is ItemKind.APPOINTMENT and definition.get("mode", "individual") == "individual") or (
        kind is ItemKind.LIST_APPROVAL and definition.get("mode") == "per_person")
    choices = [choice.value for choice in Choice]
    if not per_person:
        only(counts, choices, "counts")
        ballots: list[JsonObject] = []
        for choice in Choice:
            ballots += [{"choice": choice.value}] * number(counts.get(choice, 0), f"counts.{choice}")
        return ballots
    names = [i.get("id") or i.get("nominee") for i in definition.get("items", [])] if kind is ItemKind.APPOINTMENT \
        else list(definition.get("persons", []))
    only(counts, [str(name) for name in names], "counts")
    columns: dict[str, list[str]] = {}
    for name in names:
        entry = counts.get(name)
        if not isinstance(entry, dict):
            raise ServerError("invalid_counts", f"缺少「{name}」的票数", field=f"counts.{name}")
        only(entry, choices, f"counts.{name}")
        columns[name] = [
            c.value for c in Choice for _ in range(number(entry.get(c, 0), f"counts.{name}.{c}"))
        ]
    rows = max((len(c) for c in columns.values()), default=0)
    return [{"marks": {n: col[i] for n, col in columns.items() if i < len(col)}} for i in range(rows)]


def manual_result(tx: Tx, item_id: int, method: str, counts: object, *, by: str = "") -> JsonObject:
    item = tx.session.get(Item, item_id)
    if item is None:
        raise not_found("议题")
    manual = VoteMethod.parse(method)
    if manual not in MANUAL_METHODS:
        raise ServerError("invalid_method", "人工录入方式只能是举手表决或纸质选票", field="method")
    kind = ItemKind(item.kind)
    if kind not in MANUAL_KINDS:
        raise ServerError("manual_not_supported",
                          "选举请用纸质选票录入（两名计票人分别录入）；本类议题不支持人工录入", field="kind")
    if item.state == ItemState.DONE:
        raise Conflict("already_decided", "该议题已表决完毕")
    one_vote_at_a_time(tx, item.meeting_id, item_id)
    live = meeting(tx, item.meeting_id)
    summary = live.summary()
    if not summary.quorum_met:
        raise Conflict("no_quorum", "出席人数不足法定人数，不能表决")
    definition: JsonObject = {
        "kind": item.kind, "title": item.title, "body": live.body_kind.value,
        "members_of_record": summary.members_of_record, "present": summary.present, **item.definition,
    }
    check_definition(definition)
    ballots = _ballots_from_counts(kind, counts, definition)
    try:
        result = count_document({**definition, "ballots": ballots})
    except TallyError as error:
        raise ServerError("invalid_counts", f"票数有误：{error.message}") from error
    result = {**result, "manual": manual.value, "announcement": f"（{manual.label}）{result['announcement']}"}
    rounds = previous_rounds(tx, item_id)
    round_no = len(rounds) + 1
    vote_id = VoteId(f"v{item_id}-{round_no}")
    tx.session.add(Vote(
        id=vote_id, item_id=item_id, round_no=round_no, round_kind=RoundKind.MANUAL.value,
        state=VoteState.CLOSED.value, method=manual.value, definition=definition, eligible=live.present_voters(),
        opened_at=tx.now, closed_at=tx.now, result=result,
    ))
    item.state = (ItemState.PENDING if needs_another_round(result) else ItemState.DONE).value
    tx.audit("manual_result", {"vote_id": vote_id, "method": manual.value, "result": result, "by": by})

    tx.then(VoteAdded(LiveVote(
        id=vote_id, item_id=item_id, meeting_id=MeetingId(item.meeting_id), round_no=round_no,
        round_kind=RoundKind.MANUAL, state=VoteState.CLOSED, method=manual, definition=definition,
        eligible=frozenset(live.present_voters()), named=False, change_allowed=False, result=result,
    )))
    refresh_agenda(tx, tx.live.meetings[item.meeting_id])
    tx.publish("vote_closed", item.meeting_id, vote_id=vote_id)
    return result
