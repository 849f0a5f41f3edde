"""HTTP and WebSocket routes, one module per area, with thin handlers: each checks the caller's
role (server/auth.py), hands changes to a use case through the writer and reads through
server/queries.py. Every refusal is ``{"error": {"code", "message", "field"?}}``."""

from __future__ import annotations

from fastapi import APIRouter, Depends, FastAPI
from fastapi.routing import APIRoute
from fastapi.staticfiles import StaticFiles

from server.routes import (
    accounts,
    agenda,
    audit,
    auth,
    deployment,
    encryption,
    health,
    pages,
    paper,
    reports,
    roll,
    socket,
    votes,
)
from server.routes.common import bounded_json, ids_in_range, same_origin
from terminals import STATIC

AREAS = (auth, accounts, roll, agenda, votes, encryption, paper, reports, audit, health, deployment)


def operation_id(route: APIRoute) -> str:
    """An operation's id in /openapi.json: its handler's name (``add_item``, ``close``), unique across the API."""
    return route.name


def install(app: FastAPI) -> None:
    """Every route of the server on ``app``: ``/api/...``, ``/ws``, the pages and their static files."""
    api = APIRouter(prefix="/api", dependencies=[Depends(same_origin), Depends(ids_in_range), Depends(bounded_json)],
                    generate_unique_id_function=operation_id)
    for area in AREAS:
        api.include_router(area.router)
    app.include_router(api)
    app.include_router(socket.router)
    app.include_router(pages.router)
    app.include_router(deployment.pages)
    app.mount("/static", StaticFiles(directory=str(STATIC)), name="static")
