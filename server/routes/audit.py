"""The audit log's public face: the newest signed checkpoint (with the witnesses' cosignatures it
got), the verification key and its fingerprint, the export for the auditors, the chair and the
总监票人/监票人/计票人, the verifier run on a fresh export for them (server/verification.py), a
receipt check against this server's log (audit/receipt.py), a receipt as a C2SP tlog-proof, and
the witnesses' state (server/witnesses.py)."""

from __future__ import annotations

import asyncio
import io
import shutil
import tempfile
import zipfile
from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter
from fastapi.responses import Response

import audit
from audit.receipt import ReceiptRejected, check_receipt_against, tlog_proof
from server import evidence, verification
from server.conversation import Principal
from server.domain import Role
from server.errors import NotFound, ServerError
from server.routes.common import Rt, answers, as_role, file_answers
from server.schemas.audit import AuditKey, ReceiptChecked, VerifyReport, VerifyRequest, WitnessState
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
    "the newest checkpoint as a C2SP signed note: the origin line (the log's own, `AUDIT_ORIGIN`), the log size, "
    "the base64 RFC 9162 root hash, a blank line, then the log's Ed25519 signature line (`— <origin> <base64>`) "
    "and, once witnesses have cosigned it, their C2SP tlog-cosignature lines (`— <witness> <base64>`).")},
    "The newest signed checkpoint of the audit log, with the witnesses' cosignatures it has so far. Public."))
async def checkpoint(rt: Rt) -> Response:
    log = rt.ledger.log
    return Response(log.with_cosignatures(log.latest_checkpoint), media_type=TEXT)


@router.get("/audit/cosigned-checkpoint", **file_answers({"text/plain": (
    "the newest checkpoint that witnesses cosigned, as a C2SP signed note: the log's signature line, then every "
    "witness's cosignature line it got.")},
    "The newest checkpoint witnesses cosigned (the one to print, pin or check a quorum on). Public; 404 "
    "`not_cosigned` while no witness has cosigned any.", 404, codes={404: "not_cosigned"}))
async def cosigned_checkpoint(rt: Rt) -> Response:
    cosigned = rt.ledger.log.cosigned
    if cosigned is None:
        raise NotFound("not_cosigned", "还没有见证人副署任何检查点")
    return Response(cosigned.note, media_type=TEXT)


@router.get("/audit/witnesses", **answers(list[WitnessState], 401, 403))
async def witnesses(rt: Rt, caller: Annotated[Principal, as_role(Role.AUDITOR, Role.CHAIR, Role.STAFF,
                                                                  Role.SCRUTINEER)]) -> list[dict[str, Any]]:
    """The witnesses this server asks to cosign each checkpoint (``WITNESSES``), and how each answered last."""
    return [asdict(status) for status in rt.witnesses.status()]


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
    "a zip of one directory `export/` holding `records.jsonl`, `checkpoints.jsonl`, `vkey.txt`, "
    "`tally_inputs.json` and `cosignatures.jsonl` (the witnesses' cosignatures; docs/export.md describes every "
    "file); `python -m audit verify export/ --vkey-fingerprint FP [--witness WKEY … --quorum K]` checks it "
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
    400: "invalid_fingerprint, invalid_witness, invalid_quorum", 409: "verify_busy", 500: "verify_failed"}))
async def verify(body: VerifyRequest, rt: Rt, caller: Checkers) -> dict[str, Any]:
    """Export the audit log as it is now and run the offline verifier on it (``python -m audit verify
    --json``, in a process of its own): every check in order with its verdict, every finding with its
    Chinese title (docs/verifier-spec.md §4.7). A failed verification is answered 200 with ``ok``
    false. ``vkey_fingerprint``: the fingerprint printed at the session, to require (400
    ``invalid_fingerprint`` if it is not 64 hex digits). ``witnesses`` and ``quorum``: the witnesses'
    keys, from the witnesses, and how many of them must have cosigned the latest checkpoint
    (``--witness``/``--quorum``; 400 ``invalid_witness``, ``invalid_quorum``). One verification at a
    time (409 ``verify_busy``). The independent check is the same command on one's own computer."""
    fingerprint = verification.fingerprint_argument(body.vkey_fingerprint)
    witnesses = verification.witness_arguments(body.witnesses, body.quorum)
    return await verification.verify(rt, fingerprint, witnesses)


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


@router.post("/audit/tlog-proof", **file_answers({"text/plain": (
    "the receipt as a C2SP tlog-proof (docs/verifier-spec.md §7): `c2sp.org/tlog-proof@v1`, an `extra` line (base64 "
    "of `{\"leaf_hash\",\"vote_id\"}`), `index <seq>`, the inclusion proof (base64, a line each), a blank line, then "
    "the newest checkpoint that witnesses cosigned and includes the leaf, with their cosignatures (else the newest "
    "checkpoint). `python -m audit check-receipt` reads it.")},
    "A deputy's receipt as a C2SP tlog-proof against the newest witnessed checkpoint, for standard transparency-log "
    "tools. Public: a receipt reveals no choice. The receipt must check against this log (400 `receipt_rejected`, "
    "with the reason, if not).", 400, 422, codes={400: "invalid_receipt, receipt_rejected"}))
async def receipt_tlog_proof(body: Receipt, rt: Rt) -> Response:
    log = rt.ledger.log
    given = body.model_dump(mode="json", exclude_unset=True)
    try:
        receipt = audit.parse_receipt(given)
    except audit.AuditError as error:
        raise ServerError("invalid_receipt", f"凭证格式错误：{error}") from error
    try:
        check_receipt_against(receipt, audit.Verifier.from_vkey(log.vkey), log.origin, log.latest_checkpoint,
                              log.consistency_proof)
    except ReceiptRejected as rejected:
        raise ServerError("receipt_rejected", REJECTED[rejected.reason]) from rejected
    cosigned = log.cosigned
    newest = cosigned if cosigned is not None and cosigned.size > receipt.index else log.latest_checkpoint
    text = tlog_proof(given, newest, log.inclusion_proof(receipt.index, newest.size))
    return Response(text, media_type=TEXT,
                    headers={"Content-Disposition": "attachment; filename=\"ballot.tlog-proof\""})
