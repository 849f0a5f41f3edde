"""`audit.export`: what goes into an export, and when an export is refused."""

from __future__ import annotations

import importlib
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from audit import AuditLog, canonical, export, verify_export
from audit.errors import ExportError, KeyFormatError, StorageError
from audit.export import TallyInputs, read_vkey_file
from audit.logfile import Chain
from audit.records import Record
from tests.audit.audit_helpers import DEFINITION, ballot, build_log, motion_entries, read_lines, signer

export_module = importlib.import_module("audit.export")  # `audit.export` is also the function


def test_an_export_holds_the_signed_records_checkpoints_key_tally_inputs_and_cosignatures(tmp_path: Path) -> None:
    build_log(tmp_path / "log", checkpoint_after=[5])
    summary = export(tmp_path / "log", tmp_path / "out")
    out = tmp_path / "out"
    assert sorted(p.name for p in out.iterdir()) == [
        "checkpoints.jsonl",
        "cosignatures.jsonl",
        "records.jsonl",
        "tally_inputs.json",
        "vkey.txt",
    ]
    assert (out / "records.jsonl").read_bytes() == (tmp_path / "log" / "records.jsonl").read_bytes()
    assert (out / "vkey.txt").read_text() == signer().vkey + "\n"
    assert (summary.records, summary.checkpoints, summary.votes, summary.left_unsigned) == (29, 3, 1, 0)
    inputs = json.loads((out / "tally_inputs.json").read_text(encoding="utf-8"))
    assert inputs["v1"] == dict(
        DEFINITION, ballots=[{"choice": c} for c in ["yes"] * 18 + ["no"] * 5 + ["abstain"] * 2]
    )
    assert read_vkey_file(out) == signer().verifier
    assert (out / "cosignatures.jsonl").read_bytes() == b"" and summary.cosigned == 0  # no witness asked


def test_records_after_the_latest_checkpoint_are_left_out(tmp_path: Path) -> None:
    log = AuditLog.open(tmp_path / "log", signer())
    log.append_many(motion_entries("v1", ["yes"]))
    log.checkpoint()
    log.append_many([ballot("v2", "no"), ballot("v2", "no")])
    log._records.flush()  # written, not yet signed (a server still running)
    summary = export(tmp_path / "log", tmp_path / "out")
    log.close()
    assert (summary.records, summary.left_unsigned) == (5, 2)
    assert len(read_lines(tmp_path / "out" / "records.jsonl")) == 5
    assert verify_export(tmp_path / "out").ok


def test_the_target_must_be_new_or_empty(tmp_path: Path) -> None:
    build_log(tmp_path / "log")
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x").write_text("x")
    (tmp_path / "file").write_text("x")
    for target in ("full", "file"):
        with pytest.raises(ExportError, match="not an empty directory"):
            export(tmp_path / "log", tmp_path / target)
    (tmp_path / "empty").mkdir()
    export(tmp_path / "log", tmp_path / "empty")


