"""The receipt check, the witnesses' state and the named table."""

from __future__ import annotations

from typing import Literal

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


class WitnessState(Answer):
    """One witness the server asks to cosign its checkpoints (``WITNESSES``, docs/deployment.md)."""

    url: str = Field(description="Where its `add-checkpoint` is (C2SP tlog-witness).")
    vkey: str = Field(description="Its cosignature key (C2SP vkey of type 0x04), as `verify --witness` takes it.")
    state: Literal["waiting", "cosigned", "unreachable", "refused", "ahead"] = Field(description=(
        "`waiting`: not asked yet, or nothing new to ask; `cosigned`: it cosigned the newest checkpoint asked; "
        "`unreachable`: no answer (asked again later); `refused`: an answer without a cosignature (it saw another "
        "history of this log, or a proof it refused); `ahead`: it cosigned more of this log than the log holds "
        "(the log was rolled back, or it was shown another history)."))
    cosigned_size: int = Field(ge=0, description="The size of the newest checkpoint it cosigned for this server.")
    cosigned_at: str | None = Field(description="When (its cosignature's timestamp, UTC), or null.")
    witness_size: int | None = Field(description="The size it says it cosigned last (from its 409), or null.")
    error: str | None = Field(description="Why the last request brought no cosignature, or null.")
