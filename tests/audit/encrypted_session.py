"""A real session with encrypted secret votes, run on a real server and exported as an auditor
downloads it: the log the encrypted-vote tests of the verifier tamper with.

What it holds, so that every new record kind meets the verifier in the shape the server writes:
a key ceremony abandoned before any commitment, then one with n = 3, k = 2 that finishes; an
encrypted motion with a challenged (spoiled) ballot and a deputy who changes their choice
(``ballot_withdrawn``), decrypted by 监票人 3 and 1; an encrypted 民生实事 票决 (4 of 6: selection and
seat limits), decrypted by 2 and 3; an encrypted 满意度测评; an encrypted 任免 closed with no ballot
(counts 0, no partial); and an encrypted election that allows write-ins (另选他人), its totals
decrypted by 2 and 3, write-in round uses by 1 and 3, round names by 1 and 2.
"""

from __future__ import annotations

import asyncio
import io
import os
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from audit import keys
from ballotcrypto.votes import encrypt_plain
from terminals.trustee import Trustee, post_decryption, post_partial
from tests.conftest import InProcessServer, Seeds
from tests.server.session_helpers import Session, choices, login, marks, ok
from tests.server.test_encrypted_vote import run_ceremony


@dataclass(frozen=True)
class EncryptedSession:
    """The export, the server's signing key (to play an insider who re-signs), and what the tests
    need to find their way in it."""

    export: Path
    key: keys.Signer
    motion: str  # vote ids
    projects: str
    satisfaction: str
    empty: str
    election: str
    spoiled: str  # the tracker of the ballot the first deputy challenged
    receipt: dict[str, Any]  # the receipt of the ballot that deputy cast then, with its tracker


async def _votes(s: Session, trustees: list[Trustee]) -> dict[str, Any]:
    ids: dict[str, Any] = {}
    motion = s.item("工作报告的决议")
    vote_id = ids["motion"] = s.open(motion["id"])
    await s.wait_open(vote_id)
    encryption = s.deputies[0].encryption_of(vote_id)
    assert encryption is not None
    challenged = encrypt_plain(encryption, {"choice": "no"})
    with httpx.Client(base_url=s.url, timeout=60, headers={"Authorization": f"Bearer {s.deputies[0].token}"}) as tablet:
        ok(tablet.post(f"/api/votes/{vote_id}/spoil", json={
            "ballot": challenged.ballot.to_json(), "opening": challenged.opening.to_json()}))
    ids["spoiled"] = challenged.ballot.tracker
    first = await s.deputies[1].vote(vote_id, {"choice": "no"})
    await s.deputies[1].vote(vote_id, {"choice": "yes"}, replaces=first["ballot_id"])
    cast = await s.cast(vote_id, [{"choice": "yes"}, *choices(yes=20, no=6, abstain=3)],
                        [s.deputies[0], *s.deputies[2:32]])
    ids["receipt"] = cast[0]
    s.close(vote_id)
    ok(post_partial(trustees[2], vote_id))
    ok(post_partial(trustees[0], vote_id))

    projects = s.item("民生实事")
    names = [p["name"] for p in projects["definition"]["projects"]]
    vote_id = ids["projects"] = s.open(projects["id"])
    await s.cast(vote_id, [marks(*names[:4])] * 6 + [marks(*names[2:5], no=[names[5]])] * 4 + [marks(no=names[:2])])
    s.close(vote_id)
    ok(post_partial(trustees[1], vote_id))
    ok(post_partial(trustees[2], vote_id))

    satisfaction = s.item("满意度测评")
    targets = satisfaction["definition"]["targets"]
    vote_id = ids["satisfaction"] = s.open(satisfaction["id"])
    grades = ["satisfied", "basically_satisfied", "unsatisfied"]
    await s.cast(vote_id, [{"marks": {t: grades[(i + n) % 3] for n, t in enumerate(targets)}} for i in range(5)])
    s.close(vote_id)
    ok(post_partial(trustees[0], vote_id))
    ok(post_partial(trustees[1], vote_id))

    appointment = s.item("人事任免")
    vote_id = ids["empty"] = s.open(appointment["id"])
    s.close(vote_id)  # no ballot: counts 0 at once, nothing to decrypt

    election = s.item("副县长")
    a, b, c = election["definition"]["candidates"]
    vote_id = ids["election"] = s.open(election["id"])
    await s.cast(vote_id, [marks(a, b)] * 3 + [{"marks": {b: "yes", a: "no"}, "write_ins": ["陈某"]}] * 2
                 + [{"marks": {c: "no"}, "write_ins": ["陈某", "林某"]}])
    s.close(vote_id)
    for trustee in (trustees[1], trustees[2], trustees[0], trustees[2], trustees[0], trustees[1]):
        ok(post_decryption(trustee, vote_id))  # totals by 2 and 3, uses by 1 and 3, names by 1 and 2
    return ids


