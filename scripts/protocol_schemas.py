"""Write the JSON Schemas of the terminal protocol (docs/protocol.md) into docs/schemas/.

    python scripts/protocol_schemas.py          # (re)write docs/schemas/**/*.schema.json
    python scripts/protocol_schemas.py --check  # exit 1 if a checked-in file differs

One schema per message: ``docs/schemas/server/<type>.schema.json`` for what the server sends,
``docs/schemas/client/<type>.schema.json`` for what a terminal sends, and the pieces they share in
``docs/schemas/shared/``. Every object whose shape the server fixes has ``additionalProperties:
false``, so a field the documentation does not list fails validation
(tests/server/test_message_schemas.py validates every frame of a real session against them).

The vote ``definition``, the agenda item's ``definition`` and the ``ballot`` of each kind are
derived from the tally file format's schema (tally/schema/tally-input.schema.json), so that the
protocol and the counting engine cannot drift apart; everything else is written out here.
"""

from __future__ import annotations

import copy
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "schemas"
TALLY_INPUT = ROOT / "tally" / "schema" / "tally-input.schema.json"
BASE = "https://renda.local/protocol/v1/"
DRAFT = "https://json-schema.org/draft/2020-12/schema"

KINDS = ["motion", "list_approval", "election", "appointment", "project_vote", "satisfaction"]
BODIES = ["congress", "township_congress", "standing_committee", "presidium"]
ROLES = ["deputy", "chair", "staff", "scrutineer", "auditor", "screen"]
#: Every ``code`` an ``error`` frame can carry (grep server/ for the places that raise them).
ERROR_CODES = {
    # the frame itself (server/protocol.py, server/conversation.py, server/routes/socket.py)
    "malformed_json": "not JSON",
    "frame_too_large": "over 256 KiB (under `python -m server` the WebSocket layer closes with 1009 instead)",
    "not_an_object": "JSON, but not an object",
    "unknown_type": "`type` missing or unknown",
    "missing_field": "a required member is missing (`field` names it)",
    "invalid_field": "a member has the wrong type or length, or a ballot nests past 32 levels (`field` names it)",
    "unauthenticated": "anything but `hello` or `ping` before signing in",
    "bad_token": "unknown, expired or revoked token, or its meeting is gone",
    "wrong_role": "`check_in` or `ballot` from a terminal that is not a deputy's",
    "rate_limited": "over the frame rate, or a second `hello` while the first is being checked",
    "unsupported_version": "`v` is not 1",
    "already_authenticated": "a second `hello` after signing in",
    "too_many_connections": "a fifth connection with the same token (the socket is then closed)",
    "not_found": "the vote (ballot), the meeting (screen hello, check-in) or the member (check-in) does not exist",
    # ballots (server/usecases/cast_ballot.py, server/usecases/common.py, server/routes/socket.py)
    "invalid_ballot_id": "`ballot_id` shorter than 16 characters (longer than 64 is invalid_field)",
    "ballot_in_progress": "the same ballot id, or another ballot of this deputy for this vote, is being written",
    "ballot_id_reused": "named votes: this ballot id was already used for a different ballot or vote",
    "ballot_refused": "secret votes: the ballot id, or `replaces`, names a stored ballot this terminal cannot use "
                      "(another terminal's or vote's, another content, already replaced, or none): one answer for all",
    "cast_token_required": "a ballot of a secret vote without `cast_token`",
    "vote_not_open": "the vote is closed or voided",
    "vote_deadline_passed": "the countdown has run out (the vote is about to close)",
    "paper_vote": "this round is counted from paper ballots",
    "forbidden": "the deputy is not on this vote's roll (was not checked in and active when it opened)",
    "invalid_ballot": "the ballot does not fit the vote's definition (`field` names the part)",
    "already_voted": "the item counts the first press (`change_before_close = \"first\"`)",
    "ballot_replayed": "an encrypted ballot with a ciphertext already cast or challenged in this vote",
    "ballot_spoiled": "an encrypted ballot that was challenged (its randomness is public): encrypt afresh",
    "change_needs_previous": "a second ballot without `replaces`; in a named vote also `replaces` naming no live "
                             "ballot of this vote",
    "internal": "a server bug; the ballot was not stored",
    # check-in (server/usecases/check_in.py)
    "member_not_active": "the deputy is suspended or terminated",
    # either (server/writer.py)
    "storage_unavailable": "the database is unreachable; nothing was stored, resend later",
}

