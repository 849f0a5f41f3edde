"""More flows of the terminals issue, end to end through the real pages (Debian's Chromium).

A deputy changes a choice before close ("last press counts" sends ``replaces``; "first press
counts" shows the server's refusal); 民生实事项目票决 by approval (choose-N counter, over-vote guard,
a tie at the cutoff and the 再次投票 among the tied) and by ranking; 满意度测评 per target; 任免
逐人 with several nominees; the chair's dialogs (countdown that runs out by itself, extend, void
with a reason and 重新表决, manual 举手 entry); a tablet reloaded mid-vote, and one reloaded before a
secret ballot's receipt reached it (resent with its cast token). The rest of the hall
votes over the HTTP fallback so that results are realistic. Screenshots go to ``screenshots/``.
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
    Hall,
    ballots_sent,
    fits_without_scrolling,
    in_view,
    shot,
    wait_text,
)
from tests.server.session_helpers import ok

pytestmark = pytest.mark.browser

RECEIPT = r"#\d+ · [0-9A-F]{4}(-[0-9A-F]{4}){3}"


def chair_console(hall: Hall) -> Any:
    chair = hall.page(TABLET_LANDSCAPE)
    chair.goto(f"{hall.url}/chair")
    hall.sign_in(chair, "chair", "demo-chair-2026")
    wait_text(chair, "#quorum", "已达到法定人数")
    return chair


def hall_screen(hall: Hall) -> Any:
    screen = hall.page(HALL)
    screen.goto(f"{hall.url}/screen/{hall.meeting_id}")
    screen.wait_for_selector("#s-main > *")
    return screen


def no_horizontal_overflow(page: Any) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"))


def two_deputies_in_a_quorate_hall(hall: Hall, frames: list[dict[str, Any]] | None = None) -> tuple[Any, Any]:
    """Deputy 0 on a landscape tablet (what it sends kept in ``frames``) and deputy 1 on a phone,
    both checked in, and 38 more checked in by staff: 40 present, a quorum."""
    tablet = hall.deputy(0, TABLET_LANDSCAPE, frames=frames)
    phone = hall.deputy(1, PHONE, mobile=True)
    hall.staff_check_in(38, skip=2)
    return tablet, phone


def tablet_voted_yes(hall: Hall, frames: list[dict[str, Any]]) -> tuple[Any, Any, str, str]:
    """:func:`two_deputies_in_a_quorate_hall`, the motion open, and the tablet's 赞成 recorded:
    (tablet, phone, vote id, receipt)."""
    tablet, phone = two_deputies_in_a_quorate_hall(hall, frames)
    motion = hall.item("决议")
    vote_id = ok(hall.chair.post(f"/api/items/{motion['id']}/open", json={}))["vote_id"]
    tablet.click(".t-choice[data-choice=yes]")
    tablet.click("#t-submit")
    tablet.wait_for_selector("#t-status[data-state=recorded]")
    return tablet, phone, vote_id, tablet.inner_text("#t-receipt")


def test_a_deputy_changes_a_choice_before_close(hall: Hall) -> None:
    frames: list[dict[str, Any]] = []
    tablet, phone, vote_id, first_receipt = tablet_voted_yes(hall, frames)
    assert "以最后一次为准" in tablet.inner_text("#t-main")
    tablet.click("#t-change")
    wait_text(tablet, "#t-editing", "正在更改选择（原选择：赞成）")
    tablet.click("#t-keep")  # thought better of it: the first ballot stands, nothing sent
    wait_text(tablet, "#t-main", "您的选择：赞成")
    assert tablet.inner_text("#t-receipt") == first_receipt
    tablet.click("#t-change")
    tablet.click(".t-choice[data-choice=no]")
    shot(tablet, "tablet-change-choice-1280x800")
    assert fits_without_scrolling(tablet)
    tablet.click("#t-submit")
    wait_text(tablet, "#t-main", "您的选择：反对")
    tablet.wait_for_selector("#t-status[data-state=recorded]")
    assert re.fullmatch(RECEIPT, tablet.inner_text("#t-receipt"))
    assert tablet.inner_text("#t-receipt") != first_receipt
    shot(tablet, "tablet-change-recorded-1280x800")
    sent = ballots_sent(frames, vote_id)
    assert [f["ballot"] for f in sent] == [{"choice": "yes"}, {"choice": "no"}]
    assert "replaces" not in sent[0] and sent[1]["replaces"] == sent[0]["ballot_id"]
    # Both carry this tablet's secret for the vote (what lets only it change the ballot): one token,
    # kept in this tablet's localStorage and nowhere on the server's side but as a digest.
    assert re.fullmatch("[0-9a-f]{32}", sent[0]["cast_token"]) and sent[1]["cast_token"] == sent[0]["cast_token"]
    assert sent[0]["cast_token"] in tablet.evaluate("JSON.stringify(localStorage)")

    phone.click(".t-choice[data-choice=yes]")
    phone.click("#t-submit")
    phone.wait_for_selector("#t-status[data-state=recorded]")
    assert hall.vote(vote_id)["cast"] == 2  # a change is not a second ballot
    result = ok(hall.chair.post(f"/api/votes/{vote_id}/close"))
    assert (result["counts"]["yes"], result["counts"]["no"]) == (1, 1)  # the new choice, once

    # An item whose 表决办法 makes the first press final, added on the staff page.
    staff = hall.page(TABLET_LANDSCAPE)
    staff.goto(f"{hall.url}/staff")
    hall.sign_in(staff, "staff", "demo-staff-2026")
    staff.click("[data-tab=agenda]")
    staff.click("#add-item")
    staff.fill("#i-title", "关于设立县人大常委会预算工作委员会的决定（以第一次按键为准）")
    staff.select_option("#i-change", "first")
    staff.click(".modal .btn-primary")
    wait_text(staff, "#agenda-table", "以第一次为准")
    first_only = hall.item("以第一次按键为准")
    assert first_only["settings"]["change_before_close"] == "first"
    first_vote = ok(hall.chair.post(f"/api/items/{first_only['id']}/open", json={}))["vote_id"]

    # The same deputy holds the ballot open on a second device; the phone's press lands first.
    second = hall.deputy(0, PHONE, check_in=False, mobile=True)
    for page in (tablet, second):
        page.wait_for_selector(".t-choice[data-choice=yes]")
    second.click(".t-choice[data-choice=yes]")
    second.click("#t-submit")
    second.wait_for_selector("#t-status[data-state=recorded]")
    assert "以第一次按键为准" in second.inner_text("#t-main")
    assert second.locator("#t-change").count() == 0
    # The server tells the deputy's other device at once that they voted -- and nothing more in a
    # secret vote: no ballot id, no receipt (only the device that cast it holds those), no change.
    tablet.wait_for_selector("#t-status[data-state=recorded]")
    assert tablet.locator("#t-change").count() == 0
    assert tablet.inner_text("#t-receipt") == "（本机无凭证）"
    assert re.fullmatch(RECEIPT, second.inner_text("#t-receipt"))
    wait_text(tablet, "#t-elsewhere", "您已在另一台终端上表决")
    assert "反对" not in tablet.inner_text("#t-done") and "赞成" not in tablet.inner_text("#t-done")
    shot(tablet, "tablet-other-device-recorded-1280x800")
    assert fits_without_scrolling(tablet)
    result = ok(hall.chair.post(f"/api/votes/{first_vote}/close"))
    assert (result["counts"]["yes"], result["counts"]["no"]) == (1, 0)


def approval(yes: str, names: list[str]) -> dict[str, Any]:
    """A 民生实事 ballot marking 赞成 the projects whose letters are in ``yes`` (A = the first)."""
    return {"marks": {names[ord(letter) - ord("A")]: "yes" for letter in yes}}


def test_project_vote_by_approval_with_a_tie_and_by_ranking(hall: Hall) -> None:
    tablet = hall.deputy(0, TABLET_LANDSCAPE)
    phone = hall.deputy(1, PHONE, mobile=True)
    hall.staff_check_in(48, skip=2)  # 50 present
    chair = chair_console(hall)
    screen = hall_screen(hall)
    item = hall.item("民生实事")
    names = [p["name"] for p in item["definition"]["projects"]]
    a, b, c, d, e = names[:5]

    chair.click(f"[data-open='{item['id']}']")
    chair.click(".modal .btn-primary")
    for page in (tablet, phone):
        wait_text(page, "#t-count", "赞成 0 / 应确定 4 个")
    for name in (a, b, c, d, e):
        tablet.click(f".t-row[data-key='{name}'] [data-option=yes]")
    wait_text(tablet, "#t-count", "赞成 5 / 应确定 4 个")
    assert tablet.inner_text("#t-total") == "共 6 个候选项目"
    assert fits_without_scrolling(tablet), "six projects fit on a landscape tablet"
    assert "本票将作废" in tablet.inner_text("#t-over")
    shot(tablet, "tablet-projects-over-vote-1280x800")
    tablet.click("#t-next")
    wait_text(tablet, ".modal h2", "选票将作废")
    tablet.click(".modal [data-value=back]")
    tablet.click(f".t-row[data-key='{e}'] [data-option=no]")
    wait_text(tablet, "#t-count", "赞成 4 / 应确定 4 个")
    assert tablet.inner_text("#t-over") == ""
    tablet.click("#t-next")
    wait_text(tablet, "#t-review", f"{e}：反对")
    tablet.click("#t-submit")
    tablet.wait_for_selector("#t-status[data-state=recorded]")
    for name in (a, b, c, e):
        phone.click(f".t-row[data-key='{name}'] [data-option=yes]")
    wait_text(phone, "#t-count", "赞成 4 / 应确定 4 个")
    assert no_horizontal_overflow(phone)
    shot(phone, "tablet-projects-390x844")
    phone.click("#t-next")
    phone.click("#t-submit")
    phone.wait_for_selector("#t-status[data-state=recorded]")
    vote_id = f"v{item['id']}-1"
    # The hall: a, b, c 40 each; d and e 35 each, tied for the fourth place.
    patterns = ["ABCD"] * 4 + ["ABCE"] * 4 + ["ABDE"] * 10 + ["ACDE"] * 10 + ["BCDE"] * 10 + ["ABC"] * 10
    hall.cast_over_http(vote_id, [approval(p, names) for p in patterns], skip=2)
    wait_text(screen, "#s-cast", "^50$")
    shot(screen, "screen-projects-open-1920x1080")
    chair.click("#close-vote")
    chair.click(".modal .btn-danger")
    tie = f"确定：{a}、{b}、{c}；得票相等：{d}、{e}"
    wait_text(screen, ".verdict", re.escape(tie))
    wait_text(chair, "#result .verdict", re.escape(tie))
    assert "尚缺" not in screen.inner_text(".verdict")
    assert in_view(screen, ".verdict"), "the hall screen never scrolls: the verdict must be on it"
    shot(screen, "screen-result-projects-tie-1920x1080")
    shot(chair, "chair-result-projects-tie-1280x800")

    # 再次投票 among the tied, from the chair's result panel.
    chair.click("#result button:has-text('得票相等者再次投票')")
    assert chair.input_value("#d-round") == "tie_revote"
    chair.click(".modal .btn-primary")
    for page in (tablet, phone):
        wait_text(page, "#t-count", "赞成 0 / 应确定 1 个")
        assert page.locator(".t-row").count() == 2
    assert "得票相等再次投票" in tablet.inner_text(".t-sub")
    shot(tablet, "tablet-projects-tie-revote-1280x800")
    tablet.click(f".t-row[data-key='{d}'] [data-option=yes]")
    tablet.click("#t-next")
    tablet.click("#t-submit")
    tablet.wait_for_selector("#t-status[data-state=recorded]")
    hall.cast_over_http(f"v{item['id']}-2", [approval("D", names)] * 30 + [approval("E", names)] * 18, skip=2)
    chair.click("#close-vote")
    chair.click(".modal .btn-danger")
    wait_text(screen, ".verdict", f"^确定：{d}$")
    wait_text(chair, "#result .verdict", f"^确定：{d}$")
    wait_text(chair, f"#agenda li[data-item='{item['id']}']", "已表决")
    shot(screen, "screen-result-projects-revote-1920x1080")

    # The same vote by order of priority (票决办法: 排序计分), three out of five.
    towns = ["镇区污水管网改造", "中心小学食堂改建", "村级便民服务站", "农贸市场提升", "河道综合整治"]
    ranking = ok(hall.staff.post(f"/api/meetings/{hall.meeting_id}/items", json={
        "kind": "project_vote", "title": "2027年度民生实事项目票决（按优先顺序排序）",
        "definition": {"mode": "ranking", "choose": 3, "projects": [{"name": n, "owner": "县住建局"} for n in towns]}}))
    chair.click(f"[data-open='{ranking['id']}']")
    chair.click(".modal .btn-primary")
    ranked = f"v{ranking['id']}-1"
    for page in (tablet, phone):
        wait_text(page, "#t-count", "已排序 0 / 应确定 3 个")
    for name in towns[:3]:
        tablet.click(f".t-row[data-key='{name}'] .rank-btn")
    wait_text(tablet, f".t-row[data-key='{towns[2]}'] .rank-btn", "第3位")
    shot(tablet, "tablet-projects-ranking-1280x800")
    tablet.click("#t-next")
    wait_text(tablet, "#t-review", f"{towns[0]}：第1位")
    tablet.click("#t-submit")
    tablet.wait_for_selector("#t-status[data-state=recorded]")
    for name in (towns[1], towns[2], towns[3], towns[4]):
        phone.click(f".t-row[data-key='{name}'] .rank-btn")
    wait_text(phone, "#toast", "最多排序 3 个项目")
    phone.click(f".t-row[data-key='{towns[2]}'] .rank-btn")  # un-rank: the ones below move up
    wait_text(phone, f".t-row[data-key='{towns[3]}'] .rank-btn", "第2位")
    phone.click(f".t-row[data-key='{towns[2]}'] .rank-btn")
    wait_text(phone, f".t-row[data-key='{towns[2]}'] .rank-btn", "第3位")
    assert no_horizontal_overflow(phone)
    shot(phone, "tablet-projects-ranking-390x844")
    phone.click("#t-next")
    phone.click("#t-submit")
    phone.wait_for_selector("#t-status[data-state=recorded]")
    x, y, z, w, _v = towns
    hall.cast_over_http(ranked, [{"marks": {x: 1, y: 2, z: 3}}] * 30 + [{"marks": {y: 1, x: 2, w: 3}}] * 18, skip=2)
    result = ok(hall.chair.post(f"/api/votes/{ranked}/close"))
    assert result["ballots"]["valid"] == 50 and result["chosen"] == [x, y, z], result
    assert result["counts"][w]["support"] == 19
    wait_text(screen, ".verdict", f"^确定：{x}、{y}、{z}$")
    header = screen.inner_text(".result-table thead")
    assert "得分" in header and "排序人数" in header
    assert "undefined" not in screen.inner_text("#s-main")
    assert in_view(screen, ".verdict")
    wait_text(chair, "#result .verdict", f"^确定：{x}、{y}、{z}$")
    shot(screen, "screen-result-projects-ranking-1920x1080")
    shot(chair, "chair-result-projects-ranking-1280x800")


GRADES = ("satisfied", "basically_satisfied", "unsatisfied")


def test_satisfaction_per_target_and_appointments_one_by_one(hall: Hall) -> None:
    tablet, phone = two_deputies_in_a_quorate_hall(hall)
    chair = chair_console(hall)
    screen = hall_screen(hall)

    assessment = hall.item("满意度测评")
    t1, t2, t3, t4 = assessment["definition"]["targets"]
    vote_id = ok(hall.chair.post(f"/api/items/{assessment['id']}/open", json={}))["vote_id"]
    wait_text(tablet, "#t-count", "已标记 0 / 共 4 项")
    for target, grade in ((t1, "satisfied"), (t2, "basically_satisfied"), (t3, "unsatisfied")):
        tablet.click(f".t-row[data-key='{target}'] [data-option={grade}]")
    wait_text(tablet, "#t-count", "已标记 3 / 共 4 项")
    shot(tablet, "tablet-satisfaction-1280x800")
    assert fits_without_scrolling(tablet)
    tablet.click("#t-next")
    wait_text(tablet, ".modal", f"{t4}：未测评的对象将计为无效")
    tablet.click(".modal [data-value=false]")  # back to the form to rate the last one
    tablet.click(f".t-row[data-key='{t4}'] [data-option=satisfied]")
    tablet.click("#t-next")
    wait_text(tablet, "#t-review", f"{t3}：不满意")
    shot(tablet, "tablet-satisfaction-review-1280x800")
    tablet.click("#t-submit")
    tablet.wait_for_selector("#t-status[data-state=recorded]")
    for target, grade in ((t1, "satisfied"), (t2, "basically_satisfied"), (t3, "unsatisfied"), (t4, "satisfied")):
        phone.click(f".t-row[data-key='{target}'] [data-option={grade}]")
    assert no_horizontal_overflow(phone)
    shot(phone, "tablet-satisfaction-390x844")
    phone.click("#t-next")
    phone.click("#t-submit")
    phone.wait_for_selector("#t-status[data-state=recorded]")

    def form(i: int) -> dict[str, Any]:
        second = "satisfied" if i < 15 else "basically_satisfied" if i < 35 else "unsatisfied"
        third = "satisfied" if i < 10 else "basically_satisfied" if i < 18 else "unsatisfied"
        return {"marks": {t1: "satisfied", t2: second, t3: third, t4: "satisfied"}}

    hall.cast_over_http(vote_id, [form(i) for i in range(38)], skip=2)
    result = ok(hall.chair.post(f"/api/votes/{vote_id}/close"))
    assert result["outcome"] == {t1: "satisfied", t2: "basically_satisfied", t3: "unsatisfied", t4: "satisfied"}
    # the screen reads out the announcement (its table goes when both do not fit at the back-row size)
    wait_text(screen, ".announcement", re.escape(t3) + ".*测评结果为不满意")
    wait_text(chair, "#result .result-table", re.escape(t3))
    rows = {r[0]: r[1:] for r in table_rows(chair, "#result")}
    assert rows[t2] == ["15", "22", "3", "0", "92.50%", "基本满意"]
    assert rows[t3] == ["10", "8", "22", "0", "45.00%", "不满意（限期整改并重新报告）"]
    assert rows[t1][-1] == "满意" and rows[t1][4] == "100.00%"
    assert in_view(screen, ".announcement")
    shot(screen, "screen-result-satisfaction-1920x1080")
    wait_text(chair, "#result .result-table", "不满意（限期整改并重新报告）")
    shot(chair, "chair-result-satisfaction-1280x800")
    wait_text(tablet, ".t-result", "满意度测评")
    shot(tablet, "tablet-after-satisfaction-1280x800")

    # 任免 逐人: three questions on one ballot, each decided on its own.
    people = [("王建国", "县财政局局长", "appoint"), ("李秀英", "县审计局局长", "appoint"),
              ("张志强", "县交通运输局局长", "accept_resignation")]
    appointment = ok(hall.staff.post(f"/api/meetings/{hall.meeting_id}/items", json={
        "kind": "appointment", "title": "关于任免县人民政府组成人员的议案（逐人表决）",
        "definition": {"mode": "individual", "items": [
            {"nominee": n, "post": p, "action": a} for n, p, a in people]}}))
    chair.click(f"[data-open='{appointment['id']}']")
    chair.click(".modal .btn-primary")
    x, y, z = (n for n, _p, _a in people)
    wait_text(tablet, "#t-count", "已标记 0 / 共 3 项")
    assert "任命 县财政局局长" in tablet.inner_text(f".t-row[data-key='{x}']")
    for name, choice in ((x, "yes"), (y, "no"), (z, "yes")):
        tablet.click(f".t-row[data-key='{name}'] [data-option={choice}]")
    shot(tablet, "tablet-appointment-1280x800")
    tablet.click("#t-next")
    wait_text(tablet, "#t-review", f"{y}：反对")
    tablet.click("#t-submit")
    tablet.wait_for_selector("#t-status[data-state=recorded]")
    for name, choice in ((x, "yes"), (y, "yes"), (z, "abstain")):
        phone.click(f".t-row[data-key='{name}'] [data-option={choice}]")
    shot(phone, "tablet-appointment-390x844")
    phone.click("#t-next")
    phone.click("#t-submit")
    phone.wait_for_selector("#t-status[data-state=recorded]")

    def ballot(i: int) -> dict[str, Any]:
        return {"marks": {x: "yes" if i < 33 else "no", y: "yes" if i < 20 else "no" if i < 35 else "abstain",
                          z: "yes" if i < 36 else "abstain"}}

    hall.cast_over_http(f"v{appointment['id']}-1", [ballot(i) for i in range(38)], skip=2)
    chair.click("#close-vote")
    chair.click(".modal .btn-danger")
    wait_text(chair, "#result .result-table", re.escape(y))
    rows = {r[0]: r[1:] for r in table_rows(chair, "#result")}
    assert rows[f"{x}（任命县财政局局长）"] == ["35", "5", "0", "0", "通过"]
    assert rows[f"{y}（任命县审计局局长）"] == ["21", "16", "3", "0", "未通过"]
    assert rows[f"{z}（接受辞职：县交通运输局局长）"][-1] == "通过"
    shot(chair, "chair-result-appointment-1280x800")
    wait_text(screen, ".announcement", re.escape(y))
    assert in_view(screen, ".announcement")
    shot(screen, "screen-result-appointment-1920x1080")


def table_rows(page: Any, scope: str = "#s-main") -> list[list[str]]:
    rows: list[list[str]] = page.eval_on_selector_all(
        f"{scope} .result-table tbody tr", "rows => rows.map(r => [...r.children].map(c => c.innerText.trim()))")
    return rows


def test_chair_countdown_extend_void_revote_and_show_of_hands(hall: Hall) -> None:
    tablet, phone = two_deputies_in_a_quorate_hall(hall)
    chair = chair_console(hall)
    screen = hall_screen(hall)
    motion = hall.item("决议")

    chair.click(f"[data-open='{motion['id']}']")
    chair.select_option("#d-countdown", "60")
    chair.click(".modal .btn-primary")
    first = f"v{motion['id']}-1"
    wait_text(tablet, "#t-countdown", r"^剩余 (1:00|0:[45]\d)$")
    wait_text(screen, "#s-countdown", r"^剩余时间 (1:00|0:[45]\d)$")
    chair.click("#vote button:has-text('延长30秒')")
    for page, selector in ((screen, "#s-countdown"), (tablet, "#t-countdown"), (chair, "#chair-countdown")):
        wait_text(page, selector, r"1:[23]\d$")
    shot(screen, "screen-countdown-1920x1080")
    shot(chair, "chair-countdown-1280x800")
    tablet.click(".t-choice[data-choice=yes]")
    tablet.click("#t-submit")
    tablet.wait_for_selector("#t-status[data-state=recorded]")

    # 宣布无效: a ground and a written reason, or nothing happens.
    chair.click("#vote button:has-text('宣布无效')")
    chair.select_option("#d-ground", "system_fault")
    chair.click(".modal .btn-danger")
    wait_text(chair, "#d-reason-error", "请写明具体理由")
    assert hall.vote(first)["state"] == "open"
    chair.fill("#d-reason", "第3排表决器故障，部分代表无法按键")
    shot(chair, "chair-void-dialog-1280x800")
    chair.click(".modal .btn-danger")
    wait_text(screen, ".verdict", "本轮表决已宣布无效")
    wait_text(tablet, ".t-voided", "本轮表决已宣布无效")
    assert hall.vote(first)["state"] == "voided"
    shot(tablet, "tablet-voided-1280x800")
    shot(screen, "screen-voided-1920x1080")

    # 重新表决 with a short countdown that runs out by itself.
    chair.click("#result button:has-text('重新表决')")
    assert chair.input_value("#d-round") == "revote"
    chair.select_option("#d-countdown", "10")
    shot(chair, "chair-revote-dialog-1280x800")
    chair.click(".modal .btn-primary")
    opened = time.monotonic()
    second = f"v{motion['id']}-2"
    for page in (tablet, phone):
        page.wait_for_selector(".t-choice[data-choice=yes]")
        assert "第2轮 · 重新表决" in page.inner_text(".t-sub")
    tablet.click(".t-choice[data-choice=yes]")
    tablet.click("#t-submit")
    phone.click(".t-choice[data-choice=no]")
    phone.click("#t-submit")
    phone.wait_for_selector("#t-status[data-state=recorded]")
    wait_text(phone, "#t-countdown.urgent", r"^剩余 0:\d\d$")
    wait_text(screen, "#s-countdown.urgent", r"^剩余时间 0:\d\d$")
    shot(phone, "tablet-countdown-urgent-390x844")
    shot(screen, "screen-countdown-urgent-1920x1080")
    wait_text(screen, ".verdict", "^未通过$", timeout=20_000)
    assert time.monotonic() - opened >= 9.0
    assert hall.vote(second)["state"] == "closed"
    announcement = "应到60人，实到40人；赞成1票，反对1票，弃权0票，未按38人；未通过。"
    wait_text(chair, "#announcement", re.escape(announcement))
    wait_text(tablet, ".t-result", re.escape(announcement))
    wait_text(chair, f"#agenda li[data-item='{motion['id']}']", "已表决")
    assert chair.locator(f"[data-open='{motion['id']}']").count() == 0  # a valid 未通过 is final
    shot(screen, "screen-result-after-countdown-1920x1080")

    # 举手: counted by hand, entered by the chair, checked, confirmed.
    hands = ok(hall.staff.post(f"/api/meetings/{hall.meeting_id}/items", json={
        "kind": "motion", "title": "关于批准县本级财政决算的决议（举手表决）"}))
    chair.click(f"#agenda li[data-item='{hands['id']}'] button:has-text('人工录入结果（举手）')")
    chair.fill(".modal [data-count=yes]", "40")
    chair.fill(".modal [data-count=no]", "2")
    chair.click(".modal .btn-primary")
    wait_text(chair, "#m-error", "合计 42 票，超过实到人数 40 人")
    chair.fill(".modal [data-count=yes]", "36")
    chair.fill(".modal [data-count=abstain]", "2")
    chair.click(".modal .btn-primary")
    wait_text(chair, "#m-confirm", "赞成 36 票，反对 2 票，弃权 2 票，未按 0 人")
    shot(chair, "chair-manual-confirm-1280x800")
    assert not [v for v in ok(hall.chair.get(f"/api/meetings/{hall.meeting_id}/items")) if v["id"] == hands["id"]
                and v["state"] == "done"]
    chair.click(".modal .btn-danger")
    manual = "（举手表决）应到60人，实到40人；赞成36票，反对2票，弃权2票，未按0人；通过。"
    wait_text(chair, "#announcement", re.escape(manual))
    wait_text(screen, ".announcement", re.escape(manual))
    wait_text(screen, ".verdict", "^通过$")
    wait_text(tablet, ".t-result", re.escape(manual))
    shot(chair, "chair-result-manual-1280x800")
    shot(screen, "screen-result-manual-1920x1080")


def test_a_reloaded_tablet_comes_back_recorded_without_voting_twice(hall: Hall) -> None:
    frames: list[dict[str, Any]] = []
    tablet, phone, vote_id, receipt = tablet_voted_yes(hall, frames)
    tablet.reload()  # from localStorage: the receipt and the choice this tablet made
    tablet.wait_for_selector("#t-status[data-state=recorded]")
    assert tablet.inner_text("#t-receipt") == receipt
    assert "您的选择：赞成" in tablet.inner_text("#t-done")
    assert tablet.locator("#t-change").count() == 1
    shot(tablet, "tablet-reloaded-recorded-1280x800")

    phone.click(".t-choice[data-choice=no]")
    phone.click("#t-submit")
    phone.wait_for_selector("#t-status[data-state=recorded]")
    phone_receipt = phone.inner_text("#t-receipt")
    phone.evaluate("localStorage.clear()")  # storage lost: the server says only that this deputy voted
    phone.reload()
    phone.wait_for_selector("#t-status[data-state=recorded]")
    assert re.fullmatch(RECEIPT, phone_receipt)
    assert phone.inner_text("#t-receipt") == "（本机无凭证）"  # a secret ballot's receipt lived on that storage only
    wait_text(phone, "#t-elsewhere", "本机没有该选票的凭证")
    assert phone.locator("#t-change").count() == 0
    assert no_horizontal_overflow(phone) and in_view(phone, "#t-receipt")
    shot(phone, "tablet-reloaded-from-server-390x844")

    time.sleep(0.5)
    assert len(ballots_sent(frames, vote_id)) == 1  # the reloaded tablet sent nothing more
    assert hall.vote(vote_id)["cast"] == 2
    result = ok(hall.chair.post(f"/api/votes/{vote_id}/close"))
    assert (result["counts"]["yes"], result["counts"]["no"]) == (1, 1)

    # A private-booth ballot: marks never survive a reload; the receipt does, the content does not.
    election = hall.item("副县长")
    a = election["definition"]["candidates"][0]
    booth = f"v{election['id']}-1"
    ok(hall.chair.post(f"/api/items/{election['id']}/open", json={}))
    tablet.click(f".t-row[data-key='{a}'] [data-option=yes]")
    wait_text(tablet, "#t-count", "赞成 1 / 应选 2 名")
    tablet.reload()
    wait_text(tablet, "#t-count", "赞成 0 / 应选 2 名")
    tablet.click(f".t-row[data-key='{a}'] [data-option=yes]")
    tablet.click("#t-next")
    tablet.click("#t-submit")
    tablet.wait_for_selector("#t-status[data-state=recorded]")
    receipt = tablet.inner_text("#t-receipt")
    tablet.reload()
    tablet.wait_for_selector("#t-status[data-state=recorded]")
    assert tablet.inner_text("#t-receipt") == receipt
    assert "选票内容已从屏幕清除" in tablet.inner_text("#t-done") and a not in tablet.inner_text("#t-done")
    assert a not in tablet.evaluate("JSON.stringify(localStorage)")
    assert len(ballots_sent(frames, booth)) == 1 and hall.vote(booth)["cast"] == 1


def test_a_replaced_code_logs_the_tablet_out_and_the_deputy_and_the_chair_see_why(hall: Hall) -> None:
    """Staff give deputy 2 a new code: the tablet signed in with the old one is sent back to sign-in,
    the old code is refused, and with the new code the tablet says when and why the code was
    replaced (until the deputy acknowledges it); the chair console lists the re-issue."""
    tablet = hall.deputy(2, TABLET_LANDSCAPE)
    chair = chair_console_any(hall)
    old = hall.codes[2]["code"]
    new = ok(hall.staff.post(f"/api/meetings/{hall.meeting_id}/codes", json={
        "member_ids": [hall.codes[2]["member_id"]], "reason": "代表反映签到码遗失"}))[0]["code"]
    tablet.wait_for_selector("#t-code")  # signed out: its token was revoked with the old code
    tablet.fill("#t-code", old)
    tablet.click("#t-login")
    wait_text(tablet, "#t-login-error", "无效|作废")
    tablet.fill("#t-code", new)
    tablet.click("#t-login")
    wait_text(tablet, "#code-notice", "代表反映签到码遗失")
    assert "重新发放" in tablet.inner_text("#code-notice")
    shot(tablet, "tablet-code-reissued-1280x800")
    tablet.click("#code-notice-ok")
    tablet.wait_for_selector("#code-notice", state="hidden")
    tablet.reload()
    tablet.wait_for_selector("#t-main")
    tablet.wait_for_timeout(500)
    assert tablet.is_hidden("#code-notice")  # acknowledged once, on this tablet
    wait_text(chair, "#code-reissues", "代表反映签到码遗失")
    assert hall.codes[2]["name"] in chair.inner_text("#code-reissues")


def chair_console_any(hall: Hall) -> Any:
    """The chair console before the hall is quorate."""
    chair = hall.page(TABLET_LANDSCAPE)
    chair.goto(f"{hall.url}/chair")
    hall.sign_in(chair, "chair", "demo-chair-2026")
    chair.wait_for_selector("#quorum")
    return chair


def attendance_figures(chair: Any) -> dict[str, str]:
    """The chair console's attendance figures, label -> value."""
    labels = chair.locator("#attendance .figure-label").all_inner_texts()
    values = chair.locator("#attendance .figure-value").all_inner_texts()
    return dict(zip(labels, values, strict=True))


