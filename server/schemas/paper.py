"""Paper ballots keyed twice, and the scrutineers' confirmation."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from server.schemas.base import MAX_ID, Answer, Request, absent
from server.schemas.tally import BallotObject


class PaperBallot(Request):
    ballot_no: int = Field(ge=-MAX_ID, le=MAX_ID, description="The number on the paper ballot, 1 to issued + 50 "
                                                              "(else 400 `invalid_ballot_no`).")
    slot: Literal[1, 2] = absent(
        "Which of the two 计票人 keys it (each ballot is keyed by both). Leave it out and the server knows: the "
        "first 计票人 to key this ballot is 1, another 计票人 keying it next is 2, and one who keyed it before keeps "
        "their place (a third, while both places are taken by others: 409 `keyed_twice`).")
    ballot: BallotObject


class PaperEntered(Answer):
    ballot_no: int
    slot: Literal[1, 2] = Field(description="Which keying of this ballot this one was (第1/第2录入人).")
    state: Literal["waiting", "mismatch", "counted"] = Field(
        description="`waiting` for the other 计票人; `mismatch`: the two entries differ (re-key); `counted`.")


class PaperStatus(Answer):
    counted: list[int]
    waiting: list[int]
    mismatched: list[int]


class Confirmed(Answer):
    vote_id: str
    confirmations: list[str] = Field(description="Every scrutineer who confirmed so far.")
