"""Totals instead of ballots: the ``counts`` member of a tally document.

A vote whose single ballots are not available — an encrypted secret vote decrypted only as totals
by the 监票人 (docs/ballot-crypto.md §5), a 举手 count, a paper count reported by the 总监票人 —
is counted from its totals. The statutory rules are the same functions as for ballots
(``decide_*`` in motion.py, election.py, projects.py, satisfaction.py); this module only reads the
totals and refuses any that no set of ballots could have produced (a count over the ballots
returned, a name not on the ballot, more 赞成 than the places allow on every ballot together).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any

from tally.errors import MalformedInput
from tally.model import ChoiceCounts
from tally.rules import top_n, write_in

JsonMap = Mapping[str, Any]


def _object(value: object, field: str) -> JsonMap:
    if not isinstance(value, dict):
        raise MalformedInput(field, "应为对象 (must be an object)")
    return value


def _count(doc: JsonMap, key: str, field: str, *, default: int | None = None) -> int:
    if key not in doc:
        if default is None:
            raise MalformedInput(f"{field}.{key}", "缺少必填字段 (required field missing)")
        return default
    value = doc[key]
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise MalformedInput(f"{field}.{key}", "应为非负整数 (must be a non-negative integer)")
    return value


def _only(doc: JsonMap, field: str, allowed: set[str]) -> None:
    extra = sorted(set(doc) - allowed)
    if extra:
        raise MalformedInput(f"{field}.{extra[0]}", "未知字段 (unknown field)")


def _per_name(doc: JsonMap, key: str, names: Sequence[str], field: str) -> dict[str, JsonMap]:
    """One object per listed name, every name present, no other."""
    table = _object(doc.get(key), f"{field}.{key}")
    for name in table:
        if name not in names:
            raise MalformedInput(f"{field}.{key}.{name}", "不在名单中 (not on the ballot)")
    missing = [name for name in names if name not in table]
    if missing:
        raise MalformedInput(f"{field}.{key}.{missing[0]}", "缺少该项的票数 (no count for this name)")
    return {name: _object(table[name], f"{field}.{key}.{name}") for name in names}


def _at_most(value: int, limit: int, field: str, what: str) -> None:
    if value > limit:
        raise MalformedInput(field, f"{what} {value} 超过票数 {limit} (more than the {limit} ballots it is out of)")


def choice_counts(doc: JsonMap, field: str, *, of: int | None = None, abstain: bool = True) -> ChoiceCounts:
    """赞成/反对 (and 弃权 where given) of one question; with ``of``, the total may not exceed it."""
    allowed = {"yes", "no", "abstain"} if abstain else {"yes", "no"}
    _only(doc, field, allowed)
    yes, no = _count(doc, "yes", field), _count(doc, "no", field)
    counts = ChoiceCounts(yes, no, _count(doc, "abstain", field) if abstain else 0)
    if of is not None:
        _at_most(counts.total, of, field, "票数合计")
    return counts


def motion(raw: object) -> ChoiceCounts:
    """A question voted as one: ``{"yes", "no", "abstain"}`` (returned = their sum)."""
    return choice_counts(_object(raw, "counts"), "counts")


def per_person(raw: object, names: Sequence[str]) -> tuple[list[tuple[str, ChoiceCounts]], int]:
    """``{"returned": R, "persons": {name: {"yes", "no", "abstain"}}}``; unmarked = 未按."""
    doc = _object(raw, "counts")
    _only(doc, "counts", {"returned", "persons"})
    returned = _count(doc, "returned", "counts")
    table = _per_name(doc, "persons", names, "counts")
    return [(name, choice_counts(table[name], f"counts.persons.{name}", of=returned)) for name in names], returned


def ballot_account(doc: JsonMap) -> tuple[int, int]:
    """``returned`` and ``void`` (default 0) of a document's totals."""
    returned = _count(doc, "returned", "counts")
    void = _count(doc, "void", "counts", default=0)
    if void > returned:
        raise MalformedInput("counts.void", "废票数超过收回票数 (more void than returned)")
    return returned, void


