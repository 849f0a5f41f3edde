"""Hostile frames against the sans-I/O protocol layer (server/protocol.py, server/conversation.py).

Hypothesis generates malformed, oversize, out-of-order and wrong-type frames — random bytes,
text with lone surrogates, truncated JSON, JSON of the wrong shape, every message type with
every field of the wrong type, valid frames in the wrong state — well over 10,000 frames in all.
What must hold for every one of them:
- ``protocol.parse`` returns a message or raises ``ProtocolError`` with a documented code and a
  message; no other exception ever escapes;
- ``Conversation.receive`` never raises; every refusal is an ``error`` frame with a documented code
  and a Chinese message; a refused frame never advances the state (no sign-in, no ballot, no
  check-in, same principal), except the documented close after too many refusals;
- nothing but ``hello`` (and ``ping``) is acted on before sign-in; only a deputy can ballot or
  check in; a closed conversation does nothing.
"""

from __future__ import annotations

import json
import string
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from server import protocol
from server.conversation import (
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
from server.domain import MeetingId, MemberId, Role

#: Every code docs/protocol.md lists for the protocol layer.
PROTOCOL_CODES = set(protocol.ERRORS)
TYPES = ["hello", "check_in", "ballot", "sync", "ping"]
FIELDS = ["type", "v", "token", "screen", "vote_id", "ballot_id", "ballot", "replaces", "t"]

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=80),
)
json_values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=10), inner, max_size=4)), max_leaves=12)
surrogate_text = st.text(alphabet=st.one_of(
    st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF), st.sampled_from('{}[]":,type hello')), max_size=40)

# A message of a known type with fields of any type: the wrong-type frames.
shaped = st.fixed_dictionaries(
    {"type": st.one_of(st.sampled_from(TYPES), json_values)},
    optional={name: json_values for name in FIELDS[1:]},
)
valid_messages = st.one_of(
    st.builds(lambda tok: {"type": "hello", "v": 1, "token": tok}, st.text(min_size=1, max_size=60)),
    st.builds(lambda m: {"type": "hello", "v": 1, "screen": m}, st.integers(1, 5)),
    st.just({"type": "check_in"}), st.just({"type": "sync"}),
    st.builds(lambda t: {"type": "ping", "t": t}, scalars),
    st.builds(lambda v, b, c: {"type": "ballot", "vote_id": v, "ballot_id": b, "ballot": {"choice": c}},
              st.sampled_from(["v1-1", "v2-1"]), st.text(string.hexdigits, min_size=16, max_size=64),
              st.sampled_from(["yes", "no", "abstain", "maybe"])),
)


def _encode(value: Any, ascii_only: bool) -> str:
    return json.dumps(value, ensure_ascii=ascii_only)


frames = st.one_of(
    st.binary(max_size=200),
    st.text(max_size=200),
    surrogate_text,
    st.builds(_encode, json_values, st.booleans()),
    st.builds(_encode, shaped, st.booleans()),
    st.builds(_encode, valid_messages, st.booleans()),
    # truncated and padded versions of real frames
    st.builds(lambda m, cut: _encode(m, True)[:cut], valid_messages, st.integers(0, 60)),
    st.builds(lambda m, pad: _encode(m, True) + pad, valid_messages, st.sampled_from([" ", "}", ",", "x", "\x00"])),
    # oversize: a valid frame padded past the limit with a long field
    st.builds(lambda m, n: _encode({**m, "pad": "x" * n}, True), valid_messages, st.integers(300, 3000)),
    st.builds(lambda m: _encode(m, False).encode("utf-8"), valid_messages),
)


def _check_refusal_frame(message: dict[str, Any]) -> None:
    assert message["type"] == "error"
    assert message["code"] in PROTOCOL_CODES, message
    assert isinstance(message["message"], str) and message["message"]


def test_parse_returns_a_message_or_a_coded_protocol_error_for_any_frame() -> None:
    seen: list[int] = []

    @settings(max_examples=2000, deadline=None, suppress_health_check=list(HealthCheck))
    @given(raws=st.lists(frames, min_size=1, max_size=5), max_bytes=st.sampled_from([64, 512, 64 * 1024]))
    def parse_many(raws: list[str | bytes], max_bytes: int) -> None:
        for raw in raws:
            parse_any(raw, max_bytes)

    def parse_any(raw: str | bytes, max_bytes: int) -> None:
        seen.append(1)
        try:
            message = protocol.parse(raw, max_bytes)
        except protocol.ProtocolError as error:
            assert error.code in PROTOCOL_CODES and error.message
            return
        size = len(raw.encode("utf-8", "surrogatepass")) if isinstance(raw, str) else len(raw)
        assert size <= max_bytes
        if isinstance(message, protocol.Hello):
            assert message.version == protocol.VERSION
            assert (isinstance(message.token, str) and 0 < len(message.token) <= 200) or (
                message.token is None and type(message.screen_meeting) is int)
        elif isinstance(message, protocol.Ballot):
            assert isinstance(message.vote_id, str) and 0 < len(message.vote_id) <= 32
            assert isinstance(message.ballot_id, str) and 0 < len(message.ballot_id) <= 64
            assert isinstance(message.ballot, dict)
            assert message.replaces is None or (isinstance(message.replaces, str) and len(message.replaces) <= 64)
        else:
            assert isinstance(message, protocol.CheckIn | protocol.Sync | protocol.Ping)

    parse_many()
    assert len(seen) >= 5000
    print(f"\n[fuzz] protocol.parse: {len(seen)} frames")


