"""What every HTTP route shares: the runtime and caller dependencies, the id range check, and
reading a JSON object body."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request

from server.auth import runtime
from server.errors import ServerError, not_found
from server.runtime import Runtime

#: Ids are 32-bit columns: a larger number names nothing.
MAX_ID = 2**31 - 1

Rt = Annotated[Runtime, Depends(runtime)]


def ids_in_range(request: Request) -> None:
    """A numeric id beyond any column's range names nothing: 404, not a database error."""
    for key, value in request.path_params.items():
        if key.endswith("_id") and isinstance(value, str) and value.isdigit() and int(value) > MAX_ID:
            raise not_found("编号对应的对象")


async def json_object(request: Request) -> dict[str, Any]:
    """The request body as a JSON object, or a 400 that says what is wrong with it."""
    try:
        data = await request.json()
    except ValueError:
        raise ServerError("malformed_json", "请求内容不是有效的 JSON") from None
    if not isinstance(data, dict):
        raise ServerError("not_an_object", "请求内容应为 JSON 对象")
    return data
