"""How many candidates an election ballot must carry (差额选举), by office.

组织法 第二十七条 (officials) and 选举法 第三十一条 (deputies to the next-level congress);
shared/domain.md "Elections". ``extra = candidates - seats``.

- ``head`` (常委会主任、秘书长, 乡镇人大主席, 政府正职, 监察委员会主任, 法院院长, 检察长):
  "候选人数一般应多一人" -> extra == 1; 等额 (extra == 0) only when a single candidate was nominated.
  1 seat: 2 candidates, or 1 candidate if only one was nominated.
- ``deputy_head`` (常委会副主任, 乡镇人大副主席, 政府副职): "多一人至三人" -> 1 <= extra <= 3.
  4 seats: 5, 6 or 7 candidates.
- ``member`` (常委会委员): "多十分之一至五分之一". The statute gives no rounding; setting
  ``member_rounding``: "at_least_one" (default): low = max(1, ceil(seats/10)),
  high = max(low, floor(seats/5)); "outward": low = max(1, floor(seats/10)), high = max(low, ceil(seats/5)).
  20 seats: 2..4 extra (22-24 candidates). 13 seats: at_least_one 2..2, outward 1..3. 3 seats: 1..1.
- ``next_level_deputy`` (上一级人大代表, 选举法 第三十一条): "多五分之一至二分之一", rounded as above;
  1 seat -> 2 candidates (选举法 第四十五条 "如果只选一人，候选人应为二人").
  10 seats: 2..5 extra. 1 seat: 1..1.
- 补选 (组织法 第三十条): 等额 or 差额, the count checks are off; candidates >= seats.
- 另行选举 (组织法 第二十九条): ``seats`` is the unfilled number; deputy heads and members follow the
  same ranges; a head's 另行选举 may be 等额 or 差额 by one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Office = Literal["head", "deputy_head", "member", "next_level_deputy"]
Rounding = Literal["at_least_one", "outward"]

OFFICES: tuple[Office, ...] = ("head", "deputy_head", "member", "next_level_deputy")
ROUNDINGS: tuple[Rounding, ...] = ("at_least_one", "outward")

STATUTE: dict[Office, str] = {
    "head": "组织法 第二十七条：候选人数一般应多一人，进行差额选举；如果提名的候选人只有一人，也可以等额选举",
    "deputy_head": "组织法 第二十七条：候选人数应比应选人数多一人至三人",
    "member": "组织法 第二十七条：候选人数应比应选人数多十分之一至五分之一",
    "next_level_deputy": "选举法 第三十一条：候选人数应多于应选代表名额五分之一至二分之一",
}


@dataclass(frozen=True)
class ExtraRange:
    """The allowed number of extra candidates, ``low <= candidates - seats <= high``."""

    low: int
    high: int


def _ceil_div(a: int, b: int) -> int:
    return -(-a // b)


def _fraction_range(seats: int, low_div: int, high_div: int, rounding: Rounding) -> ExtraRange:
    if rounding == "outward":
        low = max(1, seats // low_div)
        return ExtraRange(low, max(low, _ceil_div(seats, high_div)))
    low = max(1, _ceil_div(seats, low_div))
    return ExtraRange(low, max(low, seats // high_div))


def extra_range(office: Office, seats: int, rounding: Rounding = "at_least_one") -> ExtraRange:
    """The statutory range of extra candidates for ``seats`` seats of ``office`` (差额选举)."""
    if office == "head":
        return ExtraRange(1, 1)
    if office == "deputy_head":
        return ExtraRange(1, 3)
    if office == "member":
        return _fraction_range(seats, 10, 5, rounding)
    return _fraction_range(seats, 5, 2, rounding)


def check(
    office: Office,
    seats: int,
    candidates: int,
    *,
    nominated: int,
    by_election: bool = False,
    runoff: bool = False,
    rounding: Rounding = "at_least_one",
) -> str | None:
    """Return ``None`` if the count is lawful, else the reason (in Chinese, citing the statute).

    ``nominated`` is how many were nominated before any 预选; it only matters for a head's 等额.
    """
    if candidates < seats:
        return f"候选人数（{candidates}）少于应选人数（{seats}）"
    if by_election:
        return None
    extra = candidates - seats
    if office == "head":
        if extra == 1 or (extra == 0 and (runoff or nominated == candidates)):
            return None
        return f"{STATUTE['head']}（应选{seats}人，候选人{candidates}人，提名{nominated}人）"
    allowed = extra_range(office, seats, rounding)
    if allowed.low <= extra <= allowed.high:
        return None
    return (
        f"{STATUTE[office]}（应选{seats}人，候选人应为{seats + allowed.low}至{seats + allowed.high}人，"
        f"实为{candidates}人）"
    )
