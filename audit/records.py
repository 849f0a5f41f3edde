"""Audit log records: canonical JSON (RFC 8785) objects, one per line, chained by hash.

    {"body": {...}, "prev": <hex>, "seq": <int>, "time": <RFC 3339 UTC>, "type": <str>}

* ``seq`` is the 0-based leaf index of the record in the RFC 9162 tree (`audit.merkle`);
* ``prev`` is the lowercase hex RFC 9162 leaf hash, SHA-256(0x00 || bytes), of the previous
  record's canonical bytes (64 zeros for seq 0), so the log is a hash chain as well as a tree;
* ``time`` is RFC 3339 §5.6 ``date-time`` in UTC with a ``Z`` offset, e.g.
  ``2026-11-23T09:00:00.123Z`` (we write milliseconds; readers accept 0-9 fraction digits).

The leaf data of a record is exactly its canonical bytes: the line without its ``\\n``.
Canonical JSON never contains a raw newline, so one record is one line.

Bodies of the types the verifier understands are checked here (`check_body`); any other type
matching ``[a-z][a-z0-9_.-]*`` is chained and merkled but opaque.  A ``ballot`` body has exactly
``vote_id``, ``ballot`` and ``nonce``: nothing that could carry a voter's identity.
"""

from __future__ import annotations

import json
import re
import time as _time
from collections.abc import Mapping
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, NamedTuple

from audit import canonical
from audit.errors import CanonicalJSONError, RecordError

__all__ = [
    "GENESIS_PREV",
    "BallotLine",
    "Record",
    "RecordType",
    "check_body",
    "check_time",
    "decode",
    "encode",
    "format_time",
    "match_ballot",
    "now",
]

GENESIS_PREV = "0" * 64


class RecordType(StrEnum):
    """The record types whose bodies the verifier understands."""

    LOG_OPENED = "log_opened"  # {"origin": str, "vkey": str}
    LOG_RECOVERED = "log_recovered"  # {"file": str, "truncated_bytes": int, "sha256": hex}
    VOTE_OPENED = "vote_opened"  # {"vote_id": str, "definition": {...}}
    BALLOT = "ballot"  # {"vote_id": str, "ballot": {...}, "nonce": 32 hex}
    VOTE_CLOSED = "vote_closed"  # {"vote_id": str, "ballots_cast": int}
    RESULT = "result"  # {"vote_id": str, "result": {...}}
    MANUAL_RESULT = "manual_result"  # {"vote_id": str, "method": ..., "result": {...}}
    VOTE_VOIDED = "vote_voided"  # {"vote_id": str, "reason": str}
    BALLOT_WITHDRAWN = "ballot_withdrawn"  # {"vote_id": str, "seq": int}: replaced before close


MANUAL_METHODS = ("show_of_hands", "paper")

_TYPE = re.compile(r"[a-z][a-z0-9_.-]{0,63}")
_HEX64 = re.compile(r"[0-9a-f]{64}")
_NONCE = re.compile(r"[0-9a-f]{32}")
_TIME_PATTERN = (
    r"[0-9]{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])"
    r"T(?:[01][0-9]|2[0-3]):[0-5][0-9]:(?:[0-5][0-9]|60)(?:\.[0-9]{1,9})?Z"
)
_TIME = re.compile(_TIME_PATTERN, re.ASCII)
# A JSON string as RFC 8785 writes it: only '"', '\' and control characters are escaped.
_STRING = r'"(?:[^"\\\x00-\x1f]|\\["\\bfnrt]|\\u00(?:0[0-7bef]|1[0-9a-f]))*"'
# The whole of a canonical ballot record; the ballot object itself is checked separately.
_BALLOT_LINE = re.compile(
    r'\{"body":\{"ballot":(\{.*?\}),"nonce":"([0-9a-f]{32})","vote_id":(' + _STRING + r")\},"
    r'"prev":"([0-9a-f]{64})","seq":(0|[1-9][0-9]{0,15}),"time":"(' + _TIME_PATTERN + r')","type":"ballot"\}',
    re.DOTALL,
)
_JSON = json.JSONDecoder()
_KNOWN_CANONICAL_BALLOTS: set[str] = set()
_CACHE_LIMIT = 4096


