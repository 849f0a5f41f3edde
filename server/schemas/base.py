"""Base classes of the API models: a request refuses unknown fields (422 ``invalid_request``); an
answer declares every field it has."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

#: Ids are 32-bit columns: a larger number names nothing.
MAX_ID = 2**31 - 1


class Request(BaseModel):
    """A request body: unknown fields are refused (422, ``invalid_request``, ``field`` names it)."""

    model_config = ConfigDict(extra="forbid")


class Answer(BaseModel):
    """A JSON answer: exactly these fields (``additionalProperties: false``)."""

    model_config = ConfigDict(extra="forbid")


class OpenAnswer(BaseModel):
    """A JSON answer that may carry more fields than listed (a tally result)."""

    model_config = ConfigDict(extra="allow")


def _no_default(schema: dict[str, Any]) -> None:
    schema.pop("default", None)


def absent(description: str, **constraints: Any) -> Any:
    """A field that may be left out (and is left out of an answer when it has no value) but is
    never ``null``: not required, no default in the schema."""
    return Field(default=None, description=description, json_schema_extra=_no_default, **constraints)


class Ok(Answer):
    ok: bool = Field(description="Always true: done.")
