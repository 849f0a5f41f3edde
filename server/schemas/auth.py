"""Sign-in and the caller."""

from __future__ import annotations

from pydantic import Field

from server.domain import Role
from server.schemas.base import Answer, Request


class UserLogin(Request):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=200)


class CodeLogin(Request):
    code: str = Field(min_length=4, max_length=32, description="The per-meeting sign-in code staff issued.")


class Caller(Answer):
    role: Role
    name: str = Field(description="The account's display name, or the deputy's name.")
    member_id: int | None = Field(description="The deputy's member id; null for an account.")
    meeting_id: int | None = Field(description="The meeting a deputy's code is for; for an account, the newest open "
                                               "meeting when it signed in (null: none).")


class SignedIn(Caller):
    token: str = Field(description="Send as `Authorization: Bearer <token>` (the answer also sets it as the "
                                   "`renda_token` cookie, HttpOnly, SameSite=Strict); also the WebSocket `hello`.")
