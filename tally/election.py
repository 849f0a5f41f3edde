"""Elections (选举): always secret; per-candidate 赞成/反对/弃权 with write-ins (另选他人).

shared/domain.md "Elections". The pieces, each its own rule module:
- the ballot carries a lawful number of candidates (rules/candidate_count.py, 组织法 第二十七条,
  选举法 第三十一条); more nominated than the 选举办法's 差额数 -> a 预选 ranks them (``round="preliminary"``);
- a ballot supporting more than ``seats`` people is void (rules/void_ballot.py);
- the round is void when more ballots come back than were issued (rules/round_validity.py,
  选举法 第四十四条), and cannot stand without quorum (rules/quorum.py);
- a contender is elected only with ``2 * yes > all deputies`` (rules/qualification.py);
- more qualifiers than seats -> most votes; a tie across the last seat -> re-vote among the tied
  (rules/top_n.py), where most votes win with no new majority test;
- fewer elected than seats -> 另行选举 with a proposed slate (rules/runoff_slate.py), unless the
  选举办法's limit on 另行选举 rounds (``max_runoff_rounds``) is reached.
An unmarked candidate counts as 弃权. A write-in names a person not on the ballot.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import chain
from typing import Literal

from tally import announce, standing
from tally.errors import StatutoryViolation
from tally.model import Attendance, BallotAccount, Choice, ChoiceCounts
from tally.rules import candidate_count, qualification, runoff_slate, top_n, void_ballot, write_in
from tally.rules.candidate_count import Office, Rounding

Round = Literal["first", "runoff", "tie_revote", "preliminary"]
ROUNDS: tuple[Round, ...] = ("first", "runoff", "tie_revote", "preliminary")
#: Who may be written in (另选他人), by post (shared/domain.md "Elections"): ``deputies`` — only
#: deputies of this congress (常委会组成人员, 乡镇人大主席/副主席); ``voters`` — any deputy or voter
#: (政府领导人员, 上一级人大代表 and the other posts).
WriteInScope = Literal["deputies", "voters"]
WRITE_IN_SCOPES: tuple[WriteInScope, ...] = ("deputies", "voters")
RepeatedTie = Literal["revote", "defer"]
REPEATED_TIES: tuple[RepeatedTie, ...] = ("revote", "defer")

RULE_QUALIFY = "2*yes > members_of_record（组织法 第二十八条、选举法 第四十五条：获得全体代表过半数选票始得当选）"
RULE_MOST_VOTES = "most votes（得票相等重新投票时，得票多的当选，不再要求过半数）"
RULE_PRELIMINARY = "preliminary ranking（组织法 第二十七条：预选按得票多少确定正式候选人名单）"


@dataclass(frozen=True)
class ElectionBallot:
    """One ballot: marks for listed candidates (missing = 弃权) and write-in names."""

    marks: Mapping[str, Choice]
    write_ins: tuple[str, ...] = ()


@dataclass(frozen=True)
class ElectionDefinition:
    """One round of one election, as fixed in the 选举办法."""

    office: Office
    seats: int
    candidates: tuple[str, ...]
    attendance: Attendance
    ballots_issued: int
    title: str = ""
    round: Round = "first"
    runoffs_held: int = 0
    by_election: bool = False
    nominated: int | None = None
    differential: int | None = None
    list_size: int | None = None
    allow_write_ins: bool = True
    write_in_eligible: frozenset[str] | None = None
    write_in_scope: WriteInScope | None = None
    member_rounding: Rounding = "at_least_one"
    repeated_tie: RepeatedTie = "revote"
    max_runoff_rounds: int | None = None

    @property
    def places(self) -> int:
        """How many are chosen: seats, or for a 预选 the size of the official list."""
        if self.round == "preliminary" and self.list_size is not None:
            return self.list_size
        return self.seats

    @property
    def scope(self) -> WriteInScope:
        """Who may be written in: as the definition says, else ``deputies`` for 常委会委员 (``member``)
        and ``voters`` for the other offices."""
        if self.write_in_scope is not None:
            return self.write_in_scope
        return "deputies" if self.office == "member" else "voters"

    @property
    def write_ins_possible(self) -> bool:
        """Write-ins are allowed in a first round and in 另行选举, never in a 预选 or a tie re-vote."""
        return self.allow_write_ins and self.round in ("first", "runoff")

    def validate(self) -> None:
        """Raise :class:`StatutoryViolation` if the ballot breaks a statutory rule."""
        if self.round == "preliminary":
            self._validate_preliminary()
        elif self.round != "tie_revote":
            self._validate_count()


    def _validate_preliminary(self) -> None:
        if self.list_size is None or self.list_size < self.seats:
            raise StatutoryViolation(
                "preliminary_list_size",
                "组织法 第二十七条：预选须按选举办法规定的差额数确定正式候选人人数（list_size 不少于 seats）",
            )
        if len(self.candidates) <= self.list_size:
            raise StatutoryViolation(
                "preliminary_not_needed",
                "组织法 第二十七条：提名的候选人数未超过选举办法规定的差额数，不进行预选",
            )
        # The list the 预选 fixes is the ballot of the election proper: it must itself be lawful.
        reason = candidate_count.check(self.office, self.seats, self.list_size, nominated=len(self.candidates),
                                       by_election=self.by_election, rounding=self.member_rounding)
        if reason is not None:
            raise StatutoryViolation(f"candidate_count.{self.office}", f"预选确定的正式候选人人数不合法：{reason}")
        if self.differential is not None and not self.by_election and self.list_size - self.seats != self.differential:
            raise StatutoryViolation(
                "differential", f"预选确定的正式候选人人数应为应选人数加选举办法规定的差额数（{self.differential}）")

    def _validate_count(self) -> None:
        reason = candidate_count.check(
            self.office,
            self.seats,
            len(self.candidates),
            nominated=self.nominated if self.nominated is not None else len(self.candidates),
            by_election=self.by_election,
            runoff=self.round == "runoff",
            rounding=self.member_rounding,
        )
        if reason is not None:
            raise StatutoryViolation(f"candidate_count.{self.office}", reason)
        if self.differential is None or self.by_election or self.round != "first":
            return
        extra = len(self.candidates) - self.seats
        if extra > self.differential:
            raise StatutoryViolation(
                "preliminary_required",
                f"组织法 第二十七条：候选人数超过选举办法规定的差额数（{self.differential}），应当进行预选",
            )
        if extra < self.differential:
            raise StatutoryViolation(
                "differential", f"候选人数与选举办法规定的差额数（{self.differential}）不符"
            )


@dataclass(frozen=True)
class CandidateCount:
    name: str
    counts: ChoiceCounts


@dataclass(frozen=True)
class ElectionResult:
    """The round's count and who is elected, tied or still to be elected."""

    definition: ElectionDefinition
    round_valid: bool
    reason: str | None
    account: BallotAccount
    candidates: tuple[CandidateCount, ...]
    write_ins: tuple[CandidateCount, ...]
    ineligible_write_ins: int
    elected: tuple[str, ...]
    tied: tuple[str, ...]
    tied_places: int
    unfilled: int
    runoff: runoff_slate.Slate | None
    rule: str

    @property
    def announcement(self) -> str:
        d = self.definition
        attendance = announce.attendance(d.attendance.members_of_record, d.attendance.present)
        ballots = announce.ballots(self.account)
        if not self.round_valid:
            return announce.render("election_void", attendance=attendance, ballots=ballots, reason=self.reason)
        if d.round == "preliminary":
            text = announce.render(
                "preliminary", attendance=attendance, ballots=ballots, names=announce.names(self.elected)
            )
            return text + self._closing()
        lines = [
            announce.render("candidate_line", name=c.name, **c.counts.to_json()) for c in self.candidates
        ] + [announce.render("write_in_line", name=w.name, yes=w.counts.yes) for w in self.write_ins]
        if self.ineligible_write_ins:
            template = "ineligible_write_ins_deputies" if d.scope == "deputies" else "ineligible_write_ins"
            lines.append(announce.render(template, count=self.ineligible_write_ins))
        head = announce.render("election_head", attendance=attendance, ballots=ballots)
        return head + announce.lines(lines) + "。" + self._closing()

    def _closing(self) -> str:
        """The sentences on who is elected, who is tied and what is left unfilled."""
        d = self.definition
        sentences: list[str] = []
        if self.elected and d.round != "preliminary":
            template = "elected_revote" if d.round == "tie_revote" else "elected"
            sentences.append(announce.render(template, names=announce.names(self.elected)))
        if self.tied:
            sentences.append(announce.render("tied", names=announce.names(self.tied), places=self.tied_places))
        if self.unfilled and d.round != "preliminary":
            if not self.elected and not self.tied:
                sentences.append(announce.render("none_elected"))
            sentences.append(announce.render("unfilled", unfilled=self.unfilled))
        return announce.lines(sentences) + "。" if sentences else ""

    def to_json(self) -> dict[str, object]:
        d = self.definition
        slate = None
        if self.runoff is not None:
            slate = {
                "seats": self.runoff.seats,
                "candidates": list(self.runoff.candidates),
                "wanted": self.runoff.wanted,
                "short": self.runoff.short,
                "renomination_allowed": self.runoff.renomination_allowed,
                "runoff_number": d.runoffs_held + 1,
                "proposal": True,
            }
        return {
            "kind": "election",
            "title": d.title,
            "office": d.office,
            "round": d.round,
            "runoffs_held": d.runoffs_held,
            "seats": d.seats,
            "places": d.places,
            "attendance": d.attendance.to_json(),
            "round_valid": self.round_valid,
            "reason": self.reason,
            "ballots": self.account.to_json(),
            "void_ballots": self.account.void,
            "counts": {c.name: c.counts.to_json() for c in self.candidates},
            "write_ins": {w.name: w.counts.yes for w in self.write_ins},
            "ineligible_write_ins": self.ineligible_write_ins,
            "elected": list(self.elected),
            "tied": list(self.tied),
            "tied_places": self.tied_places,
            "unfilled": self.unfilled,
            "runoff": slate,
            "rule": self.rule,
            "announcement": self.announcement,
        }


