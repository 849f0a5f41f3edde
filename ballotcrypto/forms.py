"""A vote's form: how many 0/1 selections a ballot has and the limits on sums of them (§3.1).

    form  = {"selections": N, "limits": [{"of": [i, …], "min": a, "max": b}, …]}
            + "write_ins": W (1 ≤ W ≤ N) only for an election with write-ins: the last W selections
              are the use bits of W write-in slots (§6.1)
    limit: indices ascending, no repeats, at least one, each in [0, N); 0 ≤ min ≤ max ≤ len(of)

The three forms the system uses:

    motion, appointment (表决, 任免)       selections 0 赞成, 1 反对, 2 弃权; exactly one marked
        -> {"selections": 3, "limits": [{"of": [0, 1, 2], "min": 1, "max": 1}]}
    election, 民生实事 票决 (C candidates, S seats)   2c 赞成 and 2c+1 反对 for candidate c;
        at most one of each pair, at most S 赞成 in all
        C = 3, S = 2 -> 6 selections; limits [0,1], [2,3], [4,5] each 0..1, then [0,2,4] 0..2
        with W = S write-in slots: selections 2C … 2C+W−1 are the use bits, and the seat limit
        takes them in: C = 3, S = 2 -> 8 selections, limits as above with [0,2,4,6,7] 0..2
    满意度测评 (T targets)                  3t 满意, 3t+1 基本满意, 3t+2 不满意; at most one each
        T = 2 -> 6 selections; limits [0,1,2] and [3,4,5], each 0..1
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

from ballotcrypto import wire
from ballotcrypto.errors import FormError, MalformedValue

__all__ = ["KINDS", "Form", "Limit", "election_form", "form_for", "motion_form", "read_form", "satisfaction_form"]


@dataclass(frozen=True, slots=True)
class Limit:
    """The sum of the selections `of` lies in [min, max]."""

    of: tuple[int, ...]
    min: int
    max: int

    def to_json(self) -> dict[str, object]:
        return {"of": list(self.of), "min": self.min, "max": self.max}


@dataclass(frozen=True, slots=True)
class Form:
    """N selections, each 0 or 1, and the limits on their sums (checked when made); the last
    `write_ins` selections are the use bits of as many write-in slots (0: none)."""

    selections: int
    limits: tuple[Limit, ...]
    write_ins: int = 0

    def __post_init__(self) -> None:
        if self.selections < 1:
            raise FormError("选票至少应有一个选择项")
        if not 0 <= self.write_ins <= self.selections:
            raise FormError("另选他人的栏数应在0到选择项数之间")
        for number, limit in enumerate(self.limits):
            of = limit.of
            if not of or any(b <= a for a, b in pairwise(of)):
                raise FormError(f"第{number + 1}个限制的选择项应非空、升序、不重复")
            if of[0] < 0 or of[-1] >= self.selections:
                raise FormError(f"第{number + 1}个限制列出了不存在的选择项")
            if not 0 <= limit.min <= limit.max <= len(of):
                raise FormError(f"第{number + 1}个限制的范围应满足 0 ≤ 下限 ≤ 上限 ≤ 所列项数")

    def to_json(self) -> dict[str, object]:
        doc: dict[str, object] = {"selections": self.selections, "limits": [limit.to_json() for limit in self.limits]}
        if self.write_ins:
            doc["write_ins"] = self.write_ins
        return doc

    @property
    def first_use_bit(self) -> int:
        """The index of the first write-in slot's use bit (N − W)."""
        return self.selections - self.write_ins

    def satisfied_by(self, values: Sequence[int]) -> bool:
        """True iff there are N values, each 0 or 1, and every limit holds."""
        if len(values) != self.selections or any(value not in (0, 1) for value in values):
            return False
        return all(limit.min <= sum(values[i] for i in limit.of) <= limit.max for limit in self.limits)


def read_form(value: object, field: str = "form") -> Form:
    """A `Form` from its JSON object (MalformedValue for the shape, FormError for the content).
    ``write_ins`` is a member only when there are write-in slots (present, it is at least 1)."""
    with_slots = type(value) is dict and "write_ins" in value
    obj = wire.members(value, ("selections", "limits", "write_ins") if with_slots else ("selections", "limits"), field)
    write_ins = wire.small_int(obj["write_ins"], f"{field}.write_ins") if with_slots else 0
    if with_slots and write_ins == 0:
        raise MalformedValue("malformed", f"{field}.write_ins", "没有另选他人栏时不写此成员")
    limits: list[Limit] = []
    for j, item in enumerate(wire.array(obj["limits"], f"{field}.limits")):
        where = f"{field}.limits[{j}]"
        limit = wire.members(item, ("of", "min", "max"), where)
        of = tuple(wire.small_int(i, f"{where}.of") for i in wire.array(limit["of"], f"{where}.of"))
        limits.append(Limit(of, wire.small_int(limit["min"], f"{where}.min"),
                            wire.small_int(limit["max"], f"{where}.max")))
    return Form(wire.small_int(obj["selections"], f"{field}.selections"), tuple(limits), write_ins)


def motion_form() -> Form:
    """表决 and 任免: 赞成, 反对, 弃权 — exactly one."""
    return Form(3, (Limit((0, 1, 2), 1, 1),))


def election_form(candidates: int, seats: int, write_ins: int = 0) -> Form:
    """选举 and 民生实事 票决: 赞成/反对 per candidate, at most one each, at most `seats` 赞成.

    With `write_ins` slots (an election round that allows 另选他人: as many as the places), their
    use bits follow the pairs and join the seat limit: 赞成 + 另选他人 ≤ seats (选举法: a ballot
    over it is void, so none can be made)."""
    if candidates < 1 or write_ins < 0 or not 1 <= seats <= candidates + write_ins:
        raise FormError("候选人数应至少为1，应选名额应在1到候选人数（加另选他人栏数）之间")
    pairs = tuple(Limit((2 * c, 2 * c + 1), 0, 1) for c in range(candidates))
    supported = (*range(0, 2 * candidates, 2), *range(2 * candidates, 2 * candidates + write_ins))
    return Form(2 * candidates + write_ins, (*pairs, Limit(supported, 0, seats)), write_ins)


def satisfaction_form(targets: int) -> Form:
    """满意度测评: 满意, 基本满意, 不满意 per target — at most one each."""
    if targets < 1:
        raise FormError("测评对象应至少为1个")
    return Form(3 * targets, tuple(Limit((3 * t, 3 * t + 1, 3 * t + 2), 0, 1) for t in range(targets)))


KINDS = ("motion", "appointment", "election", "project_vote", "satisfaction")


def form_for(kind: str, *, candidates: int = 0, seats: int = 0, targets: int = 0) -> Form:
    """The form of a vote of `kind` (a `tally` kind): motion and appointment, election and
    project_vote (with `candidates` and `seats`), satisfaction (with `targets`)."""
    if kind in ("motion", "appointment"):
        return motion_form()
    if kind in ("election", "project_vote"):
        return election_form(candidates, seats)
    if kind == "satisfaction":
        return satisfaction_form(targets)
    raise FormError(f"“{kind}”类表决没有加密选票的格式")
