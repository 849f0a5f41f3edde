"""From a vote's tally definition to its encrypted form, and from decrypted totals back to tally.

docs/ballot-crypto.md §3.1 and docs/protocol.md "Encrypted secret votes". A vote's ``definition``
is its document in the tally file format without ballots (README "The tally file format"). Each
selection of the form is labelled with the question it belongs to (a person, candidate, project
or target; ``None`` for a single question) and the mark it stands for, so that the tablet knows
what to encrypt and the count knows what each total is:

- one question 赞成/反对/弃权, exactly one marked: a motion, a list or 任免 voted as a whole;
- per question 赞成/反对/弃权, at most one (none = 未按 for that question): a list or 任免 voted
  person by person;
- per candidate or project 赞成 and 反对 (neither = 弃权), at most one each, at most ``places``
  赞成 in all: an election round, 民生实事 by approval;
- per target 满意/基本满意/不满意, at most one (none = invalid for that target): 满意度测评.

Not encrypted (``vote_form`` gives None): a round that allows write-ins (另选他人: a name, not a
mark) and 民生实事 by ranking (a rank, not a mark). Such rounds keep plaintext secret ballots.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ballotcrypto.ballot import Context, EncryptedBallot, encrypt_ballot
from ballotcrypto.forms import Form, election_form, motion_form, read_form, satisfaction_form
from ballotcrypto.wire import point

__all__ = ["Label", "VoteForm", "context_of", "encrypt_plain", "tally_counts", "values_of", "vote_form"]

CHOICES = ("yes", "no", "abstain")
GRADES = ("satisfied", "basically_satisfied", "unsatisfied")


@dataclass(frozen=True, slots=True)
class Label:
    """What one selection stands for: ``choice`` on ``question`` (None for a single question)."""

    question: str | None
    choice: str

    def to_json(self) -> dict[str, object]:
        return {"question": self.question, "choice": self.choice}


@dataclass(frozen=True, slots=True)
class VoteForm:
    """The form of an encrypted vote and the label of each of its selections."""

    form: Form
    labels: tuple[Label, ...]


def _questions(definition: Mapping[str, Any]) -> list[str] | None:
    """The questions of a list or 任免 voted one by one, or None when it is voted as a whole."""
    kind = definition.get("kind")
    if kind == "list_approval" and definition.get("mode", "whole") == "per_person":
        return [str(name) for name in definition.get("persons", [])]
    if kind == "appointment" and definition.get("mode", "individual") == "individual":
        return [str(item.get("id", item.get("nominee"))) for item in definition.get("items", [])]
    return None


def _write_ins_possible(definition: Mapping[str, Any]) -> bool:
    return bool(definition.get("allow_write_ins", True)) and definition.get("round", "first") in ("first", "runoff")


def _places(definition: Mapping[str, Any]) -> int:
    if definition.get("round") == "preliminary" and "list_size" in definition:
        return int(definition["list_size"])
    return int(definition["seats"])


def vote_form(definition: Mapping[str, Any]) -> VoteForm | None:
    """The encrypted form of a vote with this definition, or None if it cannot be encrypted."""
    kind = definition.get("kind")
    if kind in ("motion", "list_approval", "appointment"):
        questions = _questions(definition)
        if questions is None:
            return VoteForm(motion_form(), tuple(Label(None, choice) for choice in CHOICES))
        return VoteForm(satisfaction_form(len(questions)),
                        tuple(Label(q, choice) for q in questions for choice in CHOICES))
    if kind == "election":
        if _write_ins_possible(definition):
            return None
        names = [str(name) for name in definition["candidates"]]
    elif kind == "project_vote":
        if definition.get("mode", "approval") != "approval":
            return None
        names = [str(p["name"] if isinstance(p, dict) else p) for p in definition["projects"]]
    elif kind == "satisfaction":
        targets = [str(name) for name in definition["targets"]]
        return VoteForm(satisfaction_form(len(targets)), tuple(Label(t, g) for t in targets for g in GRADES))
    else:
        return None
    places = _places(definition) if kind == "election" else int(definition["choose"])
    form = election_form(len(names), min(places, len(names)))
    return VoteForm(form, tuple(Label(name, choice) for name in names for choice in ("yes", "no")))


def tally_counts(definition: Mapping[str, Any], counts: Sequence[int], returned: int) -> dict[str, Any]:
    """The ``counts`` member of the tally document (README "Totals instead of ballots") for the
    decrypted per-selection totals of ``returned`` cast ballots of an encryptable vote."""
    shaped = vote_form(definition)
    if shaped is None or len(counts) != shaped.form.selections:
        raise ValueError("the totals do not fit this vote's encrypted form")
    per: dict[str | None, dict[str, int]] = {}
    for label, count in zip(shaped.labels, counts, strict=True):
        per.setdefault(label.question, {})[label.choice] = count
    kind = definition["kind"]
    if None in per:
        return per[None]
    if kind in ("list_approval", "appointment"):
        return {"returned": returned, "persons": per}
    if kind == "satisfaction":
        return {"returned": returned, "targets": per}
    return {"returned": returned, "void": 0, "candidates" if kind == "election" else "projects": per}


def values_of(labels: Sequence[Label], ballot: Mapping[str, Any]) -> list[int]:
    """The 0/1 value of each selection for a ballot in the tally format (``{"choice"}`` or
    ``{"marks": {question: choice}}``): what the tablet encrypts for what the deputy pressed."""
    marks = ballot.get("marks", {})
    if not isinstance(marks, Mapping):
        raise ValueError("marks must be an object")
    return [int(ballot.get("choice") == label.choice if label.question is None
                else marks.get(label.question) == label.choice) for label in labels]


def context_of(encryption: Mapping[str, Any]) -> Context:
    """The context of a vote's ``encryption`` as the server sends it, checked against its ``vid``."""
    raw = encryption["context"]
    context = Context(str(raw["origin"]), str(raw["vote"]), point(raw["key"], "context.key"), read_form(raw["form"]))
    if context.vid != encryption["vid"]:
        raise ValueError("the vote's context does not hash to its vid")
    return context


def encrypt_plain(encryption: Mapping[str, Any], ballot: Mapping[str, Any]) -> EncryptedBallot:
    """Encrypt a tally-format ballot for a vote with this ``encryption`` (docs/protocol.md)."""
    labels = [Label(item["question"], item["choice"]) for item in encryption["selections"]]
    return encrypt_ballot(context_of(encryption), values_of(labels, ballot))
