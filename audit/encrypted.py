"""Encrypted secret votes as the log tells them, checked with no secret (docs/verifier-spec.md
§4.4 "Key ceremonies" and "Encrypted votes"; the cryptography is docs/ballot-crypto.md, done by
`ballotcrypto`).

`Ceremonies` follows the 监票人's key ceremonies record by record:

    ceremony_started      the statement (§2.1) parses, its cid is H256 of it, its origin is the
                          log's, its id is new, one account per trustee; the meeting has no
                          election key yet and no other ceremony under way (a new one abandons it)
    trustee_commitment    every coefficient's Schnorr proof (§2.2); one per trustee
    trustee_shares        after every commitment, once per trustee, one sealed share to every other
                          trustee (sealed: nobody but the recipient can check more)
    trustee_confirmation  after every trustee's shares; the share key is the one the commitments
                          imply, X_j = Σ_i Σ_t j^t·C_{i,t}, and its proof holds (§2.4)
    election_key          after every confirmation: K = Σ_i C_{i,0}, the share keys X_1 … X_n,
                          the cid, and the fingerprint (`fingerprint`)
    ceremony_abandoned    only of a ceremony under way

`EncryptedVote` follows one vote opened with an ``encryption``: its context is the one the
ceremony's key and the vote's definition give (`open_encrypted`); each cast ballot is well-formed
(`EncryptedVote.cast`), its id and every α new in the vote and none of them a challenged
ballot's, and its proofs hold (`check_proofs`, or `check_ballots` in a worker); each challenged
ballot's opening opens it (`EncryptedVote.spoil`); the totals are the sums of the counted ballots'
ciphertexts; each partial decryption's proofs hold against its trustee's share key; the counts are
what the first k partials decrypt, and the tally counts what `ballotcrypto.votes.tally_counts`
makes of them.  A vote with write-in slots (另选他人, docs/ballot-crypto.md §6.1) has two more
rounds of partials (``write_in_partial``, round ``uses`` then ``names``): each checks against the
counted ballots (round 1) or those the first k round-1 partials say have write-ins (round 2), and
the decryption's ``write_ins`` names the first k of each round and what they give.  Every fault is
a `CryptoFault` naming its finding.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from audit import canonical
from ballotcrypto import sodium

if TYPE_CHECKING:
    from ballotcrypto import writein_count
    from ballotcrypto.ballot import Ballot, Context
    from ballotcrypto.ceremony import Ceremony, Commitment, Confirmation
    from ballotcrypto.count import Partial
    from ballotcrypto.elgamal import Ciphertext
    from ballotcrypto.group import Point
    from ballotcrypto.votes import Label

# The rest of `ballotcrypto` is imported where it is used: a log with no key ceremony and no
# encrypted vote never needs it, and `python -m audit verify` starts sooner without it.

__all__ = [
    "FINDINGS",
    "CryptoFault",
    "EncryptedVote",
    "check_ballots",
    "check_secrecy",
    "fingerprint",
    "open_encrypted",
]

#: The findings of this module, with what they mean (docs/verifier-spec.md §5).
FINDINGS: dict[str, str] = {
    "bad-ceremony": "a key ceremony's statement, order or shares are not what the log allows",
    "bad-commitment": "a 监票人's commitment is malformed, repeated, or a coefficient proof fails",
    "bad-confirmation": "a confirmation's share key is not the one the commitments imply, or its proof fails",
    "bad-election-key": "the election key, share keys or fingerprint are not what the commitments give",
    "bad-encryption": "an encrypted vote's context is not what its definition and the ceremony's key give",
    "bad-ballot": "an encrypted ballot is malformed or not of its vote",
    "bad-selection-proof": "an encrypted ballot's selection proof fails (a selection not 0 or 1)",
    "bad-limit-proof": "an encrypted ballot's limit proof fails (more marks than the form allows)",
    "bad-write-in-proof": "an encrypted ballot's proof of a write-in slot fails (its sealed name or R changed)",
    "replayed-ballot": "an encrypted ballot's id or one of its ciphertexts was cast before in the vote",
    "bad-ballot-opening": "a challenged ballot's opening does not open it",
    "spoiled-ballot-counted": "a challenged (spoiled) ballot is also cast",
    "wrong-totals": "encrypted_totals is not the sum of the counted ballots",
    "bad-partial": "a partial decryption's proof fails, or it is out of place",
    "bad-decryption": "the decryption does not name the first k partial decryptions",
    "wrong-counts": "the counts are not what the partial decryptions give, or the tally counts not theirs",
    "bad-write-in-partial": "a partial decryption of a write-in round fails, is out of place, repeated, or for "
                            "other ballots",
    "wrong-write-ins": "the decryption's write-ins are not what the first k partials of each write-in round give",
    "bad-write-in": "a used write-in slot's sealed name does not open to a name (a faulty tablet)",
    "wrong-secrecy": "a vote_opened's secrecy is not how its item, its encryption or the election key say its "
                     "ballots are kept",
}

_PROOF_FINDINGS = ("bad-selection-proof", "bad-limit-proof", "bad-write-in-proof")


class CryptoFault(Exception):
    """A record of an encrypted vote or a key ceremony the checks refuse; `code` is the finding."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def fingerprint(key: str) -> str:
    """How people compare an election key (shown on the hall screen and the tablets): the first 16
    hex digits of SHA-256 of its 32 bytes, upper case, in groups of 4 (``1BAF-7182-421E-07B7``)."""
    digest = hashlib.sha256(bytes.fromhex(key)).hexdigest()[:16].upper()
    return "-".join(digest[i : i + 4] for i in range(0, 16, 4))


