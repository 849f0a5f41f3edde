"""What every HTTP route shares: the runtime and caller dependencies, the id range check, and
reading a JSON object body."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import Depends, Request

from server.auth import foreign_origin, runtime
from server.errors import Forbidden, ServerError, not_found
from server.protocol import MAX_JSON_DEPTH, nesting_depth
from server.runtime import Runtime

#: Ids are 32-bit columns: a larger number names nothing.
MAX_ID = 2**31 - 1

Rt = Annotated[Runtime, Depends(runtime)]


def ids_in_range(request: Request) -> None:
    """A numeric id beyond any column's range names nothing: 404, not a database error. Only ASCII
    digits make a number here ('³' and '١٢' are digits to ``str.isdigit`` but not to ``int``)."""
    for key, value in request.path_params.items():
        if key.endswith("_id") and isinstance(value, str) and value.isascii() and value.isdigit() \
                and int(value) > MAX_ID:
            raise not_found("编号对应的对象")


def same_origin(request: Request) -> None:
    """A state-changing request from a page of another site is refused (403 ``foreign_origin``):
    the sign-in cookie would otherwise let any page the chair opens act as the chair."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    allowed = runtime(request).settings.extra_origins
    if foreign_origin(request.headers.get("origin"), request.headers.get("host"), allowed):
        raise Forbidden("foreign_origin", "请求来自其他网站的页面，已拒绝")


async def bounded_json(request: Request) -> None:
    """A JSON body nested deeper than any route needs is refused before a handler sees it (the
    body the route parsed is cached on the request: this reads it, it does not parse it again)."""
    if request.method in ("POST", "PATCH", "PUT") and "json" in request.headers.get("content-type", ""):
        try:
            data = await request.json()
        except (ValueError, RecursionError):
            return  # the route's own parsing refuses it with its own message
        if nesting_depth(data) > MAX_JSON_DEPTH:
            raise too_deep()


def too_deep() -> ServerError:
    return ServerError("json_too_deep", f"请求内容嵌套层数过多（最多{MAX_JSON_DEPTH}层）")


async def json_object(request: Request) -> dict[str, Any]:
    """The request body as a JSON object, or a 400 that says what is wrong with it."""
    try:
        data = json.loads(await request.body())
    except (ValueError, RecursionError):  # RecursionError: nested deeper than the parser goes
        raise ServerError("malformed_json", "请求内容不是有效的 JSON") from None
    if not isinstance(data, dict):
        raise ServerError("not_an_object", "请求内容应为 JSON 对象")
    if nesting_depth(data) > MAX_JSON_DEPTH:
        raise too_deep()
    return data
