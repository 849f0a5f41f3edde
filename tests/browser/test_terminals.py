"""The web terminals in a real browser (Debian's Chromium through Playwright), against a real server.

Scenarios from the terminals issue: a chair and three deputies run a motion to a result that the
hall screen shows; an election with a write-in and a blocked over-vote (and one deputy who insists,
whose ballot is void); a deputy's network drops mid-vote and the ballot still lands exactly once;
a deputy cannot open the chair console. Every screen is photographed into ``screenshots/``.
"""

from __future__ import annotations

import json
import re
import time
from typing import Any

import pytest

from tests.browser.pages import (
    HALL,
    PHONE,
    TABLET_LANDSCAPE,
    TABLET_PORTRAIT,
    Hall,
    fits_without_scrolling,
    shot,
    wait_text,
)
from tests.browser.test_room import assert_result_fits_at_back_row_size
from tests.server.session_helpers import ok

pytestmark = pytest.mark.browser


def test_motion_chair_three_deputies_and_the_hall_screen(hall: Hall) -> None:
    first = hall.page(TABLET_LANDSCAPE)
    first.goto(f"{hall.url}/tablet")
    shot(first, "tablet-login-1280x800")
    first.fill("#t-code", hall.codes[0]["code"])
    first.click("#t-login")
    first.wait_for_selector("#t-checkin")
    shot(first, "tablet-checkin-1280x800")
    first.click("#t-checkin")
    first.wait_for_selector("#t-waiting")
    portrait = hall.deputy(1, TABLET_PORTRAIT)
    phone = hall.deputy(2, PHONE, mobile=True)
    shot(portrait, "tablet-waiting-800x1280")
    hall.staff_check_in(37, skip=3)  # 40 of 60 present: 3 * 40 >= 2 * 60

    chair = hall.page(TABLET_LANDSCAPE)
    chair.goto(f"{hall.url}/chair")
    hall.sign_in(chair, "chair", "demo-chair-2026")
    wait_text(chair, "#quorum", "已达到法定人数")
    screen = hall.page(HALL)
    screen.goto(f"{hall.url}/screen/{hall.meeting_id}")
    wait_text(screen, "#s-quorum", "^已达到法定人数")  # the check-in stage before the first vote
    shot(screen, "screen-idle-1920x1080")
    shot(chair, "chair-console-1280x800")

    motion = hall.item("决议")
    chair.click(f"[data-open='{motion['id']}']")
    chair.select_option("#d-countdown", "120")
    shot(chair, "chair-open-dialog-1280x800")
    chair.click(".modal .btn-primary")

    for page, name in ((first, "1280x800"), (portrait, "800x1280"), (phone, "390x844")):
        page.wait_for_selector(".t-choice[data-choice=yes]")
        wait_text(page, "#t-countdown", r"剩余 \d:\d\d")
        assert fits_without_scrolling(page), f"a motion must fit on the screen without scrolling ({name})"
        shot(page, f"tablet-motion-{name}")
    first.click(".t-choice[data-choice=yes]")
    shot(first, "tablet-motion-confirm-1280x800")
    assert fits_without_scrolling(first)
    first.click("#t-submit")
    portrait.click(".t-choice[data-choice=yes]")
    portrait.click("#t-submit")
    phone.click(".t-choice[data-choice=no]")
    shot(phone, "tablet-motion-confirm-390x844")
    phone.click("#t-submit")
    for page in (first, portrait, phone):
        page.wait_for_selector("#t-status[data-state=recorded]")
    assert re.fullmatch(r"#\d+ · [0-9A-F]{4}(-[0-9A-F]{4}){3}", first.inner_text("#t-receipt"))
    shot(first, "tablet-motion-recorded-1280x800")
    shot(phone, "tablet-motion-recorded-390x844")

    wait_text(chair, "#cast", "^3$")
    wait_text(chair, "#pending-count", "尚未表决 37 人")  # a secret vote: a count, never names
    wait_text(screen, "#s-cast", "^3$")
    assert screen.inner_text("#s-expected") == "40"
    shot(chair, "chair-vote-open-1280x800")
    shot(screen, "screen-vote-open-1920x1080")
    assert "赞成" not in screen.inner_text("#s-main")  # the hall sees how many, never how

    chair.click("#close-vote")
    shot(chair, "chair-close-confirm-1280x800")
    chair.click(".modal .btn-danger")
    announcement = "应到60人，实到40人；赞成2票，反对1票，弃权0票，未按37人；未通过。"
    wait_text(chair, "#announcement", re.escape(announcement))
    wait_text(screen, ".verdict", "^未通过$")
    assert announcement in screen.inner_text(".announcement")
    shot(chair, "chair-result-1280x800")
    shot(screen, "screen-result-motion-1920x1080")
    wait_text(first, ".t-result", "未通过")
    shot(first, "tablet-after-result-1280x800")


