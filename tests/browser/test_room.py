"""What the room sees (issue 16): the hall screen as the room's clock, read from the back row;
tablets that never say 已提交 before the server's receipt; 大字模式 kept for the deputy; every
control large enough to touch, on every page, at the sizes the hall uses. Screenshots of each
stage go to screenshots/ (tests/browser/pages.py shot)."""

from __future__ import annotations

import re
import time
from typing import Any

from tests.browser.pages import (
    PHONE,
    TABLET_LANDSCAPE,
    TABLET_PORTRAIT,
    Hall,
    shot,
    wait_text,
)
from tests.browser.test_more_flows import hall_screen
from tests.server.session_helpers import ok

CHAIR = {"width": 1440, "height": 900}
#: 48 px at 1920x1080: the stylesheet's back-row rule for text on the hall screen
BACK_ROW_PX = 48.0

#: the size a reader sees: the computed font size times every zoom fit() set on the way up
FONT_SIZES = """sels => sels.map(s => { const e = document.querySelector(s);
    if (!e) return [s, null];
    let size = parseFloat(getComputedStyle(e).fontSize);
    for (let a = e; a; a = a.parentElement) size *= parseFloat(a.style.zoom || "1");
    return [s, size]; })"""

SMALL_CONTROLS = """() => {
  const bad = [];
  const sel = "button, a.btn, .topbar a, summary, input:not([type=hidden]), select, textarea, [role=button]";
  for (const e of document.querySelectorAll(sel)) {
    const style = getComputedStyle(e);
    if (style.display === "none" || style.visibility === "hidden" || e.closest("[hidden]")) continue;
    let r = e.getBoundingClientRect();
    if (!r.width && !r.height) continue;
    const label = e.closest("label");
    if ((e.type === "checkbox" || e.type === "radio") && label) r = label.getBoundingClientRect();
    if (r.height < 43.5 || r.width < 43.5) {
      const name = e.id ? "#" + e.id : e.tagName.toLowerCase() + "." + [...e.classList].join(".");
      const text = (e.innerText || e.value || e.placeholder || "").trim().slice(0, 12);
      bad.push(name + " '" + text + "' " + Math.round(r.width) + "x" + Math.round(r.height));
    }
  }
  return bad;
}"""


def font_sizes(page: Any, selectors: list[str]) -> dict[str, float | None]:
    return dict(page.evaluate(FONT_SIZES, selectors))


def assert_result_fits_at_back_row_size(screen: Any) -> None:
    """The hall screen, which never scrolls, cuts nothing of the result off, and its announcement
    keeps the back-row size (screen.js fit())."""
    screen.wait_for_function("() => { const m = document.querySelector('#s-main');"
                             " return m.scrollHeight <= m.clientHeight + 1; }")
    assert (font_sizes(screen, ["#s-main .announcement"])["#s-main .announcement"] or 0) >= BACK_ROW_PX


def small_controls(page: Any) -> list[str]:
    found: list[str] = page.evaluate(SMALL_CONTROLS)
    return found


def present_figures(text: str) -> set[str]:
    """Every 实到 figure a page shows, however it is written (实到 40 人, 实到40人, 实到\\n40)."""
    return set(re.findall(r"实到\s*(\d+)", text))


