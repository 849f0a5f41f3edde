"""Votes: opening a round, closing, extending, voiding, a result counted by hand, reading a vote,
the HTTP ballot and its receipt, and the public state of a meeting."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, WithJsonSchema

from server.domain import BodyKind, ItemKind, RoundKind, VoidGround, VoteMethod, VoteState
from server.schemas.agenda import Item
from server.schemas.base import MAX_ID, Answer, Request, absent
from server.schemas.encryption import DecryptionState, EncryptedBallot, Encryption
from server.schemas.roll import AttendanceSummary
from server.schemas.tally import BallotObject, Result, VoteDefinitionObject

DateTime = Annotated[str, Field(json_schema_extra={"format": "date-time"})]

OpenRound = Literal[RoundKind.FIRST, RoundKind.REVOTE, RoundKind.TIE_REVOTE, RoundKind.RUNOFF, RoundKind.PRELIMINARY]


class OpenVote(Request):
    round: OpenRound = Field(
        default=RoundKind.FIRST,
        description="`first` (首轮, the default); `revote` after the last round was voided — that round again (a "
                    "void tie re-vote, 另行选举 or 预选 is held again on its own list and seats); `tie_revote` among "
                    "the tied of the last round (keeping its `runoffs_held`); `runoff` (另行选举) for unfilled seats, "
                    "refused (`runoff_limit`) once `max_runoff_rounds` are held, whoever names the slate; "
                    "`preliminary` (预选, elections, before any other round: else `preliminary_too_late`).")
    candidates: list[str] | None = Field(
        default=None, description="A runoff's or preliminary round's slate (default: the proposed one); null: none.")
    seats: int | None = Field(default=None, ge=1, le=100000, description="A runoff's seats (default: the unfilled).")
    countdown_s: int | None = Field(
        default=None, ge=-MAX_ID, le=MAX_ID,
        description="A countdown of 10 to 3600 seconds (else 400 `invalid_countdown`); null: none.")
    method: Literal[VoteMethod.ELECTRONIC, VoteMethod.PAPER] = Field(
        default=VoteMethod.ELECTRONIC,
        description="`electronic` (the default) or `paper` (纸质选票 keyed by two 计票人; elections only).")
    ballots_issued: int | None = Field(
        default=None, ge=0, le=MAX_ID,
        description="Ballots handed out; required for `paper` (at most those present), default: those present.")


class VoteOpened(Answer):
    vote_id: str = Field(description="`v<item id>-<round number>`.")
    round_no: int
    definition: VoteDefinitionObject
    deadline: DateTime | None = Field(description="When the countdown ends; null: no countdown.")


class Extend(Request):
    seconds: int = Field(ge=-MAX_ID, le=MAX_ID, description="10 to 1800 (else 400 `invalid_extension`).")


class Void(Request):
    ground: VoidGround
    reason: str = Field(max_length=500, description="The particulars; required, not blank.")


HAND_COUNTS: dict[str, Any] = {
    "type": "object",
    "properties": {c: {"type": "integer", "minimum": 0} for c in ("yes", "no", "abstain")},
    "additionalProperties": False,
}
ManualCounts = Annotated[dict[str, Any], WithJsonSchema({
    "description": "A motion's, a whole list's or a combined appointment's counts `{yes, no, abstain}` (absent = 0); "
                   "voted person by person (a `per_person` list, an `individual` appointment): `{person: {yes, no, "
                   "abstain}}` for every person (the appointment's item `id` or nominee).",
    "anyOf": [HAND_COUNTS, {"type": "object", "additionalProperties": HAND_COUNTS}],
})]


class Manual(Request):
    method: Literal[VoteMethod.SHOW_OF_HANDS, VoteMethod.PAPER] = Field(
        description="How the count was taken: `show_of_hands` (举手) or `paper` (纸质选票).")
    counts: ManualCounts = Field(description="Checked against the item (400 `invalid_counts`, with `field`).")


class Publication(Answer):
    """The publish step (发布程序) of a vote: confirmed by the 总监票人, then declared by the chair."""

    confirmed_by: str | None = Field(description="Display name of the scrutineer (总监票人) who confirmed the count.")
    confirmed_at: DateTime | None = Field(description="When the count was confirmed.")
    declared_by: str | None = Field(description="Display name of the chair who declared (宣布) the result.")
    declared_at: DateTime | None = Field(description="When the result was declared; from then on it is public.")


class Published(Answer):
    vote_id: str
    publication: Publication


class VoteView(Answer):
    id: str
    item_id: int
    title: str
    kind: ItemKind
    round_no: int
    round_kind: RoundKind
    state: VoteState
    method: VoteMethod
    named: bool = Field(description="记名: a named vote (its named table is published when it closes).")
    change_allowed: bool = Field(description="A deputy may change their choice before close.")
    deadline: DateTime | None
    cast: int = Field(description="How many have voted (paper: ballots counted so far).")
    expected: int = Field(description="How many may vote (present when the vote opened).")
    definition: VoteDefinitionObject
    result: Result | None = Field(description="Once closed (or entered by hand); null before.")
    confirmations: list[str] = Field(description="The scrutineers who confirmed the count report.")
    publication: Publication = absent(
        "Only in a meeting with the publish step (setting `publish_step`): who confirmed and who declared the "
        "result. Until `declared_at`, `result` is null for everyone but the chair, scrutineers and auditors.")
    encryption: Encryption = absent("An encrypted vote: how its ballots are encrypted (docs/protocol.md).")
    decryption: DecryptionState = absent("An encrypted vote after its close: the 监票人's decryption so far.")


class AwaitingDecryption(Answer):
    """An encrypted vote closed with ballots: its result comes once k 监票人 have decrypted its totals."""

    vote_id: str
    state: Literal[VoteState.DECRYPTING]
    k: int = Field(description="How many 监票人 must decrypt.")
    ballots_cast: int


class Pending(Answer):
    count: int
    expected: int
    names: list[str] = absent("Who has not voted yet: only for a named vote.")


class Receipt(Request):
    """An audit receipt (docs/protocol.md "The receipt"): names the ballot's leaf, never its choice."""

    vote_id: str = absent("The vote (as the server gave it; not checked).", max_length=32)
    receipt: Literal["renda-audit-receipt/1"]
    index: int = Field(ge=0, description="The leaf: the ballot record's place in the audit log.")
    leaf_hash: str = Field(pattern="^[0-9a-f]{64}$")
    checkpoint: str = Field(max_length=10_000, description="The signed C2SP checkpoint note that includes the leaf.")
    inclusion_proof: list[Annotated[str, Field(pattern="^[0-9a-f]{64}$")]] = Field(max_length=64)


