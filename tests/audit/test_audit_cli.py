"""``python -m audit``: keygen, export, verify, check-receipt, and their exit statuses."""

from __future__ import annotations

import json
import runpy
import stat
import sys
from pathlib import Path

import pytest

from audit.__main__ import main
from tests.audit.audit_helpers import build_log, edit_record, receipt_setup, signer


def test_keygen_writes_a_private_key_and_prints_the_vkey(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    key = tmp_path / "log.key"
    assert main(["keygen", "--out", str(key), "--name", "renda.example/county-9"]) == 0
    out = capsys.readouterr().out
    vkey = (tmp_path / "log.key.pub").read_text().strip()
    assert vkey.startswith("renda.example/county-9+") and vkey in out
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert main(["keygen", "--out", str(key), "--name", "renda.example/county-9"]) == 2  # never overwrite
    assert main(["keygen", "--out", str(tmp_path / "k2"), "--name", "bad name"]) == 2


def test_export_then_verify_passes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    build_log(tmp_path / "log")
    assert main(["export", "--log", str(tmp_path / "log"), "--out", str(tmp_path / "out")]) == 0
    assert "exported 29 records" in capsys.readouterr().out
    assert main(["verify", str(tmp_path / "out")]) == 0
    out = capsys.readouterr().out
    assert "通过 PASS" in out and "recounted, matches" in out
    (tmp_path / "published.vkey").write_text(signer().vkey + "\n")
    assert main(["verify", str(tmp_path / "out"), "--vkey", str(tmp_path / "published.vkey"), "--no-progress"]) == 0
    assert main(["verify", str(tmp_path / "out"), "--vkey", signer("renda.example/x").vkey]) == 1


def test_export_reports_unsigned_records_and_failures(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from audit import AuditLog
    from tests.audit.audit_helpers import ballot

    log = AuditLog.open(tmp_path / "log", signer())
    log.append(*ballot("v1", "yes"))
    log._records.flush()
    assert main(["export", "--log", str(tmp_path / "log"), "--out", str(tmp_path / "out")]) == 0
    log.close()
    assert "1 records after the latest checkpoint were not exported" in capsys.readouterr().out
    assert main(["export", "--log", str(tmp_path / "log"), "--out", str(tmp_path / "out")]) == 1
    assert "export failed" in capsys.readouterr().err


def test_verify_names_the_first_bad_record_and_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    build_log(tmp_path / "log")
    main(["export", "--log", str(tmp_path / "log"), "--out", str(tmp_path / "out")])
    edit_record(tmp_path / "out", 3, lambda r: r["body"]["ballot"].update(choice="no"))
    capsys.readouterr()
    assert main(["verify", str(tmp_path / "out")]) == 1
    assert "record seq 4" in capsys.readouterr().out


def test_verify_of_an_unreadable_directory_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["verify", str(tmp_path / "nowhere")]) == 2
    assert "cannot read" in capsys.readouterr().err


def test_check_receipt(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    export_dir, receipt = receipt_setup(tmp_path)
    path = tmp_path / "receipt.json"
    path.write_text(json.dumps(receipt))
    assert main(["check-receipt", str(path), "--export", str(export_dir)]) == 0
    assert "PASS" in capsys.readouterr().out
    assert main(["check-receipt", str(path), "--export", str(export_dir), "--vkey", signer().vkey]) == 0
    assert (
        main(["check-receipt", str(path), "--export", str(export_dir), "--vkey", signer("renda.example/x").vkey]) == 1
    )
    receipt["index"] += 1
    path.write_text(json.dumps(receipt))
    capsys.readouterr()
    assert main(["check-receipt", str(path), "--export", str(export_dir)]) == 1
    assert "FAIL" in capsys.readouterr().out
    path.write_text("{not json")
    assert main(["check-receipt", str(path), "--export", str(export_dir)]) == 2
    path.write_text(json.dumps({"receipt": "x"}))
    assert main(["check-receipt", str(path), "--export", str(export_dir)]) == 2
    assert main(["check-receipt", str(tmp_path / "missing.json"), "--export", str(export_dir)]) == 2


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main([])
    assert exited.value.code == 2


def test_python_dash_m_audit_runs_main_with_the_collector_set_for_one_pass(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import gc

    calls: list[object] = []
    monkeypatch.setattr(gc, "freeze", lambda: calls.append("freeze"))  # (not this test process's collector)
    monkeypatch.setattr(gc, "set_threshold", lambda *limits: calls.append(limits))
    monkeypatch.setattr(sys, "argv", ["audit", "verify", str(tmp_path / "nowhere")])
    monkeypatch.delitem(sys.modules, "audit.__main__", raising=False)
    with pytest.raises(SystemExit) as exited:
        runpy.run_module("audit", run_name="__main__", alter_sys=True)
    assert exited.value.code == 2
    assert calls == ["freeze", (50_000, 20, 100)]