def test_the_hall_screen_and_a_waiting_tablet_follow_check_in_within_a_second(hall: Hall) -> None:
    """The check-in stage: the full session name, 应到/实到/请假/未签到 and the quorum line follow
    every check-in within a second; a waiting tablet's 实到 follows by the attendance frame (tablets
    get no tick); every text is at least the back-row size."""
    screen = hall_screen(hall)
    wait_text(screen, "#s-present", "^0$")
    assert screen.inner_text("#s-meeting") == "某某县第十八届人民代表大会第三次会议"  # the demo's session, in full
    tablet = hall.deputy(45, TABLET_LANDSCAPE)  # checks in by itself
    wait_text(screen, "#s-present", "^1$")
    wait_text(tablet, "#t-present", "^1$")
    hall.staff_check_in(5)
    started = time.monotonic()
    wait_text(screen, "#s-present", "^6$")
    followed = time.monotonic() - started
    wait_text(tablet, "#t-present", "^6$", timeout=3000)  # at most one attendance frame a second
    assert "未达到法定人数" in screen.inner_text("#s-quorum")
    hall.staff_check_in(35, skip=5)
    started = time.monotonic()
    wait_text(screen, "#s-present", "^41$")  # the quorum line turns before the last few arrive
    followed = max(followed, time.monotonic() - started)
    assert screen.inner_text("#s-quorum").startswith("已达到法定人数")
    members = int(screen.inner_text("#s-members"))
    assert int(screen.inner_text("#s-absent")) == members - 41 - int(screen.inner_text("#s-leave"))
    assert present_figures(screen.inner_text("#screen")) == {"41"}  # one 实到 on the screen
    wait_text(tablet, "#t-present", "^41$", timeout=3000)
    assert followed < 1.0, f"the screen took {followed:.2f} s to show the check-ins"
    sizes = font_sizes(screen, ["#s-meeting", ".s-fig-label", ".s-fig-unit", "#s-quorum", ".s-key-label"])
    assert all(size is not None and size >= BACK_ROW_PX for size in sizes.values()), sizes
    assert (font_sizes(screen, ["#s-present"])["#s-present"] or 0) > 2 * BACK_ROW_PX  # numbers larger
    shot(screen, "screen-checkin-1920x1080")
    shot(tablet, "tablet-waiting-1280x800")
    # 签到结束: those not checked in are 缺席 from now on, and the screen says so
    assert "未签到" in screen.inner_text("#s-checkin") and "签到结束" not in screen.inner_text("#s-checkin")
    not_yet = screen.inner_text("#s-absent")
    ok(hall.chair.post(f"/api/meetings/{hall.meeting_id}/roll/close"))
    wait_text(screen, "#s-roll-closed", "^签到结束$")
    assert "缺席" in screen.inner_text("#s-checkin") and "未签到" not in screen.inner_text("#s-checkin")
    assert screen.inner_text("#s-absent") == not_yet


def test_the_hall_screen_shows_an_election_open_then_its_full_announcement_from_the_back_row(hall: Hall) -> None:
    """An open election: 已表决/未表决 live (how many, never who); closed: the announcement tally
    wrote (本次选举有效, each candidate's votes), 当选为<post>, one 实到 even after a late check-in,
    and the signed checkpoint that covers the result."""
    hall.staff_check_in(40)
    screen = hall_screen(hall)
    election = hall.item("副县长")
    a, b, _c = election["definition"]["candidates"]
    vote_id = ok(hall.chair.post(f"/api/items/{election['id']}/open", json={}))["vote_id"]
    wait_text(screen, "#s-left", "^40$")
    hall.cast_over_http(vote_id, [{"marks": {a: "yes", b: "yes"}}] * 35, skip=0)
    wait_text(screen, "#s-cast", "^35$")
    wait_text(screen, "#s-left", "^5$")
    assert "已表决" in screen.inner_text(".s-live") and "未表决" in screen.inner_text(".s-live")
    assert "已投" not in screen.inner_text("#screen") and "应投" not in screen.inner_text("#screen")
    assert hall.codes[0]["name"] not in screen.inner_text("#screen")  # a secret vote: never who
    sizes = font_sizes(screen, [".s-meta", ".s-label", ".s-basis"])
    assert all(size is not None and size >= BACK_ROW_PX for size in sizes.values()), sizes
    assert (font_sizes(screen, ["#s-cast"])["#s-cast"] or 0) > 3 * BACK_ROW_PX
    assert present_figures(screen.inner_text("#screen")) == set()  # the live 实到 is not beside the vote
    shot(screen, "screen-election-open-1920x1080")

    result = ok(hall.chair.post(f"/api/votes/{vote_id}/close"))
    assert result["elected"] == [a, b]
    wait_text(screen, ".announcement", re.escape(result["announcement"]))
    assert "本次选举有效" in screen.inner_text(".announcement")
    post = election["title"].removeprefix("选举")
    wait_text(screen, ".verdict", f"^{re.escape(a)}、{re.escape(b)} 当选为{re.escape(post)}$")
    wait_text(screen, "#s-checkpoint", "签名检查点")
    hall.staff_check_in(1, skip=40)  # a late check-in: the result keeps the figure frozen at opening
    screen.wait_for_timeout(800)
    assert present_figures(screen.inner_text("#screen")) == {"40"}
    sizes = font_sizes(screen, [".announcement", ".figure-label", ".round-valid", "#s-checkpoint", ".s-meta"])
    assert all(size is not None and size >= BACK_ROW_PX for size in sizes.values()), sizes
    shot(screen, "screen-election-result-1920x1080")


