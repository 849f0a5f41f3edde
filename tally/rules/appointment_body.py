"""Which body decides an appointment, removal or resignation, and so whose "all members" is the base.

Every one passes iff 2 * yes > all members of the deciding body (majority.py); what differs is
the body (shared/domain.md "Appointments and removals"):
- 任命/决定任命/免职/批准任免/决定代理人选/接受辞职 (officials): the standing committee (组织法 第五十条);
  the congress may also accept an official's resignation or decide 任免 at its session.
- 撤职 (监督法 第六十至六十二条): the standing committee only; secret.
- 罢免 of officials (组织法 第十三条, 第三十一条): the congress (county or township); secret by default.
- 罢免 of a next-level deputy (选举法 第五十二条): the congress at its session, or the county standing
  committee between sessions; secret.
- a deputy's resignation (选举法 第五十五条): county -> the standing committee; township -> the
  township congress.
A standing committee of 25 members decides 任命: 13 yes pass (26 > 25), 12 do not.
"""

from __future__ import annotations

from typing import Literal, get_args

from tally.rules.quorum import Body

Action = Literal[
    "appoint",
    "dismiss",
    "approve",
    "acting",
    "accept_resignation",
    "remove",
    "recall",
    "recall_deputy",
    "deputy_resignation",
]

ACTIONS: tuple[Action, ...] = get_args(Action)

ACTION_NAMES: dict[Action, str] = {
    "appoint": "任命",
    "dismiss": "免职",
    "approve": "批准任免",
    "acting": "决定代理人选",
    "accept_resignation": "接受辞职",
    "remove": "撤职",
    "recall": "罢免",
    "recall_deputy": "罢免代表",
    "deputy_resignation": "接受代表辞职",
}

_DECIDING_BODIES: dict[Action, tuple[Body, ...]] = {
    "appoint": ("standing_committee", "congress", "township_congress"),
    "dismiss": ("standing_committee", "congress", "township_congress"),
    "approve": ("standing_committee",),
    "acting": ("standing_committee",),
    "accept_resignation": ("standing_committee", "congress", "township_congress"),
    "remove": ("standing_committee",),
    "recall": ("congress", "township_congress"),
    "recall_deputy": ("congress", "standing_committee"),
    "deputy_resignation": ("standing_committee", "township_congress"),
}

_STATUTE: dict[Action, str] = {
    "appoint": "组织法 第五十条",
    "dismiss": "组织法 第五十条",
    "approve": "组织法 第五十条",
    "acting": "组织法 第五十条",
    "accept_resignation": "组织法 第三十二条、第五十条",
    "remove": "监督法 第六十条至第六十二条",
    "recall": "组织法 第十三条、第三十一条",
    "recall_deputy": "选举法 第五十二条",
    "deputy_resignation": "选举法 第五十五条",
}

MUST_BE_SECRET: frozenset[Action] = frozenset({"remove", "recall_deputy"})


def check_body(action: Action, body: Body) -> str | None:
    """``None`` if ``body`` may decide ``action``, else the reason citing the statute."""
    if body in _DECIDING_BODIES[action]:
        return None
    return f"{_STATUTE[action]}：{ACTION_NAMES[action]}不由该机构表决"
