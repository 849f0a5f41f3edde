"""What the writer tells the event loop after a commit: one :class:`Event` per change terminals
must hear about. The writer publishes them only once the transaction is durable (server/writer.py);
the hub turns them into frames (server/hub.py)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from server.domain import MeetingId, MemberId, VoteId

#: ``count`` and ``attendance`` move only counts (a tick); every other kind changes the state.
EventKind = Literal[
    "agenda", "roll", "attendance", "count",
    "vote_opened", "vote_closed", "vote_voided", "vote_extended", "vote_confirmed",
    "result_confirmed", "result_declared",
    "ceremony", "partial_decryption",
]


@dataclass(frozen=True)
class Event:
    """Something the terminals must hear about, published after commit: the vote it concerns, or
    the deputy who checked in (whose tablet is sent its view at once)."""

    kind: EventKind
    meeting_id: MeetingId | None
    vote_id: VoteId | None = None
    member_id: MemberId | None = None


#: Called by the writer thread with the events of one committed batch.
Publish = Callable[[list[Event]], None]
