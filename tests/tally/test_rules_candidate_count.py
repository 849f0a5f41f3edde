"""组织法 第二十七条 and 选举法 第三十一条: how many candidates each office's ballot must carry."""

from __future__ import annotations

import pytest

from tally.rules import candidate_count, runoff_slate
from tally.rules.candidate_count import ExtraRange


@pytest.mark.parametrize(
    ("office", "seats", "rounding", "expected"),
    [
        ("head", 1, "at_least_one", ExtraRange(1, 1)),
        ("deputy_head", 4, "at_least_one", ExtraRange(1, 3)),
        ("member", 20, "at_least_one", ExtraRange(2, 4)),
        ("member", 13, "at_least_one", ExtraRange(2, 2)),
        ("member", 13, "outward", ExtraRange(1, 3)),
        ("member", 3, "at_least_one", ExtraRange(1, 1)),
        ("next_level_deputy", 10, "at_least_one", ExtraRange(2, 5)),
        ("next_level_deputy", 1, "at_least_one", ExtraRange(1, 1)),
        ("next_level_deputy", 1, "outward", ExtraRange(1, 1)),
    ],
)
def test_extra_range_worked_examples(
    office: candidate_count.Office, seats: int, rounding: candidate_count.Rounding, expected: ExtraRange
) -> None:
    assert candidate_count.extra_range(office, seats, rounding) == expected


def test_head_with_two_candidates_for_one_seat_is_lawful() -> None:
    assert candidate_count.check("head", 1, 2, nominated=2) is None


def test_head_uncontested_only_when_a_single_candidate_was_nominated() -> None:
    assert candidate_count.check("head", 1, 1, nominated=1) is None
    reason = candidate_count.check("head", 1, 1, nominated=2)
    assert reason is not None and "第二十七条" in reason


def test_head_with_three_candidates_for_one_seat_is_unlawful() -> None:
    assert candidate_count.check("head", 1, 3, nominated=3) is not None


def test_one_candidate_for_one_deputy_head_seat_breaks_the_one_to_three_rule() -> None:
    reason = candidate_count.check("deputy_head", 1, 1, nominated=1)
    assert reason is not None and "多一人至三人" in reason


@pytest.mark.parametrize(("candidates", "lawful"), [(5, True), (7, True), (8, False), (4, False)])
def test_deputy_heads_need_one_to_three_extra(candidates: int, lawful: bool) -> None:
    assert (candidate_count.check("deputy_head", 4, candidates, nominated=candidates) is None) is lawful


def test_uncontested_committee_members_are_unlawful() -> None:
    reason = candidate_count.check("member", 20, 20, nominated=20)
    assert reason is not None and "十分之一至五分之一" in reason


def test_next_level_deputies_one_seat_needs_two_candidates() -> None:
    assert candidate_count.check("next_level_deputy", 1, 2, nominated=2) is None
    assert candidate_count.check("next_level_deputy", 1, 3, nominated=3) is not None


def test_by_election_switches_the_differential_checks_off() -> None:
    assert candidate_count.check("deputy_head", 1, 1, nominated=1, by_election=True) is None


def test_fewer_candidates_than_seats_is_never_lawful() -> None:
    reason = candidate_count.check("member", 5, 4, nominated=4, by_election=True)
    assert reason is not None and "少于应选人数" in reason


def test_head_runoff_may_be_uncontested() -> None:
    assert candidate_count.check("head", 1, 1, nominated=2, runoff=True) is None


def test_runoff_slate_for_deputy_heads_takes_first_round_order() -> None:
    slate = runoff_slate.propose("deputy_head", 1, {"B": 50, "C": 40, "D": 10}, ["D", "C", "B"])
    assert slate.candidates == ("B", "C")
    assert slate.short == 0 and slate.renomination_allowed


def test_runoff_slate_for_one_next_level_seat_has_two_candidates_and_no_renomination() -> None:
    slate = runoff_slate.propose("next_level_deputy", 1, {"X": 30, "Y": 20, "Z": 10}, ["X", "Y", "Z"])
    assert slate.candidates == ("X", "Y")
    assert not slate.renomination_allowed


def test_runoff_slate_reports_how_many_must_be_nominated_when_too_few_remain() -> None:
    slate = runoff_slate.propose("member", 3, {"A": 9}, ["A"])
    assert slate.wanted == 4 and slate.candidates == ("A",) and slate.short == 3
