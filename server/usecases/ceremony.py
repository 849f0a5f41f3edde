"""The key ceremony of a meeting's 监票人 (docs/ballot-crypto.md §2, docs/protocol.md "The key ceremony").

shared/domain.md "Key custody": the key of encrypted secret ballots is split among the 总监票人
and 监票人 of the session; no chair, staff or operator holds a key. Staff start the ceremony with
the 监票人 accounts in their order and the quorum k; each 监票人, signed in with their own
account, posts their commitment (round 1), their shares sealed to each other 监票人 (round 2) and
their confirmation (round 3). The server checks every proof it can, logs every public message and
relays the sealed shares, which it cannot open. A new ceremony replaces one that did not finish
(a 监票人 whose device found a bad share says so in the room, and staff start again).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from typing import Any

from sqlalchemy import select

from ballotcrypto.ceremony import Ceremony as Statement
from ballotcrypto.ceremony import check_commitment, check_confirmation, election_key, read_ceremony
from ballotcrypto.errors import BallotCryptoError
from server.domain import JsonObject, MeetingId, Role
from server.errors import Conflict, ServerError, forbidden
from server.models import Ceremony, User
from server.usecases.common import meeting
from server.writer import Tx

MAX_TRUSTEES = 15
#: a sealed share: 48 bytes of box overhead + the JSON of {cid, from, to, share} (~190 bytes)
MAX_SEALED = 512


def fingerprint(key_hex: str) -> str:
    """How people compare an election key: the first 16 hex digits of SHA-256 of its 32 bytes,
    upper case, in groups of 4 (docs/ballot-crypto.md §2.4)."""
    digest = hashlib.sha256(bytes.fromhex(key_hex)).hexdigest()[:16].upper()
    return "-".join(digest[i:i + 4] for i in range(0, 16, 4))


def current(tx: Tx, meeting_id: int) -> Ceremony | None:
    """The meeting's latest ceremony (finished or not)."""
    return tx.session.scalars(select(Ceremony).where(Ceremony.meeting_id == meeting_id)
                              .order_by(Ceremony.started_at.desc(), Ceremony.id.desc())).first()


def election_key_of(tx: Tx, meeting_id: int) -> JsonObject | None:
    """The meeting's election key ({cid, key, share_keys, fingerprint}) once a ceremony finished."""
    found = current(tx, meeting_id)
    return found.result if found is not None and found.state == "done" else None


def start_ceremony(tx: Tx, meeting_id: int, accounts: list[str], k: int | None, *, by: str) -> JsonObject:
    live = meeting(tx, meeting_id)
    if live.settings.get("closed"):
        raise Conflict("meeting_closed", "会议已结束")
    if not 1 <= len(accounts) <= MAX_TRUSTEES or len(set(accounts)) != len(accounts):
        raise ServerError("invalid_trustees", f"监票人应为1至{MAX_TRUSTEES}个不同的账户", field="trustees")
    names = []
    for position, username in enumerate(accounts):
        user = tx.session.scalars(select(User).where(User.username == username)).first()
        if user is None or user.disabled or user.role != Role.SCRUTINEER.value:
            raise ServerError("invalid_trustees", f"“{username}”不是可用的计票人/监票人账户",
                              field=f"trustees[{position}]")
        names.append(user.display_name or user.username)
    n = len(accounts)
    quorum = k if k is not None else n // 2 + 1
    if not 1 <= quorum <= n:
        raise ServerError("invalid_quorum", f"解密所需人数应在1到{n}之间", field="k")
    previous = current(tx, meeting_id)
    if previous is not None and previous.state == "done":
        raise Conflict("key_exists", "本次会议的选举公钥已经生成，不能重新生成")
    if any(v.state == "open" for v in tx.live.open_votes(meeting_id)):
        raise Conflict("vote_already_open", "有表决正在进行，不能开始密钥生成")
    if previous is not None:
        previous.state = "abandoned"
        tx.audit("ceremony_abandoned", {"meeting_id": meeting_id, "ceremony": previous.id, "by": by})
    number = 1 + len(list(tx.session.scalars(select(Ceremony.id).where(Ceremony.meeting_id == meeting_id))))
    ceremony_id = f"c{meeting_id}-{number}"
    statement = Statement(tx.ledger.origin, ceremony_id, n, quorum, tuple(names))
    row = Ceremony(id=ceremony_id, meeting_id=meeting_id, statement=statement.to_json(), accounts=list(accounts),
                   state="commitments", commitments={}, shares={}, confirmations={}, result=None, started_at=tx.now)
    tx.session.add(row)
    tx.audit("ceremony_started", {"meeting_id": meeting_id, "ceremony": statement.to_json(), "cid": statement.cid,
                                  "accounts": list(accounts), "by": by})
    tx.publish("ceremony", MeetingId(meeting_id))
    return view(row, None)


def username_of(tx: Tx, user_id: int | None) -> str:
    """The account name of a signed-in user (a 监票人 is known by it in the ceremony)."""
    user = tx.session.get(User, user_id) if user_id is not None else None
    if user is None:
        raise forbidden("只有计票人/监票人账户可以进行此操作")
    return user.username


def _in_progress(tx: Tx, meeting_id: int, username: str, state: str) -> tuple[Ceremony, Statement, int]:
    meeting(tx, meeting_id)
    row = current(tx, meeting_id)
    if row is None or row.state in ("abandoned", "done"):
        raise Conflict("no_ceremony", "没有正在进行的密钥生成")
    if username not in row.accounts:
        raise forbidden("您不是本次密钥生成的监票人")
    if row.state != state:
        raise Conflict("wrong_round", f"密钥生成现在处于“{ROUNDS.get(row.state, row.state)}”阶段")
    return row, read_ceremony(row.statement), row.accounts.index(username) + 1