HEX64 = {"type": "string", "pattern": "^[0-9a-f]{64}$"}
COUNT = {"type": "integer", "minimum": 0}
NAME = {"type": "string"}
NAMES = {"type": "array", "items": NAME}


def ref(name: str, pointer: str = "") -> dict[str, Any]:
    return {"$ref": f"../shared/{name}.schema.json{pointer}"}


def obj(properties: dict[str, Any], *, optional: tuple[str, ...] = (), **extra: Any) -> dict[str, Any]:
    """A closed object: every property listed, all required but ``optional``."""
    return {"type": "object", "properties": properties,
            "required": [k for k in properties if k not in optional], "additionalProperties": False, **extra}


def document(path: str, title: str, body: dict[str, Any], description: str = "") -> dict[str, Any]:
    head: dict[str, Any] = {"$schema": DRAFT, "$id": BASE + path, "title": title}
    if description:
        head["description"] = description
    return {**head, **body}


def message(kind: str, properties: dict[str, Any], *, optional: tuple[str, ...] = (), **extra: Any) -> dict[str, Any]:
    return obj({"type": {"const": kind}, **properties}, optional=optional, **extra)


# -- derived from the tally file format ------------------------------------------------------------
def _tally_branches() -> dict[str, dict[str, Any]]:
    schema = json.loads(TALLY_INPUT.read_text(encoding="utf-8"))
    branches = {b["if"]["properties"]["kind"]["const"]: b["then"] for b in schema["allOf"]}
    assert sorted(branches) == sorted(KINDS), sorted(branches)
    for branch in branches.values():  # totals are a way to count, never part of a definition
        del branch["properties"]["counts"], branch["oneOf"]
    return branches


#: What open_vote (server/usecases/open_vote.py) always puts into a vote's frozen definition.
SET_AT_OPENING = {"kind", "title", "body", "members_of_record", "present"}
ISSUED = {"election": "ballots_issued", "project_vote": "ballots_issued", "satisfaction": "forms_issued"}
#: Fields an agenda item's definition may not hold: the server sets them when a vote opens
#: (server/usecases/agenda.py ``reserved``).
RESERVED = {"kind", "title", "body", "members_of_record", "present", "ballots", "counts", "ballots_issued",
            "forms_issued"}


def definition_schema() -> dict[str, Any]:
    """A vote's ``definition``: the tally document without ``ballots``, as frozen at opening."""
    rules = []
    for kind, branch in _tally_branches().items():
        then = copy.deepcopy(branch)
        del then["properties"]["ballots"]
        then["properties"]["body"] = {"enum": BODIES, "description": "the deciding body (meeting.body)"}
        required = [k for k in then["required"] if k != "ballots"]
        for key in sorted(SET_AT_OPENING) + ([ISSUED[kind]] if kind in ISSUED else []):
            if key not in required:
                required.append(key)
        then["required"] = required
        rules.append({"if": {"properties": {"kind": {"const": kind}}}, "then": then})
    return document("shared/definition.schema.json", "A vote's definition (state.votes[].definition)", {
        "type": "object", "properties": {"kind": {"enum": KINDS}}, "required": ["kind"], "allOf": rules,
    }, "The tally file format's document (README, tally/schema/tally-input.schema.json) without `ballots`, as "
       "frozen when the vote opened: `body`, `members_of_record` (实有) and `present` (实到, the vote's roll) "
       "are the figures at opening; `ballots_issued` / `forms_issued` the ballots or forms issued.")


def item_definition_schema() -> dict[str, Any]:
    """An agenda item's own ``definition``, by the item's kind (the kind is on the item)."""
    defs = {}
    for kind, branch in _tally_branches().items():
        properties = {k: v for k, v in branch["properties"].items() if k not in RESERVED}
        required = [k for k in branch["required"] if k not in RESERVED]
        defs[kind] = {"type": "object", "properties": properties, "required": required,
                      "additionalProperties": False}
    return document("shared/item-definition.schema.json", "An agenda item's definition (state.items[].definition)",
                    {"$defs": defs},
                    "What staff entered for the item, by the item's `kind` (`#/$defs/<kind>`): the tally "
                    "document's fields of that kind, without those set when a vote opens.")