def is_void(ballot: ElectionBallot, places: int) -> bool:
    """rules/void_ballot.py: 赞成 + write-ins > places."""
    supported = list(ballot.marks.values()).count("yes") + len(ballot.write_ins)
    return void_ballot.is_void(supported, places)


def _candidate_counts(names: Sequence[str], valid_ballots: Sequence[ElectionBallot]) -> tuple[CandidateCount, ...]:
    """赞成/反对 per candidate in one pass over the marks; every unmarked candidate is 弃权."""
    marks = Counter(chain.from_iterable(ballot.marks.items() for ballot in valid_ballots))
    total = len(valid_ballots)
    counts = []
    for name in names:
        yes, no = marks[(name, "yes")], marks[(name, "no")]
        counts.append(CandidateCount(name, ChoiceCounts(yes, no, total - yes - no)))
    return tuple(counts)


def _write_in_counts(
    definition: ElectionDefinition, valid_ballots: Sequence[ElectionBallot]
) -> tuple[tuple[CandidateCount, ...], int]:
    """Votes per eligible write-in (most first), and how many write-ins named someone ineligible."""
    votes, ineligible = write_in.count((ballot.write_ins for ballot in valid_ballots), definition.write_in_eligible)
    return tuple(CandidateCount(name, ChoiceCounts(yes=votes[name])) for name in top_n.ordered(votes)), ineligible


