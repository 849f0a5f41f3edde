"""The application factory: ``uvicorn server.app:create_app --factory``.

Configured only by the environment (server/config.py): ``DATA_DIR`` (database, audit log, keys)
and ``DATABASE_URL`` (default: a SQLite file in DATA_DIR). A fresh DATA_DIR is initialised on
start: migrations, the audit key, the audit log, and — unless ``DEMO=0`` — a demo congress.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from functools import partial

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from server import api, gcpolicy, ws
from server.config import Settings
from server.db import make_engine, migrate, session_factory
from server.errors import ServerError
from server.hub import Hub
from server.ledger import Ledger
from server.services import Services
from server.startup import rebuild
from server.usecases.close_vote import close_vote
from server.wire import RawSend
from server.writer import Event, Writer

log = logging.getLogger("server")

HTTP_ERRORS = {
    400: ("malformed_request", "请求内容无法解析"),
    404: ("not_found", "页面或接口不存在"),
    405: ("method_not_allowed", "不支持该请求方法"),
    413: ("request_too_large", "请求内容过大"),
    415: ("unsupported_media_type", "不支持该内容类型"),
}


def build_services(settings: Settings, loop: asyncio.AbstractEventLoop) -> Services:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    migrate(settings.database_url)
    engine = make_engine(settings.database_url)
    writer_engine = make_engine(settings.database_url, writer=True)
    reader_sessions = session_factory(engine)
    writer_sessions = session_factory(writer_engine)
    ledger = Ledger.open(settings.data_dir, settings.origin, writer_sessions)
    with reader_sessions() as session:
        live = rebuild(session)
    hub = Hub(live, count_interval=settings.count_interval_s, queue_size=settings.send_queue_size)

    def publish(events: list[Event]) -> None:
        if any(event.kind == "vote_opened" for event in events):
            gcpolicy.vote_opening(svc.gc_watch)
        loop.call_soon_threadsafe(hub.on_events, events)

    writer = Writer(writer_sessions, ledger, live, publish, group_ms=settings.group_commit_ms,
                    group_max=settings.group_commit_max)
    svc = Services(settings, engine, writer_engine, reader_sessions, ledger, live, writer, hub)
    return svc


async def housekeeping(svc: Services) -> None:
    """Twice a second: a vote with a countdown closes itself when the time is up, and the garbage
    collector's policy follows whether a vote is open (server/gcpolicy.py)."""
    while True:
        await asyncio.sleep(0.5)
        now = datetime.now(UTC)
        any_open = False
        for vote in list(svc.live.votes.values()):
            any_open = any_open or vote.state == "open"
            if vote.state == "open" and vote.deadline is not None and vote.deadline <= now:
                with contextlib.suppress(ServerError):
                    await svc.writer.run(partial(close_vote, vote_id=vote.id, by="countdown"))
        if svc.gc_watch is not None:
            gcpolicy.tick(svc.gc_watch, any_open)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings.from_env()

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        loop = asyncio.get_running_loop()
        svc = await loop.run_in_executor(None, build_services, settings, loop)
        svc.writer.start()
        svc.hub.start()
        app.state.services = svc
        if settings.demo:
            from server.demo import ensure_demo

            await ensure_demo(svc)
        svc.gc_watch = gcpolicy.install()
        chores = loop.create_task(housekeeping(svc))
        try:
            yield
        finally:
            chores.cancel()
            gcpolicy.uninstall(svc.gc_watch)
            svc.gc_watch = None  # a vote opened while shutting down leaves the collector alone
            await svc.hub.stop()
            await loop.run_in_executor(None, svc.writer.stop)
            svc.ledger.close()
            svc.engine.dispose()
            svc.writer_engine.dispose()

    app = FastAPI(title="县乡人大电子表决系统", version="0.1.0", lifespan=lifespan)

    @app.exception_handler(ServerError)
    async def _refused(_request: Request, error: ServerError) -> JSONResponse:
        return JSONResponse(status_code=error.status, content={"error": error.to_json()})

    @app.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, error: RequestValidationError) -> JSONResponse:
        first = error.errors()[0] if error.errors() else {}
        field = ".".join(str(p) for p in first.get("loc", ())[1:]) or None
        return JSONResponse(status_code=422, content={"error": {
            "code": "invalid_request", "message": "请求格式错误" + (f"：{field}" if field else ""), "field": field}})

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
    app.include_router(api.router)
    app.add_api_websocket_route("/ws", ws.endpoint)
    from terminals.web import mount

    mount(app)
    return app
