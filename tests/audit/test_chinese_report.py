"""The verify report in Chinese (audit/explain.py), as the 监票人 and the auditor read it: every check
in order with its verdict, every finding with a Chinese title and whose it is."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from audit import explain
from audit.__main__ import main
from audit.verify import FINDINGS, verify_export
from tests.audit.audit_helpers import (
    edit_record,
    resign,
    seq_of,
    session_export,
    session_records,
)

ORDER = ["key", "checkpoints", "records", "session", "votes", "recount", "tally-inputs"]


def test_every_finding_has_a_chinese_title_and_belongs_to_exactly_one_check() -> None:
    assert set(explain.FINDINGS_ZH) == set(FINDINGS)
    assert all(title and not title.isascii() for title in explain.FINDINGS_ZH.values())
    for code in FINDINGS:
        owners = [c.id for c in (*explain.CHECKS, explain.WITNESSES, explain.GIVEN) if code in c.findings]
        assert len(owners) == 1, (code, owners)
    assert [c.id for c in explain.CHECKS] == ORDER


def test_a_good_export_passes_every_check(tmp_path: Path) -> None:
    document = explain.document(verify_export(session_export(tmp_path), workers=0))
    json.dumps(document)  # one JSON document
    assert document["ok"] is True and document["verdict"] == "通过" and document["reason"] is None
    assert [(c["id"], c["verdict"]) for c in document["checks"]] == [(i, "通过") for i in ORDER]
    assert document["fingerprint"].count(" ") == 15 and document["findings"] == []
    assert {v["vote_id"] for v in document["votes"]} >= {"v1-1"}


def test_a_result_the_key_holder_forged_fails_the_recount_in_chinese(tmp_path: Path) -> None:
    out = session_export(tmp_path)
    records = session_records(out)
    result = records[seq_of(records, "result")]
    result["body"]["result"]["counts"]["yes"] += 1
    resign(out, records)
    document = explain.document(verify_export(out, workers=0))
    states = {c["id"]: c["verdict"] for c in document["checks"]}
    assert states == {"key": "通过", "checkpoints": "通过", "records": "通过", "session": "未完成",
                      "votes": "未完成", "recount": "未通过", "tally-inputs": "未进行"}
    (finding,) = document["findings"]
    assert finding["code"] == "result-mismatch" and finding["kind"] == "signed"
    assert finding["title"] == "记录的表决结果与重新计票的结果不符" and "由会议组织方负责" in finding["kind_label"]
    assert document["reason"] == "记录的表决结果与重新计票的结果不符（result-mismatch）"
    assert finding["seq"] == result["seq"]


def test_an_export_altered_after_signing_is_the_evidence_and_the_rules_are_partial(tmp_path: Path) -> None:
    out = session_export(tmp_path)
    edit_record(out, 40, lambda r: r["body"].update(reason="改动"))
    document = explain.document(verify_export(out, workers=0))
    states = {c["id"]: c["state"] for c in document["checks"]}
    assert states["records"] == "fail" and states["recount"] == "partial" and states["tally-inputs"] == "skipped"
    assert all(f["kind"] == "evidence" for f in document["findings"])
    assert "不指向计票有误" in document["findings"][0]["kind_label"]


def test_a_bad_key_stops_everything_after_it(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = session_export(tmp_path)
    (out / "vkey.txt").write_text("not a key\n")
    assert main(["verify", str(out), "--json"]) == 1
    document = json.loads(capsys.readouterr().out)
    assert [c["verdict"] for c in document["checks"]] == ["未通过"] + ["未进行"] * 6
    assert document["fingerprint"] is None
    assert document["findings"][0]["title"] == "公钥文件 vkey.txt 不是一把有效的验证公钥"


def test_a_forged_checkpoint_fails_its_check_and_leaves_the_rules_partial(tmp_path: Path) -> None:
    out = session_export(tmp_path)
    lines = (out / "checkpoints.jsonl").read_bytes().split(b"\n")
    note = json.loads(lines[5])["note"]
    flipped = note[:-10] + ("A" if note[-10] != "A" else "B") + note[-9:]
    lines[5] = json.dumps({"note": flipped}, ensure_ascii=False, separators=(",", ":")).encode()
    (out / "checkpoints.jsonl").write_bytes(b"\n".join(lines))
    document = explain.document(verify_export(out, workers=0))
    states = {c["id"]: c["state"] for c in document["checks"]}
    assert states == {"key": "pass", "checkpoints": "fail", "records": "pass", "session": "partial",
                      "votes": "partial", "recount": "partial", "tally-inputs": "skipped"}
    assert [f["code"] for f in document["findings"]] == ["bad-signature"]
