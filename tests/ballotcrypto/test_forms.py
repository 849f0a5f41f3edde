"""The three forms of docs/ballot-crypto.md §3.1, and the checks a form must pass."""

from __future__ import annotations

import pytest

from ballotcrypto.errors import FormError, MalformedValue
from ballotcrypto.forms import Form, Limit, election_form, form_for, motion_form, read_form, satisfaction_form


def test_motion_and_appointment_form_is_exactly_one_of_three() -> None:
    assert motion_form().to_json() == {"selections": 3, "limits": [{"of": [0, 1, 2], "min": 1, "max": 1}]}
    assert form_for("appointment") == form_for("motion") == motion_form()


def test_election_form_pairs_each_candidate_and_caps_the_yes_marks_at_the_seats() -> None:
    assert election_form(3, 2).to_json() == {"selections": 6, "limits": [
        {"of": [0, 1], "min": 0, "max": 1}, {"of": [2, 3], "min": 0, "max": 1}, {"of": [4, 5], "min": 0, "max": 1},
        {"of": [0, 2, 4], "min": 0, "max": 2}]}
    assert form_for("project_vote", candidates=3, seats=2) == form_for("election", candidates=3, seats=2)


def test_satisfaction_form_allows_at_most_one_grade_per_target() -> None:
    assert satisfaction_form(2).to_json() == {"selections": 6, "limits": [
        {"of": [0, 1, 2], "min": 0, "max": 1}, {"of": [3, 4, 5], "min": 0, "max": 1}]}
    assert form_for("satisfaction", targets=2) == satisfaction_form(2)


@pytest.mark.parametrize(("candidates", "seats"), [(0, 0), (3, 0), (3, 4)])
def test_an_election_needs_candidates_and_seats_among_them(candidates: int, seats: int) -> None:
    with pytest.raises(FormError):
        election_form(candidates, seats)


def test_other_kinds_have_no_encrypted_form() -> None:
    with pytest.raises(FormError):
        satisfaction_form(0)
    with pytest.raises(FormError) as refused:
        form_for("list_approval")
    assert refused.value.finding == "bad-form"


@pytest.mark.parametrize("limit", [Limit((), 0, 0), Limit((1, 0), 0, 1), Limit((0, 0), 0, 1), Limit((0, 3), 0, 1),
                                   Limit((0, 1), 2, 1), Limit((0, 1), 0, 3), Limit((-1, 1), 0, 1)])
def test_impossible_limits_are_refused(limit: Limit) -> None:
    with pytest.raises(FormError):
        Form(3, (limit,))


def test_a_form_has_a_selection() -> None:
    with pytest.raises(FormError):
        Form(0, ())


def test_satisfied_by_checks_zero_one_values_and_every_limit() -> None:
    form = election_form(3, 2)
    assert form.satisfied_by([1, 0, 0, 1, 1, 0])
    assert form.satisfied_by([0, 0, 0, 0, 0, 0])
    assert not form.satisfied_by([1, 0, 1, 0, 1, 0])  # three 赞成 for two seats
    assert not form.satisfied_by([1, 1, 0, 0, 0, 0])  # 赞成 and 反对 for one candidate
    assert not form.satisfied_by([2, 0, 0, 0, 0, 0])
    assert not form.satisfied_by([1, 0, 0])


def test_read_form_round_trips_and_is_strict() -> None:
    form = election_form(4, 2)
    assert read_form(form.to_json()) == form
    with pytest.raises(MalformedValue) as refused:
        read_form({"selections": 3, "limits": [{"of": [0, True], "min": 0, "max": 1}]})
    assert refused.value.field == "form.limits[0].of"
    with pytest.raises(MalformedValue):
        read_form({"selections": 3, "limits": [], "extra": 1})
    with pytest.raises(FormError):
        read_form({"selections": 3, "limits": [{"of": [0, 5], "min": 0, "max": 1}]})
