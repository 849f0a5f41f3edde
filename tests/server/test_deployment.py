"""A real deployment over real sockets: ``python -m server init`` then ``python -m server`` bound to
this machine's hall-network address (192.0.2.2), with no demo and an encrypted signing key.

One server start serves every test here: HTTPS and WSS verified against the generated CA, plain
HTTP refused, the first-run accounts, account management with role checks and audit records,
``/docs`` with no CDN, the QR code sheet's address, and the signing key at rest.
"""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import websockets
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization

from server import signing_key, tls
from server.config import Settings
from tests.server.deploy_helpers import HALL_ADDRESS, Hall, deployed, login, run_cli


@pytest.fixture(scope="module")
def hall(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hall]:
    with deployed(tmp_path_factory.mktemp("hall")) as room:
        yield room


def test_https_and_wss_verified_against_the_generated_ca(hall: Hall) -> None:
    ca = x509.load_pem_x509_certificate(hall.ca_file.read_bytes())
    assert ca.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    assert ca.extensions.get_extension_for_class(x509.NameConstraints).critical
    for key in ("ca.key", "server.key"):
        assert (hall.secrets / "tls" / key).stat().st_mode & 0o777 == 0o600
    with hall.client() as client:
        assert client.get("/api/health").json()["ok"] is True
    with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):  # not trusted without the CA
        httpx.get(f"{hall.url}/api/health", verify=True, timeout=10)

    async def over_wss() -> dict[str, Any]:
        async with websockets.connect(hall.url.replace("https://", "wss://") + "/ws", ssl=hall.tls,
                                      compression=None) as ws:
            await ws.send(json.dumps({"type": "hello", "v": 1, "screen": 1}))
            return json.loads(await asyncio.wait_for(ws.recv(), 20))  # type: ignore[no-any-return]

    welcome = asyncio.run(over_wss())
    assert (welcome["type"], welcome["role"]) == ("welcome", "screen"), welcome  # the protocol, over WSS


def test_plain_http_to_the_tls_port_fails(hall: Hall) -> None:
    with pytest.raises(httpx.HTTPError):
        httpx.get(hall.url.replace("https://", "http://") + "/api/health", timeout=10)

    async def plain_ws() -> None:
        async with websockets.connect(hall.url.replace("https://", "ws://") + "/ws", open_timeout=10):
            pass

    with pytest.raises((OSError, websockets.exceptions.WebSocketException, asyncio.TimeoutError)):
        asyncio.run(plain_ws())


def test_the_first_run_passwords_work_and_are_shown_nowhere_else(hall: Hall) -> None:
    with hall.client("staff") as staff:
        assert staff.get("/api/me").json()["role"] == "staff"
        accounts = staff.get("/api/accounts").json()
        assert [(a["username"], a["role"], a["disabled"]) for a in accounts][:2] == [
            ("staff", "staff", False), ("chair", "chair", False)]
    for password in hall.passwords.values():
        for path in [*hall.data_dir.rglob("*"), *hall.secrets.rglob("*")]:
            if path.is_file():
                assert password.encode() not in path.read_bytes(), path
        assert password not in hall.log_path.read_text(errors="replace")
    created = [r for r in hall.records() if r["type"] == "user_created"]
    assert [r["body"]["user"] for r in created][:2] == ["staff", "chair"]
    assert all(r["body"]["by"].startswith("console") for r in created[:2])


def test_accounts_managed_by_staff_only_each_change_audited(hall: Hall) -> None:
    with hall.client("staff") as staff, hall.client("chair") as chair, hall.client() as anonymous:
        new = {"username": "jipiao1", "display_name": "计票人甲", "role": "scrutineer"}
        assert chair.post("/api/accounts", json=new).status_code == 403
        assert chair.get("/api/accounts").status_code == 403
        assert anonymous.get("/api/accounts").status_code == 401
        refused = staff.post("/api/accounts", json={**new, "password": "demo-count-2026"})
        assert (refused.status_code, refused.json()["error"]["code"]) == (400, "published_password")
        assert staff.post("/api/accounts", json={**new, "password": "short"}).json()["error"]["code"] == "weak_password"
        assert staff.post("/api/accounts", json={**new, "role": "deputy"}).json()["error"]["code"] == "invalid_role"

        made = staff.post("/api/accounts", json=new)
        assert made.status_code == 200, made.text
        account, generated = made.json()["account"], made.json()["password"]
        assert generated and len(generated) == 14
        assert staff.post("/api/accounts", json=new).status_code == 409
        with hall.client("jipiao1", generated) as counter:
            assert counter.get("/api/me").json()["role"] == "scrutineer"
            assert counter.patch(f"/api/accounts/{account['id']}", json={"role": "staff"}).status_code == 403

            reset = staff.post(f"/api/accounts/{account['id']}/password", json={})
            assert reset.status_code == 200, reset.text
            fresh = reset.json()["password"]
            assert counter.get("/api/me").status_code == 401  # the reset ended its sign-in at once
        assert anonymous.post("/api/login", json={"username": "jipiao1", "password": generated}).status_code == 401
        assert chair.post(f"/api/accounts/{account['id']}/password", json={}).status_code == 403

        with hall.client("jipiao1", fresh) as counter:
            wrong = counter.post("/api/me/password", json={"current_password": "not-it-at-all",
                                                          "new_password": "a-new-secret-7"})
            assert (wrong.status_code, wrong.json()["error"]["code"]) == (400, "wrong_password")
            changed = counter.post("/api/me/password", json={"current_password": fresh,
                                                            "new_password": "a-new-secret-7"})
            assert changed.status_code == 200, changed.text
            assert counter.get("/api/me").status_code == 200  # the session that changed it goes on

            off = staff.patch(f"/api/accounts/{account['id']}", json={"disabled": True})
            assert off.status_code == 200 and off.json()["disabled"] is True
            assert counter.get("/api/me").status_code == 401
        disabled = anonymous.post("/api/login", json={"username": "jipiao1", "password": "a-new-secret-7"})
        assert (disabled.status_code, disabled.json()["error"]["code"]) == (403, "account_disabled")
        assert staff.patch(f"/api/accounts/{account['id']}", json={"disabled": False}).json()["disabled"] is False
        login(anonymous, "jipiao1", "a-new-secret-7")

        staff_id = next(a["id"] for a in staff.get("/api/accounts").json() if a["username"] == "staff")
        last = staff.patch(f"/api/accounts/{staff_id}", json={"disabled": True})
        assert (last.status_code, last.json()["error"]["code"]) == (409, "last_staff")
        assert staff.patch(f"/api/accounts/{staff_id}", json={"role": "chair"}).status_code == 409

    changes = [(r["type"], r["body"]) for r in hall.records() if r["type"].startswith("user_")
               and r["body"].get("user") == "jipiao1"]
    assert [kind for kind, _ in changes] == ["user_created", "user_password_reset", "user_password_changed",
                                             "user_disabled", "user_enabled"]
    assert all(body.get("by", "staff:").startswith("staff:") for _, body in changes)
    log = (hall.data_dir / "audit-log" / "records.jsonl").read_text()
    assert generated not in log and fresh not in log and "a-new-secret-7" not in log


