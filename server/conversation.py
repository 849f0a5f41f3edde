"""One terminal's conversation as a sans-I/O state machine: frames in, actions out.

design.md "Server": the tablet conversation is tested without sockets; the WebSocket endpoint
only moves bytes and carries out the actions (look up a token, submit a ballot, send a frame).
States: ``new`` (only ``hello`` accepted) -> ``ready`` -> ``closed``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from server import protocol
from server.domain import JsonObject, MeetingId, MemberId, Role
from server.protocol import MAX_FRAME_BYTES, ProtocolError

State = Literal["new", "ready", "closed"]


@dataclass(frozen=True)
class Principal:
    """Who is on the other end, as established at sign-in."""

    role: Role
    name: str
    member_id: MemberId | None = None
    user_id: int | None = None
    meeting_id: MeetingId | None = None
    credential: str = ""


@dataclass(frozen=True)
class Send:
    message: JsonObject


@dataclass(frozen=True)
class LookUp:
    """Resolve a token to a principal, then call :meth:`Conversation.signed_in`."""

    token: str


@dataclass(frozen=True)
class Join:
    principal: Principal


@dataclass(frozen=True)
class SendSnapshot:
    pass


@dataclass(frozen=True)
class SubmitBallot:
    ballot: protocol.Ballot


@dataclass(frozen=True)
class SubmitCheckIn:
    pass


@dataclass(frozen=True)
class Close:
    code: int
    reason: str


Action = Send | LookUp | Join | SendSnapshot | SubmitBallot | SubmitCheckIn | Close

#: WebSocket close codes used by the server.
POLICY_VIOLATION = 1008
UNAUTHORISED = 4401


@dataclass
class Conversation:
    max_bytes: int = MAX_FRAME_BYTES
    rate_per_second: float = 20.0
    burst: float = 40.0
    max_refusals: int = 200
    state: State = "new"
    principal: Principal | None = None
    _tokens: float = field(default=-1.0)
    _last: float = 0.0
    _refused_in_a_row: int = 0
    _failed_logins: int = 0
    _pending_lookup: bool = False
    _flooded: int = 0

    @property
    def closed(self) -> bool:
        return self.state == "closed"

    def receive(self, raw: str | bytes, now: float) -> list[Action]:
        """One frame from the terminal."""
        if self.closed:
            return []
        if not self._take_token(now):
            # A flood is closed even if the bucket lets a frame through now and then (which resets
            # the refusals-in-a-row count): rate-limited frames are counted until the terminal has
            # been quiet long enough for the bucket to refill (docs/protocol.md "Error codes").
            self._flooded += 1
            actions = self._refuse(protocol.error("rate_limited", protocol.ERRORS["rate_limited"]))
            if self._flooded >= self.max_refusals and not self.closed:  # (``_refuse`` may have closed it)
                self.state = "closed"
                actions.append(Close(POLICY_VIOLATION, "rate limit exceeded"))
            return actions
        try:
            message = protocol.parse(raw, self.max_bytes)
        except ProtocolError as error:
            return self._refuse(protocol.error(error.code, error.message, field=error.field))
        if isinstance(message, protocol.Ping):
            return [Send({"type": "pong", "t": message.t})]
        if self.state == "new":
            return self._hello(message)
        return self._ready(message)

    def signed_in(self, principal: Principal | None) -> list[Action]:
        """The answer to a :class:`LookUp`."""
        self._pending_lookup = False
        if self.state != "new":
            return []
        if principal is None:
            self._failed_logins += 1
            actions: list[Action] = [Send(protocol.error("bad_token", protocol.ERRORS["bad_token"]))]
            if self._failed_logins >= 3:
                self.state = "closed"
                actions.append(Close(UNAUTHORISED, "bad token"))
            return actions
        return self._join(principal)

    def _join(self, principal: Principal) -> list[Action]:
        self.state = "ready"
        self.principal = principal
        welcome: JsonObject = {
            "type": "welcome", "v": protocol.VERSION, "role": principal.role.value, "name": principal.name,
            "meeting_id": principal.meeting_id, "member_id": principal.member_id,
        }
        return [Join(principal), Send(welcome), SendSnapshot()]

    def _hello(self, message: protocol.Message) -> list[Action]:
        if not isinstance(message, protocol.Hello):
            return self._refuse(protocol.error("unauthenticated", protocol.ERRORS["unauthenticated"]))
        if self._pending_lookup:
            return self._refuse(protocol.error("rate_limited", "正在验证登录凭证"))
        self._refused_in_a_row = 0
        if message.token is None:
            assert message.screen_meeting is not None
            return self._join(Principal(Role.SCREEN, Role.SCREEN.label, meeting_id=message.screen_meeting))
        self._pending_lookup = True
        return [LookUp(message.token)]

    def _ready(self, message: protocol.Message) -> list[Action]:
        assert self.principal is not None
        if isinstance(message, protocol.Hello):
            return self._refuse(protocol.error("already_authenticated", protocol.ERRORS["already_authenticated"]))
        if isinstance(message, protocol.Sync):
            self._refused_in_a_row = 0
            return [SendSnapshot()]
        if self.principal.role is not Role.DEPUTY:
            ref = message.ballot_id if isinstance(message, protocol.Ballot) else None
            return self._refuse(protocol.error("wrong_role", "只有代表本人可以签到和投票", ref=ref))
        self._refused_in_a_row = 0
        if isinstance(message, protocol.CheckIn):
            return [SubmitCheckIn()]
        assert isinstance(message, protocol.Ballot)
        return [SubmitBallot(message)]

    def _refuse(self, error: JsonObject) -> list[Action]:
        self._refused_in_a_row += 1
        actions: list[Action] = [Send(error)]
        if self._refused_in_a_row >= self.max_refusals:
            self.state = "closed"
            actions.append(Close(POLICY_VIOLATION, "too many bad messages"))
        return actions

    def _take_token(self, now: float) -> bool:
        if self._tokens < 0:
            self._tokens, self._last = self.burst, now
        self._tokens = min(self.burst, self._tokens + (now - self._last) * self.rate_per_second)
        self._last = now
        if self._tokens >= self.burst:
            self._flooded = 0
        if self._tokens < 1:
            return False
        self._tokens -= 1
        return True
