"""Fan-out to terminals: frames go straight to the transport when they can, and never out of order."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest

from server.conversation import Principal
from server.domain import (
    Attendance,
    BodyKind,
    MeetingId,
    MemberId,
    MemberStatus,
    Role,
    RoundKind,
    VoteId,
    VoteMethod,
    VoteState,
)
from server.events import Event
from server.hub import Connection, FrameStats, Hub
from server.live import Live, LiveMeeting, LiveVote, Member
from terminals.client import TerminalClient
from tests.conftest import ServerProcess
from tests.server.session_helpers import Session, choices, in_session, ok


@pytest.fixture
def server(server_process: ServerProcess) -> ServerProcess:
    """Fan-out is watched on a server process of its own: the frames that reach the transport, and
    the garbage collector's policy (a process-wide setting), as in production."""
    return server_process


class Wire:
    """A transport that takes frames while ``open`` and records what reached it, by which path."""

    def __init__(self) -> None:
        self.open = True
        self.frames: list[tuple[str, str]] = []
        self.resume = asyncio.Event()

    def direct(self, data: bytes) -> bool:
        if not self.open:
            return False
        self.frames.append(("direct", data.decode()))
        return True

    async def send_text(self, text: str) -> None:
        await self.resume.wait()
        self.frames.append(("queued", text))

    async def close(self, code: int, reason: str) -> None:
        self.open = False


def test_a_frame_queued_behind_a_full_transport_is_never_overtaken_by_a_later_direct_frame() -> None:
    async def scenario() -> list[tuple[str, str]]:
        wire = Wire()
        stats = FrameStats()
        conn = Connection(wire.send_text, wire.close, 8, wire.direct, stats)
        conn.task = asyncio.get_running_loop().create_task(conn.pump())
        conn.offer("1")
        wire.open = False  # the transport's buffer is above its high-water mark
        conn.offer("2")
        wire.open = True  # writable again, but "2" is still queued: "3" must wait behind it
        conn.offer("3")
        await asyncio.sleep(0.01)
        conn.offer("4")  # "2" is in flight (the pump awaits the send): still queued
        wire.resume.set()
        for _ in range(100):
            if len(wire.frames) == 4:
                break
            await asyncio.sleep(0.005)
        conn.offer("5")  # nothing queued or in flight any more: straight to the transport
        conn.task.cancel()
        assert (stats.direct, stats.queued, stats.dropped) == (2, 3, 0)
        return wire.frames

    assert asyncio.run(scenario()) == [("direct", "1"), ("queued", "2"), ("queued", "3"), ("queued", "4"),
                                       ("direct", "5")]


def test_a_frame_given_as_bytes_alone_is_written_as_they_are_or_queued_as_their_text() -> None:
    """A receipt is encoded once, to bytes (Hub.send): its text is made only if it must be queued."""
    async def scenario() -> tuple[list[tuple[str, str]], list[str]]:
        wire = Wire()
        conn = Connection(wire.send_text, wire.close, 8, wire.direct, FrameStats())
        conn.offer(None, data="回执一".encode())
        wire.open = False
        conn.offer(None, data="回执二".encode())
        return wire.frames, [conn.queue.get_nowait() for _ in range(conn.queue.qsize())]

    assert asyncio.run(scenario()) == ([("direct", "回执一")], ["回执二"])


def test_a_full_queue_keeps_only_the_newest_state() -> None:
    async def scenario() -> tuple[list[str], FrameStats]:
        wire = Wire()
        wire.open = False
        stats = FrameStats()
        conn = Connection(wire.send_text, wire.close, 2, wire.direct, stats)
        for text in ("a", "b", "c", "d"):
            conn.offer(text, replace_with="state")
        return [conn.queue.get_nowait() for _ in range(conn.queue.qsize())], stats

    queued, stats = asyncio.run(scenario())
    assert queued == ["state", "d"]
    assert stats.dropped == 1


def _hall(roles: list[Role], *, queue_size: int = 256) -> tuple[Hub, dict[Role, Connection]]:
    """A hub over one meeting with deputy 7 checked in, and one connection joined per role (the
    deputy's tablet for DEPUTY), none of them writable, so what each is sent stays in its queue."""
    meeting, seven = MeetingId(1), MemberId(7)
    member = Member("D7", "代表七", "一组", "7", MemberStatus.ACTIVE)
    live = Live(meetings={meeting: LiveMeeting(meeting, 1, BodyKind.CONGRESS, "大会", {}, {seven: member},
                                               {seven: Attendance.PRESENT})})
    hub = Hub(live, queue_size=queue_size)
    conns = {}
    for role in roles:
        wire = Wire()
        wire.open = False
        conns[role] = conn = hub.connection(wire.send_text, wire.close, wire.direct)
        member_id = seven if role is Role.DEPUTY else None
        user_id = 1 if role in (Role.CHAIR, Role.STAFF) else None
        hub.join(conn, Principal(role=role, name=role.label, member_id=member_id, user_id=user_id,
                                 meeting_id=meeting))
    return hub, conns


