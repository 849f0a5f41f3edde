"""Text no database here can store — NUL (PostgreSQL's text refuses it) or a lone UTF-16 surrogate
(not UTF-8) — is refused with 400 ``invalid_text`` on every JSON route, before anything is written,
on SQLite and PostgreSQL alike (schemathesis found a 503 ``storage_unavailable`` on PostgreSQL)."""

from __future__ import annotations

import json

import pytest

from tests.conftest import RunningServer
from tests.server.session_helpers import login, ok, refused


@pytest.mark.parametrize("text", ["第二次\x00会议", "\ud800会议", {"名\x00字": 1}])
def test_text_no_database_can_store_is_refused_and_nothing_is_written(server: RunningServer, text: object) -> None:
    staff = login(server.url, "staff")
    before = ok(staff.get("/api/meetings"))
    body: dict[str, object] = {"body_kind": "township_congress", "body_name": "某镇人民代表大会", "title": "第二次会议"}
    if isinstance(text, str):
        body["title"] = text
    else:
        body["settings"] = text  # a member name, not only a value
    content = json.dumps(body, ensure_ascii=True)  # a lone surrogate travels as \ud800
    response = staff.post("/api/meetings", content=content, headers={"Content-Type": "application/json"})
    error = refused(response, "invalid_text", 400)
    assert "无法保存的字符" in error["message"]
    assert ok(staff.get("/api/meetings")) == before
