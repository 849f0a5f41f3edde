"""The values the round rules take and give: plain, frozen, no ORM objects.

A :class:`PreviousRound` is one vote already held on an item, in any state, as the server stored
it: its kind, its state, its result (tally's JSON, or None while it is open) and its definition.
A rule answers with a value (design.md: expected outcomes are values):

- :class:`NextRound`: the round may open, and ``fields`` are the definition fields it gets on top
  of the item's own definition (tied candidates and places, unfilled seats, the 另行选举 slate...);
- :class:`RoundRefused`: it may not; a stable ``code`` for programs and a Chinese ``message`` for
  the chair. ``conflict`` is true when the item's history forbids it (the server answers 409) and
  false when the request itself is wrong for this kind of item (400, naming ``field``).

Stored results and definitions were written by tally itself; a value of the wrong shape there is a
bug elsewhere and raises :class:`tally.errors.MalformedInput`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from tally.errors import MalformedInput

RoundKind = Literal["first", "revote", "tie_revote", "runoff", "preliminary"]
ROUND_KINDS: tuple[RoundKind, ...] = ("first", "revote", "tie_revote", "runoff", "preliminary")


@dataclass(frozen=True)
class PreviousRound:
    """One vote already held on the item, first round first.

    ``round_kind`` is a :data:`RoundKind`, or ``"manual"`` for a result entered by hand;
    ``state`` is ``"open"``, ``"closed"`` or ``"voided"`` (declared invalid, 宣布表决无效).
    """

    round_kind: str
    state: str
    result: Mapping[str, object] | None = None
    definition: Mapping[str, object] = field(default_factory=dict)

    @property
    def voided(self) -> bool:
        return self.state == "voided"


@dataclass(frozen=True)
class NextRound:
    """The new round may open; ``fields`` go into its definition over the item's own."""

    fields: Mapping[str, object]


@dataclass(frozen=True)
class RoundRefused:
    """The new round may not open: 409 if ``conflict`` (the item's history), else 400 (the request)."""

    code: str
    message: str
    field: str | None = None
    conflict: bool = True


def names(value: object, where: str) -> list[str]:
    """A stored list of names, as a new list."""
    if isinstance(value, list | tuple) and all(isinstance(name, str) for name in value):
        return list(value)
    raise MalformedInput(where, "应为名单 (must be a list of names)")


def count(value: object, where: str) -> int:
    """A stored whole number (seats, places, rounds held)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    raise MalformedInput(where, "应为整数 (must be an integer)")
