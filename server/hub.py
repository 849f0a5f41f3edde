"""Fan-out to every terminal: a direct write when the transport takes it, else a bounded queue
and a sender task per connection.

design.md "Server": never ``await send()`` in a loop over clients — one slow tablet would stall
the hall. A message is serialised once and offered to every connection: written straight to its
transport when nothing is queued for it and the transport is writable (server/direct_send.py), queued
otherwise; a queue that is full is emptied and given the newest state instead (states are
snapshots, so nothing is lost but stale frames; the sequence gap tells the terminal, and a deputy's
tablet gets its own view again at the next tick). Live
"voted X of Y" counts and attendance are coalesced into a tick at most every ``count_interval``
seconds, sent to screens, the chair and staff (not to tablets); tablets get only a small
``attendance`` frame (实到 while they wait), at most once every ``attendance_interval`` seconds per
meeting (less often in a hall of thousands: ``attendance_frames_per_s``) and only after a check-in
or a 请假/缺席 was recorded. When a vote opens each deputy's state
carries a small ``me_votes`` patch; the whole ``me`` view is re-sent to every tablet only when a
vote is voided or the roll changes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import TypeVar

from server import protocol, queries
from server.conversation import Principal
from server.direct_send import DirectWriter
from server.domain import Attendance, JsonObject, MemberId, Role, VoteId, VoteMethod
from server.events import Event, EventKind
from server.live import Live

log = logging.getLogger("server.hub")

#: Events after which a deputy's whole view (``me``) is re-sent to every deputy. When a vote opens
#: only that vote's entry changes, and it rides in the state as ``me_votes`` (:meth:`Hub._opened_variants`).
ME_CHANGES: frozenset[EventKind] = frozenset({"vote_voided", "roll"})


@dataclass
class FrameStats:
    """Frames handed straight to a transport, frames that went through a queue, and frames
    dropped because a terminal's queue was full (it got the newest state instead)."""

    direct: int = 0
    queued: int = 0
    dropped: int = 0


@dataclass(eq=False)
class Connection:
    send_text: Callable[[str], Awaitable[None]]
    close: Callable[[int, str], Awaitable[None]]
    queue_size: int
    direct: DirectWriter | None = None
    stats: FrameStats = field(default_factory=FrameStats)
    principal: Principal | None = None
    queue: asyncio.Queue[str] = field(init=False)
    dropped: int = 0
    task: asyncio.Task[None] | None = None
    #: frames wait in ``queue`` or one of them is being sent: from the first one queued until the
    #: queue is empty again, so no frame handed straight to the transport can overtake them
    backlog: bool = False
    #: the deputy's, once joined (``principal.member_id``, kept here: a broadcast reads it per tablet)
    member_id: MemberId | None = None
    #: Called when frames were dropped: what they carried for this terminal alone (a receipt,
    #: ``me_votes``) is not in the newest state, so the hub sends its own view again.
    on_overflow: Callable[[Connection], None] | None = None

    def __post_init__(self) -> None:
        self.queue = asyncio.Queue(self.queue_size)

    def offer(self, text: str | None, *, data: bytes | None = None, replace_with: str | None = None) -> None:
        """Send ``text``, or ``data``, its UTF-8 (encoded once for many, or the only form there is:
        a receipt's text is made only if it has to be queued).

        Straight to the transport when nothing is queued or in flight and the transport is
        writable (server/direct_send.py); otherwise through the bounded queue, so frames keep their order
        and a slow terminal gets the newest state instead of an ever longer backlog."""
        if (not self.backlog and self.direct is not None
                and self.direct(data if data is not None else _utf8(text))):
            self.stats.direct += 1
            return
        self._enqueue(text if text is not None else _text(data), replace_with)

    def _enqueue(self, text: str, replace_with: str | None) -> None:
        self.backlog = True
        self.stats.queued += 1
        try:
            self.queue.put_nowait(text)
        except asyncio.QueueFull:
            self.dropped += 1
            self.stats.dropped += 1
            while not self.queue.empty():
                self.queue.get_nowait()
            self.queue.put_nowait(replace_with or text)
            if self.on_overflow is not None:
                self.on_overflow(self)

    async def pump(self) -> None:
        while True:
            text = await self.queue.get()
            try:
                await self.send_text(text)
            finally:
                if self.queue.empty():
                    self.backlog = False


def _utf8(text: str | None) -> bytes:
    assert text is not None, "a frame needs its text or its bytes"
    return text.encode()


def _text(data: bytes | None) -> str:
    assert data is not None, "a frame needs its text or its bytes"
    return data.decode()


