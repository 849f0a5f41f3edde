"""Tampering with the audit log behind the server's back, and rolling it back.

With the server stopped, one record of the DATABASE copy (``audit_records``) is edited, deleted,
moved or inserted (in the middle, or appended at the end with a correct hash chain): the server
refuses to start and its log names the record. The same edits to an exported log are caught by
``python -m audit verify``, naming the record. A deputy's receipt exposes a rollback: checked
against an older export (``python -m audit check-receipt``), and — on SQLite, where a backup is
a copy of two files — against a server restored from a backup taken before the ballot.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Connection, create_engine, text

from audit import records
from server.db import normalise_url
from tests.conftest import ROOT, Seeds, ServerProcess, launch_deployment, start_process, wait_ready
from tests.reliability.helpers import Fleet, download_export, export_offline, verify_export_dir
from tests.server.session_helpers import Session, choices, ok


def _rows(conn: Connection) -> list[tuple[int, bytes]]:
    return [(int(seq), bytes(data)) for seq, data in conn.execute(text("SELECT seq, data FROM audit_records "
                                                                          "ORDER BY seq"))]


def _restore(conn: Connection, rows: list[tuple[int, bytes]]) -> None:
    conn.execute(text("DELETE FROM audit_records"))
    conn.execute(text("INSERT INTO audit_records (seq, data) VALUES (:s, :d)"), [{"s": s, "d": d} for s, d in rows])


def _first_ballot(rows: list[tuple[int, bytes]]) -> int:
    return next(seq for seq, data in rows if json.loads(data)["type"] == "ballot")


def _forged_ballot(seq: int, prev_line: bytes, vote_id: str) -> bytes:
    prev = hashlib.sha256(b"\x00" + prev_line).hexdigest()
    return records.encode(seq, "ballot", records.now(), prev,
                          {"vote_id": vote_id, "ballot": {"choice": "yes"}, "nonce": "00" * 16})


def _edit(conn: Connection, rows: list[tuple[int, bytes]], vote_id: str) -> int:
    seq = _first_ballot(rows)
    data = dict(rows)[seq]
    record = json.loads(data)
    record["body"]["ballot"] = {"choice": "no" if record["body"]["ballot"]["choice"] == "yes" else "yes"}
    forged = records.encode(seq, "ballot", record["time"], record["prev"], record["body"])
    conn.execute(text("UPDATE audit_records SET data = :d WHERE seq = :s"), {"d": forged, "s": seq})
    return seq


def _delete(conn: Connection, rows: list[tuple[int, bytes]], vote_id: str) -> int:
    seq = _first_ballot(rows) + 1
    conn.execute(text("DELETE FROM audit_records WHERE seq = :s"), {"s": seq})
    return seq


def _reorder(conn: Connection, rows: list[tuple[int, bytes]], vote_id: str) -> int:
    seq = _first_ballot(rows)
    data = dict(rows)
    conn.execute(text("UPDATE audit_records SET data = :d WHERE seq = :s"), {"d": data[seq + 1], "s": seq})
    conn.execute(text("UPDATE audit_records SET data = :d WHERE seq = :s"), {"d": data[seq], "s": seq + 1})
    return seq


def _insert(conn: Connection, rows: list[tuple[int, bytes]], vote_id: str) -> int:
    seq = _first_ballot(rows)
    conn.execute(text("UPDATE audit_records SET seq = -seq - 1 WHERE seq >= :s"), {"s": seq})
    conn.execute(text("UPDATE audit_records SET seq = -seq WHERE seq < 0"))
    conn.execute(text("INSERT INTO audit_records (seq, data) VALUES (:s, :d)"),
                 {"s": seq, "d": _forged_ballot(seq, dict(rows)[seq - 1], vote_id)})
    return seq


def _append(conn: Connection, rows: list[tuple[int, bytes]], vote_id: str) -> int:
    seq = rows[-1][0] + 1
    conn.execute(text("INSERT INTO audit_records (seq, data) VALUES (:s, :d)"),
                 {"s": seq, "d": _forged_ballot(seq, rows[-1][1], vote_id)})
    return seq


TAMPER: dict[str, Callable[[Connection, list[tuple[int, bytes]], str], int]] = {
    "edit": _edit, "delete": _delete, "reorder": _reorder, "insert": _insert, "append": _append}


def _refuses_to_start(server: ServerProcess, how: str) -> str:
    before = len(server.log())
    process = start_process(server.env, server.port, server.log_path)
    deadline = time.monotonic() + 90
    while process.poll() is None:
        try:
            started = httpx.get(f"{server.url}/api/audit/vkey", timeout=2).status_code == 200
        except httpx.HTTPError:
            started = False
        if started or time.monotonic() > deadline:
            process.kill()
            process.wait()
            raise AssertionError(f"the server started on a database copy with a record {how}:\n"
                                 f"{server.log()[before:]}")
        time.sleep(0.1)
    return server.log()[before:]


def _start(server: ServerProcess) -> None:
    server.process = start_process(server.env, server.port, server.log_path)
    wait_ready(server)


def _tamper_export(export: Path, how: str, into: Path) -> int:
    shutil.copytree(export, into)
    path = into / "records.jsonl"
    lines = path.read_bytes().splitlines(keepends=True)
    seq = next(i for i, line in enumerate(lines) if json.loads(line)["type"] == "ballot")
    if how == "edit":
        record = json.loads(lines[seq])
        record["body"]["ballot"] = {"choice": "no" if record["body"]["ballot"]["choice"] == "yes" else "yes"}
        lines[seq] = records.encode(seq, "ballot", record["time"], record["prev"], record["body"]) + b"\n"
    elif how == "delete":
        del lines[seq]
    elif how == "reorder":
        lines[seq], lines[seq + 1] = lines[seq + 1], lines[seq]
    elif how == "insert":
        lines.insert(seq, lines[seq])
    path.write_bytes(b"".join(lines))
    return seq


def _verify_fails(directory: Path) -> str:
    done = subprocess.run([sys.executable, "-m", "audit", "verify", str(directory), "--no-progress"],
                          cwd=ROOT, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 1, done.stdout + done.stderr
    return done.stdout


@pytest.mark.slow
def test_tampered_database_copy_stops_the_server_and_tampered_exports_fail_verification(
        seeds: Seeds, tmp_path: Path) -> None:
    """On SQLite only (a backup is two files); the ledger check is the same code on PostgreSQL."""
    deployment = seeds.copy("sqlite", tmp_path)
    database_url = deployment.database_url
    server = launch_deployment(deployment)
    sqlite = True
    backup = tmp_path / "backup"
    try:
        s = Session.start(server.url)
        fleet = Fleet(server.url)
        late: dict[str, Any] = {}

        async def first_vote() -> str:
            await fleet.connect(s.codes[:40])
            vote_id = s.open(s.item("决议")["id"])
            await fleet.wait_open(vote_id)
            await asyncio.gather(*(c.vote(vote_id, b) for c, b in zip(fleet.clients, choices(yes=20, no=12, abstain=8),
                                                                        strict=True)))
            s.close(vote_id)
            await fleet.close()
            return vote_id

        vote_id = asyncio.run(first_vote())
        early = download_export(server.url, tmp_path / "early")
        if sqlite:  # a backup of the whole server, taken before the next ballot
            server.stop()
            shutil.copytree(server.data_dir, backup / "data")
            shutil.copy(database_url.removeprefix("sqlite:///"), backup / "db.sqlite3")
            _start(server)

        async def second_vote() -> None:
            item = ok(s.staff.post(f"/api/meetings/{s.meeting_id}/items", json={"kind": "motion",
                                                                                "title": "关于回滚检测的决定"}))
            second = Fleet(server.url)
            await second.connect(s.codes[:1], check_in=False)
            vote = s.open(item["id"])
            await second.wait_open(vote)
            late.update(await second.clients[0].vote(vote, {"choice": "yes"}))
            s.close(vote)
            await second.close()

        asyncio.run(second_vote())
        s.staff.close()
        s.chair.close()
        server.stop()
        export = export_offline(server, tmp_path / "export")
        verify_export_dir(export)

        # A receipt exposes a rolled-back export (the older one ends before the receipt's checkpoint).
        receipt_file = tmp_path / "receipt.json"
        receipt_file.write_text(json.dumps(late["receipt"]), encoding="utf-8")
        check = [sys.executable, "-m", "audit", "check-receipt", str(receipt_file), "--export"]
        good = subprocess.run([*check, str(export)], cwd=ROOT, capture_output=True, text=True, check=False)
        assert good.returncode == 0, good.stdout + good.stderr
        rolled = subprocess.run([*check, str(early)], cwd=ROOT, capture_output=True, text=True, check=False)
        assert rolled.returncode == 1 and "rolled back" in rolled.stdout, rolled.stdout + rolled.stderr

        # The DATABASE copy tampered with while the server is stopped: it refuses to start.
        engine = create_engine(normalise_url(database_url))
        found: dict[str, str] = {}
        try:
            with engine.connect() as conn:
                original = _rows(conn)
            for how, tamper in TAMPER.items():
                with engine.begin() as conn:
                    seq = tamper(conn, original, vote_id)
                log = _refuses_to_start(server, how)
                assert "LedgerMismatch" in log and "拒绝启动" in log, log
                named = f"record {seq}"
                assert named in log, (how, log[-2000:])
                found[how] = [line for line in log.splitlines() if "LedgerMismatch:" in line][-1][:240]
                with engine.begin() as conn:
                    _restore(conn, original)
        finally:
            engine.dispose()
        # Put back as it was, the server starts again, and the log is intact.
        _start(server)
        server.stop()
        verify_export_dir(export_offline(server, tmp_path / "after"))

        # The same edits to an exported log are caught by the offline verifier, naming the record.
        for how in ("edit", "delete", "reorder", "insert"):
            seq = _tamper_export(export, how, tmp_path / f"tampered-{how}")
            report = _verify_fails(tmp_path / f"tampered-{how}")
            assert f"record seq {seq} " in report or f"record seq {seq + 1} " in report, (how, report)
            found[f"export {how}"] = next(line for line in report.splitlines() if "record seq" in line)[:200]

        if sqlite:
            # The whole server restored from the backup: it starts (a consistent backup), but the
            # receipt issued after the backup proves the log was rolled back.
            shutil.rmtree(server.data_dir)
            shutil.copytree(backup / "data", server.data_dir)
            shutil.copy(backup / "db.sqlite3", database_url.removeprefix("sqlite:///"))
            _start(server)
            checked = httpx.post(f"{server.url}/api/audit/check-receipt", json=late["receipt"], timeout=30).json()
            assert checked["ok"] is False and "回滚" in checked["message"], checked
            found["server restored from backup"] = checked["message"]
        print("\n[tamper] " + "\n[tamper] ".join(f"{k}: {v}" for k, v in found.items()))
    finally:
        server.stop()
