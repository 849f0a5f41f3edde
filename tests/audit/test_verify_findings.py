"""`verify_export` names the first fault: each vote rule, each file problem, and the report."""

from __future__ import annotations

import base64
import json
import sys
from collections.abc import Mapping
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from audit import canonical, verify_export
from audit.checkpoint import sign_checkpoint
from audit.errors import StorageError, TallyUnavailableError
from audit.logfile import encode_checkpoint_line
from audit.records import RecordType
from tests.audit.audit_helpers import (
    DEFINITION,
    ORIGIN,
    ballot,
    build_export,
    motion_entries,
    read_lines,
    signer,
    write_lines,
)

OPEN = (RecordType.VOTE_OPENED, {"vote_id": "v1", "definition": DEFINITION})
CLOSE0 = (RecordType.VOTE_CLOSED, {"vote_id": "v1", "ballots_cast": 0})
VOID = (RecordType.VOTE_VOIDED, {"vote_id": "v1", "reason": "system fault / 系统故障"})
MANUAL = (RecordType.MANUAL_RESULT, {"vote_id": "v1", "method": "show_of_hands", "result": {"yes": 30}})


def _result(result: Any) -> tuple[str, dict[str, Any]]:
    return RecordType.RESULT, {"vote_id": "v1", "result": result}


@pytest.mark.parametrize(
    ("entries", "code", "seq"),
    [
        ([ballot("v1", "yes")], "unknown-vote", 1),
        ([MANUAL, ballot("v1", "yes")], "unknown-vote", 2),
        ([OPEN, CLOSE0, ballot("v1", "yes")], "late-ballot", 3),
        ([OPEN, VOID, ballot("v1", "yes")], "voided-vote", 3),
        ([OPEN, VOID, VOID], "voided-vote", 3),
        ([OPEN, OPEN], "duplicate-vote", 2),
        ([OPEN, CLOSE0, CLOSE0], "duplicate-close", 3),
        ([OPEN, ballot("v1", "no"), CLOSE0], "ballot-count", 3),
        ([OPEN, _result({})], "result-before-close", 2),
        ([*motion_entries("v1", ["no"]), MANUAL], "duplicate-result", 5),
        ([MANUAL, MANUAL], "duplicate-result", 2),
        ([(RecordType.VOTE_CLOSED, {"vote_id": "v9", "ballots_cast": 0})], "unknown-vote", 1),
        ([OPEN, CLOSE0, _result({"outcome": "passed"})], "result-mismatch", 3),
    ],
)
def test_vote_rules_are_enforced_at_the_offending_record(
    tmp_path: Path, entries: list[Any], code: str, seq: int
) -> None:
    report = verify_export(build_export(tmp_path, entries))
    assert report.failure is not None
    assert (report.failure.code, report.failure.seq) == (code, seq), report.failure


def test_a_void_after_the_result_is_allowed_and_reported(tmp_path: Path) -> None:
    entries = [
        *motion_entries("v1", ["yes"] * 20),
        VOID,
        (RecordType.MANUAL_RESULT, {"vote_id": "v2", "method": "paper", "result": {}}),
    ]
    report = verify_export(build_export(tmp_path, entries))
    assert report.ok, report.failure
    outcomes = {v.vote_id: v.outcome for v in report.votes}
    assert outcomes["v1"].startswith("已作废 voided (system fault") and "recounted" in outcomes["v1"]
    assert "manual result (paper)" in outcomes["v2"]


def test_open_and_unresulted_votes_are_warnings(tmp_path: Path) -> None:
    entries = [
        OPEN,
        ballot("v1", "yes"),
        ("sign_in", {"deputy": "d-1"}),
        (RecordType.VOTE_OPENED, {"vote_id": "v2", "definition": {"kind": 3}}),
        (RecordType.VOTE_CLOSED, {"vote_id": "v2", "ballots_cast": 0}),
        (RecordType.VOTE_OPENED, {"vote_id": "v3", "definition": DEFINITION}),
        (RecordType.VOTE_VOIDED, {"vote_id": "v3", "reason": "重新表决"}),
    ]
    report = verify_export(build_export(tmp_path, entries))
    assert report.ok
    assert [(v.vote_id, v.kind, v.ballots) for v in report.votes] == [
        ("v1", "motion", 1),
        ("v2", None, 0),
        ("v3", "motion", 0),
    ]
    assert any("v1: still open" in w for w in report.warnings)
    assert any("v2: closed without a result" in w for w in report.warnings)
    text = "\n".join(report.lines())
    assert "通过 PASS" in text and "compare it with the published key" in text and "v3  motion" in text


