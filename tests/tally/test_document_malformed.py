"""Malformed documents are refused with a message naming the field; nothing is guessed."""

from __future__ import annotations

from typing import Any

import pytest

from tally import MalformedInput, count_document
from tests.tally.helpers import election, marks, motion


@pytest.mark.parametrize(
    ("doc", "field"),
    [
        ([], "$"),
        ({"members_of_record": 3}, "kind"),
        ({"kind": "poll"}, "kind"),
        ({**motion(3, 3), "colour": "red"}, "colour"),
        ({"kind": "motion", "present": 3, "ballots": []}, "members_of_record"),
        ({**motion(3, 3), "members_of_record": "3"}, "members_of_record"),
        ({**motion(3, 3), "members_of_record": True}, "members_of_record"),
        ({**motion(3, 3), "members_of_record": 0}, "members_of_record"),
        ({**motion(3, 3), "present": 4}, "present"),
        ({**motion(3, 3), "threshold": "most"}, "threshold"),
        ({**motion(3, 3), "body": "parliament"}, "body"),
        ({**motion(3, 3), "ballots": {}}, "ballots"),
        ({**motion(3, 3), "ballots": ["yes"]}, "ballots[0]"),
        ({**motion(3, 3), "ballots": [{"choice": "maybe"}]}, "ballots[0].choice"),
        ({**motion(3, 3), "ballots": [{"choice": "yes", "voter": "x"}]}, "ballots[0].voter"),
        ({**motion(3, 3), "title": 5}, "title"),
    ],
)
def test_malformed_motion_names_the_field(doc: Any, field: str) -> None:
    with pytest.raises(MalformedInput) as caught:
        count_document(doc)
    assert caught.value.field == field


def base_election(**extra: Any) -> dict[str, Any]:
    return election(["A", "B", "C"], 2, [], **extra)


@pytest.mark.parametrize(
    ("doc", "field"),
    [
        ({**base_election(), "office": "mayor"}, "office"),
        ({**base_election(), "candidates": ["A", "A", "B"]}, "candidates"),
        ({**base_election(), "candidates": ["A", ""]}, "candidates[1]"),
        ({**base_election(), "candidates": []}, "candidates"),
        ({**base_election(), "seats": 0}, "seats"),
        ({**base_election(), "ballots_issued": 11}, "ballots_issued"),
        ({**base_election(), "ballots": [{"marks": {"Z": "yes"}}]}, "ballots[0].marks.Z"),
        ({**base_election(), "ballots": [{"marks": {"A": 1}}]}, "ballots[0].marks.A"),
        ({**base_election(), "ballots": [{"marks": []}]}, "ballots[0].marks"),
        ({**base_election(), "ballots": [marks(write_ins=("A",))]}, "ballots[0].write_ins[0]"),
        ({**base_election(), "ballots": [{"marks": {}, "write_ins": [3]}]}, "ballots[0].write_ins[0]"),
        ({**base_election(), "ballots": [marks(write_ins=("Z", "Z"))]}, "ballots[0].write_ins"),
        ({**base_election(allow_write_ins=False), "ballots": [marks(write_ins=("Z",))]}, "ballots[0].write_ins"),
        ({**base_election(), "round": "second"}, "round"),
    ],
)
def test_malformed_election_names_the_field(doc: Any, field: str) -> None:
    with pytest.raises(MalformedInput) as caught:
        count_document(doc)
    assert caught.value.field == field


def test_write_ins_are_refused_in_a_tie_revote() -> None:
    doc = election(["A", "B"], 1, [marks(write_ins=("Z",))], round="tie_revote")
    with pytest.raises(MalformedInput, match="write_ins"):
        count_document(doc)


