"""Everything the running server holds, created at start and closed at shutdown."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from server import security
from server.config import Settings
from server.conversation import Principal
from server.gcpolicy import GcWatch
from server.hub import Hub
from server.ledger import Ledger
from server.live import Live
from server.models import Token, User
from server.startup import aware
from server.writer import Writer


@dataclass
class Services:
    settings: Settings
    engine: Engine
    writer_engine: Engine
    sessions: sessionmaker[Session]
    ledger: Ledger
    live: Live
    writer: Writer
    hub: Hub
    tokens: dict[str, tuple[Principal, float]] = field(default_factory=dict)
    sign_in_failures: dict[str, list[float]] = field(default_factory=dict)
    gc_watch: GcWatch | None = None

    def principal_for(self, token: str) -> Principal | None:
        """Resolve a bearer token (cached briefly; revocation is checked against the database)."""
        key = security.digest(token)
        cached = self.tokens.get(key)
        now = time.monotonic()
        if cached is not None and cached[1] > now:
            return cached[0]
        with self.sessions() as session:
            row = session.get(Token, key)
            if row is None or row.revoked or (aware(row.expires_at) or datetime.now(UTC)) <= datetime.now(UTC):
                self.tokens.pop(key, None)
                return None
            name = ""
            if row.user_id is not None:
                user = session.get(User, row.user_id)
                name = user.display_name if user is not None else ""
            if row.member_id is not None:
                meeting = self.live.meetings.get(row.meeting_id or -1)
                if meeting is not None and row.member_id in meeting.members:
                    name = str(meeting.members[row.member_id]["name"])
            principal = Principal(row.role, name, member_id=row.member_id, user_id=row.user_id,
                                  meeting_id=row.meeting_id, credential=key)
        self.tokens[key] = (principal, now + 5.0)
        return principal

    async def principal_for_async(self, token: str) -> Principal | None:
        return await asyncio.get_running_loop().run_in_executor(None, self.principal_for, token)

    def sign_in_blocked(self, who: str, *, limit: int = 10, window: float = 60.0) -> bool:
        """True after ``limit`` failed sign-ins from one address within ``window`` seconds."""
        now = time.monotonic()
        failures = [t for t in self.sign_in_failures.get(who, []) if now - t < window]
        self.sign_in_failures[who] = failures
        return len(failures) >= limit

    def sign_in_failed(self, who: str) -> None:
        self.sign_in_failures.setdefault(who, []).append(time.monotonic())