def election(
    raw: object, candidates: Sequence[str], places: int, *, write_ins_allowed: bool,
    eligible: frozenset[str] | None,
) -> tuple[tuple[int, int], list[tuple[str, ChoiceCounts]], list[tuple[str, int]], int]:
    """``{"returned", "void"?, "candidates": {name: {"yes", "no"}}, "write_ins"?: {name: votes},
    "ineligible_write_ins"?}``; 弃权 = valid − 赞成 − 反对 per candidate.

    Returns the account (returned, void), the candidates in ballot order, the eligible write-ins
    most votes first, and the write-ins that named someone ineligible."""
    doc = _object(raw, "counts")
    _only(doc, "counts", {"returned", "void", "candidates", "write_ins", "ineligible_write_ins", "write_in_ballots"})
    returned, void = ballot_account(doc)
    valid = returned - void
    table = _per_name(doc, "candidates", candidates, "counts")
    counted = []
    for name in candidates:
        marks = choice_counts(table[name], f"counts.candidates.{name}", of=valid, abstain=False)
        counted.append((name, ChoiceCounts(marks.yes, marks.no, valid - marks.total)))
    if "write_in_ballots" in doc:
        votes, ineligible = _write_in_ballots(doc, candidates, places, valid, write_ins_allowed=write_ins_allowed,
                                              eligible=eligible)
    else:
        votes, ineligible = _write_in_totals(doc, candidates, valid, write_ins_allowed=write_ins_allowed,
                                             eligible=eligible)
    supported = sum(c.yes for _, c in counted) + sum(votes.values()) + ineligible
    if supported > places * valid:
        raise MalformedInput("counts", f"赞成与另选他人合计 {supported} 超过 {valid} 张有效票可有的 {places * valid} "
                                       f"(more support than {valid} valid ballots of {places} places can hold)")
    return (returned, void), counted, [(name, votes[name]) for name in top_n.ordered(votes)], ineligible


def _write_in_totals(
    doc: JsonMap, candidates: Sequence[str], valid: int, *, write_ins_allowed: bool, eligible: frozenset[str] | None,
) -> tuple[dict[str, int], int]:
    """``write_ins`` {name: votes} and ``ineligible_write_ins`` as counted by hand."""
    raw_write_ins = _object(doc.get("write_ins", {}), "counts.write_ins")
    ineligible = _count(doc, "ineligible_write_ins", "counts", default=0)
    if (raw_write_ins or ineligible) and not write_ins_allowed:
        raise MalformedInput("counts.write_ins", "本轮选举不得另选他人 (write-ins not allowed in this round)")
    votes: dict[str, int] = {}
    for name in raw_write_ins:
        field = f"counts.write_ins.{name}"
        if not name.strip() or name.strip() in candidates:
            raise MalformedInput(field, "另选他人应为名单外的人名 (a write-in names someone not on the list)")
        if eligible is not None and name.strip() not in eligible:
            raise MalformedInput(field, "不符合另选他人的条件，应计入 ineligible_write_ins (not eligible)")
        votes[name.strip()] = _count(raw_write_ins, name, "counts.write_ins")
        _at_most(votes[name.strip()], valid, field, "得票数")
    return votes, ineligible


def _write_in_ballots(
    doc: JsonMap, candidates: Sequence[str], places: int, valid: int, *, write_ins_allowed: bool,
    eligible: frozenset[str] | None,
) -> tuple[dict[str, int], int]:
    """``write_in_ballots``: the names written on each ballot that has write-ins (an encrypted
    vote's two write-in rounds, docs/ballot-crypto.md §6.1), counted by the rules that count
    plaintext ballots (rules/write_in.py)."""
    if "write_ins" in doc or "ineligible_write_ins" in doc:
        raise MalformedInput("counts.write_in_ballots", "与 write_ins、ineligible_write_ins 不能同时给出 "
                                                        "(give the ballots' names or the totals, not both)")
    raw = doc["write_in_ballots"]
    if not isinstance(raw, list):
        raise MalformedInput("counts.write_in_ballots", "应为数组 (must be an array)")
    if raw and not write_ins_allowed:
        raise MalformedInput("counts.write_in_ballots", "本轮选举不得另选他人 (write-ins not allowed in this round)")
    _at_most(len(raw), valid, "counts.write_in_ballots", "有另选他人的选票数")
    ballots = []
    for b, names in enumerate(raw):
        field = f"counts.write_in_ballots[{b}]"
        if not isinstance(names, list) or not 1 <= len(names) <= places:
            raise MalformedInput(field, f"应为1到{places}个姓名的数组 (1 to {places} names)")
        ballots.append(write_in_names(names, candidates, field))
    return write_in.count(ballots, eligible)


