"""Staff set a new password for an account (forgotten, or handed over to someone else).

Every sign-in of that account ends (its tokens are revoked). The audit log says whose password was
reset and by whom; the password itself goes only to the one who asked, once.
"""

from __future__ import annotations

from server.usecases.account_common import account, revoke_tokens
from server.writer import Tx


def reset_password(tx: Tx, user_id: int, *, password_hash: str, by: str) -> tuple[str, list[str]]:
    """The account's username, and the token digests that were revoked."""
    user = account(tx, user_id)
    user.password_hash = password_hash
    tx.audit("user_password_reset", {"user": user.username, "by": by})
    return user.username, revoke_tokens(tx, user.id)
