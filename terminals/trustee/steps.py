"""What a 监票人's device does at each step, on what the server published: no network, no files.

The CLI (``python -m terminals.trustee``) and the Python device (`terminals.trustee`) call these;
the scrutineer page does the same in scrutineer_keys.js. Each step takes the server's answers as
they came (``GET /api/meetings/{id}/ceremony`` as this 监票人; for a decryption also
``GET /api/votes/{id}``, ``…/decryption`` and ``…/ballots``), checks what it relies on, and gives
the body to post (and, for the ceremony, the key file to keep: docs/ballot-crypto.md §7).

    commitment    round 1: a new polynomial and transport key, sealed in a new key file
    shares        round 2: f_i(j) sealed to every other 监票人 (the round-1 file opened)
    confirmation  round 3: the shares addressed to me opened and checked, x_j kept in place of
                  the round-1 secret (the same passphrase key, as the page does)
    partial       the totals re-added from the counted ballots (every proof checked), the
                  election key re-derived from the ceremony's public messages, then x_j·A_i with
                  proofs — refused if anything does not match
    write_in_partial  with write-in slots (另选他人, docs/ballot-crypto.md §6.1), once the totals
                  are in: the same checks, then round ``uses`` (every counted ballot's use sum, in
                  the counted order) or round ``names`` (every slot of the ballots whose use sum
                  round ``uses`` decrypted as not 0 — re-derived here from its partials)
    decrypt       whichever of the two the vote's decryption is waiting for

A file that already holds this step's secret for this ceremony is posted again unchanged (its
``about`` keeps what was posted), so a post that failed is sent again as it was.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ballotcrypto import writein_count
from ballotcrypto.ballot import Ballot, Context, check_ballot, read_ballot, read_context
from ballotcrypto.ceremony import (
    Ceremony,
    CeremonyResult,
    Commitment,
    TrusteeSecret,
    check_commitment,
    check_confirmation,
    confirm,
    election_key,
    fingerprint,
    open_share,
    read_ceremony,
    seal_shares,
    start,
)
from ballotcrypto.count import aggregate, partial_decrypt, read_totals
from ballotcrypto.errors import BallotCryptoError
from ballotcrypto.keyfile import PassphraseKey, TrusteeShare, open_trustee, read_trustee_file, seal_trustee

__all__ = ["Answer", "KeyOf", "StepRefused", "checked_totals", "commitment", "confirmation", "decrypt", "partial",
           "share_in", "shares", "write_in_partial"]

#: Asks for the passphrase of a key file (its kdf) and returns the key; None: make a new one.
KeyOf = Callable[[Mapping[str, object] | None], PassphraseKey]


class StepRefused(Exception):
    """The device will not take this step; ``message`` (Chinese) says why."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Answer:
    """What a step gives: the request to make (`path`, `body`) and the key file to keep (None: unchanged)."""

    step: str
    path: str
    body: dict[str, Any]
    key_file: dict[str, Any] | None = None
    note: str = ""


@dataclass(frozen=True)
class _Mine:
    meeting: int
    ceremony: dict[str, Any]
    statement: Ceremony
    trustee: int


def _mine(meeting: int, view: Mapping[str, Any], state: str | None) -> _Mine:
    found = view.get("ceremony")
    if not isinstance(found, dict):
        raise StepRefused("工作人员尚未开始监票人密钥生成")
    if state is not None and found.get("state") != state:
        names = {"commitments": "第一步（承诺）", "shares": "第二步（发送份额）", "confirmations": "第三步（确认）",
                 "done": "已完成", "abandoned": "已作废"}
        raise StepRefused(f"密钥生成现在处于{names.get(str(found.get('state')), str(found.get('state')))}，"
                          f"不是这一步")
    trustee = view.get("trustee")
    if not isinstance(trustee, int):
        raise StepRefused("本次密钥生成的监票人不包括这个账号")
    return _Mine(meeting, found, read_ceremony(found["statement"]), trustee)


def _about(mine: _Mine, kind: str, extra: Mapping[str, Any]) -> dict[str, Any]:
    """The key file's public description, with the members the scrutineer page writes."""
    c, i = mine.ceremony, mine.trustee
    return {"kind": kind, "cid": mine.statement.cid, "trustee": i, "ceremony": c["id"],
            "username": c["accounts"][i - 1],
            "name": mine.statement.trustees[i - 1], "meeting": mine.meeting, "n": mine.statement.n,
            "k": mine.statement.k, **extra, "saved": datetime.now(UTC).isoformat(timespec="seconds")}


