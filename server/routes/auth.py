"""Sign-in and sign-out: staff, chair, 计票人 and auditors with a password; deputies with the
per-meeting code staff issued. Every sign-in is in the audit log (server/usecases/sign_in.py)."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from server import security
from server.auth import COOKIE, Caller, bearer_token
from server.conversation import Principal
from server.errors import Unauthorized
from server.routes.common import Rt, answers
from server.schemas import auth as schema
from server.schemas.base import Ok
from server.usecases import sign_in
from server.writer import Op, op

router = APIRouter(tags=["sign-in"])


def _login_response(token: str, principal: Principal, hours: int) -> JSONResponse:
    response = JSONResponse({"token": token, "role": principal.role, "name": principal.name,
                             "member_id": principal.member_id, "meeting_id": principal.meeting_id})
    response.set_cookie(COOKIE, token, httponly=True, samesite="strict", max_age=hours * 3600)
    return response


async def _sign_in(rt: Rt, request: Request, attempt: Op[tuple[str, Principal]],
                   account: str | None = None) -> JSONResponse:
    """Run a sign-in within the limits on failures (server/auth.py ``SignInGuard``)."""
    client = request.client.host if request.client else "?"
    rt.sign_ins.check(client, account)
    try:
        token, principal = await rt.writer.submit(attempt, groupable=True, refuses_first=True)
    except Unauthorized:
        rt.sign_ins.failed(client, account)
        raise
    rt.sign_ins.succeeded(client)
    rt.principals.remember(token, principal)
    return _login_response(token, principal, rt.settings.token_hours)


@router.post("/login", **answers(schema.SignedIn, 400, 401, 422, 429, 503, codes={401: "bad_credentials"}))
async def login(body: schema.UserLogin, request: Request, rt: Rt) -> JSONResponse:
    """Staff, the chair, 计票人 and auditors sign in with their password."""
    client = request.client.host if request.client else "?"
    rt.sign_ins.check(client, body.username)  # before the slow password hash, not only after

    def check() -> int | None:
        with rt.sessions() as session:
            return sign_in.check_password(session, body.username, body.password)

    user_id = await asyncio.get_running_loop().run_in_executor(None, check)
    hours = rt.settings.token_hours
    return await _sign_in(rt, request, op(sign_in.sign_in_user, user_id, token_hours=hours), body.username)


@router.post("/deputy/login", **answers(schema.SignedIn, 400, 401, 422, 429, 503, codes={401: "bad_code"}))
async def deputy_login(body: schema.CodeLogin, request: Request, rt: Rt) -> JSONResponse:
    """A deputy signs in with the code staff issued for this meeting (no password)."""
    hours = rt.settings.token_hours
    key = rt.code_key
    return await _sign_in(rt, request, op(sign_in.sign_in_deputy, body.code, token_hours=hours, code_key=key))


@router.post("/logout", **answers(Ok, 503))
async def logout(request: Request, rt: Rt) -> JSONResponse:
    """Revoke the caller's token (if any) and close the sockets opened with it; clears the cookie."""
    token = bearer_token(request)
    if token:
        await rt.writer.run(op(sign_in.revoke_token, token))
        rt.principals.forget(token)
        # Sockets signed in with this token end with it (4401, as for a bad token): a revoked
        # token must not keep voting over a socket opened before the logout.
        await rt.hub.close_credential(security.digest(token), 4401, "logged out")
    response = JSONResponse({"ok": True})
    response.delete_cookie(COOKIE)
    return response


@router.get("/me", **answers(schema.Caller, 401))
async def me(caller: Caller) -> dict[str, object]:
    """Who is calling."""
    return {"role": caller.role, "name": caller.name, "member_id": caller.member_id,
            "meeting_id": caller.meeting_id}