def _same(recorded: object, derived: object) -> bool:
    """The recorded JSON value is exactly the derived one (as RFC 8785 JSON: 1 is not true)."""
    return canonical.dumps(recorded) == canonical.dumps(derived)


# -- key ceremonies ---------------------------------------------------------------------------------


@dataclass
class KeyCeremony:
    """One ceremony as the log tells it."""

    meeting_id: int
    statement: Ceremony
    state: str = "running"  # running | abandoned | done
    commitments: dict[int, Commitment] = field(default_factory=dict)
    shares: set[int] = field(default_factory=set)
    confirmations: dict[int, Confirmation] = field(default_factory=dict)
    key: Point | None = None
    share_keys: tuple[Point, ...] = ()
    fingerprint: str = ""

    def describe(self) -> str:
        s = self.statement
        return f"{s.ceremony} (n = {s.n}, k = {s.k}) 选举公钥指纹 key fingerprint {self.fingerprint}"


class Ceremonies:
    """Every key ceremony of the log (`record`), and the finished ones by cid (`finished`)."""

    def __init__(self, origin: str = "") -> None:
        self.origin = origin
        self.by_id: dict[str, KeyCeremony] = {}
        self.finished: dict[str, KeyCeremony] = {}

    def has_key(self, meeting_id: int | None) -> bool:
        """Whether a finished ceremony gave the meeting (any meeting, for a log without them) its key."""
        return any(meeting_id is None or c.meeting_id == meeting_id for c in self.finished.values())

    def record(self, type_: str, body: Mapping[str, Any]) -> None:
        """Apply one ceremony record (its body's members and their JSON types are checked already)."""
        if type_ == "ceremony_started":
            self._start(body)
            return
        ceremony = self._running(body, type_)
        if type_ == "ceremony_abandoned":
            ceremony.state = "abandoned"
        elif type_ == "trustee_commitment":
            self._commitment(ceremony, body["commitment"])
        elif type_ == "trustee_shares":
            self._shares(ceremony, body["trustee"], body["shares"])
        elif type_ == "trustee_confirmation":
            self._confirmation(ceremony, body["confirmation"])
        else:
            self._key(ceremony, body)

    def _start(self, body: Mapping[str, Any]) -> None:
        from ballotcrypto.ceremony import read_ceremony
        from ballotcrypto.errors import BallotCryptoError
        try:
            statement = read_ceremony(body["ceremony"])
        except BallotCryptoError as error:
            raise CryptoFault("bad-ceremony", f"ceremony statement: {error.message} / 密钥生成声明有误") from None
        name = statement.ceremony
        if body["cid"] != statement.cid:
            raise CryptoFault("bad-ceremony", f"ceremony {name}: cid is not H256 of its statement / cid 与声明不符")
        if statement.origin != self.origin:
            raise CryptoFault("bad-ceremony", f"ceremony {name} names the log {statement.origin}, not {self.origin}"
                                              " / 密钥生成声明的日志名不符")
        if name in self.by_id:
            raise CryptoFault("bad-ceremony", f"ceremony {name} started twice / 密钥生成重复开始")
        accounts = body["accounts"]
        if (len(accounts) != statement.n or any(type(a) is not str for a in accounts)
                or len(set(accounts)) != len(accounts)):
            raise CryptoFault("bad-ceremony", f"ceremony {name}: {statement.n} trustees but accounts {accounts}"
                                              " / 监票人账户与人数不符")
        for other in self.by_id.values():
            if other.meeting_id == body["meeting_id"] and other.state != "abandoned":
                why = "already has an election key" if other.state == "done" else "is still under way"
                raise CryptoFault("bad-ceremony", f"ceremony {name} started while ceremony "
                                                  f"{other.statement.ceremony} of meeting {other.meeting_id} {why}"
                                                  " / 本次会议已有选举公钥或未结束的密钥生成")
        self.by_id[name] = KeyCeremony(body["meeting_id"], statement)

    def _running(self, body: Mapping[str, Any], type_: str) -> KeyCeremony:
        ceremony = self.by_id.get(body["ceremony"])
        if ceremony is None or ceremony.meeting_id != body["meeting_id"]:
            raise CryptoFault("bad-ceremony", f"{type_} for ceremony {body['ceremony']}, never started for meeting "
                                              f"{body['meeting_id']} / 密钥生成未开始")
        if ceremony.state != "running":
            raise CryptoFault("bad-ceremony", f"{type_} for ceremony {body['ceremony']}, which is {ceremony.state}"
                                              " / 密钥生成已结束或已放弃")
        return ceremony

    @staticmethod
    def _commitment(ceremony: KeyCeremony, value: object) -> None:
        from ballotcrypto.ceremony import check_commitment
        from ballotcrypto.errors import BallotCryptoError
        name = ceremony.statement.ceremony
        try:
            commitment = check_commitment(ceremony.statement, value)
        except BallotCryptoError as error:
            raise CryptoFault("bad-commitment", f"ceremony {name}: {error.message} / 监票人的承诺不成立") from None
        if commitment.trustee in ceremony.commitments:
            raise CryptoFault("bad-commitment", f"ceremony {name}: trustee {commitment.trustee} committed twice"
                                                " / 同一监票人重复提交承诺")
        ceremony.commitments[commitment.trustee] = commitment

    @staticmethod
    def _shares(ceremony: KeyCeremony, trustee: int, shares: list[Any]) -> None:
        from ballotcrypto import wire
        from ballotcrypto.errors import BallotCryptoError
        statement = ceremony.statement
        name, n = statement.ceremony, statement.n
        if len(ceremony.commitments) != n:
            raise CryptoFault("bad-ceremony", f"ceremony {name}: shares before every trustee's commitment"
                                              " / 承诺未齐即交换份额")
        if not 1 <= trustee <= n or trustee in ceremony.shares:
            raise CryptoFault("bad-ceremony", f"ceremony {name}: shares of trustee {trustee}, not one of 1 to {n} or "
                                              "again / 份额的监票人序号有误或重复")
        recipients = []
        for position, share in enumerate(shares):
            try:
                item = wire.members(share, ("trustee", "to", "sealed"), f"shares[{position}]")
                wire.text(item["sealed"], f"shares[{position}].sealed")
            except BallotCryptoError as error:
                raise CryptoFault("bad-ceremony", f"ceremony {name}: {error.message} / 份额格式有误") from None
            if item["trustee"] != trustee:
                raise CryptoFault("bad-ceremony", f"ceremony {name}: trustee {trustee} posted a share of another"
                                                  " / 份额不是本人发出的")
            recipients.append(item["to"])
        if not _same(recipients, [j for j in range(1, n + 1) if j != trustee]):
            raise CryptoFault("bad-ceremony", f"ceremony {name}: trustee {trustee}'s shares are not one to every "
                                              "other trustee in order / 份额应发给其他每位监票人各一份")
        ceremony.shares.add(trustee)

    @staticmethod
    def _confirmation(ceremony: KeyCeremony, value: object) -> None:
        from ballotcrypto.ceremony import check_confirmation
        from ballotcrypto.errors import BallotCryptoError
        statement = ceremony.statement
        name = statement.ceremony
        if len(ceremony.shares) != statement.n:
            raise CryptoFault("bad-confirmation", f"ceremony {name}: a confirmation before every trustee's shares"
                                                  " / 份额未齐即确认")
        try:
            confirmation = check_confirmation(statement, list(ceremony.commitments.values()), value)
        except BallotCryptoError as error:
            raise CryptoFault("bad-confirmation", f"ceremony {name}: {error.message} / 监票人的确认不成立") from None
        if confirmation.trustee in ceremony.confirmations:
            raise CryptoFault("bad-confirmation", f"ceremony {name}: trustee {confirmation.trustee} confirmed twice"
                                                  " / 同一监票人重复确认")
        ceremony.confirmations[confirmation.trustee] = confirmation

    def _key(self, ceremony: KeyCeremony, body: Mapping[str, Any]) -> None:
        from ballotcrypto.ceremony import election_key
        from ballotcrypto.errors import BallotCryptoError
        statement = ceremony.statement
        name = statement.ceremony
        if len(ceremony.confirmations) != statement.n:
            raise CryptoFault("bad-election-key", f"ceremony {name}: an election key before every confirmation"
                                                  " / 确认未齐即生成选举公钥")
        try:
            result = election_key(statement, list(ceremony.commitments.values()),
                                  list(ceremony.confirmations.values()))
        except BallotCryptoError as error:
            raise CryptoFault("bad-election-key", f"ceremony {name}: {error.message} / 选举公钥有误") from None
        derived: dict[str, Any] = {**result.to_json(), "fingerprint": fingerprint(result.key.hex())}
        for member in ("cid", "key", "share_keys", "fingerprint"):
            if not _same(body[member], derived[member]):
                raise CryptoFault("bad-election-key", f"ceremony {name}: election_key's {member} is "
                                                      f"{json.dumps(body[member])}, the commitments give "
                                                      f"{json.dumps(derived[member])} / 选举公钥与承诺不符")
        ceremony.state = "done"
        ceremony.key, ceremony.share_keys = result.key, result.share_keys
        ceremony.fingerprint = derived["fingerprint"]
        self.finished[result.cid] = ceremony


