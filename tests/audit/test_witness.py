"""The witness (C2SP tlog-witness, `audit.witness`): what it cosigns, every refusal with the status
the spec gives it, the state it keeps, and the evidence of a fork or a rollback."""

from __future__ import annotations

import os
import stat
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from audit import AuditLog, keys
from audit.checkpoint import sign_checkpoint
from audit.cosignature import Cosigner, cosignatures
from audit.errors import KeyFileError, KeyFormatError, StorageError
from audit.merkle import EMPTY_ROOT
from audit.note import parse_note
from audit.witness import MAX_BODY, SIZE_TYPE, Witness, origin_hash
from tests.audit.witness_helpers import ORIGIN, body, fork, grow, log_key

KEY = log_key()


class Clock:
    """A clock the test sets."""

    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def log(tmp_path: Path) -> Iterator[AuditLog]:
    with AuditLog.open(tmp_path / "log", KEY) as opened:
        grow(opened, 5)
        yield opened


@pytest.fixture
def witness(tmp_path: Path) -> Iterator[Witness]:
    opened = Witness.open(tmp_path / "witness", [KEY.verifier], name="witness.example/w1", clock=Clock())
    try:
        yield opened
    finally:
        opened.close()


def cosigned_at(witness: Witness, note: str, answer: bytes) -> int:
    """The timestamp of the witness's valid cosignature line `answer` on `note`."""
    found = cosignatures(parse_note(note + answer.decode()), [Cosigner.from_vkey(witness.vkey)])
    assert len(found) == 1
    return found[0].timestamp


def evidence(witness: Witness) -> list[str]:
    folder = witness.directory / "evidence"
    return sorted(p.read_text(encoding="utf-8") for p in folder.iterdir()) if folder.exists() else []


def test_the_first_checkpoint_with_old_size_0_is_cosigned_and_kept_on_disk(log: AuditLog, witness: Witness) -> None:
    answer = witness.add_checkpoint(body(log, 0))
    assert answer.status == 200 and answer.body.endswith(b"\n") and answer.body.startswith("\u2014 ".encode())
    assert cosigned_at(witness, log.latest_checkpoint.note, answer.body) == 1_800_000_000
    kept = (witness.directory / "logs" / origin_hash(ORIGIN) / "checkpoint").read_text(encoding="utf-8")
    assert kept == log.latest_checkpoint.note + answer.body.decode()  # the log's signature, then its own
    monitored = witness.latest(origin_hash(ORIGIN))
    assert (monitored.status, monitored.body.decode()) == (200, kept)
    assert witness.latest("0" * 64).status == 404


def test_a_growing_log_is_cosigned_with_a_consistency_proof_from_the_last_cosigned_size(
        log: AuditLog, witness: Witness) -> None:
    assert witness.add_checkpoint(body(log, 0)).status == 200
    old = log.latest_checkpoint.size
    grow(log, 7)
    answer = witness.add_checkpoint(body(log, old))
    assert answer.status == 200
    cosigned_at(witness, log.latest_checkpoint.note, answer.body)
    assert witness.logs[ORIGIN].size == log.size == old + 7


def test_a_stale_old_size_is_409_with_the_witness_size_as_text_x_tlog_size(log: AuditLog, witness: Witness) -> None:
    assert witness.add_checkpoint(body(log, 0)).status == 200
    cosigned = log.latest_checkpoint.size
    grow(log, 3)
    for stale in (0, 2, cosigned + 1):
        answer = witness.add_checkpoint(body(log, stale))
        assert (answer.status, answer.body, answer.content_type) == (409, b"%d\n" % cosigned, SIZE_TYPE)
    assert witness.add_checkpoint(body(log, cosigned)).status == 200  # the client retries with the size it got


def test_an_unknown_origin_is_404_and_a_checkpoint_not_signed_by_the_log_key_is_403(
        tmp_path: Path, log: AuditLog, witness: Witness) -> None:
    other = keys.generate("renda.example/another-log")
    with AuditLog.open(tmp_path / "other", other) as foreign:
        assert witness.add_checkpoint(body(foreign, 0)).status == 404
    impostor = keys.generate(ORIGIN)  # the origin's name, another key
    with AuditLog.open(tmp_path / "impostor", impostor) as forged:
        answer = witness.add_checkpoint(body(forged, 0))
    assert answer.status == 403 and b"not signed by the log's key" in answer.body
    note = log.latest_checkpoint.note
    at = note.rindex(" ") + 1  # the signature's first base64 character, changed (never to itself)
    bad = note[:at] + ("B" if note[at] == "A" else "A") + note[at + 1:]  # the log's own line, broken
    assert witness.add_checkpoint(f"old 0\n\n{bad}".encode()).status == 403
    assert witness.logs[ORIGIN].latest is None


