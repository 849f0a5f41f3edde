"""Appointments (任免), 民生实事项目票决 and 满意度测评 through the JSON interface."""

from __future__ import annotations

from typing import Any

import pytest

from tally import StatutoryViolation, count_document


def appointment(items: list[dict[str, str]], ballots: list[Any], **extra: Any) -> dict[str, Any]:
    return {"kind": "appointment", "members_of_record": 25, "present": 20, "items": items,
            "ballots": ballots, **extra}


DISMISS = {"nominee": "陈明", "post": "县财政局局长", "action": "dismiss"}
APPOINT = {"nominee": "刘洋", "post": "县财政局局长", "action": "appoint"}


def test_individual_appointments_pass_by_majority_of_all_committee_members() -> None:
    ballots = [{"marks": {"陈明": "yes", "刘洋": "yes"}}] * 13 + [{"marks": {"陈明": "yes", "刘洋": "no"}}] * 7
    result = count_document(appointment([DISMISS, APPOINT], ballots))
    items = {item["name"]: item["outcome"] for item in result["items"]}
    assert items == {"陈明": "passed", "刘洋": "passed"}
    assert result["attendance"]["body"] == "standing_committee"


def test_twelve_of_twenty_five_members_do_not_appoint() -> None:
    result = count_document(appointment([APPOINT], [{"marks": {"刘洋": "yes"}}] * 12))
    assert result["outcome"] == "failed"


def test_combined_appointment_is_one_question() -> None:
    ballots = [{"choice": "yes"}] * 13 + [{"choice": "no"}] * 7
    result = count_document(appointment([DISMISS, APPOINT], ballots, mode="combined"))
    assert result["mode"] == "combined" and result["outcome"] == "passed"
    assert [item["nominee"] for item in result["items_detail"]] == ["陈明", "刘洋"]


def test_appointment_before_dismissal_for_the_same_post_is_rejected() -> None:
    with pytest.raises(StatutoryViolation, match="appointment_order"):
        count_document(appointment([APPOINT, DISMISS], []))


def test_removal_by_the_congress_is_rejected() -> None:
    item = {"nominee": "某", "post": "副局长", "action": "remove"}
    with pytest.raises(StatutoryViolation, match=r"appointment_body\.remove"):
        count_document(appointment([item], [], body="congress", members_of_record=120, present=100))


def test_open_vote_on_a_removal_is_rejected() -> None:
    item = {"nominee": "某", "post": "副局长", "action": "remove"}
    with pytest.raises(StatutoryViolation, match=r"secret_ballot\.remove"):
        count_document(appointment([item], [], secret=False))


def test_recall_of_an_official_by_the_congress_uses_all_deputies_as_base() -> None:
    item = {"nominee": "某", "post": "镇长", "action": "recall"}
    doc = appointment([item], [{"marks": {"某": "yes"}}] * 31, body="township_congress",
                      members_of_record=60, present=50)
    assert count_document(doc)["outcome"] == "passed"
    doc["ballots"] = [{"marks": {"某": "yes"}}] * 30
    assert count_document(doc)["outcome"] == "failed"


def test_same_person_on_two_items_needs_ids() -> None:
    items = [{"id": "1", "nominee": "张三", "post": "副县长", "action": "dismiss"},
             {"id": "2", "nominee": "张三", "post": "县长", "action": "acting"}]
    result = count_document(appointment(items, [{"marks": {"1": "yes", "2": "yes"}}] * 13))
    assert result["outcome"] == "passed"


def projects_doc(ballots: list[Any], **extra: Any) -> dict[str, Any]:
    return {"kind": "project_vote", "members_of_record": 10, "present": 10, "choose": 2,
            "projects": ["甲", {"name": "乙", "cost": "100万元", "owner": "县水利局"}, "丙"],
            "ballots": ballots, **extra}


def test_projects_chosen_by_majority_then_most_votes() -> None:
    ballots = [{"marks": {"甲": "yes", "乙": "yes"}}] * 6 + [{"marks": {"丙": "yes", "甲": "yes"}}] * 4
    result = count_document(projects_doc(ballots))
    assert result["chosen"] == ["甲", "乙"]
    assert result["counts"]["丙"] == {"yes": 4, "no": 0, "abstain": 6}


def test_project_ballot_with_too_many_yes_is_void() -> None:
    ballots = [{"marks": {"甲": "yes", "乙": "yes", "丙": "yes"}}]
    assert count_document(projects_doc(ballots))["void_ballots"] == 1


