"""Edge cases, one fact each, worked out by hand from shared/domain.md.

Together with the rest of tests/tally these reach every line and branch of tally/ without relying
on what hypothesis happens to generate.
"""

from __future__ import annotations

import io
import json
import runpy
import sys
from typing import Any

import pytest

from tally import MalformedInput, StatutoryViolation, count_document
from tally.__main__ import main
from tally.rules import top_n

Doc = dict[str, Any]


def _election(candidates: list[str], seats: int, ballots: list[Doc], *, members: int = 10, **extra: Any) -> Doc:
    return {"kind": "election", "office": "deputy_head", "seats": seats, "candidates": candidates,
            "members_of_record": members, "present": members, "ballots_issued": members,
            "ballots": ballots, **extra}


def _yes(*names: str, write_ins: tuple[str, ...] = ()) -> Doc:
    ballot: Doc = {"marks": dict.fromkeys(names, "yes")}
    if write_ins:
        ballot["write_ins"] = list(write_ins)
    return ballot


def _projects(ballots: list[Doc], *, members: int = 9, present: int = 9, **extra: Any) -> Doc:
    return {"kind": "project_vote", "projects": ["修路", "建桥", "打井"], "choose": 2,
            "members_of_record": members, "present": present, "ballots": ballots, **extra}


# --------------------------------------------------------------------------------------------
# The command line, in process


