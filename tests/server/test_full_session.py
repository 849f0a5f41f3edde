"""A whole congress session over real HTTP and real WebSockets, on SQLite and PostgreSQL:
check-in and quorum, a motion, an election with a tie and a 另行选举 round, an appointment,
民生实事, 满意度测评, a manual (举手) result, the export, and ``python -m audit verify`` on it."""

from __future__ import annotations

import asyncio
import io
import subprocess
import sys
import zipfile
from pathlib import Path

from terminals.client import ClientError
from tests.conftest import RunningServer
from tests.server.session_helpers import Session, choices, login, marks, ok, refused


def test_full_session_is_counted_announced_exported_and_verified(server: RunningServer, tmp_path: Path) -> None:
    asyncio.run(_full_session(server, tmp_path))


async def _full_session(server: RunningServer, tmp_path: Path) -> None:
    s = Session.start(server.url)
    try:
        await _attendance_and_motion(s)
        await _election_with_tie(s)
        await _head_election_with_runoff(s)
        await _appointment_projects_satisfaction(s)
        _manual_fallback(s)
    finally:
        await s.finish()
    _export_and_verify(server, tmp_path)


async def _attendance_and_motion(s: Session) -> None:
    motion = s.item("决议")
    # Quorum: 60 deputies, 40 needed (3 * present >= 2 * 60). 39 are not enough.
    await s.connect(39)
    refused(s.chair.post(f"/api/items/{motion['id']}/open", json={}), "no_quorum", 409)
    await s.connect(11)
    state = ok(s.chair.get(f"/api/meetings/{s.meeting_id}/state"))
    assert state["attendance"]["present"] == 50 and state["attendance"]["quorum_met"]

    # A motion passes by a majority of all 60 members: 31 yes.
    vote_id = s.open(motion["id"])
    receipts = await s.cast(vote_id, choices(yes=31, no=9, abstain=3))
    assert all(len(r["receipt"]["leaf_hash"]) == 64 for r in receipts)
    # A resend of the same ballot id returns the same receipt and adds no ballot.
    again = await s.deputies[0].vote(vote_id, {"choice": "yes"}, ballot_id=receipts[0]["ballot_id"])
    assert again["duplicate"] is True and again["receipt"]["index"] == receipts[0]["receipt"]["index"]
    result = s.close(vote_id)
    assert result["outcome"] == "passed"
    assert result["announcement"] == "应到60人，实到50人；赞成31票，反对9票，弃权3票，未按7人；通过。"
    assert s.item("决议")["state"] == "done"
    # Every screen gets the result.
    await asyncio.gather(*(c.wait_for(lambda c: c.state is not None
                                      and any(v["id"] == vote_id and v["result"] for v in c.state["votes"]))
                           for c in s.deputies))
    # A ballot on a closed vote is refused with a clear reason, and nothing changes.
    try:
        await s.deputies[49].vote(vote_id, {"choice": "yes"}, timeout=10)
        raise AssertionError("a ballot on a closed vote was accepted")
    except ClientError as error:
        assert error.code == "vote_not_open" and "未在进行中" in error.message
    assert ok(s.chair.get(f"/api/votes/{vote_id}"))["result"]["counts"]["yes"] == 31


async def _election_with_tie(s: Session) -> None:
    election = s.item("副县长")
    a, b, c = election["definition"]["candidates"]
    vote_id = s.open(election["id"])
    ballots = [marks(a, b)] * 16 + [marks(a, c)] * 16 + [marks(b, c)] * 16 + [marks(a)] * 2
    await s.cast(vote_id, ballots)
    result = s.close(vote_id)
    assert [result["counts"][n]["yes"] for n in (a, b, c)] == [34, 32, 32]
    assert result["elected"] == [a] and result["tied"] == [b, c] and result["tied_places"] == 1
    # Re-vote among the tied only; most votes wins with no new majority test.
    refused(s.chair.post(f"/api/items/{election['id']}/open", json={"round": "runoff"}), "nothing_unfilled")
    vote_id = s.open(election["id"], round="tie_revote")
    await s.cast(vote_id, [marks(b)] * 26 + [marks(c)] * 24)
    result = s.close(vote_id)
    assert result["round"] == "tie_revote" and result["elected"] == [b]
    assert "得票多，当选" in result["announcement"]


