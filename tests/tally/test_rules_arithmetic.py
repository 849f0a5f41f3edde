"""Each rule module's worked examples, as a clerk would check them by hand, plus the boundaries."""

from __future__ import annotations

import pytest

from tally.rules import (
    appointment_body,
    appointment_order,
    borda,
    majority,
    qualification,
    quorum,
    round_validity,
    satisfaction_cascade,
    satisfaction_tiers,
    top_n,
    two_thirds,
    void_ballot,
)
from tally.rules.satisfaction_tiers import Tier


@pytest.mark.parametrize(
    ("yes", "members", "passes"),
    [(18, 35, True), (17, 35, False), (17, 34, False), (18, 34, True), (1, 1, True), (0, 1, False)],
)
def test_majority_of_all_members_counts_members_not_those_present(yes: int, members: int, passes: bool) -> None:
    assert majority.passes(yes, members) is passes


@pytest.mark.parametrize(
    ("yes", "members", "passes"), [(20, 30, True), (19, 30, False), (24, 35, True), (23, 35, False)]
)
def test_two_thirds_includes_the_exact_two_thirds(yes: int, members: int, passes: bool) -> None:
    assert two_thirds.passes(yes, members) is passes


@pytest.mark.parametrize(
    ("body", "present", "members", "met"),
    [
        ("congress", 40, 60, True),
        ("congress", 39, 60, False),
        ("township_congress", 40, 60, True),
        ("standing_committee", 13, 25, True),
        ("standing_committee", 12, 25, False),
        ("standing_committee", 13, 26, False),
        ("presidium", 5, 9, True),
        ("presidium", 4, 9, False),
        ("voters", 0, 9, True),
    ],
)
def test_quorum_per_body(body: quorum.Body, present: int, members: int, met: bool) -> None:
    assert quorum.is_met(body, present, members) is met
    assert (present >= quorum.required(body, members)) is met


def test_presidium_quorum_two_thirds_setting_needs_six_of_nine() -> None:
    assert quorum.required("presidium", 9, "two_thirds") == 6
    assert quorum.is_met("presidium", 6, 9, "two_thirds")
    assert not quorum.is_met("presidium", 5, 9, "two_thirds")


def test_quorum_required_for_voters_is_zero() -> None:
    assert quorum.required("voters", 300) == 0


@pytest.mark.parametrize(("supported", "seats", "void"), [(3, 3, False), (2, 3, False), (4, 3, True)])
def test_ballot_void_only_when_support_exceeds_seats(supported: int, seats: int, void: bool) -> None:
    assert void_ballot.is_void(supported, seats) is void


@pytest.mark.parametrize(("returned", "issued", "valid"), [(30, 30, True), (29, 30, True), (31, 30, False)])
def test_round_void_only_when_more_returned_than_issued(returned: int, issued: int, valid: bool) -> None:
    assert round_validity.is_valid(returned, issued) is valid


def test_qualification_needs_more_than_half_of_all_deputies() -> None:
    assert qualification.qualifies(61, 120)
    assert not qualification.qualifies(60, 120)


def test_top_n_reports_tie_across_the_last_place() -> None:
    placement = top_n.place({"A": 50, "B": 40, "C": 30, "D": 30}, 3)
    assert placement == top_n.Placement(("A", "B"), ("C", "D"), 1)


def test_top_n_without_tie_places_exactly_n() -> None:
    assert top_n.place({"A": 50, "B": 40, "C": 30, "D": 20}, 3) == top_n.Placement(("A", "B", "C"), (), 0)


def test_top_n_with_fewer_contenders_than_places_places_all() -> None:
    assert top_n.place({"A": 5}, 3) == top_n.Placement(("A",), (), 0)


def test_top_n_with_zero_places_places_nobody() -> None:
    assert top_n.place({"A": 5}, 0) == top_n.Placement((), (), 0)


def test_top_n_tie_among_all_for_two_places_names_all_tied() -> None:
    assert top_n.place({"A": 5, "B": 5, "C": 5}, 2) == top_n.Placement((), ("A", "B", "C"), 2)


def test_ordering_breaks_equal_votes_by_ballot_order() -> None:
    assert top_n.ordered({"乙": 3, "甲": 3, "丙": 4}, {"甲": 0, "乙": 1, "丙": 2}) == ["丙", "甲", "乙"]


def test_borda_points_worked_example() -> None:
    assert [borda.points(r, 3) for r in (1, 2, 3)] == [3, 2, 1]


@pytest.mark.parametrize(
    ("satisfied", "basic", "base", "grade"),
    [
        (16, 0, 30, "satisfied"),
        (10, 6, 30, "basically_satisfied"),
        (10, 5, 30, "unsatisfied"),
        (15, 0, 30, "unsatisfied"),
    ],
)
def test_satisfaction_cascade_worked_examples(satisfied: int, basic: int, base: int, grade: str) -> None:
    assert satisfaction_cascade.grade(satisfied, basic, base) == grade


TIERS = (Tier("satisfied", "satisfied", 80), Tier("basically_satisfied", "satisfied_or_basic", 60))


@pytest.mark.parametrize(
    ("satisfied", "basic", "grade"),
    [(40, 0, "satisfied"), (39, 0, "basically_satisfied"), (30, 0, "basically_satisfied"), (20, 9, "unsatisfied")],
)
def test_satisfaction_tiers_worked_examples(satisfied: int, basic: int, grade: str) -> None:
    assert satisfaction_tiers.grade(TIERS, satisfied, basic, 50) == grade


def test_removal_is_only_for_the_standing_committee() -> None:
    assert appointment_body.check_body("remove", "standing_committee") is None
    reason = appointment_body.check_body("remove", "congress")
    assert reason is not None and "监督法" in reason


def test_recall_of_officials_is_only_for_the_congress() -> None:
    assert appointment_body.check_body("recall", "township_congress") is None
    assert appointment_body.check_body("recall", "standing_committee") is not None


def test_deputy_resignation_goes_to_committee_in_county_and_congress_in_township() -> None:
    assert appointment_body.check_body("deputy_resignation", "standing_committee") is None
    assert appointment_body.check_body("deputy_resignation", "township_congress") is None
    assert appointment_body.check_body("deputy_resignation", "presidium") is not None


def test_dismissal_before_appointment_for_one_post_is_in_order() -> None:
    assert appointment_order.first_out_of_order([("dismiss", "副县长"), ("appoint", "副县长")]) is None


def test_dismissal_after_appointment_for_one_post_is_out_of_order() -> None:
    assert appointment_order.first_out_of_order([("appoint", "副县长"), ("dismiss", "副县长")]) == 1


def test_appointment_and_dismissal_for_different_posts_are_independent() -> None:
    assert appointment_order.first_out_of_order([("appoint", "局长"), ("dismiss", "副县长")]) is None
