"""Profile the writer alone: N deputies signing in and checking in, then N ballots of one open
vote, in group commits of B, in this process.

    .venv/bin/python scripts/profile_writer.py --ballots 5000 --batch 40 [--database-url URL] [--profile]

It builds the real services (database, audit log, live picture) in a temporary directory, seats
and checks in N deputies, opens a motion, and runs the ballots through the writer's own
``_execute`` in the calling thread -- no event loop, no sockets -- so the time per ballot is the
writer's CPU and I/O only. ``--profile`` prints the top of a cProfile of the ballots.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import pstats
import secrets
import sys
import tempfile
import time
from functools import partial
from pathlib import Path
from typing import Any

from server.config import Settings
from server.runtime import build
from server.usecases import agenda, open_vote, roll, sign_in
from server.usecases.cast_ballot import cast_ballot
from server.usecases.check_in import check_in
from server.writer import Job, Writer


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ballots", type=int, default=5000)
    parser.add_argument("--batch", type=int, default=40, help="ballots per group commit")
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--lines", type=int, default=25, help="rows of the cProfile table (--profile)")
    parser.add_argument("--gc-freeze", action="store_true", help="gc.freeze() before the ballots, as the server does")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{tmp}/db.sqlite3"
        settings = Settings(data_dir=Path(tmp) / "data", database_url=url, origin="profile.local/log", demo=False)
        rt = build(settings, asyncio.new_event_loop())
        writer = rt.writer
        assert isinstance(writer, Writer), "the writer thread's work, in this process (not WRITER_PROCESS)"

        def run(fn: Any) -> Any:
            results: list[Any] = []
            writer._execute([Job(fn, sync=results.append)])
            value, error = results[0]
            if error is not None:
                raise error
            return value

        meeting_id = run(lambda tx: agenda.create_meeting(tx, "congress", "县人民代表大会", "写入性能测试"))
        rows = [{"code": f"P{i:05d}", "name": f"代表{i:05d}", "group": "", "seat": str(i), "status": "active"}
                for i in range(args.ballots)]
        run(lambda tx: roll.import_roll(tx, meeting_id, rows, by="profile"))
        members = sorted(rt.live.meetings[meeting_id].members)
        codes = [str(entry["code"]) for entry in run(lambda tx: sign_in.issue_codes(
            tx, meeting_id, None, "profile", code_key=rt.code_key).codes)]

        def sign_ins_and_check_ins() -> None:  # as the routes submit them: in groups, refusing first
            for start in range(0, len(members), args.batch):
                writer._execute([Job(partial(sign_in.sign_in_deputy, code=code, token_hours=16, code_key=rt.code_key),
                                     groupable=True, refuses_first=True, sync=lambda _: None)
                                 for code in codes[start:start + args.batch]])
            for start in range(0, len(members), args.batch):
                writer._execute([Job(partial(check_in, meeting_id=meeting_id, member_id=m), groupable=True,
                                     refuses_first=True, sync=lambda _: None)
                                 for m in members[start:start + args.batch]])

        started, cpu_started = time.perf_counter(), time.process_time()
        sign_ins_and_check_ins()
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
        print(f"{len(members)} sign-ins and check-ins in batches of {args.batch}: {elapsed * 1000:.0f} ms, "
              f"CPU {cpu / len(members) * 1e6:.0f} us per deputy")
        item = run(lambda tx: agenda.add_item(tx, meeting_id, {"kind": "motion", "title": "写入性能测试议案"}, by="p"))
        vote_id = run(lambda tx: open_vote.open_vote(tx, item["id"], by="profile"))["vote_id"]

        def ballots() -> None:
            for start in range(0, len(members), args.batch):
                writer._execute([
                    Job(partial(cast_ballot, member_id=m, vote_id=vote_id, ballot_id=secrets.token_hex(16),
                                ballot={"choice": "yes"}, cast_token=secrets.token_hex(16)), groupable=True,
                        may_refuse=False, sync=lambda _: None)
                    for m in members[start:start + args.batch]])

        if args.gc_freeze:
            import gc

            gc.collect()
            gc.freeze()
        profiler = cProfile.Profile() if args.profile else None
        started, cpu_started = time.perf_counter(), time.process_time()
        if profiler is not None:
            profiler.runcall(ballots)
        else:
            ballots()
        elapsed = time.perf_counter() - started
        cpu = time.process_time() - cpu_started
        assert rt.live.votes[vote_id].cast == len(members), "every ballot is counted"
        print(f"{len(members)} ballots in batches of {args.batch}: {elapsed * 1000:.0f} ms, "
              f"{elapsed / len(members) * 1e6:.0f} us per ballot, CPU {cpu / len(members) * 1e6:.0f} us "
              f"({writer.batches} writer batches in all)")
        if profiler is not None:
            pstats.Stats(profiler).sort_stats("tottime").print_stats(args.lines)
        rt.ledger.close()
        rt.engine.dispose()
        rt.writer_engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
