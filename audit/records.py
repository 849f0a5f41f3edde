"""Audit log records: canonical JSON (RFC 8785) objects, one per line, chained by hash.

    {"body": {...}, "prev": <hex>, "seq": <int>, "time": <RFC 3339 UTC>, "type": <str>}

* ``seq`` is the 0-based leaf index of the record in the RFC 9162 tree (`audit.merkle`);
* ``prev`` is the lowercase hex RFC 9162 leaf hash, SHA-256(0x00 || bytes), of the previous
  record's canonical bytes (64 zeros for seq 0), so the log is a hash chain as well as a tree;
* ``time`` is RFC 3339 §5.6 ``date-time`` in UTC with a ``Z`` offset, e.g.
  ``2026-11-23T09:00:00.123Z`` (we write milliseconds; readers accept 0-9 fraction digits).
  Times never go back: a record is never dated before the record before it (`audit.log` holds a
  clock that stepped back at the last time written).

The leaf data of a record is exactly its canonical bytes: the line without its ``\\n``.
Canonical JSON never contains a raw newline, so one record is one line.

Bodies of the types the verifier understands are checked here (`check_body`); any other type
matching ``[a-z][a-z0-9_.-]*`` is chained and merkled but opaque.  A ``ballot`` body has exactly
``vote_id``, ``ballot`` and ``nonce``: nothing that could carry a voter's identity.  The session
records the server writes (meeting, roll, status, check-in, attendance, agenda, named votes,
extensions) are understood too: the verifier derives each vote's base, attendance, eligible voters
and time window from them (docs/verifier-spec.md lists every field); so are the records of
encrypted secret votes (the 监票人's key ceremony, challenged ballots, totals and decryption), whose
cryptography `audit.encrypted` checks.

A record line is at most `audit.limits.MAX_RECORD_BYTES` long and nests JSON at most
`audit.limits.MAX_DEPTH` deep: `encode` refuses more, as the verifier does.
"""

from __future__ import annotations

import json
import re
import time as _time
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from enum import StrEnum
from itertools import compress, repeat
from itertools import count as _from
from operator import not_
from typing import Any, NamedTuple

from audit import canonical
from audit.errors import CanonicalJSONError, RecordError
from audit.limits import MAX_DEPTH, MAX_RECORD_BYTES, too_deep

__all__ = [
    "ATTENDANCE_STATES",
    "GENESIS_PREV",
    "MEMBER_STATUSES",
    "BallotLine",
    "Record",
    "RecordType",
    "check_body",
    "check_time",
    "decode",
    "decode_full",
    "encode",
    "format_time",
    "instant",
    "match_ballot",
    "match_ballot_run",
    "match_pointer",
    "now",
]

GENESIS_PREV = "0" * 64