# -- encrypted votes --------------------------------------------------------------------------------


def _encryptable(definition: Mapping[str, Any]) -> bool:
    from ballotcrypto.votes import vote_form
    try:
        return vote_form(definition, with_write_ins=True) is not None
    except (AttributeError, KeyError, TypeError, ValueError):  # a definition no tally document has
        return False


def check_secrecy(vote_id: str, secrecy: str, encrypted: bool, definition: Mapping[str, Any],
                  item_secret: bool | None, key_exists: bool) -> None:
    """A ``vote_opened``'s ``secrecy`` (named, encrypted, plaintext, paper) against what the log says:

        encrypted  <=>  the record has an ``encryption``
        named      <=>  its item is not secret (when the log has items)
        plaintext  =>   no election key of the meeting yet, or a form that cannot be encrypted
                        (民生实事 by ranking; an election round with write-ins is encrypted with
                        its write-in slots): a secret electronic vote is never kept in clear
                        when it could have been encrypted

    ``paper`` (a secret vote counted from paper ballots by 计票人) is taken as it says."""
    if (secrecy == "encrypted") != encrypted:
        raise CryptoFault("wrong-secrecy", f"vote {vote_id}: secrecy {secrecy} but the record "
                                           f"{'has' if encrypted else 'has no'} encryption / 表决方式与加密参数不符")
    if item_secret is not None and (secrecy == "named") == item_secret:
        raise CryptoFault("wrong-secrecy", f"vote {vote_id}: secrecy {secrecy} but its item is "
                                           f"{'secret' if item_secret else 'named'} / 表决方式与议题的记名设置不符")
    if secrecy == "plaintext" and key_exists and _encryptable(definition):
        raise CryptoFault("wrong-secrecy", f"vote {vote_id} is a secret vote kept in plaintext although the meeting "
                                           "has an election key and its ballot can be encrypted / 本应加密的无记名表决"
                                           "未加密")


