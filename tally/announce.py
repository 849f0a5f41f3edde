"""The Chinese announcements the presiding officer reads, rendered from templates.

shared/domain.md "Motions and decisions": "应到 N 人，实到 M 人；赞成 a 票，反对 b 票，弃权 c 票，
未按 d 人；通过/未通过". Every sentence lives in ``TEMPLATES``; the functions only fill them in.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from tally.model import BallotAccount

TEMPLATES: dict[str, str] = {
    "attendance": "应到{members}人，实到{present}人",
    "choice_counts": "赞成{yes}票，反对{no}票，弃权{abstain}票",
    "not_voted": "未按{not_voted}人",
    "motion": "{attendance}；{counts}，{not_voted}；{verdict}。",
    "person_line": "{name}：{counts}，{not_voted}，{verdict}",
    "per_person": "{attendance}。{lines}。",
    "invalid": "{attendance}；本次表决无效：{reason}。",
    "ballots": "发出选票{issued}张，收回{returned}张，其中有效票{valid}张，无效票{void}张",
    "election_head": "{attendance}；{ballots}，本次选举有效。",
    "election_void": "{attendance}；{ballots}，{reason}，本次选举无效，应重新进行选举。",
    "project_vote_void": "{attendance}；{ballots}，{reason}，本次票决无效，应重新进行票决。",
    "candidate_line": "{name}得赞成票{yes}票，反对票{no}票，弃权票{abstain}票",
    "write_in_line": "另选他人{name}得{yes}票",
    "ineligible_write_ins_deputies": "另选他人中有{count}票所写的人不是本级人民代表大会代表，依法不计入",
    "ineligible_write_ins": "另选他人中有{count}票所写的人不符合本次选举的条件，不计入",
    "elected": "{names}获得全体代表过半数选票，当选",
    "elected_revote": "{names}得票多，当选",
    "tied": "{names}得票相等，应就上述人选再次投票，决定{places}个名额",
    "unfilled": "尚缺{unfilled}个名额，依法另行选举",
    "none_elected": "无人当选",
    "preliminary": "{attendance}；{ballots}。预选按得票多少确定正式候选人：{names}。",
    "project_line": "{name}：{counts}",
    "project_points_line": "{name}：得{points}分（{supporters}名代表排序）",
    "projects_chosen": "确定为民生实事项目的是：{names}",
    "target_line": "{name}：满意{satisfied}票，基本满意{basic}票，不满意{unsatisfied}票，"
    "无效{invalid}票，满意率{rate}，测评结果为{grade}",
    "satisfaction": "{attendance}；收回测评表{returned}份。{lines}。",
    "no_quorum": "出席人数不足法定人数（需{required}人）",
    "excess_ballots": "收回票数多于发出票数",
    "manual": "（{method}）",
}

VERDICTS = {"passed": "通过", "failed": "未通过"}
GRADES = {"satisfied": "满意", "basically_satisfied": "基本满意", "unsatisfied": "不满意"}
LIST_SEPARATOR = "、"
LINE_SEPARATOR = "；"


def render(template: str, **fields: Any) -> str:
    """Fill in ``TEMPLATES[template]``."""
    return TEMPLATES[template].format(**fields)


def names(items: Iterable[str]) -> str:
    return LIST_SEPARATOR.join(items)


def lines(items: Iterable[str]) -> str:
    return LINE_SEPARATOR.join(items)


def attendance(members: int, present: int) -> str:
    return render("attendance", members=members, present=present)


def choice_counts(yes: int, no: int, abstain: int) -> str:
    return render("choice_counts", yes=yes, no=no, abstain=abstain)


def ballots(account: BallotAccount) -> str:
    """发出/收回/有效/无效 of a round's ballots (shared/domain.md "Elections": every ballot accounted for)."""
    return render("ballots", issued=account.issued, returned=account.returned, valid=account.valid,
                  void=account.void)
