"""A vote counted from its totals (``counts``) decides exactly as from its ballots, and totals
that no set of ballots could have produced are refused with the field named."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings

from tally import count_document
from tally.errors import MalformedInput
from tests.tally.test_matches_reference import any_document

Doc = dict[str, Any]
SCHEMA = json.loads((Path(__file__).resolve().parents[2] / "tally" / "schema" / "tally-input.schema.json")
                    .read_text(encoding="utf-8"))
# One validator for every example: ``jsonschema.validate`` checks the schema itself against the
# metaschema at each call (~99 % of this test's time); tests/tally/test_schema.py checks it once.
VALIDATOR = jsonschema.validators.validator_for(SCHEMA)(SCHEMA)


def totals_of(doc: Doc, result: Doc) -> Doc:
    """The ``counts`` member a scrutineer would report for these ballots (read off the result)."""
    returned, void = result["ballots"]["returned"], result["ballots"]["void"]
    kind, counts = doc["kind"], result["counts"]
    if kind in ("motion", "list_approval", "appointment") and "items" not in result:
        return {k: counts[k] for k in ("yes", "no", "abstain")}
    if kind in ("list_approval", "appointment"):
        persons = {name: {k: c[k] for k in ("yes", "no", "abstain")} for name, c in counts.items()}
        return {"returned": returned, "persons": persons}
    if kind == "election":
        return {
            "returned": returned, "void": void,
            "candidates": {name: {"yes": c["yes"], "no": c["no"]} for name, c in counts.items()},
            "write_ins": result["write_ins"], "ineligible_write_ins": result["ineligible_write_ins"],
        }
    if kind == "project_vote":
        if doc.get("mode") == "ranking":
            return {"returned": returned, "void": void, "projects": counts}
        return {"returned": returned, "void": void,
                "projects": {name: {"yes": c["yes"], "no": c["no"]} for name, c in counts.items()}}
    grades = ("satisfied", "basically_satisfied", "unsatisfied")
    return {"returned": returned, "targets": {name: {g: c[g] for g in grades} for name, c in counts.items()}}


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(any_document)
def test_counting_from_totals_gives_the_same_result_as_counting_the_ballots(doc: Doc) -> None:
    from_ballots = count_document(doc)
    with_totals = {**{k: v for k, v in doc.items() if k != "ballots"}, "counts": totals_of(doc, from_ballots)}
    VALIDATOR.validate(with_totals)
    assert count_document(with_totals) == from_ballots


def write_in_ballots_of(doc: Doc) -> list[list[str]]:
    """What an encrypted election's write-in rounds recover: the names of each ballot with write-ins
    (a void ballot cannot be encrypted, so the void ones are left out with their names)."""
    places = doc["list_size"] if doc.get("round") == "preliminary" and "list_size" in doc else doc["seats"]
    written = []
    for ballot in doc["ballots"]:
        names = ballot.get("write_ins", [])
        if names and list(ballot.get("marks", {}).values()).count("yes") + len(names) <= places:
            written.append(list(names))
    return written


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(any_document)
def test_an_election_from_totals_and_each_ballot_s_write_ins_gives_the_ballots_result(doc: Doc) -> None:
    if doc["kind"] != "election" or "ballots" not in doc:
        return
    from_ballots = count_document(doc)
    counts = {k: v for k, v in totals_of(doc, from_ballots).items() if k not in ("write_ins", "ineligible_write_ins")}
    with_names = {**{k: v for k, v in doc.items() if k != "ballots"},
                  "counts": {**counts, "write_in_ballots": write_in_ballots_of(doc)}}
    VALIDATOR.validate(with_names)
    assert count_document(with_names) == from_ballots


def test_write_in_ballots_are_counted_by_the_plaintext_rules() -> None:
    base = {**ELECTION, "seats": 2, "candidates": ["甲", "乙", "丙"], "write_in_eligible": ["赵六", "钱七"]}
    counts = {"returned": 8, "candidates": {"甲": {"yes": 5, "no": 1}, "乙": {"yes": 1, "no": 5},
                                            "丙": {"yes": 0, "no": 0}},
              "write_in_ballots": [["赵六", " 钱七 "], ["赵六"], ["孙八"]]}
    result = count_document({**base, "counts": counts})
    assert result["write_ins"] == {"赵六": 2, "钱七": 1} and result["ineligible_write_ins"] == 1


MOTION: Doc = {"kind": "motion", "members_of_record": 10, "present": 8}
ELECTION: Doc = {"kind": "election", "office": "deputy_head", "seats": 1, "candidates": ["甲", "乙"],
                 "members_of_record": 10, "present": 8, "ballots_issued": 8}
PER_PERSON: Doc = {"kind": "list_approval", "mode": "per_person", "persons": ["甲", "乙"],
                   "members_of_record": 10, "present": 8}
PROJECTS: Doc = {"kind": "project_vote", "choose": 1, "projects": ["路", "桥"], "members_of_record": 10, "present": 8}
SATISFACTION: Doc = {"kind": "satisfaction", "targets": ["法院"], "members_of_record": 10, "present": 8}


def test_an_encrypted_motion_decided_from_its_decrypted_totals() -> None:
    result = count_document({**MOTION, "counts": {"yes": 6, "no": 1, "abstain": 1}})
    assert (result["outcome"], result["counts"]["not_voted"], result["ballots"]["returned"]) == ("passed", 0, 8)


def test_an_election_from_totals_elects_who_has_a_majority_of_all_deputies() -> None:
    result = count_document({**ELECTION, "counts": {
        "returned": 8, "candidates": {"甲": {"yes": 6, "no": 1}, "乙": {"yes": 2, "no": 5}}}})
    assert result["elected"] == ["甲"]
    assert result["counts"]["乙"] == {"yes": 2, "no": 5, "abstain": 1}


@pytest.mark.parametrize(("doc", "field"), [
    ({**MOTION, "counts": {"yes": 1}, "ballots": []}, "counts"),
    ({**MOTION, "counts": [1, 2, 3]}, "counts"),
    ({**MOTION, "counts": {"yes": 1, "no": 0, "abstain": 0, "maybe": 1}}, "counts.maybe"),
    ({**MOTION, "counts": {"yes": -1, "no": 0, "abstain": 0}}, "counts.yes"),
    ({**MOTION, "counts": {"yes": True, "no": 0, "abstain": 0}}, "counts.yes"),
    ({**MOTION, "counts": {"no": 0, "abstain": 0}}, "counts.yes"),
    ({**PER_PERSON, "counts": {"returned": 3, "persons": {"甲": {"yes": 3, "no": 1, "abstain": 0},
                                                          "乙": {"yes": 0, "no": 0, "abstain": 0}}}},
     "counts.persons.甲"),
    ({**PER_PERSON, "counts": {"returned": 3, "persons": {"甲": {"yes": 1, "no": 0, "abstain": 0}}}},
     "counts.persons.乙"),
    ({**PER_PERSON, "counts": {"returned": 3, "persons": {"甲": {"yes": 1, "no": 0, "abstain": 0},
                                                          "乙": {"yes": 0, "no": 0, "abstain": 0},
                                                          "丙": {"yes": 0, "no": 0, "abstain": 0}}}},
     "counts.persons.丙"),
    ({**PER_PERSON, "counts": {"returned": 3, "persons": {"甲": 1, "乙": 2}}}, "counts.persons.甲"),
    ({**ELECTION, "counts": {"returned": 8, "void": 9, "candidates": {}}}, "counts.void"),
    ({**ELECTION, "counts": {"returned": 8, "candidates": {"甲": {"yes": 5, "no": 0},
                                                           "乙": {"yes": 4, "no": 0}}}}, "counts"),
    ({**ELECTION, "counts": {"returned": 8, "candidates": {"甲": {"yes": 5, "no": 4},
                                                           "乙": {"yes": 0, "no": 0}}}}, "counts.candidates.甲"),
    ({**ELECTION, "counts": {"returned": 8, "candidates": {"甲": {"yes": 5, "no": 0, "abstain": 3},
                                                           "乙": {"yes": 0, "no": 0}}}},
     "counts.candidates.甲.abstain"),
    ({**ELECTION, "counts": {"returned": 8, "candidates": {"甲": {"yes": 1, "no": 0}, "乙": {"yes": 1, "no": 0}},
                             "write_ins": {"甲": 1}}}, "counts.write_ins.甲"),
    ({**ELECTION, "counts": {"returned": 8, "candidates": {"甲": {"yes": 1, "no": 0}, "乙": {"yes": 1, "no": 0}},
                             "write_ins": {"丙": 9}}}, "counts.write_ins.丙"),
    ({**ELECTION, "write_in_eligible": ["丁"], "counts": {
        "returned": 8, "candidates": {"甲": {"yes": 1, "no": 0}, "乙": {"yes": 1, "no": 0}},
        "write_ins": {"丙": 1}}}, "counts.write_ins.丙"),
    ({**ELECTION, "round": "tie_revote", "counts": {
        "returned": 8, "candidates": {"甲": {"yes": 1, "no": 0}, "乙": {"yes": 1, "no": 0}},
        "write_ins": {"丙": 1}}}, "counts.write_ins"),
    ({**ELECTION, "counts": {"returned": 8, "candidates": {"甲": {"yes": 1, "no": 0}, "乙": {"yes": 1, "no": 0}},
                             "spoiled": 1}}, "counts.spoiled"),
    ({**ELECTION, "counts": {"returned": 8, "candidates": {"甲": {"yes": 1, "no": 0}, "乙": {"yes": 1, "no": 0}},
                             "write_in_ballots": [["丙"]], "write_ins": {"丙": 1}}}, "counts.write_in_ballots"),
    ({**ELECTION, "counts": {"returned": 8, "candidates": {"甲": {"yes": 1, "no": 0}, "乙": {"yes": 1, "no": 0}},
                             "write_in_ballots": {"丙": 1}}}, "counts.write_in_ballots"),
    ({**ELECTION, "round": "tie_revote", "counts": {
        "returned": 8, "candidates": {"甲": {"yes": 1, "no": 0}, "乙": {"yes": 1, "no": 0}},
        "write_in_ballots": [["丙"]]}}, "counts.write_in_ballots"),
    ({**ELECTION, "counts": {"returned": 1, "candidates": {"甲": {"yes": 0, "no": 0}, "乙": {"yes": 0, "no": 0}},
                             "write_in_ballots": [["丙"], ["丁"]]}}, "counts.write_in_ballots"),
    ({**ELECTION, "counts": {"returned": 8, "candidates": {"甲": {"yes": 0, "no": 0}, "乙": {"yes": 0, "no": 0}},
                             "write_in_ballots": [["丙", "丁"]]}}, "counts.write_in_ballots[0]"),
    ({**ELECTION, "counts": {"returned": 8, "candidates": {"甲": {"yes": 0, "no": 0}, "乙": {"yes": 0, "no": 0}},
                             "write_in_ballots": [[]]}}, "counts.write_in_ballots[0]"),
    ({**ELECTION, "counts": {"returned": 8, "candidates": {"甲": {"yes": 0, "no": 0}, "乙": {"yes": 0, "no": 0}},
                             "write_in_ballots": [["丙"], ["甲"]]}}, "counts.write_in_ballots[1][0]"),
    ({**ELECTION, "counts": {"returned": 8, "candidates": {"甲": {"yes": 0, "no": 0}, "乙": {"yes": 0, "no": 0}},
                             "write_in_ballots": [[" "]]}}, "counts.write_in_ballots[0][0]"),
    ({**ELECTION, "seats": 2, "candidates": ["甲", "乙", "戊"], "counts": {
        "returned": 8, "candidates": {"甲": {"yes": 0, "no": 0}, "乙": {"yes": 0, "no": 0}, "戊": {"yes": 0, "no": 0}},
        "write_in_ballots": [["丙", " 丙"]]}}, "counts.write_in_ballots[0]"),
    ({**ELECTION, "counts": {"returned": 1, "candidates": {"甲": {"yes": 1, "no": 0}, "乙": {"yes": 0, "no": 0}},
                             "write_in_ballots": [["丙"]]}}, "counts"),
    ({**PROJECTS, "counts": {"returned": 8, "projects": {"路": {"yes": 5, "no": 0}, "桥": {"yes": 4, "no": 0}}}},
     "counts"),
    ({**PROJECTS, "mode": "ranking", "counts": {"returned": 8, "projects": {
        "路": {"points": 9, "support": 8}, "桥": {"points": 0, "support": 0}}}}, "counts.projects.路.points"),
    ({**PROJECTS, "mode": "ranking", "counts": {"returned": 8, "projects": {
        "路": {"points": 9, "support": 9}, "桥": {"points": 0, "support": 0}}}}, "counts.projects.路.support"),
    ({**PROJECTS, "mode": "ranking", "counts": {"returned": 8, "projects": {
        "路": {"points": 1, "support": 1, "yes": 1}, "桥": {"points": 0, "support": 0}}}},
     "counts.projects.路.yes"),
    ({**PROJECTS, "projects": ["路", "桥", "站"], "choose": 2, "mode": "ranking", "counts": {
        "returned": 2, "projects": {
            "路": {"points": 4, "support": 2}, "桥": {"points": 4, "support": 2}, "站": {"points": 0, "support": 0}}}},
     "counts"),
    ({**SATISFACTION, "counts": {"returned": 8, "targets": {
        "法院": {"satisfied": 5, "basically_satisfied": 3, "unsatisfied": 1}}}}, "counts.targets.法院"),
    ({**SATISFACTION, "counts": {"returned": 8, "targets": {
        "法院": {"satisfied": 5, "basically_satisfied": 3, "unsatisfied": 0, "invalid": 0}}}},
     "counts.targets.法院.invalid"),
])
def test_totals_no_ballots_could_produce_are_refused_naming_the_field(doc: Doc, field: str) -> None:
    with pytest.raises(MalformedInput) as refused:
        count_document(doc)
    assert refused.value.field == field
