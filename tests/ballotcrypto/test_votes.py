"""From a vote's tally definition to its encrypted form and back: the selections and their labels
for every kind, the rounds that cannot be encrypted, and decrypted totals that tally decides alike."""

from __future__ import annotations

from typing import Any

import pytest

from ballotcrypto.ballot import Context
from ballotcrypto.group import GENERATOR
from ballotcrypto.votes import context_of, encrypt_plain, names_of, tally_counts, values_of, vote_form
from tally import count_document

BASE: dict[str, Any] = {"members_of_record": 10, "present": 9, "body": "congress"}


def _labels(definition: dict[str, Any]) -> list[tuple[str | None, str]]:
    shaped = vote_form(definition)
    assert shaped is not None
    return [(label.question, label.choice) for label in shaped.labels]


def test_each_kind_has_its_selections_labelled_question_by_question() -> None:
    assert _labels({"kind": "motion"}) == [(None, "yes"), (None, "no"), (None, "abstain")]
    assert _labels({"kind": "appointment", "mode": "individual",
                    "items": [{"id": "a1", "nominee": "甲"}, {"nominee": "乙"}]})[::3] == [("a1", "yes"), ("乙", "yes")]
    assert _labels({"kind": "list_approval", "mode": "per_person", "persons": ["甲"]}) == [
        ("甲", "yes"), ("甲", "no"), ("甲", "abstain")]
    assert _labels({"kind": "satisfaction", "targets": ["法院"]})[2] == ("法院", "unsatisfied")
    preliminary = vote_form({"kind": "election", "candidates": ["甲", "乙", "丙", "丁"], "seats": 1,
                             "round": "preliminary", "list_size": 2})
    assert preliminary is not None and preliminary.form.limits[-1].max == 2  # the list's size, not the seats
    projects = vote_form({"kind": "project_vote", "projects": [{"name": "路"}, "桥"], "choose": 1})
    assert projects is not None and [label.question for label in projects.labels] == ["路", "路", "桥", "桥"]


@pytest.mark.parametrize("definition", [
    {"kind": "election", "candidates": ["甲", "乙"], "seats": 1},  # write-ins allowed by default
    {"kind": "project_vote", "projects": ["路", "桥"], "choose": 1, "mode": "ranking"},
    {"kind": "referendum"},
])
def test_rounds_with_names_or_ranks_are_not_encrypted(definition: dict[str, Any]) -> None:
    assert vote_form(definition) is None
    with pytest.raises(ValueError):
        tally_counts(definition, [0], 0)


def test_decrypted_totals_are_decided_by_tally_as_the_ballots_would_be() -> None:
    definition = {**BASE, "kind": "list_approval", "mode": "per_person", "persons": ["甲", "乙"]}
    counts = tally_counts(definition, [6, 1, 1, 2, 5, 0], 8)
    assert counts == {"returned": 8, "persons": {"甲": {"yes": 6, "no": 1, "abstain": 1},
                                                 "乙": {"yes": 2, "no": 5, "abstain": 0}}}
    assert count_document({**definition, "counts": counts})["outcome"] == "mixed"
    election = {**BASE, "kind": "election", "office": "head", "candidates": ["甲", "乙"], "seats": 1,
                "ballots_issued": 9, "allow_write_ins": False}
    assert tally_counts(election, [7, 1, 2, 6], 9)["candidates"]["乙"] == {"yes": 2, "no": 6}
    with pytest.raises(ValueError):
        tally_counts(election, [1, 2, 3], 9)
    assert tally_counts({**BASE, "kind": "motion"}, [5, 2, 1], 8) == {"yes": 5, "no": 2, "abstain": 1}
    assert tally_counts({"kind": "satisfaction", "targets": ["法院"]}, [3, 2, 1], 7) == {
        "returned": 7, "targets": {"法院": {"satisfied": 3, "basically_satisfied": 2, "unsatisfied": 1}}}


def test_a_plain_ballot_becomes_the_values_the_tablet_encrypts() -> None:
    shaped = vote_form({"kind": "satisfaction", "targets": ["法院", "检察院"]})
    assert shaped is not None
    assert values_of(shaped.labels, {"marks": {"检察院": "satisfied"}}) == [0, 0, 0, 1, 0, 0]
    with pytest.raises(ValueError):
        values_of(shaped.labels, {"marks": ["检察院"]})


