"""An encrypted election round that allows write-ins (另选他人, docs/ballot-crypto.md §6.1) end to end
over HTTP and WebSockets: ballots with sealed names cast by the terminal client, a challenged one
whose opening shows its names, the totals and then the two write-in rounds (``uses``, ``names``)
each decrypted by a different k of the n 监票人, wrong rounds, forged and repeated partials refused,
the names counted by tally as a plaintext round counts them, and the exported log verified — on
SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import copy
import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import httpx

from ballotcrypto.randomness import SYSTEM
from ballotcrypto.votes import encrypt_plain
from terminals.trustee import decrypt_step, post_decryption
from tests.audit.encrypted_builder import misfiled_name
from tests.conftest import RunningServer
from tests.server.session_helpers import Session, in_session, login, marks, ok, refused
from tests.server.test_encrypted_vote import run_ceremony


def _state(s: Session, vote_id: str) -> dict[str, Any]:
    vote: dict[str, Any] = ok(s.chair.get(f"/api/votes/{vote_id}"))
    return vote


def _verify_export(url: str, into: Path) -> None:
    auditor = login(url, "auditor")
    response = auditor.get("/api/audit/export.zip")
    auditor.close()
    assert response.status_code == 200, response.text
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        archive.extractall(into)
    verified = subprocess.run([sys.executable, "-m", "audit", "verify", str(into / "export")],
                              capture_output=True, text=True, check=False)
    assert verified.returncode == 0, verified.stdout + verified.stderr


async def _open_election(s: Session, n: int, k: int) -> tuple[list[Any], list[str], str, dict[str, Any]]:
    """A key ceremony of n 监票人 (quorum k), then the demo's 副县长 election opened encrypted:
    (the trustees, the candidates, the vote id, the encryption the first tablet was sent)."""
    trustees, _ = run_ceremony(s.url, s.meeting_id, n=n, k=k)
    election = s.item("副县长")
    vote_id = s.open(election["id"])
    await s.wait_open(vote_id)
    encryption = s.deputies[0].encryption_of(vote_id)
    assert encryption is not None, _state(s, vote_id)
    return trustees, list(election["definition"]["candidates"]), vote_id, encryption


def test_write_ins_are_sealed_and_counted_after_two_rounds_each_by_any_k_of_n_scrutineers(
        server: RunningServer, tmp_path: Path) -> None:
    async def body(s: Session) -> None:
        trustees, (a, b, c), vote_id, encryption = await _open_election(s, 3, 2)
        assert encryption["context"]["form"]["write_ins"] == 2  # one slot per place (seats 2)
        assert encryption["selections"][-2:] == [{"question": None, "choice": "write_in"}] * 2

        # A challenged ballot: its opening shows the names the tablet sealed; never counted.
        challenged = encrypt_plain(encryption, {"marks": {a: "yes"}, "write_ins": ["赵六"]})
        deputy = httpx.Client(base_url=s.url, timeout=60, headers={"Authorization": f"Bearer {s.deputies[0].token}"})
        spoiled = ok(deputy.post(f"/api/votes/{vote_id}/spoil", json={
            "ballot": challenged.ballot.to_json(), "opening": challenged.opening.to_json()}))
        assert spoiled["values"][-2:] == [1, 0]
        assert [name for _, name in challenged.opening.write_ins] == ["赵六", ""]
        # A sealed name moved to another slot on the way breaks that slot's proof: refused, nothing stored.
        moved = encrypt_plain(encryption, {"write_ins": ["钱七"]}).ballot.to_json()
        slots = moved["write_ins"]
        assert isinstance(slots, list)
        slots[0]["sealed"], slots[1]["sealed"] = slots[1]["sealed"], slots[0]["sealed"]
        answer = refused(deputy.post("/api/ballots", json={"vote_id": vote_id, "ballot_id": moved["ballot"],
                                                           "ballot": moved, "cast_token": "t" * 32}),
                         "invalid_ballot", 400)
        assert answer["field"] == "ballot.w0" and _state(s, vote_id)["cast"] == 0
        deputy.close()

        ballots = [marks(a, b)] * 20 + [{"marks": {a: "yes"}, "write_ins": ["李四"]}] * 5 \
            + [{"marks": {c: "no"}, "write_ins": ["李四", "王五"]}] * 2 + [marks(c)] * 3
        await s.cast(vote_id, ballots)
        # one more from the command line (python -m terminals.client), encrypted there as the tablet does
        command = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "terminals.client", "--url", s.url, "--code", s.codes[35]["code"], "--vote", vote_id,
            "--ballot", json.dumps({"marks": {b: "yes"}, "write_ins": ["李四"]}, ensure_ascii=False),
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        out, err = await command.communicate()
        assert command.returncode == 0, err.decode()
        printed = out.decode()
        receipt = json.loads(printed[printed.index("{"):])  # after the 已登录 line
        assert receipt["vote_id"] == vote_id and "李四" not in printed + err.decode()
        closed = s.chair.post(f"/api/votes/{vote_id}/close")
        assert closed.status_code == 202, closed.text
        assert _state(s, vote_id)["decryption"] == {"k": 2, "ballots_cast": 31, "round": "totals", "received": []}

        # Round totals, by trustees 3 and 1; a write-in partial now is of the wrong round.
        early = decrypt_step(trustees[1], vote_id)
        assert early.step == "partial"
        refused(trustees[1].client.post(f"/api/votes/{vote_id}/write-in-partial", json={
            "round": "uses", "partial": {"trustee": 2, "shares": []}}), "wrong_round", 409)
        ok(post_decryption(trustees[2], vote_id))
        taken = ok(post_decryption(trustees[0], vote_id))
        assert taken["result"] is None and taken["round"] == "uses"
        assert _state(s, vote_id)["state"] == "decrypting"
        assert _state(s, vote_id)["decryption"] == {"k": 2, "ballots_cast": 31, "round": "uses", "received": []}
        refused(trustees[1].client.post(early.path, json=early.body), "wrong_round", 409)

        # Round uses, by trustees 2 and 1: a forged share and a repeat are refused.
        uses = decrypt_step(trustees[1], vote_id)
        assert uses.step == "write_in_partial" and uses.body["round"] == "uses"
        assert len(uses.body["partial"]["shares"]) == 31
        forged = copy.deepcopy(uses.body)
        forged["partial"]["shares"][0]["d"] = forged["partial"]["shares"][1]["d"]
        assert refused(trustees[1].client.post(uses.path, json=forged), "invalid_partial", 400)["field"] == "partial"
        refused(trustees[1].client.post(uses.path, json={**uses.body, "round": "names"}), "wrong_round", 409)
        refused(trustees[2].client.post(uses.path, json=uses.body), "forbidden", 403)  # trustee 2's, from 3
        first = ok(trustees[1].client.post(uses.path, json=uses.body))
        assert first == {"vote_id": vote_id, "round": "uses", "received": [2], "k": 2, "result": None}
        refused(trustees[1].client.post(uses.path, json=uses.body), "already_posted", 409)
        refused(s.chair.post(uses.path, json=uses.body), "forbidden", 403)  # not a 监票人
        second = ok(post_decryption(trustees[0], vote_id))
        assert second["next"] == "names" and second["result"] is None
        decryption = ok(trustees[0].client.get(f"/api/votes/{vote_id}/decryption"))
        assert sorted(decryption["write_ins"]["uses"]) == [0] * 23 + [1] * 6 + [2] * 2
        assert _state(s, vote_id)["decryption"]["round"] == "names"

        # Round names, by trustees 2 and 3: only the 8 ballots with write-ins, each of their slots.
        names = decrypt_step(trustees[1], vote_id)
        assert names.body["round"] == "names" and len(names.body["partial"]["ballots"]) == 8
        ok(trustees[1].client.post(names.path, json=names.body))
        result = ok(post_decryption(trustees[2], vote_id))["result"]
        assert result["write_ins"] == {"李四": 8, "王五": 2}
        vote = _state(s, vote_id)
        assert vote["state"] == "closed" and vote["result"] == result
        assert vote["decryption"]["round"] == "done"
        refused(trustees[0].client.post(names.path, json=names.body), "not_decrypting", 409)

    in_session(server.url, body)
    _verify_export(server.url, tmp_path)


def test_a_write_in_round_with_no_name_written_ends_after_round_uses_and_one_with_no_ballot_at_once(
        server: RunningServer, tmp_path: Path) -> None:
    async def body(s: Session) -> None:
        trustees, _ = run_ceremony(s.url, s.meeting_id, n=2, k=2)
        election = s.item("副县长")
        a, b, _c = election["definition"]["candidates"]
        vote_id = s.open(election["id"])
        await s.cast(vote_id, [marks(a, b)] * 31 + [marks(a)] * 6)
        s.chair.post(f"/api/votes/{vote_id}/close")
        for round_ in ("totals", "uses"):
            assert _state(s, vote_id)["decryption"]["round"] == round_
            for trustee in trustees:
                answer = ok(post_decryption(trustee, vote_id))
        assert answer["round"] == "uses" and "next" not in answer
        result = answer["result"]
        assert result["write_ins"] == {} and result["elected"] == [a, b]

        # Another round that allows write-ins, closed with nobody voting: nothing to decrypt.
        other = ok(s.staff.post(f"/api/meetings/{s.meeting_id}/items", json={
            "kind": "election", "title": "补选常委会委员（无人投票）",
            # office member: only deputies may be written in, so the round lists them (and the
            # verifier derives the list from the log's roll)
            "definition": {"office": "member", "seats": 1, "candidates": ["甲某", "乙某"]}}))
        empty = s.open(other["id"])
        await s.wait_open(empty)
        assert s.deputies[0].encryption_of(empty) is not None
        ok(s.chair.post(f"/api/votes/{empty}/close"))
        vote = _state(s, empty)
        assert vote["state"] == "closed" and vote["result"]["write_ins"] == {}

    in_session(server.url, body)
    _verify_export(server.url, tmp_path)


def test_a_name_a_faulty_tablet_sealed_so_that_it_does_not_open_stops_the_count_and_the_vote_is_voided(
        server: RunningServer, tmp_path: Path) -> None:
    async def body(s: Session) -> None:
        trustees, (a, b, _c), vote_id, encryption = await _open_election(s, 2, 2)
        # slot 0's name sealed under slot 1's associated data, ρ proved honestly: every check at cast passes
        faulty = misfiled_name(encryption, {"marks": {a: "yes"}, "write_ins": ["赵六"]}, "赵六", SYSTEM)
        deputy = httpx.Client(base_url=s.url, timeout=60, headers={"Authorization": f"Bearer {s.deputies[0].token}"})
        ok(deputy.post("/api/ballots", json={"vote_id": vote_id, "ballot_id": faulty.ballot, "ballot": faulty.to_json(),
                                             "cast_token": "t" * 32}))
        deputy.close()
        await s.cast(vote_id, [marks(a, b)] * 30, s.deputies[1:31])
        s.chair.post(f"/api/votes/{vote_id}/close")
        for _round in ("totals", "uses"):
            for trustee in trustees:
                ok(post_decryption(trustee, vote_id))
        ok(post_decryption(trustees[0], vote_id))
        answer = refused(post_decryption(trustees[1], vote_id), "write_in_unreadable", 409)
        assert faulty.ballot in answer["message"]
        vote = _state(s, vote_id)
        assert vote["state"] == "decrypting" and vote["decryption"] == {"k": 2, "ballots_cast": 31, "round": "names",
                                                                        "received": [1]}
        ok(s.chair.post(f"/api/votes/{vote_id}/void",
                        json={"ground": "system_fault", "reason": "一台表决器的另选他人栏打不开"}))
        assert _state(s, vote_id)["state"] == "voided"

    in_session(server.url, body)
    _verify_export(server.url, tmp_path)


def test_an_encrypted_ballot_of_a_large_county_election_with_its_write_in_slots_fits_one_frame(
        server: RunningServer) -> None:
    """50 candidates for 45 places of the 常委会 (组织法 第二十七条: 1/10 to 1/5 more candidates than
    places), with its 45 另选他人 slots: ≈ 100 kB of encrypted ballot, sent over the WebSocket as the
    tablet sends it, within the frame limit (docs/protocol.md "Limits"), and counted."""
    async def body(s: Session) -> None:
        run_ceremony(s.url, s.meeting_id, n=2, k=2)
        candidates = [f"候选人{i:02d}" for i in range(50)]
        item = ok(s.staff.post(f"/api/meetings/{s.meeting_id}/items", json={
            "kind": "election", "title": "选举常务委员会委员",
            "definition": {"office": "member", "seats": 45, "candidates": candidates}}))
        vote_id = s.open(item["id"])
        await s.wait_open(vote_id)
        encryption = s.deputies[0].encryption_of(vote_id)
        assert encryption is not None and encryption["context"]["form"]["write_ins"] == 45
        ballot = {"marks": dict.fromkeys(candidates[:44], "yes"), "write_ins": ["李四"]}
        frame = json.dumps(encrypt_plain(encryption, ballot).ballot.to_json(), separators=(",", ":"))
        assert len(frame.encode()) > 96 * 1024  # over the former 64 KiB limit
        await s.cast(vote_id, [ballot])
        assert _state(s, vote_id)["cast"] == 1

    in_session(server.url, body)
