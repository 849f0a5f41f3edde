"""A deployment over real sockets, for tests/server/test_deployment.py and the browser test:
``python -m server init`` then ``python -m server`` bound to this machine's hall-network address."""

from __future__ import annotations

import contextlib
import functools
import json
import os
import socket
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import ROOT

HALL_ADDRESS = "192.0.2.2"  # this machine's own address on eth0; nothing else is ever used


def hall_port() -> int:
    with socket.socket() as sock:
        try:
            sock.bind((HALL_ADDRESS, 0))
        except OSError:
            pytest.skip(f"{HALL_ADDRESS} is not an address of this machine")
        return int(sock.getsockname()[1])


def run_cli(env: dict[str, str], *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "server", *args], cwd=ROOT, env=env, input=stdin,
                          capture_output=True, text=True, timeout=120)


@dataclass
class Hall:
    url: str
    env: dict[str, str]
    data_dir: Path
    secrets: Path
    ca_file: Path
    passwords: dict[str, str]
    vkey: str
    process: subprocess.Popen[bytes]
    log_path: Path

    @functools.cached_property
    def tls(self) -> ssl.SSLContext:
        """The one TLS context of these tests: it trusts the generated CA and nothing else."""
        return ssl.create_default_context(cafile=str(self.ca_file))

    def client(self, username: str | None = None, password: str | None = None) -> httpx.Client:
        client = httpx.Client(base_url=self.url, verify=self.tls, timeout=60)
        if username is not None:
            with httpx.Client(base_url=self.url, verify=self.tls, timeout=60) as once:
                token = login(once, username, password or self.passwords[username])
            client.headers["Authorization"] = f"Bearer {token}"
        return client

    def records(self) -> list[dict[str, Any]]:
        lines = (self.data_dir / "audit-log" / "records.jsonl").read_bytes().splitlines()
        return [json.loads(line) for line in lines]


def login(client: httpx.Client, username: str, password: str) -> str:
    response = client.post("/api/login", json={"username": username, "password": password})
    assert response.status_code == 200, response.text
    client.cookies.clear()
    return str(response.json()["token"])


@contextlib.contextmanager
def deployed(base: Path, accounts: str = "staff,chair") -> Iterator[Hall]:
    """``python -m server init --accounts …`` then ``python -m server`` on the hall address, HTTPS,
    no demo, the signing key encrypted (passphrase and CA outside DATA_DIR), until the block ends."""
    port = hall_port()
    data_dir, secrets = base / "data", base / "secrets"
    env = {**os.environ, "DATA_DIR": str(data_dir), "DATABASE_URL": "", "DEMO": "0", "HOST": HALL_ADDRESS,
           "PORT": str(port), "TLS_DIR": str(secrets / "tls"), "PYTHONUNBUFFERED": "1",
           "AUDIT_KEY_PASSPHRASE_FILE": str(secrets / "audit-key.pass")}
    for variable in ("PUBLIC_URL", "TLS_CERT_FILE", "TLS_KEY_FILE", "TLS_NAMES", "AUDIT_KEY_FILE"):
        env.pop(variable, None)
    first = run_cli(env, "init", "--accounts", accounts, "--json")
    assert first.returncode == 0, first.stderr
    made = json.loads(first.stdout)
    passwords = {a["username"]: a["password"] for a in made["accounts"]}
    log_path = base / "server.log"
    with log_path.open("ab") as handle:
        process = subprocess.Popen([sys.executable, "-m", "server"], cwd=ROOT, env=env, stdout=handle,
                                   stderr=subprocess.STDOUT)
    room = Hall(f"https://{HALL_ADDRESS}:{port}", env, data_dir, secrets, secrets / "tls" / "ca.crt", passwords,
                made["audit_key"]["vkey"], process, log_path)
    try:
        deadline = time.monotonic() + 90
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"server exited:\n{log_path.read_text(errors='replace')}")
            try:
                if room.ca_file.exists() and httpx.get(f"{room.url}/api/health", verify=room.tls,
                                                       timeout=2).status_code == 200:
                    break
            except (httpx.HTTPError, ssl.SSLError):
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"server did not start:\n{log_path.read_text(errors='replace')}")
            time.sleep(0.2)
        yield room
    finally:
        process.terminate()
        process.wait(timeout=30)
