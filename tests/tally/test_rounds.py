"""The round rules (tally/rounds/): which round may open on an item after the rounds already held,
and what it is held on. The worked examples of each module's docstring, counted by tally itself
where a result is needed, then the boundaries, the refusals the server answers with, and
properties over random histories and random counted rounds.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tally import MalformedInput, count_document
from tally.rounds import (
    ROUND_KINDS,
    UNKNOWN_KIND,
    NextRound,
    PreviousRound,
    RoundRefused,
    continuation,
    first,
    needs_another_round,
    next_round,
    preliminary,
    revote,
    runoff,
    tie_revote,
)
from tests.tally.helpers import election, marks, motion
from tests.tally.test_matches_reference import election_documents, project_documents

Doc = dict[str, Any]
SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
OTHER_KINDS = ("motion", "list_approval", "appointment", "satisfaction")


def held(doc: Doc, round_kind: str = "first", state: str = "closed") -> PreviousRound:
    """A round held on ``doc`` (a tally document), counted by tally as the server does at close."""
    definition = {k: v for k, v in doc.items() if k != "ballots"}
    return PreviousRound(round_kind, state, count_document(doc), definition)


def voided(round_kind: str = "first") -> PreviousRound:
    return PreviousRound(round_kind, "voided", {"outcome": "failed"}, {})


def opened(round_kind: str = "first") -> PreviousRound:
    return PreviousRound(round_kind, "open", None, {})


def fields(decided: NextRound | RoundRefused) -> Mapping[str, object]:
    assert isinstance(decided, NextRound), decided
    return decided.fields


# The docstrings' worked examples, as tally documents.
FAILED_MOTION = motion(60, 50, yes=29, no=15, abstain=6)  # 29 of 60: 58 > 60 is false, 未通过
TIE = election(["甲", "乙", "丙"], 2, [marks("甲", "乙")] * 16 + [marks("甲", "丙")] * 16
               + [marks("乙", "丙")] * 16 + [marks("甲")] * 2, members=60, present=50)
SHORTFALL = election(["周正", "吴刚"], 1, [marks("周正")] * 29 + [marks("吴刚")] * 21,
                     members=60, present=50, office="head")
PROJECT_TIE = {"kind": "project_vote", "projects": ["一", "二", "三", "四", "五"], "choose": 4,
               "members_of_record": 30, "present": 30,
               "ballots": [marks("一", "二", "三", "四")] * 10 + [marks("一", "二", "三", "五")] * 10
               + [marks("一", "二", "四", "五")] * 10}
NOMINEES = ["甲", "乙", "丙", "丁", "戊", "己", "庚", "辛"]
PRELIMINARY = election(NOMINEES, 5, [marks(*NOMINEES[:6])] * 7 + [marks(*NOMINEES[2:8])] * 3,
                       members=10, office="member", round="preliminary", list_size=6)


def test_the_examples_count_as_their_docstrings_say() -> None:
    assert count_document(FAILED_MOTION)["outcome"] == "failed"
    tie = count_document(TIE)
    assert [tie["counts"][n]["yes"] for n in ("甲", "乙", "丙")] == [34, 32, 32]
    assert (tie["elected"], tie["tied"], tie["tied_places"]) == (["甲"], ["乙", "丙"], 1)
    shortfall = count_document(SHORTFALL)
    assert (shortfall["elected"], shortfall["unfilled"]) == ([], 1)
    assert shortfall["runoff"]["candidates"] == ["周正", "吴刚"]
    projects = count_document(PROJECT_TIE)
    assert (projects["chosen"], projects["tied"], projects["tied_places"]) == (["一", "二"], ["三", "四", "五"], 2)


# --------------------------------------------------------------------------------------------
# first.py: a first vote is held once


def test_a_first_vote_opens_on_an_item_with_no_rounds_and_keeps_the_items_definition() -> None:
    assert next_round("motion", [], "first") == NextRound({})


def test_a_first_vote_is_refused_once_a_valid_result_stands_even_a_failed_one() -> None:
    assert next_round("motion", [held(FAILED_MOTION)], "first") == first.ALREADY_VOTED


def test_a_first_vote_is_refused_while_the_first_is_still_open() -> None:
    assert next_round("motion", [opened()], "first") == first.ALREADY_VOTED


def test_a_first_vote_follows_a_preliminary_on_the_list_the_chair_gives() -> None:
    formal_list = count_document(PRELIMINARY)["elected"]
    assert len(formal_list) == 6
    decided = next_round("election", [held(PRELIMINARY, "preliminary")], "first", candidates=formal_list)
    assert fields(decided) == {"round": "first", "candidates": formal_list}  # the election proper, not a 预选
    formal = {**PRELIMINARY, **fields(decided), "ballots": [marks(*formal_list[:5])] * 7}
    assert count_document(formal)["round"] == "first"


def test_a_first_vote_may_follow_a_vote_declared_void() -> None:
    assert next_round("motion", [voided()], "first") == NextRound({})


def test_a_first_vote_after_a_void_still_sees_the_valid_round_before_it() -> None:
    assert next_round("motion", [held(FAILED_MOTION), voided("revote")], "first") == first.ALREADY_VOTED


# --------------------------------------------------------------------------------------------
# preliminary.py: 预选 belongs to elections


def test_a_preliminary_carries_its_round_and_the_nominees() -> None:
    decided = next_round("election", [], "preliminary", candidates=NOMINEES)
    assert fields(decided) == {"round": "preliminary", "candidates": NOMINEES}
    assert list(fields(decided)) == ["round", "candidates"]  # the order the server stores them in


def test_a_preliminary_is_refused_once_the_election_has_been_voted_on() -> None:
    """组织法 第二十七条 / 选举法 第三十一条: a 预选 fixes the list *before* the election proper."""
    for rounds in ([held(SHORTFALL)], [held(PRELIMINARY, "preliminary")], [opened()],
                   [held(PRELIMINARY, "preliminary"), held(SHORTFALL)], [held(SHORTFALL), voided("tie_revote")]):
        assert next_round("election", rounds, "preliminary", NOMINEES) == preliminary.TOO_LATE
    assert fields(next_round("election", [voided()], "preliminary", NOMINEES))["round"] == "preliminary"


def test_a_preliminary_without_names_is_held_on_the_items_nominees() -> None:
    assert next_round("election", [], "preliminary") == NextRound({"round": "preliminary"})


@pytest.mark.parametrize("kind", ["project_vote", *OTHER_KINDS])
def test_a_preliminary_is_refused_for_anything_but_an_election(kind: str) -> None:
    refused = next_round(kind, [], "preliminary", candidates=["甲"])
    assert refused == preliminary.ELECTIONS_ONLY
    assert isinstance(refused, RoundRefused) and not refused.conflict and refused.field == "round"


# --------------------------------------------------------------------------------------------
# revote.py: a re-vote only cures a void


def test_a_revote_opens_after_a_vote_declared_void_on_the_items_definition() -> None:
    assert next_round("motion", [voided()], "revote") == NextRound({})


def test_a_revote_is_refused_after_a_valid_failure_which_is_final() -> None:
    assert next_round("motion", [held(FAILED_MOTION)], "revote") == revote.NEEDS_VOID


def test_a_revote_is_refused_once_the_revote_itself_stands() -> None:
    passed = motion(60, 50, yes=35, no=5)
    assert next_round("motion", [voided(), held(passed, "revote")], "revote") == revote.NEEDS_VOID


def test_a_revote_is_refused_on_an_item_never_voted() -> None:
    assert next_round("motion", [], "revote") == revote.NEEDS_VOID


def test_every_void_may_be_cured_again() -> None:
    assert next_round("election", [voided(), voided("revote")], "revote") == NextRound({})
    assert next_round("motion", [voided("revote")], "revote") == NextRound({})


def round_held_on(doc: Doc, round_kind: str, state: str, rule: NextRound | RoundRefused) -> PreviousRound:
    """A round the server opened on ``doc`` with the fields ``rule`` gave, in ``state``."""
    definition = {**{k: v for k, v in doc.items() if k != "ballots"}, **fields(rule)}
    return PreviousRound(round_kind, state, None if state == "open" else {"outcome": "failed"}, definition)


def test_a_revote_after_a_voided_tie_revote_is_the_tie_revote_again_not_the_whole_first_ballot() -> None:
    """选举法 第四十四条: the void round is held again — the re-vote among the tied, not the first ballot."""
    tie = next_round("election", [held(TIE)], "tie_revote")
    rounds = [held(TIE), round_held_on(TIE, "tie_revote", "voided", tie)]
    assert fields(next_round("election", rounds, "revote")) == {"candidates": ["乙", "丙"], "seats": 1,
                                                               "round": "tie_revote"}
    # Voided again: the re-vote of the re-vote is still the tie re-vote.
    again = [*rounds, round_held_on(TIE, "revote", "voided", next_round("election", rounds, "revote"))]
    assert fields(next_round("election", again, "revote")) == fields(tie)
    projects = next_round("project_vote", [held(PROJECT_TIE)], "tie_revote")
    voided_projects = [held(PROJECT_TIE), round_held_on(PROJECT_TIE, "tie_revote", "voided", projects)]
    assert fields(next_round("project_vote", voided_projects, "revote")) == fields(projects)


def test_a_revote_after_a_voided_runoff_or_preliminary_repeats_that_round() -> None:
    runoff_rule = next_round("election", [held(SHORTFALL)], "runoff")
    rounds = [held(SHORTFALL), round_held_on(SHORTFALL, "runoff", "voided", runoff_rule)]
    assert fields(next_round("election", rounds, "revote")) == fields(runoff_rule)
    chosen = next_round("election", [], "preliminary", NOMINEES)
    assert fields(next_round("election", [round_held_on(PRELIMINARY, "preliminary", "voided", chosen)], "revote")) \
        == {"round": "preliminary", "candidates": NOMINEES}
    # The election proper on the list a 预选 fixed, declared void: held again on that list.
    formal = next_round("election", [held(PRELIMINARY, "preliminary")], "first", NOMINEES[:6])
    rounds = [held(PRELIMINARY, "preliminary"), round_held_on(PRELIMINARY, "first", "voided", formal)]
    assert fields(next_round("election", rounds, "revote")) == {"round": "first", "candidates": NOMINEES[:6]}


# --------------------------------------------------------------------------------------------
# continuation.py: tie re-votes and 另行选举 continue an election or project vote


@pytest.mark.parametrize("round_kind", ["tie_revote", "runoff"])
@pytest.mark.parametrize("kind", OTHER_KINDS)
def test_only_elections_and_project_votes_have_tie_revotes_or_runoffs(kind: str, round_kind: str) -> None:
    assert next_round(kind, [held(FAILED_MOTION)], round_kind) == continuation.NOT_CONTINUED


@pytest.mark.parametrize("round_kind", ["tie_revote", "runoff"])
def test_a_follow_on_round_needs_a_counted_round_to_continue(round_kind: str) -> None:
    for rounds in ([], [voided()], [opened()], [voided(), opened("revote")]):
        assert next_round("election", rounds, round_kind) == continuation.NO_RESULT


def test_a_follow_on_round_continues_from_the_last_round_not_declared_void() -> None:
    after_void = next_round("election", [held(TIE), voided("tie_revote")], "tie_revote")
    assert after_void == next_round("election", [held(TIE)], "tie_revote")
    assert continuation.last_counted("election", [held(TIE), voided("tie_revote")]) == continuation.Counted(
        count_document(TIE), {k: v for k, v in TIE.items() if k != "ballots"}
    )


# --------------------------------------------------------------------------------------------
# tie_revote.py: the tied vote again for the places they tie for


def test_a_tie_for_the_last_seat_is_voted_again_among_the_tied_for_the_places_they_tie_for() -> None:
    decided = next_round("election", [held(TIE)], "tie_revote", candidates=["甲", "乙", "丙"], seats=2)
    assert fields(decided) == {"candidates": ["乙", "丙"], "seats": 1, "round": "tie_revote"}
    assert list(fields(decided)) == ["candidates", "seats", "round"]


def test_a_project_tie_at_the_cutoff_is_voted_again_among_the_tied_projects() -> None:
    decided = next_round("project_vote", [held(PROJECT_TIE)], "tie_revote")
    assert fields(decided) == {"projects": ["三", "四", "五"], "choose": 2, "require_differential": False}
    assert list(fields(decided)) == ["projects", "choose", "require_differential"]


def test_a_tie_revote_is_refused_when_the_last_round_had_no_tie() -> None:
    assert next_round("election", [held(SHORTFALL)], "tie_revote") == tie_revote.NO_TIE
    assert next_round("election", [PreviousRound("first", "closed", {}, {})], "tie_revote") == tie_revote.NO_TIE


def test_a_tie_revote_that_ties_again_is_voted_again() -> None:
    again = election(["乙", "丙"], 1, [marks("乙")] * 25 + [marks("丙")] * 25, members=60, present=50,
                     round="tie_revote")
    decided = next_round("election", [held(TIE), held(again, "tie_revote")], "tie_revote")
    assert fields(decided) == {"candidates": ["乙", "丙"], "seats": 1, "round": "tie_revote"}


def test_a_tie_revote_after_a_runoff_keeps_the_count_of_runoffs_held() -> None:
    """A tie in the 另行选举 voted again among the tied is still that 另行选举's round: a shortfall
    after it is the second 另行选举, not the first again (else max_runoff_rounds never binds)."""
    tied_runoff = {**TIE, "round": "runoff", "runoffs_held": 1, "max_runoff_rounds": 1}
    tie = next_round("election", [held(SHORTFALL), held(tied_runoff, "runoff")], "tie_revote")
    assert fields(tie) == {"candidates": ["乙", "丙"], "seats": 1, "round": "tie_revote", "runoffs_held": 1}
    nobody = {**tied_runoff, **fields(tie), "ballots": [marks("乙")] * 20 + [marks("丙")] * 20}
    assert count_document(nobody)["unfilled"] == 0 or count_document(nobody)["runoff"] is None
    shortfall = {**tied_runoff, **fields(tie), "repeated_tie": "defer",
                 "ballots": [marks("乙")] * 20 + [marks("丙")] * 20}
    rounds = [held(SHORTFALL), held(tied_runoff, "runoff"), held(shortfall, "tie_revote")]
    assert next_round("election", rounds, "runoff", candidates=["郑和", "王平"]) == runoff.RUNOFF_LIMIT


# --------------------------------------------------------------------------------------------
# runoff.py: 另行选举 for the unfilled seats


def test_a_shortfall_goes_to_a_runoff_on_the_proposed_slate_for_the_unfilled_seats() -> None:
    decided = next_round("election", [held(SHORTFALL)], "runoff")
    assert fields(decided) == {"candidates": ["周正", "吴刚"], "seats": 1, "round": "runoff", "runoffs_held": 1}
    assert list(fields(decided)) == ["candidates", "seats", "round", "runoffs_held"]


def test_a_runoff_takes_the_chairs_new_nominations_and_seats() -> None:
    nobody = election(["甲", "乙", "丙"], 2, [marks("甲", "乙")] * 25 + [marks("丙")] * 25, members=60, present=50)
    assert count_document(nobody)["unfilled"] == 2  # 25 of 60 each
    decided = next_round("election", [held(nobody)], "runoff", candidates=["郑和", "王平"], seats=1)
    assert fields(decided) == {"candidates": ["郑和", "王平"], "seats": 1, "round": "runoff", "runoffs_held": 1}


def test_each_runoff_counts_one_more_runoff_held() -> None:
    second = election(["周正", "吴刚"], 1, [marks("周正")] * 30 + [marks("吴刚")] * 20, members=60, present=50,
                      office="head", round="runoff", runoffs_held=1)
    assert count_document(second)["unfilled"] == 1  # 30 of 60 is not more than half
    assert fields(next_round("election", [held(SHORTFALL), held(second, "runoff")], "runoff"))["runoffs_held"] == 2


def test_a_runoff_is_refused_when_every_seat_is_filled() -> None:
    assert next_round("election", [held(TIE)], "runoff") == runoff.NOTHING_UNFILLED
    assert next_round("election", [PreviousRound("first", "closed", {}, {})], "runoff") == runoff.NOTHING_UNFILLED


def test_a_runoff_is_refused_without_names_once_the_election_rules_allow_no_more_rounds() -> None:
    limited = {**SHORTFALL, "max_runoff_rounds": 0}
    assert count_document(limited)["runoff"] is None
    assert next_round("election", [held(limited)], "runoff") == runoff.RUNOFF_LIMIT


def test_a_runoff_with_new_nominations_opens_within_the_election_rules_limit() -> None:
    limited = {**SHORTFALL, "max_runoff_rounds": 1}
    decided = next_round("election", [held(limited)], "runoff", candidates=["郑和", "王平"])
    assert fields(decided) == {"candidates": ["郑和", "王平"], "seats": 1, "round": "runoff", "runoffs_held": 1}


def test_the_chair_naming_the_candidates_does_not_bypass_max_runoff_rounds() -> None:
    """The 选举办法's limit binds whoever names the slate (组织法 第二十九条 leaves the number of rounds to it)."""
    assert next_round("election", [held({**SHORTFALL, "max_runoff_rounds": 0})], "runoff",
                      candidates=["郑和", "王平"]) == runoff.RUNOFF_LIMIT
    second = election(["周正", "吴刚"], 1, [marks("周正")] * 30 + [marks("吴刚")] * 20, members=60, present=50,
                      office="head", round="runoff", runoffs_held=1, max_runoff_rounds=1)
    assert count_document(second)["unfilled"] == 1
    assert next_round("election", [held(SHORTFALL), held(second, "runoff")], "runoff",
                      candidates=["郑和", "王平"], seats=1) == runoff.RUNOFF_LIMIT