def _fits(file: Mapping[str, Any] | None, kind: str, mine: _Mine) -> dict[str, Any] | None:
    """The key file's ``about`` if it holds `kind` for this ceremony and this 监票人."""
    if file is None:
        return None
    about, _ = read_trustee_file(file)
    if about["cid"] != mine.statement.cid:
        return None
    if about["trustee"] != mine.trustee:
        raise StepRefused(f"这个密钥文件属于第{about['trustee']}位监票人，您是第{mine.trustee}位")
    return about if about["kind"] == kind else None


def _path(meeting: int, step: str) -> str:
    return f"/api/meetings/{meeting}/ceremony/{step}"


def _commitments(mine: _Mine) -> list[Commitment]:
    return [check_commitment(mine.statement, c) for c in mine.ceremony["commitments"]]


def _round1(mine: _Mine, file: Mapping[str, Any] | None, key_of: KeyOf) -> tuple[PassphraseKey, TrusteeSecret]:
    if _fits(file, "round1", mine) is None or file is None:
        raise StepRefused("这个密钥文件里没有本次密钥生成第一步的秘密：请用第一步时的密钥文件（或其备份）")
    key = key_of(file["kdf"])
    _, secret = open_trustee(file, key)
    assert isinstance(secret, TrusteeSecret)
    return key, secret


def commitment(meeting: int, view: Mapping[str, Any], file: Mapping[str, Any] | None, key_of: KeyOf) -> Answer:
    """Round 1. With a key file of this ceremony's round 1 already: the same commitment again."""
    mine = _mine(meeting, view, "commitments")
    about = _fits(file, "round1", mine)
    if about is not None:
        return Answer("commitment", _path(meeting, "commitment"), about["commitment"], None, "再次提交同一承诺")
    if file is not None:
        raise StepRefused("这个密钥文件属于另一次密钥生成（或已是份额）：第一步请指定一个新的密钥文件名，旧文件请保留")
    secret, made = start(mine.statement, mine.trustee)
    published = made.to_json()
    key_file = seal_trustee(key_of(None), secret, _about(mine, "round1", {"box": published["box"],
                                                                         "commitment": published}))
    return Answer("commitment", _path(meeting, "commitment"), published, key_file)


def shares(meeting: int, view: Mapping[str, Any], file: Mapping[str, Any] | None, key_of: KeyOf) -> Answer:
    """Round 2: my shares sealed to every other 监票人's transport key."""
    mine = _mine(meeting, view, "shares")
    _, secret = _round1(mine, file, key_of)
    commitments = _commitments(mine)
    posted = next((c for c in commitments if c.trustee == mine.trustee), None)
    if posted is None or posted.box != secret.box_public:
        raise StepRefused("服务器上您的承诺不是这个密钥文件生成的（是否在另一台设备上做过第一步？）")
    sealed = seal_shares(mine.statement, secret, commitments)
    return Answer("shares", _path(meeting, "shares"), {"shares": [s.to_json() for s in sealed]})


def confirmation(meeting: int, view: Mapping[str, Any], file: Mapping[str, Any] | None, key_of: KeyOf) -> Answer:
    """Round 3: the shares addressed to me opened and checked; x_j sealed in place of round 1."""
    mine = _mine(meeting, view, "confirmations")
    about = _fits(file, "share", mine)
    if about is not None:
        return Answer("confirmation", _path(meeting, "confirmation"), about["confirmation"], None, "再次提交同一确认")
    key, secret = _round1(mine, file, key_of)
    commitments = _commitments(mine)
    received = {s["trustee"]: open_share(mine.statement, secret, commitments, s) for s in view.get("shares_for_me", [])}
    x, made = confirm(mine.statement, secret, commitments, received)
    published = made.to_json()
    share = TrusteeShare(mine.trustee, x, made.share_key)
    key_file = seal_trustee(key, share, _about(mine, "share", {"share_key": published["share_key"],
                                                               "confirmation": published}))
    return Answer("confirmation", _path(meeting, "confirmation"), published, key_file)


