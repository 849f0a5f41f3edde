"""Accounts: staff create them, rename them, change their role, disable and enable them, and reset
their passwords; everyone with an account changes their own password. Every change is an audit
record (server/usecases/create_account.py, update_account.py, reset_password.py,
change_password.py); a password the server generates is in the answer once and nowhere else.

A disabled account, a new role or a reset password ends that account's sign-ins at once: its
tokens are revoked and the sockets opened with them are closed (4401), as at sign-out.
"""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, Request
from pydantic import Field
from sqlalchemy import select

from server import passwords, security
from server.auth import Caller, who
from server.conversation import Principal
from server.domain import Role
from server.errors import ServerError, forbidden, not_found
from server.models import User
from server.routes.common import Rt, answers, as_role
from server.runtime import Runtime
from server.schemas.base import Answer
from server.schemas.base import Request as RequestBody
from server.usecases.account_common import USERNAME, USERNAME_RULE, check_display_name, check_role, view
from server.usecases.change_password import change_password
from server.usecases.create_account import create_account
from server.usecases.reset_password import reset_password
from server.usecases.update_account import update_account
from server.writer import op

router = APIRouter(tags=["accounts"])
Staff = Annotated[Principal, as_role(Role.STAFF)]


class Account(Answer):
    id: int
    username: str
    display_name: str
    role: str = Field(description="chair | staff | scrutineer | auditor")
    disabled: bool


class NewAccount(RequestBody):
    username: str = Field(min_length=1, max_length=64)
    display_name: str = Field(min_length=1, max_length=100)
    role: str = Field(min_length=1, max_length=16, description="chair | staff | scrutineer | auditor")
    password: str | None = Field(default=None, max_length=200, description="empty: the server generates one")


class CreatedAccount(Answer):
    account: Account
    password: str | None = Field(description="the generated password, shown this once; null if one was given")


class AccountChange(RequestBody):
    display_name: str | None = Field(default=None, max_length=100)
    role: str | None = Field(default=None, max_length=16)
    disabled: bool | None = None


class PasswordReset(RequestBody):
    password: str | None = Field(default=None, max_length=200, description="empty: the server generates one")


class PasswordSet(Answer):
    username: str
    password: str | None = Field(description="the generated password, shown this once; null if one was given")


class OwnPassword(RequestBody):
    current_password: str = Field(min_length=1, max_length=200)
    new_password: str = Field(min_length=1, max_length=200)


async def _hash(password: str) -> str:
    """argon2 off the event loop and off the writer (it is slow on purpose)."""
    return await asyncio.get_running_loop().run_in_executor(None, security.hash_password, password)


async def _end_sign_ins(rt: Runtime, digests: list[str]) -> None:
    """Revoked tokens stop at once: out of the cache, and their sockets closed (as at sign-out)."""
    rt.principals.forget_digests(digests)
    for digest in digests:
        await rt.hub.close_credential(digest, 4401, "signed out")


async def _password(given: str | None, username: str) -> tuple[str, str | None]:
    """(argon2 hash, the password to show once or None): a given password must pass the rule."""
    if given:
        passwords.check_new(given, username)
        return await _hash(given), None
    generated = passwords.generate()
    return await _hash(generated), generated


@router.get("/accounts", **answers(list[Account], 401, 403))
async def list_accounts(rt: Rt, caller: Staff) -> list[dict[str, Any]]:
    """Every account with a password (chair, staff, 计票人/监票人, auditors); never a password."""

    def read() -> list[dict[str, Any]]:
        with rt.sessions() as session:
            return [view(user) for user in session.scalars(select(User).order_by(User.id))]

    return await asyncio.get_running_loop().run_in_executor(None, read)


@router.post("/accounts", **answers(
    CreatedAccount, 400, 401, 403, 409, 422, 503,
    codes={400: "invalid_username, invalid_role, invalid_display_name, weak_password, published_password",
           409: "user_exists"}))
async def create(body: NewAccount, rt: Rt, caller: Staff) -> dict[str, Any]:
    """A new account; with no password given the server generates one and shows it this once."""
    if not USERNAME.fullmatch(body.username):  # cheap checks first: hashing a password takes a while
        raise ServerError("invalid_username", USERNAME_RULE, field="username")
    check_role(body.role)
    check_display_name(body.display_name)
    password_hash, shown = await _password(body.password, body.username)
    made = await rt.writer.run(op(
        create_account, username=body.username, display_name=body.display_name, role=body.role,
        password_hash=password_hash, by=who(caller)))
    return {"account": made, "password": shown}


@router.patch("/accounts/{user_id}", **answers(Account, 400, 401, 403, 404, 409, 422, 503,
                                               codes={409: "last_staff"}))
async def change(user_id: int, body: AccountChange, rt: Rt, caller: Staff) -> dict[str, Any]:
    """Rename, change the role of, disable or enable an account; a new role or disabling ends its
    sign-ins at once."""
    changed, revoked = await rt.writer.run(op(
        update_account, user_id, display_name=body.display_name, role=body.role, disabled=body.disabled,
        by=who(caller)))
    await _end_sign_ins(rt, revoked)
    return changed


@router.post("/accounts/{user_id}/password", **answers(PasswordSet, 400, 401, 403, 404, 422, 503,
                                                       codes={400: "weak_password, published_password"}))
async def reset(user_id: int, body: PasswordReset, rt: Rt, caller: Staff) -> dict[str, Any]:
    """A new password for an account (generated and shown once, or given); its sign-ins end."""

    def username() -> str | None:
        with rt.sessions() as session:
            return session.scalar(select(User.username).where(User.id == user_id))

    name = await asyncio.get_running_loop().run_in_executor(None, username)
    if name is None:
        raise not_found("账号")
    password_hash, shown = await _password(body.password, name)
    done, revoked = await rt.writer.run(op(reset_password, user_id, password_hash=password_hash, by=who(caller)))
    await _end_sign_ins(rt, revoked)
    return {"username": done, "password": shown}


@router.post("/me/password", **answers(Account, 400, 401, 403, 422, 429, 503,
                                       codes={400: "wrong_password, same_password, weak_password, published_password"}))
async def change_own(body: OwnPassword, request: Request, rt: Rt, caller: Caller) -> dict[str, Any]:
    """Change one's own password (any account; deputies sign in with codes and have none). The
    current password is asked again; wrong answers count as failed sign-ins."""
    if caller.user_id is None:
        raise forbidden("代表使用签到码登录，没有密码")
    user_id = caller.user_id
    client = request.client.host if request.client else "?"
    rt.sign_ins.check(client)

    def current() -> User | None:
        with rt.sessions() as session:
            user = session.get(User, user_id)
            if user is None or not security.verify_password(user.password_hash, body.current_password):
                return None
            return user

    user = await asyncio.get_running_loop().run_in_executor(None, current)
    if user is None:
        rt.sign_ins.failed(client)
        raise ServerError("wrong_password", "当前密码不正确", field="current_password")
    if body.new_password == body.current_password:
        raise ServerError("same_password", "新密码不能与当前密码相同", field="new_password")
    passwords.check_new(body.new_password, user.username, field="new_password")
    password_hash = await _hash(body.new_password)
    revoked = await rt.writer.run(op(change_password, user_id, password_hash=password_hash,
                                         keep_token=caller.credential or None))
    await _end_sign_ins(rt, revoked)
    return {**view(user)}
