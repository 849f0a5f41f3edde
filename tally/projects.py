"""民生实事项目票决: deputies choose N projects out of M (差额), secret.

shared/domain.md "民生实事项目票决" (seeds 002, 004). The rules come from the session's 票决办法,
modelled on elections; each is a setting here:
- ``mode = "approval"`` (default): per project 赞成/反对/弃权; a ballot with more than N 赞成 is void
  (rules/void_ballot.py); a project is chosen iff ``2 * yes > members_of_record``
  (rules/majority.py, setting ``require_majority``, default on), then the top N by 赞成.
- ``mode = "ranking"``: each ballot ranks up to N projects 1..N; Borda-style points
  (rules/borda.py); a ballot ranking more than N, repeating a rank or using a rank outside 1..N is
  void; "support" = ballots that rank the project, and the majority test (if on) applies to support;
  then the top N by points.
- a tie at the cutoff -> re-vote among the tied (rules/top_n.py).
- the list must be 差额 (M > N), setting ``require_differential`` (default on).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from tally import announce, standing
from tally.errors import StatutoryViolation
from tally.model import Attendance, BallotAccount, Choice, ChoiceCounts
from tally.rules import borda, majority, top_n, void_ballot

Mode = Literal["approval", "ranking"]
MODES: tuple[Mode, ...] = ("approval", "ranking")
RULE_APPROVAL = "2*yes > members_of_record, then top N by yes（票决办法，参照组织法 第二十五条）"
RULE_APPROVAL_PLAIN = "top N by yes（票决办法）"
RULE_RANKING = "top N by Borda points（票决办法：按优先顺序排序计分）"
RULE_RANKING_MAJORITY = "2*support > members_of_record, then top N by Borda points（票决办法）"


@dataclass(frozen=True)
class Project:
    name: str
    cost: str | None = None
    owner: str | None = None


@dataclass(frozen=True)
class ProjectVoteDefinition:
    projects: tuple[Project, ...]
    choose: int
    attendance: Attendance
    ballots_issued: int
    title: str = ""
    mode: Mode = "approval"
    require_majority: bool = True
    require_differential: bool = True

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.projects)

    def validate(self) -> None:
        if self.require_differential and len(self.projects) <= self.choose:
            raise StatutoryViolation(
                "project_differential",
                f"票决办法：民生实事项目实行差额票决，候选项目数（{len(self.projects)}）应多于拟定项目数（{self.choose}）",
            )


@dataclass(frozen=True)
class ProjectBallot:
    """Approval marks (project -> choice) or ranks (project -> 1..N)."""

    marks: Mapping[str, Choice] | None = None
    ranks: Mapping[str, int] | None = None


@dataclass(frozen=True)
class ProjectCount:
    name: str
    counts: ChoiceCounts
    points: int
    support: int

    def to_json(self, mode: Mode) -> dict[str, int]:
        if mode == "ranking":
            return {"points": self.points, "support": self.support}
        return self.counts.to_json()


@dataclass(frozen=True)
class ProjectVoteResult:
    definition: ProjectVoteDefinition
    round_valid: bool
    reason: str | None
    account: BallotAccount
    projects: tuple[ProjectCount, ...]
    chosen: tuple[str, ...]
    tied: tuple[str, ...]
    tied_places: int
    unfilled: int
    rule: str

    @property
    def announcement(self) -> str:
        d = self.definition
        attendance = announce.attendance(d.attendance.members_of_record, d.attendance.present)
        ballots = announce.ballots(self.account)
        if not self.round_valid:
            return announce.render("project_vote_void", attendance=attendance, ballots=ballots, reason=self.reason)
        if d.mode == "ranking":
            lines = [
                announce.render("project_points_line", name=p.name, points=p.points, supporters=p.support)
                for p in self.projects
            ]
        else:
            lines = [
                announce.render(
                    "project_line", name=p.name,
                    counts=announce.choice_counts(p.counts.yes, p.counts.no, p.counts.abstain),
                )
                for p in self.projects
            ]
        sentences = [announce.render("projects_chosen", names=announce.names(self.chosen) or "无")]
        if self.tied:
            sentences.append(announce.render("tied", names=announce.names(self.tied), places=self.tied_places))
        if self.unfilled:
            sentences.append(f"尚缺{self.unfilled}个项目")
        return f"{attendance}；{ballots}。{announce.lines(lines)}。{announce.lines(sentences)}。"

    def to_json(self) -> dict[str, object]:
        d = self.definition
        return {
            "kind": "project_vote",
            "title": d.title,
            "mode": d.mode,
            "choose": d.choose,
            "attendance": d.attendance.to_json(),
            "round_valid": self.round_valid,
            "reason": self.reason,
            "ballots": self.account.to_json(),
            "void_ballots": self.account.void,
            "counts": {p.name: p.to_json(d.mode) for p in self.projects},
            "elected": list(self.chosen),
            "chosen": list(self.chosen),
            "tied": list(self.tied),
            "tied_places": self.tied_places,
            "unfilled": self.unfilled,
            "rule": self.rule,
            "announcement": self.announcement,
        }


def is_void(ballot: ProjectBallot, choose: int) -> bool:
    """Too many supported (rules/void_ballot.py); for ranking also a repeated or out-of-range rank."""
    if ballot.ranks is not None:
        ranks = list(ballot.ranks.values())
        if len(set(ranks)) != len(ranks) or any(r < 1 or r > choose for r in ranks):
            return True
        return void_ballot.is_void(len(ranks), choose)
    marks = ballot.marks or {}
    return void_ballot.is_void(sum(1 for c in marks.values() if c == "yes"), choose)


def tally_projects(definition: ProjectVoteDefinition, ballots: Sequence[ProjectBallot]) -> ProjectVoteResult:
    d = definition
    valid = [b for b in ballots if not is_void(b, d.choose)]
    account = BallotAccount(d.ballots_issued, len(ballots), len(ballots) - len(valid))
    counts = []
    for name in d.names:
        choices = ChoiceCounts.of((b.marks or {}).get(name, "abstain") for b in valid) if d.mode == "approval" \
            else ChoiceCounts()
        ranked = [b.ranks[name] for b in valid if b.ranks is not None and name in b.ranks]
        points = sum(borda.points(r, d.choose) for r in ranked)
        counts.append(ProjectCount(name, choices, points, len(ranked)))
    return decide_projects(d, account, tuple(counts))


def decide_projects(
    definition: ProjectVoteDefinition, account: BallotAccount, projects: tuple[ProjectCount, ...]
) -> ProjectVoteResult:
    """Decide from the totals per project (in list order) and the ballot account."""
    d = definition
    invalid = standing.invalidity(d.attendance, account.returned, account.issued)
    if invalid is not None:
        rule, reason = invalid
        return ProjectVoteResult(d, False, reason, account, projects, (), (), 0, d.choose, rule)

    base = d.attendance.members_of_record
    if d.mode == "ranking":
        score = {p.name: p.points for p in projects if p.support > 0}
        support = {p.name: p.support for p in projects}
        rule = RULE_RANKING_MAJORITY if d.require_majority else RULE_RANKING
    else:
        score = {p.name: p.counts.yes for p in projects if p.counts.yes > 0}
        support = {p.name: p.counts.yes for p in projects}
        rule = RULE_APPROVAL if d.require_majority else RULE_APPROVAL_PLAIN
    if d.require_majority:
        score = {name: s for name, s in score.items() if majority.passes(support[name], base)}
    order = {name: i for i, name in enumerate(d.names)}
    placement = top_n.place(score, d.choose, order)
    unfilled = d.choose - len(placement.placed) - placement.places_left
    return ProjectVoteResult(
        d, True, None, account, projects, placement.placed, placement.tied, placement.places_left, unfilled, rule
    )
