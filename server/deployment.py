"""What ``python -m server`` checks before it listens (docs/deployment.md).

On the loopback anything goes: the demo congress, its published passwords, a clear signing key —
nothing leaves the machine. Bound to anything else (the hall network), the server refuses to
start, with a message in Chinese and English saying what to do, when

* the data directory is fresh and ``DEMO`` is on: the demo's accounts have passwords printed in the
  README and the banner;
* an enabled account still has one of those published passwords (server/passwords.py);
* the audit signing key would lie in clear inside DATA_DIR (server/signing_key.py);
* the local CA's key would lie in clear inside DATA_DIR (no passphrase and ``TLS_DIR`` in it:
  server/tls.py).

Anywhere, a data directory without accounts and without the demo cannot be used by anyone: the
server says to run ``python -m server init`` first.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from sqlalchemy import select

from server import network, passwords, security, signing_key, tls
from server.config import Settings
from server.db import make_engine, migrate, session_factory
from server.models import Meeting, User
from server.network import is_loopback


class UnsafeStart(RuntimeError):
    """The server must not start like this; the message (Chinese, then English) says why and what to do."""


@dataclass(frozen=True)
class DataDirectory:
    accounts: int
    meetings: int
    published: list[str]  # enabled accounts whose password is a published one

    @property
    def fresh(self) -> bool:
        return self.accounts == 0 and self.meetings == 0


def inspect(settings: Settings, *, check_passwords: bool) -> DataDirectory:
    """Accounts and meetings in the database (migrated first), and which enabled accounts still
    have a published password. Only the demo can give one (the API and the command line refuse
    them: server/passwords.py), so only accounts with a demo username are checked, each against its
    own demo password — argon2 is slow on purpose (up to a second each on a small machine)."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    migrate(settings.database_url)
    engine = make_engine(settings.database_url)
    try:
        with session_factory(engine)() as session:
            users = list(session.scalars(select(User)))
            meetings = len(list(session.scalars(select(Meeting.id))))
            suspects = [(u.username, u.password_hash, passwords.DEMO_ACCOUNTS[u.username][2]) for u in users
                        if check_passwords and not u.disabled and u.username in passwords.DEMO_ACCOUNTS]
    finally:
        engine.dispose()
    with ThreadPoolExecutor(max(1, len(suspects))) as pool:  # argon2 releases the GIL: check them together
        still = list(pool.map(lambda s: security.verify_password(s[1], s[2]), suspects))
    published = sorted(name for (name, _h, _p), same in zip(suspects, still, strict=True) if same)
    return DataDirectory(len(users), meetings, published)


def check_start(settings: Settings) -> DataDirectory:
    """Raise :class:`UnsafeStart` if the server must not start with these settings and this data."""
    hall = not is_loopback(settings.host)
    found = inspect(settings, check_passwords=hall)
    if found.fresh and settings.demo:
        if hall:
            raise UnsafeStart(
                f"拒绝启动：HOST={settings.host} 不是本机回环地址，而 DEMO 已开启——演示账号的密码已在 README 中公开。\n"
                "正式使用请运行 bash scripts/deploy.sh（或设置 DEMO=0 后先运行 python -m server init 创建账号）。\n"
                f"Refusing to start: HOST={settings.host} is not the loopback and DEMO is on, whose accounts have "
                "passwords published in the README. For a real session run `bash scripts/deploy.sh` (or set DEMO=0 "
                "and create the accounts with `python -m server init` first).")
        return found
    if found.accounts == 0:
        raise UnsafeStart(
            f"数据目录 {settings.data_dir} 中没有任何账号，无人能够登录：请先运行 python -m server init 创建账号。\n"
            f"No account in {settings.data_dir}: nobody could sign in. Create the accounts with "
            "`python -m server init` first.")
    if hall and found.published:
        names = ", ".join(found.published)
        raise UnsafeStart(
            f"拒绝启动：账号 {names} 仍在使用 README 中公开的演示密码，而 HOST={settings.host} 不是本机回环地址。\n"
            f"请运行 python -m server accounts reset-password <用户名> 为其设置新密码，或停用这些账号。\n"
            f"Refusing to start: accounts {names} still have the demo passwords published in the README and "
            f"HOST={settings.host} is not the loopback. Give them new passwords with "
            "`python -m server accounts reset-password <username>`, or disable them.")
    if hall and signing_key.protection(settings) == "clear":
        raise UnsafeStart(
            f"拒绝启动：审计签名密钥 {signing_key.key_file(settings)} 以明文存放在数据目录中。"
            "请设置 AUDIT_KEY_PASSPHRASE_FILE（数据目录之外的口令文件）并运行 python -m server key protect，"
            "或用 AUDIT_KEY_FILE 把密钥放到数据目录之外。\n"
            "Refusing to start: the audit signing key lies in clear inside DATA_DIR. Set "
            "AUDIT_KEY_PASSPHRASE_FILE (a file outside DATA_DIR) and run `python -m server key protect`, or keep "
            "the key outside DATA_DIR with AUDIT_KEY_FILE.")
    local_ca = network.uses_tls(settings) and not (settings.tls_cert_file or settings.tls_key_file)
    if (hall and local_ca and tls.ca_passphrase_file(settings) is None
            and signing_key.inside(tls.tls_dir(settings), settings.data_dir)):
        raise UnsafeStart(
            f"拒绝启动：本地证书颁发机构的私钥将以明文存放在数据目录中（{tls.tls_dir(settings)}）。"
            "请设置 TLS_CA_PASSPHRASE_FILE 或 AUDIT_KEY_PASSPHRASE_FILE（数据目录之外的口令文件）以加密该私钥，"
            "或用 TLS_DIR 把它放到数据目录之外。\n"
            "Refusing to start: the local CA's key would lie in clear inside DATA_DIR. Set TLS_CA_PASSPHRASE_FILE "
            "or AUDIT_KEY_PASSPHRASE_FILE (a file outside DATA_DIR) to encrypt it, or keep it outside DATA_DIR "
            "with TLS_DIR.")
    return found
