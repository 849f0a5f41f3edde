"""Values shared by every kind of vote: choices, attendance, per-option counts, ballot accounting."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from tally.rules import quorum
from tally.rules.quorum import Body, PresidiumQuorum

Choice = Literal["yes", "no", "abstain"]
CHOICES: tuple[Choice, ...] = ("yes", "no", "abstain")


@dataclass(frozen=True)
class Attendance:
    """Who is counted: the base of every majority and the quorum, frozen into the vote.

    ``members_of_record`` is 实有 (those currently holding office), never the quota nor those present.
    """

    body: Body
    members_of_record: int
    present: int
    presidium_quorum: PresidiumQuorum = "majority"

    @property
    def quorum_required(self) -> int:
        return quorum.required(self.body, self.members_of_record, self.presidium_quorum)

    @property
    def quorum_met(self) -> bool:
        return quorum.is_met(self.body, self.present, self.members_of_record, self.presidium_quorum)

    def to_json(self) -> dict[str, object]:
        return {
            "body": self.body,
            "members_of_record": self.members_of_record,
            "present": self.present,
            "quorum": {"required": self.quorum_required, "met": self.quorum_met},
        }


@dataclass(frozen=True)
class ChoiceCounts:
    """赞成 / 反对 / 弃权 for one question."""

    yes: int = 0
    no: int = 0
    abstain: int = 0

    @staticmethod
    def of(choices: Iterable[Choice]) -> ChoiceCounts:
        tally = {"yes": 0, "no": 0, "abstain": 0}
        for choice in choices:
            tally[choice] += 1
        return ChoiceCounts(tally["yes"], tally["no"], tally["abstain"])

    @property
    def total(self) -> int:
        return self.yes + self.no + self.abstain

    def to_json(self) -> dict[str, int]:
        return {"yes": self.yes, "no": self.no, "abstain": self.abstain}


@dataclass(frozen=True)
class BallotAccount:
    """Every ballot accounted for: issued = returned + not_returned; returned = valid + void.

    When more come back than were issued, ``not_returned`` is 0 and ``excess`` says by how many.
    """

    issued: int
    returned: int
    void: int

    @property
    def valid(self) -> int:
        return self.returned - self.void

    @property
    def not_returned(self) -> int:
        return max(0, self.issued - self.returned)

    @property
    def excess(self) -> int:
        return max(0, self.returned - self.issued)

    def to_json(self) -> dict[str, int]:
        return {
            "issued": self.issued,
            "returned": self.returned,
            "not_returned": self.not_returned,
            "excess": self.excess,
            "valid": self.valid,
            "void": self.void,
        }
