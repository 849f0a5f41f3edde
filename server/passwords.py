"""Account passwords: the demo's published ones, the rule a new password must meet, and generated
passwords that are shown once.

The demo congress (server/demo.py) signs its accounts in with the passwords below; they are printed
in the README and in the start banner, so they are *published*: no account may be given one of
them through the API or the command line, and a server bound to anything but the loopback
refuses to start while an account still has one (server/deployment.py).

A generated password is 12 characters of the sign-in codes' alphabet (no 0/O, 1/I/L), in three
groups of four so that it can be read out or copied from paper: 31^12 ≈ 2^59.
"""

from __future__ import annotations

import secrets

from server.errors import ServerError
from server.security import CODE_ALPHABET

#: username: (display name, role, password) of the demo congress's accounts.
DEMO_ACCOUNTS: dict[str, tuple[str, str, str]] = {
    "chair": ("主持人（执行主席）", "chair", "demo-chair-2026"),
    "staff": ("会务工作人员", "staff", "demo-staff-2026"),
    "jipiao1": ("计票人甲", "scrutineer", "demo-count-2026"),
    "jipiao2": ("计票人乙", "scrutineer", "demo-count-2026"),
    "auditor": ("审计人员", "auditor", "demo-audit-2026"),
}

#: Every password anyone can read in this repository.
PUBLISHED: frozenset[str] = frozenset(password for _name, _role, password in DEMO_ACCOUNTS.values())

MIN_LENGTH = 10
MAX_LENGTH = 200
_COMMON = frozenset({"password", "password1", "1234567890", "12345678910", "qwertyuiop", "0123456789",
                     "renda2026", "admin12345", "administrator"})


def generate() -> str:
    """A new random password, e.g. ``K7MQ-3XH9-PT4W``."""
    return "-".join("".join(secrets.choice(CODE_ALPHABET) for _ in range(4)) for _ in range(3))


def check_new(password: str, username: str, *, field: str = "password") -> None:
    """Refuse a password nobody should be given: too short, published, or easily guessed."""
    if len(password) < MIN_LENGTH:
        raise ServerError("weak_password", f"密码至少{MIN_LENGTH}位", field=field)
    if len(password) > MAX_LENGTH:
        raise ServerError("weak_password", f"密码最多{MAX_LENGTH}位", field=field)
    if password in PUBLISHED:
        raise ServerError("published_password", "这是演示账号的公开密码，不能使用", field=field)
    lowered = password.lower()
    if lowered in _COMMON or lowered == username.lower() or len(set(password)) < 4:
        raise ServerError("weak_password", "密码过于简单，容易被猜中", field=field)
