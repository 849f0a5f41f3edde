"""A 监票人's own device on the command line, for an offline laptop (README "A 监票人 on an offline
laptop"): the key ceremony's three rounds and the partial decryption of a closed encrypted vote
(``decrypt``: the totals, then — in an election round with write-ins, 另选他人 — each of the two
write-in rounds; run it once per round, when the vote's decryption waits for that round), with
the share kept in a key file sealed under the 监票人's passphrase — the very file the
scrutineer page keeps and backs up (docs/ballot-crypto.md §7), so either restores in the other.

Offline, by USB key (the laptop never touches the network):

    online machine:  python -m terminals.trustee download --server URL --user NAME --meeting M [--vote V] -o in.json
    laptop:          python -m terminals.trustee STEP --key key.json --in in.json -o answer.json
                     (STEP: commitment, shares, confirmation — the three rounds — or decrypt)
    online machine:  python -m terminals.trustee upload --server URL --user NAME answer.json

Online, one step at a time: the same step with ``--server URL --user NAME --meeting M`` in place of
``--in``/``-o`` (decrypt adds ``--vote V``). ``download`` and ``upload`` hold no secret: they sign in
as the 监票人 (the server takes these posts only from that 监票人's account) and move JSON.

The passphrase is asked on the terminal (twice for a new key file) or read from the first line of
``--passphrase-file``; the sign-in password likewise (``--password-file``). ``--ca`` names the
hall's CA certificate (``https://<address>:8443/ca.crt``) when the server's is not trusted by the
system. Exit status: 0 done, 1 refused (the reason in Chinese on stderr), 2 bad usage.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import re
import sys
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import httpx

from ballotcrypto.errors import BallotCryptoError
from ballotcrypto.keyfile import PassphraseKey, passphrase_key, read_trustee_file
from terminals.trustee import steps

INPUT = "renda-trustee-input"
ANSWER = "renda-trustee-answer"
MIN_PASSPHRASE = 8
CEREMONY_STEPS = ("commitment", "shares", "confirmation")
#: the only requests an answer file can make, by step
PATHS = {step: re.compile(rf"/api/meetings/[0-9]+/ceremony/{step}") for step in CEREMONY_STEPS} | \
    {"partial": re.compile(r"/api/votes/[A-Za-z0-9_.-]+/partial"),
     "write_in_partial": re.compile(r"/api/votes/[A-Za-z0-9_.-]+/write-in-partial")}


class Refused(Exception):
    """What the CLI tells the 监票人 and stops (exit 1)."""


# -- files --------------------------------------------------------------------------------------------

def read_json(path: Path, what: str) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as error:
        raise Refused(f"找不到{what} {path}") from error
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise Refused(f"{what} {path} 不是有效的 JSON 文件：{error}") from error


def write_json(path: Path, value: object, *, private: bool = False) -> None:
    """Write atomically (a new file renamed over the old), owner-only for a key file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump(value, out, ensure_ascii=False, indent=2)
            out.write("\n")
            out.flush()
            os.fsync(out.fileno())
        os.chmod(name, 0o600 if private else 0o644)
        os.replace(name, path)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise


def read_key_file(path: Path) -> dict[str, Any] | None:
    if not path.exists():
        return None
    file = read_json(path, "密钥文件")
    read_trustee_file(file)
    assert isinstance(file, dict)
    return file


def secret_line(path: str | None, prompt: str, *, twice: bool = False, minimum: int = 1) -> str:
    """A passphrase or password: the first line of `path`, or typed (not echoed) on the terminal."""
    if path is not None:
        try:
            text = Path(path).read_text(encoding="utf-8").splitlines()[0] if Path(path).stat().st_size else ""
        except OSError as error:
            raise Refused(f"无法读取 {path}：{error}") from error
    else:
        text = getpass.getpass(prompt)
        if twice and getpass.getpass("再输入一次：") != text:
            raise Refused("两次输入的口令不一致")
    if len(text) < minimum:
        raise Refused(f"口令至少{minimum}个字符")
    return text


def key_asker(args: argparse.Namespace) -> steps.KeyOf:
    def key_of(kdf: Mapping[str, object] | None) -> PassphraseKey:
        if kdf is None:
            typed = secret_line(args.passphrase_file, "设置保护密钥文件的口令（至少8个字符，请牢记）：", twice=True,
                                minimum=MIN_PASSPHRASE)
            return passphrase_key(typed)
        return passphrase_key(secret_line(args.passphrase_file, "密钥文件的口令："), dict(kdf))
    return key_of


# -- the server ---------------------------------------------------------------------------------------

def client(args: argparse.Namespace) -> httpx.Client:
    """Signed in as the 监票人 (role scrutineer)."""
    verify: str | bool = args.ca if args.ca else True
    session = httpx.Client(base_url=args.server, timeout=120, verify=verify)
    password = secret_line(args.password_file, f"{args.user} 的登录密码：")
    answer = session.post("/api/login", json={"username": args.user, "password": password})
    got = _answer(answer)
    session.headers["Authorization"] = f"Bearer {got['token']}"
    return session


