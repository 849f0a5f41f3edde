"""Attack: an insider who holds the key rewrites a vote's definition -- members_of_record (实有)
60 -> 47, or present (实到) -- recounts so that the result agrees, and re-signs everything; or
back-dates a ballot. The verifier derives each vote's base, attendance, eligible voters and time
window from the log's own roll, status, check-in and agenda records, so the forgery must also
rewrite those (which name every deputy and are read out in the hall) or be caught.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import tally
from audit import verify_export
from tests.audit.audit_helpers import resign, seq_of, session_export, session_records


def _forge(records: list[dict[str, Any]], vote_id: str, **fields: Any) -> int:
    """Change a vote's definition and its result (recounted by the real tally); return the
    vote_opened seq."""
    opened = seq_of(records, "vote_opened", vote_id)
    definition = dict(records[opened]["body"]["definition"], **fields)
    records[opened]["body"]["definition"] = definition
    ballots = {r["seq"]: r["body"]["ballot"] for r in records
               if r["type"] == "ballot" and r["body"]["vote_id"] == vote_id}
    for r in records:
        if r["type"] == "ballot_withdrawn" and r["body"]["vote_id"] == vote_id:
            del ballots[r["body"]["seq"]]
    result = seq_of(records, "result", vote_id)
    records[result]["body"]["result"] = tally.count_document(dict(definition, ballots=list(ballots.values())))
    return opened


def test_the_real_session_verifies_with_every_definition_derived_from_the_log(tmp_path: Path) -> None:
    report = verify_export(session_export(tmp_path))
    assert report.ok, report.lines()
    assert report.definitions_checked == 6  # five electronic rounds and the manual result


def test_a_re_signed_members_of_record_is_caught_against_the_roll(tmp_path: Path) -> None:
    out = session_export(tmp_path)
    records = session_records(out)
    opened = _forge(records, "v1-1", members_of_record=47)
    resign(out, records)
    report = verify_export(out)
    assert report.failure is not None
    assert (report.failure.code, report.failure.seq) == ("definition-mismatch", opened), report.failure
    assert report.failure.signed is True
    assert "members_of_record 47" in report.failure.message and "60" in report.failure.message


def test_a_re_signed_present_is_caught_against_the_check_ins(tmp_path: Path) -> None:
    out = session_export(tmp_path)
    records = session_records(out)
    opened = _forge(records, "v2-1", present=44, ballots_issued=44)
    resign(out, records)
    report = verify_export(out)
    assert report.failure is not None
    assert (report.failure.code, report.failure.seq) == ("definition-mismatch", opened)
    assert "present 44" in report.failure.message and "45" in report.failure.message


def test_a_ballot_dated_years_before_its_vote_opened_is_caught(tmp_path: Path) -> None:
    out = session_export(tmp_path)
    records = session_records(out)
    ballot = seq_of(records, "ballot", "v6-1", nth=3)
    records[ballot]["time"] = "2019-03-05T09:00:00.000Z"
    resign(out, records)
    report = verify_export(out)
    assert report.failure is not None
    assert (report.failure.code, report.failure.seq) == ("ballot-outside-window", ballot), report.failure
    assert report.failure.signed is True
