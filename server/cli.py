"""``python -m server <command>``: what the congress office does on the server machine, with the
server stopped (the audit log has one writer at a time; a running server says so).

    python -m server init [--accounts staff,chair,jipiao1,jipiao2,auditor] [--choose] [--json]
    python -m server accounts list [--json]
    python -m server accounts create USERNAME --role ROLE --name NAME [--password-stdin] [--json]
    python -m server accounts reset-password USERNAME [--password-stdin] [--json]
    python -m server accounts disable USERNAME | enable USERNAME
    python -m server key show | protect | change-passphrase
    python -m server tls show

Configured like the server, by the environment (server/config.py). Every change goes through the
writer and the use cases, like the server's own (server/usecases/create_account.py, …), so each is
in the audit log, signed. A password is generated unless one is chosen (``--choose`` prompts,
``--password-stdin`` reads one line) and is printed once, nowhere stored in clear.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import fcntl
import getpass
import json
import os
import sys
from collections.abc import AsyncIterator, Callable
from typing import Any, TypeVar

from sqlalchemy import select

from audit import keys
from server import deployment, network, passwords, security, signing_key, tls
from server.config import Settings
from server.db import make_engine, migrate, session_factory
from server.errors import ServerError
from server.ledger import log_origin
from server.models import User
from server.runtime import Runtime, build
from server.usecases.account_common import view
from server.usecases.create_account import create_account
from server.usecases.reset_password import reset_password
from server.usecases.update_account import update_account
from server.writer import op

T = TypeVar("T")

#: The accounts ``init`` makes by default: one per role a session needs (two 计票人).
DEFAULT_ACCOUNTS = ("staff", "chair", "jipiao1", "jipiao2", "auditor")
ROLE_LABELS = {"staff": "工作人员", "chair": "主持人", "scrutineer": "计票人/监票人", "auditor": "审计人员"}


class CliError(Exception):
    """A refusal to print (Chinese, then English) with exit status 1."""


def _by() -> str:
    try:
        return f"console:{getpass.getuser()}"
    except (KeyError, OSError):  # pragma: no cover - no user name on this machine
        return "console"


def _server_not_running(settings: Settings) -> None:
    lock = settings.data_dir / "audit-log" / "lock"
    if not lock.exists():
        return
    fd = os.open(lock, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        raise CliError(
            "服务器正在运行：请在会务工作台（/staff 的「账号」）中操作，或先停止服务器。\n"
            "The server is running: use the staff page (/staff, 账号), or stop the server first.") from None
    finally:
        os.close(fd)  # releases the lock too


@contextlib.asynccontextmanager
async def offline(settings: Settings) -> AsyncIterator[Runtime]:
    """The server's own runtime without its sockets: database, audit log, writer."""
    _server_not_running(settings)
    loop = asyncio.get_running_loop()
    try:
        rt = await loop.run_in_executor(None, build, settings, loop)
    except signing_key.KeyAtRestError as error:
        raise CliError(str(error)) from error
    rt.writer.start()
    try:
        yield rt
    finally:
        await loop.run_in_executor(None, rt.writer.stop)
        rt.close_ledger()
        rt.engine.dispose()
        rt.writer_engine.dispose()


def _run(settings: Settings, jobs: Callable[[Runtime], Any]) -> Any:
    async def go() -> Any:
        async with offline(settings) as rt:
            return await jobs(rt)

    return asyncio.run(go())


def _password(username: str, *, from_stdin: bool, choose: bool) -> tuple[str, str | None]:
    """(argon2 hash, password to print once or None when the user chose it)."""
    chosen = ""
    if from_stdin:
        chosen = sys.stdin.readline().rstrip("\n")
    elif choose:
        chosen = getpass.getpass(f"{username} 的密码（直接回车则自动生成）(password, empty: generated): ")
        if chosen and getpass.getpass("再输入一次 (again): ") != chosen:
            raise CliError("两次输入的密码不一致 (the two passwords differ)")
    if chosen:
        passwords.check_new(chosen, username)
        return security.hash_password(chosen), None
    generated = passwords.generate()
    return security.hash_password(generated), generated


def _key(rt: Runtime) -> dict[str, str]:
    verifier = keys.Verifier.from_vkey(rt.ledger.log.vkey)
    return {"vkey": verifier.vkey, "fingerprint": signing_key.fingerprint(verifier),
            "protection": signing_key.protection(rt.settings), "key_file": str(signing_key.key_file(rt.settings))}


