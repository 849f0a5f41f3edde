"""Issue 16 in Debian's Chromium, items 3 and 4: the publish step from close to the hall screen,
and the seat map (座位图) — check-in on the chair console and the staff page, a named vote's
赞成/反对/弃权/未按 by seat on the hall screen, and nothing of the kind for a secret vote."""

from __future__ import annotations

from typing import Any

from tests.browser.pages import HALL, TABLET_LANDSCAPE, Hall, read_now, shot, wait_text
from tests.browser.test_room import assert_result_fits_at_back_row_size
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


def test_the_publish_step_close_then_the_chief_scrutineer_confirms_then_the_chair_declares(hall: Hall) -> None:
    room = make_room(hall.url, publish_step=True)
    tablet = _tablet(hall, room, "R01")
    room.check_in("R02", "R03", "R04", "R05", "R06")
    screen = hall.page(HALL)
    screen.goto(f"{hall.url}/screen/{room.meeting_id}")
    chair = _signed_in(hall, "/chair", "chair")
    wait_text(chair, "#quorum", "已达到法定人数")
    scrutineer = _signed_in(hall, "/scrutineer", "jipiao1")
    chair_api = room.client("chair")
    vote_id = ok(chair_api.post(f"/api/items/{room.items['named']}/open", json={}))["vote_id"]
    room.cast(vote_id, {m: {"choice": c} for m, c in
                        (("R02", "yes"), ("R03", "yes"), ("R04", "yes"), ("R05", "no"), ("R06", "abstain"))})
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


GREEN, RED, AMBER, GREY = "rgb(11, 107, 46)", "rgb(176, 0, 32)", "rgb(243, 197, 75)", "rgb(228, 228, 228)"


def _colour(page: Any, selector: str) -> str:
    return str(read_now(page, selector, "e => getComputedStyle(e).backgroundColor"))


def test_the_seat_map_shows_check_in_to_chair_and_staff_and_a_named_vote_but_never_a_secret_one(hall: Hall) -> None:
    room = make_room(hall.url, publish_step=False)
    room.check_in("R01", "R02", "R03", "R04", "R05", "R07", "R08")
    ok(room.client("staff").post(f"/api/meetings/{room.meeting_id}/absence",
                                 json={"member_id": room.members["R06"], "state": "leave", "reason": "病假"}))
    chair = _signed_in(hall, "/chair", "chair")
    staff = _signed_in(hall, "/staff", "staff")
    for page in (chair, staff):
        box = "#seatmap-box"
        page.wait_for_selector(f"{box} [data-seat='1排1座'][data-state=present]")
        assert _colour(page, f"{box} [data-seat='1排1座']") == GREEN
        assert page.get_attribute(f"{box} [data-seat='2排3座']", "data-state") == "leave"
        assert _colour(page, f"{box} [data-seat='2排3座']") == AMBER
        assert "郑七" in page.inner_text(f"{box} #seatmap-other")
        assert "王八" in page.inner_text(f"{box} #seatmap-unseated")
        wait_text(page, f"{box} .sm-legend", "已签到 7")
    shot(chair, "seatmap-chair-check-in-1280x800")
    shot(staff, "seatmap-staff-check-in-1280x800", full_page=True)

    screen = hall.page(HALL)
    asked: list[str] = []
    screen.on("request", lambda request: asked.append(request.url))
    screen.goto(f"{hall.url}/screen/{room.meeting_id}")
    chair_api = room.client("chair")
    named = ok(chair_api.post(f"/api/items/{room.items['named']}/open", json={}))["vote_id"]
    room.cast(named, {"R01": {"choice": "yes"}, "R02": {"choice": "no"}, "R03": {"choice": "abstain"},
                      "R05": {"choice": "yes"}, "R07": {"choice": "yes"}})
    ok(chair_api.post(f"/api/votes/{named}/close"))
    screen.wait_for_selector("#s-seatmap [data-seat='1排1座'][data-state=yes]")
    expected = {"1排1座": ("yes", GREEN), "1排2座": ("no", RED), "1排3座": ("abstain", AMBER),
                "2排1座": ("none", None), "2排2座": ("yes", GREEN), "2排3座": ("absent", None)}
    for seat, (state, colour) in expected.items():
        selector = f"#s-seatmap [data-seat='{seat}']"
        assert screen.get_attribute(selector, "data-state") == state
        if colour:
            assert _colour(screen, selector) == colour
    assert "未按" in screen.inner_text("#s-seatmap [data-seat='2排1座']")
    assert "赞成" in screen.inner_text("#s-seatmap-other") and "未按" not in screen.inner_text("#s-seatmap-other")
    assert "王八" in screen.inner_text("#s-seatmap-unseated")
    assert_result_fits_at_back_row_size(screen)  # the map, a chart, shrinks instead
    shot(screen, "seatmap-screen-named-vote-1920x1080")

    secret = ok(chair_api.post(f"/api/items/{room.items['secret']}/open", json={}))["vote_id"]
    room.cast(secret, {"R01": {"choice": "yes"}, "R02": {"choice": "no"}, "R03": {"choice": "yes"}})
    result = ok(chair_api.post(f"/api/votes/{secret}/close"))
    wait_text(screen, "#s-title", "无记名表决")
    wait_text(screen, "#s-main", result["announcement"][:10])
    assert screen.locator("#s-seatmap, .sm-seat, .named").count() == 0
    # not even asked for (the result's checkpoint, public and choice-free, is all the screen fetches)
    assert not any(f"/api/votes/{secret}/seats" in url or f"/api/votes/{secret}/named" in url for url in asked)
    assert not any(f"/api/votes/{secret}/" in url and not url.endswith("/checkpoint") for url in asked), asked
    shot(screen, "seatmap-screen-secret-vote-none-1920x1080")


def test_a_named_vote_of_a_roll_without_seats_shows_its_names_beside_the_result(hall: Hall) -> None:
    """No seat map to draw (the roll has no seats): the hall screen shows the named grid instead,
    beside the announcement at the back-row size, every deputy's name in full, nothing cut off."""
    room = make_room(hall.url, publish_step=False, seats=False)
    room.check_in("R01", "R02", "R03", "R04", "R05")
    screen = hall.page(HALL)
    screen.goto(f"{hall.url}/screen/{room.meeting_id}")
    chair_api = room.client("chair")
    named = ok(chair_api.post(f"/api/items/{room.items['named']}/open", json={}))["vote_id"]
    room.cast(named, {"R01": {"choice": "yes"}, "R02": {"choice": "no"}, "R03": {"choice": "yes"}})
    ok(chair_api.post(f"/api/votes/{named}/close"))
    wait_text(screen, ".named", "记名表决情况")
    assert screen.locator(".sm-seat").count() == 0  # no map without seats
    cells = {screen.locator(".named-cell .n-name").nth(i).inner_text(): screen.locator(".named-cell .n-choice").nth(i)
             .inner_text() for i in range(screen.locator(".named-cell").count())}
    assert (cells["赵一"], cells["钱二"], cells["孙三"], cells["李四"]) == ("赞成", "反对", "赞成", "未按")
    assert_result_fits_at_back_row_size(screen)
    assert screen.evaluate("() => [...document.querySelectorAll('.n-name')]"
                           ".every(n => n.scrollWidth <= n.clientWidth + 1)")  # no name cut short
    shot(screen, "screen-named-no-seats-1920x1080")
