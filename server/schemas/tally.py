"""What the API says about tally documents: an item's definition, a vote's frozen definition and a
ballot, per kind, taken from tally's own JSON Schema (tally/schema/tally-input.schema.json, the one
source of what a tally document holds), and the shape of a result per kind.

Definitions and ballots are checked by tally itself, not by these models: a definition that does
not fit is refused with 400 ``invalid_definition`` (or ``statutory_violation`` when it breaks a
statute), a ballot with 400 ``invalid_ballot``, each with ``field``. In a request they are plain
JSON objects whose schema is a reference to the components built here (server/openapi.py adds them).
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, WithJsonSchema

import tally
from server.domain import Action, Grade, ItemKind, Office, Outcome, VoteMethod
from server.schemas.base import Answer, OpenAnswer, absent

SCHEMA_FILE = Path(tally.__file__).parent / "schema" / "tally-input.schema.json"
REF = "#/components/schemas/{}"

#: Fields of a tally document the server sets when a vote opens; an item's definition may not hold them.
SET_AT_OPENING = ("kind", "title", "body", "members_of_record", "present", "ballots", "counts", "ballots_issued",
                  "forms_issued")

NAMES = {kind: "".join(part.title() for part in kind.split("_")) for kind in ItemKind}


def _per_kind() -> dict[str, dict[str, Any]]:
    """Each kind's schema (the ``then`` of its ``if kind == …``) in tally's JSON Schema."""
    document = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    branches = {entry["if"]["properties"]["kind"]["const"]: entry["then"] for entry in document["allOf"]}
    for branch in branches.values():  # totals are a way to count, never part of a definition
        del branch["properties"]["counts"], branch["oneOf"]
    return branches


def _without(schema: dict[str, Any], drop: tuple[str, ...], title: str, description: str) -> dict[str, Any]:
    out = copy.deepcopy(schema)
    out["properties"] = {k: v for k, v in out["properties"].items() if k not in drop}
    out["required"] = [k for k in out["required"] if k not in drop]
    if not out["required"]:
        del out["required"]
    return {"title": title, "description": description, "type": "object", **out}


def components() -> dict[str, Any]:
    """Per kind ``<Kind>Definition`` (an agenda item's), ``<Kind>VoteDefinition`` (a vote's, as
    frozen when it opened) and ``<Kind>Ballot``, and the unions ``ItemDefinition``,
    ``VoteDefinition`` and ``Ballot``."""
    out: dict[str, Any] = {}
    kinds = _per_kind()
    for kind, schema in kinds.items():
        name = NAMES[ItemKind(kind)]
        out[f"{name}Definition"] = _without(
            schema, SET_AT_OPENING, f"{name}Definition",
            f"The `definition` of an item of kind `{kind}` ({ItemKind(kind).label}): the fields of its tally document "
            "(README \"The tally file format\") except those the server sets when the vote opens: "
            + ", ".join(f"`{f}`" for f in SET_AT_OPENING) + ". Checked by tally when the item is added or changed.")
        out[f"{name}VoteDefinition"] = _without(
            schema, ("ballots",), f"{name}VoteDefinition",
            f"The definition of a vote of kind `{kind}` as frozen when it opened: the item's definition with the "
            "roll's figures (`members_of_record`, `present`), the body and the round; with the ballots it is the "
            "vote's document in `tally_inputs.json`.")
        ballot = copy.deepcopy(schema["properties"]["ballots"]["items"])
        out[f"{name}Ballot"] = {"title": f"{name}Ballot", **ballot,
                                "description": f"A ballot of a vote of kind `{kind}` (tally's ballot format)."}
    out["ItemDefinition"] = {
        "title": "ItemDefinition",
        "description": "An item's definition: the one for the item's kind.",
        "anyOf": [{"$ref": REF.format(f"{NAMES[ItemKind(k)]}Definition")} for k in kinds]}
    out["VoteDefinition"] = {
        "title": "VoteDefinition",
        "description": "A vote's definition as frozen when it opened, by kind.",
        "oneOf": [{"$ref": REF.format(f"{NAMES[ItemKind(k)]}VoteDefinition")} for k in kinds],
        "discriminator": {"propertyName": "kind",
                          "mapping": {k: REF.format(f"{NAMES[ItemKind(k)]}VoteDefinition") for k in kinds}}}
    out["Ballot"] = {
        "title": "Ballot",
        "description": "A ballot as tally reads it: `{\"choice\": …}` for a motion, `{\"marks\": {…}}` "
                       "(and `write_ins` in an election) for the others; which one is the vote's kind's.",
        "anyOf": [{"$ref": REF.format(f"{NAMES[ItemKind(k)]}Ballot")} for k in kinds]}
    return out


def reference(name: str) -> WithJsonSchema:
    """A JSON object in a model whose schema is the component ``name`` built here (wrapped in ``allOf``:
    Pydantic would look a bare ``$ref`` up among its own models)."""
    return WithJsonSchema({"allOf": [{"$ref": REF.format(name)}]})


JsonObject = dict[str, Any]
ItemDefinitionObject = Annotated[JsonObject, reference("ItemDefinition")]
VoteDefinitionObject = Annotated[JsonObject, reference("VoteDefinition")]
BallotObject = Annotated[JsonObject, reference("Ballot")]


MotionDefinitionObject = Annotated[JsonObject, reference("MotionDefinition")]
ListApprovalDefinitionObject = Annotated[JsonObject, reference("ListApprovalDefinition")]
AppointmentDefinitionObject = Annotated[JsonObject, reference("AppointmentDefinition")]
ElectionDefinitionObject = Annotated[JsonObject, reference("ElectionDefinition")]
ProjectVoteDefinitionObject = Annotated[JsonObject, reference("ProjectVoteDefinition")]
SatisfactionDefinitionObject = Annotated[JsonObject, reference("SatisfactionDefinition")]


# -- results -------------------------------------------------------------------------------------
Body = Literal["congress", "township_congress", "standing_committee", "presidium", "voters"]
Threshold = Literal["majority_of_all", "two_thirds_of_all"]


class Quorum(Answer):
    required: int = Field(description="How many must be present.")
    met: bool


class ResultAttendance(Answer):
    body: Body
    members_of_record: int = Field(description="实有: the base of every majority.")
    present: int = Field(description="实到.")
    quorum: Quorum


class BallotAccount(Answer):
    """``issued = returned + not_returned``, ``returned = valid + void``."""

    issued: int
    returned: int
    not_returned: int
    excess: int = Field(description="More ballots returned than issued (the vote is then invalid).")
    valid: int
    void: int


class ChoiceCounts(Answer):
    yes: int
    no: int
    abstain: int


class QuestionCounts(ChoiceCounts):
    not_voted: int = Field(description="未按: present but cast nothing.")


class QuestionResult(Answer):
    name: str
    counts: QuestionCounts
    outcome: Outcome


class AppointmentEntry(Answer):
    id: str = Field(description="How ballots name this question (the nominee unless given).")
    nominee: str
    post: str
    action: Action


class RunoffSlate(Answer):
    """A proposal for 另行选举 (officials may be newly nominated)."""

    seats: int
    candidates: list[str] = Field(description="In first-round order.")
    wanted: int
    short: int = Field(description="How many more candidates must be nominated.")
    renomination_allowed: bool
    runoff_number: int
    proposal: bool


class Points(Answer):
    points: int
    support: int


class Rate(Answer):
    numerator: int
    denominator: int
    percent: str = Field(description="Two decimals and %, e.g. `96.00%`.")


class TargetResult(Answer):
    satisfied: int
    basically_satisfied: int
    unsatisfied: int
    valid: int
    invalid: int
    rate: Rate | None
    base: int
    outcome: Grade
    consequence: str | None


class ResultCommon(OpenAnswer):
    title: str
    attendance: ResultAttendance
    ballots: BallotAccount
    void_ballots: int
    rule: str = Field(description="The rule that decided, with its statute.")
    announcement: str = Field(description="The Chinese text the chair reads out.")
    manual: VoteMethod = absent("Only on a result entered by hand: how it was taken (`show_of_hands` or `paper`).")


class MotionResult(ResultCommon):
    kind: Literal[ItemKind.MOTION]
    threshold: Threshold
    counts: QuestionCounts
    outcome: Outcome
    reason: str | None = Field(description="Why the vote is invalid (no quorum, too many ballots), else null.")


class PerPersonFields(ResultCommon):
    threshold: Threshold
    mode: str = absent("`individual` when voted person by person (then `items` and `counts` per person).")
    items: list[QuestionResult] = absent("Person by person: each one's counts and outcome.")
    counts: QuestionCounts | dict[str, QuestionCounts] = Field(
        description="The counts, or person by person: `{person: counts}`.")
    outcome: Outcome = Field(description="Person by person: `mixed` when some passed and some failed.")
    reason: str | None


class ListApprovalResult(PerPersonFields):
    kind: Literal[ItemKind.LIST_APPROVAL]


class AppointmentResult(PerPersonFields):
    kind: Literal[ItemKind.APPOINTMENT]
    items_detail: list[AppointmentEntry]
    secret: bool


class ElectionResult(ResultCommon):
    kind: Literal[ItemKind.ELECTION]
    office: Office
    round: Literal["first", "runoff", "tie_revote", "preliminary"]
    runoffs_held: int
    seats: int
    places: int
    round_valid: bool
    reason: str | None
    counts: dict[str, ChoiceCounts] = Field(description="Per listed candidate, in ballot order.")
    write_ins: dict[str, int] = Field(description="另选他人: votes per name written in.")
    ineligible_write_ins: int
    elected: list[str]
    tied: list[str] = Field(description="Tied for the last places: a re-vote among them (`round` `tie_revote`).")
    tied_places: int
    unfilled: int
    runoff: RunoffSlate | None


class ProjectVoteResult(ResultCommon):
    kind: Literal[ItemKind.PROJECT_VOTE]
    mode: Literal["approval", "ranking"]
    choose: int
    round_valid: bool
    reason: str | None
    counts: dict[str, ChoiceCounts | Points] = Field(description="Per project: choices, or points when ranked.")
    elected: list[str]
    chosen: list[str]
    tied: list[str]
    tied_places: int
    unfilled: int


class SatisfactionResult(ResultCommon):
    kind: Literal[ItemKind.SATISFACTION]
    base: Literal["members", "valid", "present"]
    counts: dict[str, TargetResult] = Field(description="Per target.")
    outcome: dict[str, Grade] = Field(description="Per target: its grade.")


Result = Annotated[
    MotionResult | ListApprovalResult | AppointmentResult | ElectionResult | ProjectVoteResult | SatisfactionResult,
    Field(discriminator="kind"),
]
