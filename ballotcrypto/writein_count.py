"""The two write-in rounds after the totals (另选他人, docs/ballot-crypto.md §6.1).

Round 1, the use sums — every counted ballot b, in the counted order:

    U_b = (A_b, B_b) = Σ_s (α, β) of slot s's use bit          (encrypts the ballot's write-ins)
    D_{j,b} = x_j·A_b, proved over Hs("renda-ballot-v1/decrypt-uses", [vid, j, ballot, A_b, B_b, X_j, D, a, b])
    partial = {"trustee": j, "shares": [{"d", "c", "s"}, … one per counted ballot]}
    combined as the totals are (§5): v_b ∈ [0, W] with v_b·G = B_b − Σ λ_j·D_{j,b}

Round 2, the names — only the ballots with v_b ≠ 0, in the counted order, every slot s:

    use:  x_j·α_s over Hs("renda-ballot-v1/decrypt-use", [vid, j, ballot, s, α_s, β_s, X_j, D, a, b])
    name: x_j·R_s over Hs("renda-ballot-v1/decrypt-name", [vid, j, ballot, s, R_s, X_j, D, a, b])
    partial = {"trustee": j, "ballots": [{"ballot": id, "slots": [{"use": {"d","c","s"},
                                                                     "name": {"d","c","s"}}, … W]}, …]}
    u_s ∈ {0, 1} with u_s·G = β_s − Σ λ_j·D^use_{j};  S_s = Σ λ_j·D^name_{j} = x·R_s = ρ_s·K,
    which opens the sealed name (`writeins.open_name`); Σ_s u_s = v_b.

A trustee draws one w per share, in the order the shares are listed (round 2: use, then name, slot
by slot, ballot by ballot).  No 赞成/反对 selection of a single ballot is ever decrypted.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ballotcrypto import sodium, wire
from ballotcrypto.ballot import Ballot
from ballotcrypto.count import Partial, PartialShare, combine, lagrange_at_zero, small_log
from ballotcrypto.elgamal import Ciphertext, sum_ciphertexts
from ballotcrypto.errors import CountFault
from ballotcrypto.group import Point, Scalar, base_mul, mul
from ballotcrypto.hashing import TAG_DECRYPT_NAME, TAG_DECRYPT_USE, TAG_DECRYPT_USES
from ballotcrypto.proofs import Proof, check_dleq, prove_dleq
from ballotcrypto.randomness import SYSTEM, Randomness
from ballotcrypto.writeins import open_name

__all__ = [
    "BallotShares",
    "NamesPartial",
    "SlotShares",
    "check_names_partial",
    "check_uses_partial",
    "combine_names",
    "combine_uses",
    "names_partial",
    "use_sums",
    "uses_partial",
    "with_write_ins",
]


def use_sums(ballots: Sequence[Ballot]) -> tuple[Ciphertext, ...]:
    """Per ballot, the sum of its slots' use-bit ciphertexts (it encrypts how many it used)."""
    return tuple(sum_ciphertexts(ballot.use_bit(s) for s in range(len(ballot.write_ins))) for ballot in ballots)


def _uses_prefix(vid: str, trustee: int, ballot: Ballot, total: Ciphertext) -> list[str | int]:
    return [vid, trustee, ballot.ballot, total.alpha.hex(), total.beta.hex()]


def _use_prefix(vid: str, trustee: int, ballot: Ballot, slot: int) -> list[str | int]:
    use = ballot.use_bit(slot)
    return [vid, trustee, ballot.ballot, slot, use.alpha.hex(), use.beta.hex()]


def _name_prefix(vid: str, trustee: int, ballot: Ballot, slot: int) -> list[str | int]:
    return [vid, trustee, ballot.ballot, slot, ballot.write_ins[slot].r.hex()]


def _share(tag: str, prefix: list[str | int], secret: Scalar, public: Point, base: Point,
           rng: Randomness) -> PartialShare:
    d = Point.trusted(mul(secret.value, base.encoding))
    return PartialShare(d, prove_dleq(tag, prefix, secret, base, public, d, rng))


def _checked(tag: str, prefix: list[str | int], base: Point, public: Point, value: object, where: str,
             trustee: int, what: str) -> PartialShare:
    raw = wire.members(value, ("d", "c", "s"), where)
    d = wire.point(raw["d"], f"{where}.d", allow_identity=True)
    proof = Proof(wire.scalar(raw["c"], f"{where}.c"), wire.scalar(raw["s"], f"{where}.s"))
    if not check_dleq(tag, prefix, base, public, d, proof):
        raise CountFault("bad-partial", f"第{trustee}位监票人对{what}的部分解密证明不成立", trustee)
    return PartialShare(d, proof)


