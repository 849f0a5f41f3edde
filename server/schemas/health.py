"""``GET /api/health``."""

from __future__ import annotations

from pydantic import Field

from server.schemas.base import Answer


class WriterHealth(Answer):
    broken: bool = Field(description="True when the writer stopped taking writes (the database failed).")
    batches: int
    jobs: int
    waiting: int


class TerminalHealth(Answer):
    connections: int
    frames_direct: int
    frames_queued: int
    frames_dropped: int


class GcHealth(Answer):
    full_collections: int
    longest_pause_ms: float
    voting_thresholds: bool = Field(description="The garbage collector's voting thresholds are in force.")


class Health(Answer):
    ok: bool
    writer: WriterHealth
    terminals: TerminalHealth
    audit_log_size: int
    gc: GcHealth | None
