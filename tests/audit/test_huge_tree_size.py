"""Attack: a checkpoint whose tree size has thousands of digits. Python's ``int()`` refuses more
than 4,300 digits with a ValueError, which the verifier did not expect: ``verify`` crashed with a
traceback. A tree size is a uint64 (C2SP tlog-checkpoint): anything longer is a malformed
checkpoint, named as such."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from audit import verify_export
from audit.checkpoint import read_checkpoint
from audit.errors import NoteError
from audit.logfile import encode_checkpoint_line
from audit.merkle import EMPTY_ROOT
from audit.note import sign_note
from tests.audit.audit_helpers import read_lines, session_export, session_key, write_lines

ROOT_LINE = base64.b64encode(EMPTY_ROOT).decode()


@pytest.mark.parametrize("size", ["9" * 5000, str(2**64)])
def test_a_tree_size_beyond_a_uint64_is_a_malformed_checkpoint(tmp_path: Path, size: str) -> None:
    with pytest.raises(NoteError, match="tree size"):
        read_checkpoint(f"o\n{size}\n{ROOT_LINE}\n\n\u2014 o AAAAAAA=\n")
    out = session_export(tmp_path)
    origin = read_checkpoint(json.loads(read_lines(out / "checkpoints.jsonl")[0])["note"])[0].origin
    note = sign_note(f"{origin}\n{size}\n{ROOT_LINE}\n", session_key())
    lines = read_lines(out / "checkpoints.jsonl")
    write_lines(out / "checkpoints.jsonl", [*lines, encode_checkpoint_line(note).rstrip(b"\n")])
    report = verify_export(out)
    assert report.failure is not None and report.failure.code == "bad-checkpoint"


def test_the_largest_uint64_is_a_tree_size() -> None:
    assert read_checkpoint(f"o\n{2**64 - 1}\n{ROOT_LINE}\n\n\u2014 o AAAAAAA=\n")[0].size == 2**64 - 1
