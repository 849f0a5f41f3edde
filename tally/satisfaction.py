"""满意度测评: 满意 / 基本满意 / 不满意 per target, secret (无记名).

shared/domain.md "满意度测评" (seeds 002, 003, 004):
- a form with none or several marked for one target is invalid *for that target* and not counted;
- per target: counts, valid, invalid, and the rate (满意 + 基本满意) / valid forms, exact as a fraction;
- the outcome by the cascade (rules/satisfaction_cascade.py) over ``base`` — "members" (default,
  all members of record), "valid" (valid forms for that target) or "present" — or by custom
  percentage tiers (rules/satisfaction_tiers.py);
- consequences are text attached to an outcome (e.g. 不满意 -> 限期整改并重新报告).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Literal

from tally import announce
from tally.model import Attendance, BallotAccount
from tally.rules import satisfaction_cascade, satisfaction_tiers
from tally.rules.satisfaction_cascade import Grade
from tally.rules.satisfaction_tiers import Tier

Base = Literal["members", "valid", "present"]
BASES: tuple[Base, ...] = ("members", "valid", "present")
GRADES: tuple[Grade, ...] = ("satisfied", "basically_satisfied", "unsatisfied")
RULE_CASCADE = "cascade: 2*满意 > base -> 满意; 2*(满意+基本满意) > base -> 基本满意; else 不满意（测评办法）"
RULE_TIERS = "custom percentage tiers（测评办法）"

#: One form's answer for one target: a grade, or ``None`` when none or several were marked.
Mark = Grade | None


@dataclass(frozen=True)
class SatisfactionDefinition:
    targets: tuple[str, ...]
    attendance: Attendance
    forms_issued: int
    title: str = ""
    base: Base = "members"
    tiers: tuple[Tier, ...] | None = None
    consequences: Mapping[str, str] | None = None


@dataclass(frozen=True)
class GradeCounts:
    """满意 / 基本满意 / 不满意 for one target (valid forms only)."""

    satisfied: int = 0
    basically_satisfied: int = 0
    unsatisfied: int = 0


@dataclass(frozen=True)
class TargetResult:
    name: str
    satisfied: int
    basically_satisfied: int
    unsatisfied: int
    invalid: int
    base: int
    grade: Grade
    consequence: str | None

    @property
    def valid(self) -> int:
        return self.satisfied + self.basically_satisfied + self.unsatisfied

    @property
    def rate(self) -> Fraction | None:
        if self.valid == 0:
            return None
        return Fraction(self.satisfied + self.basically_satisfied, self.valid)

    @property
    def rate_text(self) -> str:
        rate = self.rate
        if rate is None:
            return "—"
        hundredths = round(rate * 10000)
        return f"{hundredths // 100}.{hundredths % 100:02d}%"

    def to_json(self) -> dict[str, object]:
        rate = self.rate
        return {
            "satisfied": self.satisfied,
            "basically_satisfied": self.basically_satisfied,
            "unsatisfied": self.unsatisfied,
            "valid": self.valid,
            "invalid": self.invalid,
            "rate": None if rate is None else {
                "numerator": self.satisfied + self.basically_satisfied,
                "denominator": self.valid,
                "percent": self.rate_text,
            },
            "base": self.base,
            "outcome": self.grade,
            "consequence": self.consequence,
        }


@dataclass(frozen=True)
class SatisfactionResult:
    definition: SatisfactionDefinition
    account: BallotAccount
    targets: tuple[TargetResult, ...]
    rule: str

    @property
    def announcement(self) -> str:
        d = self.definition
        lines = [
            announce.render(
                "target_line", name=t.name, satisfied=t.satisfied, basic=t.basically_satisfied,
                unsatisfied=t.unsatisfied, invalid=t.invalid, rate=t.rate_text, grade=announce.GRADES[t.grade],
            )
            for t in self.targets
        ]
        return announce.render(
            "satisfaction",
            attendance=announce.attendance(d.attendance.members_of_record, d.attendance.present),
            returned=self.account.returned,
            lines=announce.lines(lines),
        )

    def to_json(self) -> dict[str, object]:
        d = self.definition
        return {
            "kind": "satisfaction",
            "title": d.title,
            "attendance": d.attendance.to_json(),
            "base": d.base,
            "ballots": self.account.to_json(),
            "void_ballots": 0,
            "counts": {t.name: t.to_json() for t in self.targets},
            "outcome": {t.name: t.grade for t in self.targets},
            "rule": self.rule,
            "announcement": self.announcement,
        }


def tally_satisfaction(
    definition: SatisfactionDefinition, forms: Sequence[Mapping[str, Mark]]
) -> SatisfactionResult:
    counts = []
    for target in definition.targets:
        marks = [form.get(target) for form in forms]
        counts.append(GradeCounts(*(sum(1 for m in marks if m == grade) for grade in GRADES)))
    return decide_satisfaction(definition, len(forms), counts)


def decide_satisfaction(
    definition: SatisfactionDefinition, returned: int, counts: Sequence[GradeCounts]
) -> SatisfactionResult:
    """Grade each target (in definition order) from its totals over ``returned`` forms; a form
    that marks none or several grades for a target is invalid for that target."""
    d = definition
    account = BallotAccount(d.forms_issued, returned, 0)
    results = []
    for target, g in zip(d.targets, counts, strict=True):
        valid = g.satisfied + g.basically_satisfied + g.unsatisfied
        base = {"members": d.attendance.members_of_record, "valid": valid, "present": d.attendance.present}[d.base]
        if d.tiers is not None:
            grade = satisfaction_tiers.grade(d.tiers, g.satisfied, g.basically_satisfied, base)
        else:
            grade = satisfaction_cascade.grade(g.satisfied, g.basically_satisfied, base)
        consequence = (d.consequences or {}).get(grade)
        results.append(TargetResult(target, g.satisfied, g.basically_satisfied, g.unsatisfied,
                                    returned - valid, base, grade, consequence))
    return SatisfactionResult(d, account, tuple(results), RULE_TIERS if d.tiers is not None else RULE_CASCADE)
