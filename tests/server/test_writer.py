"""The one writer: a refusal inside a group commit undoes only that job; a failed commit stores
nothing and leaves the audit log as it was.

The jobs and effects here are mostly local closures that watch the writer's insides, so this
module's harness does not check that they could cross to another process; what the server submits
is checked in every other in-process test run, and the check itself is tested here too."""

from __future__ import annotations

import asyncio
import pickle
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from server.domain import Attendance as AttendanceState
from server.domain import MemberId
from server.effects import Effect
from server.errors import Conflict, NotFound, ServerError
from server.live import Live
from server.models import Attendance, AuditRecord
from server.usecases import agenda, roll
from server.usecases.check_in import check_in
from server.writer import NotPortable, StorageUnavailable, Tx, op
from tests.conftest import Harness, picture_differences, pictures_agree


@pytest.fixture
def harness(harness: Harness) -> Harness:
    """The conftest harness, its jobs not checked for crossing to another process (this module's
    own closures)."""
    return Harness(harness.settings, check_portable=False)


async def congress_of(rt: Any, deputies: int) -> tuple[int, list[int]]:
    """A congress meeting with ``deputies`` active deputies on its roll: (meeting id, member ids)."""
    meeting_id: int = await rt.writer.run(
        op(agenda.create_meeting, "congress", "县人民代表大会", "第一次会议"))
    rows = [{"code": f"D{i}", "name": f"代表{i}", "group": "", "seat": str(i), "status": "active"}
            for i in range(1, deputies + 1)]
    await rt.writer.run(op(roll.import_roll, meeting_id, rows, by="test"))
    return meeting_id, sorted(rt.live.meetings[meeting_id].members)


@pytest.mark.parametrize("refuses_first", [False, True], ids=["in-a-savepoint", "refusing-first"])
def test_a_refused_job_in_a_group_undoes_only_itself(harness: Harness, refuses_first: bool) -> None:
    async def body(rt: Any) -> None:
        def setup(tx: Tx) -> int:
            meeting_id = agenda.create_meeting(tx, "standing_committee", "常委会", "第十次会议")
            return meeting_id

        meeting_id = await rt.writer.run(setup)
        rows = [{"code": f"M{i}", "name": f"委员{i}", "group": "", "seat": str(i), "status": "active"}
                for i in range(1, 4)]
        rows[1]["status"] = "suspended"
        await rt.writer.run(op(roll.import_roll, meeting_id, rows, by="test"))
        members = sorted(rt.live.meetings[meeting_id].members)
        before = rt.ledger.size
        batches = rt.writer.batches
        jobs = [rt.writer.submit(op(check_in, meeting_id, m), groupable=True,
                                 refuses_first=refuses_first) for m in members]
        outcomes = await asyncio.gather(*jobs, return_exceptions=True)
        assert rt.writer.batches == batches + 1  # one group
        first, suspended, third = outcomes
        assert isinstance(suspended, ServerError) and suspended.code == "member_not_active"
        assert isinstance(first, dict) and isinstance(third, dict)
        assert first["state"] == third["state"] == "present"
        assert rt.live.meetings[meeting_id].attendance == {members[0]: "present", members[2]: "present"}
        with rt.sessions() as session:
            assert session.scalar(select(func.count()).select_from(Attendance)) == 2
            assert session.scalar(select(func.count()).select_from(AuditRecord)) == rt.ledger.size
        assert rt.ledger.size == before + 2

    harness.run(body)


def test_a_job_that_changes_the_session_before_refusing_fails_its_whole_group_and_stores_nothing(
        harness: Harness) -> None:
    """``refuses_first`` is a promise: a job that breaks it (adds to the session, then refuses)
    cannot be undone without a savepoint, so its whole group fails and nothing of it is stored."""

    async def body(rt: Any) -> None:
        meeting_id, members = await congress_of(rt, 2)
        before = rt.ledger.size

        def broken(tx: Tx) -> None:
            tx.session.add(Attendance(meeting_id=meeting_id, member_id=members[1], state="leave"))
            raise ServerError("refused_late", "先写后拒")

        jobs = [rt.writer.submit(op(check_in, meeting_id, members[0]), groupable=True, refuses_first=True),
                rt.writer.submit(broken, groupable=True, refuses_first=True)]
        outcomes = await asyncio.gather(*jobs, return_exceptions=True)
        assert all(isinstance(outcome, RuntimeError) for outcome in outcomes)
        assert rt.live.meetings[meeting_id].attendance == {}
        with rt.sessions() as session:
            assert session.scalar(select(func.count()).select_from(Attendance)) == 0
        assert rt.ledger.size == before

    harness.run(body)