def test_a_project_vote_has_no_runoff() -> None:
    result = {**count_document(PROJECT_TIE), "unfilled": 1}
    assert next_round("project_vote", [PreviousRound("first", "closed", result, {})], "runoff") == runoff.ELECTIONS_ONLY


# --------------------------------------------------------------------------------------------
# The dispatcher and the server's contract


def test_an_unknown_round_kind_is_refused_as_a_bad_request() -> None:
    assert next_round("election", [], "second") == UNKNOWN_KIND
    assert "second" not in ROUND_KINDS and set(ROUND_KINDS) == {"first", "revote", "tie_revote", "runoff",
                                                                 "preliminary"}


@pytest.mark.parametrize(
    ("refused", "code", "message", "status"),
    [
        (UNKNOWN_KIND, "invalid_round", "轮次类型错误", 400),
        (first.ALREADY_VOTED, "already_voted", "该议题已经表决过；如需重新表决，须先宣布前次表决无效", 409),
        (preliminary.ELECTIONS_ONLY, "invalid_round", "只有选举可以进行预选", 400),
        (revote.NEEDS_VOID, "revote_needs_void",
         "只有前次表决被宣布无效后才能重新表决（有效的未通过结果为最终结果）", 409),
        (continuation.NOT_CONTINUED, "invalid_round", "只有选举和民生实事项目票决有再次投票或另行选举", 400),
        (continuation.NO_RESULT, "no_previous_result", "没有可以接续的上一轮结果", 409),
        (tie_revote.NO_TIE, "no_tie", "上一轮没有得票相等的情况", 409),
        (runoff.ELECTIONS_ONLY, "invalid_round", "民生实事项目票决没有另行选举", 400),
        (runoff.NOTHING_UNFILLED, "nothing_unfilled", "上一轮已选足名额，无需另行选举", 409),
        (runoff.NO_SLATE, "runoff_limit", "已达到选举办法规定的另行选举轮次，或须另行提名候选人", 409),
        (runoff.RUNOFF_LIMIT, "runoff_limit",
         "已达到选举办法规定的另行选举轮次（max_runoff_rounds），不能再另行选举", 409),
        (preliminary.TOO_LATE, "preliminary_too_late",
         "预选只能在正式选举投票之前进行（本项选举已经预选或投票）", 409),
    ],
)
def test_every_refusal_keeps_the_code_message_and_status_the_server_answers_with(
    refused: RoundRefused, code: str, message: str, status: int
) -> None:
    assert (refused.code, refused.message) == (code, message)
    assert (409 if refused.conflict else 400) == status
    assert refused.field == (None if refused.conflict else "round")  # a 400 names the request's field


