"""The receipt check, the named table, the audit key and the verify report."""

from __future__ import annotations

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


class AuditKey(Answer):
    vkey: str = Field(description="The C2SP verifier key `<name>+<key id hex>+<base64 of 0x01 || public key>`.")
    fingerprint: str = Field(description="SHA-256 of the vkey line, 64 upper-case hex digits in 16 groups of four "
                                         "(docs/verifier-spec.md §3.3): printed on the code sheet, shown on the hall "
                                         "screen; `python -m audit verify --vkey-fingerprint` pins it.")
    origin: str = Field(description="The origin line of every checkpoint (`AUDIT_ORIGIN`).")


class VerifyRequest(Request):
    vkey_fingerprint: str = absent("The fingerprint published at the session (from the code sheet or the hall "
                                   "screen), to require of the export's key: 64 hex digits, spaces, colons and hyphens "
                                   "ignored. Left out: the export's own key is used and the report says so.",
                                   max_length=200)


class VerifyCheck(Answer):
    id: str = Field(description="`key`, `checkpoints`, `records`, `session`, `votes`, `recount`, `tally-inputs` "
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
    evidence: list[str] = Field(description="Signed notes that prove an equivocation.")


class VerifiedVote(Answer):
    vote_id: str
    kind: str | None
    ballots: int = Field(description="Ballots counted.")
    outcome: str = Field(description="What the log says of the vote (recounted and matching, manual, voided …).")


class GivenCheckpoint(Answer):
    size: int
    root: str = Field(description="Base64, as in the note.")


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
    given: list[GivenCheckpoint]
    exported_at: str = Field(description="When the server made the export it verified (ISO 8601, UTC).")
