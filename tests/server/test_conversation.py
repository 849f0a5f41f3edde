"""The tablet conversation as a sans-I/O state machine: frames in, actions out, no sockets."""

from __future__ import annotations

import json
from collections.abc import Sequence

import pytest

from server import protocol
from server.conversation import (
    POLICY_VIOLATION,
    UNAUTHORISED,
    Action,
    Close,
    Conversation,
    Join,
    LookUp,
    Principal,
    Send,
    SendSnapshot,
    SubmitBallot,
    SubmitCheckIn,
)
from server.domain import MeetingId, MemberId, Role, VoteId

DEPUTY = Principal(Role.DEPUTY, "王建国", member_id=MemberId(7), meeting_id=MeetingId(1), credential="abc")
CHAIR = Principal(Role.CHAIR, "主持人", user_id=1, meeting_id=MeetingId(1), credential="def")


def frame(**message: object) -> str:
    return json.dumps(message)


def signed_in(principal: Principal = DEPUTY) -> Conversation:
    conv = Conversation()
    assert conv.receive(frame(type="hello", v=1, token="t"), 0.0) == [LookUp("t")]
    conv.signed_in(principal)
    return conv


def errors(actions: Sequence[Action]) -> list[str]:
    return [a.message["code"] for a in actions if isinstance(a, Send) and a.message.get("type") == "error"]


def test_hello_with_token_asks_for_a_look_up_then_joins_and_sends_snapshot() -> None:
    conv = Conversation()
    assert conv.receive(frame(type="hello", v=1, token="secret"), 0.0) == [LookUp("secret")]
    actions = conv.signed_in(DEPUTY)
    assert actions[0] == Join(DEPUTY)
    assert isinstance(actions[1], Send) and actions[1].message["type"] == "welcome"
    assert actions[2] == SendSnapshot()
    assert conv.state == "ready"


def test_screen_joins_without_token_as_read_only() -> None:
    conv = Conversation()
    actions = conv.receive(frame(type="hello", v=1, screen=3), 0.0)
    assert isinstance(actions[0], Join) and actions[0].principal.role is Role.SCREEN


def test_anything_before_hello_is_refused_as_unauthenticated() -> None:
    conv = Conversation()
    assert errors(conv.receive(frame(type="ballot", vote_id="v1", ballot_id="x" * 20, ballot={}), 0.0)) == [
        "unauthenticated"]
    assert conv.state == "new"


def test_three_bad_tokens_close_the_socket() -> None:
    conv = Conversation()
    for attempt in range(3):
        conv.receive(frame(type="hello", v=1, token="bad"), float(attempt))
        actions = conv.signed_in(None)
    assert Close(UNAUTHORISED, "bad token") in actions
    assert conv.state == "closed"
    assert conv.receive(frame(type="sync"), 5.0) == []


def test_second_hello_while_looking_up_is_refused() -> None:
    conv = Conversation()
    conv.receive(frame(type="hello", v=1, token="t"), 0.0)
    assert errors(conv.receive(frame(type="hello", v=1, token="t"), 0.0)) == ["rate_limited"]


def test_deputy_ballot_becomes_a_submission() -> None:
    conv = signed_in()
    actions = conv.receive(frame(type="ballot", vote_id="v1-1", ballot_id="b" * 32, ballot={"choice": "yes"}), 1.0)
    assert actions == [SubmitBallot(protocol.Ballot(VoteId("v1-1"), "b" * 32, {"choice": "yes"}, None))]


def test_deputy_check_in_becomes_a_submission() -> None:
    assert signed_in().receive(frame(type="check_in"), 1.0) == [SubmitCheckIn()]


def test_chair_cannot_cast_a_ballot_over_the_socket() -> None:
    conv = signed_in(CHAIR)
    actions = conv.receive(frame(type="ballot", vote_id="v1-1", ballot_id="b" * 32, ballot={"choice": "yes"}), 1.0)
    assert errors(actions) == ["wrong_role"]
    assert isinstance(actions[0], Send) and actions[0].message["ref"] == "b" * 32


def test_chair_cannot_check_in_for_anyone() -> None:
    assert errors(signed_in(CHAIR).receive(frame(type="check_in"), 1.0)) == ["wrong_role"]