# --------------------------------------------------------------------------------------------
# Stored values of the wrong shape are bugs elsewhere, not refusals


@pytest.mark.parametrize(
    ("result", "definition", "round_kind", "where"),
    [
        ({"tied": "乙丙", "tied_places": 1}, {}, "tie_revote", "tied"),
        ({"tied": ["乙", 3], "tied_places": 1}, {}, "tie_revote", "tied"),
        ({"tied": ["乙", "丙"]}, {}, "tie_revote", "tied_places"),
        ({"tied": ["乙", "丙"], "tied_places": True}, {}, "tie_revote", "tied_places"),
        ({"unfilled": "1", "runoff": {"candidates": ["甲"]}}, {}, "runoff", "unfilled"),
        ({"unfilled": 1, "runoff": ["甲", "乙"]}, {}, "runoff", "runoff"),
        ({"unfilled": 1, "runoff": {}}, {}, "runoff", "runoff.candidates"),
        ({"unfilled": 1, "runoff": {"candidates": ["甲", "乙"]}}, {"runoffs_held": 1.0}, "runoff", "runoffs_held"),
    ],
)
def test_a_stored_result_of_the_wrong_shape_is_malformed_input(
    result: Doc, definition: Doc, round_kind: str, where: str
) -> None:
    with pytest.raises(MalformedInput) as caught:
        next_round("election", [PreviousRound("first", "closed", result, definition)], round_kind)
    assert caught.value.field == where


