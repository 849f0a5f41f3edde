"""The receipt check and the named table."""

from __future__ import annotations

from pydantic import Field

from server.schemas.base import Answer, absent


class ReceiptChecked(Answer):
    ok: bool = Field(description="True: the ballot is in the log and the log was not rewritten since.")
    message: str = Field(description="What to tell the deputy, in Chinese.")
    index: int = absent("When ok: the leaf.")
    checkpoint_size: int = absent("When ok: the size of the receipt's checkpoint.")
    log_size: int = absent("When ok: the size of the newest checkpoint.")


class NamedTable(Answer):
    vote_id: str
    rows: list[list[str]] = Field(description="The named table (记名表决表) as the CSV export has it, header first.")
