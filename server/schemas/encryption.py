"""Encrypted secret votes: the key ceremony, a vote's encryption, challenges and decryption
(docs/protocol.md "Encrypted secret votes"; the objects' byte-level form is docs/ballot-crypto.md)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field

from server.domain import VoteState
from server.schemas.base import Answer, Request, absent

CryptoObject = dict[str, Any]
#: a point or a scalar: 64 lowercase hex characters (docs/ballot-crypto.md §1)
Hex64 = Annotated[str, Field(pattern="^[0-9a-f]{64}$")]
BallotId = Annotated[str, Field(pattern="^[0-9a-f]{32}$")]


class Branch(Request):
    """One branch of a proof: challenge and response scalars."""

    c: Hex64
    s: Hex64


class CoefficientCommitment(Request):
    point: Hex64 = Field(description="C_{i,t} = a_{i,t}·G")
    c: Hex64
    s: Hex64


class Commitment(Request):
    """Round 1 (docs/ballot-crypto.md §2.2)."""

    trustee: int = Field(ge=1, le=15)
    box: Hex64 = Field(description="The trustee's X25519 key for sealed shares.")
    coefficients: list[CoefficientCommitment] = Field(min_length=1, max_length=15)


class SealedShare(Request):
    """Round 2 (docs/ballot-crypto.md §2.3): a share sealed to another trustee."""

    trustee: int = Field(ge=1, le=15, description="The dealer (the caller).")
    to: int = Field(ge=1, le=15)
    sealed: str = Field(max_length=512, description="base64 of crypto_box_seal(…) to the recipient's box key.")


class Confirmation(Request):
    """Round 3 (docs/ballot-crypto.md §2.4)."""

    trustee: int = Field(ge=1, le=15)
    share_key: Hex64
    c: Hex64
    s: Hex64


class EncryptedSelection(Request):
    alpha: Hex64
    beta: Hex64
    proof: list[Branch] = Field(min_length=2, max_length=2)


class LimitProof(Request):
    proof: list[Branch] = Field(min_length=1, max_length=1001)


class WriteInSlot(Request):
    """A write-in slot (另选他人, docs/ballot-crypto.md §6.1): R = ρ·G, the sealed name, the proof of ρ."""

    r: Hex64
    sealed: str = Field(pattern="^[A-Za-z0-9+/]{107}=$", description="base64 of the 80 sealed bytes (108 characters).")
    c: Hex64
    s: Hex64


class EncryptedBallot(Request):
    """An encrypted ballot (docs/ballot-crypto.md §3.4; `write_ins` only in a round with write-in slots, §6.1)."""

    ballot: BallotId = Field(description="The ballot id (also the frame's `ballot_id`).")
    vid: Hex64
    selections: list[EncryptedSelection] = Field(min_length=1, max_length=3000)
    limits: list[LimitProof] = Field(max_length=3000)
    write_ins: list[WriteInSlot] | None = Field(
        default=None, max_length=300, description="One slot per place, when the vote's form has `write_ins` (§6.1).")


class OpenedSlot(Request):
    """A challenged ballot's write-in slot opened: ρ and the name sealed ("" for an unused slot)."""

    rho: Hex64
    name: str = Field(max_length=64)


class Opening(Request):
    """A challenged ballot's opening (docs/ballot-crypto.md §3.6)."""

    ballot: BallotId
    tracker: Hex64
    values: list[int] = Field(max_length=3000)
    nonces: list[Hex64] = Field(max_length=3000)
    write_ins: list[OpenedSlot] | None = Field(
        default=None, max_length=300, description="Each slot's ρ and name (\"\" unused), with write-in slots (§6.1).")


class PartialShare(Request):
    d: Hex64
    c: Hex64
    s: Hex64


class Partial(Request):
    """A trustee's partial decryption of every total (docs/ballot-crypto.md §5)."""

    trustee: int = Field(ge=1, le=15)
    shares: list[PartialShare] = Field(max_length=3000)


class UsesPartial(Request):
    """Write-in round ``uses`` (docs/ballot-crypto.md §6.1): one share per counted ballot, in the counted order."""

    trustee: int = Field(ge=1, le=15)
    shares: list[PartialShare] = Field(max_length=5000)


class SlotShares(Request):
    use: PartialShare = Field(description="x_j·α of the slot's use bit, with its proof.")
    name: PartialShare = Field(description="x_j·R of the slot's sealed name, with its proof.")


class BallotShares(Request):
    ballot: BallotId
    slots: list[SlotShares] = Field(max_length=300, description="Every slot of the ballot, in order.")


class NamesPartial(Request):
    """Write-in round ``names`` (docs/ballot-crypto.md §6.1): every slot of each ballot with write-ins."""

    trustee: int = Field(ge=1, le=15)
    ballots: list[BallotShares] = Field(max_length=5000)


class WriteInPartial(Request):
    round: Literal["uses", "names"] = Field(description="The write-in round this partial is of.")
    partial: UsesPartial | NamesPartial = Field(description="`{trustee, shares}` in round uses, "
                                                            "`{trustee, ballots}` in round names.")


