"""Roll import over HTTP (all rows or none, with a per-row report), staff check-in on behalf,
absences, and a table of every HTTP route against every role."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import zipfile

import httpx
import openpyxl
import pytest

from tests.conftest import RunningServer
from tests.server.session_helpers import Session, login, ok, refused


def _upload(client: httpx.Client, meeting_id: int, name: str, data: bytes) -> httpx.Response:
    return client.post(f"/api/meetings/{meeting_id}/roll/import", files={"file": (name, data)})


def test_roll_import_is_all_or_nothing_with_a_per_row_report(server: RunningServer) -> None:
    staff = login(server.url, "staff")
    meeting_id = ok(staff.get("/api/meetings"))[0]["id"]
    before = ok(staff.get(f"/api/meetings/{meeting_id}/roll"))["summary"]["members_of_record"]
    bad = (
        "代表编号,姓名,代表团,座位\n"
        "D101,新代表甲,城关镇代表团,7排1座\n"
        "D102,,城关镇代表团,7排2座\n"
        "D101,重复,机关,7排3座\n"
    )
    response = _upload(staff, meeting_id, "roll.csv", bad.encode("utf-8"))
    error = refused(response, "roll_errors", 422)
    rows = {e["row"] for e in error["rows"]}
    assert {3, 4} <= rows and "未导入" in error["message"]
    assert ok(staff.get(f"/api/meetings/{meeting_id}/roll"))["summary"]["members_of_record"] == before
    refused(_upload(staff, meeting_id, "roll.xlsx", b"PK\x03\x04 not really a workbook"), "roll_errors", 422)

    workbook = openpyxl.Workbook()
    sheet = workbook.worksheets[0]
    sheet.append(["编号", "姓名", "代表团", "座位", "状态"])
    sheet.append(["D101", "新代表甲", "城关镇代表团", "7排1座", "正常"])
    sheet.append(["D102", "新代表乙", "城关镇代表团", "7排2座", "暂停执行代表职务"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    outcome = ok(_upload(staff, meeting_id, "roll.xlsx", buffer.getvalue()))
    assert outcome == {"added": 2, "updated": 0, "total": 62}
    roll = ok(staff.get(f"/api/meetings/{meeting_id}/roll"))
    # 实有: the suspended deputy still counts in the base (setting count_suspended_in_base, default true).
    assert roll["summary"]["members_of_record"] == 62
    suspended = next(m for m in roll["members"] if m["code"] == "D102")
    refused(
        staff.post(f"/api/meetings/{meeting_id}/checkin", json={"member_id": suspended["id"], "reason": "设备故障"}),
        "member_not_active",
        409,
    )
    ok(
        staff.post(
            f"/api/meetings/{meeting_id}/members/{suspended['id']}/status",
            json={"status": "terminated", "reason": "代表法第六十二条"},
        )
    )
    assert ok(staff.get(f"/api/meetings/{meeting_id}/roll"))["summary"]["members_of_record"] == 61
    staff.close()


def test_staff_checks_in_a_present_deputy_with_a_reason_and_records_leave(server: RunningServer) -> None:
    staff = login(server.url, "staff")
    meeting_id = ok(staff.get("/api/meetings"))[0]["id"]
    members = ok(staff.get(f"/api/meetings/{meeting_id}/roll"))["members"]
    first, second = members[0]["id"], members[1]["id"]
    refused(
        staff.post(f"/api/meetings/{meeting_id}/checkin", json={"member_id": first, "reason": ""}),
        "invalid_request",
        422,
    )
    ok(staff.post(f"/api/meetings/{meeting_id}/checkin", json={"member_id": first, "reason": "平板故障，本人在场"}))
    ok(
        staff.post(
            f"/api/meetings/{meeting_id}/absence", json={"member_id": second, "state": "leave", "reason": "病假"}
        )
    )
    refused(
        staff.post(f"/api/meetings/{meeting_id}/absence", json={"member_id": first, "state": "leave"}),
        "already_present",
        409,
    )
    error = refused(
        staff.post(f"/api/meetings/{meeting_id}/absence", json={"member_id": second, "state": "away"}),
        "invalid_request", 422,
    )
    assert error["field"] == "state"
    summary = ok(staff.get(f"/api/meetings/{meeting_id}/roll"))["summary"]
    # The other 58 have not checked in: 未签到, not 缺席, while the roll is open.
    assert (summary["present"], summary["on_leave"], summary["absent"], summary["not_checked_in"]) == (1, 1, 0, 58)
    staff.close()


def _audit_records(server: RunningServer) -> list[dict[str, object]]:
    auditor = login(server.url, "auditor")
    archive = zipfile.ZipFile(io.BytesIO(ok_bytes(auditor.get("/api/audit/export.zip"))))
    auditor.close()
    name = next(n for n in archive.namelist() if n.endswith("/records.jsonl"))
    return [json.loads(line) for line in archive.read(name).decode().splitlines() if line.strip()]


def ok_bytes(response: httpx.Response) -> bytes:
    assert response.status_code == 200, response.text
    return response.content


def test_not_checked_in_is_not_absent_until_the_chair_closes_the_roll(server: RunningServer) -> None:
    """代表法: a deputy who has not checked in is 未签到 until 签到结束, and only then 缺席."""
    staff, chair = login(server.url, "staff"), login(server.url, "chair")
    meeting_id = ok(staff.get("/api/meetings"))[0]["id"]
    members = ok(staff.get(f"/api/meetings/{meeting_id}/roll"))["members"]
    here, away, unexcused, late = (m["id"] for m in members[:4])
    ok(staff.post(f"/api/meetings/{meeting_id}/checkin", json={"member_id": here, "reason": "平板故障，本人在场"}))
    ok(staff.post(f"/api/meetings/{meeting_id}/absence", json={"member_id": away, "state": "leave", "reason": "病假"}))
    ok(staff.post(f"/api/meetings/{meeting_id}/absence", json={"member_id": unexcused, "state": "absent"}))

    roll = ok(chair.get(f"/api/meetings/{meeting_id}/roll"))
    summary, by_id = roll["summary"], {m["id"]: m for m in roll["members"]}
    assert (summary["present"], summary["on_leave"], summary["absent"], summary["not_checked_in"],
            summary["roll_closed"], roll["roll_closed"]) == (1, 1, 1, 57, False, None)
    assert by_id[late]["attendance"] is None and by_id[unexcused]["attendance"] == "absent"
    state = ok(httpx.get(f"{server.url}/api/meetings/{meeting_id}/state"))["attendance"]
    assert (state["absent"], state["not_checked_in"], state["roll_closed"]) == (1, 57, False)
    report = ok_bytes(staff.get(f"/api/meetings/{meeting_id}/participation.csv")).decode("utf-8-sig")
    late_row = next(r for r in csv.reader(io.StringIO(report)) if r[0] == by_id[late]["code"])
    assert late_row[4:7] == ["未签到", "0", "0"] and late_row[7] == "0"  # neither present, on leave nor 缺席

    refused(staff.post(f"/api/meetings/{meeting_id}/roll/close"), "forbidden", 403)
    closed = ok(chair.post(f"/api/meetings/{meeting_id}/roll/close"))
    assert closed["absent"] == 58 and closed["roll_closed"]["by"].startswith("chair:")
    refused(chair.post(f"/api/meetings/{meeting_id}/roll/close"), "roll_closed", 409)

    roll = ok(chair.get(f"/api/meetings/{meeting_id}/roll"))
    summary, by_id = roll["summary"], {m["id"]: m for m in roll["members"]}
    assert (summary["present"], summary["on_leave"], summary["absent"], summary["not_checked_in"],
            summary["roll_closed"]) == (1, 1, 58, 0, True)
    assert roll["roll_closed"] == closed["roll_closed"]
    assert by_id[late]["attendance"] == "absent" and by_id[away]["attendance"] == "leave"
    report = ok_bytes(staff.get(f"/api/meetings/{meeting_id}/participation.csv")).decode("utf-8-sig")
    late_row = next(r for r in csv.reader(io.StringIO(report)) if r[0] == by_id[late]["code"])
    assert late_row[4] == "缺席" and late_row[7] == "1"

    # A deputy who arrives late may still check in: present from then on.
    ok(staff.post(f"/api/meetings/{meeting_id}/checkin",
                  json={"member_id": late, "reason": "迟到，平板故障，本人在场"}))
    summary = ok(chair.get(f"/api/meetings/{meeting_id}/roll"))["summary"]
    assert (summary["present"], summary["absent"], summary["not_checked_in"]) == (2, 57, 0)

    record = next(r for r in _audit_records(server) if r["type"] == "roll_closed")
    body = record["body"]
    assert isinstance(body, dict) and body["by"] == closed["roll_closed"]["by"] and body["present"] == 1
    assert by_id[late]["code"] in body["not_checked_in"] and by_id[unexcused]["code"] not in body["not_checked_in"]
    assert len(body["not_checked_in"]) == 57

    # The state survives a restart (it is in the database, not only in memory).
    server.restart()
    summary = ok(login(server.url, "chair").get(f"/api/meetings/{meeting_id}/roll"))["summary"]
    assert (summary["present"], summary["absent"], summary["roll_closed"]) == (2, 57, True)
    staff.close()
    chair.close()


# (method, path, body, roles allowed). {m} is the meeting, {i} an item, {v} a vote.
ROUTES: list[tuple[str, str, dict[str, object] | None, set[str]]] = [
    ("POST", "/api/meetings", {"body_kind": "congress", "body_name": "x", "title": "y"}, {"staff"}),
    ("GET", "/api/meetings/{m}/roll", None, {"staff", "chair", "scrutineer", "auditor"}),
    ("POST", "/api/meetings/{m}/codes", {"member_ids": []}, {"staff"}),
    ("POST", "/api/meetings/{m}/checkin", {"member_id": 1, "reason": "故障"}, {"staff"}),
    ("POST", "/api/meetings/{m}/absence", {"member_id": 2, "state": "leave"}, {"staff"}),
    ("POST", "/api/meetings/{m}/roll/close", None, {"chair"}),
    ("POST", "/api/meetings/{m}/members/3/status", {"status": "active", "reason": "x"}, {"staff"}),
    ("POST", "/api/meetings/{m}/items", {"kind": "motion", "title": "角色测试议案"}, {"staff"}),
    ("PATCH", "/api/items/{i}", {"title": "改名"}, {"staff"}),
    ("POST", "/api/items/{i}/move", {"position": 1}, {"staff"}),
    ("POST", "/api/items/{i}/open", {}, {"chair"}),
    ("POST", "/api/items/{i}/manual", {"method": "show_of_hands", "counts": {"yes": 1}}, {"chair"}),
    ("POST", "/api/votes/{v}/close", None, {"chair"}),
    ("POST", "/api/votes/{v}/extend", {"seconds": 30}, {"chair"}),
    ("POST", "/api/votes/{v}/void", {"ground": "system_fault", "reason": "x"}, {"chair"}),
    ("GET", "/api/votes/{v}/pending", None, {"chair", "staff"}),
    ("POST", "/api/votes/{v}/paper", {"ballot_no": 1, "slot": 1, "ballot": {}}, {"scrutineer"}),
    ("GET", "/api/votes/{v}/paper", None, {"scrutineer", "chair"}),
    ("POST", "/api/ballots", {"vote_id": "{v}", "ballot_id": "b" * 32, "ballot": {"choice": "yes"}}, {"deputy"}),
    ("GET", "/api/votes/{v}/sheet.csv", None, {"chair", "staff", "scrutineer", "auditor"}),
    ("GET", "/api/meetings/{m}/minutes.csv", None, {"chair", "staff", "auditor"}),
    ("GET", "/api/meetings/{m}/participation.csv", None, {"staff", "auditor"}),
    ("GET", "/api/audit/export.zip", None, {"auditor", "chair", "scrutineer"}),
    ("POST", "/api/audit/verify", {}, {"auditor", "chair", "scrutineer"}),
]
ROLES = ["chair", "staff", "jipiao1", "auditor", "deputy", "anonymous"]
ROLE_OF = {"jipiao1": "scrutineer"}


def test_every_route_refuses_every_role_it_is_not_for(server: RunningServer) -> None:
    s = Session.start(server.url)
    deputy_token = httpx.post(f"{server.url}/api/deputy/login", json={"code": s.codes[0]["code"]}).json()["token"]
    asyncio.run(s.connect(40, check_in=True))
    item = s.item("决议")["id"]
    vote = s.open(s.item("人事任免")["id"])
    clients: dict[str, httpx.Client] = {}
    for role in ROLES:
        if role == "anonymous":
            clients[role] = httpx.Client(base_url=server.url, timeout=60)
        elif role == "deputy":
            clients[role] = httpx.Client(
                base_url=server.url, timeout=60, headers={"Authorization": f"Bearer {deputy_token}"}
            )
        else:
            clients[role] = login(server.url, role)
    try:
        for method, path, body, allowed in ROUTES:
            url = path.format(m=s.meeting_id, i=item, v=vote)
            payload = (
                {k: (v.format(v=vote) if isinstance(v, str) else v) for k, v in body.items()}
                if body is not None
                else None
            )
            for role in ROLES:
                response = clients[role].request(method, url, json=payload)
                role_name = ROLE_OF.get(role, role)
                if role == "anonymous":
                    assert response.status_code == 401, (method, url, role, response.text)
                elif role_name not in allowed:
                    assert response.status_code == 403, (method, url, role, response.text)
                    assert response.json()["error"]["code"] == "forbidden"
                else:
                    assert response.status_code not in (401, 403), (method, url, role, response.text)
                    assert response.status_code < 500, (method, url, role, response.text)
    finally:
        for client in clients.values():
            client.close()
        asyncio.run(s.finish())


@pytest.mark.parametrize("code", ["", "X", "NOTACODE", "' OR 1=1 --"])
def test_bad_sign_in_codes_are_refused_and_rate_limited(server: RunningServer, code: str) -> None:
    with httpx.Client(base_url=server.url, timeout=30) as client:
        statuses = [client.post("/api/deputy/login", json={"code": code}).status_code for _ in range(12)]
    assert set(statuses[:10]) <= {401, 422}
    if statuses[0] == 401:
        assert statuses[-1] == 429


@pytest.mark.parametrize("field", ["ballots", "counts", "members_of_record", "present", "ballots_issued"])
def test_an_item_definition_cannot_carry_what_the_count_itself_supplies(server: RunningServer, field: str) -> None:
    staff = login(server.url, "staff")
    meeting_id = ok(staff.get("/api/meetings"))[0]["id"]
    definition = {"office": "head", "seats": 1, "candidates": ["甲"], field: {"yes": 60, "no": 0, "abstain": 0}}
    response = staff.post(f"/api/meetings/{meeting_id}/items",
                          json={"kind": "election", "title": "预置票数的选举", "definition": definition})
    error = refused(response, "invalid_definition", 400)
    assert error["field"] == f"definition.{field}"
