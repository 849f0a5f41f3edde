"""The receipt check, the named table, the audit key, the verify report and the witnesses' state."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from server.schemas.base import Answer, Request, absent


class ReceiptChecked(Answer):
    ok: bool = Field(description="True: the ballot is in the log and the log was not rewritten since.")
    message: str = Field(description="What to tell the deputy, in Chinese.")
    index: int = absent("When ok: the leaf.")
    checkpoint_size: int = absent("When ok: the size of the receipt's checkpoint.")
    log_size: int = absent("When ok: the size of the newest checkpoint.")


class NamedTable(Answer):
    vote_id: str
    rows: list[list[str]] = Field(description="The named table (记名表决表) as the CSV export has it, header first.")


class ResultCheckpoint(Answer):
    vote_id: str
    state: Literal["covered", "unsigned", "none"] = Field(description=(
        "`covered`: the vote's result record is inside the signed checkpoint given; `unsigned`: not yet covered "
        "(the newest checkpoint is given, without it); `none`: the vote has no result record yet."))
    message: str = Field(description="What the printed result sheet says about it, in Chinese.")
    fingerprint: str = Field(description="The audit key's fingerprint (as GET /api/audit/key).")
    seq: int = absent("Unless `none`: the audit log record of the result.")
    origin: str = absent("Unless `none`: the checkpoint's origin line.")
    size: int = absent("Unless `none`: the checkpoint's size (records it covers).")
    root: str = absent("Unless `none`: the checkpoint's root hash, base64.")
    note: str = absent("Unless `none`: the checkpoint as a C2SP signed note, with witnesses' cosignatures so far.")


class AuditKey(Answer):
    vkey: str = Field(description="The C2SP verifier key `<name>+<key id hex>+<base64 of 0x01 || public key>`.")
    fingerprint: str = Field(description="SHA-256 of the vkey line, 64 upper-case hex digits in 16 groups of four "
                                         "(docs/verifier-spec.md §3.3): printed on the code sheet, shown on the hall "
                                         "screen; `python -m audit verify --vkey-fingerprint` pins it.")
    origin: str = Field(description="The origin line of every checkpoint, unique to this data directory "
                                    "(`renda.local/<16 hex digits>`, or `AUDIT_ORIGIN`); the key is named after it.")


WitnessKey = Annotated[str, Field(max_length=400)]


class VerifyRequest(Request):
    vkey_fingerprint: str = absent("The fingerprint published at the session (from the code sheet or the hall "
                                   "screen), to require of the export's key: 64 hex digits, spaces, colons and hyphens "
                                   "ignored. Left out: the export's own key is used and the report says so.",
                                   max_length=200)
    witnesses: list[WitnessKey] = absent(
        "Witnesses' cosignature keys (C2SP vkeys of type 0x04, as `verify --witness` takes them; from the witnesses "
        "themselves, not from this server) whose cosignatures the latest checkpoint must carry (400 `invalid_witness` "
        "if one is not such a key). Left out: no quorum is required (the cosignatures the export has are still "
        "checked against the records).", max_length=32)
    quorum: int = absent("How many of `witnesses` must have cosigned the latest checkpoint (1 … their number, else "
                         "400 `invalid_quorum`; left out: all of them).", ge=1)


class VerifyCheck(Answer):
    id: str = Field(description="`key`, `checkpoints`, `witnesses` (with witness keys, or when the export has "
                                "cosignatures), `records`, `session`, `votes`, `recount`, `tally-inputs`, `given` "
                                "(docs/verifier-spec.md §4.7).")
    title: str = Field(description="The check, in Chinese.")
    description: str = Field(description="What it checks, in Chinese.")
    state: str = Field(description="`pass`, `fail`, `partial` (ran over part of the records) or `skipped`.")
    verdict: str = Field(description="The state in Chinese: 通过, 未通过, 未完成, 未进行.")


class VerifyFinding(Answer):
    code: str = Field(description="The finding's code (docs/verifier-spec.md §5), e.g. `result-mismatch`.")
    kind: str = Field(description="`evidence` (the export is not what the key signed) or `signed` (the key signed "
                                  "the fault).")
    kind_label: str = Field(description="What the kind means, in Chinese.")
    title: str = Field(description="The finding, in Chinese.")
    meaning: str = Field(description="The finding, in English.")
    message: str = Field(description="The particulars (which record, which vote), in English and Chinese.")
    seq: int | None = Field(description="The record it is about, if one.")
    evidence: list[str] = Field(description="Signed notes that prove an equivocation or a rollback (or the latest "
                                            "checkpoint the witnesses' quorum is missing on).")


class VerifiedVote(Answer):
    vote_id: str
    kind: str | None
    ballots: int = Field(description="Ballots counted.")
    outcome: str = Field(description="What the log says of the vote (recounted and matching, manual, voided …).")


class VerifiedWitness(Answer):
    vkey: str = Field(description="The witness's cosignature key, as given.")
    name: str = Field(description="Its name (the key's first part).")
    cosigned: bool = Field(description="True: its valid cosignature is on the checkpoint.")
    time: str | None = Field(description="When it cosigned (its cosignature's timestamp, UTC, ISO 8601), or null.")


class GivenCheckpoint(Answer):
    size: int
    root: str = Field(description="Base64, as in the note.")
    witnesses: list[VerifiedWitness] = Field(description="The given witnesses whose valid cosignature the note has.")


class VerifyReport(Answer):
    ok: bool = Field(description="True iff every check held.")
    verdict: str = Field(description="通过 or 未通过.")
    reason: str | None = Field(description="The first finding, in Chinese, with its code.")
    vkey: str | None = Field(description="The export's key.")
    fingerprint: str | None = Field(description="Its fingerprint: compare it with the one printed at the session.")
    trusted_key: bool = Field(description="True: a published fingerprint was given and required.")
    records: int
    checkpoints: int
    root: str | None = Field(description="The latest root, hex, when every check held.")
    checks: list[VerifyCheck] = Field(description="Every check, in the order the verifier runs them.")
    findings: list[VerifyFinding]
    warnings: list[str]
    votes: list[VerifiedVote]
    witnesses: list[VerifiedWitness] = Field(description="The witnesses given, and whether each cosigned the latest "
                                                         "checkpoint.")
    quorum: int = Field(description="How many of them had to (0: no witness given).")
    given: list[GivenCheckpoint]
    exported_at: str = Field(description="When the server made the export it verified (ISO 8601, UTC).")


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
