"""Asking the witnesses to cosign the audit log's checkpoints: the log's side of C2SP tlog-witness
(the witness is ``python -m audit witness``, audit/witness.py; docs/deployment.md "Witnesses").

One thread per witness (``WITNESSES``), apart from the writer: the writer signs a checkpoint with
every batch and only *wakes* these threads (`Witnesses.notify`), so a slow, refusing or dead
witness never delays a ballot. A thread sends the log's newest checkpoint with an RFC 9162
consistency proof from the size the witness last cosigned -- it starts from ``old 0`` and learns
that size from the witness's 409 -- checks the cosignature the witness answers with its key, and
keeps it in the log's cosignatures file (`audit.AuditLog.add_cosignatures`): the export carries it,
and ``GET /api/audit/checkpoint`` shows it. At most one request per witness every
``WITNESS_INTERVAL_S`` (the checkpoints of a busy minute are skipped: the newest one extends
them); a request waits at most ``WITNESS_TIMEOUT_S`` for each step of the connection; after a
failure the thread waits twice as long each time, up to a minute. A witness that refuses the log
-- it has cosigned another history of this origin, or a longer one -- is reported (``refused``,
``ahead``) and asked again later: that is what a witness is for.
"""

from __future__ import annotations

import base64
import http.client
import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit

from audit import AuditLog, Checkpoint
from audit.cosignature import cosignatures
from audit.errors import NoteError, StorageError
from audit.note import parse_note
from server.config import Witness

log = logging.getLogger("server.witnesses")

MAX_ANSWER = 64 * 1024
MAX_BACKOFF_S = 60.0
_TRIES = 3  # a 409 teaches the witness's size: one more try with it (and one spare)


class Refused(Exception):
    """A request that brought no cosignature: ``state`` says how (`WitnessStatus.state`)."""

    def __init__(self, state: str, message: str) -> None:
        super().__init__(message)
        self.state = state


@dataclass(frozen=True)
class WitnessStatus:
    """What the server knows of one witness (``GET /api/audit/witnesses``)."""

    url: str
    vkey: str
    #: ``waiting`` (not asked yet, or the log has nothing new), ``cosigned`` (the newest checkpoint
    #: asked is cosigned), ``unreachable`` (no answer), ``refused`` (an answer without a
    #: cosignature: a 4xx, or a bad signature), ``ahead`` (it cosigned more of this origin than
    #: this log holds)
    state: str
    cosigned_size: int
    cosigned_at: str | None
    witness_size: int | None
    error: str | None


