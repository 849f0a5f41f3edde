"""The tablet protocol, version 1 (docs/protocol.md): parsing terminal messages strictly.

Every refusal carries a stable ``code`` for programs and a Chinese ``message`` for people.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import orjson

from server.domain import JsonObject, MeetingId, VoteId

VERSION = 1
#: Largest frame a terminal may send (UTF-8 bytes; ``MAX_FRAME_BYTES``). An encrypted ballot is the
#: largest: ≈ 2 kB a candidate and a write-in place -- an election of 30 candidates for 25 places
#: with its 25 另选他人 slots is ≈ 60 kB, one of 50 for 45 ≈ 102 kB; 256 KiB holds well over 100.
MAX_FRAME_BYTES = 256 * 1024

ERRORS: dict[str, str] = {
    "malformed_json": "消息不是有效的 JSON",
    "frame_too_large": "消息过大",
    "not_an_object": "消息应为 JSON 对象",
    "unknown_type": "未知的消息类型",
    "missing_field": "缺少字段",
    "invalid_field": "字段格式错误",
    "unauthenticated": "请先登录",
    "bad_token": "登录凭证无效或已过期，请重新输入签到码",
    "wrong_role": "您的身份无权进行此操作",
    "rate_limited": "操作过于频繁，请稍候",
    "unsupported_version": "终端版本过旧，请刷新页面",
    "already_authenticated": "已登录",
}


class ProtocolError(Exception):
    def __init__(self, code: str, detail: str = "", field: str | None = None) -> None:
        super().__init__(code)
        self.code = code
        self.field = field
        self.message = ERRORS.get(code, code) + (f"：{detail}" if detail else "")


@dataclass(frozen=True)
class Hello:
    token: str | None
    screen_meeting: MeetingId | None
    version: int


@dataclass(frozen=True)
class CheckIn:
    pass


@dataclass(frozen=True)
class Ballot:
    vote_id: VoteId
    ballot_id: str
    ballot: JsonObject
    replaces: str | None
    cast_token: str | None = None


@dataclass(frozen=True)
class Sync:
    pass


@dataclass(frozen=True)
class Ping:
    t: object


Message = Hello | CheckIn | Ballot | Sync | Ping


def _string(data: JsonObject, key: str, *, required: bool = True, limit: int = 200) -> str | None:
    value = data.get(key)
    if value is None:
        if required:
            raise ProtocolError("missing_field", key, key)
        return None
    if not isinstance(value, str) or not value or len(value) > limit:
        raise ProtocolError("invalid_field", key, key)
    return value


#: No frame or request body needs more levels than this (an agenda item's definition has about
#: five); deeper JSON is refused before anything that recurses sees it.
MAX_JSON_DEPTH = 32


def nesting_depth(value: object) -> int:
    """How many arrays and objects deep ``value`` goes (without recursion: any input is safe)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict):
            children: Iterable[object] = node.values()
        elif isinstance(node, list):
            children = node
        else:
            continue
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in children)
    return deepest


def unstorable_text(value: object) -> bool:
    """Whether a string anywhere in ``value`` (a member name included) holds a character no
    database here can store: NUL (PostgreSQL's text refuses it) or a lone UTF-16 surrogate (not
    encodable as UTF-8). Walked without recursion, like :func:`nesting_depth`."""
    stack = [value]
    while stack:
        node = stack.pop()
        if isinstance(node, str):
            if "\x00" in node or any("\ud800" <= ch <= "\udfff" for ch in node):
                return True
        elif isinstance(node, dict):
            stack.extend(node.keys())
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return False


def parse(raw: str | bytes, max_bytes: int) -> Message:
    """Parse one frame from a terminal, or raise :class:`ProtocolError`."""
    # "surrogatepass": a str with a lone surrogate is not UTF-8 and must be refused as malformed
    # JSON below, not crash the size check (found by tests/reliability/test_hostile_frames.py).
    size = len(raw.encode("utf-8", "surrogatepass")) if isinstance(raw, str) else len(raw)
    if size > max_bytes:
        raise ProtocolError("frame_too_large", f"上限 {max_bytes} 字节")
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise ProtocolError("malformed_json") from None
    if not isinstance(data, dict):
        raise ProtocolError("not_an_object")
    kind = data.get("type")
    if kind == "hello":
        version = data.get("v", VERSION)
        if isinstance(version, bool) or version != VERSION:  # true == 1 in Python, not in the protocol
            raise ProtocolError("unsupported_version")
        screen = data.get("screen")
        if screen is not None and (isinstance(screen, bool) or not isinstance(screen, int)):
            raise ProtocolError("invalid_field", "screen", "screen")
        return Hello(_string(data, "token", required=screen is None, limit=200),
                     None if screen is None else MeetingId(screen), VERSION)
    if kind == "check_in":
        return CheckIn()
    if kind == "ballot":
        ballot = data.get("ballot")
        if not isinstance(ballot, dict) or nesting_depth(ballot) > MAX_JSON_DEPTH:
            raise ProtocolError("invalid_field" if "ballot" in data else "missing_field", "ballot", "ballot")
        vote_id = _string(data, "vote_id", limit=32)
        ballot_id = _string(data, "ballot_id", limit=64)
        assert vote_id is not None and ballot_id is not None
        cast_token = _string(data, "cast_token", required=False, limit=64)
        if cast_token is not None and len(cast_token) < 16:
            raise ProtocolError("invalid_field", "cast_token", "cast_token")
        return Ballot(VoteId(vote_id), ballot_id, ballot, _string(data, "replaces", required=False, limit=64),
                      cast_token)
    if kind == "sync":
        return Sync()
    if kind == "ping":
        return Ping(data.get("t"))
    raise ProtocolError("unknown_type", str(kind)[:40] if kind is not None else "")


def encode(message: JsonObject) -> bytes:
    return orjson.dumps(message)


def dumps(message: JsonObject) -> str:
    return orjson.dumps(message).decode("utf-8")


def with_field(text: str, name: str, value: object) -> str:
    """``text`` (an encoded JSON object) with one more member (any JSON value), without decoding it again."""
    assert text.endswith("}") and name.isidentifier()
    extra = f'"{name}":{orjson.dumps(value).decode("utf-8")}'
    return f"{text[:-1]},{extra}}}" if text != "{}" else f"{{{extra}}}"


def error(code: str, message: str, *, ref: str | None = None, field: str | None = None) -> JsonObject:
    out: JsonObject = {"type": "error", "code": code, "message": message}
    if ref is not None:
        out["ref"] = ref
    if field is not None:
        out["field"] = field
    return out