def test_the_chair_console_says_not_checked_in_until_the_roll_is_closed(hall: Hall) -> None:
    """代表法: a deputy who has not checked in is 未签到 until the chair closes the roll (签到结束),
    and only then 缺席. The console shows 未签到 and a 签到结束 button; after the chair confirms, those
    deputies are 缺席 in the figures and in the roll."""
    chair = chair_console_any(hall)
    hall.staff_check_in(5)
    ok(hall.staff.post(f"/api/meetings/{hall.meeting_id}/absence",
                       json={"member_id": hall.codes[5]["member_id"], "state": "absent"}))
    wait_text(chair, "#attendance", "未签到")
    chair.wait_for_function("document.querySelector('#attendance').innerText.includes('54')")
    figures = attendance_figures(chair)
    assert (figures["实到"], figures["未签到"], figures["缺席"]) == ("5", "54", "1")  # only the one recorded 缺席
    chair.click("#roll-summary")
    wait_text(chair, "#roll", hall.codes[6]["name"])
    assert "缺 " + hall.codes[6]["name"] not in chair.inner_text("#roll")
    shot(chair, "chair-roll-open-1280x800")

    chair.click("#close-roll")
    wait_text(chair, ".modal", "54 名代表将记为缺席")
    chair.click(".modal .btn-danger")
    wait_text(chair, "#roll-closed", "签到已结束")
    figures = attendance_figures(chair)
    assert "未签到" not in figures and (figures["实到"], figures["缺席"]) == ("5", "55")
    assert chair.locator("#close-roll").count() == 0
    wait_text(chair, "#roll", "缺 " + hall.codes[6]["name"])
    shot(chair, "chair-roll-closed-1280x800")