K = TypeVar("K")


def _discard(index: dict[K, set[Connection]], key: K | None, conn: Connection) -> None:
    if key is not None and key in index:
        index[key].discard(conn)
        if not index[key]:
            del index[key]


async def _close_all(conns: list[Connection], code: int, reason: str) -> None:
    for conn in conns:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(conn.close(code, reason), 2)


class Hub:
    def __init__(self, live: Live, *, count_interval: float = 0.25, queue_size: int = 256,
                 attendance_interval: float = 1.0, attendance_frames_per_s: float = 1000.0) -> None:
        self.live = live
        self.count_interval = count_interval
        self.attendance_interval = attendance_interval
        self.attendance_frames_per_s = attendance_frames_per_s
        self.queue_size = queue_size
        # Keyed by plain ids, as the routes look them up (a principal's ids are MeetingId, MemberId).
        self.by_meeting: dict[int, set[Connection]] = {}
        self.by_member: dict[int, set[Connection]] = {}
        self.by_credential: dict[str, set[Connection]] = {}
        #: per meeting, the terminals that take the live counts (chair, staff, screens: not the
        #: tablets), so a tick does not walk thousands of tablets to find the few that show them
        self.tick_takers: dict[int, set[Connection]] = {}
        self.seq: dict[int, int] = {}
        self._dirty_ticks: set[int] = set()
        self._dirty_attendance: set[int] = set()
        #: per meeting, the earliest time of its next attendance frame
        self._attendance_next: dict[int, float] = {}
        self._dirty_states: set[int] = set()
        self._dirty_members: set[int] = set()
        self._me_changed: set[int] = set()
        self._opened: list[VoteId] = []
        self._ticker: asyncio.Task[None] | None = None
        self._state_cache: dict[int, tuple[int, int, float, str]] = {}
        self._wake = asyncio.Event()
        self.stats = FrameStats()
        self.connections = 0

    # -- connections ------------------------------------------------------------------------
    def connection(self, send_text: Callable[[str], Awaitable[None]],
                   close: Callable[[int, str], Awaitable[None]], direct: DirectWriter | None = None) -> Connection:
        conn = Connection(send_text, close, self.queue_size, direct, self.stats, on_overflow=self._overflowed)
        self.connections += 1
        conn.task = asyncio.get_running_loop().create_task(self._pump(conn))
        return conn

    async def _pump(self, conn: Connection) -> None:
        with contextlib.suppress(Exception):
            await conn.pump()

    def join(self, conn: Connection, principal: Principal) -> None:
        conn.principal = principal
        conn.member_id = principal.member_id
        if principal.meeting_id is not None:
            self.by_meeting.setdefault(principal.meeting_id, set()).add(conn)
            if principal.role is not Role.DEPUTY:
                self.tick_takers.setdefault(principal.meeting_id, set()).add(conn)
        if principal.member_id is not None:
            self.by_member.setdefault(principal.member_id, set()).add(conn)
        if principal.credential:
            self.by_credential.setdefault(principal.credential, set()).add(conn)

    def _overflowed(self, conn: Connection) -> None:
        """A deputy's tablet lost frames (its queue was full): its whole view at the next tick,
        so a dropped receipt or a dropped "may vote" entry is not missed until the next change."""
        if conn.principal is not None and conn.principal.member_id is not None:
            self._dirty_members.add(conn.principal.member_id)

    def connections_for(self, credential: str) -> int:
        return len(self.by_credential.get(credential, ()))

    def leave(self, conn: Connection) -> None:
        if conn.task is not None:
            conn.task.cancel()
            conn.task = None
            self.connections -= 1
        principal = conn.principal
        if principal is None:
            return
        _discard(self.by_meeting, principal.meeting_id, conn)
        _discard(self.tick_takers, principal.meeting_id, conn)
        _discard(self.by_member, principal.member_id, conn)
        _discard(self.by_credential, principal.credential or None, conn)

    def send(self, conn: Connection, message: JsonObject) -> None:
        conn.offer(None, data=protocol.encode(message))

    # -- what a terminal is sent --------------------------------------------------------------
    def state_text(self, meeting_id: int, *, fresh: bool = False) -> str | None:
        """The public state, serialised once per change of ``seq`` (a vote opened, closed, ...).
        Between two such changes only counts and attendance move, and those reach screens and the
        chair by ticks: a snapshot built for a terminal that joins then is rebuilt at most once per
        tick interval, not once per writer batch -- 5,000 tablets checking in would otherwise
        rebuild the whole state (attendance of every member) for every one that joins.
        ``fresh`` (an HTTP read) always reflects the last commit."""
        meeting = self.live.meetings.get(meeting_id)
        if meeting is None:
            return None
        seq = self.seq.get(meeting_id, 0)
        version = self.live.version
        now = time.monotonic()
        cached = self._state_cache.get(meeting_id)
        if cached is not None and cached[0] == seq:
            recent = not fresh and now - cached[2] < self.count_interval
            if cached[1] == version or recent:
                return cached[3]
        text = protocol.dumps(queries.public_state(self.live, meeting, seq))
        self._state_cache[meeting_id] = (seq, version, now, text)
        return text

    def snapshot_for(self, conn: Connection) -> None:
        """A full snapshot: the public state, and for a deputy their own view."""
        principal = conn.principal
        if principal is None or principal.meeting_id is None:
            return
        text = self.state_text(principal.meeting_id)
        if text is None:
            self.send(conn, protocol.error("not_found", "会议不存在"))
            return
        conn.offer(text)
        if principal.member_id is not None:
            meeting = self.live.meetings[principal.meeting_id]
            self.send(conn, queries.my_view(self.live, meeting, principal.member_id))

    def send_me(self, member_id: int) -> None:
        """The deputy's whole view, built now, to each of their tablets. It is at least as new as
        any change that marked the deputy for the next tick, so that mark is spent; a send that
        overflows marks the deputy again (``_overflowed``)."""
        self._dirty_members.discard(member_id)
        for conn in list(self.by_member.get(member_id, ())):
            principal = conn.principal
            if principal is not None and principal.member_id is not None and principal.meeting_id in self.live.meetings:
                meeting = self.live.meetings[principal.meeting_id]
                self.send(conn, queries.my_view(self.live, meeting, principal.member_id))

    # -- events from the writer -------------------------------------------------------------
    def on_events(self, events: list[Event]) -> None:
        checked_in: list[int] = []
        for event in events:
            if event.meeting_id is None:
                continue
            if event.kind in ("count", "attendance"):
                self._dirty_ticks.add(event.meeting_id)
                if event.kind == "attendance":
                    self._dirty_attendance.add(event.meeting_id)
                if event.member_id is not None:  # a check-in (own or by staff): the deputy's view at once
                    checked_in.append(event.member_id)
            else:
                self._dirty_states.add(event.meeting_id)
                if event.kind in ME_CHANGES:
                    self._me_changed.add(event.meeting_id)
                elif event.kind == "vote_opened" and event.vote_id is not None:
                    self._opened.append(event.vote_id)
        for member_id in checked_in:
            self.send_me(member_id)
        self._flush_states()

    def _flush_states(self) -> None:
        opened, self._opened = self._opened, []
        for meeting_id in list(self._dirty_states):
            self._dirty_states.discard(meeting_id)
            self._dirty_ticks.discard(meeting_id)
            self._dirty_attendance.discard(meeting_id)  # the state carries the same figures
            self.seq[meeting_id] = self.seq.get(meeting_id, 0) + 1
            text = self.state_text(meeting_id)
            if text is None:
                continue
            data = text.encode()
            variants = self._opened_variants(meeting_id, opened, text)
            for conn in list(self.by_meeting.get(meeting_id, ())):
                member_id = conn.member_id
                variant = variants.get(member_id) if member_id is not None else None
                if variant is None:
                    conn.offer(text, data=data)
                else:
                    conn.offer(variant[0], data=variant[1])
            if meeting_id in self._me_changed:
                self._me_changed.discard(meeting_id)
                self._dirty_members.update(m for m, conns in self.by_member.items()
                                           if any(c.principal and c.principal.meeting_id == meeting_id for c in conns))
        self._wake.set()

    def _opened_variants(self, meeting_id: int, opened: list[VoteId], text: str) -> dict[int, tuple[str, bytes]]:
        """The state that shows new votes, as each deputy's tablets get it: with ``me_votes``,
        whether the deputy may vote in them (entries to merge into their last ``me``). One frame,
        encoded once for every deputy with the same entries -- not a whole ``me`` built per deputy
        (whose receipts grow with every vote of the session), nor a second frame per tablet, which
        cost the tablets as much to take in as the state itself (docs/performance.md)."""
        votes = [v for v in (self.live.votes.get(i) for i in opened)
                 if v is not None and v.meeting_id == meeting_id and v.method is VoteMethod.ELECTRONIC]
        if not votes:
            return {}
        # The deputies with tablets here, grouped by their entries with set operations, not a tuple
        # built per deputy (thousands, before the first frame can go out)
        groups: dict[tuple[tuple[bool, bool], ...], set[int]] = {(): set(self.by_member)}
        for v in votes:
            split: dict[tuple[tuple[bool, bool], ...], set[int]] = {}
            for key, members in groups.items():
                eligible, other = members & v.eligible, members - v.eligible
                for is_eligible, part in ((True, eligible), (False, other)):
                    voted = part & v.voters
                    for has_voted, group in ((True, voted), (False, part - voted)):
                        if group:
                            split[(*key, (is_eligible, has_voted))] = group
            groups = split
        variants: dict[int, tuple[str, bytes]] = {}
        for key, members in groups.items():
            entries: JsonObject = {v.id: {"eligible": eligible, "voted": voted}
                                   for v, (eligible, voted) in zip(votes, key, strict=True)}
            variant = protocol.with_field(text, "me_votes", entries)
            variants.update(dict.fromkeys(members, (variant, variant.encode())))
        return variants

    def flush_ticks(self) -> None:
        for meeting_id in list(self._dirty_ticks):
            self._dirty_ticks.discard(meeting_id)
            meeting = self.live.meetings.get(meeting_id)
            if meeting is None:
                continue
            self.seq[meeting_id] = self.seq.get(meeting_id, 0) + 1
            # Tablets are not sent the live counts: only screens and the chair show them, and
            # thousands of tablets times four ticks a second would crowd out their receipts.
            takers = list(self.tick_takers.get(meeting_id, ()))
            if not takers:
                continue
            text = protocol.dumps(queries.tick(self.live, meeting, self.seq[meeting_id]))
            data = text.encode()
            state = self.state_text(meeting_id)
            for conn in takers:
                conn.offer(text, data=data, replace_with=state)
        self.flush_attendance()
        members, self._dirty_members = self._dirty_members, set()
        for member_id in members:
            self.send_me(member_id)

    def flush_attendance(self, now: float | None = None) -> None:
        """实到 for the deputies' tablets, which get no tick: one small frame (the six figures of
        ``attendance``), built and encoded once, to the tablets of checked-in deputies (the ones
        showing 实到 while they wait) of a meeting whose attendance changed -- at most once per
        ``attendance_interval`` per meeting, however many checked in (5,000 check-ins in a second
        make one frame per tablet, not 5,000), and in a large hall less often still: after a frame
        to R tablets the next waits at least R / ``attendance_frames_per_s`` seconds, so the
        frames to the tablets stay within that many a second while thousands check in (each is a
        write to a socket on the event loop, which also answers the sign-ins and check-ins)."""
        now = time.monotonic() if now is None else now
        for meeting_id in list(self._dirty_attendance):
            if now < self._attendance_next.get(meeting_id, now):
                continue
            self._dirty_attendance.discard(meeting_id)
            meeting = self.live.meetings.get(meeting_id)
            if meeting is None:
                continue
            message = queries.attendance_update(meeting)
            data = protocol.encode(message)
            text = data.decode()
            recipients = 0
            for conn in list(self.by_meeting.get(meeting_id, ())):
                principal = conn.principal
                if (principal is not None and principal.role is Role.DEPUTY and principal.member_id is not None
                        and meeting.attendance.get(principal.member_id) is Attendance.PRESENT):
                    conn.offer(text, data=data)
                    recipients += 1
            self._attendance_next[meeting_id] = now + max(self.attendance_interval,
                                                          recipients / self.attendance_frames_per_s)

    async def run_ticker(self) -> None:
        while True:
            await asyncio.sleep(self.count_interval)
            try:
                self.flush_ticks()
            except Exception:  # pragma: no cover - keep the ticker alive whatever happens
                log.exception("tick failed")

    def start(self) -> None:
        self._ticker = asyncio.get_running_loop().create_task(self.run_ticker())

    async def close_credential(self, credential: str, code: int, reason: str) -> None:
        """Close every socket signed in with one token (its holder signed out)."""
        await _close_all(list(self.by_credential.get(credential, ())), code, reason)

    async def close_members(self, member_ids: Iterable[int], code: int, reason: str) -> None:
        """Close every socket of these deputies (their sign-in was revoked)."""
        await _close_all([conn for mid in member_ids for conn in self.by_member.get(mid, ())], code, reason)

    async def stop(self) -> None:
        if self._ticker is not None:
            self._ticker.cancel()
        for conns in list(self.by_meeting.values()):
            for conn in list(conns):
                self.leave(conn)
