"""``tally.count_document`` agrees with the naive reference counter (tests/tally/reference.py).

Hypothesis generates random *valid* documents of every kind: candidate counts follow the statute
as restated in ``reference.lawful_extra`` (not tally's own candidate_count module), or
``"by_election": true`` switches the check off. Ballots are biased towards a few favourites so
that qualifiers, ties at the cutoff, void ballots and invalid rounds all turn up. The strategies
are also used by test_properties.py.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tally import StatutoryViolation, count_document
from tests.tally import reference

lawful_extra = reference.lawful_extra

CHOICES = ("yes", "no", "abstain")
BODIES = ("congress", "township_congress", "standing_committee", "presidium", "voters")
WRITE_IN_POOL = ("王五", "赵六", "钱七", "孙八")
GRADES = ("satisfied", "basically_satisfied", "unsatisfied")

Doc = dict[str, Any]


def _chance(draw: st.DrawFn, percent: int) -> bool:
    """True about ``percent`` times in a hundred (hypothesis' floats crowd the ends of [0, 1])."""
    return draw(st.integers(0, 99)) < percent


def _ceil_two_thirds(members: int) -> int:
    return -(-2 * members // 3)


@st.composite
def attendance(draw: st.DrawFn, *, max_members: int = 40, body: str | None = None,
               quorate: int = 85, min_members: int = 1) -> Doc:
    """members_of_record, present (usually a quorum, sometimes not), body, presidium setting."""
    members = draw(st.integers(min_members, max_members))
    chosen_body = body if body is not None else draw(st.sampled_from(BODIES))
    if _chance(draw, quorate):
        present = members - draw(st.integers(0, members - _ceil_two_thirds(members)))
    else:
        present = draw(st.integers(0, members))
    doc: Doc = {"members_of_record": members, "present": present, "body": chosen_body}
    if chosen_body == "presidium" and draw(st.booleans()):
        doc["presidium_quorum"] = draw(st.sampled_from(("majority", "two_thirds")))
    return doc


def _ballot_count(draw: st.DrawFn, room: int, *, excess: int = 8) -> int:
    """Usually at most ``room`` ballots, mostly close to it; now and then one or two more (invalid)."""
    if _chance(draw, excess):
        return room + draw(st.integers(1, 2))
    if _chance(draw, 70):
        return room - draw(st.integers(0, min(room, 2)))
    return draw(st.integers(0, room))


_biased_choice = st.sampled_from(("yes", "yes", "yes", "no", "abstain"))


@st.composite
def motion_documents(draw: st.DrawFn) -> Doc:
    doc: Doc = {"kind": "motion", "title": "关于批准预算的决议", **draw(attendance())}
    threshold = draw(st.sampled_from((None, "majority_of_all", "two_thirds_of_all")))
    if threshold is not None:
        doc["threshold"] = threshold
    aim = _chance(draw, 40)
    if aim:  # a threshold exactly reachable: members a multiple of 6, all present
        doc["members_of_record"] = doc["present"] = 6 * draw(st.integers(1, 6))
    n = _ballot_count(draw, doc["present"])
    choices = draw(st.lists(_biased_choice, min_size=n, max_size=n))
    if aim:  # just below, at or just above the threshold (half, or two thirds)
        members = doc["members_of_record"]
        at = 2 * members // 3 if threshold == "two_thirds_of_all" else members // 2
        yes = min(at + draw(st.integers(-1, 1)), n)
        choices = ["yes"] * yes + [c if c != "yes" else "no" for c in choices[yes:]]
    doc["ballots"] = [{"choice": c} for c in choices]
    return doc


def _names(prefix: str, n: int) -> list[str]:
    """Listed in reverse alphabetical order, so that ballot order and name order never coincide."""
    return [f"{prefix}{i:02d}" for i in range(n, 0, -1)]


@st.composite
def per_person_marks(draw: st.DrawFn, names: list[str], n: int) -> list[Doc]:
    """``n`` ballots marking some of ``names`` (an unmarked name is 未按 for that person)."""
    ballots = []
    for _ in range(n):
        marked = draw(st.lists(st.sampled_from(names), unique=True, max_size=len(names)))
        ballots.append({"marks": {name: draw(_biased_choice) for name in marked}})
    return ballots


@st.composite
def list_approval_documents(draw: st.DrawFn) -> Doc:
    doc: Doc = {"kind": "list_approval", **draw(attendance(max_members=30))}
    persons = _names("监票人", draw(st.integers(1, 4)))
    n = _ballot_count(draw, doc["present"])
    if draw(st.booleans()):
        doc.update(mode="whole", persons=persons)
        doc["ballots"] = [{"choice": c} for c in draw(st.lists(_biased_choice, min_size=n, max_size=n))]
    else:
        doc.update(mode="per_person", persons=persons, ballots=draw(per_person_marks(persons, n)))
    return doc


# Actions a standing committee may decide (shared/domain.md "Appointments and removals").
_COMMITTEE_ACTIONS = ("appoint", "dismiss", "approve", "acting", "accept_resignation", "remove",
                      "recall_deputy", "deputy_resignation")


@st.composite
def appointment_documents(draw: st.DrawFn) -> Doc:
    doc: Doc = {"kind": "appointment", **draw(attendance(max_members=30, body="standing_committee"))}
    count = draw(st.integers(1, 4))
    # one post per item, so that 免职-before-任职 for the same post cannot be broken
    items = [
        {"id": f"item{i}", "nominee": f"干部{i}", "post": f"职务{i}",
         "action": draw(st.sampled_from(_COMMITTEE_ACTIONS))}
        for i in range(count)
    ]
    doc["items"] = items
    n = _ballot_count(draw, doc["present"])
    if draw(st.booleans()):
        doc["mode"] = "combined"
        doc["ballots"] = [{"choice": c} for c in draw(st.lists(_biased_choice, min_size=n, max_size=n))]
    else:
        doc["mode"] = "individual"
        doc["ballots"] = draw(per_person_marks([item["id"] for item in items], n))
    return doc


_SEATS = {"head": (1, 1), "deputy_head": (1, 4), "member": (1, 25), "next_level_deputy": (1, 12)}


@st.composite
def election_documents(draw: st.DrawFn, *, rounds: tuple[str, ...] = ("first", "runoff", "tie_revote", "preliminary"),
                       max_members: int = 30, crowded: bool = False) -> Doc:
    """A lawful election round with random ballots (some void, sometimes more than issued).

    ``crowded``: one more favourite than there are places and ballots backing as many as they may,
    so that more qualify than there are seats and ties across the last seat are common.
    """
    if crowded:
        office = draw(st.sampled_from(("deputy_head", "member", "next_level_deputy")))
        seats = draw(st.integers(2, 4 if office == "deputy_head" else 6))
    else:
        office = draw(st.sampled_from(tuple(_SEATS)))
        seats = draw(st.integers(*_SEATS[office]))
    round_ = draw(st.sampled_from(rounds))
    rounding = draw(st.sampled_from(("at_least_one", "outward")))
    by_election = draw(st.booleans()) if round_ in ("first", "runoff") else False
    doc: Doc = {"kind": "election", "office": office, "seats": seats, "round": round_}
    if rounding != "at_least_one" or draw(st.booleans()):
        doc["member_rounding"] = rounding

    if by_election:
        doc["by_election"] = True
        n_candidates = seats + draw(st.integers(0, 3))
    elif round_ == "tie_revote":
        n_candidates = draw(st.integers(max(2, seats), seats + 3))
        if draw(st.booleans()):
            doc["repeated_tie"] = draw(st.sampled_from(("revote", "defer")))
    elif round_ == "preliminary":
        # the list a 预选 fixes must itself be a lawful ballot (组织法 第二十七条)
        low, high = lawful_extra(office, seats, rounding)
        doc["list_size"] = seats + draw(st.integers(max(low, 1) if office == "head" else low, high))
        n_candidates = doc["list_size"] + draw(st.integers(1, 3))
    else:
        low, high = lawful_extra(office, seats, rounding)
        if office == "head":
            # 等额 only when a single candidate was nominated (or in a 另行选举)
            low = 0 if round_ == "runoff" or draw(st.booleans()) else 1
        extra = draw(st.integers(low, high))
        n_candidates = seats + extra
        if office == "head" and extra == 0 and round_ == "first":
            doc["nominated"] = 1
        if round_ == "first" and draw(st.booleans()):
            doc["differential"] = extra
    candidates = _names("候选人", n_candidates)
    doc["candidates"] = candidates
    if round_ == "runoff":
        doc["runoffs_held"] = draw(st.integers(0, 2))
    if draw(st.booleans()):
        doc["max_runoff_rounds"] = draw(st.integers(0, 3))

    body = draw(st.sampled_from(("congress", "township_congress")))
    doc.update(draw(attendance(max_members=max_members, body=body, min_members=5 if crowded else 1)))
    doc["ballots_issued"] = doc["present"] if _chance(draw, 80) else draw(st.integers(0, doc["present"]))
    write_ins = round_ in ("first", "runoff") and draw(st.booleans())
    if round_ in ("first", "runoff") and not write_ins and draw(st.booleans()):
        doc["allow_write_ins"] = False
    if write_ins and draw(st.booleans()):
        doc["write_in_eligible"] = draw(st.lists(st.sampled_from(WRITE_IN_POOL), unique=True))

    places = doc.get("list_size", seats)
    # A few favourites, each ballot backing up to ``places`` of them in a random order, make
    # qualifiers (2*yes > all), more qualifiers than seats and ties across the last seat likely.
    if crowded:
        favourites = candidates[: places + 1]
    else:
        favourites = draw(st.lists(st.sampled_from(candidates), unique=True, min_size=1,
                                   max_size=min(len(candidates), places + 2)))
    favourite_write_in = draw(st.sampled_from(WRITE_IN_POOL))
    ballots = []
    for _ in range(_ballot_count(draw, doc["ballots_issued"])):
        if crowded or _chance(draw, 75):
            turn = draw(st.integers(0, len(favourites) - 1))  # permutations() would favour one order
            order = favourites[turn:] + favourites[:turn]
            backed = places if crowded else places - draw(st.integers(0, places))
            approved = order[:backed] if _chance(draw, 90) else order[: places + 1]
        else:
            approved = draw(st.lists(st.sampled_from(candidates), unique=True,
                                     max_size=min(len(candidates), places + 1)))
        marks: dict[str, str] = {name: "yes" for name in approved}
        for name in candidates:
            if name not in marks:
                mark = draw(st.sampled_from(("no", "abstain", None)))
                if mark is not None:
                    marks[name] = mark
        ballot: Doc = {"marks": marks}
        if write_ins:
            written = [favourite_write_in] if _chance(draw, 60) else []
            written += [w for w in draw(st.lists(st.sampled_from(WRITE_IN_POOL), unique=True, max_size=2))
                        if w not in written]
            if written:
                ballot["write_ins"] = written
        ballots.append(ballot)
    doc["ballots"] = ballots
    return doc


@st.composite
def project_documents(draw: st.DrawFn) -> Doc:
    """民生实事项目票决 in approval mode (the default)."""
    n_projects = draw(st.integers(2, 8))
    differential = draw(st.booleans())
    choose = draw(st.integers(1, n_projects - 1 if differential else n_projects))
    names = _names("项目", n_projects)
    projects: list[Any] = [
        name if draw(st.booleans()) else {"name": name, "cost": "100万元", "owner": "住建局"} for name in names
    ]
    doc: Doc = {"kind": "project_vote", "projects": projects, "choose": choose,
                **draw(attendance(body="congress"))}
    if not differential:
        doc["require_differential"] = False
    if draw(st.booleans()):
        doc["require_majority"] = draw(st.booleans())
    if draw(st.booleans()):
        doc["mode"] = "approval"
    issued = doc["present"]
    if draw(st.booleans()):
        issued = draw(st.integers(0, doc["present"]))
        doc["ballots_issued"] = issued
    favourites = draw(st.lists(st.sampled_from(names), unique=True, min_size=1,
                               max_size=min(n_projects, choose + 2)))
    ballots = []
    for _ in range(_ballot_count(draw, issued)):
        if _chance(draw, 75):
            turn = draw(st.integers(0, len(favourites) - 1))  # permutations() would favour one order
            order = favourites[turn:] + favourites[:turn]
            approved = order[: choose - draw(st.integers(0, choose))] if _chance(draw, 90) else order[: choose + 1]
        else:
            approved = draw(st.lists(st.sampled_from(names), unique=True, max_size=min(n_projects, choose + 1)))
        marks: dict[str, str] = {name: "yes" for name in approved}
        for name in names:
            if name not in marks:
                mark = draw(st.sampled_from(("no", "abstain", None)))
                if mark is not None:
                    marks[name] = mark
        ballots.append({"marks": marks})
    doc["ballots"] = ballots
    return doc


_mark = st.one_of(
    st.sampled_from(GRADES),
    st.none(),
    st.lists(st.sampled_from(GRADES), max_size=3),
)


@st.composite
def satisfaction_documents(draw: st.DrawFn) -> Doc:
    targets = draw(st.lists(st.sampled_from(("县政府工作报告", "县法院工作报告", "县检察院工作报告", "代表建议办理")),
                            unique=True, min_size=1, max_size=4))
    doc: Doc = {"kind": "satisfaction", "targets": targets,
                **draw(attendance(body=draw(st.sampled_from(("standing_committee", "congress", "voters")))))}
    if _chance(draw, 50):  # no quorum applies to a rating; keep those present apart from all members
        doc["present"] = draw(st.integers(0, doc["members_of_record"]))
    if draw(st.booleans()):
        doc["base"] = draw(st.sampled_from(("members", "valid", "present")))
    if _chance(draw, 30):
        doc["tiers"] = draw(st.lists(
            st.fixed_dictionaries({
                "grade": st.sampled_from(GRADES),
                "counted": st.sampled_from(("satisfied", "satisfied_or_basic")),
                "min_percent": st.one_of(st.sampled_from((20, 25, 50, 60, 75, 80, 100)), st.integers(0, 100)),
            }),
            max_size=3,
        ))
    forms = []
    for _ in range(_ballot_count(draw, doc["present"])):
        marked = draw(st.lists(st.sampled_from(targets), unique=True, max_size=len(targets)))
        forms.append({"marks": {t: draw(_mark) for t in marked}})
    doc["ballots"] = forms
    if "tiers" in doc and _chance(draw, 50):  # a tier met exactly (以上 includes the number itself)
        target = targets[0]
        marks = [f["marks"].get(target) for f in forms]
        marks = [m[0] if isinstance(m, list) and len(m) == 1 else m for m in marks]
        count = sum(1 for m in marks if m == "satisfied")
        valid = sum(1 for m in marks if m in GRADES)
        base = {"members": doc["members_of_record"], "valid": valid, "present": doc["present"]}[
            doc.get("base", "members")]
        if base > 0 and count <= base and (100 * count) % base == 0:
            doc["tiers"].insert(0, {"grade": "satisfied", "counted": "satisfied", "min_percent": 100 * count // base})
    return doc


any_document = st.one_of(
    motion_documents(), list_approval_documents(), appointment_documents(), election_documents(),
    project_documents(), satisfaction_documents(),
)


# ---------------------------------------------------------------------------------------------
# What to compare: the key outputs of tally's result, in the reference's shape

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _motion_keys(result: Doc) -> Doc:
    return {"counts": result["counts"], "outcome": result["outcome"], "void": result["void_ballots"]}


def _per_person_keys(result: Doc) -> Doc:
    return {
        "counts": result["counts"],
        "outcomes": {item["name"]: item["outcome"] for item in result["items"]},
        "outcome": result["outcome"],
        "void": result["void_ballots"],
    }


def _election_keys(result: Doc) -> Doc:
    return {
        "counts": result["counts"],
        "write_ins": result["write_ins"],
        "ineligible_write_ins": result["ineligible_write_ins"],
        "void": result["void_ballots"],
        "returned": result["ballots"]["returned"],
        "valid": result["ballots"]["valid"],
        "round_valid": result["round_valid"],
        "elected": result["elected"],
        "tied": result["tied"],
        "tied_places": result["tied_places"],
        "unfilled": result["unfilled"],
    }


def _project_keys(result: Doc) -> Doc:
    return {
        "counts": result["counts"],
        "void": result["void_ballots"],
        "round_valid": result["round_valid"],
        "chosen": result["chosen"],
        "tied": result["tied"],
        "tied_places": result["tied_places"],
        "unfilled": result["unfilled"],
    }


def _satisfaction_keys(result: Doc) -> Doc:
    targets = {}
    for name, t in result["counts"].items():
        rate = t["rate"]
        targets[name] = {
            "satisfied": t["satisfied"],
            "basically_satisfied": t["basically_satisfied"],
            "unsatisfied": t["unsatisfied"],
            "invalid": t["invalid"],
            "outcome": t["outcome"],
            "base": t["base"],
            "rate": None if rate is None else Fraction(rate["numerator"], rate["denominator"]),
        }
        assert result["outcome"][name] == t["outcome"]
    return {"targets": targets, "void": result["void_ballots"]}


# ---------------------------------------------------------------------------------------------
# Agreement


@SETTINGS
@given(motion_documents())
def test_motion_agrees_with_reference(doc: Doc) -> None:
    assert _motion_keys(count_document(doc)) == reference.count_motion(doc)


@SETTINGS
@given(list_approval_documents())
def test_list_approval_agrees_with_reference(doc: Doc) -> None:
    result = count_document(doc)
    if doc["mode"] == "whole":
        assert _motion_keys(result) == reference.count_motion(doc)
        assert result["persons"] == doc["persons"]
    else:
        assert _per_person_keys(result) == reference.count_per_person(doc, doc["persons"], "congress")


@SETTINGS
@given(appointment_documents())
def test_appointment_agrees_with_reference(doc: Doc) -> None:
    result = count_document(doc)
    if doc["mode"] == "combined":
        assert _motion_keys(result) == reference.count_motion(doc)
    else:
        ids = [item["id"] for item in doc["items"]]
        assert _per_person_keys(result) == reference.count_per_person(doc, ids, "standing_committee")


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(election_documents())
def test_election_agrees_with_reference(doc: Doc) -> None:
    assert _election_keys(count_document(doc)) == reference.count_election(doc)


@SETTINGS
@given(election_documents(rounds=("first",), max_members=8))
def test_small_first_round_elections_agree_with_reference(doc: Doc) -> None:
    """Few members: write-in winners and ineligible write-ins are common."""
    assert _election_keys(count_document(doc)) == reference.count_election(doc)


@SETTINGS
@given(election_documents(crowded=True))
def test_crowded_elections_agree_with_reference(doc: Doc) -> None:
    """More qualifiers than seats (most votes win) and ties across the last seat."""
    assert _election_keys(count_document(doc)) == reference.count_election(doc)


@SETTINGS
@given(project_documents())
def test_project_vote_agrees_with_reference(doc: Doc) -> None:
    assert _project_keys(count_document(doc)) == reference.count_projects(doc)


@SETTINGS
@given(satisfaction_documents())
def test_satisfaction_agrees_with_reference(doc: Doc) -> None:
    assert _satisfaction_keys(count_document(doc)) == reference.count_satisfaction(doc)


# ---------------------------------------------------------------------------------------------
# The statutory candidate counts: tally accepts exactly the reference's lawful range


@settings(max_examples=200, deadline=None)
@given(
    office=st.sampled_from(("deputy_head", "member", "next_level_deputy")),
    seats=st.integers(1, 60),
    rounding=st.sampled_from(("at_least_one", "outward")),
    edge=st.sampled_from((0, 1)),
    offset=st.integers(-2, 2),
)
def test_first_round_candidate_count_is_accepted_iff_lawful(
    office: str, seats: int, rounding: str, edge: int, offset: int
) -> None:
    """Around each end of the lawful range of extra candidates, tally accepts exactly the lawful counts."""
    extra = max(0, lawful_extra(office, seats, rounding)[edge] + offset)
    doc: Doc = {
        "kind": "election", "office": office, "seats": seats, "candidates": _names("候选人", seats + extra),
        "members_of_record": 100, "present": 100, "ballots_issued": 100, "ballots": [],
        "member_rounding": rounding,
    }
    low, high = lawful_extra(office, seats, rounding)
    if low <= extra <= high:
        assert count_document(doc)["unfilled"] == seats
    else:
        with pytest.raises(StatutoryViolation):
            count_document(doc)
    # 补选 switches the check off
    assert count_document({**doc, "by_election": True})["round_valid"] is True


@pytest.mark.parametrize(("candidates", "nominated", "lawful"), [
    (2, None, True),   # 差额 by one
    (1, 1, True),      # 等额: only one nominated
    (1, None, True),   # nominated defaults to those on the ballot
    (1, 2, False),     # 等额 although two were nominated
    (3, None, False),  # 差额 by two
])
def test_head_election_is_differential_by_one_or_uncontested_single_nomination(
    candidates: int, nominated: int | None, lawful: bool
) -> None:
    doc: Doc = {
        "kind": "election", "office": "head", "seats": 1, "candidates": _names("候选人", candidates),
        "members_of_record": 10, "present": 10, "ballots_issued": 10, "ballots": [],
    }
    if nominated is not None:
        doc["nominated"] = nominated
    if lawful:
        assert count_document(doc)["unfilled"] == 1
    else:
        with pytest.raises(StatutoryViolation):
            count_document(doc)


def test_reference_itself_detects_a_disagreement() -> None:
    """Guard against a vacuous comparison: a changed ballot changes the reference's answer."""
    doc: Doc = {
        "kind": "election", "office": "deputy_head", "seats": 1, "candidates": ["甲", "乙"],
        "members_of_record": 5, "present": 5, "ballots_issued": 5,
        "ballots": [{"marks": {"甲": "yes"}}] * 3 + [{"marks": {"乙": "yes"}}] * 2,
    }
    assert reference.count_election(doc)["elected"] == ["甲"]
    assert _election_keys(count_document(doc)) == reference.count_election(doc)
    flipped = {**doc, "ballots": [{"marks": {"乙": "yes"}}] * 3 + [{"marks": {"甲": "yes"}}] * 2}
    assert _election_keys(count_document(doc)) != reference.count_election(flipped)