def test_election_with_a_write_in_and_a_blocked_over_vote(hall: Hall) -> None:
    booth = hall.deputy(0, TABLET_LANDSCAPE)
    insists = hall.deputy(1, TABLET_PORTRAIT)
    hall.staff_check_in(38, skip=2)
    election = hall.item("副县长")
    a, b, c = election["definition"]["candidates"]
    vote_id = ok(hall.chair.post(f"/api/items/{election['id']}/open", json={}))["vote_id"]
    screen = hall.page(HALL)
    screen.goto(f"{hall.url}/screen/{hall.meeting_id}")

    booth.wait_for_selector("#t-counter")
    assert "秘密写票" in booth.inner_text(".t-sub")
    shot(booth, "tablet-election-1280x800")
    booth.click(f".t-row[data-key='{a}'] [data-option=yes]")
    booth.click(f".t-row[data-key='{b}'] [data-option=yes]")
    booth.fill("[data-writein='0']", "赵敏")
    wait_text(booth, "#t-count", "赞成 3 / 应选 2 名")
    assert "本票将作废" in booth.inner_text("#t-over")
    shot(booth, "tablet-election-over-vote-1280x800")
    booth.click("#t-next")
    wait_text(booth, ".modal h2", "选票将作废")
    shot(booth, "tablet-election-void-warning-1280x800")
    booth.click(".modal [data-value=back]")  # blocked: back to the ballot, nothing sent
    assert ok(hall.chair.get(f"/api/votes/{vote_id}"))["cast"] == 0
    booth.click(f".t-row[data-key='{b}'] [data-option=no]")  # the write-in takes b's place
    wait_text(booth, "#t-count", "赞成 2 / 应选 2 名")
    booth.click("#t-next")
    booth.wait_for_selector("#t-review")
    assert "另选他人：赵敏" in booth.inner_text("#t-review")
    shot(booth, "tablet-election-review-1280x800")
    booth.click("#t-submit")
    booth.wait_for_selector("#t-status[data-state=recorded]")
    body = booth.inner_text("body")
    assert "赵敏" not in body and "选票内容已从屏幕清除" in body  # private booth: the marks are gone
    stored = booth.evaluate("JSON.stringify(localStorage)")
    assert "赵敏" not in stored  # acknowledged: the ballot's content left the tablet too
    shot(booth, "tablet-election-submitted-1280x800")

    insists.wait_for_selector("#t-counter")
    shot(insists, "tablet-election-800x1280")
    for name in (a, b, c):
        insists.click(f".t-row[data-key='{name}'] [data-option=yes]")
    insists.click("#t-next")
    insists.click(".modal [data-value=insist]")
    wait_text(insists, "#t-review .t-warning", "本票将作废")
    insists.click("#t-submit")
    insists.wait_for_selector("#t-status[data-state=recorded]")

    wait_text(screen, "#s-cast", "^2$")
    shot(screen, "screen-election-open-1920x1080")
    result = ok(hall.chair.post(f"/api/votes/{vote_id}/close"))
    assert result["ballots"]["returned"] == 2 and result["void_ballots"] == 1
    assert result["write_ins"] == {"赵敏": 1}
    assert result["counts"][a]["yes"] == 1 and result["counts"][b]["no"] == 1
    wait_text(screen, ".announcement", "另选他人赵敏得1票")
    shot(screen, "screen-result-election-1920x1080")


