"""另选他人: what a write-in on a ballot is, and how write-ins are counted.

shared/domain.md "Elections": a write-in names a person not on the ballot, written in place of a
candidate marked 反对 (代表法 第十七条). On one ballot, a write-in is a name (trimmed, not empty),
never a listed candidate (that is a 赞成 for the candidate) and never written twice. Counted over
the valid ballots: one vote for the named person, unless the round lists who may be written in
(``write_in_eligible``) and the name is not among them — then it counts for no one and is reported
as an ineligible write-in.

    ["赵六", " 钱七 "]            -> ("赵六", "钱七")
    ["甲"] with 甲 listed         -> refused (a listed candidate)
    ballots [("赵六",), ("赵六", "钱七")], eligible {"赵六"} -> votes {"赵六": 2}, 1 ineligible
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence

__all__ = ["count", "fault", "repeated"]


def fault(name: object, listed: Collection[str]) -> str | None:
    """Why `name` is not a write-in on a ballot of a round with these `listed` candidates, or None."""
    if not isinstance(name, str) or not name.strip():
        return "应为非空字符串 (must be a non-empty string)"
    if name.strip() in listed:
        return "另选他人不得填写候选人，应计为对该候选人赞成 (a listed candidate)"
    return None


def repeated(names: Sequence[str]) -> bool:
    """True iff one ballot's (trimmed) write-ins name someone twice."""
    return len(set(names)) != len(names)


def count(ballots: Iterable[Sequence[str]], eligible: frozenset[str] | None) -> tuple[dict[str, int], int]:
    """Votes per eligible write-in (in first-written order) and the number of ineligible write-ins,
    over the (trimmed) write-ins of the valid ballots."""
    votes: dict[str, int] = {}
    ineligible = 0
    for names in ballots:
        for name in names:
            if eligible is not None and name not in eligible:
                ineligible += 1
            else:
                votes[name] = votes.get(name, 0) + 1
    return votes, ineligible
