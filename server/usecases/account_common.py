"""What the account use cases share: an account's public view, finding one, revoking its tokens,
and the rule that a congress always keeps one staff account that can sign in."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import func, select

from server.domain import USER_ROLES, Role
from server.errors import Conflict, ServerError, not_found
from server.models import Token, User
from server.writer import Tx

#: Usernames are typed on tablets and read out: ASCII letters, digits, ``.``, ``_``, ``-``.
USERNAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
USERNAME_RULE = "用户名应为1至64个英文字母、数字或 . _ -，以字母或数字开头"


def view(user: User) -> dict[str, Any]:
    """An account as the API shows it (never its password hash)."""
    return {"id": user.id, "username": user.username, "display_name": user.display_name, "role": user.role,
            "disabled": bool(user.disabled)}


def check_role(role: str) -> str:
    if role not in {r.value for r in USER_ROLES}:
        raise ServerError("invalid_role", "角色应为主持人、工作人员、计票人/监票人或审计人员", field="role")
    return Role(role).value


def check_display_name(name: str) -> str:
    name = name.strip()
    if not 1 <= len(name) <= 100:
        raise ServerError("invalid_display_name", "姓名或称谓应为1至100个字", field="display_name")
    return name


def account(tx: Tx, user_id: int) -> User:
    found = tx.session.get(User, user_id)
    if found is None:
        raise not_found("账号")
    return found


def revoke_tokens(tx: Tx, user_id: int, *, keep: str | None = None) -> list[str]:
    """Revoke every live token of the account (but ``keep``, a token digest); returns their digests,
    whose open sockets the caller closes once the change is committed."""
    revoked = []
    for token in tx.session.scalars(select(Token).where(Token.user_id == user_id, Token.revoked.is_(False))):
        if token.token_hash != keep:
            token.revoked = True
            revoked.append(token.token_hash)
    return revoked


def staff_remains(tx: Tx) -> None:
    """Refuse a change that leaves no enabled staff account: nobody could manage accounts any more
    (only ``python -m server accounts`` on the server machine could)."""
    tx.session.flush()
    left = tx.session.scalar(select(func.count()).select_from(User).where(
        User.role == Role.STAFF.value, User.disabled.is_(False)))
    if not left:
        raise Conflict("last_staff", "至少要保留一个可用的工作人员账号")
