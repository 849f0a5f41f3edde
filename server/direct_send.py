"""Writing a WebSocket frame straight to the connection's transport, when it is safe to.

Profiled under ``python -m load.bench`` (docs/performance.md): sending one state message to
thousands of tablets through Starlette's ``send_text`` costs a task wake-up, the middleware's send
wrappers and uvicorn's ASGI ``send`` per connection -- several times the bare library's
``broadcast()``. For the one server we run (uvicorn's ``websockets-sansio`` protocol) a frame can
be written as uvicorn's own ``send`` does -- the same bytes the ``websockets`` protocol object
would produce, handed to the transport -- without any of that, as long as the transport is
writable: when it is not, the caller falls back to its queue and the awaited ASGI ``send``, so a
slow tablet still gets back-pressure instead of an unbounded buffer. A broadcast's frame is built
once for all connections (none negotiates an extension; one that does gets its own frame).

``RawSend`` is an ASGI middleware that hands the server's own ``send`` to the endpoint (inner
middlewares wrap it); :func:`direct_writer` turns it into ``write(*texts) -> bool``, or ``None``
under any other server, where everything keeps going through ASGI.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send
from websockets.protocol import State

try:  # the protocol class of the server we run; absent under another server or uvicorn version
    from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
except ImportError:  # pragma: no cover - a different server
    WebSocketsSansIOProtocol = None  # type: ignore[assignment,misc]

SCOPE_KEY = "renda.server_send"

DirectWriter = Callable[[bytes], bool]  # (utf8_text) -> bool


class RawSend:
    """Keep the ASGI server's ``send`` of a WebSocket in the scope, before anything wraps it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            scope[SCOPE_KEY] = send
        await self.app(scope, receive, send)


class _Frames:
    """Server text frames (RFC 6455 §5.2: unmasked, no extension) of the last few payloads: a
    broadcast hands the same bytes object to every connection, so its frame is built once."""

    def __init__(self, keep: int = 8) -> None:
        self.keep = keep
        self._made: dict[int, tuple[bytes, bytes]] = {}

    def frame(self, data: bytes) -> bytes:
        made = self._made.get(id(data))
        if made is not None and made[0] is data:
            return made[1]
        frame = text_frame(data)
        if len(self._made) >= self.keep:
            self._made.pop(next(iter(self._made)))
        self._made[id(data)] = (data, frame)
        return frame


_frames = _Frames()


def text_frame(data: bytes) -> bytes:
    """A server's text frame of ``data`` (RFC 6455 §5.2): FIN and opcode 1, unmasked, the payload
    length in 7 bits, or 126 and 16 bits, or 127 and 64 bits -- what ``websockets``' ``Frame.serialize``
    writes for it without extensions, with none of its checks per frame (a receipt per ballot)."""
    size = len(data)
    if size < 126:
        return bytes((0x81, size)) + data
    if size < 0x10000:
        return b"\x81\x7e" + size.to_bytes(2, "big") + data
    return b"\x81\x7f" + size.to_bytes(8, "big") + data


def sansio_protocol(scope: Scope) -> Any:
    """The uvicorn ``websockets-sansio`` protocol object serving this WebSocket, or ``None`` under
    any other server (server/direct_receive.py uses it too)."""
    send: Any = scope.get(SCOPE_KEY)
    protocol = getattr(send, "__self__", None)
    if WebSocketsSansIOProtocol is None or not isinstance(protocol, WebSocketsSansIOProtocol):
        return None
    return protocol


def direct_writer(scope: Scope) -> DirectWriter | None:
    """``write(utf8_text) -> bool``: True if the text frame was handed to the transport, False if
    the caller must queue it (not writable, closing, or closed)."""
    protocol = sansio_protocol(scope)
    if protocol is None:
        return None
    conn = protocol.conn
    transport = protocol.transport
    writable = protocol.writable

    def write(data: bytes) -> bool:
        # One check per thing that can stop a frame, reading as few objects as a broadcast to
        # thousands can afford (each is a cache miss per tablet): uvicorn's own flags need not be
        # read, as each of them comes with one of these -- the handshake done and accepted
        # (``handshake_complete``, no ``initial_response``) is the protocol OPEN; ``close_sent``
        # comes with a close frame sent or a failure (CLOSING) or a refused handshake (never
        # OPEN); ``disconnected`` with the transport closed.
        if conn.state is not State.OPEN or transport.is_closing() or not writable.is_set():
            return False
        if not conn.writes and not conn.extensions:
            # What conn.send_text would write, but the frame is built once per broadcast.
            transport.write(_frames.frame(data))
            return True
        # output of the protocol's own not yet written goes first; an extension (permessage-deflate)
        # makes every connection's frame its own
        conn.send_text(data)
        transport.write(b"".join(conn.data_to_send()))
        return True

    return write
