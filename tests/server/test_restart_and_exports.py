"""A restart in the middle of a vote loses nothing; exports carry results but never choices;
the Python terminal client works from the command line."""

from __future__ import annotations

import asyncio
import io
import re
import subprocess
import sys

import openpyxl

from tests.conftest import RunningServer
from tests.server.session_helpers import Session, choices, login, ok


def test_restart_mid_vote_keeps_ballots_receipts_and_the_audit_log(server: RunningServer) -> None:
    async def run() -> None:
        s = Session.start(server.url)
        try:
            await s.connect(40)
            vote_id = s.open(s.item("决议")["id"])
            receipts = await s.cast(vote_id, choices(yes=15), s.deputies[:15])
            server.restart()
            # Terminals reconnect by themselves and get a snapshot saying they have voted.
            await asyncio.gather(*(c.wait_for(lambda c: c.reconnects > 0 and c.me is not None and c.state is not None
                                              and c.me["votes"].get(vote_id, {}).get("voted"), 60)
                                   for c in s.deputies[:15]))
            # A resend of an acknowledged ballot after the restart returns the stored receipt.
            again = await s.deputies[0].vote(vote_id, {"choice": "yes"}, ballot_id=receipts[0]["ballot_id"])
            assert again["duplicate"] and again["receipt"]["index"] == receipts[0]["receipt"]["index"]
            await s.cast(vote_id, choices(yes=16, no=9), s.deputies[15:40])
            result = s.close(vote_id)
            assert result["counts"] == {"yes": 31, "no": 9, "abstain": 0, "not_voted": 0}
            assert result["outcome"] == "passed"
            # The receipt issued before the restart still proves inclusion in today's log.
            checked = ok(s.chair.post("/api/audit/check-receipt", json=receipts[1]["receipt"]))
            assert checked["ok"] is True and checked["log_size"] > checked["checkpoint_size"]
            forged = {**receipts[1]["receipt"], "leaf_hash": "00" * 32}
            checked = ok(s.chair.post("/api/audit/check-receipt", json=forged))
            assert checked["ok"] is False and checked["message"] == "凭证与检查点不符"
        finally:
            await s.finish()

    asyncio.run(run())
    auditor = login(server.url, "auditor")
    checkpoint = auditor.get("/api/audit/checkpoint").text
    origin = checkpoint.splitlines()[0]  # this data directory's own, kept beside the log
    assert origin == (server.data_dir / "audit-origin").read_text().strip() and origin.startswith("renda.local/")
    assert auditor.get("/api/audit/vkey").text.split("+", 1)[0] == origin  # the key is named after it
    assert checkpoint.split("\n\n", 1)[1].startswith(f"\u2014 {origin} ")
    auditor.close()


def test_exports_hold_results_and_participation_never_choices(server: RunningServer) -> None:
    async def run() -> None:
        s = Session.start(server.url)
        try:
            await s.connect(40)
            vote_id = s.open(s.item("决议")["id"])
            await s.cast(vote_id, choices(yes=31, no=5))
            s.close(vote_id)
            sheet = s.chair.get(f"/api/votes/{vote_id}/sheet.xlsx")
            assert sheet.status_code == 200
            cells = [str(c.value) for row in openpyxl.load_workbook(io.BytesIO(sheet.content)).worksheets[0].iter_rows()
                     for c in row if c.value is not None]
            assert any("通过" in c for c in cells)
            minutes = s.staff.get(f"/api/meetings/{s.meeting_id}/minutes.csv").content.decode("utf-8-sig")
            assert "赞成31票" in minutes
            participation = s.staff.get(f"/api/meetings/{s.meeting_id}/participation.csv").content.decode("utf-8-sig")
            me = s.deputies[0].me
            assert me is not None
            name = me["member"]["name"]
            line = next(row for row in participation.splitlines() if name in row)
            assert "赞成" not in line and "反对" not in line
            assert s.staff.get(f"/api/votes/{vote_id}/sheet.pdf").json()["error"]["code"] == "invalid_format"
        finally:
            await s.finish()

    asyncio.run(run())


def test_python_terminal_client_checks_in_and_votes_from_the_command_line(server: RunningServer) -> None:
    s = Session.start(server.url)
    try:
        asyncio.run(s.connect(40))
        vote_id = s.open(s.item("决议")["id"])
        code = s.codes[50]["code"]
        late = subprocess.run([sys.executable, "-m", "terminals.client", "--url", server.url, "--code", code,
                               "--check-in", "--vote", vote_id, "--choice", "no"],
                              capture_output=True, text=True, timeout=120, check=False)
        assert late.returncode == 1 and "不在本次表决" in late.stderr  # checked in after the vote opened
        voter = s.codes[0]["code"]
        done = subprocess.run([sys.executable, "-m", "terminals.client", "--url", server.url, "--code", voter,
                               "--vote", vote_id, "--choice", "yes"],
                              capture_output=True, text=True, timeout=120, check=False)
        assert done.returncode == 0, done.stderr
        assert '"leaf_hash"' in done.stdout
        # In a secret vote only that terminal can change it: it printed its ballot id and cast token.
        ballot_id = re.search(r"ballot id: (\S+)", done.stderr)
        token = re.search(r"cast token: ([0-9a-f]+)", done.stderr)
        assert ballot_id is not None and token is not None
        change = [sys.executable, "-m", "terminals.client", "--url", server.url, "--code", voter, "--vote", vote_id,
                  "--choice", "abstain", "--replaces", ballot_id[1]]
        stranger = subprocess.run(change, capture_output=True, text=True, timeout=120, check=False)
        assert stranger.returncode == 1 and "ballot_refused" in stranger.stderr
        changed = subprocess.run([*change, "--cast-token", token[1]], capture_output=True, text=True, timeout=120,
                                 check=False)
        assert changed.returncode == 0, changed.stderr
        bad = subprocess.run([sys.executable, "-m", "terminals.client", "--url", server.url, "--code", "WRONG000"],
                             capture_output=True, text=True, timeout=120, check=False)
        assert bad.returncode == 2 and "签到码无效" in bad.stderr
    finally:
        asyncio.run(s.finish())