# --------------------------------------------------------------------------------------------
# another_round.py: whether a result leaves the item pending


@pytest.mark.parametrize(
    ("result", "pending"),
    [
        (count_document(TIE), True),  # 乙, 丙 tied: re-vote among the tied
        (count_document(PROJECT_TIE), True),
        (count_document(SHORTFALL), True),  # 另行选举 on the proposed slate
        (count_document({**SHORTFALL, "max_runoff_rounds": 0}), False),  # no more rounds allowed
        (count_document({**SHORTFALL, "ballots_issued": 49}), True),  # 50 returned, 49 issued: void
        (count_document(FAILED_MOTION), False),  # a valid 未通过 is final
        (count_document(motion(60, 50, yes=35, no=10, abstain=5)), False),
        ({"outcome": "invalid"}, True),  # a motion with more ballots than members present
        ({"unfilled": 0, "runoff": {"candidates": []}}, False),
        (count_document(PRELIMINARY), True),  # a 预选 fixed the list: the election proper follows
    ],
)
def test_an_item_stays_pending_exactly_while_a_result_leaves_something_to_vote_again(
    result: Mapping[str, object], pending: bool
) -> None:
    assert needs_another_round(result) is pending


def test_a_void_election_round_is_cured_by_a_revote_once_declared_void() -> None:
    void = {**SHORTFALL, "ballots_issued": 49}
    assert count_document(void)["round_valid"] is False
    rounds = [held(void)]
    assert next_round("election", rounds, "runoff") == runoff.NO_SLATE
    assert next_round("election", rounds, "revote") == revote.NEEDS_VOID
    assert next_round("election", [PreviousRound("first", "voided", count_document(void), {})], "revote") \
        == NextRound({})


