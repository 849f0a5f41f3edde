"""The staff page's account management and 安全连接 tab, and 修改密码 on a role page, in Chromium."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.browser.pages import TABLET_LANDSCAPE, Hall, shot, wait_text

pytestmark = pytest.mark.browser


def _signs_in(url: str, username: str, password: str) -> int:
    return httpx.post(f"{url}/api/login", json={"username": username, "password": password}, timeout=60).status_code


def _confirm(page: Any) -> None:
    page.click(".modal .btn-primary, .modal .btn-danger")


def test_staff_manage_accounts_and_everyone_changes_their_own_password(hall: Hall) -> None:
    staff = hall.page(TABLET_LANDSCAPE)
    staff.goto(f"{hall.url}/staff")
    hall.sign_in(staff, "staff", "demo-staff-2026")
    staff.click("[data-tab=accounts]")
    wait_text(staff, "#accounts-table tbody tr", "auditor")

    staff.click("#account-new")
    staff.fill("#a-username", "jipiao3")
    staff.fill("#a-name", "计票人丙")
    staff.select_option("#a-role", "scrutineer")
    _confirm(staff)
    shown = staff.locator("#shown-password")
    shown.wait_for()
    first = shown.inner_text().strip()
    assert len(first) == 14
    shot(staff, "staff-account-password-once")
    _confirm(staff)
    row = staff.locator("[data-account=jipiao3]")
    wait_text(staff, "[data-account=jipiao3]", "可用")
    assert "计票人丙" in row.inner_text()
    assert _signs_in(hall.url, "jipiao3", first) == 200

    row.locator("[data-action=disable]").click()
    _confirm(staff)
    wait_text(staff, "[data-account=jipiao3]", "已停用")
    assert _signs_in(hall.url, "jipiao3", first) == 403
    row.locator("[data-action=enable]").click()
    wait_text(staff, "[data-account=jipiao3]", "可用")

    row.locator("[data-action=reset]").click()
    _confirm(staff)
    shown.wait_for()
    second = shown.inner_text().strip()
    _confirm(staff)
    assert second != first and _signs_in(hall.url, "jipiao3", first) == 401
    assert _signs_in(hall.url, "jipiao3", second) == 200
    shot(staff, "staff-accounts")

    staff.click("[data-tab=deployment]")
    wait_text(staff, "#dep-url", "127.0.0.1")
    vkey = httpx.get(f"{hall.url}/api/audit/vkey", timeout=30).text.strip()
    wait_text(staff, "#dep-vkey", vkey.split("+")[1])
    assert "未启用 HTTPS" in staff.locator("#dep-tls").inner_text()  # the demo, on the loopback
    shot(staff, "staff-deployment")

    counter = hall.page(TABLET_LANDSCAPE)
    counter.goto(f"{hall.url}/scrutineer")
    hall.sign_in(counter, "jipiao3", second)
    counter.locator("#change-password").wait_for(state="visible")
    counter.click("#change-password")
    counter.fill("#pw-current", second)
    counter.fill("#pw-new", "jipiao3-own-choice")
    counter.fill("#pw-again", "jipiao3-own-choice")
    _confirm(counter)
    wait_text(counter, "#toast", "密码已修改")
    assert _signs_in(hall.url, "jipiao3", "jipiao3-own-choice") == 200
    assert _signs_in(hall.url, "jipiao3", second) == 401
