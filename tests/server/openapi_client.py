"""An HTTP client that knows the server only through its ``/openapi.json``: operations are looked up
by ``operationId``, every JSON request body is checked against the document's schema before it is
sent, and every answer against the schema the document declares for its status and media type
(``$ref``s resolved within the document). An answer with an undeclared status or media type fails.

This is what an acceptance tester can build from the contract alone; nothing here imports the server.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx
import jsonschema


class ContractBroken(AssertionError):
    """The server or the test did something the document does not allow."""


def validator(document: Mapping[str, Any], schema: Mapping[str, Any]) -> jsonschema.Draft202012Validator:
    """A JSON Schema 2020-12 validator for ``schema``, a part of ``document``: its ``#/components/…``
    references resolve within the document (the components ride along at the root)."""
    return jsonschema.Draft202012Validator({**schema, "components": document.get("components", {})})


def check(document: Mapping[str, Any], schema: Mapping[str, Any], value: Any, what: str) -> None:
    errors = sorted(validator(document, schema).iter_errors(value), key=lambda e: list(e.absolute_path))
    if errors:
        first = errors[0]
        raise ContractBroken(f"{what}: {first.message} at {list(first.absolute_path)} (schema path "
                             f"{list(first.absolute_schema_path)})\n{str(value)[:500]}")


def resolve(document: Mapping[str, Any], schema: Mapping[str, Any]) -> Mapping[str, Any]:
    """Follow a ``$ref`` (and a one-element ``allOf``) to the schema it names."""
    while True:
        if "$ref" in schema:
            target: Any = document
            for part in schema["$ref"].removeprefix("#/").split("/"):
                target = target[part.replace("~1", "/").replace("~0", "~")]
            schema = target
        elif list(schema.get("allOf", [])) and len(schema["allOf"]) == 1 and "properties" not in schema:
            schema = schema["allOf"][0]
        else:
            return schema


@dataclass(frozen=True)
class Operation:
    id: str
    method: str
    path: str
    spec: Mapping[str, Any]

    def json_body_schema(self) -> Mapping[str, Any] | None:
        return self._body_schema("application/json")

    def form_body_schema(self) -> Mapping[str, Any] | None:
        return self._body_schema("multipart/form-data")

    def _body_schema(self, media: str) -> Mapping[str, Any] | None:
        schema: Mapping[str, Any] | None = self.spec.get("requestBody", {}).get("content", {}).get(media, {}).get(
            "schema")
        return schema


def operations(document: Mapping[str, Any]) -> Iterator[Operation]:
    for path, methods in document["paths"].items():
        for method, spec in methods.items():
            yield Operation(spec["operationId"], method.upper(), path, spec)


@dataclass
class SchemaClient:
    """One caller (anonymous, or signed in with ``token``) speaking to the server by the document."""

    base_url: str
    document: Mapping[str, Any]
    token: str | None = None
    called: set[str] = field(default_factory=set)
    statuses: dict[str, set[int]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.by_id = {op.id: op for op in operations(self.document)}
        self.http = httpx.Client(base_url=self.base_url, timeout=60)

    def as_(self, token: str | None) -> SchemaClient:
        """The same client for another caller (sharing the record of what was called)."""
        return SchemaClient(self.base_url, self.document, token, self.called, self.statuses)

    def close(self) -> None:
        self.http.close()

    def call(self, operation_id: str, *, path: Mapping[str, object] | None = None, json: Any = None,
             files: Mapping[str, tuple[str, bytes]] | None = None, data: Mapping[str, str] | None = None,
             expect: int = 200) -> httpx.Response:
        op = self.by_id[operation_id]
        url = op.path.format(**(path or {}))
        if json is not None:
            schema = op.json_body_schema()
            if schema is None:
                raise ContractBroken(f"{operation_id} takes no JSON body")
            check(self.document, schema, json, f"request to {operation_id}")
        if files is not None:
            schema = op.form_body_schema()
            if schema is None:
                raise ContractBroken(f"{operation_id} takes no multipart body")
            fields = set(resolve(self.document, schema).get("properties", {}))
            if not set(files) | set(data or {}) <= fields:
                raise ContractBroken(f"{operation_id}: form fields {set(files)} not in {fields}")
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        response = self.http.request(op.method, url, json=json, files=files, data=data, headers=headers)
        self.called.add(operation_id)
        self.statuses.setdefault(operation_id, set()).add(response.status_code)
        self.check_answer(op, response)
        if response.status_code != expect:
            raise AssertionError(f"{operation_id} {url}: expected {expect}, got {response.status_code}: "
                                 f"{response.text[:500]}")
        return response

    def json(self, operation_id: str, **kwargs: Any) -> Any:
        return self.call(operation_id, **kwargs).json()

    def check_answer(self, op: Operation, response: httpx.Response) -> None:
        declared = op.spec["responses"].get(str(response.status_code))
        if declared is None:
            raise ContractBroken(f"{op.id} answered {response.status_code}, which it does not declare: "
                                 f"{response.text[:300]}")
        media = response.headers.get("content-type", "").split(";")[0].strip()
        content = declared.get("content", {})
        if media not in content:
            raise ContractBroken(f"{op.id} {response.status_code} answered {media!r}; declared {sorted(content)}")
        if media == "application/json":
            check(self.document, content[media]["schema"], response.json(),
                  f"answer of {op.id} ({response.status_code})")
