"""Locust users that behave like deputies' tablets over the real WebSocket protocol.

    .venv/bin/locust -f load/locustfile.py --host http://127.0.0.1:8000 --headless -u 500 -r 50 -t 2m

Deputies sign in with codes issued at test start (staff account), check in, wait, vote when a vote
opens, and reconnect (resending unacknowledged ballots under the same ballot id) when the socket
drops. One chair user adds a motion, opens it, and closes it a few seconds later, over and over.
Latencies come from the users' own clocks and are reported to Locust as custom "WS" events:
``ballot ack`` (ballot sent -> receipt), ``vote seen`` (chair's open request -> the tablet has it,
same machine) and ``result seen`` (close request -> the tablet has the result).

``LOAD_VOTES=N`` bounds a run by its work instead of its time: the chair waits until every deputy
has checked in (at most 60 s), holds N votes, and once every deputy has seen the last one's result
(or 30 s after its close) the run stops. In a run bounded by time the chair opens at quorum, so
deputies still arriving are refused by the server (only those present at the opening vote) and
counted as ``ballot refused: checked in after opening``, not as failures.

The websocket-client library is used with a receive greenlet: the asyncio ``websockets`` client
does not mix with gevent. Everything stays on the host given (127.0.0.1 in this project).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import random
import secrets
import time
from typing import Any

import gevent
import websocket
from locust import HttpUser, between, constant, events, task
from locust.env import Environment
from locust.stats import get_error_report_summary

STAFF = (os.environ.get("LOAD_STAFF_USER", "staff"), os.environ.get("LOAD_STAFF_PASSWORD", "demo-staff-2026"))
CHAIR = (os.environ.get("LOAD_CHAIR_USER", "chair"), os.environ.get("LOAD_CHAIR_PASSWORD", "demo-chair-2026"))
CODES: list[str] = []
SHARED: dict[str, float] = {}  # vote id -> when the chair asked to open / close it (same machine)
VOTES = int(os.environ.get("LOAD_VOTES", "0"))  # 0: as many as the run's time allows


def _fire(environment: Environment, name: str, started: float, length: int = 0,
          exception: BaseException | None = None) -> None:
    environment.events.request.fire(  # type: ignore[no-untyped-call]
        request_type="WS", name=name, response_time=(time.time() - started) * 1000,
        response_length=length, exception=exception, context={},
    )


@events.test_start.add_listener  # type: ignore[untyped-decorator]
def issue_codes(environment: Environment, **_kwargs: Any) -> None:
    """Staff issues fresh sign-in codes for every active deputy of the newest meeting."""
    import httpx

    host = environment.host or "http://127.0.0.1:8000"
    with httpx.Client(base_url=host, timeout=120) as http:
        token = http.post("/api/login", json={"username": STAFF[0], "password": STAFF[1]}).json()["token"]
        headers = {"Authorization": f"Bearer {token}"}
        meeting = max(m["id"] for m in http.get("/api/meetings", headers=headers).json() if not m["closed"])
        codes = http.post(f"/api/meetings/{meeting}/codes", json={"reason": "重新发放（负载测试）"},
                          headers=headers).json()
    CODES[:] = [c["code"] for c in codes]
    random.shuffle(CODES)


@events.quit.add_listener  # type: ignore[untyped-decorator]
def report_failures(environment: Environment, **_kwargs: Any) -> None:
    """With ``--json-file`` Locust prints no error report: a run that failed still says why (stderr)."""
    options = environment.parsed_options
    if options is not None and options.json_file and environment.stats.errors:
        for line in get_error_report_summary(environment.stats):
            logging.getLogger(__name__).error(line)


class Deputy(HttpUser):
    """A tablet: sign in, check in, vote on each vote once, reconnect when dropped."""

    wait_time = constant(0.5)
    weight = 100

    def on_start(self) -> None:
        if not CODES:
            raise RuntimeError("more deputies than codes: lower -u")
        self.code = CODES.pop()
        response = self.client.post("/api/deputy/login", json={"code": self.code}, name="/api/deputy/login")
        self.token = response.json()["token"]
        self.voted: set[str] = set()
        self.pending: dict[str, tuple[str, dict[str, Any], float]] = {}
        self.cast_tokens: dict[str, str] = {}
        self.open_votes: list[str] = []
        self.results_seen: set[str] = set()
        self.ws: websocket.WebSocket | None = None
        self.running = True
        self._connect()
        self.receiver = gevent.spawn(self._receive)

    def on_stop(self) -> None:
        self.running = False
        if self.ws is not None:
            self.ws.close()

    def _connect(self) -> None:
        url = (self.host or "http://127.0.0.1:8000").replace("http://", "ws://").replace("https://", "wss://") + "/ws"
        started = time.time()
        self.ws = websocket.create_connection(url, timeout=30, enable_multithread=True)
        self.ws.send(json.dumps({"type": "hello", "v": 1, "token": self.token}))
        self.ws.send(json.dumps({"type": "check_in"}))
        for ballot_id, (vote_id, ballot, _sent) in list(self.pending.items()):
            self.ws.send(json.dumps({"type": "ballot", "vote_id": vote_id, "ballot_id": ballot_id, "ballot": ballot,
                                     "cast_token": self._cast_token(vote_id)}))
        _fire(self.environment, "connect", started)

    def _receive(self) -> None:
        while self.running:
            try:
                assert self.ws is not None
                frame = self.ws.recv()
            except Exception as error:
                if not self.running:
                    return
                _fire(self.environment, "disconnect", time.time(), exception=error)
                gevent.sleep(random.uniform(0.2, 1.0))
                try:
                    self._connect()
                except Exception:
                    gevent.sleep(1.0)
                continue
            if not self.running:  # stopped: the socket closed under the read
                return
            self._handle(json.loads(frame), len(frame))

    def _handle(self, message: dict[str, Any], length: int) -> None:
        kind = message.get("type")
        if kind == "state":
            self.open_votes = [v["id"] for v in message["votes"] if v["state"] == "open"]
            for vote in message["votes"]:
                opened = SHARED.get(f"open:{vote['id']}")
                if vote["state"] == "open" and opened and f"seen:{vote['id']}" not in self.results_seen:
                    self.results_seen.add(f"seen:{vote['id']}")
                    _fire(self.environment, "vote seen", opened, length)
                closed = SHARED.get(f"close:{vote['id']}")
                if vote.get("result") and closed and vote["id"] not in self.results_seen:
                    self.results_seen.add(vote["id"])
                    SHARED[f"seen:{vote['id']}"] = SHARED.get(f"seen:{vote['id']}", 0) + 1
                    _fire(self.environment, "result seen", closed, length)
        elif kind == "receipt":
            entry = self.pending.pop(message["ballot_id"], None)
            if entry is not None:
                self.voted.add(entry[0])
                _fire(self.environment, "ballot ack", entry[2], length)
        elif kind == "error" and message.get("ref") in self.pending:
            vote_id, _ballot, sent = self.pending.pop(message["ref"])
            if message["code"] in ("vote_not_open", "vote_deadline_passed"):
                self.voted.add(vote_id)  # closed before it arrived: refused with a reason, not lost
                _fire(self.environment, "ballot refused after close", sent)
            elif message["code"] == "forbidden":
                # checked in after the vote opened: only those present at the opening vote in it
                # (docs/protocol.md, "Attendance"); the server is right to refuse, nothing is lost
                self.voted.add(vote_id)
                _fire(self.environment, "ballot refused: checked in after opening", sent)
            else:
                _fire(self.environment, "ballot ack", sent, exception=RuntimeError(message["code"]))

    @task
    def vote_when_open(self) -> None:
        if self.ws is None:
            return
        in_flight = {entry[0] for entry in self.pending.values()}
        for vote_id in self.open_votes:
            if vote_id in self.voted or vote_id in in_flight:
                continue
            ballot_id = secrets.token_hex(16)
            ballot = {"choice": random.choice(("yes", "yes", "yes", "no", "abstain"))}
            self.pending[ballot_id] = (vote_id, ballot, time.time())
            with contextlib.suppress(Exception):
                self.ws.send(json.dumps({"type": "ballot", "vote_id": vote_id, "ballot_id": ballot_id,
                                         "ballot": ballot, "cast_token": self._cast_token(vote_id)}))

    def _cast_token(self, vote_id: str) -> str:
        """This tablet's secret for a vote (docs/protocol.md): made once, sent with each of its ballots."""
        return self.cast_tokens.setdefault(vote_id, secrets.token_hex(16))


