"""Appointments and removals (任免): 逐人 or 合并, each passing by ``2 * yes > all members``.

shared/domain.md "Appointments and removals". What differs from a motion is checked here:
the body that may decide each action and so whose membership is the base
(rules/appointment_body.py), 免职 before 任职 for one post (rules/appointment_order.py), and
secrecy where the statute demands it (撤职, 监督法 第六十二条; 罢免 of a deputy, 选举法 第五十二条).
Counting is the motion count (motion.py): per item for 逐人, one question for 合并.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from tally.errors import StatutoryViolation
from tally.model import Choice
from tally.motion import MotionDefinition, MotionResult, PerPersonResult, tally_motion, tally_per_person
from tally.rules import appointment_body, appointment_order
from tally.rules.appointment_body import Action

Mode = Literal["individual", "combined"]
MODES: tuple[Mode, ...] = ("individual", "combined")


@dataclass(frozen=True)
class AppointmentItem:
    """One person's 任免 question; ``key`` names it on ballots (the nominee unless given)."""

    key: str
    nominee: str
    post: str
    action: Action

    @property
    def label(self) -> str:
        return f"{appointment_body.ACTION_NAMES[self.action]}{self.nominee}为{self.post}" \
            if self.action in ("appoint", "acting") else \
            f"{appointment_body.ACTION_NAMES[self.action]}{self.nominee}的{self.post}职务" if self.post else \
            f"{appointment_body.ACTION_NAMES[self.action]}{self.nominee}"

    def to_json(self) -> dict[str, str]:
        return {"id": self.key, "nominee": self.nominee, "post": self.post, "action": self.action}


@dataclass(frozen=True)
class AppointmentDefinition:
    motion: MotionDefinition
    items: tuple[AppointmentItem, ...]
    mode: Mode = "individual"
    secret: bool = True

    def validate(self) -> None:
        """Raise :class:`StatutoryViolation` for a body, order or secrecy that breaks the rules."""
        body = self.motion.attendance.body
        for item in self.items:
            reason = appointment_body.check_body(item.action, body)
            if reason is not None:
                raise StatutoryViolation(f"appointment_body.{item.action}", reason)
            if item.action in appointment_body.MUST_BE_SECRET and not self.secret:
                raise StatutoryViolation(
                    f"secret_ballot.{item.action}",
                    f"{appointment_body.ACTION_NAMES[item.action]}应当采用无记名投票的方式表决",
                )
        bad = appointment_order.first_out_of_order([(item.action, item.post) for item in self.items])
        if bad is not None:
            raise StatutoryViolation(
                "appointment_order",
                f"同一职务应先表决免职、后表决任职：第{bad + 1}项（{self.items[bad].label}）顺序有误",
            )


def tally_appointment(
    definition: AppointmentDefinition, ballots: Sequence[Mapping[str, Choice]] | Sequence[Choice]
) -> MotionResult | PerPersonResult:
    """逐人: ``ballots`` map item key -> choice; 合并: ``ballots`` are single choices."""
    extra = {"items_detail": [item.to_json() for item in definition.items], "secret": definition.secret}
    if definition.mode == "combined":
        choices = [b for b in ballots if isinstance(b, str)]
        return tally_motion(definition.motion, choices, kind="appointment",
                            extra={"mode": "combined", **extra})
    marks = [b for b in ballots if not isinstance(b, str)]
    return tally_per_person(
        definition.motion, [item.key for item in definition.items], marks, kind="appointment", extra=extra
    )
