"""``/openapi.json``: the whole HTTP contract, as FastAPI builds it from the routes and their models
(server/schemas/), completed with what FastAPI cannot know:

* the error models (server/schemas/errors.py) as components, referenced by every declared refusal —
  FastAPI's own ``HTTPValidationError`` (``{"detail": [...]}``) is never declared, because the server
  never answers with it (server/app.py turns every validation error into the one error shape);
* tally's document schemas (definitions and ballots per kind, server/schemas/tally.py);
* who may call each operation (``x-roles``, and a line of its description) and the two ways to
  present a token (``bearerToken``, ``tokenCookie``), from the route's dependencies;
* the Chinese label of every enumerated word (``x-labels``, from server/domain.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute

from server import auth, routes
from server.domain import LABEL_TABLES, USER_ROLES, Role
from server.routes.common import Roles
from server.schemas import tally
from server.schemas.errors import error_components, refusals
from server.schemas.votes import AwaitingDecryption

DESCRIPTION = """县乡人大电子表决与计票系统: the HTTP API of the session server. Terminals also speak the WebSocket
protocol at `/ws` (docs/protocol.md); deputies may vote over HTTP too (`POST /api/ballots`).

* **Signing in**: `POST /api/login` (accounts) or `POST /api/deputy/login` (a deputy's code) answers a `token`; send
  it as `Authorization: Bearer <token>` (or the `renda_token` cookie the answer sets). Each operation says which
  roles may call it; others get 403.
* **Refusals**: every refusal is `{"error": {"code", "message", "field"?}}` — `code` stable for programs, `message`
  Chinese for people, `field` what was wrong. 422 `invalid_request`: the request does not fit the schema (unknown
  fields are refused everywhere); 400: refused by the rules (e.g. `statutory_violation`); 409: not in this state.
  A refused request changed nothing. An unexpected failure is 500 `internal` in the same shape.
* **Files**: the roll file format is in docs/roll-file.md (and on `POST /api/meetings/{meeting_id}/roll/import`);
  the audit export's layout in docs/export.md; each report's rows on its route.
* **Print pages and PDF** (outside `/api`, not listed below): `GET /print/vote/{vote_id}` (result sheet, named
  table, 计票结果报告; `?only=scrutineer` for the report alone), `GET /print/minutes/{meeting_id}` and
  `POST /print/codes` (form field `codes`, staff) are A4 HTML pages for the same signed-in roles as the reports;
  add `?format=pdf` for the same page as `application/pdf` (Chinese fonts embedded, made in the server process; any
  other `format` is 400); see the README.
* **Tally documents**: an item's `definition`, a vote's `definition`, ballots and results follow tally's file format
  (README "The tally file format", `tally/schema/tally-input.schema.json`); their schemas here are built from it.
"""

SECURITY_SCHEMES = {
    "bearerToken": {"type": "http", "scheme": "bearer",
                    "description": "The `token` of `POST /api/login` or `POST /api/deputy/login`."},
    "tokenCookie": {"type": "apiKey", "in": "cookie", "name": "renda_token",
                    "description": "The cookie those answers set (HttpOnly, SameSite=Strict)."},
}


def _labels(schemas: dict[str, Any]) -> None:
    for vocabulary in LABEL_TABLES.values():
        schema = schemas.get(vocabulary.__name__)
        if schema is not None and schema.get("enum") == [member.value for member in vocabulary]:
            labels = vocabulary.labels()
            schema["x-labels"] = labels
            schema["description"] = "; ".join(f"`{value}` {label}" for value, label in labels.items())


def _no_fastapi_422(document: dict[str, Any]) -> None:
    """FastAPI declares ``HTTPValidationError`` as the 422 of any route that does not declare its own;
    the server answers 422 in the one error shape, so say that instead."""
    fastapi_422 = "#/components/schemas/HTTPValidationError"
    for operations in document.get("paths", {}).values():
        for operation in operations.values():
            response = operation.get("responses", {}).get("422")
            if response and response.get("content", {}).get("application/json", {}).get("schema", {}).get(
                    "$ref") == fastapi_422:
                operation["responses"]["422"] = refusals(422)[422]
    for name in ("HTTPValidationError", "ValidationError"):
        document["components"]["schemas"].pop(name, None)


def _guards(document: dict[str, Any]) -> None:
    """What every state-changing ``/api`` route may answer because of the router's own guards
    (server/routes/common.py): 403 ``foreign_origin`` for a request from a page of another site,
    and, where it takes a JSON body, 400 ``json_too_deep`` and ``invalid_text``."""
    for path, operations in document.get("paths", {}).items():
        if not path.startswith("/api/"):
            continue
        for method, operation in operations.items():
            if method in ("get", "head", "options"):
                continue
            answers = operation.setdefault("responses", {})
            _add_code(answers, "403", "foreign_origin")
            if "application/json" in operation.get("requestBody", {}).get("content", {}):
                _add_code(answers, "400", "json_too_deep")
                _add_code(answers, "400", "invalid_text")


def _add_code(answers: dict[str, Any], status: str, code: str) -> None:
    entry = answers.get(status)
    if entry is None:
        answers[status] = {**refusals(int(status))[int(status)]}
        answers[status]["description"] += f" Codes: `{code}`."
    elif f"`{code}`" not in entry["description"]:
        entry["description"] = entry["description"].rstrip(".") + (
            f", `{code}`." if "Codes:" in entry["description"] else f". Codes: `{code}`.")


SIGNED_IN: list[dict[str, list[str]]] = [{"bearerToken": []}, {"tokenCookie": []}]
EVERYONE = (Role.DEPUTY, *USER_ROLES)


def _dependencies(dependant: Dependant) -> Iterator[Dependant]:
    for dependency in dependant.dependencies:
        yield dependency
        yield from _dependencies(dependency)


def _who(route: APIRoute) -> tuple[Role, ...] | None:
    """The roles that may call a route: those of its :class:`Roles`, every role when it only needs
    a signed-in caller, None when it is public."""
    calls = [dependency.call for dependency in _dependencies(route.dependant)]
    for call in calls:
        if isinstance(call, Roles):
            return call.roles
    return EVERYONE if auth.caller in calls else None


def _callers(document: dict[str, Any]) -> None:
    handlers = {route.name: route for area in routes.AREAS for route in area.router.routes
                if isinstance(route, APIRoute)}
    for operations in document["paths"].values():
        for operation in operations.values():
            roles = _who(handlers[operation["operationId"]])
            if roles is None:
                line = "**Who**: anyone, no token needed."
            else:
                operation["security"] = SIGNED_IN
                operation["x-roles"] = [role.value for role in roles]
                line = "**Who**: " + ("anyone signed in." if roles == EVERYONE else
                                      ", ".join(f"`{role.value}` ({role.label})" for role in roles) + ".")
            operation["description"] = (operation.get("description", "") + "\n\n" + line).strip()


def build(app: FastAPI) -> dict[str, Any]:
    document = get_openapi(title=app.title, version=app.version, description=DESCRIPTION, routes=app.routes)
    components = document.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    schemas.update(error_components())
    schemas.update(tally.components())
    schemas["AwaitingDecryption"] = AwaitingDecryption.model_json_schema(ref_template="#/components/schemas/{model}")
    _no_fastapi_422(document)
    _guards(document)
    _callers(document)
    components["securitySchemes"] = SECURITY_SCHEMES
    _labels(schemas)
    return document


def install(app: FastAPI) -> None:
    """Serve :func:`build` (once) as the app's ``/openapi.json``."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = build(app)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
