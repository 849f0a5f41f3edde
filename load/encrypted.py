"""The encrypted mode of ``python -m load.bench`` (``--encrypted``): the 监票人's key ceremony over
HTTP, what each simulated tablet votes, and the partial decryptions that give the count — every
step as docs/protocol.md "Encrypted secret votes" describes it, with ``ballotcrypto`` doing on the
bench what a 监票人's device does.

What the tablets vote is fixed by their index, so the bench knows the totals the 监票人 must find
and checks the decrypted result against the ballots that were acknowledged.
"""

from __future__ import annotations

import secrets
import time
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

import httpx

from terminals.trustee import Trustee, partial_for, run_ceremony

__all__ = ["KINDS", "Trustee", "make_trustees", "post_partials", "run_ceremony"]

KINDS = ("motion", "election")
MOTION_CHOICES = ("yes",) * 7 + ("no",) * 2 + ("abstain",)  # tablet i votes MOTION_CHOICES[i % 10]


def candidate_names(count: int) -> list[str]:
    return [f"候选人{i + 1:02d}" for i in range(count)]


def item_definition(kind: str, round_no: int, candidates: int, seats: int) -> dict[str, Any]:
    """The agenda item of round ``round_no``: a motion, or an election of ``seats`` members
    (office ``member``) from ``candidates`` without write-ins — the form a vote can be encrypted in."""
    if kind == "motion":
        return {"kind": "motion", "title": f"负载测试议案第{round_no + 1}号"}
    return {"kind": "election", "title": f"负载测试选举第{round_no + 1}号",
            "definition": {"office": "member", "seats": seats, "candidates": candidate_names(candidates),
                           "allow_write_ins": False}}


def plain_ballot(kind: str, index: int, candidates: int, seats: int) -> dict[str, Any]:
    """What tablet ``index`` votes, in the tally format: a motion's choice by the index; in an
    election 赞成 for ``seats`` consecutive candidates from the index on, 反对 for the next one."""
    if kind == "motion":
        return {"choice": MOTION_CHOICES[index % len(MOTION_CHOICES)]}
    names = candidate_names(candidates)
    marks = {names[(index + j) % candidates]: "yes" for j in range(min(seats, candidates))}
    if candidates > seats:
        marks[names[(index + seats) % candidates]] = "no"
    return {"marks": marks}


def expected_counts(kind: str, ballots: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """The totals the count must give for these ballots: ``{choice: n}`` for a motion,
    ``{candidate: {"yes": n, "no": n}}`` for an election (the candidates marked at least once)."""
    if kind == "motion":
        counted = Counter(str(b["choice"]) for b in ballots)
        return {choice: counted[choice] for choice in ("yes", "no", "abstain")}
    marks: dict[str, dict[str, int]] = {}
    for ballot in ballots:
        for name, choice in ballot["marks"].items():
            marks.setdefault(name, {"yes": 0, "no": 0})[choice] += 1
    return marks


def counts_of(kind: str, result: dict[str, Any], names: Sequence[str]) -> dict[str, Any]:
    """The same totals read from a result, for comparison with ``expected_counts``."""
    counts = result["counts"]
    if kind == "motion":
        return {choice: counts[choice] for choice in ("yes", "no", "abstain")}
    return {name: {"yes": counts[name]["yes"], "no": counts[name]["no"]} for name in names}


def ok(response: httpx.Response) -> Any:
    if response.status_code >= 300:
        raise RuntimeError(f"{response.request.method} {response.request.url.path}: "
                           f"{response.status_code} {response.text[:500]}")
    return response.json()


def make_trustees(staff: httpx.Client, sign_in: Callable[[str, str], httpx.Client], n: int) -> list[Trustee]:
    """n 监票人 accounts (role scrutineer) made by staff, each with a strong password of its own,
    each signed in on their own client."""
    trustees = []
    for number in range(1, n + 1):
        username, password = f"bench-jianpiao{number}", secrets.token_urlsafe(24)
        ok(staff.post("/api/accounts", json={"username": username, "display_name": f"监票人{number}",
                                              "role": "scrutineer", "password": password}))
        trustees.append(Trustee(number, username, sign_in(username, password)))
    return trustees


def post_partials(trustees: Sequence[Trustee], vote_id: str, k: int) -> tuple[list[float], float, dict[str, Any]]:
    """k 监票人 (the last k: the others are absent) compute their partials, then post them one
    after the other. Returns each post's answer time, when the k-th was sent, and the result it
    answered with."""
    present = list(trustees)[-k:]
    partials = [(trustee, partial_for(trustee, vote_id, check_proofs=False))
                for trustee in present]  # the server checked every proof: the bench times the count
    answer_s: list[float] = []
    kth_sent = 0.0
    answer: dict[str, Any] = {}
    for position, (trustee, partial) in enumerate(partials, start=1):
        kth_sent = time.monotonic()
        answer = ok(trustee.client.post(f"/api/votes/{vote_id}/partial", json=partial))
        answer_s.append(time.monotonic() - kth_sent)
        if (answer["result"] is None) != (position < k):
            raise RuntimeError(f"partial {position} of {k} answered result={answer['result'] is not None}")
    return answer_s, kth_sent, answer["result"]