class Record(NamedTuple):
    """A parsed record.  Its leaf data is `encode` of these fields (= the line in the file).

    A NamedTuple rather than a frozen dataclass: it is built once per line on the verifier's hot
    path, where a frozen dataclass's ``__init__`` costs several times as much.
    """

    seq: int
    type: str
    time: str
    prev: str
    body: Mapping[str, Any]


def format_time(moment: datetime) -> str:
    """RFC 3339 UTC with milliseconds, e.g. ``2026-11-23T09:00:00.123Z``."""
    if moment.tzinfo is None:
        raise RecordError("record times must be timezone-aware")
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


class _Clock:
    """`now` formats the date and time once per second, then only adds the milliseconds."""

    second = -1
    prefix = ""


def now() -> str:
    """The current time as a record time."""
    stamp = _time.time()
    second = int(stamp)
    if second != _Clock.second:
        _Clock.prefix = _time.strftime("%Y-%m-%dT%H:%M:%S.", _time.gmtime(second))
        _Clock.second = second
    return f"{_Clock.prefix}{int((stamp - second) * 1000):03d}Z"


def check_time(value: object) -> str:
    """Return `value` if it is an RFC 3339 UTC record time, else raise `RecordError`."""
    if type(value) is not str or _TIME.fullmatch(value) is None:
        raise RecordError(f"bad record time {value!r}: want RFC 3339 UTC like 2026-11-23T09:00:00.123Z")
    return value


def _need(body: Mapping[str, Any], key: str, kind: type, what: str) -> Any:
    value = body.get(key)
    if type(value) is not kind or (kind is str and not value):
        raise RecordError(f"body.{key} must be {what}")
    return value


def check_body(type_: str, body: Mapping[str, Any]) -> None:
    """Check the body of a known record type; raise `RecordError` if it is malformed."""
    if type(body) is not dict:
        raise RecordError("a record body is a JSON object")
    if type_ == RecordType.LOG_OPENED:
        _need(body, "origin", str, "a non-empty string")
        _need(body, "vkey", str, "a non-empty string")
    elif type_ == RecordType.LOG_RECOVERED:
        _need(body, "file", str, "a non-empty string")
        _need(body, "truncated_bytes", int, "an integer")
        _need(body, "sha256", str, "a hex string")
    elif type_ == RecordType.BALLOT:
        if body.keys() != {"vote_id", "ballot", "nonce"}:
            raise RecordError("a ballot body has exactly vote_id, ballot and nonce (no voter identity)")
        _need(body, "vote_id", str, "a non-empty string")
        _need(body, "ballot", dict, "an object")
        if type(body["nonce"]) is not str or _NONCE.fullmatch(body["nonce"]) is None:
            raise RecordError("body.nonce must be 32 lowercase hex digits")
    elif type_ in _VOTE_BODIES:
        _need(body, "vote_id", str, "a non-empty string")
        for key, kind, what in _VOTE_BODIES[type_]:
            _need(body, key, kind, what)
        if type_ == RecordType.VOTE_OPENED and "ballots" in body["definition"]:
            raise RecordError("a vote definition has no ballots")
        if type_ == RecordType.VOTE_CLOSED and body["ballots_cast"] < 0:
            raise RecordError("body.ballots_cast must be >= 0")
        if type_ == RecordType.BALLOT_WITHDRAWN and body["seq"] < 0:
            raise RecordError("body.seq must be >= 0")
        if type_ == RecordType.MANUAL_RESULT and body["method"] not in MANUAL_METHODS:
            raise RecordError(f"body.method must be one of {', '.join(MANUAL_METHODS)}")


_VOTE_BODIES: dict[str, tuple[tuple[str, type, str], ...]] = {
    RecordType.VOTE_OPENED: (("definition", dict, "an object"),),
    RecordType.VOTE_CLOSED: (("ballots_cast", int, "an integer"),),
    RecordType.RESULT: (("result", dict, "an object"),),
    RecordType.MANUAL_RESULT: (("method", str, "a string"), ("result", dict, "an object")),
    RecordType.VOTE_VOIDED: (("reason", str, "a non-empty string"),),
    RecordType.BALLOT_WITHDRAWN: (("seq", int, "an integer"),),
}


