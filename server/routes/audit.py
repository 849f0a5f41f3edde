"""The audit log's public face: the newest signed checkpoint, the verification key and its
fingerprint, the export for the auditors, the chair and the 总监票人/监票人/计票人, the verifier run on
a fresh export for them (server/verification.py), and a receipt check against this server's log
(audit/receipt.py)."""

from __future__ import annotations

import asyncio
import io
import shutil
import tempfile
import zipfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter
from fastapi.responses import Response

import audit
from audit.receipt import ReceiptRejected, check_receipt_against
from server import evidence, verification
from server.conversation import Principal
from server.domain import Role
from server.errors import ServerError
from server.routes.common import Rt, answers, as_role, file_answers
from server.schemas.audit import AuditKey, ReceiptChecked, VerifyReport, VerifyRequest
from server.schemas.votes import Receipt

router = APIRouter(tags=["audit"])
#: Who signs or checks the results: they download the export and run the verifier.
Checkers = Annotated[Principal, as_role(Role.AUDITOR, Role.CHAIR, Role.SCRUTINEER)]

#: What a deputy is told when a receipt does not check, by the check that failed.
REJECTED = {
    "foreign-checkpoint": "凭证中的检查点签名不属于本次会议的审计日志",
    "not-included": "凭证与检查点不符",
    "rolled-back": "审计日志与凭证签发时不一致（日志被回滚或改写）",
    "rewritten": "审计日志与凭证签发时不一致（日志被回滚或改写）",
}
TEXT = "text/plain; charset=utf-8"


@router.get("/audit/checkpoint", **file_answers({"text/plain": (
    "the newest checkpoint as a C2SP signed note: the origin line (`AUDIT_ORIGIN`), the log size, the base64 "
    "RFC 9162 root hash, a blank line, then the Ed25519 signature lines (`— <name> <base64>`).")},
    "The newest signed checkpoint of the audit log. Public."))
async def checkpoint(rt: Rt) -> Response:
    return Response(rt.ledger.log.latest_checkpoint.note, media_type=TEXT)


@router.get("/audit/vkey", **file_answers({"text/plain": (
    "one line: the C2SP verifier key `<name>+<key id hex>+<base64 of 0x01 || Ed25519 public key>`, then a "
    "newline; `python -m audit verify --vkey` pins it.")}, "The key that signs the checkpoints. Public."))
async def vkey(rt: Rt) -> Response:
    return Response(rt.ledger.log.vkey + "\n", media_type=TEXT)


@router.get("/audit/key", **answers(AuditKey))
async def audit_key(rt: Rt) -> dict[str, Any]:
    """The key that signs the checkpoints, with its fingerprint (what the code sheet prints and the
    hall screen shows) and the log's origin. Public."""
    log = rt.ledger.log
    return {"vkey": log.vkey, "fingerprint": evidence.fingerprint(rt.ledger), "origin": log.origin}


@router.get("/audit/export.zip", **file_answers({"application/zip": (
    "a zip of one directory `export/` holding `records.jsonl`, `checkpoints.jsonl`, `vkey.txt` and "
    "`tally_inputs.json` (docs/export.md describes every file); `python -m audit verify export/` checks it "
    "offline. Sent as the attachment `audit-export.zip`.")},
    "The audit log up to its newest checkpoint, to verify with no server (auditors, the chair, and the "
    "总监票人/监票人/计票人 who sign the results).",
    401, 403))
async def audit_export(rt: Rt, caller: Checkers) -> Response:

    def build() -> bytes:
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "export"
            audit.export(rt.ledger.log.directory, out)
            buffer = io.BytesIO()
            with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
                for path in sorted(out.rglob("*")):
                    if path.is_file():
                        archive.write(path, path.relative_to(out.parent))
            shutil.rmtree(out, ignore_errors=True)
            return buffer.getvalue()

    data = await asyncio.get_running_loop().run_in_executor(None, build)
    return Response(data, media_type="application/zip",
                    headers={"Content-Disposition": "attachment; filename=\"audit-export.zip\""})


@router.post("/audit/verify", **answers(VerifyReport, 400, 401, 403, 409, 422, 500, codes={
    400: "invalid_fingerprint", 409: "verify_busy", 500: "verify_failed"}))
async def verify(body: VerifyRequest, rt: Rt, caller: Checkers) -> dict[str, Any]:
    """Export the audit log as it is now and run the offline verifier on it (``python -m audit verify
    --json``, in a process of its own): every check in order with its verdict, every finding with its
    Chinese title (docs/verifier-spec.md §4.7). A failed verification is answered 200 with ``ok``
    false. ``vkey_fingerprint``: the fingerprint printed at the session, to require (400
    ``invalid_fingerprint`` if it is not 64 hex digits). One verification at a time (409
    ``verify_busy``). The independent check is the same command on one's own computer."""
    fingerprint = verification.fingerprint_argument(body.vkey_fingerprint)
    return await verification.verify(rt, fingerprint)


@router.post("/audit/check-receipt", **answers(ReceiptChecked, 400, 422, codes={400: "invalid_receipt"}))
async def check_receipt(body: Receipt, rt: Rt) -> dict[str, Any]:
    """Check a deputy's receipt against this server's log: the checkpoint's signature, inclusion of
    the leaf in it, and consistency from it to the newest checkpoint. Public: a receipt reveals no
    choice. A receipt that does not check is answered 200 with ``ok`` false and the reason."""
    log = rt.ledger.log
    try:
        receipt = audit.parse_receipt(body.model_dump(mode="json", exclude_unset=True))
    except audit.AuditError as error:
        raise ServerError("invalid_receipt", f"凭证格式错误：{error}") from error
    latest = log.latest_checkpoint
    try:
        checked = check_receipt_against(receipt, audit.Verifier.from_vkey(log.vkey), log.origin, latest,
                                        log.consistency_proof)
    except ReceiptRejected as rejected:
        return {"ok": False, "message": REJECTED[rejected.reason]}
    return {"ok": True, "index": checked.index, "checkpoint_size": checked.checkpoint_size,
            "log_size": checked.latest_size, "message": "您的选票已记录在审计日志中，且日志此后未被改写"}
