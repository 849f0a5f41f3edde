"""``GET /api/health``: for the operator and the load benchmark — is the writer taking writes, and
how are frames reaching the terminals. Counts only; nothing about any deputy."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from server.routes.common import Rt, answers
from server.schemas.health import Health

router = APIRouter(tags=["health"])


@router.get("/health", **answers(Health))
async def health(rt: Rt) -> dict[str, Any]:
    """Whether the writer takes writes (`ok`), and how frames reach the terminals. Public; counts only."""
    stats = rt.hub.stats
    return {
        "ok": not rt.writer.broken,
        "writer": {"broken": rt.writer.broken, "batches": rt.writer.batches, "jobs": rt.writer.grouped,
                   "waiting": rt.writer.waiting()},
        "terminals": {"connections": rt.hub.connections, "frames_direct": stats.direct,
                      "frames_queued": stats.queued, "frames_dropped": stats.dropped},
        "audit_log_size": rt.ledger.size,
        "gc": None if rt.gc_watch is None else {
            "full_collections": rt.gc_watch.full_collections, "longest_pause_ms": rt.gc_watch.longest_pause_ms,
            "voting_thresholds": rt.gc_watch.voting},
    }
