"""The HTTP contract is ``/openapi.json`` (with docs/protocol.md for the WebSocket): complete and true.

* Every operation declares a schema for its request body and for every JSON answer, and every
  refusal status it can answer with the one error shape; FastAPI's ``{"detail": …}`` is nowhere.
* Every body route refuses an unknown field with 422 ``invalid_request`` naming it, and changes nothing.
* A client built only from the document (tests/server/openapi_client.py: requests and answers
  checked against the document's schemas) runs a whole session: staff create a meeting, import a
  roll, build the agenda and issue codes; deputies sign in, check in over the WebSocket
  (docs/protocol.md) and vote over HTTP; the chair opens, extends, closes, voids and enters a
  result by hand; 计票人 key paper ballots and confirm; reports and the audit export download.
"""

from __future__ import annotations

import csv
import io
import json
import re
import secrets
import zipfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import openpyxl
import pytest
from websockets.sync.client import connect

from audit import cosignature
from ballotcrypto.ballot import check_ballot
from ballotcrypto.ceremony import check_commitment, confirm, open_share, read_ceremony, seal_shares, start
from ballotcrypto.count import aggregate, partial_decrypt, read_totals
from ballotcrypto.forms import read_form
from ballotcrypto.votes import context_of, encrypt_plain
from ballotcrypto.writein_count import names_partial, uses_partial, with_write_ins
from server.app import create_app
from server.config import Settings
from tests.conftest import Seeds, ServerProcess, launch_deployment
from tests.server.openapi_client import ContractBroken, SchemaClient, check, operations, resolve, validator
from tests.server.session_helpers import PASSWORDS

UNKNOWN = "unexpected_field"