def _key_lines(key: dict[str, str]) -> list[str]:
    return ["审计签名密钥（请公布，核验时用 --vkey 固定）(audit signing key — publish it; verifiers pin it):",
            f"  vkey     {key['vkey']}", f"  SHA-256  {key['fingerprint']}",
            f"  保存方式 (at rest): {key['protection']} — {key['key_file']}"]


def _print_accounts(made: list[dict[str, Any]], *, as_json: bool, extra: dict[str, Any] | None = None) -> None:
    if as_json:
        print(json.dumps({"accounts": made, **(extra or {})}, ensure_ascii=False))
        return
    print("\n账号 (accounts) — 密码只显示这一次，请抄写或打印后当面交给本人 (passwords are shown this once):")
    print(f"  {'用户名 username':<18}{'角色 role':<16}{'姓名 name':<14}密码 password")
    for a in made:
        shown = a.get("password") or "（本人所设 chosen）"
        print(f"  {a['username']:<18}{ROLE_LABELS.get(a['role'], a['role']):<16}{a['display_name']:<14}{shown}")
    print()


# -- commands -------------------------------------------------------------------------------------
def init(settings: Settings, args: argparse.Namespace) -> int:
    wanted = [name.strip() for name in args.accounts.split(",") if name.strip()]
    unknown = [name for name in wanted if name not in passwords.DEMO_ACCOUNTS]
    if unknown or not wanted:
        raise CliError(f"--accounts 只能取 {', '.join(DEFAULT_ACCOUNTS)} (unknown: {', '.join(unknown)})")
    if deployment.inspect(settings, check_passwords=False).accounts:
        raise CliError(f"{settings.data_dir} 已经初始化（已有账号）：用 python -m server accounts create 添加账号。\n"
                       "Already initialised (it has accounts): add more with `python -m server accounts create`.")
    hashed = {name: _password(name, from_stdin=False, choose=args.choose) for name in wanted}

    async def jobs(rt: Runtime) -> tuple[list[dict[str, Any]], dict[str, str]]:
        made = []
        for name in wanted:
            display, role, _published = passwords.DEMO_ACCOUNTS[name]
            password_hash, shown = hashed[name]
            account = await rt.writer.run(op(create_account, username=name, display_name=display, role=role,
                                             password_hash=password_hash, by=_by()))
            made.append({**account, "password": shown})
        return made, _key(rt)

    made, key_info = _run(settings, jobs)
    _print_accounts(made, as_json=args.json, extra={"audit_key": key_info})
    if not args.json:
        print("\n".join(_key_lines(key_info)))
        print("\n下一步 (next): python -m server   或 (or) bash scripts/deploy.sh")
    return 0


def _account(rt: Runtime, username: str) -> User:
    with rt.sessions() as session:
        user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise CliError(f"没有账号 {username} (no account {username})")
    return user


def accounts(settings: Settings, args: argparse.Namespace) -> int:
    if args.action == "list":
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        migrate(settings.database_url)
        engine = make_engine(settings.database_url)
        try:
            with session_factory(engine)() as session:
                rows = [view(user) for user in session.scalars(select(User).order_by(User.id))]
        finally:
            engine.dispose()
        if args.json:
            print(json.dumps(rows, ensure_ascii=False))
        for row in [] if args.json else rows:
            state = "停用 disabled" if row["disabled"] else "可用 enabled"
            role = ROLE_LABELS.get(row["role"], row["role"])
            print(f"{row['username']:<18}{role:<16}{row['display_name']:<14}{state}")
        return 0
    if args.action == "create":
        if not args.role or not args.name:
            raise CliError("create 需要 --role 和 --name (create needs --role and --name)")
        password_hash, shown = _password(args.username, from_stdin=args.password_stdin, choose=False)

        async def create(rt: Runtime) -> dict[str, Any]:
            return await rt.writer.run(op(
                create_account, username=args.username, display_name=args.name, role=args.role,
                password_hash=password_hash, by=_by()))

        made = _run(settings, create)
        _print_accounts([{**made, "password": shown}], as_json=args.json)
        return 0
    if args.action == "reset-password":
        password_hash, shown = _password(args.username, from_stdin=args.password_stdin, choose=False)

        async def reset(rt: Runtime) -> dict[str, Any]:
            user = _account(rt, args.username)
            await rt.writer.run(op(reset_password, user.id, password_hash=password_hash, by=_by()))
            return view(user)

        done = _run(settings, reset)
        _print_accounts([{**done, "password": shown}], as_json=args.json)
        return 0

    async def toggle(rt: Runtime) -> dict[str, Any]:
        user = _account(rt, args.username)
        changed, _revoked = await rt.writer.run(
            op(update_account, user.id, disabled=args.action == "disable", by=_by()))
        return changed

    changed = _run(settings, toggle)
    print(f"{changed['username']}: {'已停用 disabled' if changed['disabled'] else '已启用 enabled'}")
    return 0