def test_two_check_ins_of_one_deputy_in_one_group_make_one_row_and_one_record(harness: Harness) -> None:
    async def body(rt: Any) -> None:
        meeting_id, members = await congress_of(rt, 1)
        before = rt.ledger.size
        jobs = [rt.writer.submit(op(check_in, meeting_id, members[0]), groupable=True, refuses_first=True)
                for _ in range(2)]
        first, second = await asyncio.gather(*jobs)
        assert (first["already"], second["already"]) == (False, True)
        with rt.sessions() as session:
            assert session.scalar(select(func.count()).select_from(Attendance)) == 1
        assert rt.ledger.size == before + 1

    harness.run(body)


def test_a_refused_single_job_leaves_database_and_log_unchanged(harness: Harness) -> None:
    async def body(rt: Any) -> None:
        before = rt.ledger.size

        def half_done(tx: Tx) -> None:
            tx.audit("note", {"text": "staged, then refused"})
            raise ServerError("refused", "拒绝")

        with pytest.raises(ServerError):
            await rt.writer.run(half_done)
        assert rt.ledger.size == before
        with rt.sessions() as session:
            assert session.scalar(select(func.count()).select_from(AuditRecord)) == before

    harness.run(body)


def test_a_connection_lost_during_commit_after_the_commit_is_not_rolled_back(harness: Harness) -> None:
    """The database committed, then the connection failed before saying so: the writer finds the
    batch's first audit row, keeps the records, signs them and acknowledges the jobs."""
    from sqlalchemy.exc import OperationalError

    async def body(rt: Any) -> None:
        real = rt.writer.sessions
        failures = {"left": 1}

        class FlakyCommit:
            def __init__(self) -> None:
                self.session = real()

            def __enter__(self) -> Any:
                session = self.session.__enter__()
                commit = session.commit

                def commit_then_fail() -> None:
                    commit()
                    if failures["left"]:
                        failures["left"] -= 1
                        raise OperationalError("COMMIT", {}, Exception("server closed the connection"))

                session.commit = commit_then_fail
                return session

            def __exit__(self, *exc: Any) -> None:
                self.session.__exit__(*exc)

        rt.writer.sessions = FlakyCommit
        before = rt.ledger.size

        def note(tx: Tx) -> str:
            tx.audit("note", {"text": "committed, then the connection broke"})
            return "done"

        assert await rt.writer.run(note) == "done"
        assert rt.ledger.size == before + 1
        assert rt.ledger.log.latest_checkpoint.size == before + 1
        with real() as session:
            assert session.scalar(select(func.count()).select_from(AuditRecord)) == before + 1

    harness.run(body)


