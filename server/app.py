"""The application factory: ``uvicorn server.app:create_app --factory``.

Configured only by the environment (server/config.py lists every variable). A fresh DATA_DIR is
initialised on start: migrations, the audit key, the audit log, and — unless ``DEMO=0`` — a demo
congress. The app is the routes (server/routes/), the one error shape, and the runtime's lifespan
(server/runtime.py).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi_offline import FastAPIOffline
from starlette.exceptions import HTTPException as StarletteHTTPException

from server import openapi, routes
from server.config import Settings
from server.direct_send import RawSend
from server.domain import ItemKind
from server.errors import ServerError
from server.network import RefusePlainOffLoopback
from server.runtime import lifespan

log = logging.getLogger("server")

HTTP_ERRORS = {
    400: ("malformed_request", "请求内容无法解析"),
    404: ("not_found", "页面或接口不存在"),
    405: ("method_not_allowed", "不支持该请求方法"),
    413: ("request_too_large", "请求内容过大"),
    415: ("unsupported_media_type", "不支持该内容类型"),
}


#: The tags of the one discriminated union among the request bodies (an agenda item, by kind): Pydantic
#: puts the tag in an error's location, where it names no field.
UNION_TAGS = frozenset(kind.value for kind in ItemKind)


def invalid_request(errors: Sequence[Any]) -> dict[str, str]:
    """A request that does not fit its schema: 422 ``invalid_request``, ``field`` naming the first
    field at fault as a path (``definition``, ``member_ids.0``) — the one error shape."""
    first = errors[0] if errors else {}
    if first.get("type") == "json_invalid":
        return {"code": "invalid_request", "message": "请求内容不是有效的 JSON"}
    where = [str(p) for p in first.get("loc", ())[1:]]
    if not where and first.get("type") in ("model_attributes_type", "dict_type", "model_type"):
        return {"code": "invalid_request", "message": "请求内容应为 JSON 对象"}
    if not where and first.get("type") == "missing":
        return {"code": "invalid_request", "message": "缺少请求内容"}
    if where and where[0] in UNION_TAGS:
        where = where[1:]
    if first.get("type", "").startswith("union_tag"):
        where.append(str(first.get("ctx", {}).get("discriminator", "")).strip("'"))
    field = ".".join(where)
    out = {"code": "invalid_request", "message": "请求格式错误" + (f"：{field}" if field else "")}
    if first.get("type") == "extra_forbidden":
        out["message"] = f"请求中有未知字段：{field}"
    if field:
        out["field"] = field
    return out


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings.from_env()

    # /docs and /redoc from assets packaged with fastapi-offline: they work in a hall with no internet.
    app: FastAPI = FastAPIOffline(title="县乡人大电子表决系统", version="0.1.0", lifespan=lifespan(settings),
                                  static_url="/static-docs")

    @app.exception_handler(ServerError)
    async def _refused(_request: Request, error: ServerError) -> JSONResponse:
        return JSONResponse(status_code=error.status, content={"error": error.to_json()})

    @app.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, error: RequestValidationError) -> JSONResponse:
        return JSONResponse(status_code=422, content={"error": invalid_request(error.errors())})

    @app.exception_handler(StarletteHTTPException)
    async def _http(_request: Request, error: StarletteHTTPException) -> JSONResponse:
        # Framework refusals (an unparsable body, an unknown path, a wrong method) in the same
        # JSON error shape as every other refusal (found by tests/reliability/test_http_fuzz.py).
        code, message = HTTP_ERRORS.get(error.status_code, (f"http_{error.status_code}", "请求被拒绝"))
        return JSONResponse(status_code=error.status_code, content={"error": {"code": code, "message": message}},
                            headers=getattr(error, "headers", None))

    @app.exception_handler(Exception)
    async def _bug(_request: Request, error: Exception) -> JSONResponse:
        log.exception("unexpected error", exc_info=error)
        return JSONResponse(status_code=500, content={"error": {"code": "internal", "message": "服务器内部错误"}})

    app.add_middleware(RawSend)
    app.add_middleware(RefusePlainOffLoopback)
    routes.install(app)
    openapi.install(app)
    return app
