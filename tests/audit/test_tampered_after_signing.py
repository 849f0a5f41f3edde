"""Attack: change what was signed without the key -- edit a result, slip a ballot in after close.

The verifier checks the evidence (hash chain, leaves, signed roots, signatures) before any vote
rule, so such an edit is named as evidence altered after signing, never as a wrong tally by the
operator (``result-mismatch``, ``late-ballot``). The very same edit made by an insider who holds
the key and re-signs is the operator's: then the recount names it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import tally
from audit import canonical, merkle, verify_export
from tests.audit.audit_helpers import (
    edit_record,
    read_lines,
    resign,
    seq_of,
    session_export,
    session_records,
    write_lines,
)


def _fail_the_motion(record: dict[str, Any]) -> None:
    record["body"]["result"]["outcome"] = "failed"
    record["body"]["result"]["announcement"] = record["body"]["result"]["announcement"].replace("通过", "未通过")


def test_an_edited_result_is_evidence_altered_after_signing_not_a_wrong_tally(tmp_path: Path) -> None:
    out = session_export(tmp_path)
    result = seq_of(session_records(out), "result", "v1-1")
    edit_record(out, result, _fail_the_motion)
    report = verify_export(out)
    assert report.failure is not None
    assert (report.failure.code, report.failure.seq) == ("broken-chain", result + 1), report.failure
    assert report.failure.signed is False
    assert [f.code for f in report.failures] == ["broken-chain"]  # no accusation of the tally
    assert "not what the log's key signed" in "\n".join(report.lines())


def test_a_ballot_slipped_in_after_close_is_evidence_altered_not_a_late_ballot(tmp_path: Path) -> None:
    out = session_export(tmp_path)
    records = session_records(out)
    closed = seq_of(records, "vote_closed", "v1-1")
    lines = read_lines(out / "records.jsonl")
    ballot = dict(records[closed - 1], seq=closed + 1, prev=merkle.leaf_hash(lines[closed]).hex())
    ballot["body"] = {"ballot": {"choice": "yes"}, "nonce": "0" * 32, "vote_id": "v1-1"}
    lines.insert(closed + 1, canonical.dumps(ballot))  # links to the record before it, not after
    write_lines(out / "records.jsonl", lines)
    report = verify_export(out)
    assert report.failure is not None
    assert (report.failure.code, report.failure.seq) == ("wrong-seq", closed + 2), report.failure
    assert report.failure.signed is False
    assert all(f.code != "late-ballot" for f in report.failures)


def test_the_same_edit_re_signed_with_the_key_is_the_operator_s_wrong_tally(tmp_path: Path) -> None:
    out = session_export(tmp_path)
    records = session_records(out)
    result = seq_of(records, "result", "v1-1")
    _fail_the_motion(records[result])
    resign(out, records)
    report = verify_export(out)
    assert report.failure is not None
    assert (report.failure.code, report.failure.seq) == ("result-mismatch", result), report.failure
    assert report.failure.signed is True
    assert "signed by the log's key" in "\n".join(report.lines())
    assert tally  # (the recount is the real tally's)
