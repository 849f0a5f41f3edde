"""Strict readers of the JSON objects of docs/ballot-crypto.md: exact members, exact types.

Each reader takes the parsed JSON value and the field's path (``selections[2].proof[0].c``) and
raises `MalformedValue` naming that path; on success it returns the typed value.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from ballotcrypto.errors import MalformedValue
from ballotcrypto.group import Point, Scalar, decode_point, decode_scalar

__all__ = ["array", "hex_id", "members", "point", "scalar", "small_int", "text"]

_MAX_SAFE = 2**53 - 1


def members(value: object, names: Sequence[str], field: str) -> dict[str, object]:
    """`value` as a JSON object with exactly the members `names`."""
    if type(value) is not dict:
        raise MalformedValue("malformed", field, "应为 JSON 对象")
    if set(value) != set(names):
        missing = sorted(set(names) - set(value))
        extra = sorted(str(key) for key in set(value) - set(names))
        raise MalformedValue("malformed", field, f"成员不符（缺少 {missing}，多出 {extra}）")
    return value


def array(value: object, field: str, length: int | None = None) -> list[object]:
    """`value` as a JSON array (of exactly `length` items when given)."""
    if type(value) is not list:
        raise MalformedValue("malformed", field, "应为 JSON 数组")
    if length is not None and len(value) != length:
        raise MalformedValue("malformed", field, f"应有 {length} 项，实有 {len(value)} 项")
    return value


def small_int(value: object, field: str) -> int:
    """`value` as an integer in [0, 2^53) (a JSON number without fraction, not a boolean)."""
    if type(value) is not int or not 0 <= value <= _MAX_SAFE:
        raise MalformedValue("malformed", field, "应为 0 到 2^53−1 之间的整数")
    return value


def text(value: object, field: str) -> str:
    """`value` as a JSON string."""
    if type(value) is not str:
        raise MalformedValue("malformed", field, "应为字符串")
    return value


def hex_id(value: object, field: str, characters: int) -> str:
    """`value` as a string of exactly `characters` lowercase hex characters."""
    if type(value) is not str or not re.fullmatch(f"[0-9a-f]{{{characters}}}", value):
        raise MalformedValue("malformed", field, f"应为 {characters} 个小写十六进制字符")
    return value


def point(value: object, field: str, *, allow_identity: bool = False) -> Point:
    """`value` as a point (see `group.decode_point`)."""
    return decode_point(value, field, allow_identity=allow_identity)


def scalar(value: object, field: str, *, nonzero: bool = False) -> Scalar:
    """`value` as a scalar (see `group.decode_scalar`)."""
    return decode_scalar(value, field, nonzero=nonzero)
