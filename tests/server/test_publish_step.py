"""Issue 16 item 4: the publish step (meeting setting ``publish_step``) on a real server — close,
the 总监票人 confirms on the scrutineer's API, the chair declares, and only then do the tablets and
the public state carry the result; wrong order and wrong role refused; the log verifies."""

from __future__ import annotations

import asyncio
import io
import json
import zipfile
from pathlib import Path

import httpx

from audit import verify_export
from terminals.client import TerminalClient
from tests.conftest import RunningServer
from tests.server.room_helpers import make_room
from tests.server.session_helpers import ok, refused


def _public_vote(url: str, meeting_id: int, vote_id: str) -> dict[str, object]:
    state = ok(httpx.get(f"{url}/api/meetings/{meeting_id}/state"))
    return next(v for v in state["votes"] if v["id"] == vote_id)


def test_a_result_reaches_the_hall_only_after_the_chief_scrutineer_confirms_and_the_chair_declares(
        server: RunningServer, tmp_path: Path) -> None:
    room = make_room(server.url, publish_step=True)
    chair, staff, scrutineer, auditor = (room.client(n) for n in ("chair", "staff", "jipiao1", "auditor"))

    async def run() -> None:
        tablets = [TerminalClient(server.url, code=room.codes[c]) for c in ("R01", "R02", "R03", "R04", "R05")]
        await asyncio.gather(*(t.connect() for t in tablets))
        await asyncio.gather(*(t.check_in() for t in tablets))
        vote_id = ok(chair.post(f"/api/items/{room.items['named']}/open", json={}))["vote_id"]
        await asyncio.gather(*(t.wait_for(lambda c: any(v["id"] == vote_id for v in c.open_votes())) for t in tablets))
        await asyncio.gather(*(t.vote(vote_id, {"choice": c}) for t, c in zip(
            tablets, ["yes", "yes", "yes", "no", "abstain"], strict=True)))
        counted = ok(chair.post(f"/api/votes/{vote_id}/close"))
        assert counted["counts"]["yes"] == 3

        # closed and counted: held back from the hall, the tablets and staff; seen by chair, scrutineers, auditors
        await asyncio.gather(*(t.wait_for(lambda c: any(v["id"] == vote_id and v["state"] == "closed"
                                                       for v in (c.state or {}).get("votes", []))) for t in tablets))
        for tablet in tablets:
            seen = next(v for v in tablet.state["votes"] if v["id"] == vote_id)  # type: ignore[index]
            assert seen["result"] is None and seen["publication"]["declared_at"] is None
        public = _public_vote(server.url, room.meeting_id, vote_id)
        assert public["result"] is None and public["publication"] == {
            "confirmed_by": None, "confirmed_at": None, "declared_by": None, "declared_at": None}
        assert ok(staff.get(f"/api/votes/{vote_id}"))["result"] is None
        for who in (chair, scrutineer, auditor):
            assert ok(who.get(f"/api/votes/{vote_id}"))["result"] == counted
        refused(httpx.get(f"{server.url}/api/votes/{vote_id}/named"), "result_not_declared", 409)
        refused(httpx.get(f"{server.url}/api/votes/{vote_id}/seats"), "result_not_declared", 409)

        # wrong order, wrong role
        refused(chair.post(f"/api/votes/{vote_id}/result/declare"), "result_not_confirmed", 409)
        refused(chair.post(f"/api/votes/{vote_id}/result/confirm"), "forbidden", 403)
        refused(staff.post(f"/api/votes/{vote_id}/result/confirm"), "forbidden", 403)
        confirmed = ok(scrutineer.post(f"/api/votes/{vote_id}/result/confirm"))
        assert confirmed["publication"]["confirmed_by"] and confirmed["publication"]["declared_at"] is None
        refused(scrutineer.post(f"/api/votes/{vote_id}/result/confirm"), "result_already_confirmed", 409)
        refused(scrutineer.post(f"/api/votes/{vote_id}/result/declare"), "forbidden", 403)
        assert _public_vote(server.url, room.meeting_id, vote_id)["result"] is None  # confirmed is not declared

        declared = ok(chair.post(f"/api/votes/{vote_id}/result/declare"))["publication"]
        assert declared["declared_by"] and declared["declared_at"] >= declared["confirmed_at"]
        refused(chair.post(f"/api/votes/{vote_id}/result/declare"), "result_already_declared", 409)
        await asyncio.gather(*(t.wait_for(lambda c: any(v["id"] == vote_id and v["result"] is not None
                                                       for v in (c.state or {}).get("votes", []))) for t in tablets))
        assert _public_vote(server.url, room.meeting_id, vote_id)["result"] == counted
        assert ok(staff.get(f"/api/votes/{vote_id}"))["result"] == counted
        assert ok(httpx.get(f"{server.url}/api/votes/{vote_id}/named"))["vote_id"] == vote_id
        assert ok(httpx.get(f"{server.url}/api/votes/{vote_id}/seats"))["vote_id"] == vote_id
        await asyncio.gather(*(t.close() for t in tablets))
        return None

    asyncio.run(run())

    export = auditor.get("/api/audit/export.zip")
    assert export.status_code == 200
    zipfile.ZipFile(io.BytesIO(export.content)).extractall(tmp_path)
    records = [json.loads(line) for line in (tmp_path / "export" / "records.jsonl").read_text().splitlines()]
    steps = [(r["type"], r["body"].get("by", "")) for r in records
             if r["type"] in ("result", "result_confirmed", "result_declared")]
    assert [t for t, _ in steps] == ["result", "result_confirmed", "result_declared"]
    assert steps[1][1].startswith("scrutineer:") and steps[2][1].startswith("chair:")
    report = verify_export(tmp_path / "export")
    assert report.ok, report.lines()