def test_a_lone_surrogate_or_a_boolean_version_is_refused_not_a_crash() -> None:
    """Regressions found by the property above (server/protocol.py fixed)."""
    for raw in ["\ud800", '{"type":"ping","t":"\udfff"}']:
        try:
            protocol.parse(raw, 1024)
        except protocol.ProtocolError as error:
            assert error.code == "malformed_json"
        else:
            raise AssertionError("a lone surrogate was accepted")
    try:
        protocol.parse('{"type":"hello","v":true,"token":"x"}', 1024)
    except protocol.ProtocolError as error:
        assert error.code == "unsupported_version"
    else:
        raise AssertionError('"v": true was taken for version 1')


MEETING = MeetingId(1)
PRINCIPALS = st.one_of(
    st.none(),
    st.builds(lambda m: Principal(Role.DEPUTY, "代表", member_id=MemberId(m), meeting_id=MEETING, credential=f"c{m}"),
              st.integers(1, 9)),
    st.sampled_from([Principal(Role.CHAIR, "主持人", user_id=1, meeting_id=MEETING, credential="chair"),
                     Principal(Role.STAFF, "工作人员", user_id=2, meeting_id=MEETING, credential="staff"),
                     Principal(Role.AUDITOR, "审计", user_id=3, meeting_id=MEETING, credential="auditor")]),
)
steps = st.lists(st.tuples(frames, st.floats(min_value=0, max_value=0.2), PRINCIPALS), min_size=1, max_size=12)


def _kinds(actions: list[Action]) -> set[type]:
    return {type(a) for a in actions}


def test_the_conversation_never_raises_never_advances_on_a_bad_frame_and_codes_every_refusal() -> None:
    seen: list[int] = []

    @settings(max_examples=800, deadline=None, suppress_health_check=list(HealthCheck))
    @given(sequence=steps, refusals=st.sampled_from([3, 200]), rate=st.sampled_from([5.0, 50.0]))
    def converse(sequence: list[tuple[str | bytes, float, Principal | None]], refusals: int, rate: float) -> None:
        conv = Conversation(max_bytes=512, rate_per_second=rate, burst=2 * rate, max_refusals=refusals)
        now = 1000.0
        for raw, dt, answer in sequence:
            seen.append(1)
            now += dt
            before = (conv.state, conv.principal)
            actions = conv.receive(raw, now)
            kinds = _kinds(actions)
            assert kinds <= {Send, LookUp, Join, SendSnapshot, SubmitBallot, SubmitCheckIn, Close}
            if before[0] == "closed":
                assert actions == []
                continue
            errors = [a.message for a in actions if isinstance(a, Send) and a.message["type"] == "error"]
            for message in errors:
                _check_refusal_frame(message)
            if errors:
                # A refusal changes nothing but, after too many, closes the conversation.
                assert kinds <= {Send, Close}
                assert conv.principal == before[1]
                assert conv.state == before[0] or (conv.state == "closed" and Close in kinds)
            if Close in kinds:
                assert conv.state == "closed"
            if before[0] == "new":
                assert not kinds & {SubmitBallot, SubmitCheckIn}
            role = before[1].role if before[1] is not None else None
            if role != "deputy":
                assert not kinds & {SubmitBallot, SubmitCheckIn}
            if before[0] == "ready":
                assert not kinds & {LookUp, Join}
                assert conv.principal == before[1]
            if LookUp in kinds:
                # The endpoint resolves the token and answers; a bad token is refused with a code.
                answered = conv.signed_in(answer)
                if answer is None:
                    for action in answered:
                        if isinstance(action, Send):
                            _check_refusal_frame(action.message)
                    assert conv.state in ("new", "closed")
                else:
                    assert Join in _kinds(answered) and conv.state == "ready" and conv.principal == answer
            elif Join in kinds:
                assert conv.principal is not None and conv.principal.role == "screen"
                assert conv.principal.member_id is None

    converse()
    assert len(seen) >= 4000
    print(f"\n[fuzz] Conversation: {len(seen)} frames")


def test_a_ballot_flood_from_a_signed_in_deputy_is_rate_limited_then_closed() -> None:
    """Out-of-order and flooding, deterministic: 10,000 frames in one simulated second."""
    conv = Conversation(max_bytes=64 * 1024, rate_per_second=50, burst=100, max_refusals=200)
    assert _kinds(conv.receive('{"type":"hello","v":1,"token":"t"}', 0.0)) == {LookUp}
    conv.signed_in(Principal(Role.DEPUTY, "代表", member_id=MemberId(1), meeting_id=MEETING, credential="c"))
    submitted = refused = 0
    closed_at = None
    for i in range(10_000):
        frame = json.dumps({"type": "ballot", "vote_id": "v1-1", "ballot_id": f"{i:032d}", "ballot": {"choice": "yes"}})
        actions = conv.receive(frame, i / 10_000)
        submitted += sum(isinstance(a, SubmitBallot) for a in actions)
        for action in actions:
            if isinstance(action, Send):
                assert action.message["code"] == "rate_limited"
                refused += 1
            if isinstance(action, Close):
                assert action.code == 1008
                closed_at = i
    assert submitted <= 100 + 50 and refused == 200 and closed_at is not None, (submitted, refused)
    assert conv.state == "closed"
