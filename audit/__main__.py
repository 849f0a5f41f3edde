"""Command line of the audit package (design.md, "Audit log").

    python -m audit keygen --out FILE --name NAME
    python -m audit export --log LOGDIR --out OUTDIR
    python -m audit verify DIR [--vkey VKEY] [--no-progress]
    python -m audit check-receipt RECEIPT.json --export DIR [--vkey VKEY]
    python -m audit spoiled DIR --tracker CODE [--vkey VKEY]

Exit status: 0 everything holds; 1 a verification failed (the message names the first bad
record or proof and why, and whether the export was altered after signing or the log's key signed
the fault); 2 usage error or unreadable input.  check-receipt verifies the whole export first; it
exits 0 when the receipt's ballot is in the verified log, and says what became of it (counted,
replaced and withdrawn, in a voided vote, not counted yet) and what the leaf holds (an encrypted
ballot: its tracking code).  spoiled verifies the export too, then prints what a challenged
encrypted ballot held, selection by selection, in the vote's labels: the deputy who challenged it
compares that with what their tablet showed.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from audit import keys
from audit.errors import AuditError, ExportError, ReceiptError
from audit.export import export, read_vkey_file
from audit.keys import Verifier
from audit.receipt import FATES, ExportRejected, check_receipt, describe_leaf, load_receipt
from audit.spoiled import describe, find_spoiled, tracker_prefix
from audit.verify import verify_export

OK, FAILED, UNUSABLE = 0, 1, 2


def _vkey_argument(value: str | None) -> str | None:
    """A --vkey value: the key itself, or a file holding it."""
    if value is not None and Path(value).is_file():
        return Path(value).read_text(encoding="ascii").strip()
    return value


def _keygen(args: argparse.Namespace) -> int:
    signer = keys.generate(args.name)
    keys.save(signer, args.out)
    Path(f"{args.out}.pub").write_text(signer.vkey + "\n", encoding="ascii")
    print(f"私钥 private key: {args.out} (mode 0600)")
    print(f"公钥 verifier key (publish it / 请公布): {signer.vkey}")
    return OK


def _export(args: argparse.Namespace) -> int:
    try:
        summary = export(args.log, args.out)
    except ExportError as exc:
        print(f"导出失败 export failed: {exc}", file=sys.stderr)
        return FAILED
    print(
        f"已导出 exported {summary.records} records, {summary.checkpoints} checkpoints, "
        f"{summary.votes} votes to {summary.directory}"
    )
    if summary.left_unsigned:
        print(f"注意 note: {summary.left_unsigned} records after the latest checkpoint were not exported")
    return OK


def _verify(args: argparse.Namespace) -> int:
    progress = args.progress and sys.stderr.isatty()
    report = verify_export(args.directory, trusted_vkey=_vkey_argument(args.vkey), progress=progress)
    print("\n".join(report.lines()))
    return OK if report.ok else FAILED


def _check_receipt(args: argparse.Namespace) -> int:
    try:
        receipt = load_receipt(args.receipt)
    except ReceiptError as exc:
        print(f"无法读取回执 cannot read the receipt: {exc}", file=sys.stderr)
        return UNUSABLE
    exported = read_vkey_file(args.export)
    trusted = _vkey_argument(args.vkey)
    if trusted is not None and Verifier.from_vkey(trusted) != exported:
        print("回执核验失败 FAIL: the export is not signed by the trusted key / 公钥不符")
        return FAILED
    try:
        result = check_receipt(receipt, args.export, exported)
    except ExportRejected as rejected:
        print("\n".join(rejected.report.lines()))
        print("回执核验失败 FAIL: 导出未通过核验，回执无从核对 the export does not verify, so no receipt can be "
              "checked against it")
        return FAILED
    except ReceiptError as exc:
        print(f"回执核验失败 FAIL: {exc}")
        return FAILED
    if result.fate == "not-a-ballot" or result.record is None:
        print(f"回执核验失败 FAIL: record {result.index} is not a ballot / {FATES['not-a-ballot']}")
        return FAILED
    print(
        f"回执有效 PASS: record {result.index} is in checkpoint {result.checkpoint_size}, the export verifies and "
        f"its latest checkpoint ({result.latest_size}) extends it / 回执有效，导出核验通过"
    )
    print(f"选票内容 the leaf holds: {describe_leaf(result.record)}")
    fate = FATES[result.fate or "open"]
    if result.replaced_at is not None:
        fate += f" (ballot_withdrawn: record seq {result.replaced_at})"
    print(f"状态 Status: {fate}")
    return OK


def _spoiled(args: argparse.Namespace) -> int:
    try:
        tracker_prefix(args.tracker)
    except ValueError as exc:
        print(f"核验码有误 bad tracking code: {exc}", file=sys.stderr)
        return UNUSABLE
    report = verify_export(args.directory, trusted_vkey=_vkey_argument(args.vkey))
    if not report.ok:
        print("\n".join(report.lines()))
        return FAILED
    found = find_spoiled(args.directory, args.tracker)
    if not found:
        print(f"导出中没有核验码为 {args.tracker} 的公开核验选票 no challenged ballot has the tracking code "
              f"{args.tracker} (导出核验通过 the export verifies)")
        return FAILED
    for spoiled in found:
        print("\n".join(describe(spoiled)))
    return OK


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m audit", description="审计日志工具 audit log tools")
    commands = parser.add_subparsers(dest="command", required=True)
    keygen = commands.add_parser("keygen", help="generate a log signing key / 生成签名密钥")
    keygen.add_argument("--out", required=True, help="private key file to create (mode 0600); FILE.pub gets the vkey")
    keygen.add_argument("--name", required=True, help="key name = log origin, e.g. renda.example/county-7")
    keygen.set_defaults(run=_keygen)
    exporter = commands.add_parser("export", help="export a log for offline verification / 导出日志")
    exporter.add_argument("--log", required=True, help="the log directory")
    exporter.add_argument("--out", required=True, help="a new or empty directory")
    exporter.set_defaults(run=_export)
    verify = commands.add_parser("verify", help="verify an export and recount every vote / 核验导出并重新计票")
    verify.add_argument("directory")
    verify.add_argument("--vkey", help="the published verifier key (or a file holding it) to require")
    verify.add_argument("--no-progress", dest="progress", action="store_false", help="no progress bar")
    verify.set_defaults(run=_verify)
    receipt = commands.add_parser("check-receipt", help="check a ballot receipt against an export / 核验回执")
    receipt.add_argument("receipt")
    receipt.add_argument("--export", required=True, help="an export directory")
    receipt.add_argument("--vkey", help="the published verifier key (or a file holding it) to require")
    receipt.set_defaults(run=_check_receipt)
    spoiled = commands.add_parser("spoiled", help="what a challenged encrypted ballot held / 查看公开核验的加密选票")
    spoiled.add_argument("directory", help="an export directory")
    spoiled.add_argument("--tracker", required=True, help="the tracking code the tablet showed, e.g. 3F9A-1C07")
    spoiled.add_argument("--vkey", help="the published verifier key (or a file holding it) to require")
    spoiled.set_defaults(run=_spoiled)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    args = _parser().parse_args(argv)
    try:
        status: int = args.run(args)
    except (AuditError, OSError) as exc:  # unreadable input, bad key, tally missing...
        print(f"错误 error: {exc}", file=sys.stderr)
        return UNUSABLE
    return status


if __name__ == "__main__":
    sys.exit(main())
