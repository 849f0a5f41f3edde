"""Elections through the JSON interface: void ballots, qualification, ties, 另行选举, 预选."""

from __future__ import annotations

import pytest

from tally import StatutoryViolation, count_document
from tests.tally.helpers import election, marks


def test_ballot_with_more_yes_than_seats_is_void_and_not_counted() -> None:
    ballots = [marks("A", "B")] * 6 + [marks("A", "B", "C")]
    result = count_document(election(["A", "B", "C"], 2, ballots))
    assert result["void_ballots"] == 1
    assert result["ballots"]["valid"] == 6
    assert result["counts"]["C"] == {"yes": 0, "no": 0, "abstain": 6}
    assert result["elected"] == ["A", "B"]


def test_write_in_counts_toward_the_over_vote() -> None:
    ballots = [marks("A", "B", no=("C",), write_ins=("D",))]
    result = count_document(election(["A", "B", "C"], 2, ballots))
    assert result["void_ballots"] == 1


def test_candidate_needs_more_than_half_of_all_deputies_not_of_voters() -> None:
    ballots = [marks("A")] * 5 + [marks("B")] * 3
    result = count_document(election(["A", "B"], 1, ballots, members=10, present=8, office="head"))
    assert result["elected"] == []
    assert result["unfilled"] == 1
    assert result["runoff"]["candidates"] == ["A", "B"]
    assert "无人当选" in result["announcement"]


def test_more_qualifiers_than_seats_elects_the_most_votes() -> None:
    ballots = [marks("A", "B")] * 5 + [marks("A", "C")] * 3 + [marks("B", "C")] * 2
    result = count_document(election(["A", "B", "C"], 2, ballots, members=10))
    assert result["counts"]["A"]["yes"] == 8 and result["counts"]["B"]["yes"] == 7
    assert result["elected"] == ["A", "B"]


def test_tie_across_the_last_seat_names_the_tied_for_a_revote() -> None:
    ballots = [marks("A", "B")] * 4 + [marks("A", "C")] * 4 + [marks("B", "C")]
    result = count_document(election(["A", "B", "C"], 2, ballots, members=9))
    assert result["elected"] == ["A"]
    assert result["tied"] == ["B", "C"] and result["tied_places"] == 1
    assert result["unfilled"] == 0
    assert "得票相等" in result["announcement"]


def test_tie_revote_elects_most_votes_without_majority_test() -> None:
    doc = election(["B", "C"], 1, [marks("B")] * 2 + [marks("C")] + [{"marks": {}}] * 4,
                   members=7, round="tie_revote")
    result = count_document(doc)
    assert result["elected"] == ["B"]
    assert result["rule"].startswith("most votes")


def test_repeated_tie_is_reported_again_by_default() -> None:
    doc = election(["B", "C"], 1, [marks("B"), marks("C")], members=3, round="tie_revote")
    assert count_document(doc)["tied"] == ["B", "C"]


def test_repeated_tie_deferred_leaves_the_seat_for_another_round() -> None:
    doc = election(["B", "C"], 1, [marks("B"), marks("C")], members=3, round="tie_revote", repeated_tie="defer")
    result = count_document(doc)
    assert result["tied"] == [] and result["unfilled"] == 1
    assert result["runoff"]["candidates"] == ["B", "C"]


def test_shortfall_proposes_runoff_slate_in_first_round_order() -> None:
    ballots = [marks("A", "B")] * 6 + [marks("C")] * 2 + [marks("D")] * 2
    doc = election(["A", "B", "C", "D"], 3, ballots, members=10)
    result = count_document(doc)
    assert result["elected"] == ["A", "B"]
    assert result["unfilled"] == 1
    assert result["runoff"]["seats"] == 1
    assert result["runoff"]["candidates"] == ["C", "D"]
    assert result["runoff"]["proposal"] is True
    assert "另行选举" in result["announcement"]


def test_runoff_round_limit_stops_proposing_slates() -> None:
    doc = election(["C", "D"], 1, [marks("C")] * 3, members=10, round="runoff", runoffs_held=1,
                   max_runoff_rounds=1)
    result = count_document(doc)
    assert result["unfilled"] == 1 and result["runoff"] is None


def test_write_in_who_wins_a_majority_is_elected() -> None:
    ballots = [marks("A", no=("B",), write_ins=("Z",))] * 6
    result = count_document(election(["A", "B", "C"], 2, ballots, members=10))
    assert result["elected"] == ["A", "Z"]
    assert result["write_ins"] == {"Z": 6}
    assert "另选他人Z得6票" in result["announcement"]


def test_ineligible_write_in_is_not_credited() -> None:
    ballots = [marks("A", write_ins=("路人",))] * 6
    doc = election(["A", "B", "C"], 2, ballots, members=10, write_in_eligible=["代表甲"])
    result = count_document(doc)
    assert result["write_ins"] == {} and result["ineligible_write_ins"] == 6


