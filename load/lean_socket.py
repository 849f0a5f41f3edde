"""A WebSocket client as cheap as can be for a process standing in for a thousand tablets.

``websockets``' own sans-I/O protocol (the same frame parser and masking the library's asyncio
client uses, and that the server runs under uvicorn) on a bare asyncio protocol: every message is
handed to a callback from ``data_received``, with no reader task, message queue or future per
frame. The benchmark's simulated tablets and the baseline's clients both use it, so the two are
measured alike; on this two-core machine what they spend is taken from the server's cores
(docs/performance.md, eleventh session), where in a hall every tablet is a device of its own.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import cast

from websockets.client import ClientProtocol
from websockets.exceptions import InvalidHandshake
from websockets.frames import Frame, Opcode
from websockets.http11 import Response
from websockets.protocol import State
from websockets.uri import parse_uri

MAX_SIZE = 2**24


class LeanSocket(asyncio.Protocol):
    """One client connection; ``on_message(text)`` gets each whole text (or binary) message."""

    def __init__(self, url: str, on_message: Callable[[str | bytes], None]) -> None:
        self.protocol = ClientProtocol(parse_uri(url), max_size=MAX_SIZE)
        self.on_message = on_message
        self.transport: asyncio.Transport | None = None
        self.opened: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.closed: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._parts: list[bytes] = []
        self._opcode: Opcode | None = None

    # -- asyncio.Protocol ----------------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's transports are not asyncio's classes
        self.protocol.send_request(self.protocol.connect())
        self._flush()

    def data_received(self, data: bytes) -> None:
        self.protocol.receive_data(data)
        for event in self.protocol.events_received():
            if isinstance(event, Frame):
                self._frame(event)
            elif isinstance(event, Response) and not self.opened.done():
                if self.protocol.handshake_exc is not None:
                    self.opened.set_exception(self.protocol.handshake_exc)
                else:
                    self.opened.set_result(None)
        self._flush()  # a pong, or the answer to a close

    def eof_received(self) -> bool | None:
        self.protocol.receive_eof()
        self._flush()
        return None

    def connection_lost(self, exc: Exception | None) -> None:
        self.transport = None
        if not self.opened.done():
            self.opened.set_exception(exc or ConnectionError("the connection closed during the handshake"))
        if not self.closed.done():
            self.closed.set_result(None)

    # -- frames ----------------------------------------------------------------------------------

    def _frame(self, frame: Frame) -> None:
        if frame.opcode in (Opcode.TEXT, Opcode.BINARY):
            self._opcode, self._parts = frame.opcode, [bytes(frame.data)]
        elif frame.opcode is Opcode.CONT:
            self._parts.append(bytes(frame.data))
        else:
            return  # ping (answered by the protocol), pong, close
        if frame.fin and self._opcode is not None:
            data = b"".join(self._parts)
            opcode, self._opcode, self._parts = self._opcode, None, []
            self.on_message(data.decode() if opcode is Opcode.TEXT else data)

    def _flush(self) -> None:
        chunks = self.protocol.data_to_send()
        if self.transport is None:
            return
        for chunk in chunks:
            if chunk:
                self.transport.write(chunk)
            else:  # the protocol's end of stream: half-close, as its own clients do
                if self.transport.can_write_eof():
                    self.transport.write_eof()
        if self.protocol.close_expected() and self.protocol.state is State.CLOSED:
            self.transport.close()

    # -- the caller's side -----------------------------------------------------------------------

    @property
    def open(self) -> bool:
        return self.transport is not None and self.protocol.state is State.OPEN

    def send(self, text: str) -> None:
        """Send one text message now; ``ConnectionError`` if the socket is not open."""
        if not self.open:
            raise ConnectionError("the socket is not open")
        self.protocol.send_text(text.encode())
        self._flush()

    async def close(self, timeout: float = 5.0) -> None:
        if self.open:
            self.protocol.send_close()
            self._flush()
        try:
            await asyncio.wait_for(asyncio.shield(self.closed), timeout)
        except TimeoutError:
            if self.transport is not None:
                self.transport.abort()


async def connect(url: str, on_message: Callable[[str | bytes], None], timeout: float = 120.0) -> LeanSocket:
    """Open a connection to ``ws://host:port/path`` and complete the handshake."""
    uri = parse_uri(url)
    loop = asyncio.get_running_loop()
    _, socket = await asyncio.wait_for(
        loop.create_connection(lambda: LeanSocket(url, on_message), uri.host, uri.port), timeout)
    try:
        await asyncio.wait_for(asyncio.shield(socket.opened), timeout)
    except (InvalidHandshake, TimeoutError, OSError):
        if socket.transport is not None:
            socket.transport.abort()
        raise
    return socket