def key(settings: Settings, args: argparse.Namespace) -> int:
    try:
        if args.action == "protect":
            path = signing_key.protect(settings)
            print(f"签名密钥已加密 (the signing key is encrypted): {path}\n"
                  f"口令文件 (passphrase file): {signing_key.passphrase_file(settings)}")
            return 0
        if args.action == "change-passphrase":
            phrase = signing_key.change_passphrase(settings)
            print(f"已换用新口令 (new passphrase written): {phrase}")
            return 0
        path = signing_key.key_file(settings)
        if not path.exists():
            raise CliError(f"还没有签名密钥 {path}：python -m server init 或首次启动时生成 (no signing key yet)")
        signer = signing_key.load(settings, log_origin(settings.data_dir, settings.origin))
    except signing_key.KeyAtRestError as error:
        raise CliError(str(error)) from error
    print(f"vkey     {signer.vkey}\nSHA-256  {signing_key.fingerprint(signer.verifier)}\n"
          f"保存方式 (at rest): {signing_key.protection(settings)} — {path}")
    return 0


def tls_show(settings: Settings, _args: argparse.Namespace) -> int:
    if not network.uses_tls(settings):
        print(f"HOST={settings.host} 是本机回环地址：不使用 HTTPS (loopback: plain HTTP, no certificate)")
        return 0
    try:
        made = tls.prepare(settings)
    except tls.TlsError as error:
        raise CliError(str(error)) from error
    base = network.public_url(settings) or f"https://{settings.host}:{settings.port}"
    print(f"方式 (mode)        {made.mode}\n证书 (certificate) {made.cert_file}\n"
          f"名称 (names)       {', '.join(made.names)}\n有效期至 (until)  {made.not_after:%Y-%m-%d}")
    if made.ca_file is not None:
        print(f"根证书 (CA)        {made.ca_file}  —  {base}/ca.crt\n"
              f"SHA-256 指纹       {made.fingerprint}")
    else:
        print(f"SHA-256 指纹       {made.fingerprint}")
    return 0


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="python -m server", description="县乡人大电子表决系统：服务器与部署命令")
    commands = top.add_subparsers(dest="command", required=True)
    first = commands.add_parser("init", help="首次部署：创建账号（密码只显示一次）和审计签名密钥")
    first.add_argument("--accounts", default=",".join(DEFAULT_ACCOUNTS),
                       help=f"要创建的账号，逗号分隔（默认 {','.join(DEFAULT_ACCOUNTS)}）")
    first.add_argument("--choose", action="store_true", help="逐个输入密码（直接回车则自动生成）")
    first.add_argument("--json", action="store_true")
    acc = commands.add_parser("accounts", help="账号：list | create | reset-password | disable | enable")
    acc.add_argument("action", choices=["list", "create", "reset-password", "disable", "enable"])
    acc.add_argument("username", nargs="?", default="")
    acc.add_argument("--role", choices=sorted(ROLE_LABELS))
    acc.add_argument("--name", help="姓名或称谓")
    acc.add_argument("--password-stdin", action="store_true", help="从标准输入读一行作为密码")
    acc.add_argument("--json", action="store_true")
    k = commands.add_parser("key", help="审计签名密钥：show | protect | change-passphrase")
    k.add_argument("action", choices=["show", "protect", "change-passphrase"])
    t = commands.add_parser("tls", help="HTTPS 证书：show（需要时生成）")
    t.add_argument("action", choices=["show"])
    return top


def main(argv: list[str]) -> int:
    args = parser().parse_args(argv)
    if args.command == "accounts" and args.action != "list" and not args.username:
        parser().error("需要用户名 (a username is needed)")
    settings = Settings.from_env()
    handlers: dict[str, Callable[[Settings, argparse.Namespace], int]] = {
        "init": init, "accounts": accounts, "key": key, "tls": tls_show}
    try:
        return handlers[args.command](settings, args)
    except CliError as error:
        print(error, file=sys.stderr)
        return 1
    except ServerError as error:
        print(f"{error.message} ({error.code})", file=sys.stderr)
        return 1
