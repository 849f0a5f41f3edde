"""Change an account's name, role, or whether it may sign in (staff only).

A new role or a disabled account ends every sign-in of that account at once (its tokens are
revoked; the caller closes their sockets). Each change is one audit record naming the account,
what changed and who changed it. The last enabled staff account cannot be disabled or given
another role (``last_staff``).
"""

from __future__ import annotations

from typing import Any

from server.usecases.account_common import account, check_display_name, check_role, revoke_tokens, staff_remains, view
from server.writer import Tx


def update_account(tx: Tx, user_id: int, *, display_name: str | None = None, role: str | None = None,
                   disabled: bool | None = None, by: str) -> tuple[dict[str, Any], list[str]]:
    """The account after the change, and the token digests that were revoked."""
    user = account(tx, user_id)
    revoked: list[str] = []
    if display_name is not None:
        name = check_display_name(display_name)
        if name != user.display_name:
            tx.audit("user_renamed", {"user": user.username, "display_name": name, "by": by})
            user.display_name = name
    if role is not None:
        new_role = check_role(role)
        if new_role != user.role:
            tx.audit("user_role_changed", {"user": user.username, "from": user.role, "to": new_role, "by": by})
            user.role = new_role
            revoked = revoke_tokens(tx, user.id)
    if disabled is not None and disabled != user.disabled:
        tx.audit("user_disabled" if disabled else "user_enabled", {"user": user.username, "by": by})
        user.disabled = disabled
        if disabled:
            revoked = sorted(set(revoked) | set(revoke_tokens(tx, user.id)))
    staff_remains(tx)
    return view(user), revoked
