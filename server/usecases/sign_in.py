"""Sign-in: staff and chair with passwords (argon2), deputies with a per-meeting code issued by
staff. Tokens are random and stored as hashes; every sign-in is in the audit log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from server import security
from server.conversation import Principal
from server.domain import MeetingState, MemberId, MemberStatus, Role
from server.effects import CodesReissued
from server.errors import ServerError, Unauthorized
from server.live import CodeReissue
from server.models import AccessCode, Meeting, Token, User, access_codes_table, meetings_table, tokens_table
from server.startup import reissue_note
from server.usecases.common import meeting as live_meeting
from server.writer import Tx

_DUMMY_HASH = security.hash_password("not a password of anyone")


def _issue(tx: Tx, principal: Principal, hours: int) -> str:
    """A new token, inserted with the batch (a hall of thousands signs in within seconds)."""
    token = security.new_token()
    tx.insert_later(tokens_table, {
        "token_hash": security.digest(token), "role": principal.role.value, "user_id": principal.user_id,
        "member_id": principal.member_id, "meeting_id": principal.meeting_id,
        "expires_at": tx.now + timedelta(hours=hours), "revoked": False,
    })
    return token


def check_password(session: Session, username: str, password: str) -> int | None:
    """The user's id if the password is right. Runs outside the writer: argon2 is slow on purpose."""
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        security.verify_password(_DUMMY_HASH, password)  # same time whether or not the user exists
        return None
    return user.id if security.verify_password(user.password_hash, password) else None


def sign_in_user(tx: Tx, user_id: int | None, *, token_hours: int) -> tuple[str, Principal]:
    """Issue a token to a user whose password :func:`check_password` accepted."""
    user = tx.session.get(User, user_id) if user_id is not None else None
    if user is None:
        raise Unauthorized("bad_credentials", "用户名或密码错误")
    if user.disabled:
        raise ServerError("account_disabled", "该账号已停用，请与会务工作人员联系", status=403)
    meeting_id = tx.session.scalar(
        select(Meeting.id).where(Meeting.state == MeetingState.OPEN.value).order_by(Meeting.id.desc()))
    principal = Principal(Role(user.role), user.display_name, user_id=user.id, meeting_id=meeting_id)
    token = _issue(tx, principal, token_hours)
    tx.audit("sign_in", {"role": user.role, "user": user.username})
    return token, principal


def sign_in_deputy(tx: Tx, code: str, *, token_hours: int, code_key: bytes) -> tuple[str, Principal]:
    """A deputy's code for a token. Refuses before it writes anything (the writer's
    ``refuses_first``): the code, then its meeting, open and in the live picture, and its member."""
    # One Core query (thousands of tablets sign in within seconds; an ORM get costs several times more).
    row = tx.session.connection().execute(_CODE_LOOKUP, {"code_hash": security.code_digest(code_key, code)}).first()
    if row is None or row.revoked:
        raise Unauthorized("bad_code", "签到码无效或已作废，请向工作人员核对")
    live = tx.live.meetings.get(row.meeting_id)
    member = live.members.get(row.member_id) if live is not None else None
    if live is None or member is None or row.state != MeetingState.OPEN:
        raise Unauthorized("bad_code", "会议已结束，签到码已失效")
    principal = Principal(Role.DEPUTY, member.name, member_id=MemberId(row.member_id), meeting_id=live.id)
    token = _issue(tx, principal, token_hours)
    tx.audit("sign_in", {"role": Role.DEPUTY.value, "member": member.code, "meeting_id": live.id})
    return token, principal


#: a code's meeting, member and whether it was revoked, with its meeting's state
_CODE_LOOKUP = (select(access_codes_table.c.meeting_id, access_codes_table.c.member_id, access_codes_table.c.revoked,
                       meetings_table.c.state)
                .join(meetings_table, meetings_table.c.id == access_codes_table.c.meeting_id)
                .where(access_codes_table.c.code_hash == bindparam("code_hash")))


@dataclass(frozen=True)
class IssuedCodes:
    """The new codes (shown once, never stored in clear) and the members whose earlier code they
    replaced: those members' tokens are revoked, and their sockets must be closed."""

    codes: list[dict[str, object]]
    reissued: list[MemberId]


def issue_codes(tx: Tx, meeting_id: int, member_ids: list[int] | None, by: str, *, code_key: bytes,
                reason: str | None = None) -> IssuedCodes:
    """New codes for the given members (all active members by default).

    A member who already holds a code gets a new one only with a reason (issue: staff must not be
    able to vote as a deputy unseen): the old code is revoked, every token signed in with it is
    revoked, and the re-issue is in the audit log and shown on the chair console and on the
    deputy's tablet (``code_reissued``)."""
    live = live_meeting(tx, meeting_id)
    targets = [MemberId(mid) for mid in member_ids] if member_ids is not None else sorted(
        mid for mid, m in live.members.items() if m.status is MemberStatus.ACTIVE)
    for mid in targets:
        if mid not in live.members:
            raise ServerError("unknown_member", f"代表编号 {mid} 不在名册中", field="member_ids")
    old = list(tx.session.scalars(select(AccessCode).where(
        AccessCode.meeting_id == meeting_id, AccessCode.member_id.in_(targets), AccessCode.revoked.is_(False))))
    reissued = sorted({row.member_id for row in old})
    why = (reason or "").strip()
    if reissued and not why:
        raise ServerError("reason_required", "重新发放签到码须说明原因：原签到码及用它登录的终端将全部作废，"
                          "主持人和代表本人都会看到", field="reason")
    for code_row in old:
        code_row.revoked = True
    if reissued:
        for token in tx.session.scalars(select(Token).where(
                Token.meeting_id == meeting_id, Token.member_id.in_(reissued), Token.revoked.is_(False))):
            token.revoked = True
    again = set(reissued)
    notes: dict[MemberId, CodeReissue] = {}
    issued: list[dict[str, object]] = []
    for mid in targets:
        code = security.new_code()
        row = AccessCode(code_hash=security.code_digest(code_key, code), meeting_id=meeting_id, member_id=mid,
                         issued_at=tx.now, issued_by=by, reason=why if mid in again else None)
        tx.session.add(row)
        member = live.members[mid]
        issued.append({"member_id": mid, "code": code, "name": member.name, "seat": member.seat,
                       "group": member.group, "member_code": member.code})
        if mid in again:
            tx.audit("code_reissued", {"meeting_id": meeting_id, "member": member.code, "reason": why, "by": by})
            notes[mid] = reissue_note(row)
    tx.audit("codes_issued", {"meeting_id": meeting_id, "count": len(issued), "by": by})
    if notes:
        tx.then(CodesReissued(live.id, notes))
    if reissued:
        tx.publish("roll", live.id)  # the chair console shows the re-issue; tablets get their view again
    return IssuedCodes(issued, reissued)


def revoke_token(tx: Tx, token: str) -> None:
    row = tx.session.get(Token, security.digest(token))
    if row is not None:
        row.revoked = True
