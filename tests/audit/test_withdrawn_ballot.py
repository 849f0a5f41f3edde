"""A choice changed before close: the replaced ballot is withdrawn by seq and not recounted;
withdrawing anything else is caught (the server's ``change_before_close = "last"`` setting)."""

from __future__ import annotations

import json
from pathlib import Path

import tally
from audit import verify_export
from audit.records import RecordType
from tests.audit.audit_helpers import DEFINITION, Entry, ballot, build_export


def _entries(withdraw: int, *, after_close: bool = False) -> list[Entry]:
    # seq 0 is log_opened; vote_opened is seq 1, the first ballot seq 2.
    counted = [{"choice": "yes"}] * 17 + [{"choice": "no"}]
    result = tally.count_document(dict(DEFINITION, ballots=counted))
    withdrawal = (RecordType.BALLOT_WITHDRAWN, {"vote_id": "v1", "seq": withdraw})
    entries: list[Entry] = [
        (RecordType.VOTE_OPENED, {"vote_id": "v1", "definition": DEFINITION}),
        ballot("v1", "no"),  # seq 2: replaced below
        *(ballot("v1", "yes") for _ in range(17)),
    ]
    if not after_close:
        entries += [withdrawal, ballot("v1", "no")]
    entries.append((RecordType.VOTE_CLOSED, {"vote_id": "v1", "ballots_cast": 18}))
    if after_close:
        entries.append(withdrawal)
    entries.append((RecordType.RESULT, {"vote_id": "v1", "result": result}))
    return entries


def test_withdrawn_ballot_is_left_out_of_the_recount(tmp_path: Path) -> None:
    out = build_export(tmp_path, _entries(2))
    report = verify_export(out)
    assert report.ok, report.lines()
    documents = json.loads((out / "tally_inputs.json").read_text(encoding="utf-8"))
    assert len(documents["v1"]["ballots"]) == 18


def test_withdrawing_a_record_that_is_not_a_ballot_of_the_vote_is_caught(tmp_path: Path) -> None:
    report = verify_export(build_export(tmp_path, _entries(1)))
    assert report.failure is not None and report.failure.code == "bad-withdrawal"


def test_withdrawing_after_close_is_caught(tmp_path: Path) -> None:
    report = verify_export(build_export(tmp_path, _entries(2, after_close=True)))
    assert report.failure is not None and report.failure.code == "late-withdrawal"