class AlreadyPosted(Refused):
    """The server has this 监票人's answer to this step already (``already_posted``)."""


def _answer(response: httpx.Response) -> Any:
    """The answer's JSON, or `Refused` with the server's error (docs/protocol.md: ``{"error": {code, message}}``)."""
    if response.status_code >= 300:
        try:
            error = response.json()["error"]
            code, message = str(error["code"]), f"{error['message']}（{error['code']}）"
        except (ValueError, KeyError, TypeError):
            code, message = "", f"HTTP {response.status_code}"
        kind = AlreadyPosted if code == "already_posted" else Refused
        raise kind(f"服务器拒绝：{response.request.method} {response.request.url.path}：{message}")
    return response.json()


def published(session: httpx.Client, meeting: int, vote: str | None) -> dict[str, Any]:
    """What the server published that a step needs (the input file's contents)."""
    found: dict[str, Any] = {"format": INPUT, "version": 1, "meeting": meeting,
                             "ceremony": _answer(session.get(f"/api/meetings/{meeting}/ceremony"))}
    if vote is not None:
        found["vote"] = _answer(session.get(f"/api/votes/{vote}"))
        found["decryption"] = _answer(session.get(f"/api/votes/{vote}/decryption"))
        found["ballots"] = _answer(session.get(f"/api/votes/{vote}/ballots"))
    return found


def read_input(path: Path, *, vote: bool) -> dict[str, Any]:
    found = read_json(path, "输入文件")
    if not isinstance(found, dict) or found.get("format") != INPUT or found.get("version") != 1 or \
            not isinstance(found.get("meeting"), int) or not isinstance(found.get("ceremony"), dict):
        raise Refused(f"{path} 不是 download 生成的输入文件")
    if vote and not all(isinstance(found.get(name), dict) for name in ("vote", "decryption", "ballots")):
        raise Refused(f"{path} 中没有要解密的表决：下载时请加 --vote")
    return found


def post(session: httpx.Client, answer: Mapping[str, Any]) -> Any:
    """Post an answer; None when the server had it already (a resend after a post that seemed to fail)."""
    try:
        return _answer(session.post(str(answer["path"]), json=answer["body"]))
    except AlreadyPosted:
        return None


# -- the commands -------------------------------------------------------------------------------------

def _say(text: str) -> None:
    print(text, file=sys.stderr)


def cmd_download(args: argparse.Namespace) -> None:
    session = client(args)
    try:
        found = published(session, args.meeting, args.vote)
    finally:
        session.close()
    found["username"] = args.user
    write_json(Path(args.out), found)
    _say(f"已保存服务器公布的内容到 {args.out}（不含任何秘密）。")


def cmd_upload(args: argparse.Namespace) -> None:
    answer = read_json(Path(args.answer), "答复文件")
    if not isinstance(answer, dict) or answer.get("format") != ANSWER or answer.get("version") != 1 or \
            answer.get("step") not in PATHS or not isinstance(answer.get("path"), str) or \
            not PATHS[answer["step"]].fullmatch(answer["path"]) or not isinstance(answer.get("body"), dict):
        raise Refused(f"{args.answer} 不是本工具生成的答复文件")
    if answer.get("username") not in (None, args.user):
        raise Refused(f"这份答复属于账号 {answer['username']}，须用该账号提交")
    session = client(args)
    try:
        got = post(session, answer)
    finally:
        session.close()
    _report(answer["step"], got)


def _report(step: str, got: Mapping[str, Any] | None) -> None:
    if got is None:
        _say("服务器已收到您的这一步（之前已提交过）。")
        return
    if step in ("partial", "write_in_partial"):
        done = got.get("result") is not None
        what = {"uses": "另选他人第一轮的", "names": "另选他人第二轮的"}.get(str(got.get("round")), "") \
            if step == "write_in_partial" else ""
        following = got.get("next") or (got.get("round") if step == "partial" else None)
        then = "另选他人第一轮" if following == "uses" else "另选他人第二轮"
        tail = "，解密完成，结果已产生。" if done else \
            f"；本轮已凑齐，请再运行一次 decrypt 解密{then}。" if following else "。"
        _say(f"{what}部分解密已提交（已解密 {len(got.get('received', []))}/{got.get('k')}）{tail}")
        return
    ceremony = got.get("ceremony") or {}
    _say(f"已提交。密钥生成现在：{ceremony.get('state')}")
    if ceremony.get("state") == "done":
        _say(f"选举公钥指纹：{(ceremony.get('result') or {}).get('fingerprint')}")