def test_a_second_log_opened_record_is_refused(tmp_path: Path) -> None:
    out = build_export(tmp_path, [("sign_in", {"deputy": "d1"})])
    lines = read_lines(out / "records.jsonl")
    # an insider appends a second log_opened: rebuild a log that has one
    from audit import AuditLog, export

    log = AuditLog.open(tmp_path / "log2", signer())
    log._append([(RecordType.LOG_OPENED, {"origin": ORIGIN, "vkey": signer().vkey})], None)
    log.close()
    export(tmp_path / "log2", tmp_path / "out2")
    report = verify_export(tmp_path / "out2")
    assert report.failure is not None and (report.failure.code, report.failure.seq) == ("bad-opening", 1)
    assert len(lines) == 2


def test_the_first_record_must_open_the_log(tmp_path: Path) -> None:
    out = build_export(tmp_path, [("sign_in", {"deputy": "d1"})])
    lines = read_lines(out / "records.jsonl")
    write_lines(
        out / "records.jsonl",
        [
            lines[1]
            .replace(b'"seq":1', b'"seq":0')
            .replace(lines[1][lines[1].index(b'"prev":"') + 8 : lines[1].index(b'"prev":"') + 72], b"0" * 64)
        ],
    )
    from audit import merkle

    root = merkle.root(read_lines(out / "records.jsonl"))
    (out / "checkpoints.jsonl").write_bytes(encode_checkpoint_line(sign_checkpoint(ORIGIN, 1, root, signer()).note))
    report = verify_export(out)
    assert report.failure is not None and report.failure.code == "bad-opening"
    assert "not log_opened" in report.failure.message


def test_checkpoints_must_be_well_formed(tmp_path: Path) -> None:
    def cases(out: Path) -> list[tuple[bytes, str, str]]:
        lines = read_lines(out / "checkpoints.jsonl")
        empty = encode_checkpoint_line(sign_checkpoint(ORIGIN, 0, b"\x00" * 32, signer()).note)
        other = encode_checkpoint_line(
            sign_checkpoint("renda.example/other", 99, b"\x00" * 32, signer("renda.example/other")).note
        )
        foreign_origin = encode_checkpoint_line(
            sign_checkpoint("renda.example/elsewhere", 99, b"\x00" * 32, signer()).note
        )
        whole = b"".join(line + b"\n" for line in lines)
        return [
            (b"", "no-checkpoint", "no checkpoint"),
            (whole[:-1], "bad-checkpoint", "incomplete"),
            (b'{"note": 1}\n', "bad-checkpoint", "checkpoint 0"),
            (empty, "bad-checkpoint", "empty log"),
            (whole + whole.split(b"\n")[-2] + b"\n", "bad-checkpoint", "repeats size"),
            (whole + foreign_origin, "bad-checkpoint", "another log"),
            (whole + other, "bad-signature", "checkpoint"),
        ]

    out = build_export(tmp_path, checkpoint_after=[2])
    for content, code, message in cases(out):
        saved = (out / "checkpoints.jsonl").read_bytes()
        (out / "checkpoints.jsonl").write_bytes(content)
        report = verify_export(out)
        assert report.failure is not None and report.failure.code == code, (content, report.failure)
        assert message in report.failure.message
        (out / "checkpoints.jsonl").write_bytes(saved)
    assert verify_export(out).ok


def test_records_after_the_latest_checkpoint_are_unsigned(tmp_path: Path) -> None:
    out = build_export(tmp_path)
    lines = read_lines(out / "records.jsonl")
    write_lines(out / "records.jsonl", [*lines, lines[-1]])
    report = verify_export(out)
    assert report.failure is not None and (report.failure.code, report.failure.seq) == ("unsigned-records", len(lines))


def test_tally_inputs_must_be_what_the_records_say(tmp_path: Path) -> None:
    out = build_export(tmp_path)
    inputs = canonical.loads((out / "tally_inputs.json").read_text(encoding="utf-8").rstrip("\n"))
    inputs["v1"]["ballots"].reverse()
    (out / "tally_inputs.json").write_bytes(canonical.dumps(inputs) + b"\n")
    report = verify_export(out)
    assert report.failure is not None and report.failure.code == "tally-inputs-mismatch"


