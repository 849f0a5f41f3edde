"""Properties every count must have, over random valid documents of every kind.

- the ballots reconcile: issued = returned + not_returned (or returned - issued = excess);
  returned = valid + void; each question's counts add up to the valid ballots (elections,
  projects) or to those present (motions: yes + no + abstain + 未按 = present);
- the order of the ballots never matters (the whole result is compared);
- motions are monotone: one more abstention never makes a failing motion pass, one more yes never
  makes a passing motion fail;
- a blank election ballot changes who is elected in no way (the base is all deputies);
- the result is JSON-serialisable, deterministic, leaves the input untouched, and always carries a
  non-empty announcement and rule.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tally import TallyError, count_document
from tests.tally import reference
from tests.tally.test_matches_reference import (
    any_document,
    appointment_documents,
    election_documents,
    list_approval_documents,
    motion_documents,
    project_documents,
    satisfaction_documents,
)

Doc = dict[str, Any]
SETTINGS = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Kinds whose result is one yes/no/abstain question (a motion, a list or 任免 voted as a whole).
single_question = st.one_of(
    motion_documents(),
    list_approval_documents().filter(lambda d: d["mode"] == "whole"),
    appointment_documents().filter(lambda d: d["mode"] == "combined"),
)


def _assert_ballots_reconcile(result: Doc) -> None:
    b = result["ballots"]
    if b["returned"] <= b["issued"]:
        assert b["issued"] == b["returned"] + b["not_returned"]
        assert b["excess"] == 0
    else:
        assert b["not_returned"] == 0
        assert b["excess"] == b["returned"] - b["issued"]
    assert b["returned"] == b["valid"] + b["void"]
    assert b["void"] == result["void_ballots"] >= 0
    assert b["valid"] >= 0


@SETTINGS
@given(any_document)
def test_ballots_always_reconcile(doc: Doc) -> None:
    result = count_document(doc)
    _assert_ballots_reconcile(result)
    assert result["ballots"]["returned"] == len(doc["ballots"])


def _question_counts(result: Doc) -> list[dict[str, int]]:
    """The yes/no/abstain/未按 counts of every question in a motion-like result."""
    if "items" in result and "not_voted" not in result["counts"]:
        return [item["counts"] for item in result["items"]]
    return [result["counts"]]


@SETTINGS
@given(st.one_of(motion_documents(), list_approval_documents(), appointment_documents()))
def test_motion_counts_add_up_to_those_present(doc: Doc) -> None:
    result = count_document(doc)
    present = doc["present"]
    questions = _question_counts(result)
    asked: list[object] = doc["persons"] if "persons" in doc else doc.get("items", [])
    assert len(questions) == (len(asked) if doc.get("mode") in ("per_person", "individual") else 1)
    for counts in questions:
        assert min(counts.values()) >= 0
        marked = counts["yes"] + counts["no"] + counts["abstain"]
        if len(doc["ballots"]) <= present:
            assert marked + counts["not_voted"] == present
        else:  # more ballots than members present: the vote is void and must be held again
            assert result["outcome"] == "invalid"
            assert counts["not_voted"] == max(0, present - marked)


@SETTINGS
@given(st.one_of(election_documents(), election_documents(crowded=True), project_documents()))
def test_each_candidate_or_project_is_counted_on_every_valid_ballot(doc: Doc) -> None:
    result = count_document(doc)
    valid = result["ballots"]["valid"]
    assert set(result["counts"]) == set(doc.get("candidates", [])) | {
        p if isinstance(p, str) else p["name"] for p in doc.get("projects", [])
    }
    for counts in result["counts"].values():
        assert counts["yes"] + counts["no"] + counts["abstain"] == valid


@SETTINGS
@given(satisfaction_documents())
def test_each_satisfaction_form_is_valid_or_invalid_for_each_target(doc: Doc) -> None:
    result = count_document(doc)
    for target in result["counts"].values():
        assert target["valid"] == target["satisfied"] + target["basically_satisfied"] + target["unsatisfied"]
        assert target["valid"] + target["invalid"] == len(doc["ballots"])


@SETTINGS
@given(st.one_of(election_documents(), election_documents(crowded=True)))
def test_places_are_elected_tied_or_unfilled_and_winners_qualify(doc: Doc) -> None:
    result = count_document(doc)
    places = result["places"]
    assert len(result["elected"]) + result["tied_places"] + result["unfilled"] == places
    assert len(result["elected"]) <= places
    assert not set(result["elected"]) & set(result["tied"])
    assert bool(result["tied"]) == (result["tied_places"] > 0)
    assert len(result["tied"]) > result["tied_places"] or not result["tied"]
    if not result["round_valid"]:
        assert result["elected"] == [] and result["unfilled"] == places
        return
    votes = {name: c["yes"] for name, c in result["counts"].items()} | result["write_ins"]
    assert set(result["elected"]) <= set(votes)
    if doc["round"] in ("first", "runoff"):
        members = doc["members_of_record"]
        assert all(2 * votes[name] > members for name in result["elected"] + result["tied"])
    # nobody left out has more votes than anyone elected
    out = set(votes) - set(result["elected"]) - set(result["tied"])
    if result["elected"] and out and doc["round"] in ("tie_revote", "preliminary"):
        assert max(votes[n] for n in out) < min(votes[n] for n in result["elected"])


@SETTINGS
@given(st.one_of(election_documents(), election_documents(crowded=True)))
def test_runoff_slate_proposes_the_best_unelected_listed_candidates(doc: Doc) -> None:
    """另行选举 (组织法 第二十九条, 选举法 第四十五条): the unfilled seats, the smallest lawful 差额,
    unelected listed candidates by first-round votes; none once the 选举办法's round limit is used up."""
    result = count_document(doc)
    slate = result["runoff"]
    limit = doc.get("max_runoff_rounds")
    due = (result["round_valid"] and result["unfilled"] > 0 and doc["round"] != "preliminary"
           and (limit is None or doc.get("runoffs_held", 0) < limit))
    assert (slate is not None) == due
    if slate is None:
        return
    unfilled = result["unfilled"]
    wanted = unfilled + reference.lawful_extra(doc["office"], unfilled, doc.get("member_rounding", "at_least_one"))[0]
    assert slate["seats"] == unfilled and slate["wanted"] == wanted
    left = [n for n in doc["candidates"] if n not in result["elected"] and n not in result["tied"]]
    best = sorted(left, key=lambda n: (-result["counts"][n]["yes"], doc["candidates"].index(n)))[:wanted]
    assert slate["candidates"] == best
    assert slate["short"] == wanted - len(best)
    assert slate["renomination_allowed"] == (doc["office"] != "next_level_deputy")
    assert slate["runoff_number"] == doc.get("runoffs_held", 0) + 1


