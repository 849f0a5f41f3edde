"""Taking a signed-in terminal's frames as they are parsed, without the ASGI receive queue.

Profiled under ``python -m load.bench`` (docs/performance.md): for every frame a tablet sends,
uvicorn's ``websockets-sansio`` protocol puts an ASGI message on a queue and pauses reading the
socket; the endpoint's task then wakes up, takes it through Starlette's ``receive``, and reading
is resumed -- a task switch and two changes of the socket's poll registration for every ballot,
as much event-loop time as the ballot's own handling. Once the conversation is signed in
(server/conversation.py), a frame is handed to the endpoint's handler straight from the
protocol's parser, in the order the frames came, with the same rules as uvicorn's own path: a
frame after the server's close is dropped, a text frame that is not UTF-8 goes uvicorn's way (it
closes with 1007), and the disconnect still reaches the endpoint through the queue.

:func:`take_frames` installs it only when nothing is waiting in the queue, so no frame can
overtake one queued before; under any other server it returns ``None`` and everything keeps
going through ASGI.
"""

from __future__ import annotations

from collections.abc import Callable

from starlette.types import Scope

from server.direct_send import sansio_protocol

FrameHandler = Callable[[str | bytes], None]

#: what the hook reads of uvicorn's protocol object (checked, so another version falls back to ASGI)
_NEEDS = ("frames", "curr_msg_data_type", "queue", "close_sent", "send_receive_event_to_app")


def take_frames(scope: Scope, handle: FrameHandler) -> bool | None:
    """From now on give ``handle`` each complete message (``str`` for text, ``bytes`` for binary)
    as soon as it is parsed. ``None``: not possible with this server (keep receiving through
    ASGI); ``False``: not yet, messages are queued (receive them first, then ask again)."""
    protocol = sansio_protocol(scope)
    if protocol is None or not all(hasattr(protocol, name) for name in _NEEDS):
        return None
    if not protocol.queue.empty():
        return False
    uvicorns_way: Callable[[], None] = protocol.send_receive_event_to_app

    def deliver() -> None:
        if protocol.close_sent:
            uvicorns_way()  # dropped there: the server has closed
            return
        frames: list[bytes] = protocol.frames
        data = frames[0] if len(frames) == 1 else b"".join(frames)
        message: str | bytes
        if protocol.curr_msg_data_type == "text":
            try:
                message = data.decode()
            except UnicodeDecodeError:
                uvicorns_way()  # closes with 1007
                return
        else:
            message = bytes(data)
        protocol.frames = []
        handle(message)

    setattr(protocol, "send_receive_event_to_app", deliver)  # noqa: B010 - shadows the method on this one object
    return True
