"""The audit log's public face: the newest signed checkpoint, the verification key, the export
for auditors, and a receipt check against this server's log (audit/receipt.py)."""

from __future__ import annotations

import asyncio
import io
import shutil
import tempfile
import zipfile
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

import audit
from audit.receipt import ReceiptRejected, check_receipt_against
from server.auth import Caller, needs
from server.domain import Role
from server.errors import ServerError
from server.routes.common import Rt, json_object

router = APIRouter(tags=["audit"])

#: What a deputy is told when a receipt does not check, by the check that failed.
REJECTED = {
    "foreign-checkpoint": "凭证中的检查点签名不属于本次会议的审计日志",
    "not-included": "凭证与检查点不符",
    "rolled-back": "审计日志与凭证签发时不一致（日志被回滚或改写）",
    "rewritten": "审计日志与凭证签发时不一致（日志被回滚或改写）",
}


@router.get("/audit/checkpoint")
async def checkpoint(rt: Rt) -> Response:
    return Response(rt.ledger.log.latest_checkpoint.note, media_type="text/plain; charset=utf-8")


@router.get("/audit/vkey")
async def vkey(rt: Rt) -> Response:
    return Response(rt.ledger.log.vkey + "\n", media_type="text/plain; charset=utf-8")


@router.get("/audit/export.zip")
async def audit_export(rt: Rt, caller: Caller) -> Response:
    needs(caller, Role.AUDITOR, Role.CHAIR)

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


@router.post("/audit/check-receipt")
async def check_receipt(request: Request, rt: Rt) -> dict[str, Any]:
    """Check a deputy's receipt against this server's log: the checkpoint's signature, inclusion of
    the leaf in it, and consistency from it to the newest checkpoint. Public: a receipt reveals no
    choice."""
    data = await json_object(request)
    log = rt.ledger.log
    try:
        receipt = audit.parse_receipt(data)
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
