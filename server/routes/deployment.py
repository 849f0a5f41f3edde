"""How this server is reached and what vouches for it: the address tablets use, the HTTPS
certificate (and the local CA tablets install: ``/ca.crt``, its QR code ``/ca-qr.svg``), and the
audit log's public key with its fingerprint. Shown on the staff page ("安全连接")."""

from __future__ import annotations

import io
from typing import Annotated, Any

import segno
from fastapi import APIRouter, Request
from fastapi.responses import Response

from audit import keys
from server import network, signing_key, tls
from server.conversation import Principal
from server.domain import Role
from server.errors import not_found
from server.routes.common import Rt, answers, as_role
from server.schemas.base import Answer

router = APIRouter(tags=["deployment"])
pages = APIRouter(include_in_schema=False)
Staff = Annotated[Principal, as_role(Role.STAFF)]


class TlsInfo(Answer):
    mode: str  # local-ca | given
    fingerprint: str  # SHA-256 of the local CA (local-ca) or of the server certificate (given)
    names: list[str]
    not_after: str
    ca_url: str | None  # where tablets download the local CA


class AuditKeyInfo(Answer):
    vkey: str
    fingerprint: str
    protection: str  # encrypted | outside-data-dir | clear


class DeploymentInfo(Answer):
    public_url: str
    tls: TlsInfo | None
    audit_key: AuditKeyInfo


def _base(request: Request, rt: Rt) -> str:
    return network.base_url(rt.settings, str(request.base_url))


def _tls(request: Request, rt: Rt) -> tls.Tls | None:
    if not network.uses_tls(rt.settings) and request.url.scheme != "https":
        return None
    return tls.current(rt.settings)


@router.get("/deployment", **answers(DeploymentInfo, 401, 403))
async def deployment_info(request: Request, rt: Rt, caller: Staff) -> dict[str, Any]:
    """The address tablets use, the TLS certificate (fingerprint, names, the CA to install) and the
    audit key to publish (vkey, fingerprint, how it is protected at rest)."""
    base = _base(request, rt)
    made = _tls(request, rt)
    verifier = keys.Verifier.from_vkey(rt.ledger.log.vkey)
    return {
        "public_url": base,
        "tls": None if made is None else {
            "mode": made.mode, "fingerprint": made.fingerprint, "names": list(made.names),
            "not_after": made.not_after.date().isoformat(),
            "ca_url": f"{base}/ca.crt" if made.ca_file is not None else None},
        "audit_key": {"vkey": verifier.vkey, "fingerprint": signing_key.fingerprint(verifier),
                      "protection": signing_key.protection(rt.settings)},
    }


@pages.get("/ca.crt")
async def ca_certificate(request: Request, rt: Rt) -> Response:
    """The local CA certificate (DER) that tablets install once; public, like any certificate."""
    made = _tls(request, rt)
    if made is None or made.ca_file is None:
        raise not_found("本地根证书")
    return Response(tls.ca_der(made), media_type="application/x-x509-ca-cert",
                    headers={"Content-Disposition": 'attachment; filename="renda-ca.crt"'})


@pages.get("/ca-qr.svg")
async def ca_qr(request: Request, rt: Rt) -> Response:
    """A QR code of the CA's download address, for the staff page and printed instructions."""
    made = _tls(request, rt)
    if made is None or made.ca_file is None:
        raise not_found("本地根证书")
    out = io.BytesIO()
    segno.make(f"{_base(request, rt)}/ca.crt", error="m").save(out, kind="svg", scale=5, border=2)  # a whole document
    return Response(out.getvalue(), media_type="image/svg+xml", headers={"Cache-Control": "no-cache"})