def write_in_names(raw: Sequence[object], listed: Collection[str], field: str) -> tuple[str, ...]:
    """One ballot's write-ins, trimmed, by rules/write_in.py (MalformedInput naming the field)."""
    for i, name in enumerate(raw):
        reason = write_in.fault(name, listed)
        if reason is not None:
            raise MalformedInput(f"{field}[{i}]", reason)
    names = tuple(str(name).strip() for name in raw)
    if write_in.repeated(names):
        raise MalformedInput(field, "同一人重复填写 (the same person written twice)")
    return names


def projects(
    raw: object, names: Sequence[str], choose: int, *, ranking: bool
) -> tuple[tuple[int, int], list[tuple[str, ChoiceCounts, int, int]]]:
    """approval: ``{"returned", "void"?, "projects": {name: {"yes", "no"}}}`` (弃权 the rest);
    ranking: ``{"returned", "void"?, "projects": {name: {"points", "support"}}}``.

    Returns the account and per project (name, 赞成/反对/弃权, points, support)."""
    doc = _object(raw, "counts")
    _only(doc, "counts", {"returned", "void", "projects"})
    returned, void = ballot_account(doc)
    valid = returned - void
    table = _per_name(doc, "projects", names, "counts")
    rows = []
    for name in names:
        field = f"counts.projects.{name}"
        entry = table[name]
        if ranking:
            _only(entry, field, {"points", "support"})
            support, points = _count(entry, "support", field), _count(entry, "points", field)
            _at_most(support, valid, f"{field}.support", "排序票数")
            if points > support * choose or points < support:
                raise MalformedInput(f"{field}.points", f"得分应在 {support}..{support * choose} 之间 "
                                                       "(points must lie between support and support × N)")
            rows.append((name, ChoiceCounts(), points, support))
        else:
            marks = choice_counts(entry, field, of=valid, abstain=False)
            rows.append((name, ChoiceCounts(marks.yes, marks.no, valid - marks.total), 0, 0))
    # A valid ballot supports at most N projects (void_ballot.py) and gives at most N + (N-1) + … + 1
    # points (borda.py), so the totals over the valid ballots cannot exceed valid times that.
    supported = sum(support if ranking else c.yes for _, c, _, support in rows)
    if supported > choose * valid:
        raise MalformedInput("counts", f"支持合计 {supported} 超过 {valid} 张有效票可有的 {choose * valid} "
                                       f"(more support than {valid} valid ballots of {choose} places can hold)")
    if ranking and sum(points for _, _, points, _ in rows) > valid * choose * (choose + 1) // 2:
        raise MalformedInput("counts", "得分合计超过有效票可给的分数 (more points than the valid ballots can give)")
    return (returned, void), rows


def satisfaction(raw: object, targets: Sequence[str]) -> tuple[int, list[tuple[int, int, int]]]:
    """``{"returned", "targets": {name: {"satisfied", "basically_satisfied", "unsatisfied"}}}``;
    forms that marked none (or several) for a target are the rest, invalid for that target."""
    doc = _object(raw, "counts")
    _only(doc, "counts", {"returned", "targets"})
    returned = _count(doc, "returned", "counts")
    table = _per_name(doc, "targets", targets, "counts")
    rows = []
    for name in targets:
        field = f"counts.targets.{name}"
        entry = table[name]
        _only(entry, field, {"satisfied", "basically_satisfied", "unsatisfied"})
        row = (_count(entry, "satisfied", field), _count(entry, "basically_satisfied", field),
               _count(entry, "unsatisfied", field))
        _at_most(sum(row), returned, field, "测评票数合计")
        rows.append(row)
    return returned, rows