def test_a_tablet_says_submitted_only_once_the_server_has_the_ballot(hall: Hall) -> None:
    """Offline: a big 等待服务器确认 and what the tablet does about it, never 已提交; online again:
    the ballot is resent and only the receipt turns it into 已提交 ✓."""
    tablet = hall.deputy(0, PHONE, mobile=True)
    hall.staff_check_in(39, skip=1)
    motion = hall.item("工作报告")
    vote_id = ok(hall.chair.post(f"/api/items/{motion['id']}/open", json={}))["vote_id"]
    tablet.wait_for_selector(".t-choice[data-choice=yes]")
    assert tablet.inner_text("#t-secrecy") == "无记名"
    tablet.context.set_offline(True)
    tablet.wait_for_selector("#offline-banner", state="visible")
    tablet.click(".t-choice[data-choice=yes]")
    assert tablet.inner_text("#t-submit") == "确认投票"
    tablet.click("#t-submit")
    tablet.wait_for_selector("#t-done[data-state=pending]")
    wait_text(tablet, "#t-done-head", "等待服务器确认")
    assert "已提交" not in tablet.inner_text("#t-main")
    assert tablet.get_attribute("#t-status", "data-activity") == "offline"
    assert "连接恢复后本机自动重新发送" in tablet.inner_text("#t-status")
    assert (font_sizes(tablet, ["#t-done-head"])["#t-done-head"] or 0) >= 28
    shot(tablet, "tablet-offline-pending-390x844")
    assert ok(hall.chair.get(f"/api/votes/{vote_id}"))["cast"] == 0
    tablet.context.set_offline(False)
    tablet.wait_for_selector("#t-done[data-state=recorded]", timeout=20_000)
    wait_text(tablet, "#t-done-head", "^已提交 ✓$")
    assert ok(hall.chair.get(f"/api/votes/{vote_id}"))["cast"] == 1
    shot(tablet, "tablet-recorded-390x844")


def test_large_text_is_the_deputys_choice_and_is_kept_across_sign_ins(hall: Hall) -> None:
    tablet = hall.deputy(3, TABLET_PORTRAIT)
    normal = font_sizes(tablet, ["#t-waiting"])["#t-waiting"] or 0
    tablet.click("#t-large")
    tablet.wait_for_selector("body.large-text")
    large = font_sizes(tablet, ["#t-waiting"])["#t-waiting"] or 0
    assert large >= 1.3 * normal, (normal, large)
    assert small_controls(tablet) == []
    shot(tablet, "tablet-large-text-800x1280")
    tablet.click("#t-signout")
    tablet.click(".modal .btn-primary")
    tablet.wait_for_selector("#t-code")
    tablet.fill("#t-code", hall.codes[4]["code"])  # another deputy on the same tablet: their own size
    tablet.click("#t-login")
    tablet.wait_for_selector("#t-checkin")
    assert tablet.evaluate("document.body.classList.contains('large-text')") is False
    tablet.click("#t-checkin")
    tablet.wait_for_selector("#t-waiting")
    tablet.click("#t-signout")
    tablet.click(".modal .btn-primary")
    tablet.fill("#t-code", hall.codes[3]["code"])  # the first deputy again: large text again
    tablet.click("#t-login")
    tablet.wait_for_selector("#t-waiting")
    assert tablet.evaluate("document.body.classList.contains('large-text')") is True