def _result(mine: _Mine) -> CeremonyResult:
    """The election key as the ceremony's public messages give it, which must be the one published."""
    c = mine.ceremony
    commitments = _commitments(mine)
    confirmations = [check_confirmation(mine.statement, commitments, x) for x in c["confirmations"]]
    derived = election_key(mine.statement, commitments, confirmations)
    published = c.get("result") or {}
    if derived.to_json() != {k: published.get(k) for k in ("cid", "key", "share_keys")} or \
            fingerprint(derived.key) != published.get("fingerprint"):
        raise StepRefused("服务器公布的选举公钥与监票人的承诺不符：请勿解密，立即告知总监票人")
    return derived


def checked_totals(vote: Mapping[str, Any], decryption: Mapping[str, Any], counted: Mapping[str, Any],
                   result: CeremonyResult, *, check_proofs: bool = True) -> tuple[str, tuple[Any, ...]]:
    """(vid, totals) once the totals are the sums of the counted ballots, every one of the vote and
    (with `check_proofs`) well-formed, their number the vote's, the context the election key's."""
    vid, totals, _ = _checked(vote, decryption, counted, result, check_proofs=check_proofs)
    return vid, totals


def _checked(vote: Mapping[str, Any], decryption: Mapping[str, Any], counted: Mapping[str, Any],
             result: CeremonyResult, *, check_proofs: bool) -> tuple[str, tuple[Any, ...], list[Ballot]]:
    """`checked_totals`, and the counted ballots as read."""
    encryption = vote.get("encryption")
    if not isinstance(encryption, dict):
        raise StepRefused("本项表决不是加密表决")
    context = read_context(encryption["context"])
    vid = context.vid
    if encryption.get("ceremony") != result.cid or context.key != result.key:
        raise StepRefused("本项表决的选举公钥不是本次会议监票人生成的公钥，拒绝解密")
    if encryption.get("vid") != vid or decryption.get("vid") != vid or counted.get("vid") != vid:
        raise StepRefused("服务器给出的合计不属于这项表决（表决标识不符），已拒绝解密。请告知总监票人。")
    ballots = counted.get("ballots")
    if not isinstance(ballots, list):
        raise StepRefused("服务器没有给出计入合计的选票")
    read = [check_ballot(context, b) if check_proofs else _unchecked(context, b) for b in ballots]
    if len({b.ballot for b in read}) != len(read) or \
            len({s.ciphertext.alpha for b in read for s in b.selections}) != len(read) * context.form.selections:
        raise StepRefused("计入合计的选票中有重复的选票或密文，已拒绝解密。请告知总监票人。")
    cast = decryption.get("ballots_cast")
    if not len(read) == cast == counted.get("ballots_cast") == vote.get("cast"):
        raise StepRefused(f"合计中的选票为 {cast} 张，计入的选票 {len(read)} 张，表决中已投 {vote.get('cast')} 人，"
                          "三者不符：已拒绝解密。请告知总监票人。")
    totals = read_totals(decryption.get("totals"), context.form.selections)
    if aggregate(context.form.selections, read) != totals:
        raise StepRefused("服务器给出的合计不是计入的选票之和：已拒绝解密。请告知总监票人。")
    return vid, totals, read


def _unchecked(context: Context, value: object) -> Ballot:
    return read_ballot(value, context.form, context.vid)


def share_in(meeting: int, view: Mapping[str, Any], file: Mapping[str, Any] | None, key_of: KeyOf) -> TrusteeShare:
    """My share x_j from its key file, once the file is this ceremony's and this 监票人's."""
    mine = _mine(meeting, view, "done")
    if _fits(file, "share", mine) is None or file is None:
        raise StepRefused("这个密钥文件里没有您在本次选举公钥中的密钥份额：请用第三步之后的密钥文件（或其备份）")
    _, share = open_trustee(file, key_of(file["kdf"]))
    assert isinstance(share, TrusteeShare)
    return share