def make_encrypted_session(seeds: Seeds, base: Path) -> EncryptedSession:
    """Run the session on a fresh copy of the demo congress and export its log."""
    with InProcessServer(seeds.copy("sqlite", base)) as server:
        staff = login(server.url, "staff")
        meeting_id = ok(staff.get("/api/meetings"))[0]["id"]
        ok(staff.post(f"/api/meetings/{meeting_id}/ceremony", json={"trustees": ["jipiao1", "jipiao2"]}))
        staff.close()
        trustees, _key = run_ceremony(server.url, meeting_id, n=3, k=2)  # abandons the first

        async def run() -> dict[str, Any]:
            s = Session.start(server.url)
            try:
                await s.connect(40)
                return await _votes(s, trustees)
            finally:
                await s.finish()

        ids = asyncio.run(run())
        auditor = login(server.url, "auditor")
        archive = auditor.get("/api/audit/export.zip")
        auditor.close()
        assert archive.status_code == 200, archive.text
        key = keys.load(server.data_dir / "audit-key.skey")
    with zipfile.ZipFile(io.BytesIO(archive.content)) as unzipped:
        unzipped.extractall(base / "unzipped")
    return EncryptedSession(base / "unzipped" / "export", key, ids["motion"], ids["projects"], ids["satisfaction"],
                            ids["empty"], ids["election"], ids["spoiled"], ids["receipt"])


def copy_export(session: EncryptedSession, into: Path) -> Path:
    """A fresh copy of the session's export, to tamper with."""
    into.mkdir(parents=True, exist_ok=True)
    for path in session.export.iterdir():
        (into / path.name).write_bytes(path.read_bytes())
    return into


def forged(session: EncryptedSession, tmp_path: Path, forge: Any, workers: int | None = None) -> tuple[Any, int]:
    """Copy the session's export, let `forge(records)` change it and say at which seq, re-sign it
    with the log's key (an insider's forgery), and verify it."""
    from audit import verify_export
    from tests.audit.audit_helpers import resign, session_records

    out = copy_export(session, tmp_path / "export")
    records = session_records(out)
    seq = forge(records)
    resign(out, records, session.key)
    return verify_export(out, workers=workers), seq


def assert_named(report: Any, code: str, seq: int) -> None:
    """The verifier named the forgery `code` at `seq`, as the signer's fault."""
    assert report.failure is not None, "the forgery verified"
    assert (report.failure.code, report.failure.seq, report.failure.signed) == (code, seq, True), report.failures


def body_of(records: list[dict[str, Any]], type_: str, vote_id: str | None = None, nth: int = 0) -> dict[str, Any]:
    """The body of the nth record of a type (of a vote)."""
    found = [r["body"] for r in records
             if r["type"] == type_ and (vote_id is None or r["body"].get("vote_id") == vote_id)]
    body: dict[str, Any] = found[nth]
    return body


def seqs_of(records: list[dict[str, Any]], type_: str, vote_id: str | None = None) -> list[int]:
    """The positions (the seqs, once re-signed) of every record of a type (of a vote)."""
    return [seq for seq, r in enumerate(records)
            if r["type"] == type_ and (vote_id is None or r["body"].get("vote_id") == vote_id)]


def insert_record(records: list[dict[str, Any]], at: int, type_: str, body: dict[str, Any]) -> int:
    """Put a record at position `at` (dated as the record before it), moving the seqs that bodies
    name (``ballot_withdrawn``, ``named_ballot``) along with their records: as an insider would,
    before re-signing. Returns `at`."""
    for record in records:
        if record["type"] in ("ballot_withdrawn", "named_ballot") and record["body"]["seq"] >= at:
            record["body"]["seq"] += 1
    records.insert(at, {"seq": at, "type": type_, "time": records[at - 1]["time"], "prev": "0" * 64, "body": body})
    return at


def insert_ballot(records: list[dict[str, Any]], vote_id: str, ballot: dict[str, Any], at: int | None = None) -> int:
    """Put a ballot record with `ballot` after the vote's last ballot (or at `at`); returns its seq."""
    where = seqs_of(records, "ballot", vote_id)[-1] + 1 if at is None else at
    return insert_record(records, where, "ballot", {"vote_id": vote_id, "ballot": ballot,
                                                    "nonce": os.urandom(16).hex()})
