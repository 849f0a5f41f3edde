"""Motions and list approvals through the JSON interface (组织法 第二十五条)."""

from __future__ import annotations

from tally import count_document
from tests.tally.helpers import choices, motion


def test_motion_announcement_is_the_standard_form() -> None:
    result = count_document(motion(35, 30, yes=20, no=5, abstain=3))
    assert result["announcement"] == "应到35人，实到30人；赞成20票，反对5票，弃权3票，未按2人；通过。"
    assert result["counts"] == {"yes": 20, "no": 5, "abstain": 3, "not_voted": 2}
    assert result["outcome"] == "passed"


def test_majority_of_those_present_is_not_enough() -> None:
    result = count_document(motion(35, 30, yes=17, no=2))
    assert result["outcome"] == "failed"
    assert result["announcement"].endswith("未通过。")


def test_two_thirds_threshold_needs_two_thirds_of_all_members() -> None:
    assert count_document(motion(30, 30, yes=20, threshold="two_thirds_of_all"))["outcome"] == "passed"
    assert count_document(motion(30, 30, yes=19, threshold="two_thirds_of_all"))["outcome"] == "failed"


def test_motion_without_quorum_is_invalid_not_failed() -> None:
    result = count_document(motion(60, 39, yes=39))
    assert result["outcome"] == "invalid"
    assert "法定人数" in result["reason"]
    assert "表决无效" in result["announcement"]


def test_standing_committee_quorum_is_a_simple_majority_present() -> None:
    assert count_document(motion(25, 13, yes=13, body="standing_committee"))["outcome"] == "passed"
    assert count_document(motion(25, 12, yes=12, body="standing_committee"))["outcome"] == "invalid"


def test_more_ballots_than_present_makes_the_vote_invalid() -> None:
    result = count_document(motion(35, 30, yes=31))
    assert result["outcome"] == "invalid"
    assert result["ballots"]["excess"] == 1


def test_list_approved_as_a_whole_is_one_motion() -> None:
    doc = {**motion(9, 9, yes=5, no=4), "kind": "list_approval", "persons": ["甲", "乙"]}
    result = count_document(doc)
    assert result["outcome"] == "passed" and result["persons"] == ["甲", "乙"]


def test_list_approved_person_by_person_decides_each_person() -> None:
    ballots = [{"marks": {"甲": "yes", "乙": "no"}}] * 5 + [{"marks": {"甲": "yes"}}] * 2
    doc = {"kind": "list_approval", "mode": "per_person", "persons": ["甲", "乙"],
           "members_of_record": 9, "present": 8, "ballots": ballots}
    result = count_document(doc)
    items = {item["name"]: item for item in result["items"]}
    assert items["甲"]["outcome"] == "passed"
    assert items["乙"]["outcome"] == "failed"
    assert items["乙"]["counts"] == {"yes": 0, "no": 5, "abstain": 0, "not_voted": 3}
    assert result["outcome"] == "mixed"
    assert "甲：赞成7票" in result["announcement"]


def test_per_person_list_all_passed_and_all_failed_outcomes() -> None:
    base = {"kind": "list_approval", "mode": "per_person", "persons": ["甲"], "members_of_record": 3, "present": 3}
    assert count_document({**base, "ballots": [{"marks": {"甲": "yes"}}] * 2})["outcome"] == "passed"
    assert count_document({**base, "ballots": [{"marks": {"甲": "no"}}] * 2})["outcome"] == "failed"
    invalid = count_document({**base, "present": 1, "ballots": []})
    assert invalid["outcome"] == "invalid" and "表决无效" in invalid["announcement"]


def test_abstentions_count_against_passing() -> None:
    assert count_document({**motion(10, 10), "ballots": choices(yes=5, abstain=5)})["outcome"] == "failed"
