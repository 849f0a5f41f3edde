"""Shared fixtures: real databases (SQLite and PostgreSQL), a demo congress made once per test
session and copied per test, and a real server -- in this process or in a process of its own.

- ``database_kind`` is parametrised over SQLite and PostgreSQL; ``database_url`` is an empty
  database of that kind, ``deployment`` a copy of the demo congress (database + DATA_DIR).
- ``server`` is the application served by uvicorn on a thread of the test process: real HTTP and
  real WebSockets on 127.0.0.1, without starting an interpreter, importing and migrating per test.
- :func:`launch` starts ``uvicorn`` in a process of its own, for the tests where the process
  matters: kill -9, a server that refuses to start, fan-out timing, browsers, load tools.

Under ``CI=true`` a missing PostgreSQL or browser is a failure, never a skip.

Coverage: scripts/test.sh requires 100 % branch coverage of tally/, audit/ and ballotcrypto/,
and their own tests (tests/tally/, tests/audit/, tests/ballotcrypto/) reach it alone. The other
tests (server, reliability, browser, load) still run every one, but their calls are not traced
(pytest-cov's ``no_cover``, set by :func:`pytest_collection_modifyitems`): on Python 3.11 the
tracer is called at every Python call of the test process, measured or not, which made the
code it does not measure -- the in-process server, Hypothesis, schemathesis, Playwright's Python
side -- 2-4 times slower. Not tracing can only lower the coverage measured, never raise it: a
branch of those packages reached only from the other tests fails the 100 % check, and wants a
test of its own package.
"""

from __future__ import annotations

import asyncio
import dataclasses
import gc
import os
import secrets
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Self

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


# -- CI=true: nothing may be skipped -------------------------------------------------------------

_skipped: list[str] = []


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Note skips (under pytest-xdist the reports of every worker reach the controller here)."""
    if report.skipped and not hasattr(report, "wasxfail"):
        _skipped.append(report.nodeid)


def pytest_collectreport(report: pytest.CollectReport) -> None:
    if report.skipped:  # a whole module skipped (pytest.importorskip)
        _skipped.append(report.nodeid)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if IN_CI and _skipped and not hasattr(session.config, "workerinput") and exitstatus == 0:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    if IN_CI and _skipped and not hasattr(config, "workerinput"):
        terminalreporter.write_line(f"CI=true: {len(_skipped)} test(s) skipped, which fails the run: "
                                    + ", ".join(_skipped[:10]), red=True)


# -- coverage is traced in the measured packages' own tests -------------------------------------

#: the test folders whose calls coverage traces: those of the packages it measures (scripts/test.sh)
TRACED_FOLDERS = {"tally", "audit", "ballotcrypto"}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Every test outside the measured packages' own folders runs untraced (module docstring)."""
    if not config.pluginmanager.hasplugin("_cov"):  # pytest-cov absent or disabled: no mark to set
        return
    tests = ROOT / "tests"
    for item in items:
        folders = item.path.relative_to(tests).parts[:-1]
        if folders and folders[0] not in TRACED_FOLDERS:
            item.add_marker(pytest.mark.no_cover)


# -- one TLS context for every HTTP client of the tests ---------------------------------------------


@pytest.fixture(autouse=True, scope="session")
def one_tls_context() -> Iterator[None]:
    """Every httpx client builds a TLS context when it is made, loading the whole CA bundle
    (~20 ms), although the tests speak plain HTTP to 127.0.0.1: with a terminal per deputy
    (``TerminalClient.sign_in``) and a client per ``httpx.post``, that was over half the CPU time
    of the test process in a session test. The clients made in the tests share one, made once."""
    from httpx._transports import default as transports

    make = transports.create_ssl_context  # type: ignore[attr-defined]  # httpx's own, imported there
    shared = make()

    def create_ssl_context(verify: Any = True, cert: Any = None, trust_env: bool = True) -> Any:
        if verify is True and cert is None and trust_env:
            return shared
        return make(verify=verify, cert=cert, trust_env=trust_env)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(transports, "create_ssl_context", create_ssl_context)
        yield


# -- databases -----------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def postgres_admin() -> str:
    try:
        import psycopg

        with psycopg.connect(PG_ADMIN_URL, connect_timeout=5):
            pass
    except Exception as error:  # pragma: no cover - depends on the machine
        unavailable(f"PostgreSQL unreachable at {PG_ADMIN_URL}: {error}")
    return PG_ADMIN_URL


def fresh_postgres_database(admin_url: str, template: str | None = None) -> tuple[str, str]:
    if template is None:
        return create_scratch_database(admin_url, "renda_test")
    import psycopg

    name = f"renda_test_{secrets.token_hex(6)}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    return name, f"{admin_url.rsplit('/', 1)[0]}/{name}"


