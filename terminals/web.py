"""Mount the web terminals on the server: an index page with links (the full pages come with the
terminals issue)."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.responses import HTMLResponse

INDEX = """<!doctype html><html lang="zh-CN"><meta charset="utf-8"><title>县乡人大电子表决系统</title>
<body style="font:20px sans-serif;max-width:40em;margin:2em auto">
<h1>县乡人大电子表决系统</h1>
<p>服务器运行中。接口文档：<a href="/docs">/docs</a>；表决协议：docs/protocol.md。</p>
</body></html>"""


def mount(app: FastAPI) -> None:
    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    async def index() -> str:
        return INDEX