@pytest.mark.parametrize(
    ("doc", "field"),
    [
        ({"kind": "appointment", "members_of_record": 5, "present": 5, "items": [], "ballots": []}, "items"),
        ({"kind": "appointment", "members_of_record": 5, "present": 5, "items": ["x"], "ballots": []}, "items[0]"),
        ({"kind": "appointment", "members_of_record": 5, "present": 5,
          "items": [{"nominee": " ", "action": "appoint"}], "ballots": []}, "items[0].nominee"),
        ({"kind": "appointment", "members_of_record": 5, "present": 5,
          "items": [{"nominee": "甲", "action": "promote"}], "ballots": []}, "items[0].action"),
        ({"kind": "appointment", "members_of_record": 5, "present": 5,
          "items": [{"nominee": "甲", "action": "appoint"}] * 2, "ballots": []}, "items"),
        ({"kind": "appointment", "members_of_record": 5, "present": 5, "secret": "yes",
          "items": [{"nominee": "甲", "action": "appoint"}], "ballots": []}, "secret"),
        ({"kind": "project_vote", "members_of_record": 5, "present": 5, "choose": 1, "projects": [3],
          "ballots": []}, "projects[0]"),
        ({"kind": "project_vote", "members_of_record": 5, "present": 5, "choose": 1, "projects": ["a", "a"],
          "ballots": []}, "projects"),
        ({"kind": "project_vote", "members_of_record": 5, "present": 5, "choose": 1, "projects": ["a", "b"],
          "mode": "ranking", "ballots": [{"marks": {"a": "yes"}}]}, "ballots[0].marks.a"),
        ({"kind": "satisfaction", "members_of_record": 5, "present": 5, "targets": ["t"],
          "ballots": [{"marks": {"u": "satisfied"}}]}, "ballots[0].marks.u"),
        ({"kind": "satisfaction", "members_of_record": 5, "present": 5, "targets": ["t"],
          "ballots": [{"marks": {"t": "happy"}}]}, "ballots[0].marks.t"),
        ({"kind": "satisfaction", "members_of_record": 5, "present": 5, "targets": ["t"],
          "ballots": [{"marks": {"t": ["happy"]}}]}, "ballots[0].marks.t"),
        ({"kind": "satisfaction", "members_of_record": 5, "present": 5, "targets": ["t"], "tiers": ["x"],
          "ballots": []}, "tiers[0]"),
        ({"kind": "satisfaction", "members_of_record": 5, "present": 5, "targets": ["t"],
          "tiers": [{"grade": "satisfied", "counted": "satisfied", "min_percent": 101}], "ballots": []},
         "tiers[0].min_percent"),
        ({"kind": "satisfaction", "members_of_record": 5, "present": 5, "targets": ["t"],
          "consequences": {"angry": "x"}, "ballots": []}, "consequences.angry"),
    ],
)
def test_malformed_other_kinds_name_the_field(doc: Any, field: str) -> None:
    with pytest.raises(MalformedInput) as caught:
        count_document(doc)
    assert caught.value.field == field


@pytest.mark.parametrize(
    ("ballot", "field"),
    [
        ({"marks": {"A": "yes"}, "voter": "D001"}, "ballots[0].voter"),
        ({"marks": {"A": ["yes"]}}, "ballots[0].marks.A"),
        ({"marks": {"A": "yes", "B": "maybe"}}, "ballots[0].marks.B"),
    ],
)
def test_malformed_election_ballot_names_the_mark(ballot: dict[str, Any], field: str) -> None:
    with pytest.raises(MalformedInput) as caught:
        count_document({**base_election(), "ballots": [ballot]})
    assert caught.value.field == field


def test_boolean_rank_is_refused_although_true_equals_one() -> None:
    doc = {"kind": "project_vote", "members_of_record": 5, "present": 5, "choose": 1, "projects": ["a", "b"],
           "mode": "ranking", "ballots": [{"marks": {"a": True}}]}
    with pytest.raises(MalformedInput) as caught:
        count_document(doc)
    assert caught.value.field == "ballots[0].marks.a"
