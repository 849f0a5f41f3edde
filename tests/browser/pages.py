"""Driving the web terminals: sign-ins, check-ins and screenshots shared by the browser tests."""

from __future__ import annotations

import json
import re
import secrets
import shutil
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from tests.conftest import ROOT, unavailable
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



@contextmanager
def chromium(*extra_args: str) -> Iterator[Any]:
    """Debian's Chromium driven by Playwright (never ``playwright install``); under CI=true a
    missing Playwright or browser fails the run."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as error:  # pragma: no cover - depends on the machine
        unavailable(f"Playwright for Python is not installed: {error}")
    if not CHROMIUM.exists() and shutil.which("chromium") is None:  # pragma: no cover
        unavailable(f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    SHOTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path=str(CHROMIUM), args=[*ARGS, *extra_args])
        try:
            yield instance
        finally:
            instance.close()

def wait_text(page: Any, selector: str, pattern: str, *, timeout: float | None = None) -> None:
    page.locator(selector).filter(has_text=re.compile(pattern)).first.wait_for(timeout=timeout)


def in_view(page: Any, selector: str) -> bool:
    """The element is wholly inside the viewport (nothing clipped off the bottom or the right)."""
    return bool(read_now(page, selector, """e => { const r = e.getBoundingClientRect();
        return r.top >= 0 && r.left >= 0 && r.bottom <= innerHeight + 1 && r.right <= innerWidth + 1; }"""))


def read_now(page: Any, selector: str, reader: str) -> Any:
    """Find the element and read it in one task of the page. (Playwright's eval_on_selector finds it,
    then reads it in a second step: a page that re-renders in between hands back a detached element,
    whose computed style is empty.)"""
    return page.evaluate(f"""([s]) => {{ const e = document.querySelector(s);
        if (!e) throw new Error('no element ' + s); return ({reader})(e); }}""", [selector])


def fits_without_scrolling(page: Any) -> bool:
    return bool(page.evaluate("document.documentElement.scrollHeight <= window.innerHeight + 1"))


def record_sent(page: Any, frames: list[dict[str, Any]]) -> None:
    """Keep every JSON frame the page sends over its WebSockets (attach before the page connects)."""

    def on_socket(ws: Any) -> None:
        def sent(payload: str | bytes) -> None:
            if isinstance(payload, str):
                frames.append(json.loads(payload))

        ws.on("framesent", sent)

    page.on("websocket", on_socket)


def ballots_sent(frames: list[dict[str, Any]], vote_id: str) -> list[dict[str, Any]]:
    return [f for f in frames if f.get("type") == "ballot" and f.get("vote_id") == vote_id]


@dataclass
class Hall:
    """The people in the room: staff and chair over HTTP, browser contexts for the terminals."""

    url: str
    browser: Any
    #: the demo's code sheet (DATA_DIR/demo-codes.txt): the tablets sign in with the codes the
    #: demo issued, as a newcomer would, so no deputy is shown a re-issued code
    codes_file: Path
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
        roll = {m["code"]: m for m in ok(self.staff.get(f"/api/meetings/{self.meeting_id}/roll"))["members"]}
        lines = [line.split("\t") for line in self.codes_file.read_text(encoding="utf-8").splitlines()]
        self.codes = [{"member_id": roll[row[0]]["id"], "member_code": row[0], "seat": row[1], "name": row[2],
                       "group": roll[row[0]]["group"], "code": row[3]}
                      for row in lines if len(row) == 4 and row[0] in roll]
        self.codes.sort(key=lambda c: c["member_id"])

    def page(self, viewport: dict[str, int], *, mobile: bool = False) -> Any:
        context = self.browser.new_context(viewport=viewport, locale="zh-CN", has_touch=mobile, is_mobile=mobile,
                                           device_scale_factor=1)
        context.set_default_timeout(TIMEOUT)
        self.contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: self.errors.append(f"{page.url}: {error}"))
        return page

    def deputy(self, index: int, viewport: dict[str, int], *, check_in: bool = True, mobile: bool = False,
               frames: list[dict[str, Any]] | None = None) -> Any:
        """A deputy's tablet, signed in (and checked in). ``frames`` collects what the tablet sends."""
        page = self.page(viewport, mobile=mobile)
        if frames is not None:
            record_sent(page, frames)
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

    def cast_over_http(self, vote_id: str, ballots: Sequence[dict[str, Any]], *, skip: int) -> None:
        """The rest of the hall votes: deputies ``skip``, ``skip + 1``, … each cast one of ``ballots``
        through the HTTP fallback (``POST /api/ballots``), a few at a time."""

        def cast(index: int, ballot: dict[str, Any]) -> None:
            with httpx.Client(base_url=self.url, timeout=60) as client:
                token = ok(client.post("/api/deputy/login", json={"code": self.codes[index]["code"]}))["token"]
                ok(client.post("/api/ballots", headers={"Authorization": f"Bearer {token}"}, json={
                    "vote_id": vote_id, "ballot_id": secrets.token_hex(16), "ballot": ballot,
                    "cast_token": secrets.token_hex(16)}))

        with ThreadPoolExecutor(max_workers=8) as pool:
            list(pool.map(cast, range(skip, skip + len(ballots)), ballots))

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