def encode(seq: int, type_: str, time: str, prev: str, body: Mapping[str, Any]) -> bytes:
    """The canonical bytes (leaf data) of a record; checks every field.

    The five top-level names are ASCII and already in RFC 8785 order, so only the body needs a
    general canonicalisation; the rest is spliced in directly.
    """
    if type(seq) is not int or not 0 <= seq <= 2**53 - 1:
        raise RecordError(f"bad seq {seq!r}")
    if not isinstance(type_, str) or _TYPE.fullmatch(type_) is None:
        raise RecordError(f"bad record type {type_!r}: want [a-z][a-z0-9_.-]*")
    type_ = str(type_)  # a RecordType member becomes its plain value
    check_time(time)
    if type(prev) is not str or _HEX64.fullmatch(prev) is None:
        raise RecordError("prev must be 64 lowercase hex digits")
    check_body(type_, body)
    try:
        body_bytes = canonical.dumps(body)
    except CanonicalJSONError as exc:
        raise RecordError(f"record body: {exc}") from exc
    return b"".join(
        (
            b'{"body":',
            body_bytes,
            b',"prev":"',
            prev.encode("ascii"),
            b'","seq":',
            str(seq).encode("ascii"),
            b',"time":"',
            time.encode("ascii"),
            b'","type":"',
            type_.encode("ascii"),
            b'"}',
        )
    )


class BallotLine(NamedTuple):
    """The fields of a canonical ballot record line, as `match_ballot` finds them."""

    seq: int
    prev: str
    time: str
    vote_id: str
    ballot: str  # the ballot object's canonical JSON text
    nonce: str


def match_ballot(line: bytes) -> BallotLine | None:
    """The fields of `line` if it is a canonical, well-formed ``ballot`` record, else None.

    The fast path for the commonest record (a regular expression instead of a JSON parse and
    re-encode); None means only "not recognised here": `decode` then gives the verdict.
    `decode` returns the same record for every line this accepts (property-tested).
    """
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError:
        return None
    match = _BALLOT_LINE.fullmatch(text)
    if match is None:
        return None
    ballot, nonce, vote_id, prev, seq, time = match.groups()
    if ballot not in _KNOWN_CANONICAL_BALLOTS:
        try:
            canonical.loads(ballot)
        except CanonicalJSONError:
            return None
        if len(_KNOWN_CANONICAL_BALLOTS) >= _CACHE_LIMIT:
            _KNOWN_CANONICAL_BALLOTS.clear()
        _KNOWN_CANONICAL_BALLOTS.add(ballot)
    vote_id = json.loads(vote_id) if "\\" in vote_id else vote_id[1:-1]
    if not vote_id or (len(seq) == 16 and int(seq) > 2**53 - 1):
        return None
    return BallotLine(int(seq), prev, time, vote_id, ballot, nonce)


def decode(line: bytes) -> Record:
    """Parse one record (a line without its newline) and check that it is canonical and
    well-formed; raise `RecordError` otherwise."""
    fast = match_ballot(line)
    if fast is not None:
        body = {"vote_id": fast.vote_id, "ballot": _JSON.raw_decode(fast.ballot)[0], "nonce": fast.nonce}
        return Record(fast.seq, RecordType.BALLOT.value, fast.time, fast.prev, body)
    return _decode_slow(line)


def _decode_slow(line: bytes) -> Record:
    """`decode` by a full JSON parse and re-encoding, for any record type."""
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise RecordError("record is not UTF-8") from exc
    try:
        obj = canonical.loads(text)
    except CanonicalJSONError as exc:
        raise RecordError(str(exc)) from exc
    if type(obj) is not dict or obj.keys() != {"body", "prev", "seq", "time", "type"}:
        raise RecordError("a record is an object with exactly body, prev, seq, time and type")
    seq, type_, prev, body = obj["seq"], obj["type"], obj["prev"], obj["body"]
    if type(seq) is not int or seq < 0:
        raise RecordError(f"bad seq {seq!r}")
    if type(type_) is not str or _TYPE.fullmatch(type_) is None:
        raise RecordError(f"bad record type {type_!r}")
    if type(prev) is not str or _HEX64.fullmatch(prev) is None:
        raise RecordError("prev must be 64 lowercase hex digits")
    check_body(type_, body)
    return Record(seq, type_, check_time(obj["time"]), prev, body)