def test_sync_returns_a_snapshot() -> None:
    assert signed_in().receive(frame(type="sync"), 1.0) == [SendSnapshot()]


def test_ping_is_answered_even_before_sign_in() -> None:
    assert Conversation().receive(frame(type="ping", t=5), 0.0) == [Send({"type": "pong", "t": 5})]


def test_hello_again_after_sign_in_is_refused() -> None:
    assert errors(signed_in().receive(frame(type="hello", v=1, token="t"), 1.0)) == ["already_authenticated"]


def test_malformed_frames_are_refused_with_codes_and_the_connection_survives() -> None:
    conv = signed_in()
    cases = {
        "{not json": "malformed_json",
        "[1, 2]": "not_an_object",
        frame(type="dance"): "unknown_type",
        frame(type="ballot", vote_id="v1", ballot_id="b" * 32): "missing_field",
        frame(type="ballot", vote_id="v1", ballot_id="b" * 32, ballot="yes"): "invalid_field",
        frame(type="ballot", vote_id=7, ballot_id="b" * 32, ballot={}): "invalid_field",
        frame(type="ballot", vote_id="v1", ballot_id="", ballot={}): "invalid_field",
        frame(type="hello", v=2, token="t"): "unsupported_version",
        "x" * (protocol.MAX_FRAME_BYTES + 1): "frame_too_large",
    }
    for now, (raw, code) in enumerate(cases.items()):
        assert errors(conv.receive(raw, float(now))) == [code], raw[:40]
    assert conv.state == "ready"


def test_hello_with_non_integer_screen_is_refused() -> None:
    assert errors(Conversation().receive(frame(type="hello", v=1, screen="1"), 0.0)) == ["invalid_field"]


def test_flood_is_rate_limited_then_closed() -> None:
    conv = Conversation(rate_per_second=10, burst=10, max_refusals=50)
    refused = 0
    closed = False
    for i in range(1000):
        actions = conv.receive(frame(type="sync"), i * 0.0001)
        refused += len(errors(actions))
        if any(isinstance(a, Close) for a in actions):
            closed = Close(POLICY_VIOLATION, "too many bad messages") in actions
            break
    assert refused == 50 and closed


def test_rate_limit_refills_over_time() -> None:
    conv = Conversation(rate_per_second=10, burst=2)
    conv.receive(frame(type="ping"), 0.0)
    conv.receive(frame(type="ping"), 0.0)
    assert errors(conv.receive(frame(type="ping"), 0.0)) == ["rate_limited"]
    assert errors(conv.receive(frame(type="ping"), 1.0)) == []


def test_a_good_message_resets_the_refusal_count() -> None:
    conv = signed_in()
    conv.max_refusals = 3
    conv.receive("bad", 0.0)
    conv.receive("bad", 0.1)
    conv.receive(frame(type="sync"), 0.2)
    conv.receive("bad", 0.3)
    assert conv.state == "ready"


def test_a_member_is_added_to_an_encoded_object_without_decoding_it() -> None:
    text = protocol.dumps({"type": "state", "seq": 3})
    assert json.loads(protocol.with_field(text, "me_votes", {"v1-1": {"eligible": True}})) == {
        "type": "state", "seq": 3, "me_votes": {"v1-1": {"eligible": True}}}
    assert json.loads(protocol.with_field("{}", "n", 1)) == {"n": 1}


def test_a_ballot_nested_deeper_than_any_ballot_is_refused_before_it_is_counted() -> None:
    deep: dict[str, object] = {"choice": "yes"}
    for _ in range(400):
        deep = {"a": deep}
    frame = json.dumps({"type": "ballot", "vote_id": "v1-1", "ballot_id": "b" * 32, "ballot": deep})
    with pytest.raises(protocol.ProtocolError) as refused:
        protocol.parse(frame, protocol.MAX_FRAME_BYTES)
    assert (refused.value.code, refused.value.field) == ("invalid_field", "ballot")
    assert protocol.nesting_depth({"marks": {"甲": "yes"}, "write_ins": ["乙"]}) == 2