def test_a_tally_error_and_a_non_json_recount_are_failures(tmp_path: Path) -> None:
    out = build_export(tmp_path)

    class Refused(Exception):
        pass

    def refuse(doc: Any) -> Any:
        raise Refused("不接受 refused")

    report = verify_export(out, tally=SimpleNamespace(count_document=refuse, TallyError=Refused))
    assert report.failure is not None and report.failure.code == "tally-error" and "refused" in report.failure.message
    report = verify_export(
        out, tally=SimpleNamespace(count_document=lambda doc: {"x": float("nan")}, TallyError=Refused)
    )
    assert report.failure is not None and report.failure.code == "result-mismatch"
    assert "not JSON" in report.failure.message


def test_a_missing_tally_package_is_an_environment_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = build_export(tmp_path)
    monkeypatch.setitem(sys.modules, "tally", None)
    with pytest.raises(TallyUnavailableError):
        verify_export(out)
    monkeypatch.setitem(sys.modules, "tally", SimpleNamespace(count_document=None))
    with pytest.raises(TallyUnavailableError):
        verify_export(out)


def test_missing_files_are_unreadable_input(tmp_path: Path) -> None:
    out = build_export(tmp_path)
    (out / "records.jsonl").unlink()
    with pytest.raises(StorageError, match=r"records\.jsonl"):
        verify_export(out)
    (out / "checkpoints.jsonl").unlink()
    with pytest.raises(StorageError, match=r"checkpoints\.jsonl"):
        verify_export(out)
    with pytest.raises(StorageError, match=r"vkey\.txt"):
        verify_export(tmp_path / "nowhere")


def test_a_malformed_key_file_is_a_failure(tmp_path: Path) -> None:
    out = build_export(tmp_path)
    (out / "vkey.txt").write_text("garbage\n")
    report = verify_export(out)
    assert report.failure is not None and report.failure.code == "bad-public-key"
    assert report.lines()[0].startswith("审计导出核验") and "FAIL" in report.lines()[-1]


def test_the_report_names_a_trusted_key_and_the_progress_bar_goes_to_the_given_stream(tmp_path: Path) -> None:
    import io

    out = build_export(tmp_path)
    stream = io.StringIO()
    report = verify_export(out, trusted_vkey=signer().vkey, progress=True, progress_stream=stream)
    assert report.ok and report.trusted_key
    assert "matches the trusted key" in "\n".join(report.lines())
    assert "rec" in stream.getvalue()


def test_a_failure_without_a_record_prints_without_a_seq() -> None:
    from audit.verify import Failure

    assert str(Failure("no-checkpoint", "none")) == "[no-checkpoint] none"
    assert str(Failure("wrong-seq", "moved", 4)).startswith("record seq 4 / 第 4 号记录: [wrong-seq]")


def test_the_verdict_is_the_same_without_the_ballot_fast_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import audit.verify

    out = build_export(tmp_path, [*motion_entries("v1"), *motion_entries("v2", ["no"] * 4)])
    fast = verify_export(out)
    monkeypatch.setattr(audit.verify, "BALLOT_PREFIX", b"\xff (no line starts so)")
    slow = verify_export(out)
    assert fast == slow and fast.ok


NAMED_OPEN = (RecordType.VOTE_NAMED, {"vote_id": "v1"})


def _named(seq: int, member: str) -> tuple[str, dict[str, Any]]:
    return RecordType.NAMED_BALLOT, {"vote_id": "v1", "seq": seq, "member": member}


