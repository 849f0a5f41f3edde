"""Benchmark ``tally.count_document`` on a county-congress-sized election and motion.

    .venv/bin/python scripts/bench_tally.py [--repeat 5] [--seed 2024]

The election: secret ballot for 25 常委会委员 (office "member") with 30 candidates (差额 5, the
statutory maximum of 1/5), 5,200 deputies of record, 5,100 present and issued ballots, 5,000
ballots returned, each marking every candidate 赞成/反对/弃权 at random (a few mark more than 25
赞成 and are void). The motion: 5,000 ballots over the same attendance. Each document is counted
``--repeat`` times; the best and the median wall time are reported as one JSON object, with the
election target (<= 50 ms, best of the runs) and whether it was met. Not a test: it never fails.
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tally import count_document

TARGET_MS = 50.0
MEMBERS, PRESENT, BALLOTS = 5200, 5100, 5000
SEATS, CANDIDATES = 25, 30


def election_document(rng: random.Random) -> dict[str, Any]:
    candidates = [f"候选人{i:02d}" for i in range(1, CANDIDATES + 1)]
    popularity = {name: rng.uniform(0.55, 0.95) for name in candidates}
    ballots = []
    for _ in range(BALLOTS):
        marks = {}
        for name in candidates:
            roll = rng.random()
            if roll < popularity[name]:
                marks[name] = "yes"
            elif roll < popularity[name] + 0.05:
                continue  # unmarked: 弃权
            else:
                marks[name] = rng.choice(("no", "abstain"))
        ballots.append({"marks": marks})
    return {
        "kind": "election", "title": "选举县人大常委会委员", "office": "member", "seats": SEATS,
        "candidates": candidates, "members_of_record": MEMBERS, "present": PRESENT,
        "ballots_issued": PRESENT, "ballots": ballots,
    }


def motion_document(rng: random.Random) -> dict[str, Any]:
    choices = rng.choices(("yes", "no", "abstain"), weights=(7, 2, 1), k=BALLOTS)
    return {
        "kind": "motion", "title": "关于本级预算的决议", "members_of_record": MEMBERS, "present": PRESENT,
        "ballots": [{"choice": c} for c in choices],
    }


def timed(count: Callable[[], dict[str, Any]], repeat: int) -> tuple[list[float], dict[str, Any]]:
    times, result = [], {}
    for _ in range(repeat):
        start = time.perf_counter()
        result = count()
        times.append((time.perf_counter() - start) * 1000)
    return times, result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seed", type=int, default=2024)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    election, motion = election_document(rng), motion_document(rng)

    election_ms, election_result = timed(lambda: count_document(election), args.repeat)
    motion_ms, motion_result = timed(lambda: count_document(motion), args.repeat)
    best = min(election_ms)
    summary = {
        "python": platform.python_version(),
        "repeat": args.repeat,
        "seed": args.seed,
        "election": {
            "candidates": CANDIDATES, "seats": SEATS, "ballots": BALLOTS,
            "best_ms": round(best, 2), "median_ms": round(statistics.median(election_ms), 2),
            "void_ballots": election_result["void_ballots"],
            "elected": len(election_result["elected"]), "tied": len(election_result["tied"]),
            "unfilled": election_result["unfilled"],
        },
        "motion": {
            "ballots": BALLOTS,
            "best_ms": round(min(motion_ms), 2), "median_ms": round(statistics.median(motion_ms), 2),
            "outcome": motion_result["outcome"],
        },
        "target": {"election_best_ms_at_most": TARGET_MS, "met": best <= TARGET_MS},
    }
    print(json.dumps(summary, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
