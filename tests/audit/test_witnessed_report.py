"""The witnesses in the verifier's report in Chinese (audit/explain.py), and printed checkpoints that
carry cosignatures: the two halves of issue 15 (the printed evidence, the witnesses) together.

The witnesses' check (见证人副署) comes right after the signed checkpoints, as the verifier reads
``cosignatures.jsonl``; it holds the quorum and every finding about what the witnesses cosigned, and
those findings leave the rules whole (they ran over every record).  A checkpoint printed on a result
sheet may carry the cosignatures its checkpoint had got: a trusted witness's must verify, and the
report names the witnesses."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from audit import AuditLog, explain, export, verify_export
from audit.__main__ import main
from audit.logfile import decode_checkpoint_line, encode_checkpoint_line
from audit.verify import Report
from audit.witness import Witness
from tests.audit.audit_helpers import read_lines, write_lines
from tests.audit.witness_helpers import (
    ask,
    export_with_another_history_cosigned,
    exported,
    grow,
    keys_of,
    log_key,
    open_witnesses,
)

KEY = log_key()
ORDER = ["key", "checkpoints", "witnesses", "records", "session", "votes", "recount", "tally-inputs"]


@pytest.fixture
def witnesses(tmp_path: Path) -> Iterator[list[Witness]]:
    opened = open_witnesses(tmp_path, KEY)
    try:
        yield opened
    finally:
        for witness in opened:
            witness.close()




def states(report: Report) -> dict[str, str]:
    return {c["id"]: c["state"] for c in explain.document(report)["checks"]}


def test_a_quorum_met_is_a_passed_witnesses_check_after_the_checkpoints(
        tmp_path: Path, witnesses: list[Witness]) -> None:
    log = AuditLog.open(tmp_path / "log", KEY)
    grow(log, 5)
    assert [ask(w, log) for w in witnesses[:2]] == [200, 200]
    out = exported(log, tmp_path / "export")
    document = explain.document(verify_export(out, witnesses=keys_of(witnesses), quorum=2))
    assert document["ok"] is True
    assert [(c["id"], c["verdict"]) for c in document["checks"]] == [(i, "通过") for i in ORDER]
    assert document["quorum"] == 2
    assert [(w["name"], w["cosigned"]) for w in document["witnesses"]] == [
        ("witness.example/w1", True), ("witness.example/w2", True), ("witness.example/w3", False)]
    assert document["witnesses"][0]["time"].endswith("Z") and document["witnesses"][2]["time"] is None
    # Without witness keys the export's cosignatures are still read and compared: the check is there.
    assert [c["id"] for c in explain.document(verify_export(out))["checks"]] == ORDER
    (out / "cosignatures.jsonl").write_bytes(b"")
    assert "witnesses" not in states(verify_export(out))  # nothing cosigned, no keys: no such check
    log.close()


def test_a_quorum_missed_fails_the_witnesses_check_and_leaves_the_rules_whole(
        tmp_path: Path, witnesses: list[Witness], capsys: pytest.CaptureFixture[str]) -> None:
    log = AuditLog.open(tmp_path / "log", KEY)
    grow(log, 5)
    assert ask(witnesses[0], log) == 200
    out = exported(log, tmp_path / "export")
    report = verify_export(out, witnesses=keys_of(witnesses), quorum=2)
    assert states(report) == {"key": "pass", "checkpoints": "pass", "witnesses": "fail", "records": "pass",
                              "session": "pass", "votes": "pass", "recount": "pass", "tally-inputs": "skipped"}
    (finding,) = explain.document(report)["findings"]
    assert finding["code"] == "witness-quorum" and finding["title"] == explain.FINDINGS_ZH["witness-quorum"]
    assert finding["kind"] == "evidence" and finding["evidence"] == [log.latest_checkpoint.note]
    keys = [arg for w in witnesses for arg in ("--witness", w.vkey)]
    assert main(["verify", str(out), "--json", *keys, "--quorum", "2"]) == 1
    document = json.loads(capsys.readouterr().out)
    assert document["reason"] == f"{explain.FINDINGS_ZH['witness-quorum']}（witness-quorum）"
    assert main(["verify", str(out), "--no-progress", *keys, "--quorum", "1"]) == 0
    text = capsys.readouterr().out
    assert "1 / 3" in text and "[通过] 见证人副署" in text
    log.close()


def test_what_the_witnesses_saw_of_another_history_is_theirs_to_report(
        tmp_path: Path, witnesses: list[Witness]) -> None:
    w1 = witnesses[0]
    out, log, other = export_with_another_history_cosigned(tmp_path, KEY, witnesses)
    report = verify_export(out)
    assert [f.code for f in report.failures] == ["equivocation"] and report.failures[0].witnessed
    assert states(report) == {"key": "pass", "checkpoints": "pass", "witnesses": "fail", "records": "pass",
                              "session": "pass", "votes": "pass", "recount": "pass", "tally-inputs": "skipped"}
    assert explain.document(report)["findings"][0]["kind"] == "signed"
    # A cosigned checkpoint beyond the export: the export stops short, or the log was rolled back.
    grow(log, 2)
    assert ask(w1, log) == 200
    short = tmp_path / "short"
    export(log.directory, short)
    grow(log, 2)
    assert ask(w1, log) == 200
    write_lines(short / "cosignatures.jsonl", read_lines(log.directory / "cosignatures.jsonl"))
    report = verify_export(short)
    assert [f.code for f in report.failures] == ["rollback-checkpoint"] and report.failures[0].witnessed
    assert states(report)["witnesses"] == "fail" and states(report)["checkpoints"] == "pass"
    log.close()
    other.close()


def test_an_altered_export_leaves_the_witnesses_check_partial(tmp_path: Path, witnesses: list[Witness]) -> None:
    log = AuditLog.open(tmp_path / "log", KEY)
    grow(log, 5)
    assert ask(witnesses[0], log) == 200
    out = exported(log, tmp_path / "export")
    lines = read_lines(out / "records.jsonl")
    write_lines(out / "records.jsonl", [*lines[:3], lines[3].replace(b"staff", b"STAFF"), *lines[4:]])
    report = verify_export(out, witnesses=keys_of(witnesses[:1]))
    assert states(report)["records"] == "fail" and states(report)["witnesses"] == "partial"
    log.close()


def test_a_printed_checkpoint_with_cosignatures_verifies_and_names_its_witnesses(
        tmp_path: Path, witnesses: list[Witness], capsys: pytest.CaptureFixture[str]) -> None:
    log = AuditLog.open(tmp_path / "log", KEY)
    grow(log, 5)
    printed_at = log.latest_checkpoint
    assert [ask(w, log) for w in witnesses[:2]] == [200, 200]
    sheet = log.with_cosignatures(printed_at)  # what the result sheet's QR code holds
    assert sheet.count("\u2014 ") == 3
    grow(log, 3)
    out = exported(log, tmp_path / "export")
    trusted = keys_of(witnesses)
    assert verify_export(out, given=[sheet]).ok  # no witness keys: their lines are ignored
    report = verify_export(out, given=[sheet], witnesses=trusted, quorum=1)
    assert [f.code for f in report.failures] == ["witness-quorum"]  # the latest checkpoint was not cosigned
    assert states(report)["given"] == "pass"
    assert ask(witnesses[2], log) == 200
    out = exported(log, tmp_path / "export2")
    report = verify_export(out, given=[sheet], witnesses=trusted, quorum=1)
    assert report.ok, report.failures
    (printed,) = report.printed
    assert printed.size == printed_at.size and [w.vkey for w in printed.witnesses] == [w.vkey for w in witnesses[:2]]
    assert "cosigned by witness.example/w1, witness.example/w2" in "\n".join(report.lines())
    given = explain.document(report)["given"]
    assert [w["name"] for w in given[0]["witnesses"]] == ["witness.example/w1", "witness.example/w2"]
    path = tmp_path / "sheet.txt"
    path.write_text(sheet, encoding="utf-8")
    assert main(["verify", str(out), "--checkpoint", str(path), "--witness", witnesses[2].vkey, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["given"][0]["witnesses"] == []  # w3 did not cosign the printed one
    # A trusted witness's cosignature on the sheet that does not verify: the sheet is not what w1 signed.
    w1_line = next(line for line in sheet.split("\n") if line.startswith("\u2014 witness.example/w1 "))
    tail = w1_line[-6:]
    broken = sheet.replace(w1_line, w1_line[:-6] + ("AAAAA=" if tail != "AAAAA=" else "BBBBB="))
    report = verify_export(out, given=[broken], witnesses=trusted, quorum=1)
    assert [f.code for f in report.failures] == ["bad-cosignature"] and report.failures[0].given
    assert states(report)["given"] == "fail" and states(report)["witnesses"] == "pass"
    assert report.printed == ()
    log.close()


def test_a_cosigned_note_in_the_export_that_is_not_the_latest_counts_for_nothing(
        tmp_path: Path, witnesses: list[Witness]) -> None:
    log = AuditLog.open(tmp_path / "log", KEY)
    cosigned = grow(log, 3)
    assert ask(witnesses[0], log) == 200
    grow(log, 3)
    out = exported(log, tmp_path / "export")
    notes = [decode_checkpoint_line(line) for line in read_lines(out / "cosignatures.jsonl")]
    assert len(notes) == 1 and notes[0].startswith(cosigned.note)
    report = verify_export(out, witnesses=keys_of(witnesses[:1]))
    assert [f.code for f in report.failures] == ["witness-quorum"]
    (out / "cosignatures.jsonl").write_bytes(encode_checkpoint_line(notes[0]) + b'{"note":"torn')
    assert [f.code for f in verify_export(out).failures] == ["bad-cosignature"]
    log.close()