ROUNDS = {"commitments": "第一步：提交承诺", "shares": "第二步：交换份额", "confirmations": "第三步：确认份额",
          "done": "已完成", "abandoned": "已放弃"}


def _refused(error: BallotCryptoError, field: str) -> ServerError:
    return ServerError("invalid_ceremony_message", f"密钥生成消息无效：{error.message}", field=field)


def post_commitment(tx: Tx, meeting_id: int, username: str, body: object) -> JsonObject:
    row, statement, trustee = _in_progress(tx, meeting_id, username, "commitments")
    try:
        commitment = check_commitment(statement, body)
    except BallotCryptoError as error:
        raise _refused(error, "commitment") from error
    if commitment.trustee != trustee:
        raise forbidden(f"您是第{trustee}位监票人，只能提交自己的承诺")
    if str(trustee) in row.commitments:
        raise Conflict("already_posted", "您已提交过承诺")
    row.commitments = {**row.commitments, str(trustee): commitment.to_json()}
    tx.audit("trustee_commitment", {"meeting_id": meeting_id, "ceremony": row.id, "commitment": commitment.to_json()})
    if len(row.commitments) == statement.n:
        row.state = "shares"
    tx.publish("ceremony", MeetingId(meeting_id))
    return view(row, username)


def post_shares(tx: Tx, meeting_id: int, username: str, shares: list[Any]) -> JsonObject:
    """Round 2: one sealed share for every other trustee, each once (the server cannot open them)."""
    row, statement, trustee = _in_progress(tx, meeting_id, username, "shares")
    if str(trustee) in row.shares:
        raise Conflict("already_posted", "您已提交过份额")
    others = [j for j in range(1, statement.n + 1) if j != trustee]
    seen: list[int] = []
    for position, share in enumerate(shares):
        field = f"shares[{position}]"
        if not isinstance(share, dict) or set(share) != {"trustee", "to", "sealed"}:
            raise ServerError("invalid_ceremony_message", "每份份额应为 {trustee, to, sealed}", field=field)
        if share["trustee"] != trustee or share["to"] not in others or share["to"] in seen:
            raise ServerError("invalid_ceremony_message", "份额应由本人发给其他每位监票人各一份", field=field)
        sealed = share["sealed"]
        try:
            if not isinstance(sealed, str) or len(sealed) > MAX_SEALED or \
                    base64.b64encode(base64.b64decode(sealed, validate=True)).decode() != sealed:
                raise ValueError
        except (ValueError, binascii.Error) as error:
            raise ServerError("invalid_ceremony_message", "密封份额应为标准 base64", field=f"{field}.sealed") from error
        seen.append(share["to"])
    if sorted(seen) != others:
        raise ServerError("invalid_ceremony_message", "份额应由本人发给其他每位监票人各一份", field="shares")
    row.shares = {**row.shares, str(trustee): list(shares)}
    tx.audit("trustee_shares", {"meeting_id": meeting_id, "ceremony": row.id, "trustee": trustee,
                                "shares": list(shares)})
    if len(row.shares) == statement.n:
        row.state = "confirmations"
    tx.publish("ceremony", MeetingId(meeting_id))
    return view(row, username)


def post_confirmation(tx: Tx, meeting_id: int, username: str, body: object) -> JsonObject:
    row, statement, trustee = _in_progress(tx, meeting_id, username, "confirmations")
    commitments = [check_commitment(statement, c) for c in row.commitments.values()]
    try:
        confirmation = check_confirmation(statement, commitments, body)
    except BallotCryptoError as error:
        raise _refused(error, "confirmation") from error
    if confirmation.trustee != trustee:
        raise forbidden(f"您是第{trustee}位监票人，只能提交自己的确认")
    if str(trustee) in row.confirmations:
        raise Conflict("already_posted", "您已提交过确认")
    row.confirmations = {**row.confirmations, str(trustee): confirmation.to_json()}
    tx.audit("trustee_confirmation", {"meeting_id": meeting_id, "ceremony": row.id,
                                      "confirmation": confirmation.to_json()})
    if len(row.confirmations) == statement.n:
        confirmations = [check_confirmation(statement, commitments, c) for c in row.confirmations.values()]
        result = election_key(statement, commitments, confirmations).to_json()
        row.result = {**result, "fingerprint": fingerprint(str(result["key"]))}
        row.state = "done"
        tx.audit("election_key", {"meeting_id": meeting_id, "ceremony": row.id, **row.result})
    tx.publish("ceremony", MeetingId(meeting_id))
    return view(row, username)


def view(row: Ceremony | None, username: str | None) -> JsonObject:
    """What a page shows of the ceremony: everything public, and to a 监票人 their own number and
    the sealed shares addressed to them."""
    if row is None:
        return {"ceremony": None}
    trustee = row.accounts.index(username) + 1 if username in row.accounts else None
    mine = [share for shares in row.shares.values() for share in shares if share["to"] == trustee] \
        if trustee is not None else []
    return {
        "ceremony": {
            "id": row.id, "state": row.state, "statement": row.statement, "accounts": row.accounts,
            "commitments": [row.commitments[k] for k in sorted(row.commitments, key=int)],
            "shares_posted": sorted(int(k) for k in row.shares),
            "confirmations": [row.confirmations[k] for k in sorted(row.confirmations, key=int)],
            "result": row.result,
        },
        "trustee": trustee,
        "shares_for_me": mine,
    }