class RecordType(StrEnum):
    """The record types whose bodies the verifier understands."""

    LOG_OPENED = "log_opened"  # {"origin": str, "vkey": str}
    LOG_RECOVERED = "log_recovered"  # {"file": str, "truncated_bytes": int, "sha256": hex}
    VOTE_OPENED = "vote_opened"  # {"vote_id": str, "definition": {...}, "secrecy"?: str, "encryption"?: {...}}
    BALLOT = "ballot"  # {"vote_id": str, "ballot": {...}, "nonce": 32 hex}
    VOTE_CLOSED = "vote_closed"  # {"vote_id": str, "ballots_cast": int}
    RESULT = "result"  # {"vote_id": str, "result": {...}}
    MANUAL_RESULT = "manual_result"  # {"vote_id": str, "method": ..., "result": {...}}
    VOTE_VOIDED = "vote_voided"  # {"vote_id": str, "reason": str}
    BALLOT_WITHDRAWN = "ballot_withdrawn"  # {"vote_id": str, "seq": int}: replaced before close
    # The session: what the verifier derives each vote's base, attendance and window from.
    MEETING_CREATED = "meeting_created"  # {"meeting_id": int, "body": str, "settings": {...}, ...}
    ROLL_LOADED = "roll_loaded"  # {"meeting_id": int, "members": [{"code": str, "name": str, "status": str}], ...}
    MEMBER_STATUS = "member_status"  # {"member": str, "status": str, ["meeting_id": int], ...}
    CHECK_IN = "check_in"  # {"meeting_id": int, "member": str, "by": "self" | "staff:...", "reason": str}
    ATTENDANCE = "attendance"  # {"meeting_id": int, "member": str, "state": "leave" | "absent", ...}
    ITEM_ADDED = "item_added"  # {"meeting_id": int, "item_id": int, "kind", "title", "definition", "secret"}
    ITEM_UPDATED = "item_updated"  # {"item_id": int, "kind", "title", "definition", "secret"}
    VOTE_NAMED = "vote_named"  # {"vote_id": str}: a 记名 vote, its ballots named below
    NAMED_BALLOT = "named_ballot"  # {"vote_id": str, "seq": int, "member": str}
    VOTE_EXTENDED = "vote_extended"  # {"vote_id": str, "deadline": ISO 8601 with offset}
    # The publish step (meeting setting publish_step): the 总监票人 confirms, then the chair declares.
    RESULT_CONFIRMED = "result_confirmed"  # {"vote_id": str, "by": "scrutineer:<name>"}
    RESULT_DECLARED = "result_declared"  # {"vote_id": str, "by": "chair:<name>"}
    # Encrypted secret votes (docs/ballot-crypto.md): the 监票人's key ceremony, then per vote.
    CEREMONY_STARTED = "ceremony_started"  # {"meeting_id": int, "ceremony": {statement}, "cid": hex, "accounts": [...]}
    CEREMONY_ABANDONED = "ceremony_abandoned"  # {"meeting_id": int, "ceremony": id}
    TRUSTEE_COMMITMENT = "trustee_commitment"  # {"meeting_id": int, "ceremony": id, "commitment": {...}}
    TRUSTEE_SHARES = "trustee_shares"  # {"meeting_id": int, "ceremony": id, "trustee": int, "shares": [...]}
    TRUSTEE_CONFIRMATION = "trustee_confirmation"  # {"meeting_id": int, "ceremony": id, "confirmation": {...}}
    ELECTION_KEY = "election_key"  # {"meeting_id", "ceremony", "cid", "key", "share_keys": [...], "fingerprint"}
    BALLOT_SPOILED = "ballot_spoiled"  # {"vote_id": str, "ballot": {...}, "opening": {...}}: challenged
    ENCRYPTED_TOTALS = "encrypted_totals"  # {"vote_id": str, "totals": [...], "ballots_cast": int}
    PARTIAL_DECRYPTION = "partial_decryption"  # {"vote_id": str, "partial": {...}}
    DECRYPTION = "decryption"  # {"vote_id": str, "trustees": [int], "counts": [int], "tally_counts": {...},
    #                             "write_ins"?: {"uses_trustees", "uses", "names_trustees", "names"}}
    WRITE_IN_PARTIAL = "write_in_partial"  # {"vote_id": str, "round": "uses" | "names", "partial": {...}}


MANUAL_METHODS = ("show_of_hands", "paper")
#: how a vote's ballots are kept, as its ``vote_opened`` says (docs/verifier-spec.md 15f)
SECRECY = ("named", "encrypted", "plaintext", "paper")
MEMBER_STATUSES = ("active", "suspended", "terminated")
ATTENDANCE_STATES = ("leave", "absent")

