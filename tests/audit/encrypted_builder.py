"""Logs with encrypted votes built record by record with `ballotcrypto`, without a server: for the
unit tests of each rule of `audit.encrypted`, where a test changes one record of a good log.

`key_ceremony` gives the records of a whole ceremony (and the trustees' secrets, to decrypt with);
`encrypted_vote` those of one vote from opening to result, the way the server writes them
(server/usecases/ceremony.py, open_vote.py, cast_ballot.py, encrypted.py).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import tally
from audit.encrypted import fingerprint
from ballotcrypto import writeins
from ballotcrypto.ballot import Ballot, Context, WriteIn
from ballotcrypto.ceremony import (
    Ceremony,
    Coefficient,
    Commitment,
    TrusteeSecret,
    check_commitment,
    confirm,
    election_key,
    open_share,
    seal_shares,
    start,
)
from ballotcrypto.count import aggregate, combine, partial_decrypt, totals_to_json
from ballotcrypto.group import L, Point, Scalar, base_mul
from ballotcrypto.hashing import TAG_COEFFICIENT, TAG_WRITE_IN
from ballotcrypto.proofs import prove_schnorr
from ballotcrypto.randomness import SYSTEM, Randomness
from ballotcrypto.votes import context_of, encrypt_plain, tally_counts, vote_form
from ballotcrypto.writein_count import combine_names, combine_uses, names_partial, uses_partial, with_write_ins
from tests.audit.audit_helpers import ORIGIN, Entry

MOTION: dict[str, Any] = {"kind": "motion", "title": "关于某事项的决议", "members_of_record": 9, "present": 9}


@dataclass
class Keys:
    """A finished ceremony: its statement, each trustee's share x_j, and the election key's record."""

    statement: Ceremony
    shares: dict[int, Scalar]
    key: Point
    share_keys: tuple[Point, ...]
    fingerprint: str
    entries: list[Entry] = field(default_factory=list)


def key_ceremony(n: int = 3, k: int = 2, *, name: str = "c1-1", meeting_id: int = 1,
                 cancel_out: bool = False) -> Keys:
    """The records of a ceremony of n trustees, quorum k. `cancel_out`: trustee 2 (an insider who
    also holds the other devices) picks a_{2,0} = −Σ_{i≠2} a_{i,0}, so that the key is the identity
    (the records then stop before ``election_key``)."""
    statement = Ceremony(ORIGIN, name, n, k, tuple(f"监票人{i}" for i in range(1, n + 1)))
    made = [start(statement, i) for i in range(1, n + 1)]
    if cancel_out:
        second = made[1][0]
        others = sum(secret.coefficients[0].value for secret, _ in made if secret.trustee != 2)
        coefficients = (Scalar(-others % L), *second.coefficients[1:])
        secret = TrusteeSecret(2, second.box_public, second.box_secret, coefficients)
        published = tuple(Coefficient(point, prove_schnorr(TAG_COEFFICIENT, [statement.cid, 2, t], a, point, SYSTEM))
                          for t, (a, point) in enumerate((a, Point.trusted(base_mul(a.value))) for a in coefficients))
        made[1] = (secret, Commitment(2, second.box_public, published))
    secrets = [secret for secret, _ in made]
    commitments = [check_commitment(statement, commitment.to_json()) for _, commitment in made]
    sealed = {secret.trustee: seal_shares(statement, secret, commitments) for secret in secrets}
    entries: list[Entry] = [("ceremony_started", {
        "meeting_id": meeting_id, "ceremony": statement.to_json(), "cid": statement.cid,
        "accounts": [f"trustee{i}" for i in range(1, n + 1)], "by": "staff:test"})]
    entries += [("trustee_commitment", {"meeting_id": meeting_id, "ceremony": name, "commitment": c.to_json()})
                for c in commitments]
    entries += [("trustee_shares", {"meeting_id": meeting_id, "ceremony": name, "trustee": i,
                                    "shares": [s.to_json() for s in shares]}) for i, shares in sealed.items()]
    x: dict[int, Scalar] = {}
    confirmations = []
    for secret in secrets:
        received = {s.trustee: open_share(statement, secret, commitments, s.to_json())
                    for shares in sealed.values() for s in shares if s.to == secret.trustee}
        x[secret.trustee], confirmation = confirm(statement, secret, commitments, received)
        confirmations.append(confirmation)
        entries.append(("trustee_confirmation", {"meeting_id": meeting_id, "ceremony": name,
                                                 "confirmation": confirmation.to_json()}))
    if cancel_out:
        key = Point.trusted(bytes(32))
        return Keys(statement, x, key, tuple(c.share_key for c in confirmations), fingerprint(key.hex()), entries)
    result = election_key(statement, commitments, confirmations)
    keys = Keys(statement, x, result.key, result.share_keys, fingerprint(result.key.hex()), entries)
    entries.append(("election_key", {"meeting_id": meeting_id, "ceremony": name, **result.to_json(),
                                     "fingerprint": keys.fingerprint}))
    return keys


def encryption_of(keys: Keys, vote_id: str, definition: dict[str, Any]) -> tuple[Context, dict[str, Any]]:
    """A vote's context and the ``encryption`` member of its ``vote_opened`` (server: open_vote._encryption)."""
    shaped = vote_form(definition, with_write_ins=True)
    assert shaped is not None
    context = Context(ORIGIN, vote_id, keys.key, shaped.form)
    return context, {"context": context.to_json(), "vid": context.vid,
                     "selections": [label.to_json() for label in shaped.labels],
                     "fingerprint": keys.fingerprint, "ceremony": keys.statement.cid}