def test_a_batch_of_ballots_leaves_no_reference_cycle_behind(harness: Harness) -> None:
    """A group commit's objects (its Tx, tickets, accepted ballots) are freed as soon as it is
    settled, by reference counting: left to the garbage collector, thousands of them per burst
    made its young-generation passes the longest pauses of a vote (docs/performance.md)."""
    import gc
    import secrets

    from server.usecases import open_vote
    from server.usecases.cast_ballot import Ticket, _Accepted, _Batch, cast_ballot

    async def body(rt: Any) -> None:
        meeting_id, members = await congress_of(rt, 30)
        await asyncio.gather(*(rt.writer.submit(op(check_in, meeting_id, m), groupable=True)
                               for m in members))
        item = await rt.writer.run(op(agenda.add_item, meeting_id, {"kind": "motion", "title": "议案"}))
        vote_id = (await rt.writer.run(op(open_vote.open_vote, item["id"])))["vote_id"]
        gc.collect()
        gc.disable()
        gc.set_debug(gc.DEBUG_SAVEALL)
        try:
            tickets = await asyncio.gather(*(rt.writer.submit(
                op(cast_ballot, MemberId(m), vote_id, secrets.token_hex(16), {"choice": "yes"},
                   cast_token=secrets.token_hex(16)),
                groupable=True, may_refuse=False) for m in members))
            assert all(t.receipt is not None for t in tickets) and rt.writer.batches >= 1
            del tickets
            gc.collect()
            left = [o for o in gc.garbage if isinstance(o, (Tx, Ticket, _Accepted, _Batch))]
        finally:
            gc.set_debug(0)
            gc.garbage.clear()
            gc.enable()
        assert left == []
        assert rt.live.votes[vote_id].cast == len(members)

    harness.run(body)


_NAMES = st.text(alphabet='张三ab"\\[{ \u00e9\U0001f600', max_size=6)
_BALLOTS = st.dictionaries(_NAMES, st.recursive(st.integers(-(2**53) + 1, 2**53 - 1) | _NAMES | st.booleans(),
                                                lambda inner: st.lists(inner, max_size=3)
                                                | st.dictionaries(_NAMES, inner, max_size=3), max_leaves=10),
                           max_size=4)


@given(_BALLOTS, _NAMES.filter(bool))
@settings(max_examples=200, deadline=None)
def test_a_ballot_encoded_once_gives_the_seal_tracker_and_record_of_encoding_each(ballot: dict[str, Any],
                                                                                 vote_id: str) -> None:
    from audit.canonical import dumps
    from ballotcrypto.hashing import h256
    from server.usecases.cast_ballot import ballot_record, encode_ballot, plain_encoding, seal, tracker_of

    encoded = encode_ballot(ballot)
    assert plain_encoding(ballot)[0] == plain_encoding(dict(reversed(ballot.items())))[0] == encoded  # kept by shape
    nonce = "0123456789abcdef" * 2
    assert ballot_record(vote_id, ballot, encoded, nonce).canonical == \
        dumps({"vote_id": vote_id, "ballot": ballot, "nonce": nonce})
    for token in (None, "t" * 32):
        assert seal(vote_id, "b" * 32, ballot, token, encoded) == seal(vote_id, "b" * 32, ballot, token)
    assert tracker_of(ballot, encoded) == h256(ballot) == tracker_of(ballot)


def test_a_kept_encoding_never_stands_for_a_ballot_json_cannot_carry() -> None:
    """orjson writes NaN as null: a ballot with NaN must still be refused by the RFC 8785 encoder,
    though a ballot with null of the same shape was encoded before."""
    from audit.errors import CanonicalJSONError
    from server.usecases.cast_ballot import plain_encoding

    assert plain_encoding({"marks": {"甲": None}})[0] == b'{"marks":{"\xe7\x94\xb2":null}}'
    for _ in range(2):
        with pytest.raises(CanonicalJSONError):
            plain_encoding({"marks": {"甲": float("nan")}})
        with pytest.raises(CanonicalJSONError):  # beyond orjson's 64 bits: the RFC 8785 encoder's error, as before
            plain_encoding({"marks": {"甲": 2**70}})


