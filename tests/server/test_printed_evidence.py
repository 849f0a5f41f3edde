"""Issue 15, items 5 and 7, on a real server (SQLite and PostgreSQL): every result sheet and the
minutes carry the signed checkpoint that covers the result; the 总监票人/监票人/计票人 download the
export and run the verifier from their page, whose report is in Chinese."""

from __future__ import annotations

import html
import io
import json
import re
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from audit import AuditLog, cosignature, keys
from audit.logfile import decode_checkpoint_line
from audit.note import parse_note
from server import evidence
from server.ledger import Ledger
from tests.conftest import InProcessServer, RunningServer
from tests.server.session_helpers import Session, choices, in_session, login, ok, refused


def _export(client: httpx.Client) -> dict[str, bytes]:
    response = client.get("/api/audit/export.zip")
    assert response.status_code == 200, response.text
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    return {name.removeprefix("export/"): archive.read(name) for name in archive.namelist()}


def _seq_of(files: dict[str, bytes], type_: str, vote_id: str) -> int:
    for line in files["records.jsonl"].split(b"\n")[:-1]:
        record = json.loads(line)
        if record["type"] == type_ and record["body"].get("vote_id") == vote_id:
            return int(record["seq"])
    raise AssertionError(f"no {type_} record for {vote_id}")


def _covering(files: dict[str, bytes], seq: int) -> str:
    notes = [decode_checkpoint_line(line) for line in files["checkpoints.jsonl"].split(b"\n")[:-1]]
    return next(note for note in notes if int(note.split("\n")[1]) > seq)


def _cells(page: str, name: str) -> list[str]:
    return [html.unescape(found) for found in re.findall(rf'class="{name}[^"]*">([^<]*)<', page)]


def _sheet_carries(page: str, note: str, seq: int) -> None:
    """Every checkpoint block of a printed page shows this note: origin, size, root, a QR code of
    the whole note (segno's encoding of exactly these bytes), and a line for the 监票人."""
    origin, size, root = note.split("\n")[:3]
    blocks = page.count('class="cp-block"')
    assert blocks >= 1 and page.count('data-state="covered"') == blocks
    assert _cells(page, "cp-origin") == [origin] * blocks and _cells(page, "cp-size") == [size] * blocks
    assert _cells(page, "cp-root mono") == [root] * blocks
    assert f"第 {seq} 号记录" in page and page.count("监票人（签名）") >= blocks
    assert page.count(evidence.qr_svg(note)) == blocks


def test_a_result_sheet_and_the_minutes_carry_the_checkpoint_covering_the_result(server: RunningServer) -> None:
    async def body(s: Session) -> None:
        motion = s.item("决议")
        vote_id = s.open(motion["id"])
        await s.cast(vote_id, choices(yes=31, no=5))
        s.close(vote_id)
        voided = s.open(s.item("人事任免")["id"])
        ok(s.chair.post(f"/api/votes/{voided}/void", json={"ground": "system_fault", "reason": "表决器故障"}))
        auditor = login(s.url, "auditor")
        files = _export(auditor)
        fingerprint = keys.Verifier.from_vkey(files["vkey.txt"].decode().strip()).fingerprint

        result = _seq_of(files, "result", vote_id)
        sheet = s.chair.get(f"/print/vote/{vote_id}").text
        _sheet_carries(sheet, _covering(files, result), result)
        assert _cells(sheet, "cp-fingerprint mono") == [fingerprint[:39]]  # in two rows of eight groups
        assert f"{fingerprint[:39]}<br>{fingerprint[40:]}" in sheet

        void = _seq_of(files, "vote_voided", voided)  # a void settles its vote: its record is covered
        _sheet_carries(s.chair.get(f"/print/vote/{voided}").text, _covering(files, void), void)

        minutes = s.chair.get(f"/print/minutes/{s.meeting_id}").text  # the last outcome of the meeting
        _sheet_carries(minutes, _covering(files, max(result, void)), max(result, void))
        auditor.close()

    in_session(server.url, body)


