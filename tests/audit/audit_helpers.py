"""Shared builders for the audit tests: keys, logs with a motion vote, exports, tampering.

Not a conftest: tests/tally has its own modules, and plain imports keep the two suites apart.
"""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import tally
from audit import AuditLog, export, keys
from audit.records import RecordType

ORIGIN = "renda.example/county-7"
DEFINITION: dict[str, Any] = {
    "kind": "motion",
    "members_of_record": 35,
    "present": 30,
    "threshold": "majority_of_all",
}
CHOICES = ["yes"] * 18 + ["no"] * 5 + ["abstain"] * 2
VECTORS = Path(__file__).parent / "vectors"
TIME = "2026-11-23T09:00:00.123Z"

Entry = tuple[str, Mapping[str, Any]]


@functools.cache
def signer(name: str = ORIGIN) -> keys.Signer:
    """One key per name for the whole session (key generation is cheap, but stable keys help)."""
    return keys.generate(name)


def nonce() -> str:
    return os.urandom(16).hex()


def ballot(vote_id: str, choice: str) -> Entry:
    return RecordType.BALLOT, {"vote_id": vote_id, "ballot": {"choice": choice}, "nonce": nonce()}


def motion_entries(vote_id: str = "v1", choices: Iterable[str] = CHOICES, *, result: Any = None) -> list[Entry]:
    """Open, ballots, close, result (the real tally's unless `result` is given)."""
    choices = list(choices)
    recount = tally.count_document(dict(DEFINITION, ballots=[{"choice": c} for c in choices]))
    return [
        (RecordType.VOTE_OPENED, {"vote_id": vote_id, "definition": DEFINITION}),
        *(ballot(vote_id, c) for c in choices),
        (RecordType.VOTE_CLOSED, {"vote_id": vote_id, "ballots_cast": len(choices)}),
        (RecordType.RESULT, {"vote_id": vote_id, "result": recount if result is None else result}),
    ]


def build_log(
    directory: Path,
    entries: Iterable[Entry] | None = None,
    *,
    key: keys.Signer | None = None,
    checkpoint_every: int | None = None,
    checkpoint_after: Iterable[int] = (),
) -> AuditLog:
    """A closed log holding `entries` (a motion vote by default); checkpoints after the given
    entry positions, and at the end."""
    entries = motion_entries() if entries is None else list(entries)
    marks = set(checkpoint_after)
    log = AuditLog.open(directory, key or signer(), checkpoint_every=checkpoint_every)
    for position, (type_, body) in enumerate(entries):
        log.append(type_, body, TIME)
        if position in marks:
            log.checkpoint()
    log.close()
    return log


def build_export(tmp: Path, entries: Iterable[Entry] | None = None, **kwargs: Any) -> Path:
    """An export of a fresh log holding `entries`; returns the export directory."""
    build_log(tmp / "log", entries, **kwargs)
    out = tmp / "export"
    export(tmp / "log", out)
    return out


def read_lines(path: Path) -> list[bytes]:
    return path.read_bytes().split(b"\n")[:-1]


def write_lines(path: Path, lines: Iterable[bytes]) -> None:
    path.write_bytes(b"".join(line + b"\n" for line in lines))


def edit_record(export_dir: Path, seq: int, edit: Callable[[dict[str, Any]], None]) -> None:
    """Change record `seq` in place (keeping it canonical), without fixing anything after it."""
    from audit import canonical

    path = export_dir / "records.jsonl"
    lines = read_lines(path)
    record = json.loads(lines[seq])
    edit(record)
    lines[seq] = canonical.dumps(record)
    write_lines(path, lines)


