"""The WebSocket endpoint: it only moves bytes and carries out the conversation's actions."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Coroutine
from typing import Any

from fastapi import WebSocket, WebSocketDisconnect

from server import protocol
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
from server.errors import ServerError
from server.services import Services
from server.usecases.cast_ballot import Ticket, cast_ballot
from server.usecases.check_in import check_in
from server.wire import direct_writer

log = logging.getLogger("server.ws")


async def endpoint(websocket: WebSocket) -> None:
    svc: Services = websocket.app.state.services
    await websocket.accept()

    async def close(code: int, reason: str) -> None:
        with contextlib.suppress(Exception):
            await websocket.close(code, reason)

    conn = svc.hub.connection(websocket.send_text, close, direct_writer(websocket.scope))
    conversation = Conversation(max_bytes=svc.settings.max_frame_bytes,
                                rate_per_second=svc.settings.max_messages_per_second,
                                burst=svc.settings.max_messages_per_second * 2)
    tasks: set[asyncio.Task[None]] = set()

    async def run(actions: list[Action]) -> None:
        for action in actions:
            if isinstance(action, Send):
                svc.hub.send(conn, action.message)
            elif isinstance(action, LookUp):
                principal = await svc.principal_for_async(action.token)
                if principal is not None and principal.meeting_id not in svc.live.meetings:
                    principal = None
                if principal is not None and svc.hub.connections_for(principal.credential) >= \
                        svc.settings.max_connections_per_credential:
                    svc.hub.send(conn, protocol.error("too_many_connections", "该账号同时连接的终端过多"))
                    await asyncio.sleep(0.05)  # let the error frame go first (as for Close below)
                    await close(POLICY_VIOLATION, "too many connections")
                    return
                await run(conversation.signed_in(principal))
            elif isinstance(action, Join):
                svc.hub.join(conn, action.principal)
            elif isinstance(action, SendSnapshot):
                svc.hub.snapshot_for(conn)
            elif isinstance(action, SubmitBallot):
                ballot(action)
            elif isinstance(action, SubmitCheckIn):
                spawn(checkin())
            elif isinstance(action, Close):
                await asyncio.sleep(0.05)  # let the error frame go first
                await close(action.code, action.reason)

    def spawn(coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        tasks.add(task)
        task.add_done_callback(tasks.discard)

    def ballot(action: SubmitBallot) -> None:
        """Hand the ballot to the writer; the receipt (or refusal) is sent from the future's
        callback. No task per ballot: under a burst of thousands, creating and stepping a task for
        each was a large share of the event loop's time (docs/performance.md)."""
        principal = conversation.principal
        assert principal is not None and principal.member_id is not None
        message = action.ballot
        member_id = principal.member_id
        future: asyncio.Future[Ticket] = svc.writer.submit(
            lambda tx: cast_ballot(tx, member_id, message.vote_id, message.ballot_id, message.ballot,
                                   message.replaces), groupable=True, may_refuse=False)
        future.add_done_callback(lambda done: answer(message.ballot_id, member_id, done))

    def answer(ballot_id: str, member_id: int, done: asyncio.Future[Ticket]) -> None:
        if done.cancelled():  # pragma: no cover - the writer never cancels
            return
        error = done.exception()
        if isinstance(error, ServerError):
            svc.hub.send(conn, protocol.error(error.code, error.message, ref=ballot_id, field=error.field))
            return
        if error is not None:  # a bug in the writer's job: the ballot was not stored
            log.error("ballot failed", exc_info=error)
            svc.hub.send(conn, protocol.error("internal", "服务器内部错误，选票未被记录，请重新提交", ref=ballot_id))
            return
        ticket = done.result()
        if ticket.error is not None:
            svc.hub.send(conn, protocol.error(ticket.error.code, ticket.error.message, ref=ticket.ballot_id,
                                              field=ticket.error.field))
            return
        svc.hub.send(conn, {"type": "receipt", "vote_id": ticket.vote_id, "ballot_id": ticket.ballot_id,
                            "receipt": ticket.receipt, "duplicate": ticket.duplicate, "replaced": ticket.replaced})
        if len(svc.hub.by_member.get(member_id, ())) > 1:
            svc.hub.send_me(member_id)  # the deputy's other devices show 已提交 at once

    async def checkin() -> None:
        principal = conversation.principal
        assert principal is not None and principal.member_id is not None and principal.meeting_id is not None
        meeting_id, member_id = principal.meeting_id, principal.member_id
        try:
            # Answered by the hub with the deputy's view when the check-in is committed; one
            # already checked in has that view.
            await svc.writer.submit(lambda tx: check_in(tx, meeting_id, member_id), groupable=True)
        except ServerError as error:
            svc.hub.send(conn, protocol.error(error.code, error.message))

    try:
        while True:
            frame = await websocket.receive()
            if frame["type"] == "websocket.disconnect":
                break
            raw = frame.get("text")
            if raw is None:
                raw = frame.get("bytes") or b""
            await run(conversation.receive(raw, time.monotonic()))
            if conversation.state == "closed":
                break
    except WebSocketDisconnect:
        pass
    except Exception:  # pragma: no cover - never let one socket take the server down
        log.exception("websocket failed")
    finally:
        svc.hub.leave(conn)