def _trustee(value: object, share_keys: Sequence[Point], members: tuple[str, str]) -> tuple[dict[str, object], int]:
    obj = wire.members(value, members, "partial")
    trustee = wire.small_int(obj["trustee"], "partial.trustee")
    if not 1 <= trustee <= len(share_keys):
        raise CountFault("bad-partial", f"监票人序号{trustee}不在1到{len(share_keys)}之间", trustee)
    return obj, trustee


# Round 1: the use sums ---------------------------------------------------------------------------------

def uses_partial(vid: str, trustee: int, secret: Scalar, ballots: Sequence[Ballot],
                 rng: Randomness = SYSTEM) -> Partial:
    """Trustee `trustee`'s partial decryption of every counted ballot's use sum."""
    public = Point.trusted(base_mul(secret.value))
    return Partial(trustee, tuple(
        _share(TAG_DECRYPT_USES, _uses_prefix(vid, trustee, ballot, total), secret, public, total.alpha, rng)
        for ballot, total in zip(ballots, use_sums(ballots), strict=True)))


def check_uses_partial(vid: str, share_keys: Sequence[Point], ballots: Sequence[Ballot], value: object) -> Partial:
    """A trustee's round-1 partial if it has one share per counted ballot and every proof checks
    (CountFault ``bad-partial`` naming the trustee, MalformedValue for its shape)."""
    obj, trustee = _trustee(value, share_keys, ("trustee", "shares"))
    public = share_keys[trustee - 1]
    raw = wire.array(obj["shares"], "partial.shares", len(ballots))
    return Partial(trustee, tuple(
        _checked(TAG_DECRYPT_USES, _uses_prefix(vid, trustee, ballot, total), total.alpha, public, item,
                 f"partial.shares[{b}]", trustee, f"选票{ballot.ballot}的另选他人栏数")
        for b, (item, ballot, total) in enumerate(zip(raw, ballots, use_sums(ballots), strict=True))))


def combine_uses(ballots: Sequence[Ballot], partials: Sequence[Partial], k: int) -> tuple[int, ...]:
    """Per counted ballot, how many write-in slots it used (0 … W), from k checked partials
    (the CountFaults of `count.combine`)."""
    slots = len(ballots[0].write_ins) if ballots else 0
    return combine(use_sums(ballots), partials, k, slots)


def with_write_ins(ballots: Sequence[Ballot], uses: Sequence[int]) -> tuple[Ballot, ...]:
    """The ballots of round 2: those whose use sum is not 0, in the counted order."""
    return tuple(ballot for ballot, used in zip(ballots, uses, strict=True) if used)


# Round 2: the used ballots' slots --------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class SlotShares:
    """A trustee's shares of one slot: of its use bit and of its R."""

    use: PartialShare
    name: PartialShare

    def to_json(self) -> dict[str, object]:
        return {"use": self.use.to_json(), "name": self.name.to_json()}


@dataclass(frozen=True, slots=True)
class BallotShares:
    """A trustee's shares of every slot of one ballot."""

    ballot: str
    slots: tuple[SlotShares, ...]

    def to_json(self) -> dict[str, object]:
        return {"ballot": self.ballot, "slots": [slot.to_json() for slot in self.slots]}


@dataclass(frozen=True, slots=True)
class NamesPartial:
    """Trustee j's round-2 partial: every slot of every ballot with write-ins."""

    trustee: int
    ballots: tuple[BallotShares, ...]

    def to_json(self) -> dict[str, object]:
        return {"trustee": self.trustee, "ballots": [ballot.to_json() for ballot in self.ballots]}


def names_partial(vid: str, trustee: int, secret: Scalar, ballots: Sequence[Ballot],
                  rng: Randomness = SYSTEM) -> NamesPartial:
    """Trustee `trustee`'s partial decryption of the slots of `ballots` (those of `with_write_ins`)."""
    public = Point.trusted(base_mul(secret.value))
    made: list[BallotShares] = []
    for ballot in ballots:
        slots: list[SlotShares] = []
        for s, write_in in enumerate(ballot.write_ins):
            use = _share(TAG_DECRYPT_USE, _use_prefix(vid, trustee, ballot, s), secret, public,
                         ballot.use_bit(s).alpha, rng)
            name = _share(TAG_DECRYPT_NAME, _name_prefix(vid, trustee, ballot, s), secret, public, write_in.r, rng)
            slots.append(SlotShares(use, name))
        made.append(BallotShares(ballot.ballot, tuple(slots)))
    return NamesPartial(trustee, tuple(made))



