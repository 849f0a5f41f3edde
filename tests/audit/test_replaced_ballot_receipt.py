"""Attack on the deputy's trust: a receipt for a ballot that was replaced (and withdrawn), or one
checked against an export that does not verify. check-receipt verifies the export first, says
what became of the ballot -- counted (已计入), replaced and withdrawn (已被替换、已撤回), in a voided
vote (表决已作废) -- and shows what the leaf holds: the deputy's own choice."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import tally
from audit.__main__ import main
from tests.audit.audit_helpers import resign, seq_of, session_export, session_receipt, session_records


def _check(tmp_path: Path, export_dir: Path, name: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps(session_receipt(name)), encoding="utf-8")
    capsys.readouterr()
    status = main(["check-receipt", str(path), "--export", str(export_dir)])
    return status, capsys.readouterr().out


def test_a_replaced_ballot_is_reported_replaced_and_withdrawn_with_its_choice(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out = _check(tmp_path, session_export(tmp_path), "replaced", capsys)
    assert status == 0, out
    assert "已被替换" in out and "已撤回" in out and "replaced" in out
    assert "已计入" not in out
    assert "反对 no" in out  # the choice the replaced ballot held


def test_a_counted_ballot_shows_its_choice_and_a_voided_vote_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out_dir = session_export(tmp_path)
    status, out = _check(tmp_path, out_dir, "counted", capsys)
    assert status == 0 and "已计入" in out and "赞成 yes" in out, out
    status, out = _check(tmp_path, out_dir, "voided", capsys)
    assert status == 0 and "表决已作废" in out and "已计入" not in out, out


def test_a_receipt_against_an_export_that_does_not_verify_fails(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out_dir = session_export(tmp_path)
    records = session_records(out_dir)
    result: dict[str, Any] = records[seq_of(records, "result", "v2-1")]["body"]["result"]
    result["elected"] = list(reversed(result["elected"]))  # a false result, re-signed by the key holder
    resign(out_dir, records)
    status, out = _check(tmp_path, out_dir, "counted", capsys)
    assert status == 1, out
    assert "result-mismatch" in out and "已计入" not in out
    assert tally
