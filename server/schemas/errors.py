"""The one error shape of every HTTP refusal, and how a route declares the statuses it can answer.

Every refusal is ``{"error": {"code", "message", "field"?}}``: ``code`` is stable, for programs;
``message`` is Chinese, for people; ``field`` names what was wrong when that is known (a JSON
path such as ``definition.seats`` or ``counts.yes``). A roll file that cannot be imported also
lists its problems row by row (``rows``, server/routes/roll.py). A route lists the statuses it
can answer in one line::

    @router.post("/votes/{vote_id}/close", **answers(Result, 401, 403, 404, 409, 503, codes={409: "vote_not_open"}))
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from server.schemas.base import absent

REF = "#/components/schemas/{model}"


class ErrorDetail(BaseModel):
    model_config = ConfigDict(extra="forbid", title="ErrorDetail")

    code: str = Field(description="Stable code for programs, e.g. `no_quorum`, `invalid_request`.")
    message: str = Field(description="What is wrong, in Chinese, for people (shown as is).")
    field: str = absent("What was wrong, when known: a field or a JSON path such as `definition.seats`.")


class Refusal(BaseModel):
    """Every refusal of the HTTP API (4xx and 5xx) has this shape."""

    model_config = ConfigDict(extra="forbid")

    error: ErrorDetail


class RollRowError(BaseModel):
    model_config = ConfigDict(extra="forbid")

    row: int = Field(ge=0, description="The row as Excel or WPS shows it (the header is row 1); 0: the whole file.")
    column: str | None = Field(description="The column's title as written in the file, when one column is at fault.")
    message: str = Field(description="The problem in Chinese, naming the row and the column.")


class RollErrorDetail(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(description="`roll_errors`.")
    message: str = Field(description="How many problems there are; nothing was imported.")
    rows: list[RollRowError] = Field(description="Every problem (at most 500, then one row-0 line with the rest).")


class RollRefusal(BaseModel):
    """A roll file with errors: nothing is imported, and every problem is listed by row."""

    model_config = ConfigDict(extra="forbid")

    error: RollErrorDetail


#: What each status means on this API, and the codes it carries whatever the route.
STATUS = {
    400: "Refused by the rules of the session; `code` says which. A body that cannot be read at all (not UTF-8, a "
         "broken multipart form) is `malformed_request`.",
    401: "Not signed in (`unauthenticated`) or the token is unknown, expired or revoked (`bad_token`).",
    403: "The caller's role may not do this (`forbidden`).",
    404: "What the path names does not exist (`not_found`).",
    409: "Not now: the state of the meeting or the vote does not allow it; `code` says why.",
    422: "The request does not fit this schema (`invalid_request`): a missing, unknown or mistyped field or a value "
         "outside its range or enumeration; `field` names it. Nothing was changed.",
    429: "Too many failed sign-ins from this address (`rate_limited`); try again after a minute.",
    500: "The server could not finish the request itself; `code` says what (`verify_failed`: the verifier did not run "
         "to the end). Nothing was changed.",
    503: "The database cannot take writes just now (`storage_unavailable`); nothing was changed, the same request "
         "may be sent again.",
}


def refusals(*statuses: int, codes: Mapping[int, str] | None = None,
             special: Mapping[int, dict[str, Any]] | None = None) -> dict[int | str, dict[str, Any]]:
    """The ``responses=`` of a route: each status it can refuse with, in the one error shape.

    ``codes`` adds the codes a route may answer with under a status (a comma-separated list);
    ``special`` replaces a status's whole entry (the roll import's 422)."""
    out: dict[int | str, dict[str, Any]] = {}
    for status in statuses:
        if special and status in special:
            out[status] = special[status]
            continue
        description = STATUS[status]
        if codes and status in codes:
            listed = ", ".join(f"`{code.strip()}`" for code in codes[status].split(","))
            description += f" Codes: {listed}."
        out[status] = {"description": description,
                       "content": {"application/json": {"schema": {"$ref": REF.format(model="Refusal")}}}}
    return out


def error_components() -> dict[str, Any]:
    """The error models as OpenAPI components (added by server/openapi.py whether or not a route
    names them as ``model``)."""
    components: dict[str, Any] = {}
    for model in (Refusal, RollRefusal):
        schema = model.model_json_schema(ref_template=REF)
        components.update(schema.pop("$defs", {}))
        components[model.__name__] = schema
    return components