@SETTINGS
@given(any_document, st.randoms(use_true_random=False))
def test_the_order_of_the_ballots_never_changes_the_result(doc: Doc, rnd: Any) -> None:
    shuffled = list(doc["ballots"])
    rnd.shuffle(shuffled)
    assert count_document({**doc, "ballots": shuffled}) == count_document(doc)


def _with_one_more(doc: Doc, choice: str) -> Doc:
    return {**doc, "ballots": [*doc["ballots"], {"choice": choice}]}


@SETTINGS
@given(single_question)
def test_one_more_abstention_never_makes_a_failing_motion_pass(doc: Doc) -> None:
    before = count_document(doc)["outcome"]
    after = count_document(_with_one_more(doc, "abstain"))["outcome"]
    if before == "failed":
        assert after != "passed"
        if len(doc["ballots"]) < doc["present"]:
            assert after == "failed"


@SETTINGS
@given(single_question)
def test_one_more_yes_never_makes_a_passing_motion_fail(doc: Doc) -> None:
    before = count_document(doc)["outcome"]
    after = count_document(_with_one_more(doc, "yes"))["outcome"]
    if before == "passed":
        assert after != "failed"
        if len(doc["ballots"]) < doc["present"]:
            assert after == "passed"


@SETTINGS
@given(single_question)
def test_turning_a_no_into_a_yes_never_makes_a_passing_motion_fail(doc: Doc) -> None:
    """The same monotonicity without adding a ballot (so it cannot run into returned > present)."""
    if {"choice": "no"} not in doc["ballots"]:
        return
    i = doc["ballots"].index({"choice": "no"})
    changed = {**doc, "ballots": [*doc["ballots"][:i], {"choice": "yes"}, *doc["ballots"][i + 1:]]}
    before, after = count_document(doc)["outcome"], count_document(changed)["outcome"]
    assert (before, after) != ("passed", "failed")
    if before == "failed":
        assert count_document(changed)["counts"]["yes"] == count_document(doc)["counts"]["yes"] + 1


@SETTINGS
@given(st.one_of(election_documents(rounds=("first", "runoff")), election_documents(crowded=True)))
def test_a_blank_ballot_changes_nobody_elected(doc: Doc) -> None:
    """Qualification is 2*yes > all deputies: a blank ballot (all 弃权) adds no yes and moves no base."""
    if len(doc["ballots"]) >= doc["ballots_issued"]:
        return
    before = count_document(doc)
    after = count_document({**doc, "ballots": [*doc["ballots"], {"marks": {}}]})
    for key in ("round_valid", "elected", "tied", "tied_places", "unfilled", "runoff", "write_ins"):
        assert after[key] == before[key], key
    assert after["ballots"]["valid"] == before["ballots"]["valid"] + 1


@SETTINGS
@given(any_document)
def test_result_is_json_deterministic_and_leaves_the_input_alone(doc: Doc) -> None:
    original = copy.deepcopy(doc)
    result = count_document(doc)
    assert doc == original
    text = json.dumps(result, ensure_ascii=False, sort_keys=True)
    assert json.loads(text) == result
    assert count_document(copy.deepcopy(doc)) == result
    # and the input survives a JSON round trip unchanged in meaning
    assert count_document(json.loads(json.dumps(doc))) == result


@SETTINGS
@given(any_document)
def test_every_result_has_an_announcement_and_a_rule(doc: Doc) -> None:
    result = count_document(doc)
    assert isinstance(result["announcement"], str) and result["announcement"].strip()
    assert isinstance(result["rule"], str) and result["rule"].strip()
    assert result["kind"] == doc["kind"]
    members, present = doc["members_of_record"], doc["present"]
    assert f"应到{members}人，实到{present}人" in result["announcement"]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(any_document)
def test_identical_ballots_given_as_one_shared_object_count_as_copies_do(doc: Doc) -> None:
    """A verifier parses each distinct ballot line once and hands the tally the same object for
    every copy (audit.workers.recount); the tally parses such an object once. The result is the
    one the copies give, and the input is left as it was."""
    ballots = doc.get("ballots", [])
    shared: dict[str, Any] = {}
    same = [shared.setdefault(json.dumps(b, sort_keys=True), b) for b in ballots]
    before = json.dumps(same, sort_keys=True)
    try:
        copies = count_document(dict(doc, ballots=[copy.deepcopy(b) for b in ballots]))
    except TallyError as exc:
        with pytest.raises(TallyError) as raised:
            count_document(dict(doc, ballots=same))
        assert str(raised.value) == str(exc)
        return
    assert count_document(dict(doc, ballots=same)) == copies
    assert json.dumps(same, sort_keys=True) == before