def test_docs_work_with_no_internet(hall: Hall) -> None:
    with hall.client() as client:
        page = client.get("/docs")
        assert page.status_code == 200
        html = page.text
        assert "cdn" not in html.lower() and "https://" not in html and "http://" not in html
        for asset in ("/static-docs/swagger-ui-bundle.js", "/static-docs/swagger-ui.css"):
            assert asset in html
            assert client.get(asset).status_code == 200
        assert "cdn" not in client.get("/redoc").text.lower()
        assert client.get("/openapi.json").json()["paths"]["/api/accounts"]


def test_qr_sheet_and_staff_page_carry_the_address_tablets_use(hall: Hall) -> None:
    with hall.client("staff") as staff:
        info = staff.get("/api/deployment").json()
        assert info["public_url"] == hall.url
        ca = x509.load_pem_x509_certificate(hall.ca_file.read_bytes())
        expected = ":".join(f"{b:02X}" for b in ca.fingerprint(hashes.SHA256()))
        assert info["tls"]["fingerprint"] == expected and info["tls"]["ca_url"] == f"{hall.url}/ca.crt"
        assert HALL_ADDRESS in info["tls"]["names"]
        assert info["audit_key"]["vkey"] == hall.vkey and info["audit_key"]["protection"] == "encrypted"
        download = staff.get("/ca.crt")
        assert download.headers["content-type"] == "application/x-x509-ca-cert"
        assert download.content == ca.public_bytes(serialization.Encoding.DER)
        qr = staff.get("/ca-qr.svg")
        assert qr.headers["content-type"].startswith("image/svg+xml")
        assert 'xmlns="http://www.w3.org/2000/svg"' in qr.text  # a whole document, for an <img>
        sheet = staff.post("/print/codes", data={"codes": json.dumps([{"code": "ABCDEFGH", "name": "王建国"}])})
        assert sheet.status_code == 200
        assert f"{hall.url}/tablet" in sheet.text and "127.0.0.1" not in sheet.text
        with hall.client("chair", None) as chair:
            assert chair.get("/api/deployment").status_code == 403


def test_the_signing_key_is_not_readable_in_clear(hall: Hall) -> None:
    key_file = hall.data_dir / "audit-key.pem"
    text = key_file.read_text()
    assert text.startswith("key-name: ") and "BEGIN ENCRYPTED PRIVATE KEY" in text
    assert key_file.stat().st_mode & 0o777 == 0o600
    phrase = hall.secrets / "audit-key.pass"
    assert phrase.stat().st_mode & 0o777 == 0o600 and not phrase.is_relative_to(hall.data_dir)
    assert not (hall.data_dir / signing_key.CLEAR_NAME).exists()
    settings = Settings.from_env({k: v for k, v in hall.env.items() if k.isupper()})
    signer = signing_key.load(settings, "unused")
    assert signer.vkey == hall.vkey
    seed = signer.private_key.private_bytes_raw()
    for path in hall.data_dir.rglob("*"):
        if path.is_file():
            content = path.read_bytes()
            assert seed not in content and base64.b64encode(b"\x01" + seed) not in content, path
    with pytest.raises(signing_key.KeyAtRestError, match="口令不对"):
        signing_key.load_encrypted(key_file, b"not the passphrase at all")
    # The local CA's key too: encrypted with the same passphrase, kept outside the data directory.
    ca_key = hall.ca_file.parent / tls.CA_KEY
    assert ca_key.read_bytes().startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----")
    assert ca_key.stat().st_mode & 0o777 == 0o600 and not ca_key.is_relative_to(hall.data_dir)
    assert tls.load_ca_key(ca_key.parent, phrase.read_bytes().strip()).public_key() == x509.load_pem_x509_certificate(
        hall.ca_file.read_bytes()).public_key()


def test_the_command_line_refuses_while_the_server_runs(hall: Hall) -> None:
    busy = run_cli(hall.env, "accounts", "reset-password", "chair")
    assert busy.returncode == 1 and "服务器正在运行" in busy.stderr and "The server is running" in busy.stderr
