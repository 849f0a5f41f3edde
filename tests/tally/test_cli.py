"""``python -m tally count``: results on stdout, exit 2 with a clear message for bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tally.__main__ import main
from tests.tally.helpers import election, motion

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def test_count_prints_the_result_as_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "m.json"
    path.write_text(json.dumps(motion(35, 30, yes=20, no=5, abstain=3)), encoding="utf-8")
    assert main(["count", str(path)]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["outcome"] == "passed"


def test_count_text_prints_only_the_announcement(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "m.json"
    path.write_text(json.dumps(motion(35, 30, yes=20, no=5, abstain=3)), encoding="utf-8")
    assert main(["count", "--text", str(path)]) == 0
    assert capsys.readouterr().out.strip() == "应到35人，实到30人；赞成20票，反对5票，弃权3票，未按2人；通过。"


def test_count_reads_standard_input() -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "tally", "count", "-"], input=json.dumps(motion(3, 3, yes=2)),
        capture_output=True, text=True, check=False,
    )
    assert completed.returncode == 0
    assert json.loads(completed.stdout)["outcome"] == "passed"


def test_missing_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["count", str(tmp_path / "nope.json")]) == 2
    assert "无法读取" in capsys.readouterr().err


def test_broken_json_exits_2_with_position(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "bad.json"
    path.write_text('{"kind": "motion",', encoding="utf-8")
    assert main(["count", str(path)]) == 2
    assert "不是有效的 JSON" in capsys.readouterr().err


def test_malformed_field_exits_2_naming_the_field(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({**motion(3, 3), "present": -1}), encoding="utf-8")
    assert main(["count", str(path)]) == 2
    err = capsys.readouterr().err
    assert "malformed_input" in err and "present" in err


def test_unlawful_definition_exits_2_naming_the_rule(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(election(["甲"], 1, [])), encoding="utf-8")
    assert main(["count", str(path)]) == 2
    err = capsys.readouterr().err
    assert "statutory_violation" in err and "candidate_count.deputy_head" in err and "多一人至三人" in err


@pytest.mark.parametrize("example", sorted(EXAMPLES.glob("*.json")), ids=lambda p: p.stem)
def test_every_shipped_example_counts(example: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["count", str(example)]) == 0
    assert json.loads(capsys.readouterr().out)["announcement"]
