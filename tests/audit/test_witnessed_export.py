"""Witnessed checkpoints end to end in `audit/`: three witnesses, a log whose key holder forks it or
rolls it back, the cosignatures the log keeps, the export's ``cosignatures.jsonl``, and
``verify --witness … --quorum k`` accepting only a history k witnesses cosigned."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from audit import AuditLog, Checkpoint, verify_export
from audit.__main__ import main
from audit.checkpoint import sign_checkpoint
from audit.errors import NoteError, StorageError
from audit.logfile import decode_checkpoint_line, encode_checkpoint_line
from audit.verify import Report
from audit.witness import Witness
from tests.audit.audit_helpers import read_lines, write_lines
from tests.audit.witness_helpers import (
    ask,
    body,
    export_with_another_history_cosigned,
    exported,
    fork,
    grow,
    keys_of,
    log_key,
    open_witnesses,
)

KEY = log_key()


@pytest.fixture
def witnesses(tmp_path: Path) -> Iterator[list[Witness]]:
    opened = open_witnesses(tmp_path, KEY)
    try:
        yield opened
    finally:
        for witness in opened:
            witness.close()




def codes(report: Report) -> list[str]:
    return [failure.code for failure in report.failures]


def test_k_2_of_3_witnesses_accept_the_history_they_saw_and_refuse_the_fork(
        tmp_path: Path, witnesses: list[Witness]) -> None:
    w1, w2, w3 = witnesses
    honest = AuditLog.open(tmp_path / "honest", KEY)
    grow(honest, 10)
    assert [ask(w, honest) for w in witnesses] == [200, 200, 200]
    forked = fork(honest, tmp_path / "forked", KEY)  # the key holder keeps a second history
    grow(honest, 5, "honest")
    grow(forked, 5, "forked")
    assert forked.size == honest.size and forked.root() != honest.root()
    assert [ask(w1, honest), ask(w2, honest)] == [200, 200]
    assert [ask(w2, forked), ask(w3, forked)] == [422, 200]  # w2 saw the other one: refused, kept as a fork
    assert "reason: fork" in next((w2.directory / "evidence").iterdir()).read_text(encoding="utf-8")

    trusted = keys_of(witnesses)
    shown = verify_export(exported(honest, tmp_path / "honest-export"), witnesses=trusted, quorum=2)
    assert shown.ok, shown.failures
    assert [w.timestamp is not None for w in shown.witnesses] == [True, True, False]
    assert "2 / 3" in "\n".join(shown.lines())
    other = verify_export(exported(forked, tmp_path / "forked-export"), witnesses=trusted, quorum=2)
    assert codes(other) == ["witness-quorum"] and not other.failures[0].signed
    assert "1 of the 3 trusted witnesses" in other.failures[0].message
    assert codes(verify_export(tmp_path / "honest-export", witnesses=trusted)) == ["witness-quorum"]  # all 3
    honest.close()
    forked.close()


def test_a_rollback_is_refused_by_the_witnesses_and_not_accepted_by_the_verifier(
        tmp_path: Path, witnesses: list[Witness]) -> None:
    log = AuditLog.open(tmp_path / "log", KEY)
    grow(log, 4)
    backup = fork(log, tmp_path / "backup", KEY)  # what the operator will roll back to
    backup.close()
    grow(log, 6)
    assert [ask(w, log) for w in witnesses] == [200, 200, 200]
    log.close()
    shutil.rmtree(tmp_path / "log")
    rolled = AuditLog.open(tmp_path / "backup", KEY)
    grow(rolled, 2, "rewritten")  # smaller than what the witnesses cosigned
    assert [ask(w, rolled) for w in witnesses] == [409, 409, 409]
    assert all(any("reason: rollback" in p.read_text(encoding="utf-8") for p in (w.directory / "evidence").iterdir())
               for w in witnesses)
    report = verify_export(exported(rolled, tmp_path / "export"), witnesses=keys_of(witnesses), quorum=2)
    assert codes(report) == ["witness-quorum"]
    rolled.close()


def test_a_cosigned_checkpoint_of_another_history_in_the_export_is_equivocation(
        tmp_path: Path, witnesses: list[Witness]) -> None:
    out, log, other = export_with_another_history_cosigned(tmp_path, KEY, witnesses)
    report = verify_export(out)
    assert codes(report) == ["equivocation"] and report.failures[0].signed
    assert other.latest_checkpoint.note in report.failures[0].evidence[0]
    assert report.failures[0].evidence[1] == log.latest_checkpoint.note
    log.close()
    other.close()


def test_a_checkpoint_witnessed_beyond_the_export_says_the_export_stops_short(
        tmp_path: Path, witnesses: list[Witness]) -> None:
    log = AuditLog.open(tmp_path / "log", KEY)
    grow(log, 3)
    out = exported(log, tmp_path / "export")
    grow(log, 3)
    assert ask(witnesses[0], log) == 200
    write_lines(out / "cosignatures.jsonl", read_lines(log.directory / "cosignatures.jsonl"))
    report = verify_export(out)
    assert codes(report) == ["rollback-checkpoint"] and "beyond the export's latest" in report.failures[0].message
    log.close()


@pytest.mark.parametrize(("line", "why"), [
    (b'{"note":"not a note"}', "cosignatures.jsonl line 1"),
    (b"not json", "cosignatures.jsonl line 1"),
    (None, "did not sign"),  # a checkpoint text not in checkpoints.jsonl, without the log's signature
    (b"", "incomplete or oversized"),  # a torn last line
])
def test_a_broken_cosignatures_file_is_bad_cosignature(tmp_path: Path, witnesses: list[Witness],
                                                       line: bytes | None, why: str) -> None:
    log = AuditLog.open(tmp_path / "log", KEY)
    grow(log, 3)
    assert ask(witnesses[0], log) == 200
    out = exported(log, tmp_path / "export")
    good = read_lines(out / "cosignatures.jsonl")
    if line is None:
        note = decode_checkpoint_line(good[0])
        forged = note.replace(f"\n{log.size}\n", f"\n{log.size + 1}\n", 1)
        (out / "cosignatures.jsonl").write_bytes(b"".join(g + b"\n" for g in good) + encode_checkpoint_line(forged))
    elif line:
        write_lines(out / "cosignatures.jsonl", [*good, line])
    else:
        (out / "cosignatures.jsonl").write_bytes(good[0] + b"\n" + good[0][:20])
    report = verify_export(out)
    assert codes(report) == ["bad-cosignature"] and why in report.failures[0].message
    log.close()


def test_another_origin_a_size_0_note_or_a_forged_cosignature_of_a_trusted_witness(
        tmp_path: Path, witnesses: list[Witness]) -> None:
    log = AuditLog.open(tmp_path / "log", KEY)
    grow(log, 3)
    assert ask(witnesses[0], log) == 200
    out = exported(log, tmp_path / "export")
    good = read_lines(out / "cosignatures.jsonl")[0]
    note = decode_checkpoint_line(good)
    trusted = keys_of(witnesses[:1])
    cases = {
        "another origin": note.replace(KEY.name, "renda.example/elsewhere", 1),
        "size 0": note.replace(f"\n{log.size}\n", "\n0\n", 1),
        "forged": note[:-3] + ("A" if note[-3] != "A" else "B") + note[-2:],
    }
    for name, changed in cases.items():
        (out / "cosignatures.jsonl").write_bytes(encode_checkpoint_line(changed))
        report = verify_export(out, witnesses=trusted, quorum=1)
        assert "bad-cosignature" in codes(report), name
    (out / "cosignatures.jsonl").write_bytes(good + b"\n")
    assert verify_export(out, witnesses=trusted).ok
    log.close()


def test_cosignatures_of_unknown_witnesses_are_ignored_and_a_missing_file_is_no_cosignature(
        tmp_path: Path, witnesses: list[Witness]) -> None:
    log = AuditLog.open(tmp_path / "log", KEY)
    grow(log, 3)
    assert ask(witnesses[0], log) == 200
    out = exported(log, tmp_path / "export")
    assert verify_export(out, witnesses=keys_of(witnesses[1:2])).failures[0].code == "witness-quorum"
    assert verify_export(out).ok  # no witness asked for: the cosignatures are not needed
    (out / "cosignatures.jsonl").unlink()
    assert verify_export(out).ok
    assert codes(verify_export(out, witnesses=keys_of(witnesses[:1]))) == ["witness-quorum"]
    with pytest.raises(ValueError, match="quorum"):
        verify_export(out, witnesses=keys_of(witnesses[:1]), quorum=2)
    with pytest.raises(ValueError, match="quorum"):
        verify_export(out, quorum=1)
    log.close()


def test_the_log_keeps_one_cosignature_per_witness_on_each_cosigned_checkpoint(
        tmp_path: Path, witnesses: list[Witness]) -> None:
    w1, w2, _ = witnesses
    log = AuditLog.open(tmp_path / "log", KEY)
    assert log.cosigned is None and log.with_cosignatures(log.latest_checkpoint) == log.latest_checkpoint.note
    grow(log, 3)
    first = log.latest_checkpoint
    assert ask(w1, log) == 200
    assert ask(w1, log) == 200  # again: the newer line replaces the older one
    grow(log, 2)
    assert ask(w2, log) == 200
    second = log.latest_checkpoint
    late = w1.add_checkpoint(body(log, first.size, first))  # w1 answers for the older one after w2
    assert late.status == 200
    log.add_cosignatures(first.note + late.body.decode())
    assert log.cosigned is not None and log.cosigned.size == second.size
    assert log.with_cosignatures(second).count("\u2014 ") == 2
    assert log.with_cosignatures(first).count("\u2014 ") == 2  # the late one is kept for its checkpoint too
    assert ask(w1, log) == 200
    assert log.with_cosignatures(second).count("\u2014 ") == 3
    log.close()
    again = AuditLog.open(tmp_path / "log", KEY)
    assert again.cosigned == Checkpoint(second.origin, second.size, second.root, again.with_cosignatures(second))
    assert again.with_cosignatures(second).count("\u2014 ") == 3
    out = exported(again, tmp_path / "export")
    merged = [decode_checkpoint_line(line) for line in read_lines(out / "cosignatures.jsonl")]
    assert [note.count("\u2014 ") for note in merged] == [2, 3]  # first: the log and w1 once; second: all
    assert verify_export(out, witnesses=keys_of([w1, w2])).ok
    again.close()


def test_the_log_refuses_a_note_that_is_not_its_own_and_cuts_a_torn_line(
        tmp_path: Path, witnesses: list[Witness]) -> None:
    log = AuditLog.open(tmp_path / "log", KEY)
    grow(log, 3)
    with pytest.raises(NoteError, match="not a checkpoint this log signed"):
        log.add_cosignatures(log.latest_checkpoint.note.replace(f"\n{log.size}\n", f"\n{log.size + 1}\n"))
    with pytest.raises(NoteError):
        log.add_cosignatures("garbage")
    note = log.latest_checkpoint.note
    with AuditLog.open(tmp_path / "crowded", KEY) as crowded:
        crowded.add_cosignatures(crowded.latest_checkpoint.note + "".join(f"\u2014 k{i} AAAAAAA=\n" for i in range(99)))
        with pytest.raises(NoteError, match="more than 100"):  # 101 lines with the log's own
            crowded.add_cosignatures(crowded.latest_checkpoint.note + "\u2014 k99 AAAAAAA=\n")
    assert ask(witnesses[0], log) == 200
    log.close()
    path = tmp_path / "log" / "cosignatures.jsonl"
    elsewhere = sign_checkpoint("renda.example/elsewhere", 1, bytes(32), log_key("renda.example/elsewhere"))
    path.write_bytes(path.read_bytes() + b'{"note":"not a checkpoint"}\n' + encode_checkpoint_line(elsewhere.note)
                     + b'{"note":"torn')
    again = AuditLog.open(tmp_path / "log", KEY)
    assert again.cosigned is not None and again.cosigned.size == again.latest_checkpoint.size
    assert path.read_bytes().endswith(encode_checkpoint_line(elsewhere.note))
    assert (tmp_path / "log" / "recovered").exists()
    out = exported(again, tmp_path / "export")
    assert len(read_lines(out / "cosignatures.jsonl")) == 1  # the lines that are none of its checkpoints: left out
    again.close()
    with pytest.raises(StorageError, match="closed"):
        again.add_cosignatures(note)


def test_the_command_line_takes_witness_keys_and_a_quorum(tmp_path: Path, witnesses: list[Witness],
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    log = AuditLog.open(tmp_path / "log", KEY)
    grow(log, 3)
    assert [ask(w, log) for w in witnesses[:2]] == [200, 200]
    out = str(exported(log, tmp_path / "export"))
    log.close()
    keyfile = tmp_path / "witnesses.txt"
    keyfile.write_text("".join(w.vkey + "\n" for w in witnesses), encoding="ascii")
    assert main(["verify", out, "--no-progress", "--witness", str(keyfile), "--quorum", "2"]) == 0
    shown = capsys.readouterr().out
    assert "2 / 3" in shown and "未副署 no cosignature" in shown and "PASS" in shown
    assert main(["verify", out, "--no-progress", "--witness", str(keyfile)]) == 1
    assert "[witness-quorum]" in capsys.readouterr().out
    assert main(["verify", out, "--no-progress", "--quorum", "1"]) == 2
    assert main(["verify", out, "--no-progress", "--witness", witnesses[0].vkey, "--quorum", "2"]) == 2
    twice = ["--witness", witnesses[0].vkey, "--witness", witnesses[0].vkey]
    assert main(["verify", out, "--no-progress", *twice, "--quorum", "2"]) == 2  # one witness named twice
    assert "--quorum" in capsys.readouterr().err
    assert main(["verify", out, "--no-progress", "--witness", KEY.vkey]) == 2  # a log key is no witness key
    receipt = tmp_path / "r.json"
    receipt.write_text("{}", encoding="utf-8")
    assert main(["check-receipt", str(receipt), "--export", out, "--quorum", "3"]) == 2


def test_a_signed_checkpoint_consistent_with_the_records_is_no_finding_and_faults_are_named_once(
        tmp_path: Path) -> None:
    log = AuditLog.open(tmp_path / "log", KEY)
    grow(log, 6)
    between = sign_checkpoint(KEY.name, 3, log.root(3), KEY)  # signed, never written to checkpoints.jsonl
    out = exported(log, tmp_path / "export")
    (out / "cosignatures.jsonl").write_bytes(encode_checkpoint_line(between.note))
    assert verify_export(out).ok
    write_lines(out / "cosignatures.jsonl", [b"not json", b"not json either"])
    report = verify_export(out)
    assert codes(report) == ["bad-cosignature"] and "line 0" in report.failures[0].message
    (out / "cosignatures.jsonl").unlink()
    (out / "cosignatures.jsonl").mkdir()
    with pytest.raises(StorageError, match="cannot read"):
        verify_export(out)
    log.close()
