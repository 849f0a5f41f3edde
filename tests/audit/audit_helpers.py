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
