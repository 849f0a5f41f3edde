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
- the same, and ``places`` write-in slots (另选他人, docs/ballot-crypto.md §6.1) whose use bits
  (labelled ``{"question": null, "choice": "write_in"}``) join the limit: 赞成 + 另选他人 ≤ places —
  an election round that allows write-ins, when the caller asks for it (``with_write_ins``);
- per target 满意/基本满意/不满意, at most one (none = invalid for that target): 满意度测评.

Not encrypted (``vote_form`` gives None): 民生实事 by ranking (a rank, not a mark), and a round
that allows write-ins unless ``with_write_ins`` is given. The server, the verifier and the
监票人's devices always give it (§6.1): such a round is encrypted with its write-in slots.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ballotcrypto.ballot import Context, EncryptedBallot, encrypt_ballot
from ballotcrypto.forms import Form, election_form, motion_form, read_form, satisfaction_form
from ballotcrypto.wire import point

__all__ = ["WRITE_IN", "Label", "VoteForm", "context_of", "encrypt_plain", "names_of", "tally_counts", "values_of",
           "vote_form"]

CHOICES = ("yes", "no", "abstain")
WRITE_IN = "write_in"
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


def vote_form(definition: Mapping[str, Any], *, with_write_ins: bool = False) -> VoteForm | None:
    """The encrypted form of a vote with this definition, or None if it cannot be encrypted
    (an election round that allows write-ins: only `with_write_ins`, with as many slots as places)."""
    kind = definition.get("kind")
    if kind in ("motion", "list_approval", "appointment"):
        questions = _questions(definition)
        if questions is None:
            return VoteForm(motion_form(), tuple(Label(None, choice) for choice in CHOICES))
        return VoteForm(satisfaction_form(len(questions)),
                        tuple(Label(q, choice) for q in questions for choice in CHOICES))
    if kind == "election":
        names = [str(name) for name in definition["candidates"]]
        if _write_ins_possible(definition):
            if not with_write_ins:
                return None
            places = _places(definition)
            form = election_form(len(names), places, places)
            return VoteForm(form, (*(Label(name, choice) for name in names for choice in ("yes", "no")),
                                   *(Label(None, WRITE_IN) for _ in range(places))))
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


def tally_counts(definition: Mapping[str, Any], counts: Sequence[int], returned: int,
                 write_ins: Sequence[Sequence[str]] | None = None) -> dict[str, Any]:
    """The ``counts`` member of the tally document (README "Totals instead of ballots") for the
    decrypted per-selection totals of ``returned`` cast ballots of an encryptable vote.

    For an election with write-in slots, `write_ins` are the names the two write-in rounds
    recovered, one list per ballot that has any (`writein_count.combine_names`); they go to tally
    as ``write_in_ballots``, where the statutory rules for write-ins apply as to plaintext ballots.
    The use bits' totals are not a count of their own: they must add up to the names given."""
    shaped = vote_form(definition, with_write_ins=write_ins is not None)
    if shaped is None or len(counts) != shaped.form.selections:
        raise ValueError("the totals do not fit this vote's encrypted form")
    slots = shaped.form.write_ins
    if write_ins is not None and sum(counts[shaped.form.first_use_bit:]) != sum(len(names) for names in write_ins):
        raise ValueError("the write-in names do not add up to the totals of the use bits")
    per: dict[str | None, dict[str, int]] = {}
    for label, count in zip(shaped.labels[:len(counts) - slots], counts, strict=False):
        per.setdefault(label.question, {})[label.choice] = count
    kind = definition["kind"]
    if None in per:
        return per[None]
    if kind in ("list_approval", "appointment"):
        return {"returned": returned, "persons": per}
    if kind == "satisfaction":
        return {"returned": returned, "targets": per}
    if write_ins is not None:
        return {"returned": returned, "void": 0, "candidates": per, "write_in_ballots": [list(n) for n in write_ins]}
    return {"returned": returned, "void": 0, "candidates" if kind == "election" else "projects": per}


def values_of(labels: Sequence[Label], ballot: Mapping[str, Any]) -> list[int]:
    """The 0/1 value of each selection for a ballot in the tally format (``{"choice"}`` or
    ``{"marks": {question: choice}}``): what the tablet encrypts for what the deputy pressed."""
    marks = ballot.get("marks", {})
    if not isinstance(marks, Mapping):
        raise ValueError("marks must be an object")
    written = len(names_of(ballot, sum(label.choice == WRITE_IN for label in labels)))
    values: list[int] = []
    slot = 0
    for label in labels:
        if label.choice == WRITE_IN:
            values.append(int(slot < written))
            slot += 1
        else:
            values.append(int(ballot.get("choice") == label.choice if label.question is None
                              else marks.get(label.question) == label.choice))
    return values


def names_of(ballot: Mapping[str, Any], slots: int) -> list[str]:
    """The names of a tally-format ballot's ``write_ins`` (stripped), filling its first slots.
    ValueError for more names than `slots`."""
    raw = ballot.get("write_ins", [])
    if not isinstance(raw, list) or not all(isinstance(name, str) for name in raw):
        raise ValueError("write_ins must be a list of names")
    if len(raw) > slots:
        raise ValueError(f"{len(raw)} write-ins for {slots} slots")
    return [name.strip() for name in raw]


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
    context = context_of(encryption)
    names = names_of(ballot, context.form.write_ins)
    names += [""] * (context.form.write_ins - len(names))
    return encrypt_ballot(context, values_of(labels, ballot), names=names)