def test_without_the_setting_the_result_shows_at_close_and_the_step_is_refused(server: RunningServer) -> None:
    room = make_room(server.url, publish_step=False)
    chair, scrutineer = room.client("chair"), room.client("jipiao1")

    async def run() -> None:
        tablets = [TerminalClient(server.url, code=room.codes[c]) for c in ("R01", "R02", "R03", "R04", "R05")]
        await asyncio.gather(*(t.connect() for t in tablets))
        await asyncio.gather(*(t.check_in() for t in tablets))
        vote_id = ok(chair.post(f"/api/items/{room.items['secret']}/open", json={}))["vote_id"]
        counted = ok(chair.post(f"/api/votes/{vote_id}/close"))
        public = _public_vote(server.url, room.meeting_id, vote_id)
        assert public["result"] == counted and "publication" not in public
        refused(scrutineer.post(f"/api/votes/{vote_id}/result/confirm"), "publish_step_off", 409)
        refused(chair.post(f"/api/votes/{vote_id}/result/declare"), "publish_step_off", 409)
        await asyncio.gather(*(t.close() for t in tablets))

    asyncio.run(run())


def test_a_confirmed_result_stays_held_across_a_restart_and_is_declared_after_it(server: RunningServer) -> None:
    room = make_room(server.url, publish_step=True)
    room.check_in("R01", "R02", "R03", "R04", "R05")
    chair, scrutineer = room.client("chair"), room.client("jipiao1")
    vote_id = ok(chair.post(f"/api/items/{room.items['secret']}/open", json={}))["vote_id"]
    counted = ok(chair.post(f"/api/votes/{vote_id}/close"))
    confirmed = ok(scrutineer.post(f"/api/votes/{vote_id}/result/confirm"))["publication"]
    server.restart()
    public = _public_vote(server.url, room.meeting_id, vote_id)
    assert public["result"] is None and public["publication"] == confirmed
    chair = room.client("chair")
    refused(room.client("jipiao1").post(f"/api/votes/{vote_id}/result/confirm"), "result_already_confirmed", 409)
    ok(chair.post(f"/api/votes/{vote_id}/result/declare"))
    assert _public_vote(server.url, room.meeting_id, vote_id)["result"] == counted
