"""What the writer tells the event loop after a commit: one :class:`Event` per change terminals
must hear about. The writer publishes them only once the transaction is durable (server/writer.py);
the hub turns them into frames (server/hub.py)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Event:
    """Something the terminals must hear about, published after commit."""

    kind: str
    meeting_id: int | None
    payload: dict[str, Any] = field(default_factory=dict)


#: Called by the writer thread with the events of one committed batch.
Publish = Callable[[list[Event]], None]
