"""Where the server is reached: loopback or the hall network, over which scheme, at which address.

* A server bound to the loopback (the demo) speaks plain HTTP: nothing leaves the machine.
* Bound to anything else, it speaks only HTTPS/WSS (server/tls.py); a plain request that still
  reaches the app on a non-loopback socket (``uvicorn --host 0.0.0.0`` without a certificate) is
  refused by :class:`RefusePlainOffLoopback`, so sign-in codes, tokens and ballots never cross
  the hall's Wi-Fi in clear.
* The address tablets use (printed in the banner, on the QR code sheet, in the CA install QR) is
  ``PUBLIC_URL``, by default ``https://<HOST or this machine's address>:<PORT>``.
"""

from __future__ import annotations

import fcntl
import ipaddress
import socket
import struct
from typing import Any
from urllib.parse import urlsplit

from server.config import Settings

UNSPECIFIED = ("0.0.0.0", "::", "")
_SIOCGIFADDR = 0x8915


def is_loopback(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 and ``localhost``; False for the unspecified address (all
    interfaces, so the hall network too) and for every other address or name."""
    if host.lower() in ("localhost", "localhost."):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def uses_tls(settings: Settings) -> bool:
    """HTTPS off the loopback always; on the loopback only with a certificate given."""
    return not is_loopback(settings.host) or bool(settings.tls_cert_file)


def interface_addresses() -> list[str]:
    """This machine's IPv4 addresses other than the loopback (Linux; nothing elsewhere)."""
    found: list[str] = []
    try:
        interfaces = socket.if_nameindex()
        probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)  # never connected: nothing is sent
    except OSError:
        return found
    with probe:
        for _index, name in interfaces:
            try:
                answer = fcntl.ioctl(probe.fileno(), _SIOCGIFADDR, struct.pack("256s", name[:15].encode()))
            except OSError:
                continue
            address = socket.inet_ntoa(answer[20:24])
            if not ipaddress.ip_address(address).is_loopback and address not in found:
                found.append(address)
    return found


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def public_url(settings: Settings) -> str | None:
    """The base URL tablets use, without a trailing slash; None on the loopback without
    ``PUBLIC_URL`` (then the request's own address is the right one: only this machine can come)."""
    if settings.public_url:
        return settings.public_url.rstrip("/")
    if is_loopback(settings.host):
        return None
    host = settings.host
    if host in UNSPECIFIED:
        addresses = interface_addresses()
        host = addresses[0] if addresses else socket.gethostname()
    return f"https://{_url_host(host)}:{settings.port}"


def base_url(settings: Settings, request_base: str) -> str:
    """:func:`public_url`, or else the address the request came to."""
    return public_url(settings) or request_base.rstrip("/")


def url_host(url: str) -> str | None:
    return urlsplit(url).hostname


_REFUSAL = ("此服务器只接受 HTTPS 加密连接：请用 python -m server 启动（会场网络自动启用 HTTPS）。\n"
            "Plain HTTP is refused off the loopback: start the server with `python -m server`, "
            "which speaks HTTPS on the hall network.\n").encode()


class RefusePlainOffLoopback:
    """ASGI middleware: a plain HTTP or WebSocket request that arrived on a non-loopback socket is
    refused (403), before any route reads a token, a code or a ballot from it. Requests over TLS,
    and every request on the loopback (a TLS proxy on this machine included), pass untouched."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] in ("http", "websocket") and scope.get("scheme") in ("http", "ws"):
            server = scope.get("server")
            if server and server[1] is not None and not is_loopback(str(server[0])):  # (path, None): a unix socket
                if scope["type"] == "websocket":
                    await send({"type": "websocket.close", "code": 1008, "reason": "TLS required"})
                    return
                await send({"type": "http.response.start", "status": 403,
                            "headers": [(b"content-type", b"text/plain; charset=utf-8")]})
                await send({"type": "http.response.body", "body": _REFUSAL})
                return
        await self.app(scope, receive, send)