def drop_postgres_database(admin_url: str, name: str) -> None:
    drop_scratch_database(admin_url, name)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_kind(request: pytest.FixtureRequest) -> str:
    """Each test that uses a database runs on both: SQLite and PostgreSQL."""
    kind: str = request.param
    if kind == "postgres":
        request.getfixturevalue("postgres_admin")
    return kind


@pytest.fixture
def database_url(database_kind: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database."""
    if database_kind == "sqlite":
        yield f"sqlite:///{tmp_path / 'db.sqlite3'}"
        return
    admin = request.getfixturevalue("postgres_admin")
    name, url = fresh_postgres_database(admin)
    try:
        yield url
    finally:
        drop_postgres_database(admin, name)


# -- the demo congress, made once and copied --------------------------------------------------------


@dataclass(frozen=True)
class Deployment:
    """What a server runs on: its DATA_DIR (audit key and log) and its database."""

    data_dir: Path
    database_url: str


def server_settings(deployment: Deployment, *, demo: bool = True) -> Any:
    """The settings a server process gets from its environment (server/config.py)."""
    from server.config import Settings

    return Settings.from_env({**os.environ, "DATA_DIR": str(deployment.data_dir),
                              "DATABASE_URL": deployment.database_url, "DEMO": "1" if demo else "0"})


def run_lifespan(settings: Any) -> None:
    """Start the application and shut it down cleanly, without serving: on a fresh DATA_DIR and
    database this is a server's first start (migrations, audit key and log, the demo congress)."""
    from server.app import create_app

    app = create_app(settings)

    async def once() -> None:
        async with app.router.lifespan_context(app):
            pass

    failures: list[BaseException] = []

    def main() -> None:  # a thread of its own: the caller may be inside an event loop (Playwright's)
        try:
            asyncio.run(once())
        except BaseException as error:
            failures.append(error)

    thread = threading.Thread(target=main, name="seed")
    thread.start()
    thread.join()
    if failures:
        raise failures[0]




def cheapen_demo_passwords(database_url: str) -> None:
    """Re-hash the demo accounts' passwords (the same passwords) with argon2's cheapest parameters."""
    from server.passwords import DEMO_ACCOUNTS

    cheapen_passwords(database_url, {username: password for username, (_display, _role, password)
                                     in DEMO_ACCOUNTS.items()})


def cheapen_passwords(database_url: str, passwords: dict[str, str]) -> None:
    """Re-hash these accounts' passwords (the same passwords) with argon2's cheapest parameters."""
    from argon2 import PasswordHasher
    from sqlalchemy import create_engine, text

    from server.db import normalise_url

    # argon2 as cheap as it goes (1 pass over 1 MiB). Verifying reads the parameters from the stored
    # hash, so a server checks these in ~1 ms of CPU where the demo's own (argon2-cffi's defaults:
    # 3 passes over 64 MiB) cost ~0.45 s here -- at every staff, chair, scrutineer and auditor login.
    hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    engine = create_engine(normalise_url(database_url))
    try:
        with engine.begin() as conn:
            for username, password in passwords.items():
                changed = conn.execute(text("UPDATE users SET password_hash = :h WHERE username = :u"),
                                       {"h": hasher.hash(password), "u": username}).rowcount
                assert changed == 1, username
    finally:
        engine.dispose()


@dataclass
class Seeds:
    """The demo congress as a server's first start leaves it -- migrated, with the demo loaded,
    shut down cleanly -- made at most once per test session and database kind, then copied for
    each test: the files for SQLite, ``CREATE DATABASE … TEMPLATE`` for PostgreSQL. A server
    started on a copy finds the database and the audit log consistent (server/ledger.py) and the
    demo already there, so it skips straight to serving. One change: the demo accounts' password
    hashes are cheap ones (:func:`cheapen_demo_passwords`)."""

    base: Path
    request: pytest.FixtureRequest
    made: dict[str, Deployment] = field(default_factory=dict)
    admin_url: str | None = None  # PostgreSQL's, once a copy on it was asked for
    template_names: list[str] = field(default_factory=list)

    def admin(self) -> str:
        if self.admin_url is None:
            self.admin_url = str(self.request.getfixturevalue("postgres_admin"))
        return self.admin_url

    def seed(self, kind: str) -> Deployment:
        if kind not in self.made:
            home = self.base / kind
            if kind == "sqlite":
                url = f"sqlite:///{home / 'db.sqlite3'}"
            else:
                name, url = fresh_postgres_database(self.admin())
                self.template_names.append(name)
            seed = Deployment(home / "data", url)
            run_lifespan(server_settings(seed))
            cheapen_demo_passwords(seed.database_url)
            self.made[kind] = seed
        return self.made[kind]

    def copy(self, kind: str, into: Path) -> Deployment:
        seed = self.seed(kind)
        data_dir = into / "data"
        shutil.copytree(seed.data_dir, data_dir)
        if kind == "sqlite":
            source = Path(seed.database_url.removeprefix("sqlite:///"))
            target = into / "db.sqlite3"
            for suffix in ("", "-wal", "-shm"):
                if Path(f"{source}{suffix}").exists():
                    shutil.copy2(f"{source}{suffix}", f"{target}{suffix}")
            return Deployment(data_dir, f"sqlite:///{target}")
        _name, url = fresh_postgres_database(self.admin(), template=seed.database_url.rsplit("/", 1)[1])
        return Deployment(data_dir, url)

    def drop(self, deployment: Deployment) -> None:
        if not deployment.database_url.startswith("sqlite"):
            drop_postgres_database(self.admin(), deployment.database_url.rsplit("/", 1)[1])

    def close(self) -> None:
        for name in self.template_names:
            drop_postgres_database(self.admin(), name)


@pytest.fixture(scope="session")
def seeds(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> Iterator[Seeds]:
    made = Seeds(tmp_path_factory.mktemp("seed"), request)
    try:
        yield made
    finally:
        made.close()


@pytest.fixture
def deployment(database_kind: str, seeds: Seeds, tmp_path: Path) -> Iterator[Deployment]:
    """A copy of the demo congress of its own for this test, on the database kind of the test."""
    copy = seeds.copy(database_kind, tmp_path)
    try:
        yield copy
    finally:
        seeds.drop(copy)


# -- servers -------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


#: how long a test server keeps an idle HTTP connection: the tests' clients keep theirs across
#: long steps (a crawl of every route, a verification), and with uvicorn's 5 s the server could
#: close one just as the client reused it -- the request then fails (reset by peer, or
#: disconnected without a response), a flake seen in CI on SQLite and PostgreSQL alike
TEST_KEEP_ALIVE_S = 300


class RunningServer:
    """A server the tests talk to over real HTTP and WebSockets at ``url``."""

    url: str
    data_dir: Path
    database_url: str
    port: int

    def stop(self) -> None:
        raise NotImplementedError

    def restart(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()


class InProcessServer(RunningServer):
    """The application (``server.app.create_app``) served by uvicorn on a thread of this process,
    with the options of the server process (:func:`start_process`): same protocol classes, real
    sockets, a real lifespan. What it saves is the interpreter, the imports and the process."""

    def __init__(self, deployment: Deployment, *, demo: bool = True) -> None:
        self.data_dir = deployment.data_dir
        self.database_url = deployment.database_url
        # the writer's picture kept apart and compared with the loop's at every stop (server processes
        # run with the default: one picture)
        self.settings = dataclasses.replace(server_settings(deployment, demo=demo), writer_picture_copy=True)
        self.port = 0
        self.url = ""
        self.app: Any = None
        self._uvicorn: Any = None
        self._thread: threading.Thread | None = None
        self._failure: BaseException | None = None
        self.start()

    def start(self, timeout: float = 60.0) -> None:
        import uvicorn

        from server.app import create_app

        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", self.port))  # 0 the first time; the same port again on a restart
        self.port = int(sock.getsockname()[1])
        self.url = f"http://127.0.0.1:{self.port}"
        self.app = create_app(self.settings)
        # The application's collector policy (server/gcpolicy.py) starts with a full collection and
        # freezes what survives: in a server process that is its own start-up, in this process the
        # whole test session's heap. Frozen first (cheap: nothing is traced), it stays out of that
        # collection; the policy's uninstall at shutdown unfreezes everything, as it would anyway.
        gc.freeze()
        config = uvicorn.Config(self.app, host="127.0.0.1", port=self.port, ws="websockets-sansio",
                                ws_per_message_deflate=False, access_log=False, log_config=None,
                                log_level="warning", timeout_graceful_shutdown=20,
                                timeout_keep_alive=TEST_KEEP_ALIVE_S)
        self._uvicorn = server = uvicorn.Server(config)
        self._failure = None

        def serve() -> None:
            try:
                server.run(sockets=[sock])
            except BaseException as error:  # SystemExit when the application fails to start
                self._failure = error
            finally:
                sock.close()

        self._thread = threading.Thread(target=serve, name=f"server-{self.port}", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not server.started:
            if not self._thread.is_alive():
                raise RuntimeError(f"server did not start: {self._failure!r}")
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("server did not start in time")
            time.sleep(0.01)

    @property
    def runtime(self) -> Any:
        """What the running application holds (its writer, ledger, live state)."""
        return self.app.state.runtime

    def stop(self) -> None:
        """A graceful shutdown, as on SIGTERM: sockets closed, the writer stopped, the log closed --
        once the writer's picture and the loop's are found equal (:func:`pictures_agree`)."""
        thread = self._thread
        if thread is None:
            return
        rt = getattr(self.app.state, "runtime", None) if self._failure is None and self.app is not None else None
        if rt is not None and rt.loop is not None and rt.loop.is_running():
            asyncio.run_coroutine_threadsafe(pictures_agree(rt), rt.loop).result(60)
        self._uvicorn.should_exit = True
        thread.join(timeout=60)
        if thread.is_alive():  # pragma: no cover - a shutdown that hangs
            self._uvicorn.force_exit = True
            thread.join(timeout=30)
        self._thread = None
        if self._failure is not None and not isinstance(self._failure, SystemExit):
            raise RuntimeError("the server failed") from self._failure

    def restart(self) -> None:
        self.stop()
        self.start()


class ForkedProcess:
    """A server process forked from the fork server (tests/forked_server.py), with the methods of
    ``subprocess.Popen`` that the tests use."""

    def __init__(self, process: Any) -> None:
        self._process = process

    @property
    def pid(self) -> int:
        return int(self._process.pid)

    def poll(self) -> int | None:
        code: int | None = self._process.exitcode  # -9 after SIGKILL, as Popen has it
        return code

    def wait(self, timeout: float | None = None) -> int:
        self._process.join(timeout)
        code = self.poll()
        if code is None:
            raise subprocess.TimeoutExpired("server", timeout or 0)
        return code

    def terminate(self) -> None:
        self._process.terminate()

    def kill(self) -> None:
        self._process.kill()


_fork_server: Any = None


def fork_server() -> Any:
    """The multiprocessing context whose fork server has imported the server (started on first use)."""
    global _fork_server
    if _fork_server is None:
        import multiprocessing

        from tests import forked_server

        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(forked_server.PRELOAD)
        _fork_server = context
    return _fork_server


@dataclass
class ServerProcess(RunningServer):
    url: str
    data_dir: Path
    database_url: str
    process: ForkedProcess
    log_path: Path
    env: dict[str, str]
    port: int

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

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


def start_process(env: dict[str, str], port: int, log_path: Path) -> ForkedProcess:
    """``uvicorn server.app:create_app --factory …`` in a process of its own with ``env`` as its
    environment, its output appended to ``log_path`` (forked from the fork server)."""
    from tests.forked_server import serve

    argv = ["server.app:create_app", "--factory", "--host", "127.0.0.1", "--port", str(port),
            "--ws", "websockets-sansio", "--no-access-log", "--log-level", "warning",
            "--timeout-keep-alive", str(TEST_KEEP_ALIVE_S)]
    process = fork_server().Process(target=serve, args=(argv, env, str(ROOT), str(log_path)),
                                    name=f"server-{port}", daemon=True)
    process.start()
    return ForkedProcess(process)


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
        time.sleep(0.05)
    raise RuntimeError(f"server did not start:\n{server.log()}")


def launch(data_dir: Path, database_url: str, *, demo: bool = True) -> ServerProcess:
    """A server process on ``database_url`` (a fresh one is initialised on start, with the demo
    congress unless ``demo=False``; a copy of :class:`Seeds` already has it)."""
    port = free_port()
    env = {**os.environ, "DATA_DIR": str(data_dir), "DATABASE_URL": database_url, "DEMO": "1" if demo else "0",
           "PYTHONUNBUFFERED": "1"}
    log_path = data_dir.parent / f"{data_dir.name}-server.log"
    data_dir.mkdir(parents=True, exist_ok=True)
    server = ServerProcess(f"http://127.0.0.1:{port}", data_dir, database_url,
                           start_process(env, port, log_path), log_path, env, port)
    try:
        wait_ready(server)
    except BaseException:
        server.stop()
        raise
    return server


def launch_deployment(deployment: Deployment) -> ServerProcess:
    return launch(deployment.data_dir, deployment.database_url)


def launch_sqlite(seeds: Seeds, base: Path) -> ServerProcess:
    """A server process on a SQLite copy of the demo congress of its own in ``base``."""
    return launch_deployment(seeds.copy("sqlite", base))


@pytest.fixture
def server(deployment: Deployment) -> Iterator[InProcessServer]:
    """The demo congress served in this process, on SQLite and on PostgreSQL."""
    with InProcessServer(deployment) as running:
        yield running


@pytest.fixture
def server_process(deployment: Deployment) -> Iterator[ServerProcess]:
    """The demo congress served by a process of its own, on SQLite and on PostgreSQL."""
    with launch_deployment(deployment) as proc:
        yield proc


# -- the application without a server: its writer, ledger and live state -------------------------


def picture_differences(mine: Any, theirs: Any) -> list[str]:
    """Where two copies of the in-memory picture (server/live.py) differ, by meeting, vote and field."""
    found = [f"version {mine.version} != {theirs.version}"] if mine.version != theirs.version else []
    for kind in ("meetings", "votes"):
        a, b = getattr(mine, kind), getattr(theirs, kind)
        found += [f"{kind} {key!r} in one copy only" for key in sorted(set(a) ^ set(b), key=str)]
        for key in set(a) & set(b):
            if a[key] != b[key]:
                found += [f"{kind} {key!r}.{name}: {getattr(a[key], name)!r} != {getattr(b[key], name)!r}"
                          for name in vars(a[key]) if name != "valid_shapes"
                          and getattr(a[key], name) != getattr(b[key], name)]
    return found


async def pictures_agree(rt: Any) -> None:
    """Once every committed batch is applied on the loop, the writer's own copy of the picture and
    the loop's are equal: every change of either went through an effect (server/effects.py)."""
    if rt.writer.own is None or rt.writer.broken:  # a broken writer commits nothing more: nothing to compare
        return
    from server.writer import nothing

    await rt.writer.run(nothing)  # answered after every earlier batch's effects, on the loop
    differences = picture_differences(rt.writer.own, rt.live)
    assert not differences, "the writer's picture and the loop's differ:\n" + "\n".join(differences[:20])
    assert not rt.writer.not_portable, "could not cross to another process:\n" + "\n".join(rt.writer.not_portable)
    if rt.ledger is not rt.writer.ledger:
        differences = ledger_differences(rt.writer.ledger, rt.ledger)
        assert not differences, "the ledger's copy and the writer's ledger differ:\n" + "\n".join(differences)


def ledger_differences(writer: Any, copy: Any) -> list[str]:
    """Where the readers' copy of the ledger (``Ledger.follower``) and the writer's differ."""
    found = []
    for name, read in (("size", lambda ledger: ledger.size), ("root", lambda ledger: ledger.log.root()),
                       ("checkpoints", lambda ledger: [c.note for c in ledger.log.checkpoints]),
                       ("outcomes", lambda ledger: ledger.outcomes),
                       ("records", lambda ledger: ledger.log.lines())):
        if read(writer) != read(copy):
            found.append(f"{name}: {str(read(writer))[:200]} != {str(read(copy))[:200]}")
    return found


class Harness:
    """The running application's parts (``server.runtime.build``) without HTTP: a test drives
    use cases through the one writer (``await rt.writer.run(op(use_case, …))``) and reads what the
    database, the audit log and the live state hold. ``run(body)`` builds them on the settings,
    starts the writer, awaits ``body(rt)`` in a fresh event loop, and closes everything.
    ``check_portable=False``: for tests of the writer itself, whose jobs and effects are local
    closures that watch it (what the server submits is checked, :func:`server.writer.crossed`)."""

    def __init__(self, settings: Any, *, check_portable: bool = True) -> None:
        self.settings = settings
        self.check_portable = check_portable

    def run(self, body: Callable[[Any], Awaitable[None]]) -> None:
        asyncio.run(self._run(body))

    async def _run(self, body: Callable[[Any], Awaitable[None]]) -> None:
        from server.runtime import build

        loop = asyncio.get_running_loop()
        rt = await loop.run_in_executor(None, build, self.settings, loop)
        rt.writer.check_portable = rt.writer.check_portable and self.check_portable
        rt.writer.start()
        try:
            await body(rt)
            await pictures_agree(rt)
        finally:
            await loop.run_in_executor(None, rt.writer.stop)
            rt.close_ledger()
            rt.engine.dispose()
            rt.writer_engine.dispose()


@pytest.fixture
def harness(tmp_path: Path, database_url: str) -> Harness:
    """The writer harness on an empty database (no demo), on SQLite and on PostgreSQL; batches
    of 50 ms so that concurrent jobs share a group commit; the writer's picture kept apart and
    compared with the loop's at the end (:func:`pictures_agree`)."""
    from server.config import Settings

    return Harness(Settings(data_dir=tmp_path / "data", database_url=database_url, origin="test.local/log",
                            demo=False, group_commit_ms=50.0, writer_picture_copy=True))