@pytest.mark.parametrize(
    ("entries", "code", "seq"),
    [
        ([OPEN, ballot("v1", "yes"), _named(2, "D1")], "bad-named-ballot", 3),
        ([OPEN, NAMED_OPEN, ballot("v1", "yes"), _named(1, "D1")], "bad-named-ballot", 4),
        ([OPEN, NAMED_OPEN, ballot("v1", "yes"), _named(3, "D1"), _named(3, "D2")], "bad-named-ballot", 5),
        ([OPEN, NAMED_OPEN, ballot("v1", "yes"), ballot("v1", "no"), _named(3, "D1"), _named(4, "D1")],
         "double-vote", 6),
        ([OPEN, NAMED_OPEN, ballot("v1", "yes"), (RecordType.VOTE_CLOSED, {"vote_id": "v1", "ballots_cast": 1})],
         "bad-named-ballot", 4),
        ([OPEN, (RecordType.VOTE_EXTENDED, {"vote_id": "v1", "deadline": "2000-01-01T00:00:00+00:00"}),
          ballot("v1", "yes")], "ballot-outside-window", 3),
        ([OPEN, (RecordType.VOTE_EXTENDED, {"vote_id": "v9", "deadline": "2000-01-01T00:00:00+08:00"})],
         "unknown-vote", 2),
    ],
)
def test_named_ballots_and_deadlines(tmp_path: Path, entries: list[Any], code: str, seq: int) -> None:
    report = verify_export(build_export(tmp_path, entries))
    assert report.failure is not None
    assert (report.failure.code, report.failure.seq) == (code, seq), report.failure


def test_a_named_vote_with_a_changed_choice_verifies(tmp_path: Path) -> None:
    entries: list[tuple[str, Mapping[str, Any]]] = [
        OPEN, NAMED_OPEN, ballot("v1", "no"), _named(3, "D1"),
        (RecordType.BALLOT_WITHDRAWN, {"vote_id": "v1", "seq": 3}), ballot("v1", "yes"), _named(6, "D1"),
        (RecordType.VOTE_CLOSED, {"vote_id": "v1", "ballots_cast": 1}),
    ]
    report = verify_export(build_export(tmp_path, entries))
    assert report.ok, report.lines()


def test_times_never_go_back_and_any_fraction_is_compared_as_an_instant(tmp_path: Path) -> None:
    """A named vote's ballots are dated when they arrive (a secret vote's at its opening: below)."""
    from audit import AuditLog, export

    def session(times: list[str]) -> Path:
        base = tmp_path / str(len(list(tmp_path.iterdir())))
        log = AuditLog.open(base / "log", signer())
        log.append(*OPEN, "2099-01-01T00:00:00Z")
        log.append(*NAMED_OPEN, "2099-01-01T00:00:00Z")
        for time in times:
            log.append(*ballot("v1", "yes"), time)
        log.close()
        export(base / "log", base / "out")
        return base / "out"

    assert verify_export(session(["2099-01-01T00:00:00.5Z", "2099-01-01T00:00:00.500001Z"])).ok
    out = session(["2099-01-01T00:00:01.25Z", "2099-01-01T00:00:01.3Z"])
    lines = read_lines(out / "records.jsonl")
    lines[4] = lines[4].replace(b"01.3Z", b"01.2Z")  # re-signed below by the key holder
    from tests.audit.audit_helpers import resign

    recs = [json.loads(line) for line in lines]
    resign(out, recs, signer())
    report = verify_export(out)
    assert report.failure is not None and (report.failure.code, report.failure.seq) == ("time-reversed", 4)
    recs[4]["type"], recs[4]["body"] = "sign_in", {"user": "x"}
    resign(out, recs, signer())
    report = verify_export(out)
    assert report.failure is not None and (report.failure.code, report.failure.seq) == ("time-reversed", 4)


def test_a_chain_the_key_signed_broken_is_the_signer_s(tmp_path: Path) -> None:
    from audit import merkle, records

    out = build_export(tmp_path, [("sign_in", {"user": "a"}), ("sign_in", {"user": "b"})])
    lines = read_lines(out / "records.jsonl")
    lines[2] = records.encode(2, "sign_in", json.loads(lines[2])["time"], "ab" * 32, {"user": "b"})
    write_lines(out / "records.jsonl", lines)
    tree = merkle.MerkleTree.from_leaves(lines)
    (out / "checkpoints.jsonl").write_bytes(
        encode_checkpoint_line(sign_checkpoint(ORIGIN, 3, tree.root(), signer()).note))
    report = verify_export(out)
    assert report.failure is not None
    assert (report.failure.code, report.failure.seq, report.failure.signed) == ("broken-chain", 2, True)
    assert "a checkpoint signs it so" in report.failure.message