@pytest.mark.parametrize("picture_copy", [False, True], ids=["one picture", "writer's own copy"])
def test_only_the_event_loop_changes_its_picture_and_the_next_job_sees_the_change(
        harness: Harness, picture_copy: bool) -> None:
    """Issue 14 item 5: the event loop iterates its in-memory picture for every view and tick, so a
    committed batch's effects are applied to it on the loop's thread, never the writer's (on the old
    code they ran in the writer thread: "dictionary changed size during iteration"). With one picture
    (the default) the writer starts its next job only once the loop has applied them; with a copy of
    its own (WRITER_PICTURE_COPY) that copy gets them in the writer's thread first. Either way the
    next job reads the picture of the last commit."""
    import dataclasses
    import threading

    harness = Harness(dataclasses.replace(harness.settings, writer_picture_copy=picture_copy), check_portable=False)

    async def body(rt: Any) -> None:
        loop_thread = threading.get_ident()
        meeting_id, members = await congress_of(rt, 40)
        hook_threads: list[tuple[int, bool]] = []
        seen_by_next: list[int] = []

        class Noted(Effect):  # where the batch's effects are applied, and to which copy
            def apply(self, live: Live) -> None:
                hook_threads.append((threading.get_ident(), live is rt.live))

        def checked_in(tx: Tx, member: int) -> None:
            check_in(tx, meeting_id, member)
            tx.then(Noted())

        def count_present(tx: Tx) -> None:  # runs in the writer thread, right after the batch above
            seen_by_next.append(len(tx.live.meetings[meeting_id].attendance))

        # While the batches commit, the loop keeps iterating the attendance dict, as views do.
        stop = asyncio.Event()

        async def reader() -> int:
            passes = 0
            while not stop.is_set():
                for _ in rt.live.meetings[meeting_id].attendance.items():
                    pass
                rt.live.meetings[meeting_id].summary()
                passes += 1
                await asyncio.sleep(0)
            return passes

        reading = asyncio.ensure_future(reader())
        jobs = [rt.writer.submit(op(checked_in, m), groupable=True) for m in members]
        jobs.append(rt.writer.submit(count_present))
        await asyncio.gather(*jobs)
        stop.set()
        assert await reading > 0
        on_loop = {thread for thread, loops_copy in hook_threads if loops_copy}
        in_writer = {thread for thread, loops_copy in hook_threads if not loops_copy}
        assert on_loop == {loop_thread}
        if picture_copy:
            assert in_writer and loop_thread not in in_writer
            assert rt.writer.own is not None and rt.writer.own is not rt.live and rt.live.vote_keys is None
        else:
            assert not in_writer and rt.writer.own is None and rt.live.vote_keys is not None
        assert seen_by_next == [len(members)]
        assert len(rt.live.meetings[meeting_id].attendance) == len(members)

    harness.run(body)


def test_answers_by_callback_come_on_the_loop_in_one_batch_and_one_failing_answer_spoils_none(
        harness: Harness) -> None:
    """``Writer.submit_then`` (the ballots' path): each job's outcome -- a value or its refusal --
    reaches its callback on the event loop's thread, with the batch's futures, and a callback that
    raises does not keep the others from their answers."""
    import threading

    async def body(rt: Any) -> None:
        loop_thread = threading.get_ident()
        meeting_id = await rt.writer.run(
            op(agenda.create_meeting, "congress", "县人民代表大会", "第一次会议"))
        rows = [{"code": f"D{i}", "name": f"代表{i}", "group": "", "seat": str(i),
                 "status": "suspended" if i == 3 else "active"} for i in range(1, 7)]
        await rt.writer.run(op(roll.import_roll, meeting_id, rows, by="test"))
        members = sorted(rt.live.meetings[meeting_id].members)
        answers: dict[int, tuple[Any, BaseException | None, int]] = {}
        settled = asyncio.Event()

        def answer(member: int, outcome: tuple[Any, BaseException | None]) -> None:
            answers[member] = (*outcome, threading.get_ident())
            if len(answers) == len(members):
                settled.set()
            if member == members[0]:
                raise RuntimeError("a broken answer")

        batches = rt.writer.batches
        for m in members:
            rt.writer.submit_then(op(check_in, meeting_id, m),
                                  lambda outcome, m=m: answer(m, outcome), groupable=True)
        future = rt.writer.submit(op(check_in, meeting_id, members[1]), groupable=True)
        await asyncio.wait_for(settled.wait(), 20)
        assert (await future)["state"] == "present"
        assert rt.writer.batches == batches + 1
        assert {thread for _, _, thread in answers.values()} == {loop_thread}
        refused = answers[members[2]][1]
        assert isinstance(refused, ServerError) and refused.code == "member_not_active"
        assert all(answers[m][0]["state"] == "present" and answers[m][1] is None for m in members if m != members[2])

    harness.run(body)