def receipt_setup(tmp: Path) -> tuple[Path, dict[str, Any]]:
    """A log with two votes and a checkpoint between them; a receipt for the 4th ballot of the
    first vote against that checkpoint; and the export taken after the second vote."""
    log = AuditLog.open(tmp / "log", signer())
    first = motion_entries("v1")
    log.append_many(first, TIME)
    checkpoint = log.checkpoint()
    receipt = log.receipt(5, checkpoint)  # seq 0 log_opened, 1 vote_opened, 2.. ballots
    log.append_many(motion_entries("v2", ["yes"] * 20), TIME)
    log.close()
    out = tmp / "export"
    export(tmp / "log", out)
    return out, receipt


def check(receipt: dict[str, Any], export_dir: Path) -> Any:
    """Parse and check a receipt against an export with the export's own key."""
    from audit import check_receipt, parse_receipt
    from audit.export import read_vkey_file

    return check_receipt(parse_receipt(receipt), export_dir, read_vkey_file(export_dir))


# -- the real session (tests/audit/vectors/session, made by its make_session.py) ------------------

SESSION = VECTORS / "session"
SESSION_FILES = ("records.jsonl", "checkpoints.jsonl", "vkey.txt", "tally_inputs.json")


def session_export(tmp: Path) -> Path:
    """A fresh copy of the real session's export."""
    out = tmp / "session-export"
    out.mkdir()
    for name in SESSION_FILES:
        (out / name).write_bytes((SESSION / name).read_bytes())
    return out


def session_key() -> keys.Signer:
    """The session's own signing key: for tests that play an insider who holds it."""
    return keys.Signer.from_skey((SESSION / "signing-key.skey").read_text(encoding="ascii").strip())


def session_receipt(name: str) -> dict[str, Any]:
    """A receipt a deputy's tablet showed in the session: counted, replaced or voided."""
    receipt: dict[str, Any] = json.loads((SESSION / f"receipt-{name}.json").read_text(encoding="utf-8"))
    return receipt


def session_records(export_dir: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in read_lines(export_dir / "records.jsonl")]


def seq_of(records: list[dict[str, Any]], type_: str, vote_id: str | None = None, nth: int = 0) -> int:
    """The seq of the nth record of a type (of a vote)."""
    found = [r["seq"] for r in records
             if r["type"] == type_ and (vote_id is None or r["body"].get("vote_id") == vote_id)]
    return int(found[nth])


def resign(export_dir: Path, records: list[dict[str, Any]], key: keys.Signer | None = None) -> None:
    """Rewrite an export as an insider holding the key would: re-chain every record (seq, prev),
    sign a checkpoint at each of the old checkpoint sizes that still exists and at the end, and
    derive tally_inputs.json again."""
    from audit import canonical, merkle
    from audit import records as records_module
    from audit.checkpoint import sign_checkpoint
    from audit.export import TallyInputs
    from audit.logfile import decode_checkpoint_line, encode_checkpoint_line

    key = key or session_key()
    origin = decode_checkpoint_line(read_lines(export_dir / "checkpoints.jsonl")[0]).split("\n")[0]
    notes = [decode_checkpoint_line(line) for line in read_lines(export_dir / "checkpoints.jsonl")]
    old_sizes = [int(note.split("\n")[1]) for note in notes]
    lines: list[bytes] = []
    prev = records_module.GENESIS_PREV
    inputs = TallyInputs()
    for seq, record in enumerate(records):
        line = records_module.encode(seq, record["type"], record["time"], prev, record["body"])
        lines.append(line)
        prev = merkle.leaf_hash(line).hex()
        inputs.add(records_module.decode(line))
    sizes = sorted({s for s in old_sizes if s <= len(lines)} | {len(lines)})
    tree = merkle.MerkleTree.from_leaves(lines)
    write_lines(export_dir / "records.jsonl", lines)
    (export_dir / "checkpoints.jsonl").write_bytes(
        b"".join(encode_checkpoint_line(sign_checkpoint(origin, s, tree.root(s), key).note) for s in sizes)
    )
    (export_dir / "tally_inputs.json").write_bytes(inputs.canonical_bytes())
    assert canonical.dumps(records[0]["body"])  # (records stay canonical JSON)
