"""``python -m server``: run the session server (uvicorn) on 127.0.0.1 and print where to go.

Configured by the environment only: every variable is a field of server/config.py ``Settings``
(DATA_DIR, DATABASE_URL, HOST, PORT, DEMO, …), listed in the README.
"""

from __future__ import annotations

import os
import sys

import uvicorn

from server.config import Settings


def main() -> int:
    settings = Settings.from_env()
    data_dir = settings.data_dir
    os.environ["DATA_DIR"] = str(data_dir)  # the app reads its settings again in the server process
    base = f"http://{settings.host}:{settings.port}"
    print(f"""
县乡人大电子表决系统 — 服务器启动中 (server starting)
  数据目录 DATA_DIR : {data_dir}
  数据库 DATABASE_URL: {settings.database_url}

  首页 (index)              {base}/
  代表终端 (deputy tablet)  {base}/tablet
  主持人 (chair console)    {base}/chair
  大屏 (hall screen)        {base}/screen/1
  工作人员 (staff)          {base}/staff
  监票/计票 (scrutineer)    {base}/scrutineer
  审计 (auditor)            {base}/audit
  接口文档 (API docs)       {base}/docs

  演示账号与代表签到码 (demo accounts and deputies' codes): {data_dir / 'demo-codes.txt'}
  主持人 chair / demo-chair-2026   工作人员 staff / demo-staff-2026
  计票人 jipiao1, jipiao2 / demo-count-2026   审计 auditor / demo-audit-2026
""", flush=True)
    uvicorn.run(
        "server.app:create_app", factory=True, host=settings.host, port=settings.port, ws="websockets-sansio",
        ws_per_message_deflate=False, ws_ping_interval=settings.ws_ping_interval_s,
        ws_ping_timeout=settings.ws_ping_timeout_s, log_level="info", ws_max_size=settings.max_frame_bytes,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