def ballot_entry(vote_id: str, ballot: dict[str, Any]) -> Entry:
    return "ballot", {"vote_id": vote_id, "ballot": ballot, "nonce": os.urandom(16).hex()}


def encrypted_vote(keys: Keys, vote_id: str = "v1-1", ballots: Sequence[dict[str, Any]] = (),
                   *, definition: dict[str, Any] | None = None, spoil: dict[str, Any] | None = None,
                   trustees: Sequence[int] = (1, 2)) -> list[Entry]:
    """The records of an encrypted vote: opened, `spoil` challenged (a tally-format ballot), the
    `ballots` cast, closed, totalled, decrypted by `trustees` (the first k count), its result.
    An election that allows write-ins is encrypted with its write-in slots (§6.1): the same
    `trustees` then decrypt both write-in rounds (``write_in_partial``), and the decryption has
    ``write_ins``."""
    definition = dict(MOTION if definition is None else definition)
    context, encryption = encryption_of(keys, vote_id, definition)
    entries: list[Entry] = [("vote_opened", {"vote_id": vote_id, "definition": definition, "secrecy": "encrypted",
                                             "encryption": encryption})]
    if spoil is not None:
        challenged = encrypt_plain(encryption, spoil)
        entries.append(("ballot_spoiled", {"vote_id": vote_id, "ballot": challenged.ballot.to_json(),
                                           "opening": challenged.opening.to_json()}))
    cast = [encrypt_plain(encryption, ballot).ballot for ballot in ballots]
    entries += [ballot_entry(vote_id, ballot.to_json()) for ballot in cast]
    entries.append(("vote_closed", {"vote_id": vote_id, "ballots_cast": len(cast)}))
    totals = aggregate(context.form.selections, cast)
    entries.append(("encrypted_totals", {"vote_id": vote_id, "totals": totals_to_json(totals),
                                         "ballots_cast": len(cast)}))
    partials = [partial_decrypt(context.vid, j, keys.shares[j], totals) for j in trustees] if cast else []
    entries += [("partial_decryption", {"vote_id": vote_id, "partial": p.to_json()}) for p in partials]
    k = keys.statement.k
    counts = list(combine(totals, partials[:k], k, len(cast))) if cast else [0] * context.form.selections
    names: list[list[str]] | None = None
    decryption: dict[str, Any] = {"vote_id": vote_id, "trustees": sorted(p.trustee for p in partials[:k]),
                                  "counts": counts}
    if context.form.write_ins:
        rounds, names = write_in_rounds(keys, context, cast, trustees)
        entries += [("write_in_partial", {"vote_id": vote_id, **r}) for r in rounds[:-1]]
        decryption["write_ins"] = rounds[-1]
    document_counts = tally_counts(definition, counts, len(cast), names)
    entries.append(("decryption", {**decryption, "tally_counts": document_counts}))
    entries.append(("result", {"vote_id": vote_id,
                               "result": tally.count_document({**definition, "counts": document_counts})}))
    return entries


def write_in_rounds(keys: Keys, context: Context, cast: Sequence[Ballot],
                    trustees: Sequence[int]) -> tuple[list[dict[str, Any]], list[list[str]]]:
    """The write-in rounds by `trustees` (the first k count): the ``round``/``partial`` of each
    ``write_in_partial``, then the decryption's ``write_ins``; and the names per ballot."""
    k = keys.statement.k
    uses_partials = [uses_partial(context.vid, j, keys.shares[j], cast) for j in trustees] if cast else []
    uses = list(combine_uses(cast, uses_partials[:k], k)) if cast else []
    round2 = with_write_ins(cast, uses)
    names_partials = [names_partial(context.vid, j, keys.shares[j], round2) for j in trustees] if round2 else []
    names = [list(n) for n in combine_names(context.vid, round2, [u for u in uses if u], names_partials[:k], k)
             ] if round2 else []
    rounds: list[dict[str, Any]] = [{"round": "uses", "partial": p.to_json()} for p in uses_partials]
    rounds += [{"round": "names", "partial": p.to_json()} for p in names_partials]
    rounds.append({"uses_trustees": sorted(p.trustee for p in uses_partials[:k]), "uses": uses,
                   "names_trustees": sorted(p.trustee for p in names_partials[:k]), "names": names})
    return rounds, names


def position(entries: Sequence[Entry], type_: str, nth: int = 0) -> int:
    """The index in `entries` of the nth entry of a type (its seq in the log is one more: log_opened)."""
    return [i for i, (t, _) in enumerate(entries) if t == type_][nth]


def misfiled_name(encryption: dict[str, Any], ballot: dict[str, Any], name: str, randomness: Randomness) -> Ballot:
    """What a faulty tablet might cast: ``ballot`` encrypted, but slot 0's name sealed under slot
    1's associated data with ρ proved honestly -- every check at cast passes, and the name does not
    open at the decryption (docs/ballot-crypto.md §6.1)."""
    context = context_of(encryption)
    made = encrypt_plain(encryption, ballot)
    cast, rho = made.ballot, made.opening.write_ins[0][0]
    _, sealed = writeins.seal_name(context.vid, cast.ballot, 1, rho, context.key, name)
    use = cast.use_bit(0)
    prefix: list[str | int] = [context.vid, cast.ballot, 0, use.alpha.hex(), use.beta.hex(),
                               writeins.sealed_text(sealed)]
    slot = WriteIn(cast.write_ins[0].r, sealed, prove_schnorr(TAG_WRITE_IN, prefix, rho, cast.write_ins[0].r,
                                                              randomness))
    return Ballot(cast.ballot, cast.vid, cast.selections, cast.limits, (slot, *cast.write_ins[1:]))
