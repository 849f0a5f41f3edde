"""The agenda: an item's fields (server/usecases/agenda.py), its definition per kind (tally.py)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from server.domain import ItemKind, ItemState
from server.schemas.base import Answer, Request, absent
from server.schemas.tally import (
    AppointmentDefinitionObject,
    ElectionDefinitionObject,
    ItemDefinitionObject,
    ListApprovalDefinitionObject,
    MotionDefinitionObject,
    ProjectVoteDefinitionObject,
    SatisfactionDefinitionObject,
)

ChangeRule = Literal["last", "first"]

TITLE = "The item's name (not blank, at most 300 characters)."
SECRET = ("无记名 (true, the default) or 记名 (false: a named vote, whose named table is published); an election is "
          "always secret (组织法 第二十八条: false is refused with 400 `statutory_violation`).")
CHANGE = ("Whether a deputy may change their choice before the vote closes: `last` (the default: the last ballot "
          "counts) or `first` (the first key press counts).")
AMENDS = "The id of the motion of this meeting that this motion amends (修正案, voted before it); motions only."
DEFINITION = "What is voted on (tally's format for the kind; checked by tally: 400 `invalid_definition` or " \
             "`statutory_violation`, with `field`)."


class NewItemBase(Request):
    kind: ItemKind
    title: str = Field(min_length=1, max_length=300, description=TITLE)
    secret: bool = absent(SECRET)
    change_before_close: ChangeRule = absent(CHANGE)
    amends: int | None = absent(AMENDS + " null: none.")


class NewMotion(NewItemBase):
    kind: Literal[ItemKind.MOTION]
    definition: MotionDefinitionObject = absent(DEFINITION + " Default `{}`.")


class NewListApproval(NewItemBase):
    kind: Literal[ItemKind.LIST_APPROVAL]
    definition: ListApprovalDefinitionObject = absent(DEFINITION + " Default `{}`.")


class NewAppointment(NewItemBase):
    kind: Literal[ItemKind.APPOINTMENT]
    definition: AppointmentDefinitionObject = Field(description=DEFINITION)


class NewElection(NewItemBase):
    kind: Literal[ItemKind.ELECTION]
    definition: ElectionDefinitionObject = Field(description=DEFINITION)


class NewProjectVote(NewItemBase):
    kind: Literal[ItemKind.PROJECT_VOTE]
    definition: ProjectVoteDefinitionObject = Field(description=DEFINITION)


class NewSatisfaction(NewItemBase):
    kind: Literal[ItemKind.SATISFACTION]
    definition: SatisfactionDefinitionObject = Field(description=DEFINITION)


NewItem = Annotated[
    NewMotion | NewListApproval | NewAppointment | NewElection | NewProjectVote | NewSatisfaction,
    Field(discriminator="kind", description="An agenda item: its kind decides what its definition holds."),
]


class ItemChange(Request):
    """The fields to change; those left out keep their values. An item whose vote has begun cannot be changed
    (409 `item_voted`)."""

    kind: ItemKind = absent("A new kind (the definition, given or kept, must fit it).")
    title: str = absent(TITLE, min_length=1, max_length=300)
    definition: ItemDefinitionObject = absent(
        "The whole new definition, for the item's kind (the new `kind` if given). " + DEFINITION)
    secret: bool = absent(SECRET)
    change_before_close: ChangeRule = absent(CHANGE)
    amends: int | None = absent(AMENDS + " null: none.")


class Move(Request):
    position: int = Field(ge=1, le=100000, description="The new place on the agenda, 1 = first.")


class ItemSettings(Answer):
    change_before_close: ChangeRule = absent(CHANGE)


class Item(Answer):
    id: int
    position: int = Field(description="Place on the agenda, 1 = first.")
    kind: ItemKind
    title: str
    secret: bool
    state: ItemState
    amends: int | None
    definition: ItemDefinitionObject
    settings: ItemSettings