def test_a_sheet_printed_before_the_result_says_there_is_none_yet(server: RunningServer) -> None:
    async def body(s: Session) -> None:
        vote_id = s.open(s.item("决议")["id"])
        sheet = s.chair.get(f"/print/vote/{vote_id}").text
        assert 'data-state="none"' in sheet and "本表决尚无结果记录" in sheet and "cp-qr" not in sheet
        assert len(_cells(sheet, "cp-fingerprint mono")) == 1  # the key's fingerprint all the same

    in_session(server.url, body)


def _ledger(directory: Path) -> Ledger:
    return Ledger(AuditLog.open(directory, keys.generate("test.local"), "test.local/log"))


RESULT = {"kind": "motion", "outcome": "passed"}


def test_a_result_not_yet_signed_is_printed_with_a_warning_and_the_latest_checkpoint(tmp_path: Path) -> None:
    now = datetime.now(UTC)
    ledger = _ledger(tmp_path / "log")
    ledger.stage("vote_opened", {"vote_id": "v1-1", "definition": {"kind": "motion"}}, now)
    signed = ledger.checkpoint()
    seq, _ = ledger.stage("result", {"vote_id": "v1-1", "result": RESULT}, now)
    # The disk failed between the commit and the signature: nothing signs the result yet.
    block = evidence.covering(ledger, ["v1-1"])
    assert block["state"] == evidence.UNSIGNED and block["size"] == signed.size <= seq
    assert "尚未被签名检查点覆盖" in block["message"] and "重新打印" in block["message"]
    assert block["note"] == signed.note
    after = ledger.checkpoint()
    block = evidence.covering(ledger, ["v1-1"])
    assert block["state"] == evidence.COVERED and block["size"] == after.size == seq + 1
    assert evidence.covering(ledger, ["v9-9"])["state"] == evidence.NONE
    ledger.log.close()


def test_a_sheet_carries_the_cosignatures_its_checkpoint_got_even_after_newer_ones(tmp_path: Path) -> None:
    now = datetime.now(UTC)
    ledger = _ledger(tmp_path / "log")
    ledger.stage("vote_opened", {"vote_id": "v1-1", "definition": {"kind": "motion"}}, now)
    ledger.stage("result", {"vote_id": "v1-1", "result": RESULT}, now)
    covering = ledger.checkpoint()
    assert evidence.covering(ledger, ["v1-1"])["witnesses"] == []  # no witness has cosigned yet
    text = covering.note.split("\n\n")[0] + "\n"
    zhang, li = cosignature.generate("jianpiao.example/zhang"), cosignature.generate("jianwei.example/li")
    lines = [zhang.cosign(text, 1_767_225_600), li.cosign(text, 2**63 - 1)]  # li's clock is far off
    ledger.log.add_cosignatures(covering.note + "".join(f"{line}\n" for line in lines))
    ledger.stage("sign_in", {"role": "staff", "user": "staff"}, now)
    newer = ledger.checkpoint()
    ledger.log.add_cosignatures(newer.note + zhang.cosign(newer.note.split("\n\n")[0] + "\n", 1_767_225_700) + "\n")
    block = evidence.covering(ledger, ["v1-1"])
    assert block["state"] == evidence.COVERED and block["size"] == covering.size < newer.size
    assert block["note"] == covering.note + "".join(f"{line}\n" for line in lines)
    assert block["qr"] == evidence.qr_svg(block["note"])
    assert block["witnesses"] == [{"name": "jianpiao.example/zhang", "time": "2026-01-01 00:00:00 UTC"},
                                  {"name": "jianwei.example/li", "time": f"POSIX {2**63 - 1}"}]
    # The note verifies with the witnesses' keys as a checkpoint given to the verifier.
    assert cosignature.cosignatures(parse_note(block["note"]), [zhang.cosigner, li.cosigner])
    ledger.log.close()


