"""Record lines: canonical encoding, strict decoding, body checks, and the ballot fast path."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from audit import canonical, records
from audit.errors import RecordError
from audit.records import RecordType

PREV = "ab" * 32
TIME = "2026-11-23T09:00:00.123Z"
NONCE = "0123456789abcdef" * 2


def _line(body: dict[str, Any], type_: str = "ballot", seq: int = 7, time: str = TIME, prev: str = PREV) -> bytes:
    return records.encode(seq, type_, time, prev, body)


def test_a_record_is_its_rfc8785_bytes_with_the_fields_of_the_contract() -> None:
    body = {"vote_id": "v1", "ballot": {"choice": "yes"}, "nonce": NONCE}
    line = _line(body)
    as_object = {"seq": 7, "type": "ballot", "time": TIME, "prev": PREV, "body": body}
    assert line == canonical.dumps(as_object)
    assert b"\n" not in line
    assert records.decode(line) == records.Record(7, "ballot", TIME, PREV, body)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-1000, 1000) | st.text(max_size=6),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3),
    max_leaves=10,
)
vote_ids = st.text(min_size=1, max_size=8) | st.sampled_from(['a"b', "a\\b", "a\nb", "表决一", "\U0001d11e"])


@settings(max_examples=300, deadline=None)
@given(vote_ids, st.dictionaries(st.text(max_size=5), json_values, max_size=4), st.integers(0, 2**53 - 1))
def test_the_ballot_fast_path_agrees_with_the_full_parser(vote_id: str, ballot: dict[str, Any], seq: int) -> None:
    line = _line({"vote_id": vote_id, "ballot": ballot, "nonce": NONCE}, seq=seq)
    fast = records.match_ballot(line)
    assert fast is not None
    full = records._decode_slow(line)
    assert records.decode(line) == full
    assert (fast.seq, fast.prev, fast.time, fast.vote_id, fast.nonce) == (seq, PREV, TIME, vote_id, NONCE)
    assert json.loads(fast.ballot) == full.body["ballot"] == ballot


@pytest.mark.parametrize(
    "line",
    [
        b'{"body":{"ballot":{"b":1,"a":2},"nonce":"'
        + NONCE.encode()
        + b'","vote_id":"v"},"prev":"'
        + PREV.encode()
        + b'","seq":1,"time":"'
        + TIME.encode()
        + b'","type":"ballot"}',  # ballot keys unsorted
        b'{"body":{"ballot":{},"nonce":"'
        + NONCE.encode()
        + b'","vote_id":""},"prev":"'
        + PREV.encode()
        + b'","seq":1,"time":"'
        + TIME.encode()
        + b'","type":"ballot"}',  # empty vote id
        b'{"body":{"ballot":{},"nonce":"'
        + NONCE.encode()
        + b'","vote_id":"v"},"prev":"'
        + PREV.encode()
        + b'","seq":9007199254740993,"time":"'
        + TIME.encode()
        + b'","type":"ballot"}',  # seq beyond 2**53
        b'{"body":{"ballot":{},"nonce":"'
        + NONCE.encode()
        + b'","vote_id":"\xff"},"prev":"'
        + PREV.encode()
        + b'","seq":1,"time":"'
        + TIME.encode()
        + b'","type":"ballot"}',  # not UTF-8
    ],
)
def test_lines_the_fast_path_declines_are_judged_by_the_full_parser(line: bytes) -> None:
    assert records.match_ballot(line) is None
    with pytest.raises(RecordError):
        records.decode(line)


def test_the_ballot_cache_is_bounded() -> None:
    records._KNOWN_CANONICAL_BALLOTS.clear()
    for i in range(records._CACHE_LIMIT + 3):
        assert records.match_ballot(_line({"vote_id": "v", "ballot": {"n": i}, "nonce": NONCE})) is not None
    assert len(records._KNOWN_CANONICAL_BALLOTS) <= records._CACHE_LIMIT


GOOD: dict[str, dict[str, object]] = {
    RecordType.LOG_OPENED: {"origin": "o", "vkey": "k"},
    RecordType.LOG_RECOVERED: {"file": "records.jsonl", "truncated_bytes": 3, "sha256": "ab"},
    RecordType.VOTE_OPENED: {"vote_id": "v", "definition": {"kind": "motion"}},
    RecordType.BALLOT: {"vote_id": "v", "ballot": {}, "nonce": NONCE},
    RecordType.VOTE_CLOSED: {"vote_id": "v", "ballots_cast": 0},
    RecordType.RESULT: {"vote_id": "v", "result": {}},
    RecordType.MANUAL_RESULT: {"vote_id": "v", "method": "paper", "result": {}},
    RecordType.VOTE_VOIDED: {"vote_id": "v", "reason": "system fault"},
}


@pytest.mark.parametrize("type_", list(GOOD))
def test_every_known_body_round_trips(type_: str) -> None:
    line = _line(GOOD[type_], type_)
    assert records.decode(line).body == GOOD[type_]


@pytest.mark.parametrize(
    ("type_", "body", "message"),
    [
        ("log_opened", {"origin": "", "vkey": "k"}, "origin"),
        ("log_opened", {"origin": "o"}, "vkey"),
        ("log_recovered", {"file": "f", "truncated_bytes": "3", "sha256": "ab"}, "truncated_bytes"),
        ("ballot", {"vote_id": "v", "ballot": {}, "nonce": NONCE, "deputy": "张三"}, "no voter identity"),
        ("ballot", {"vote_id": "v", "ballot": [], "nonce": NONCE}, "ballot"),
        ("ballot", {"vote_id": "v", "ballot": {}, "nonce": NONCE.upper()}, "nonce"),
        ("ballot", {"vote_id": "v", "ballot": {}, "nonce": 5}, "nonce"),
        ("vote_opened", {"vote_id": "v", "definition": {"ballots": []}}, "no ballots"),
        ("vote_opened", {"vote_id": 3, "definition": {}}, "vote_id"),
        ("vote_closed", {"vote_id": "v", "ballots_cast": -1}, ">= 0"),
        ("vote_closed", {"vote_id": "v", "ballots_cast": True}, "integer"),
        ("result", {"vote_id": "v"}, "result"),
        ("manual_result", {"vote_id": "v", "method": "guess", "result": {}}, "method"),
        ("vote_voided", {"vote_id": "v", "reason": ""}, "reason"),
        ("ballot_withdrawn", {"vote_id": "v", "seq": -1}, ">= 0"),
        ("ballot_withdrawn", {"vote_id": "v", "seq": "3"}, "integer"),
        ("anything", ["not", "an", "object"], "object"),
    ],
)
def test_malformed_bodies_are_refused(type_: str, body: Any, message: str) -> None:
    with pytest.raises(RecordError, match=message):
        _line(body, type_)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((-1, "x", TIME, PREV, {}), "seq"),
        ((True, "x", TIME, PREV, {}), "seq"),
        ((0, "Bad Type", TIME, PREV, {}), "type"),
        ((0, 5, TIME, PREV, {}), "type"),
        ((0, "x", "2026-11-23 09:00:00", PREV, {}), "time"),
        ((0, "x", TIME, PREV.upper(), {}), "prev"),
        ((0, "x", TIME, PREV, {"f": float("nan")}), "body"),
    ],
)
def test_malformed_fields_are_refused(args: tuple[Any, ...], message: str) -> None:
    with pytest.raises(RecordError, match=message):
        records.encode(*args)


@pytest.mark.parametrize(
    "obj",
    [
        [],
        {"body": {}, "prev": PREV, "seq": 0, "time": TIME},
        {"body": {}, "prev": PREV, "seq": -1, "time": TIME, "type": "x"},
        {"body": {}, "prev": PREV, "seq": 0, "time": TIME, "type": "X"},
        {"body": {}, "prev": "00", "seq": 0, "time": TIME, "type": "x"},
        {"body": {}, "prev": PREV, "seq": 0, "time": "yesterday", "type": "x"},
        {"body": [], "prev": PREV, "seq": 0, "time": TIME, "type": "x"},
    ],
)
def test_decode_refuses_malformed_records(obj: Any) -> None:
    with pytest.raises(RecordError):
        records.decode(canonical.dumps(obj))


def test_decode_refuses_non_canonical_json_and_non_utf8() -> None:
    with pytest.raises(RecordError, match="canonical"):
        records.decode(b'{"type": "x"}')
    with pytest.raises(RecordError, match="UTF-8"):
        records.decode(b"\xff")


def test_opaque_types_are_chained_but_not_interpreted() -> None:
    body = {"deputy": "d-17", "anything": [1, 2]}
    assert records.decode(_line(body, "check_in")).body == body


def test_times_are_rfc3339_utc_with_milliseconds() -> None:
    moment = datetime(2026, 11, 23, 17, 0, 0, 123456, tzinfo=timezone(timedelta(hours=8)))
    assert records.format_time(moment) == "2026-11-23T09:00:00.123Z"
    stamp = records.now()
    assert records.check_time(stamp) == stamp
    assert re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z", stamp)
    with pytest.raises(RecordError, match="timezone"):
        records.format_time(datetime(2026, 11, 23))
    for bad in ["2026-13-01T00:00:00Z", "2026-11-23T24:00:00Z", "2026-11-23T09:00:00+08:00", 20261123]:
        with pytest.raises(RecordError):
            records.check_time(bad)
