"""A lean keep-alive HTTP/1.1 client for the load tools and the tests that sign in thousands of
tablets: JSON posts over connections kept open, one request at a time on each.

httpx's async client cost about 3 ms of the caller's CPU a request here — on a machine whose two
cores the simulated tablets share with the server, the load tool would otherwise measure itself.
It speaks only what the server answers: a status line, headers and a ``Content-Length`` body.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

#: what a dropped keep-alive connection raises; the caller tries again on a fresh one
DROPPED = (OSError, asyncio.IncompleteReadError)


class KeepAlive:
    """One keep-alive connection to ``http://host:port``, opened on first use and again after a drop."""

    def __init__(self, url: str) -> None:
        host, _, port = url.removeprefix("http://").rstrip("/").partition(":")
        self.host, self.port = host, int(port or 80)
        self.streams: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None

    async def post(self, path: str, body: dict[str, Any]) -> tuple[int, bytes]:
        """POST ``body`` as JSON: the status and the response body."""
        if self.streams is None:
            self.streams = await asyncio.open_connection(self.host, self.port)
        reader, writer = self.streams
        data = json.dumps(body).encode()
        writer.write(f"POST {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\nContent-Type: application/json\r\n"
                     f"Content-Length: {len(data)}\r\n\r\n".encode() + data)
        await writer.drain()
        head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").lower()
        fields = dict(line.split(":", 1) for line in head.split("\r\n")[1:] if ":" in line)
        if "content-length" not in fields:
            self.close()
            raise ValueError("the server answered without a Content-Length")
        answer = await reader.readexactly(int(fields["content-length"]))
        if fields.get("connection", "").strip() == "close":
            self.close()
        return int(head.split(" ", 2)[1]), answer

    def close(self) -> None:
        if self.streams is not None:
            self.streams[1].close()
            self.streams = None


class KeepAlivePool:
    """``size`` keep-alive connections, each taken by one request at a time."""

    def __init__(self, url: str, size: int) -> None:
        self._all = [KeepAlive(url) for _ in range(size)]
        self._idle: asyncio.Queue[KeepAlive] = asyncio.Queue()
        for connection in self._all:
            self._idle.put_nowait(connection)

    async def post(self, path: str, body: dict[str, Any]) -> tuple[int, bytes]:
        connection = await self._idle.get()
        try:
            return await connection.post(path, body)
        except DROPPED:
            connection.close()
            raise
        finally:
            self._idle.put_nowait(connection)

    def close(self) -> None:
        for connection in self._all:
            connection.close()