def test_a_missing_or_broken_log_is_not_exported(tmp_path: Path) -> None:
    with pytest.raises(ExportError, match="not an audit log"):
        export(tmp_path / "nowhere", tmp_path / "out")
    build_log(tmp_path / "log")
    lines = read_lines(tmp_path / "log" / "records.jsonl")
    lines[3] = lines[3].replace(b'"yes"', b'"no"')
    (tmp_path / "log" / "records.jsonl").write_bytes(b"".join(line + b"\n" for line in lines))
    with pytest.raises(ExportError, match="does not verify"):
        export(tmp_path / "log", tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_a_log_without_any_checkpoint_is_not_exported(tmp_path: Path) -> None:
    build_log(tmp_path / "log")
    (tmp_path / "log" / "checkpoints.jsonl").write_bytes(b"")
    with pytest.raises(ExportError, match="no signed checkpoint"):
        export(tmp_path / "log", tmp_path / "out")


def test_supplied_tally_inputs_must_agree_with_the_log(tmp_path: Path) -> None:
    build_log(tmp_path / "log")
    choices = ["yes"] * 18 + ["no"] * 5 + ["abstain"] * 2
    same = dict(DEFINITION, ballots=[{"choice": c} for c in reversed(choices)])  # order does not matter
    export(tmp_path / "log", tmp_path / "ok", tally_inputs={"v1": same})
    changed = dict(DEFINITION, ballots=[{"choice": "yes"} for _ in choices])
    cases: list[tuple[dict[str, Any], str]] = [
        ({"v1": changed}, "disagree on vote v1"),
        ({"v9": same}, "not in the audit log"),
        ({"v1": dict(same, members_of_record=float("nan"))}, "not JSON"),
    ]
    for supplied, message in cases:
        with pytest.raises(ExportError, match=message):
            export(tmp_path / "log", tmp_path / "refused", tally_inputs=supplied)
        assert not (tmp_path / "refused").exists()


def test_a_failed_write_removes_the_partial_export(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    build_log(tmp_path / "log")

    def full_disk(target: Path, data: bytes) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(export_module, "_write", full_disk)
    with pytest.raises(OSError):
        export(tmp_path / "log", tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_a_log_that_shrinks_during_the_copy_is_refused(tmp_path: Path) -> None:
    (tmp_path / "src").write_bytes(b"abc")
    with pytest.raises(ExportError, match="shrank"):
        export_module._copy_prefix(tmp_path / "src", tmp_path / "dst", 10)


def test_the_vkey_file_is_one_ascii_line(tmp_path: Path) -> None:
    with pytest.raises(StorageError):
        read_vkey_file(tmp_path)
    for content in [signer().vkey.encode(), signer().vkey.encode() + b"\n\n", "é\n".encode()]:
        (tmp_path / "vkey.txt").write_bytes(content)
        with pytest.raises(KeyFormatError):
            read_vkey_file(tmp_path)


keys_text = st.text(min_size=1, max_size=4) | st.sampled_from(["\ue000", "\U0001d11e", "ballot", "kind", "中"])
json_leaf = st.none() | st.booleans() | st.integers(-5, 5) | st.text(max_size=3)
definitions = st.dictionaries(keys_text.filter(lambda k: k != "ballots"), json_leaf, max_size=4)
ballots = st.lists(st.dictionaries(keys_text, json_leaf, max_size=3), max_size=4)


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(keys_text, st.tuples(definitions, ballots), max_size=4))
def test_the_spliced_tally_inputs_equal_canonical_json_of_the_documents(votes: dict[str, Any]) -> None:
    inputs = TallyInputs()
    seq = 0
    for vote_id, (definition, vote_ballots) in votes.items():
        inputs.add(Record(seq, "vote_opened", "t", "p", {"vote_id": vote_id, "definition": definition}))
        for b in vote_ballots:
            seq += 1
            inputs.add(Record(seq, "ballot", "t", "p", {"vote_id": vote_id, "ballot": b, "nonce": "n"}))
    inputs.add(Record(seq, "ballot", "t", "p", {"vote_id": "\x00never opened", "ballot": {}, "nonce": "n"}))
    assert inputs.canonical_bytes() == canonical.dumps(inputs.documents()) + b"\n"
    for vote_id, (definition, vote_ballots) in votes.items():
        assert inputs.document(vote_id) == dict(definition, ballots=vote_ballots)


def test_reopening_a_log_longer_than_one_hash_batch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Chain, "_BATCH", 32 * 5)
    build_log(tmp_path / "log")
    with AuditLog.open(tmp_path / "log", signer()) as log:
        assert log.root() == __import__("audit").merkle.root(read_lines(tmp_path / "log" / "records.jsonl"))


def test_an_oversized_key_file_is_refused(tmp_path: Path) -> None:
    from audit import limits

    (tmp_path / "vkey.txt").write_bytes(b"k" * (limits.MAX_VKEY_BYTES + 1))
    with pytest.raises(KeyFormatError, match="larger than"):
        read_vkey_file(tmp_path)


def test_an_oversized_checkpoint_line_is_refused() -> None:
    from audit import limits
    from audit.errors import NoteError
    from audit.logfile import decode_checkpoint_line

    with pytest.raises(NoteError, match="at most"):
        decode_checkpoint_line(b"x" * (limits.MAX_CHECKPOINT_BYTES + 1))


def test_checkpoint_lines_read_without_a_json_parse_say_the_same() -> None:
    from audit.errors import NoteError
    from audit.logfile import decode_checkpoint_line, encode_checkpoint_line

    for note in ["o\n1\nAAAA\n\n\u2014 o AAAA\n", "tab\there\n", 'quote"\n', "back\\slash\n", "x\\n\n", "end\\"]:
        assert decode_checkpoint_line(encode_checkpoint_line(note)[:-1]) == note
    with pytest.raises(NoteError, match="not canonical JSON"):
        decode_checkpoint_line(b'{"note":"\xff"}')
