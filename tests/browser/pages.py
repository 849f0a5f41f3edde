"""Driving the web terminals: sign-ins, check-ins and screenshots shared by the browser tests."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from tests.conftest import ROOT
from tests.server.session_helpers import login, ok

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
SHOTS = ROOT / "screenshots"
TIMEOUT = 15_000

TABLET_LANDSCAPE = {"width": 1280, "height": 800}
TABLET_PORTRAIT = {"width": 800, "height": 1280}
PHONE = {"width": 390, "height": 844}
HALL = {"width": 1920, "height": 1080}


def shot(page: Any, name: str, *, full_page: bool = False) -> None:
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=full_page)


def fits_without_scrolling(page: Any) -> bool:
    return bool(page.evaluate("document.documentElement.scrollHeight <= window.innerHeight + 1"))


@dataclass
class Hall:
    """The people in the room: staff and chair over HTTP, browser contexts for the terminals."""

    url: str
    browser: Any
    staff: httpx.Client = field(init=False)
    chair: httpx.Client = field(init=False)
    meeting_id: int = field(init=False)
    codes: list[dict[str, Any]] = field(init=False)
    contexts: list[Any] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.staff = login(self.url, "staff")
        self.chair = login(self.url, "chair")
        self.meeting_id = ok(self.staff.get("/api/meetings"))[0]["id"]
        self.codes = ok(self.staff.post(f"/api/meetings/{self.meeting_id}/codes", json={}))

    def page(self, viewport: dict[str, int], *, mobile: bool = False) -> Any:
        context = self.browser.new_context(viewport=viewport, locale="zh-CN", has_touch=mobile, is_mobile=mobile,
                                           device_scale_factor=1)
        context.set_default_timeout(TIMEOUT)
        self.contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: self.errors.append(f"{page.url}: {error}"))
        return page

    def deputy(self, index: int, viewport: dict[str, int], *, check_in: bool = True, mobile: bool = False) -> Any:
        page = self.page(viewport, mobile=mobile)
        page.goto(f"{self.url}/tablet")
        page.fill("#t-code", self.codes[index]["code"])
        page.click("#t-login")
        if check_in:
            page.click("#t-checkin")
            page.wait_for_selector("#t-waiting")
        return page

    def staff_check_in(self, count: int, *, skip: int = 0) -> None:
        """Staff checks in deputies who are present (each with a reason), to reach the quorum."""
        for entry in self.codes[skip:skip + count]:
            ok(self.staff.post(f"/api/meetings/{self.meeting_id}/checkin",
                               json={"member_id": entry["member_id"], "reason": "终端故障，代表本人在场"}))

    def sign_in(self, page: Any, username: str, password: str) -> None:
        page.fill("#login-user", username)
        page.fill("#login-pass", password)
        page.click("#login-form button[type=submit]")

    def item(self, title_part: str) -> dict[str, Any]:
        items = ok(self.chair.get(f"/api/meetings/{self.meeting_id}/items"))
        return next(i for i in items if title_part in i["title"])

    def vote(self, vote_id: str) -> dict[str, Any]:
        found: dict[str, Any] = ok(self.chair.get(f"/api/votes/{vote_id}"))
        return found

    def close(self) -> None:
        for context in self.contexts:
            context.close()
        self.staff.close()
        self.chair.close()
