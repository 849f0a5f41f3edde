"""The 监票人's CLI (``python -m terminals.trustee``) against a real server, on SQLite and
PostgreSQL: one 监票人 takes every step offline — what the server published carried in a file,
the answer carried back and uploaded — the others online; the share stays in a key file under a
passphrase; the count's totals are re-added from ``GET /api/votes/{id}/ballots`` and totals that
are not their sum, or a ballot left out, are refused before anything is decrypted."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import httpx
import pytest

from ballotcrypto.keyfile import open_trustee, passphrase_key
from terminals.trustee.__main__ import main
from tests.conftest import RunningServer, cheapen_passwords
from tests.server.session_helpers import Session, choices, in_session, marks, ok, refused

PASSWORD = "trustee-password-2026-long"
PASSPHRASE = "监票人的口令 2026"


class Cli:
    """One 监票人 with the CLI: their account, key file and answer files in a directory of their own."""

    def __init__(self, url: str, number: int, root: Path, capsys: pytest.CaptureFixture[str]) -> None:
        self.url, self.user, self.dir, self.capsys = url, f"cli{number}", root / f"t{number}", capsys
        self.dir.mkdir()
        (self.dir / "password").write_text(PASSWORD + "\n", encoding="utf-8")
        (self.dir / "passphrase").write_text(PASSPHRASE + "\n", encoding="utf-8")
        self.key = self.dir / "key.json"

    def run(self, *argv: str) -> tuple[int, str]:
        self.capsys.readouterr()
        code = main(list(argv))
        return code, self.capsys.readouterr().err

    def online(self) -> list[str]:
        return ["--server", self.url, "--user", self.user, "--password-file", str(self.dir / "password")]

    def step_online(self, step: str, meeting: int, *extra: str) -> str:
        code, err = self.run(step, "--key", str(self.key), "--passphrase-file", str(self.dir / "passphrase"),
                             *self.online(), "--meeting", str(meeting), *extra)
        assert code == 0, err
        return err

    def step_offline(self, step: str, meeting: int, *vote: str) -> str:
        """download on an online machine, the step on the laptop, upload on the online machine."""
        given, answer = self.dir / f"{step}-in.json", self.dir / f"{step}-answer.json"
        code, err = self.run("download", *self.online(), "--meeting", str(meeting), *vote, "-o", str(given))
        assert code == 0, err
        code, err = self.offline(step, given, answer)
        assert code == 0, err
        assert "passphrase" not in answer.read_text(encoding="utf-8") and PASSPHRASE not in answer.read_text("utf-8")
        code, err = self.run("upload", *self.online(), str(answer))
        assert code == 0, err
        return err

    def offline(self, step: str, given: Path, answer: Path) -> tuple[int, str]:
        return self.run(step, "--key", str(self.key), "--passphrase-file", str(self.dir / "passphrase"),
                        "--in", str(given), "-o", str(answer))


def _accounts(s: Session, clis: list[Cli], server: RunningServer) -> None:
    """Their accounts, made by staff; then hashed as cheaply as the demo's (tests/conftest.py): each
    step of the CLI signs in, ~17 sign-ins a test at ~0.45 s of the server's CPU each otherwise."""
    for cli in clis:
        ok(s.staff.post("/api/accounts", json={"username": cli.user, "display_name": f"监票人{cli.user[-1]}",
                                               "role": "scrutineer", "password": PASSWORD}))
    cheapen_passwords(server.database_url, {cli.user: PASSWORD for cli in clis})