_TYPE = re.compile(r"[a-z][a-z0-9_.-]{0,63}")
_HEX64 = re.compile(r"[0-9a-f]{64}")
_NONCE = re.compile(r"[0-9a-f]{32}")
_TIME_PATTERN = (
    r"[0-9]{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])"
    r"T(?:[01][0-9]|2[0-3]):[0-5][0-9]:(?:[0-5][0-9]|60)(?:\.[0-9]{1,9})?Z"
)
_TIME = re.compile(_TIME_PATTERN, re.ASCII)
# The whole of a canonical ballot record, as bytes, in two parts:
#     {"body":{"ballot":<ballot object>    BALLOT_PREFIX, then the ballot up to the *last*
#     ,"nonce":"<32 hex>","vote_id":"<id>"},"prev":...,"type":"ballot"}    BALLOT_TAIL
# The last ',"nonce":"' of the line is the body's: nothing after it (hex, a string with no raw
# '"', the fixed fields) can hold one.  The ballot object itself is checked apart (cached); a vote
# id with escapes is left to the full parser.
BALLOT_PREFIX = b'{"body":{"ballot":{'
BALLOT_NONCE = b',"nonce":"'
BALLOT_TAIL = re.compile(
    rb',"nonce":"[0-9a-f]{32}","vote_id":("[^"\\\x00-\x1f]++")\},"prev":"([0-9a-f]{64})",'
    rb'"seq":(0|[1-9][0-9]{0,15}),"time":"(' + _TIME_PATTERN.encode("ascii") + rb')","type":"ballot"\}'
)
# The whole of a canonical ``ballot_withdrawn`` or ``named_ballot`` record (after ballots, the
# commonest records: a replaced ballot, a named vote's ballot named) whose strings need no escape
# and whose integers have at most 16 digits; `match_pointer` reads it without a JSON parse.
_PLAIN_STRING = rb'"([^"\\\x00-\x1f]++)"'
_SEQ_DIGITS = rb"(0|[1-9][0-9]{0,15})"
_POINTER = re.compile(
    rb'\{"body":\{(?:"member":' + _PLAIN_STRING + rb',)?"seq":' + _SEQ_DIGITS + rb',"vote_id":' + _PLAIN_STRING
    + rb'\},"prev":"([0-9a-f]{64})","seq":' + _SEQ_DIGITS + rb',"time":"(' + _TIME_PATTERN.encode("ascii")
    + rb')","type":"(ballot_withdrawn|named_ballot)"\}'
)
_JSON = json.JSONDecoder()
_KNOWN_CANONICAL_BALLOTS: set[bytes] = set()
_VOTE_IDS: dict[bytes, str] = {}  # a vote id's JSON string (quotes included) -> the id
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


def instant(time: str) -> str:
    """A record time as a string that sorts like the instant it names (nine fraction digits):
    ``2026-11-23T09:00:00.5Z`` and ``…00.500Z`` give the same, ``…00Z`` sorts before both."""
    if time[19:20] == ".":
        return time[:20] + time[20:-1].ljust(9, "0") + "Z"
    return time[:19] + ".000000000Z"


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


def _text(body: Mapping[str, Any], key: str) -> None:
    if type(body.get(key)) is not str:
        raise RecordError(f"body.{key} must be a string")


def _one_of(body: Mapping[str, Any], key: str, allowed: tuple[str, ...]) -> None:
    if body.get(key) not in allowed:
        raise RecordError(f"body.{key} must be one of {', '.join(allowed)}")


def _deadline(value: object) -> None:
    try:
        moment = datetime.fromisoformat(value) if type(value) is str else None
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise RecordError("body.deadline must be an ISO 8601 date-time with its UTC offset")


_STR, _INT = (str, "a non-empty string"), (int, "an integer")
_DICT, _BOOL = (dict, "an object"), (bool, "true or false")
_LIST = (list, "a list")