def test_a_secret_ballot_whose_receipt_was_lost_is_resent_after_a_reload_with_its_token(hall: Hall) -> None:
    """The tablet keeps its cast token with the pending ballot in localStorage: reloaded before the
    receipt reached it, it resends the same ballot id with the same token, and the server -- which
    answers a secret ballot's resend only with the token it was cast with -- gives the stored
    receipt; the ballot counts once."""
    frames: list[dict[str, Any]] = []
    dropped: list[str] = []
    tablet = hall.page(TABLET_LANDSCAPE)

    def route(ws: Any) -> None:
        server = ws.connect_to_server()

        def from_server(message: str | bytes) -> None:
            if not dropped and isinstance(message, str) and '"type":"receipt"' in message.replace(" ", ""):
                dropped.append(message)  # the first receipt never reaches the tablet
                return
            ws.send(message)

        def from_tablet(message: str | bytes) -> None:
            if isinstance(message, str):
                frames.append(json.loads(message))
            server.send(message)

        server.on_message(from_server)
        ws.on_message(from_tablet)

    tablet.route_web_socket(re.compile(r".*/ws$"), route)
    tablet.goto(f"{hall.url}/tablet")
    tablet.fill("#t-code", hall.codes[0]["code"])
    tablet.click("#t-login")
    tablet.click("#t-checkin")
    tablet.wait_for_selector("#t-waiting")
    hall.staff_check_in(39, skip=1)
    vote_id = ok(hall.chair.post(f"/api/items/{hall.item('决议')['id']}/open", json={}))["vote_id"]
    tablet.click(".t-choice[data-choice=no]")
    tablet.click("#t-submit")
    deadline = time.monotonic() + 10
    while not dropped and time.monotonic() < deadline:
        tablet.wait_for_timeout(100)
    assert dropped, "the receipt was not intercepted"
    assert tablet.locator("#t-status[data-state=pending]").count() == 1
    stored = tablet.evaluate("JSON.stringify(localStorage)")
    tablet.reload()
    tablet.wait_for_selector("#t-status[data-state=recorded]", timeout=20_000)
    assert re.fullmatch(RECEIPT, tablet.inner_text("#t-receipt"))
    sent = ballots_sent(frames, vote_id)
    assert len(sent) >= 2 and len({f["ballot_id"] for f in sent}) == 1
    token = sent[0]["cast_token"]
    assert {f["cast_token"] for f in sent} == {token} and token in stored
    first = json.loads(dropped[0])["receipt"]  # the receipt the tablet never heard: the same leaf
    assert tablet.inner_text("#t-receipt").startswith(f"#{first['index']} · {first['leaf_hash'][:4].upper()}")
    assert hall.vote(vote_id)["cast"] == 1
    result = ok(hall.chair.post(f"/api/votes/{vote_id}/close"))
    assert (result["counts"]["yes"], result["counts"]["no"]) == (0, 1)
