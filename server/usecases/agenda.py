"""Bodies, meetings and the agenda. Every item's definition is checked by tally/ when it is added,
so a statutorily wrong ballot (e.g. 等额 for committee members) is refused before the session."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from server.domain import BodyKind, ItemKind, ItemState, JsonObject, MeetingId, MeetingState
from server.effects import AgendaChanged, MeetingCreated
from server.errors import Conflict, ServerError, not_found
from server.live import LiveMeeting
from server.models import Body, Item, Meeting
from server.usecases.common import check_definition
from server.usecases.common import meeting as live_meeting
from server.writer import Tx

ITEM_FIELDS = {"kind", "title", "definition", "secret", "change_before_close", "amends"}


@dataclass(frozen=True)
class ItemFields:
    """An item's fields as staff gave them, checked (``definition`` is tally's, without attendance)."""

    kind: ItemKind
    title: str
    definition: JsonObject
    secret: bool
    settings: JsonObject
    amends: int | None

    def to_json(self) -> JsonObject:
        """As the audit log records them (``item_added``, ``item_updated``)."""
        return {"kind": self.kind.value, "title": self.title, "definition": self.definition, "secret": self.secret,
                "settings": self.settings, "amends": self.amends}


def item_view(item: Item) -> JsonObject:
    """An agenda item as the terminals and the API show it."""
    return {"id": item.id, "position": item.position, "kind": item.kind, "title": item.title,
            "secret": item.secret, "state": item.state, "amends": item.amends, "definition": item.definition,
            "settings": item.settings}


def create_meeting(tx: Tx, body_kind: str, body_name: str, title: str, settings: JsonObject | None = None,
                   by: str = "") -> MeetingId:
    kind = BodyKind.parse(body_kind)
    if kind is None:
        raise ServerError("invalid_body", "机构类型应为：" + BodyKind.listed(), field="body_kind")
    body = Body(kind=kind.value, name=body_name, settings=settings or {})
    tx.session.add(body)
    tx.session.flush()
    meeting = Meeting(body_id=body.id, title=title, state=MeetingState.OPEN.value)
    tx.session.add(meeting)
    tx.session.flush()
    tx.audit("meeting_created", {"meeting_id": meeting.id, "body": kind.value, "name": body_name, "title": title,
                                 "settings": body.settings, "by": by})
    meeting_id, body_id, body_settings = meeting.id, body.id, dict(body.settings)

    tx.then(MeetingCreated(MeetingId(meeting_id), body_id, kind, title, body_settings, body_name))
    return meeting_id


def _validate(tx: Tx, live: LiveMeeting, data: JsonObject) -> ItemFields:
    unknown = sorted(set(data) - ITEM_FIELDS)
    if unknown:
        raise ServerError("invalid_field", f"未知字段 {unknown[0]}", field=unknown[0])
    kind = ItemKind.parse(data.get("kind"))
    if kind is None:
        raise ServerError("invalid_kind", "议题类型错误", field="kind")
    title = data.get("title")
    if not isinstance(title, str) or not title.strip() or len(title) > 300:
        raise ServerError("invalid_title", "议题名称不能为空（300字以内）", field="title")
    definition = data.get("definition", {})
    if not isinstance(definition, dict):
        raise ServerError("invalid_definition", "议题定义应为对象", field="definition")
    reserved = {"kind", "title", "body", "members_of_record", "present", "ballots", "counts", "ballots_issued",
                "forms_issued"}
    clash = sorted(reserved & set(definition))
    if clash:
        raise ServerError("invalid_definition", f"字段 {clash[0]} 由系统在开始表决时确定",
                          field=f"definition.{clash[0]}")
    secret = data.get("secret", True)
    if not isinstance(secret, bool):
        raise ServerError("invalid_field", "secret 应为真或假", field="secret")
    if kind is ItemKind.ELECTION and not secret:
        raise ServerError("statutory_violation", "组织法 第二十八条：选举一律采用无记名投票的方式", field="secret")
    change = data.get("change_before_close", "last")
    if change not in ("last", "first"):
        raise ServerError("invalid_field", "更改设置应为 last（以最后一次为准）或 first（以第一次为准）",
                          field="change_before_close")
    amends = data.get("amends")
    if amends is not None:
        target = tx.session.get(Item, amends)
        if target is None or target.meeting_id != live.id or target.kind != ItemKind.MOTION \
                or kind is not ItemKind.MOTION:
            raise ServerError("invalid_amends", "修正案须针对本次会议的一项议案", field="amends")
    members = max(1, len(live.counted_members()))
    check_definition({"kind": kind.value, "title": title, "body": live.body_kind.value, "members_of_record": members,
                      "present": members, **definition,
                      **({"ballots_issued": members} if kind is ItemKind.ELECTION else {}),
                      **({"secret": secret} if kind is ItemKind.APPOINTMENT else {})})
    return ItemFields(kind, title.strip(), definition, secret, {"change_before_close": change}, amends)


def refresh_agenda(tx: Tx, live: LiveMeeting) -> None:
    """After this transaction commits, the in-memory agenda shows the items as they are now."""
    items = [item_view(i) for i in tx.session.scalars(
        select(Item).where(Item.meeting_id == live.id).order_by(Item.position))]
    tx.then(AgendaChanged(live.id, tuple(items)))


def add_item(tx: Tx, meeting_id: int, data: JsonObject, by: str = "") -> JsonObject:
    live = live_meeting(tx, meeting_id)
    clean = _validate(tx, live, data)
    position = (tx.session.scalar(select(func.max(Item.position)).where(Item.meeting_id == live.id)) or 0) + 1
    item = Item(meeting_id=live.id, position=position, kind=clean.kind.value, title=clean.title,
                definition=clean.definition, settings=clean.settings, secret=clean.secret,
                amends=clean.amends, state=ItemState.PENDING.value)
    tx.session.add(item)
    tx.session.flush()
    if item.amends is not None:
        target = tx.session.get(Item, item.amends)
        assert target is not None
        if target.position < item.position:
            item.position, target.position = target.position, item.position
    tx.audit("item_added", {"meeting_id": live.id, "item_id": item.id, **clean.to_json(), "by": by})
    refresh_agenda(tx, live)
    tx.publish("agenda", live.id)
    return item_view(item)


def update_item(tx: Tx, item_id: int, data: JsonObject, by: str = "") -> JsonObject:
    item = tx.session.get(Item, item_id)
    if item is None:
        raise not_found("议题")
    if item.state != ItemState.PENDING or any(v.item_id == item_id for v in tx.live.votes.values()):
        raise Conflict("item_voted", "已开始表决的议题不能修改")
    live = live_meeting(tx, item.meeting_id)
    clean = _validate(tx, live, {"kind": item.kind, "title": item.title, "definition": item.definition,
                                 "secret": item.secret, "amends": item.amends,
                                 "change_before_close": item.settings.get("change_before_close", "last"), **data})
    item.kind, item.title, item.definition, item.secret, item.settings, item.amends = (
        clean.kind.value, clean.title, clean.definition, clean.secret, clean.settings, clean.amends)
    tx.audit("item_updated", {"item_id": item.id, **clean.to_json(), "by": by})
    refresh_agenda(tx, live)
    tx.publish("agenda", item.meeting_id)
    return item_view(item)


def move_item(tx: Tx, item_id: int, position: int, by: str = "") -> None:
    item = tx.session.get(Item, item_id)
    if item is None:
        raise not_found("议题")
    items = list(tx.session.scalars(select(Item).where(Item.meeting_id == item.meeting_id).order_by(Item.position)))
    if not 1 <= position <= len(items):
        raise ServerError("invalid_position", "位置超出范围", field="position")
    items.remove(item)
    items.insert(position - 1, item)
    for index, entry in enumerate(items, start=1):
        entry.position = index
    for entry in items:
        if entry.amends is not None:
            target = next((t for t in items if t.id == entry.amends), None)
            if target is not None and target.position < entry.position:
                raise Conflict("amendment_first", "修正案应排在所修正的议案之前")
    tx.audit("item_moved", {"item_id": item_id, "position": position, "by": by})
    refresh_agenda(tx, tx.live.meetings[item.meeting_id])
    tx.publish("agenda", item.meeting_id)
