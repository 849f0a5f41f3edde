"""``python -m server``: run the session server (uvicorn) on 127.0.0.1 and print where to go.

Environment: DATA_DIR (default ./data), DATABASE_URL (default SQLite in DATA_DIR), HOST
(default 127.0.0.1), PORT (default 8000), DEMO (default 1: load a demo congress on a fresh DATA_DIR).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import uvicorn


def main() -> int:
    host = os.environ.get("HOST", "127.0.0.1")
    port = int(os.environ.get("PORT", "8000"))
    data_dir = Path(os.environ.get("DATA_DIR", "./data")).resolve()
    os.environ["DATA_DIR"] = str(data_dir)
    base = f"http://{host}:{port}"
    print(f"""
县乡人大电子表决系统 — 服务器启动中 (server starting)
  数据目录 DATA_DIR : {data_dir}
  数据库 DATABASE_URL: {os.environ.get("DATABASE_URL") or f"sqlite:///{data_dir / 'renda.sqlite3'}"}

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
        "server.app:create_app", factory=True, host=host, port=port, ws="websockets-sansio",
        ws_per_message_deflate=False, ws_ping_interval=15.0, ws_ping_timeout=20.0, log_level="info",
        ws_max_size=64 * 1024,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