# Fields every body of a type must have (more are allowed), as (key, (type, what)).
_FIELDS: dict[str, tuple[tuple[str, tuple[type, str]], ...]] = {
    RecordType.LOG_OPENED: (("origin", _STR), ("vkey", _STR)),
    RecordType.LOG_RECOVERED: (("file", _STR), ("truncated_bytes", _INT), ("sha256", (str, "a hex string"))),
    RecordType.VOTE_OPENED: (("vote_id", _STR), ("definition", _DICT)),
    RecordType.VOTE_CLOSED: (("vote_id", _STR), ("ballots_cast", _INT)),
    RecordType.RESULT: (("vote_id", _STR), ("result", _DICT)),
    RecordType.MANUAL_RESULT: (("vote_id", _STR), ("method", (str, "a string")), ("result", _DICT)),
    RecordType.VOTE_VOIDED: (("vote_id", _STR), ("reason", _STR)),
    RecordType.BALLOT_WITHDRAWN: (("vote_id", _STR), ("seq", _INT)),
    RecordType.MEETING_CREATED: (("meeting_id", _INT), ("body", _STR), ("settings", _DICT)),
    RecordType.ROLL_LOADED: (("meeting_id", _INT), ("members", _LIST)),
    RecordType.MEMBER_STATUS: (("member", _STR),),
    RecordType.CHECK_IN: (("meeting_id", _INT), ("member", _STR), ("by", _STR)),
    RecordType.ATTENDANCE: (("meeting_id", _INT), ("member", _STR)),
    RecordType.ITEM_ADDED: (("meeting_id", _INT), ("item_id", _INT), ("kind", _STR), ("title", _STR),
                            ("definition", _DICT), ("secret", _BOOL)),
    RecordType.ITEM_UPDATED: (("item_id", _INT), ("kind", _STR), ("title", _STR), ("definition", _DICT),
                              ("secret", _BOOL)),
    RecordType.VOTE_NAMED: (("vote_id", _STR),),
    RecordType.NAMED_BALLOT: (("vote_id", _STR), ("seq", _INT), ("member", _STR)),
    RecordType.VOTE_EXTENDED: (("vote_id", _STR),),
    RecordType.RESULT_CONFIRMED: (("vote_id", _STR), ("by", _STR)),
    RecordType.RESULT_DECLARED: (("vote_id", _STR), ("by", _STR)),
    RecordType.CEREMONY_STARTED: (("meeting_id", _INT), ("ceremony", _DICT), ("cid", _STR), ("accounts", _LIST)),
    RecordType.CEREMONY_ABANDONED: (("meeting_id", _INT), ("ceremony", _STR)),
    RecordType.TRUSTEE_COMMITMENT: (("meeting_id", _INT), ("ceremony", _STR), ("commitment", _DICT)),
    RecordType.TRUSTEE_SHARES: (("meeting_id", _INT), ("ceremony", _STR), ("trustee", _INT), ("shares", _LIST)),
    RecordType.TRUSTEE_CONFIRMATION: (("meeting_id", _INT), ("ceremony", _STR), ("confirmation", _DICT)),
    RecordType.ELECTION_KEY: (("meeting_id", _INT), ("ceremony", _STR), ("cid", _STR), ("key", _STR),
                              ("share_keys", _LIST), ("fingerprint", _STR)),
    RecordType.BALLOT_SPOILED: (("vote_id", _STR), ("ballot", _DICT), ("opening", _DICT)),
    RecordType.ENCRYPTED_TOTALS: (("vote_id", _STR), ("totals", _LIST), ("ballots_cast", _INT)),
    RecordType.PARTIAL_DECRYPTION: (("vote_id", _STR), ("partial", _DICT)),
    RecordType.DECRYPTION: (("vote_id", _STR), ("trustees", _LIST), ("counts", _LIST), ("tally_counts", _DICT)),
    RecordType.WRITE_IN_PARTIAL: (("vote_id", _STR), ("round", _STR), ("partial", _DICT)),
}