# --------------------------------------------------------------------------------------------
# Properties

_names = st.lists(st.sampled_from(["甲", "乙", "丙", "丁", "戊"]), unique=True, max_size=4)


@st.composite
def _results(draw: st.DrawFn) -> Doc | None:
    if draw(st.integers(0, 4)) == 0:
        return None
    tied = draw(_names)
    result: Doc = {"tied": tied, "tied_places": draw(st.integers(1, len(tied))) if tied else 0,
                   "unfilled": draw(st.integers(0, 3)), "round_valid": draw(st.booleans()),
                   "runoff": draw(st.one_of(st.none(), st.fixed_dictionaries({"candidates": _names})))}
    return result


_rounds = st.builds(
    PreviousRound,
    st.sampled_from(["first", "revote", "tie_revote", "runoff", "preliminary", "manual"]),
    st.sampled_from(["open", "closed", "voided"]),
    _results(),
    st.fixed_dictionaries({}, optional={"runoffs_held": st.integers(0, 3)}),
)
_requests = st.tuples(
    st.sampled_from(["election", "project_vote", *OTHER_KINDS]),
    st.sampled_from([*ROUND_KINDS, "second"]),
    st.one_of(st.none(), _names),
    st.one_of(st.none(), st.integers(1, 4)),
)


