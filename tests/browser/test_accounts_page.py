"""A fresh deployment in Chromium, over HTTPS on the hall address: staff sign in with the password
``init`` printed, create the meeting, manage accounts (a generated password shown once), see the
安全连接 tab (the CA's QR code and fingerprint); another account changes its own password.

The browser trusts the server's key only (``--ignore-certificate-errors-spki-list`` pins the
server certificate's public key, as an installed CA would vouch for it), so the pages, their
scripts and the WebSocket all run over verified TLS.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from tests.browser.pages import TABLET_LANDSCAPE, TIMEOUT, chromium, shot, wait_text
from tests.server.deploy_helpers import Hall, deployed

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def hall(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hall]:
    with deployed(tmp_path_factory.mktemp("hall-browser"), "staff") as room:
        yield room


@pytest.fixture(scope="module")
def browser(hall: Hall) -> Iterator[Any]:
    leaf = x509.load_pem_x509_certificates((hall.secrets / "tls" / "server.crt").read_bytes())[0]
    spki = base64.b64encode(hashlib.sha256(
        leaf.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)).digest()).decode()
    with chromium(f"--ignore-certificate-errors-spki-list={spki}") as instance:
        yield instance


def _page(browser: Any, errors: list[str]) -> Any:
    context = browser.new_context(viewport=TABLET_LANDSCAPE, locale="zh-CN", device_scale_factor=1)
    context.set_default_timeout(TIMEOUT)
    page = context.new_page()
    page.on("pageerror", lambda error: errors.append(f"{page.url}: {error}"))
    return page


def _sign_in(page: Any, username: str, password: str) -> None:
    page.fill("#login-user", username)
    page.fill("#login-pass", password)
    page.click("#login-form button[type=submit]")


def _confirm(page: Any) -> None:
    page.click(".modal .btn-primary, .modal .btn-danger")


def _signs_in(hall: Hall, username: str, password: str) -> int:
    with hall.client() as client:
        return client.post("/api/login", json={"username": username, "password": password}).status_code


def test_a_fresh_deployment_in_the_browser_over_https(hall: Hall, browser: Any, tmp_path: Path) -> None:
    errors: list[str] = []
    staff = _page(browser, errors)
    staff.goto(f"{hall.url}/staff")
    _sign_in(staff, "staff", hall.passwords["staff"])
    staff.locator("#first-meeting").wait_for(state="visible")  # init made accounts, not the meeting
    shot(staff, "deploy-first-meeting")
    staff.select_option("#m-kind", "congress")
    staff.fill("#m-body", "某某县第十八届人民代表大会")
    staff.fill("#m-title", "第三次会议")
    staff.click("#meeting-form button[type=submit]")
    _confirm(staff)  # 会议已创建，请重新登录
    staff.locator("#login-form").wait_for(state="visible")
    _sign_in(staff, "staff", hall.passwords["staff"])
    wait_text(staff, "#meeting-title", "第三次会议")
    wait_text(staff, "#conn", "已连接")  # the WebSocket, over WSS

    staff.click("[data-tab=accounts]")
    wait_text(staff, "#accounts-table tbody tr", "staff")
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
    assert "计票人丙" in row.inner_text() and _signs_in(hall, "jipiao3", first) == 200

    row.locator("[data-action=disable]").click()
    _confirm(staff)
    wait_text(staff, "[data-account=jipiao3]", "已停用")
    assert _signs_in(hall, "jipiao3", first) == 403
    row.locator("[data-action=enable]").click()
    wait_text(staff, "[data-account=jipiao3]", "可用")
    row.locator("[data-action=reset]").click()
    _confirm(staff)
    shown.wait_for()
    second = shown.inner_text().strip()
    _confirm(staff)
    assert second != first and _signs_in(hall, "jipiao3", first) == 401
    shot(staff, "staff-accounts")

    staff.click("[data-tab=deployment]")
    wait_text(staff, "#dep-url", hall.url.replace(".", r"\."))
    ca = x509.load_pem_x509_certificate(hall.ca_file.read_bytes())
    expected = ":".join(f"{b:02X}" for b in ca.fingerprint(hashes.SHA256()))
    wait_text(staff, "#dep-fingerprint", expected)
    staff.wait_for_function("() => { const img = document.querySelector('#dep-ca-qr');"
                            " return img && img.complete && img.naturalWidth > 0; }")  # the QR code drew
    wait_text(staff, "#dep-key-protection", "加密")
    shot(staff, "staff-deployment")
    with httpx.Client(verify=hall.tls) as client:
        assert client.get(f"{hall.url}/ca.crt").status_code == 200

    counter = _page(browser, errors)
    counter.goto(f"{hall.url}/scrutineer")
    _sign_in(counter, "jipiao3", second)
    counter.locator("#change-password").wait_for(state="visible")
    counter.click("#change-password")
    counter.fill("#pw-current", second)
    counter.fill("#pw-new", "jipiao3-own-choice")
    counter.fill("#pw-again", "jipiao3-own-choice")
    _confirm(counter)
    wait_text(counter, "#toast", "密码已修改")
    assert _signs_in(hall, "jipiao3", "jipiao3-own-choice") == 200
    assert _signs_in(hall, "jipiao3", second) == 401
    assert not errors, errors