def test_the_ledger_knows_each_votes_outcome_record_across_rollbacks_and_restarts(tmp_path: Path) -> None:
    now = datetime.now(UTC)
    ledger = _ledger(tmp_path / "log")
    staged = ledger.stage_many([("vote_opened", {"vote_id": "v1-1", "definition": {"kind": "motion"}}),
                                ("vote_closed", {"vote_id": "v1-1", "ballots_cast": 0}),
                                ("result", {"vote_id": "v1-1", "result": RESULT})], now)
    ledger.checkpoint()
    result = staged[-1][0]
    assert ledger.outcome_seq("v1-1") == result and ledger.outcome_seq("v2-1") is None
    size = ledger.size
    ledger.stage("vote_voided", {"vote_id": "v1-1", "reason": "x"}, now)
    assert ledger.outcome_seq("v1-1") == size
    ledger.rollback(size)  # the transaction failed: the void never happened
    assert ledger.outcome_seq("v1-1") == result
    manual, _ = ledger.stage("manual_result", {"vote_id": "v2-1", "method": "show_of_hands", "result": RESULT}, now)
    ledger.checkpoint()
    ledger.log.close()
    reopened = Ledger(AuditLog.open(tmp_path / "log", ledger.log._signer, "test.local/log"))
    assert reopened.outcomes == {"v1-1": [result], "v2-1": [manual]}
    assert reopened.covering(manual) == reopened.log.latest_checkpoint and reopened.covering(manual + 1) is None
    reopened.log.close()


def test_scrutineers_download_the_export_and_run_the_verifier(server: RunningServer) -> None:
    staff = login(server.url, "staff")
    made = ok(staff.post("/api/accounts", json={"username": "zongjianpiao", "display_name": "总监票人",
                                                "role": "scrutineer"}))
    chief = httpx.Client(base_url=server.url, timeout=60)
    token = ok(chief.post("/api/login", json={"username": "zongjianpiao", "password": made["password"]}))["token"]
    chief.headers["Authorization"] = f"Bearer {token}"
    clerk = login(server.url, "jipiao1")
    for scrutineer in (chief, clerk):
        files = _export(scrutineer)
        assert sorted(files) == ["checkpoints.jsonl", "cosignatures.jsonl", "records.jsonl", "tally_inputs.json",
                                 "vkey.txt"]
    fingerprint = ok(httpx.get(f"{server.url}/api/audit/key"))["fingerprint"]
    report = ok(chief.post("/api/audit/verify", json={"vkey_fingerprint": fingerprint.replace(" ", "")}))
    assert report["ok"] is True and report["verdict"] == "通过" and report["trusted_key"] is True
    assert [(c["id"], c["verdict"]) for c in report["checks"]] == [
        ("key", "通过"), ("checkpoints", "通过"), ("records", "通过"), ("session", "通过"), ("votes", "通过"),
        ("recount", "通过"), ("tally-inputs", "通过")]
    assert report["fingerprint"] == fingerprint and report["records"] > 0 and report["exported_at"]
    for client in (staff, chief, clerk):
        client.close()


def test_the_verify_report_names_a_wrong_fingerprint_in_chinese(server: RunningServer) -> None:
    clerk = login(server.url, "jipiao2")
    other = keys.generate("renda.local").verifier.fingerprint
    report = ok(clerk.post("/api/audit/verify", json={"vkey_fingerprint": other}))
    assert report["ok"] is False and report["reason"] == "导出的公钥与公布的公钥（或其指纹）不符（untrusted-key）"
    (finding,) = report["findings"]
    assert finding["code"] == "untrusted-key" and finding["kind"] == "evidence" and other in finding["message"]
    assert [c["verdict"] for c in report["checks"]] == ["未通过"] + ["未进行"] * 6
    error = refused(clerk.post("/api/audit/verify", json={"vkey_fingerprint": other[:-2]}), "invalid_fingerprint", 400)
    assert error["field"] == "vkey_fingerprint" and "64 位十六进制" in error["message"] and "62" in error["message"]
    refused(clerk.post("/api/audit/verify", json={"vkey_fingerprint": "x" * 201}), "invalid_request", 422)
    assert ok(clerk.post("/api/audit/verify", json={"vkey_fingerprint": "   "}))["trusted_key"] is False
    clerk.close()


def test_one_verification_runs_at_a_time(server: InProcessServer) -> None:
    auditor = login(server.url, "auditor")
    runtime: Any = server.runtime
    with runtime.verifying:
        refused(auditor.post("/api/audit/verify", json={}), "verify_busy", 409)
    assert ok(auditor.post("/api/audit/verify", json={}))["ok"] is True
    auditor.close()