@SETTINGS
@given(st.lists(_rounds, max_size=5), st.lists(st.tuples(st.integers(0, 5), _rounds), max_size=3), _requests)
def test_voided_rounds_are_set_aside_by_every_rule_but_the_revote(
    rounds: list[PreviousRound], inserted: list[tuple[int, PreviousRound]], request: tuple[Any, ...]
) -> None:
    kind, round_kind, candidates, seats = request
    with_voids = list(rounds)
    for at, extra in inserted:
        with_voids.insert(at, PreviousRound(extra.round_kind, "voided", extra.result, extra.definition))
    if round_kind != "revote":
        assert next_round(kind, with_voids, round_kind, candidates, seats) == next_round(
            kind, rounds, round_kind, candidates, seats)


@SETTINGS
@given(st.lists(_rounds, max_size=5), _requests)
def test_a_revote_opens_exactly_when_the_last_round_held_was_voided(
    rounds: list[PreviousRound], request: tuple[Any, ...]
) -> None:
    kind, _, candidates, seats = request
    decided = next_round(kind, rounds, "revote", candidates, seats)
    assert isinstance(decided, NextRound) is (bool(rounds) and rounds[-1].voided)


@SETTINGS
@given(st.lists(_rounds, max_size=5), _requests)
def test_the_rules_answer_every_request_with_a_value_and_copy_what_they_are_given(
    rounds: list[PreviousRound], request: tuple[Any, ...]
) -> None:
    kind, round_kind, candidates, seats = request
    decided = next_round(kind, rounds, round_kind, candidates, seats)
    assert isinstance(decided, NextRound | RoundRefused)
    if isinstance(decided, NextRound):
        for value in decided.fields.values():
            assert value is not candidates  # a new list: the new round's definition owns it
        if round_kind == "runoff":
            last = [r for r in rounds if not r.voided][-1]
            held_before = last.definition.get("runoffs_held", 0)
            assert isinstance(held_before, int) and decided.fields["runoffs_held"] == held_before + 1
            assert decided.fields["seats"] == (seats or (last.result or {})["unfilled"])


