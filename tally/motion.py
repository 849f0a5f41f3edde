"""Motions (表决), list approvals (名单表决) and the shared yes/no/abstain questions of 任免.

shared/domain.md "Motions and decisions": options 赞成/反对/弃权; a checked-in member who does not
press is 未按 (not_voted = present - ballots). Passing needs ``2 * yes > members_of_record``
(rules/majority.py) or, where a local rule asks, ``3 * yes >= 2 * members_of_record``
(rules/two_thirds.py). A vote is invalid (to be cured by a re-vote) when quorum is missing or
more ballots come back than members present (rules/round_validity.py).

Lists of persons are motions, not elections: voted as a whole (one choice) or per person
(one choice per person, each decided on its own).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from tally import announce, standing
from tally.model import Attendance, BallotAccount, Choice, ChoiceCounts
from tally.rules import majority, two_thirds

Threshold = Literal["majority_of_all", "two_thirds_of_all"]
THRESHOLDS: tuple[Threshold, ...] = ("majority_of_all", "two_thirds_of_all")
Outcome = Literal["passed", "failed", "invalid"]

RULES: dict[Threshold, str] = {
    "majority_of_all": "2*yes > members_of_record（组织法 第二十五条、第五十一条：全体组成人员的过半数通过）",
    "two_thirds_of_all": "3*yes >= 2*members_of_record（本级议事规则：全体组成人员的三分之二以上通过）",
}
def decides(threshold: Threshold, yes: int, members_of_record: int) -> bool:
    """Whether ``yes`` carries a question under ``threshold``."""
    if threshold == "two_thirds_of_all":
        return two_thirds.passes(yes, members_of_record)
    return majority.passes(yes, members_of_record)


@dataclass(frozen=True)
class MotionDefinition:
    """One question put to the body."""

    attendance: Attendance
    threshold: Threshold = "majority_of_all"
    title: str = ""


@dataclass(frozen=True)
class QuestionResult:
    """The count and decision on one question (a motion, or one person of a list)."""

    name: str
    counts: ChoiceCounts
    not_voted: int
    outcome: Outcome

    def to_json(self) -> dict[str, object]:
        return {
            "name": self.name,
            "counts": {**self.counts.to_json(), "not_voted": self.not_voted},
            "outcome": self.outcome,
        }

    def line(self) -> str:
        return announce.render(
            "person_line",
            name=self.name,
            counts=announce.choice_counts(self.counts.yes, self.counts.no, self.counts.abstain),
            not_voted=announce.render("not_voted", not_voted=self.not_voted),
            verdict=announce.VERDICTS.get(self.outcome, "无效"),
        )


def _question(name: str, definition: MotionDefinition, counts: ChoiceCounts, invalid: bool) -> QuestionResult:
    not_voted = max(0, definition.attendance.present - counts.total)
    if invalid:
        outcome: Outcome = "invalid"
    elif decides(definition.threshold, counts.yes, definition.attendance.members_of_record):
        outcome = "passed"
    else:
        outcome = "failed"
    return QuestionResult(name, counts, not_voted, outcome)


@dataclass(frozen=True)
class MotionResult:
    """The result of a single motion (or of a list voted as a whole)."""

    definition: MotionDefinition
    question: QuestionResult
    account: BallotAccount
    rule: str
    reason: str | None = None
    kind: str = "motion"
    extra: Mapping[str, object] = field(default_factory=dict)

    @property
    def outcome(self) -> Outcome:
        return self.question.outcome

    @property
    def announcement(self) -> str:
        attendance = announce.attendance(
            self.definition.attendance.members_of_record, self.definition.attendance.present
        )
        if self.reason is not None:
            return announce.render("invalid", attendance=attendance, reason=self.reason)
        counts = self.question.counts
        return announce.render(
            "motion",
            attendance=attendance,
            counts=announce.choice_counts(counts.yes, counts.no, counts.abstain),
            not_voted=announce.render("not_voted", not_voted=self.question.not_voted),
            verdict=announce.VERDICTS[self.outcome],
        )

    def to_json(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            "title": self.definition.title,
            **self.extra,
            "attendance": self.definition.attendance.to_json(),
            "threshold": self.definition.threshold,
            "counts": self.question.to_json()["counts"],
            "ballots": self.account.to_json(),
            "void_ballots": self.account.void,
            "outcome": self.outcome,
            "rule": self.rule,
            "reason": self.reason,
            "announcement": self.announcement,
        }


def tally_motion(
    definition: MotionDefinition, choices: Sequence[Choice], *, kind: str = "motion",
    extra: Mapping[str, object] | None = None,
) -> MotionResult:
    """Count one motion: 赞成/反对/弃权, 未按 = present - ballots, decided by the threshold."""
    return decide_motion(definition, ChoiceCounts.of(choices), kind=kind, extra=extra)


def decide_motion(
    definition: MotionDefinition, counts: ChoiceCounts, *, kind: str = "motion",
    extra: Mapping[str, object] | None = None,
) -> MotionResult:
    """Decide one motion from its totals (every ballot returned is one choice, so returned = total)."""
    account = BallotAccount(issued=definition.attendance.present, returned=counts.total, void=0)
    bad = standing.invalidity(definition.attendance, counts.total, definition.attendance.present)
    question = _question(definition.title, definition, counts, bad is not None)
    rule, reason = bad if bad is not None else (RULES[definition.threshold], None)
    return MotionResult(definition, question, account, rule, reason, kind, extra or {})


@dataclass(frozen=True)
class PerPersonResult:
    """A list voted person by person (名单逐人表决, 任免逐人表决): each question decided on its own."""

    definition: MotionDefinition
    questions: tuple[QuestionResult, ...]
    account: BallotAccount
    rule: str
    reason: str | None
    kind: str
    extra: Mapping[str, object] = field(default_factory=dict)

    @property
    def outcome(self) -> Literal["passed", "failed", "mixed", "invalid"]:
        outcomes = {q.outcome for q in self.questions}
        if self.reason is not None:
            return "invalid"
        if outcomes == {"passed"}:
            return "passed"
        if outcomes == {"failed"}:
            return "failed"
        return "mixed"

    @property
    def announcement(self) -> str:
        attendance = announce.attendance(
            self.definition.attendance.members_of_record, self.definition.attendance.present
        )
        if self.reason is not None:
            return announce.render("invalid", attendance=attendance, reason=self.reason)
        return announce.render(
            "per_person", attendance=attendance, lines=announce.lines(q.line() for q in self.questions)
        )

    def to_json(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            "title": self.definition.title,
            **self.extra,
            "mode": "individual",
            "attendance": self.definition.attendance.to_json(),
            "threshold": self.definition.threshold,
            "items": [q.to_json() for q in self.questions],
            "counts": {q.name: q.to_json()["counts"] for q in self.questions},
            "ballots": self.account.to_json(),
            "void_ballots": self.account.void,
            "outcome": self.outcome,
            "rule": self.rule,
            "reason": self.reason,
            "announcement": self.announcement,
        }


def tally_per_person(
    definition: MotionDefinition,
    names: Sequence[str],
    ballots: Sequence[Mapping[str, Choice]],
    *,
    kind: str,
    extra: Mapping[str, object] | None = None,
) -> PerPersonResult:
    """Count a list person by person; a person left unmarked on a ballot is 未按 for that person."""
    counts = [(name, ChoiceCounts.of(b[name] for b in ballots if name in b)) for name in names]
    return decide_per_person(definition, counts, len(ballots), kind=kind, extra=extra)


def decide_per_person(
    definition: MotionDefinition,
    counts: Sequence[tuple[str, ChoiceCounts]],
    returned: int,
    *,
    kind: str,
    extra: Mapping[str, object] | None = None,
) -> PerPersonResult:
    """Decide a list person by person from each person's totals over ``returned`` ballots."""
    account = BallotAccount(issued=definition.attendance.present, returned=returned, void=0)
    bad = standing.invalidity(definition.attendance, returned, definition.attendance.present)
    questions = tuple(_question(name, definition, tally, bad is not None) for name, tally in counts)
    rule, reason = bad if bad is not None else (RULES[definition.threshold], None)
    return PerPersonResult(definition, questions, account, rule, reason, kind, extra or {})
