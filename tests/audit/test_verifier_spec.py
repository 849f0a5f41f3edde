"""docs/verifier-spec.md describes every check the verifier runs: each finding it can report is
named there, and the README's "How to verify an election" points to it."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_every_finding_is_specified_and_the_readme_points_to_the_spec() -> None:
    from audit.verify import FINDINGS  # type: ignore[attr-defined,unused-ignore]

    spec = (ROOT / "docs" / "verifier-spec.md").read_text(encoding="utf-8")
    named = set(re.findall(r"`([a-z]+(?:-[a-z]+)*)`", spec))
    assert set(FINDINGS) <= named, sorted(set(FINDINGS) - named)
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## How to verify an election", 1)[1].split("\n## ", 1)[0]
    assert "docs/verifier-spec.md" in section