BRANCH = obj({"c": HEX64, "s": HEX64})
ENCRYPTED_BALLOT = obj({
    "ballot": {"type": "string", "pattern": "^[0-9a-f]{32}$", "description": "the ballot id (= the frame's ballot_id)"},
    "vid": HEX64,
    "selections": {"type": "array", "minItems": 1, "items": obj({
        "alpha": HEX64, "beta": HEX64, "proof": {"type": "array", "minItems": 2, "maxItems": 2, "items": BRANCH}})},
    "limits": {"type": "array", "items": obj({"proof": {"type": "array", "minItems": 1, "items": BRANCH}})},
    "write_ins": {"type": "array", "minItems": 1, "items": obj({
        "r": HEX64, "sealed": {"type": "string", "pattern": "^[A-Za-z0-9+/]{107}=$",
                               "description": "base64 of the 80-byte sealed name"},
        "c": HEX64, "s": HEX64}),
        "description": "one write-in slot per place (另选他人, docs/ballot-crypto.md §6.1), only when the vote's form "
                       "has `write_ins`"},
}, optional=("write_ins",),
   description="an encrypted ballot (docs/ballot-crypto.md §3.4), for a vote whose state entry has `encryption`")


def ballot_schema() -> dict[str, Any]:
    """The ``ballot`` member of a client ``ballot`` frame, per vote kind, or encrypted."""
    defs = {kind: copy.deepcopy(branch["properties"]["ballots"]["items"]) for kind, branch in _tally_branches().items()}
    defs["encrypted"] = ENCRYPTED_BALLOT
    return document("shared/ballot.schema.json", "A ballot (client ballot.ballot)", {
        "anyOf": [{"$ref": f"#/$defs/{kind}"} for kind in [*KINDS, "encrypted"]], "$defs": defs,
    }, "As in the tally file format: `#/$defs/<kind>` is the ballot of a vote of that kind. The server "
       "also checks it against the vote's definition (names on the ballot, write-ins allowed, ranks 1..N). "
       "For an encrypted vote (docs/protocol.md \"Encrypted secret votes\") it is `#/$defs/encrypted`.")


# -- written out ---------------------------------------------------------------------------------
def attendance_schema() -> dict[str, Any]:
    title = "Attendance (state.attendance, tick.attendance, attendance.attendance)"
    return document("shared/attendance.schema.json", title, obj({
        "members_of_record": {**COUNT, "description": "实有: active members, plus suspended ones unless the "
                              "body's setting count_suspended_in_base is false"},
        "present": {**COUNT, "description": "实到: checked in and active"},
        "on_leave": {**COUNT, "description": "请假: members of record recorded on leave"},
        "absent": {**COUNT, "description": "缺席: members_of_record - present - on_leave - not_checked_in"},
        "quorum_required": {**COUNT, "description": "the smallest `present` that is a quorum"},
        "quorum_met": {"type": "boolean"},
        "not_checked_in": {**COUNT, "description": "未签到: active members of record neither checked in nor "
                           "recorded, while the roll is open; 0 once the chair has closed it (签到结束)"},
        "roll_closed": {"type": "boolean", "description": "whether the chair has closed the roll (签到结束)"},
    }))


def receipt_object_schema() -> dict[str, Any]:
    return document("shared/receipt.schema.json", "An audit receipt (receipt.receipt, me.votes[].receipt)", obj({
        "vote_id": NAME,
        "receipt": {"const": "renda-audit-receipt/1"},
        "index": {**COUNT, "description": "the ballot's leaf in the audit log"},
        "leaf_hash": {**HEX64, "description": "RFC 9162 leaf hash of the ballot record"},
        "checkpoint": {"type": "string", "description": "the signed C2SP checkpoint note the proof leads to"},
        "inclusion_proof": {"type": "array", "items": HEX64},
    }))