@pytest.fixture(scope="module")
def document(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    settings = Settings(data_dir=tmp_path_factory.mktemp("openapi"))
    return create_app(settings).openapi()


# -- the document alone ----------------------------------------------------------------------------
def _refs(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "$ref":
                yield item
            else:
                yield from _refs(item)
    elif isinstance(value, list):
        for item in value:
            yield from _refs(item)


def test_every_reference_resolves_and_every_schema_is_valid_json_schema(document: dict[str, Any]) -> None:
    for ref in set(_refs(document)):
        assert ref.startswith("#/components/schemas/"), ref
        assert ref.removeprefix("#/components/schemas/") in document["components"]["schemas"], ref
    for schema in document["components"]["schemas"].values():
        jsonschema.Draft202012Validator.check_schema(schema)  # raises naming what is wrong in it
    assert "HTTPValidationError" not in document["components"]["schemas"]
    assert "ValidationError" not in document["components"]["schemas"]
    assert '"detail"' not in json.dumps(document)


def test_every_operation_declares_its_body_its_answer_and_its_refusals(document: dict[str, Any]) -> None:
    refusal = {"$ref": "#/components/schemas/Refusal"}
    ids = [op.id for op in operations(document)]
    assert len(ids) == len(set(ids)), "operation ids are unique"
    for op in operations(document):
        spec, responses = op.spec, op.spec["responses"]
        where = f"{op.method} {op.path}"
        assert spec.get("description"), where
        body = spec.get("requestBody")
        if body is not None:
            assert body.get("required") is True, where
            (media, content), = body["content"].items()
            assert media in ("application/json", "multipart/form-data"), where
            target = resolve(document, content["schema"])
            for option in target.get("oneOf", [target]):
                option = resolve(document, option)
                assert option.get("type") == "object" and option.get("additionalProperties") is False, (where, option)
        ok = responses["200"]
        assert ok["content"], where
        for media, content in ok["content"].items():
            schema = content["schema"]
            assert schema, (where, media)
            if media == "application/json":
                assert schema.get("$ref") or schema.get("oneOf") or schema.get("type") == "array", where
        parameters = spec.get("parameters", [])
        integer_path = any(p["in"] == "path" and p["schema"].get("type") == "integer" for p in parameters)
        if body is not None or integer_path:
            assert "422" in responses, where
        if body is not None:
            assert "400" in responses, where  # a body that cannot be read at all: malformed_request
        if any(p["in"] == "path" for p in parameters):
            assert "404" in responses, where
        roles = spec.get("x-roles")
        if roles is not None:
            assert spec["security"] and "401" in responses, where
            if set(roles) != {"deputy", "chair", "staff", "scrutineer", "auditor"}:
                assert "403" in responses, where
        else:
            assert ("security" not in spec and "401" not in responses) or op.id in ("login", "deputy_login"), where
        for status, declared in responses.items():
            if status == "200":
                continue
            if 200 < int(status) < 300:  # another success (202: an encrypted vote waits for its decryption)
                (media, content), = declared["content"].items()
                assert media == "application/json" and content["schema"].get("$ref"), (where, status)
                assert declared["description"], (where, status)
                continue
            assert 400 <= int(status) < 600, where
            (media, content), = declared["content"].items()
            assert media == "application/json", (where, status)
            assert content["schema"] == refusal or refusal in content["schema"].get("anyOf", []), (where, status)
            assert declared["description"], (where, status)


def test_the_error_shape_is_the_one_the_server_sends(document: dict[str, Any]) -> None:
    schema = {"$ref": "#/components/schemas/Refusal"}
    check(document, schema, {"error": {"code": "no_quorum", "message": "出席人数不足"}}, "refusal")
    check(document, schema, {"error": {"code": "invalid_request", "message": "x", "field": "title"}}, "refusal")
    with pytest.raises(ContractBroken):
        check(document, schema, {"detail": [{"loc": ["body"], "msg": "x", "type": "y"}]}, "refusal")
    roll = {"$ref": "#/components/schemas/RollRefusal"}
    rows = [{"row": 3, "column": "姓名", "message": "第3行「姓名」列：姓名不能为空"}]
    check(document, roll, {"error": {"code": "roll_errors", "message": "名册有1处错误", "rows": rows}}, "roll refusal")


def test_the_domain_words_are_enums_with_their_labels(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]
    for name in ("BodyKind", "MemberStatus", "Attendance", "ItemKind", "VoidGround", "VoteMethod", "RoundKind",
                 "VoteState", "ItemState", "Role", "Outcome"):
        assert schemas[name]["enum"] and set(schemas[name]["x-labels"]) == set(schemas[name]["enum"]), name
    fields = {
        ("NewMeeting", "body_kind"), ("StatusChange", "status"), ("Absence", "state"), ("Void", "ground"),
        ("OpenVote", "round"), ("OpenVote", "method"), ("Manual", "method"), ("PaperBallot", "slot"),
    }
    for model, name in fields:
        prop = resolve(document, schemas[model]["properties"][name])
        assert prop.get("enum"), (model, name, prop)
    settings = schemas["MeetingSettings"]
    assert set(settings["properties"]) == {"presidium_quorum", "count_suspended_in_base", "publish_step"}
    assert settings["additionalProperties"] is False


def example(document: Mapping[str, Any], schema: Mapping[str, Any]) -> Any:
    """The smallest value a schema accepts (for the kinds of schemas this document has)."""
    schema = resolve(document, schema)
    if "const" in schema:
        return schema["const"]
    if "enum" in schema:
        return schema["enum"][0]
    if "default" in schema:
        return schema["default"]
    for union in ("oneOf", "anyOf"):
        if union in schema:
            return example(document, schema[union][0])
    kind = schema.get("type")
    if kind == "object":
        return {name: example(document, schema["properties"][name]) for name in schema.get("required", [])}
    if kind == "array":
        return [example(document, schema["items"]) for _ in range(schema.get("minItems", 0))]
    if kind == "string":
        hex_digits = re.fullmatch(r"\^\[0-9a-f\]\{(\d+)\}\$", schema.get("pattern", ""))
        if hex_digits:
            return "0" * int(hex_digits.group(1))
        return "x" * max(1, schema.get("minLength", 1))
    if kind == "integer":
        return max(1, int(schema.get("minimum", 1)))
    if kind == "boolean":
        return True
    raise AssertionError(f"no example for {schema}")


# -- against the server ----------------------------------------------------------------------------
@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def contract_server(request: pytest.FixtureRequest, seeds: Seeds,
                    tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """A server process on a copy of the demo congress (tests/conftest.py ``Seeds``)."""
    deployment = seeds.copy(request.param, tmp_path_factory.mktemp(f"contract-{request.param}"))
    try:
        with launch_deployment(deployment) as server:
            yield server
    finally:
        seeds.drop(deployment)


def _served(server: ServerProcess) -> dict[str, Any]:
    document: dict[str, Any] = httpx.get(f"{server.url}/openapi.json", timeout=30).json()
    return document


def _sign_in(client: SchemaClient, username: str) -> SchemaClient:
    answer = client.json("login", json={"username": username, "password": PASSWORDS[username]})
    return client.as_(answer["token"])


def _log_size(client: SchemaClient) -> int:
    return int(client.json("health")["audit_log_size"])


def test_every_body_route_refuses_an_unknown_field_and_changes_nothing(contract_server: ServerProcess) -> None:
    document = _served(contract_server)
    anonymous = SchemaClient(contract_server.url, document)
    users = {"staff": "staff", "chair": "chair", "scrutineer": "jipiao1", "auditor": "auditor"}
    clients = {role: _sign_in(anonymous, username) for role, username in users.items()}
    meeting_id = clients["staff"].json("meetings")[0]["id"]
    code = clients["staff"].json("codes", path={"meeting_id": meeting_id},
                                 json={"member_ids": [1], "reason": "重新发放（测试）"})[0]["code"]
    clients["deputy"] = anonymous.as_(anonymous.json("deputy_login", json={"code": code})["token"])
    ids = {"meeting_id": meeting_id, "member_id": 1, "item_id": 1, "vote_id": "v1-1", "user_id": 1}
    before = _log_size(anonymous)
    checked = []
    for op in operations(document):
        if "requestBody" not in op.spec:
            continue
        roles = op.spec.get("x-roles")
        client = clients[roles[0]] if roles else anonymous
        path = {k: v for k, v in ids.items() if "{" + k + "}" in op.path}
        headers = {"Authorization": f"Bearer {client.token}"} if client.token else {}
        if op.form_body_schema() is not None:
            response = client.http.request(op.method, op.path.format(**path), headers=headers, data={UNKNOWN: "1"},
                                           files={"file": ("roll.csv", "编号,姓名\nX1,某\n".encode())})
        else:
            schema = op.json_body_schema() or {}
            body = example(document, schema)
            validator(document, schema).validate(body)
            response = client.http.request(op.method, op.path.format(**path), headers=headers,
                                           json={**body, UNKNOWN: 1})
        client.check_answer(op, response)
        outsider = next((r for r in ("deputy", "auditor", "staff") if r not in (roles or ())), None)
        if roles is not None and outsider is not None:
            # the caller's role is checked before the body: another role is refused 403
            other = clients[outsider].http.request(
                op.method, op.path.format(**path), json={UNKNOWN: 1},
                headers={"Authorization": f"Bearer {clients[outsider].token}"})
            assert other.status_code == 403 and other.json()["error"]["code"] == "forbidden", (op.id, other.text)
        assert response.status_code == 422, (op.id, response.text)
        assert response.json()["error"]["code"] == "invalid_request", (op.id, response.text)
        assert response.json()["error"]["field"] == UNKNOWN, (op.id, response.text)
        checked.append(op.id)
    assert _log_size(anonymous) == before, "a refused request changed nothing"
    assert {"add_item", "update_item", "create_meeting", "import_roll", "http_ballot", "check_receipt",
            "open_item", "manual"} <= set(checked)
    # The schema refuses first, before the rules: a setting the server does not read is refused.
    staff = clients["staff"]
    response = staff.call("create_meeting", json={"body_kind": "congress", "body_name": "某县人大", "title": "x"},
                          expect=200)
    assert response.json()["id"]
    refused = staff.http.post("/api/meetings", json={"body_kind": "congress", "body_name": "x", "title": "y",
                                                     "settings": {"closed": True}},
                              headers={"Authorization": f"Bearer {staff.token}"})
    assert refused.status_code == 422 and refused.json()["error"]["field"] == "settings.closed"
    for client in (anonymous, *clients.values()):
        client.close()


# -- a whole session, by the document alone ---------------------------------------------------------
ROLL = [
    ("编号", "姓名", "代表团", "座位", "状态"),
    *[(f"T{i:02d}", name, "第一代表小组" if i <= 6 else "第二代表小组", f"{i}号", "正常")
      for i, name in enumerate(["张伟", "王芳", "李娜", "刘洋", "陈静", "杨磊", "赵敏", "黄勇", "周杰", "吴霞", "徐亮"],
                               start=1)],
    ("T12", "孙丽", "第二代表小组", "12号", "暂停执行代表职务"),
]


def _roll_csv() -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(ROLL)
    return buffer.getvalue().encode("gb18030")  # as Chinese Excel writes it


def _check_in_over_the_socket(url: str, token: str) -> dict[str, Any]:
    """docs/protocol.md: hello → welcome, state, me; check_in → me with checked_in."""
    with connect(url.replace("http://", "ws://") + "/ws", open_timeout=30) as socket:
        socket.send(json.dumps({"type": "hello", "v": 1, "token": token}))
        seen: dict[str, Any] = {}
        while "me" not in seen:
            message: dict[str, Any] = json.loads(socket.recv(timeout=30))
            seen[message["type"]] = message
        assert seen["welcome"]["role"] == "deputy"
        socket.send(json.dumps({"type": "check_in"}))
        while True:
            message = json.loads(socket.recv(timeout=30))
            if message["type"] == "me" and message["checked_in"]:
                return message
            assert message["type"] != "error", message


def _ballot(client: SchemaClient, vote_id: str, ballot: dict[str, Any]) -> dict[str, Any]:
    answer: dict[str, Any] = client.json("http_ballot", json={"vote_id": vote_id, "ballot_id": secrets.token_hex(16),
                                                              "ballot": ballot, "cast_token": secrets.token_hex(16)})
    assert answer["duplicate"] is False and answer["receipt"]["vote_id"] == vote_id
    return answer


def test_a_client_built_from_the_document_alone_runs_a_session(contract_server: ServerProcess,
                                                               tmp_path: Path) -> None:
    document = _served(contract_server)
    anonymous = SchemaClient(contract_server.url, document)
    staff = _sign_in(anonymous, "staff")
    chair = _sign_in(anonymous, "chair")
    clerk1, clerk2 = _sign_in(anonymous, "jipiao1"), _sign_in(anonymous, "jipiao2")
    auditor = _sign_in(anonymous, "auditor")
    assert staff.json("me")["role"] == "staff"

    # Staff: a township congress, its roll, its agenda, the codes.
    meeting = staff.json("create_meeting", json={
        "body_kind": "township_congress", "body_name": "某某镇第十九届人民代表大会", "title": "第二次会议",
        "settings": {"count_suspended_in_base": True}})["id"]
    at = {"meeting_id": meeting}
    assert any(m["id"] == meeting for m in chair.json("meetings"))
    imported = staff.json("import_roll", path=at, files={"file": ("名册.csv", _roll_csv())})
    assert imported == {"added": 12, "updated": 0, "total": 12}
    bad = staff.call("import_roll", path=at, files={"file": ("名册.csv", "编号,姓名\nT99,\n".encode())}, expect=422)
    assert bad.json()["error"]["code"] == "roll_errors" and bad.json()["error"]["rows"][0]["row"] == 2
    roll = staff.json("get_roll", path=at)
    assert roll["summary"]["members_of_record"] == 12 and roll["summary"]["quorum_required"] == 8
    member = {m["code"]: m["id"] for m in roll["members"]}

    def add(item: dict[str, Any]) -> dict[str, Any]:
        added: dict[str, Any] = staff.json("add_item", path=at, json=item)
        return added

    motion = add({"kind": "motion", "title": "关于镇人民政府工作报告的决议", "secret": False})
    second = add({"kind": "motion", "title": "关于预算调整的决定（草案）", "definition": {}})
    persons = add({"kind": "list_approval", "title": "表决人大主席团常务主席人选",
                   "definition": {"mode": "per_person", "persons": ["甲某", "乙某"]}})
    election = add({"kind": "election", "title": "选举副镇长",
                    "definition": {"office": "deputy_head", "seats": 1, "candidates": ["钱进", "孙武"]}})
    paper_election = add({"kind": "election", "title": "补选副镇长（纸质选票）",
                          "definition": {"office": "deputy_head", "seats": 1, "candidates": ["周文", "吴武"]}})
    refused = staff.call("add_item", path=at, expect=400, json={
        "kind": "election", "title": "等额选举", "definition": {"office": "deputy_head", "seats": 1,
                                                             "candidates": ["甲"]}})
    assert refused.json()["error"]["code"] == "statutory_violation"
    changed = staff.json("update_item", path={"item_id": second["id"]}, json={"title": "关于预算调整的决定"})
    assert changed["title"] == "关于预算调整的决定" and changed["settings"]["change_before_close"] == "last"
    assert staff.json("move_item", path={"item_id": second["id"]}, json={"position": 1}) == {"ok": True}
    agenda = chair.json("items", path=at)
    assert [i["id"] for i in agenda][:2] == [second["id"], motion["id"]]
    codes = {c["member_code"]: c["code"] for c in staff.json("codes", path=at, json={})}
    assert "T12" not in codes  # suspended: no code

    # Deputies: sign in with their codes and check in over the socket; staff checks one in, records one leave.
    deputies = {}
    for number in range(1, 10):
        code = f"T{number:02d}"
        signed_in = anonymous.json("deputy_login", json={"code": codes[code]})
        assert signed_in["role"] == "deputy" and signed_in["meeting_id"] == meeting
        deputies[code] = anonymous.as_(signed_in["token"])
        assert _check_in_over_the_socket(contract_server.url, signed_in["token"])["member"]["id"] == member[code]
    staff.json("staff_check_in", path=at, json={"member_id": member["T10"], "reason": "平板故障，本人在场"})
    assert staff.json("absence", path=at, json={"member_id": member["T11"], "state": "leave", "reason": "病假"}) \
        == {"ok": True}
    state = anonymous.json("meeting_state", path=at)
    assert (state["attendance"]["present"], state["attendance"]["on_leave"]) == (10, 1)
    assert state["attendance"]["quorum_met"] is True
    # 签到结束: of 12, 10 present, 1 on leave, T12 suspended (counted in the base, cannot check in: 缺席).
    assert (state["attendance"]["not_checked_in"], state["attendance"]["absent"]) == (0, 1)
    closed = chair.json("close_roll_call", path=at)
    assert closed["absent"] == 1 and closed["roll_closed"]["by"].startswith("chair:")
    assert anonymous.json("meeting_state", path=at)["attendance"]["roll_closed"] is True

    # A named motion, over HTTP ballots.
    opened = chair.json("open_item", path={"item_id": motion["id"]}, json={"countdown_s": 600})
    vote = opened["vote_id"]
    assert opened["deadline"] and opened["definition"]["members_of_record"] == 12
    assert chair.json("extend", path={"vote_id": vote}, json={"seconds": 60}) == {"ok": True}
    choices = ["yes"] * 7 + ["no", "abstain"]
    receipts = [_ballot(deputies[f"T{i:02d}"], vote, {"choice": c}) for i, c in enumerate(choices, start=1)]
    again = deputies["T01"].json("http_ballot", json={"vote_id": vote, "ballot_id": receipts[0]["ballot_id"],
                                                      "ballot": {"choice": "yes"}})
    assert again["duplicate"] is True and again["receipt"]["index"] == receipts[0]["receipt"]["index"]
    pending = staff.json("pending", path={"vote_id": vote})
    assert pending == {"count": 1, "expected": 10, "names": ["吴霞"]}
    assert deputies["T01"].json("get_vote", path={"vote_id": vote})["cast"] == 9
    result = chair.json("close", path={"vote_id": vote})
    assert result["kind"] == "motion" and result["outcome"] == "passed" and result["counts"]["yes"] == 7
    named = anonymous.json("named_public", path={"vote_id": vote})
    assert named["rows"][0][:3] == ["座位", "姓名", "代表团"]
    covering = anonymous.json("result_checkpoint", path={"vote_id": vote})  # what the hall screen shows
    assert covering["state"] == "covered" and covering["size"] > covering["seq"] and covering["note"].endswith("\n")
    checked = anonymous.json("check_receipt", json=receipts[0]["receipt"])
    assert checked["ok"] is True and checked["log_size"] >= checked["checkpoint_size"]
    proof = anonymous.call("receipt_tlog_proof", json=receipts[0]["receipt"]).text  # the same, as a C2SP tlog-proof
    index = receipts[0]["receipt"]["index"]
    assert proof.startswith("c2sp.org/tlog-proof@v1\nextra ") and f"\nindex {index}\n" in proof

    # A vote voided for a system fault, and held again.
    voided = chair.json("open_item", path={"item_id": second["id"]}, json={})["vote_id"]
    assert chair.json("void", path={"vote_id": voided}, json={"ground": "system_fault", "reason": "表决器故障"}) \
        == {"ok": True}
    assert chair.json("get_vote", path={"vote_id": voided})["state"] == "voided"
    revote = chair.json("open_item", path={"item_id": second["id"]}, json={"round": "revote"})["vote_id"]
    for number in range(1, 9):
        _ballot(deputies[f"T{number:02d}"], revote, {"choice": "yes"})
    assert chair.json("close", path={"vote_id": revote})["outcome"] == "passed"

    # A list voted person by person, counted by show of hands.
    manual = chair.json("manual", path={"item_id": persons["id"]}, json={
        "method": "show_of_hands", "counts": {"甲某": {"yes": 9, "no": 1}, "乙某": {"yes": 5, "abstain": 5}}})
    assert manual["manual"] == "show_of_hands" and manual["outcome"] == "mixed"

    # An election on the tablets' ballots; the scrutineers confirm the count.
    ballot_vote = chair.json("open_item", path={"item_id": election["id"]}, json={})["vote_id"]
    for number in range(1, 10):
        _ballot(deputies[f"T{number:02d}"], ballot_vote, {"marks": {"钱进": "yes", "孙武": "no"}})
    elected = chair.json("close", path={"vote_id": ballot_vote})
    assert elected["kind"] == "election" and elected["elected"] == ["钱进"]
    assert clerk1.json("confirm", path={"vote_id": ballot_vote})["confirmations"] == ["计票人甲"]

    # An election on paper: each ballot keyed by both 计票人.
    paper_vote = chair.json("open_item", path={"item_id": paper_election["id"]},
                            json={"method": "paper", "ballots_issued": 10})["vote_id"]
    marks = {"marks": {"周文": "yes", "吴武": "no"}}
    assert clerk1.json("paper", path={"vote_id": paper_vote}, json={"ballot_no": 1, "slot": 1, "ballot": marks}) \
        == {"ballot_no": 1, "slot": 1, "state": "waiting"}
    assert clerk2.json("paper", path={"vote_id": paper_vote}, json={"ballot_no": 1, "slot": 2, "ballot": marks}) \
        == {"ballot_no": 1, "slot": 2, "state": "counted"}
    assert chair.json("paper_status", path={"vote_id": paper_vote})["counted"] == [1]
    paper_result = chair.json("close", path={"vote_id": paper_vote})
    assert paper_result["ballots"]["returned"] == 1

    # The 监票人's key ceremony (k = 2 of 2), then an encrypted secret vote: each deputy's device encrypts, one
    # deputy challenges an encrypted ballot, the close keeps only totals, and both 监票人 decrypt them.
    trustees = [clerk1, clerk2]
    started = staff.json("start_ceremony", path=at, json={"trustees": ["jipiao1", "jipiao2"], "k": 2})
    statement = read_ceremony(started["ceremony"]["statement"])
    kept = [start(statement, number) for number in (1, 2)]
    for client, (_, commitment) in zip(trustees, kept, strict=True):
        client.json("post_commitment", path=at, json=commitment.to_json())
    for client, (secret, _) in zip(trustees, kept, strict=True):
        commitments = [check_commitment(statement, c) for c in client.json("get_ceremony", path=at)["ceremony"][
            "commitments"]]
        client.json("post_shares", path=at, json={"shares": [s.to_json() for s in seal_shares(
            statement, secret, commitments)]})
    shares = []
    for client, (secret, _) in zip(trustees, kept, strict=True):
        view = client.json("get_ceremony", path=at)
        commitments = [check_commitment(statement, c) for c in view["ceremony"]["commitments"]]
        received = {s["trustee"]: open_share(statement, secret, commitments, s) for s in view["shares_for_me"]}
        share, confirmation = confirm(statement, secret, commitments, received)
        shares.append(share)
        client.json("post_confirmation", path=at, json=confirmation.to_json())
    key = chair.json("get_ceremony", path=at)["ceremony"]["result"]
    secret_motion = add({"kind": "motion", "title": "关于镇级财政预算执行情况的决议"})
    encrypted_vote = chair.json("open_item", path={"item_id": secret_motion["id"]}, json={})["vote_id"]
    entry = next(v for v in anonymous.json("meeting_state", path=at)["votes"] if v["id"] == encrypted_vote)
    assert entry["encryption"]["fingerprint"] == key["fingerprint"]
    challenged = encrypt_plain(entry["encryption"], {"choice": "no"})
    assert deputies["T09"].json("spoil", path={"vote_id": encrypted_vote}, json={
        "ballot": challenged.ballot.to_json(), "opening": challenged.opening.to_json()})["values"] == [0, 1, 0]
    for number in range(1, 9):
        sealed_ballot = encrypt_plain(entry["encryption"], {"choice": "yes" if number < 7 else "abstain"})
        taken = deputies[f"T{number:02d}"].json("http_ballot", json={
            "vote_id": encrypted_vote, "ballot_id": sealed_ballot.ballot.ballot,
            "ballot": sealed_ballot.ballot.to_json(), "cast_token": secrets.token_hex(16)})
        assert taken["tracker"] == sealed_ballot.ballot.tracker
    waiting = chair.call("close", path={"vote_id": encrypted_vote}, expect=202).json()
    assert waiting == {"vote_id": encrypted_vote, "state": "decrypting", "k": 2, "ballots_cast": 8}
    for number, (client, share) in enumerate(zip(trustees, shares, strict=True), start=1):
        totals = client.json("decryption", path={"vote_id": encrypted_vote})
        form = read_form(entry["encryption"]["context"]["form"])
        counted = client.json("counted_ballots", path={"vote_id": encrypted_vote})
        context = context_of(entry["encryption"])
        assert counted["ballots_cast"] == len(counted["ballots"]) == 8 and aggregate(
            form.selections, [check_ballot(context, b) for b in counted["ballots"]]) == read_totals(
            totals["totals"], form.selections)  # the totals are the counted ballots' sum, as documented
        partial = partial_decrypt(totals["vid"], number, share, read_totals(totals["totals"], form.selections))
        decrypted = client.json("post_partial", path={"vote_id": encrypted_vote}, json=partial.to_json())
    assert decrypted["result"]["counts"] == {"yes": 6, "no": 0, "abstain": 2, "not_voted": 2}

    # An encrypted election that allows write-ins (另选他人): after the totals, the write-in rounds uses and
    # names, each partial computed over the counted ballots in the documented counted order.
    write_in_item = add({"kind": "election", "title": "补选副镇长（另选他人）",
                         "definition": {"office": "deputy_head", "seats": 1, "candidates": ["郑和", "王平"]}})
    write_in_vote = chair.json("open_item", path={"item_id": write_in_item["id"]}, json={})["vote_id"]
    entry = next(v for v in anonymous.json("meeting_state", path=at)["votes"] if v["id"] == write_in_vote)
    assert entry["encryption"]["context"]["form"]["write_ins"] == 1
    for number in range(1, 9):
        written = {"marks": {"郑和": "yes"}} if number < 7 else {"write_ins": ["冯明"]}
        sealed_ballot = encrypt_plain(entry["encryption"], written)
        deputies[f"T{number:02d}"].json("http_ballot", json={
            "vote_id": write_in_vote, "ballot_id": sealed_ballot.ballot.ballot,
            "ballot": sealed_ballot.ballot.to_json(), "cast_token": secrets.token_hex(16)})
    chair.call("close", path={"vote_id": write_in_vote}, expect=202)
    form = read_form(entry["encryption"]["context"]["form"])
    context = context_of(entry["encryption"])
    for number, (client, share) in enumerate(zip(trustees, shares, strict=True), start=1):
        totals = client.json("decryption", path={"vote_id": write_in_vote})
        partial = partial_decrypt(totals["vid"], number, share, read_totals(totals["totals"], form.selections))
        assert client.json("post_partial", path={"vote_id": write_in_vote}, json=partial.to_json())["result"] is None
    counted = clerk1.json("counted_ballots", path={"vote_id": write_in_vote})
    by_id = {b["ballot"]: check_ballot(context, b) for b in counted["ballots"]}
    in_order = [by_id[ballot_id] for ballot_id in counted["counted_order"]]
    for number, (client, share) in enumerate(zip(trustees, shares, strict=True), start=1):
        assert client.json("decryption", path={"vote_id": write_in_vote})["write_ins"]["round"] == "uses"
        taken = client.json("post_write_in_partial", path={"vote_id": write_in_vote}, json={
            "round": "uses", "partial": uses_partial(context.vid, number, share, in_order).to_json()})
    assert taken["next"] == "names"
    uses = clerk1.json("decryption", path={"vote_id": write_in_vote})["write_ins"]["uses"]
    for number, (client, share) in enumerate(zip(trustees, shares, strict=True), start=1):
        named_partial = names_partial(context.vid, number, share, with_write_ins(in_order, uses))
        taken = client.json("post_write_in_partial", path={"vote_id": write_in_vote},
                            json={"round": "names", "partial": named_partial.to_json()})
    assert taken["result"]["write_ins"] == {"冯明": 2}

    # Reports and the audit export.
    # The seat map (座位图): check-in by seat; a named vote by seat, public; none for a secret vote.
    seats = staff.json("attendance_seats", path=at)
    laid = seats["placed"] + seats["other"] + seats["unseated"]
    assert len(laid) == 12 and [e["state"] for e in laid if e["id"] == member["T12"]] == ["not_active"]
    by_seat = anonymous.json("vote_seats", path={"vote_id": vote})
    assert by_seat["vote_id"] == vote and by_seat["questions"] == ["表决意见"]
    assert anonymous.call("vote_seats", path={"vote_id": ballot_vote}, expect=403).json()["error"]["code"] \
        == "forbidden"
    # The publish step is a meeting setting this meeting does not have.
    assert clerk1.call("confirm_result", path={"vote_id": vote}, expect=409).json()["error"]["code"] \
        == "publish_step_off"
    assert chair.call("declare_result", path={"vote_id": vote}, expect=409).json()["error"]["code"] \
        == "publish_step_off"
    sheet = staff.call("result_sheet", path={"vote_id": vote, "fmt": "csv"})
    rows = list(csv.reader(io.StringIO(sheet.content.decode("utf-8-sig"))))
    assert rows[0] == [motion["title"]] and any(r and r[0] == "宣读稿" for r in rows)
    workbook = openpyxl.load_workbook(io.BytesIO(auditor.call("named_table", path={"vote_id": vote, "fmt": "xlsx"})
                                                 .content))
    sheet_rows = workbook.active
    assert sheet_rows is not None
    assert next(sheet_rows.iter_rows(values_only=True))[:3] == ("座位", "姓名", "代表团")
    report = clerk1.call("scrutineer_report", path={"vote_id": ballot_vote, "fmt": "csv"}).content.decode("utf-8-sig")
    assert "计票结果报告" in report
    minutes = chair.call("minutes", path={"meeting_id": meeting, "fmt": "csv"}).content.decode("utf-8-sig")
    assert motion["title"] in minutes
    participation = auditor.call("participation", path={"meeting_id": meeting, "fmt": "xlsx"})
    assert participation.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert staff.call("result_sheet", path={"vote_id": vote, "fmt": "pdf"}, expect=400).json()["error"]["code"] \
        == "invalid_format"
    note = anonymous.call("checkpoint").text
    vkey = anonymous.call("vkey").text
    assert note.splitlines()[0] == vkey.split("+", 1)[0] and vkey.count("\n") == 1  # key name = origin
    assert auditor.json("witnesses") == []  # no witness configured (WITNESSES): nothing cosigned
    assert anonymous.call("cosigned_checkpoint", expect=404).json()["error"]["code"] == "not_cosigned"
    archive = zipfile.ZipFile(io.BytesIO(auditor.call("audit_export").content))
    assert sorted(archive.namelist()) == ["export/checkpoints.jsonl", "export/cosignatures.jsonl",
                                          "export/records.jsonl", "export/tally_inputs.json", "export/vkey.txt"]
    inputs = json.loads(archive.read("export/tally_inputs.json"))
    assert {vote, voided, revote, ballot_vote, paper_vote} <= set(inputs)
    assert inputs[encrypted_vote]["counts"] == {"yes": 6, "no": 0, "abstain": 2}  # totals, never its ballots
    for vote_id, tally_document in inputs.items():
        kind = tally_document["kind"]
        # a vote's definition, and its ballots -- or an encrypted vote's decrypted counts (docs/export.md)
        vote_definition = {k: v for k, v in tally_document.items() if k not in ("ballots", "counts")}
        check(document, {"$ref": "#/components/schemas/VoteDefinition"}, vote_definition, f"tally input {vote_id}")
        assert not ("ballots" in tally_document and "counts" in tally_document), vote_id
        for ballot in tally_document.get("ballots", []):
            name = "".join(part.title() for part in kind.split("_"))
            check(document, {"$ref": f"#/components/schemas/{name}Ballot"}, ballot, f"ballot of {vote_id}")
    assert archive.read("export/vkey.txt").decode() == vkey
    # The 监票人 who sign the results download the same export and run the verifier from their page.
    assert clerk1.call("audit_export").content[:2] == b"PK"
    key = anonymous.json("audit_key")
    assert key["vkey"] == vkey.strip() and key["origin"] == note.splitlines()[0] == vkey.split("+", 1)[0]
    assert re.fullmatch(r"renda\.local/[0-9a-f]{16}", key["origin"])  # unique to this data directory
    report = clerk1.json("verify", json={"vkey_fingerprint": key["fingerprint"].lower()})
    assert report["ok"] is True and report["trusted_key"] is True and report["fingerprint"] == key["fingerprint"], \
        report.get("failures", report)
    assert [c["verdict"] for c in report["checks"]] == ["通过"] * 7 and report["witnesses"] == []
    assert clerk2.call("verify", json={"vkey_fingerprint": "3861 24FC"}, expect=400).json()["error"]["code"] \
        == "invalid_fingerprint"
    # A witness the 监票人 trusts never cosigned this log (none is configured): the quorum is not met.
    witness = cosignature.generate("witness.test/zhang").vkey
    report = clerk1.json("verify", json={"vkey_fingerprint": key["fingerprint"], "witnesses": [witness, witness]})
    assert report["ok"] is False and [f["code"] for f in report["findings"]] == ["witness-quorum"]
    assert report["quorum"] == 1 and report["witnesses"][0]["cosigned"] is False
    assert [c["id"] for c in report["checks"] if c["state"] == "fail"] == ["witnesses"]
    assert clerk2.call("verify", json={"witnesses": [vkey.strip()]}, expect=400).json()["error"]["code"] \
        == "invalid_witness"  # the log's own key is not a witness's
    assert clerk2.call("verify", json={"witnesses": [witness], "quorum": 2}, expect=400).json()["error"]["code"] \
        == "invalid_quorum"

    # Accounts and the deployment: staff add a 监票人, rename them and reset their password; the new
    # account changes its own password; staff read how the server is reached and what key it signs with.
    made = staff.json("create", json={"username": "jianpiao3", "display_name": "监票人丙", "role": "scrutineer"})
    assert made["password"] and made["account"]["disabled"] is False
    user = made["account"]["id"]
    assert staff.json("change", path={"user_id": user}, json={"display_name": "总监票人"})["display_name"] == "总监票人"
    fresh = staff.json("reset", path={"user_id": user}, json={})["password"]
    assert any(a["username"] == "jianpiao3" for a in staff.json("list_accounts"))
    signed = anonymous.json("login", json={"username": "jianpiao3", "password": fresh})
    own = anonymous.as_(signed["token"])
    assert own.json("change_own", json={"current_password": fresh, "new_password": "Hall-2026-scrutiny!"})[
        "username"] == "jianpiao3"
    assert staff.json("deployment_info")["audit_key"]["vkey"] == vkey.strip()

    # The roll changes after the session; the staff signs out.
    assert staff.json("member_status", path={"meeting_id": meeting, "member_id": member["T12"]},
                      json={"status": "terminated", "reason": "代表法第六十二条"}) == {"ok": True}
    assert anonymous.json("health")["ok"] is True
    assert staff.json("logout") == {"ok": True}
    assert staff.call("me", expect=401).json()["error"]["code"] == "bad_token"

    never_called = {op.id for op in operations(document)} - anonymous.called
    assert not never_called, f"operations the session did not exercise: {sorted(never_called)}"
    for client in (anonymous, staff, chair, clerk1, clerk2, auditor, *deputies.values()):
        client.close()


# -- whatever is sent, the answer is one the document declares ----------------------------------------
@pytest.mark.slow
def test_answers_to_generated_requests_conform_to_the_document(contract_server: ServerProcess) -> None:
    """Schemathesis sends requests that fit the document and requests that do not, to every operation,
    as each role: every answer's status must be declared for the operation, its media type declared
    for the status, and its body valid against the declared schema (no 5xx)."""
    schemathesis = pytest.importorskip("schemathesis")
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st
    from schemathesis import GenerationMode
    from schemathesis.checks import (
        content_type_conformance,
        not_a_server_error,
        response_schema_conformance,
        status_code_conformance,
    )

    anonymous = SchemaClient(contract_server.url, _served(contract_server))
    tokens: dict[str, str | None] = {"anonymous": None}
    for username in ("staff", "chair", "jipiao1", "auditor"):  # before the fuzzing trips the sign-in limit
        tokens[username] = _sign_in(anonymous, username).token
    staff = anonymous.as_(tokens["staff"])
    meeting_id = staff.json("meetings")[0]["id"]
    code = staff.json("codes", path={"meeting_id": meeting_id},
                      json={"member_ids": [2], "reason": "重新发放（测试）"})[0]["code"]
    tokens["deputy"] = anonymous.json("deputy_login", json={"code": code})["token"]
    schema = schemathesis.openapi.from_url(f"{contract_server.url}/openapi.json").exclude(path="/api/logout")
    strategy = st.one_of(schema.as_strategy(GenerationMode.POSITIVE), schema.as_strategy(GenerationMode.NEGATIVE))
    checks = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
    failures: dict[str, str] = {}
    # The document's conformance does not depend on the storage: 200 requests per role on SQLite.
    # On PostgreSQL what is fuzzed is what its storage does with them (a NUL, a 64-bit number, a
    # long text must not become a 500): 100 per role. Generating a request costs far more than
    # sending it (~50 ms of Hypothesis and schemathesis against a few ms of the server), so each
    # generated request goes out once as each role: every role still gets that many requests.
    examples = 200 if contract_server.database_url.startswith("sqlite") else 100
    roles = list(tokens.items())

    @settings(max_examples=examples, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(case=strategy)
    def call(case: Any) -> None:
        headers = {k: v for k, v in (case.headers or {}).items() if k.lower() != "authorization"}
        for role, token in roles:
            case.headers = {**headers, "Authorization": f"Bearer {token}"} if token is not None else dict(headers)
            response = case.call(base_url=contract_server.url, timeout=30)
            try:
                case.validate_response(response, checks=checks)
            except Exception as failure:  # every failure is collected; the first of each kind is shown
                failures.setdefault(f"{case.method} {case.path} as {role} -> {response.status_code}",
                                    f"{failure}\n{response.text[:300]}")

    call()
    anonymous.close()
    assert not failures, "\n\n".join(f"{k}: {v}" for k, v in list(failures.items())[:5])
