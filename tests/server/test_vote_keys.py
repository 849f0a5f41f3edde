"""Who has voted in an open vote, kept under the vote's own key (server/participation.py): the key
survives a restart, goes at close, and a lost key with voters stops the start rather than let a
deputy vote twice. On SQLite and PostgreSQL (the ``harness`` fixture)."""

from __future__ import annotations

import asyncio
import secrets
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from server import participation
from server.domain import MemberId
from server.models import VoteParticipation, VoteVoter
from server.participation import KEY_BYTES, VoteKeyMissing, VoteKeys
from server.usecases import agenda, close_vote, open_vote, roll
from server.usecases.cast_ballot import cast_ballot
from server.usecases.check_in import check_in
from server.writer import op
from tests.conftest import Harness

MEMBERS = 12


async def _vote_open(rt: Any) -> tuple[str, list[int]]:
    """A meeting of twelve, all checked in, a secret motion open."""
    meeting_id = await rt.writer.run(op(agenda.create_meeting, "congress", "县人民代表大会", "第一次会议"))
    rows = [{"code": f"D{i}", "name": f"代表{i}", "group": "", "seat": str(i), "status": "active"}
            for i in range(1, MEMBERS + 1)]
    await rt.writer.run(op(roll.import_roll, meeting_id, rows, by="test"))
    members = sorted(rt.live.meetings[meeting_id].members)
    await asyncio.gather(*(rt.writer.submit(op(check_in, meeting_id, m), groupable=True)
                           for m in members))
    item = await rt.writer.run(op(agenda.add_item, meeting_id, {"kind": "motion", "title": "议案"}))
    vote_id = (await rt.writer.run(op(open_vote.open_vote, item["id"])))["vote_id"]
    return vote_id, members


async def _cast(rt: Any, vote_id: str, voters: list[int]) -> None:
    tickets = await asyncio.gather(*(rt.writer.submit(
        op(cast_ballot, MemberId(m), vote_id, secrets.token_hex(16), {"choice": "yes"},
           cast_token=secrets.token_hex(16)), groupable=True, may_refuse=False)
        for m in voters))
    assert all(t.error is None for t in tickets), [t.error for t in tickets]


def test_who_voted_survives_a_restart_under_the_vote_s_key_and_is_written_plain_at_close(harness: Harness) -> None:
    keys = VoteKeys(harness.settings.data_dir / participation.DIRECTORY)
    found: dict[str, Any] = {}

    async def first(rt: Any) -> None:
        vote_id, members = await _vote_open(rt)
        found.update(vote_id=vote_id, members=members)
        await _cast(rt, vote_id, members[:5])
        with rt.sessions() as session:
            marks = set(session.scalars(select(VoteVoter.mark).where(VoteVoter.vote_id == vote_id)))
            assert session.get(VoteParticipation, vote_id) is None  # no set of voters while it is open
        key = keys.load(vote_id)
        assert key is not None and len(marks) == 5
        assert marks == {participation.mark(key, m) for m in members[:5]}
        assert not {str(m) for m in members} & marks

    async def second(rt: Any) -> None:
        vote_id, members = found["vote_id"], found["members"]
        assert rt.live.votes[vote_id].voters == set(members[:5])  # read back from the marks
        ticket = await rt.writer.submit(op(cast_ballot, members[0], vote_id, secrets.token_hex(16),
                                                               {"choice": "no"}, cast_token=secrets.token_hex(16)),
                                        groupable=True, may_refuse=False)
        assert ticket.error is not None and ticket.error.code == "change_needs_previous"  # not a second vote
        await _cast(rt, vote_id, members[5:7])
        await rt.writer.run(op(close_vote.close_vote, vote_id))
        with rt.sessions() as session:
            row = session.get(VoteParticipation, vote_id)
            assert row is not None and row.voters == sorted(members[:7])
            assert not list(session.scalars(select(VoteVoter).where(VoteVoter.vote_id == vote_id)))
        assert keys.load(vote_id) is None  # the key went with the close

    async def third(rt: Any) -> None:
        assert rt.live.votes[found["vote_id"]].voters == set(found["members"][:7])

    harness.run(first)
    harness.run(second)
    harness.run(third)


def test_a_lost_key_with_voters_stops_the_start_and_one_without_voters_is_made_again(harness: Harness) -> None:
    keys = VoteKeys(harness.settings.data_dir / participation.DIRECTORY)
    found: dict[str, Any] = {}

    async def opened(rt: Any) -> None:
        found["vote_id"], found["members"] = await _vote_open(rt)

    async def voted(rt: Any) -> None:
        await _cast(rt, found["vote_id"], found["members"][:3])

    async def nothing(rt: Any) -> None:
        assert rt.live.votes[found["vote_id"]].voters == set(found["members"][:3])

    harness.run(opened)
    path = keys.directory / f"{found['vote_id']}.key"
    path.unlink()  # no voter yet (as a vote opened before migration 0005): a new key, nothing lost
    harness.run(voted)
    saved = path.read_bytes()
    path.unlink()
    with pytest.raises(VoteKeyMissing, match="拒绝启动"):
        harness.run(nothing)
    path.write_bytes(saved[:5])
    with pytest.raises(VoteKeyMissing, match="已损坏"):
        harness.run(nothing)
    path.write_bytes(saved)  # restored from a backup of DATA_DIR
    harness.run(nothing)


def test_vote_keys_are_owner_only_replaced_whole_and_pruned(tmp_path: Path) -> None:
    keys = VoteKeys(tmp_path / "vote-keys")
    keys.keep_only(set())  # nothing yet: nothing to do
    first = keys.make("v1-1")
    again = keys.make("v1-1")  # an opening that did not commit, then a retry: replaced
    assert first != again and keys.load("v1-1") == again and len(again) == KEY_BYTES
    assert (keys.directory / "v1-1.key").stat().st_mode & 0o777 == 0o600
    keys.make("v2-1")
    (keys.directory / "v3-1.key.new").write_bytes(b"torn")
    keys.keep_only({"v2-1"})
    assert sorted(p.name for p in keys.directory.iterdir()) == ["v2-1.key"]
    keys.forget("v2-1")
    keys.forget("v2-1")
    assert keys.load("v2-1") is None
    with pytest.raises(ValueError, match="not a vote id"):
        keys.load("../code")
    assert participation.voters_of(first, [MemberId(1), MemberId(2)], {participation.mark(first, 2)}) == {2}
    assert participation.mark(first, 2) != participation.mark(again, 2)
