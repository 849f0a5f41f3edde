"""Anyone with an account changes their own password (the current one was checked by the caller,
outside the writer). Their other sign-ins end; the one they changed it from stays signed in."""

from __future__ import annotations

from server.errors import Forbidden
from server.usecases.account_common import account, revoke_tokens
from server.writer import Tx


def change_password(tx: Tx, user_id: int, *, password_hash: str, keep_token: str | None) -> list[str]:
    """The digests of the other tokens of this account, now revoked."""
    user = account(tx, user_id)
    if user.disabled:
        raise Forbidden("account_disabled", "该账号已停用")
    user.password_hash = password_hash
    tx.audit("user_password_changed", {"user": user.username})
    return revoke_tokens(tx, user.id, keep=keep_token)