class WriteInPartialTaken(Answer):
    vote_id: str
    round: str = Field(description="The round the partial was taken in: uses or names.")
    received: list[int] = Field(description="The trustees whose partial of this round is in.")
    k: int
    result: CryptoObject | None = Field(description="The result once the last round is complete; null before.")
    next: str = absent("`names` when round uses is complete and some ballot has write-ins: round names begins.")


class WriteInDecryption(Answer):
    round: str = Field(description="totals, uses, names (under way), or done.")
    uses: list[int] | None = Field(description="After round uses: each counted ballot's number of write-ins, in the "
                                               "counted order; null before.")
    uses_partials: list[CryptoObject] = Field(description="Round uses partials received, in trustee order.")
    names_partials: list[CryptoObject] = Field(description="Round names partials received, in trustee order.")


class SelectionLabel(Answer):
    question: str | None = Field(description="The person, candidate, project or target; null for a single question.")
    choice: str = Field(description="The mark this selection stands for: yes, no, abstain, satisfied, …")


class Encryption(Answer):
    """How a vote's ballots are encrypted (docs/ballot-crypto.md §3.1)."""

    context: CryptoObject = Field(description="The context object: suite, origin, vote, key, form.")
    vid: str = Field(description="H256 of the context.")
    selections: list[SelectionLabel] = Field(description="One label per selection of the form, in order.")
    fingerprint: str = Field(description="The election key's fingerprint (XXXX-XXXX-XXXX-XXXX).")
    ceremony: str = Field(description="The cid of the key ceremony that made the key.")


class DecryptionState(Answer):
    k: int = Field(description="How many 监票人 must decrypt.")
    ballots_cast: int
    received: list[int] = Field(description="The trustee numbers whose partial decryption is in (of the round "
                                           "under way, with write-in slots).")
    round: str = absent("With write-in slots (另选他人): totals, uses, names (the round under way) or done.")


class StartCeremony(Request):
    trustees: list[str] = Field(min_length=1, max_length=15,
                                description="The 监票人 accounts (role scrutineer), trustee 1 first (总监票人 first).")
    k: int | None = Field(default=None, ge=1, le=15, description="How many must decrypt; default ⌊n/2⌋+1.")


class Shares(Request):
    shares: list[SealedShare] = Field(max_length=14, description="One sealed share for every other trustee.")


class CeremonyState(Answer):
    id: str
    state: str = Field(description="commitments, shares, confirmations, done, abandoned")
    statement: CryptoObject = Field(description="The ceremony statement (docs/ballot-crypto.md §2.1).")
    accounts: list[str] = Field(description="The 监票人 accounts, trustee 1 first.")
    commitments: list[CryptoObject]
    shares_posted: list[int]
    confirmations: list[CryptoObject]
    result: CryptoObject | None = Field(description="When done: {cid, key, share_keys, fingerprint}.")


class CeremonyView(Answer):
    ceremony: CeremonyState | None = Field(description="The meeting's latest ceremony; null: none yet.")
    trustee: int | None = absent("The caller's trustee number, when the caller is one of the ceremony's 监票人.")
    shares_for_me: list[CryptoObject] = absent("The sealed shares addressed to the caller.")


class Spoil(Request):
    ballot: EncryptedBallot = Field(description="The encrypted ballot the tablet showed.")
    opening: Opening = Field(description="Its opening.")


class Spoiled(Answer):
    vote_id: str
    tracker: str
    values: list[int] = Field(description="What the spoiled ballot encrypted, one value per selection.")


class Decryption(Answer):
    vote_id: str
    state: VoteState
    vid: str
    totals: list[CryptoObject] = Field(description="Per selection, the sum of the cast ballots' ciphertexts.")
    ballots_cast: int
    k: int
    share_keys: list[str] = Field(description="X_1 … X_n of the ceremony (to check partials).")
    partials: list[CryptoObject] = Field(description="The partial decryptions received, in trustee order.")
    write_ins: WriteInDecryption = absent("With write-in slots (另选他人): the write-in rounds so far.")


class CountedBallots(Answer):
    """The ballots an encrypted vote's totals add up (docs/protocol.md "Encrypted secret votes")."""

    vote_id: str
    vid: str
    ballots_cast: int = Field(description="As in the decryption view: how many ballots the totals add up.")
    ballots: list[CryptoObject] = Field(description=(
        "Every counted ballot exactly as cast and logged (docs/ballot-crypto.md §3.4: withdrawn and challenged "
        "ones left out), ordered by tracker (H256 of the ballot), never by arrival."))
    counted_order: list[str] = absent(
        "With write-in slots (另选他人): the ballot ids in the counted order of the write-in rounds — the order of "
        "their `ballot` records in the audit log (docs/ballot-crypto.md §6.1).")


class PartialTaken(Answer):
    vote_id: str
    received: list[int]
    k: int
    result: CryptoObject | None = Field(description="The result once the k-th partial is in; null before.")
    round: str = absent("`uses` when the totals are in and the vote has write-in slots: round uses begins.")
