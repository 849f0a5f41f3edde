"""``python -m load.bench --terminals N``: the real server against the bare-websockets limit.

It starts the real server on 127.0.0.1 (SQLite in a temporary DATA_DIR by default,
``--database-url`` for PostgreSQL), signs in and checks in N simulated tablets spread over several
processes, and runs rounds of: open a vote -> every tablet has it -> every tablet votes in a burst
-> close -> the result on every screen. In the same run, one round after each of the server's, it
measures a bare ``websockets`` server broadcasting the very state message the tablets got in that
round to N clients of its own and echoing N messages (:class:`Baseline`: both sides are timed in
the same minutes of the shared machine), and prints one JSON summary with every figure's ratio to
that baseline. Loops are bounded; it stops by itself.

``--encrypted`` (with ``--kind motion|election``): before the rounds three 监票人 make the election
key over HTTP (k = 2); every tablet encrypts and proves its ballot before the burst; the close
answers 202 and two 监票人 post their partial decryptions, computed by the bench; the rounds time
the acks, each partial's answer and the k-th partial -> the result on every tablet, and the count
is checked against what the acknowledged ballots voted (load/encrypted.py).

The simulated tablets (and the baseline's clients) run at a lower CPU priority than the server
(``--tablets-nice``, default 10): in a hall every tablet is a device of its own and the server has
its cores to itself, while here the load shares the server's two cores. Giving the load the lower
priority keeps it from taking the server's core in the bursts. The tablets still time their own
acks and frames, so their own waits for a core stay in the figures. Both use one lean WebSocket
client (load/lean_socket.py), so what the load itself costs the shared cores is as small as it can
be, and the same on both sides of every ratio.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import multiprocessing
import os
import platform
import random
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import psutil

from load import baseline, encrypted, terminals_worker
from load.scratchdb import create_scratch_database, drop_scratch_database

ROOT = Path(__file__).resolve().parents[1]
TARGETS = {
    "fanout_p99_ratio_max": 1.5,
    "ack_p99_ms_max": 100.0,
    "close_to_result_ms_max": 1000.0,
    "election_tally_ms_max": 50.0,
    "audit_append_5000_ms_max": 1000.0,
}
# issue 13, "Fast enough for the hall": a 30-candidate secret election of 450 deputies in a 10 s
# burst; 5,000 tablets voting an encrypted motion, ballots spread over 10 s
ENCRYPTED_TARGETS = {
    "election": {"ack_p99_ms_max": 500.0, "kth_partial_to_result_ms_max": 2000.0},
    "motion": {"ack_p99_ms_max": 1000.0},
}
ISSUE_SCENARIOS = {"election": {"terminals": 450, "candidates": 30, "spread": 10.0},
                   "motion": {"terminals": 5000, "spread": 10.0}}
TRUSTEES, QUORUM = 3, 2  # the 监票人 of the encrypted mode, and how many must decrypt


def raise_open_files() -> int:
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = hard if hard != resource.RLIM_INFINITY else 1 << 20
    resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
    return wanted


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def percentiles(values: Sequence[float]) -> dict[str, float | None]:
    if not values:
        return {"min_ms": None, "p50_ms": None, "p99_ms": None, "max_ms": None, "count": 0}
    ordered = sorted(values)

    def at(q: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000, 2)

    # min: the first tablet's figure -- for a fan-out, what passed before the first frame left
    return {"min_ms": round(ordered[0] * 1000, 2), "p50_ms": at(0.50), "p99_ms": at(0.99),
            "max_ms": round(ordered[-1] * 1000, 2), "count": len(ordered)}


def ratio(a: float | None, b: float | None) -> float | None:
    return None if a is None or not b else round(a / b, 2)


class Sampler:
    """Peak RSS and CPU time of a process, sampled in the background."""

    def __init__(self, pid: int) -> None:
        self.process = psutil.Process(pid)
        self.peak_rss = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.peak_rss = max(self.peak_rss, self.process.memory_info().rss)
            except psutil.Error:
                return
            self._stop.wait(0.2)

    def cpu_seconds(self) -> float:
        """CPU time of the server's process, and of its writer process if it forked one
        (WRITER_PROCESS, server/writer_process.py: a child with the server's own command line)."""
        times = self.process.cpu_times()
        return float(times.user + times.system) + self._children_cpu(writer=True)

    def pool_cpu_seconds(self) -> float:
        """CPU time of the server's other child processes: the pool that checks encrypted ballots'
        proofs (server/proofs.py); not multiprocessing's resource tracker."""
        return self._children_cpu(writer=False)

    def writer_process(self) -> bool:
        with contextlib.suppress(psutil.Error):
            return any(self._is_writer(child) for child in self.process.children())
        return False

    def _is_writer(self, child: psutil.Process) -> bool:
        return bool(child.ppid() == self.process.pid and child.cmdline() == self.process.cmdline())

    def _children_cpu(self, *, writer: bool) -> float:
        total = 0.0
        children: list[psutil.Process] = []
        with contextlib.suppress(psutil.Error):
            children = self.process.children(recursive=True)
        for child in children:
            try:
                if "resource_tracker" in " ".join(child.cmdline()) or self._is_writer(child) != writer:
                    continue
                times = child.cpu_times()
                total += times.user + times.system
            except psutil.Error:
                continue
        return total

    def main_thread_cpu_seconds(self) -> float:
        """CPU time of the process's main thread (the server's event loop)."""
        for thread in self.process.threads():
            if thread.id == self.process.pid:
                return float(thread.user_time + thread.system_time)
        return 0.0

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()


def start_server(data_dir: Path, database_url: str | None) -> tuple[subprocess.Popen[bytes], str, Path]:
    port = free_port()
    env = {**os.environ, "DATA_DIR": str(data_dir), "DEMO": "1", "PYTHONUNBUFFERED": "1"}
    if database_url:
        env["DATABASE_URL"] = database_url
    log_path = data_dir.parent / "server.log"
    data_dir.mkdir(parents=True, exist_ok=True)
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "server.app:create_app", "--factory", "--host", "127.0.0.1", "--port",
         str(port), "--ws", "websockets-sansio", "--no-access-log", "--log-level", "warning", "--backlog", "8192",
         "--ws-ping-interval", "60", "--ws-ping-timeout", "120", "--timeout-keep-alive", "60"],
        cwd=ROOT, env=env, stdout=log_path.open("wb"), stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("server exited:\n" + log_path.read_text(errors="replace"))
        try:
            if httpx.get(f"{url}/api/audit/vkey", timeout=2).status_code == 200:
                return process, url, log_path
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError("server did not start")