def test_round_void_when_more_ballots_returned_than_issued() -> None:
    doc = election(["A", "B"], 1, [marks("A")] * 4, members=5, present=5, office="head")
    doc["ballots_issued"] = 3
    result = count_document(doc)
    assert result["round_valid"] is False
    assert result["elected"] == []
    assert "选举无效" in result["announcement"]


def test_election_without_quorum_is_void() -> None:
    doc = election(["A", "B"], 1, [marks("A")] * 6, members=10, present=6, office="head")
    result = count_document(doc)
    assert result["round_valid"] is False and "法定人数" in result["reason"]


def test_preliminary_ranks_by_votes_without_majority() -> None:
    ballots = [marks("A", "B", "C")] * 2 + [marks("D")]
    doc = election(["A", "B", "C", "D", "E"], 2, ballots, members=30, present=20, round="preliminary",
                   list_size=3)
    doc["ballots_issued"] = 20
    result = count_document(doc)
    assert result["elected"] == ["A", "B", "C"]
    assert "预选" in result["announcement"]


def test_preliminary_needs_more_nominees_than_the_list() -> None:
    doc = election(["A", "B", "C"], 2, [], round="preliminary", list_size=3)
    with pytest.raises(StatutoryViolation, match="preliminary_not_needed"):
        count_document(doc)


def test_preliminary_needs_a_list_size() -> None:
    with pytest.raises(StatutoryViolation, match="preliminary_list_size"):
        count_document(election(["A", "B", "C"], 2, [], round="preliminary"))


def test_more_nominees_than_the_differential_requires_a_preliminary() -> None:
    doc = election(["A", "B", "C", "D"], 1, [], differential=1)
    with pytest.raises(StatutoryViolation, match="preliminary_required"):
        count_document(doc)


def test_fewer_nominees_than_the_differential_is_rejected() -> None:
    doc = election(["A", "B"], 1, [], differential=2)
    with pytest.raises(StatutoryViolation, match="differential"):
        count_document(doc)


def test_one_candidate_for_one_deputy_head_seat_is_rejected_naming_the_rule() -> None:
    with pytest.raises(StatutoryViolation, match=r"candidate_count\.deputy_head"):
        count_document(election(["A"], 1, []))


def test_uncontested_committee_member_election_is_rejected() -> None:
    with pytest.raises(StatutoryViolation, match=r"candidate_count\.member"):
        count_document(election(["A", "B"], 2, [], office="member"))


def test_open_ballot_election_is_rejected() -> None:
    with pytest.raises(StatutoryViolation, match="secret_ballot"):
        count_document(election(["A", "B"], 1, [], office="head", secret=False))


def test_single_nominee_head_election_may_be_uncontested() -> None:
    doc = election(["A"], 1, [marks("A")] * 6, members=10, office="head", nominated=1)
    assert count_document(doc)["elected"] == ["A"]


def test_a_preliminary_whose_list_breaks_article_27_is_refused() -> None:
    doc = {**election(["甲", "乙", "丙", "丁", "戊", "己", "庚"], 2, [], members=10), "office": "deputy_head",
           "round": "preliminary", "list_size": 6}
    with pytest.raises(StatutoryViolation, match=r"candidate_count\.deputy_head") as refused:
        count_document(doc)
    assert "预选确定的正式候选人人数不合法" in refused.value.message


def test_a_preliminary_list_must_have_the_differential_of_the_election_rules() -> None:
    doc = {**election(["甲", "乙", "丙", "丁", "戊"], 2, [], members=10), "office": "deputy_head",
           "round": "preliminary", "list_size": 3, "differential": 2}
    with pytest.raises(StatutoryViolation, match="differential"):
        count_document(doc)


def test_a_write_in_of_someone_who_is_not_a_deputy_is_not_counted_and_the_announcement_says_why() -> None:
    ballots = [marks("甲", write_ins=("本级代表",)), marks("甲", write_ins=("外单位某人",)), marks("甲")]
    doc = {**election(["甲", "乙", "丙"], 2, ballots, members=3), "office": "member",
           "write_in_eligible": ["本级代表", "乙", "丙"]}
    result = count_document(doc)
    assert result["write_ins"] == {"本级代表": 1} and result["ineligible_write_ins"] == 1
    assert "另选他人中有1票所写的人不是本级人民代表大会代表，依法不计入" in result["announcement"]
    voters = count_document({**doc, "office": "deputy_head", "candidates": ["甲", "乙", "丙", "丁"],
                             "seats": 2, "write_in_scope": "voters"})
    assert "不符合本次选举的条件" in voters["announcement"]