class WitnessClient:
    """One witness, asked by a thread of its own."""

    def __init__(self, witness: Witness, audit_log: AuditLog, timeout: float, interval: float) -> None:
        self.witness = witness
        self.log = audit_log
        self.timeout = timeout
        self.interval = interval
        address = urlsplit(witness.url)
        self._https = address.scheme == "https"
        self._host = address.hostname or ""
        self._port = address.port
        self._path = address.path.rstrip("/") + "/add-checkpoint"
        self._connection: http.client.HTTPConnection | None = None
        self.state = "waiting"
        self.error: str | None = None
        self.failures = 0
        self.cosigned_size = 0
        self.cosigned_at: int | None = None
        self.witness_size: int | None = None
        self._wake = threading.Event()  # a new checkpoint, or stop
        self._interrupt = threading.Event()  # cut a pause short: stop, or settle
        self._stop = threading.Event()
        self.thread = threading.Thread(target=self._run, name=f"witness {witness.key.name}", daemon=True)

    def status(self) -> WitnessStatus:
        at = None if self.cosigned_at is None else datetime.fromtimestamp(self.cosigned_at, UTC).isoformat()
        return WitnessStatus(self.witness.url, self.witness.key.vkey, self.state, self.cosigned_size, at,
                             self.witness_size, self.error)

    def wake(self) -> None:
        self._wake.set()

    def hurry(self) -> None:
        """Cut the pause after a cosignature short (at shutdown, to have the last checkpoint cosigned)."""
        if not self.failures:
            self._interrupt.set()

    def stop(self) -> None:
        self._stop.set()
        self._interrupt.set()
        self._wake.set()

    # -- the thread -----------------------------------------------------------------------

    def _run(self) -> None:
        try:
            while not self._stop.is_set():
                checkpoint = self.log.latest_checkpoint
                if checkpoint.size == self.cosigned_size:
                    self._wake.wait()
                    self._wake.clear()
                    continue
                pause = self.interval
                try:
                    self.submit(checkpoint)
                except Refused as refusal:
                    if (self.state, self.error) != (refusal.state, str(refusal)):
                        log.warning("witness %s (%s): %s", self.witness.key.name, refusal.state, refusal)
                    self.state, self.error = refusal.state, str(refusal)
                    self.failures += 1
                    pause = min(MAX_BACKOFF_S, max(self.interval, 0.5) * 2 ** min(self.failures, 7))
                self._interrupt.wait(pause)
                self._interrupt.clear()
        finally:
            self._close()

    def submit(self, checkpoint: Checkpoint) -> None:
        """Ask for a cosignature of `checkpoint` and keep it; `Refused` if none came."""
        old = self.witness_size or 0
        for _ in range(_TRIES):
            if old > checkpoint.size:
                raise Refused("ahead", f"the witness has cosigned {old} records of this log, more than its newest "
                                       f"checkpoint ({checkpoint.size}): it was shown a longer history "
                                       "/ 见证人见过更长的日志")
            # Sizes up to a signed checkpoint never change: the proof needs no lock against the writer.
            proof = self.log.consistency_proof(old, checkpoint.size) if 0 < old < checkpoint.size else []
            lines = "".join(base64.b64encode(node).decode("ascii") + "\n" for node in proof)
            status, answer = self._post(f"old {old}\n{lines}\n{checkpoint.note}".encode())
            if status == 409:
                text = answer.decode("ascii", "replace").strip()
                if not text.isascii() or not text.isdigit() or int(text) == old:
                    raise Refused("refused", f"409 without a usable size: {text[:40]!r}")
                old = self.witness_size = int(text)
                continue
            if status != 200:
                raise Refused("refused", f"HTTP {status}: {answer[:200].decode('utf-8', 'replace').strip()}")
            self._keep(checkpoint, answer)
            return
        raise Refused("refused", "the witness keeps answering 409")

    def _keep(self, checkpoint: Checkpoint, answer: bytes) -> None:
        key = self.witness.key
        try:
            parsed = parse_note(checkpoint.note + answer.decode("utf-8"))
            found = cosignatures(parsed, [key])
        except (UnicodeDecodeError, NoteError) as error:
            raise Refused("refused", f"not a valid cosignature by its key: {error}") from None
        if not found:
            raise Refused("refused", "the answer holds no cosignature by its key")
        mine = "".join(f"{s.line}\n" for s in parsed.signatures if (s.name, s.key_id) == (key.name, key.key_id))
        try:
            self.log.add_cosignatures(checkpoint.note + mine)
        except StorageError as error:  # the log was closed meanwhile (shutdown)
            raise Refused("refused", str(error)) from None
        self.witness_size = self.cosigned_size = checkpoint.size
        self.cosigned_at = found[0].timestamp
        self.state, self.error, self.failures = "cosigned", None, 0

    def _post(self, body: bytes) -> tuple[int, bytes]:
        if self._connection is None:
            kind = http.client.HTTPSConnection if self._https else http.client.HTTPConnection
            self._connection = kind(self._host, self._port, timeout=self.timeout)
        try:
            self._connection.request("POST", self._path, body=body, headers={"Content-Type": "text/plain"})
            response = self._connection.getresponse()
            answer = response.read(MAX_ANSWER + 1)
            if response.will_close or len(answer) > MAX_ANSWER:
                self._close()
        except (OSError, http.client.HTTPException) as error:
            self._close()
            raise Refused("unreachable", f"{type(error).__name__}: {error}") from None
        return response.status, answer

    def _close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None


class Witnesses:
    """Every configured witness, each asked by its own thread."""

    def __init__(self, audit_log: AuditLog, witnesses: Sequence[Witness], timeout: float, interval: float) -> None:
        self.log = audit_log
        self.clients = [WitnessClient(w, audit_log, timeout, interval) for w in witnesses]

    def start(self) -> None:
        if self.clients and self.log.vkey.split("+", 1)[0] != self.log.origin:
            log.warning("the audit key's name is not the log's origin (%s): C2SP witnesses identify a log by both; "
                        "a new data directory gets a key named after its origin", self.log.origin)
        for client in self.clients:
            client.thread.start()

    def notify(self, _checkpoint: Checkpoint) -> None:
        """A new checkpoint (the writer's thread, after each batch): wake every witness's thread."""
        for client in self.clients:
            client.wake()

    def settle(self, timeout: float) -> None:
        """Give the witnesses up to `timeout` seconds to cosign the newest checkpoint (at shutdown);
        one that is failing is not waited for."""
        deadline = time.monotonic() + timeout
        size = self.log.latest_checkpoint.size
        for client in self.clients:
            client.hurry()
            client.wake()
        while time.monotonic() < deadline and any(c.cosigned_size < size and not c.failures for c in self.clients):
            time.sleep(0.02)

    def stop(self, timeout: float) -> None:
        for client in self.clients:
            client.stop()
        for client in self.clients:
            client.thread.join(timeout)

    def status(self) -> list[WitnessStatus]:
        return [client.status() for client in self.clients]