def start_profiler(pid: int, out: Path) -> subprocess.Popen[bytes]:
    """py-spy sampling the server without pausing it (``--nonblocking``), one stack per thread."""
    spy = Path(sys.executable).with_name("py-spy")
    return subprocess.Popen([str(spy) if spy.exists() else "py-spy", "record", "--pid", str(pid), "--nonblocking",
                             "--threads", "--subprocesses", "--rate", "100", "--format", "raw", "--output", str(out)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def stop_profiler(profiler: subprocess.Popen[bytes]) -> None:
    profiler.send_signal(signal.SIGINT)  # py-spy writes its file on SIGINT
    profiler.wait(timeout=60)


def login(url: str, username: str, password: str) -> httpx.Client:
    client = httpx.Client(base_url=url, timeout=600)
    token = client.post("/api/login", json={"username": username, "password": password}).raise_for_status().json()
    client.headers["Authorization"] = f"Bearer {token['token']}"
    client.cookies.clear()
    return client


def prepare_meeting(staff: httpx.Client, terminals: int) -> tuple[int, list[str]]:
    meeting = {"body_kind": "congress", "body_name": "负载测试县人民代表大会", "title": "负载测试会议"}
    meeting_id = staff.post("/api/meetings", json=meeting).raise_for_status().json()["id"]
    lines = ["编号,姓名,代表团,座位"] + [f"L{i:05d},代表{i:05d},第{i % 20 + 1}代表团,{i // 100 + 1}排{i % 100 + 1}座"
                                       for i in range(terminals)]
    staff.post(f"/api/meetings/{meeting_id}/roll/import",
               files={"file": ("roll.csv", io.BytesIO("\n".join(lines).encode("utf-8")))}).raise_for_status()
    codes = staff.post(f"/api/meetings/{meeting_id}/codes",
                       json={"reason": "重新发放（负载测试）"}).raise_for_status().json()
    return meeting_id, [c["code"] for c in codes]


#: The simulated tablets' CPU priority (nice) beside the server's 0 (the module's docstring).
TABLETS_NICE = 10


def at_priority(nice: int, target: Callable[..., None], *args: Any) -> None:
    """A load process's entry: first yield the cores to the server (``nice`` > 0: a lower priority,
    which needs no privilege; 0: keep the benchmark's own), then run ``target``."""
    if nice:
        os.setpriority(os.PRIO_PROCESS, 0, nice)
    target(*args)


def start_workers(target: Any, chunks: Sequence[Any], *args: Any, nice: int = 0) -> list[tuple[Any, Any]]:
    """One process per chunk, running ``target(*args, chunk, pipe)`` at priority ``nice``; returns
    each process with the benchmark's end of its pipe."""
    context = multiprocessing.get_context("spawn")
    workers = []
    for chunk in chunks:
        parent, child = context.Pipe()
        process = context.Process(target=at_priority, args=(nice, target, *args, chunk, child), daemon=True)
        process.start()
        workers.append((process, parent))
    return workers


def ask(workers: list[tuple[Any, Any]], command: tuple[Any, ...], timeout: float = 900) -> list[Any]:
    for _, pipe in workers:
        pipe.send(command)
    answers = []
    for _, pipe in workers:
        if not pipe.poll(timeout):
            raise TimeoutError(f"worker did not answer {command[0]}")
        answers.append(pipe.recv())
    return answers


def chunked(items: list[Any], parts: int) -> list[list[Any]]:
    return [items[i::parts] for i in range(parts)]


def micro_benchmarks() -> dict[str, Any]:
    """The 30-candidate, 5,000-ballot secret election: tally time, and audit append of its ballots."""
    import secrets

    import tally
    from audit import AuditLog, keys

    rng = random.Random(5000)
    candidates = [f"候选人{i:02d}" for i in range(30)]
    ballots = [{"marks": {c: "yes" for c in rng.sample(candidates, 25)} | {c: "no" for c in rng.sample(candidates, 3)}}
               for _ in range(5000)]
    for ballot in ballots:  # a few over-votes; a candidate marked twice keeps its last mark
        if rng.random() < 0.02:
            ballot["marks"] = {c: "yes" for c in candidates}
    doc = {"kind": "election", "office": "member", "seats": 25, "candidates": candidates, "members_of_record": 5200,
           "present": 5100, "ballots_issued": 5100, "ballots": ballots}
    best = min(_timed(lambda: tally.count_document(doc)) for _ in range(5))
    with tempfile.TemporaryDirectory() as tmp:
        log = AuditLog.open(Path(tmp) / "log", keys.generate("bench.local"), "bench.local/log")
        records = [("ballot", {"vote_id": "v1-1", "ballot": b, "nonce": secrets.token_hex(16)}) for b in ballots]
        started = time.perf_counter()
        for start in range(0, len(records), 1000):
            log.append_many(records[start:start + 1000])
            log.checkpoint()
        append_s = time.perf_counter() - started
        log.close()
    return {"election_tally_ms": round(best * 1000, 2), "audit_append_5000_ms": round(append_s * 1000, 2)}


def _timed(fn: Any) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


@dataclass(frozen=True)
class Scenario:
    """What the rounds vote: by default today's plaintext motion (every tablet sends
    ``{"choice": "yes"}``); else each tablet makes its own ballot before the burst
    (load/encrypted.py), encrypted with ``--encrypted``."""

    kind: str = "motion"
    encrypted: bool = False
    candidates: int = 30
    seats: int = 25

    @property
    def prepared(self) -> bool:
        return self.encrypted or self.kind != "motion"


def ask_each(workers: list[tuple[Any, Any]], commands: list[tuple[Any, ...]], timeout: float = 900) -> list[Any]:
    """Like ``ask``, with a command of its own for each worker."""
    for (_, pipe), command in zip(workers, commands, strict=True):
        pipe.send(command)
    answers = []
    for (_, pipe), command in zip(workers, commands, strict=True):
        if not pipe.poll(timeout):
            raise TimeoutError(f"worker did not answer {command[0]}")
        answers.append(pipe.recv())
    return answers


def run_server_rounds(url: str, workers: list[tuple[Any, Any]], rounds: int, spread: float,
                      sampler: Sampler, staff: httpx.Client, chair: httpx.Client, meeting_id: int,
                      scenario: Scenario = Scenario(), tablet_indices: list[list[int]] | None = None,
                      trustees: Sequence[encrypted.Trustee] = (),
                      between: Callable[[str], None] | None = None) -> dict[str, Any]:
    """The rounds; after each, ``between(state message)`` (the baseline's round: :class:`Baseline`)."""
    fanout: list[float] = []
    acks: list[float] = []
    close_to_result: list[float] = []
    sent = acked = refused = stored = reconnects = 0
    open_frame = ""
    cpu_before = sampler.cpu_seconds() + sampler.pool_cpu_seconds()
    wall_before = time.monotonic()
    open_calls: list[float] = []
    burst_cpu_s = burst_loop_cpu_s = burst_pool_cpu_s = burst_wall_s = 0.0
    burst_clients_cpu_s = burst_machine_busy_s = 0.0  # the simulated tablets'; every process's on the machine
    clients = [psutil.Process(process.pid) for process, _ in workers]
    # with --encrypted or --kind election: what each tablet's ballot cost it, the count checked
    close_calls: list[float] = []
    partial_answers: list[float] = []
    round_ack_p99: list[float | None] = []
    round_server_cores: list[float] = []
    prepare_cpu_s = 0.0
    frame_bytes = 0
    counts_match = True
    refusal_codes: set[str] = set()
    sample: tuple[Any, Any] | None = None  # (context, encrypted ballot) for the reference check
    names = encrypted.candidate_names(scenario.candidates)
    # The agenda is set before the session, as in a real congress: the rounds time only the votes.
    items = [staff.post(f"/api/meetings/{meeting_id}/items",
                        json=encrypted.item_definition(scenario.kind, n, scenario.candidates, scenario.seats))
             .raise_for_status().json() for n in range(rounds)]
    time.sleep(1.0)  # let every tablet take in the new agenda
    for item in items:
        opened_at = time.monotonic()
        vote_id = chair.post(f"/api/items/{item['id']}/open", json={}).raise_for_status().json()["vote_id"]
        open_calls.append(time.monotonic() - opened_at)
        answers = ask(workers, ("wait_open", vote_id, 60))
        with_encryption = 0
        round_frame = ""
        for _, times, frame, encrypted_for in answers:
            fanout += [t - opened_at for t in times if t is not None]
            round_frame = max(round_frame, frame, key=len)
            with_encryption += encrypted_for
        open_frame = max(open_frame, round_frame, key=len)
        tablets = sum(len(times) for _, times, _, _ in answers)
        if with_encryption != (tablets if scenario.encrypted else 0):
            raise RuntimeError(f"{with_encryption} of {tablets} tablets saw the vote with `encryption`")
        if scenario.prepared:
            assert tablet_indices is not None
            prepared = ask_each(workers, [
                ("prepare", vote_id, [encrypted.plain_ballot(scenario.kind, i, scenario.candidates, scenario.seats)
                                      for i in indices]) for indices in tablet_indices])
            for _, made in prepared:
                prepare_cpu_s += made["cpu_s"]
                frame_bytes = max(frame_bytes, made["frame_bytes"])
                if made["encrypted"] != (made["ballots"] if scenario.encrypted else 0):
                    raise RuntimeError("a tablet did not encrypt its ballot")
                if sample is None and made["sample"] is not None:
                    vote = chair.get(f"/api/votes/{vote_id}").raise_for_status().json()
                    sample = (vote["encryption"]["context"], made["sample"])
        start_at = time.monotonic() + 0.3
        burst_cpu, burst_loop_cpu = sampler.cpu_seconds(), sampler.main_thread_cpu_seconds()
        burst_pool_cpu = sampler.pool_cpu_seconds()
        burst_clients_cpu, burst_machine_busy = clients_cpu_seconds(clients), machine_busy_seconds()
        if scenario.prepared:
            ask(workers, ("burst_prepared", start_at, spread))
        else:
            ask(workers, ("burst", vote_id, start_at, spread, {"choice": "yes"}))
        reports = [report for _, report in ask(workers, ("report", 60))]
        burst_server_cpu = sampler.cpu_seconds() - burst_cpu + sampler.pool_cpu_seconds() - burst_pool_cpu
        burst_cpu_s += sampler.cpu_seconds() - burst_cpu
        burst_loop_cpu_s += sampler.main_thread_cpu_seconds() - burst_loop_cpu
        burst_pool_cpu_s += sampler.pool_cpu_seconds() - burst_pool_cpu
        round_server_cores.append(round(burst_server_cpu / max(1e-3, time.monotonic() - start_at), 2))
        burst_wall_s += time.monotonic() - start_at
        burst_clients_cpu_s += clients_cpu_seconds(clients) - burst_clients_cpu
        burst_machine_busy_s += machine_busy_seconds() - burst_machine_busy
        reconnects = sum(report["reconnects"] for report in reports)  # cumulative per worker
        acked_ballots = []
        round_ack_p99.append(percentiles([a for report in reports for a in report["ack_latencies"]])["p99_ms"])
        for report in reports:
            acks += report["ack_latencies"]
            sent += report["sent"]
            acked += len(report["ack_latencies"])
            refused += report["refused"]
            acked_ballots += report["acked_ballots"]
            refusal_codes.update(report["refusals"])
        closed_at = time.monotonic()
        closing = chair.post(f"/api/votes/{vote_id}/close")
        close_calls.append(time.monotonic() - closed_at)
        result_from = closed_at
        if scenario.encrypted:  # 202: the totals wait for k 监票人
            if closing.status_code != 202:
                raise RuntimeError(f"an encrypted close answered {closing.status_code}: {closing.text[:300]}")
            stored += closing.json()["ballots_cast"]
            answer_s, result_from, result = encrypted.post_partials(trustees, vote_id, QUORUM)
            partial_answers += answer_s
        else:
            result = closing.raise_for_status().json()
            if scenario.kind == "motion":
                stored += result["counts"]["yes"] + result["counts"]["no"] + result["counts"]["abstain"]
            else:
                stored += result["ballots"]["returned"]
        if scenario.prepared:
            counts_match = counts_match and encrypted.counts_of(scenario.kind, result, names) == \
                encrypted.expected_counts(scenario.kind, acked_ballots)
        for _, times in ask(workers, ("wait_result", vote_id, 60)):
            close_to_result += [t - result_from for t in times if t is not None]
        if between is not None:
            between(round_frame)
    cpu = sampler.cpu_seconds() + sampler.pool_cpu_seconds() - cpu_before
    wall = time.monotonic() - wall_before
    figures: dict[str, Any] = {
        "fanout": percentiles(fanout), "ack": percentiles(acks), "close_to_result": percentiles(close_to_result),
        "open_request": percentiles(open_calls),
        "ballots": {"sent": sent, "acked": acked, "refused": refused, "stored": stored},
        "reconnects": reconnects,
        "state_message_bytes": len(open_frame.encode()),
        "server_cpu_percent_of_one_core": round(100 * cpu / wall, 1) if wall else None,
        # CPU the server (its process and its proof workers) spent per ballot during the bursts
        # (receive, check, store, receipt): less sensitive to the machine's other load than the latencies
        "server_cpu_us_per_ballot": round((burst_cpu_s + burst_pool_cpu_s) / sent * 1e6) if sent else None,
        # of which the event loop's thread (frames in and out); the rest is the writer's
        "server_loop_cpu_us_per_ballot": round(burst_loop_cpu_s / sent * 1e6) if sent else None,
        # the writer in a process of its own (WRITER_PROCESS), its CPU counted as the server's
        "writer_process": sampler.writer_process(),
    }
    # cores' worth of CPU from the first ballot sent to the last acknowledged: the server's
    # (process and proof workers), the simulated tablets', and every process's on the machine
    # (other sessions' test runs share the cores)
    if burst_wall_s > 0:
        figures["cores_during_bursts"] = {
            "server": round((burst_cpu_s + burst_pool_cpu_s) / burst_wall_s, 2),
            "tablets": round(burst_clients_cpu_s / burst_wall_s, 2),
            "machine": round(burst_machine_busy_s / burst_wall_s, 2), "of": os.cpu_count()}
    if scenario.prepared:
        figures["vote"] = {"kind": scenario.kind, "encrypted": scenario.encrypted,
                           **({"candidates": scenario.candidates, "seats": scenario.seats}
                              if scenario.kind == "election" else {})}
        figures["ack_p99_ms_by_round"] = round_ack_p99
        figures["server_cores_by_round"] = round_server_cores  # during each burst
        figures["counts_match_acked_ballots"] = counts_match
        figures["refusal_codes"] = sorted(refusal_codes)
        figures["ballot_frame_bytes"] = frame_bytes
        # the simulated tablets' CPU to make (encrypt and prove) one ballot, before the burst
        figures["tablet_prepare_cpu_ms_per_ballot"] = round(prepare_cpu_s / sent * 1e3, 2) if sent else None
        figures["close_request"] = percentiles(close_calls)
    if scenario.encrypted:
        # from the post of the k-th 监票人's partial decryption to the result on every tablet
        figures["kth_partial_to_result"] = figures.pop("close_to_result")
        figures["partial_answer"] = percentiles(partial_answers)
        # of the server's CPU per ballot, its proof workers' (server/proofs.py)
        figures["server_proof_cpu_us_per_ballot"] = round(burst_pool_cpu_s / sent * 1e6) if sent else None
        figures["reference_check_cpu_us_per_ballot"] = reference_check_us(*sample) if sample else None
    return figures


def clients_cpu_seconds(clients: list[psutil.Process]) -> float:
    total = 0.0
    for client in clients:
        with contextlib.suppress(psutil.Error):
            times = client.cpu_times()
            total += times.user + times.system
    return total


def machine_busy_seconds() -> float:
    """CPU time every process on the machine has used (all cores), from /proc/stat."""
    times = psutil.cpu_times()
    counted_twice = sum(getattr(times, name, 0.0) for name in ("guest", "guest_nice"))  # also in user, nice
    return float(sum(times) - times.idle - getattr(times, "iowait", 0.0) - counted_twice)


def reference_check_us(context: dict[str, Any], ballot: dict[str, Any]) -> int:
    """CPU of one check of an encrypted ballot's proofs in this process (server/proofs.py's job,
    best of three): what the server's proof workers spend per ballot at the least."""
    from server.proofs import check_ballot_job

    best = float("inf")
    for _ in range(3):
        started = time.process_time()
        if check_ballot_job(context, ballot) is not None:
            raise RuntimeError("a tablet's encrypted ballot does not check")
        best = min(best, time.process_time() - started)
    return round(best * 1e6)


class Baseline:
    """The bare ``websockets`` server (load/baseline.py) with N clients of its own, started beside
    the real server once its tablets are in, and measured a round at a time between the real
    server's rounds (:meth:`round`): both are timed in the same minutes of the shared machine,
    whose speed moves by a quarter and more within one run (``machine.python_loop_10M_s``), and
    each round's broadcast carries the very state message the tablets got in the round before it.
    Each side is idle while the other is measured; the summary reports the CPU each server used
    while the other was measured, so what might have disturbed a figure is on record."""

    def __init__(self, terminals: int, processes: int, spread: float, nice: int, other: Sampler) -> None:
        context = multiprocessing.get_context("spawn")
        port = free_port()
        ready_parent, ready_child = context.Pipe()
        self.server = context.Process(target=baseline.serve, args=(port, ready_child), daemon=True)
        self.server.start()
        ready_parent.recv()
        self.url = f"ws://127.0.0.1:{port}"
        self.sampler = Sampler(self.server.pid or 0)
        self.sampler.start()
        self.other = other
        self.spread = spread
        self.broadcast: list[float] = []
        self.echo: list[float] = []
        self.other_cpu_s = self.own_cpu_s = 0.0
        # at the server's tablets' priority: the two servers measured alike
        counts = [len(c) for c in chunked(list(range(terminals)), processes)]
        self.workers: list[tuple[Any, Any]] = start_workers(baseline.clients, counts, self.url, nice=nice)
        for _, pipe in self.workers:
            if not pipe.poll(900):
                raise TimeoutError("the baseline's clients did not connect")
            pipe.recv()
        self.cpu_at_start = self.sampler.cpu_seconds()

    def round(self, message: str) -> None:
        """One broadcast of ``message`` to every client, then one burst of echoes over ``spread``."""
        other_before, own_before = self.other.cpu_seconds(), self.sampler.cpu_seconds()
        started = baseline.trigger_broadcast(self.url, message)
        for _, times in ask(self.workers, ("wait_broadcast", 60)):
            self.broadcast += [t - started for t in times if t is not None]
        start_at = time.monotonic() + 0.3
        for _, latencies in ask(self.workers, ("echo", start_at, self.spread)):
            self.echo += latencies
        self.other_cpu_s += self.other.cpu_seconds() - other_before
        self.own_cpu_s += self.sampler.cpu_seconds() - own_before

    def finish(self) -> dict[str, Any]:
        idle_cpu_s = self.sampler.cpu_seconds() - self.cpu_at_start - self.own_cpu_s
        ask(self.workers, ("stop",))
        self.stop()
        return {"broadcast": percentiles(self.broadcast), "echo": percentiles(self.echo),
                "peak_rss_mb": round(self.sampler.peak_rss / 2**20, 1),
                "interleaved_with_the_server_rounds": True,
                # each server's CPU while the other was measured (idle but for housekeeping)
                "real_server_cpu_s_in_these_rounds": round(self.other_cpu_s, 3),
                "cpu_s_in_the_real_server_rounds": round(idle_cpu_s, 3)}

    def stop(self) -> None:
        for process, _ in self.workers:
            process.join(timeout=10)
            if process.is_alive():
                process.terminate()
        self.workers = []
        self.sampler.stop()
        if self.server.is_alive():
            self.server.terminate()
        self.server.join(timeout=10)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m load.bench", description=__doc__.splitlines()[0])
    parser.add_argument("--terminals", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--processes", type=int, default=0,
                        help="client processes (default: 1 per 1,250 tablets, 2..4)")
    parser.add_argument("--spread", type=float, default=1.0, help="seconds over which a burst of ballots is sent")
    parser.add_argument("--database-url", default=None,
                        help="PostgreSQL URL; the run makes its own database beside it and drops it at the end "
                             "(default: SQLite in a temporary dir)")
    parser.add_argument("--skip-baseline", action="store_true")
    parser.add_argument("--tablets-nice", type=int, default=TABLETS_NICE,
                        help="CPU priority (nice, 0..19) of the simulated tablets' processes and the baseline's "
                             f"clients; the server keeps 0 (default {TABLETS_NICE}; 0: the same priority)")
    parser.add_argument("--out", type=Path, default=None, help="also write the JSON summary here")
    parser.add_argument("--profile", type=Path, default=None,
                        help="sample the server with py-spy during the rounds only (not the check-in) and write "
                             "its stacks here in py-spy's raw (collapsed) format")
    parser.add_argument("--encrypted", action="store_true",
                        help=f"encrypted secret votes: a key ceremony of {TRUSTEES} 监票人 (k = {QUORUM}) first, "
                             "ballots encrypted by the tablets before the burst, the count from k partial decryptions")
    parser.add_argument("--kind", choices=encrypted.KINDS, default="motion",
                        help="what each round votes (election: office member, no write-ins)")
    parser.add_argument("--candidates", type=int, default=30, help="candidates of --kind election")
    parser.add_argument("--seats", type=int, default=25,
                        help="seats of --kind election (组织法 第二十七条: 30 candidates elect 25 to 27 members)")
    args = parser.parse_args(argv)
    if not 1 <= args.terminals <= 20000 or not 1 <= args.rounds <= 20:
        parser.error("--terminals must be 1..20000 and --rounds 1..20")
    if not 0 <= args.tablets_nice <= 19:
        parser.error("--tablets-nice must be 0..19")
    if not 1 <= args.seats < args.candidates <= 100:
        parser.error("--seats must be at least 1 and fewer than --candidates (at most 100)")
    processes = args.processes or max(2, min(4, -(-args.terminals // 1250)))
    files = raise_open_files()
    tmp = Path(tempfile.mkdtemp(prefix="renda-bench-"))
    scratch: str | None = None
    database_url = args.database_url
    if database_url:  # a database of its own beside the one named, dropped at the end
        scratch, database_url = create_scratch_database(database_url, "renda_bench")
    try:
        return _run(args, processes, files, tmp, database_url)
    finally:
        if scratch is not None:
            drop_scratch_database(args.database_url, scratch)
        shutil.rmtree(tmp, ignore_errors=True)


def python_loop_seconds(additions: int = 10_000_000) -> float:
    """Seconds a plain Python loop of ``additions`` additions takes here, now: the yardstick
    docs/performance.md reads every run against. The development machine's vCPUs are shared with
    the host's other guests, and their speed moves (0.63-0.88 s in its normal minutes, up to 1.7 s
    in its slow spells); the server's CPU a ballot moves with it."""
    code = compile(f"total = 0\nfor i in range({int(additions)}):\n    total += i\n", "<python-loop>", "exec")
    started = time.perf_counter()
    exec(code, {})  # at module level, as the loop the documents timed (`python -c`), globals and all
    return round(time.perf_counter() - started, 2)


def steal_percent(before: Any, after: Any) -> float | None:
    """The share of every core's time the hypervisor gave to other guests between two
    ``psutil.cpu_times()`` (Linux ``steal``), in percent; None where it is not reported."""
    if not hasattr(before, "steal"):
        return None
    counted_twice = sum(getattr(after, name, 0.0) - getattr(before, name, 0.0) for name in ("guest", "guest_nice"))
    elapsed = sum(after) - sum(before) - counted_twice
    return round(100 * (after.steal - before.steal) / elapsed, 1) if elapsed > 0 else None


def _run(args: argparse.Namespace, processes: int, files: int, tmp: Path, database_url: str | None) -> int:
    loop_before = python_loop_seconds()
    server, url, _log = start_server(tmp / "data", database_url)
    sampler = Sampler(server.pid)
    sampler.start()
    summary: dict[str, Any] = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform(),
                    "memory_gb": round(psutil.virtual_memory().total / 2**30, 1), "open_files_limit": files,
                    "python_loop_10M_s": {"before": loop_before}},
        "terminals": args.terminals, "rounds": args.rounds, "client_processes": processes,
        "tablets_nice": args.tablets_nice,
        "database": "postgresql" if args.database_url else "sqlite",
    }
    scenario = Scenario(args.kind, args.encrypted, args.candidates, args.seats)
    if scenario.prepared:
        summary["spread_s"] = args.spread
        summary["load_average_at_start"] = [round(x, 2) for x in os.getloadavg()]  # others' runs share the cores
    workers: list[tuple[Any, Any]] = []
    base: Baseline | None = None
    try:
        staff = login(url, "staff", "demo-staff-2026")
        chair = login(url, "chair", "demo-chair-2026")
        meeting_id, codes = prepare_meeting(staff, args.terminals)
        started = time.monotonic()
        workers = start_workers(terminals_worker.run, chunked(codes, processes), url, nice=args.tablets_nice)
        for _, pipe in workers:
            if not pipe.poll(900):
                raise TimeoutError("tablets did not connect")
            pipe.recv()
        summary["connect_and_check_in_s"] = round(time.monotonic() - started, 2)
        profiler = start_profiler(server.pid, args.profile) if args.profile else None
        trustees: list[encrypted.Trustee] = []
        if scenario.encrypted:  # the 监票人 make the election key before the first vote
            started = time.monotonic()
            trustees = encrypted.make_trustees(staff, lambda username, password: login(url, username, password),
                                               TRUSTEES)
            key = encrypted.run_ceremony(staff, trustees, meeting_id, QUORUM)
            summary["key_ceremony"] = {"trustees": TRUSTEES, "k": QUORUM, "fingerprint": key["fingerprint"],
                                       "seconds": round(time.monotonic() - started, 2)}
        if not args.skip_baseline:
            base = Baseline(args.terminals, processes, args.spread, args.tablets_nice, sampler)
        cpu_times_before_rounds = psutil.cpu_times()
        summary["server"] = run_server_rounds(url, workers, args.rounds, args.spread, sampler, staff, chair,
                                              meeting_id, scenario, chunked(list(range(len(codes))), processes),
                                              trustees, base.round if base is not None else None)
        summary["machine"]["steal_percent_in_rounds"] = steal_percent(cpu_times_before_rounds, psutil.cpu_times())
        if profiler is not None:
            stop_profiler(profiler)
        if scenario.prepared:
            summary["load_average_after_rounds"] = [round(x, 2) for x in os.getloadavg()]
        summary["server"]["peak_rss_mb"] = round(sampler.peak_rss / 2**20, 1)
        if base is not None:
            summary["baseline"] = base.finish()
        ask(workers, ("stop",))
    finally:
        if base is not None:
            base.stop()
        for process, _ in workers:
            process.join(timeout=10)
            if process.is_alive():
                process.terminate()
        sampler.stop()
        server.terminate()
        server.wait(timeout=30)
    summary["machine"]["python_loop_10M_s"]["after"] = python_loop_seconds()
    if not scenario.encrypted:
        summary["micro"] = micro_benchmarks()
    if "baseline" in summary:
        bare, srv = summary["baseline"], summary["server"]
        summary["ratios"] = {
            "fanout_p99_to_broadcast_p99": ratio(srv["fanout"]["p99_ms"], bare["broadcast"]["p99_ms"]),
            "fanout_p50_to_broadcast_p50": ratio(srv["fanout"]["p50_ms"], bare["broadcast"]["p50_ms"]),
            "ack_p99_to_echo_p99": ratio(srv["ack"]["p99_ms"], bare["echo"]["p99_ms"]),
            "ack_p50_to_echo_p50": ratio(srv["ack"]["p50_ms"], bare["echo"]["p50_ms"]),
        }
    srv = summary["server"]
    ballots = srv["ballots"]
    if scenario.encrypted:
        targets: dict[str, float] = ENCRYPTED_TARGETS[scenario.kind]
        issue = ISSUE_SCENARIOS[scenario.kind]
        summary["issue_scenario"] = args.terminals == issue["terminals"] and args.spread == issue["spread"] and \
            (scenario.kind == "motion" or args.candidates == issue["candidates"])
        checks = {
            "no_ballot_lost_or_duplicated": ballots["sent"] == ballots["acked"] == ballots["stored"],
            "counts_match_acked_ballots": srv["counts_match_acked_ballots"],
            "ack_p99_within_target": (srv["ack"]["p99_ms"] or 1e9) <= targets["ack_p99_ms_max"],
            # the proofs were checked in the server's pool: its workers spent at least half of what
            # one check costs here for each ballot (the server refuses bad proofs: tests/server)
            "proof_cpu_per_ballot_at_least_half_a_check":
                (srv["server_proof_cpu_us_per_ballot"] or 0) >= 0.5 * (srv["reference_check_cpu_us_per_ballot"] or 1e9),
        }
        if "kth_partial_to_result_ms_max" in targets:
            checks["kth_partial_to_result_within_target"] = \
                (srv["kth_partial_to_result"]["max_ms"] or 1e9) <= targets["kth_partial_to_result_ms_max"]
    else:
        targets = TARGETS
        checks = {
            "no_ballot_lost_or_duplicated": ballots["sent"] == ballots["acked"] == ballots["stored"],
            "ack_p99_within_target": (srv["ack"]["p99_ms"] or 1e9) <= TARGETS["ack_p99_ms_max"],
            "close_to_result_within_target":
                (srv["close_to_result"]["max_ms"] or 1e9) <= TARGETS["close_to_result_ms_max"],
            "election_tally_within_target":
                summary["micro"]["election_tally_ms"] <= TARGETS["election_tally_ms_max"],
            "audit_append_within_target":
                summary["micro"]["audit_append_5000_ms"] <= TARGETS["audit_append_5000_ms_max"],
        }
        if scenario.prepared:
            checks["counts_match_acked_ballots"] = srv["counts_match_acked_ballots"]
    if "ratios" in summary:
        checks["fanout_p99_ratio_within_target"] = \
            (summary["ratios"]["fanout_p99_to_broadcast_p99"] or 1e9) <= TARGETS["fanout_p99_ratio_max"]
    summary["targets"] = targets
    summary["checks"] = checks
    text = json.dumps(summary, ensure_ascii=False, indent=2)
    print(text)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")
    counted = checks["no_ballot_lost_or_duplicated"] and checks.get("counts_match_acked_ballots", True)
    return 0 if counted else 1


if __name__ == "__main__":
    sys.exit(main())