class IssuedReceipt(Answer):
    vote_id: str
    receipt: Literal["renda-audit-receipt/1"]
    index: int
    leaf_hash: str
    checkpoint: str
    inclusion_proof: list[str]


class HttpBallot(Request):
    vote_id: str = Field(max_length=32)
    ballot_id: str = Field(min_length=16, max_length=64,
                           description="Made by the terminal at random and kept until it holds the receipt; sending "
                                       "it again returns the same receipt (`duplicate`).")
    ballot: BallotObject | EncryptedBallot = Field(
        description="Checked against the vote (400 `invalid_ballot`, with `field`); for an encrypted vote the "
                    "encrypted ballot, whose `ballot` member is the `ballot_id` (docs/protocol.md).")
    replaces: str | None = Field(default=None, max_length=64,
                                 description="The ballot id this one replaces, to change a choice before close (in a "
                                             "secret vote only a ballot cast with the same `cast_token`).")
    cast_token: str | None = Field(
        default=None, min_length=16, max_length=64,
        description="Secret votes (required there: 400 `cast_token_required`): a random secret the terminal makes for "
                    "the vote and keeps to itself, sent with every ballot of that vote. Only a ballot sent with the "
                    "token it was cast with is answered as a resend, and only it can be replaced; anything else "
                    "naming a stored ballot is refused `ballot_refused`. Named votes ignore it.")


class BallotTaken(Answer):
    vote_id: str
    ballot_id: str
    tracker: str = absent("An encrypted ballot's tracker (docs/ballot-crypto.md §3.5).")
    receipt: IssuedReceipt
    duplicate: bool = Field(description="True for a resend of a ballot already stored.")


class StateMeeting(Answer):
    id: int
    title: str
    body: BodyKind
    body_name: str = Field(description="The body's name (某某县第十八届人民代表大会); with `title`, the "
                                       "session's full name.")


class PublicState(Answer):
    """What every terminal is shown (the WebSocket `state` frame): counts, never a choice."""

    type: Literal["state"]
    seq: int = Field(description="Grows by one with every state and tick of the meeting.")
    meeting: StateMeeting
    attendance: AttendanceSummary
    items: list[Item]
    votes: list[VoteView]