def open_encrypted(vote_id: str, definition: Mapping[str, Any], encryption: Mapping[str, Any],
                   ceremonies: Ceremonies, meeting_id: int | None) -> EncryptedVote:
    """The vote of a ``vote_opened`` with this ``encryption``, if it is exactly what the finished
    ceremony it names and the vote's definition give (`meeting_id`: the vote's meeting, None for a
    log without meetings)."""
    from ballotcrypto import wire
    from ballotcrypto.ballot import Context
    from ballotcrypto.errors import BallotCryptoError
    from ballotcrypto.votes import vote_form
    try:
        wire.members(encryption, ("context", "vid", "selections", "fingerprint", "ceremony"), "encryption")
    except BallotCryptoError as error:
        raise CryptoFault("bad-encryption", f"vote {vote_id}: {error.message} / 加密参数格式有误") from None
    ceremony = ceremonies.finished.get(encryption["ceremony"]) if type(encryption["ceremony"]) is str else None
    if ceremony is None:
        raise CryptoFault("bad-encryption", f"vote {vote_id} is encrypted to no finished key ceremony "
                                            f"({json.dumps(encryption['ceremony'])}) / 加密所用的选举公钥不存在")
    if meeting_id is not None and ceremony.meeting_id != meeting_id:
        raise CryptoFault("bad-encryption", f"vote {vote_id} of meeting {meeting_id} is encrypted to the key of "
                                            f"meeting {ceremony.meeting_id} / 加密所用的选举公钥不属于本次会议")
    assert ceremony.key is not None  # (a finished ceremony has its key)
    try:
        shaped = vote_form(definition, with_write_ins=True)
    except (AttributeError, KeyError, TypeError, ValueError):  # a definition no tally document has
        shaped = None
    if shaped is None:
        raise CryptoFault("bad-encryption", f"vote {vote_id}: its definition has no encrypted form (a ranking, "
                                            "or not a vote) / 本表决的选票不能加密")
    context = Context(ceremonies.origin, vote_id, ceremony.key, shaped.form)
    derived: dict[str, Any] = {"context": context.to_json(), "vid": context.vid,
                               "selections": [label.to_json() for label in shaped.labels],
                               "fingerprint": ceremony.fingerprint, "ceremony": ceremony.statement.cid}
    for member in ("context", "vid", "selections", "fingerprint", "ceremony"):
        if not _same(encryption[member], derived[member]):
            raise CryptoFault("bad-encryption", f"vote {vote_id}: encryption.{member} is not what the election key "
                                                "and the vote's definition give / 加密参数与选举公钥或表决定义不符")
    return EncryptedVote(vote_id, context, shaped.labels, ceremony.share_keys, ceremony.statement.k)