def test_project_tie_at_the_cutoff_goes_to_revote() -> None:
    ballots = [{"marks": {"甲": "yes", "乙": "yes"}}] * 6 + [{"marks": {"甲": "yes", "丙": "yes"}}] * 4
    doc = projects_doc(ballots, require_majority=False, choose=2)
    doc["ballots"] = [{"marks": {"甲": "yes", "乙": "yes"}}] * 3 + [{"marks": {"甲": "yes", "丙": "yes"}}] * 3
    result = count_document(doc)
    assert result["chosen"] == ["甲"] and result["tied"] == ["乙", "丙"]


def test_project_list_must_be_differential() -> None:
    with pytest.raises(StatutoryViolation, match="project_differential"):
        count_document(projects_doc([], choose=3))


def test_ranking_mode_uses_borda_points() -> None:
    ballots = [{"marks": {"甲": 1, "乙": 2}}] * 6 + [{"marks": {"丙": 1, "甲": 2}}] * 4
    result = count_document(projects_doc(ballots, mode="ranking"))
    assert result["counts"]["甲"] == {"points": 16, "support": 10}
    assert result["counts"]["乙"] == {"points": 6, "support": 6}
    assert result["chosen"] == ["甲", "乙"]
    assert "得16分" in result["announcement"]


def test_ranking_ballot_with_repeated_rank_is_void() -> None:
    ballots = [{"marks": {"甲": 1, "乙": 1}}, {"marks": {"甲": 3}}]
    result = count_document(projects_doc(ballots, mode="ranking"))
    assert result["void_ballots"] == 2


def satisfaction_doc(ballots: list[Any], **extra: Any) -> dict[str, Any]:
    return {"kind": "satisfaction", "members_of_record": 30, "present": 28, "targets": ["报告甲"],
            "ballots": ballots, **extra}


def test_satisfaction_cascade_over_all_members() -> None:
    ballots = [{"marks": {"报告甲": "satisfied"}}] * 10 + [{"marks": {"报告甲": "basically_satisfied"}}] * 6
    result = count_document(satisfaction_doc(ballots))
    target = result["counts"]["报告甲"]
    assert target["outcome"] == "basically_satisfied"
    assert target["rate"] == {"numerator": 16, "denominator": 16, "percent": "100.00%"}


def test_form_with_none_or_several_marked_is_invalid_for_that_target() -> None:
    ballots = [{"marks": {"报告甲": ["satisfied", "unsatisfied"]}}, {"marks": {}}, {"marks": {"报告甲": None}},
               {"marks": {"报告甲": ["satisfied"]}}]
    target = count_document(satisfaction_doc(ballots))["counts"]["报告甲"]
    assert target["invalid"] == 3 and target["valid"] == 1 and target["satisfied"] == 1


def test_satisfaction_rate_is_exact_to_hundredths() -> None:
    ballots = [{"marks": {"报告甲": "satisfied"}}] * 2 + [{"marks": {"报告甲": "unsatisfied"}}]
    target = count_document(satisfaction_doc(ballots, base="valid"))["counts"]["报告甲"]
    assert target["rate"]["percent"] == "66.67%"
    assert target["outcome"] == "satisfied"


def test_satisfaction_with_no_valid_forms_has_no_rate() -> None:
    target = count_document(satisfaction_doc([]))["counts"]["报告甲"]
    assert target["rate"] is None and target["outcome"] == "unsatisfied"


def test_unsatisfied_outcome_carries_its_consequence() -> None:
    doc = satisfaction_doc([{"marks": {"报告甲": "unsatisfied"}}], consequences={"unsatisfied": "限期整改并重新报告"})
    result = count_document(doc)
    assert result["counts"]["报告甲"]["consequence"] == "限期整改并重新报告"


def test_custom_tiers_over_present_members() -> None:
    tiers = [{"grade": "satisfied", "counted": "satisfied", "min_percent": 80},
             {"grade": "basically_satisfied", "counted": "satisfied_or_basic", "min_percent": 60}]
    ballots = [{"marks": {"报告甲": "satisfied"}}] * 17
    result = count_document(satisfaction_doc(ballots, tiers=tiers, base="present"))
    assert result["counts"]["报告甲"]["outcome"] == "basically_satisfied"
    assert result["rule"].startswith("custom")