def check_body(type_: str, body: Mapping[str, Any]) -> None:
    """Check the body of a known record type; raise `RecordError` if it is malformed."""
    if type(body) is not dict and type(body) is not canonical.Encoded:
        raise RecordError("a record body is a JSON object")
    if type_ == RecordType.BALLOT:
        if body.keys() != {"vote_id", "ballot", "nonce"}:
            raise RecordError("a ballot body has exactly vote_id, ballot and nonce (no voter identity)")
        _need(body, "vote_id", str, "a non-empty string")
        _need(body, "ballot", dict, "an object")
        if type(body["nonce"]) is not str or _NONCE.fullmatch(body["nonce"]) is None:
            raise RecordError("body.nonce must be 32 lowercase hex digits")
        return
    for key, (kind, what) in _FIELDS.get(type_, ()):
        _need(body, key, kind, what)
    for key in ("ballots_cast", "seq", "meeting_id", "item_id"):
        if type_ in _FIELDS and type(body.get(key)) is int and body[key] < 0:
            raise RecordError(f"body.{key} must be >= 0")
    if type_ == RecordType.VOTE_OPENED:
        if "ballots" in body["definition"] or "counts" in body["definition"]:
            raise RecordError("a vote definition has no ballots or counts")
        if "encryption" in body:
            _need(body, "encryption", dict, "an object")
        if "secrecy" in body:
            _one_of(body, "secrecy", SECRECY)
    elif type_ == RecordType.MANUAL_RESULT:
        _one_of(body, "method", MANUAL_METHODS)
    elif type_ == RecordType.ROLL_LOADED:
        for member in body["members"]:
            if type(member) is not dict:
                raise RecordError("body.members are objects")
            _need(member, "code", str, "a non-empty string")
            _need(member, "name", str, "a non-empty string")
            _one_of(member, "status", MEMBER_STATUSES)
    elif type_ == RecordType.MEMBER_STATUS:
        _one_of(body, "status", MEMBER_STATUSES)
        if "meeting_id" in body:
            _need(body, "meeting_id", int, "an integer")
    elif type_ == RecordType.CHECK_IN:
        _text(body, "reason")
    elif type_ == RecordType.ATTENDANCE:
        _one_of(body, "state", ATTENDANCE_STATES)
    elif type_ == RecordType.VOTE_EXTENDED:
        _deadline(body.get("deadline"))


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
    if type(body) is canonical.Encoded:  # encoded once by the writer (a large ballot)
        body_bytes = body.canonical
    else:
        try:
            body_bytes = canonical.dumps(body)
        except CanonicalJSONError as exc:
            raise RecordError(f"record body: {exc}") from exc
    line = b"".join(
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
    if len(line) > MAX_RECORD_BYTES:
        raise RecordError(f"a record is at most {MAX_RECORD_BYTES} bytes (this one {len(line)})")
    if (line.count(b"[") + line.count(b"{") > MAX_DEPTH) and too_deep(line.decode("utf-8")):
        raise RecordError(f"a record nests JSON at most {MAX_DEPTH} levels deep")
    return line


class BallotLine(NamedTuple):
    """The fields of a canonical ballot record line, as `match_ballot` finds them (ASCII fields
    and the ballot's canonical JSON as bytes, as they stand in the line)."""

    seq: int
    prev: bytes  # 64 lowercase hex digits
    time: bytes
    vote_id: str
    ballot: bytes  # the ballot object's canonical JSON
    nonce: bytes


def ballot_fields(ballot: bytes, vote_id: bytes, seq: bytes) -> tuple[str, int] | None:
    """The vote id and seq of a line `BALLOT_TAIL` matched, or None if its ballot is not canonical
    JSON, its vote id not UTF-8, or its seq beyond 2**53 - 1 (then `decode` judges it).
    Known canonical ballot texts and vote ids are cached (bounded)."""
    if ballot not in _KNOWN_CANONICAL_BALLOTS:
        try:
            canonical.loads(ballot.decode("utf-8"))
        except (UnicodeDecodeError, CanonicalJSONError):
            return None
        if len(_KNOWN_CANONICAL_BALLOTS) >= _CACHE_LIMIT:
            _KNOWN_CANONICAL_BALLOTS.clear()
        _KNOWN_CANONICAL_BALLOTS.add(ballot)
    name = _VOTE_IDS.get(vote_id)
    if name is None:
        try:
            name = vote_id[1:-1].decode("utf-8")  # not empty: BALLOT_TAIL wants one character at least
        except UnicodeDecodeError:
            return None
        if len(_VOTE_IDS) >= _CACHE_LIMIT:
            _VOTE_IDS.clear()
        _VOTE_IDS[vote_id] = name
    if len(seq) == 16 and int(seq) > 2**53 - 1:
        return None
    return name, int(seq)


def match_ballot(line: bytes) -> BallotLine | None:
    """The fields of `line` if it is a canonical, well-formed ``ballot`` record, else None.

    The fast path for the commonest record (a search and a regular expression instead of a JSON
    parse and re-encode); None means only "not recognised here": `decode` then gives the verdict.
    `decode` returns the same record for every line this accepts (property-tested).
    """
    if not line.startswith(BALLOT_PREFIX):
        return None
    cut = line.rfind(BALLOT_NONCE)
    match = BALLOT_TAIL.fullmatch(line, cut)
    if match is None:
        return None
    vote_id, prev, seq, time = match.groups()
    ballot, nonce = line[18:cut], line[cut + 10 : cut + 42]
    fields = ballot_fields(ballot, vote_id, seq)
    if fields is None:
        return None
    return BallotLine(fields[1], prev, time, fields[0], ballot, nonce)


_HEX_DIGITS = b"0123456789abcdef"
_RUN_VOTE_ID = re.compile(rb'"[^"\\\x00-\x1f]++"')
_RUN_TIME = re.compile(_TIME_PATTERN.encode("ascii"))
_SEQ_KEY = b'","seq":'


def match_ballot_run(lines: Sequence[bytes], start: int, vote_id: bytes, time: bytes,
                     seq: int) -> tuple[list[bytes], list[bytes]] | None:
    """The ballot texts and prevs of the run of lines from ``lines[start]`` that begin as a ballot
    record does, if every one of them is the canonical ``ballot`` record `match_ballot` accepts
    with the vote id `vote_id` (its JSON string, as a line holds it), the time `time` (as written)
    and the seq `seq`, `seq` + 1, ...; else None, as for an empty run.

    The path of a secret vote's ballots, all dated at its opening (`audit.verify`): the run is
    checked as a whole, by a few C-level operations on lists of its slices instead of a regular
    expression and a dozen tests per line.  Each line's tail from its last ``,"nonce":"`` must be
    that of the run's vote id and time and of the line's seq, with a nonce and a prev of lowercase
    hex digits, and its ballot canonical JSON: what `match_ballot` checks with `BALLOT_TAIL`
    (property-tested against it and `decode_full`).
    """
    end = next(compress(_from(start), map(not_, map(bytes.startswith, map(lines.__getitem__, range(start, len(lines))),
                                                    repeat(BALLOT_PREFIX)))), len(lines))
    if end == start or _RUN_VOTE_ID.fullmatch(vote_id) is None or _RUN_TIME.fullmatch(time) is None:
        return None
    run, size = lines[start:end], end - start
    part = bytes.__getitem__
    # A tail: ',"nonce":"' (10 bytes), the nonce (32), `middle` (m), the prev (64), '","seq":' (8), `rest`.
    middle = b'","vote_id":' + vote_id + b'},"prev":"'
    m = len(middle)
    rest = b'%d,"time":"' + time + b'","type":"ballot"}'  # (a time has no "%")
    cuts = list(map(bytes.rfind, run, repeat(BALLOT_NONCE)))
    tails = list(map(part, run, map(slice, cuts, repeat(None))))
    if (list(map(part, tails, repeat(slice(114 + m, None)))) != list(map(rest.__mod__, range(seq, seq + size)))
            or list(map(part, tails, repeat(slice(42, 42 + m)))).count(middle) != size
            or list(map(part, tails, repeat(slice(106 + m, 114 + m)))).count(_SEQ_KEY) != size):
        return None
    nonces = b"".join(map(part, tails, repeat(slice(10, 42))))
    prevs = list(map(part, tails, repeat(slice(42 + m, 106 + m))))
    joined = b"".join(prevs)
    if (len(nonces) != 32 * size or len(joined) != 64 * size or nonces.translate(None, _HEX_DIGITS)
            or joined.translate(None, _HEX_DIGITS) or seq + size > 2**53):
        return None
    ballots = list(map(part, run, map(slice, repeat(18), cuts)))
    for ballot in {ballots[0], *set(ballots).difference(_KNOWN_CANONICAL_BALLOTS)}:
        if ballot_fields(ballot, vote_id, b"0") is None:  # (the vote id's UTF-8 is checked here too)
            return None
    return ballots, prevs


def match_pointer(line: bytes) -> Record | None:
    """The record on `line` if it is a canonical, well-formed ``ballot_withdrawn`` or
    ``named_ballot`` record of the common shape (`_POINTER`), else None (then `decode_full` judges
    it).  `decode_full` gives the same record for every line this accepts (property-tested)."""
    match = _POINTER.fullmatch(line)
    if match is None:
        return None
    member, body_seq, vote_id, prev, seq, time, type_ = match.groups()
    if type_ == b"named_ballot" and member is None:
        return None  # (a named ballot names its member: decode_full says so)
    if max(int(body_seq), int(seq)) > 2**53 - 1:
        return None  # (not an integer canonical JSON holds exactly)
    try:
        body: dict[str, Any] = {"seq": int(body_seq), "vote_id": vote_id.decode("utf-8")}
        if member is not None:
            body["member"] = member.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return Record(int(seq), type_.decode("ascii"), time.decode("ascii"), prev.decode("ascii"), body)


def decode(line: bytes) -> Record:
    """Parse one record (a line without its newline) and check that it is canonical and
    well-formed; raise `RecordError` otherwise."""
    fast = match_ballot(line)
    if fast is not None:
        body = {"vote_id": fast.vote_id, "ballot": _JSON.raw_decode(fast.ballot.decode("utf-8"))[0],
                "nonce": fast.nonce.decode("ascii")}
        return Record(fast.seq, RecordType.BALLOT.value, fast.time.decode("ascii"), fast.prev.decode("ascii"), body)
    return decode_full(line)


def decode_full(line: bytes) -> Record:
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