@dataclass
class EncryptedVote:
    """One encrypted vote, record by record (the verifier keeps the counted ballots' ciphertexts
    itself, by record: `cast` gives them packed)."""

    vote_id: str
    context: Context
    labels: tuple[Label, ...]
    share_keys: tuple[Point, ...]
    k: int
    ids: set[str] = field(default_factory=set)  # every cast ballot's id (withdrawn ones too)
    alphas: set[bytes] = field(default_factory=set)  # and every α
    spoiled_ids: set[str] = field(default_factory=set)
    spoiled_alphas: set[bytes] = field(default_factory=set)
    spoiled: int = 0
    totals: tuple[Ciphertext, ...] | None = None
    ballots_cast: int = 0
    partials: list[Partial] = field(default_factory=list)
    counted: tuple[Ballot, ...] = ()  # with write-in slots: the counted ballots' ids, use bits, R, sealed names
    uses_partials: list[Partial] = field(default_factory=list)
    uses: tuple[int, ...] | None = None  # what the first k round-1 partials give, once round 2 starts
    names_partials: list[writein_count.NamesPartial] = field(default_factory=list)
    decrypted: bool = False
    batch: list[tuple[int, bytes]] = field(default_factory=list)  # cast, proofs not checked yet (workers)

    @property
    def context_json(self) -> dict[str, Any]:
        return self.context.to_json()

    def cast(self, ballot: bytes) -> tuple[Ballot, bytes]:
        """A cast ballot (its canonical JSON) if it is well-formed for this vote and new in it: the
        ballot, and its ciphertexts packed (α_0 β_0 α_1 β_1 …, 64 bytes a selection; with write-in
        slots then the 16 bytes of its id and each slot's R and sealed name, 112 bytes a slot). Its
        proofs are left to `check_proofs`."""
        from ballotcrypto.ballot import read_ballot
        from ballotcrypto.errors import BallotCryptoError
        try:
            parsed = read_ballot(json.loads(ballot), self.context.form)
        except BallotCryptoError as error:
            raise CryptoFault("bad-ballot", f"an encrypted ballot of vote {self.vote_id}: {error.message}"
                                            " / 加密选票格式有误") from None
        if parsed.vid != self.context.vid:
            raise CryptoFault("bad-ballot", f"ballot {parsed.ballot} is not of vote {self.vote_id} (vid)"
                                            " / 选票不属于本次表决")
        alphas = [selection.ciphertext.alpha.encoding for selection in parsed.selections]
        if parsed.ballot in self.spoiled_ids or not self.spoiled_alphas.isdisjoint(alphas):
            raise CryptoFault("spoiled-ballot-counted", f"ballot {parsed.ballot} of vote {self.vote_id} was "
                                                        "challenged (spoiled) and is cast / 已公开核验的选票被投出")
        if parsed.ballot in self.ids or not self.alphas.isdisjoint(alphas):
            what = "id" if parsed.ballot in self.ids else "ciphertext (alpha)"
            raise CryptoFault("replayed-ballot", f"ballot {parsed.ballot} of vote {self.vote_id}: its {what} was cast "
                                                 "before / 重复投出的加密选票")
        self.ids.add(parsed.ballot)
        self.alphas.update(alphas)
        packed = b"".join(s.ciphertext.alpha.encoding + s.ciphertext.beta.encoding for s in parsed.selections)
        if parsed.write_ins:
            packed += bytes.fromhex(parsed.ballot) + b"".join(w.r.encoding + w.sealed for w in parsed.write_ins)
        return parsed, packed

    def check(self, ballot: Ballot) -> None:
        """The proofs of a ballot `cast` accepted (CryptoFault naming the first that fails)."""
        fault = _proof_fault(self.context, ballot)
        if fault is not None:
            raise CryptoFault(*fault)

    def spoil(self, ballot: object, opening: object) -> None:
        """A challenged ballot: its opening opens it, and it is not cast."""
        from ballotcrypto.ballot import check_opening, read_ballot
        from ballotcrypto.errors import BallotCryptoError
        try:
            parsed = read_ballot(ballot, self.context.form)
            check_opening(self.context, parsed, opening)
        except BallotCryptoError as error:
            raise CryptoFault("bad-ballot-opening", f"a challenged ballot of vote {self.vote_id}: {error.message}"
                                                    " / 公开核验的随机数不能打开这张选票") from None
        alphas = [selection.ciphertext.alpha.encoding for selection in parsed.selections]
        if parsed.ballot in self.ids or not self.alphas.isdisjoint(alphas):
            raise CryptoFault("spoiled-ballot-counted", f"ballot {parsed.ballot} of vote {self.vote_id} is challenged "
                                                        "(spoiled) after it was cast / 已投出的选票被公开核验")
        self.spoiled_ids.add(parsed.ballot)
        self.spoiled_alphas.update(alphas)
        self.spoiled += 1

    def total(self, body: Mapping[str, Any], counted: Sequence[bytes]) -> None:
        """``encrypted_totals``: the per-selection sums of the `counted` ballots' packed ciphertexts."""
        from ballotcrypto.count import read_totals
        from ballotcrypto.errors import BallotCryptoError
        vote_id = self.vote_id
        if self.totals is not None:
            raise CryptoFault("wrong-totals", f"encrypted_totals again for vote {vote_id} / 重复的密文合计")
        selections = self.context.form.selections
        try:
            totals = read_totals(body["totals"], selections)
        except BallotCryptoError as error:
            raise CryptoFault("wrong-totals", f"vote {vote_id}: {error.message} / 密文合计格式有误") from None
        if body["ballots_cast"] != len(counted):
            raise CryptoFault("wrong-totals", f"vote {vote_id}: encrypted_totals counts {body['ballots_cast']} "
                                              f"ballots, {len(counted)} are counted / 合计的票数与选票记录不符")
        for i, (total, derived) in enumerate(zip(totals, _sums(counted, selections), strict=True)):
            if total.alpha.encoding + total.beta.encoding != derived:
                raise CryptoFault("wrong-totals", f"vote {vote_id}: total {i} is not the sum of the counted "
                                                  "ballots' ciphertexts / 密文合计与选票不符")
        self.totals, self.ballots_cast = totals, len(counted)
        if self.context.form.write_ins:
            self.counted = tuple(_unpacked(packed, selections, self.context) for packed in counted)
        for seen in (self.ids, self.alphas, self.spoiled_ids, self.spoiled_alphas):
            seen.clear()  # closed: no ballot is cast or challenged any more (memory stays bounded)

    def partial(self, value: object) -> None:
        """A 监票人's partial decryption of the totals, with its proofs."""
        from ballotcrypto.count import check_partial
        from ballotcrypto.errors import BallotCryptoError
        vote_id = self.vote_id
        if self.totals is None or self.decrypted:
            when = "before the totals" if self.totals is None else "after the count was decrypted"
            raise CryptoFault("bad-partial", f"a partial decryption of vote {vote_id} {when} / 部分解密的时机有误")
        try:
            partial = check_partial(self.context.vid, self.share_keys, self.totals, value)
        except BallotCryptoError as error:
            raise CryptoFault("bad-partial", f"vote {vote_id}: {error.message} / 部分解密不成立") from None
        if any(p.trustee == partial.trustee for p in self.partials):
            raise CryptoFault("bad-partial", f"vote {vote_id}: trustee {partial.trustee} decrypted twice"
                                             " / 同一监票人重复部分解密")
        self.partials.append(partial)

    def write_in_partial(self, body: Mapping[str, Any]) -> None:
        """``write_in_partial``: a 监票人's partial of write-in round ``uses`` (every counted
        ballot's use sum) or ``names`` (every slot of the ballots the first k round-1 partials say
        have write-ins), with its proofs; round 1 ends when round 2 starts."""
        from ballotcrypto import writein_count
        from ballotcrypto.count import Partial
        from ballotcrypto.errors import BallotCryptoError
        vote_id, round_ = self.vote_id, body.get("round")
        if not self.context.form.write_ins or round_ not in ("uses", "names"):
            what = "is not of round uses or names" if self.context.form.write_ins else "of a vote without write-ins"
            raise CryptoFault("bad-write-in-partial", f"a write-in partial of vote {vote_id} {what}"
                                                      " / 另选他人的部分解密有误")
        if self.totals is None or self.decrypted or (round_ == "uses" and self.uses is not None):
            when = ("before the totals" if self.totals is None else "after the count was decrypted" if self.decrypted
                    else "after round names began")
            raise CryptoFault("bad-write-in-partial", f"a write-in partial ({round_}) of vote {vote_id} {when}"
                                                      " / 另选他人部分解密的时机有误")
        try:
            if round_ == "uses":
                made: Partial | writein_count.NamesPartial = writein_count.check_uses_partial(
                    self.context.vid, self.share_keys, self.counted, body["partial"])
                done: Sequence[Partial | writein_count.NamesPartial] = self.uses_partials
            else:
                round2 = self._round2(vote_id)
                made = writein_count.check_names_partial(self.context.vid, self.share_keys, round2, body["partial"])
                done = self.names_partials
        except BallotCryptoError as error:
            raise CryptoFault("bad-write-in-partial", f"vote {vote_id}, write-in round {round_}: {error.message}"
                                                      " / 另选他人的部分解密不成立") from None
        if any(p.trustee == made.trustee for p in done):
            raise CryptoFault("bad-write-in-partial", f"vote {vote_id}: trustee {made.trustee} decrypted write-in "
                                                      f"round {round_} twice / 同一监票人重复部分解密")
        if isinstance(made, Partial):
            self.uses_partials.append(made)
        else:
            self.names_partials.append(made)

    def _round2(self, vote_id: str) -> tuple[Ballot, ...]:
        """The ballots of write-in round 2, fixed by the first k round-1 partials when it begins."""
        from ballotcrypto import writein_count
        if self.uses is None:
            if len(self.uses_partials) < self.k:
                raise CryptoFault("bad-write-in-partial", f"vote {vote_id}: write-in round names before {self.k} "
                                                          "partials of round uses / 另选他人第二轮解密过早")
            self.uses = writein_count.combine_uses(self.counted, self.uses_partials[: self.k], self.k)
        return writein_count.with_write_ins(self.counted, self.uses)

    def _write_ins(self, body: Mapping[str, Any]) -> list[list[str]]:
        """The decryption's ``write_ins`` checked against the write-in rounds: the names per ballot."""
        from ballotcrypto import wire, writein_count
        from ballotcrypto.errors import BallotCryptoError
        vote_id = self.vote_id
        recorded = body.get("write_ins")
        cast = self.ballots_cast
        try:
            wire.members(recorded, ("uses_trustees", "uses", "names_trustees", "names"), "decryption.write_ins")
        except BallotCryptoError as error:
            raise CryptoFault("bad-decryption", f"vote {vote_id}: {error.message} / 解密记录缺少另选他人") from None
        assert isinstance(recorded, Mapping)  # (members checked it)
        uses_used = self.uses_partials[: self.k] if cast else []
        if len(uses_used) != (self.k if cast else 0):
            raise CryptoFault("wrong-write-ins", f"vote {vote_id}: fewer than {self.k} partials of write-in round "
                                                 "uses / 另选他人第一轮部分解密不足")
        uses = list(self.uses if self.uses is not None else
                    writein_count.combine_uses(self.counted, uses_used, self.k) if cast else [])
        round2 = writein_count.with_write_ins(self.counted, uses)
        names_used = self.names_partials[: self.k] if round2 else []
        if len(names_used) != (self.k if round2 else 0):
            raise CryptoFault("wrong-write-ins", f"vote {vote_id}: fewer than {self.k} partials of write-in round "
                                                 "names / 另选他人第二轮部分解密不足")
        try:
            names = [list(n) for n in writein_count.combine_names(self.context.vid, round2, [u for u in uses if u],
                                                                  names_used, self.k)] if round2 else []
        except BallotCryptoError as error:
            code = "bad-write-in" if error.finding == "bad-write-in" else "wrong-write-ins"
            raise CryptoFault(code, f"vote {vote_id}: {error.message} / 另选他人解不出有效姓名") from None
        derived = {"uses_trustees": sorted(p.trustee for p in uses_used), "uses": uses,
                   "names_trustees": sorted(p.trustee for p in names_used), "names": names}
        if not _same(recorded, derived):
            given = canonical.dumps(derived).decode("utf-8")
            raise CryptoFault("wrong-write-ins", f"vote {vote_id}: write_ins are not what the write-in rounds give "
                                                 f"({given}) / 另选他人与部分解密不符")
        return names

    def decryption(self, body: Mapping[str, Any], definition: Mapping[str, Any]) -> None:
        """``decryption``: the trustees are the first k who decrypted, the counts what their partials
        give (all 0 with no ballot), the tally counts what `ballotcrypto.votes.tally_counts` makes of them."""
        from ballotcrypto.count import combine
        from ballotcrypto.errors import BallotCryptoError
        from ballotcrypto.votes import tally_counts
        vote_id = self.vote_id
        if self.totals is None or self.decrypted:
            when = "before the totals" if self.totals is None else "again"
            raise CryptoFault("bad-decryption", f"decryption of vote {vote_id} {when} / 解密的时机有误")
        trustees, cast = body["trustees"], self.ballots_cast
        used = self.partials[: self.k] if cast else []
        if (len(used) != (self.k if cast else 0) or any(type(t) is not int for t in trustees)
                or sorted(trustees) != sorted(p.trustee for p in used)):
            raise CryptoFault("bad-decryption", f"vote {vote_id}: decrypted by trustees {json.dumps(trustees)}, but "
                                                f"the first {self.k} partial decryptions are of "
                                                f"{[p.trustee for p in used]} / 解密所用的监票人不符")
        if not self.context.form.write_ins and "write_ins" in body:
            raise CryptoFault("bad-decryption", f"vote {vote_id} has no write-in slots but its decryption has write_ins"
                                                " / 本表决没有另选他人栏")
        names = self._write_ins(body) if self.context.form.write_ins else None
        try:
            counts = list(combine(self.totals, used, self.k, cast)) if cast else [0] * len(self.totals)
            derived = tally_counts(definition, counts, cast, names)
        except (BallotCryptoError, ValueError) as error:
            raise CryptoFault("wrong-counts", f"vote {vote_id}: the partial decryptions give no count ({error})"
                                              " / 部分解密解不出票数") from None
        if not _same(body["counts"], counts):
            raise CryptoFault("wrong-counts", f"vote {vote_id}: counts {json.dumps(body['counts'])}, the partial "
                                              f"decryptions give {counts} / 解密的票数与部分解密不符")
        if not _same(body["tally_counts"], derived):
            raise CryptoFault("wrong-counts", f"vote {vote_id}: tally_counts are not what the counts give "
                                              f"({canonical.dumps(derived).decode('utf-8')}) / 计票输入与解密票数不符")
        self.decrypted = True


