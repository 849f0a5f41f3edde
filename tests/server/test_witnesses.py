"""Witnesses (C2SP tlog-witness) and the server: its checkpoints are cosigned in the background and
exported; k = 2 of 3 witnesses with a server whose operator forks the log (restores a copy of the
data and writes another history) or rolls it back; a dead witness does not delay a ballot."""

from __future__ import annotations

import asyncio
import http.server
import io
import re
import shutil
import socket
import threading
import time
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import Any, ClassVar

import httpx
import pytest

from audit import AuditLog, export, keys, verify_export
from audit.__main__ import main as audit_main
from audit.cosignature import Cosigner, generate
from audit.witness import Witness, origin_hash
from audit.witness_http import WitnessServer, serve
from server import evidence
from server.config import Witness as WitnessConfig
from server.witnesses import Refused, WitnessClient
from tests.conftest import Deployment, InProcessServer, Seeds
from tests.server.session_helpers import Session, choices, login, ok


@contextmanager
def witnesses(base: Path, log_vkey: str, count: int = 3) -> Iterator[list[WitnessServer]]:
    """`count` witnesses of the log of `log_vkey`, each served on 127.0.0.1 on a thread."""
    running: list[tuple[WitnessServer, threading.Thread]] = []
    try:
        for number in range(1, count + 1):
            witness = Witness.open(base / f"witness-{number}", [keys.Verifier.from_vkey(log_vkey)],
                                   name=f"jianpiao.example/w{number}")
            running.append(serve(witness))
        yield [server for server, _ in running]
    finally:
        for server, thread in running:
            server.shutdown()
            server.server_close()
            thread.join()
            server.witness.close()


def configured(*servers: WitnessServer) -> str:
    """The WITNESSES setting for these witnesses."""
    return ", ".join(f"{server.url} {server.witness.vkey}" for server in servers)


def log_vkey(deployment: Deployment) -> str:
    return keys.load(deployment.data_dir / "audit-key.skey").vkey


def clone(deployment: Deployment, into: Path) -> Deployment:
    """A copy of a stopped SQLite deployment: what an operator restores to write another history."""
    shutil.copytree(deployment.data_dir, into / "data")
    source = Path(deployment.database_url.removeprefix("sqlite:///"))
    for suffix in ("", "-wal", "-shm"):
        if Path(f"{source}{suffix}").exists():
            shutil.copy2(f"{source}{suffix}", f"{into / 'db.sqlite3'}{suffix}")
    return Deployment(into / "data", f"sqlite:///{into / 'db.sqlite3'}")


@contextmanager
def running(deployment: Deployment, monkeypatch: pytest.MonkeyPatch, witnessed: str,
            timeout: str = "5") -> Iterator[InProcessServer]:
    with monkeypatch.context() as env:
        env.setenv("WITNESSES", witnessed)
        env.setenv("WITNESS_INTERVAL_S", "0.05")
        env.setenv("WITNESS_TIMEOUT_S", timeout)
        server = InProcessServer(deployment)
    try:
        yield server
    finally:
        server.stop()


def wait_states(server: InProcessServer, want: dict[str, str], timeout: float = 30.0) -> list[dict[str, Any]]:
    """Wait until each witness named in `want` (by its key's name) is in that state, at the newest
    checkpoint's size when ``cosigned`` (read in the server's runtime: no request, no record)."""
    deadline = time.monotonic() + timeout
    while True:
        size = server.runtime.ledger.log.latest_checkpoint.size
        states = [asdict(status) for status in server.runtime.witnesses.status()]
        seen = {s["vkey"].split("+", 1)[0]: s for s in states}
        if all(seen[name]["state"] == state and (state != "cosigned" or seen[name]["cosigned_size"] == size)
               for name, state in want.items()):
            return states
        assert time.monotonic() < deadline, (want, states)
        time.sleep(0.05)


def download_export(client: httpx.Client, into: Path) -> Path:
    with zipfile.ZipFile(io.BytesIO(client.get("/api/audit/export.zip").content)) as archive:
        archive.extractall(into)
    return into / "export"


