"""The deployment's pieces without a server: the start checks (demo, published passwords, a clear
signing key, no accounts), the plain-HTTP refusal off the loopback, the signing key at rest, the
local CA (name constraints, renewal) and the password rule."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import socket
import ssl
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509

from server import passwords, security, signing_key, tls
from server.config import Settings
from server.db import make_engine, migrate, session_factory
from server.deployment import UnsafeStart, check_start
from server.errors import ServerError
from server.models import User
from server.network import RefusePlainOffLoopback, interface_addresses, is_loopback, public_url
from tests.conftest import ROOT

HALL = "192.0.2.2"


def settings(base: Path, **values: Any) -> Settings:
    return Settings(data_dir=base / "data", **values)


def add_user(config: Settings, username: str, password_hash: str, *, disabled: bool = False) -> None:
    config.data_dir.mkdir(parents=True, exist_ok=True)
    migrate(config.database_url)
    engine = make_engine(config.database_url)
    with session_factory(engine)() as session:
        session.add(User(username=username, display_name=username, role="staff", password_hash=password_hash,
                         disabled=disabled))
        session.commit()
    engine.dispose()


def test_the_demo_runs_on_the_loopback_and_never_on_the_hall_network(tmp_path: Path) -> None:
    assert check_start(settings(tmp_path / "a")).fresh  # DEMO=1 on 127.0.0.1: the try-it-now demo
    with pytest.raises(UnsafeStart, match=r"(?s)拒绝启动.*DEMO.*Refusing to start"):
        check_start(settings(tmp_path / "b", host=HALL))
    with pytest.raises(UnsafeStart, match=r"(?s)init.*python -m server init"):
        check_start(settings(tmp_path / "c", demo=False))  # nobody could sign in


def test_a_published_password_or_a_clear_key_keeps_the_server_off_the_hall_network(tmp_path: Path) -> None:
    demo_hash = security.hash_password(passwords.DEMO_ACCOUNTS["staff"][2])
    other_hash = security.hash_password("a-chosen-password-9")
    phrase = str(tmp_path / "secrets" / "pass")
    published = settings(tmp_path / "demo", host=HALL, audit_key_passphrase_file=phrase)
    add_user(published, "staff", demo_hash)
    add_user(published, "auditor", other_hash)
    with pytest.raises(UnsafeStart, match=r"(?s)staff.*reset-password.*accounts staff still have"):
        check_start(published)
    assert check_start(settings(tmp_path / "demo")).published == []  # on the loopback: the demo, allowed

    disabled = settings(tmp_path / "off", host=HALL, audit_key_passphrase_file=phrase)
    add_user(disabled, "staff", demo_hash, disabled=True)
    add_user(disabled, "zhang", other_hash)
    assert check_start(disabled).published == []  # a disabled demo account cannot sign in

    clear = settings(tmp_path / "clear", host=HALL, demo=False)
    add_user(clear, "staff", other_hash)
    with pytest.raises(UnsafeStart, match=r"(?s)签名密钥.*明文.*AUDIT_KEY_PASSPHRASE_FILE"):
        check_start(clear)
    outside = settings(tmp_path / "clear", host=HALL, demo=False, audit_key_file=str(tmp_path / "keys" / "k"),
                       tls_dir=str(tmp_path / "keys" / "tls"))
    assert check_start(outside).accounts == 1


def test_a_clear_ca_key_in_the_data_directory_keeps_the_server_off_the_hall_network(tmp_path: Path) -> None:
    """The local CA's key is protected like the signing key: encrypted with a passphrase kept outside
    DATA_DIR, or kept outside DATA_DIR (TLS_DIR); a copy of the data alone must not give it away."""
    base = dict(host=HALL, demo=False, audit_key_file=str(tmp_path / "keys" / "k"))
    clear = settings(tmp_path / "d", **base)
    add_user(clear, "staff", security.hash_password("a-chosen-password-9"))
    with pytest.raises(UnsafeStart, match=r"(?s)证书颁发机构的私钥.*明文.*TLS_CA_PASSPHRASE_FILE.*TLS_DIR"):
        check_start(clear)
    assert check_start(settings(tmp_path / "d", **base, tls_dir=str(tmp_path / "tls"))).accounts == 1
    assert check_start(settings(tmp_path / "d", **base,
                                tls_ca_passphrase_file=str(tmp_path / "secrets" / "ca.pass"))).accounts == 1
    assert check_start(settings(tmp_path / "d", **{**base, "host": "127.0.0.1"})).accounts == 1  # no TLS there


def test_the_ca_key_is_encrypted_at_rest_and_a_clear_one_is_encrypted_once_a_passphrase_is_set(
        tmp_path: Path) -> None:
    phrase = tmp_path / "secrets" / "audit-key.pass"
    config = settings(tmp_path, host=HALL, audit_key_passphrase_file=str(phrase))  # the CA shares it by default
    made = tls.prepare(config)
    directory = tls.tls_dir(config)
    assert phrase.exists() and tls.ca_key_encrypted(directory)
    assert b"ENCRYPTED PRIVATE KEY" in (directory / tls.CA_KEY).read_bytes()
    assert (directory / tls.CA_KEY).stat().st_mode & 0o777 == 0o600
    with pytest.raises(tls.TlsError, match="TLS_CA_PASSPHRASE_FILE"):
        tls.prepare(settings(tmp_path, host=HALL, tls_names="10.1.2.3"))  # a renewal needs the passphrase
    renewed = tls.prepare(settings(tmp_path, host=HALL, tls_names="10.1.2.3", audit_key_passphrase_file=str(phrase)))
    assert renewed.fingerprint == made.fingerprint and "10.1.2.3" in renewed.names
    assert _handshake(renewed.cert_file, renewed.key_file, renewed.ca_file or Path(), "10.1.2.3") == "ok"
    phrase.write_text("another-passphrase-of-enough-length\n")
    with pytest.raises(tls.TlsError, match="wrong passphrase"):
        tls.prepare(settings(tmp_path, host=HALL, tls_names="10.9.9.9", audit_key_passphrase_file=str(phrase)))

    # A CA made in clear (before a passphrase was set) is encrypted in place at the next start.
    older = settings(tmp_path / "older", host=HALL)
    first = tls.prepare(older)
    assert not tls.ca_key_encrypted(tls.tls_dir(older))
    own = tmp_path / "secrets" / "ca.pass"
    again = tls.prepare(settings(tmp_path / "older", host=HALL, tls_ca_passphrase_file=str(own)))
    assert tls.ca_key_encrypted(tls.tls_dir(older)) and again.fingerprint == first.fingerprint
    with pytest.raises(tls.TlsError, match="DATA_DIR"):  # the passphrase beside the data it protects
        tls.prepare(settings(tmp_path / "older", host=HALL,
                             tls_ca_passphrase_file=str(tmp_path / "older" / "data" / "ca.pass")))


def test_python_m_server_refuses_with_a_message_in_chinese_and_english(tmp_path: Path) -> None:
    env = {**os.environ, "DATA_DIR": str(tmp_path / "data"), "HOST": HALL, "PORT": "8443", "DEMO": "1",
           "DATABASE_URL": ""}
    done = subprocess.run([sys.executable, "-m", "server"], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 2
    assert "拒绝启动" in done.stderr and "Refusing to start" in done.stderr and "scripts/deploy.sh" in done.stderr
    assert "Uvicorn running" not in done.stdout + done.stderr


def test_plain_requests_arriving_off_the_loopback_are_refused_before_any_route() -> None:
    reached: list[str] = []

    async def app(scope: dict[str, Any], _receive: Any, _send: Any) -> None:
        reached.append(scope["scheme"])

    async def call(scheme: str, server: tuple[str, int | None], kind: str = "http") -> list[dict[str, Any]]:
        sent: list[dict[str, Any]] = []

        async def send(message: dict[str, Any]) -> None:
            sent.append(message)

        await RefusePlainOffLoopback(app)({"type": kind, "scheme": scheme, "server": server}, None, send)
        return sent

    refused = asyncio.run(call("http", (HALL, 8000)))
    assert refused[0]["status"] == 403 and "HTTPS" in refused[1]["body"].decode()
    assert asyncio.run(call("ws", (HALL, 8000), "websocket"))[0]["type"] == "websocket.close"
    for scheme, server in (("https", (HALL, 8443)), ("http", ("127.0.0.1", 8000)), ("http", ("::1", 8000)),
                           ("http", ("/run/renda.sock", None))):
        assert asyncio.run(call(scheme, server)) == []
    assert reached == ["https", "http", "http", "http"]


def test_loopback_and_the_address_tablets_use() -> None:
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback(HALL) and not is_loopback("renda.local")
    assert public_url(Settings(host="127.0.0.1")) is None  # the demo: the request's own address
    assert public_url(Settings(host=HALL, port=8443)) == f"https://{HALL}:8443"
    addresses = interface_addresses()
    if addresses:  # all interfaces: this machine's first address
        assert public_url(Settings(host="0.0.0.0", port=8443)) == f"https://{addresses[0]}:8443"
    assert public_url(Settings(host=HALL, public_url="https://renda.local/")) == "https://renda.local"


# -- the signing key at rest -----------------------------------------------------------------------
def test_encrypted_key_made_loaded_rekeyed_and_a_clear_key_protected(tmp_path: Path) -> None:
    phrase = tmp_path / "outside" / "pass"
    config = settings(tmp_path, audit_key_passphrase_file=str(phrase))
    signer = signing_key.load(config, "renda.local")
    path = signing_key.key_file(config)
    assert path == config.data_dir / "audit-key.pem" and signing_key.protection(config) == "encrypted"
    assert phrase.stat().st_mode & 0o777 == 0o600 and path.stat().st_mode & 0o777 == 0o600
    assert signer.private_key.private_bytes_raw() not in path.read_bytes()
    assert signing_key.load(config, "ignored").vkey == signer.vkey  # the name comes from the file

    old = phrase.read_bytes()
    signing_key.change_passphrase(config)
    assert phrase.read_bytes() != old and signing_key.load(config, "x").vkey == signer.vkey
    with pytest.raises(signing_key.KeyAtRestError, match="wrong passphrase"):
        signing_key.load_encrypted(path, old.strip())

    # a change that stopped between its two renames (new key in place, new passphrase beside the old one)
    current = phrase.read_bytes()
    pending = b"a-passphrase-from-an-unfinished-change"
    (path.parent / (path.name + ".new")).write_bytes(signing_key.encrypted_pem(signer, pending))
    (path.parent / (path.name + ".new")).chmod(0o600)
    os.replace(path.parent / (path.name + ".new"), path)
    (phrase.parent / (phrase.name + ".new")).write_bytes(pending + b"\n")
    assert signing_key.load(config, "x").vkey == signer.vkey and phrase.read_bytes().strip() == pending
    assert current != phrase.read_bytes()

    clear_config = settings(tmp_path / "old")
    clear_signer = signing_key.load(clear_config, "renda.local")
    assert signing_key.protection(clear_config) == "clear"
    upgraded = settings(tmp_path / "old", audit_key_passphrase_file=str(tmp_path / "outside" / "old-pass"))
    with pytest.raises(signing_key.KeyAtRestError, match="key protect"):
        signing_key.load(upgraded, "renda.local")
    signing_key.protect(upgraded)
    assert not (clear_config.data_dir / signing_key.CLEAR_NAME).exists()
    assert signing_key.load(upgraded, "renda.local").vkey == clear_signer.vkey


def test_a_passphrase_inside_the_data_directory_or_readable_by_others_is_refused(tmp_path: Path) -> None:
    inside = settings(tmp_path, audit_key_passphrase_file=str(tmp_path / "data" / "pass"))
    with pytest.raises(signing_key.KeyAtRestError, match="outside DATA_DIR"):
        signing_key.load(inside, "renda.local")
    phrase = tmp_path / "pass"
    phrase.write_text("a long enough passphrase for this\n")
    phrase.chmod(0o644)
    with pytest.raises(signing_key.KeyAtRestError, match="chmod 600"):
        signing_key.load(settings(tmp_path, audit_key_passphrase_file=str(phrase)), "renda.local")


# -- the local CA ----------------------------------------------------------------------------------
def _handshake(cert_file: Path, key_file: Path, ca_file: Path, name: str) -> str:
    """Serve one TLS handshake on 127.0.0.1 and connect to it as ``name``; 'ok' or the error."""
    server_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_context.load_cert_chain(cert_file, key_file)
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()

        def accept() -> None:
            conn, _ = listener.accept()
            try:
                with server_context.wrap_socket(conn, server_side=True) as tls_conn:
                    tls_conn.recv(1)
            except (ssl.SSLError, OSError):
                pass

        thread = threading.Thread(target=accept, daemon=True)
        thread.start()
        client_context = ssl.create_default_context(cafile=str(ca_file))
        try:
            with socket.create_connection(listener.getsockname(), timeout=10) as raw, \
                    client_context.wrap_socket(raw, server_hostname=name) as conn:
                conn.send(b"x")
                return "ok"
        except ssl.SSLError as error:
            return str(error)
        finally:
            thread.join(timeout=10)


def test_the_local_ca_vouches_for_the_hall_only(tmp_path: Path) -> None:
    config = settings(tmp_path, host=HALL, port=8443, tls_names="renda.local")
    made = tls.prepare(config)
    assert made.mode == "local-ca" and {HALL, "renda.local", "127.0.0.1", "localhost"} <= set(made.names)
    assert _handshake(made.cert_file, made.key_file, made.ca_file or Path(), "renda.local") == "ok"
    assert _handshake(made.cert_file, made.key_file, made.ca_file or Path(), "127.0.0.1") == "ok"
    # whoever steals ca.key can sign for a bank; a tablet that installed the CA still says no
    directory = tls.tls_dir(config)
    tls.make_server_cert(directory, ["bank.example.com"])
    assert "permitted subtree violation" in _handshake(directory / tls.SERVER_CERT, directory / tls.SERVER_KEY,
                                                       made.ca_file or Path(), "bank.example.com")
    with pytest.raises(tls.TlsError, match=r"cannot vouch for bank\.example\.com"):
        tls.prepare(settings(tmp_path, host=HALL, tls_names="bank.example.com"))


def test_the_server_certificate_is_renewed_by_the_same_ca(tmp_path: Path) -> None:
    config = settings(tmp_path, host=HALL)
    first = tls.prepare(config)
    again = tls.prepare(config)
    assert again.not_after == first.not_after  # nothing to do
    more = tls.prepare(settings(tmp_path, host=HALL, tls_names="10.1.2.3"))
    assert more.fingerprint == first.fingerprint and "10.1.2.3" in more.names  # same CA, new names
    later = tls.prepare(settings(tmp_path, host=HALL, tls_names="10.1.2.3"),
                        now=first.not_after.astimezone(dt.UTC) - dt.timedelta(days=10))
    assert later.not_after > first.not_after and later.fingerprint == first.fingerprint
    leaf = x509.load_pem_x509_certificates(later.cert_file.read_bytes())
    assert len(leaf) == 2 and leaf[1].subject == leaf[0].issuer  # leaf, then the CA


def test_a_certificate_you_give_is_used_as_it_is(tmp_path: Path) -> None:
    made = tls.prepare(settings(tmp_path / "ca", host=HALL))
    given = tls.prepare(settings(tmp_path, host=HALL, tls_cert_file=str(made.cert_file),
                                 tls_key_file=str(made.key_file)))
    assert given.mode == "given" and given.ca_file is None and given.cert_file == made.cert_file
    with pytest.raises(tls.TlsError, match="both"):
        tls.prepare(settings(tmp_path, host=HALL, tls_cert_file=str(made.cert_file)))


# -- passwords -------------------------------------------------------------------------------------
def test_generated_passwords_and_the_rule_for_chosen_ones() -> None:
    generated = {passwords.generate() for _ in range(50)}
    assert len(generated) == 50
    for password in generated:
        assert len(password) == 14 and password.count("-") == 2
        assert set(password.replace("-", "")) <= set(security.CODE_ALPHABET)
        passwords.check_new(password, "staff")
    for bad, code in (("short", "weak_password"), ("demo-staff-2026", "published_password"),
                      ("1234567890", "weak_password"), ("aaaaaaaaaaaa", "weak_password"),
                      ("zhang.wei.01", "weak_password")):
        with pytest.raises(ServerError) as refused:
            passwords.check_new(bad, "zhang.wei.01")
        assert refused.value.code == code, bad