@pytest.mark.parametrize(("request_body", "why"), [
    (b"\xff\xfe", b"not UTF-8"),
    (b"old 0\n", b"'old <size>'"),
    (b"new 0\n\nx", b"'old <size>'"),
    (b"old 07\n\nx", b"'old <size>'"),
    (b"old 0\nnot base64!\n\nx", b"not base64"),
    (b"old 0\nAAAA\n\nx", b"32-byte"),
    (b"old 0\n" + b"A" * 43 + b"=\n" * 64 + b"\nx", b"more than 63"),
    (b"old 0\n\nnot a checkpoint\n", b"not a checkpoint"),
    (b"old 0\n\n" + b"x" * MAX_BODY, b"longer than"),
])
def test_a_body_that_is_not_an_add_checkpoint_request_is_400(witness: Witness, request_body: bytes, why: bytes) -> None:
    answer = witness.add_checkpoint(request_body)
    assert answer.status == 400 and why in answer.body, answer.body


def test_old_size_above_the_checkpoint_size_is_400(log: AuditLog, witness: Witness) -> None:
    answer = witness.add_checkpoint(body(log, log.size + 1))
    assert answer.status == 400 and b"above the checkpoint" in answer.body


def test_a_proof_with_old_size_0_and_a_proof_that_does_not_verify_are_422(log: AuditLog, witness: Witness) -> None:
    assert witness.add_checkpoint(body(log, 0, proof=[bytes(32)])).status == 422
    assert witness.add_checkpoint(body(log, 0)).status == 200
    old = log.size
    grow(log, 4)
    proof = log.consistency_proof(old, log.size)
    proof[0] = bytes(32)
    answer = witness.add_checkpoint(body(log, old, proof=proof))
    assert answer.status == 422 and b"does not verify" in answer.body
    assert "reason: inconsistent" in evidence(witness)[0]
    assert witness.logs[ORIGIN].size == old  # nothing cosigned


def test_size_zero_needs_the_empty_root(witness: Witness) -> None:
    empty = sign_checkpoint(ORIGIN, 0, EMPTY_ROOT, KEY)
    wrong = sign_checkpoint(ORIGIN, 0, bytes(32), KEY)
    assert witness.add_checkpoint(f"old 0\n\n{wrong.note}".encode()).status == 422
    assert witness.add_checkpoint(f"old 0\n\n{empty.note}".encode()).status == 200


def test_the_same_checkpoint_again_is_cosigned_again_never_earlier_in_time(log: AuditLog, witness: Witness) -> None:
    clock = witness._clock
    assert isinstance(clock, Clock)
    first = witness.add_checkpoint(body(log, 0))
    clock.now -= 3600  # the laptop's clock is set back an hour
    again = witness.add_checkpoint(body(log, log.size))
    assert again.status == 200
    note = log.latest_checkpoint.note
    assert cosigned_at(witness, note, again.body) == cosigned_at(witness, note, first.body)


def test_a_fork_of_the_same_size_is_refused_and_both_signed_notes_are_kept(
        tmp_path: Path, log: AuditLog, witness: Witness) -> None:
    other = fork(log, tmp_path / "fork", KEY)
    assert witness.add_checkpoint(body(log, 0)).status == 200
    base = log.size
    grow(log, 3, "honest")
    grow(other, 3, "forked")
    assert witness.add_checkpoint(body(log, base)).status == 200
    assert other.size == log.size and other.root() != log.root()
    # with the old size it cosigned, and with a stale one: refused either way, and kept
    answer = witness.add_checkpoint(body(other, other.size, proof=[]))
    assert answer.status == 422 and b"same size with another root" in answer.body
    assert witness.add_checkpoint(body(other, base)).status == 409
    kept = evidence(witness)
    assert len(kept) == 2 and all("reason: fork" in text for text in kept)
    assert all(log.latest_checkpoint.note in text and other.latest_checkpoint.note in text for text in kept)
    assert witness.logs[ORIGIN].root == log.root()
    other.close()