def test_cli_reads_the_document_from_standard_input_when_given_a_dash(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    doc = {"kind": "motion", "members_of_record": 5, "present": 5, "ballots": [{"choice": "yes"}] * 3}
    monkeypatch.setattr(sys, "stdin", io.StringIO(json.dumps(doc)))
    assert main(["count", "-", "--text"]) == 0
    assert capsys.readouterr().out.strip() == "应到5人，实到5人；赞成3票，反对0票，弃权0票，未按2人；通过。"


def test_running_the_package_as_a_module_exits_with_the_cli_status(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "argv", ["python -m tally", "count", "-"])
    monkeypatch.setattr(sys, "stdin", io.StringIO('{"kind": "motion"}'))
    monkeypatch.delitem(sys.modules, "tally.__main__", raising=False)  # run it afresh, as python -m does
    with pytest.raises(SystemExit) as exit_info:
        runpy.run_module("tally", run_name="__main__")
    assert exit_info.value.code == 2
    assert "members_of_record" in capsys.readouterr().err


# --------------------------------------------------------------------------------------------
# Motions: the base is all members of record, never those present


def test_exactly_half_of_all_members_does_not_pass_a_motion() -> None:
    doc = {"kind": "motion", "members_of_record": 10, "present": 10, "ballots": [{"choice": "yes"}] * 5}
    assert count_document(doc)["outcome"] == "failed"
    assert count_document({**doc, "ballots": [{"choice": "yes"}] * 6})["outcome"] == "passed"


def test_a_majority_of_those_present_but_not_of_all_members_does_not_pass() -> None:
    # 7 present of 10 (a congress quorum: 21 >= 20); all 7 vote yes except two: 5 yes is not > 10/2
    doc = {"kind": "motion", "members_of_record": 10, "present": 7,
           "ballots": [{"choice": "yes"}] * 5 + [{"choice": "no"}] * 2}
    assert count_document(doc)["outcome"] == "failed"


def test_exactly_two_thirds_of_all_members_passes_a_two_thirds_motion() -> None:
    ballots = [{"choice": "yes"}] * 20 + [{"choice": "no"}] * 10
    doc = {"kind": "motion", "members_of_record": 30, "present": 30, "threshold": "two_thirds_of_all",
           "ballots": ballots}
    assert count_document(doc)["outcome"] == "passed"
    assert count_document({**doc, "ballots": ballots[1:]})["outcome"] == "failed"


def test_congress_quorum_includes_exactly_two_thirds() -> None:
    yes = [{"choice": "yes"}] * 31
    assert count_document({"kind": "motion", "members_of_record": 60, "present": 40, "ballots": yes})["outcome"] \
        == "passed"
    result = count_document({"kind": "motion", "members_of_record": 60, "present": 39, "ballots": yes[:31]})
    assert result["outcome"] == "invalid"
    assert result["attendance"]["quorum"] == {"required": 40, "met": False}


def test_presidium_two_thirds_quorum_setting_needs_six_of_nine() -> None:
    doc = {"kind": "motion", "body": "presidium", "members_of_record": 9, "present": 5,
           "ballots": [{"choice": "yes"}] * 5}
    assert count_document(doc)["outcome"] == "passed"
    strict = count_document({**doc, "presidium_quorum": "two_thirds"})
    assert strict["outcome"] == "invalid" and strict["attendance"]["quorum"]["required"] == 6


def test_more_ballots_than_members_present_makes_the_motion_invalid_not_failed() -> None:
    doc = {"kind": "motion", "members_of_record": 10, "present": 8, "ballots": [{"choice": "yes"}] * 9}
    result = count_document(doc)
    assert result["outcome"] == "invalid"
    assert result["counts"]["not_voted"] == 0
    assert "无效" in result["announcement"]


def test_list_voted_person_by_person_reports_mixed_when_some_pass_and_some_fail() -> None:
    ballots = [{"marks": {"甲": "yes", "乙": "no"}}] * 6 + [{"marks": {"甲": "yes"}}]
    doc = {"kind": "list_approval", "mode": "per_person", "persons": ["甲", "乙"],
           "members_of_record": 10, "present": 9, "ballots": ballots}
    result = count_document(doc)
    assert result["outcome"] == "mixed"
    assert result["counts"]["乙"] == {"yes": 0, "no": 6, "abstain": 0, "not_voted": 3}


# --------------------------------------------------------------------------------------------
# Elections


def test_candidate_unmarked_on_a_ballot_counts_as_abstention() -> None:
    result = count_document(_election(["甲", "乙"], 1, [_yes("甲"), {"marks": {}}]))
    assert result["counts"]["乙"] == {"yes": 0, "no": 0, "abstain": 2}


def test_ballot_backing_more_people_than_seats_through_a_write_in_is_void() -> None:
    ballots = [_yes("甲", write_ins=("王五",)), _yes("甲")]
    result = count_document(_election(["甲", "乙"], 1, ballots))
    assert result["void_ballots"] == 1
    assert result["ballots"]["valid"] == 1
    assert result["write_ins"] == {}


def test_write_in_with_votes_of_more_than_half_of_all_deputies_is_elected() -> None:
    ballots = [{"marks": {"甲": "no"}, "write_ins": ["王五"]}] * 6 + [_yes("甲")] * 4
    result = count_document(_election(["甲", "乙"], 1, ballots))
    assert result["elected"] == ["王五"]
    assert result["write_ins"] == {"王五": 6}


def test_write_in_of_an_ineligible_person_is_not_counted() -> None:
    ballots = [{"marks": {}, "write_ins": ["王五"]}] * 6
    result = count_document(_election(["甲", "乙"], 1, ballots, write_in_eligible=["赵六"]))
    assert result["elected"] == [] and result["ineligible_write_ins"] == 6
    assert result["unfilled"] == 1


def test_votes_of_exactly_half_of_all_deputies_do_not_elect() -> None:
    result = count_document(_election(["甲", "乙"], 1, [_yes("甲")] * 5 + [_yes("乙")] * 5))
    assert result["elected"] == [] and result["unfilled"] == 1
    assert result["runoff"]["candidates"] == ["甲", "乙"]


def test_more_qualifiers_than_seats_most_votes_win() -> None:
    ballots = [_yes("甲", "乙")] * 4 + [_yes("甲", "丙")] * 3 + [_yes("乙", "丙")] * 3
    result = count_document(_election(["甲", "乙", "丙"], 2, ballots))  # 甲 7, 乙 7, 丙 6: all qualify
    assert result["elected"] == ["甲", "乙"] and result["tied"] == [] and result["unfilled"] == 0


def test_tie_across_the_last_seat_goes_to_a_revote_among_the_tied_only() -> None:
    ballots = [_yes("甲", "乙")] * 4 + [_yes("甲", "丙")] * 4 + [_yes("乙", "丙")] * 2
    result = count_document(_election(["甲", "乙", "丙"], 2, ballots))  # 甲 8, 乙 6, 丙 6
    assert result["elected"] == ["甲"]
    assert result["tied"] == ["乙", "丙"] and result["tied_places"] == 1
    assert result["unfilled"] == 0 and result["runoff"] is None
    assert "得票相等" in result["announcement"]


def test_tie_revote_needs_most_votes_not_a_majority() -> None:
    doc = _election(["乙", "丙"], 1, [_yes("乙")] * 3 + [_yes("丙")] * 2 + [{"marks": {}}] * 5,
                    round="tie_revote")
    result = count_document(doc)
    assert result["elected"] == ["乙"] and result["unfilled"] == 0
    assert "得票多，当选" in result["announcement"]


def test_tie_revote_with_repeated_tie_deferred_leaves_seat_unfilled() -> None:
    doc = _election(["乙", "丙"], 1, [_yes("乙")] * 4 + [_yes("丙")] * 4, round="tie_revote", repeated_tie="defer")
    result = count_document(doc)
    assert result["elected"] == [] and result["tied"] == [] and result["unfilled"] == 1
    again = count_document({**doc, "repeated_tie": "revote"})
    assert again["tied"] == ["乙", "丙"] and again["unfilled"] == 0


def test_runoff_rounds_limit_reached_proposes_no_further_slate() -> None:
    doc = _election(["甲", "乙"], 1, [_yes("甲")] * 5 + [_yes("乙")] * 5, round="runoff", runoffs_held=2)
    assert count_document(doc)["runoff"]["runoff_number"] == 3
    assert count_document({**doc, "max_runoff_rounds": 2})["runoff"] is None
    assert count_document({**doc, "max_runoff_rounds": 3})["runoff"] is not None


def test_runoff_slate_for_one_next_level_seat_has_two_candidates_and_no_renomination() -> None:
    ballots = [_yes("甲")] * 3 + [_yes("乙")] * 2 + [_yes("丙")]
    doc = _election(["甲", "乙", "丙"], 1, ballots, office="next_level_deputy", by_election=True)
    slate = count_document(doc)["runoff"]
    assert slate["candidates"] == ["甲", "乙"] and slate["wanted"] == 2 and slate["short"] == 0
    assert slate["renomination_allowed"] is False


def test_runoff_slate_reports_how_many_more_must_be_nominated() -> None:
    # 3 member seats, none elected: wanted 3 + 1; only 3 listed remain, one more must be nominated
    doc = _election(["甲", "乙", "丙"], 3, [], office="member", by_election=True)
    slate = count_document(doc)["runoff"]
    assert slate["wanted"] == 4 and slate["short"] == 1 and slate["renomination_allowed"] is True


def test_more_ballots_returned_than_issued_voids_the_round() -> None:
    doc = _election(["甲", "乙"], 1, [_yes("甲")] * 8)
    doc["ballots_issued"] = 7
    result = count_document(doc)
    assert result["round_valid"] is False and result["elected"] == [] and result["unfilled"] == 1
    assert result["ballots"]["excess"] == 1 and result["ballots"]["not_returned"] == 0
    assert "本次选举无效" in result["announcement"]


def test_election_without_quorum_is_void() -> None:
    doc = _election(["甲", "乙"], 1, [_yes("甲")] * 6)
    doc.update(present=6, ballots_issued=6)
    result = count_document(doc)
    assert result["round_valid"] is False and "法定人数" in result["reason"]


def test_differential_equal_to_the_adopted_number_is_accepted() -> None:
    doc = _election(["甲", "乙", "丙"], 1, [], differential=2)
    assert count_document(doc)["round_valid"] is True
    with pytest.raises(StatutoryViolation) as too_many:
        count_document({**doc, "differential": 1})
    assert too_many.value.rule == "preliminary_required"
    with pytest.raises(StatutoryViolation) as too_few:
        count_document({**doc, "differential": 3})
    assert too_few.value.rule == "differential"


def test_differential_is_not_checked_in_a_by_election() -> None:
    assert count_document(_election(["甲", "乙", "丙"], 1, [], differential=1, by_election=True))["round_valid"]


def test_preliminary_ranks_by_votes_without_a_majority() -> None:
    ballots = [_yes("甲", "乙")] * 3 + [_yes("丙")] * 2
    doc = _election(["甲", "乙", "丙", "丁"], 1, ballots, round="preliminary", list_size=2)
    result = count_document(doc)
    assert result["elected"] == ["甲", "乙"] and result["places"] == 2
    assert result["runoff"] is None and "预选" in result["announcement"]


def test_preliminary_list_shorter_than_the_seats_is_unlawful() -> None:
    with pytest.raises(StatutoryViolation):
        count_document(_election(["甲", "乙", "丙"], 2, [], round="preliminary", list_size=1))


def test_write_ins_are_refused_in_a_tie_revote() -> None:
    doc = _election(["乙", "丙"], 1, [{"marks": {}, "write_ins": ["王五"]}], round="tie_revote")
    with pytest.raises(MalformedInput):
        count_document(doc)


def test_open_election_is_unlawful() -> None:
    with pytest.raises(StatutoryViolation) as violation:
        count_document(_election(["甲", "乙"], 1, [], secret=False))
    assert violation.value.rule == "secret_ballot.election"


# --------------------------------------------------------------------------------------------
# 民生实事项目票决


def test_project_vote_without_quorum_is_void_and_chooses_nothing() -> None:
    result = count_document(_projects([{"marks": {"修路": "yes", "建桥": "yes"}}] * 5, present=5))
    assert result["round_valid"] is False and result["chosen"] == [] and result["unfilled"] == 2
    assert "法定人数" in result["announcement"]


def test_project_vote_with_more_ballots_than_issued_is_void() -> None:
    result = count_document(_projects([{"marks": {"修路": "yes"}}] * 9, ballots_issued=8))
    assert result["round_valid"] is False and result["ballots"]["excess"] == 1
    assert result["reason"] == "收回票数多于发出票数"
    assert "本次票决无效，应重新进行票决" in result["announcement"]


def test_project_needs_yes_from_more_than_half_of_all_deputies_unless_the_rule_is_off() -> None:
    ballots = [{"marks": {"修路": "yes", "建桥": "yes"}}] * 5 + [{"marks": {"修路": "yes", "打井": "yes"}}] * 2
    result = count_document(_projects(ballots))
    assert result["chosen"] == ["修路", "建桥"]  # 修路 7, 建桥 5 (10 > 9), 打井 2
    result = count_document(_projects(ballots[:4] + ballots[5:]))  # 建桥 4: 8 > 9 is false
    assert result["chosen"] == ["修路"] and result["unfilled"] == 1
    plain = count_document(_projects(ballots[:4] + ballots[5:], require_majority=False))
    assert plain["chosen"] == ["修路", "建桥"]


# --------------------------------------------------------------------------------------------
# 满意度测评


def test_satisfaction_form_marking_an_empty_list_is_invalid_for_that_target() -> None:
    doc = {"kind": "satisfaction", "targets": ["县政府"], "members_of_record": 4, "present": 4,
           "ballots": [{"marks": {"县政府": []}}, {"marks": {"县政府": ["satisfied"]}}, {"marks": {}}]}
    result = count_document(doc)["counts"]["县政府"]
    assert result["invalid"] == 2 and result["satisfied"] == 1 and result["valid"] == 1


def test_satisfaction_tiers_none_met_gives_unsatisfied() -> None:
    tier: dict[str, object] = {"grade": "satisfied", "counted": "satisfied", "min_percent": 80}
    ballots = [{"marks": {"县法院": "satisfied"}}] * 3
    doc = {"kind": "satisfaction", "targets": ["县法院"], "members_of_record": 4, "present": 4,
           "tiers": [tier], "ballots": ballots}
    assert count_document(doc)["outcome"] == {"县法院": "unsatisfied"}  # 300 < 320
    doc["ballots"] = [*ballots, {"marks": {"县法院": "basically_satisfied"}}]
    tier["min_percent"] = 75
    assert count_document(doc)["outcome"] == {"县法院": "satisfied"}  # 300 >= 300


def test_satisfaction_cascade_over_valid_forms_differs_from_over_all_members() -> None:
    doc = {"kind": "satisfaction", "targets": ["县检察院"], "members_of_record": 20, "present": 14,
           "ballots": [{"marks": {"县检察院": "satisfied"}}] * 8 + [{"marks": {"县检察院": "unsatisfied"}}] * 4}
    assert count_document(doc)["outcome"]["县检察院"] == "unsatisfied"  # 16 > 20 false
    assert count_document({**doc, "base": "valid"})["outcome"]["县检察院"] == "satisfied"  # 16 > 12
    assert count_document({**doc, "base": "present"})["outcome"]["县检察院"] == "satisfied"  # 16 > 14


# --------------------------------------------------------------------------------------------
# The rules, at their limits


def test_top_n_with_no_places_places_nobody() -> None:
    assert top_n.place({"甲": 3, "乙": 3}, 0) == top_n.Placement((), (), 0)


def test_top_n_keeps_ballot_order_among_equal_votes_then_names() -> None:
    assert top_n.ordered({"乙": 2, "甲": 2, "丙": 5}, {"乙": 0, "甲": 1}) == ["丙", "乙", "甲"]
    assert top_n.ordered({"乙": 2, "甲": 2}) == sorted(["乙", "甲"])
