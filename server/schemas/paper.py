"""Paper ballots keyed twice, and the scrutineers' confirmation."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from server.schemas.base import MAX_ID, Answer, Request
from server.schemas.tally import BallotObject


class PaperBallot(Request):
    ballot_no: int = Field(ge=-MAX_ID, le=MAX_ID, description="The number on the paper ballot, 1 to issued + 50 "
                                                              "(else 400 `invalid_ballot_no`).")
    slot: Literal[1, 2] = Field(description="Which of the two 计票人 keys it (each ballot is keyed by both).")
    ballot: BallotObject


class PaperEntered(Answer):
    ballot_no: int
    state: Literal["waiting", "mismatch", "counted"] = Field(
        description="`waiting` for the other 计票人; `mismatch`: the two entries differ (re-key); `counted`.")


class PaperStatus(Answer):
    counted: list[int]
    waiting: list[int]
    mismatched: list[int]


class Confirmed(Answer):
    vote_id: str
    confirmations: list[str] = Field(description="Every scrutineer who confirmed so far.")