def test_a_deputy_whose_queue_overflowed_is_sent_their_own_view_at_the_next_tick() -> None:
    """Dropped frames may have held a receipt or a "may vote" entry that the newest state lacks."""

    async def scenario() -> dict[str, list[dict[str, Any]]]:
        hub, by_role = _hall([Role.DEPUTY, Role.SCREEN], queue_size=2)
        conns = {"deputy": by_role[Role.DEPUTY], "screen": by_role[Role.SCREEN]}
        for text in ('{"n":1}', '{"n":2}', '{"n":3}'):  # the third overflows both queues
            for conn in conns.values():
                conn.offer(text)
        hub.flush_ticks()
        queued = {name: [json.loads(conn.queue.get_nowait()) for _ in range(conn.queue.qsize())]
                  for name, conn in conns.items()}
        for conn in conns.values():
            hub.leave(conn)
        return queued

    queued = asyncio.run(scenario())
    assert queued["screen"] == [{"n": 3}]
    assert [m.get("type", m.get("n")) for m in queued["deputy"]] == [3, "me"]
    assert queued["deputy"][1]["member"]["id"] == 7 and queued["deputy"][1]["checked_in"] is True


def test_a_tick_reaches_the_screen_and_the_chair_and_no_tablet_and_stops_when_they_leave() -> None:
    """The live counts go to the terminals that show them (Hub.tick_takers), never to the tablets;
    with none of them connected any more, a tick sends nothing at all."""

    async def scenario() -> tuple[dict[str, list[str]], dict[str, list[str]]]:
        hub, by_role = _hall([Role.DEPUTY, Role.SCREEN, Role.CHAIR])
        conns = {"deputy": by_role[Role.DEPUTY], "screen": by_role[Role.SCREEN], "chair": by_role[Role.CHAIR]}
        meeting = MeetingId(1)

        def ticked() -> dict[str, list[str]]:
            hub._dirty_ticks.add(meeting)
            hub.flush_ticks()
            return {name: [json.loads(conn.queue.get_nowait())["type"] for _ in range(conn.queue.qsize())]
                    for name, conn in conns.items()}

        first = ticked()
        hub.leave(conns["screen"])
        hub.leave(conns["chair"])
        second = ticked()
        hub.leave(conns["deputy"])
        return first, second

    first, second = asyncio.run(scenario())
    assert first == {"deputy": [], "screen": ["tick"], "chair": ["tick"]}
    assert second == {"deputy": [], "screen": [], "chair": []}


def test_the_state_that_opens_a_vote_tells_each_deputy_whether_they_may_vote_in_it(server: ServerProcess) -> None:
    """One frame per tablet: the state carries ``me_votes`` for deputies (present ones eligible,
    the absent one not); a hall screen gets the plain state."""

    async def body(s: Session) -> None:
        late = (await s.connect(1, check_in=False))[0]
        screen = TerminalClient(s.url, screen=s.meeting_id)
        await screen.connect()
        frames: dict[str, list[dict[str, Any]]] = {"present": [], "late": [], "screen": []}
        s.deputies[0].on_message = frames["present"].append
        late.on_message = frames["late"].append
        screen.on_message = frames["screen"].append
        vote = s.open(s.item("决议")["id"])
        await s.wait_open(vote, [s.deputies[0], late, screen])

        def opening(name: str) -> dict[str, Any]:
            return next(m for m in frames[name] if m["type"] == "state"
                        and any(v["id"] == vote and v["state"] == "open" for v in m["votes"]))

        assert opening("present")["me_votes"] == {vote: {"eligible": True, "voted": False}}
        assert opening("late")["me_votes"] == {vote: {"eligible": False, "voted": False}}
        assert "me_votes" not in opening("screen")
        after_opening = frames["present"][frames["present"].index(opening("present")):]
        assert [m["type"] for m in after_opening].count("me") == 0  # no whole view re-sent
        assert s.deputies[0].me is not None and s.deputies[0].me["votes"][vote]["eligible"] is True
        assert late.me is not None and late.me["votes"][vote]["eligible"] is False
        await screen.close()

    in_session(server.url, body)


