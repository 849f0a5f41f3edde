"""The file interface: one JSON document in, one JSON result out (``python -m tally count``).

The schema is documented in README.md ("The tally file format") and in
``tally/schema/tally-input.schema.json``. Parsing is strict: an unknown field, a wrong type or an
impossible number raises :class:`MalformedInput` naming the field; a definition that breaks a
statutory rule raises :class:`StatutoryViolation` naming the rule.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar, cast

from tally import totals
from tally.appointment import MODES as APPOINTMENT_MODES
from tally.appointment import AppointmentDefinition, AppointmentItem, tally_appointment
from tally.election import (
    REPEATED_TIES,
    ROUNDS,
    WRITE_IN_SCOPES,
    CandidateCount,
    ElectionBallot,
    ElectionDefinition,
    decide_election,
    tally_election,
)
from tally.errors import MalformedInput, StatutoryViolation
from tally.model import CHOICES, Attendance, BallotAccount, Choice, ChoiceCounts
from tally.motion import (
    THRESHOLDS,
    MotionDefinition,
    decide_motion,
    decide_per_person,
    tally_motion,
    tally_per_person,
)
from tally.projects import MODES as PROJECT_MODES
from tally.projects import (
    Project,
    ProjectBallot,
    ProjectCount,
    ProjectVoteDefinition,
    decide_projects,
    tally_projects,
)
from tally.rules.appointment_body import ACTIONS
from tally.rules.candidate_count import OFFICES, ROUNDINGS
from tally.rules.quorum import BODIES, PRESIDIUM_QUORUMS
from tally.rules.satisfaction_tiers import Tier
from tally.satisfaction import (
    BASES,
    GRADES,
    GradeCounts,
    Mark,
    SatisfactionDefinition,
    decide_satisfaction,
    tally_satisfaction,
)

KINDS = ("motion", "list_approval", "election", "appointment", "project_vote", "satisfaction")
_COMMON = {
    "kind", "title", "body", "members_of_record", "present", "presidium_quorum", "ballots", "counts", "id", "note",
}
_FIELDS: dict[str, set[str]] = {
    "motion": {"threshold"},
    "list_approval": {"threshold", "mode", "persons"},
    "appointment": {"threshold", "mode", "items", "secret"},
    "election": {
        "office", "seats", "candidates", "ballots_issued", "round", "runoffs_held", "by_election",
        "nominated", "differential", "list_size", "allow_write_ins", "write_in_eligible",
        "member_rounding", "repeated_tie", "max_runoff_rounds", "secret", "write_in_scope",
    },
    "project_vote": {"choose", "projects", "ballots_issued", "mode", "require_majority", "require_differential"},
    "satisfaction": {"targets", "forms_issued", "base", "tiers", "consequences"},
}
_DEFAULT_BODY = {"appointment": "standing_committee"}

T = TypeVar("T")


def _get(doc: Mapping[str, Any], key: str, kind: type[T], where: str, default: T | None = None) -> T:
    field = f"{where}{key}"
    if key not in doc:
        if default is None:
            raise MalformedInput(field, "缺少必填字段 (required field missing)")
        return default
    value = doc[key]
    if kind is int and (isinstance(value, bool) or not isinstance(value, int)):
        raise MalformedInput(field, "应为整数 (must be an integer)")
    if not isinstance(value, kind):
        raise MalformedInput(field, f"类型错误，应为 {kind.__name__} (must be {kind.__name__})")
    return value


def _int(doc: Mapping[str, Any], key: str, *, low: int, high: int | None = None,
         default: int | None = None, where: str = "") -> int:
    value = _get(doc, key, int, where, default)
    if value < low or (high is not None and value > high):
        bound = f"{low}..{high}" if high is not None else f">= {low}"
        raise MalformedInput(f"{where}{key}", f"取值超出范围，应为 {bound} (out of range, must be {bound})")
    return value


def _choice_of(doc: Mapping[str, Any], key: str, allowed: Sequence[T], default: T | None = None,
               where: str = "") -> T:
    value = _get(doc, key, str, where, cast("str | None", default))
    if value not in allowed:
        raise MalformedInput(f"{where}{key}", f"取值应为 {', '.join(map(str, allowed))} 之一 (got {value!r})")
    return cast(T, value)


def _bool(doc: Mapping[str, Any], key: str, default: bool) -> bool:
    return _get(doc, key, bool, "", default)


def _names(doc: Mapping[str, Any], key: str, *, minimum: int = 1) -> tuple[str, ...]:
    values = _get(doc, key, list, "")
    names = []
    for i, value in enumerate(values):
        if not isinstance(value, str) or not value.strip():
            raise MalformedInput(f"{key}[{i}]", "应为非空字符串 (must be a non-empty string)")
        names.append(value.strip())
    if len(set(names)) != len(names):
        raise MalformedInput(key, "名称重复 (duplicate names)")
    if len(names) < minimum:
        raise MalformedInput(key, f"至少需要{minimum}项 (at least {minimum} entries)")
    return tuple(names)


def _ballots(doc: Mapping[str, Any], parse: Callable[[Mapping[str, Any], str], T]) -> list[T]:
    """Every ballot parsed. A ballot object that appears more than once in the list (a verifier
    that parsed each distinct ballot line once hands the same object for each copy) is parsed
    once: parsing is pure, and an error in it would have been raised at its first place."""
    raw = _get(doc, "ballots", list, "")
    parsed = []
    seen: dict[int, T] = {}
    for i, ballot in enumerate(raw):
        known = seen.get(id(ballot))
        if known is not None:
            parsed.append(known)
            continue
        where = f"ballots[{i}]"
        if not isinstance(ballot, dict):
            raise MalformedInput(where, "应为对象 (must be an object)")
        parsed.append(result := parse(ballot, where))
        seen[id(ballot)] = result
    return parsed


def _only(ballot: Mapping[str, Any], where: str, allowed: set[str]) -> None:
    extra = sorted(set(ballot) - allowed)
    if extra:
        raise MalformedInput(f"{where}.{extra[0]}", "未知字段 (unknown field)")


def _choice_ballot(ballot: Mapping[str, Any], where: str) -> Choice:
    _only(ballot, where, {"choice"})
    return _choice_of(ballot, "choice", CHOICES, where=f"{where}.")


def _marks(ballot: Mapping[str, Any], where: str, names: Sequence[str], values: Sequence[T],
           extra_fields: frozenset[str] = frozenset()) -> dict[str, T]:
    if not ballot.keys() <= {"marks"} | extra_fields:
        _only(ballot, where, {"marks"} | extra_fields)
    marks = _get(ballot, "marks", dict, f"{where}.", {})
    if _plainly_valid(marks, _frozen(tuple(names)), _frozen(tuple(values))):
        return cast(dict[str, T], marks)
    known = set(names)
    for name, value in marks.items():
        if name not in known:
            raise MalformedInput(f"{where}.marks.{name}", "不在名单中 (not on the ballot)")
        if value not in values or isinstance(value, bool):
            raise MalformedInput(
                f"{where}.marks.{name}", f"取值应为 {', '.join(map(str, values))} 之一 (got {value!r})"
            )
    raise AssertionError("unreachable: _plainly_valid said no")  # pragma: no cover


@functools.lru_cache(maxsize=64)
def _frozen(items: Sequence[Any]) -> frozenset[Any]:
    return frozenset(items)


def _plainly_valid(marks: Mapping[str, Any], known: frozenset[str], allowed: frozenset[Any]) -> bool:
    """The fast path for a well-formed ballot: set operations instead of a loop per mark.
    (``True == 1``, so a rank given as a boolean must not slip through.)"""
    if not marks.keys() <= known:
        return False
    try:
        if not set(marks.values()) <= allowed:
            return False
    except TypeError:  # an unhashable value (a list, an object)
        return False
    return all(isinstance(value, str) for value in allowed) or not any(type(v) is bool for v in marks.values())


def _attendance(doc: Mapping[str, Any], kind: str) -> Attendance:
    members = _int(doc, "members_of_record", low=1)
    return Attendance(
        body=_choice_of(doc, "body", BODIES, cast(Any, _DEFAULT_BODY.get(kind, "congress"))),
        members_of_record=members,
        present=_int(doc, "present", low=0, high=members),
        presidium_quorum=_choice_of(doc, "presidium_quorum", PRESIDIUM_QUORUMS, "majority"),
    )


def _motion_definition(doc: Mapping[str, Any], kind: str) -> MotionDefinition:
    return MotionDefinition(
        attendance=_attendance(doc, kind),
        threshold=_choice_of(doc, "threshold", THRESHOLDS, "majority_of_all"),
        title=_get(doc, "title", str, "", ""),
    )


def _count_motion(doc: Mapping[str, Any]) -> dict[str, object]:
    definition = _motion_definition(doc, "motion")
    if "counts" in doc:
        return decide_motion(definition, totals.motion(doc["counts"])).to_json()
    return tally_motion(definition, _ballots(doc, _choice_ballot)).to_json()


def _count_list_approval(doc: Mapping[str, Any]) -> dict[str, object]:
    definition = _motion_definition(doc, "list_approval")
    mode = _choice_of(doc, "mode", ("whole", "per_person"), "whole")
    if mode == "whole":
        persons = _names(doc, "persons", minimum=0) if "persons" in doc else ()
        extra = {"mode": "whole", "persons": list(persons)}
        if "counts" in doc:
            return decide_motion(definition, totals.motion(doc["counts"]), kind="list_approval", extra=extra).to_json()
        return tally_motion(definition, _ballots(doc, _choice_ballot), kind="list_approval", extra=extra).to_json()
    persons = _names(doc, "persons")
    if "counts" in doc:
        counts, returned = totals.per_person(doc["counts"], persons)
        return decide_per_person(definition, counts, returned, kind="list_approval").to_json()
    marks = _ballots(doc, lambda b, w: _marks(b, w, persons, CHOICES))
    return tally_per_person(definition, persons, marks, kind="list_approval").to_json()


def _count_appointment(doc: Mapping[str, Any]) -> dict[str, object]:
    motion = _motion_definition(doc, "appointment")
    raw_items = _get(doc, "items", list, "")
    items = []
    for i, raw in enumerate(raw_items):
        where = f"items[{i}]"
        if not isinstance(raw, dict):
            raise MalformedInput(where, "应为对象 (must be an object)")
        _only(raw, where, {"id", "nominee", "post", "action"})
        nominee = _get(raw, "nominee", str, f"{where}.")
        if not nominee.strip():
            raise MalformedInput(f"{where}.nominee", "应为非空字符串 (must be a non-empty string)")
        items.append(AppointmentItem(
            key=_get(raw, "id", str, f"{where}.", nominee),
            nominee=nominee,
            post=_get(raw, "post", str, f"{where}.", ""),
            action=_choice_of(raw, "action", ACTIONS, where=f"{where}."),
        ))
    if not items:
        raise MalformedInput("items", "至少需要1项 (at least 1 entry)")
    keys = [item.key for item in items]
    if len(set(keys)) != len(keys):
        raise MalformedInput("items", "同一人有多项时须以 id 区分 (duplicate ids; give each item an id)")
    definition = AppointmentDefinition(
        motion=motion,
        items=tuple(items),
        mode=_choice_of(doc, "mode", APPOINTMENT_MODES, "individual"),
        secret=_bool(doc, "secret", True),
    )
    definition.validate()
    if "counts" in doc:
        extra: dict[str, object] = {"items_detail": [item.to_json() for item in items], "secret": definition.secret}
        if definition.mode == "combined":
            return decide_motion(motion, totals.motion(doc["counts"]), kind="appointment",
                                 extra={"mode": "combined", **extra}).to_json()
        counts, returned = totals.per_person(doc["counts"], keys)
        return decide_per_person(motion, counts, returned, kind="appointment", extra=extra).to_json()
    if definition.mode == "combined":
        return tally_appointment(definition, _ballots(doc, _choice_ballot)).to_json()
    marks = _ballots(doc, lambda b, w: _marks(b, w, keys, CHOICES))
    return tally_appointment(definition, marks).to_json()


def _count_election(doc: Mapping[str, Any]) -> dict[str, object]:
    if not _bool(doc, "secret", True):
        raise StatutoryViolation("secret_ballot.election", "组织法 第二十八条：选举一律采用无记名投票的方式")
    candidates = _names(doc, "candidates")
    seats = _int(doc, "seats", low=1)
    attendance = _attendance(doc, "election")
    eligible = _names(doc, "write_in_eligible", minimum=0) if "write_in_eligible" in doc else None
    definition = ElectionDefinition(
        office=_choice_of(doc, "office", OFFICES),
        seats=seats,
        candidates=candidates,
        attendance=attendance,
        ballots_issued=_int(doc, "ballots_issued", low=0, high=attendance.present),
        title=_get(doc, "title", str, "", ""),
        round=_choice_of(doc, "round", ROUNDS, "first"),
        runoffs_held=_int(doc, "runoffs_held", low=0, default=0),
        by_election=_bool(doc, "by_election", False),
        nominated=_int(doc, "nominated", low=1) if "nominated" in doc else None,
        differential=_int(doc, "differential", low=0) if "differential" in doc else None,
        list_size=_int(doc, "list_size", low=1) if "list_size" in doc else None,
        allow_write_ins=_bool(doc, "allow_write_ins", True),
        write_in_eligible=frozenset(eligible) if eligible is not None else None,
        write_in_scope=_choice_of(doc, "write_in_scope", WRITE_IN_SCOPES) if "write_in_scope" in doc else None,
        member_rounding=_choice_of(doc, "member_rounding", ROUNDINGS, "at_least_one"),
        repeated_tie=_choice_of(doc, "repeated_tie", REPEATED_TIES, "revote"),
        max_runoff_rounds=_int(doc, "max_runoff_rounds", low=0) if "max_runoff_rounds" in doc else None,
    )
    definition.validate()
    write_ins_allowed = definition.write_ins_possible
    listed = set(candidates)
    if "counts" in doc:
        (returned, void), counted, write_ins, ineligible = totals.election(
            doc["counts"], candidates, definition.places, write_ins_allowed=write_ins_allowed,
            eligible=definition.write_in_eligible,
        )
        return decide_election(
            definition,
            BallotAccount(definition.ballots_issued, returned, void),
            tuple(CandidateCount(name, c) for name, c in counted),
            tuple(CandidateCount(name, ChoiceCounts(yes=votes)) for name, votes in write_ins),
            ineligible,
        ).to_json()

    def parse(ballot: Mapping[str, Any], where: str) -> ElectionBallot:
        marks = _marks(ballot, where, candidates, CHOICES, frozenset({"write_ins"}))
        raw = _get(ballot, "write_ins", list, f"{where}.", [])
        if raw and not write_ins_allowed:
            raise MalformedInput(f"{where}.write_ins", "本轮选举不得另选他人 (write-ins not allowed in this round)")
        return ElectionBallot(marks, totals.write_in_names(raw, listed, f"{where}.write_ins"))

    return tally_election(definition, _ballots(doc, parse)).to_json()


def _count_project_vote(doc: Mapping[str, Any]) -> dict[str, object]:
    raw_projects = _get(doc, "projects", list, "")
    projects = []
    for i, raw in enumerate(raw_projects):
        where = f"projects[{i}]"
        if isinstance(raw, str):
            raw = {"name": raw}
        if not isinstance(raw, dict):
            raise MalformedInput(where, "应为名称或对象 (must be a name or an object)")
        _only(raw, where, {"name", "cost", "owner"})
        name = _get(raw, "name", str, f"{where}.")
        cost = _get(raw, "cost", str, f"{where}.", "") or None
        owner = _get(raw, "owner", str, f"{where}.", "") or None
        projects.append(Project(name.strip(), cost, owner))
    _names({"projects": [p.name for p in projects]}, "projects")
    attendance = _attendance(doc, "project_vote")
    definition = ProjectVoteDefinition(
        projects=tuple(projects),
        choose=_int(doc, "choose", low=1, high=max(1, len(projects))),
        attendance=attendance,
        ballots_issued=_int(doc, "ballots_issued", low=0, high=attendance.present, default=attendance.present),
        title=_get(doc, "title", str, "", ""),
        mode=_choice_of(doc, "mode", PROJECT_MODES, "approval"),
        require_majority=_bool(doc, "require_majority", True),
        require_differential=_bool(doc, "require_differential", True),
    )
    definition.validate()
    names = definition.names
    if "counts" in doc:
        (returned, void), rows = totals.projects(doc["counts"], names, definition.choose,
                                                 ranking=definition.mode == "ranking")
        account = BallotAccount(definition.ballots_issued, returned, void)
        return decide_projects(definition, account, tuple(ProjectCount(*row) for row in rows)).to_json()
    if definition.mode == "ranking":
        ranks = range(1, len(names) + 1)
        ballots = _ballots(doc, lambda b, w: ProjectBallot(ranks=_marks(b, w, names, ranks)))
    else:
        ballots = _ballots(doc, lambda b, w: ProjectBallot(marks=_marks(b, w, names, CHOICES)))
    return tally_projects(definition, ballots).to_json()


def _satisfaction_mark(value: object, field: str) -> Mark:
    if value is None:
        return None
    if isinstance(value, list):
        if any(v not in GRADES for v in value):
            raise MalformedInput(field, f"取值应为 {', '.join(GRADES)} 之一")
        return cast(Mark, value[0]) if len(value) == 1 else None
    if value not in GRADES:
        raise MalformedInput(field, f"取值应为 {', '.join(GRADES)} 之一 (got {value!r})")
    return cast(Mark, value)


def _count_satisfaction(doc: Mapping[str, Any]) -> dict[str, object]:
    targets = _names(doc, "targets")
    present = _int(doc, "present", low=0)
    tiers = None
    if "tiers" in doc:
        tiers = []
        for i, raw in enumerate(_get(doc, "tiers", list, "")):
            where = f"tiers[{i}]"
            if not isinstance(raw, dict):
                raise MalformedInput(where, "应为对象 (must be an object)")
            _only(raw, where, {"grade", "counted", "min_percent"})
            tiers.append(Tier(
                grade=_choice_of(raw, "grade", GRADES, where=f"{where}."),
                counted=_choice_of(raw, "counted", ("satisfied", "satisfied_or_basic"), where=f"{where}."),
                min_percent=_int(raw, "min_percent", low=0, high=100, where=f"{where}."),
            ))
    consequences = None
    if "consequences" in doc:
        consequences = _get(doc, "consequences", dict, "")
        for grade, text in consequences.items():
            if grade not in GRADES or not isinstance(text, str):
                raise MalformedInput(f"consequences.{grade}", "应为 测评结果 -> 文字 (grade -> text)")
    definition = SatisfactionDefinition(
        targets=targets,
        attendance=_attendance(doc, "satisfaction"),
        forms_issued=_int(doc, "forms_issued", low=0, default=present),
        title=_get(doc, "title", str, "", ""),
        base=_choice_of(doc, "base", BASES, "members"),
        tiers=tuple(tiers) if tiers is not None else None,
        consequences=consequences,
    )
    if "counts" in doc:
        returned, rows = totals.satisfaction(doc["counts"], targets)
        return decide_satisfaction(definition, returned, [GradeCounts(*row) for row in rows]).to_json()
    known = set(targets)

    def parse(ballot: Mapping[str, Any], where: str) -> dict[str, Mark]:
        _only(ballot, where, {"marks"})
        marks = _get(ballot, "marks", dict, f"{where}.", {})
        for name in marks:
            if name not in known:
                raise MalformedInput(f"{where}.marks.{name}", "不在测评对象中 (not a target)")
        return {name: _satisfaction_mark(value, f"{where}.marks.{name}") for name, value in marks.items()}

    return tally_satisfaction(definition, _ballots(doc, parse)).to_json()


_COUNTERS: dict[str, Callable[[Mapping[str, Any]], dict[str, object]]] = {
    "motion": _count_motion,
    "list_approval": _count_list_approval,
    "appointment": _count_appointment,
    "election": _count_election,
    "project_vote": _count_project_vote,
    "satisfaction": _count_satisfaction,
}


def count_document(doc: Mapping[str, Any]) -> dict[str, Any]:
    """Count one vote described by a JSON document; the result is a JSON-ready dict."""
    if not isinstance(doc, Mapping):
        raise MalformedInput("$", "文档应为 JSON 对象 (the document must be a JSON object)")
    kind = _choice_of(doc, "kind", KINDS)
    unknown = sorted(set(doc) - _COMMON - _FIELDS[kind])
    if unknown:
        raise MalformedInput(unknown[0], f"{kind} 不认识该字段 (unknown field for kind {kind})")
    if "counts" in doc and "ballots" in doc:
        raise MalformedInput("counts", "ballots（逐票）与 counts（票数合计）只能给出其一 (ballots or counts, not both)")
    return dict(_COUNTERS[kind](doc))