def result_schema() -> dict[str, Any]:
    defs: dict[str, Any] = {
        "attendance": obj({"body": {"enum": [*BODIES, "voters"]}, "members_of_record": COUNT, "present": COUNT,
                           "quorum": obj({"required": COUNT, "met": {"type": "boolean"}})}),
        "ballots": obj({k: COUNT for k in ("issued", "returned", "not_returned", "excess", "valid", "void")}),
        "choices": obj({"yes": COUNT, "no": COUNT, "abstain": COUNT}),
        "question_counts": obj({"yes": COUNT, "no": COUNT, "abstain": COUNT, "not_voted": COUNT}),
        "reason": {"type": ["string", "null"], "description": "why the vote is invalid, else null"},
        "threshold": {"enum": ["majority_of_all", "two_thirds_of_all"]},
        "manual": {"enum": ["show_of_hands", "paper"], "description": "only on a result entered by hand"},
        "outcome": {"enum": ["passed", "failed", "invalid"]},
        "tied_places": COUNT,
    }
    common = {"title": NAME, "attendance": {"$ref": "#/$defs/attendance"}}
    closing = {"rule": NAME, "announcement": NAME}
    question = {"threshold": {"$ref": "#/$defs/threshold"}, "counts": {"$ref": "#/$defs/question_counts"},
                "ballots": {"$ref": "#/$defs/ballots"}, "void_ballots": COUNT,
                "outcome": {"$ref": "#/$defs/outcome"}, "reason": {"$ref": "#/$defs/reason"}}
    per_person = {"mode": {"const": "individual"}, "threshold": {"$ref": "#/$defs/threshold"},
                  "items": {"type": "array", "items": obj({"name": NAME, "counts": {"$ref": "#/$defs/question_counts"},
                                                           "outcome": {"$ref": "#/$defs/outcome"}})},
                  "counts": {"type": "object", "additionalProperties": {"$ref": "#/$defs/question_counts"}},
                  "ballots": {"$ref": "#/$defs/ballots"}, "void_ballots": COUNT,
                  "outcome": {"enum": ["passed", "failed", "mixed", "invalid"]}, "reason": {"$ref": "#/$defs/reason"}}
    manual = {"manual": {"$ref": "#/$defs/manual"}}
    appointment_items = {"items_detail": {"type": "array", "items": obj({
        "id": NAME, "nominee": NAME, "post": {"type": "string"}, "action": NAME})}, "secret": {"type": "boolean"}}
    defs["motion"] = obj({"kind": {"const": "motion"}, **common, **question, **closing, **manual},
                         optional=("manual",))
    defs["list_approval"] = {"oneOf": [
        obj({"kind": {"const": "list_approval"}, **common, "mode": {"const": "whole"}, "persons": NAMES,
             **question, **closing, **manual}, optional=("manual",)),
        obj({"kind": {"const": "list_approval"}, **common, **per_person, **closing, **manual}, optional=("manual",)),
    ]}
    defs["appointment"] = {"oneOf": [
        obj({"kind": {"const": "appointment"}, **common, "mode": {"const": "combined"}, **appointment_items,
             **question, **closing, **manual}, optional=("manual",)),
        obj({"kind": {"const": "appointment"}, **common, **appointment_items, **per_person, **closing, **manual},
            optional=("manual",)),
    ]}
    round_of_names = {"round_valid": {"type": "boolean"}, "reason": {"$ref": "#/$defs/reason"},
                      "ballots": {"$ref": "#/$defs/ballots"}, "void_ballots": COUNT}
    defs["election"] = obj({
        "kind": {"const": "election"}, "title": NAME,
        "office": {"enum": ["head", "deputy_head", "member", "next_level_deputy"]},
        "round": {"enum": ["first", "runoff", "tie_revote", "preliminary"]},
        "runoffs_held": COUNT, "seats": COUNT, "places": COUNT, "attendance": {"$ref": "#/$defs/attendance"},
        **round_of_names,
        "counts": {"type": "object", "additionalProperties": {"$ref": "#/$defs/choices"}},
        "write_ins": {"type": "object", "additionalProperties": COUNT},
        "ineligible_write_ins": COUNT, "elected": NAMES, "tied": NAMES, "tied_places": COUNT, "unfilled": COUNT,
        "runoff": {"oneOf": [{"type": "null"}, obj({
            "seats": COUNT, "candidates": NAMES, "wanted": COUNT, "short": COUNT,
            "renomination_allowed": {"type": "boolean"}, "runoff_number": COUNT, "proposal": {"const": True}})]},
        **closing,
    })
    defs["project_vote"] = obj({
        "kind": {"const": "project_vote"}, "title": NAME, "mode": {"enum": ["approval", "ranking"]},
        "choose": COUNT, "attendance": {"$ref": "#/$defs/attendance"}, **round_of_names,
        "counts": {"type": "object", "additionalProperties": {"oneOf": [
            {"$ref": "#/$defs/choices"}, obj({"points": COUNT, "support": COUNT})]}},
        "elected": NAMES, "chosen": NAMES, "tied": NAMES, "tied_places": COUNT, "unfilled": COUNT, **closing,
    })
    grade = {"enum": ["satisfied", "basically_satisfied", "unsatisfied"]}
    defs["satisfaction"] = obj({
        "kind": {"const": "satisfaction"}, "title": NAME, "attendance": {"$ref": "#/$defs/attendance"},
        "base": {"enum": ["members", "valid", "present"]}, "ballots": {"$ref": "#/$defs/ballots"},
        "void_ballots": {"const": 0},
        "counts": {"type": "object", "additionalProperties": obj({
            "satisfied": COUNT, "basically_satisfied": COUNT, "unsatisfied": COUNT, "valid": COUNT, "invalid": COUNT,
            "rate": {"oneOf": [{"type": "null"}, obj({"numerator": COUNT, "denominator": COUNT,
                                                      "percent": {"type": "string", "pattern": r"^\d+\.\d\d%$"}})]},
            "base": COUNT, "outcome": grade, "consequence": {"type": ["string", "null"]}})},
        "outcome": {"type": "object", "additionalProperties": grade}, **closing,
    })
    return document("shared/result.schema.json", "A vote's result (state.votes[].result)", {
        "type": "object", "properties": {"kind": {"enum": KINDS}}, "required": ["kind"],
        "allOf": [{"if": {"properties": {"kind": {"const": k}}}, "then": {"$ref": f"#/$defs/{k}"}} for k in KINDS],
        "$defs": defs,
    }, "What `python -m tally count` prints for the vote's ballots (README, \"The tally file format\"); a result "
       "entered by hand (举手, paper) also has `manual` and its announcement starts with （举手表决） or （纸质票）.")