def partial(meeting: int, view: Mapping[str, Any], vote: Mapping[str, Any], decryption: Mapping[str, Any],
            counted: Mapping[str, Any], share: TrusteeShare, *, check_proofs: bool = True) -> Answer:
    """My partial decryption of a closed encrypted vote's totals, once everything checks."""
    mine = _mine(meeting, view, "done")
    result = _result(mine)
    vid, totals = checked_totals(vote, decryption, counted, result, check_proofs=check_proofs)
    if share.trustee != mine.trustee or share.share_key != result.share_keys[mine.trustee - 1]:
        raise StepRefused("密钥份额与本次选举公钥不符，不能解密")
    made = partial_decrypt(vid, mine.trustee, share.secret, totals)
    return Answer("partial", f"/api/votes/{vote['id']}/partial", made.to_json(), None,
                  f"「{vote.get('title') or vote['id']}」：已核对合计为 {len(counted['ballots'])} 张选票之和")


def _in_counted_order(counted: Mapping[str, Any], read: list[Ballot]) -> list[Ballot]:
    """The counted ballots in the counted order the server gives (``counted_order``), which must
    name each of them once."""
    order = counted.get("counted_order")
    by_id = {ballot.ballot: ballot for ballot in read}
    if not isinstance(order, list) or sorted(map(str, order)) != sorted(by_id):
        raise StepRefused("服务器给出的计票顺序与计入的选票不符：已拒绝解密。请告知总监票人。")
    return [by_id[str(ballot_id)] for ballot_id in order]


def write_in_partial(meeting: int, view: Mapping[str, Any], vote: Mapping[str, Any], decryption: Mapping[str, Any],
                     counted: Mapping[str, Any], share: TrusteeShare, *, check_proofs: bool = True) -> Answer:
    """My partial decryption of the write-in round under way (``uses`` or ``names``, §6.1), once
    everything `partial` checks holds; for round ``names`` the ballots with write-ins are re-derived
    from round ``uses``'s partials (each checked), never taken on the server's word."""
    mine = _mine(meeting, view, "done")
    result = _result(mine)
    vid, _, read = _checked(vote, decryption, counted, result, check_proofs=check_proofs)
    if share.trustee != mine.trustee or share.share_key != result.share_keys[mine.trustee - 1]:
        raise StepRefused("密钥份额与本次选举公钥不符，不能解密")
    state = decryption.get("write_ins")
    round_ = state.get("round") if isinstance(state, dict) else None
    if round_ not in ("uses", "names"):
        raise StepRefused("本项表决现在不需要解密另选他人" if state is not None else "本项表决没有另选他人栏")
    assert isinstance(state, dict)
    ballots = _in_counted_order(counted, read)
    title = vote.get("title") or vote["id"]
    path = f"/api/votes/{vote['id']}/write-in-partial"
    if round_ == "uses":
        made = writein_count.uses_partial(vid, mine.trustee, share.secret, ballots)
        return Answer("write_in_partial", path, {"round": "uses", "partial": made.to_json()}, None,
                      f"「{title}」另选他人第一轮：{len(ballots)} 张选票各自的另选人数")
    k = int(decryption["k"])
    try:
        partials = [writein_count.check_uses_partial(vid, result.share_keys, ballots, p)
                    for p in state.get("uses_partials", [])]
        uses = writein_count.combine_uses(ballots, partials, k)
    except BallotCryptoError as error:
        raise StepRefused(f"另选他人第一轮的部分解密不成立（{error.message}）：已拒绝解密。请告知总监票人。") from error
    if list(uses) != state.get("uses"):
        raise StepRefused("服务器给出的各票另选人数与第一轮的部分解密不符：已拒绝解密。请告知总监票人。")
    chosen = writein_count.with_write_ins(ballots, uses)
    made_names = writein_count.names_partial(vid, mine.trustee, share.secret, chosen)
    return Answer("write_in_partial", path, {"round": "names", "partial": made_names.to_json()}, None,
                  f"「{title}」另选他人第二轮：{len(chosen)} 张有另选他人的选票的各栏")


def decrypt(meeting: int, view: Mapping[str, Any], vote: Mapping[str, Any], decryption: Mapping[str, Any],
            counted: Mapping[str, Any], share: TrusteeShare, *, check_proofs: bool = True) -> Answer:
    """`partial` while the totals are being decrypted, else `write_in_partial` (the round under way)."""
    state = decryption.get("write_ins")
    step = write_in_partial if isinstance(state, dict) and state.get("round") != "totals" else partial
    return step(meeting, view, vote, decryption, counted, share, check_proofs=check_proofs)
