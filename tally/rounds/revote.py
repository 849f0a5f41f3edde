"""A re-vote only cures a vote declared void, and holds that same round again; a valid result,
even 未通过, is final.

shared/domain.md "Motions and decisions": "Re-vote only to cure an invalid vote (system fault, more
ballots returned than issued, procedural error), declared by 主席团 / the presiding officer with a
reason. A valid 未通过 is final for that item." "Elections": a round is void if more ballots come
back than were issued (选举法 第四十四条) and must be held again. So the last round held — voided
ones included — must be the one declared void:

    revote may open  <=>  the last round held was declared void

    first (voided: 第3排表决器故障)              -> opens
    first (closed, 赞成 29 of 60, 未通过)       -> refused: revote_needs_void (409)
    first (voided), revote (closed, 通过)       -> refused: the re-vote's result stands
    no rounds yet                                -> refused

"Held again" means the void round, not the item's first ballot: the re-vote carries the fields the
round rule gave the void round (a re-vote among the tied keeps its tied and places, 另行选举 its
slate, seats and runoffs_held, a 预选 its nominees, the election proper after a 预选 the list it
fixed). A void first vote is held again on the item's definition, as corrected meanwhile:

    副县长, 2 seats: first (甲 elected; 乙, 丙 tied), tie re-vote among 乙, 丙 for 1 seat (voided)
        -> {"candidates": ["乙", "丙"], "seats": 1, "round": "tie_revote"}   (not 甲, 乙, 丙 for 2)
    first (voided)                               -> {}: the item's definition
"""

from __future__ import annotations

from collections.abc import Sequence

from tally.rounds.model import NextRound, PreviousRound, RoundRefused

NEEDS_VOID = RoundRefused("revote_needs_void", "只有前次表决被宣布无效后才能重新表决（有效的未通过结果为最终结果）")

#: What each round rule puts over the item's definition (tie_revote.py, runoff.py, preliminary.py,
#: first.py after a 预选): a re-vote of a void round of that kind repeats them.
ROUND_FIELDS: dict[str, tuple[str, ...]] = {
    "tie_revote": ("candidates", "seats", "round", "runoffs_held", "projects", "choose", "require_differential"),
    "runoff": ("candidates", "seats", "round", "runoffs_held"),
    "preliminary": ("round", "candidates"),
    "first": ("round", "candidates"),
}


def _cured_kind(rounds: Sequence[PreviousRound]) -> str:
    """What the last (void) round was: a re-vote is the round it cured, back to the original."""
    for previous in reversed(rounds):
        if previous.round_kind != "revote":
            return previous.round_kind
    return "first"


def open_round(rounds: Sequence[PreviousRound]) -> NextRound | RoundRefused:
    """Whether a re-vote may open after ``rounds``, and the void round's fields it is held on."""
    if not rounds or not rounds[-1].voided:
        return NEEDS_VOID
    void = rounds[-1].definition
    kind = _cured_kind(rounds)
    if kind not in ROUND_FIELDS or (kind == "first" and "round" not in void):
        return NextRound({})  # a first vote (or one entered by hand): the item's definition
    return NextRound({key: _copy(void[key]) for key in ROUND_FIELDS[kind] if key in void})


def _copy(value: object) -> object:
    """A new list for a stored list: the new round's definition owns it."""
    return list(value) if isinstance(value, list | tuple) else value
