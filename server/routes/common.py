"""What every HTTP route shares: the runtime and caller dependencies, the id range check, and how a
route declares its answer and its refusals (:func:`answers`, :func:`file_answers`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import Response

from server.auth import Caller, foreign_origin, needs, runtime
from server.conversation import Principal
from server.domain import Role
from server.errors import Forbidden, ServerError, not_found
from server.protocol import MAX_JSON_DEPTH, nesting_depth, unstorable_text
from server.runtime import Runtime
from server.schemas.base import MAX_ID
from server.schemas.errors import refusals

__all__ = ["MAX_ID", "Roles", "Rt", "answers", "as_role", "bounded_json", "file_answers", "ids_in_range", "same_origin"]

async def _runtime(request: Request) -> Runtime:
    """The runtime as a dependency: ``async``, so that FastAPI does not run it on a worker thread
    for every request (which it does for a plain ``def``: thousands of sign-ins a minute)."""
    return runtime(request)


Rt = Annotated[Runtime, Depends(_runtime)]

class Roles:
    """A dependency: the signed-in caller (401 without a valid token), refused with 403 unless their
    role is one of ``roles``. /openapi.json lists the roles of each operation from it (``x-roles``)."""

    def __init__(self, *roles: Role) -> None:
        self.roles = roles

    async def __call__(self, principal: Caller) -> Principal:
        needs(principal, *self.roles)
        return principal


def as_role(*roles: Role) -> Any:
    """``caller: Annotated[Principal, as_role(Role.STAFF)]``: the caller, who must have one of ``roles``."""
    return Depends(Roles(*roles))


async def ids_in_range(request: Request) -> None:
    """A numeric id beyond any column's range, either way, names nothing: 404, not a database error
    (PostgreSQL refuses an integer out of its range: it was answered 503 ``storage_unavailable``).
    (Only ASCII digits are a number here: ``"¹".isdigit()`` is true, and ``int("¹")`` fails.)"""
    for key, value in request.path_params.items():
        if not key.endswith("_id") or not isinstance(value, str):
            continue
        digits = value.removeprefix("-")
        if digits.isascii() and digits.isdigit() and int(digits) > MAX_ID:
            raise not_found("编号对应的对象")


async def same_origin(request: Request) -> None:
    """A state-changing request from a page of another site is refused (403 ``foreign_origin``):
    the sign-in cookie would otherwise let any page the chair opens act as the chair. (``async``:
    FastAPI runs a plain ``def`` dependency on a worker thread, a thread hop per request.)"""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    allowed = runtime(request).settings.extra_origins
    if foreign_origin(request.headers.get("origin"), request.headers.get("host"), allowed):
        raise Forbidden("foreign_origin", "请求来自其他网站的页面，已拒绝")


async def bounded_json(request: Request) -> None:
    """A JSON body nested deeper than any route needs (400 ``json_too_deep``), or holding text no
    database can store (400 ``invalid_text``: NUL, a lone surrogate), is refused before a handler
    sees it; the body the route parsed is cached on the request, so this does not parse it
    again."""
    if request.method in ("POST", "PATCH", "PUT") and "json" in request.headers.get("content-type", ""):
        try:
            data = await request.json()
        except (ValueError, RecursionError):
            return  # the route's own parsing refuses it with its own message
        if nesting_depth(data) > MAX_JSON_DEPTH:
            raise ServerError("json_too_deep", f"请求内容嵌套层数过多（最多{MAX_JSON_DEPTH}层）")
        if unstorable_text(data):
            raise ServerError("invalid_text",
                              "文字中含有无法保存的字符（空字符 U+0000 或不成对的代理字符），请删除后重试")


def answers(model: Any, *statuses: int, codes: Mapping[int, str] | None = None,
            special: Mapping[int, dict[str, Any]] | None = None) -> dict[str, Any]:
    """A JSON route's answer model and the statuses it can refuse with (server/schemas/errors.py).

    A key left out of what the handler returns stays out of the answer (``absent`` fields). Who may
    call the route is read from its dependencies (:class:`Roles`) by server/openapi.py."""
    return {"response_model": model, "response_model_exclude_unset": True,
            "responses": refusals(*statuses, codes=codes, special=special)}


def file_answers(media_types: Mapping[str, str], description: str, *statuses: int,
                 codes: Mapping[int, str] | None = None) -> dict[str, Any]:
    """A route that answers a file (CSV, XLSX, zip, text): each media type with its layout."""
    binary = {"type": "string", "format": "binary"}
    content = {media: {"schema": {"type": "string"} if media.startswith("text/") else binary}
               for media in media_types}
    ok = {"description": "The file." + "".join(f"\n\n`{m}`: {what}" for m, what in media_types.items()),
          "content": content}
    return {"description": description, "response_class": Response,
            "responses": {200: ok, **refusals(*statuses, codes=codes)}}