def _sums(counted: Sequence[bytes], selections: int) -> list[bytes]:
    """Per selection, (Σα) ‖ (Σβ) of packed ciphertexts; the identity twice for none."""
    if not counted:
        return [sodium.IDENTITY_BYTES * 2] * selections
    add = sodium.add
    out = []
    for i in range(0, 64 * selections, 64):
        alpha, beta = counted[0][i : i + 32], counted[0][i + 32 : i + 64]
        for packed in counted[1:]:
            alpha, beta = add(alpha, packed[i : i + 32]), add(beta, packed[i + 32 : i + 64])
        out.append(alpha + beta)
    return out


def _unpacked(packed: bytes, selections: int, context: Context) -> Ballot:
    """A counted ballot of a vote with write-in slots from what `EncryptedVote.cast` packed: its id,
    ciphertexts and slots (R, sealed name), without proofs (they were checked when it was cast)."""
    from ballotcrypto.ballot import Ballot, Selection, WriteIn
    from ballotcrypto.elgamal import Ciphertext
    from ballotcrypto.group import Point, Scalar
    from ballotcrypto.proofs import Proof

    no_proof = Proof(Scalar(0), Scalar(0))  # the verifier keeps a counted ballot's ciphertexts, not its proofs
    at = 64 * selections
    cts = tuple(Selection(Ciphertext(Point.trusted(packed[i : i + 32]), Point.trusted(packed[i + 32 : i + 64])), ())
                for i in range(0, at, 64))
    slots = tuple(WriteIn(Point.trusted(packed[i : i + 32]), packed[i + 32 : i + 112], no_proof)
                  for i in range(at + 16, len(packed), 112))
    return Ballot(packed[at : at + 16].hex(), context.vid, cts, (), slots)