def test_a_forged_checkpoint_of_a_signed_size_is_a_bad_signature_not_equivocation(tmp_path: Path) -> None:
    from audit.logfile import decode_checkpoint_line

    out = build_export(tmp_path, checkpoint_after=[3])
    lines = read_lines(out / "checkpoints.jsonl")
    note = decode_checkpoint_line(lines[0])
    text, signature = note.split("\n\n")
    forged = text.replace(text.split("\n")[2], base64.b64encode(b"\x07" * 32).decode()) + "\n\n" + signature
    write_lines(out / "checkpoints.jsonl", [lines[0], encode_checkpoint_line(forged)[:-1], *lines[1:]])
    report = verify_export(out)
    assert [f.code for f in report.failures] == ["bad-signature"], report.failures


def test_a_missing_tally_inputs_file_is_unreadable_input(tmp_path: Path) -> None:
    out = build_export(tmp_path)
    (out / "tally_inputs.json").unlink()
    with pytest.raises(StorageError, match="tally_inputs"):
        verify_export(out)


def test_the_report_shows_equivocation_evidence(tmp_path: Path) -> None:
    from audit.verify import Failure, Report

    report = Report("x", failures=(Failure("equivocation", "two", signed=True, evidence=("a\nb\n", "c\n")),))
    text = "\n".join(report.lines())
    assert "    | a\n    | b" in text and "    | c" in text and "signed by the log's key" in text


def test_malformed_lines_the_key_signed_are_the_signer_s(tmp_path: Path) -> None:
    """A ballot line with its keys out of order (the fast path declines it, the full parser refuses
    it) and a line that is not JSON, both under a good signature: the first is the finding."""
    from audit import merkle

    out = build_export(tmp_path, [("sign_in", {"user": "a"})] * 3)
    lines = read_lines(out / "records.jsonl")
    prefix = b'{"body":{"ballot":{"b":1,"a":2},"nonce":"' + b"0" * 32 + b'","vote_id":"v1"},"prev":"'
    time = json.loads(lines[1])["time"].encode()
    lines[1] = prefix + merkle.leaf_hash(lines[0]).hex().encode() + b'","seq":1,"time":"' + time + b'","type":"ballot"}'
    lines[3] = b"not json"
    write_lines(out / "records.jsonl", lines)
    tree = merkle.MerkleTree.from_leaves(lines)
    note = sign_checkpoint(ORIGIN, 4, tree.root(), signer()).note
    (out / "checkpoints.jsonl").write_bytes(encode_checkpoint_line(note))
    report = verify_export(out, watch=[3])
    assert report.failure is not None
    assert (report.failure.code, report.failure.seq, report.failure.signed) == ("bad-record", 1, True)
    assert report.leaves == {}  # only a verified export says what became of a leaf


def test_a_named_ballot_of_a_member_who_was_not_checked_in_is_caught(tmp_path: Path) -> None:
    from tests.audit.test_session_rules import ROLL4, item, opened

    entries = [*ROLL4, item(secret=False), opened(), (RecordType.VOTE_NAMED, {"vote_id": "v1-1"}),
               ballot("v1-1", "yes"), (RecordType.NAMED_BALLOT, {"vote_id": "v1-1", "seq": 9, "member": "D4"})]
    report = verify_export(build_export(tmp_path, entries))
    assert report.failure is not None and (report.failure.code, report.failure.seq) == ("ineligible-voter", 10)


def test_what_the_verifier_finds_does_not_depend_on_where_its_reads_end(tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """A secret vote's ballots are read a run at a time (`audit.records.match_ballot_run`) and a run
    ends where a block of the file does: read in blocks of a few lines, so that runs are cut
    anywhere and their first ballots are read one by one, the report -- every leaf followed, what
    became of each ballot, the votes -- is the same."""
    from audit.logfile import LineReader

    out = build_export(tmp_path, motion_entries(choices=["yes", "no", "abstain"] * 5), checkpoint_after=[7])
    seqs = range(20)
    whole = verify_export(out, watch=seqs)
    assert whole.ok and [whole.leaves[seq].fate for seq in range(2, 17)] == ["counted"] * 15
    for block in (1, 200, 700, 1500):
        monkeypatch.setattr(LineReader, "BLOCK", block)
        cut = verify_export(out, watch=seqs)
        assert (cut.ok, cut.leaves, cut.votes, cut.root) == (True, whole.leaves, whole.votes, whole.root)
