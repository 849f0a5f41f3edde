"""Who is calling: the bearer token (header or cookie) resolved to a :class:`Principal`, the role
checks of every route, and the throttle on failed sign-ins. The one place that reads credentials
from a request; HTTP routes, pages and the WebSocket all come through here.

Tokens are random and stored only as SHA-256 digests (server/security.py); a resolved (or just
issued) token is trusted for ``TOKEN_CACHE_S`` seconds before the database is asked again, so a
revoked token stops working within that time everywhere, and at once on the sockets it opened
(routes/auth.py); a logout or a re-issued code drops it from that cache at once.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated
from urllib.parse import urlsplit

from fastapi import Depends, Request
from sqlalchemy.orm import Session, sessionmaker

from server import security
from server.conversation import Principal
from server.domain import Role
from server.errors import ServerError, Unauthorized, forbidden
from server.live import Live
from server.models import Token, User
from server.startup import aware

if TYPE_CHECKING:
    from server.runtime import Runtime

COOKIE = "renda_token"


def bearer_token(request: Request) -> str | None:
    """The token of a request: ``Authorization: Bearer …``, else the ``renda_token`` cookie."""
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip() or None
    return request.cookies.get(COOKIE) or None


@dataclass
class Principals:
    """Bearer token -> principal, with a short cache in front of the database."""

    sessions: sessionmaker[Session]
    live: Live
    cache_s: float
    _cache: dict[str, tuple[Principal, float]] = field(default_factory=dict)

    def _cached(self, key: str, now: float) -> Principal | None:
        cached = self._cache.get(key)
        return cached[0] if cached is not None and cached[1] > now else None

    def resolve(self, token: str) -> Principal | None:
        key = security.digest(token)
        now = time.monotonic()
        cached = self._cached(key, now)
        if cached is not None:
            return cached
        with self.sessions() as session:
            row = session.get(Token, key)
            if row is None or row.revoked or (aware(row.expires_at) or datetime.now(UTC)) <= datetime.now(UTC):
                self._cache.pop(key, None)
                return None
            name = ""
            if row.user_id is not None:
                user = session.get(User, row.user_id)
                name = user.display_name if user is not None else ""
            if row.member_id is not None:
                meeting = self.live.meetings.get(row.meeting_id or -1)
                if meeting is not None and row.member_id in meeting.members:
                    name = meeting.members[row.member_id].name
            principal = Principal(Role(row.role), name, member_id=row.member_id, user_id=row.user_id,
                                  meeting_id=row.meeting_id, credential=key)
        self._cache[key] = (principal, now + self.cache_s)
        return principal

    def remember(self, token: str, principal: Principal) -> None:
        """A token just issued and committed: its first uses (the tablet's ``hello`` follows the
        sign-in at once) need not read it back from the database."""
        key = security.digest(token)
        self._cache[key] = (replace(principal, credential=key), time.monotonic() + self.cache_s)

    def forget_digests(self, digests: list[str]) -> None:
        """Drop these tokens (by digest) from the cache: they were revoked (an account disabled,
        its role or password changed)."""
        for key in digests:
            self._cache.pop(key, None)

    async def resolve_async(self, token: str) -> Principal | None:
        """:meth:`resolve` off the event loop when it reads the database; from the cache at once
        (no thread hop for every request of a signed-in terminal)."""
        cached = self._cached(security.digest(token), time.monotonic())
        if cached is not None:
            return cached
        return await asyncio.get_running_loop().run_in_executor(None, self.resolve, token)

    def forget(self, token: str) -> None:
        self.forget_digests([security.digest(token)])

    def forget_members(self, member_ids: Iterable[int]) -> None:
        """Drop every cached token of these deputies (their tokens were revoked)."""
        gone = set(member_ids)
        for key in [k for k, (p, _) in self._cache.items() if p.member_id in gone]:
            del self._cache[key]


@dataclass
class SignInGuard:
    """Failed sign-ins are limited per account, per client that has not signed in, and overall —
    never per address alone, so a hall whose thousands of tablets reach the server through one
    address (one NAT) signs in at full speed while guessing stays infeasible (docs/reliability.md
    "Sign-in: codes and throttling" has the arithmetic). Within any ``window_s`` seconds:

    - ``per_account`` failures for one username stop that username (password sign-ins);
    - ``per_client`` failures from one client address that has had no successful sign-in stop it;
    - after ``overall`` failures from everyone, a client that has itself failed may not try again.
    Successful sign-ins never count against anyone."""

    per_account: int
    per_client: int
    overall: int
    window_s: float
    _accounts: dict[str, deque[float]] = field(default_factory=dict)
    _clients: dict[str, deque[float]] = field(default_factory=dict)
    _succeeded: dict[str, float] = field(default_factory=dict)
    _everyone: deque[float] = field(default_factory=deque)

    def _recent(self, failures: dict[str, deque[float]], key: str, now: float) -> int:
        times = failures.get(key)
        if times is None:
            return 0
        while times and now - times[0] >= self.window_s:
            times.popleft()
        if not times:
            del failures[key]
            return 0
        return len(times)

    def check(self, client: str, account: str | None = None, *, now: float | None = None) -> None:
        """Raise 429 ``rate_limited`` if this attempt may not be made now."""
        now = time.monotonic() if now is None else now
        while self._everyone and now - self._everyone[0] >= self.window_s:
            self._everyone.popleft()
        if account is not None and self._recent(self._accounts, account, now) >= self.per_account:
            raise ServerError("rate_limited", "该账号登录失败次数过多，请一分钟后再试", status=429)
        failed = self._recent(self._clients, client, now)
        signed_in = now - self._succeeded.get(client, -self.window_s) < self.window_s
        if (failed >= self.per_client and not signed_in) or (failed and len(self._everyone) >= self.overall):
            raise ServerError("rate_limited", "登录失败次数过多，请一分钟后再试", status=429)

    def failed(self, client: str, account: str | None = None, *, now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        self._everyone.append(now)
        self._clients.setdefault(client, deque()).append(now)
        if account is not None:
            self._accounts.setdefault(account, deque()).append(now)
        if len(self._clients) > 10_000:  # many addresses: forget the ones whose failures are old
            for key in list(self._clients):
                self._recent(self._clients, key, now)

    def succeeded(self, client: str, *, now: float | None = None) -> None:
        self._succeeded[client] = time.monotonic() if now is None else now
        if len(self._succeeded) > 10_000:
            cutoff = self._succeeded[client] - self.window_s
            self._succeeded = {k: t for k, t in self._succeeded.items() if t > cutoff}


def foreign_origin(origin: str | None, host: str | None, allowed: tuple[str, ...] = ()) -> bool:
    """True when a browser says the request comes from a page of another site: an ``Origin``
    header whose host:port is not the one the request was sent to (nor one of ``allowed``).
    Programs send no ``Origin`` and are not browsers acting for someone signed in elsewhere."""
    if origin is None:
        return False
    if origin in allowed:
        return False
    return origin == "null" or urlsplit(origin).netloc.lower() != (host or "").lower()


# -- FastAPI dependencies ----------------------------------------------------------------------
def runtime(request: Request) -> Runtime:
    return request.app.state.runtime  # type: ignore[no-any-return]


async def optional_caller(request: Request) -> Principal | None:
    """The signed-in principal, or None when the request carries no valid token (pages)."""
    token = bearer_token(request)
    if token is None:
        return None
    return await runtime(request).principals.resolve_async(token)


async def caller(request: Request) -> Principal:
    """The signed-in principal; 401 without a valid token."""
    token = bearer_token(request)
    if token is None:
        raise Unauthorized("unauthenticated", "请先登录")
    found = await runtime(request).principals.resolve_async(token)
    if found is None:
        raise Unauthorized("bad_token", "登录已失效，请重新登录")
    return found


Caller = Annotated[Principal, Depends(caller)]


def needs(principal: Principal, *roles: Role) -> None:
    """403 unless the principal has one of ``roles``."""
    if principal.role not in roles:
        raise forbidden()


def who(principal: Principal) -> str:
    """How the audit log names the one who acted: ``role:name``."""
    return f"{principal.role.value}:{principal.name}"
