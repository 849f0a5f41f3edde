"""Small builders for tally documents used across the tests."""

from __future__ import annotations

from typing import Any


def choices(yes: int = 0, no: int = 0, abstain: int = 0) -> list[dict[str, str]]:
    return [{"choice": "yes"}] * yes + [{"choice": "no"}] * no + [{"choice": "abstain"}] * abstain


def motion(members: int, present: int, yes: int = 0, no: int = 0, abstain: int = 0, **extra: Any) -> dict[str, Any]:
    return {"kind": "motion", "members_of_record": members, "present": present,
            "ballots": choices(yes, no, abstain), **extra}


def election(candidates: list[str], seats: int, ballots: list[dict[str, Any]], *, members: int = 10,
             present: int | None = None, office: str = "deputy_head", **extra: Any) -> dict[str, Any]:
    present = members if present is None else present
    return {"kind": "election", "office": office, "seats": seats, "candidates": candidates,
            "members_of_record": members, "present": present, "ballots_issued": present,
            "ballots": ballots, **extra}


def marks(*names_yes: str, no: tuple[str, ...] = (), write_ins: tuple[str, ...] = ()) -> dict[str, Any]:
    ballot: dict[str, Any] = {"marks": {**{n: "yes" for n in names_yes}, **{n: "no" for n in no}}}
    if write_ins:
        ballot["write_ins"] = list(write_ins)
    return ballot
