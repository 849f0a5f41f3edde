"""The logs `scripts/bench_audit.py` builds to time the verifier are logs the verifier accepts, as
the server would have written them: a benchmark of a log the verifier refuses measures nothing."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

from audit import export, keys, verify_export

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "bench_audit.py"


def _bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_audit", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_realistic_session_log_verifies(tmp_path: Path) -> None:
    built = _bench().build_realistic(tmp_path / "log", keys.generate("bench.renda.example/log"), 30, 6)
    export(tmp_path / "log", tmp_path / "export")
    report = verify_export(tmp_path / "export", workers=0)
    assert report.ok, report.failure
    assert report.records == built["records"] and len(report.votes) == 6


def test_the_encrypted_session_log_verifies(tmp_path: Path) -> None:
    """Its secret ballots are dated at their vote's opening, as the server writes them."""
    built = _bench().build_encrypted(tmp_path / "log", keys.generate("bench.renda.example/log"), 4, 1)
    export(tmp_path / "log", tmp_path / "export")
    report = verify_export(tmp_path / "export", workers=0)
    assert report.ok, report.failure
    assert report.records == built["records"] and report.encrypted_ballots == 2 * 4
