"""Command line of the audit package (design.md, "Audit log").

    python -m audit keygen --out FILE --name NAME
    python -m audit export --log LOGDIR --out OUTDIR
    python -m audit verify DIR [--vkey VKEY | --vkey-fingerprint FP] [--checkpoint NOTE ...]
                               [--witness WKEY ... [--quorum K]] [--json] [--no-progress]
    python -m audit check-receipt RECEIPT --export DIR [--vkey VKEY | --vkey-fingerprint FP]
                                  [--witness WKEY ... [--quorum K]]
    python -m audit spoiled DIR --tracker CODE [--vkey VKEY | --vkey-fingerprint FP]
    python -m audit fingerprint VKEY
    python -m audit witness --state DIR --log VKEY [--log VKEY ...] [--host H] [--port P] [--name NAME]

``--vkey`` pins the key published at the session (the key itself, or a file holding it);
``--vkey-fingerprint`` pins it by the fingerprint printed on the deputies' code sheet and shown on
the hall screen (SHA-256 of the vkey line, `audit.keys.fingerprint`; the key is named after the
log's origin, so the fingerprint covers the origin too): the export's own ``vkey.txt`` must have
it, so nothing needs to come from the server.  ``--checkpoint`` names a file holding a signed
checkpoint obtained apart (the QR code of a result sheet the 监票人 signed, with or without
witnesses' cosignatures): the export must extend it.  ``verify --witness`` (repeated, or a file of
keys) accepts the export's latest checkpoint only with the valid cosignatures of K of those
witnesses (default: all of them).  A receipt is the tablet's JSON or a C2SP tlog-proof.
``witness`` runs a C2SP tlog-witness (`audit.witness`) until stopped (SIGINT, SIGTERM);
``witness --state DIR --show`` prints its key and what it cosigned.

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
import gc
import json
import signal
import sys
import threading
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from audit import explain, keys
from audit.cosignature import Cosigner
from audit.errors import AuditError, ExportError, NoteError, ReceiptError
from audit.export import export, read_vkey_file
from audit.keys import Verifier
from audit.limits import MAX_CHECKPOINT_BYTES
from audit.verify import verify_export

OK, FAILED, UNUSABLE = 0, 1, 2


def _vkey_argument(value: str | None) -> str | None:
    """A --vkey value: the key itself, or a file holding it."""
    if value is not None and Path(value).is_file():
        return Path(value).read_text(encoding="ascii").strip()
    return value


def _note_file(path: str) -> str:
    """A --checkpoint file: a signed note (as a QR code reader saves it; CRLF line ends are undone)."""
    file = Path(path)
    if file.stat().st_size > MAX_CHECKPOINT_BYTES:
        raise NoteError(f"{path} is larger than a checkpoint ({MAX_CHECKPOINT_BYTES} bytes)")
    text = file.read_bytes().decode("utf-8", "replace").replace("\r\n", "\n")
    return text if text.endswith("\n") else text + "\n"


def _fingerprint(args: argparse.Namespace) -> int:
    print(Verifier.from_vkey(_vkey_argument(args.vkey) or "").fingerprint)
    return OK


def _keys_argument(values: Sequence[str]) -> list[str]:
    """Keys given as themselves or as files holding one a line."""
    found: list[str] = []
    for value in values:
        if Path(value).is_file():
            found.extend(line.strip() for line in Path(value).read_text(encoding="ascii").splitlines() if line.strip())
        else:
            found.append(value)
    return found


def _witnesses(args: argparse.Namespace) -> list[Cosigner]:
    """The --witness keys; the --quorum must fit them."""
    witnesses = list(dict.fromkeys(Cosigner.from_vkey(vkey) for vkey in _keys_argument(args.witness)))
    if args.quorum is not None and not 1 <= args.quorum <= len(witnesses):
        raise _Usage(f"--quorum is 1 .. the number of --witness keys ({len(witnesses)}), not {args.quorum}")
    return witnesses


class _Usage(AuditError):
    """A command line that cannot be run as given."""


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
    progress = args.progress and sys.stderr.isatty() and not args.json
    report = verify_export(args.directory, trusted_vkey=_vkey_argument(args.vkey), progress=progress,
                           trusted_fingerprint=args.vkey_fingerprint, given=[_note_file(p) for p in args.checkpoint],
                           witnesses=_witnesses(args), quorum=args.quorum)
    if args.json:
        print(json.dumps(explain.document(report), ensure_ascii=False, indent=1))
    else:
        print("\n".join(report.lines() + explain.lines(report)))
    return OK if report.ok else FAILED


def _check_receipt(args: argparse.Namespace) -> int:
    # (each command imports what only it needs: `verify`'s start-up counts, docs/performance.md)
    from audit.receipt import FATES, ExportRejected, check_receipt, describe_leaf, load_receipt

    try:
        receipt = load_receipt(args.receipt)
    except ReceiptError as exc:
        print(f"无法读取回执 cannot read the receipt: {exc}", file=sys.stderr)
        return UNUSABLE
    witnesses = _witnesses(args)
    exported = read_vkey_file(args.export)
    trusted = _vkey_argument(args.vkey)
    if trusted is not None and Verifier.from_vkey(trusted) != exported:
        print("回执核验失败 FAIL: the export is not signed by the trusted key / 公钥不符")
        return FAILED
    if args.vkey_fingerprint is not None and keys.parse_fingerprint(args.vkey_fingerprint) != exported.fingerprint:
        print(f"回执核验失败 FAIL: the export's key has the fingerprint {exported.fingerprint}, not the published one "
              "/ 公钥指纹与公布的不符")
        return FAILED
    try:
        result = check_receipt(receipt, args.export, exported, witnesses=witnesses, quorum=args.quorum)
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


def _witness(args: argparse.Namespace) -> int:
    from audit.witness import Witness, origin_hash
    from audit.witness_http import serve

    logs = [Verifier.from_vkey(vkey) for vkey in _keys_argument(args.log)]
    if not logs and not args.show:
        raise _Usage("a witness needs the key of at least one log to witness (--log VKEY)")
    witness = Witness.open(args.state, logs, name=args.name)
    try:
        print(f"见证人公钥 witness key (give it to the auditors / 请交给审计人员): {witness.vkey}", flush=True)
        for origin, log in witness.logs.items():
            state = "尚未副署 nothing cosigned yet" if log.latest is None else (
                f"已副署 cosigned size {log.latest.size} at "
                f"{datetime.fromtimestamp(log.timestamp, UTC):%Y-%m-%d %H:%M:%S} UTC")
            print(f"日志 log {origin} ({origin_hash(origin)}): {state}", flush=True)
        if args.show:
            return OK
        stop = threading.Event()
        previous = {number: signal.signal(number, lambda *_: stop.set()) for number in (signal.SIGINT, signal.SIGTERM)}
        try:
            server, thread = serve(witness, args.host, args.port)
            print(f"见证服务 listening at {server.url} (POST /add-checkpoint); Ctrl-C 停止 to stop", flush=True)
            stop.wait()
            server.shutdown()
            server.server_close()
            thread.join()
        finally:
            for number, handler in previous.items():
                signal.signal(number, handler)
        print("见证服务已停止 witness stopped", flush=True)
        return OK
    finally:
        witness.close()


def _spoiled(args: argparse.Namespace) -> int:
    from audit.spoiled import describe, find_spoiled, tracker_prefix

    try:
        tracker_prefix(args.tracker)
    except ValueError as exc:
        print(f"核验码有误 bad tracking code: {exc}", file=sys.stderr)
        return UNUSABLE
    report = verify_export(args.directory, trusted_vkey=_vkey_argument(args.vkey),
                           trusted_fingerprint=args.vkey_fingerprint)
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
    pins = verify.add_mutually_exclusive_group()
    pins.add_argument("--vkey", help="the published verifier key (or a file holding it) to require")
    pins.add_argument("--vkey-fingerprint", metavar="FP",
                      help="the published key's fingerprint (64 hex digits, spaces allowed) that vkey.txt must have")
    verify.add_argument("--checkpoint", action="append", default=[], metavar="NOTE",
                        help="a file holding a signed checkpoint obtained apart (a result sheet's QR code) that "
                             "the export must extend; may be repeated")
    verify.add_argument("--json", action="store_true", help="print the report as JSON (checks and findings in Chinese)")
    verify.add_argument("--no-progress", dest="progress", action="store_false", help="no progress bar")
    _witness_arguments(verify)
    verify.set_defaults(run=_verify)
    receipt = commands.add_parser("check-receipt", help="check a ballot receipt against an export / 核验回执")
    receipt.add_argument("receipt")
    receipt.add_argument("--export", required=True, help="an export directory")
    receipt_pins = receipt.add_mutually_exclusive_group()
    receipt_pins.add_argument("--vkey", help="the published verifier key (or a file holding it) to require")
    receipt_pins.add_argument("--vkey-fingerprint", metavar="FP", help="the published key's fingerprint to require")
    _witness_arguments(receipt)
    receipt.set_defaults(run=_check_receipt)
    spoiled = commands.add_parser("spoiled", help="what a challenged encrypted ballot held / 查看公开核验的加密选票")
    spoiled.add_argument("directory", help="an export directory")
    spoiled.add_argument("--tracker", required=True, help="the tracking code the tablet showed, e.g. 3F9A-1C07")
    spoiled_pins = spoiled.add_mutually_exclusive_group()
    spoiled_pins.add_argument("--vkey", help="the published verifier key (or a file holding it) to require")
    spoiled_pins.add_argument("--vkey-fingerprint", metavar="FP", help="the published key's fingerprint to require")
    spoiled.set_defaults(run=_spoiled)
    printer = commands.add_parser("fingerprint", help="print a verifier key's fingerprint / 显示公钥指纹")
    printer.add_argument("vkey", help="a verifier key, or a file holding it (vkey.txt)")
    printer.set_defaults(run=_fingerprint)
    witness = commands.add_parser("witness", help="cosign a log's checkpoints as a witness (C2SP tlog-witness) "
                                                  "/ 作为见证人副署日志检查点")
    witness.add_argument("--state", required=True, help="the witness's own directory: its key, what it cosigned, "
                                                        "evidence of refusals (made on first run)")
    witness.add_argument("--log", action="append", default=[], metavar="VKEY",
                         help="the verifier key of a log to witness (its origin is the key's name), or a file of "
                              "keys; repeat for more")
    witness.add_argument("--host", default="127.0.0.1", help="address to listen on (0.0.0.0: every interface)")
    witness.add_argument("--port", type=int, default=7380, help="port to listen on (default 7380)")
    witness.add_argument("--name", help="the witness key's name when it is made, e.g. witness.example/zhang "
                                        "(default witness.local/<random>)")
    witness.add_argument("--show", action="store_true", help="print the witness's key and state, then exit")
    witness.set_defaults(run=_witness)
    return parser


def _witness_arguments(command: argparse.ArgumentParser) -> None:
    command.add_argument("--witness", action="append", default=[], metavar="WKEY",
                         help="a witness's cosignature key (C2SP vkey of type 0x04), or a file of keys; repeat")
    command.add_argument("--quorum", type=int, help="how many of the witnesses must have cosigned the latest "
                                                    "checkpoint (default: all)")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    args = _parser().parse_args(argv)
    try:
        status: int = args.run(args)
    except _Usage as exc:
        print(f"用法错误 usage: {exc}", file=sys.stderr)
        return UNUSABLE
    except (AuditError, OSError) as exc:  # unreadable input, bad key, tally missing...
        print(f"错误 error: {exc}", file=sys.stderr)
        return UNUSABLE
    return status


def _garbage_collection() -> None:
    """Garbage collection for a run of the command line (docs/performance.md, "Verifying"): what
    start-up made is never scanned again (`gc.freeze`), and a collection waits for 50,000 new
    objects rather than 700 -- reading an export makes millions of objects and next to no cycles.
    (Only when run as a program: `main` called in another program leaves its collector alone.)"""
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)


if __name__ == "__main__":
    _garbage_collection()
    sys.exit(main())