def test_a_deputy_who_checks_in_on_a_tablet_gets_one_view_not_a_second_at_the_next_tick(server: ServerProcess) -> None:
    """The committed check-in is answered with the deputy's ``me`` at once; the tick that tells
    the screens of the new attendance sends the deputy no second copy (one came after the opening
    state of a vote opened just then, and a full check-in of 5,000 cost 5,000 frames more)."""

    async def body(s: Session) -> None:
        screen = TerminalClient(s.url, screen=s.meeting_id)
        await screen.connect()
        deputy = (await s.connect(1, check_in=False))[0]
        await deputy.wait_for(lambda c: c.me is not None)  # the view sent at sign-in comes after the state
        frames: list[dict[str, Any]] = []
        deputy.on_message = frames.append
        await deputy.check_in()
        # The tick that carries the new attendance to the screen is the one that would have sent
        # the second view; a frame the deputy asks for afterwards comes after anything it sent.
        await screen.wait_for(lambda c: c.state is not None and c.state["attendance"]["present"] == 1)
        await deputy._send({"type": "no-such-message"})
        await deputy.wait_for(lambda c: len(c.errors) >= 1)
        assert [m["type"] for m in frames].count("me") == 1
        await screen.close()

    in_session(server.url, body, tablets=0)


def test_under_uvicorn_every_frame_of_a_vote_goes_straight_to_the_transport(server: ServerProcess) -> None:
    async def body(s: Session) -> None:
        vote = s.open(s.item("决议")["id"])
        # the collector's voting thresholds, set as the opening is published (server/gcpolicy.py)
        assert ok(httpx.get(f"{server.url}/api/health"))["gc"]["voting_thresholds"] is True
        receipts = await s.cast(vote, choices(yes=30, no=10))
        assert all(r["receipt"]["index"] >= 0 for r in receipts)
        s.close(vote)

        def closed(c: TerminalClient) -> bool:
            return any(v["id"] == vote and v["state"] == "closed" for v in (c.state or {}).get("votes", []))

        await asyncio.gather(*(c.wait_for(closed) for c in s.deputies))

    in_session(server.url, body)  # 40 tablets: a quorum of the demo roll
    health = ok(httpx.get(f"{server.url}/api/health"))
    assert health["ok"] is True and health["writer"]["broken"] is False
    # welcome + state + me per tablet, state on open, receipt per ballot, state on close
    assert health["terminals"]["frames_direct"] >= 40 * 3 + 40 + 40 + 40
    assert health["terminals"]["frames_dropped"] == 0
    assert health["gc"]["longest_pause_ms"] >= 0 and health["gc"]["full_collections"] >= 0


@pytest.mark.parametrize("size", [0, 125, 126, 65535, 65536])
def test_a_prebuilt_frame_is_byte_for_byte_what_the_websockets_protocol_writes(size: int) -> None:
    from websockets.protocol import State
    from websockets.server import ServerProtocol

    from server.direct_send import _Frames

    data = ("选" * size).encode()[:size]
    protocol = ServerProtocol(state=State.OPEN)
    protocol.send_text(data)
    frames = _Frames(keep=2)
    assert frames.frame(data) == b"".join(protocol.data_to_send())
    assert frames.frame(data) is frames.frame(data)  # built once for a broadcast's shared bytes
    for other in (b"a", b"b", b"c"):
        frames.frame(other)
    assert len(frames._made) == 2


def test_a_large_hall_gets_its_attendance_frames_less_often_within_the_frames_budget() -> None:
    """After an attendance frame to R tablets the next waits R / ``attendance_frames_per_s``
    seconds when that is longer than the interval: with a budget of 2 frames a second, 4 tablets
    checked in get the next frame 2 s later, not 1 s."""

    async def scenario() -> list[int]:
        meeting = MeetingId(1)
        members = {MemberId(i): Member(f"D{i}", f"代表{i}", "一组", str(i), MemberStatus.ACTIVE) for i in range(1, 6)}
        live = Live(meetings={meeting: LiveMeeting(meeting, 1, BodyKind.CONGRESS, "大会", {}, members, {})})
        hub = Hub(live, attendance_interval=1.0, attendance_frames_per_s=2.0)
        wire = Wire()
        conns = []
        for i in range(1, 5):
            live.meetings[meeting].attendance[MemberId(i)] = Attendance.PRESENT
            conn = hub.connection(wire.send_text, wire.close, wire.direct)
            hub.join(conn, Principal(role=Role.DEPUTY, name=f"代表{i}", member_id=MemberId(i), meeting_id=meeting))
            conns.append(conn)
        hub.on_events([Event("attendance", meeting)])
        hub.flush_attendance(now=100.0)  # 4 frames: the next no sooner than 102.0
        live.meetings[meeting].attendance[MemberId(5)] = Attendance.LEAVE
        hub.on_events([Event("attendance", meeting)])
        hub.flush_attendance(now=101.0)  # the interval alone would let this one go
        hub.flush_attendance(now=101.9)
        sent_before = len(wire.frames)
        hub.flush_attendance(now=102.0)
        for conn in conns:
            hub.leave(conn)
        return [sent_before, len(wire.frames)]

    assert asyncio.run(scenario()) == [4, 8]