ISO_UTC = {"type": "string", "pattern": r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?\+00:00$"}
ENTRY = {"eligible": {"type": "boolean", "description": "on this vote's roll"},
         "voted": {"type": "boolean", "description": "a ballot of this deputy is stored"}}


def state_schema() -> dict[str, Any]:
    item = obj({
        "id": COUNT, "position": COUNT, "kind": {"enum": KINDS}, "title": NAME, "secret": {"type": "boolean"},
        "state": {"enum": ["pending", "voting", "done"]}, "amends": {"type": ["integer", "null"]},
        "definition": {"type": "object"},
        "settings": obj({"change_before_close": {"enum": ["last", "first"]}}),
    }, allOf=[{"if": {"properties": {"kind": {"const": k}}},
               "then": {"properties": {"definition": ref("item-definition", f"#/$defs/{k}")}}} for k in KINDS])
    vote = obj({
        "id": NAME, "item_id": COUNT, "title": NAME, "kind": {"enum": KINDS}, "round_no": {"type": "integer",
                                                                                       "minimum": 1},
        "round_kind": {"enum": ["first", "revote", "tie_revote", "runoff", "preliminary", "manual"]},
        "state": {"enum": ["open", "closed", "voided", "decrypting"]},
        "method": {"enum": ["electronic", "paper", "show_of_hands"]},
        "named": {"type": "boolean"}, "change_allowed": {"type": "boolean"},
        "deadline": {"oneOf": [ISO_UTC, {"type": "null"}]},
        "cast": COUNT, "expected": COUNT,
        "definition": ref("definition"),
        "result": {"oneOf": [ref("result"), {"type": "null"}]},
        "confirmations": NAMES,
        "publication": obj({
            "confirmed_by": {"type": ["string", "null"]}, "confirmed_at": {"oneOf": [ISO_UTC, {"type": "null"}]},
            "declared_by": {"type": ["string", "null"]}, "declared_at": {"oneOf": [ISO_UTC, {"type": "null"}]},
        }, description="only in a meeting with the publish step (setting publish_step): who confirmed the count "
                       "and who declared the result; until declared_at, result is null"),
        "encryption": obj({
            "context": obj({"suite": {"const": "renda-ballot-v1"}, "origin": NAME, "vote": NAME, "key": HEX64,
                            "form": obj({"selections": {"type": "integer", "minimum": 1}, "limits": {
                                "type": "array", "items": obj({"of": {"type": "array", "items": COUNT},
                                                               "min": COUNT, "max": COUNT})},
                                "write_ins": {"type": "integer", "minimum": 1, "description": (
                                    "only an election round that allows write-ins (另选他人): its number of "
                                    "write-in slots, the last selections being their use bits "
                                    "(docs/ballot-crypto.md §6.1)")}}, optional=("write_ins",))}),
            "vid": HEX64,
            "selections": {"type": "array", "items": obj({"question": {"type": ["string", "null"]},
                                                          "choice": NAME})},
            "fingerprint": {"type": "string", "pattern": "^[0-9A-F]{4}(-[0-9A-F]{4}){3}$"},
            "ceremony": HEX64,
        }, description="an encrypted vote: how the tablet encrypts (docs/ballot-crypto.md §3.1)"),
        "decryption": obj({"k": {"type": "integer", "minimum": 1}, "ballots_cast": COUNT,
                           "received": {"type": "array", "items": {"type": "integer", "minimum": 1},
                                        "description": "the trustees who have decrypted (in the round under way)"},
                           "round": {"enum": ["totals", "uses", "names", "done"],
                                     "description": "with write-in slots (另选他人, docs/ballot-crypto.md §6.1): the "
                                                    "decryption round under way"}},
                          optional=("round",),
                          description="an encrypted vote after its close: the 监票人's decryption so far"),
    }, optional=("encryption", "decryption", "publication"), allOf=[
        {"if": {"properties": {"state": {"const": "open"}}}, "then": {"properties": {"result": {"type": "null"}}}},
        {"if": {"properties": {"state": {"const": "closed"}}},
         "then": {"anyOf": [{"properties": {"result": {"type": "object"}}},
                            {"required": ["publication"],
                             "properties": {"publication": {"properties": {"declared_at": {"type": "null"}}}}}]}},
        {"if": {"properties": {"round_kind": {"const": "manual"}}},
         "then": {"properties": {"method": {"enum": ["show_of_hands", "paper"]}, "state": {"const": "closed"},
                                 "deadline": {"type": "null"}}},
         "else": {"properties": {"method": {"enum": ["electronic", "paper"]}}}},
    ])
    return document("server/state.schema.json", "state: the public state of the meeting", message("state", {
        "seq": COUNT,
        "meeting": obj({"id": COUNT, "title": NAME, "body": {"enum": BODIES},
                        "body_name": {"type": "string", "description": "the body's name; before the title, the "
                                      "session's full name (某某县第十八届人民代表大会第三次会议)"}}),
        "attendance": ref("attendance"),
        "items": {"type": "array", "items": item},
        "votes": {"type": "array", "items": vote},
        "me_votes": {"type": "object", "minProperties": 1, "additionalProperties": obj(ENTRY),
                     "description": "only to a deputy, only in the state that shows electronic votes opening"},
    }, optional=("me_votes",)))


def server_schemas() -> dict[str, dict[str, Any]]:
    welcome = message("welcome", {
        "v": {"const": 1}, "role": {"enum": ROLES}, "name": NAME, "meeting_id": COUNT,
        "member_id": {"type": ["integer", "null"]},
    }, allOf=[{"if": {"properties": {"role": {"const": "deputy"}}},
               "then": {"properties": {"member_id": {"type": "integer"}}},
               "else": {"properties": {"member_id": {"type": "null"}}}}])
    tick = message("tick", {"seq": {"type": "integer", "minimum": 1}, "attendance": ref("attendance"),
                            "counts": {"type": "object", "additionalProperties": COUNT}})
    attendance = message("attendance", {"attendance": ref("attendance")})
    entry = obj({**ENTRY, "ballot_id": {"type": "string", "minLength": 16, "maxLength": 64,
                                        "description": "named votes only, while open"},
                 "receipt": ref("receipt")}, optional=("ballot_id", "receipt"),
                dependentRequired={"ballot_id": ["receipt"], "receipt": ["ballot_id"]})
    me = message("me", {
        "member": obj({"id": COUNT, "name": NAME, "seat": NAME, "group": NAME,
                       "status": {"enum": ["active", "suspended", "terminated"]}}),
        "checked_in": {"type": "boolean"},
        "code_reissued": {"oneOf": [{"type": "null"}, obj({
            "at": {"type": "string", "description": "when (RFC 3339)"},
            "reason": {"type": "string", "description": "the reason staff gave"},
            "by": {"type": "string", "description": "who issued it (role:name)"}})],
            "description": "the latest sign-in code staff issued to this deputy in place of an earlier one, or null"},
        "votes": {"type": "object", "additionalProperties": entry},
    })
    receipt = message("receipt", {
        "vote_id": NAME, "ballot_id": {"type": "string", "minLength": 16, "maxLength": 64},
        "receipt": ref("receipt"), "duplicate": {"type": "boolean"},
        "replaced": {"type": ["string", "null"], "description": "the ballot id this ballot replaced"},
        "tracker": {**HEX64, "description": "an encrypted ballot's tracker (docs/ballot-crypto.md §3.5)"},
    }, optional=("tracker",))
    error = message("error", {
        "code": {"anyOf": [{"const": code, "description": why} for code, why in sorted(ERROR_CODES.items())]},
        "message": {"type": "string", "minLength": 1, "description": "Chinese, for people"},
        "ref": {"type": "string", "description": "the ballot_id of the ballot refused"},
        "field": {"type": "string", "description": "what was wrong"},
    }, optional=("ref", "field"))
    pong = message("pong", {"t": {"description": "the ping's `t`, or null"}})
    return {
        "welcome": document("server/welcome.schema.json", "welcome: signed in", welcome),
        "state": state_schema(),
        "tick": document("server/tick.schema.json", "tick: live counts and attendance (not to tablets)", tick),
        "attendance": document("server/attendance.schema.json",
                               "attendance: 实到 for the deputies' tablets (at most one a second)", attendance),
        "me": document("server/me.schema.json", "me: a deputy's own view", me),
        "receipt": document("server/receipt.schema.json", "receipt: a ballot is stored", receipt),
        "error": document("server/error.schema.json", "error: a refusal", error),
        "pong": document("server/pong.schema.json", "pong: the answer to ping", pong),
    }


def client_schemas() -> dict[str, dict[str, Any]]:
    hello = message("hello", {
        "v": {"const": 1, "description": "protocol version; 1 when left out"},
        "token": {"type": "string", "minLength": 1, "maxLength": 200},
        "screen": {"type": "integer", "description": "a hall screen: the meeting id"},
    }, optional=("v", "token", "screen"), anyOf=[{"required": ["token"]}, {"required": ["screen"]}])
    ballot = message("ballot", {
        "vote_id": {"type": "string", "minLength": 1, "maxLength": 32},
        "ballot_id": {"type": "string", "minLength": 16, "maxLength": 64},
        "ballot": ref("ballot"),
        "replaces": {"type": "string", "minLength": 1, "maxLength": 64},
        "cast_token": {"type": "string", "minLength": 16, "maxLength": 64,
                       "description": "the terminal's secret for this vote; required in a secret vote"},
    }, optional=("replaces", "cast_token"))
    return {
        "hello": document("client/hello.schema.json", "hello: sign in (first frame)", hello),
        "check_in": document("client/check_in.schema.json", "check_in: 签到", message("check_in", {})),
        "ballot": document("client/ballot.schema.json", "ballot: cast or change a ballot", ballot),
        "sync": document("client/sync.schema.json", "sync: ask for a fresh snapshot", message("sync", {})),
        "ping": document("client/ping.schema.json", "ping", message("ping", {"t": {}}, optional=("t",))),
    }


def schemas() -> dict[str, dict[str, Any]]:
    """Every schema by its path under docs/schemas/."""
    out = {
        "shared/attendance.schema.json": attendance_schema(),
        "shared/receipt.schema.json": receipt_object_schema(),
        "shared/definition.schema.json": definition_schema(),
        "shared/item-definition.schema.json": item_definition_schema(),
        "shared/ballot.schema.json": ballot_schema(),
        "shared/result.schema.json": result_schema(),
    }
    out.update({f"server/{k}.schema.json": v for k, v in server_schemas().items()})
    out.update({f"client/{k}.schema.json": v for k, v in client_schemas().items()})
    for path, schema in out.items():
        assert schema["$id"] == BASE + path, path
    return out


def render(schema: dict[str, Any]) -> str:
    return json.dumps(schema, ensure_ascii=False, indent=1) + "\n"


def main(argv: list[str]) -> int:
    check = "--check" in argv
    stale = []
    for path, schema in schemas().items():
        target = OUT / path
        text = render(schema)
        if target.exists() and target.read_text(encoding="utf-8") == text:
            continue
        if check:
            stale.append(path)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        print(f"wrote docs/schemas/{path}")
    known = {OUT / p for p in schemas()}
    extra = sorted(str(p.relative_to(OUT)) for p in OUT.rglob("*.schema.json") if p not in known)
    if stale or extra:
        print("docs/schemas is out of date (python scripts/protocol_schemas.py): "
              + ", ".join(stale + [f"{e} (not generated)" for e in extra]), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