def _contenders(
    d: ElectionDefinition, candidates: Sequence[CandidateCount], write_ins: Sequence[CandidateCount]
) -> tuple[dict[str, int], str]:
    """Who competes for the places, with their votes, and the rule that admits them."""
    if d.round == "tie_revote":
        return {c.name: c.counts.yes for c in candidates}, RULE_MOST_VOTES
    if d.round == "preliminary":
        return {c.name: c.counts.yes for c in candidates}, RULE_PRELIMINARY
    base = d.attendance.members_of_record
    qualified = {c.name: c.counts.yes for c in (*candidates, *write_ins) if qualification.qualifies(c.counts.yes, base)}
    return qualified, RULE_QUALIFY


def tally_election(definition: ElectionDefinition, ballots: Sequence[ElectionBallot]) -> ElectionResult:
    """Count one round. The definition must already satisfy :meth:`ElectionDefinition.validate`."""
    d = definition
    valid_ballots = [b for b in ballots if not is_void(b, d.places)]
    account = BallotAccount(issued=d.ballots_issued, returned=len(ballots), void=len(ballots) - len(valid_ballots))
    candidates = _candidate_counts(d.candidates, valid_ballots)
    write_ins, ineligible = _write_in_counts(d, valid_ballots)
    return decide_election(d, account, candidates, write_ins, ineligible)


def decide_election(
    definition: ElectionDefinition,
    account: BallotAccount,
    candidates: tuple[CandidateCount, ...],
    write_ins: tuple[CandidateCount, ...] = (),
    ineligible: int = 0,
) -> ElectionResult:
    """Decide one round from its totals: the ballot account, 赞成/反对/弃权 per listed candidate
    (in ballot order) and the eligible write-ins (most votes first)."""
    d = definition
    invalid = standing.invalidity(d.attendance, account.returned, account.issued)
    if invalid is not None:
        rule, reason = invalid
        return ElectionResult(
            d, False, reason, account, candidates, write_ins, ineligible, (), (), 0, d.places, None, rule
        )

    contenders, rule = _contenders(d, candidates, write_ins)
    order = {c.name: i for i, c in enumerate((*candidates, *write_ins))}
    placement = top_n.place(contenders, d.places, order)
    tied, tied_places = placement.tied, placement.places_left
    if d.round == "tie_revote" and d.repeated_tie == "defer":
        tied, tied_places = (), 0
    unfilled = d.places - len(placement.placed) - tied_places
    slate = None
    rounds_left = d.max_runoff_rounds is None or d.runoffs_held < d.max_runoff_rounds
    if unfilled > 0 and d.round != "preliminary" and rounds_left:
        out = set(placement.placed) | set(tied)
        remaining = {c.name: c.counts.yes for c in candidates if c.name not in out}
        slate = runoff_slate.propose(d.office, unfilled, remaining, d.candidates, d.member_rounding)
    return ElectionResult(
        d, True, None, account, candidates, write_ins, ineligible,
        placement.placed, tied, tied_places, unfilled, slate, rule,
    )