def test_every_control_on_every_page_is_at_least_44_px_at_the_halls_sizes(hall: Hall) -> None:
    """The touch rule of the stylesheet, measured: the tablet at the three deputy sizes (sign-in,
    waiting, a motion and an election ballot), the chair console, staff (every tab), scrutineer
    and audit pages, the index."""
    problems: dict[str, list[str]] = {}
    hall.staff_check_in(37, skip=3)
    motion = hall.item("工作报告")
    election = hall.item("副县长")
    for index, (name, size) in enumerate((("390x844", PHONE), ("800x1280", TABLET_PORTRAIT),
                                          ("1280x800", TABLET_LANDSCAPE))):
        page = hall.page(size, mobile=size is PHONE)
        page.goto(f"{hall.url}/tablet")
        page.wait_for_selector("#t-code")
        problems[f"tablet sign-in {name}"] = small_controls(page)
        page.fill("#t-code", hall.codes[index]["code"])
        page.click("#t-login")
        page.click("#t-checkin")
        page.wait_for_selector("#t-waiting")
        problems[f"tablet waiting {name}"] = small_controls(page)
    tablets = [c.pages[0] for c in hall.contexts[-3:]]
    vote_id = ok(hall.chair.post(f"/api/items/{motion['id']}/open", json={}))["vote_id"]
    for page, name in zip(tablets, ("390x844", "800x1280", "1280x800"), strict=True):
        page.wait_for_selector(".t-choice[data-choice=yes]")
        page.click(".t-choice[data-choice=yes]")
        problems[f"tablet motion {name}"] = small_controls(page)
    ok(hall.chair.post(f"/api/votes/{vote_id}/close"))
    ok(hall.chair.post(f"/api/items/{election['id']}/open", json={}))
    for page, name in zip(tablets, ("390x844", "800x1280", "1280x800"), strict=True):
        page.wait_for_selector("#t-counter")
        problems[f"tablet election {name}"] = small_controls(page)
        rule = page.locator("#t-writein-rule")
        rule.scroll_into_view_if_needed()
        covered = page.evaluate("""() => { const r = document.querySelector('#t-writein-rule').getBoundingClientRect();
            const c = document.querySelector('#t-counter').getBoundingClientRect();
            return r.bottom > c.top && r.top < c.bottom; }""")
        assert not covered, f"the write-in rule is behind the counter at {name}"
        shot(page, f"tablet-election-{name}")
    for role, user, password, size in (("chair", "chair", "demo-chair-2026", CHAIR),
                                       ("chair", "chair", "demo-chair-2026", TABLET_LANDSCAPE),
                                       ("staff", "staff", "demo-staff-2026", CHAIR),
                                       ("scrutineer", "jipiao1", "demo-count-2026", TABLET_LANDSCAPE),
                                       ("audit", "auditor", "demo-audit-2026", CHAIR)):
        page = hall.page(size)
        page.goto(f"{hall.url}/{role}")
        hall.sign_in(page, user, password)
        page.wait_for_selector(".topbar")
        page.wait_for_timeout(800)
        label = f"{role} {size['width']}x{size['height']}"
        problems[label] = small_controls(page)
        tabs = page.locator(".tabs button")
        for i in range(tabs.count()):
            tabs.nth(i).click()
            page.wait_for_timeout(200)
            problems[f"{label} tab {i + 1}"] = small_controls(page)
        shot(page, f"{role}-{size['width']}x{size['height']}")
    index = hall.page(CHAIR)
    index.goto(f"{hall.url}/")
    problems["index"] = small_controls(index)
    bad = {where: found for where, found in problems.items() if found}
    assert not bad, bad