def check_names_partial(vid: str, share_keys: Sequence[Point], ballots: Sequence[Ballot],
                        value: object) -> NamesPartial:
    """A trustee's round-2 partial if it lists exactly `ballots` (the ballots with write-ins, in
    order; else ``wrong-ballots``), every slot of each, and every proof checks (``bad-partial``)."""
    obj, trustee = _trustee(value, share_keys, ("trustee", "ballots"))
    public = share_keys[trustee - 1]
    raw = wire.array(obj["ballots"], "partial.ballots")
    if len(raw) != len(ballots):
        raise CountFault("wrong-ballots", f"第{trustee}位监票人的部分解密应有{len(ballots)}张选票，实有{len(raw)}张",
                         trustee)
    made: list[BallotShares] = []
    for b, (item, ballot) in enumerate(zip(raw, ballots, strict=True)):
        where = f"partial.ballots[{b}]"
        entry = wire.members(item, ("ballot", "slots"), where)
        if wire.text(entry["ballot"], f"{where}.ballot") != ballot.ballot:
            raise CountFault("wrong-ballots", f"第{trustee}位监票人的部分解密第{b + 1}张选票应为{ballot.ballot}",
                             trustee)
        slots: list[SlotShares] = []
        for s, raw_slot in enumerate(wire.array(entry["slots"], f"{where}.slots", len(ballot.write_ins))):
            slot = wire.members(raw_slot, ("use", "name"), f"{where}.slots[{s}]")
            what = f"选票{ballot.ballot}第{s + 1}个另选他人栏"
            use = _checked(TAG_DECRYPT_USE, _use_prefix(vid, trustee, ballot, s), ballot.use_bit(s).alpha, public,
                           slot["use"], f"{where}.slots[{s}].use", trustee, what)
            name = _checked(TAG_DECRYPT_NAME, _name_prefix(vid, trustee, ballot, s), ballot.write_ins[s].r, public,
                            slot["name"], f"{where}.slots[{s}].name", trustee, what)
            slots.append(SlotShares(use, name))
        made.append(BallotShares(ballot.ballot, tuple(slots)))
    return NamesPartial(trustee, tuple(made))


def _lagrange_sum(lambdas: dict[int, Scalar], shares: Sequence[tuple[int, PartialShare]]) -> bytes:
    """Σ_j λ_j·D_j over the trustees' shares."""
    total = sodium.IDENTITY_BYTES
    for trustee, share in shares:
        total = sodium.add(total, mul(lambdas[trustee].value, share.d.encoding))
    return total


def combine_names(vid: str, ballots: Sequence[Ballot], uses: Sequence[int], partials: Sequence[NamesPartial],
                  k: int) -> tuple[tuple[str, ...], ...]:
    """The names written on each of `ballots` (those with write-ins; `uses` their use sums), in
    slot order, from the checked round-2 partials of exactly k distinct trustees.

    Raises CountFault ``wrong-quorum``, ``wrong-ballots`` (a partial for other ballots), ``no-count``
    (a use bit that is not 0 or 1, or use bits that do not add up to the round-1 sum) or
    ``bad-write-in`` (a used slot whose sealed name does not open to a name, or one name twice).
    """
    trustees = [partial.trustee for partial in partials]
    if len(partials) != k or len(set(trustees)) != k:
        raise CountFault("wrong-quorum", f"应有{k}位不同监票人的部分解密")
    for partial in partials:
        if [entry.ballot for entry in partial.ballots] != [ballot.ballot for ballot in ballots]:
            raise CountFault("wrong-ballots", f"第{partial.trustee}位监票人的部分解密与应解密的选票不符",
                             partial.trustee)
    lambdas = lagrange_at_zero(trustees)
    written: list[tuple[str, ...]] = []
    for b, (ballot, used) in enumerate(zip(ballots, uses, strict=True)):
        names: list[str] = []
        for s, write_in in enumerate(ballot.write_ins):
            shares = [(p.trustee, p.ballots[b].slots[s]) for p in partials]
            masked = sodium.sub(ballot.use_bit(s).beta.encoding,
                                _lagrange_sum(lambdas, [(j, share.use) for j, share in shares]))
            bit = small_log(Point.trusted(masked), 1)
            if bit is None:
                raise CountFault("no-count", f"选票{ballot.ballot}第{s + 1}个另选他人栏的使用位解不出0或1")
            if not bit:
                continue
            shared = Point.trusted(_lagrange_sum(lambdas, [(j, share.name) for j, share in shares]))
            name = open_name(vid, ballot.ballot, s, write_in.r, shared, write_in.sealed)
            if not name or name in names:
                raise CountFault("bad-write-in", f"选票{ballot.ballot}第{s + 1}个另选他人栏的姓名打不开或不是有效姓名")
            names.append(name)
        if len(names) != used:
            raise CountFault("no-count", f"选票{ballot.ballot}各另选他人栏的使用位之和与第一轮解出的{used}不符")
        written.append(tuple(names))
    return tuple(written)