def test_network_drop_mid_vote_lands_the_ballot_exactly_once(hall: Hall) -> None:
    named = ok(hall.staff.post(f"/api/meetings/{hall.meeting_id}/items", json={
        "kind": "motion", "title": "关于批准县级预算调整方案的决议（记名表决）", "secret": False}))
    offline = hall.deputy(0, TABLET_LANDSCAPE)

    # A second tablet whose first connection loses the server's receipt: the ballot is stored, the
    # tablet never hears so, and must resend the same ballot id after reconnecting.
    lossy = hall.page(TABLET_PORTRAIT)
    connections: list[Any] = []
    dropped: list[str] = []

    def route(ws: Any) -> None:
        connections.append(ws)
        server = ws.connect_to_server()
        first = len(connections) == 1

        def from_server(message: str | bytes) -> None:
            if first and isinstance(message, str) and '"type":"receipt"' in message.replace(" ", ""):
                dropped.append(message)
                return
            ws.send(message)

        server.on_message(from_server)
        ws.on_message(lambda message: server.send(message))

    lossy.route_web_socket(re.compile(r".*/ws$"), route)
    lossy.goto(f"{hall.url}/tablet")
    lossy.fill("#t-code", hall.codes[1]["code"])
    lossy.click("#t-login")
    lossy.click("#t-checkin")
    lossy.wait_for_selector("#t-waiting")
    hall.staff_check_in(38, skip=2)

    chair = hall.page(TABLET_LANDSCAPE)
    chair.goto(f"{hall.url}/chair")
    hall.sign_in(chair, "chair", "demo-chair-2026")
    vote_id = ok(hall.chair.post(f"/api/items/{named['id']}/open", json={}))["vote_id"]
    wait_text(chair, "#pending-names", hall.codes[0]["name"])  # a named vote: the names of who has not voted
    shot(chair, "chair-named-pending-1280x800")

    offline.wait_for_selector(".t-choice[data-choice=yes]")
    offline.context.set_offline(True)
    offline.wait_for_selector("#offline-banner", state="visible")
    offline.click(".t-choice[data-choice=yes]")
    offline.click("#t-submit")
    offline.wait_for_selector("#t-status[data-state=pending]")
    pending = json.loads(offline.evaluate("JSON.stringify(localStorage)"))
    assert any('"pending":{"' in value for value in pending.values()), pending
    shot(offline, "tablet-offline-pending-1280x800")
    time.sleep(1.0)
    assert ok(hall.chair.get(f"/api/votes/{vote_id}"))["cast"] == 0
    offline.context.set_offline(False)
    offline.wait_for_selector("#t-status[data-state=recorded]", timeout=20_000)
    assert offline.locator("#offline-banner").is_hidden()

    lossy.wait_for_selector(".t-choice[data-choice=no]")
    lossy.click(".t-choice[data-choice=no]")
    lossy.click("#t-submit")
    deadline = time.monotonic() + 10
    while not dropped and time.monotonic() < deadline:
        lossy.wait_for_timeout(100)
    assert dropped, "the receipt was not intercepted"
    assert lossy.locator("#t-status[data-state=pending]").count() == 1
    connections[0].close()  # the link dies before the tablet heard back
    lossy.wait_for_selector("#t-status[data-state=recorded]", timeout=20_000)
    assert len(connections) >= 2

    assert ok(hall.chair.get(f"/api/votes/{vote_id}"))["cast"] == 2
    result = ok(hall.chair.post(f"/api/votes/{vote_id}/close"))
    assert (result["counts"]["yes"], result["counts"]["no"]) == (1, 1)  # each ballot exactly once
    screen = hall.page(HALL)
    screen.goto(f"{hall.url}/screen/{hall.meeting_id}")
    wait_text(screen, ".named", "记名表决情况")
    assert hall.codes[0]["name"] in screen.inner_text(".named")
    assert_result_fits_at_back_row_size(screen)  # beside a map of 60 seats
    shot(screen, "screen-result-named-1920x1080")