def test_a_context_that_does_not_hash_to_its_vid_is_refused() -> None:
    shaped = vote_form({"kind": "motion"})
    assert shaped is not None
    context = Context("renda.local/test", "v1-1", GENERATOR, shaped.form)
    encryption = {"context": context.to_json(), "vid": context.vid,
                  "selections": [label.to_json() for label in shaped.labels]}
    assert context_of(encryption).vid == context.vid
    assert encrypt_plain(encryption, {"choice": "no"}).opening.values == (0, 1, 0)
    with pytest.raises(ValueError):
        context_of({**encryption, "vid": "0" * 64})


WRITE_IN_ELECTION: dict[str, Any] = {**BASE, "kind": "election", "office": "deputy_head", "seats": 2,
                                     "candidates": ["甲", "乙", "丙"], "ballots_issued": 9}


def test_an_election_that_allows_write_ins_has_a_form_only_when_asked() -> None:
    assert vote_form(WRITE_IN_ELECTION) is None  # the default until the server carries the write-in rounds
    shaped = vote_form(WRITE_IN_ELECTION, with_write_ins=True)
    assert shaped is not None and shaped.form.write_ins == 2 and shaped.form.selections == 8
    assert [label.to_json() for label in shaped.labels[6:]] == [{"question": None, "choice": "write_in"}] * 2
    assert shaped.form.limits[-1].to_json() == {"of": [0, 2, 4, 6, 7], "min": 0, "max": 2}
    closed = vote_form({**WRITE_IN_ELECTION, "allow_write_ins": False}, with_write_ins=True)
    assert closed is not None and closed.form.write_ins == 0  # a round without write-ins: §3.1's form


def test_a_plain_ballot_with_write_ins_becomes_use_bits_and_names() -> None:
    shaped = vote_form(WRITE_IN_ELECTION, with_write_ins=True)
    assert shaped is not None
    ballot = {"marks": {"甲": "yes", "乙": "no"}, "write_ins": [" 赵六 "]}
    assert values_of(shaped.labels, ballot) == [1, 0, 0, 1, 0, 0, 1, 0]
    assert names_of(ballot, 2) == ["赵六"]
    with pytest.raises(ValueError):
        names_of({"write_ins": ["a", "b", "c"]}, 2)
    with pytest.raises(ValueError):
        names_of({"write_ins": "赵六"}, 2)
    context = Context("renda.local/test", "v-w", GENERATOR, shaped.form)
    encryption = {"context": context.to_json(), "vid": context.vid,
                  "selections": [label.to_json() for label in shaped.labels]}
    made = encrypt_plain(encryption, ballot)
    assert made.opening.values == (1, 0, 0, 1, 0, 0, 1, 0)
    assert [name for _, name in made.opening.write_ins] == ["赵六", ""]


def test_decrypted_totals_and_write_ins_are_decided_by_tally_as_the_ballots_would_be() -> None:
    ballots: list[dict[str, Any]] = [{"marks": {"甲": "yes", "乙": "no"}, "write_ins": ["赵六"]},
               {"marks": {"甲": "yes", "乙": "yes"}},
               {"marks": {"甲": "no", "乙": "no", "丙": "no"}, "write_ins": ["赵六", "钱七"]}]
    shaped = vote_form(WRITE_IN_ELECTION, with_write_ins=True)
    assert shaped is not None
    values = [values_of(shaped.labels, b) for b in ballots]
    totals = [sum(column) for column in zip(*values, strict=True)]
    counts = tally_counts(WRITE_IN_ELECTION, totals, 3, [["赵六"], ["赵六", "钱七"]])
    assert counts["write_in_ballots"] == [["赵六"], ["赵六", "钱七"]]
    assert count_document({**WRITE_IN_ELECTION, "counts": counts}) == count_document(
        {**WRITE_IN_ELECTION, "ballots": ballots})
    with pytest.raises(ValueError, match="add up"):
        tally_counts(WRITE_IN_ELECTION, totals, 3, [["赵六"]])