def _proof_fault(context: Context, ballot: Ballot) -> tuple[str, str] | None:
    from ballotcrypto.ballot import check_proofs
    from ballotcrypto.errors import BallotRefused
    try:
        check_proofs(context, ballot)
    except BallotRefused as error:
        code = error.finding if error.finding in _PROOF_FINDINGS else "bad-ballot"
        return code, (f"ballot {ballot.ballot} of vote {context.vote}: {error.message}"
                      f"{f' ({error.where})' if error.where else ''} / 加密选票的证明不成立")
    return None


_contexts: dict[str, Context] = {}


def _context(value: Mapping[str, Any]) -> Context:
    """A vote's context from its JSON (cached by vid: a worker sees the same votes again)."""
    from ballotcrypto import wire
    from ballotcrypto.ballot import Context
    from ballotcrypto.forms import read_form
    found = _contexts.get(str(value.get("vote")))
    if found is None or found.to_json() != value:
        found = Context(str(value["origin"]), str(value["vote"]), wire.point(value["key"], "context.key"),
                        read_form(value["form"]))
        if len(_contexts) >= 64:
            _contexts.clear()
        _contexts[found.vote] = found
    return found


def check_ballots(context: Mapping[str, Any], ballots: Sequence[tuple[int, bytes]]) -> tuple[int, str, str] | None:
    """In a worker (or here): the proofs of cast ballots `cast` accepted, given as (seq, canonical
    JSON); the first that fails as (seq, finding, message), else None."""
    from ballotcrypto.ballot import read_ballot
    parsed = _context(context)
    for seq, ballot in ballots:
        fault = _proof_fault(parsed, read_ballot(json.loads(ballot), parsed.form))
        if fault is not None:
            return (seq, *fault)
    return None
