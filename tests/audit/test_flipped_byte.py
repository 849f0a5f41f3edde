"""Property: any single flipped byte anywhere in an exported log is detected by `verify`."""

from __future__ import annotations

import atexit
import functools
import shutil
import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from audit import verify_export
from tests.audit.audit_helpers import build_export, motion_entries

FILES = ["checkpoints.jsonl", "records.jsonl", "tally_inputs.json", "vkey.txt"]


@functools.cache
def _export() -> Path:
    """One export for every example: two votes, three checkpoints (removed at exit)."""
    template = Path(tempfile.mkdtemp(prefix="audit-flip-"))
    atexit.register(shutil.rmtree, template, True)
    entries = [*motion_entries("v1", ["yes", "no", "abstain"] * 3), *motion_entries("v2")]
    return build_export(template, entries, checkpoint_after=[4, 12])


def test_the_untouched_export_verifies() -> None:
    # (cosignatures.jsonl is empty: no witness cosigned this log; tests/audit/test_witnessed_export.py)
    assert sorted(p.name for p in _export().iterdir() if p.stat().st_size) == FILES
    assert verify_export(_export()).ok


@settings(max_examples=300, deadline=None)
@given(name=st.sampled_from(FILES), data=st.data())
def test_any_single_flipped_byte_is_detected(name: str, data: st.DataObject) -> None:
    offset = data.draw(st.integers(0, (_export() / name).stat().st_size - 1), label="offset")
    mask = data.draw(st.integers(1, 255), label="xor mask")
    work = Path(tempfile.mkdtemp(prefix="audit-flipped-"))
    try:
        out = work / "export"
        shutil.copytree(_export(), out)
        raw = bytearray((out / name).read_bytes())
        raw[offset] ^= mask
        (out / name).write_bytes(bytes(raw))
        report = verify_export(out)
        assert not report.ok, f"flip {mask:#x} at {name}:{offset} went unnoticed"
    finally:
        shutil.rmtree(work)