class Chair(HttpUser):
    """The presiding officer: add a motion, open it, close it after a while."""

    fixed_count = 1
    wait_time = between(6, 8)

    def on_start(self) -> None:
        self.headers = {}
        for role, (user, password) in (("staff", STAFF), ("chair", CHAIR)):
            token = self.client.post("/api/login", json={"username": user, "password": password},
                                     name="/api/login").json()["token"]
            self.headers[role] = {"Authorization": f"Bearer {token}"}
        meetings = self.client.get("/api/meetings", headers=self.headers["chair"], name="/api/meetings").json()
        self.meeting = max(m["id"] for m in meetings if not m["closed"])
        self.number = 0
        self.held = 0  # votes opened and closed

    def _deputies(self) -> int:
        """The deputies this run ramps to (the users asked for, less the one chair), spawned or not."""
        users: int = self.environment.runner.target_user_count
        return users - type(self).fixed_count

    def _wait_for_check_ins(self) -> None:
        """A bounded run counts every deputy's ballot, and only deputies present when a vote opens
        may vote in it: wait (at most 60 s) until all of this run's deputies have checked in."""
        deadline = time.time() + 60
        while time.time() < deadline:
            state = self.client.get(f"/api/meetings/{self.meeting}/state", name="/api/meetings/[id]/state").json()
            if state["attendance"]["present"] >= self._deputies():
                return
            gevent.sleep(0.5)

    @task
    def one_vote(self) -> None:
        self.number += 1
        if VOTES:
            self._wait_for_check_ins()
        item = self.client.post(f"/api/meetings/{self.meeting}/items", headers=self.headers["staff"],
                                json={"kind": "motion", "title": f"负载测试议案{self.number}"},
                                name="/api/meetings/[id]/items").json()
        while True:
            with self.client.post(f"/api/items/{item['id']}/open", json={}, headers=self.headers["chair"],
                                  name="/api/items/[id]/open", catch_response=True) as response:
                if response.status_code != 409 or response.json()["error"]["code"] != "no_quorum":
                    vote_id = response.json()["vote_id"]
                    break
                response.success()  # deputies are still arriving
            if not VOTES:
                return  # the next task opens the next motion
            gevent.sleep(0.5)  # a bounded run: the same motion, as soon as they may have
        SHARED[f"open:{vote_id}"] = time.time()
        gevent.sleep(4)
        SHARED[f"close:{vote_id}"] = time.time()
        self.client.post(f"/api/votes/{vote_id}/close", headers=self.headers["chair"], name="/api/votes/[id]/close")
        self.held += 1
        if VOTES and self.held >= VOTES:
            deputies = self._deputies()
            deadline = time.time() + 30
            while SHARED.get(f"seen:{vote_id}", 0) < deputies and time.time() < deadline:
                gevent.sleep(0.1)
            gevent.spawn(self.environment.runner.quit)  # not from this user's greenlet: quitting kills it
