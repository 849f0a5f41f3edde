"""A deliberately naive reference counter, written from shared/domain.md and not from tally/.

It reads the same JSON documents as :func:`tally.count_document` but assumes they are valid (the
property tests only generate valid ones) and returns only the key outputs. Nothing here imports
tally: every rule is restated in the plainest form the domain brief allows, so that an agreement
between the two is evidence rather than an echo.

The rules restated (shared/domain.md):
- quorum: congress / township congress 3*present >= 2*all; standing committee 2*present > all;
  presidium 2*present > all or (setting) 3*present >= 2*all; voters: none.
- a motion passes iff 2*yes > all (or, by setting, 3*yes >= 2*all); it is invalid without quorum
  or when more ballots come back than members are present; 未按 = present - ballots.
- an election ballot is void iff 赞成 + write-ins > seats; the round is void iff returned > issued
  (or without quorum); a person is elected iff 2*yes > all and among the top ``seats`` by votes; a
  tie across the last seat leaves the tied to a re-vote; a re-vote among the tied needs no majority.
- a project vote (approval) is the same with ``choose`` places and 2*yes > all (setting).
- satisfaction: per target, a form with none or several marks is invalid for that target; the
  cascade 2*满意 > base -> 满意, 2*(满意+基本满意) > base -> 基本满意, else 不满意.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

YES, NO, ABSTAIN = "yes", "no", "abstain"


# ---------------------------------------------------------------------------------------------
# Shared arithmetic


def more_than_half(count: int, base: int) -> bool:
    """过半数: strictly more than half of ``base``."""
    return Fraction(count) > Fraction(base, 2)


def at_least_two_thirds(count: int, base: int) -> bool:
    """三分之二以上 (以上 includes the number itself)."""
    return Fraction(count) >= Fraction(2 * base, 3)


def quorum_met(doc: dict[str, Any], default_body: str = "congress") -> bool:
    body = doc.get("body", default_body)
    members, present = doc["members_of_record"], doc["present"]
    if body in ("congress", "township_congress"):
        return at_least_two_thirds(present, members)
    if body == "standing_committee":
        return more_than_half(present, members)
    if body == "presidium":
        if doc.get("presidium_quorum", "majority") == "two_thirds":
            return at_least_two_thirds(present, members)
        return more_than_half(present, members)
    return True  # voters rating a report-back: off the roll, no quorum


def carries(yes: int, members: int, threshold: str) -> bool:
    if threshold == "two_thirds_of_all":
        return at_least_two_thirds(yes, members)
    return more_than_half(yes, members)


def rank_places(votes: dict[str, int], places: int) -> tuple[list[str], list[str]]:
    """(surely placed, tied at the cutoff), each by votes descending.

    Stated per contender rather than by slicing a sorted list: with ``better`` contenders having
    strictly more votes and ``level`` having the same (self included), a contender is placed iff
    everyone at least as good fits (``better + level <= places``), tied iff the cutoff falls
    inside its group (``better < places < better + level``), and out otherwise.
    """
    placed, tied = [], []
    for name, own in votes.items():
        better = sum(1 for v in votes.values() if v > own)
        level = sum(1 for v in votes.values() if v == own)
        if better + level <= places:
            placed.append(name)
        elif better < places:
            tied.append(name)
    return placed, tied


def by_votes(names: list[str], votes: dict[str, int], listing: list[str]) -> list[str]:
    """Most votes first; equal votes in listing order (ballot order, then first appearance)."""
    return sorted(names, key=lambda n: (-votes[n], listing.index(n)))


# ---------------------------------------------------------------------------------------------
# Motions


def _motion_like(doc: dict[str, Any], choices: list[str], default_body: str = "congress") -> dict[str, Any]:
    members, present = doc["members_of_record"], doc["present"]
    counts = {YES: choices.count(YES), NO: choices.count(NO), ABSTAIN: choices.count(ABSTAIN)}
    counts["not_voted"] = max(0, present - len(choices))
    if not quorum_met(doc, default_body) or len(doc["ballots"]) > present:
        outcome = "invalid"
    elif carries(counts[YES], members, doc.get("threshold", "majority_of_all")):
        outcome = "passed"
    else:
        outcome = "failed"
    return {"counts": counts, "outcome": outcome}


def count_motion(doc: dict[str, Any]) -> dict[str, Any]:
    result = _motion_like(doc, [b["choice"] for b in doc["ballots"]])
    return {**result, "void": 0}


def count_per_person(doc: dict[str, Any], names: list[str], default_body: str) -> dict[str, Any]:
    """A list (or 任免) voted person by person: each name is its own motion; unmarked = 未按."""
    per_name = {}
    for name in names:
        marks = [b["marks"][name] for b in doc["ballots"] if name in b.get("marks", {})]
        per_name[name] = _motion_like(doc, marks, default_body)
    outcomes = {r["outcome"] for r in per_name.values()}
    if "invalid" in outcomes:
        overall = "invalid"
    elif outcomes == {"passed"}:
        overall = "passed"
    elif outcomes == {"failed"}:
        overall = "failed"
    else:
        overall = "mixed"
    return {
        "counts": {name: r["counts"] for name, r in per_name.items()},
        "outcomes": {name: r["outcome"] for name, r in per_name.items()},
        "outcome": overall,
        "void": 0,
    }


# ---------------------------------------------------------------------------------------------
# Elections


def count_election(doc: dict[str, Any]) -> dict[str, Any]:
    round_ = doc.get("round", "first")
    seats = doc["seats"]
    places = doc["list_size"] if round_ == "preliminary" else seats
    candidates: list[str] = list(doc["candidates"])
    members = doc["members_of_record"]
    eligible = doc.get("write_in_eligible")

    valid, void = [], 0
    for ballot in doc["ballots"]:
        marks = ballot.get("marks", {})
        supported = sum(1 for c in marks.values() if c == YES) + len(ballot.get("write_ins", []))
        if supported > places:
            void += 1
        else:
            valid.append(ballot)

    counts = {name: {YES: 0, NO: 0, ABSTAIN: 0} for name in candidates}
    written: dict[str, int] = {}
    written_order: list[str] = []
    ineligible = 0
    for ballot in valid:
        marks = ballot.get("marks", {})
        for name in candidates:
            counts[name][marks.get(name, ABSTAIN)] += 1
        for raw in ballot.get("write_ins", []):
            name = raw.strip()
            if eligible is not None and name not in eligible:
                ineligible += 1
                continue
            if name not in written:
                written[name] = 0
                written_order.append(name)
            written[name] += 1

    result: dict[str, Any] = {
        "counts": counts,
        "write_ins": written,
        "ineligible_write_ins": ineligible,
        "void": void,
        "returned": len(doc["ballots"]),
        "valid": len(valid),
    }
    if not quorum_met(doc) or len(doc["ballots"]) > doc["ballots_issued"]:
        return {**result, "round_valid": False, "elected": [], "tied": [], "tied_places": 0, "unfilled": places}

    votes = {name: counts[name][YES] for name in candidates}
    if round_ in ("first", "runoff"):
        votes.update(written)
        contenders = {name: v for name, v in votes.items() if more_than_half(v, members)}
    else:  # a re-vote among the tied, or a 预选: most votes, no majority test
        contenders = votes
    # equal votes among the write-ins are listed by name (their "ballot order" is alphabetical)
    listing = candidates + sorted(written, key=lambda n: (-written[n], n))
    placed, tied = rank_places(contenders, places)
    tied_places = places - len(placed) if tied else 0
    if round_ == "tie_revote" and doc.get("repeated_tie", "revote") == "defer":
        tied, tied_places = [], 0
    return {
        **result,
        "round_valid": True,
        "elected": by_votes(placed, contenders, listing),
        "tied": by_votes(tied, contenders, listing),
        "tied_places": tied_places,
        "unfilled": places - len(placed) - tied_places,
    }


# ---------------------------------------------------------------------------------------------
# 民生实事项目票决 (approval mode)


def count_projects(doc: dict[str, Any]) -> dict[str, Any]:
    names = [p if isinstance(p, str) else p["name"] for p in doc["projects"]]
    choose = doc["choose"]
    members = doc["members_of_record"]
    valid = [b for b in doc["ballots"] if sum(1 for c in b.get("marks", {}).values() if c == YES) <= choose]
    counts = {name: {YES: 0, NO: 0, ABSTAIN: 0} for name in names}
    for ballot in valid:
        for name in names:
            counts[name][ballot.get("marks", {}).get(name, ABSTAIN)] += 1
    result: dict[str, Any] = {"counts": counts, "void": len(doc["ballots"]) - len(valid)}
    issued = doc.get("ballots_issued", doc["present"])
    if not quorum_met(doc) or len(doc["ballots"]) > issued:
        return {**result, "round_valid": False, "chosen": [], "tied": [], "tied_places": 0, "unfilled": choose}
    require_majority = doc.get("require_majority", True)
    contenders = {
        name: c[YES]
        for name, c in counts.items()
        if c[YES] > 0 and (not require_majority or more_than_half(c[YES], members))
    }
    placed, tied = rank_places(contenders, choose)
    tied_places = choose - len(placed) if tied else 0
    return {
        **result,
        "round_valid": True,
        "chosen": by_votes(placed, contenders, names),
        "tied": by_votes(tied, contenders, names),
        "tied_places": tied_places,
        "unfilled": choose - len(placed) - tied_places,
    }


# ---------------------------------------------------------------------------------------------
# 满意度测评 (the default cascade, or percentage tiers)

GRADES = ("satisfied", "basically_satisfied", "unsatisfied")


def _one_mark(value: Any) -> str | None:
    if isinstance(value, list):
        return value[0] if len(value) == 1 else None
    return value if value in GRADES else None


def count_satisfaction(doc: dict[str, Any]) -> dict[str, Any]:
    base_kind = doc.get("base", "members")
    out: dict[str, Any] = {}
    for target in doc["targets"]:
        marks = [_one_mark(form.get("marks", {}).get(target)) for form in doc["ballots"]]
        sat = marks.count("satisfied")
        basic = marks.count("basically_satisfied")
        unsat = marks.count("unsatisfied")
        valid = sat + basic + unsat
        base = {"members": doc["members_of_record"], "valid": valid, "present": doc["present"]}[base_kind]
        if "tiers" in doc:
            grade = "unsatisfied"
            for tier in doc["tiers"]:
                count = sat if tier["counted"] == "satisfied" else sat + basic
                if Fraction(count) >= Fraction(tier["min_percent"] * base, 100):
                    grade = tier["grade"]
                    break
        elif more_than_half(sat, base):
            grade = "satisfied"
        elif more_than_half(sat + basic, base):
            grade = "basically_satisfied"
        else:
            grade = "unsatisfied"
        rate = None if valid == 0 else Fraction(sat + basic, valid)
        out[target] = {
            "satisfied": sat,
            "basically_satisfied": basic,
            "unsatisfied": unsat,
            "invalid": len(marks) - valid,
            "outcome": grade,
            "base": base,
            "rate": rate,
        }
    return {"targets": out, "void": 0}


# ---------------------------------------------------------------------------------------------
# Candidate counts (组织法 第二十七条, 选举法 第三十一条), restated with exact fractions


def lawful_extra(office: str, seats: int, rounding: str = "at_least_one") -> tuple[int, int]:
    """(lowest, highest) lawful number of extra candidates for a first-round ballot."""
    if office == "head":
        return 1, 1
    if office == "deputy_head":
        return 1, 3
    low_frac, high_frac = (Fraction(seats, 10), Fraction(seats, 5)) if office == "member" else (
        Fraction(seats, 5), Fraction(seats, 2))
    if rounding == "outward":  # widen: round the lower bound down and the upper bound up
        low = max(1, int(low_frac))
        high = max(low, -int(-high_frac // 1))
    else:  # the exact fractions, but never fewer than one extra
        low = max(1, -int(-low_frac // 1))
        high = max(low, int(high_frac))
    return low, high