def keys_of(*servers: WitnessServer) -> list[Cosigner]:
    return [Cosigner.from_vkey(server.witness.vkey) for server in servers]


def test_every_checkpoint_is_cosigned_in_the_background_and_the_export_and_receipts_carry_it(
        seeds: Seeds, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    deployment = seeds.copy("sqlite", tmp_path)
    with witnesses(tmp_path, log_vkey(deployment)) as trio, running(deployment, monkeypatch, configured(*trio)) as srv:
        receipts: list[dict[str, Any]] = []
        everyone = {f"jianpiao.example/w{n}": "cosigned" for n in (1, 2, 3)}
        ledger = srv.runtime.ledger

        async def vote() -> None:
            s = Session.start(srv.url)
            try:
                await s.connect(40)
                vote_id = s.open(s.item("决议")["id"])
                receipts.extend(r["receipt"] for r in await s.cast(vote_id, choices(yes=30, no=10)))
                s.close(vote_id)
                while ledger.outcome_seq(vote_id) is None:  # the result follows the close
                    await asyncio.sleep(0.05)
                wait_states(srv, everyone)
                # The result sheet, printed once the witnesses have cosigned its checkpoint, carries them.
                covering = ledger.covering(ledger.outcome_seq(vote_id))
                assert covering == ledger.log.latest_checkpoint  # nothing was written since the result
                note = ledger.log.with_cosignatures(covering)
                assert note.count("\u2014 ") == 4  # the log's line and the three witnesses'
                sheet = s.chair.get(f"/print/vote/{vote_id}").text
                assert sheet.count(evidence.qr_svg(note)) == sheet.count('class="cp-block"') >= 1
                named = re.findall(r'class="cp-witness">([^<（]*)（', sheet)
                assert sorted(set(named)) == sorted(everyone) and len(named) == 3 * sheet.count('class="cp-block"')
            finally:
                await s.finish()

        asyncio.run(vote())
        auditor = login(srv.url, "auditor")
        wait_states(srv, everyone)
        states = ok(auditor.get("/api/audit/witnesses"))
        assert [s["state"] for s in states] == ["cosigned"] * 3 and all(s["error"] is None for s in states)
        note = auditor.get("/api/audit/checkpoint").text
        signers = [line.split(" ")[1] for line in note.split("\n\n", 1)[1].splitlines()]
        assert signers[0] == note.split("\n")[0]  # the log's own line first, then each witness's
        assert sorted(signers[1:]) == ["jianpiao.example/w1", "jianpiao.example/w2", "jianpiao.example/w3"]
        assert auditor.get("/api/audit/cosigned-checkpoint").text == note
        origin = note.split("\n")[0]
        assert httpx.get(f"{trio[0].url}/{origin_hash(origin)}/checkpoint").text.startswith(note.split("\n\n")[0])

        proof = httpx.post(f"{srv.url}/api/audit/tlog-proof", json=receipts[0])
        assert proof.status_code == 200 and proof.text.startswith("c2sp.org/tlog-proof@v1\nextra ")
        assert proof.text.endswith(note)  # against the newest witnessed checkpoint, cosignatures included
        forged = httpx.post(f"{srv.url}/api/audit/tlog-proof", json={**receipts[0], "leaf_hash": "00" * 32})
        assert forged.status_code == 400 and forged.json()["error"]["code"] == "receipt_rejected"
        malformed = httpx.post(f"{srv.url}/api/audit/tlog-proof", json={**receipts[0], "inclusion_proof": ["00"] * 3})
        assert malformed.status_code in (400, 422)
        (tmp_path / "ballot.tlog-proof").write_text(proof.text, encoding="utf-8")
        out = download_export(auditor, tmp_path / "downloaded")
        given = [arg for server in trio for arg in ("--witness", server.witness.vkey)]
        assert audit_main(["verify", str(out), "--no-progress", *given]) == 0  # all three
        keys_given = [server.witness.vkey for server in trio]
        report = ok(auditor.post("/api/audit/verify", json={"witnesses": keys_given, "quorum": 3}))
        assert report["ok"] is True and report["quorum"] == 3 and all(w["cosigned"] for w in report["witnesses"])
        assert [c["id"] for c in report["checks"]][:3] == ["key", "checkpoints", "witnesses"]
        assert audit_main(["check-receipt", str(tmp_path / "ballot.tlog-proof"), "--export", str(out), *given,
                           "--quorum", "2"]) == 0
        auditor.close()
        srv.restart()  # the threads start again from `old 0` and learn each witness's size from its 409
        login(srv.url, "staff").close()
        wait_states(srv, {f"jianpiao.example/w{n}": "cosigned" for n in (1, 2, 3)})


def test_k_2_of_3_witnesses_refuse_a_server_that_forks_and_verify_rejects_its_export(
        seeds: Seeds, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    honest = seeds.copy("sqlite", tmp_path / "honest")
    with witnesses(tmp_path, log_vkey(honest)) as (w1, w2, w3):
        with running(honest, monkeypatch, configured(w1, w2, w3)) as srv:  # every witness sees the start
            wait_states(srv, {f"jianpiao.example/w{n}": "cosigned" for n in (1, 2, 3)})
        forked = clone(honest, tmp_path / "forked")  # the operator keeps copies of the data
        rolled = clone(honest, tmp_path / "rolled")
        with running(honest, monkeypatch, configured(w1, w2)) as srv:  # one history, shown to w1 and w2
            login(srv.url, "chair").close()
            login(srv.url, "staff").close()
            wait_states(srv, {"jianpiao.example/w1": "cosigned", "jianpiao.example/w2": "cosigned"})
        with running(forked, monkeypatch, configured(w2, w3)) as srv:  # another one of that size, to w2 and w3
            login(srv.url, "staff").close()
            login(srv.url, "chair").close()
            wait_states(srv, {"jianpiao.example/w2": "refused", "jianpiao.example/w3": "cosigned"})
        with running(rolled, monkeypatch, configured(w1)) as srv:  # rolled back and rewritten, smaller, to w1
            login(srv.url, "auditor").close()
            wait_states(srv, {"jianpiao.example/w1": "ahead"})

        shown, hidden, smaller = (tmp_path / "shown", tmp_path / "hidden", tmp_path / "smaller")
        for source, out in ((honest, shown), (forked, hidden), (rolled, smaller)):
            export(source.data_dir / "audit-log", out)
        sizes = [newest_size(out) for out in (shown, hidden, smaller)]
        assert sizes[0] == sizes[1] > sizes[2]  # two histories of one size, and one rolled back
        trusted = keys_of(w1, w2, w3)
        assert verify_export(shown, witnesses=trusted, quorum=2).ok
        for export_dir in (hidden, smaller):
            report = verify_export(export_dir, witnesses=trusted, quorum=2)
            assert [f.code for f in report.failures] == ["witness-quorum"], (export_dir, report.lines())
            assert verify_export(export_dir).ok  # without the witnesses nothing shows the fork
        assert any(p.read_text(encoding="utf-8").startswith("reason: fork")
                   for p in (w2.witness.directory / "evidence").iterdir())
        assert any(p.read_text(encoding="utf-8").startswith("reason: rollback")
                   for p in (w1.witness.directory / "evidence").iterdir())
        assert next(iter(w2.witness.logs.values())).size == sizes[0]  # w2 stays with what it saw first


def newest_size(export_dir: Path) -> int:
    """The size of an export's newest checkpoint."""
    return int((export_dir / "checkpoints.jsonl").read_text().splitlines()[-1].split("\\n")[1])


def test_a_dead_witness_does_not_delay_ballots(seeds: Seeds, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    deployment = seeds.copy("sqlite", tmp_path)
    black_hole = socket.socket()  # accepts connections in the kernel, never answers
    black_hole.bind(("127.0.0.1", 0))
    black_hole.listen(64)
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    closed_port = closed.getsockname()[1]
    closed.close()  # nothing listens: refused at once
    silent, refusing = generate("jianpiao.example/silent"), generate("jianpiao.example/gone")
    witnessed = (f"http://127.0.0.1:{black_hole.getsockname()[1]} {silent.vkey}, "
                 f"http://127.0.0.1:{closed_port} {refusing.vkey}")
    try:
        with running(deployment, monkeypatch, witnessed, timeout="5") as srv:
            elapsed: list[float] = []

            async def vote() -> None:
                s = Session.start(srv.url)
                try:
                    await s.connect(40)
                    vote_id = s.open(s.item("决议")["id"])
                    await s.wait_open(vote_id)
                    started = time.monotonic()
                    acked = await s.cast(vote_id, choices(yes=40))
                    elapsed.append(time.monotonic() - started)
                    assert all(a["receipt"]["index"] for a in acked)
                    s.close(vote_id)
                finally:
                    await s.finish()

            asyncio.run(vote())
            assert elapsed[0] < 4.0, elapsed  # one batch waiting on the silent witness would take 5 s
            states = {s["vkey"].split("+", 1)[0]: s for s in ok(login(srv.url, "auditor").get("/api/audit/witnesses"))}
            assert states["jianpiao.example/gone"]["state"] == "unreachable"
            assert states["jianpiao.example/silent"]["state"] in ("waiting", "unreachable")
            assert states["jianpiao.example/silent"]["cosigned_size"] == 0
    finally:
        black_hole.close()


class _Fake(http.server.BaseHTTPRequestHandler):
    """A witness that answers whatever the test puts in ``answers``."""

    answers: ClassVar[list[tuple[int, bytes]]] = []

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["Content-Length"]))
        status, body = self.answers.pop(0)
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


def test_a_witness_answering_nonsense_gives_no_cosignature_and_says_why(tmp_path: Path) -> None:
    key = keys.generate("renda.example/log")
    impostor, real = generate("jianpiao.example/w1"), generate("jianpiao.example/w1")
    fake = http.server.HTTPServer(("127.0.0.1", 0), _Fake)
    thread = threading.Thread(target=fake.serve_forever, daemon=True)
    thread.start()
    try:
        with AuditLog.open(tmp_path / "log", key) as log:
            url = f"http://127.0.0.1:{fake.server_address[1]}"
            client = WitnessClient(WitnessConfig(url, real.cosigner), log, 5, 0)
            text = log.latest_checkpoint.note.split("\n\n")[0] + "\n"
            cases: list[tuple[list[tuple[int, bytes]], str, str]] = [
                ([(500, b"oops")], "refused", "HTTP 500"),
                ([(409, b"many\n")], "refused", "409 without a usable size"),
                ([(409, b"0\n")], "refused", "409 without a usable size"),
                ([(409, b"7\n")], "ahead", "more than its newest"),
                ([(200, b"\xff\n")], "refused", "not a valid cosignature"),
                ([(200, b"not a signature line\n")], "refused", "not a valid cosignature"),
                ([(200, (impostor.cosign(text, 5) + "\n").encode())], "refused", "no cosignature by its key"),
                ([(409, b"1\n"), (409, b"1\n")], "refused", "409 without a usable size"),
            ]
            for answers, state, why in cases:
                _Fake.answers = list(answers)
                client.witness_size = None
                with pytest.raises(Refused, match=why) as refused:
                    client.submit(log.latest_checkpoint)
                assert refused.value.state == state
            assert log.cosigned is None
            _Fake.answers = [(200, (real.cosign(text, 5) + "\n" + impostor.cosign(text, 6) + "\n").encode())]
            client.submit(log.latest_checkpoint)
            assert log.cosigned is not None and log.cosigned.note.count("\u2014 ") == 2  # the log's, and its own
            fake.shutdown()
            fake.server_close()
            with pytest.raises(Refused, match="ConnectionRefused") as refused:
                client.submit(log.latest_checkpoint)
            assert refused.value.state == "unreachable"
    finally:
        fake.server_close()