async def _head_election_with_runoff(s: Session) -> None:
    item = ok(s.staff.post(f"/api/meetings/{s.meeting_id}/items", json={
        "kind": "election", "title": "选举县人民政府县长",
        "definition": {"office": "head", "seats": 1, "candidates": ["周正", "吴刚"]}}))
    # One candidate for a head's seat when two were nominated breaks 组织法 第二十七条.
    refused(s.staff.post(f"/api/meetings/{s.meeting_id}/items", json={
        "kind": "election", "title": "等额选举副县长",
        "definition": {"office": "deputy_head", "seats": 1, "candidates": ["周正"]}}), "statutory_violation")
    vote_id = s.open(item["id"])
    await s.cast(vote_id, [marks("周正")] * 29 + [marks("吴刚")] * 21)
    result = s.close(vote_id)
    assert result["elected"] == [] and result["unfilled"] == 1
    assert result["runoff"]["candidates"] == ["周正", "吴刚"]
    vote_id = s.open(item["id"], round="runoff")
    await s.cast(vote_id, [marks("周正")] * 40 + [marks("吴刚")] * 10)
    result = s.close(vote_id)
    assert result["elected"] == ["周正"] and result["round"] == "runoff"


async def _appointment_projects_satisfaction(s: Session) -> None:
    appointment = s.item("人事任免")
    nominee = appointment["definition"]["items"][0]["nominee"]
    vote_id = s.open(appointment["id"])
    await s.cast(vote_id, [{"marks": {nominee: "yes"}}] * 35 + [{"marks": {nominee: "no"}}] * 5)
    assert s.close(vote_id)["outcome"] == "passed"

    projects = s.item("民生实事")
    names = [p["name"] for p in projects["definition"]["projects"]]
    vote_id = s.open(projects["id"])
    first = {"marks": {n: "yes" for n in names[:4]}}
    second = {"marks": {n: "yes" for n in names[2:]}}
    await s.cast(vote_id, [first] * 35 + [second] * 15)
    result = s.close(vote_id)
    assert result["chosen"] == [names[2], names[3], names[0], names[1]]

    satisfaction = s.item("满意度")
    targets = satisfaction["definition"]["targets"]
    vote_id = s.open(satisfaction["id"])
    await s.cast(vote_id, [{"marks": {t: "satisfied" for t in targets}}] * 40
                 + [{"marks": {t: "basically_satisfied" for t in targets}}] * 10)
    result = s.close(vote_id)
    assert all(result["counts"][t]["outcome"] == "satisfied" for t in targets)
    assert result["counts"][targets[0]]["rate"]["percent"] == "100.00%"


def _manual_fallback(s: Session) -> None:
    item = ok(s.staff.post(f"/api/meetings/{s.meeting_id}/items",
                           json={"kind": "motion", "title": "关于召开下次会议的决定"}))
    result = ok(s.chair.post(f"/api/items/{item['id']}/manual",
                             json={"method": "show_of_hands", "counts": {"yes": 45, "no": 3, "abstain": 2}}))
    assert result["manual"] == "show_of_hands" and result["outcome"] == "passed"
    assert result["announcement"].startswith("（举手表决）应到60人，实到50人；赞成45票")


def _export_and_verify(server: RunningServer, tmp_path: Path) -> None:
    auditor = login(server.url, "auditor")
    response = auditor.get("/api/audit/export.zip")
    assert response.status_code == 200, response.text
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        archive.extractall(tmp_path / "unzipped")
    export_dir = tmp_path / "unzipped" / "export"
    verified = subprocess.run([sys.executable, "-m", "audit", "verify", str(export_dir)],
                              capture_output=True, text=True, check=False)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    # A deputy-level receipt check against the live server.
    auditor.close()
