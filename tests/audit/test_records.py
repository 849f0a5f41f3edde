"""Record lines: canonical encoding, strict decoding, body checks, and the ballot fast path."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta, timezone
from itertools import takewhile
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from audit import canonical, limits, records
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
    full = records.decode_full(line)
    if fast is None:  # only a vote id that needs escapes is left to the full parser
        assert json.dumps(vote_id, ensure_ascii=False) != f'"{vote_id}"'
        return
    assert records.decode(line) == full
    assert (fast.seq, fast.prev, fast.time, fast.vote_id, fast.nonce) == (
        seq, PREV.encode(), TIME.encode(), vote_id, NONCE.encode())
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
    RecordType.BALLOT_WITHDRAWN: {"vote_id": "v", "seq": 3},
    RecordType.MEETING_CREATED: {"meeting_id": 1, "body": "congress", "settings": {}, "title": "第一次会议"},
    RecordType.ROLL_LOADED: {"meeting_id": 1, "members": [{"code": "D1", "name": "甲", "status": "active"}]},
    RecordType.MEMBER_STATUS: {"member": "D1", "status": "suspended", "reason": "代表法", "meeting_id": 1},
    RecordType.CHECK_IN: {"meeting_id": 1, "member": "D1", "by": "self", "reason": ""},
    RecordType.ATTENDANCE: {"meeting_id": 1, "member": "D1", "state": "leave", "by": "staff:s", "reason": ""},
    RecordType.ITEM_ADDED: {"meeting_id": 1, "item_id": 2, "kind": "motion", "title": "决议", "definition": {},
                            "secret": True},
    RecordType.ITEM_UPDATED: {"item_id": 2, "kind": "motion", "title": "决议", "definition": {}, "secret": False},
    RecordType.VOTE_NAMED: {"vote_id": "v"},
    RecordType.NAMED_BALLOT: {"vote_id": "v", "seq": 3, "member": "D1"},
    RecordType.VOTE_EXTENDED: {"vote_id": "v", "deadline": "2026-11-23T09:10:00.123456+00:00"},
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
        ("vote_opened", {"vote_id": "v", "definition": {}, "secrecy": "secret"}, "secrecy"),
        ("vote_closed", {"vote_id": "v", "ballots_cast": -1}, ">= 0"),
        ("vote_closed", {"vote_id": "v", "ballots_cast": True}, "integer"),
        ("result", {"vote_id": "v"}, "result"),
        ("manual_result", {"vote_id": "v", "method": "guess", "result": {}}, "method"),
        ("vote_voided", {"vote_id": "v", "reason": ""}, "reason"),
        ("ballot_withdrawn", {"vote_id": "v", "seq": -1}, ">= 0"),
        ("ballot_withdrawn", {"vote_id": "v", "seq": "3"}, "integer"),
        ("anything", ["not", "an", "object"], "object"),
        ("meeting_created", {"meeting_id": -1, "body": "congress", "settings": {}}, ">= 0"),
        ("roll_loaded", {"meeting_id": 1, "members": ["D1"]}, "objects"),
        ("roll_loaded", {"meeting_id": 1, "members": [{"code": "D1", "name": "甲", "status": "retired"}]}, "status"),
        ("roll_loaded", {"meeting_id": 1, "members": [{"code": "D1", "status": "active"}]}, "name"),
        ("member_status", {"member": "D1", "status": "active", "meeting_id": "1"}, "meeting_id"),
        ("check_in", {"meeting_id": 1, "member": "D1", "by": "self"}, "reason"),
        ("attendance", {"meeting_id": 1, "member": "D1", "state": "present"}, "state"),
        ("item_added", {"meeting_id": 1, "item_id": 1, "kind": "motion", "title": "t", "definition": {},
                        "secret": 1}, "secret"),
        ("vote_extended", {"vote_id": "v", "deadline": "2026-11-23T09:10:00"}, "deadline"),
        ("vote_extended", {"vote_id": "v", "deadline": "tomorrow"}, "deadline"),
        ("vote_extended", {"vote_id": "v", "deadline": 5}, "deadline"),
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
    assert records.decode(_line(body, "sign_in")).body == body


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


def test_records_the_verifier_would_refuse_are_never_written() -> None:
    with pytest.raises(RecordError, match="at most"):
        _line({"x": "a" * limits.MAX_RECORD_BYTES}, "note")
    deep: Any = 1
    for _ in range(limits.MAX_DEPTH + 1):
        deep = [deep]
    with pytest.raises(RecordError, match="levels deep"):
        _line({"x": deep}, "note")
    wide = {"x": [[i] for i in range(200)]}  # many brackets, shallow: written
    assert records.decode(_line(wide, "note")).body == wide
    assert not limits.too_deep(json.dumps(wide)) and limits.too_deep("[" * 65 + "]" * 65)
    assert not limits.too_deep('["' + "[" * 100 + '"]')  # brackets inside a string do not nest
    # after an unterminated string nothing nests: a parser stops at the string, never recursing
    assert not limits.too_deep("[" * 10 + '"' + "[" * 100) and limits.too_deep("[" * 65 + '"')


def test_a_body_that_carries_its_own_bytes_is_written_exactly_as_one_encoded_here() -> None:
    body = {"vote_id": "v1-1", "ballot": {"marks": {"张三": "yes", "a\"[b": "no"}, "n": [1, 2]}, "nonce": NONCE}
    encoded = canonical.Encoded(body, canonical.dumps(body))
    assert records.encode(3, "ballot", TIME, "ab" * 32, encoded) == records.encode(3, "ballot", TIME, "ab" * 32, body)
    with pytest.raises(RecordError, match="exactly vote_id"):
        records.encode(3, "ballot", TIME, "ab" * 32, canonical.Encoded({"vote_id": "v"}, b"{}"))


def _depth(value: Any) -> int:
    if isinstance(value, list):
        return 1 + max((_depth(item) for item in value), default=0)
    if isinstance(value, dict):
        return 1 + max((_depth(item) for item in value.values()), default=0)
    return 0


_TRICKY = st.text(alphabet='[]{}"\\ab', max_size=8)  # brackets, quotes and backslashes inside strings
_NESTED = st.recursive(st.integers() | _TRICKY, lambda inner: st.lists(inner, max_size=3)
                       | st.dictionaries(_TRICKY, inner, max_size=3), max_leaves=12)


@given(_NESTED, st.integers(min_value=0, max_value=2 * limits.MAX_DEPTH))
@settings(max_examples=300)
def test_too_deep_counts_nesting_outside_strings_only(value: Any, wrap: int) -> None:
    for _ in range(wrap):
        value = [value]
    text = json.dumps(value, ensure_ascii=False)
    assert limits.too_deep(text) == (_depth(value) > limits.MAX_DEPTH)


def test_record_times_compare_as_instants() -> None:
    assert records.instant("2026-11-23T09:00:00Z") < records.instant("2026-11-23T09:00:00.000000001Z")
    assert records.instant("2026-11-23T09:00:00.5Z") == records.instant("2026-11-23T09:00:00.500Z")


def test_a_vote_id_cache_hit_and_an_undecodable_vote_id() -> None:
    records._VOTE_IDS.clear()
    line = _line({"vote_id": "表决", "ballot": {}, "nonce": NONCE})
    assert records.match_ballot(line) == records.match_ballot(line)
    broken = line.replace("表决".encode(), b"\xff\xfe")
    assert records.match_ballot(broken) is None
    for i in range(records._CACHE_LIMIT + 1):
        records.match_ballot(_line({"vote_id": f"v{i}", "ballot": {}, "nonce": NONCE}))
    assert len(records._VOTE_IDS) <= records._CACHE_LIMIT



def _raw(body: dict[str, Any], type_: str, seq: int = 7) -> bytes:
    """A record line as sorted, compact JSON, checked by nothing (the parsers judge it)."""
    obj = {"body": body, "prev": PREV, "seq": seq, "time": TIME, "type": type_}
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()


pointer_bodies = st.fixed_dictionaries(
    {"vote_id": vote_ids, "seq": st.integers(-3, 2**53 + 3) | st.sampled_from([0, 2**53 - 1, 2**53])},
    optional={"member": vote_ids | st.just(""), "extra": st.integers(0, 3)},
)


@settings(max_examples=400, deadline=None)
@given(st.sampled_from(["ballot_withdrawn", "named_ballot"]), pointer_bodies,
       st.integers(0, 2**53 + 3) | st.just(2**53 - 1))
def test_the_withdrawal_and_named_ballot_fast_path_agrees_with_the_full_parser(
        type_: str, body: dict[str, Any], seq: int) -> None:
    line = _raw(body, type_, seq)
    fast = records.match_pointer(line)
    try:
        full = records.decode_full(line)
    except RecordError:
        assert fast is None  # every line the full parser refuses is left to it
        return
    if fast is None:  # left to the full parser: an escape, a field more, or an integer beyond 2**53 - 1
        assert "extra" in body or any(json.dumps(v, ensure_ascii=False) != f'"{v}"' for v in (
            body["vote_id"], body.get("member", ""))) or max(seq, body["seq"]) > 2**53 - 1 or (
            type_ == "named_ballot" and "member" not in body) or body.get("member") == ""
        return
    assert fast == full


@pytest.mark.parametrize("line", [
    _raw({"seq": 3, "vote_id": "v1"}, "named_ballot"),  # a named ballot without its member
    _raw({"member": "D1", "seq": 3, "vote_id": "v1"}, "named_ballot").replace(b'"D1"', b'"\xff"'),  # not UTF-8
    _raw({"member": "D1", "seq": 3, "vote_id": "v1"}, "named_ballot").replace(b'"seq":3,"v', b'"seq":03,"v'),
    _raw({"seq": 3, "vote_id": "v1"}, "ballot_withdrawn").replace(b'"seq":3,"v', b'"seq":9007199254740993,"v'),
    _raw({"seq": 3, "vote_id": "v1"}, "ballot_withdrawn").replace(b"2026", b"2O26"),
])
def test_withdrawals_and_named_ballots_the_fast_path_declines(line: bytes) -> None:
    assert records.match_pointer(line) is None


_HEX = "0123456789abcdef"
run_ballots = st.lists(st.dictionaries(st.sampled_from(["choice", "b", "a"]), json_values, max_size=2), min_size=1,
                       max_size=5)
# A line's bytes changed: one byte replaced, inserted or removed (a byte of hex, a digit, a quote, a letter...).
edits = st.none() | st.tuples(st.integers(0, 4), st.integers(0, 400), st.sampled_from(["replace", "insert", "delete"]),
                              st.sampled_from([*b'0aAf9g"\\,:}{', 0xff, 0x0a]))


@settings(max_examples=500, deadline=None)
@given(vote_ids, run_ballots, st.integers(0, 2**53 - 8) | st.sampled_from([0, 9, 99, 2**53 - 6]),
       st.sampled_from([TIME, "2026-11-23T09:00:00Z", "2026-11-23T09:00:00.123456789Z"]), edits,
       st.booleans(), st.data())
def test_a_run_of_ballots_is_taken_only_as_each_line_alone_would_be(
        vote_id: str, ballots: list[dict[str, Any]], seq: int, time: str,
        edit: tuple[int, int, str, int] | None, closed: bool, data: st.DataObject) -> None:
    """`match_ballot_run` takes a run of lines only if every one is the canonical ballot the fast
    path takes alone (`match_ballot`, property-tested against the full parser), of the run's vote
    id, time and seq; and it takes every run of such lines."""
    nonces = [data.draw(st.text(_HEX, min_size=32, max_size=32)) for _ in ballots]
    prevs = [data.draw(st.text(_HEX, min_size=64, max_size=64)) for _ in ballots]
    run = [_line({"vote_id": vote_id, "ballot": b, "nonce": n}, seq=seq + i, time=time, prev=p)
           for i, (b, n, p) in enumerate(zip(ballots, nonces, prevs, strict=True))]
    if edit is not None:
        which, at, how, byte = edit
        line = run[which % len(run)]
        at %= len(line) + 1
        run[which % len(run)] = (line[:at] + bytes([byte]) + line[at + (how == "replace"):] if how != "delete"
                                 else line[:at] + line[at + 1:])
    after = [_line({"vote_id": vote_id, "seq": seq}, "ballot_withdrawn", seq=seq + len(run))] if closed else []
    lines = [_line({"origin": "o", "vkey": "k"}, "log_opened", seq=0), *run, *after]
    quoted = json.dumps(vote_id, ensure_ascii=False).encode()
    found = records.match_ballot_run(lines, 1, quoted, time.encode(), seq)
    leading = list(takewhile(lambda line: line.startswith(records.BALLOT_PREFIX), run))  # the run: up to another line
    taken = [records.match_ballot(line) for line in leading]
    alone = bool(leading) and all(fast is not None and (fast.seq, fast.time, fast.vote_id) == (seq + i, time.encode(),
                                                                                               vote_id)
                                  for i, fast in enumerate(taken))
    if found is None:
        assert not alone or quoted != f'"{vote_id}"'.encode()  # (only a vote id that needs escapes is declined)
        return
    assert alone
    texts, prev_list = found
    assert len(texts) == len(prev_list) == len(leading)
    for line, text, prev, fast in zip(leading, texts, prev_list, taken, strict=True):
        assert fast is not None and (fast.ballot, fast.prev) == (text, prev)
        assert records.decode_full(line) == records.decode(line)


def test_a_run_is_declined_for_a_vote_id_or_a_time_no_line_could_hold() -> None:
    line = _line({"vote_id": "v", "ballot": {}, "nonce": NONCE})
    assert records.match_ballot_run([line], 0, b'"v"', TIME.encode(), 7) is not None
    assert records.match_ballot_run([line], 0, b'"v"', b"yesterday", 7) is None
    assert records.match_ballot_run([line], 0, b'v', TIME.encode(), 7) is None
    assert records.match_ballot_run([line], 1, b'"v"', TIME.encode(), 7) is None  # (an empty run)
    assert records.match_ballot_run([line.replace(NONCE.encode(), NONCE.upper().encode())], 0, b'"v"',
                                    TIME.encode(), 7) is None
    assert records.match_ballot_run([line.replace(PREV.encode(), PREV.upper().encode())], 0, b'"v"',
                                    TIME.encode(), 7) is None
    assert records.match_ballot_run([line.replace(b'{"body":{"ballot":{}', b'{"body":{"ballot":{ }')], 0, b'"v"',
                                    TIME.encode(), 7) is None