def test_a_scrutineer_offline_and_two_online_make_the_key_and_decrypt_a_vote_with_the_cli(
        server: RunningServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    async def body(s: Session) -> None:
        clis = [Cli(s.url, number, tmp_path, capsys) for number in (1, 2, 3)]
        offline, second, third = clis
        _accounts(s, clis, server)
        ok(s.staff.post(f"/api/meetings/{s.meeting_id}/ceremony",
                        json={"trustees": [c.user for c in clis], "k": 2}))
        m = s.meeting_id

        # round 1: the key file is written before anything is posted, sealed under the passphrase
        offline.step_offline("commitment", m)
        about = json.loads(offline.key.read_text("utf-8"))["about"]
        assert about["kind"] == "round1" and about["trustee"] == 1 and about["username"] == "cli1"
        assert offline.key.stat().st_mode & 0o077 == 0
        second.step_online("commitment", m)
        # a post that seemed to fail is sent again unchanged, from the same file, with no passphrase
        code, err = second.run("commitment", "--key", str(second.key), *second.online(), "--meeting", str(m))
        assert code == 0 and "再次提交同一承诺" in err and "服务器已收到" in err, err
        third.step_online("commitment", m)
        # round 2, round 3
        offline.step_offline("shares", m)
        second.step_online("shares", m)
        third.step_online("shares", m)
        offline.step_offline("confirmation", m)
        second.step_online("confirmation", m)
        assert "选举公钥指纹" in third.step_online("confirmation", m)
        result = ok(s.staff.get(f"/api/meetings/{m}/ceremony"))["ceremony"]["result"]
        file = json.loads(offline.key.read_text("utf-8"))
        assert file["about"]["kind"] == "share" and file["about"]["share_key"] == result["share_keys"][0]
        assert open_trustee(file, passphrase_key(PASSPHRASE, file["kdf"]))[1].trustee == 1
        code, _ = offline.run("show", str(offline.key))
        assert code == 0

        item = s.item("工作报告的决议")
        vote_id = s.open(item["id"])
        await s.wait_open(vote_id)
        await s.cast(vote_id, choices(yes=20, no=7, abstain=3))
        assert s.chair.post(f"/api/votes/{vote_id}/close").status_code == 202

        # the counted ballots: every one, by tracker, and what the totals add up
        counted = ok(s.chair.get(f"/api/votes/{vote_id}/ballots"))
        assert counted["ballots_cast"] == 30 and len(counted["ballots"]) == 30

        # offline: the totals are checked against the ballots before the share is used
        given = offline.dir / "decrypt-in.json"
        code, err = offline.run("download", *offline.online(), "--meeting", str(m), "--vote", vote_id, "-o", str(given))
        assert code == 0, err
        published = json.loads(given.read_text("utf-8"))
        swapped = copy.deepcopy(published)
        totals = swapped["decryption"]["totals"]
        totals[0], totals[1] = totals[1], totals[0]
        dropped = copy.deepcopy(published)
        dropped["ballots"]["ballots"].pop()
        for name, changed, why in (("swapped", swapped, "不是计入的选票之和"), ("dropped", dropped, "三者不符")):
            path, answer = offline.dir / f"{name}.json", offline.dir / f"{name}-answer.json"
            path.write_text(json.dumps(changed, ensure_ascii=False), "utf-8")
            code, err = offline.offline("decrypt", path, answer)
            assert code == 1 and why in err and not answer.exists(), err
        (offline.dir / "passphrase").write_text("不是这个口令\n", "utf-8")
        code, err = offline.offline("decrypt", given, offline.dir / "wrong.json")
        assert code == 1 and "wrong-passphrase" in err
        (offline.dir / "passphrase").write_text(PASSPHRASE + "\n", "utf-8")

        answer = offline.dir / "decrypt-answer.json"
        code, err = offline.offline("decrypt", given, answer)
        assert code == 0, err
        code, err = offline.run("upload", *offline.online(), str(answer))
        assert code == 0 and "1/2" in err, err
        # an answer file can only make the request of its step
        forged = {**json.loads(answer.read_text("utf-8")), "path": f"/api/votes/{vote_id}/close"}
        (offline.dir / "forged.json").write_text(json.dumps(forged), "utf-8")
        code, err = offline.run("upload", *offline.online(), str(offline.dir / "forged.json"))
        assert code == 1 and "不是本工具生成的答复文件" in err

        assert "结果已产生" in third.step_online("decrypt", m, "--vote", vote_id)
        vote = ok(s.chair.get(f"/api/votes/{vote_id}"))
        assert vote["state"] == "closed" and vote["decryption"]["received"] == [1, 3]
        assert vote["result"]["counts"] == {"yes": 20, "no": 7, "abstain": 3, "not_voted": 10}

        # An election with write-ins (另选他人): decrypt once per round — totals, uses, names — each by
        # another two of the three, offline or online.
        election = s.item("副县长")
        a, b, _ = election["definition"]["candidates"]
        vote_id = s.open(election["id"])
        await s.cast(vote_id, [marks(a, b)] * 30 + [{"marks": {a: "yes"}, "write_ins": ["孙七"]}] * 2)
        assert s.chair.post(f"/api/votes/{vote_id}/close").status_code == 202
        offline.step_offline("decrypt", m, "--vote", vote_id)
        assert "请再运行一次 decrypt 解密另选他人第一轮" in second.step_online("decrypt", m, "--vote", vote_id)
        assert "另选他人第一轮的部分解密已提交" in offline.step_offline("decrypt", m, "--vote", vote_id)
        assert "请再运行一次 decrypt 解密另选他人第二轮" in third.step_online("decrypt", m, "--vote", vote_id)
        # the ballots of round names are re-derived from round uses, not taken on the server's word
        given = second.dir / "names-in.json"
        code, err = second.run("download", *second.online(), "--meeting", str(m), "--vote", vote_id, "-o", str(given))
        assert code == 0, err
        lying = json.loads(given.read_text("utf-8"))
        lying["decryption"]["write_ins"]["uses"] = [1] * 32  # names of every ballot, asked for
        (second.dir / "lying.json").write_text(json.dumps(lying, ensure_ascii=False), "utf-8")
        code, err = second.offline("decrypt", second.dir / "lying.json", second.dir / "lying-answer.json")
        assert code == 1 and "各票另选人数与第一轮的部分解密不符" in err, err
        second.step_online("decrypt", m, "--vote", vote_id)
        assert "结果已产生" in third.step_online("decrypt", m, "--vote", vote_id)
        vote = ok(s.chair.get(f"/api/votes/{vote_id}"))
        assert vote["state"] == "closed" and vote["result"]["write_ins"] == {"孙七": 2}

    in_session(server.url, body)


def test_the_counted_ballots_leave_out_challenged_and_replaced_ones_and_wait_for_the_close(
        server: RunningServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from ballotcrypto.ballot import check_ballot
    from ballotcrypto.count import aggregate, read_totals
    from ballotcrypto.hashing import h256
    from ballotcrypto.votes import context_of, encrypt_plain
    from tests.server.test_encrypted_vote import run_ceremony

    async def body(s: Session) -> None:
        run_ceremony(s.url, s.meeting_id, n=2, k=2)
        vote_id = s.open(s.item("工作报告的决议")["id"])
        await s.wait_open(vote_id)
        refused(s.chair.get(f"/api/votes/{vote_id}/ballots"), "not_decrypting", 409)
        encryption = s.deputies[0].encryption_of(vote_id)
        assert encryption is not None
        challenged = encrypt_plain(encryption, {"choice": "no"})
        deputy = httpx.Client(base_url=s.url, timeout=60, headers={"Authorization": f"Bearer {s.deputies[0].token}"})
        ok(deputy.post(f"/api/votes/{vote_id}/spoil", json={"ballot": challenged.ballot.to_json(),
                                                             "opening": challenged.opening.to_json()}))
        first = await s.deputies[1].vote(vote_id, {"choice": "no"})
        await s.deputies[1].vote(vote_id, {"choice": "yes"}, replaces=first["ballot_id"])
        await s.cast(vote_id, choices(yes=4, no=1), s.deputies[2:7])
        assert s.chair.post(f"/api/votes/{vote_id}/close").status_code == 202
        counted = ok(s.chair.get(f"/api/votes/{vote_id}/ballots"))
        decryption = ok(s.chair.get(f"/api/votes/{vote_id}/decryption"))
        context = context_of(encryption)
        ballots = [check_ballot(context, b) for b in counted["ballots"]]
        assert len(ballots) == counted["ballots_cast"] == decryption["ballots_cast"] == 6
        assert [h256(b) for b in counted["ballots"]] == sorted(h256(b) for b in counted["ballots"])
        assert challenged.ballot.ballot not in {b.ballot for b in ballots}
        assert aggregate(3, ballots) == read_totals(decryption["totals"], 3)
        deputy_view = httpx.Client(base_url=s.url, timeout=60,
                                   headers={"Authorization": f"Bearer {s.deputies[0].token}"})
        assert deputy_view.get(f"/api/votes/{vote_id}/ballots").status_code == 403

    in_session(server.url, body)