def test_a_change_of_the_picture_made_outside_an_effect_is_found_as_the_copies_differing(harness: Harness) -> None:
    """The writer's copy and the loop's stay equal only because every change is an effect applied to
    both: a job that changed its picture itself would leave them apart, and the comparison the
    tests make at the end of every in-process run (tests/conftest.py ``pictures_agree``) says where."""

    async def body(rt: Any) -> None:
        meeting_id, members = await congress_of(rt, 3)
        await rt.writer.run(op(check_in, meeting_id, members[0]))
        await pictures_agree(rt)

        def behind_the_effects(tx: Tx) -> None:
            tx.live.meetings[meeting_id].attendance[MemberId(members[1])] = AttendanceState.PRESENT

        await rt.writer.run(behind_the_effects)
        with pytest.raises(AssertionError, match=rf"meetings {meeting_id}\.attendance"):
            await pictures_agree(rt)
        del rt.writer.own.meetings[meeting_id].attendance[members[1]]  # as it was, for the harness's own check
        assert picture_differences(rt.writer.own, rt.live) == []

    harness.run(body)


@pytest.mark.parametrize("picture_copy", [False, True], ids=["one picture", "writer's own copy"])
def test_an_effect_that_fails_is_logged_and_the_batch_is_still_answered(
        harness: Harness, picture_copy: bool, caplog: pytest.LogCaptureFixture) -> None:
    """A bug in an effect must not keep a durable batch's answers from going out, nor stop the
    writer: it is logged, the batch's other effects are applied, and the next job runs."""
    import dataclasses

    harness = Harness(dataclasses.replace(harness.settings, writer_picture_copy=picture_copy), check_portable=False)

    class Faulty(Effect):
        def apply(self, live: Live) -> None:
            raise KeyError("no such vote")

    async def body(rt: Any) -> None:
        meeting_id, members = await congress_of(rt, 2)

        def checked_in_with_a_bug(tx: Tx) -> str:
            tx.then(Faulty())
            check_in(tx, meeting_id, members[0])
            return "answered"

        assert await asyncio.wait_for(rt.writer.run(checked_in_with_a_bug), 30) == "answered"
        assert rt.live.meetings[meeting_id].attendance[MemberId(members[0])] is AttendanceState.PRESENT
        await asyncio.wait_for(rt.writer.run(op(check_in, meeting_id, members[1])), 30)
        assert len(rt.live.meetings[meeting_id].attendance) == 2

    with caplog.at_level("ERROR", logger="server.writer"):
        harness.run(body)
    failed = [r for r in caplog.records if "an effect failed" in r.getMessage()]
    assert len(failed) == (2 if picture_copy else 1) and "Faulty" in failed[0].getMessage()