def test_a_rollback_to_a_smaller_tree_is_refused_and_kept(log: AuditLog, witness: Witness) -> None:
    older = log.latest_checkpoint
    grow(log, 5)
    assert witness.add_checkpoint(body(log, 0)).status == 200
    stale = witness.add_checkpoint(body(log, 0, older))
    assert stale.status == 409
    above = witness.add_checkpoint(body(log, log.size, older))
    assert above.status == 400
    kept = evidence(witness)
    assert len(kept) == 2 and all("reason: rollback" in text and older.note in text for text in kept)
    assert witness.add_checkpoint(body(log, 0, older)).status == 409
    assert len(evidence(witness)) == 2  # the same request again is not kept twice


def test_concurrent_requests_from_one_old_size_get_one_cosignature(log: AuditLog, witness: Witness) -> None:
    assert witness.add_checkpoint(body(log, 0)).status == 200
    old = log.size
    bodies = []
    for _ in range(8):
        grow(log, 1)
        bodies.append(body(log, old))
    statuses: list[int] = []
    barrier = threading.Barrier(len(bodies))

    def send(request: bytes) -> None:
        barrier.wait()
        statuses.append(witness.add_checkpoint(request).status)

    threads = [threading.Thread(target=send, args=(b,)) for b in bodies]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [200] + [409] * 7
    assert witness.logs[ORIGIN].size > old


def test_the_state_survives_a_restart_and_the_key_is_owner_only(tmp_path: Path, log: AuditLog) -> None:
    directory = tmp_path / "witness"
    first = Witness.open(directory, [KEY.verifier], name="witness.example/w1")
    assert first.add_checkpoint(body(log, 0)).status == 200
    with pytest.raises(StorageError, match="another witness process"):
        Witness.open(directory, [KEY.verifier])
    first.close()
    assert stat.S_IMODE((directory / "witness.skey").stat().st_mode) == 0o600
    assert (directory / "witness.vkey").read_text() == first.vkey + "\n"
    again = Witness.open(directory, [KEY.verifier])
    try:
        assert again.vkey == first.vkey and again.logs[ORIGIN].size == log.size
        grow(log, 2)
        assert again.add_checkpoint(body(log, 0)).status == 409  # it remembers what it cosigned
    finally:
        again.close()


def test_a_generated_name_and_a_changed_name_or_a_readable_key(tmp_path: Path) -> None:
    made = Witness.open(tmp_path / "w", [])
    assert made.key.name.startswith("witness.local/")
    made.close()
    with pytest.raises(KeyFormatError, match="is named"):
        Witness.open(tmp_path / "w", [], name="witness.example/other")
    os.chmod(tmp_path / "w" / "witness.skey", 0o644)
    with pytest.raises(KeyFileError, match="chmod 600"):
        Witness.open(tmp_path / "w", [])
    Witness.open(tmp_path / "w2", []).close()  # a lock is released when opening fails: nothing left open


def test_another_key_for_a_witnessed_origin_is_refused_at_start(tmp_path: Path) -> None:
    Witness.open(tmp_path / "w", [KEY.verifier]).close()
    with pytest.raises(StorageError, match="keeps its key"):
        Witness.open(tmp_path / "w", [keys.generate(ORIGIN).verifier])


def test_a_tampered_state_is_refused_at_start(tmp_path: Path, log: AuditLog) -> None:
    directory = tmp_path / "w"
    opened = Witness.open(directory, [KEY.verifier])
    assert opened.add_checkpoint(body(log, 0)).status == 200
    opened.close()
    stored = directory / "logs" / origin_hash(ORIGIN) / "checkpoint"
    note = stored.read_text(encoding="utf-8")
    stored.write_text(note.replace(f"\n{log.size}\n", f"\n{log.size - 1}\n"), encoding="utf-8")
    with pytest.raises(StorageError, match="does not verify"):
        Witness.open(directory, [KEY.verifier])
    stored.write_text(log.latest_checkpoint.note, encoding="utf-8")  # the log's note, without its cosignature
    with pytest.raises(StorageError, match="lacks this witness's cosignature"):
        Witness.open(directory, [KEY.verifier])
