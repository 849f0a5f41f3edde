"""Shared tools of the reliability and security suite: a large roll, a fleet of terminals in one
event loop, direct reads of what the database holds, and the auditor's offline verification."""

from __future__ import annotations

import asyncio
import hashlib
import io
import json
import subprocess
import sys
import zipfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, text

from server import participation
from server.db import normalise_url
from server.participation import VoteKeys
from terminals.client import TerminalClient
from tests.conftest import ROOT, RunningServer
from tests.server.session_helpers import login, ok

CHOICES = ("yes", "no", "abstain")


def enlarge_roll(staff: httpx.Client, meeting_id: int, total: int) -> list[dict[str, Any]]:
    """Import deputies D061.. so the roll holds ``total``, then issue fresh codes for everyone."""
    current = ok(staff.get(f"/api/meetings/{meeting_id}/roll"))["summary"]["members_of_record"]
    if total > current:
        lines = ["代表编号,姓名,代表团,座位"]
        lines += [f"R{i:04d},测试代表{i:04d},可靠性代表团,{i // 20 + 10}排{i % 20 + 1}座"
                  for i in range(current, total)]
        data = ("\n".join(lines) + "\n").encode("utf-8")
        outcome = ok(staff.post(f"/api/meetings/{meeting_id}/roll/import", files={"file": ("roll.csv", data)}))
        assert outcome["total"] == total, outcome
    codes: list[dict[str, Any]] = ok(staff.post(f"/api/meetings/{meeting_id}/codes",
                                                json={"reason": "重新发放（测试）"}))
    assert len(codes) == total
    return codes


@dataclass
class Fleet:
    """Many deputies' terminals (terminals.client.TerminalClient) in one asyncio loop."""

    url: str
    clients: list[TerminalClient] = field(default_factory=list)

    async def connect(self, codes: list[dict[str, Any]], *, check_in: bool = True, batch: int = 50,
                      on_message: Callable[[dict[str, Any]], None] | None = None) -> None:
        """Connect (and check in) a terminal per code; once all are in, each hands every frame it
        gets to ``on_message``."""
        added: list[TerminalClient] = []
        for start in range(0, len(codes), batch):
            chunk = [TerminalClient(self.url, code=c["code"]) for c in codes[start:start + batch]]
            await asyncio.gather(*(c.connect(timeout=60) for c in chunk))
            if check_in:
                await asyncio.gather(*(c.check_in(timeout=60) for c in chunk))
            self.clients += chunk
            added += chunk
        if on_message is not None:
            for client in added:
                client.on_message = on_message

    async def wait_open(self, vote_id: str, timeout: float = 60) -> None:
        await asyncio.gather(*(c.wait_for(lambda c: any(v["id"] == vote_id for v in c.open_votes()), timeout)
                               for c in self.clients))

    async def close(self) -> None:
        await asyncio.gather(*(c.close() for c in self.clients))


def choice_for(index: int) -> str:
    return CHOICES[index % 3]


def expected_counts(n: int) -> Counter[str]:
    return Counter(choice_for(i) for i in range(n))


def key_of(ballot_id: str) -> str:
    return hashlib.sha256(ballot_id.encode("utf-8")).hexdigest()


@dataclass
class Stored:
    """What the database holds for one vote, read behind the server's back."""

    ballots_by_seq: dict[int, dict[str, Any]]  # live ballot records (withdrawn ones removed)
    ballot_records: int  # every `ballot` record of the vote, withdrawn or not
    receipts: dict[str, int]  # key hash of the ballot id -> leaf index
    #: who voted: member ids once the vote is closed; while it is open the marks in `vote_voters`
    #: (server/participation.py), or the member ids they stand for when the vote's key is given
    participation: list[Any]
    record_types: Counter[str]


def read_stored(database_url: str, vote_id: str, data_dir: Path | None = None) -> Stored:
    """What the database holds for a vote; ``data_dir``: the server's, to read an open vote's marks
    with its key (as only the server can)."""
    engine = create_engine(normalise_url(database_url))
    try:
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT seq, data FROM audit_records ORDER BY seq")).all()
            receipts: dict[str, int] = dict(conn.execute(text(
                "SELECT key_hash, leaf_index FROM ballot_receipts WHERE vote_id = :v"), {"v": vote_id}).all())
            voters = conn.execute(text("SELECT voters FROM vote_participation WHERE vote_id = :v"),
                                  {"v": vote_id}).scalar_one_or_none()
            marks = list(conn.execute(text("SELECT mark FROM vote_voters WHERE vote_id = :v"),
                                      {"v": vote_id}).scalars())
            eligible = conn.execute(text("SELECT eligible FROM votes WHERE id = :v"), {"v": vote_id}).scalar_one()
    finally:
        engine.dispose()
    if voters is None:
        assert marks is not None
        voters = marks
        if data_dir is not None:
            key = VoteKeys(data_dir / participation.DIRECTORY).load(vote_id)
            assert key is not None
            eligible = json.loads(eligible) if isinstance(eligible, str) else eligible
            voters = sorted(participation.voters_of(key, eligible, set(marks)))
            assert len(voters) == len(marks)
    elif isinstance(voters, str):
        voters = json.loads(voters)
    ballots: dict[int, dict[str, Any]] = {}
    withdrawn: list[int] = []
    types: Counter[str] = Counter()
    total = 0
    for seq, data in rows:
        record = json.loads(bytes(data))
        assert record["seq"] == seq
        types[record["type"]] += 1
        body = record["body"]
        if body.get("vote_id") != vote_id:
            continue
        if record["type"] == "ballot":
            ballots[seq] = body["ballot"]
            total += 1
        elif record["type"] == "ballot_withdrawn":
            withdrawn.append(body["seq"])
    for seq in withdrawn:
        ballots.pop(seq)
    return Stored(ballots, total, receipts, list(voters), types)


def verify_export_dir(directory: Path) -> str:
    """``python -m audit verify`` as an auditor runs it; returns its report, fails on exit != 0."""
    done = subprocess.run([sys.executable, "-m", "audit", "verify", str(directory), "--no-progress"],
                          cwd=ROOT, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def download_export(url: str, into: Path) -> Path:
    """GET /api/audit/export.zip as the auditor and unpack it; returns the export directory."""
    auditor = login(url, "auditor")
    try:
        response = auditor.get("/api/audit/export.zip")
        assert response.status_code == 200, response.text
    finally:
        auditor.close()
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        archive.extractall(into)
    return into / "export"


def export_offline(server: RunningServer, into: Path) -> Path:
    """``python -m audit export`` on the server machine (the server must be stopped)."""
    done = subprocess.run([sys.executable, "-m", "audit", "export", "--log", str(server.data_dir / "audit-log"),
                           "--out", str(into)], cwd=ROOT, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    return into


def ws_url(url: str) -> str:
    return url.replace("http://", "ws://") + "/ws"
