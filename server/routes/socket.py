"""The WebSocket endpoint ``/ws``: it only moves bytes and carries out the actions of the
terminal's sans-I/O conversation (server/conversation.py): look up a token, join the hub, hand a
ballot or a check-in to the writer, send a frame, close. The protocol is docs/protocol.md."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Coroutine
from typing import Any

from fastapi import APIRouter, WebSocket, WebSocketDisconnect

from server import protocol
from server.auth import foreign_origin
from server.conversation import (
    POLICY_VIOLATION,
    Action,
    Close,
    Conversation,
    Join,
    LookUp,
    Send,
    SendSnapshot,
    SubmitBallot,
    SubmitCheckIn,
)
from server.direct_receive import take_frames
from server.direct_send import direct_writer
from server.domain import JsonObject, MemberId
from server.errors import ServerError
from server.hub import Connection
from server.runtime import Runtime
from server.usecases.cast_ballot import Ticket, cast_ballot
from server.usecases.check_in import check_in
from server.writer import Outcome, op

log = logging.getLogger("server.socket")


router = APIRouter()


class TerminalSocket:
    """One terminal's socket: the conversation's actions carried out against the runtime."""

    def __init__(self, websocket: WebSocket, rt: Runtime) -> None:
        self.websocket = websocket
        self.rt = rt
        self.conn: Connection = rt.hub.connection(websocket.send_text, self.close, direct_writer(websocket.scope))
        limit = rt.settings.max_messages_per_second
        self.conversation = Conversation(max_bytes=rt.settings.max_frame_bytes, rate_per_second=limit,
                                         burst=limit * 2)
        self.tasks: set[asyncio.Task[object]] = set()

    async def close(self, code: int, reason: str) -> None:
        with contextlib.suppress(Exception):
            await self.websocket.close(code, reason)

    async def serve(self) -> None:
        """Read frames until the terminal leaves or the conversation closes. Once signed in, the
        frames come straight from the protocol's parser (server/direct_receive.py) and only the
        disconnect through ``receive``."""
        direct: bool | None = False
        try:
            while True:
                if direct is False and self.conversation.state == "ready":
                    direct = take_frames(self.websocket.scope, self.frame)
                frame = await self.websocket.receive()
                if frame["type"] == "websocket.disconnect":
                    break
                raw = frame.get("text")
                if raw is None:
                    raw = frame.get("bytes") or b""
                await self.run(self.conversation.receive(raw, time.monotonic()))
                if self.conversation.state == "closed":
                    break
        except WebSocketDisconnect:
            pass
        except Exception:  # pragma: no cover - never let one socket take the server down
            log.exception("websocket failed")
        finally:
            self.rt.hub.leave(self.conn)

    def frame(self, raw: str | bytes) -> None:
        """A frame taken straight from the parser, in order: its actions are carried out at once,
        but for one that must wait (the close), which goes on in a task of its own."""
        try:
            for action in self.conversation.receive(raw, time.monotonic()):
                waits = self.act(action)
                if waits is not None:
                    self.spawn(waits)
                    break
        except Exception:  # pragma: no cover - never let one socket take the server down
            log.exception("websocket failed")
            self.spawn(self.close(1011, "internal error"))

    async def run(self, actions: list[Action]) -> None:
        for action in actions:
            waits = self.act(action)
            if waits is not None and not await waits:
                return

    def act(self, action: Action) -> Coroutine[Any, Any, bool] | None:
        """Carry out one action at once, or return what must be awaited for it (True: go on with
        the next action)."""
        hub = self.rt.hub
        if isinstance(action, Send):
            hub.send(self.conn, action.message)
        elif isinstance(action, LookUp):
            return self.look_up(action.token)
        elif isinstance(action, Join):
            hub.join(self.conn, action.principal)
        elif isinstance(action, SendSnapshot):
            hub.snapshot_for(self.conn)
        elif isinstance(action, SubmitBallot):
            self.ballot(action)
        elif isinstance(action, SubmitCheckIn):
            self.spawn(self.check_in())
        elif isinstance(action, Close):
            return self.close_after_error(action)
        return None

    async def close_after_error(self, action: Close) -> bool:
        await asyncio.sleep(0.05)  # let the error frame go first
        await self.close(action.code, action.reason)
        return True

    async def look_up(self, token: str) -> bool:
        """Resolve the hello's token and go on with the conversation; False if the socket was
        closed for having too many connections on one sign-in."""
        rt = self.rt
        principal = await rt.principals.resolve_async(token)
        if principal is not None and principal.meeting_id not in rt.live.meetings:
            principal = None
        if principal is not None and \
                rt.hub.connections_for(principal.credential) >= rt.settings.max_connections_per_credential:
            rt.hub.send(self.conn, protocol.error("too_many_connections", "该账号同时连接的终端过多"))
            await asyncio.sleep(0.05)  # let the error frame go first (as for Close)
            await self.close(POLICY_VIOLATION, "too many connections")
            return False
        await self.run(self.conversation.signed_in(principal))
        return True

    def spawn(self, coro: Coroutine[Any, Any, object]) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    def ballot(self, action: SubmitBallot) -> None:
        """Hand the ballot to the writer; the receipt (or refusal) is sent from the writer's
        answer. No task per ballot: under a burst of thousands, creating and stepping a task for
        each was a large share of the event loop's time (docs/performance.md)."""
        principal = self.conversation.principal
        assert principal is not None and principal.member_id is not None
        message = action.ballot
        member_id = principal.member_id
        vote = self.rt.live.votes.get(message.vote_id)
        if vote is not None and vote.encryption is not None:
            self.spawn(self.encrypted_ballot(action, member_id, vote.encryption))
            return
        self.cast(action, member_id, proven=False)

    def cast(self, action: SubmitBallot, member_id: MemberId, *, proven: bool) -> None:
        """The ballot to the writer, its answer to this terminal."""
        message = action.ballot
        self.rt.writer.submit_then(
            op(cast_ballot, member_id, message.vote_id, message.ballot_id, message.ballot, message.replaces,
               message.cast_token, proven=proven),
            lambda outcome: self.answer(message.ballot_id, member_id, outcome), groupable=True, may_refuse=False)

    async def encrypted_ballot(self, action: SubmitBallot, member_id: int, encryption: JsonObject) -> None:
        """An encrypted ballot: its proofs checked in the proof pool first, off the event loop."""
        message = action.ballot
        try:
            await self.rt.proofs.ballot(encryption["context"], message.ballot)
        except ServerError as error:
            self.rt.hub.send(self.conn, protocol.error(error.code, error.message, ref=message.ballot_id,
                                                       field=error.field))
            return
        self.cast(action, MemberId(member_id), proven=True)

    def answer(self, ballot_id: str, member_id: int, outcome: Outcome) -> None:
        hub = self.rt.hub
        ticket, error = outcome
        if isinstance(error, ServerError):
            hub.send(self.conn, protocol.error(error.code, error.message, ref=ballot_id, field=error.field))
            return
        if error is not None:  # a bug in the writer's job: the ballot was not stored
            log.error("ballot failed", exc_info=error)
            hub.send(self.conn, protocol.error("internal", "服务器内部错误，选票未被记录，请重新提交", ref=ballot_id))
            return
        assert isinstance(ticket, Ticket)
        if ticket.error is not None:
            hub.send(self.conn, protocol.error(ticket.error.code, ticket.error.message, ref=ticket.ballot_id,
                                               field=ticket.error.field))
            return
        receipt = {"type": "receipt", "vote_id": ticket.vote_id, "ballot_id": ticket.ballot_id,
                   "receipt": ticket.receipt, "duplicate": ticket.duplicate, "replaced": ticket.replaced}
        if ticket.tracker is not None:
            receipt["tracker"] = ticket.tracker
        hub.send(self.conn, receipt)
        if len(hub.by_member.get(member_id, ())) > 1:
            hub.send_me(member_id)  # the deputy's other devices show 已提交 at once

    async def check_in(self) -> None:
        principal = self.conversation.principal
        assert principal is not None and principal.member_id is not None and principal.meeting_id is not None
        meeting_id, member_id = principal.meeting_id, principal.member_id
        try:
            # Answered by the hub with the deputy's view when the check-in is committed; one
            # already checked in has that view.
            await self.rt.writer.submit(op(check_in, meeting_id, member_id), groupable=True, refuses_first=True)
        except ServerError as error:
            self.rt.hub.send(self.conn, protocol.error(error.code, error.message))


@router.websocket("/ws")
async def endpoint(websocket: WebSocket) -> None:
    rt: Runtime = websocket.app.state.runtime
    if foreign_origin(websocket.headers.get("origin"), websocket.headers.get("host"), rt.settings.extra_origins):
        await websocket.close(POLICY_VIOLATION, "foreign origin")  # refused before the handshake: HTTP 403
        return
    await websocket.accept()
    await TerminalSocket(websocket, websocket.app.state.runtime).serve()