def _follow_ons(kind: str, doc: Doc) -> tuple[Doc, NextRound | RoundRefused, NextRound | RoundRefused]:
    previous = held(doc, doc.get("round", "first"))
    assert previous.result is not None
    return (dict(previous.result), next_round(kind, [previous], "tie_revote"), next_round(kind, [previous], "runoff"))


@SETTINGS
@given(st.one_of(election_documents(), election_documents(crowded=True), project_documents()))
def test_an_item_is_left_pending_exactly_when_a_follow_on_round_can_open(doc: Doc) -> None:
    """What close_vote decides (pending or done) agrees with what open_vote then allows: a pending
    item can go on (a tie re-vote, 另行选举 on the proposed slate, or a re-vote once its void round
    is declared void); a done one offers no tie re-vote and no 另行选举 without new nominations."""
    result, tie, shortfall = _follow_ons(doc["kind"], doc)
    follow_on = isinstance(tie, NextRound) or isinstance(shortfall, NextRound)
    if result.get("round") == "preliminary":  # the election proper follows a 预选, whatever its result
        assert needs_another_round(result)
        assert isinstance(next_round(doc["kind"], [held(doc, "preliminary")], "first"), NextRound)
        return
    assert needs_another_round(result) is (follow_on or result["round_valid"] is False)
    assert not (follow_on and result["round_valid"] is False)


@SETTINGS
@given(st.one_of(election_documents(crowded=True), project_documents()))
def test_a_tie_revote_is_held_on_a_document_tally_accepts(doc: Doc) -> None:
    """The tied and their places make a lawful round: the same settings, the tied as the list."""
    _, tie, _ = _follow_ons(doc["kind"], doc)
    if isinstance(tie, NextRound):
        revote_doc = {**doc, **tie.fields, "ballots": []}
        assert count_document(revote_doc)["round_valid"] is True
