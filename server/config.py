"""Configuration comes only from the environment (DATA_DIR, DATABASE_URL and a few limits)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    database_url: str
    origin: str
    demo: bool
    max_frame_bytes: int = 64 * 1024
    max_messages_per_second: int = 50
    max_connections_per_credential: int = 4
    group_commit_ms: float = 4.0
    group_commit_max: int = 2000
    send_queue_size: int = 256
    count_interval_s: float = 0.25
    heartbeat_s: float = 15.0

    @staticmethod
    def from_env(env: dict[str, str] | None = None) -> Settings:
        env = dict(os.environ if env is None else env)
        data_dir = Path(env.get("DATA_DIR", "./data")).resolve()
        database_url = env.get("DATABASE_URL") or f"sqlite:///{data_dir / 'renda.sqlite3'}"
        return Settings(
            data_dir=data_dir,
            database_url=database_url,
            origin=env.get("AUDIT_ORIGIN", "renda.local/session-log"),
            demo=env.get("DEMO", "1") not in ("0", "false", "no"),
            group_commit_ms=float(env.get("GROUP_COMMIT_MS", "4")),
        )
