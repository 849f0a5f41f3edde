"""The checks run for the people who sign the results (issue 15 item 7): ``POST /api/audit/verify``
exports the log as it is now and runs ``python -m audit verify --json`` on the export in a process of
its own, at a lower priority, so that the event loop and the writer keep the hall's pace; its
report (audit/explain.py: every check and finding in Chinese) is the answer.

This is the verifier run on the server being checked: it shows the 监票人 at once what the log says,
but a server that lies could lie here too. The independent check is the same command on their own
computer, on the downloaded export, with the fingerprint printed at the session and the witnesses'
keys with a quorum (README "How to verify an election"); the pages say so.  The witness keys a
监票人 gives here are passed on as ``--witness``/``--quorum``.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import audit
from audit.cosignature import Cosigner
from audit.errors import AuditError, KeyFormatError
from audit.keys import parse_fingerprint
from server.domain import JsonObject
from server.errors import Conflict, ServerError
from server.runtime import Runtime

#: The project's root: ``python -m audit`` is importable from there whether or not it is installed.
ROOT = Path(audit.__file__).resolve().parents[1]
#: Longest a verification may run (a whole session's log takes seconds).
TIMEOUT_S = 900.0


def fingerprint_argument(text: str | None) -> str | None:
    """The fingerprint a 监票人 typed, in its printed form; 400 ``invalid_fingerprint`` if it is not one."""
    if text is None or not text.strip():
        return None
    try:
        return parse_fingerprint(text)
    except KeyFormatError as error:
        typed = sum(c.isalnum() for c in text)
        raise ServerError("invalid_fingerprint", "公钥指纹应为 64 位十六进制数字（0–9、A–F，可含空格），"
                                                 f"您输入了 {typed} 个字母或数字，请对照签到码表重新输入",
                          field="vkey_fingerprint") from error


def witness_arguments(witnesses: list[str] | None, quorum: int | None) -> list[str]:
    """``--witness``/``--quorum`` for the witness keys a 监票人 gave (each once) and the quorum; 400
    ``invalid_witness`` for a string that is not a witness's cosignature key, ``invalid_quorum`` for a
    quorum that is not 1 … their number."""
    keys: list[str] = []
    for number, text in enumerate(witnesses or [], start=1):
        try:
            keys.append(Cosigner.from_vkey(text.strip()).vkey)
        except KeyFormatError as error:
            raise ServerError("invalid_witness", f"第 {number} 个见证人公钥格式错误（应为 C2SP 副署公钥，"
                                                 f"名称+密钥编号+base64）：{error}", field="witnesses") from error
    keys = list(dict.fromkeys(keys))
    if quorum is not None and not 1 <= quorum <= len(keys):
        raise ServerError("invalid_quorum", f"法定数应为 1 到所给见证人公钥的个数（{len(keys)}），不是 {quorum}",
                          field="quorum")
    arguments = [argument for key in keys for argument in ("--witness", key)]
    return arguments + (["--quorum", str(quorum)] if quorum is not None else [])


def _verify(rt: Runtime, fingerprint: str | None, witnesses: Sequence[str]) -> JsonObject:
    with tempfile.TemporaryDirectory(prefix="renda-verify-") as tmp:
        out = Path(tmp) / "export"
        made = datetime.now(UTC)
        try:
            audit.export(rt.ledger.log.directory, out)
        except AuditError as error:
            raise ServerError("verify_failed", f"无法导出审计日志：{error}", status=500) from error
        command = [sys.executable, "-m", "audit", "verify", str(out), "--json", "--no-progress"]
        if fingerprint is not None:
            command += ["--vkey-fingerprint", fingerprint]
        command += witnesses
        nice = shutil.which("nice")
        if nice is not None:
            command = [nice, "-n", "10", *command]
        try:
            done = subprocess.run(command, cwd=ROOT, capture_output=True, timeout=TIMEOUT_S, check=False)
        except subprocess.TimeoutExpired as error:
            raise ServerError("verify_failed", f"核验超过 {TIMEOUT_S:.0f} 秒仍未完成，已停止", status=500) from error
        if done.returncode not in (0, 1):
            why = done.stderr.decode("utf-8", "replace").strip()[-500:]
            raise ServerError("verify_failed", f"核验程序未能运行完毕：{why}", status=500)
        report: JsonObject = json.loads(done.stdout)
        report["exported_at"] = made.isoformat()
        return report


async def verify(rt: Runtime, fingerprint: str | None, witnesses: Sequence[str] = ()) -> JsonObject:
    """Export the log now and verify it (one verification at a time: 409 ``verify_busy``), with the
    ``--witness``/``--quorum`` arguments of `witness_arguments`."""
    if not rt.verifying.acquire(blocking=False):
        raise Conflict("verify_busy", "另一次核验正在进行，请稍候再试")
    try:
        return await asyncio.get_running_loop().run_in_executor(None, _verify, rt, fingerprint, witnesses)
    finally:
        rt.verifying.release()
