"""Accounts for staff, presiding officers, scrutineers and auditors (passwords hashed with argon2)."""

from __future__ import annotations

from sqlalchemy import select

from server import security
from server.domain import USER_ROLES, Role
from server.errors import Conflict, ServerError
from server.models import User
from server.writer import Tx


def create_user(tx: Tx, username: str, display_name: str, role: str, password: str, by: str = "") -> int:
    if Role.parse(role) not in USER_ROLES:
        raise ServerError("invalid_role", "角色应为主持人、工作人员、监票人/计票人或审计", field="role")
    if len(password) < 8:
        raise ServerError("weak_password", "密码至少8位", field="password")
    if tx.session.scalar(select(User).where(User.username == username)) is not None:
        raise Conflict("user_exists", "用户名已存在")
    user = User(username=username, display_name=display_name, role=role,
                password_hash=security.hash_password(password))
    tx.session.add(user)
    tx.session.flush()
    tx.audit("user_created", {"user": username, "role": role, "by": by})
    return user.id