def test_a_deputy_cannot_open_the_chair_console(hall: Hall) -> None:
    page = hall.deputy(0, TABLET_LANDSCAPE, check_in=False)
    page.wait_for_selector("#t-checkin")
    token = page.evaluate("sessionStorage.getItem('renda.token')")
    page.goto(f"{hall.url}/chair")
    wait_text(page, "#refused h1", "您没有主持人权限")
    assert page.locator("#app").is_hidden()
    shot(page, "chair-refused-deputy-1280x800")
    motion = hall.item("决议")
    refused = hall.chair.post(f"/api/items/{motion['id']}/open", json={}, headers={"Authorization": f"Bearer {token}"})
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "forbidden"
    for path in ("/staff", "/scrutineer", "/audit"):
        page.goto(hall.url + path)
        page.locator("#refused").wait_for()
        assert "权限" in page.inner_text("#refused h1")


def test_staff_scrutineer_auditor_and_print_pages(hall: Hall, tmp_path: Any) -> None:
    staff = hall.page(TABLET_LANDSCAPE)
    staff.goto(f"{hall.url}/staff")
    hall.sign_in(staff, "staff", "demo-staff-2026")
    staff.wait_for_selector("#roll-table tbody tr")
    bad = tmp_path / "roll.csv"
    bad.write_text("编号,姓名,代表团,座位,状态\nD001,叶静海,城关镇代表团,1排1座,正常\n,无编号,城关镇代表团,1排2座,正常\n"
                   "D003,张三,城关镇代表团,1排3座,休假\n", encoding="utf-8")
    staff.set_input_files("#roll-file", str(bad))
    staff.click("#import-form button")
    staff.wait_for_selector("#import-errors")
    assert "第3行" in staff.inner_text("#import-errors") and "第4行" in staff.inner_text("#import-errors")
    shot(staff, "staff-roll-import-errors-1280x800")
    member = hall.codes[0]
    staff.click(f"[data-checkin='{member['member_id']}']")
    staff.click(".modal .btn-primary")
    wait_text(staff, f"tr[data-member='{member['member_id']}']", "已签到")
    staff.click("[data-tab=codes]")
    staff.click("#issue-all")
    staff.fill("#d-code-reason", "开幕前统一重新发放")
    staff.click(".modal .btn-primary")
    staff.wait_for_selector("#codes-table tbody tr")
    shot(staff, "staff-codes-1280x800")
    with staff.context.expect_page() as popup:
        staff.click("#print-codes")
    sheet = popup.value
    sheet.wait_for_selector(".code-card svg")
    assert sheet.locator(".code-card").count() == 60
    sheet.set_viewport_size({"width": 900, "height": 1270})
    shot(sheet, "print-codes-sheet")
    staff.click("[data-tab=agenda]")
    staff.click("#add-item")
    staff.fill("#i-title", "选举县人大常委会委员")
    staff.select_option("#i-kind", "election")
    staff.fill("#i-definition", json.dumps({"office": "member", "seats": 10, "candidates": ["甲"] * 1}))
    staff.click(".modal .btn-primary")
    wait_text(staff, "#i-error", "候选人|candidates|不符合")
    shot(staff, "staff-agenda-error-1280x800")
    staff.click(".modal [data-value=false]")
    # the codes the page issued were shown there once; take fresh ones for the tablets below
    hall.codes = ok(hall.staff.post(f"/api/meetings/{hall.meeting_id}/codes", json={"reason": "重新发放（测试）"}))

    # A paper round of the election, keyed by two 计票人 with one mismatch.
    hall.staff_check_in(40, skip=1)
    election = hall.item("副县长")
    a, b, _c = election["definition"]["candidates"]
    vote_id = ok(hall.chair.post(f"/api/items/{election['id']}/open",
                                 json={"method": "paper", "ballots_issued": 41}))["vote_id"]
    clerks = []
    for username in ("jipiao1", "jipiao2"):
        page = hall.page(TABLET_LANDSCAPE)
        page.goto(f"{hall.url}/scrutineer")
        hall.sign_in(page, username, "demo-count-2026")
        page.wait_for_selector("#p-submit")
        assert page.locator("#p-slot").count() == 0  # the server places each 计票人, nobody picks
        clerks.append(page)
    for number, marks in ((1, {a: "yes", b: "yes"}), (2, {a: "yes", b: "no"})):
        for index, page in enumerate(clerks):
            page.fill("#p-no", str(number))
            for name, option in marks.items():
                if index == 1 and number == 2 and name == b:
                    option = "abstain"  # the second clerk keys ballot 2 differently
                page.click(f".t-row:has-text('{name}') [data-option={option}]")
            page.click("#p-submit")
            wait_text(page, "#p-message", f"第{number}号选票（您是第{index + 1}录入人）")
    wait_text(clerks[1], "#p-message", "不一致")
    wait_text(clerks[1], "#p-status", r"两次录入不一致（1）")
    shot(clerks[1], "scrutineer-paper-entry-1280x800")
    ok(hall.chair.post(f"/api/votes/{vote_id}/close"))
    clerks[0].reload()
    clerks[0].wait_for_selector("#checks")
    # The scrutineer confirms the report; the confirmation is recorded and shown.
    clerks[0].click("#confirm-report")
    clerks[0].click(".modal-buttons [data-value=true]")
    wait_text(clerks[0], "#confirmations", "已确认：计票人甲")
    assert clerks[0].is_disabled("#confirm-report")
    shot(clerks[0], "scrutineer-report-1280x800")
    with clerks[0].context.expect_page() as popup:
        clerks[0].click("#print-report")
    report = popup.value
    report.wait_for_selector(".sheet table")
    assert "总监票人（签名）" in report.inner_text(".sheet")
    assert report.get_attribute(".cp-block", "data-state") == "covered"  # the checkpoint the 监票人 sign beside
    assert "监票人（签名）" in report.inner_text(".cp-block")
    report.set_viewport_size({"width": 900, "height": 1270})
    shot(report, "print-scrutineer-report")

    chair = hall.page(TABLET_LANDSCAPE)
    chair.goto(f"{hall.url}/chair")
    hall.sign_in(chair, "chair", "demo-chair-2026")
    chair.wait_for_selector("#agenda li")
    chair.goto(f"{hall.url}/print/vote/{vote_id}")
    chair.set_viewport_size({"width": 900, "height": 1270})
    chair.wait_for_selector(".sheet table")
    shot(chair, "print-result-sheet", full_page=True)
    chair.goto(f"{hall.url}/print/minutes/{hall.meeting_id}")
    chair.wait_for_selector(".sheet table")
    shot(chair, "print-minutes")

    # The auditor: export link, checkpoint, and a receipt from a real tablet checked in the page.
    motion = hall.item("决议")
    deputy = hall.deputy(0, PHONE, check_in=False, mobile=True)
    deputy.wait_for_selector("#t-waiting")
    motion_vote = ok(hall.chair.post(f"/api/items/{motion['id']}/open", json={}))["vote_id"]
    deputy.click(".t-choice[data-choice=abstain]")
    deputy.click("#t-submit")
    deputy.wait_for_selector("#t-status[data-state=recorded]")
    store = json.loads(deputy.evaluate("JSON.stringify(localStorage)"))
    receipt = next(json.loads(v)["receipts"][motion_vote]["receipt"] for v in store.values() if motion_vote in v)
    auditor = hall.page(TABLET_LANDSCAPE)
    auditor.goto(f"{hall.url}/audit")
    hall.sign_in(auditor, "auditor", "demo-audit-2026")
    wait_text(auditor, "#checkpoint", "^.+\n\\d+\n")
    auditor.fill("#receipt", json.dumps(receipt))
    auditor.click("#verify")
    wait_text(auditor, "#verify-verdict", "已记录在审计日志中")
    assert auditor.get_attribute("#verify-verdict", "data-ok") == "true"
    shot(auditor, "audit-1280x800")
    with auditor.expect_download() as download:
        auditor.click("#export")
    assert download.value.suggested_filename == "audit-export.zip"