def test_a_batch_of_a_secret_votes_ballots_pairs_no_deputy_with_a_ballot(
        harness: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    """The effect that stores a batch of ballots carries the ballots (no voter) and who voted (by
    member id) apart, as the picture keeps them (server/live.py): what a writer in a process of its
    own would send back pairs nobody with a ballot of a secret vote."""
    import secrets

    from server.effects import BallotsStored
    from server.usecases import open_vote
    from server.usecases.cast_ballot import cast_ballot

    seen: list[BallotsStored] = []
    applying = BallotsStored.apply

    def recording(self: BallotsStored, live: Live) -> None:
        seen.append(self)
        applying(self, live)

    monkeypatch.setattr(BallotsStored, "apply", recording)

    async def body(rt: Any) -> None:
        meeting_id, members = await congress_of(rt, 12)
        await asyncio.gather(*(rt.writer.submit(op(check_in, meeting_id, m), groupable=True)
                               for m in members))
        item = await rt.writer.run(op(
            agenda.add_item, meeting_id, {"kind": "motion", "title": "议案", "secret": True}))
        vote_id = (await rt.writer.run(op(open_vote.open_vote, item["id"])))["vote_id"]
        assert not rt.live.votes[vote_id].named
        await asyncio.gather(*(rt.writer.submit(
            op(cast_ballot, MemberId(m), vote_id, secrets.token_hex(16), {"choice": "yes"},
               cast_token=secrets.token_hex(16)),
            groupable=True, may_refuse=False) for m in members))
        assert rt.live.votes[vote_id].voters == set(members)

    harness.run(body)
    assert seen
    for effect in seen:
        assert all(entry.named_receipt is None for entry in effect.entries)
        assert list(effect.voters) == sorted(effect.voters) and len(effect.voters) == len(effect.entries)
        assert all("member_id" not in entry._fields for entry in effect.entries)  # a ballot names no voter


class _Unpicklable:
    """What cannot cross to another process: an object holding a lock (as an open handle would)."""

    def __init__(self) -> None:
        import threading

        self.lock = threading.Lock()


def _answers_unpicklable(tx: Tx) -> _Unpicklable:
    return _Unpicklable()


@dataclass(frozen=True)
class _Carries(Effect):
    """An effect with something unpicklable in it."""

    thing: object

    def apply(self, live: Live) -> None:
        pass


def _adds_an_unpicklable_effect(tx: Tx) -> str:
    tx.then(_Carries(_Unpicklable()))
    return "done"


def test_what_the_writer_and_the_loop_exchange_must_cross_to_another_process_when_it_checks(
        harness: Harness) -> None:
    """With the check on (WRITER_PICTURE_COPY, every other in-process test run): a job that is a
    closure is refused when submitted, naming it; a named use case with plain arguments goes, and
    its answer reaches the loop as a copy; an answer or an effect that cannot be pickled is named in
    ``not_portable`` (the job is answered with the error), and the writer goes on."""
    checked = Harness(harness.settings, check_portable=True)

    async def body(rt: Any) -> None:
        assert rt.writer.check_portable
        meeting_id, members = await congress_of(rt, 3)
        with pytest.raises(NotPortable, match="local"):
            rt.writer.submit(lambda tx: check_in(tx, meeting_id, members[0]))
        rows = [{"code": "D9", "name": "代表九", "group": "", "seat": "9", "status": "active"}]
        job = op(roll.import_roll, meeting_id, rows, by="test")
        assert pickle.loads(pickle.dumps(job)) == job
        assert (await rt.writer.run(job))["added"] == 1
        with pytest.raises(NotPortable, match="_answers_unpicklable"):
            await rt.writer.run(_answers_unpicklable)
        assert await rt.writer.run(_adds_an_unpicklable_effect) == "done"
        assert [m.split(" cannot")[0] for m in rt.writer.not_portable] == [
            "the answer of tests.server.test_writer._answers_unpicklable", "the effect _Carries"]
        await rt.writer.run(op(check_in, meeting_id, members[0]))  # the writer goes on
        assert members[0] in rt.live.meetings[meeting_id].attendance
        rt.writer.not_portable.clear()  # what pictures_agree checks at the end

    checked.run(body)


def test_an_op_calls_its_use_case_with_the_transaction_first_and_pickles_by_name() -> None:
    job = op(_record_call, 1, "二", three=3)
    assert job("tx") == "called"  # type: ignore[arg-type]
    assert _CALLS[-1] == ("tx", 1, "二", {"three": 3})
    assert b"_record_call" in pickle.dumps(job)  # by reference, not by value
    assert pickle.loads(pickle.dumps(job)) == job


_CALLS: list[tuple[Any, ...]] = []


def _record_call(tx: Any, one: int, two: str, *, three: int) -> str:
    _CALLS.append((tx, one, two, {"three": three}))
    return "called"


@pytest.mark.parametrize("error", [
    ServerError("invalid_ballot", "选票无效", field="ballot"),
    ServerError("teapot", "我是茶壶", status=418),
    Conflict("already_voted", "您已投票"),
    NotFound("not_found", "表决不存在"),
    StorageUnavailable(),
], ids=lambda error: type(error).__name__)
def test_a_refusal_crosses_to_another_process_as_it_was(error: ServerError) -> None:
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is type(error)
    assert (copy.code, copy.message, copy.field, copy.status, copy.args) == (
        error.code, error.message, error.field, error.status, error.args)
    assert copy.to_json() == error.to_json()
