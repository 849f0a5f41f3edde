"""Issue 16 in Debian's Chromium, items 3 and 4: the publish step from close to the hall screen,
and the seat map (座位图) — check-in on the chair console and the staff page, a named vote's
赞成/反对/弃权/未按 by seat on the hall screen, and nothing of the kind for a secret vote."""

from __future__ import annotations

import secrets
from typing import Any

import httpx

from tests.browser.pages import HALL, TABLET_LANDSCAPE, Hall, shot, wait_text
from tests.server.room_helpers import Room, make_room
from tests.server.session_helpers import PASSWORDS, ok


def _tablet(hall: Hall, room: Room, member: str) -> Any:
    page = hall.page(TABLET_LANDSCAPE)
    page.goto(f"{hall.url}/tablet")
    page.fill("#t-code", room.codes[member])
    page.click("#t-login")
    page.click("#t-checkin")
    page.wait_for_selector("#t-waiting")
    return page


def _signed_in(hall: Hall, path: str, username: str) -> Any:
    page = hall.page(TABLET_LANDSCAPE)
    page.goto(f"{hall.url}{path}")
    hall.sign_in(page, username, PASSWORDS[username])
    return page


def _check_in(room: Room, *members: str) -> None:
    staff = room.client("staff")
    for member in members:
        ok(staff.post(f"/api/meetings/{room.meeting_id}/checkin",
                      json={"member_id": room.members[member], "reason": "终端故障，代表本人在场"}))


def _cast(room: Room, vote_id: str, ballots: dict[str, str]) -> None:
    for member, choice in ballots.items():
        with httpx.Client(base_url=room.url, timeout=60) as client:
            token = ok(client.post("/api/deputy/login", json={"code": room.codes[member]}))["token"]
            ok(client.post("/api/ballots", headers={"Authorization": f"Bearer {token}"}, json={
                "vote_id": vote_id, "ballot_id": secrets.token_hex(16), "ballot": {"choice": choice},
                "cast_token": secrets.token_hex(16)}))


def test_the_publish_step_close_then_the_chief_scrutineer_confirms_then_the_chair_declares(hall: Hall) -> None:
    room = make_room(hall.url, publish_step=True)
    tablet = _tablet(hall, room, "R01")
    _check_in(room, "R02", "R03", "R04", "R05", "R06")
    screen = hall.page(HALL)
    screen.goto(f"{hall.url}/screen/{room.meeting_id}")
    chair = _signed_in(hall, "/chair", "chair")
    wait_text(chair, "#quorum", "已达到法定人数")
    scrutineer = _signed_in(hall, "/scrutineer", "jipiao1")
    chair_api = room.client("chair")
    vote_id = ok(chair_api.post(f"/api/items/{room.items['named']}/open", json={}))["vote_id"]
    _cast(room, vote_id, {"R02": "yes", "R03": "yes", "R04": "yes", "R05": "no", "R06": "abstain"})
    counted = ok(chair_api.post(f"/api/votes/{vote_id}/close"))

    # closed: the hall and the tablet wait; the chair reads the count but cannot declare it yet
    wait_text(screen, "#s-awaiting", "等待宣布表决结果")
    wait_text(tablet, "#t-last-result", "等待主持人宣布表决结果")
    assert counted["announcement"] not in screen.inner_text("body")
    wait_text(chair, "#announcement", counted["announcement"][:12])
    wait_text(chair, "#publish-status", "等待总监票人")
    assert chair.locator("#declare-result").count() == 0
    shot(screen, "publish-screen-awaiting-1920x1080")
    shot(chair, "publish-chair-awaiting-1280x800")

    # the 总监票人 confirms on the scrutineer page
    wait_text(scrutineer, "#publish .read-out", counted["announcement"][:12])
    shot(scrutineer, "publish-scrutineer-confirm-1280x800")
    scrutineer.click("#confirm-result")
    scrutineer.click(".modal .btn-primary")
    wait_text(scrutineer, "#publish-status", "已确认计票结果")
    wait_text(chair, "#publish-status", "等待主持人宣布")
    wait_text(screen, "#s-awaiting", "总监票人已确认")
    assert counted["announcement"] not in screen.inner_text("body")
    assert "等待主持人宣布表决结果" in tablet.inner_text("#t-last-result")

    # the chair declares: now the screen and the tablet show it
    chair.click("#declare-result")
    chair.click(".modal .btn-primary")
    wait_text(chair, "#publish-status", "宣布")
    wait_text(screen, "#s-main", "赞成")
    screen.wait_for_selector("#s-awaiting", state="detached")
    wait_text(tablet, "#t-last-result", counted["announcement"][:12])
    shot(screen, "publish-screen-declared-1920x1080")
    shot(chair, "publish-chair-declared-1280x800")
    published = ok(chair_api.get(f"/api/votes/{vote_id}"))["publication"]
    assert published["confirmed_by"] and published["declared_by"]