def cmd_step(args: argparse.Namespace) -> None:
    key_path = Path(args.key)
    file = read_key_file(key_path)
    key_of = key_asker(args)
    decrypt = args.command == "decrypt"
    session: httpx.Client | None = None
    try:
        if args.server:
            session = client(args)
            found = published(session, args.meeting, args.vote if decrypt else None)
        else:
            found = read_input(Path(args.input), vote=decrypt)
        meeting, view = int(found["meeting"]), found["ceremony"]
        if decrypt:
            share = steps.share_in(meeting, view, file, key_of)
            answer = steps.decrypt(meeting, view, found["vote"], found["decryption"], found["ballots"], share,
                                   check_proofs=not args.skip_proofs)
        else:
            answer = {"commitment": steps.commitment, "shares": steps.shares,
                      "confirmation": steps.confirmation}[args.command](meeting, view, file, key_of)
        if answer.key_file is not None:
            write_json(key_path, answer.key_file, private=True)
            _say(f"密钥已用您的口令加密保存到 {key_path}（请另存备份，与口令分开保管）。")
        if answer.note:
            _say(answer.note)
        out = {"format": ANSWER, "version": 1, "step": answer.step, "username": found.get("username")
               or (args.user if session else None), "path": answer.path, "body": answer.body}
        if args.out:
            write_json(Path(args.out), out)
            _say(f"答复已保存到 {args.out}：请在联网的电脑上用 upload 提交。")
        if session is not None:
            _report(answer.step, post(session, out))
    finally:
        if session is not None:
            session.close()


def cmd_show(args: argparse.Namespace) -> None:
    file = read_key_file(Path(args.key))
    if file is None:
        raise Refused(f"找不到密钥文件 {args.key}")
    about, kdf = read_trustee_file(file)
    public = {k: v for k, v in about.items() if k not in ("commitment", "confirmation")}
    print(json.dumps({"about": public, "kdf": {k: v for k, v in kdf.items() if k != "salt"}}, ensure_ascii=False,
                     indent=2))


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="python -m terminals.trustee",
                                  description="监票人的离线设备：密钥生成的三个步骤和合计的部分解密。")
    sub = top.add_subparsers(dest="command", required=True)

    def server_options(p: argparse.ArgumentParser, required: bool) -> None:
        p.add_argument("--server", required=required, help="服务器地址，如 https://192.168.1.10:8443")
        p.add_argument("--user", required=required, help="监票人的账号")
        p.add_argument("--password-file", help="登录密码所在文件（第一行）；不给则在终端输入")
        p.add_argument("--ca", help="会场 CA 证书（ca.crt）的路径")

    download = sub.add_parser("download", help="（联网电脑）保存服务器公布的内容，供离线电脑使用")
    server_options(download, True)
    download.add_argument("--meeting", type=int, required=True)
    download.add_argument("--vote", help="要解密的表决编号（解密时）")
    download.add_argument("-o", "--out", required=True)
    download.set_defaults(run=cmd_download)

    upload = sub.add_parser("upload", help="（联网电脑）提交离线电脑生成的答复文件")
    server_options(upload, True)
    upload.add_argument("answer")
    upload.set_defaults(run=cmd_upload)

    helps = {"commitment": "第一步：生成密钥并提交承诺", "shares": "第二步：向其他监票人发送份额",
             "confirmation": "第三步：核对份额并确认", "decrypt": "解密一项已结束的加密表决：合计，或另选他人的一轮"}
    for name, text in helps.items():
        step = sub.add_parser(name, help=text)
        step.add_argument("--key", required=True, help="密钥文件（第一步新建；之后每步读取）")
        step.add_argument("--passphrase-file", help="口令所在文件（第一行）；不给则在终端输入")
        step.add_argument("--in", dest="input", help="download 保存的输入文件（离线）")
        step.add_argument("-o", "--out", help="答复文件（离线时必需）")
        server_options(step, False)
        step.add_argument("--meeting", type=int, help="会议编号（联网时）")
        if name == "decrypt":
            step.add_argument("--vote", help="表决编号（联网时）")
            step.add_argument("--skip-proofs", action="store_true",
                              help="不逐张核对选票的证明（仍核对合计是选票之和；审计工具会核对全部证明）")
        step.set_defaults(run=cmd_step)

    show = sub.add_parser("show", help="显示密钥文件的公开说明（不需要口令）")
    show.add_argument("key")
    show.set_defaults(run=cmd_show)
    return top


def _check_usage(top: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    if args.run is not cmd_step:
        return
    if args.server:
        if not args.user or args.meeting is None or (args.command == "decrypt" and not args.vote):
            top.error("联网时须给出 --user 和 --meeting（解密还须 --vote）")
        if args.input:
            top.error("--in 与 --server 只能二选一")
    elif not args.input or not args.out:
        top.error("离线时须给出 --in（输入文件）和 -o（答复文件）；或用 --server 联网")


def main(argv: Sequence[str] | None = None) -> int:
    top = parser()
    args = top.parse_args(argv)
    _check_usage(top, args)
    try:
        args.run(args)
    except (Refused, steps.StepRefused) as refused:
        _say(f"错误：{refused}")
        return 1
    except BallotCryptoError as error:
        _say(f"错误：{error.message}（{error.finding}）")
        return 1
    except httpx.HTTPError as error:
        _say(f"错误：无法连接服务器：{error}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
