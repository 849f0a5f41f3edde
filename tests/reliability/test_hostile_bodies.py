"""Hostile input to every route the server documents: a JSON body nested ten thousand deep, one
nested a few hundred deep (parses, but must not reach code that recurses), and path ids written
in digits that are not ASCII ('³', '١٢') or far out of range. Every answer is a 4xx in the one error shape; no 500,
no traceback (issue: "no 500, no traceback, for any input")."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import httpx
import pytest

from tests.conftest import Seeds, ServerProcess, launch_sqlite
from tests.server.session_helpers import login, ok

DEEP = "[" * 10_000 + "]" * 10_000
NESTED = '{"a":' * 400 + "1" + "}" * 400
#: well-formed bodies of the routes that take open JSON, with the depth hidden inside a field
INSIDE = [json.dumps(body).replace('"@"', NESTED)
          for body in ({"method": "show_of_hands", "counts": "@"}, {"vote_id": "v1-1", "ballot_id": "b" * 32,
                       "ballot": "@"}, {"kind": "motion", "title": "t", "definition": "@"},
                       {"body_kind": "congress", "body_name": "x", "title": "y", "settings": "@"})]
ODD_IDS = ("³", "١٢", "٣", "-268926890475768907782337081638912")  # (the last: 503 on PostgreSQL, found by fuzzing)


@pytest.fixture(scope="module")
def hostile_server(seeds: Seeds, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    with launch_sqlite(seeds, tmp_path_factory.mktemp("hostile")) as server:
        yield server


def operations(server: ServerProcess) -> list[tuple[str, str]]:
    schema = httpx.get(f"{server.url}/openapi.json", timeout=30).json()
    return [(method.upper(), path) for path, item in schema["paths"].items() for method in item
            if path != "/api/logout"]


def tokens(server: ServerProcess) -> dict[str, str]:
    found = {}
    for who in ("staff", "chair", "jipiao1", "auditor"):
        client = login(server.url, who)
        found[who] = client.headers["Authorization"]
        if who == "staff":
            meeting = ok(client.get("/api/meetings"))[0]["id"]
            code = ok(client.post(f"/api/meetings/{meeting}/codes", json={"reason": "重新发放（测试）"}))[0]["code"]
        client.close()
    deputy = httpx.post(f"{server.url}/api/deputy/login", json={"code": code}, timeout=30).json()["token"]
    found["deputy"] = f"Bearer {deputy}"
    return found


def assert_refused(response: httpx.Response, what: str) -> None:
    assert response.status_code < 500, f"{what} -> {response.status_code}: {response.text[:300]}"
    if response.status_code >= 400 and response.headers.get("content-type", "").startswith("application/json"):
        error = response.json()["error"]
        assert error["code"] and error["message"], what
    assert "Traceback" not in response.text, what


def test_deep_json_bodies_are_refused_by_every_route_for_every_role(hostile_server: ServerProcess) -> None:
    by_role = tokens(hostile_server)
    with httpx.Client(base_url=hostile_server.url, timeout=60) as client:
        for method, path in operations(hostile_server):
            if method not in ("POST", "PATCH", "PUT"):
                continue
            concrete = re.sub(r"\{[a-z_]+\}", "1", path).replace(".{fmt}", ".csv")
            for role, header in [("anonymous", None), *by_role.items()]:
                for body in (DEEP, NESTED, *INSIDE):
                    headers = {"Content-Type": "application/json"}
                    if header:
                        headers["Authorization"] = header
                    response = client.request(method, concrete, content=body, headers=headers)
                    assert_refused(response, f"{role} {method} {concrete} ({len(body)} bytes)")


def test_path_ids_in_other_scripts_digits_are_refused_not_crashed(hostile_server: ServerProcess) -> None:
    header = tokens(hostile_server)["chair"]
    with httpx.Client(base_url=hostile_server.url, timeout=60, headers={"Authorization": header}) as client:
        for method, path in operations(hostile_server):
            if "{" not in path:
                continue
            for odd in ODD_IDS:
                concrete = re.sub(r"\{[a-z_]*id\}", odd, path).replace("{fmt}", "csv")
                response = client.request(method, concrete, json={})
                assert_refused(response, f"{method} {concrete}")
                assert 400 <= response.status_code < 500, f"{method} {concrete}: {response.status_code}"
        for page in ("/screen/³", "/print/vote/³", "/print/minutes/١٢"):
            assert_refused(client.get(page), page)
