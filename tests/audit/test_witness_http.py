"""The witness over HTTP (C2SP tlog-witness "HTTP Interface"), in process and as ``python -m audit
witness``: the two calls, keep-alive, and what it refuses before reading a body."""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from audit import AuditLog
from audit.__main__ import main
from audit.cosignature import Cosigner, cosignatures
from audit.note import parse_note
from audit.witness import MAX_BODY, SIZE_TYPE, Witness, origin_hash
from audit.witness_http import WitnessServer, serve
from tests.audit.witness_helpers import ORIGIN, body, grow, log_key

KEY = log_key()
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def log(tmp_path: Path) -> Iterator[AuditLog]:
    with AuditLog.open(tmp_path / "log", KEY) as opened:
        grow(opened, 3)
        yield opened


@pytest.fixture
def running(tmp_path: Path) -> Iterator[WitnessServer]:
    witness = Witness.open(tmp_path / "witness", [KEY.verifier])
    server, thread = serve(witness)
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
        witness.close()


def connect(url: str) -> http.client.HTTPConnection:
    host, port = url.removeprefix("http://").split(":")
    return http.client.HTTPConnection(host, int(port), timeout=10)


def post(connection: http.client.HTTPConnection, data: bytes, path: str = "/add-checkpoint") -> tuple[int, str, bytes]:
    connection.request("POST", path, body=data)
    response = connection.getresponse()
    return response.status, response.getheader("Content-Type", ""), response.read()


def test_add_checkpoint_then_the_monitoring_checkpoint_over_one_kept_alive_connection(
        log: AuditLog, running: WitnessServer) -> None:
    connection = connect(running.url)
    status, _, line = post(connection, body(log, 0))
    assert status == 200
    cosigner = Cosigner.from_vkey(running.witness.vkey)
    assert cosignatures(parse_note(log.latest_checkpoint.note + line.decode()), [cosigner])
    old = log.size
    grow(log, 2)
    assert post(connection, body(log, 0))[:2] == (409, SIZE_TYPE)  # the size it has, for the next try
    assert post(connection, body(log, old))[0] == 200
    connection.request("GET", f"/{origin_hash(ORIGIN)}/checkpoint")
    monitored = connection.getresponse()
    assert monitored.status == 200 and monitored.read().decode().startswith(log.latest_checkpoint.note)
    connection.close()


def test_other_paths_and_bodies_without_a_length_or_too_long_are_refused(running: WitnessServer) -> None:
    connection = connect(running.url)
    assert post(connection, b"old 0\n\n", "/elsewhere")[0] == 404
    connection = connect(running.url)
    for path in ("/", f"/{origin_hash(ORIGIN)}/checkpoint"):  # the second: nothing cosigned yet
        connection.request("GET", path)
        response = connection.getresponse()
        assert response.status == 404 and response.read()
    with socket.create_connection(("127.0.0.1", running.server_address[1]), timeout=10) as raw:
        raw.sendall(b"POST /add-checkpoint HTTP/1.1\r\nHost: w\r\n\r\n")
        assert raw.recv(100).startswith(b"HTTP/1.1 400")
    with socket.create_connection(("127.0.0.1", running.server_address[1]), timeout=10) as raw:
        raw.sendall(b"POST /add-checkpoint HTTP/1.1\r\nHost: w\r\nContent-Length: %d\r\n\r\n" % (MAX_BODY + 1))
        assert raw.recv(100).startswith(b"HTTP/1.1 413")


def test_the_command_serves_until_sigterm_and_restores_the_signal_handlers(tmp_path: Path, log: AuditLog,
                                                                           capsys: pytest.CaptureFixture[str]) -> None:
    port = _free_port()
    answers: list[int] = []

    def client() -> None:
        for _ in range(500):
            try:
                answers.append(post(connect(f"http://127.0.0.1:{port}"), body(log, 0))[0])
                break
            except OSError:
                time.sleep(0.01)
        os.kill(os.getpid(), signal.SIGTERM)

    before = signal.getsignal(signal.SIGTERM)
    thread = threading.Thread(target=client)
    thread.start()
    status = main(["witness", "--state", str(tmp_path / "w"), "--log", KEY.vkey, "--port", str(port),
                   "--name", "witness.example/cli"])
    thread.join()
    assert (status, answers) == (0, [200])
    assert signal.getsignal(signal.SIGTERM) is before
    out = capsys.readouterr().out
    assert "witness.example/cli+" in out and f"127.0.0.1:{port}" in out and "witness stopped" in out
    assert main(["witness", "--state", str(tmp_path / "w"), "--log", KEY.vkey, "--show"]) == 0
    assert f"cosigned size {log.size}" in capsys.readouterr().out


def test_the_command_needs_a_log_to_witness(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["witness", "--state", str(tmp_path / "w")]) == 2
    assert "--log" in capsys.readouterr().err
    keyfile = tmp_path / "logs.txt"
    keyfile.write_text(f"{KEY.vkey}\n\n", encoding="ascii")
    assert main(["witness", "--state", str(tmp_path / "w"), "--log", str(keyfile), "--show"]) == 0
    assert "nothing cosigned yet" in capsys.readouterr().out


def test_a_real_witness_process_cosigns_and_stops_on_sigterm(tmp_path: Path, log: AuditLog) -> None:
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "audit", "witness", "--state", str(tmp_path / "w"), "--log", KEY.vkey,
         "--port", str(port)], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        for _ in range(1000):
            try:
                status = post(connect(f"http://127.0.0.1:{port}"), body(log, 0))[0]
                break
            except OSError:
                time.sleep(0.01)
        assert status == 200
    finally:
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=20)
    assert process.returncode == 0, output
    assert (tmp_path / "w" / "logs" / origin_hash(ORIGIN) / "checkpoint").exists()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class _HungUp:
    """A connection whose other end has gone: every write is reset."""

    def write(self, data: bytes) -> int:
        raise ConnectionResetError(104, "Connection reset by peer")

    def flush(self) -> None:
        return None


def test_an_answer_to_a_caller_that_hung_up_closes_the_connection_without_a_traceback() -> None:
    from audit import witness_http
    from audit.witness import Answer

    handler = object.__new__(witness_http._Handler)  # as the server makes it, without a socket
    handler.wfile = _HungUp()  # type: ignore[assignment]
    handler.request_version, handler.requestline, handler.command = "HTTP/1.1", "POST /add-checkpoint HTTP/1.1", "POST"
    handler.client_address = ("127.0.0.1", 9)
    handler.close_connection = False
    handler._answer(Answer(413, b"too large\n"))
    assert handler.close_connection is True
