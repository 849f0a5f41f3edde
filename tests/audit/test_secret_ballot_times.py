"""A secret vote's ballot records carry no time finer than the vote's opening (docs/verifier-spec.md
15b, 15d): the log writes them backdated to it without moving its clock back, and the verifier
names any other time ``ballot-time-revealed`` -- a finer time would tell when a deputy pressed."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from audit import AuditLog, export, verify_export
from audit.records import RecordType
from tests.audit.audit_helpers import DEFINITION, ballot, signer

OPENED = "2099-01-01T09:00:00.000Z"
LATER = "2099-01-01T09:00:05.250Z"
LATEST = "2099-01-01T09:00:09.750Z"
OPEN = (RecordType.VOTE_OPENED, {"vote_id": "v1", "definition": DEFINITION})
NAMED = (RecordType.VOTE_NAMED, {"vote_id": "v1"})
SIGN_IN = ("sign_in", {"user": "staff"})

Dated = tuple[tuple[str, Mapping[str, Any]], str, bool]  # (entry, time, backdated)


def _export(tmp: Path, dated: list[Dated]) -> Path:
    log = AuditLog.open(tmp / "log", signer())
    for entry, time, backdated in dated:
        log.append_many([entry], time, backdated=backdated)
    log.close()
    export(tmp / "log", tmp / "out")
    return tmp / "out"


def _withdrawal(seq: int) -> tuple[str, dict[str, Any]]:
    return RecordType.BALLOT_WITHDRAWN, {"vote_id": "v1", "seq": seq}


def test_a_backdated_record_keeps_its_time_and_leaves_the_log_clock_where_it_was(tmp_path: Path) -> None:
    log = AuditLog.open(tmp_path / "log", signer())
    log.append(*OPEN, OPENED)
    log.append(*SIGN_IN, LATEST)
    seq, line = log.append_many_encoded([ballot("v1", "yes")], OPENED, backdated=True)[0]
    assert b'"time":"' + OPENED.encode() + b'"' in line
    # The next record, dated earlier than the latest (a clock that stepped back), is held at the
    # latest time -- not at the backdated ballot's.
    after = log.append(*SIGN_IN, LATER)
    last = log.append_many([ballot("v1", "no")], OPENED, backdated=True)[0]
    log.close()
    reopened = AuditLog.open(tmp_path / "log", signer())  # (log_opened's own records come first)
    again = reopened.append(*SIGN_IN, LATER)  # reopened: the clock is the latest time, not the last line's
    reopened.close()
    times = [line.split(b'"time":"')[1].split(b'"')[0].decode() for line in
             (tmp_path / "log" / "records.jsonl").read_bytes().splitlines()]
    assert (times[seq], times[after], times[last], times[again]) == (OPENED, LATEST, OPENED, LATEST)


def test_a_backdated_record_needs_its_time(tmp_path: Path) -> None:
    log = AuditLog.open(tmp_path / "log", signer())
    with pytest.raises(ValueError, match="needs its time"):
        log.append_many([ballot("v1", "yes")], backdated=True)
    log.close()


def test_a_secret_vote_s_ballots_and_withdrawals_dated_at_its_opening_verify(tmp_path: Path) -> None:
    out = _export(tmp_path, [
        (OPEN, OPENED, False), (SIGN_IN, LATER, False),
        (ballot("v1", "no"), OPENED, True), (SIGN_IN, LATEST, False),
        (_withdrawal(3), OPENED, True), (ballot("v1", "yes"), OPENED, True),
        ((RecordType.VOTE_CLOSED, {"vote_id": "v1", "ballots_cast": 1}), LATEST, False),
    ])
    report = verify_export(out)
    assert report.ok, report.lines()
    assert report.votes[0].ballots == 1


@pytest.mark.parametrize(("dated", "code", "seq"), [
    # a secret ballot dated when it was written
    ([(OPEN, OPENED, False), (ballot("v1", "yes"), LATER, False)], "ballot-time-revealed", 2),
    # ... or a withdrawal
    ([(OPEN, OPENED, False), (ballot("v1", "yes"), OPENED, True), (_withdrawal(2), LATER, False)],
     "ballot-time-revealed", 3),
    # a secret ballot at the opening, but the (recorded) deadline came before it
    ([(OPEN, OPENED, False),
      ((RecordType.VOTE_EXTENDED, {"vote_id": "v1", "deadline": "2000-01-01T00:00:00+00:00"}), LATER, False),
      (ballot("v1", "yes"), OPENED, True)], "ballot-outside-window", 3),
    # a named vote's ballot is dated when it arrives: at the opening after a later record, it goes back
    ([(OPEN, OPENED, False), (NAMED, OPENED, False), (SIGN_IN, LATER, False), (ballot("v1", "yes"), OPENED, True)],
     "time-reversed", 4),
    # ... and so is its withdrawal
    ([(OPEN, OPENED, False), (NAMED, OPENED, False), (ballot("v1", "yes"), LATER, False),
      (_withdrawal(3), OPENED, True)], "time-reversed", 4),
    # a withdrawal naming a vote never opened is checked like any record first
    ([(OPEN, OPENED, False), (SIGN_IN, LATER, False), ((RecordType.BALLOT_WITHDRAWN, {"vote_id": "v9", "seq": 1}),
                                                        OPENED, True)], "time-reversed", 3),
])
def test_any_other_time_is_named(tmp_path: Path, dated: list[Dated], code: str, seq: int) -> None:
    report = verify_export(_export(tmp_path, dated))
    assert report.failure is not None
    assert (report.failure.code, report.failure.seq, report.failure.signed) == (code, seq, True), report.failure
