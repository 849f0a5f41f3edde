"""Shared fixtures: real databases (SQLite and PostgreSQL) and a real server process.

Under ``CI=true`` a missing PostgreSQL or browser is a failure, never a skip.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from load.scratchdb import create_scratch_database, drop_scratch_database

ROOT = Path(__file__).resolve().parents[1]
PG_ADMIN_URL = os.environ.get("PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/test")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def unavailable(reason: str) -> None:
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: required, not skipped)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def postgres_admin() -> str:
    try:
        import psycopg

        with psycopg.connect(PG_ADMIN_URL, connect_timeout=5):
            pass
    except Exception as error:  # pragma: no cover - depends on the machine
        unavailable(f"PostgreSQL unreachable at {PG_ADMIN_URL}: {error}")
    return PG_ADMIN_URL


def fresh_postgres_database(admin_url: str) -> tuple[str, str]:
    return create_scratch_database(admin_url, "renda_test")


def drop_postgres_database(admin_url: str, name: str) -> None:
    drop_scratch_database(admin_url, name)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'db.sqlite3'}"
        return
    admin = request.getfixturevalue("postgres_admin")
    name, url = fresh_postgres_database(admin)
    try:
        yield url
    finally:
        drop_postgres_database(admin, name)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class ServerProcess:
    url: str
    data_dir: Path
    database_url: str
    process: subprocess.Popen[bytes]
    log_path: Path
    env: dict[str, str]
    port: int

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def __enter__(self) -> ServerProcess:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    def kill(self) -> None:
        """kill -9: no shutdown, no flush."""
        self.process.kill()
        self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:  # pragma: no cover
                self.kill()

    def restart(self) -> None:
        self.stop()
        self.process = start_process(self.env, self.port, self.log_path)
        wait_ready(self)


def start_process(env: dict[str, str], port: int, log_path: Path) -> subprocess.Popen[bytes]:
    handle = log_path.open("ab")
    return subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "server.app:create_app", "--factory", "--host", "127.0.0.1",
         "--port", str(port), "--ws", "websockets-sansio", "--no-access-log", "--log-level", "warning"],
        cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT,
    )


def wait_ready(server: ServerProcess, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"server exited:\n{server.log()}")
        try:
            if httpx.get(f"{server.url}/api/audit/vkey", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"server did not start:\n{server.log()}")


def launch(data_dir: Path, database_url: str, *, demo: bool = True) -> ServerProcess:
    port = free_port()
    env = {**os.environ, "DATA_DIR": str(data_dir), "DATABASE_URL": database_url, "DEMO": "1" if demo else "0",
           "PYTHONUNBUFFERED": "1"}
    log_path = data_dir.parent / f"{data_dir.name}-server.log"
    data_dir.mkdir(parents=True, exist_ok=True)
    server = ServerProcess(f"http://127.0.0.1:{port}", data_dir, database_url,
                           start_process(env, port, log_path), log_path, env, port)
    wait_ready(server)
    return server


def launch_sqlite(base: Path, *, demo: bool = True) -> ServerProcess:
    """A server on a SQLite file of its own in ``base``."""
    return launch(base / "data", f"sqlite:///{base / 'db.sqlite3'}", demo=demo)


@pytest.fixture
def server(tmp_path: Path, database_url: str) -> Iterator[ServerProcess]:
    with launch(tmp_path / "data", database_url) as proc:
        yield proc