def test_tablets_get_one_small_attendance_frame_a_second_however_many_check_in() -> None:
    """Tablets get no tick; their 实到 follows check-ins by an ``attendance`` frame, coalesced to
    at most one per second per meeting, and only to checked-in deputies (screens and the chair have
    ticks; a tablet not checked in shows no 实到)."""

    async def scenario() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        meeting = MeetingId(1)
        members = {MemberId(i): Member(f"D{i}", f"代表{i}", "一组", str(i), MemberStatus.ACTIVE) for i in range(1, 6)}
        live = Live(meetings={meeting: LiveMeeting(meeting, 1, BodyKind.CONGRESS, "大会", {}, members, {})})
        hub = Hub(live, attendance_interval=1.0)
        wires = {"deputy": Wire(), "screen": Wire(), "not yet": Wire()}
        conns = {name: hub.connection(wire.send_text, wire.close, wire.direct) for name, wire in wires.items()}
        live.meetings[meeting].attendance[MemberId(1)] = Attendance.PRESENT
        hub.join(conns["deputy"], Principal(role=Role.DEPUTY, name="代表1", member_id=MemberId(1), meeting_id=meeting))
        hub.join(conns["not yet"], Principal(role=Role.DEPUTY, name="代表5", member_id=MemberId(5), meeting_id=meeting))
        hub.join(conns["screen"], Principal(role=Role.SCREEN, name="大屏", meeting_id=meeting))

        def check_in(member_id: int) -> None:
            live.meetings[meeting].attendance[MemberId(member_id)] = Attendance.PRESENT
            hub.on_events([Event("attendance", meeting, member_id=MemberId(member_id))])

        check_in(2)
        check_in(3)
        hub.flush_attendance(now=100.0)  # the first change: at once
        check_in(4)
        hub.flush_attendance(now=100.4)  # within the second: held back
        check_in(5)
        hub.flush_attendance(now=100.8)
        hub.flush_attendance(now=101.0)  # a second on: the newest figures, once
        hub.flush_attendance(now=103.0)  # nothing changed since: nothing sent
        frames = {name: [json.loads(text) for _, text in wire.frames] for name, wire in wires.items()}
        for conn in conns.values():
            hub.leave(conn)
        return frames["deputy"], frames["screen"] + frames["not yet"]

    deputy, others = asyncio.run(scenario())
    updates = [m for m in deputy if m.get("type") == "attendance"]
    assert [u["attendance"]["present"] for u in updates] == [3, 5]
    assert set(updates[0]) == {"type", "attendance"} and updates[0]["attendance"]["members_of_record"] == 5
    assert len(json.dumps(updates[-1], ensure_ascii=False)) < 200
    # screens have ticks; a tablet not checked in shows no 实到 (deputy 5 only checks in at the end)
    assert [m["attendance"]["present"] for m in others if m.get("type") == "attendance"] == [5]


def test_each_deputy_gets_the_opening_state_with_their_own_entries_for_every_vote_opened_at_once() -> None:
    """The opening's variants, grouped with set operations: for every deputy with a tablet here and
    every vote opened, whether they may vote in it and whether they have -- as each would get it
    one by one -- and one frame object per distinct set of entries."""
    meeting = MeetingId(1)
    live = Live(meetings={meeting: LiveMeeting(meeting, 1, BodyKind.CONGRESS, "大会", {}, {}, {})})
    hub = Hub(live)
    hub.by_member = {m: set() for m in range(1, 13)}

    def vote(vote_id: str, eligible: set[int], voters: set[int]) -> VoteId:
        live.votes[VoteId(vote_id)] = LiveVote(
            id=VoteId(vote_id), item_id=1, meeting_id=meeting, round_no=1, round_kind=RoundKind.FIRST,
            state=VoteState.OPEN, method=VoteMethod.ELECTRONIC, definition={}, named=True, change_allowed=True,
            eligible=frozenset(MemberId(m) for m in eligible), voters={MemberId(m) for m in voters})
        return VoteId(vote_id)

    first = vote("v1-1", eligible={1, 2, 3, 4, 5, 6, 20}, voters={2, 4})
    second = vote("v2-1", eligible={4, 5, 6, 7, 8}, voters={5, 8})
    variants = hub._opened_variants(meeting, [first, second, VoteId("gone")], '{"type":"state"}')
    assert set(variants) == set(range(1, 13))
    for member_id, (text, data) in variants.items():
        assert data == text.encode()
        assert json.loads(text)["me_votes"] == {
            v: {"eligible": member_id in live.votes[v].eligible, "voted": member_id in live.votes[v].voters}
            for v in (first, second)}
    # one frame per distinct pair of entries: {1, 3} {2} {4} {5} {6} {7} {8} {9, 10, 11, 12}
    assert len({id(frame) for frame in variants.values()}) == 8
