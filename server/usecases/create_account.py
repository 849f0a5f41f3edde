"""Create an account (staff page, API, or ``python -m server init`` / ``accounts create``).

The password arrives hashed (argon2 is slow on purpose: the caller hashes it outside the writer);
the audit log names the account, its role and who created it — never the password.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from server.errors import Conflict, ServerError
from server.models import User
from server.usecases.account_common import USERNAME, USERNAME_RULE, check_display_name, check_role, view
from server.writer import Tx


def create_account(tx: Tx, *, username: str, display_name: str, role: str, password_hash: str,
                   by: str) -> dict[str, Any]:
    if not USERNAME.fullmatch(username):
        raise ServerError("invalid_username", USERNAME_RULE, field="username")
    role = check_role(role)
    display_name = check_display_name(display_name)
    if tx.session.scalar(select(User.id).where(User.username == username)) is not None:
        raise Conflict("user_exists", "用户名已存在", field="username")
    user = User(username=username, display_name=display_name, role=role, password_hash=password_hash,
                disabled=False)
    tx.session.add(user)
    tx.session.flush()
    tx.audit("user_created", {"user": username, "role": role, "by": by})
    return view(user)
