"""The witness's HTTP face (C2SP tlog-witness, "HTTP Interface"): the standard library's
threading HTTP server, HTTP/1.1 with keep-alive, submission and monitoring prefix both ``/``.

    POST /add-checkpoint              `audit.witness.Witness.add_checkpoint`
    GET  /<hex SHA-256 of origin>/checkpoint    the latest checkpoint it cosigned for that log

Nothing here needs to be secret or authenticated: a request carries its own proof (the log's
signature and a consistency proof), an answer its own (the cosignature), so plain HTTP on the
hall network is enough; a man in the middle can only stop the answer, as a dead witness would.
A request body must say its length (``Content-Length``) and be at most `audit.witness.MAX_BODY`
bytes; a connection idle for `TIMEOUT` seconds is closed.
"""

from __future__ import annotations

import logging
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from audit.witness import MAX_BODY, Answer, Witness

__all__ = ["TIMEOUT", "WitnessServer", "serve"]

TIMEOUT = 30.0
_MONITOR = re.compile(r"/([0-9a-f]{64})/checkpoint")
log = logging.getLogger("audit.witness")


class WitnessServer(ThreadingHTTPServer):
    """A threading HTTP server holding the witness it answers for."""

    daemon_threads = True

    def __init__(self, address: tuple[str, int], witness: Witness) -> None:
        super().__init__(address, _Handler)
        self.witness = witness

    @property
    def url(self) -> str:
        """The base URL the server listens on (the prefix to configure in the log's server)."""
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}"


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = TIMEOUT
    server: WitnessServer
    server_version = "renda-witness/1"

    def _answer(self, answer: Answer) -> None:
        try:
            self.send_response(answer.status)
            self.send_header("Content-Type", answer.content_type)
            self.send_header("Content-Length", str(len(answer.body)))
            self.end_headers()
            self.wfile.write(answer.body)
        except (ConnectionResetError, BrokenPipeError):  # the caller left (e.g. after an oversized body)
            self.close_connection = True

    def do_POST(self) -> None:
        if self.path != "/add-checkpoint":
            self.close_connection = True
            self._answer(Answer(404, b"the witness answers POST /add-checkpoint\n"))
            return
        length = self.headers.get("Content-Length", "")
        if not (length.isascii() and length.isdigit()) or int(length) > MAX_BODY:
            self.close_connection = True  # the body, if any, is not read
            status = 413 if length.isascii() and length.isdigit() else 400
            self._answer(Answer(status, f"a body of at most {MAX_BODY} bytes, with its Content-Length\n".encode()))
            return
        body = self.rfile.read(int(length))
        self._answer(self.server.witness.add_checkpoint(body))

    def do_GET(self) -> None:
        found = _MONITOR.fullmatch(self.path)
        if found is None:
            self._answer(Answer(404, b"the witness answers GET /<hex SHA-256 of an origin>/checkpoint\n"))
            return
        self._answer(self.server.witness.latest(found.group(1)))

    def log_message(self, format: str, *args: Any) -> None:
        log.info("%s %s", self.address_string(), format % args)


def serve(witness: Witness, host: str = "127.0.0.1", port: int = 0) -> tuple[WitnessServer, threading.Thread]:
    """Serve `witness` on (host, port) -- port 0: any free one, see ``server.url`` -- on a thread of
    its own; stop it with ``server.shutdown()`` and ``server.server_close()``."""
    server = WitnessServer((host, port), witness)
    thread = threading.Thread(target=server.serve_forever, name=f"witness-{server.server_address[1]}", daemon=True)
    thread.start()
    return server, thread
